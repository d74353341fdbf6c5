//! LOG_SOFTMAX over the innermost dimension: int8 (TFLM's fixed-point algorithm, output scale
//! 16/256 and zero point 127) and float32.

use crate::error::Error;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::accumulate::log_softmax_params;

use super::{Check, Lower, Operator, Precision};

/// A checked LOG_SOFTMAX.
#[derive(Clone, Debug, PartialEq)]
pub struct LogSoftmax {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// Elements per row.
    pub depth: usize,
}

impl Operator for LogSoftmax {
    const NAMES: &'static [&'static str] = &["LOG_SOFTMAX"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let precision = cx.precision(input, output)?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        if i.shape != o.shape {
            return Err(cx.error(format!(
                "input {:?} and output {:?} differ in shape",
                i.shape, o.shape
            )));
        }
        if precision == Precision::Int8 {
            // TFLM's Prepare: exactly these (compared as floats).
            if o.scale_and_zero_point() != Some((16.0 / 256.0, 127)) {
                return Err(cx.tensor_error(
                    o,
                    "an INT8 log_softmax output must have scale 16/256 and zero point 127 \
                     (TFLM's fixed output format)",
                ));
            }
            let input_scale = cx.scale(input);
            if f64::from(input_scale) * f64::from(1u32 << 26) <= 1.0 {
                return Err(cx.error(format!(
                    "the input scale {input_scale} is too small for TFLM's fixed-point \
                     log_softmax"
                )));
            }
        }
        Ok(LogSoftmax {
            precision,
            input,
            output,
            depth: i.shape.last().copied().unwrap_or(1),
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (input, output, depth) = (self.input, self.output, self.depth);
        match self.precision {
            Precision::Int16 => Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => {
                let [
                    input_multiplier,
                    input_left_shift,
                    reverse_scaling_divisor,
                    reverse_scaling_shift,
                    diff_min,
                ] = log_softmax_params(cx.scale(input));
                let params = kernel::LogSoftmaxI8 {
                    input_multiplier,
                    input_left_shift,
                    reverse_scaling_divisor,
                    reverse_scaling_shift,
                    diff_min,
                    depth,
                };
                cx.call(&kernels::log_softmax_i8, params, &[input], output)
            }
            Precision::Float32 => cx.call(
                &kernels::log_softmax_f32,
                kernel::LogSoftmaxF32 { depth },
                &[input],
                output,
            ),
        }
    }
}
