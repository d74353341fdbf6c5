//! Conversions between the integer types of a model's boundary (uint8, int16, int32) and int8 or
//! float32: QUANTIZE's integer requantization (TFLite Micro's `Requantize`), DEQUANTIZE from
//! uint8, and the float conversions the generated `set_input_f32` / `output_f32` accessors use.

use crate::quant::multiply_by_quantized_multiplier;

/// Parameters of QUANTIZE from one integer type to another: the rescale from input to output
/// scale as TFLite Micro's `Prepare` computes it (`QuantizeMultiplier(input_scale /
/// output_scale)` in double), and both zero points.
#[derive(Clone, Copy, Debug)]
pub struct Rescale {
    /// Q0.31 multiplier of the scale ratio.
    pub multiplier: i32,
    /// Its power-of-two exponent.
    pub shift: i32,
    /// The input's zero point.
    pub input_zero_point: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
}

/// Defines a requantization kernel from `$from` to `$to`.
macro_rules! requantize_kernel {
    ($(#[$doc:meta])* $name:ident, $from:ty, $to:ty) => {
        $(#[$doc])*
        ///
        /// Each element is `clamp(multiply_by_quantized_multiplier(x - input_zero_point) +
        /// output_zero_point)` to the output type, as TFLite Micro's reference `Requantize`
        /// computes it (its shortcut for a shift of 128 between int8 and uint8 gives the same
        /// values). Sums wrap where TFLite's would be undefined.
        pub fn $name(p: &Rescale, input: &[$from], output: &mut [$to]) {
            for (o, &x) in output.iter_mut().zip(input) {
                let scaled = multiply_by_quantized_multiplier(
                    i32::from(x).wrapping_sub(p.input_zero_point),
                    p.multiplier,
                    p.shift,
                )
                .wrapping_add(p.output_zero_point);
                *o = scaled.clamp(i32::from(<$to>::MIN), i32::from(<$to>::MAX)) as $to;
            }
        }
    };
}

requantize_kernel!(
    /// QUANTIZE from int8 to uint8.
    requantize_i8_u8, i8, u8
);
requantize_kernel!(
    /// QUANTIZE from uint8 to int8.
    requantize_u8_i8, u8, i8
);
requantize_kernel!(
    /// QUANTIZE from int16 to int8.
    requantize_i16_i8, i16, i8
);
requantize_kernel!(
    /// QUANTIZE from int16 to int32.
    requantize_i16_i32, i16, i32
);
requantize_kernel!(
    /// QUANTIZE from int16 to int16 with another scale.
    requantize_i16_i16, i16, i16
);
requantize_kernel!(
    /// QUANTIZE from int8 to int16.
    requantize_i8_i16, i8, i16
);
requantize_kernel!(
    /// QUANTIZE from int32 to int16.
    requantize_i32_i16, i32, i16
);

/// DEQUANTIZE from uint8 to float32: `scale * (x - zero_point)`, bit-exact with TFLite Micro's
/// double-precision product for the reason [`dequantize_i8_f32`](super::dequantize_i8_f32)
/// gives.
pub fn dequantize_u8_f32(p: &super::DequantizeI8, input: &[u8], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = i32::from(x).wrapping_sub(p.zero_point) as f32 * p.scale;
    }
}

/// float32 to uint8 (TFLite Micro's `AffineQuantize`), for the generated `set_input_f32`:
/// [`quantize_f32_i8`](super::quantize_f32_i8) clamped to `0..=255`.
pub fn quantize_f32_u8(p: &super::QuantizeF32, input: &[f32], output: &mut [u8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let rounded = libm::roundf(x / p.scale) as i32;
        *o = rounded.saturating_add(p.zero_point).clamp(0, 255) as u8;
    }
}

/// float32 to int16 (TFLite Micro's `AffineQuantize`), for the generated `set_input_f32`:
/// [`quantize_f32_i8`](super::quantize_f32_i8) clamped to int16.
pub fn quantize_f32_i16(p: &super::QuantizeF32, input: &[f32], output: &mut [i16]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let rounded = libm::roundf(x / p.scale) as i32;
        *o = rounded
            .saturating_add(p.zero_point)
            .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    }
}

/// int16 to float32, `scale * (x - zero_point)`, for the generated `output_f32`: exact as a
/// float32 product since `|x - zero_point| < 2^17`.
pub fn dequantize_i16_f32(p: &super::DequantizeI8, input: &[i16], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = i32::from(x).wrapping_sub(p.zero_point) as f32 * p.scale;
    }
}

/// int32 to float32, `scale * (x - zero_point)` multiplied in double and rounded once (as
/// TFLite's `Dequantize`), for the generated `output_f32`.
pub fn dequantize_i32_f32(p: &super::DequantizeI8, input: &[i32], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let centred = i64::from(x) - i64::from(p.zero_point);
        *o = (f64::from(p.scale) * centred as f64) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Rescale` for a ratio of exactly 1 (TFLM's `QuantizeMultiplier(1.0)`).
    fn unit(input_zero_point: i32, output_zero_point: i32) -> Rescale {
        Rescale {
            multiplier: 1 << 30,
            shift: 1,
            input_zero_point,
            output_zero_point,
        }
    }

    #[test]
    fn int8_to_uint8_with_a_shift_of_128_flips_the_top_bit() {
        let input: [i8; 5] = [-128, -1, 0, 1, 127];
        let mut output = [0u8; 5];
        requantize_i8_u8(&unit(-128, 0), &input, &mut output);
        assert_eq!(output, input.map(|x| (x as u8) ^ 0x80));
        let mut back = [0i8; 5];
        requantize_u8_i8(&unit(0, -128), &output, &mut back);
        assert_eq!(back, input);
    }

    #[test]
    fn outputs_clamp_to_the_output_type() {
        // A ratio of 0.5: multiplier 2^30, shift 0.
        let half = Rescale {
            multiplier: 1 << 30,
            shift: 0,
            input_zero_point: 0,
            output_zero_point: 0,
        };
        let mut narrow = [0i8; 3];
        requantize_i16_i8(&half, &[i16::MIN, 3, i16::MAX], &mut narrow);
        assert_eq!(narrow, [-128, 2, 127]);
        let mut wide = [0i32; 3];
        requantize_i16_i32(
            &Rescale {
                output_zero_point: 7,
                ..half
            },
            &[i16::MIN, -3, i16::MAX],
            &mut wide,
        );
        // -3 * 0.5 = -1.5 rounds to -1 in the doubling high multiply (its nudge for negative
        // products is 1 - 2^30).
        assert_eq!(wide, [-16384 + 7, -1 + 7, 16384 + 7]);
    }

    #[test]
    fn float_conversions_round_and_clamp() {
        let q = super::super::QuantizeF32 {
            scale: 0.5,
            zero_point: 10,
        };
        let mut u = [0u8; 3];
        quantize_f32_u8(&q, &[-100.0, 1.25, 1000.0], &mut u);
        assert_eq!(u, [0, 13, 255]);
        let mut s = [0i16; 2];
        quantize_f32_i16(&q, &[-1e9, 2.0], &mut s);
        assert_eq!(s, [i16::MIN, 14]);
        let d = super::super::DequantizeI8 {
            scale: 0.5,
            zero_point: 10,
        };
        let mut f = [0.0f32; 2];
        dequantize_u8_f32(&d, &[0, 255], &mut f);
        assert_eq!(f, [-5.0, 122.5]);
        dequantize_i16_f32(&d, &[10, -10], &mut f);
        assert_eq!(f, [0.0, -10.0]);
        dequantize_i32_f32(&d, &[i32::MIN, 12], &mut f);
        assert_eq!(f, [-1073741829.0, 1.0]);
    }
}
