//! The element-wise family's registry entry: int8 and float32 ADD, SUB, MUL, MAXIMUM, MINIMUM
//! and SQUARED_DIFFERENCE are [`elementwise::Binary`]; this module adds TFLM's unquantized
//! arithmetic, int32 ADD, SUB, MUL, DIV, MAXIMUM and MINIMUM and float32 DIV, with the fused
//! activation ranges TFLM computes for them. Both broadcast the same way (rank at most 4).

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Broadcast4, Element, kernels};
use crate::plan::{Access, InPlace};
use crate::program::KernelCall;
use crate::quant::{self, Activation};

use super::elementwise;
use super::shape::{broadcast4, pad4};
use super::{Check, Lower, Operator};

/// A checked element-wise binary op.
#[derive(Clone, Debug, PartialEq)]
pub enum Elementwise {
    /// int8 or float32, TFLM's quantized and float kernels.
    Binary(elementwise::Binary),
    /// int32, or float32 DIV: no quantization.
    Plain(Plain),
}

impl Operator for Elementwise {
    const NAMES: &'static [&'static str] = &[
        "ADD",
        "SUB",
        "MUL",
        "DIV",
        "MAXIMUM",
        "MINIMUM",
        "SQUARED_DIFFERENCE",
    ];

    fn check(cx: &Check) -> Result<Self, Error> {
        let int32 = cx
            .op
            .inputs
            .iter()
            .flatten()
            .chain(&cx.op.outputs)
            .all(|&t| cx.tensor(t).element_type == ElementType::Int32);
        match PlainKind::of(&cx.op.name) {
            Some(kind) if int32 || kind == PlainKind::Div => {
                Plain::check(cx, kind).map(Self::Plain)
            }
            _ => elementwise::Binary::check(cx).map(Self::Binary),
        }
    }

    fn access(&self) -> Access {
        match self {
            Self::Binary(op) => op.access(),
            Self::Plain(op) => Access::Kernel {
                in_place: op.overwritable.then_some(InPlace {
                    input: op.input1,
                    output: op.output,
                }),
            },
        }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        match self {
            Self::Binary(op) => op.lower(cx),
            Self::Plain(op) => op.lower(cx),
        }
    }
}

/// Which unquantized op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlainKind {
    /// ADD.
    Add,
    /// SUB.
    Sub,
    /// MUL.
    Mul,
    /// DIV.
    Div,
    /// MAXIMUM.
    Maximum,
    /// MINIMUM.
    Minimum,
}

impl PlainKind {
    fn of(name: &str) -> Option<PlainKind> {
        Some(match name {
            "ADD" => PlainKind::Add,
            "SUB" => PlainKind::Sub,
            "MUL" => PlainKind::Mul,
            "DIV" => PlainKind::Div,
            "MAXIMUM" => PlainKind::Maximum,
            "MINIMUM" => PlainKind::Minimum,
            _ => return None,
        })
    }
}

/// A checked int32 ADD, SUB, MUL, DIV, MAXIMUM or MINIMUM, or float32 DIV.
#[derive(Clone, Debug, PartialEq)]
pub struct Plain {
    /// Which op.
    pub kind: PlainKind,
    /// `I32`, or `F32` for DIV.
    pub element: Element,
    /// First input.
    pub input1: usize,
    /// Second input.
    pub input2: usize,
    /// Output.
    pub output: usize,
    /// The fused activation TFLM applies (none for int32 ADD, whose option TFLM ignores, and
    /// for MAXIMUM and MINIMUM).
    pub activation: Activation,
    /// How the inputs map onto the output when their shapes differ.
    pub broadcast: Option<Broadcast4>,
    /// Input 1 has the output's length, so the kernel may write over it.
    pub overwritable: bool,
}

impl Plain {
    fn check(cx: &Check, kind: PlainKind) -> Result<Self, Error> {
        let mut activation = elementwise::fused_activation(cx)?;
        let input1 = cx.input(0, "first input")?;
        let input2 = cx.input(1, "second input")?;
        let output = cx.output()?;
        let types = [input1, input2, output].map(|t| cx.tensor(t).element_type);
        let element = match types {
            [ElementType::Int32, ElementType::Int32, ElementType::Int32] => Element::I32,
            [
                ElementType::Float32,
                ElementType::Float32,
                ElementType::Float32,
            ] if kind == PlainKind::Div => Element::F32,
            [a, b, c] => {
                return Err(cx.error(format!(
                    "{} and {} inputs with {} output are not supported (DIV: INT32 or FLOAT32 \
                     throughout; TFLM's int8 DIV is not implemented in embedml)",
                    a.name(),
                    b.name(),
                    c.name()
                )));
            }
        };
        if cx.tensor(input1).data.is_some() && cx.tensor(input2).data.is_some() {
            return Err(cx.error("both inputs are constant; nothing to compute at run time"));
        }
        // The tensors TFLM requires unquantized for int32 (it computes raw values, and checks
        // these so that a quantized model is not silently misread).
        let unquantized: &[usize] = match (element, kind) {
            (Element::I32, PlainKind::Add | PlainKind::Div) => &[input1, input2],
            (Element::I32, PlainKind::Sub) => &[input1, input2, output],
            _ => &[],
        };
        for &t in unquantized {
            if cx.tensor(t).quantization.is_some() {
                return Err(cx.tensor_error(
                    cx.tensor(t),
                    format!(
                        "is quantized; TFLM's INT32 {} takes unquantized tensors only",
                        cx.op.name
                    ),
                ));
            }
        }
        if element == Element::I32 && kind == PlainKind::Add {
            // TFLM's int32 ADD clamps to the whole int32 range whatever the option says.
            activation = Activation::None;
        }
        if element == Element::I32 && kind == PlainKind::Div {
            let divisor = cx.tensor(input2);
            if divisor.data.is_some() && divisor.i32s().contains(&0) {
                return Err(cx.tensor_error(
                    divisor,
                    "the constant divisor has a zero element; an INT32 division by zero is \
                     undefined in TFLM (it traps on a host)",
                ));
            }
        }
        for t in [input1, input2, output] {
            cx.rank_at_most_4(t)?;
        }
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
        Ok(Plain {
            kind,
            element,
            input1,
            input2,
            output,
            activation,
            broadcast: (s1 != s2).then_some(broadcast),
            overwritable: cx.tensor(input1).len() == cx.tensor(output).len(),
        })
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let reads = [self.input1, self.input2];
        let broadcast = self.broadcast.clone();
        match (self.element, self.kind) {
            (Element::F32, PlainKind::Div) => {
                let (output_min, output_max) = quant::activation_range_f32(self.activation);
                let params = kernel::ArithmeticF32 {
                    output_min,
                    output_max,
                    broadcast,
                };
                cx.call(&kernels::div_f32, params, &reads, self.output)
            }
            (Element::I32, PlainKind::Maximum | PlainKind::Minimum) => {
                let kernel = if self.kind == PlainKind::Maximum {
                    &kernels::maximum_i32
                } else {
                    &kernels::minimum_i32
                };
                cx.call(kernel, kernel::MinMax { broadcast }, &reads, self.output)
            }
            (Element::I32, kind) => {
                let (output_min, output_max) = activation_range_i32(self.activation);
                let params = kernel::ArithmeticI32 {
                    output_min,
                    output_max,
                    broadcast,
                };
                let kernel = match kind {
                    PlainKind::Add => &kernels::add_i32,
                    PlainKind::Sub => &kernels::sub_i32,
                    PlainKind::Mul => &kernels::mul_i32,
                    _ => &kernels::div_i32,
                };
                cx.call(kernel, params, &reads, self.output)
            }
            _ => Err(cx.error("no unquantized kernel for it (a bug in embedml)")),
        }
    }
}

/// TFLM's `CalculateActivationRange` for int32.
fn activation_range_i32(activation: Activation) -> (i32, i32) {
    match activation {
        Activation::None => (i32::MIN, i32::MAX),
        Activation::Relu => (0, i32::MAX),
        Activation::ReluN1To1 => (-1, 1),
        Activation::Relu6 => (0, 6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_binary_name_is_in_the_family() {
        for name in elementwise::Binary::NAMES {
            assert!(Elementwise::NAMES.contains(name), "{name}");
        }
        for name in Elementwise::NAMES {
            assert!(
                elementwise::Binary::NAMES.contains(name) || PlainKind::of(name).is_some(),
                "{name}"
            );
        }
    }
}
