//! Broadcasting binary element-wise ops: ADD, SUB, MUL, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE;
//! int8 and float32, and int16 ADD, SUB and MUL (TFLite's 16x8 quantization).
//! They may write their output over their first input.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Broadcast4, Kernel, kernels};
use crate::plan::{Access, InPlace};
use crate::program::KernelCall;
use crate::quant::elementwise::{self as rescale, AddParams};
use crate::quant::{self, Activation, int16};
use crate::tflite::options_table;

use super::shape::{broadcast4, pad4};
use super::{Check, Lower, Operator, options};

options_table!(
    /// Options of ADD.
    AddOptions = 11 {
        /// Fused activation.
        fused_activation_function: i8 = 0,
    }
);

options_table!(
    /// Options of MUL.
    MulOptions = 21 {
        /// Fused activation.
        fused_activation_function: i8 = 0,
    }
);

options_table!(
    /// Options of SUB.
    SubOptions = 28 {
        /// Fused activation.
        fused_activation_function: i8 = 0,
    }
);

options_table!(
    /// Options of DIV.
    DivOptions = 29 {
        /// Fused activation.
        fused_activation_function: i8 = 0,
    }
);

/// Which binary op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryKind {
    /// ADD.
    Add,
    /// SUB.
    Sub,
    /// MUL.
    Mul,
    /// MAXIMUM.
    Maximum,
    /// MINIMUM.
    Minimum,
    /// SQUARED_DIFFERENCE.
    SquaredDifference,
}

impl BinaryKind {
    /// The kind of each of [`Binary::NAMES`].
    fn of(name: &str) -> Option<BinaryKind> {
        Some(match name {
            "ADD" => BinaryKind::Add,
            "SUB" => BinaryKind::Sub,
            "MUL" => BinaryKind::Mul,
            "MAXIMUM" => BinaryKind::Maximum,
            "MINIMUM" => BinaryKind::Minimum,
            "SQUARED_DIFFERENCE" => BinaryKind::SquaredDifference,
            _ => return None,
        })
    }
}

/// The int8 rescaling of an op, computed once when it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rescale {
    /// MAXIMUM, MINIMUM, and every float32 op: none.
    None,
    /// int8 ADD, SUB and SQUARED_DIFFERENCE.
    Add(AddParams),
    /// int8 MUL: the output multiplier and shift.
    Mul(i32, i32),
}

/// A checked binary element-wise op.
#[derive(Clone, Debug, PartialEq)]
pub struct Binary {
    /// Which op.
    pub kind: BinaryKind,
    /// Number type of all three tensors: INT8, INT16 (ADD, SUB and MUL) or FLOAT32.
    pub element_type: ElementType,
    /// First input.
    pub input1: usize,
    /// Second input.
    pub input2: usize,
    /// Output.
    pub output: usize,
    /// Fused activation (none for MAXIMUM, MINIMUM and SQUARED_DIFFERENCE).
    pub activation: Activation,
    /// How the inputs map onto the output when their shapes differ.
    pub broadcast: Option<Broadcast4>,
    /// The int8 rescaling.
    pub rescale: Rescale,
    /// Input 1 has the output's length (it is not the broadcast one), so the kernel may write
    /// over it.
    pub overwritable: bool,
}

/// The fused activation of an element-wise binary op, read from the options table of its
/// operator (ADD, SUB, MUL, DIV); MAXIMUM, MINIMUM and SQUARED_DIFFERENCE have none. The int8,
/// float32 and int32 kernels of the family share it.
pub(super) fn fused_activation(cx: &Check) -> Result<Activation, Error> {
    let code = match cx.op.name.as_str() {
        "ADD" => cx
            .options::<AddOptions>()?
            .and_then(|o| o.fused_activation_function()),
        "SUB" => cx
            .options::<SubOptions>()?
            .and_then(|o| o.fused_activation_function()),
        "MUL" => cx
            .options::<MulOptions>()?
            .and_then(|o| o.fused_activation_function()),
        "DIV" => cx
            .options::<DivOptions>()?
            .and_then(|o| o.fused_activation_function()),
        _ => None,
    };
    options::activation(code).map_err(|e| cx.error(e))
}

impl Operator for Binary {
    const NAMES: &'static [&'static str] = &[
        "ADD",
        "SUB",
        "MUL",
        "MAXIMUM",
        "MINIMUM",
        "SQUARED_DIFFERENCE",
    ];

    fn check(cx: &Check) -> Result<Self, Error> {
        let kind = BinaryKind::of(&cx.op.name)
            .ok_or_else(|| cx.error("the binary family has no kind for it (a bug in embedml)"))?;
        let activation = fused_activation(cx)?;
        let input1 = cx.input(0, "first input")?;
        let input2 = cx.input(1, "second input")?;
        let output = cx.output()?;
        let types = [input1, input2, output].map(|t| cx.tensor(t).element_type);
        let element_type = match types {
            [a, b, c]
                if a == b
                    && b == c
                    && matches!(
                        a,
                        ElementType::Int8 | ElementType::Int16 | ElementType::Float32
                    ) =>
            {
                a
            }
            [a, b, c] => {
                return Err(cx.error(format!(
                    "{} and {} inputs with {} output are not supported (INT8, INT16 or FLOAT32 throughout)",
                    a.name(),
                    b.name(),
                    c.name()
                )));
            }
        };
        let quantized = element_type != ElementType::Float32;
        if cx.tensor(input1).data.is_some() && cx.tensor(input2).data.is_some() {
            return Err(cx.error("both inputs are constant; nothing to compute at run time"));
        }
        for t in [input1, input2, output] {
            cx.rank_at_most_4(t)?;
            if element_type == ElementType::Int8 {
                cx.per_tensor_quantized(cx.tensor(t))?;
            } else if element_type == ElementType::Int16 {
                if matches!(kind, BinaryKind::Maximum | BinaryKind::Minimum) {
                    // Raw comparisons: TFLM does not constrain the zero point.
                    int16_per_tensor(cx, t)?;
                } else {
                    int16_quantized(cx, t)?;
                }
            }
        }
        let (s1, s2, so) = (cx.scale(input1), cx.scale(input2), cx.scale(output));
        let rescale = match (quantized, kind) {
            (false, _) | (_, BinaryKind::Maximum | BinaryKind::Minimum) => Rescale::None,
            (true, BinaryKind::Add | BinaryKind::Sub) if element_type == ElementType::Int16 => {
                // TFLM's `CalculateOpDataAdd`/`Sub` with a left shift of 15; every rescale must
                // shrink (`QuantizeMultiplierSmallerThanOneExp`).
                let p = rescale::add_params_with_left_shift(s1, s2, so, int16::ADD_LEFT_SHIFT);
                if p.input1_shift > 0 || p.input2_shift > 0 || p.output_shift > 0 {
                    return Err(cx.error("the output scale is too small for the input scales (TFLM refuses this ADD/SUB too)"));
                }
                Rescale::Add(p)
            }
            (true, BinaryKind::Add | BinaryKind::Sub) => {
                let p = if kind == BinaryKind::Add {
                    rescale::add_params(s1, s2, so)
                } else {
                    rescale::sub_params(s1, s2, so)
                };
                // TFLM requires every rescale to shrink (non-positive shifts); it refuses the rest.
                if p.input1_shift > 0 || p.input2_shift > 0 || p.output_shift > 0 {
                    return Err(cx.error("the output scale is too small for the input scales (TFLM refuses this ADD/SUB too)"));
                }
                Rescale::Add(p)
            }
            (true, BinaryKind::Mul) => {
                let (multiplier, shift) = rescale::mul_params(s1, s2, so);
                Rescale::Mul(multiplier, shift)
            }
            (true, BinaryKind::SquaredDifference) if element_type == ElementType::Int16 => {
                // TFLM's int16 `PrepareQuantized`: a left shift of 0.
                let p = rescale::squared_difference_params_with_left_shift(s1, s2, so, 0);
                cx.check_shift(p.output_shift, "output requantization")?;
                Rescale::Add(p)
            }
            (true, BinaryKind::SquaredDifference) => {
                // The inputs' rescales always shrink; the output's may grow (TFLM's
                // QuantizeMultiplier), up to a left shift of 31.
                let p = rescale::squared_difference_params(s1, s2, so);
                cx.check_shift(p.output_shift, "output requantization")?;
                Rescale::Add(p)
            }
        };
        // MAXIMUM and MINIMUM compare and copy raw values, as TFLM's kernel does, whatever the
        // quantizations of the inputs and the output (TFLM's Prepare does not compare them).
        let (s1, s2, so) = (
            &cx.tensor(input1).shape,
            &cx.tensor(input2).shape,
            &cx.tensor(output).shape,
        );
        let broadcast = broadcast4(s1, s2).filter(|b| pad4(so, 1) == b.output_shape);
        let Some(broadcast) = broadcast else {
            return Err(cx.error(format!(
                "inputs {s1:?} and {s2:?} do not broadcast to the output {so:?}"
            )));
        };
        Ok(Binary {
            kind,
            element_type,
            input1,
            input2,
            output,
            activation,
            broadcast: (s1 != s2).then_some(broadcast),
            rescale,
            overwritable: cx.tensor(input1).len() == cx.tensor(output).len(),
        })
    }

    fn access(&self) -> Access {
        Access::Kernel {
            in_place: self.overwritable.then_some(InPlace {
                input: self.input1,
                output: self.output,
            }),
        }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (input1, input2, output) = (self.input1, self.input2, self.output);
        let broadcast = self.broadcast.clone();
        let reads = [input1, input2];
        let float = self.element_type == ElementType::Float32;
        let int16 = self.element_type == ElementType::Int16;
        match (float, self.rescale) {
            (_, Rescale::None)
                if matches!(self.kind, BinaryKind::Maximum | BinaryKind::Minimum) =>
            {
                let kernel = match (self.kind, self.element_type) {
                    (BinaryKind::Maximum, ElementType::Int16) => &kernels::maximum_i16,
                    (BinaryKind::Maximum, ElementType::Float32) => &kernels::maximum_f32,
                    (BinaryKind::Maximum, _) => &kernels::maximum_i8,
                    (_, ElementType::Int16) => &kernels::minimum_i16,
                    (_, ElementType::Float32) => &kernels::minimum_f32,
                    (_, _) => &kernels::minimum_i8,
                };
                cx.call(kernel, kernel::MinMax { broadcast }, &reads, output)
            }
            (true, _) if self.kind == BinaryKind::SquaredDifference => cx.call(
                &kernels::squared_difference_f32,
                kernel::SquaredDifferenceF32 { broadcast },
                &reads,
                output,
            ),
            (true, _) => {
                let (output_min, output_max) = quant::activation_range_f32(self.activation);
                let kernel: &'static Kernel<kernel::ArithmeticF32> = match self.kind {
                    BinaryKind::Add => &kernels::add_f32,
                    BinaryKind::Sub => &kernels::sub_f32,
                    BinaryKind::Mul => &kernels::mul_f32,
                    BinaryKind::Maximum | BinaryKind::Minimum | BinaryKind::SquaredDifference => {
                        return Err(
                            cx.error("no arithmetic float kernel for it (a bug in embedml)")
                        );
                    }
                };
                let params = kernel::ArithmeticF32 {
                    output_min,
                    output_max,
                    broadcast,
                };
                cx.call(kernel, params, &reads, output)
            }
            (false, Rescale::Mul(output_multiplier, output_shift)) => {
                cx.check_shift(output_shift, "output requantization")?;
                let (output_min, output_max) = self.range(cx);
                let params = kernel::MulI8 {
                    input1_offset: -cx.zero_point(input1),
                    input2_offset: -cx.zero_point(input2),
                    output_multiplier,
                    output_shift,
                    output_offset: cx.zero_point(output),
                    output_min,
                    output_max,
                    broadcast,
                };
                let kernel = if int16 {
                    &kernels::mul_i16
                } else {
                    &kernels::mul_i8
                };
                cx.call(kernel, params, &reads, output)
            }
            (false, Rescale::Add(p)) => {
                let (output_min, output_max) = self.range(cx);
                let params = kernel::AddI8 {
                    input1_offset: -cx.zero_point(input1),
                    input1_multiplier: p.input1_multiplier,
                    input1_shift: p.input1_shift,
                    input2_offset: -cx.zero_point(input2),
                    input2_multiplier: p.input2_multiplier,
                    input2_shift: p.input2_shift,
                    left_shift: p.left_shift,
                    output_multiplier: p.output_multiplier,
                    output_shift: p.output_shift,
                    output_offset: cx.zero_point(output),
                    output_min,
                    output_max,
                    broadcast,
                };
                let kernel = match self.kind {
                    BinaryKind::Add if int16 => &kernels::add_i16,
                    BinaryKind::Sub if int16 => &kernels::sub_i16,
                    BinaryKind::SquaredDifference if int16 => &kernels::squared_difference_i16,
                    BinaryKind::Add => &kernels::add_i8,
                    BinaryKind::Sub => &kernels::sub_i8,
                    BinaryKind::SquaredDifference => &kernels::squared_difference_i8,
                    BinaryKind::Mul | BinaryKind::Maximum | BinaryKind::Minimum => {
                        return Err(cx.error("no ADD-style int8 kernel for it (a bug in embedml)"));
                    }
                };
                cx.call(kernel, params, &reads, output)
            }
            (false, Rescale::None) => Err(cx.error(
                "an int8 ADD, SUB, MUL or SQUARED_DIFFERENCE lost its rescaling (a bug in embedml)",
            )),
        }
    }
}

impl Binary {
    /// The quantized output's bounds under the fused activation.
    fn range(&self, cx: &Lower) -> (i32, i32) {
        if self.element_type == ElementType::Int16 {
            int16::activation_range_i16(
                self.activation,
                cx.scale(self.output),
                cx.zero_point(self.output),
            )
        } else {
            cx.int8_range(self.output, self.activation)
        }
    }
}

/// An int16 activation as TFLite's 16x8 quantization makes it: one scale, zero point 0. TFLM
/// requires the zero point 0 for MUL and the activations; for ADD and SUB it does not check,
/// but with another zero point its arithmetic (an input shifted left by 15) overflows int32.
pub fn int16_quantized(cx: &Check, t: usize) -> Result<(), Error> {
    let tensor = cx.tensor(t);
    match &tensor.quantization {
        Some(q) if q.scales.len() == 1 => match q.zero_points.first() {
            Some(&z) if z != 0 => Err(cx.tensor_error(
                tensor,
                format!("an INT16 tensor must have zero point 0 (TFLite's 16x8 quantization; this has {z})"),
            )),
            _ => Ok(()),
        },
        Some(_) => Err(cx.tensor_error(
            tensor,
            "per-channel quantization of an activation is not supported",
        )),
        None => Err(cx.tensor_error(tensor, "an INT16 activation must be quantized")),
    }
}

/// A quantized int16 activation with one scale and any zero point (the ops for which TFLM does
/// not require 0: MAXIMUM, MINIMUM, RELU6, LEAKY_RELU).
pub fn int16_per_tensor(cx: &Check, t: usize) -> Result<(), Error> {
    let tensor = cx.tensor(t);
    match &tensor.quantization {
        Some(q) if q.scales.len() == 1 => match q.zero_points.first() {
            Some(&z) if !(-32768..=32767).contains(&z) => {
                Err(cx.tensor_error(tensor, format!("zero point {z} is outside INT16")))
            }
            _ => Ok(()),
        },
        Some(_) => Err(cx.tensor_error(
            tensor,
            "per-channel quantization of an activation is not supported",
        )),
        None => Err(cx.tensor_error(tensor, "an INT16 activation must be quantized")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_kind() {
        for name in Binary::NAMES {
            assert!(BinaryKind::of(name).is_some(), "{name}");
        }
    }
}
