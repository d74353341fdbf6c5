//! Constants of the int8 reduction kernels (MEAN, and SUM through the same kernel).
//!
//! TensorFlow Lite Micro's int8 MEAN (`EvalMeanHelper` in `micro/kernels/reduce_common.cc`)
//! always calls the integer `reference_ops::QuantizedMeanOrSum` of
//! `kernels/internal/reference/reduce.h`: the same path whether the input and output
//! quantization are equal or not, and whatever `keep_dims` is. (Older TFLite Micro releases
//! divided the raw sum by the count for equal quantization and used float arithmetic otherwise;
//! neither survives.) Everything that does not depend on the data is computed here.

use super::quantize_multiplier;

/// The quantization constants of `embedml::kernels::MeanI8` (its fields of the same names).
///
/// An output is
/// `clamp(multiply_by_quantized_multiplier(sum + sum_offset, multiplier, shift) + output_offset, -128, 127)`
/// for the int32 sum `sum` of the raw int8 inputs it reduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeanI8Params {
    /// `-input_zero_point * reduced`, wrapped to i32 (TFLite's
    /// `int32(temp_sum - input_zero_point * num_elements_in_axis)`).
    pub sum_offset: i32,
    /// Q0.31 multiplier of `input_scale / (output_scale * reduced)`.
    pub multiplier: i32,
    /// Power-of-two exponent of `multiplier`.
    pub shift: i32,
    /// The output's zero point.
    pub output_offset: i32,
}

/// int8 MEAN's constants for a reduction over `reduced` elements, exactly as TFLite Micro derives
/// them.
///
/// `Prepare` (`PrepareMeanOrSumHelper`) quantizes `double(input_scale) / double(output_scale)`
/// (both widened from `f32`, divided in `f64`) with `QuantizeMultiplier` into `(m, s)`. Then
/// `QuantizedMeanOrSum` folds in `1 / reduced` at every `Eval`: with `k = floor(log2(reduced))`,
/// capped at 32 and at `31 + s`, the multiplier becomes `(int64(m) << k) / reduced` (truncating)
/// and the shift `s - k`. `reduced == 0` (an empty input, for which TFLite writes zeros) keeps
/// `(m, s)`. A `reduced` beyond `i64::MAX` saturates there.
pub fn mean_i8_params(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    reduced: usize,
) -> MeanI8Params {
    let mut params = sum_i8_params(
        input_scale,
        input_zero_point,
        output_scale,
        output_zero_point,
        reduced,
    );
    let count = i64::try_from(reduced).unwrap_or(i64::MAX);
    if count > 0 {
        // `63 - CountLeadingZeros(count)`, capped so that the shifted multiplier fits in i64 and
        // the final shift stays >= -31. `shift >= -31` from `quantize_multiplier`, so `k >= 0`.
        let k = (count.ilog2() as i32).min(32).min(31 + params.shift).max(0);
        params.multiplier = ((i64::from(params.multiplier) << k) / count) as i32;
        params.shift -= k;
    }
    params
}

/// int8 SUM's constants, exactly as TFLite Micro derives them: the same `QuantizedMeanOrSum`
/// as MEAN with `compute_sum`, which keeps `Prepare`'s `(m, s)` for `input_scale /
/// output_scale` without folding in a division by the count.
pub fn sum_i8_params(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    reduced: usize,
) -> MeanI8Params {
    let (multiplier, shift) = quantize_multiplier(f64::from(input_scale) / f64::from(output_scale));
    let count = i64::try_from(reduced).unwrap_or(i64::MAX);
    MeanI8Params {
        sum_offset: i64::from(input_zero_point)
            .wrapping_mul(count)
            .wrapping_neg() as i32,
        multiplier,
        shift,
        output_offset: output_zero_point,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(multiplier: i32, shift: i32, sum_offset: i32, output_offset: i32) -> MeanI8Params {
        MeanI8Params {
            sum_offset,
            multiplier,
            shift,
            output_offset,
        }
    }

    #[test]
    fn sum_keeps_the_scale_ratio_unfolded() {
        // 1.0 is (2^30, 1) whatever the count; only the zero-point offset scales with it.
        assert_eq!(sum_i8_params(0.1, -5, 0.1, 7, 4), params(1 << 30, 1, 20, 7));
        // 0.25 is (2^30, -1).
        assert_eq!(
            sum_i8_params(0.1, 2, 0.4, 0, 49),
            params(1 << 30, -1, -98, 0)
        );
    }

    #[test]
    fn equal_quantization_folds_the_count() {
        // 1.0 is (2^30, 1). 4 = 2^2: (2^32 / 4, 1 - 2).
        assert_eq!(
            mean_i8_params(0.1, -5, 0.1, -5, 4),
            params(1 << 30, -1, 20, -5)
        );
        // 3: k = 1, floor(2^31 / 3) = 715827882, shift 0.
        assert_eq!(
            mean_i8_params(0.1, 0, 0.1, 0, 3),
            params(715_827_882, 0, 0, 0)
        );
        // 49 (a 7x7 global pool): k = 5, floor(2^35 / 49) = 701219150, shift -4.
        assert_eq!(
            mean_i8_params(0.02, 3, 0.02, 3, 49),
            params(701_219_150, -4, -147, 3)
        );
        // One element: nothing folded.
        assert_eq!(mean_i8_params(0.1, 7, 0.1, 7, 1), params(1 << 30, 1, -7, 7));
    }

    #[test]
    fn different_quantization() {
        // 0.5 / 0.25 = 2.0 is (2^30, 2); over 4 elements (2^30, 0). Input zero point -3: +12.
        assert_eq!(
            mean_i8_params(0.5, -3, 0.25, 5, 4),
            params(1 << 30, 0, 12, 5)
        );
        // 0.25 / 1.0 is (2^30, -1); over 6 elements k = 2: floor(2^32 / 6), shift -3.
        assert_eq!(
            mean_i8_params(0.25, -128, 1.0, 0, 6),
            params(715_827_882, -3, 768, 0)
        );
    }

    #[test]
    fn scales_divide_in_f64() {
        // Values computed independently (Python frexp): the f64 quotient of the widened scales
        // quantizes to 1166834878, the f32 quotient to 1166834816; over 49 elements the folded
        // multipliers still differ.
        let (input, output) = (f32::from_bits(1_028_891_720), f32::from_bits(1_036_173_732));
        assert_eq!(
            quantize_multiplier(f64::from(input) / f64::from(output)),
            (1_166_834_878, 0)
        );
        assert_eq!(
            quantize_multiplier(f64::from(input / output)),
            (1_166_834_816, 0)
        );
        assert_eq!(
            mean_i8_params(input, 0, output, 0, 49),
            params(762_014_614, -5, 0, 0)
        );
    }

    #[test]
    fn fold_is_capped() {
        // Shift -30 (0.75 * 2^-30 is (3 * 2^29, -30)): k is capped at 31 - 30 = 1, so the
        // shift ends at -31 and the multiplier loses the rest of 1/8's precision.
        let tiny = 0.75 * 2f32.powi(-30);
        assert_eq!(quantize_multiplier(f64::from(tiny)), (3 << 29, -30));
        assert_eq!(
            mean_i8_params(tiny, 0, 1.0, 0, 8),
            params(3 << 27, -31, 0, 0)
        );
        // k is capped at 32: 2^40 elements give (2^62 / 2^40, 1 - 32).
        assert_eq!(
            mean_i8_params(1.0, 0, 1.0, 0, 1 << 40),
            params(1 << 22, -31, 0, 0)
        );
        // The zero-point product wraps like TFLite's int32 cast: -1 * 2^40 -> 0 mod 2^32.
        assert_eq!(mean_i8_params(1.0, 1, 1.0, 0, 1 << 40).sum_offset, 0);
        assert_eq!(mean_i8_params(1.0, 1, 1.0, 0, (1 << 32) + 5).sum_offset, -5);
    }

    #[test]
    fn empty_and_flushed() {
        // No elements: the Prepare multiplier unchanged.
        assert_eq!(mean_i8_params(0.5, 4, 0.25, 1, 0), params(1 << 30, 2, 0, 1));
        // A ratio below 2^-32 quantizes to (0, 0) and stays zero.
        assert_eq!(mean_i8_params(1e-12, 0, 1.0, 0, 16), params(0, -4, 0, 0));
    }
}
