//! Element-wise unary ops: the activations RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, LOGISTIC, TANH,
//! HARD_SWISH, and ABS and NEG. int8 ones are 256-entry tables (TFLM's per-element integer
//! algorithm, evaluated at compile time); int16 RELU, RELU6, LEAKY_RELU, LOGISTIC and TANH
//! (TFLite's 16x8 quantization) and float32 ones compute. They may write their output over their
//! input.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Table, kernels};
use crate::plan::{Access, InPlace};
use crate::program::KernelCall;
use crate::quant::int16::{self, Sigmoid};
use crate::quant::{self, Activation, activation as args};
use crate::tflite::options_table;

use super::check::describe_quantization;
use super::elementwise::{int16_per_tensor, int16_quantized};
use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of LEAKY_RELU.
    LeakyReluOptions = 75 {
        /// Slope for negative inputs.
        alpha: f32 = 0,
    }
);

/// Which unary op.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryKind {
    /// RELU.
    Relu,
    /// RELU6.
    Relu6,
    /// RELU_N1_TO_1.
    ReluN1To1,
    /// LEAKY_RELU with its slope.
    LeakyRelu(f32),
    /// LOGISTIC.
    Logistic,
    /// TANH.
    Tanh,
    /// HARD_SWISH.
    HardSwish,
    /// ABS.
    Abs,
    /// NEG (float32 only: TFLM has no int8 kernel).
    Neg,
}

/// A checked unary op.
#[derive(Clone, Debug, PartialEq)]
pub struct Unary {
    /// Which op.
    pub kind: UnaryKind,
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The int8 lookup table, computed when checked.
    pub table: Option<Table>,
    /// The int16 kernel's parameters, computed when checked.
    pub int16: Option<Int16Unary>,
}

/// An int16 unary op's kernel parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Int16Unary {
    /// RELU: a clamped requantization.
    Relu(kernel::ReluI16),
    /// ABS: the absolute value requantized (RELU's parameters).
    Abs(kernel::ReluI16),
    /// RELU6: a clamp on the input's scale.
    Clamp(kernel::ClampI16),
    /// LEAKY_RELU.
    LeakyRelu(kernel::LeakyReluI16),
    /// LOGISTIC.
    Logistic(kernel::SigmoidI16),
    /// TANH.
    Tanh(kernel::SigmoidI16),
}

/// The parameters of an int16 unary op: TFLM's constraints, then its Prepare's arithmetic.
fn int16_params(
    cx: &Check,
    kind: UnaryKind,
    input: usize,
    output: usize,
) -> Result<Int16Unary, Error> {
    let name = &cx.op.name;
    if cx.tensor(output).element_type != ElementType::Int16 {
        return Err(cx.error(format!(
            "an INT16 input with {} output is not supported (INT16 throughout)",
            cx.tensor(output).element_type.name()
        )));
    }
    match kind {
        UnaryKind::Relu6 | UnaryKind::LeakyRelu(_) => {
            int16_per_tensor(cx, input)?;
            int16_per_tensor(cx, output)?;
        }
        UnaryKind::Relu | UnaryKind::Logistic | UnaryKind::Tanh | UnaryKind::Abs => {
            int16_quantized(cx, input)?;
            int16_quantized(cx, output)?;
        }
        _ => {
            return Err(cx.error(format!(
                "INT16 {name} is not supported (embedml runs INT16 RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH and ABS)"
            )));
        }
    }
    let (si, zi, so, zo) = (
        cx.scale(input),
        cx.zero_point(input),
        cx.scale(output),
        cx.zero_point(output),
    );
    Ok(match kind {
        UnaryKind::Relu => {
            let [_, multiplier, shift, ..] =
                args::relu_table_args(Activation::Relu, si, zi, so, zo);
            cx.check_shift(shift, "input rescale")?;
            let (output_min, output_max) = int16::activation_range_i16(Activation::Relu, so, zo);
            Int16Unary::Relu(kernel::ReluI16 {
                input_zero_point: zi,
                multiplier,
                shift,
                output_zero_point: zo,
                output_min,
                output_max,
            })
        }
        UnaryKind::Abs => {
            // TFLM's `PrepareAbsRsqrt`: a rescale only when the scales differ (the identity
            // multiplier otherwise), zero points 0; the result clamped to int16.
            let [_, multiplier, shift, _] = args::abs_table_args(si, zi, so, zo);
            cx.check_shift(shift, "input rescale")?;
            Int16Unary::Abs(kernel::ReluI16 {
                input_zero_point: zi,
                multiplier,
                shift,
                output_zero_point: zo,
                output_min: i32::from(i16::MIN),
                output_max: i32::from(i16::MAX),
            })
        }
        UnaryKind::Relu6 => {
            // TFLM's `Relu6Prepare`: `[zero point, six]` on the input's own scale; the output's
            // quantization is ignored.
            let six = ((6.0f32 / si).round() as i32).saturating_add(zi);
            let clamp = |v: i32| v.clamp(-32768, 32767) as i16;
            Int16Unary::Clamp(kernel::ClampI16 {
                min: clamp(zi),
                max: clamp(six),
            })
        }
        UnaryKind::LeakyRelu(alpha) => {
            if !((si / so).is_finite() && (si * alpha / so).is_finite()) {
                return Err(cx.tensor_error(
                    cx.tensor(input),
                    "the input scale over the output scale overflows float32 (TFLM's rescale is undefined)",
                ));
            }
            let [
                _,
                identity_multiplier,
                identity_shift,
                alpha_multiplier,
                alpha_shift,
                _,
            ] = args::leaky_relu_table_args(si, zi, so, zo, alpha);
            cx.check_shift(identity_shift, "input rescale")?;
            cx.check_shift(alpha_shift, "input rescale")?;
            Int16Unary::LeakyRelu(kernel::LeakyReluI16 {
                input_zero_point: zi,
                identity_multiplier,
                identity_shift,
                alpha_multiplier,
                alpha_shift,
                output_zero_point: zo,
            })
        }
        UnaryKind::Logistic | UnaryKind::Tanh => {
            let o = cx.tensor(output);
            if !int16::is_q15_scale(so) {
                return Err(cx.tensor_error(
                    o,
                    format!(
                        "an INT16 {name} output must have scale 1/32768 (TFLM fixes it; this has {})",
                        describe_quantization(o)
                    ),
                ));
            }
            let function = if kind == UnaryKind::Logistic {
                Sigmoid::Logistic
            } else {
                Sigmoid::Tanh
            };
            let (multiplier, shift) = int16::sigmoid_i16_params(function, si);
            // TFLM asserts this (in debug builds); beyond it the product overflows int32.
            if !(0..=32767).contains(&multiplier) {
                return Err(cx.tensor_error(
                    cx.tensor(input),
                    format!("the input scale {si} is too large for TFLM's int16 {name} (its input multiplier exceeds 32767)"),
                ));
            }
            let params = kernel::SigmoidI16 { multiplier, shift };
            if kind == UnaryKind::Logistic {
                Int16Unary::Logistic(params)
            } else {
                Int16Unary::Tanh(params)
            }
        }
        _ => return Err(cx.error("an INT16 unary op without a kernel (a bug in embedml)")),
    })
}

/// The clamp of a RELU-family op.
fn relu_activation(kind: UnaryKind) -> Activation {
    match kind {
        UnaryKind::Relu6 => Activation::Relu6,
        UnaryKind::ReluN1To1 => Activation::ReluN1To1,
        _ => Activation::Relu,
    }
}

/// The table of an int8 unary op: TFLM's output constraints, then the table function's arguments
/// as TFLM's Prepare computes them.
fn int8_table(cx: &Check, kind: UnaryKind, input: usize, output: usize) -> Result<Table, Error> {
    let o = cx.tensor(output);
    let fixed = match kind {
        UnaryKind::Logistic => Some((1.0 / 256.0, -128, "1/256")),
        UnaryKind::Tanh => Some((1.0 / 128.0, 0, "1/128")),
        _ => None,
    };
    if let Some((_, zero_point, text)) =
        fixed.filter(|&(s, z, _)| o.scale_and_zero_point() != Some((s, z)))
    {
        return Err(cx.tensor_error(
            o,
            format!(
                "an INT8 output must have scale {text} and zero point {zero_point} (TFLM fixes them; this has {})",
                describe_quantization(o)
            ),
        ));
    }
    let (si, zi, so, zo) = (
        cx.scale(input),
        cx.zero_point(input),
        cx.scale(output),
        cx.zero_point(output),
    );
    if matches!(kind, UnaryKind::Logistic | UnaryKind::Tanh) && si < 2f32.powi(-28) {
        return Err(cx.tensor_error(
            cx.tensor(input),
            "the input scale is too small for TFLM's fixed-point activation",
        ));
    }
    // TFLM divides the scales in float32: an overflow to infinity (or 0/0) leaves its rescale
    // undefined (`QuantizeMultiplier` of a non-finite value), so there is no result to match.
    let rescales = !matches!(kind, UnaryKind::Logistic | UnaryKind::Tanh);
    let ratios_finite = match kind {
        UnaryKind::LeakyRelu(alpha) => (si / so).is_finite() && (si * alpha / so).is_finite(),
        _ => (si / so).is_finite(),
    };
    if rescales && !ratios_finite {
        return Err(cx.tensor_error(
            cx.tensor(input),
            "the input scale over the output scale overflows float32 (TFLM's rescale is undefined)",
        ));
    }
    // Each table's arguments, and where its rescale shifts sit in them.
    let (function, args, shifts): (_, Vec<i32>, &[usize]) = match kind {
        UnaryKind::Relu | UnaryKind::Relu6 | UnaryKind::ReluN1To1 => (
            &kernels::requantize_table,
            args::relu_table_args(relu_activation(kind), si, zi, so, zo).to_vec(),
            &[2],
        ),
        UnaryKind::LeakyRelu(alpha) => (
            &kernels::leaky_relu_table,
            args::leaky_relu_table_args(si, zi, so, zo, alpha).to_vec(),
            &[2, 4],
        ),
        UnaryKind::Logistic => (
            &kernels::logistic_table,
            args::logistic_table_args(si, zi).to_vec(),
            &[3],
        ),
        UnaryKind::Tanh => (
            &kernels::tanh_table,
            args::tanh_table_args(si, zi).to_vec(),
            &[3],
        ),
        UnaryKind::HardSwish => {
            let args = args::hard_swish_table_args(si, zi, so, zo);
            // TFLM refuses a hard swish whose output rescale would grow (a positive exponent).
            if args[5] > 0 {
                return Err(cx.error("the output scale is too small for the input scale (TFLM refuses this HARD_SWISH too)"));
            }
            (&kernels::hard_swish_table, args.to_vec(), &[])
        }
        UnaryKind::Abs => (
            &kernels::abs_table,
            args::abs_table_args(si, zi, so, zo).to_vec(),
            &[2],
        ),
        UnaryKind::Neg => {
            return Err(cx.error("an INT8 NEG reached its table (a bug in embedml)"));
        }
    };
    for &i in shifts {
        cx.check_shift(args[i], "input rescale")?;
    }
    Ok(Table { function, args })
}

impl Operator for Unary {
    const NAMES: &'static [&'static str] = &[
        "RELU",
        "RELU6",
        "RELU_N1_TO_1",
        "LEAKY_RELU",
        "LOGISTIC",
        "TANH",
        "HARD_SWISH",
        "ABS",
        "NEG",
    ];

    fn check(cx: &Check) -> Result<Self, Error> {
        let kind = match cx.op.name.as_str() {
            "NEG" => UnaryKind::Neg,
            "RELU" => UnaryKind::Relu,
            "RELU6" => UnaryKind::Relu6,
            "RELU_N1_TO_1" => UnaryKind::ReluN1To1,
            "LEAKY_RELU" => {
                let alpha = cx
                    .required_options::<LeakyReluOptions>()?
                    .alpha()
                    .unwrap_or(0.0);
                if !alpha.is_finite() {
                    return Err(cx.error(format!("alpha {alpha} must be finite")));
                }
                UnaryKind::LeakyRelu(alpha)
            }
            "LOGISTIC" => UnaryKind::Logistic,
            "TANH" => UnaryKind::Tanh,
            "HARD_SWISH" => UnaryKind::HardSwish,
            "ABS" => UnaryKind::Abs,
            _ => {
                return Err(cx.error("the unary family has no kind for it (a bug in embedml)"));
            }
        };
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let input_type = cx.tensor(input).element_type;
        if kind == UnaryKind::Neg && input_type != ElementType::Float32 {
            return Err(cx.error(format!(
                "{} NEG is not supported (TFLM's NEG kernel takes FLOAT32 only)",
                input_type.name()
            )));
        }
        if cx.tensor(input).len() != cx.tensor(output).len() {
            return Err(cx.error("input and output differ in size"));
        }
        if input_type == ElementType::Int16 {
            return Ok(Unary {
                kind,
                precision: Precision::Int16,
                input,
                output,
                table: None,
                int16: Some(int16_params(cx, kind, input, output)?),
            });
        }
        let precision = cx.precision(input, output)?;
        let table = match precision {
            Precision::Int16 => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => Some(int8_table(cx, kind, input, output)?),
            Precision::Float32 => None,
        };
        Ok(Unary {
            kind,
            precision,
            input,
            output,
            table,
            int16: None,
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
        if let Some(params) = &self.int16 {
            let reads = &[input];
            return match params.clone() {
                Int16Unary::Relu(p) => cx.call(&kernels::relu_i16, p, reads, output),
                Int16Unary::Abs(p) => cx.call(&kernels::abs_i16, p, reads, output),
                Int16Unary::Clamp(p) => cx.call(&kernels::clamp_i16, p, reads, output),
                Int16Unary::LeakyRelu(p) => cx.call(&kernels::leaky_relu_i16, p, reads, output),
                Int16Unary::Logistic(p) => cx.call(&kernels::logistic_i16, p, reads, output),
                Int16Unary::Tanh(p) => cx.call(&kernels::tanh_i16, p, reads, output),
            };
        }
        if let Some(table) = &self.table {
            let params = kernel::LookupI8 {
                table: table.clone(),
            };
            return cx.call(&kernels::lookup_i8, params, &[input], output);
        }
        let reads = &[input];
        match self.kind {
            UnaryKind::Relu | UnaryKind::Relu6 | UnaryKind::ReluN1To1 => {
                let (min, max) = quant::activation_range_f32(relu_activation(self.kind));
                cx.call(
                    &kernels::clamp_f32,
                    kernel::ClampF32 { min, max },
                    reads,
                    output,
                )
            }
            UnaryKind::LeakyRelu(alpha) => cx.call(
                &kernels::leaky_relu_f32,
                kernel::LeakyReluF32 { alpha },
                reads,
                output,
            ),
            UnaryKind::Logistic => {
                cx.call(&kernels::logistic_f32, kernel::NoParams {}, reads, output)
            }
            UnaryKind::Tanh => cx.call(&kernels::tanh_f32, kernel::NoParams {}, reads, output),
            UnaryKind::HardSwish => {
                cx.call(&kernels::hard_swish_f32, kernel::NoParams {}, reads, output)
            }
            UnaryKind::Abs => cx.call(&kernels::abs_f32, kernel::NoParams {}, reads, output),
            UnaryKind::Neg => cx.call(&kernels::neg_f32, kernel::NoParams {}, reads, output),
        }
    }
}
