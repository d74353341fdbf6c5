//! Compile-time parameters of the broadcasting binary ops (ADD, SUB, MUL, MAXIMUM, MINIMUM,
//! SQUARED_DIFFERENCE).
//!
//! The int8 multipliers are computed as TensorFlow Lite Micro's `Prepare` computes them, with the
//! real multipliers formed in `double` from the model's `f32` scales.

use super::quantize_multiplier;

/// Headroom bits of the int8 ADD and SUB inputs before rescaling (TFLite's `left_shift`, 20 for
/// int8 outputs): `255 * 2^20` still leaves room for the sum of two in an `i32`.
const LEFT_SHIFT: i32 = 20;

/// Headroom bits of the int8 SQUARED_DIFFERENCE inputs (TFLite Micro's `left_shift` of 7): the
/// square of a difference, at most `(255 * 2^7)^2`, still fits an `i32`.
const SQUARED_DIFFERENCE_LEFT_SHIFT: i32 = 7;

/// The fixed-point rescalings of int8 ADD, SUB or SQUARED_DIFFERENCE; see
/// `embedml::kernels::AddI8`.
///
/// Each input is rescaled by `multiplier * 2^shift / 2^31` to the common scale
/// `2 * max(input1_scale, input2_scale)`, after a left shift of `left_shift`; the sum or difference
/// is rescaled to the output by `output_multiplier * 2^output_shift / 2^31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddParams {
    /// Q0.31 multiplier of the first input's rescaling.
    pub input1_multiplier: i32,
    /// Exponent of the first input's rescaling.
    pub input1_shift: i32,
    /// Q0.31 multiplier of the second input's rescaling.
    pub input2_multiplier: i32,
    /// Exponent of the second input's rescaling.
    pub input2_shift: i32,
    /// Headroom bits of the inputs (20; 7 for SQUARED_DIFFERENCE).
    pub left_shift: i32,
    /// Q0.31 multiplier of the output rescaling.
    pub output_multiplier: i32,
    /// Exponent of the output rescaling.
    pub output_shift: i32,
}

impl AddParams {
    /// Splits the three real multipliers with TFLite's `QuantizeMultiplierSmallerThanOneExp`
    /// (which is [`quantize_multiplier`] plus checks) or `QuantizeMultiplier`.
    fn from_reals(input1: f64, input2: f64, output: f64, left_shift: i32) -> Self {
        let (input1_multiplier, input1_shift) = quantize_multiplier(input1);
        let (input2_multiplier, input2_shift) = quantize_multiplier(input2);
        let (output_multiplier, output_shift) = quantize_multiplier(output);
        AddParams {
            input1_multiplier,
            input1_shift,
            input2_multiplier,
            input2_shift,
            left_shift,
            output_multiplier,
            output_shift,
        }
    }
}

/// `std::max` of two floats: `a < b ? b : a`.
fn max_f32(a: f32, b: f32) -> f32 {
    if a < b { b } else { a }
}

/// int8 ADD's rescalings, as TFLite Micro's `CalculateOpDataAdd` computes them, in `double`:
/// `twice_max = 2 * double(max(s1, s2))`, input `k`'s real multiplier `double(sk) / twice_max`,
/// the output's `twice_max / (2^20 * double(output_scale))`.
///
/// TFLite aborts (`QuantizeMultiplierSmallerThanOneExp`'s checks) unless every real multiplier is
/// in `(0, 1)` and every resulting shift is `<= 0`; the input multipliers always are for positive
/// scales, the output's only if `output_scale` exceeds about `2 * max(s1, s2) / 2^20`. The caller
/// must reject models with non-positive scales or a positive returned shift.
pub fn add_params(input1_scale: f32, input2_scale: f32, output_scale: f32) -> AddParams {
    add_params_with_left_shift(input1_scale, input2_scale, output_scale, LEFT_SHIFT)
}

/// [`add_params`] with another headroom: TFLM's int16 ADD and SUB use a `left_shift` of 15
/// (the output's real multiplier is then `twice_max / (2^15 * output_scale)`), with the same
/// conditions.
pub fn add_params_with_left_shift(
    input1_scale: f32,
    input2_scale: f32,
    output_scale: f32,
    left_shift: i32,
) -> AddParams {
    let twice_max = 2.0 * f64::from(max_f32(input1_scale, input2_scale));
    AddParams::from_reals(
        f64::from(input1_scale) / twice_max,
        f64::from(input2_scale) / twice_max,
        twice_max / (2f64.powi(left_shift) * f64::from(output_scale)),
        left_shift,
    )
}

/// int8 SUB's rescalings: the same as [`add_params`]; the kernel subtracts where ADD adds.
///
/// TFLite Micro's `CalculateOpDataSub` has also formed the ratios in `float` and widened them
/// afterwards (`double(s1 / twice_max)`, so in its 2025 sources), which changes some multipliers'
/// last bits. The `tflite_micro` package the goldens are made with (0.dev20261023) forms them in
/// `double` like ADD: these parameters match it bit for bit over all int8 input pairs, the
/// `float` ones do not.
pub fn sub_params(input1_scale: f32, input2_scale: f32, output_scale: f32) -> AddParams {
    add_params(input1_scale, input2_scale, output_scale)
}

/// int8 SQUARED_DIFFERENCE's rescalings, as TFLite Micro's squared-difference `PrepareQuantized`
/// computes them: the inputs as for [`add_params`] (with a left shift of 7), the output's real
/// multiplier `twice_max^2 / double(2^14 * output_scale)`, the product in the denominator formed
/// in `float` (exact: a power of two).
///
/// TFLite Micro splits the output multiplier with `QuantizeMultiplier`, so its shift may be
/// positive (an output scale below the squared input scales); the caller must reject a shift
/// beyond 31, which no fixed-point left shift can do.
pub fn squared_difference_params(
    input1_scale: f32,
    input2_scale: f32,
    output_scale: f32,
) -> AddParams {
    squared_difference_params_with_left_shift(
        input1_scale,
        input2_scale,
        output_scale,
        SQUARED_DIFFERENCE_LEFT_SHIFT,
    )
}

/// [`squared_difference_params`] with another headroom: TFLM's int16 SQUARED_DIFFERENCE uses a
/// `left_shift` of 0 (the output's real multiplier is then `twice_max^2 / double(output_scale)`).
pub fn squared_difference_params_with_left_shift(
    input1_scale: f32,
    input2_scale: f32,
    output_scale: f32,
    left_shift: i32,
) -> AddParams {
    let twice_max = 2.0 * f64::from(max_f32(input1_scale, input2_scale));
    let headroom = 2f32.powi(2 * left_shift);
    AddParams::from_reals(
        f64::from(input1_scale) / twice_max,
        f64::from(input2_scale) / twice_max,
        twice_max * twice_max / f64::from(headroom * output_scale),
        left_shift,
    )
}

/// int8 MUL's `(output_multiplier, output_shift)`, as TFLite Micro's `CalculateOpDataMul`
/// computes them: `double(s1) * double(s2) / double(output_scale)` split by
/// [`quantize_multiplier`] (any shift is accepted).
pub fn mul_params(input1_scale: f32, input2_scale: f32, output_scale: f32) -> (i32, i32) {
    quantize_multiplier(f64::from(input1_scale) * f64::from(input2_scale) / f64::from(output_scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pow2(e: i32) -> f64 {
        2f64.powi(e)
    }

    /// The real value of a multiplier and shift.
    fn real(multiplier: i32, shift: i32) -> f64 {
        f64::from(multiplier) * pow2(shift - 31)
    }

    #[test]
    fn add_params_equal_scales() {
        // Both inputs 1/2 of twice their scale; output 2 * s / (2^20 * s) = 2^-19.
        let p = add_params(0.05, 0.05, 0.05);
        assert_eq!(
            p,
            AddParams {
                input1_multiplier: 1 << 30,
                input1_shift: 0,
                input2_multiplier: 1 << 30,
                input2_shift: 0,
                left_shift: 20,
                output_multiplier: 1 << 30,
                output_shift: -18,
            }
        );
    }

    #[test]
    fn add_params_are_the_quantized_double_ratios() {
        let (s1, s2, so) = (0.031_372_55f32, 0.007_843_138f32, 0.039_215_688f32);
        let p = add_params(s1, s2, so);
        let twice = 2.0 * f64::from(s1);
        assert_eq!((p.input1_multiplier, p.input1_shift), (1 << 30, 0));
        assert_eq!(
            (p.input2_multiplier, p.input2_shift),
            quantize_multiplier(f64::from(s2) / twice)
        );
        assert_eq!(
            (p.output_multiplier, p.output_shift),
            quantize_multiplier(twice / (pow2(20) * f64::from(so)))
        );
        // Every multiplier is within half a step of its real value, every shift non-positive.
        for (m, s, want) in [
            (p.input2_multiplier, p.input2_shift, f64::from(s2) / twice),
            (
                p.output_multiplier,
                p.output_shift,
                twice / pow2(20) / f64::from(so),
            ),
        ] {
            assert!(s <= 0);
            assert!((real(m, s) - want).abs() <= pow2(s - 32), "{m} {s} {want}");
        }
        // Symmetric in the inputs.
        let q = add_params(s2, s1, so);
        assert_eq!(
            (q.input1_multiplier, q.input1_shift),
            (p.input2_multiplier, p.input2_shift)
        );
        assert_eq!(
            (q.output_multiplier, q.output_shift),
            (p.output_multiplier, p.output_shift)
        );
    }

    #[test]
    fn sub_params_are_add_params() {
        for (s1, s2, so) in [
            (0.1f32, 0.0023, 0.15),
            (0.003, 0.7, 0.5),
            (0.05, 0.05, 0.05),
        ] {
            assert_eq!(sub_params(s1, s2, so), add_params(s1, s2, so));
        }
    }

    /// ADD's ratios are divided in `double`: for these scales dividing in `float` first (as
    /// older TFLite Micro SUB did) rounds a multiplier differently.
    #[test]
    fn add_params_divide_in_double() {
        let mut differing = 0;
        let mut s2 = 0.001f32;
        for _ in 0..2000 {
            let p = add_params(0.1, s2, 0.15);
            let twice = 2.0 * 0.1f32;
            let in_float = quantize_multiplier(f64::from(s2 / twice));
            assert_eq!(
                (p.input2_multiplier, p.input2_shift),
                quantize_multiplier(f64::from(s2) / f64::from(twice))
            );
            differing += usize::from((p.input2_multiplier, p.input2_shift) != in_float);
            s2 = f32::from_bits(s2.to_bits() + 7919);
        }
        assert!(differing > 100, "{differing}");
    }

    /// Expected values computed independently (numpy float32 scales, Python's `math.frexp`).
    #[test]
    fn squared_difference_params_known_values() {
        // The converter's scales for inputs in [-4, 4] and their squared difference.
        let p = squared_difference_params(0.030_364_975, 0.031_350_944, 0.239_874_97);
        assert_eq!(
            p,
            AddParams {
                input1_multiplier: 2_079_946_543,
                input1_shift: -1,
                input2_multiplier: 1 << 30,
                input2_shift: 0,
                left_shift: 7,
                output_multiplier: 1_126_305_344,
                output_shift: -19,
            }
        );
        let p = squared_difference_params(0.1, 0.0023, 0.15);
        assert_eq!((p.input2_multiplier, p.input2_shift), (1_580_547_976, -6));
        assert_eq!((p.output_multiplier, p.output_shift), (1_145_324_601, -15));
        // Twice the input scale 2^-6, squared, over 2^14 times an output scale of 2^-30: 2^6, a
        // positive shift (QuantizeMultiplier, not the smaller-than-one form).
        let p = squared_difference_params(1.0 / 64.0, 1.0 / 64.0, 2f32.powi(-30));
        assert_eq!((p.output_multiplier, p.output_shift), (1 << 30, 7));
    }

    #[test]
    fn mul_params_known_values() {
        // 0.5 * 0.25 / 0.0625 = 2 = 0.5 * 2^2.
        assert_eq!(mul_params(0.5, 0.25, 0.0625), (1 << 30, 2));
        // 0.1 * 0.2 / 0.5 (in double) = 0.04 = 0.64 * 2^-4.
        let (m, s) = mul_params(0.1, 0.2, 0.5);
        assert_eq!(s, -4);
        let want = f64::from(0.1f32) * f64::from(0.2f32) / 0.5;
        assert_eq!((m, s), quantize_multiplier(want));
        assert!((real(m, s) - want).abs() <= pow2(s - 32));
    }
}
