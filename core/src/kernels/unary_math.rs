//! Element-wise math: EXP, LOG, SQRT, RSQRT, SQUARE, FLOOR, CEIL, ROUND and ELU.
//!
//! The float32 kernels call the same functions TensorFlow Lite Micro's reference kernels do
//! (`std::exp`, `std::log` and so on, in float), here from `libm`; the ones that are exact by
//! definition (SQRT, SQUARE, FLOOR, CEIL, ROUND) give TFLite Micro's bits, the others can differ
//! from the host C library by an ulp. TFLite Micro has an int8 kernel for RSQRT only (a
//! per-element fixed-point function, run here as a lookup table built by [`rsqrt_table`]).

use crate::quant::{
    multiply_by_quantized_multiplier, saturating_rounding_doubling_high_mul,
    saturating_rounding_multiply_by_pot,
};

use super::NoParams;

unary_kernel!(
    /// float32 EXP: `exp(x)` (`libm::expf`, where TFLite Micro calls `std::exp` in float).
    exp_f32, exp_f32_in_place, NoParams, f32,
    |_p, x| libm::expf(x)
);

unary_kernel!(
    /// float32 LOG: `log(x)` (`libm::logf`; NaN below zero, `-inf` at zero, as `std::log`).
    log_f32, log_f32_in_place, NoParams, f32,
    |_p, x| libm::logf(x)
);

unary_kernel!(
    /// float32 SQRT: `sqrt(x)`, correctly rounded (NaN below zero).
    sqrt_f32, sqrt_f32_in_place, NoParams, f32,
    |_p, x| libm::sqrtf(x)
);

unary_kernel!(
    /// float32 RSQRT: `1 / sqrt(x)` in float32, TFLite Micro's two roundings (`+inf` at zero).
    rsqrt_f32, rsqrt_f32_in_place, NoParams, f32,
    |_p, x| 1.0 / libm::sqrtf(x)
);

unary_kernel!(
    /// float32 SQUARE: `x * x`.
    square_f32, square_f32_in_place, NoParams, f32,
    |_p, x| x * x
);

unary_kernel!(
    /// float32 FLOOR: the largest integer not above `x`.
    floor_f32, floor_f32_in_place, NoParams, f32,
    |_p, x| libm::floorf(x)
);

unary_kernel!(
    /// float32 CEIL: the smallest integer not below `x`.
    ceil_f32, ceil_f32_in_place, NoParams, f32,
    |_p, x| libm::ceilf(x)
);

/// TFLite's `RoundToNearest`: `x` rounded to the nearest integer, ties to even, computed as the
/// floor plus one when the remainder is above a half (or exactly a half with an odd floor). A NaN
/// stays NaN and infinities stay themselves (their remainder is NaN, so one is added to them).
fn round_half_to_even(x: f32) -> f32 {
    let floor = libm::floorf(x);
    let remainder = x - floor;
    // A remainder of exactly 0.5 needs |x| < 2^23, so the floor fits in an i32 there and the
    // cast is exact where it matters (elsewhere it saturates, unlike the undefined C++ cast).
    if remainder < 0.5 || (remainder == 0.5 && (floor as i32) % 2 == 0) {
        floor
    } else {
        floor + 1.0
    }
}

unary_kernel!(
    /// float32 ROUND: to the nearest integer, ties to even (TFLite's `RoundToNearest`).
    round_f32, round_f32_in_place, NoParams, f32,
    |_p, x| round_half_to_even(x)
);

unary_kernel!(
    /// float32 ELU: `x < 0 ? expm1(x) : x` (`libm::expm1f`, where TFLite calls `std::expm1`).
    elu_f32, elu_f32_in_place, NoParams, f32,
    |_p, x| if x < 0.0 { libm::expm1f(x) } else { x }
);

/// `1 / sqrt(input)` as a Q0.31 multiplier and a left shift, by TFLite's
/// `GetInvSqrtQuantizedMultiplierExp` (with `reverse_shift` -1): the input is normalised by an
/// even shift into `[2^27, 2^29)`, five Newton-Raphson steps from 1 run in gemmlowp's Q3.28, and
/// the result is scaled by `sqrt(2) / 2`. Inputs 0 and 1 give `(i32::MAX, 0)`.
///
/// The input should not be negative (TFLite asserts it); a negative one is treated like 0.
pub const fn inv_sqrt_quantized_multiplier_exp(input: i32) -> (i32, i32) {
    if input <= 1 {
        return (i32::MAX, 0);
    }
    let mut input = input;
    let mut shift: i32 = 11;
    while input >= (1 << 29) {
        input /= 4;
        shift = shift.wrapping_add(1);
    }
    // `input` is in [2, 2^29) here, so these are in 1..=14 and 0..=13.
    // (Wrapping arithmetic only keeps debug builds free of a panic path.)
    let max_left_shift_bit_pairs = ((input as u32).leading_zeros() as i32).wrapping_sub(1) / 2;
    let left_shift_bit_pairs = max_left_shift_bit_pairs.wrapping_sub(1);
    shift = shift.wrapping_sub(left_shift_bit_pairs);
    input = input.wrapping_shl(left_shift_bit_pairs.wrapping_mul(2) as u32);
    // Q3.28: the input halved, 1.5, and the starting guess 1.
    let fixedpoint_input = input >> 1;
    let half_input = saturating_rounding_multiply_by_pot(fixedpoint_input, -1);
    let half_three: i32 = (1 << 28) + (1 << 27);
    let mut x: i32 = 1 << 28;
    let mut step: i32 = 0;
    while step < 5 {
        // x^3 is Q9.22 after two Q3 products; back to Q3.28.
        let x3 = saturating_rounding_multiply_by_pot(
            saturating_rounding_doubling_high_mul(saturating_rounding_doubling_high_mul(x, x), x),
            6,
        );
        // Both products are Q6.25; their difference back to Q3.28.
        let difference = saturating_rounding_doubling_high_mul(half_three, x)
            .wrapping_sub(saturating_rounding_doubling_high_mul(half_input, x3));
        x = saturating_rounding_multiply_by_pot(difference, 3);
        step = step.wrapping_add(1);
    }
    // Times sqrt(2) / 2 in Q0.31, staying Q3.28.
    let mut inv_sqrt = saturating_rounding_doubling_high_mul(x, 1_518_500_250);
    if shift < 0 {
        inv_sqrt = inv_sqrt.wrapping_shl(shift.wrapping_neg() as u32);
        shift = 0;
    }
    (inv_sqrt, shift.wrapping_neg())
}

/// The shift TFLite Micro's int8 RSQRT applies around its inverse square root to keep it an
/// integer (`kShift`).
pub const RSQRT_INTERMEDIATE_SHIFT: i32 = 20;

/// Lookup table of TFLite Micro's int8 RSQRT (`RsqrtEvalQuantized`).
///
/// With `value = x - input_zero_point`: 0 gives 127; otherwise the inverse square root of
/// `value` ([`inv_sqrt_quantized_multiplier_exp`]) is applied to 1 with 20 extra bits, that is
/// rescaled by `multiplier, shift - 20` (`multiplier, shift` being
/// `1 / (sqrt(input_scale) * output_scale)`), the output zero point added, and the result
/// clamped to `[-128, 127]`.
///
/// TFLite Micro fails the whole invoke on an input below the input zero point (a negative real
/// value); such an input has no defined result, and its entry here is 127, as for zero.
pub const fn rsqrt_table(
    input_zero_point: i32,
    multiplier: i32,
    shift: i32,
    output_zero_point: i32,
) -> [i8; 256] {
    let mut table = [0i8; 256];
    let mut k = 0;
    while k < table.len() {
        let value = (k as i32 - 128).wrapping_sub(input_zero_point);
        table[k] = if value <= 0 {
            i8::MAX
        } else {
            let (inv_sqrt, inv_sqrt_shift) = inv_sqrt_quantized_multiplier_exp(value);
            let data = multiply_by_quantized_multiplier(
                1,
                inv_sqrt,
                inv_sqrt_shift.wrapping_add(RSQRT_INTERMEDIATE_SHIFT),
            );
            let output = multiply_by_quantized_multiplier(
                data,
                multiplier,
                shift.wrapping_sub(RSQRT_INTERMEDIATE_SHIFT),
            )
            .wrapping_add(output_zero_point);
            let output = if output < -128 { -128 } else { output };
            let output = if output > 127 { 127 } else { output };
            output as i8
        };
        k += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_half_to_even() {
        let input = [
            -2.5f32, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, 2.6, -2.6, 1e10, -0.0,
        ];
        let mut out = [0.0f32; 11];
        round_f32(&NoParams, &input, &mut out);
        assert_eq!(
            out,
            [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 2.0, 3.0, -3.0, 1e10, -0.0]
        );
        let mut special = [f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        round_f32_in_place(&NoParams, &mut special);
        assert_eq!(special[..2], [f32::INFINITY, f32::NEG_INFINITY]);
        assert!(special[2].is_nan());
    }

    #[test]
    fn inv_sqrt_follows_the_real_function() {
        for value in 2..=255i32 {
            let (multiplier, shift) = inv_sqrt_quantized_multiplier_exp(value);
            let got = f64::from(multiplier) * 2f64.powi(shift - 31);
            let want = 1.0 / f64::from(value).sqrt();
            // Five Newton-Raphson steps from 1 in Q3.28 are good to about 2e-6.
            assert!((got / want - 1.0).abs() < 1e-5, "{value}: {got} {want}");
        }
        assert_eq!(inv_sqrt_quantized_multiplier_exp(1), (i32::MAX, 0));
        assert_eq!(inv_sqrt_quantized_multiplier_exp(0), (i32::MAX, 0));
    }

    #[test]
    fn rsqrt_table_follows_the_real_function() {
        // Input (0.05, -128), output (0.02, -128): a multiplier of 1 / (sqrt(0.05) * 0.02),
        // 223.6 = 0.8734 * 2^8.
        let table = rsqrt_table(-128, 1_875_768_707, 8, -128);
        assert_eq!(table[0], 127);
        for (k, &entry) in table.iter().enumerate().skip(1) {
            let real = 1.0 / (k as f64 * 0.05).sqrt() / 0.02 - 128.0;
            let want = real.round().clamp(-128.0, 127.0);
            assert!(
                (f64::from(entry) - want).abs() <= 1.0,
                "{k}: {entry} {want}"
            );
        }
        // Below the zero point TFLite Micro fails; the entry is the maximum.
        assert_eq!(rsqrt_table(0, 1 << 30, 1, 0)[0], 127);
    }
}
