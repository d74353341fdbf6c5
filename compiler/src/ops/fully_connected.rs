//! FULLY_CONNECTED: int8 (per-tensor or per-channel weights), int16x8 and float32.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Constant, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::{self, Activation};
use crate::tflite::options_table;

use super::lower::{ScaleRounding, WeightLayout, channel_records};
use super::{Check, Lower, Operator, Precision, options};

options_table!(
    /// Options of FULLY_CONNECTED.
    FullyConnectedOptions = 8 {
        /// Fused activation.
        fused_activation_function: i8 = 0,
        /// 0 = default layout; 1 = shuffled int8 weights.
        weights_format: i8 = 1,
        /// Keep the input's rank in the output.
        keep_num_dims: bool = 2,
        /// Dynamic-range quantization of float inputs.
        asymmetric_quantize_inputs: bool = 3,
        /// Bias and accumulator type when set.
        quantized_bias_type: i8 = 4,
    }
);

/// A checked FULLY_CONNECTED.
#[derive(Clone, Debug, PartialEq)]
pub struct FullyConnected {
    /// Number type.
    pub precision: Precision,
    /// Activation input.
    pub input: usize,
    /// Constant weights `[output_depth, accum_depth]`.
    pub weights: usize,
    /// Constant bias `[output_depth]`, if any.
    pub bias: Option<usize>,
    /// Output.
    pub output: usize,
    /// Inputs per output.
    pub accum_depth: usize,
    /// Outputs per batch.
    pub output_depth: usize,
    /// Fused activation.
    pub activation: Activation,
    /// int16x8 only: TFLM's 32-bit accumulator (an INT32 bias, or none with
    /// `quantized_bias_type` INT32) rather than its 64-bit one.
    pub int32_accumulator: bool,
}

/// FULLY_CONNECTED's `[channels][k]` int8 weights (`k` a multiple of 4) in the order
/// `fully_connected_i8_blocked` reads them: for each block of four channels, group by group
/// (four values), the four channels' groups in turn; the remaining channels' rows after the
/// blocks. The same bytes, reordered.
fn blocked_weights(weights: &[i8], channels: usize, k: usize) -> Vec<i8> {
    let at = |c: usize, i: usize| weights.get(c * k + i).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(channels * k);
    for block in 0..channels / 4 {
        for group in 0..k / 4 {
            for c in 4 * block..4 * block + 4 {
                out.extend((0..4).map(|j| at(c, 4 * group + j)));
            }
        }
    }
    for c in channels / 4 * 4..channels {
        out.extend((0..k).map(|i| at(c, i)));
    }
    out
}

/// TFLM's check of a per-tensor int8 FULLY_CONNECTED's bias (`GetQuantizedConvolutionMultipler`):
/// its scale within 2% of the output scale of the input scale times the weights' (an unquantized
/// bias has scale 0 there). Per-channel weights skip it, as in TFLM.
fn per_tensor_bias_scale(
    cx: &Check,
    input: usize,
    weights: usize,
    bias: usize,
    output: usize,
) -> Result<(), Error> {
    let per_channel = cx
        .tensor(weights)
        .quantization
        .as_ref()
        .is_some_and(|q| q.scales.len() > 1);
    if per_channel {
        return Ok(());
    }
    let product = f64::from(cx.scale(input)) * f64::from(cx.scale(weights));
    let bias_tensor = cx.tensor(bias);
    let bias_scale = bias_tensor
        .scale_and_zero_point()
        .map_or(0.0, |(s, _)| f64::from(s));
    let output_scale = f64::from(cx.scale(output));
    if (product - bias_scale).abs() / output_scale <= 0.02 {
        return Ok(());
    }
    Err(cx.tensor_error(
        bias_tensor,
        format!(
            "the bias scale {bias_scale} is not the input scale times the weights' ({product}); TFLM refuses a per-tensor FULLY_CONNECTED whose difference exceeds 2% of the output scale"
        ),
    ))
}

impl Operator for FullyConnected {
    const NAMES: &'static [&'static str] = &["FULLY_CONNECTED"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let options = cx.options::<FullyConnectedOptions>()?;
        let bias_type = options.as_ref().and_then(|o| o.quantized_bias_type());
        let activation = match options {
            Some(o) if o.weights_format().unwrap_or(0) != 0 => {
                return Err(cx.error(
                    "shuffled weights (weights_format SHUFFLED4x16INT8) are not supported",
                ));
            }
            Some(o) => {
                options::activation(o.fused_activation_function()).map_err(|e| cx.error(e))?
            }
            None => Activation::None,
        };
        let input = cx.input(0, "input")?;
        let weights = cx.input(1, "weights")?;
        let output = cx.output()?;
        let precision = cx.precision_int16x8(input, output)?;
        cx.constant(weights, precision.weights_type(), "weights")?;
        let [output_depth, accum_depth] = cx.tensor(weights).shape[..] else {
            let weights = cx.tensor(weights);
            return Err(cx.tensor_error(
                weights,
                format!(
                    "the weights have shape {:?}; expected rank 2",
                    weights.shape
                ),
            ));
        };
        if precision != Precision::Float32 {
            cx.weight_quantization(weights, output_depth, 0)?;
        }
        let (bias, int32_accumulator) = if precision == Precision::Int16 {
            let bias =
                cx.bias_int16x8(2, output_depth, &[ElementType::Int64, ElementType::Int32])?;
            let int32 = match bias {
                Some((_, element_type)) => element_type == ElementType::Int32,
                None => bias_type == Some(super::int16x8::TENSOR_TYPE_INT32),
            };
            (bias.map(|(t, _)| t), int32)
        } else {
            (cx.bias(2, precision, output_depth)?, false)
        };
        if let (Precision::Int8, Some(bias)) = (precision, bias) {
            per_tensor_bias_scale(cx, input, weights, bias, output)?;
        }
        // TFLM takes the output depth from the output's last dimension.
        if cx.tensor(output).shape.last() != Some(&output_depth) {
            return Err(cx.tensor_error(
                cx.tensor(output),
                format!(
                    "the output's last dimension must be the weights' output depth {output_depth}"
                ),
            ));
        }
        let in_len = cx.tensor(input).len();
        let batches = in_len / accum_depth;
        if !in_len.is_multiple_of(accum_depth) || cx.tensor(output).len() != batches * output_depth
        {
            return Err(cx.error(format!(
                "input {:?} and output {:?} do not fit weights {:?}",
                cx.tensor(input).shape,
                cx.tensor(output).shape,
                cx.tensor(weights).shape
            )));
        }
        Ok(FullyConnected {
            precision,
            input,
            weights,
            bias,
            output,
            accum_depth,
            output_depth,
            activation,
            int32_accumulator,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let &FullyConnected {
            input,
            weights,
            output,
            accum_depth,
            output_depth,
            ..
        } = self;
        match self.precision {
            Precision::Int8 => {
                let out = cx.weighted_output(
                    input,
                    weights,
                    output,
                    output_depth,
                    self.activation,
                    ScaleRounding::FloatProduct,
                )?;
                let bias = cx.folded_bias(
                    input,
                    weights,
                    self.bias,
                    output_depth,
                    WeightLayout::Rows(accum_depth),
                );
                if let (true, Some(records)) = (
                    accum_depth.is_multiple_of(4),
                    channel_records(&bias.0, &out.requantize, output_depth),
                ) {
                    // One scale for a per-tensor one (the usual case): not repeated per channel.
                    let per_tensor = out.requantize.multipliers.0.len() == 1
                        && out.requantize.shifts.0.len() == 1;
                    let scales: Vec<[i32; 2]> = records
                        .iter()
                        .take(if per_tensor { 1 } else { records.len() })
                        .map(|r| [r[1], r[2]])
                        .collect();
                    let params = kernel::FullyConnectedI8Blocked {
                        weights: kernel::Packed(blocked_weights(
                            &cx.tensor(weights).i8s(),
                            output_depth,
                            accum_depth,
                        )),
                        bias: bias.clone(),
                        scales: kernel::Slice(scales),
                        accum_depth,
                        output_depth,
                        output_offset: out.output_offset,
                        output_min: out.output_min,
                        output_max: out.output_max,
                    };
                    // One scale that shifts right: the variant without the per-channel path.
                    let kernel = match params.scales.0[..] {
                        [[multiplier, exponent]]
                            if multiplier >= 0 && (1..=31).contains(&exponent) =>
                        {
                            &kernels::fully_connected_i8_per_tensor
                        }
                        _ => &kernels::fully_connected_i8_blocked,
                    };
                    return cx.call(kernel, params, &[input], output);
                }
                // A depth that is not a multiple of 4 (whose groups would need padding) or a
                // scale of 1 or more: the unblocked kernel.
                let params = kernel::FullyConnectedI8 {
                    weights: Constant::new(weights),
                    bias,
                    accum_depth,
                    output_depth,
                    requantize: out.requantize,
                    output_offset: out.output_offset,
                    output_min: out.output_min,
                    output_max: out.output_max,
                };
                cx.call(&kernels::fully_connected_i8, params, &[input], output)
            }
            Precision::Int16 => {
                let (requantize, output_min, output_max) = super::int16x8::weighted_output(
                    cx,
                    input,
                    weights,
                    output,
                    output_depth,
                    self.activation,
                    ScaleRounding::FloatProduct,
                    !self.int32_accumulator,
                )?;
                let params = kernel::FullyConnectedI16 {
                    weights: Constant::new(weights),
                    bias: super::int16x8::bias_values(cx, self.bias, output_depth),
                    accum_depth,
                    output_depth,
                    requantize,
                    output_min,
                    output_max,
                };
                let kernel = if self.int32_accumulator {
                    &kernels::fully_connected_i16_acc32
                } else {
                    &kernels::fully_connected_i16
                };
                cx.call(kernel, params, &[input], output)
            }
            Precision::Float32 => {
                let (output_min, output_max) = quant::activation_range_f32(self.activation);
                let params = kernel::FullyConnectedF32 {
                    weights: Constant::new(weights),
                    bias: self.bias.map(Constant::new),
                    accum_depth,
                    output_depth,
                    output_min,
                    output_max,
                };
                cx.call(&kernels::fully_connected_f32, params, &[input], output)
            }
        }
    }
}
