//! Arguments of the int8 lookup-table kernels (`embedml::kernels::*_table`).
//!
//! Each function returns, in parameter order, the scalar arguments of one `const fn` table builder
//! in `embedml::kernels`, computed from the tensors' quantization as TensorFlow Lite Micro's
//! `Prepare` for that op computes them, with the same `float`/`double` steps. Scales are the
//! model's `f32` values and zero points its (int8-range) zero points.
//!
//! Where TFLite Micro's `Prepare` rejects a model, the functions still return values; the
//! conditions are documented for validation to check.

use super::{Activation, activation_range_i8, frexp, quantize_multiplier};

/// Arguments of `requantize_table` for int8-to-int8 QUANTIZE:
/// `[input_zero_point, multiplier, shift, output_zero_point, -128, 127]`.
///
/// TFLite Micro's `PrepareQuantizeReference` quantizes `double(input_scale) / double(output_scale)`
/// (a division in double) with `QuantizeMultiplier`, and `Requantize` clamps to the int8 range.
pub fn requantize_table_args(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> [i32; 6] {
    let (multiplier, shift) = quantize_multiplier(f64::from(input_scale) / f64::from(output_scale));
    let (min, max) = activation_range_i8(Activation::None, output_scale, output_zero_point);
    [
        input_zero_point,
        multiplier,
        shift,
        output_zero_point,
        min,
        max,
    ]
}

/// Arguments of `requantize_table` for the int8 activation op of `activation`:
/// `[input_zero_point, multiplier, shift, output_zero_point, output_min, output_max]`.
///
/// - [`Activation::Relu`]: TFLite Micro's `CalculateReluOpData`. The multiplier is
///   `double(input_scale) / double(output_scale)` (division in double); the bounds are
///   `max(-128, output_zero_point + roundf(0 / output_scale))` and 127.
/// - [`Activation::Relu6`]: TFLite Micro's `Relu6Prepare`, which ignores the output tensor's
///   quantization and clamps the input to `[input_zero_point, six]` with
///   `six = clamp(round(6.0f / input_scale) + input_zero_point, -128, 127)` (division in float).
///   As a requantization that is the exact identity `(2^30, 1)` with the input's zero point on
///   both sides.
/// - [`Activation::ReluN1To1`]: TFLite Micro has no RELU_N1_TO_1 kernel; this follows TFLite's
///   (`ReluPrepare` and `QuantizedReluX(-1, 1)`), which quantizes `input_scale / output_scale`
///   divided in *float*, with bounds `output_zero_point + roundf(-1 / output_scale)` and
///   `output_zero_point + roundf(1 / output_scale)` clamped to the int8 range.
/// - [`Activation::None`]: a plain requantization, as [`requantize_table_args`].
pub fn relu_table_args(
    activation: Activation,
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> [i32; 6] {
    let (multiplier, shift) = match activation {
        Activation::None | Activation::Relu => {
            quantize_multiplier(f64::from(input_scale) / f64::from(output_scale))
        }
        Activation::ReluN1To1 => quantize_multiplier(f64::from(input_scale / output_scale)),
        Activation::Relu6 => {
            let (_, six) = activation_range_i8(Activation::Relu6, input_scale, input_zero_point);
            return [
                input_zero_point,
                1 << 30,
                1,
                input_zero_point,
                input_zero_point,
                six,
            ];
        }
    };
    let (min, max) = activation_range_i8(activation, output_scale, output_zero_point);
    [
        input_zero_point,
        multiplier,
        shift,
        output_zero_point,
        min,
        max,
    ]
}

/// Arguments of `leaky_relu_table`:
/// `[input_zero_point, identity_multiplier, identity_shift, alpha_multiplier, alpha_shift, output_zero_point]`.
///
/// TFLite Micro's `CalculateOpDataLeakyRelu` forms both real multipliers in *float* and widens
/// them: `input_scale * alpha / output_scale` (left to right) and `input_scale / output_scale`.
/// A negative alpha gives a negative alpha multiplier, which the table applies by magnitude.
pub fn leaky_relu_table_args(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    alpha: f32,
) -> [i32; 6] {
    let (alpha_multiplier, alpha_shift) =
        quantize_multiplier(f64::from(input_scale * alpha / output_scale));
    let (identity_multiplier, identity_shift) =
        quantize_multiplier(f64::from(input_scale / output_scale));
    [
        input_zero_point,
        identity_multiplier,
        identity_shift,
        alpha_multiplier,
        alpha_shift,
        output_zero_point,
    ]
}

/// Integer bits of the fixed-point input of int8 LOGISTIC and TANH (Q4.27).
const SIGMOID_INPUT_INTEGER_BITS: i32 = 4;

/// `[input_zero_point, input_range_radius, input_multiplier, input_left_shift]` of int8 LOGISTIC
/// and TANH, as TFLite Micro's `CalculateArithmeticOpDataLogistic` and
/// `CalculateArithmeticOpDataTanh` compute them (identically).
///
/// The real multiplier `double(input_scale) * 2^27` (to Q4.27) is split by `frexp` directly, not
/// by `QuantizeMultiplier`: `multiplier = round(q * 2^31)` and the shift is `frexp`'s exponent
/// (negative for scales below 2^-28). A float32 scale has 24 significant bits, so the rounding is
/// exact and never reaches 2^31. The radius is TFLite's `CalculateInputRadius(4, shift, 31)`,
/// `floor(15 * 2^27 / (1LL << shift))`. For scales below 2^-28 the shift is negative, which is
/// undefined in C++; this takes the shift modulo 64 like x86-64 and AArch64 hosts (radius 0 or
/// -1, so every input saturates). Validation may prefer to reject such scales.
fn sigmoid_args(input_scale: f32, input_zero_point: i32) -> [i32; 4] {
    let real = f64::from(input_scale) * f64::from(1u32 << (31 - SIGMOID_INPUT_INTEGER_BITS));
    let (q, shift) = frexp(real);
    // Saturating, where the C++ conversion would be undefined (only for NaN or infinite scales).
    let multiplier = (q * 2f64.powi(31)).round() as i32;
    // `(1LL << shift)`: undefined in C++ for shifts outside 0..=63; x86-64 and AArch64 take the
    // shift modulo 64, which is what TFLite Micro computes on those hosts (and what
    // `wrapping_shl` does), e.g. a radius of 0 or -1 for scales below 2^-28.
    let divisor = 1i64.wrapping_shl(shift as u32) as f64;
    let max_input_rescaled = f64::from((1 << SIGMOID_INPUT_INTEGER_BITS) - 1)
        * f64::from(1u32 << (31 - SIGMOID_INPUT_INTEGER_BITS))
        / divisor;
    // Saturating, where the C++ conversion is undefined (never for finite scales).
    let radius = max_input_rescaled.floor() as i32;
    [input_zero_point, radius, multiplier, shift]
}

/// Arguments of `logistic_table`:
/// `[input_zero_point, input_range_radius, input_multiplier, input_left_shift]` (see the private
/// `sigmoid_args` for the derivation, TFLite Micro's `CalculateArithmeticOpDataLogistic`).
///
/// TFLite Micro requires the output zero point to be -128 and assumes (without checking) an output
/// scale of 1/256; validation should require both.
pub fn logistic_table_args(input_scale: f32, input_zero_point: i32) -> [i32; 4] {
    sigmoid_args(input_scale, input_zero_point)
}

/// Arguments of `tanh_table`:
/// `[input_zero_point, input_range_radius, input_multiplier, input_shift]`, computed like
/// [`logistic_table_args`] (TFLite Micro's `CalculateArithmeticOpDataTanh`).
///
/// TFLite Micro neither checks nor uses the output quantization: the output is always scale
/// 1/128, zero point 0. Validation should require those.
pub fn tanh_table_args(input_scale: f32, input_zero_point: i32) -> [i32; 4] {
    sigmoid_args(input_scale, input_zero_point)
}

/// Rounds a non-negative Q0.31 multiplier to Q0.15 (TFLite's `DownScaleInt32ToInt16Multiplier`):
/// `(m + 2^15) >> 16`, saturating at `i16::MAX` from `2^31 - 1 - 2^15` on.
fn down_scale_int32_to_int16_multiplier(multiplier: i32) -> i32 {
    const ROUNDING_OFFSET: i32 = 1 << 15;
    if multiplier >= i32::MAX - ROUNDING_OFFSET {
        return i32::from(i16::MAX);
    }
    (multiplier + ROUNDING_OFFSET) >> 16
}

/// Arguments of `hard_swish_table`, the `HardSwishParams` fields in order:
/// `[input_zero_point, output_zero_point, reluish_multiplier_fixedpoint_int16,
/// reluish_multiplier_exponent, output_multiplier_fixedpoint_int16, output_multiplier_exponent]`.
///
/// As TFLite Micro's `HardSwishPrepare`, in float: `hires_input_scale = (1.0f / 128.0f) *
/// input_scale`; the output multiplier is `hires_input_scale / output_scale` and the relu-ish
/// multiplier `hires_input_scale / (3.0f / 32768.0f)`, each widened to double, split by
/// `QuantizeMultiplier` and its Q0.31 part rounded to Q0.15. TFLite Micro rejects the model when
/// the output exponent (the last element) is positive, i.e. when `input_scale / 128` is at least
/// `output_scale`; validation should do the same.
pub fn hard_swish_table_args(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> [i32; 6] {
    let hires_input_scale = (1.0f32 / 128.0) * input_scale;
    let reluish_scale = 3.0f32 / 32768.0;
    let (output_multiplier, output_exponent) =
        quantize_multiplier(f64::from(hires_input_scale / output_scale));
    let (reluish_multiplier, reluish_exponent) =
        quantize_multiplier(f64::from(hires_input_scale / reluish_scale));
    [
        input_zero_point,
        output_zero_point,
        down_scale_int32_to_int16_multiplier(reluish_multiplier),
        reluish_exponent,
        down_scale_int32_to_int16_multiplier(output_multiplier),
        output_exponent,
    ]
}

/// Arguments of `abs_table`: `[input_zero_point, multiplier, shift, output_zero_point]`.
///
/// As TFLite Micro's ABS `Prepare` (`PrepareAbsRsqrt`): when the scales differ (compared as
/// `float`), `double(input_scale) / double(output_scale)` split by `QuantizeMultiplier`; when they
/// are equal TFLite Micro adds the output zero point without rescaling, which is the exact
/// identity `(2^30, 1)`. TFLite Micro accepts any scales.
pub fn abs_table_args(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> [i32; 4] {
    let (multiplier, shift) = if input_scale == output_scale {
        (1 << 30, 1)
    } else {
        quantize_multiplier(f64::from(input_scale) / f64::from(output_scale))
    };
    [input_zero_point, multiplier, shift, output_zero_point]
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed independently (numpy float32 arithmetic, Python `math.frexp`), and
    // checked against TFLite Micro through tables built from them (see the kernels' tests).

    #[test]
    fn requantize_args() {
        assert_eq!(
            requantize_table_args(0.05, 5, 0.04, -3),
            [5, 1_342_177_330, 1, -3, -128, 127]
        );
    }

    /// float32 scales whose quotient rounds differently in float and in double.
    const DIVIDEND: u32 = 988_600_159;
    const DIVISOR: u32 = 1_000_880_307;

    #[test]
    fn relu_args_per_activation() {
        assert_eq!(
            relu_table_args(Activation::Relu, 0.05, -10, 0.03, -128),
            [-10, 1_789_569_773, 1, -128, -128, 127]
        );
        assert_eq!(
            relu_table_args(Activation::Relu, 0.05, -10, 0.03, 20),
            [-10, 1_789_569_773, 1, 20, 20, 127]
        );
        // RELU6 in TFLite Micro clamps in the input's quantization; the output's is ignored.
        // round(6 / 0.05) = 120 - 100 = 20.
        let relu6 = [-100, 1 << 30, 1, -100, -100, 20];
        assert_eq!(
            relu_table_args(Activation::Relu6, 0.05, -100, 0.05, -100),
            relu6
        );
        assert_eq!(
            relu_table_args(Activation::Relu6, 0.05, -100, 0.7, 3),
            relu6
        );
        assert_eq!(relu_table_args(Activation::Relu6, 0.01, 0, 0.01, 0)[5], 127);
        // +-1 / 0.0078 = +-128.2: clamped to the int8 range.
        assert_eq!(
            relu_table_args(Activation::ReluN1To1, 0.01, 0, 0.0078, 0),
            [0, 1_376_592_128, 1, 0, -128, 127]
        );
        // +-1 / 0.4 = +-2.5 rounds away from zero.
        assert_eq!(
            relu_table_args(Activation::ReluN1To1, 0.4, 1, 0.4, 1)[4..],
            [-2, 4]
        );
        assert_eq!(
            relu_table_args(Activation::None, 0.05, 5, 0.04, -3),
            requantize_table_args(0.05, 5, 0.04, -3)
        );
    }

    #[test]
    fn relu_divides_in_double_and_relu_n1_to_1_in_float() {
        let (a, b) = (f32::from_bits(DIVIDEND), f32::from_bits(DIVISOR));
        assert_eq!(
            relu_table_args(Activation::Relu, a, 0, b, 0)[1],
            1_511_735_602
        );
        assert_eq!(requantize_table_args(a, 0, b, 0)[1], 1_511_735_602);
        assert_eq!(
            relu_table_args(Activation::ReluN1To1, a, 0, b, 0)[1],
            1_511_735_552
        );
    }

    #[test]
    fn abs_args_rescale_in_double_unless_the_scales_are_equal() {
        let (a, b) = (f32::from_bits(DIVIDEND), f32::from_bits(DIVISOR));
        assert_eq!(abs_table_args(a, 3, b, -128), [3, 1_511_735_602, -1, -128]);
        // The converter's scales for ABS of inputs in [-4, 4]: nearly, but not exactly, halved.
        assert_eq!(
            abs_table_args(0.031_347_472, 0, 0.015_676_841, -128),
            [0, 2_147_058_307, 1, -128]
        );
        assert_eq!(abs_table_args(0.05, -7, 0.05, 9), [-7, 1 << 30, 1, 9]);
    }

    #[test]
    fn leaky_relu_args_are_formed_in_float() {
        assert_eq!(
            leaky_relu_table_args(0.05, 5, 0.04, -3, 0.2),
            [5, 1_342_177_280, 1, 1_073_741_952, -1, -3]
        );
        assert_eq!(
            leaky_relu_table_args(1.0 / 256.0, 0, 1.0 / 256.0, 0, -0.5),
            [0, 1 << 30, 1, -(1 << 30), 0, 0]
        );
        // The identity multiplier divides in float (double would give 1_511_735_602).
        let (a, b) = (f32::from_bits(DIVIDEND), f32::from_bits(DIVISOR));
        assert_eq!(leaky_relu_table_args(a, 0, b, 0, 0.1)[1], 1_511_735_552);
        // input * alpha / output in float: double gives 1_836_618_553.
        let args = leaky_relu_table_args(
            f32::from_bits(1_048_690_414),
            0,
            f32::from_bits(1_029_995_160),
            0,
            f32::from_bits(1_036_043_909),
        );
        assert_eq!(args[3..5], [1_836_618_496, -1]);
    }

    #[test]
    fn logistic_and_tanh_args() {
        // 0.1f32 * 2^27 = 0.8000000119 * 2^24; radius floor(15 * 2^27 / 2^24) = 120.
        assert_eq!(logistic_table_args(0.1, 3), [3, 120, 1_717_986_944, 24]);
        assert_eq!(tanh_table_args(0.07, -5), [-5, 120, 1_202_590_848, 24]);
        // A power of two: 2^-4 * 2^27 = 0.5 * 2^24, multiplier 2^30.
        assert_eq!(logistic_table_args(1.0 / 16.0, 0), [0, 120, 1 << 30, 24]);
        // Large scales: radius 0, every input saturates.
        assert_eq!(logistic_table_args(4096.0, -3), [-3, 0, 1 << 30, 40]);
        // Scales below 2^-28 give a negative shift: radius as on 64-bit TFLite Micro hosts.
        assert_eq!(logistic_table_args(1e-9, 0), [0, 0, 1_152_921_472, -2]);
        assert_eq!(
            logistic_table_args(3.7e-9, -128),
            [-128, -1, 2_132_904_832, -1]
        );
        // A zero scale does not panic.
        assert_eq!(logistic_table_args(0.0, 0), [0, 2_013_265_920, 0, 0]);
    }

    #[test]
    fn hard_swish_args() {
        // Relu-ish multiplier above one (left shift 3) and below (right shift 3).
        assert_eq!(
            hard_swish_table_args(0.05, -20, 0.03, -100),
            [-20, -100, 17_476, 3, 27_307, -6]
        );
        assert_eq!(
            hard_swish_table_args(0.001, -128, 0.01, 5),
            [-128, 5, 22_370, -3, 26_214, -10]
        );
        // input / 128 = output scale: output exponent 1, which TFLite Micro rejects.
        assert_eq!(hard_swish_table_args(128.0, 0, 1.0, 0)[5], 1);
    }

    #[test]
    fn int16_multiplier_rounds_and_saturates() {
        assert_eq!(down_scale_int32_to_int16_multiplier(1 << 30), 1 << 14);
        assert_eq!(
            down_scale_int32_to_int16_multiplier((1 << 30) + (1 << 15)),
            (1 << 14) + 1
        );
        assert_eq!(
            down_scale_int32_to_int16_multiplier((1 << 30) + (1 << 15) - 1),
            1 << 14
        );
        assert_eq!(
            down_scale_int32_to_int16_multiplier(i32::MAX - (1 << 15) - 1),
            32_767
        );
        assert_eq!(down_scale_int32_to_int16_multiplier(i32::MAX), 32_767);
    }
}
