//! What the int16x8 operators (int16 activations, int8 weights) lower alike: the int16 output
//! range of a fused activation, biases widened to 64 bits, and the output rescale.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Slice};
use crate::quant::Activation;
use crate::quant::int16::activation_range_i16;

use super::Lower;
use super::lower::ScaleRounding;

/// `TensorType` INT32, as an operator's `quantized_bias_type` states it.
pub const TENSOR_TYPE_INT32: i8 = 2;

/// A bias of one of the types TFLM's int16x8 kernels take (INT64, INT32, INT16), widened to
/// 64 bits; zeros for none.
pub fn bias_values(cx: &Lower, bias: Option<usize>, channels: usize) -> Slice<i64> {
    let values: Vec<i64> = match bias.map(|b| cx.tensor(b)) {
        None => Vec::new(),
        Some(t) => match t.element_type {
            ElementType::Int32 => t.i32s().into_iter().map(i64::from).collect(),
            ElementType::Int16 => t.i16s().into_iter().map(i64::from).collect(),
            _ => t.indices().unwrap_or_default(),
        },
    };
    Slice(
        (0..channels)
            .map(|c| values.get(c).copied().unwrap_or(0))
            .collect(),
    )
}

/// The output rescale and clamp of an int16x8 weighted op: TFLM's per-channel (or per-tensor)
/// multipliers as for int8, the int16 bounds of the fused activation. With `wide` (a 64-bit
/// accumulator), every shift must be at most 7, the range of TFLM's 64-bit
/// `MultiplyByQuantizedMultiplier`.
#[allow(clippy::too_many_arguments)]
pub fn weighted_output(
    cx: &Lower,
    input: usize,
    weights: usize,
    output: usize,
    channels: usize,
    activation: Activation,
    rounding: ScaleRounding,
    wide: bool,
) -> Result<(kernel::Requantize, i32, i32), Error> {
    let out = cx.weighted_output(input, weights, output, channels, activation, rounding)?;
    if wide && let Some(&shift) = out.requantize.shifts.0.iter().find(|&&s| s > 7) {
        return Err(cx.error(format!(
            "the output requantization needs a rescale by 2^{shift}, beyond the 2^7 of \
             TFLM's 64-bit rescale (the scales are implausible)"
        )));
    }
    let (min, max) = activation_range_i16(activation, cx.scale(output), cx.zero_point(output));
    Ok((out.requantize, min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int16_activation_ranges() {
        assert_eq!(
            activation_range_i16(Activation::None, 0.1, 0),
            (-32768, 32767)
        );
        assert_eq!(activation_range_i16(Activation::Relu, 0.1, 0), (0, 32767));
        assert_eq!(activation_range_i16(Activation::Relu6, 0.001, 0), (0, 6000));
        assert_eq!(activation_range_i16(Activation::Relu6, 1e-4, 0), (0, 32767));
        assert_eq!(activation_range_i16(Activation::ReluN1To1, 0.5, 0), (-2, 2));
    }
}
