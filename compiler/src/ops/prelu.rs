//! PRELU: `x` where `x >= 0`, `alpha * x` elsewhere, alpha (usually constant) broadcast against
//! the input, int8 or int16 with int8 alpha (TFLM's two-multiplier form) or float32.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Broadcast4, kernels};
use crate::plan::{Access, InPlace};
use crate::program::KernelCall;
use crate::quant;

use super::shape::{broadcast4, pad4};
use super::{Check, Lower, Operator, Precision};

/// A checked PRELU.
#[derive(Clone, Debug, PartialEq)]
pub struct Prelu {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Alpha.
    pub alpha: usize,
    /// Output.
    pub output: usize,
    /// How alpha maps onto the input when their shapes differ.
    pub broadcast: Option<Broadcast4>,
}

impl Operator for Prelu {
    const NAMES: &'static [&'static str] = &["PRELU"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "input")?;
        let alpha = cx.input(1, "alpha")?;
        let output = cx.output()?;
        let precision = cx.precision_int16x8(input, output)?;
        let a = cx.tensor(alpha);
        // TFLM's Prepare: an int16 PRELU takes int8 alpha; otherwise alpha has the input's type.
        let expected = match precision {
            Precision::Int16 | Precision::Int8 => ElementType::Int8,
            Precision::Float32 => ElementType::Float32,
        };
        if a.element_type != expected {
            return Err(cx.tensor_error(
                a,
                format!(
                    "alpha is {}; TFLM's PRELU takes {} alpha here",
                    a.element_type.name(),
                    expected.name()
                ),
            ));
        }
        if precision != Precision::Float32 {
            cx.per_tensor_quantized(a)?;
        }
        for t in [input, alpha, output] {
            cx.rank_at_most_4(t)?;
        }
        let (si, sa, so) = (&cx.tensor(input).shape, &a.shape, &cx.tensor(output).shape);
        // The output has the input's shape; alpha broadcasts into it.
        let broadcast = broadcast4(si, sa)
            .filter(|b| pad4(so, 1) == b.output_shape && si == so)
            .ok_or_else(|| {
                cx.error(format!(
                    "alpha {sa:?} does not broadcast to the input {si:?} (output {so:?})"
                ))
            })?;
        if precision != Precision::Float32 {
            for (real, what) in [
                (
                    positive_real(cx.scale(input), cx.scale(output)),
                    "input / output scale",
                ),
                (
                    negative_real(cx.scale(input), cx.scale(alpha), cx.scale(output)),
                    "input * alpha / output scale",
                ),
            ] {
                let (_, shift) = quant::quantize_multiplier(real);
                cx.check_shift(shift, what)?;
            }
        }
        Ok(Prelu {
            precision,
            input,
            alpha,
            output,
            broadcast: (si != sa).then_some(broadcast),
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
        let reads = [self.input, self.alpha];
        let broadcast = self.broadcast.clone();
        match self.precision {
            Precision::Int8 | Precision::Int16 => {
                let (input, alpha, output) = (self.input, self.alpha, self.output);
                let (positive_multiplier, positive_shift) =
                    quant::quantize_multiplier(positive_real(cx.scale(input), cx.scale(output)));
                let (negative_multiplier, negative_shift) = quant::quantize_multiplier(
                    negative_real(cx.scale(input), cx.scale(alpha), cx.scale(output)),
                );
                let params = kernel::PreluI8 {
                    input_offset: -cx.zero_point(input),
                    alpha_offset: -cx.zero_point(alpha),
                    output_offset: cx.zero_point(output),
                    positive_multiplier,
                    positive_shift,
                    negative_multiplier,
                    negative_shift,
                    broadcast,
                };
                if self.precision == Precision::Int16 {
                    cx.call(&kernels::prelu_i16, params, &reads, output)
                } else {
                    cx.call(&kernels::prelu_i8, params, &reads, output)
                }
            }
            Precision::Float32 => cx.call(
                &kernels::prelu_f32,
                kernel::PreluF32 { broadcast },
                &reads,
                self.output,
            ),
        }
    }
}

/// TFLM's `real_multiplier_1`: `double(input_scale) / double(output_scale)`.
fn positive_real(input: f32, output: f32) -> f64 {
    f64::from(input) / f64::from(output)
}

/// TFLM's `real_multiplier_2`: `double(input_scale) * double(alpha_scale) /
/// double(output_scale)`.
fn negative_real(input: f32, alpha: f32, output: f32) -> f64 {
    f64::from(input) * f64::from(alpha) / f64::from(output)
}
