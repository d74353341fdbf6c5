//! SOFTMAX over the innermost dimension: `exp(beta * (x - max)) / sum(exp(beta * (x - max)))`.

use super::slices::rows;
use super::{SoftmaxF32, SoftmaxI8};
use crate::quant::{
    exp_on_negative_values, get_reciprocal, multiply_by_quantized_multiplier_greater_than_one,
    rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};

/// Integer bits of the running sum of exponentials (Q12.19), TFLite's `kAccumulationIntegerBits`:
/// rows of up to 4095 elements sum without overflow.
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// int8 SOFTMAX (output scale 1/256, zero point -128), bit-exact with TFLite Micro's reference
/// kernel.
///
/// Per row: differences from the row maximum are scaled to Q5.26 by `input_multiplier` and
/// `input_left_shift`, exponentiated in fixed point and summed in Q12.19; each output is its
/// exponential times the sum's reciprocal, rounded to 1/256 and shifted by -128. Elements whose
/// difference is below `diff_min` output -128. The row count is the number of whole rows of
/// `depth` in both slices; a zero depth writes nothing. (TFLite Micro aborts on rows whose
/// exponentials sum to 512 or more; here the final rounding shift just goes past 31 bits.)
pub fn softmax_i8(p: &SoftmaxI8, input: &[i8], output: &mut [i8]) {
    softmax_quantized(p, input, output, 8, |unit| {
        unit.wrapping_sub(128).clamp(-128, 127) as i8
    });
}

/// SOFTMAX from int8 to int16 (output scale 1/65536, zero point -32768), bit-exact with TFLite
/// Micro's reference kernel: [`softmax_i8`]'s arithmetic, each output rounded to 1/65536 and
/// shifted by -32768 instead (TFLM's `Softmax<int8_t, int16_t>`). Elements whose difference is
/// below `diff_min` output -32768.
pub fn softmax_i8_i16(p: &SoftmaxI8, input: &[i8], output: &mut [i16]) {
    softmax_quantized(p, input, output, 16, |unit| {
        unit.wrapping_sub(32768).clamp(-32768, 32767) as i16
    });
}

/// The fixed-point softmax of an int8 input into outputs of `output_bits` bits: `store` turns an
/// output in units of `2^-output_bits` into the output element (offset and clamped); an element
/// below `diff_min` gets `store(0)`, the type's minimum, as in TFLM.
fn softmax_quantized<T: Copy>(
    p: &SoftmaxI8,
    input: &[i8],
    output: &mut [T],
    output_bits: i32,
    store: impl Fn(i32) -> T,
) {
    if p.depth == 0 {
        return;
    }
    for (row, out) in rows(input, p.depth, output, p.depth) {
        let max = row.iter().copied().fold(i8::MIN, i8::max);
        // exp(beta * scale * (x - max)) in Q0.31, or None for a negligible contribution.
        let exp = |x: i8| {
            let diff = i32::from(x).wrapping_sub(i32::from(max));
            (diff >= p.diff_min).then(|| {
                exp_on_negative_values(multiply_by_quantized_multiplier_greater_than_one(
                    diff,
                    p.input_multiplier,
                    p.input_left_shift,
                ))
            })
        };
        let sum = row.iter().filter_map(|&x| exp(x)).fold(0i32, |sum, e| {
            // Q0.31 to Q12.19.
            sum.wrapping_add(rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS))
        });
        let (reciprocal, num_bits_over_unit) = get_reciprocal(sum, ACCUMULATION_INTEGER_BITS);
        // From Q0.31 down to units of 2^-output_bits.
        // Exact for the 8 or 16 output bits the kernels pass; wrapping keeps a debug build free
        // of an overflow check the optimiser cannot remove for a parameter.
        let exponent = num_bits_over_unit
            .wrapping_add(31)
            .wrapping_sub(output_bits);
        for (o, &x) in out.iter_mut().zip(row) {
            *o = store(match exp(x) {
                Some(e) => rounding_divide_by_pot(
                    saturating_rounding_doubling_high_mul(reciprocal, e),
                    exponent,
                ),
                // The type's minimum once offset.
                None => 0,
            });
        }
    }
}

/// float32 SOFTMAX, following TFLite's reference kernel operation for operation: the row maximum
/// (starting from `f32::MIN`), `exp((x - max) * beta)` summed in order, then each exponential
/// divided by the sum. Exponentials come from `libm::expf`, which is not the `expf` of glibc or
/// newlib, so outputs can differ from TFLite's by a few ulp. A zero depth writes nothing.
pub fn softmax_f32(p: &SoftmaxF32, input: &[f32], output: &mut [f32]) {
    if p.depth == 0 {
        return;
    }
    for (row, out) in rows(input, p.depth, output, p.depth) {
        // `std::max(max, x)`: keeps `max` unless it compares less, so NaNs are skipped.
        let max = row
            .iter()
            .fold(f32::MIN, |max, &x| if max < x { x } else { max });
        let mut sum = 0.0f32;
        for (o, &x) in out.iter_mut().zip(row) {
            *o = libm::expf((x - max) * p.beta);
            sum += *o;
        }
        for o in out.iter_mut() {
            *o /= sum;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// beta * input_scale = 0.5: the Q5.26 difference is diff * 2^26 * 2^30 / 2^31.
    const HALF: SoftmaxI8 = SoftmaxI8 {
        input_multiplier: 1 << 30,
        input_left_shift: 26,
        diff_min: -31,
        depth: 4,
    };

    #[test]
    fn int8_uniform_row_is_a_quarter_each() {
        let mut out = [0i8; 8];
        softmax_i8(&HALF, &[5, 5, 5, 5, -128, -128, -128, -128], &mut out);
        // 0.25 * 256 - 128.
        assert_eq!(out, [-64; 8]);
    }

    #[test]
    fn int8_matches_float_within_one_and_cuts_off_below_diff_min() {
        let mut out = [0i8; 4];
        softmax_i8(&HALF, &[0, -2, -100, -31], &mut out);
        // -100 is below diff_min: exactly -128. The others follow 1, e^-1, e^-15.5.
        assert_eq!(out[2], -128);
        let weights = [1.0f64, libm::exp(-1.0), 0.0, libm::exp(-15.5)];
        let sum: f64 = weights.iter().sum();
        for (&o, w) in out.iter().zip(weights) {
            let want = w / sum * 256.0 - 128.0;
            assert!((f64::from(o) - want).abs() <= 1.0, "{o} vs {want}");
        }
        assert_eq!(out, [59, -59, -128, -128]);
    }

    #[test]
    fn int8_sweep_against_float() {
        // Pseudo-random rows at several temperatures, checked against real softmax within one
        // output step (the fixed-point exp is accurate to about 1e-6).
        let mut state = 0x9e37_79b9_u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as i8
        };
        // (multiplier, left shift) for beta * scale of 0.5, 0.0625 and about 0.1.
        for (multiplier, shift) in [(1 << 30, 26), (1 << 30, 23), (1_717_986_918, 22)] {
            let real = f64::from(multiplier) / 2f64.powi(31) * 2f64.powi(shift) / 2f64.powi(26);
            let p = SoftmaxI8 {
                input_multiplier: multiplier,
                input_left_shift: shift,
                diff_min: -((31i64 << 26) >> shift) as i32,
                depth: 10,
            };
            for _ in 0..200 {
                let row: Vec<i8> = (0..10).map(|_| next()).collect();
                let mut out = [0i8; 10];
                softmax_i8(&p, &row, &mut out);
                let max = *row.iter().max().unwrap();
                let exps: Vec<f64> = row
                    .iter()
                    .map(|&x| {
                        let diff = i32::from(x).wrapping_sub(i32::from(max));
                        if diff >= p.diff_min {
                            libm::exp(real * f64::from(diff))
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let sum: f64 = exps.iter().sum();
                for (&o, e) in out.iter().zip(&exps) {
                    let want = (e / sum * 256.0 - 128.0).clamp(-128.0, 127.0);
                    assert!((f64::from(o) - want).abs() <= 1.0, "{row:?}: {o} vs {want}");
                }
            }
        }
    }

    #[test]
    fn int16_output_is_the_int8_output_at_a_finer_step() {
        let mut narrow = [0i8; 4];
        let mut wide = [0i16; 4];
        let row = [0, -2, -100, -31];
        softmax_i8(&HALF, &row, &mut narrow);
        softmax_i8_i16(&HALF, &row, &mut wide);
        // Below diff_min: the type's minimum.
        assert_eq!(wide[2], i16::MIN);
        for (&n, &w) in narrow.iter().zip(&wide) {
            let rescaled = (f64::from(w) + 32768.0) / 256.0 - 128.0;
            assert!((rescaled - f64::from(n)).abs() <= 1.0, "{w} vs {n}");
        }
        let mut uniform = [0i16; 4];
        softmax_i8_i16(&HALF, &[5, 5, 5, 5], &mut uniform);
        // 0.25 * 65536 - 32768.
        assert_eq!(uniform, [-16384; 4]);
    }

    #[test]
    fn int8_single_element_saturates_to_127() {
        let p = SoftmaxI8 { depth: 1, ..HALF };
        let mut out = [0i8; 3];
        softmax_i8(&p, &[-7, 0, 127], &mut out);
        assert_eq!(out, [127; 3]);
    }

    #[test]
    fn zero_depth_writes_nothing() {
        let mut out = [3i8; 2];
        softmax_i8(&SoftmaxI8 { depth: 0, ..HALF }, &[1, 2], &mut out);
        assert_eq!(out, [3, 3]);
        let mut out = [3.0f32; 2];
        softmax_f32(
            &SoftmaxF32 {
                beta: 1.0,
                depth: 0,
            },
            &[1.0, 2.0],
            &mut out,
        );
        assert_eq!(out, [3.0, 3.0]);
    }

    #[test]
    fn float_rows_with_beta() {
        let p = SoftmaxF32 {
            beta: 2.0,
            depth: 3,
        };
        let mut out = [0.0f32; 6];
        softmax_f32(&p, &[1.0, 2.0, 3.0, -1.0, -1.0, -1e30], &mut out);
        let e2 = libm::exp(-2.0);
        let e4 = libm::exp(-4.0);
        let s = 1.0 + e2 + e4;
        for (&got, want) in out.iter().zip([e4 / s, e2 / s, 1.0 / s, 0.5, 0.5, 0.0]) {
            assert!((f64::from(got) - want).abs() < 1e-6, "{got} vs {want}");
        }
        // Bit for bit: exponentials summed left to right, each divided by the sum.
        let sum = 0.0f32 + libm::expf(-4.0) + libm::expf(-2.0) + 1.0;
        assert_eq!(
            out[..3],
            [libm::expf(-4.0) / sum, libm::expf(-2.0) / sum, 1.0 / sum]
        );
    }
}
