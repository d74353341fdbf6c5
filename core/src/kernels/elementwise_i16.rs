//! int16 activations (TFLite's 16x8 quantization) through the element-wise ops: ADD, SUB, MUL,
//! MAXIMUM, MINIMUM and SQUARED_DIFFERENCE (broadcasting), RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH
//! and SOFTMAX, each bit-exact with TensorFlow Lite Micro's reference kernel for int16.

use super::elementwise::{AddI8, MinMax, MulI8, for_each_element, for_each_element_in_place};
use super::lstm::{sigmoid_of_scaled, tanh_q15};
use super::requantize::{ScaleDown, scales_down};
use super::slices::rows;
use crate::quant::multiply_by_quantized_multiplier;

/// RELU with int16 input and output: a requantization clamped to the activation's range.
#[derive(Clone, Copy, Debug)]
pub struct ReluI16 {
    /// The input's zero point (0: TFLM requires it).
    pub input_zero_point: i32,
    /// Q0.31 multiplier of `input_scale / output_scale`.
    pub multiplier: i32,
    /// Its power-of-two exponent.
    pub shift: i32,
    /// The output's zero point (0).
    pub output_zero_point: i32,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

/// A clamp of int16 values to `[min, max]` (int16 RELU6, which TFLM computes on the input's
/// scale).
#[derive(Clone, Copy, Debug)]
pub struct ClampI16 {
    /// Lower bound.
    pub min: i16,
    /// Upper bound.
    pub max: i16,
}

/// LEAKY_RELU with int16 input and output (TFLM's `QuantizeLeakyRelu`).
#[derive(Clone, Copy, Debug)]
pub struct LeakyReluI16 {
    /// The input's zero point.
    pub input_zero_point: i32,
    /// Q0.31 multiplier of `input_scale / output_scale`, for non-negative inputs.
    pub identity_multiplier: i32,
    /// Its exponent.
    pub identity_shift: i32,
    /// Q0.31 multiplier of `input_scale * alpha / output_scale` (negative for a negative alpha),
    /// for negative inputs.
    pub alpha_multiplier: i32,
    /// Its exponent.
    pub alpha_shift: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
}

/// LOGISTIC or TANH with int16 input and output (output scale 2^-15, zero points 0).
///
/// The input is read as `(x * multiplier + round) >> shift`, `round` half of `2^shift` (0 for a
/// shift of 0), in units of `2^-12 / 3`. TFLM's power-of-two input scales (its
/// `input_multiplier` of 0) are resolved at compile time: `multiplier = 3 << shift`, shift 0.
#[derive(Clone, Copy, Debug)]
pub struct SigmoidI16 {
    /// The input multiplier (at most 32767 for the general case).
    pub multiplier: i32,
    /// The right shift, in `0..=31`.
    pub shift: i32,
}

/// SOFTMAX with int16 input and output (input and output zero points 0, output scale 2^-15),
/// TFLM's look-up-table algorithm.
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxI16<'a> {
    /// Q0.31 multiplier of `beta * input_scale / (10 / 65535)`: differences from the row
    /// maximum to the exponential table's input units.
    pub input_multiplier: i32,
    /// Its power-of-two exponent.
    pub input_shift: i32,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
    /// `exp(x)` over `[-10, 0]` in 512 steps (and the end point), Q0.15.
    pub exp_lut: &'a [i16; 513],
    /// `1 / (1 + x)` over `[0, 1]` in 512 steps (and the end point), Q0.15.
    pub one_over_one_plus_x_lut: &'a [i16; 513],
}

/// `x * 2^shift` modulo `2^32`, the C++ `x * (1 << shift)` (the shift counts modulo 32).
#[inline(always)]
fn shift_left(x: i32, shift: i32) -> i32 {
    x.wrapping_shl(shift as u32 & 31)
}

/// `a + b`, or `a - b` for SUB, wrapping.
#[inline(always)]
fn combine<const SUB: bool>(a: i32, b: i32) -> i32 {
    if SUB {
        a.wrapping_sub(b)
    } else {
        a.wrapping_add(b)
    }
}

/// The rescales of int16 ADD or SUB as [`ScaleDown`]s, when every one shrinks (always, for
/// parameters TFLM accepts: its `QuantizeMultiplierSmallerThanOneExp` refuses the rest).
#[inline(always)]
fn fast_scales(p: &AddI8) -> Option<[ScaleDown; 3]> {
    let fast = scales_down(p.input1_multiplier, p.input1_shift)
        && scales_down(p.input2_multiplier, p.input2_shift)
        && scales_down(p.output_multiplier, p.output_shift);
    fast.then(|| {
        [
            ScaleDown::new(p.input1_multiplier, p.input1_shift.wrapping_neg()),
            ScaleDown::new(p.input2_multiplier, p.input2_shift.wrapping_neg()),
            ScaleDown::new(p.output_multiplier, p.output_shift.wrapping_neg()),
        ]
    })
}

/// One element of int16 ADD or SUB (TFLM's general path, `left_shift` 15): each input offset,
/// shifted left and rescaled, the sum or difference rescaled to the output, offset and clamped.
/// `scale(k, v)` rescales `v` by input 1's, input 2's or the output's (`k` = 0, 1, 2) scale.
#[inline(always)]
fn add_element<const SUB: bool>(
    p: &AddI8,
    x: i16,
    y: i16,
    scale: impl Fn(usize, i32) -> i32,
) -> i16 {
    let x = shift_left(i32::from(x).wrapping_add(p.input1_offset), p.left_shift);
    let y = shift_left(i32::from(y).wrapping_add(p.input2_offset), p.left_shift);
    scale(2, combine::<SUB>(scale(0, x), scale(1, y)))
        .wrapping_add(p.output_offset)
        .max(p.output_min)
        .min(p.output_max) as i16
}

/// [`add_element`] by TFLite's `MultiplyByQuantizedMultiplier` (any shifts).
#[inline(always)]
fn general_scale(p: &AddI8) -> impl Fn(usize, i32) -> i32 + '_ {
    move |k, v| {
        let (multiplier, shift) = match k {
            0 => (p.input1_multiplier, p.input1_shift),
            1 => (p.input2_multiplier, p.input2_shift),
            _ => (p.output_multiplier, p.output_shift),
        };
        multiply_by_quantized_multiplier(v, multiplier, shift)
    }
}

/// int16 ADD or SUB: the loop over [`ScaleDown`]s when they apply, else the general one.
#[inline(always)]
fn add_or_sub<const SUB: bool>(p: &AddI8, input1: &[i16], input2: &[i16], output: &mut [i16]) {
    let broadcast = p.broadcast.as_ref();
    if let Some(s) = fast_scales(p) {
        let scale = |k: usize, v: i32| match k {
            0 => s[0].apply(v),
            1 => s[1].apply(v),
            _ => s[2].apply(v),
        };
        for_each_element(broadcast, input1, input2, output, |x, y| {
            add_element::<SUB>(p, x, y, scale)
        });
    } else {
        let scale = general_scale(p);
        for_each_element(broadcast, input1, input2, output, |x, y| {
            add_element::<SUB>(p, x, y, &scale)
        });
    }
}

/// [`add_or_sub`] with the output overwriting input 1.
#[inline(always)]
fn add_or_sub_in_place<const SUB: bool>(p: &AddI8, data: &mut [i16], input2: &[i16]) {
    let broadcast = p.broadcast.as_ref();
    if let Some(s) = fast_scales(p) {
        let scale = |k: usize, v: i32| match k {
            0 => s[0].apply(v),
            1 => s[1].apply(v),
            _ => s[2].apply(v),
        };
        for_each_element_in_place(broadcast, data, input2, |x, y| {
            add_element::<SUB>(p, x, y, scale)
        });
    } else {
        let scale = general_scale(p);
        for_each_element_in_place(broadcast, data, input2, |x, y| {
            add_element::<SUB>(p, x, y, &scale)
        });
    }
}

/// int16 ADD, bit-exact with TFLite Micro (its general-scale path, `AddGeneralParamScale`, and
/// `BroadcastAdd4DSlow`): each input offset, shifted left by `left_shift` (15) and rescaled; the
/// sum (wrapping int32) rescaled to the output, offset and clamped to the activation's range.
pub fn add_i16(p: &AddI8, input1: &[i16], input2: &[i16], output: &mut [i16]) {
    add_or_sub::<false>(p, input1, input2, output);
}

/// [`add_i16`] with the output overwriting input 1.
pub fn add_i16_in_place(p: &AddI8, input1_and_output: &mut [i16], input2: &[i16]) {
    add_or_sub_in_place::<false>(p, input1_and_output, input2);
}

/// int16 SUB, bit-exact with TFLite Micro: as [`add_i16`] with the second rescaled input
/// subtracted.
pub fn sub_i16(p: &AddI8, input1: &[i16], input2: &[i16], output: &mut [i16]) {
    add_or_sub::<true>(p, input1, input2, output);
}

/// [`sub_i16`] with the output overwriting input 1.
pub fn sub_i16_in_place(p: &AddI8, input1_and_output: &mut [i16], input2: &[i16]) {
    add_or_sub_in_place::<true>(p, input1_and_output, input2);
}

/// The product of two offset int16 values rescaled to the output, offset and clamped (MUL's
/// element), with `scale` the output rescale.
#[inline(always)]
fn mul_element(p: &MulI8, x: i16, y: i16, scale: impl Fn(i32) -> i32) -> i16 {
    let product = i32::from(x)
        .wrapping_add(p.input1_offset)
        .wrapping_mul(i32::from(y).wrapping_add(p.input2_offset));
    scale(product)
        .wrapping_add(p.output_offset)
        .max(p.output_min)
        .min(p.output_max) as i16
}

/// int16 MUL, bit-exact with TFLite Micro's reference kernel: the product of the offset inputs
/// (zero points 0, so the offsets are too) rescaled by `output_multiplier * 2^output_shift`,
/// offset and clamped to the activation's range. A rescale below 1 (the usual case) runs as one
/// multiply-accumulate and shift per element.
pub fn mul_i16(p: &MulI8, input1: &[i16], input2: &[i16], output: &mut [i16]) {
    let broadcast = p.broadcast.as_ref();
    if scales_down(p.output_multiplier, p.output_shift) {
        let s = ScaleDown::new(p.output_multiplier, p.output_shift.wrapping_neg());
        for_each_element(broadcast, input1, input2, output, |x, y| {
            mul_element(p, x, y, |v| s.apply(v))
        });
    } else {
        for_each_element(broadcast, input1, input2, output, |x, y| {
            mul_element(p, x, y, |v| {
                multiply_by_quantized_multiplier(v, p.output_multiplier, p.output_shift)
            })
        });
    }
}

/// [`mul_i16`] with the output overwriting input 1.
pub fn mul_i16_in_place(p: &MulI8, input1_and_output: &mut [i16], input2: &[i16]) {
    let broadcast = p.broadcast.as_ref();
    if scales_down(p.output_multiplier, p.output_shift) {
        let s = ScaleDown::new(p.output_multiplier, p.output_shift.wrapping_neg());
        for_each_element_in_place(broadcast, input1_and_output, input2, |x, y| {
            mul_element(p, x, y, |v| s.apply(v))
        });
    } else {
        for_each_element_in_place(broadcast, input1_and_output, input2, |x, y| {
            mul_element(p, x, y, |v| {
                multiply_by_quantized_multiplier(v, p.output_multiplier, p.output_shift)
            })
        });
    }
}

binary_kernel!(
    /// int16 SQUARED_DIFFERENCE, bit-exact with TFLite Micro's reference kernel: as [`sub_i16`]
    /// with TFLM's `left_shift` of 0 for int16, the difference squared (below 2^30), rescaled by
    /// `output_multiplier * 2^output_shift` (any shift), offset and clamped to int16.
    squared_difference_i16, squared_difference_i16_in_place, AddI8, i16,
    |p, x, y| {
        let scale = |v: i16, offset: i32, multiplier: i32, shift: i32| {
            let shifted = shift_left(i32::from(v).wrapping_add(offset), p.left_shift);
            multiply_by_quantized_multiplier(shifted, multiplier, shift)
        };
        let difference = scale(x, p.input1_offset, p.input1_multiplier, p.input1_shift)
            .wrapping_sub(scale(y, p.input2_offset, p.input2_multiplier, p.input2_shift));
        multiply_by_quantized_multiplier(
            difference.wrapping_mul(difference),
            p.output_multiplier,
            p.output_shift,
        )
        .wrapping_add(p.output_offset)
        .max(p.output_min)
        .min(p.output_max) as i16
    }
);

binary_kernel!(
    /// int16 MAXIMUM as TFLite Micro: `a > b ? a : b` on the raw values.
    maximum_i16, maximum_i16_in_place, MinMax, i16,
    |_p, x, y| x.max(y)
);

binary_kernel!(
    /// int16 MINIMUM as TFLite Micro: `a < b ? a : b` on the raw values.
    minimum_i16, minimum_i16_in_place, MinMax, i16,
    |_p, x, y| x.min(y)
);

unary_kernel!(
    /// int16 RELU as TFLite Micro's `ReluQuantized`: `x - input_zero_point` rescaled, offset,
    /// clamped to `[output_min, output_max]`.
    relu_i16, relu_i16_in_place, ReluI16, i16,
    |p, x| {
        multiply_by_quantized_multiplier(
            i32::from(x).wrapping_sub(p.input_zero_point),
            p.multiplier,
            p.shift,
        )
        .wrapping_add(p.output_zero_point)
        .max(p.output_min)
        .min(p.output_max) as i16
    }
);

unary_kernel!(
    /// int16 ABS as TFLite Micro's `AbsEvalQuantized`: `|x - input_zero_point|` rescaled (an
    /// identity multiplier when the scales are equal), offset, clamped to `[output_min,
    /// output_max]`; the [`ReluI16`] parameters.
    abs_i16, abs_i16_in_place, ReluI16, i16,
    |p, x| {
        multiply_by_quantized_multiplier(
            i32::from(x).wrapping_sub(p.input_zero_point).wrapping_abs(),
            p.multiplier,
            p.shift,
        )
        .wrapping_add(p.output_zero_point)
        .max(p.output_min)
        .min(p.output_max) as i16
    }
);

unary_kernel!(
    /// int16 RELU6 as TFLite Micro's `Relu6Quantized`: the input clamped to `[min, max]` (its
    /// zero point and six on its own scale).
    clamp_i16, clamp_i16_in_place, ClampI16, i16,
    |p, x| x.max(p.min).min(p.max)
);

unary_kernel!(
    /// int16 LEAKY_RELU as TFLite Micro's `QuantizeLeakyRelu`: `d = x - input_zero_point`
    /// scaled by the identity multiplier when non-negative, else by the alpha multiplier's
    /// magnitude (the product negated for a negative alpha); offset and clamped to int16.
    leaky_relu_i16, leaky_relu_i16_in_place, LeakyReluI16, i16,
    |p, x| {
        let d = i32::from(x).wrapping_sub(p.input_zero_point);
        let scaled = if d >= 0 {
            multiply_by_quantized_multiplier(d, p.identity_multiplier, p.identity_shift)
        } else {
            let scaled =
                multiply_by_quantized_multiplier(d, p.alpha_multiplier.wrapping_abs(), p.alpha_shift);
            if p.alpha_multiplier < 0 { scaled.wrapping_neg() } else { scaled }
        };
        scaled
            .wrapping_add(p.output_zero_point)
            .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
    }
);

/// The rounding term of a right shift by `shift`: half of `2^shift`, 0 for a shift of 0.
#[inline(always)]
fn half_of(shift: i32) -> i32 {
    let shift = shift as u32 & 31;
    if shift == 0 {
        0
    } else {
        1i32.wrapping_shl(shift.wrapping_sub(1))
    }
}

/// The int16 logistic of `x` read as `(x * multiplier + round) >> shift`, in Q0.15 (TFLite's
/// `reference_integer_ops::Logistic` for int16): one table step at 2^9 of the scaled input, the
/// fraction below it interpolated between two entries, `sigmoid(-x) = 1 - sigmoid(x)` for
/// negative inputs with TFLite's rounding of each side.
#[inline(always)]
fn logistic_q15(x: i16, multiplier: i32, round: i32, shift: u32) -> i16 {
    sigmoid_of_scaled(i32::from(x).wrapping_mul(multiplier).wrapping_add(round) >> (shift & 31))
}

/// int16 LOGISTIC, bit-exact with TFLite Micro: the input rescaled by `multiplier` and `shift`
/// to units of `2^-12 / 3` (one table step, 1/24, at 2^9), then TFLM's interpolated table.
pub fn logistic_i16(p: &SigmoidI16, input: &[i16], output: &mut [i16]) {
    let (round, shift) = (half_of(p.shift), p.shift as u32);
    for (o, &x) in output.iter_mut().zip(input) {
        *o = logistic_q15(x, p.multiplier, round, shift);
    }
}

/// [`logistic_i16`] with the output overwriting its input.
pub fn logistic_i16_in_place(p: &SigmoidI16, data: &mut [i16]) {
    let (round, shift) = (half_of(p.shift), p.shift as u32);
    for v in data.iter_mut() {
        *v = logistic_q15(*v, p.multiplier, round, shift);
    }
}

/// int16 TANH, bit-exact with TFLite Micro: the input rescaled by `multiplier` and `shift` to
/// units of `2^-12 / 3`, then `2 * sigmoid(2x) - 1` from TFLM's table (one step, 1/48, at 2^8).
pub fn tanh_i16(p: &SigmoidI16, input: &[i16], output: &mut [i16]) {
    let (round, shift) = (half_of(p.shift), p.shift as u32);
    for (o, &x) in output.iter_mut().zip(input) {
        *o = tanh_q15(x, p.multiplier, round, shift);
    }
}

/// [`tanh_i16`] with the output overwriting its input.
pub fn tanh_i16_in_place(p: &SigmoidI16, data: &mut [i16]) {
    let (round, shift) = (half_of(p.shift), p.shift as u32);
    for v in data.iter_mut() {
        *v = tanh_q15(*v, p.multiplier, round, shift);
    }
}

/// TFLite's `LUTLookup` for int16: the entry at `256 + (x >> 7)` plus the slope to the next
/// entry times the low 7 bits, rounded.
#[inline(always)]
fn lut_lookup(x: i16, lut: &[i16; 513]) -> i16 {
    // In 0..=511 (the mask only spells it out), so both reads are in bounds.
    let index = 256i32.wrapping_add(i32::from(x) >> 7) as usize & 511;
    let (base, next) = match lut.get(index..) {
        Some(&[base, next, ..]) => (base, next),
        _ => (0, 0),
    };
    // An int16 in TFLite too (so a difference beyond int16 wraps there as here).
    let slope = i32::from(next.wrapping_sub(base));
    let base = i32::from(base);
    let delta = slope.wrapping_mul(i32::from(x) & 0x7f).wrapping_add(64) >> 7;
    base.wrapping_add(delta) as i16
}

/// `x` clamped to the int16 range.
#[inline(always)]
fn saturate_i16(x: i32) -> i16 {
    x.max(i32::from(i16::MIN)).min(i32::from(i16::MAX)) as i16
}

/// int16 SOFTMAX, bit-exact with TFLite Micro's `SoftmaxInt16`.
///
/// Per row: each difference from the row maximum is rescaled so that `[-65535, 0]` spans
/// `[-10, 0]`, recentred to int16 and looked up in the exponential table (Q0.15); the sum of
/// the row's exponentials, normalised to 16 significant bits and recentred, is looked up in the
/// `1 / (1 + x)` table; each output is its exponential times that reciprocal, shifted back and
/// clamped to `[0, 32767]`. The exponentials are kept in the output row meanwhile. The row count
/// is the number of whole rows of `depth` in both slices; a zero depth writes nothing.
pub fn softmax_i16(p: &SoftmaxI16, input: &[i16], output: &mut [i16]) {
    if p.depth == 0 {
        return;
    }
    for (row, out) in rows(input, p.depth, output, p.depth) {
        let max = row.iter().copied().fold(i16::MIN, i16::max);
        let mut sum = 0i32;
        for (o, &x) in out.iter_mut().zip(row) {
            let diff = i32::from(x).wrapping_sub(i32::from(max));
            let scaled = multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_shift);
            *o = lut_lookup(saturate_i16(scaled.wrapping_add(32767)), p.exp_lut);
            sum = sum.wrapping_add(i32::from(*o));
        }
        // TFLM's `headroom_plus_one`; the row maximum's own exponential makes the sum
        // positive, so it is in 1..=31 (other values give some result, never a panic).
        let headroom_plus_one = (sum as u32).leading_zeros();
        let shifted_sum = ((i64::from(sum) << (headroom_plus_one.wrapping_sub(1) & 63))
            .wrapping_add(1 << 13)
            >> 14) as i32;
        let recentred = shifted_sum.wrapping_sub((1 << 15) + (1 << 16));
        let reciprocal = i64::from(lut_lookup(
            saturate_i16(recentred),
            p.one_over_one_plus_x_lut,
        ));
        let right_shift = 31u32.wrapping_sub(headroom_plus_one) & 63;
        let round = (1i64 << (right_shift.wrapping_sub(1) & 63)) as i32;
        for o in out.iter_mut() {
            let product = i64::from(*o).wrapping_mul(reciprocal);
            let result = (product.wrapping_add(i64::from(round)) >> right_shift) as i32;
            *o = result.max(0).min(32767) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `AddI8` for int16 inputs of equal scale into an output of twice it: multipliers 1/2,
    /// 1/2 and `2 / 2^15`, so the output is `round((x + y) / 2)`, ties away from zero.
    fn halving_add() -> AddI8 {
        AddI8 {
            input1_offset: 0,
            input1_multiplier: 1 << 30,
            input1_shift: 0,
            input2_offset: 0,
            input2_multiplier: 1 << 30,
            input2_shift: 0,
            left_shift: 15,
            output_multiplier: 1 << 30,
            output_shift: -14,
            output_offset: 0,
            output_min: -32768,
            output_max: 32767,
            broadcast: None,
        }
    }

    #[test]
    fn add_and_sub_halve_with_rounding() {
        let p = halving_add();
        let x = [1i16, -1, 3, -3, 32767, -32768, 100];
        let y = [0i16, 0, 0, 0, 32767, -32768, -50];
        let mut out = [0i16; 7];
        add_i16(&p, &x, &y, &mut out);
        assert_eq!(out, [1, -1, 2, -2, 32767, -32768, 25]);
        sub_i16(&p, &x, &y, &mut out);
        assert_eq!(out, [1, -1, 2, -2, 0, 0, 75]);
        // In place, the same.
        let mut data = x;
        sub_i16_in_place(&p, &mut data, &y);
        assert_eq!(data, out);
        // A general (non-shrinking) rescale takes the reference path: same results.
        let general = AddI8 {
            input1_shift: 1,
            input1_multiplier: 1 << 29,
            ..p
        };
        add_i16(&general, &x, &y, &mut out);
        assert_eq!(out, [1, -1, 2, -2, 32767, -32768, 25]);
    }

    #[test]
    fn mul_rescales_and_clamps() {
        // Scales 2^-12 * 2^-12 / 2^-12: a product shifted right by 12.
        let p = MulI8 {
            input1_offset: 0,
            input2_offset: 0,
            output_multiplier: 1 << 30,
            output_shift: -11,
            output_offset: 0,
            output_min: 0,
            output_max: 32767,
            broadcast: None,
        };
        let mut out = [0i16; 4];
        mul_i16(
            &p,
            &[4096, 8192, -4096, 32767],
            &[4096, 6144, 4096, 32767],
            &mut out,
        );
        assert_eq!(out, [4096, 12288, 0, 32767]);
    }

    #[test]
    fn lookup_interpolates_and_rounds() {
        let mut lut = [0i16; 513];
        for (i, v) in lut.iter_mut().enumerate() {
            *v = (i as i16).wrapping_mul(128);
        }
        // Entry 256 + (x >> 7) plus the slope (128) times the low 7 bits, over 128: x + 32768.
        for x in [-32768i16, -1, 0, 1, 127, 128, 32767] {
            assert_eq!(lut_lookup(x, &lut), x.wrapping_add(-32768), "{x}");
        }
    }

    #[test]
    fn logistic_and_tanh_are_odd_around_their_centres() {
        let p = SigmoidI16 {
            multiplier: 3,
            shift: 0,
        };
        let x = [0i16, 4096, -4096, 32767, -32768];
        let (mut s, mut t) = ([0i16; 5], [0i16; 5]);
        logistic_i16(&p, &x, &mut s);
        tanh_i16(&p, &x, &mut t);
        // sigmoid(0) = 1/2; sigmoid(1) ~ 0.731; sigmoid(8) ~ 0.99966 at the ends of Q3.12.
        assert_eq!(s[0], 16384);
        assert!((s[1] - 23955).abs() <= 2, "{}", s[1]);
        assert!((i32::from(s[1]) + i32::from(s[2]) - 32768).abs() <= 1);
        assert_eq!((s[3], s[4]), (32757, 11));
        // tanh(0) = 0; tanh(1) ~ 0.7616; odd.
        assert_eq!(t[0], 0);
        assert!((t[1] - 24956).abs() <= 3, "{}", t[1]);
        assert!((t[1] + t[2]).abs() <= 1);
    }

    #[test]
    fn softmax_of_equal_values_is_uniform() {
        // exp over [-10, 0] and 1/(1+x) over [0, 1], as linear stand-ins: a row of equal
        // values reads exp(0) for each and so gets the same output everywhere.
        let mut exp = [0i16; 513];
        let mut reciprocal = [0i16; 513];
        for i in 0..513 {
            exp[i] = (i as i32 * 32767 / 512) as i16;
            reciprocal[i] = (32767 - i as i32 * 16383 / 512) as i16;
        }
        let p = SoftmaxI16 {
            input_multiplier: 1 << 30,
            input_shift: 1,
            depth: 4,
            exp_lut: &exp,
            one_over_one_plus_x_lut: &reciprocal,
        };
        let mut out = [0i16; 8];
        softmax_i16(&p, &[5, 5, 5, 5, -3, -3, -3, -3], &mut out);
        assert!(out.iter().all(|&v| v == out[0]), "{out:?}");
        assert!((8000..=8400).contains(&out[0]), "{out:?}");
        // A zero depth writes nothing.
        let mut untouched = [7i16; 2];
        softmax_i16(&SoftmaxI16 { depth: 0, ..p }, &[1, 2], &mut untouched);
        assert_eq!(untouched, [7, 7]);
    }
}
