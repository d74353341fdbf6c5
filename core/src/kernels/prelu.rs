//! PRELU: `x` where `x >= 0`, `alpha * x` elsewhere, with a learned `alpha` broadcast against the
//! input (TFLM's `BroadcastPrelu4DSlow`).

use super::elementwise::{Broadcast4, for_each_element, for_each_element_in_place};
use crate::quant::multiply_by_quantized_multiplier;

/// int8 PRELU: TFLM's two rescalings, one for the non-negative inputs and one for the products
/// with alpha.
#[derive(Clone, Copy, Debug)]
pub struct PreluI8 {
    /// Minus the input's zero point.
    pub input_offset: i32,
    /// Minus alpha's zero point.
    pub alpha_offset: i32,
    /// The output's zero point.
    pub output_offset: i32,
    /// Q0.31 multiplier of `input_scale / output_scale` (non-negative inputs).
    pub positive_multiplier: i32,
    /// Its power-of-two exponent.
    pub positive_shift: i32,
    /// Q0.31 multiplier of `input_scale * alpha_scale / output_scale` (negative inputs).
    pub negative_multiplier: i32,
    /// Its power-of-two exponent.
    pub negative_shift: i32,
    /// `None` when alpha has the input's shape.
    pub broadcast: Option<Broadcast4>,
}

/// float32 PRELU.
#[derive(Clone, Copy, Debug)]
pub struct PreluF32 {
    /// `None` when alpha has the input's shape.
    pub broadcast: Option<Broadcast4>,
}

#[inline(always)]
fn prelu_i8_element(p: &PreluI8, x: i8, alpha: i8) -> i8 {
    let input = p.input_offset.wrapping_add(i32::from(x));
    let scaled = if input >= 0 {
        multiply_by_quantized_multiplier(input, p.positive_multiplier, p.positive_shift)
    } else {
        let alpha = p.alpha_offset.wrapping_add(i32::from(alpha));
        multiply_by_quantized_multiplier(
            input.wrapping_mul(alpha),
            p.negative_multiplier,
            p.negative_shift,
        )
    };
    scaled.wrapping_add(p.output_offset).clamp(-128, 127) as i8
}

#[inline(always)]
fn prelu_i16_element(p: &PreluI8, x: i16, alpha: i8) -> i16 {
    let input = p.input_offset.wrapping_add(i32::from(x));
    let scaled = if input >= 0 {
        multiply_by_quantized_multiplier(input, p.positive_multiplier, p.positive_shift)
    } else {
        let alpha = p.alpha_offset.wrapping_add(i32::from(alpha));
        multiply_by_quantized_multiplier(
            input.wrapping_mul(alpha),
            p.negative_multiplier,
            p.negative_shift,
        )
    };
    scaled
        .wrapping_add(p.output_offset)
        .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

#[inline(always)]
fn prelu_f32_element(x: f32, alpha: f32) -> f32 {
    if x >= 0.0 { x } else { x * alpha }
}

/// int8 PRELU, bit-exact with TFLM's reference kernel: the input offset applied, a non-negative
/// value rescaled by the positive multiplier, a negative one multiplied by alpha (its offset
/// applied) and rescaled by the negative multiplier; then the output zero point, clamped to int8.
pub fn prelu_i8(p: &PreluI8, input: &[i8], alpha: &[i8], output: &mut [i8]) {
    for_each_element(p.broadcast.as_ref(), input, alpha, output, |x, a| {
        prelu_i8_element(p, x, a)
    });
}

/// [`prelu_i8`] with the output overwriting the input.
pub fn prelu_i8_in_place(p: &PreluI8, data: &mut [i8], alpha: &[i8]) {
    for_each_element_in_place(p.broadcast.as_ref(), data, alpha, |x, a| {
        prelu_i8_element(p, x, a)
    });
}

/// int16 PRELU with int8 alpha (TFLM's int16 `BroadcastPrelu4DSlow`): [`prelu_i8`]'s
/// arithmetic, clamped to int16; the [`PreluI8`] parameters.
pub fn prelu_i16(p: &PreluI8, input: &[i16], alpha: &[i8], output: &mut [i16]) {
    for_each_element(p.broadcast.as_ref(), input, alpha, output, |x, a| {
        prelu_i16_element(p, x, a)
    });
}

/// [`prelu_i16`] with the output overwriting the input.
pub fn prelu_i16_in_place(p: &PreluI8, data: &mut [i16], alpha: &[i8]) {
    for_each_element_in_place(p.broadcast.as_ref(), data, alpha, |x, a| {
        prelu_i16_element(p, x, a)
    });
}

/// float32 PRELU: `x >= 0 ? x : x * alpha`, as TFLM.
pub fn prelu_f32(p: &PreluF32, input: &[f32], alpha: &[f32], output: &mut [f32]) {
    for_each_element(
        p.broadcast.as_ref(),
        input,
        alpha,
        output,
        prelu_f32_element,
    );
}

/// [`prelu_f32`] with the output overwriting the input.
pub fn prelu_f32_in_place(p: &PreluF32, data: &mut [f32], alpha: &[f32]) {
    for_each_element_in_place(p.broadcast.as_ref(), data, alpha, prelu_f32_element);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_rescales_each_side() {
        // Positive side: x * 0.5; negative: x * alpha * 0.25 with alpha = 2 (offset -1 + 3).
        let p = PreluI8 {
            input_offset: 0,
            alpha_offset: -1,
            output_offset: 1,
            positive_multiplier: 1 << 30,
            positive_shift: 0,
            negative_multiplier: 1 << 30,
            negative_shift: -1,
            broadcast: None,
        };
        let mut out = [0i8; 4];
        prelu_i8(&p, &[10, -10, 127, -128], &[3, 3, 3, 3], &mut out);
        assert_eq!(out, [6, -4, 65, -63]);
    }

    #[test]
    fn float_broadcasts_alpha_per_channel() {
        let p = PreluF32 {
            broadcast: Some(Broadcast4 {
                output_shape: [1, 1, 2, 2],
                input1_strides: [0, 0, 2, 1],
                input2_strides: [0, 0, 0, 1],
            }),
        };
        let mut out = [0.0f32; 4];
        prelu_f32(&p, &[-1.0, -1.0, 2.0, -4.0], &[0.5, 0.25], &mut out);
        assert_eq!(out, [-0.5, -0.25, 2.0, -1.0]);
    }
}
