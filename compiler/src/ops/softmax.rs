//! SOFTMAX over the innermost dimension: int8 to int8 or int16 (TFLM's fixed-point algorithm),
//! int16 to int16 (TFLM's lookup tables, filled at compile time) and float32.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant;
use crate::quant::int16;
use crate::tflite::options_table;

use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of SOFTMAX.
    SoftmaxOptions = 9 {
        /// Inverse temperature.
        beta: f32 = 0,
    }
);

/// A checked SOFTMAX.
#[derive(Clone, Debug, PartialEq)]
pub struct Softmax {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// Elements per row.
    pub depth: usize,
    /// Inverse temperature.
    pub beta: f32,
    /// An int8 input with an int16 output (scale 1/65536, zero point -32768).
    pub int16_output: bool,
    /// int16 input and output (TFLite's 16x8 quantization).
    pub int16: bool,
}

impl Operator for Softmax {
    const NAMES: &'static [&'static str] = &["SOFTMAX"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let beta = cx
            .required_options::<SoftmaxOptions>()?
            .beta()
            .unwrap_or(0.0);
        if !(beta.is_finite() && beta > 0.0) {
            return Err(cx.error(format!("beta {beta} must be finite and positive")));
        }
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        let int16_output =
            (i.element_type, o.element_type) == (ElementType::Int8, ElementType::Int16);
        if i.element_type == ElementType::Int16 {
            return check_int16(cx, beta, input, output);
        }
        let precision = if int16_output {
            cx.precision(input, input)?
        } else {
            cx.precision(input, output)?
        };
        if i.shape != o.shape {
            return Err(cx.error(format!(
                "input {:?} and output {:?} differ in shape",
                i.shape, o.shape
            )));
        }
        if int16_output {
            // TFLM's Prepare: zero point -32768, scale within 0.1% of 1/65536.
            let step = 1.0 / 65536.0;
            let fits = o.quantization.as_ref().is_some_and(|q| q.scales.len() == 1)
                && o.scale_and_zero_point().is_some_and(|(scale, zero_point)| {
                    zero_point == -32768 && (scale - step).abs() <= 0.001 * step
                });
            if !fits {
                return Err(cx.tensor_error(
                    o,
                    "an INT16 softmax output must have scale 1/65536 and zero point -32768",
                ));
            }
        } else if precision == Precision::Int8
            && o.scale_and_zero_point() != Some((1.0 / 256.0, -128))
        {
            return Err(cx.tensor_error(
                o,
                "an INT8 softmax output must have scale 1/256 and zero point -128",
            ));
        }
        if precision == Precision::Int8 {
            let input_scale = cx.scale(input);
            // TFLM needs beta * scale, scaled to the Q5.26 difference, above one.
            if f64::from(beta) * f64::from(input_scale) * f64::from(1u32 << 26) <= 1.0 {
                return Err(cx.error(format!(
                    "beta {beta} times the input scale {input_scale} is too small for TFLM's fixed-point softmax"
                )));
            }
        }
        Ok(Softmax {
            precision,
            input,
            output,
            depth: i.shape.last().copied().unwrap_or(1),
            beta,
            int16_output,
            int16: false,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (input, output, depth) = (self.input, self.output, self.depth);
        if self.int16 {
            let (input_multiplier, input_shift) =
                int16::softmax_i16_params(self.beta, cx.scale(input));
            let params = kernel::SoftmaxI16 {
                input_multiplier,
                input_shift,
                depth,
                exp_lut: kernel::Lut16(int16::softmax_exp_lut()),
                one_over_one_plus_x_lut: kernel::Lut16(int16::softmax_one_over_one_plus_x_lut()),
            };
            return cx.call(&kernels::softmax_i16, params, &[input], output);
        }
        match self.precision {
            Precision::Int16 => Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => {
                let (input_multiplier, input_left_shift, diff_min) =
                    quant::softmax_params(f64::from(self.beta), f64::from(cx.scale(input)));
                let params = kernel::SoftmaxI8 {
                    input_multiplier,
                    input_left_shift,
                    diff_min,
                    depth,
                };
                let kernel = if self.int16_output {
                    &kernels::softmax_i8_i16
                } else {
                    &kernels::softmax_i8
                };
                cx.call(kernel, params, &[input], output)
            }
            Precision::Float32 => {
                let params = kernel::SoftmaxF32 {
                    beta: self.beta,
                    depth,
                };
                cx.call(&kernels::softmax_f32, params, &[input], output)
            }
        }
    }
}

/// int16 to int16 SOFTMAX: TFLM's `CalculateSoftmaxParams` constraints (zero points 0, an
/// output scale within 0.1% of 1/32768) and a rescale that fits.
fn check_int16(cx: &Check, beta: f32, input: usize, output: usize) -> Result<Softmax, Error> {
    let (i, o) = (cx.tensor(input), cx.tensor(output));
    if o.element_type != ElementType::Int16 {
        return Err(cx.error(format!(
            "an INT16 input with {} output is not supported (INT16 throughout)",
            o.element_type.name()
        )));
    }
    if i.shape != o.shape {
        return Err(cx.error(format!(
            "input {:?} and output {:?} differ in shape",
            i.shape, o.shape
        )));
    }
    super::elementwise::int16_quantized(cx, input)?;
    super::elementwise::int16_quantized(cx, output)?;
    let step = 1.0f32 / 32768.0;
    if (cx.scale(output) - step).abs() > 0.001 * step {
        return Err(cx.tensor_error(
            o,
            "an INT16 softmax output must have scale 1/32768 and zero point 0",
        ));
    }
    let (_, shift) = int16::softmax_i16_params(beta, cx.scale(input));
    cx.check_shift(shift, "input rescale")?;
    Ok(Softmax {
        precision: Precision::Int16,
        input,
        output,
        depth: i.shape.last().copied().unwrap_or(1),
        beta,
        int16_output: false,
        int16: true,
    })
}
