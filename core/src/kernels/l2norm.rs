//! L2_NORMALIZATION over the innermost dimension: `x / max(sqrt(sum(x^2)), epsilon)`.

use super::log_softmax::saturating_shift_left;
use super::slices::rows;
use crate::quant::{
    multiply_by_quantized_multiplier, rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};

/// int8 L2_NORMALIZATION: the output has scale 1/128 and zero point 0 (TFLM's fixed format).
#[derive(Clone, Copy, Debug)]
pub struct L2NormI8 {
    /// The input's zero point.
    pub input_zero_point: i32,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
}

/// float32 L2_NORMALIZATION.
#[derive(Clone, Copy, Debug)]
pub struct L2NormF32 {
    /// Elements per row (the innermost dimension).
    pub depth: usize,
}

/// `1 / sqrt(x)` as a Q0.31 multiplier and exponent for [`multiply_by_quantized_multiplier`]:
/// TFLite's `GetInvSqrtQuantizedMultiplierExp` with `reverse_shift` -1, Newton-Raphson in Q3.28,
/// operation for operation. Inputs of 0 and 1 give `(i32::MAX, 0)`.
fn inv_sqrt_multiplier(x: i32) -> (i32, i32) {
    if x <= 1 {
        return (i32::MAX, 0);
    }
    let mut input = x;
    let mut shift: i32 = 11;
    while input >= 1 << 29 {
        input /= 4;
        shift = shift.wrapping_add(1);
    }
    // At least 2 for an input below 2^29, so at least one pair.
    let max_left_shift_bits = ((input as u32).leading_zeros() as i32).wrapping_sub(1);
    let left_shift_bit_pairs = (max_left_shift_bits / 2).wrapping_sub(1);
    shift = shift.wrapping_sub(left_shift_bit_pairs);
    input = input.wrapping_shl(left_shift_bit_pairs.wrapping_mul(2) as u32);
    let mul = saturating_rounding_doubling_high_mul;
    // Q3.28.
    let fixed_input = input >> 1;
    let half_input = rounding_divide_by_pot(fixed_input, 1);
    const HALF_THREE: i32 = (1 << 28) + (1 << 27);
    const ONE: i32 = 1 << 28;
    let mut r = ONE;
    for _ in 0..5 {
        // x^3 in Q9.22 back to Q3.28.
        let r3 = saturating_shift_left(mul(mul(r, r), r), 6);
        // Products in Q6.25 back to Q3.28.
        r = saturating_shift_left(mul(HALF_THREE, r).wrapping_sub(mul(half_input, r3)), 3);
    }
    const HALF_SQRT_2: i32 = 1518500250;
    let mut inv = mul(r, HALF_SQRT_2);
    if shift < 0 {
        inv = inv.wrapping_shl(shift.wrapping_neg() as u32);
        shift = 0;
    }
    (inv, shift.wrapping_neg())
}

/// int8 L2_NORMALIZATION, bit-exact with TFLM's reference kernel: per row, the sum of squared
/// differences from the zero point (wrapping), its inverse square root as a multiplier, and each
/// difference scaled by it to units of 1/128, clamped to int8. A zero depth writes nothing.
pub fn l2_normalization_i8(p: &L2NormI8, input: &[i8], output: &mut [i8]) {
    const OUTPUT_SCALE_BITS: i32 = 7;
    for (row, out) in rows(input, p.depth, output, p.depth) {
        let centred = |x: i8| i32::from(x).wrapping_sub(p.input_zero_point);
        let sum = row.iter().fold(0i32, |sum, &x| {
            let d = centred(x);
            sum.wrapping_add(d.wrapping_mul(d))
        });
        let (multiplier, shift) = inv_sqrt_multiplier(sum);
        for (o, &x) in out.iter_mut().zip(row) {
            let scaled = multiply_by_quantized_multiplier(
                centred(x),
                multiplier,
                shift.wrapping_add(OUTPUT_SCALE_BITS),
            );
            *o = scaled.clamp(-128, 127) as i8;
        }
    }
}

/// float32 L2_NORMALIZATION as TFLM's reference kernel: the sum of squares in order, its square
/// root raised to at least `1e-6`, and each element divided by it. A zero depth writes nothing.
pub fn l2_normalization_f32(p: &L2NormF32, input: &[f32], output: &mut [f32]) {
    const EPSILON: f32 = 1e-6;
    for (row, out) in rows(input, p.depth, output, p.depth) {
        let sum = row.iter().fold(0.0f32, |sum, &x| sum + x * x);
        let norm = libm::sqrtf(sum);
        // `std::max(norm, epsilon)`.
        let norm = if norm < EPSILON { EPSILON } else { norm };
        for (o, &x) in out.iter_mut().zip(row) {
            *o = x / norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_square_roots_are_accurate() {
        for x in [2, 3, 100, 12345, 1 << 20, 65025 * 100, i32::MAX] {
            let (m, shift) = inv_sqrt_multiplier(x);
            let got = f64::from(m) / f64::from(1u32 << 31) * 2f64.powi(shift);
            let want = 1.0 / f64::from(x).sqrt();
            assert!((got / want - 1.0).abs() < 1e-5, "{x}: {got} vs {want}");
        }
    }

    #[test]
    fn int8_rows_have_unit_norm() {
        let p = L2NormI8 {
            input_zero_point: 1,
            depth: 2,
        };
        let mut out = [0i8; 2];
        l2_normalization_i8(&p, &[4, 5], &mut out);
        // (3, 4) / 5 = (0.6, 0.8) in units of 1/128.
        assert_eq!(out, [77, 102]);
    }
}
