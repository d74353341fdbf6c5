//! Fixed-point arithmetic behind the int8 kernels.
//!
//! These reproduce, bit for bit, the integer primitives of gemmlowp's `fixedpoint.h` and of
//! TensorFlow Lite's `kernels/internal/common.h` that TensorFlow Lite Micro's reference kernels
//! use (in its default double-rounding configuration).
//!
//! A value in `Qm.n` format is an `i32` holding `real * 2^n`, where `m + n = 31`. Where the C++
//! relies on signed overflow (undefined behaviour there), these functions wrap, which is what the
//! compiled C++ does in practice; argument values the C++ rejects with an assertion give a
//! documented, well-defined result instead. No function here panics.

/// Rounds `a * b / 2^31` to the nearest integer, ties towards positive infinity, saturating the
/// one overflowing case (`i32::MIN * i32::MIN`) to `i32::MAX`.
///
/// This is the product of two Q0.31 values (gemmlowp's `SaturatingRoundingDoublingHighMul`,
/// the ARM `VQRDMULH` instruction).
#[inline(always)]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    // gemmlowp truncates `(ab + nudge) / 2^31` towards zero, with a nudge of `2^30` for
    // `ab >= 0` and `1 - 2^30` below: for `ab < 0` the numerator is negative and truncating it
    // is `floor((ab + 1 - 2^30 + 2^31 - 1) / 2^31)`, so both cases are the floor of
    // `(ab + 2^30) / 2^31`: one arithmetic shift (no 64-bit division, no branch on the sign).
    // It fits in `i32` for every product but `i32::MIN * i32::MIN`, handled above.
    ((a as i64 * b as i64 + (1 << 30)) >> 31) as i32
}

/// Divides `x` by `2^exponent`, rounding to nearest with ties away from zero (gemmlowp's
/// `RoundingDivideByPOT`, a rounding arithmetic right shift).
///
/// gemmlowp requires `exponent` in `0..=31`. Here an exponent of zero or less returns `x`, and an
/// exponent above 31 returns the correctly rounded quotient (0, or -1 for `i32::MIN / 2^32`).
#[inline(always)]
pub const fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent <= 0 {
        return x;
    }
    if exponent > 31 {
        return if exponent == 32 && x == i32::MIN {
            -1
        } else {
            0
        };
    }
    // `exponent` is in 1..=31 here, so the mask fits in 32 bits.
    let mask = ((1u32 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> exponent) + (remainder > threshold) as i32
}

/// `x * 2^exponent` modulo `2^32`, for `exponent` in `0..=31` (0 above that; `x` for negative
/// exponents). This is what the C++ `x * (1 << exponent)` computes when it overflows.
#[inline(always)]
const fn wrapping_mul_pot(x: i32, exponent: i32) -> i32 {
    if exponent <= 0 {
        x
    } else if exponent > 31 {
        0
    } else {
        x.wrapping_shl(exponent as u32)
    }
}

/// Scales an accumulator by `multiplier * 2^shift / 2^31` (TFLite's
/// `MultiplyByQuantizedMultiplier`, double-rounding form).
///
/// `multiplier` is a Q0.31 value in `[2^30, 2^31)` (or 0) and `shift` its power-of-two exponent,
/// as produced at compile time by `QuantizeMultiplier`. A positive `shift` is applied as an exact
/// (wrapping) left shift before the rounding multiply; a negative one as a rounding right shift
/// after it.
#[inline(always)]
pub const fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    if shift <= 0 && shift >= -31 {
        // The usual case (a multiplier below 1): no left shift, and a right shift in 0..=31,
        // for which the rounding shift below equals `rounding_divide_by_pot` (its mask is 0 for
        // an exponent of 0, which then returns `x`), without its range checks.
        let x = saturating_rounding_doubling_high_mul(x, multiplier);
        let exponent = -shift;
        let mask = 1u32.wrapping_shl(exponent as u32).wrapping_sub(1) as i32;
        let remainder = x & mask;
        let threshold = (mask >> 1) + (x < 0) as i32;
        // Cannot overflow (for an exponent of 0 the remainder is 0, never above the threshold),
        // but the optimiser cannot see it: wrapping keeps a debug build free of a panic path.
        return x
            .wrapping_shr(exponent as u32)
            .wrapping_add((remainder > threshold) as i32);
    }
    let left_shift = if shift > 0 { shift } else { 0 };
    let right_shift = if shift > 0 { 0 } else { shift.saturating_neg() };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(wrapping_mul_pot(x, left_shift), multiplier),
        right_shift,
    )
}

/// Scales `x` by `multiplier * 2^left_shift / 2^31` for a non-negative `left_shift` (TFLite's
/// `MultiplyByQuantizedMultiplierGreaterThanOne`): an exact, wrapping left shift followed by
/// [`saturating_rounding_doubling_high_mul`].
pub const fn multiply_by_quantized_multiplier_greater_than_one(
    x: i32,
    multiplier: i32,
    left_shift: i32,
) -> i32 {
    saturating_rounding_doubling_high_mul(wrapping_mul_pot(x, left_shift), multiplier)
}

/// Multiplies `x` by `2^exponent` without changing its fixed-point format: a saturating left shift
/// for a positive exponent, [`rounding_divide_by_pot`] for a negative one (gemmlowp's
/// `SaturatingRoundingMultiplyByPOT`).
pub const fn saturating_rounding_multiply_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent < 0 {
        return rounding_divide_by_pot(x, exponent.saturating_neg());
    }
    if exponent == 0 {
        return x;
    }
    // Every non-zero value saturates from a shift of 31 on, so larger shifts behave like 31.
    let exponent = if exponent > 31 { 31 } else { exponent };
    let threshold = (1 << (31 - exponent)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << exponent
    }
}

/// `(a + b) / 2`, rounded to nearest with ties away from zero, computed without overflow
/// (gemmlowp's `RoundingHalfSum`, the ARM `VRHADD` instruction).
pub const fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// 1.0 in Q0.31 (saturated: the largest representable value).
const Q0_31_ONE: i32 = i32::MAX;

/// Fixed-point product: the formats' integer bits add up.
const fn mul(a: i32, b: i32) -> i32 {
    saturating_rounding_doubling_high_mul(a, b)
}

/// `exp(a)` for a Q0.31 value `a` in `[-1/4, 0)`, as Q0.31 (gemmlowp's
/// `exp_on_interval_between_negative_one_quarter_and_0_excl`).
///
/// A fourth-order Taylor polynomial around `-1/8`, evaluated in fixed point.
pub const fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    // round(exp(-1/8) * 2^31) and round(2^31 / 3).
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    // x = a + 1/8, so that the polynomial is in x around 0.
    let x = a.wrapping_add(1 << 28);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = saturating_rounding_multiply_by_pot(x4, -2);
    let x4_over_24_plus_x3_over_6_plus_x2_over_2 = saturating_rounding_multiply_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        -1,
    );
    EXP_MINUS_ONE_EIGHTH.wrapping_add(mul(
        EXP_MINUS_ONE_EIGHTH,
        x.wrapping_add(x4_over_24_plus_x3_over_6_plus_x2_over_2),
    ))
}

/// Integer bits of the [`exp_on_negative_values`] input format (Q5.26), TFLite softmax's
/// `kScaledDiffIntegerBits`.
pub const EXP_INPUT_INTEGER_BITS: i32 = 5;

/// `exp(a)` for a Q5.26 value `a <= 0`, as Q0.31 (gemmlowp's `exp_on_negative_values` with five
/// integer bits, the instantiation int8 softmax uses). `exp(0)` saturates to `i32::MAX`.
///
/// The input is split into its remainder modulo 1/4, handled by
/// [`exp_on_interval_between_negative_one_quarter_and_0_excl`], and a multiple of 1/4 whose
/// binary digits each multiply in a constant `exp(-2^k)`.
pub const fn exp_on_negative_values(a: i32) -> i32 {
    const FRACTIONAL_BITS: i32 = 31 - EXP_INPUT_INTEGER_BITS;
    const ONE_QUARTER: i32 = 1 << (FRACTIONAL_BITS - 2);
    // round(exp(-2^k) * 2^31) for k = -2..=4, the bit of weight 2^k being 1 << (26 + k).
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    if a == 0 {
        return Q0_31_ONE;
    }
    let a_mod_quarter_minus_one_quarter = (a & (ONE_QUARTER - 1)).wrapping_sub(ONE_QUARTER);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_multiply_by_pot(
            a_mod_quarter_minus_one_quarter,
            EXP_INPUT_INTEGER_BITS,
        ),
    );
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    let mut i = 0;
    while i < BARREL.len() {
        let (exponent, multiplier) = BARREL[i];
        if remainder & (1 << (FRACTIONAL_BITS + exponent)) != 0 {
            result = mul(result, multiplier);
        }
        i += 1;
    }
    result
}

/// `1 / (1 + a)` for a Q0.31 value `a` in `[0, 1)`, as Q0.31 (gemmlowp's
/// `one_over_one_plus_x_for_x_in_0_1`): three Newton-Raphson steps on the half denominator,
/// in Q2.29.
pub const fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    // 48/17 and -32/17 in Q2.29: the usual linear first guess for a reciprocal in [1/2, 1].
    const FORTY_EIGHT_OVER_SEVENTEEN: i32 = 1_515_870_810;
    const MINUS_THIRTY_TWO_OVER_SEVENTEEN: i32 = -1_010_580_540;
    const Q2_29_ONE: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, Q0_31_ONE);
    let mut x = FORTY_EIGHT_OVER_SEVENTEEN
        .wrapping_add(mul(half_denominator, MINUS_THIRTY_TWO_OVER_SEVENTEEN));
    let mut i = 0;
    while i < 3 {
        let one_minus_half_denominator_times_x = Q2_29_ONE.wrapping_sub(mul(half_denominator, x));
        // Q2.29 * Q2.29 is Q4.27; shifting left by 2 brings it back to Q2.29.
        x = x.wrapping_add(saturating_rounding_multiply_by_pot(
            mul(x, one_minus_half_denominator_times_x),
            2,
        ));
        i += 1;
    }
    // x approximates 1 / half_denominator = 2 / (1 + a); as Q1.30 it is 1 / (1 + a), and one
    // saturating left shift turns that into Q0.31.
    saturating_rounding_multiply_by_pot(x, 1)
}

/// The reciprocal of a positive fixed-point `x` with `x_integer_digits` integer bits (TFLite's
/// `GetReciprocal`).
///
/// Returns `(scale, num_bits_over_unit)`: `scale` is a Q0.31 value in about `[1/2, 1]` and
/// `1 / x = scale * 2^-num_bits_over_unit`. `x` is normalised to `1 + f` with `f` in `[0, 1)`
/// using its leading zeros, then [`one_over_one_plus_x_for_x_in_0_1`] gives `1 / (1 + f)`.
/// For `x == 0` (never the case in softmax) the normalised `f` is taken as 0 rather than shifting
/// by 32 bits, which is undefined in C++.
pub const fn get_reciprocal(x: i32, x_integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros();
    let num_bits_over_unit = x_integer_digits.wrapping_sub(headroom_plus_one as i32);
    let shifted = match (x as u32).checked_shl(headroom_plus_one) {
        Some(shifted) => shifted,
        None => 1 << 31,
    };
    let shifted_minus_one = shifted.wrapping_sub(1 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_minus_one),
        num_bits_over_unit,
    )
}

/// Requantizes an int32 accumulator to int8: scale by `multiplier * 2^shift`, add the output zero
/// point, clamp to `[min, max]` (the order the reference int8 kernels use).
#[inline(always)]
pub(crate) fn requantize_to_i8(
    acc: i32,
    multiplier: i32,
    shift: i32,
    output_offset: i32,
    min: i32,
    max: i32,
) -> i8 {
    // `max` then `min` (not `clamp`): no panic if `min > max`, same result as `std::max/min`.
    multiply_by_quantized_multiplier(acc, multiplier, shift)
        .wrapping_add(output_offset)
        .max(min)
        .min(max) as i8
}

/// gemmlowp's `exp(-2^k)` barrel-shifter constants, `round(exp(-2^k) * 2^31)` for `k = -2..=4`.
const EXP_BARREL: [(i32, i32); 7] = [
    (-2, 1_672_461_947),
    (-1, 1_302_514_674),
    (0, 790_015_084),
    (1, 290_630_308),
    (2, 39_332_535),
    (3, 720_401),
    (4, 242),
];

/// `exp(a)` for a fixed-point `a <= 0` with `integer_bits` integer bits, as Q0.31 (gemmlowp's
/// `exp_on_negative_values` for any input format; [`exp_on_negative_values`] is the Q5.26 case).
///
/// gemmlowp's template accepts `integer_bits` in `0..=29` (1/4 must be representable); values
/// outside are clamped to that range. As in gemmlowp, only the barrel-shifter steps `exp(-2^k)`
/// with `k < integer_bits` apply, inputs below -32 give 0 when `integer_bits > 5`, and `exp(0)`
/// saturates to `i32::MAX`.
pub const fn exp_on_negative_values_with_integer_bits(a: i32, integer_bits: i32) -> i32 {
    let integer_bits = if integer_bits < 0 {
        0
    } else if integer_bits > 29 {
        29
    } else {
        integer_bits
    };
    if a == 0 {
        return Q0_31_ONE;
    }
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1 << (fractional_bits - 2);
    let a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)).wrapping_sub(one_quarter);
    // Rescale to Q0.31: a saturating left shift by the integer bits.
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_multiply_by_pot(a_mod_quarter_minus_one_quarter, integer_bits),
    );
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    let mut i = 0;
    while i < EXP_BARREL.len() {
        let (exponent, multiplier) = EXP_BARREL[i];
        // Bits of weight 2^k only exist for k < integer_bits.
        if integer_bits > exponent && remainder & (1 << (fractional_bits + exponent)) != 0 {
            result = mul(result, multiplier);
        }
        i += 1;
    }
    if integer_bits > 5 && a < -(1 << (36 - integer_bits)) {
        result = 0;
    }
    result
}

/// Three Newton-Raphson steps towards `1 / half_denominator` for a Q0.31 `half_denominator` in
/// `[1/2, 1]`, as Q2.29 (the shared core of gemmlowp's `one_over_one_plus_x_for_x_in_0_1` and
/// `one_minus_x_over_one_plus_x_for_x_in_0_1`).
const fn newton_reciprocal_q2_29(half_denominator: i32) -> i32 {
    // 48/17 and -32/17 in Q2.29.
    const FORTY_EIGHT_OVER_SEVENTEEN: i32 = 1_515_870_810;
    const MINUS_THIRTY_TWO_OVER_SEVENTEEN: i32 = -1_010_580_540;
    const Q2_29_ONE: i32 = 1 << 29;
    let mut x = FORTY_EIGHT_OVER_SEVENTEEN
        .wrapping_add(mul(half_denominator, MINUS_THIRTY_TWO_OVER_SEVENTEEN));
    let mut i = 0;
    while i < 3 {
        let one_minus_half_denominator_times_x = Q2_29_ONE.wrapping_sub(mul(half_denominator, x));
        x = x.wrapping_add(saturating_rounding_multiply_by_pot(
            mul(x, one_minus_half_denominator_times_x),
            2,
        ));
        i += 1;
    }
    x
}

/// `(1 - a) / (1 + a)` for a Q0.31 value `a` in `[0, 1)`, as Q0.31 (gemmlowp's
/// `one_minus_x_over_one_plus_x_for_x_in_0_1`).
///
/// The reciprocal `2 / (1 + a)` is found as in [`one_over_one_plus_x_for_x_in_0_1`]; minus one
/// it is `(1 - a) / (1 + a)` in Q2.29, shifted left by two (saturating) into Q0.31.
pub const fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let x = newton_reciprocal_q2_29(rounding_half_sum(a, Q0_31_ONE));
    saturating_rounding_multiply_by_pot(x.wrapping_sub(1 << 29), 2)
}

/// `1 / (1 + exp(-a))` for a fixed-point `a` with `integer_bits` integer bits, as Q0.31
/// (gemmlowp's `logistic`).
///
/// Computed on `|a|` as `1 / (1 + exp(-|a|))` and mirrored to `1 - that` for negative inputs;
/// `logistic(0)` is exactly 1/2. `integer_bits` is clamped to `0..=29`.
pub const fn logistic_fixed_point(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let abs = if a > 0 { a } else { a.wrapping_neg() };
    let positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values_with_integer_bits(
        abs.wrapping_neg(),
        integer_bits,
    ));
    if a > 0 {
        positive
    } else {
        Q0_31_ONE.wrapping_sub(positive)
    }
}

/// `tanh(a)` for a fixed-point `a` with `integer_bits` integer bits, as Q0.31 (gemmlowp's
/// `tanh`).
///
/// Computed on `n = -|a|` as `(1 - exp(2n)) / (1 + exp(2n))`, where `2n` reuses `n`'s bits with one
/// more integer bit, and given `a`'s sign; `tanh(0)` is exactly 0. gemmlowp accepts
/// `integer_bits` in `0..=28`; larger values are clamped to 28.
pub const fn tanh_fixed_point(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    let integer_bits = if integer_bits > 28 { 28 } else { integer_bits };
    let negative = if a < 0 { a } else { a.wrapping_neg() };
    let magnitude = one_minus_x_over_one_plus_x_for_x_in_0_1(
        exp_on_negative_values_with_integer_bits(negative, integer_bits + 1),
    );
    if a < 0 {
        magnitude.wrapping_neg()
    } else {
        magnitude
    }
}

/// [`saturating_rounding_doubling_high_mul`] on Q0.15 values (gemmlowp's `int16_t`
/// `SaturatingRoundingDoublingHighMul`): `a * b / 2^15` rounded to nearest, ties towards positive
/// infinity, with `i16::MIN * i16::MIN` saturating to `i16::MAX`.
pub const fn saturating_rounding_doubling_high_mul_i16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = a as i32 * b as i32;
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// gemmlowp's generic `RoundingDivideByPOT` instantiated for `int16_t`: `x / 2^exponent` rounded
/// to nearest, ties away from zero, for `exponent` in `0..=15`.
///
/// gemmlowp allows exponents up to 31; from 16 on its mask `2^exponent - 1` is truncated to 16 bits
/// and the result is no longer a quotient (1 for `x >= 0`, -1 for `x < 0`). This reproduces that;
/// exponents outside `0..=31` are clamped to it.
pub const fn rounding_divide_by_pot_i16(x: i16, exponent: i32) -> i16 {
    let exponent = if exponent < 0 {
        0
    } else if exponent > 31 {
        31
    } else {
        exponent
    };
    let mask = ((1i64 << exponent) - 1) as i16;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i16;
    (((x as i32) >> exponent) as i16).wrapping_add((remainder > threshold) as i16)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    const EDGES: [i32; 16] = [
        i32::MIN,
        i32::MIN + 1,
        -(1 << 30) - 1,
        -(1 << 30),
        -65_537,
        -1_000,
        -3,
        -1,
        0,
        1,
        2,
        3,
        1_000,
        1 << 30,
        (1 << 30) + 1,
        i32::MAX,
    ];

    /// Deterministic pseudo-random i32 values (xorshift), mixed with the edge cases.
    fn samples() -> Vec<i32> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut values: Vec<i32> = EDGES.to_vec();
        for _ in 0..2_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = state as i32;
            // Spread over magnitudes, not only large ones.
            values.push(v >> (state >> 59));
        }
        values
    }

    /// Floor division of an i128 by a power of two.
    fn floor_div_pot(x: i128, e: u32) -> i128 {
        x >> e
    }

    fn ref_srdhm(a: i32, b: i32) -> i32 {
        let r = floor_div_pot(2 * a as i128 * b as i128 + (1i128 << 31), 32);
        r.clamp(i32::MIN as i128, i32::MAX as i128) as i32
    }

    fn ref_rdbpot(x: i32, e: u32) -> i32 {
        if e == 0 {
            return x;
        }
        let mag = (x as i128).abs();
        let q = floor_div_pot(mag + (1i128 << (e - 1)), e);
        (if x < 0 { -q } else { q }) as i32
    }

    #[test]
    fn srdhm_matches_exact_rounding() {
        let values = samples();
        for &a in &values {
            for &b in values.iter().step_by(7) {
                assert_eq!(
                    saturating_rounding_doubling_high_mul(a, b),
                    ref_srdhm(a, b),
                    "{a} {b}"
                );
            }
        }
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        // Negative ties go up, towards zero: -0.5 rounds to 0, 1.5 to 2.
        assert_eq!(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);
        assert_eq!(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
    }

    #[test]
    fn rdbpot_rounds_ties_away_from_zero() {
        for &x in &samples() {
            for e in 0..=31 {
                assert_eq!(
                    rounding_divide_by_pot(x, e),
                    ref_rdbpot(x, e as u32),
                    "{x} >> {e}"
                );
            }
        }
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
        // Out of gemmlowp's range: well defined, correctly rounded.
        assert_eq!(rounding_divide_by_pot(7, -3), 7);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 32), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 32), 0);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 40), 0);
    }

    #[test]
    fn multiply_by_quantized_multiplier_matches_reference() {
        let multipliers = [0, 1 << 30, 1_234_567_890, i32::MAX];
        for &x in &samples() {
            for &m in &multipliers {
                for shift in -31..=31 {
                    let left = shift.max(0) as u32;
                    let right = (-shift).max(0) as u32;
                    let shifted = ((x as i64) << left) as i32;
                    let expected = ref_rdbpot(ref_srdhm(shifted, m), right);
                    assert_eq!(multiply_by_quantized_multiplier(x, m, shift), expected);
                }
            }
        }
        // Against real arithmetic where nothing overflows: x * 0.75 * 2^-3, off by at most one
        // rounding step from each of the two roundings.
        let m = 3 << 29;
        for x in -100_000..100_000 {
            let exact = x as f64 * 0.75 / 8.0;
            let got = multiply_by_quantized_multiplier(x, m, -3) as f64;
            assert!((got - exact).abs() <= 1.0, "{x}: {got} vs {exact}");
        }
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, 1), 100);
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, -1), 25);
        assert_eq!(multiply_by_quantized_multiplier(-6, 1 << 30, -1), -2); // -1.5 -> -2
        assert_eq!(multiply_by_quantized_multiplier(5, i32::MAX, i32::MIN), 0);
        assert_eq!(multiply_by_quantized_multiplier(5, i32::MAX, i32::MAX), 0);
    }

    #[test]
    fn greater_than_one_shifts_then_multiplies() {
        for &x in &samples() {
            for left in 0..=31 {
                let m = 1_518_500_250;
                let expected = ref_srdhm(((x as i64) << left) as i32, m);
                assert_eq!(
                    multiply_by_quantized_multiplier_greater_than_one(x, m, left),
                    expected
                );
            }
        }
    }

    #[test]
    fn saturating_pot_saturates_and_rounds() {
        for &x in &samples() {
            for e in -31..=31 {
                let expected = if e >= 0 {
                    ((x as i128) << e).clamp(i32::MIN as i128, i32::MAX as i128) as i32
                } else {
                    ref_rdbpot(x, (-e) as u32)
                };
                assert_eq!(
                    saturating_rounding_multiply_by_pot(x, e),
                    expected,
                    "{x} * 2^{e}"
                );
            }
        }
        assert_eq!(saturating_rounding_multiply_by_pot(1, 40), i32::MAX);
        assert_eq!(saturating_rounding_multiply_by_pot(-1, 40), i32::MIN);
        assert_eq!(saturating_rounding_multiply_by_pot(0, 40), 0);
    }

    #[test]
    fn rounding_half_sum_rounds_away_from_zero() {
        for &a in &samples() {
            for &b in EDGES.iter() {
                let sum = a as i128 + b as i128;
                let q = (sum.abs() + 1) / 2;
                let expected = if sum < 0 { -q } else { q };
                assert_eq!(rounding_half_sum(a, b) as i128, expected, "{a} {b}");
            }
        }
        assert_eq!(rounding_half_sum(i32::MAX, i32::MAX), i32::MAX);
        assert_eq!(rounding_half_sum(i32::MIN, i32::MIN), i32::MIN);
    }

    fn q(real: f64, fractional_bits: i32) -> i32 {
        (real * (1u64 << fractional_bits) as f64).round() as i32
    }

    #[test]
    fn constants_are_the_rounded_reals() {
        use libm::exp;
        assert_eq!(q(exp(-0.125), 31), 1_895_147_668);
        assert_eq!(q(1.0 / 3.0, 31), 715_827_883);
        assert_eq!(q(48.0 / 17.0, 29), 1_515_870_810);
        assert_eq!(q(-32.0 / 17.0, 29), -1_010_580_540);
        let barrel = [
            1_672_461_947,
            1_302_514_674,
            790_015_084,
            290_630_308,
            39_332_535,
            720_401,
            242,
        ];
        for (k, &c) in (-2..=4).zip(barrel.iter()) {
            assert_eq!(q(exp(-libm::pow(2.0, k as f64)), 31), c, "exp(-2^{k})");
        }
    }

    #[test]
    fn exp_on_interval_is_accurate() {
        let mut worst = 0.0f64;
        for i in 1..=(1 << 12) {
            let a = -(i << 17); // (-1/4, 0) in steps of 2^-14, down to -1/4 itself
            let got = exp_on_interval_between_negative_one_quarter_and_0_excl(a) as f64;
            let want = libm::exp(a as f64 / 2f64.powi(31)) * 2f64.powi(31);
            worst = worst.max((got - want).abs());
        }
        // The truncated Taylor series is good to about 2^-22 on this interval.
        assert!(worst < 2f64.powi(31 - 21), "worst error {worst} ulp");
    }

    #[test]
    fn exp_on_negative_values_is_accurate() {
        assert_eq!(exp_on_negative_values(0), i32::MAX);
        let mut worst = 0.0f64;
        let mut a: i64 = 0;
        while a >= i32::MIN as i64 {
            let a32 = a as i32;
            let got = exp_on_negative_values(a32) as f64 / 2f64.powi(31);
            let want = libm::exp(a32 as f64 / 2f64.powi(26));
            worst = worst.max((got - want).abs());
            assert!((0.0..=1.0).contains(&got), "{a32}");
            // An odd step, so that the low (polynomial) bits vary as well as the barrel bits.
            a -= 40_009;
        }
        assert!(worst < 1e-6, "worst absolute error {worst}");
        let one = 1 << 26;
        for (x, want) in [
            (-one, -1.0f64),
            (-2 * one, -2.0),
            (-one / 4, -0.25),
            (-16 * one, -16.0),
        ] {
            let got = exp_on_negative_values(x) as f64 / 2f64.powi(31);
            assert!((got - libm::exp(want)).abs() < 1e-6, "{want}: {got}");
        }
        // Far below -16 the result underflows to zero.
        assert_eq!(exp_on_negative_values(i32::MIN), 0);
    }

    #[test]
    fn one_over_one_plus_x_is_accurate() {
        for i in 0..=1000 {
            let a = ((i as i64 * i32::MAX as i64) / 1000) as i32;
            let got = one_over_one_plus_x_for_x_in_0_1(a) as f64 / 2f64.powi(31);
            let want = 1.0 / (1.0 + a as f64 / 2f64.powi(31));
            assert!((got - want).abs() < 1e-8, "{a}: {got} vs {want}");
        }
    }

    #[test]
    fn reciprocal_matches_one_over_x() {
        for &digits in &[0, 5, 12] {
            for x in [
                1,
                2,
                3,
                7,
                1000,
                524_288,
                524_289,
                1 << 21,
                123_456_789,
                i32::MAX,
            ] {
                let (scale, bits) = get_reciprocal(x, digits);
                let real_x = x as f64 / 2f64.powi(31 - digits);
                let got = scale as f64 / 2f64.powi(31) / 2f64.powi(bits);
                let rel = (got * real_x - 1.0).abs();
                assert!(
                    rel < 1e-8,
                    "x={x} digits={digits}: {got} vs {}",
                    1.0 / real_x
                );
            }
        }
        // Exactly one: 1 / 1 with no extra bits.
        assert_eq!(get_reciprocal(1 << 19, 12).1, 0);
        // Zero does not panic: it is treated as 1.0 * 2^(digits - 32).
        let (scale, bits) = get_reciprocal(0, 12);
        assert!(scale > i32::MAX - 16, "{scale}");
        assert_eq!(bits, -20);
    }

    #[test]
    fn requantize_clamps_after_offset() {
        assert_eq!(requantize_to_i8(2000, 1 << 30, -1, -128, -128, 127), 127);
        assert_eq!(requantize_to_i8(1000, 1 << 30, -1, -128, -128, 127), 122);
        assert_eq!(requantize_to_i8(100, 1 << 30, -1, -10, -128, 127), 15);
        assert_eq!(requantize_to_i8(-1000, 1 << 30, 0, 0, -5, 5), -5);
        // A reversed range does not panic and gives `max`, as `std::min(std::max(..))` would.
        assert_eq!(requantize_to_i8(0, 1 << 30, 0, 0, 10, -10), -10);
    }

    #[test]
    fn exp_with_integer_bits_generalizes_the_q5_26_exp() {
        for &x in &samples() {
            let a = if x > 0 { x.wrapping_neg() } else { x };
            assert_eq!(
                exp_on_negative_values_with_integer_bits(a, 5),
                exp_on_negative_values(a),
                "{a}"
            );
        }
    }

    #[test]
    fn exp_with_integer_bits_is_accurate() {
        for integer_bits in 0..=8 {
            let mut worst = 0.0f64;
            let mut a: i64 = 0;
            while a >= i32::MIN as i64 {
                let a32 = a as i32;
                let got = exp_on_negative_values_with_integer_bits(a32, integer_bits) as f64;
                let want = libm::exp(a32 as f64 / 2f64.powi(31 - integer_bits));
                worst = worst.max((got / 2f64.powi(31) - want).abs());
                a -= 40_009;
            }
            assert!(worst < 1e-6, "{integer_bits}: {worst}");
        }
        // Out-of-range formats are clamped, not a panic.
        assert_eq!(
            exp_on_negative_values_with_integer_bits(-5, -3),
            exp_on_negative_values_with_integer_bits(-5, 0)
        );
        assert_eq!(
            exp_on_negative_values_with_integer_bits(-5, 40),
            exp_on_negative_values_with_integer_bits(-5, 29)
        );
        // Below -32 with more than five integer bits: zero.
        assert_eq!(exp_on_negative_values_with_integer_bits(-(33 << 24), 7), 0);
    }

    #[test]
    fn one_minus_x_over_one_plus_x_is_accurate() {
        for i in 0..=1000 {
            let a = ((i as i64 * i32::MAX as i64) / 1000) as i32;
            let got = one_minus_x_over_one_plus_x_for_x_in_0_1(a) as f64 / 2f64.powi(31);
            let x = a as f64 / 2f64.powi(31);
            let want = (1.0 - x) / (1.0 + x);
            assert!((got - want).abs() < 1e-8, "{a}: {got} vs {want}");
        }
    }

    #[test]
    fn logistic_and_tanh_are_accurate_and_symmetric() {
        for integer_bits in [0, 2, 4, 5] {
            let scale = 2f64.powi(31 - integer_bits);
            let mut a: i64 = i32::MIN as i64 + 1;
            while a <= i32::MAX as i64 {
                let a32 = a as i32;
                let x = a32 as f64 / scale;
                let l = logistic_fixed_point(a32, integer_bits);
                let t = tanh_fixed_point(a32, integer_bits);
                let want_l = 1.0 / (1.0 + libm::exp(-x));
                assert!((l as f64 / 2f64.powi(31) - want_l).abs() < 1e-6, "{a32}");
                assert!(
                    (t as f64 / 2f64.powi(31) - libm::tanh(x)).abs() < 2e-6,
                    "{a32}"
                );
                // tanh is odd exactly; logistic(-x) is 1 - logistic(x) with 1 = 2^31 - 1.
                assert_eq!(tanh_fixed_point(-a32, integer_bits), -t);
                if a32 != 0 {
                    assert_eq!(logistic_fixed_point(-a32, integer_bits), i32::MAX - l);
                }
                a += 1_000_003;
            }
        }
        assert_eq!(logistic_fixed_point(0, 4), 1 << 30);
        assert_eq!(tanh_fixed_point(0, 4), 0);
        // Saturated inputs do not panic.
        assert!(logistic_fixed_point(i32::MIN, 4) < 1 << 10);
        assert!(tanh_fixed_point(i32::MIN, 28) < -(1 << 30));
    }

    #[test]
    fn int16_gemmlowp_primitives() {
        let values: Vec<i16> = (i16::MIN..=i16::MAX)
            .step_by(97)
            .chain([-1, 0, 1, i16::MAX])
            .collect();
        for &a in &values {
            for &b in values.iter().step_by(13) {
                let exact = 2 * i64::from(a) * i64::from(b) + (1 << 15);
                let want = (exact >> 16).clamp(i16::MIN.into(), i16::MAX.into()) as i16;
                assert_eq!(
                    saturating_rounding_doubling_high_mul_i16(a, b),
                    want,
                    "{a} {b}"
                );
            }
        }
        assert_eq!(
            saturating_rounding_doubling_high_mul_i16(i16::MIN, i16::MIN),
            i16::MAX
        );
        for &x in &values {
            for e in 0..=15 {
                assert_eq!(
                    i32::from(rounding_divide_by_pot_i16(x, e)),
                    ref_rdbpot(i32::from(x), e as u32),
                    "{x} >> {e}"
                );
            }
        }
        // gemmlowp's int16 mask wraps from 16 bits on.
        assert_eq!(rounding_divide_by_pot_i16(0, 16), 1);
        assert_eq!(rounding_divide_by_pot_i16(300, 20), 1);
        assert_eq!(rounding_divide_by_pot_i16(-300, 31), -1);
        assert_eq!(rounding_divide_by_pot_i16(-300, 40), -1);
        assert_eq!(rounding_divide_by_pot_i16(-300, -2), -300);
    }
}
