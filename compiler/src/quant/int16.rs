//! Compile-time constants of the int16 element-wise ops and activations (TFLite's 16x8
//! quantization), computed as TensorFlow Lite Micro's `Prepare` computes them.

use super::lstm::checked_log2;
use super::{Activation, quantize_multiplier};

/// Headroom bits of int16 ADD and SUB inputs before rescaling (TFLM's `left_shift` for int16
/// outputs): `2^15 * 2^15` still leaves room for the sum of two in an `i32`.
pub const ADD_LEFT_SHIFT: i32 = 15;

/// The int16 output bounds `(min, max)` of a fused activation for an output with this scale and
/// zero point (TFLite's `CalculateActivationRangeQuantized` for int16): a real bound `f` maps to
/// `zero_point + round(f / scale)`, divided and rounded in `f32`, intersected with the int16
/// range.
pub fn activation_range_i16(activation: Activation, scale: f32, zero_point: i32) -> (i32, i32) {
    let quantize = |f: f32| zero_point.saturating_add((f / scale).round() as i32);
    let (min, max) = (i32::from(i16::MIN), i32::from(i16::MAX));
    match activation {
        Activation::None => (min, max),
        Activation::Relu => (min.max(quantize(0.0)), max),
        Activation::ReluN1To1 => (min.max(quantize(-1.0)), max.min(quantize(1.0))),
        Activation::Relu6 => (min.max(quantize(0.0)), max.min(quantize(6.0))),
    }
}

/// Which fixed-point sigmoid-family function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sigmoid {
    /// LOGISTIC.
    Logistic,
    /// TANH.
    Tanh,
}

/// The `(multiplier, shift)` of int16 LOGISTIC or TANH for an input scale, as TFLM's
/// `CalculateArithmeticOpDataLogistic` and TANH's `CalculateArithmeticOpData` compute them,
/// with the kernel's power-of-two case resolved: the kernel reads an input `x` as
/// `(x * multiplier + round) >> shift` in units of `2^-12 / 3`.
///
/// A power-of-two input scale (TFLite's `CheckedLog2`, in `f32`, within 1e-3 of an integer
/// exponent `e`) with `left = 12 + e` equal to 0 (LOGISTIC) or 0 or 1 (TANH) gives
/// `(3 << left, 0)`. Any other scale: `m = double(scale) * 4096 * 3`, doubled (and the shift
/// counted up) while `m <= 32767 / 2` and the shift is at most 30, then truncated to an integer.
pub fn sigmoid_i16_params(function: Sigmoid, input_scale: f32) -> (i32, i32) {
    const INPUT_INTEGER_BITS: i32 = 3;
    let (log2, power_of_two) = checked_log2(input_scale);
    let left = (15 - INPUT_INTEGER_BITS).wrapping_add(log2);
    let exact = match function {
        Sigmoid::Logistic => left == 0,
        Sigmoid::Tanh => left == 0 || left == 1,
    };
    if power_of_two && exact {
        return (3 << left, 0);
    }
    let mut multiplier = f64::from(input_scale) * 4096.0 * 3.0;
    let mut shift = 0;
    while multiplier <= 32767.0 / 2.0 && shift <= 30 {
        shift += 1;
        multiplier *= 2.0;
    }
    (multiplier as i32, shift)
}

/// Whether an output scale is TFLM's required 2^-15 for int16 LOGISTIC and TANH
/// (`CheckedLog2` of it is -15).
pub fn is_q15_scale(scale: f32) -> bool {
    checked_log2(scale) == (-15, true)
}

/// int16 SOFTMAX's `(input_multiplier, input_shift)`: TFLM's
/// `QuantizeMultiplier(double(input_scale) * double(beta) / (10.0 / 65535.0))`, which scales a
/// difference from the row maximum so that `[-65535, 0]` spans `[-10, 0]`.
pub fn softmax_i16_params(beta: f32, input_scale: f32) -> (i32, i32) {
    quantize_multiplier(f64::from(input_scale) * f64::from(beta) / (10.0 / 65535.0))
}

/// Entries of an int16 lookup table: 512 steps and the end point.
pub const LUT_SIZE: usize = 513;

/// TFLite's `LUTPopulate<int16_t>` (its `float` form): `LUT_SIZE` int16 samples of `transform`
/// over the input range of the given quantization, each corrected by half the error of linear
/// interpolation at the midpoint of its step, all in `f32` as TFLite computes them.
pub fn lut_populate_i16(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    transform: impl Fn(f32) -> f32,
) -> Vec<i16> {
    let (lo, hi) = (i32::from(i16::MIN), i32::from(i16::MAX));
    let input_min = input_scale * (lo - input_zero_point) as f32;
    let input_max = input_scale * (hi - input_zero_point) as f32;
    let output_min = output_scale * (lo - output_zero_point) as f32;
    let output_max = output_scale * (hi - output_zero_point) as f32;
    let steps = LUT_SIZE - 1;
    let step = (input_max - input_min) / steps as f32;
    let half_step = step / 2.0;
    let output_scaling_inv = (hi - lo + 1) as f32 / (output_max - output_min);
    let (table_min, table_max) = (lo as f32, hi as f32);
    let clamp = |v: f32| v.max(table_min).min(table_max) as i16;
    let mut lut: Vec<i16> = (0..steps)
        .map(|i| {
            let i = i as f32;
            let val = transform(input_min + i * step);
            let val_midpoint = transform(input_min + i * step + half_step);
            let val_next = transform(input_min + (i + 1.0) * step);
            let sample_val = (val * output_scaling_inv).round();
            let midpoint_interp_val =
                ((val_next * output_scaling_inv + (val * output_scaling_inv).round()) / 2.0)
                    .round();
            let midpoint_val = (val_midpoint * output_scaling_inv).round();
            let midpoint_err = midpoint_interp_val - midpoint_val;
            let bias = (midpoint_err / 2.0).round();
            clamp(sample_val - bias)
        })
        .collect();
    lut.push(clamp((transform(input_max) * output_scaling_inv).round()));
    lut
}

/// The int16 range's width, `32767 - (-32768)`, as TFLM's softmax divides by it.
const RANGE: f32 = 65535.0;

/// int16 SOFTMAX's exponential table: `exp` over `[-10, 0]` (TFLM's
/// `LUTPopulate(10 / range, 32767, 2 / range, 0, exp)`), Q0.15.
///
/// `exp` is `f32::exp`, the host's `expf`, as TFLM's `std::exp(float)`: on the hosts the goldens
/// come from (glibc) both are the same function. A unit test checks the table is the same with
/// a correctly rounded `exp`, so it does not hang on the last bit of the host's.
pub fn softmax_exp_lut() -> Vec<i16> {
    lut_populate_i16(10.0 / RANGE, i32::from(i16::MAX), 2.0 / RANGE, 0, f32::exp)
}

/// int16 SOFTMAX's reciprocal table: `1 / (1 + x)` over `[0, 1]` (TFLM's
/// `LUTPopulate(1 / range, -32768, 2 / range, 0, 1 / (1 + x))`), Q0.15.
pub fn softmax_one_over_one_plus_x_lut() -> Vec<i16> {
    lut_populate_i16(1.0 / RANGE, i32::from(i16::MIN), 2.0 / RANGE, 0, |x| {
        1.0 / (1.0 + x)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_params_power_of_two_scales() {
        // 2^-12: the kernel's Q3.12 read times 3 (both functions).
        assert_eq!(sigmoid_i16_params(Sigmoid::Logistic, 1.0 / 4096.0), (3, 0));
        assert_eq!(sigmoid_i16_params(Sigmoid::Tanh, 1.0 / 4096.0), (3, 0));
        // 2^-11: TANH's second special case; LOGISTIC takes the general path.
        assert_eq!(sigmoid_i16_params(Sigmoid::Tanh, 1.0 / 2048.0), (6, 0));
        // 2^-11 * 4096 * 3 = 6, doubled 12 times to 24576 (above 32767 / 2).
        assert_eq!(
            sigmoid_i16_params(Sigmoid::Logistic, 1.0 / 2048.0),
            (24576, 12)
        );
    }

    #[test]
    fn sigmoid_params_general_scale() {
        // The converter's scale for inputs in [-4, 4]: 4 / 32767.
        let scale = 0.000_122_070_31_f32;
        let (m, s) = sigmoid_i16_params(Sigmoid::Tanh, scale);
        let mut want = f64::from(scale) * 12288.0;
        let mut shift = 0;
        while want <= 16383.5 {
            want *= 2.0;
            shift += 1;
        }
        assert_eq!((m, s), (want as i32, shift));
        assert!((16384..=32767).contains(&m), "{m}");
        // A scale far from a power of two, and one just off 2^-12 by more than the tolerance.
        // 2 * 12288 = 24576 needs no doubling; 0.3 * 12288 = 3686.4 three (29491).
        assert_eq!(sigmoid_i16_params(Sigmoid::Logistic, 2.0), (24576, 0));
        assert_eq!(sigmoid_i16_params(Sigmoid::Logistic, 0.3), (29491, 3));
        assert_ne!(
            sigmoid_i16_params(Sigmoid::Logistic, 1.0 / 4096.0 * 1.01),
            (3, 0)
        );
    }

    #[test]
    fn q15_output_scale() {
        assert!(is_q15_scale(1.0 / 32768.0));
        assert!(!is_q15_scale(1.0 / 16384.0));
        assert!(!is_q15_scale(1.0 / 30000.0));
    }

    #[test]
    fn softmax_params() {
        // 10 / 65535 over itself is 1 = 0.5 * 2^1.
        assert_eq!(softmax_i16_params(1.0, (10.0f64 / 65535.0) as f32).1, 1);
        let (m, s) = softmax_i16_params(1.0, 4.0 / 32767.0);
        assert_eq!(
            (m, s),
            quantize_multiplier(f64::from(4.0f32 / 32767.0) / (10.0 / 65535.0))
        );
    }

    #[test]
    fn softmax_luts_shape() {
        let exp = softmax_exp_lut();
        let reciprocal = softmax_one_over_one_plus_x_lut();
        assert_eq!((exp.len(), reciprocal.len()), (LUT_SIZE, LUT_SIZE));
        // exp(0) = 1 saturates to 32767; exp(-10) is about 1.5 in Q0.15.
        assert_eq!(exp[512], 32767);
        assert!((0..=2).contains(&exp[0]), "{}", exp[0]);
        // 1 / (1 + 0) = 1 saturates; 1 / 2 is 16384.
        assert_eq!(reciprocal[0], 32767);
        assert_eq!(reciprocal[512], 16384);
        // Both monotonic.
        assert!(exp.windows(2).all(|w| w[0] <= w[1]));
        assert!(reciprocal.windows(2).all(|w| w[0] >= w[1]));
    }

    /// The exponential table does not depend on the last bit of the host's `expf`: a correctly
    /// rounded one (via `f64`) gives the same table.
    #[test]
    fn softmax_exp_lut_is_host_independent() {
        let correctly_rounded = lut_populate_i16(10.0 / RANGE, 32767, 2.0 / RANGE, 0, |x| {
            f64::from(x).exp() as f32
        });
        assert_eq!(softmax_exp_lut(), correctly_rounded);
    }

    #[test]
    fn activation_range_i16_bounds() {
        let s = 0.000_2_f32;
        assert_eq!(
            activation_range_i16(Activation::None, s, 0),
            (-32768, 32767)
        );
        assert_eq!(activation_range_i16(Activation::Relu, s, 0), (0, 32767));
        assert_eq!(activation_range_i16(Activation::Relu6, s, 0), (0, 30000));
        assert_eq!(
            activation_range_i16(Activation::ReluN1To1, s, 0),
            (-5000, 5000)
        );
    }
}
