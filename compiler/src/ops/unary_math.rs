//! Element-wise math: EXP, LOG, SQRT, RSQRT, SQUARE, FLOOR, CEIL, ROUND and ELU.
//!
//! TFLM runs all of them in float32, and RSQRT also in int8 (a per-element fixed-point function,
//! so a 256-entry table built at compile time, as the activations' are). Its other kernels
//! reject int8 in Prepare, and so does embedml, naming the op. They may write their output over
//! their input.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Table, kernels};
use crate::plan::{Access, InPlace};
use crate::program::KernelCall;
use crate::quant::quantize_multiplier;

use super::{Check, Lower, Operator, Precision};

/// Which math op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathKind {
    /// EXP.
    Exp,
    /// LOG.
    Log,
    /// SQRT.
    Sqrt,
    /// RSQRT (float32 and int8).
    Rsqrt,
    /// SQUARE.
    Square,
    /// FLOOR.
    Floor,
    /// CEIL.
    Ceil,
    /// ROUND (half to even).
    Round,
    /// ELU.
    Elu,
}

impl MathKind {
    /// The kind of a TFLite builtin name.
    fn of(name: &str) -> Option<MathKind> {
        Some(match name {
            "EXP" => MathKind::Exp,
            "LOG" => MathKind::Log,
            "SQRT" => MathKind::Sqrt,
            "RSQRT" => MathKind::Rsqrt,
            "SQUARE" => MathKind::Square,
            "FLOOR" => MathKind::Floor,
            "CEIL" => MathKind::Ceil,
            "ROUND" => MathKind::Round,
            "ELU" => MathKind::Elu,
            _ => return None,
        })
    }

    /// Whether TFLM has an int8 kernel for it.
    fn has_int8_kernel(self) -> bool {
        matches!(self, MathKind::Rsqrt)
    }
}

/// A checked math op.
#[derive(Clone, Debug, PartialEq)]
pub struct Math {
    /// Which op.
    pub kind: MathKind,
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The int8 lookup table, computed when checked.
    pub table: Option<Table>,
}

/// The arguments of `rsqrt_table` as TFLM's `PrepareAbsRsqrt` computes them: the rescale
/// `1 / double(sqrt(input_scale) * output_scale)`, the square root and product in float, split
/// by `QuantizeMultiplier`. `None` if that is not finite.
pub fn rsqrt_table_args(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> Option<[i32; 4]> {
    let scale = 1.0 / f64::from(input_scale.sqrt() * output_scale);
    if !scale.is_finite() {
        return None;
    }
    let (multiplier, shift) = quantize_multiplier(scale);
    Some([input_zero_point, multiplier, shift, output_zero_point])
}

/// The table of an int8 RSQRT, with TFLM's Prepare-time rescale.
fn rsqrt_table(cx: &Check, input: usize, output: usize) -> Result<Table, Error> {
    let args = rsqrt_table_args(
        cx.scale(input),
        cx.zero_point(input),
        cx.scale(output),
        cx.zero_point(output),
    )
    .ok_or_else(|| {
        cx.error(
            "the rescale 1 / (sqrt(input scale) * output scale) is not finite (TFLM's rescale is undefined)",
        )
    })?;
    // The kernel rescales by `shift - 20`: a right shift beyond 31 is undefined in TFLM's
    // `RoundingDivideByPOT`, a left shift beyond 31 in its `x * (1 << shift)`.
    let shift = args[2] - RSQRT_INTERMEDIATE_SHIFT;
    if shift < -31 {
        return Err(cx.error(format!(
            "the output rescale needs a shift of {shift}, beyond TFLM's fixed-point range (the scales are implausible)"
        )));
    }
    cx.check_shift(shift, "output rescale")?;
    Ok(Table {
        function: &kernels::rsqrt_table,
        args: args.to_vec(),
    })
}

/// The bits TFLM's int8 RSQRT keeps in its intermediate (`kShift`, core's
/// `RSQRT_INTERMEDIATE_SHIFT`).
const RSQRT_INTERMEDIATE_SHIFT: i32 = 20;

impl Operator for Math {
    const NAMES: &'static [&'static str] = &[
        "EXP", "LOG", "SQRT", "RSQRT", "SQUARE", "FLOOR", "CEIL", "ROUND", "ELU",
    ];

    fn check(cx: &Check) -> Result<Self, Error> {
        let name = cx.op.name.as_str();
        let kind = MathKind::of(name)
            .ok_or_else(|| cx.error("the math family has no kind for it (a bug in embedml)"))?;
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let input_type = cx.tensor(input).element_type;
        if input_type == ElementType::Int8 && kind == MathKind::Elu {
            // TFLM has one: a table of float32 `exp(x) - 1` rounded to the output, which needs
            // TFLM's host `expf` bit for bit at build time.
            return Err(cx.error(
                "INT8 ELU is not supported yet (embedml runs ELU in FLOAT32; keep it in float32, e.g. let the converter leave it between DEQUANTIZE and QUANTIZE)",
            ));
        }
        if input_type != ElementType::Float32 && !kind.has_int8_kernel() {
            return Err(cx.error(format!(
                "{} {name} is not supported (TFLM's {name} kernel takes FLOAT32 only; keep this op in float32, e.g. let the converter leave it between DEQUANTIZE and QUANTIZE)",
                input_type.name()
            )));
        }
        let precision = cx.precision(input, output)?;
        if cx.tensor(input).shape != cx.tensor(output).shape {
            return Err(cx.error("input and output differ in shape"));
        }
        let table = match precision {
            Precision::Int16 => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => Some(rsqrt_table(cx, input, output)?),
            Precision::Float32 => None,
        };
        Ok(Math {
            kind,
            precision,
            input,
            output,
            table,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel {
            in_place: Some(InPlace {
                input: self.input,
                output: self.output,
            }),
        }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (input, output) = (self.input, self.output);
        if let Some(table) = &self.table {
            let params = kernel::LookupI8 {
                table: table.clone(),
            };
            return cx.call(&kernels::lookup_i8, params, &[input], output);
        }
        let function = match self.kind {
            MathKind::Exp => &kernels::exp_f32,
            MathKind::Log => &kernels::log_f32,
            MathKind::Sqrt => &kernels::sqrt_f32,
            MathKind::Rsqrt => &kernels::rsqrt_f32,
            MathKind::Square => &kernels::square_f32,
            MathKind::Floor => &kernels::floor_f32,
            MathKind::Ceil => &kernels::ceil_f32,
            MathKind::Round => &kernels::round_f32,
            MathKind::Elu => &kernels::elu_f32,
        };
        cx.call(function, kernel::NoParams {}, &[input], output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsqrt_args_take_the_square_root_in_float() {
        // 1 / (sqrt(0.05) * 0.02) = 223.607 = 0.8735 * 2^8.
        let [zero_point, multiplier, shift, output_zero_point] =
            rsqrt_table_args(0.05, -128, 0.02, -128).unwrap();
        assert_eq!((zero_point, shift, output_zero_point), (-128, 8, -128));
        let real = f64::from(multiplier) * 2f64.powi(8 - 31);
        assert!((real - 223.607).abs() < 1e-3, "{real}");
        assert_eq!(rsqrt_table_args(0.0, 0, 0.02, 0), None);
    }

    #[test]
    fn every_name_has_a_kind() {
        for name in Math::NAMES {
            assert!(MathKind::of(name).is_some(), "{name}");
        }
    }
}
