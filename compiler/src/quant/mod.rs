//! Compile-time quantization constants.
//!
//! TensorFlow Lite Micro derives fixed-point multipliers, shifts and clamping bounds from a
//! model's float scales when it prepares each kernel. The functions here compute the same values,
//! bit for bit, so that generated code can store them as constants. The float-versus-double
//! details matter: the scales in a model are `f32`, and which products TFLite forms in `float`
//! and which in `double` changes the last bits of the resulting multipliers.

pub mod accumulate;
pub mod activation;
pub mod elementwise;
pub mod int16;
pub mod lstm;
pub mod reduce;

/// A fused activation function, as carried by TFLite operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// No clamping beyond the output type's range.
    None,
    /// `max(x, 0)`.
    Relu,
    /// `clamp(x, -1, 1)`.
    ReluN1To1,
    /// `clamp(x, 0, 6)`.
    Relu6,
}

/// Splits a finite, non-zero `x` into `(q, e)` with `x = q * 2^e` and `0.5 <= |q| < 1`, like C's
/// `frexp`. Zero and non-finite values come back unchanged with exponent 0.
fn frexp(x: f64) -> (f64, i32) {
    const MANTISSA_BITS: u32 = 52;
    const MANTISSA_MASK: u64 = (1 << MANTISSA_BITS) - 1;
    // The biased exponent that puts a normal number in [0.5, 1).
    const HALF_EXPONENT: u64 = 1022;
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let sign = bits & (1 << 63);
    let biased = ((bits >> MANTISSA_BITS) & 0x7ff) as i32;
    let (mantissa, exponent) = if biased == 0 {
        // Subnormal: move the leading one up to the implicit bit's place.
        let mantissa = bits & MANTISSA_MASK;
        let shift = mantissa.leading_zeros() - (63 - MANTISSA_BITS);
        ((mantissa << shift) & MANTISSA_MASK, -1021 - shift as i32)
    } else {
        (bits & MANTISSA_MASK, biased - HALF_EXPONENT as i32)
    };
    (
        f64::from_bits(sign | HALF_EXPONENT << MANTISSA_BITS | mantissa),
        exponent,
    )
}

/// Splits a real multiplier into a Q0.31 `multiplier` and a power-of-two `shift` with
/// `real ≈ multiplier * 2^(shift - 31)` (TFLite's `QuantizeMultiplier`).
///
/// `multiplier` is `round(q * 2^31)` (ties away from zero) for the `frexp` fraction `q`, so it lies
/// in `[2^30, 2^31)` for positive reals; a fraction that rounds up to `2^31` is halved and the
/// shift incremented. Zero, and reals below about `2^-32` (shift under -31), give `(0, 0)`. There
/// is no upper limit on the shift (TFLite's default, double-rounding build clamps nothing). NaN and
/// infinities, which TFLite never passes here, also give `(0, 0)`.
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    if real == 0.0 || !real.is_finite() {
        return (0, 0);
    }
    let (q, mut shift) = frexp(real);
    let mut q_fixed = (q * (1u64 << 31) as f64).round() as i64;
    if q_fixed == 1 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    (q_fixed as i32, shift)
}

/// [`quantize_multiplier`] for a real multiplier above one, whose shift is then a non-negative
/// left shift (TFLite's `QuantizeMultiplierGreaterThanOne`). TFLite aborts for `real <= 1`; the
/// caller must reject such values, for which this returns the shift of [`quantize_multiplier`]
/// unchanged (zero or negative).
pub fn quantize_multiplier_greater_than_one(real: f64) -> (i32, i32) {
    quantize_multiplier(real)
}

/// Integer bits of the scaled input differences of int8 softmax (Q5.26), TFLite's
/// `kScaledDiffIntegerBits`.
const SOFTMAX_DIFF_INTEGER_BITS: i32 = 5;

/// int8 softmax's `(input_multiplier, input_left_shift, diff_min)` for the operator's `beta` and
/// its input's scale, as TFLite Micro's softmax `Prepare` computes them.
///
/// Pass the model's `f32` values widened with `f64::from`, as TFLite does: the product
/// `beta * input_scale` is formed in `double`, scaled by `2^26` for the Q5.26 difference format and
/// capped at `2^31 - 1` (TFLite's `PreprocessSoftmaxScaling`), then split by
/// [`quantize_multiplier_greater_than_one`]. `diff_min` is minus the largest difference whose
/// rescaling still fits, `floor((2^5 - 1) * 2^26 / 2^left_shift)` (TFLite's
/// `CalculateInputRadius` with 31 signed bits). TFLite aborts when `beta * input_scale <= 2^-26`;
/// the caller must reject that.
pub fn softmax_params(beta: f64, input_scale: f64) -> (i32, i32, i32) {
    let max_real_multiplier = ((1u64 << 31) - 1) as f64;
    let real = (beta * input_scale * (1u64 << (31 - SOFTMAX_DIFF_INTEGER_BITS)) as f64)
        .min(max_real_multiplier);
    let (multiplier, left_shift) = quantize_multiplier_greater_than_one(real);
    let max_rescaled = ((1u64 << SOFTMAX_DIFF_INTEGER_BITS) - 1) as f64
        * (1u64 << (31 - SOFTMAX_DIFF_INTEGER_BITS)) as f64
        / 2f64.powi(left_shift);
    (multiplier, left_shift, -(max_rescaled.floor() as i32))
}

/// The int8 output bounds `(min, max)` of a fused activation for an output with this scale and
/// zero point (TFLite's `CalculateActivationRangeQuantized`).
///
/// A real bound `f` maps to `zero_point + round(f / scale)`, divided and rounded (ties away from
/// zero) in `f32` like TFLite, then intersected with `[-128, 127]`. TFLite rejects a model whose
/// bound does not fit in an `i32`; here the conversion saturates.
pub fn activation_range_i8(activation: Activation, scale: f32, zero_point: i32) -> (i32, i32) {
    let quantize = |f: f32| zero_point.saturating_add((f / scale).round() as i32);
    let (min, max) = (i32::from(i8::MIN), i32::from(i8::MAX));
    match activation {
        Activation::None => (min, max),
        Activation::Relu => (min.max(quantize(0.0)), max),
        Activation::ReluN1To1 => (min.max(quantize(-1.0)), max.min(quantize(1.0))),
        Activation::Relu6 => (min.max(quantize(0.0)), max.min(quantize(6.0))),
    }
}

/// The float output bounds `(min, max)` of a fused activation (TFLite's `CalculateActivationRange`
/// for `float`): no activation spans all finite floats.
pub fn activation_range_f32(activation: Activation) -> (f32, f32) {
    match activation {
        Activation::None => (f32::MIN, f32::MAX),
        Activation::Relu => (0.0, f32::MAX),
        Activation::ReluN1To1 => (-1.0, 1.0),
        Activation::Relu6 => (0.0, 6.0),
    }
}

/// The accumulator-to-output scale of a FULLY_CONNECTED with a per-tensor weight scale:
/// `input * filter / output`, with the product rounded to `f32` first, as TFLite's
/// `GetQuantizedConvolutionMultipler` computes it (`double(input_scale * filter_scale)`).
///
/// TFLite Micro uses this only for per-tensor FULLY_CONNECTED; per-channel FULLY_CONNECTED and
/// every CONV_2D and DEPTHWISE_CONV_2D (even with one weight scale) use
/// [`effective_scale_per_channel`]. The two usually differ in the multiplier's low bits.
pub fn effective_scale_per_tensor(input: f32, filter: f32, output: f32) -> f64 {
    f64::from(input * filter) / f64::from(output)
}

/// The accumulator-to-output scale of one output channel: `input * filter / output` entirely in
/// `f64` (exact product), as TFLite's `PopulateConvolutionQuantizationParams` computes it.
///
/// TFLite Micro uses this for CONV_2D and DEPTHWISE_CONV_2D (per-tensor weight scales are
/// broadcast to every channel) and for FULLY_CONNECTED with per-channel weight scales; see
/// [`effective_scale_per_tensor`] for per-tensor FULLY_CONNECTED.
pub fn effective_scale_per_channel(input: f32, filter: f32, output: f32) -> f64 {
    f64::from(input) * f64::from(filter) / f64::from(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pow2(e: i32) -> f64 {
        2f64.powi(e)
    }

    #[test]
    fn frexp_splits_normals_and_subnormals() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        assert_eq!(frexp(-3.0), (-0.75, 2));
        assert_eq!(frexp(f64::MIN_POSITIVE), (0.5, -1021));
        assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073));
        assert_eq!(frexp(f64::from_bits(3)), (0.75, -1072));
        assert_eq!(frexp(f64::MAX).1, 1024);
        assert_eq!(frexp(0.0), (0.0, 0));
        assert_eq!(frexp(-0.0).0.to_bits(), (-0.0f64).to_bits());
        // Reassembles exactly over many magnitudes, subnormals included.
        let mut x = 3.3e-320;
        while x < 1e300 {
            for v in [x, -x] {
                let (q, e) = frexp(v);
                assert!((0.5..1.0).contains(&q.abs()), "{v}: {q}");
                assert_eq!(q * pow2(e / 2) * pow2(e - e / 2), v);
            }
            x *= 7.77;
        }
    }

    #[test]
    fn quantize_multiplier_known_values() {
        assert_eq!(quantize_multiplier(0.0), (0, 0));
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.75), (3 << 29, 0));
        assert_eq!(quantize_multiplier(-0.75), (-(3 << 29), 0));
        assert_eq!(quantize_multiplier(2f64.powi(40)), (1 << 30, 41));
        // A fraction rounding up to 2^31 is halved and the shift bumped.
        assert_eq!(
            quantize_multiplier((1.0 - pow2(-33)) * pow2(-5)),
            (1 << 30, -4)
        );
        // Ties round away from zero.
        assert_eq!(quantize_multiplier(0.5 + pow2(-32)), ((1 << 30) + 1, 0));
        assert_eq!(quantize_multiplier(-(0.5 + pow2(-32))), (-(1 << 30) - 1, 0));
        assert_eq!(quantize_multiplier(0.5 + pow2(-33)), (1 << 30, 0));
        // Flushed to zero below a shift of -31.
        assert_eq!(quantize_multiplier(pow2(-32)), (1 << 30, -31));
        assert_eq!(quantize_multiplier(pow2(-33)), (0, 0));
        assert_eq!(quantize_multiplier(f64::from_bits(1)), (0, 0));
        assert_eq!(quantize_multiplier(f64::NAN), (0, 0));
        assert_eq!(quantize_multiplier(f64::INFINITY), (0, 0));
    }

    #[test]
    fn quantize_multiplier_is_within_half_a_step() {
        let mut real = 1.1e-9;
        while real < 1e9 {
            let (m, s) = quantize_multiplier(real);
            assert!(((1 << 30)..=i32::MAX).contains(&m), "{real}: {m}");
            let step = pow2(s - 31);
            assert!(
                (f64::from(m) * step - real).abs() <= step / 2.0,
                "{real}: {m} {s}"
            );
            real *= 1.37;
        }
    }

    #[test]
    fn greater_than_one_has_non_negative_shift() {
        assert_eq!(quantize_multiplier_greater_than_one(1.5), (3 << 29, 1));
        assert_eq!(
            quantize_multiplier_greater_than_one(2f64.powi(22)),
            (1 << 30, 23)
        );
    }

    #[test]
    fn softmax_params_known_values() {
        // beta 1, scale 1/16: 2^-4 * 2^26 = 2^22; radius 31 * 2^26 / 2^23 = 248.
        assert_eq!(softmax_params(1.0, 0.0625), (1 << 30, 23, -248));
        // beta 1, scale 1/256: 2^18; radius 31 * 2^26 / 2^19 = 3968.
        assert_eq!(softmax_params(1.0, 1.0 / 256.0), (1 << 30, 19, -3968));
        // Capped at 2^31 - 1: multiplier 2^31 - 1 with shift 31; 31/32 floors to 0.
        assert_eq!(softmax_params(1.0, 1000.0), (i32::MAX, 31, 0));
        // A scale that is not a power of two: floor(31 * 2^26 / 2^ls).
        let (m, ls, diff_min) = softmax_params(1.0, f64::from(0.1f32));
        let real = f64::from(0.1f32) * pow2(26);
        assert_eq!((m, ls), quantize_multiplier(real));
        assert_eq!(ls, 23);
        assert_eq!(diff_min, -248);
        // The product is formed in f64: f32 inputs whose f32 product differs.
        let (beta, scale) = (f64::from(1.1f32), f64::from(0.3f32));
        assert_eq!(
            softmax_params(beta, scale).0,
            quantize_multiplier(beta * scale * pow2(26)).0
        );
        assert_ne!(
            softmax_params(beta, scale).0,
            quantize_multiplier(f64::from(1.1f32 * 0.3f32) * pow2(26)).0
        );
    }

    #[test]
    fn activation_ranges_int8() {
        assert_eq!(activation_range_i8(Activation::None, 0.1, 5), (-128, 127));
        assert_eq!(activation_range_i8(Activation::Relu, 0.1, 5), (5, 127));
        assert_eq!(
            activation_range_i8(Activation::Relu, 0.1, -128),
            (-128, 127)
        );
        // 6 / 0.05 = 120: 120 - 10 = 110.
        assert_eq!(
            activation_range_i8(Activation::Relu6, 0.05, -10),
            (-10, 110)
        );
        // 6 / 0.01 = 600: clamped to 127.
        assert_eq!(activation_range_i8(Activation::Relu6, 0.01, 0), (0, 127));
        // +-1 / 0.4 = +-2.5 rounds away from zero to +-3.
        assert_eq!(activation_range_i8(Activation::ReluN1To1, 0.4, 1), (-2, 4));
        // A zero point out of range cannot widen the range.
        assert_eq!(
            activation_range_i8(Activation::Relu, 0.1, -300),
            (-128, 127)
        );
        // Divided in f32: 6 / scale is 84.5 in f32 (84.49999890 in f64), so 85, not 84.
        let scale = f32::from_bits(1_032_940_429);
        assert_eq!(
            activation_range_i8(Activation::Relu6, scale, -128),
            (-128, -43)
        );
    }

    #[test]
    fn activation_ranges_f32() {
        assert_eq!(activation_range_f32(Activation::None), (f32::MIN, f32::MAX));
        assert_eq!(activation_range_f32(Activation::Relu), (0.0, f32::MAX));
        assert_eq!(activation_range_f32(Activation::ReluN1To1), (-1.0, 1.0));
        assert_eq!(activation_range_f32(Activation::Relu6), (0.0, 6.0));
    }

    #[test]
    fn effective_scales_round_the_product_differently() {
        let (input, filter, output) = (
            f32::from_bits(1_036_149_626),
            f32::from_bits(1_015_188_351),
            f32::from_bits(1_040_708_470),
        );
        // Expected values computed independently (numpy float32 products, Python frexp).
        assert_eq!(
            quantize_multiplier(effective_scale_per_tensor(input, filter, output)),
            (1_565_806_598, -6)
        );
        assert_eq!(
            quantize_multiplier(effective_scale_per_channel(input, filter, output)),
            (1_565_806_574, -6)
        );
        assert_eq!(effective_scale_per_channel(0.5, 0.25, 2.0), 0.0625);
        assert_eq!(effective_scale_per_tensor(0.5, 0.25, 2.0), 0.0625);
    }
}
