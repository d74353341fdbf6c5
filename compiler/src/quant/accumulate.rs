//! Compile-time parameters of LOG_SOFTMAX, ADD_N and CUMSUM (int8), as TFLite Micro's `Prepare`
//! computes them.

use super::{quantize_multiplier, softmax_params};

/// Headroom bits of ADD_N's and CUMSUM's int8 inputs before rescaling (TFLM's
/// `kAddNIntegerShift` and `kCumSumIntegerShift`).
const LEFT_SHIFT: i32 = 20;

/// int8 ADD_N's and CUMSUM's rescalings `(input_multiplier, input_shift, output_multiplier,
/// output_shift)`: with `twice = 2 * double(input_scale)`, the input's real multiplier
/// `double(input_scale) / twice` (one half) and the output's `twice / (2^20 *
/// double(output_scale))`, each split by `QuantizeMultiplierSmallerThanOneExp`.
///
/// TFLM aborts unless both real multipliers are in `(0, 1)` with a shift of zero or less: `Err`
/// with the reason for an output scale too small for that.
pub fn accumulate_params(input_scale: f32, output_scale: f32) -> Result<[i32; 4], String> {
    let twice = 2.0 * f64::from(input_scale);
    let input_real = f64::from(input_scale) / twice;
    let output_real = twice / (f64::from(1u32 << LEFT_SHIFT) * f64::from(output_scale));
    let (input_multiplier, input_shift) = quantize_multiplier(input_real);
    let (output_multiplier, output_shift) = quantize_multiplier(output_real);
    let fits = |real: f64, shift: i32| real > 0.0 && real < 1.0 && shift <= 0;
    if !fits(input_real, input_shift) || !fits(output_real, output_shift) {
        return Err(format!(
            "the output scale {output_scale} is too small for the input scale {input_scale}: \
             TFLM needs 2 * input_scale / (2^20 * output_scale) below 1"
        ));
    }
    Ok([
        input_multiplier,
        input_shift,
        output_multiplier,
        output_shift,
    ])
}

/// int8 LOG_SOFTMAX's `(input_multiplier, input_left_shift, reverse_scaling_divisor,
/// reverse_scaling_shift, diff_min)`: softmax's scaling with beta 1 ([`softmax_params`]), and the
/// inverse of that scaling, `2^(31 - left_shift) / double(multiplier)`, split by
/// `QuantizeMultiplierSmallerThanOneExp` (TFLite's `PreprocessLogSoftmaxScalingExp`); the
/// shift is the exponent the kernel applies (zero or negative).
///
/// TFLM aborts where the input scale times `2^26` is at most 1: the caller must reject that.
pub fn log_softmax_params(input_scale: f32) -> [i32; 5] {
    let (multiplier, left_shift, diff_min) = softmax_params(1.0, f64::from(input_scale));
    let reverse = 2f64.powi(31 - left_shift) / f64::from(multiplier);
    let (reverse_multiplier, reverse_shift) = quantize_multiplier(reverse);
    [
        multiplier,
        left_shift,
        reverse_multiplier,
        reverse_shift,
        diff_min,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulation_halves_the_input_and_rejects_tiny_output_scales() {
        let [m, s, om, os] = accumulate_params(0.5, 0.5).unwrap();
        assert_eq!((m, s), (1 << 30, 0));
        // 2 * 0.5 / (2^20 * 0.5) = 2^-19: 2^30 with exponent -18.
        assert_eq!((om, os), (1 << 30, -18));
        assert!(accumulate_params(1.0, 1e-7).is_err());
    }

    #[test]
    fn log_softmax_reverse_scaling_inverts_the_input_scaling() {
        let [m, ls, rm, rs, _] = log_softmax_params(0.1);
        let forward = f64::from(m) * 2f64.powi(ls - 31);
        let reverse = f64::from(rm) * 2f64.powi(rs - 31);
        assert!((forward * reverse - 2f64.powi(0)).abs() < 1e-6);
        assert!(rs <= 0);
    }
}
