//! LOG_SOFTMAX over the innermost dimension: `x - max - log(sum(exp(x - max)))`.

use super::slices::rows;
use crate::quant::{
    exp_on_negative_values, multiply_by_quantized_multiplier, one_over_one_plus_x_for_x_in_0_1,
    rounding_divide_by_pot, rounding_half_sum, saturating_rounding_doubling_high_mul,
};

/// int8 LOG_SOFTMAX (output scale 16/256, zero point 127, as TFLM requires).
#[derive(Clone, Copy, Debug)]
pub struct LogSoftmaxI8 {
    /// Fixed-point multiplier of the input scale, scaled for a Q5.26 difference.
    pub input_multiplier: i32,
    /// Left shift that goes with `input_multiplier`.
    pub input_left_shift: i32,
    /// Q0.31 multiplier of the inverse of that scaling.
    pub reverse_scaling_divisor: i32,
    /// Its power-of-two exponent (zero or negative).
    pub reverse_scaling_shift: i32,
    /// Differences from the row maximum below this contribute nothing to the sum.
    pub diff_min: i32,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
}

/// float32 LOG_SOFTMAX.
#[derive(Clone, Copy, Debug)]
pub struct LogSoftmaxF32 {
    /// Elements per row (the innermost dimension).
    pub depth: usize,
}

/// Integer bits of the scaled differences (Q5.26), TFLM's `kInputIntegerBits`.
const INPUT_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19), TFLM's `kAccumulationIntegerBits`.
const ACCUMULATION_INTEGER_BITS: i32 = 12;
/// Integer bits of the output before its final rounding, TFLM's `kOutputIntegerBits`.
const OUTPUT_INTEGER_BITS: i32 = 4;

/// `x * 2^exponent`, saturated to `i32`, for `exponent` in `0..=31` (gemmlowp's
/// `SaturatingRoundingMultiplyByPOTParam`, which TFLite calls with non-negative exponents
/// only); a negative exponent divides, rounding. The `crate::quant` form with wrapping
/// arithmetic, so that a run-time exponent leaves no overflow check in a debug build.
pub(super) fn saturating_shift_left(x: i32, exponent: i32) -> i32 {
    if exponent < 0 {
        return rounding_divide_by_pot(x, exponent.wrapping_neg());
    }
    if exponent == 0 {
        return x;
    }
    let e = if exponent > 31 { 31 } else { exponent as u32 };
    let threshold = 1i32.wrapping_shl(31u32.wrapping_sub(e)).wrapping_sub(1);
    if x > threshold {
        i32::MAX
    } else if x < threshold.wrapping_neg() {
        i32::MIN
    } else {
        x.wrapping_shl(e)
    }
}

/// `SaturatingAddNonGemmlowp`: the sum clamped to `i32`.
fn saturating_add(a: i32, b: i32) -> i32 {
    a.saturating_add(b)
}

/// `log(x)` in Q5.26 of `x >= 1` in Q12.19: TFLite's `log_x_for_x_greater_than_or_equal_to_1`
/// with 5 output and 12 input integer bits, operation for operation.
fn log_q5_of_q12(x: i32) -> i32 {
    // Q0.31 constants.
    const LOG_2: i32 = 1488522236;
    const SQRT_SQRT_HALF: i32 = 1805811301;
    const SQRT_HALF: i32 = 1518500250;
    const ONE_QUARTER: i32 = 536870912;
    const ALPHA_N: i32 = 117049297;
    const ALPHA_D: i32 = 127690142;
    const ALPHA_I: i32 = 1057819769;
    const ALPHA_F: i32 = 638450708;
    const INPUT_BITS: i32 = ACCUMULATION_INTEGER_BITS;
    // The accumulation format's integer bits: the output's plus one.
    const ACCUM_BITS: i32 = INPUT_INTEGER_BITS + 1;
    let mul = saturating_rounding_doubling_high_mul;
    let shifted_quarter = rounding_divide_by_pot(ONE_QUARTER, ACCUM_BITS);
    // The input read as Q0.31, its own exponent found below.
    let z_a = x;
    let z_a_headroom_plus_1 = (z_a as u32).leading_zeros() as i32;
    let r_a_tmp = saturating_shift_left(z_a, z_a_headroom_plus_1.wrapping_sub(1));
    let r_a = saturating_shift_left(mul(r_a_tmp, SQRT_HALF), 1);
    let z_a_pow_2_adj = saturating_add(
        saturating_shift_left(
            INPUT_BITS.wrapping_sub(z_a_headroom_plus_1),
            31 - ACCUM_BITS,
        ),
        shifted_quarter,
    );
    let z_b = mul(z_a, SQRT_HALF);
    let z_b_headroom = ((z_b as u32).leading_zeros() as i32).wrapping_sub(1);
    let r_b = saturating_shift_left(z_a, z_b_headroom);
    let z_b_pow_2_adj =
        saturating_shift_left(INPUT_BITS.wrapping_sub(z_b_headroom), 31 - ACCUM_BITS)
            .saturating_sub(shifted_quarter);
    let r = r_a.min(r_b);
    let z_pow_2_adj = z_a_pow_2_adj.max(z_b_pow_2_adj);
    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let q = r.wrapping_sub(SQRT_SQRT_HALF);
    let q = q.wrapping_add(q);
    let common_sq = mul(q, q);
    let num = mul(q, r).wrapping_add(mul(mul(q, common_sq), ALPHA_N));
    let denom_minus_one = mul(
        p,
        ALPHA_I
            .wrapping_add(q)
            .wrapping_add(mul(ALPHA_D, common_sq)),
    )
    .wrapping_add(mul(ALPHA_F, q));
    let recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    let num_scaled = rounding_divide_by_pot(num, ACCUM_BITS);
    let sum = mul(z_pow_2_adj, LOG_2).wrapping_add(mul(num_scaled, recip_denom));
    // From ACCUM_BITS integer bits to INPUT_INTEGER_BITS.
    saturating_shift_left(sum, ACCUM_BITS - INPUT_INTEGER_BITS)
}

/// int8 LOG_SOFTMAX, bit-exact with TFLM's reference kernel (`LogSoftmaxQuantized`).
///
/// Per row: the differences from the row maximum at or above `diff_min` are scaled to Q5.26,
/// exponentiated and summed in Q12.19; the sum's logarithm (Q5.26) is subtracted from each
/// scaled difference, which is rounded to units of 1/16 and offset by 127. Differences at or
/// below the larger of `diff_min - 1` and the log-sum's own floor output -128. A zero depth
/// writes nothing.
pub fn log_softmax_i8(p: &LogSoftmaxI8, input: &[i8], output: &mut [i8]) {
    let scaled =
        |diff: i32| multiply_by_quantized_multiplier(diff, p.input_multiplier, p.input_left_shift);
    for (row, out) in rows(input, p.depth, output, p.depth) {
        let max = row.iter().copied().fold(i8::MIN, i8::max);
        let diff = |x: i8| i32::from(x).wrapping_sub(i32::from(max));
        let mut sum = 0i32;
        for &x in row {
            let d = diff(x);
            if d >= p.diff_min {
                let e = exp_on_negative_values(scaled(d));
                sum = sum.wrapping_add(rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS));
            }
        }
        let log_sum = log_q5_of_q12(sum);
        let floor = multiply_by_quantized_multiplier(
            log_sum.wrapping_add(i32::MIN),
            p.reverse_scaling_divisor,
            p.reverse_scaling_shift,
        );
        let adjusted_diff_min = p.diff_min.wrapping_sub(1).max(floor);
        for (o, &x) in out.iter_mut().zip(row) {
            let d = diff(x);
            *o = if d > adjusted_diff_min {
                let unit = rounding_divide_by_pot(
                    scaled(d).wrapping_sub(log_sum),
                    31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS,
                );
                unit.wrapping_add(127).clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
}

/// float32 LOG_SOFTMAX as TFLM's reference kernel: the row maximum (from `f32::MIN`), the sum of
/// `exp(x - max)` in order, then `x - max - log(sum)`. `exp` and `log` are `libm`'s, so outputs
/// can differ from TFLM's by a few ulp. A zero depth writes nothing.
pub fn log_softmax_f32(p: &LogSoftmaxF32, input: &[f32], output: &mut [f32]) {
    for (row, out) in rows(input, p.depth, output, p.depth) {
        let max = row
            .iter()
            .fold(f32::MIN, |max, &x| if max < x { x } else { max });
        let sum: f32 = row.iter().fold(0.0f32, |sum, &x| sum + libm::expf(x - max));
        let log_sum = libm::logf(sum);
        for (o, &x) in out.iter_mut().zip(row) {
            *o = x - max - log_sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_of_fixed_point_values_is_accurate() {
        for k in [1.0f64, 1.5, 2.0, 3.7, 10.0, 100.0, 1000.0, 4000.0] {
            let x = (k * f64::from(1 << 19)) as i32;
            let got = f64::from(log_q5_of_q12(x)) / f64::from(1 << 26);
            assert!((got - libm::log(k)).abs() < 1e-6, "log {k}: {got}");
        }
    }

    #[test]
    fn float_rows_are_log_probabilities() {
        let mut out = [0.0f32; 4];
        log_softmax_f32(&LogSoftmaxF32 { depth: 2 }, &[0.0, 0.0, 1.0, 5.0], &mut out);
        assert!((out[0] - -core::f32::consts::LN_2).abs() < 1e-6);
        assert!((libm::expf(out[2]) + libm::expf(out[3]) - 1.0).abs() < 1e-6);
    }
}
