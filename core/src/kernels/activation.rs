//! Element-wise activations and other unary ops (ABS, NEG), QUANTIZE and DEQUANTIZE.
//!
//! Every int8-to-int8 unary op (RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH,
//! ABS and int8-to-int8 QUANTIZE) depends only on the input byte, so it runs as a 256-entry lookup
//! table. The `*_table` functions here build those tables; they are `const fn`s, so generated code
//! evaluates them at compile time into `static` data. Entry `k` is the output for input value
//! `k - 128`, computed with TensorFlow Lite Micro's per-element integer arithmetic, which makes a
//! table bit-exact with the TFLite Micro reference kernel by construction. Their scalar arguments
//! come from the compiler (`embedml_compiler::quant::activation`), which derives them the way the
//! kernels' `Prepare` functions do.
//!
//! Out-of-range arithmetic that TFLite Micro leaves undefined (signed overflow, oversized shifts)
//! wraps or saturates here; nothing panics.

use crate::quant::{
    logistic_fixed_point, multiply_by_quantized_multiplier, rounding_divide_by_pot,
    rounding_divide_by_pot_i16, saturating_rounding_doubling_high_mul_i16, tanh_fixed_point,
};

/// A unary int8 op as a lookup table.
#[derive(Clone, Copy, Debug)]
pub struct LookupI8<'a> {
    /// Entry `k` is the output for input `k - 128`.
    pub table: &'a [i8; 256],
}

unary_kernel!(
    /// Maps every input byte through the table: `output[i] = table[input[i] + 128]`.
    ///
    /// Processes as many elements as the shorter slice holds.
    lookup_i8, lookup_i8_in_place, LookupI8, i8,
    // Flipping the sign bit of the byte adds 128; a u8 index never goes out of bounds.
    |p, x| p.table[usize::from(x as u8 ^ 0x80)]
);

/// The input value of table entry `k`.
const fn input_of(k: usize) -> i32 {
    k as i32 - 128
}

/// `std::min(std::max(value, min), max)` narrowed to int8 (wrapping, like the C++ cast, if the
/// bounds are outside the int8 range).
const fn clamp_to_i8(value: i32, min: i32, max: i32) -> i8 {
    let value = if value < min { min } else { value };
    let value = if value > max { max } else { value };
    value as i8
}

/// Lookup table of an affine requantization with clamping:
/// `clamp(output_zero_point + MultiplyByQuantizedMultiplier(x - input_zero_point, multiplier, shift), output_min, output_max)`,
/// clamped first from below, then from above.
///
/// This is TFLite Micro's int8 RELU (`ReluQuantized`), int8-to-int8 QUANTIZE (`Requantize`, whose
/// clamping to `[-128, 127]` in the other order gives the same result), TFLite's int8
/// RELU_N1_TO_1 (`ReluX`; TFLite Micro has no RELU_N1_TO_1 kernel), and TFLite Micro's int8 RELU6
/// (`Relu6Quantized`), which clamps the input to `[zero, six]` without rescaling: with
/// `multiplier = 2^30, shift = 1` the rescale is exact, and input and output zero point are both
/// the input's. `output_min` and `output_max` should lie in `[-128, 127]` with
/// `output_min <= output_max`.
pub const fn requantize_table(
    input_zero_point: i32,
    multiplier: i32,
    shift: i32,
    output_zero_point: i32,
    output_min: i32,
    output_max: i32,
) -> [i8; 256] {
    let mut table = [0i8; 256];
    let mut k = 0;
    while k < table.len() {
        let scaled = multiply_by_quantized_multiplier(
            input_of(k).wrapping_sub(input_zero_point),
            multiplier,
            shift,
        );
        table[k] = clamp_to_i8(
            output_zero_point.wrapping_add(scaled),
            output_min,
            output_max,
        );
        k += 1;
    }
    table
}

/// Lookup table of TFLite Micro's int8 LEAKY_RELU (`QuantizeLeakyRelu`).
///
/// With `d = x - input_zero_point`, a non-negative `d` is scaled by the identity multiplier
/// (`input_scale / output_scale`) and a negative one by the alpha multiplier
/// (`input_scale * alpha / output_scale`); the output zero point is added and the result clamped
/// to `[-128, 127]`. A negative alpha multiplier is applied as its magnitude and the product
/// negated, as current TFLite Micro does (older releases passed the negative multiplier on, which
/// differs on exact rounding ties).
pub const fn leaky_relu_table(
    input_zero_point: i32,
    identity_multiplier: i32,
    identity_shift: i32,
    alpha_multiplier: i32,
    alpha_shift: i32,
    output_zero_point: i32,
) -> [i8; 256] {
    let alpha_is_negative = alpha_multiplier < 0;
    let alpha_magnitude = alpha_multiplier.wrapping_abs();
    let mut table = [0i8; 256];
    let mut k = 0;
    while k < table.len() {
        let d = input_of(k).wrapping_sub(input_zero_point);
        let scaled = if d >= 0 {
            multiply_by_quantized_multiplier(d, identity_multiplier, identity_shift)
        } else {
            let scaled = multiply_by_quantized_multiplier(d, alpha_magnitude, alpha_shift);
            if alpha_is_negative {
                scaled.wrapping_neg()
            } else {
                scaled
            }
        };
        table[k] = clamp_to_i8(output_zero_point.wrapping_add(scaled), -128, 127);
        k += 1;
    }
    table
}

/// Integer bits of the fixed-point input of int8 LOGISTIC and TANH (Q4.27), TFLite's
/// `kInputIntegerBits`.
const SIGMOID_INPUT_INTEGER_BITS: i32 = 4;

/// Lookup table of TFLite Micro's int8 LOGISTIC (`reference_integer_ops::Logistic`); the output
/// has scale 1/256 and zero point -128.
///
/// With `d = x - input_zero_point`: `d <= -input_range_radius` gives -128 and
/// `d >= input_range_radius` gives 127; otherwise `d` is rescaled to Q4.27 by
/// `MultiplyByQuantizedMultiplier(d, input_multiplier, input_left_shift)`, passed through
/// gemmlowp's fixed-point logistic ([`logistic_fixed_point`]), rounded from Q0.31 to units of
/// 1/256, shifted by -128 and clamped to `[-128, 127]`.
pub const fn logistic_table(
    input_zero_point: i32,
    input_range_radius: i32,
    input_multiplier: i32,
    input_left_shift: i32,
) -> [i8; 256] {
    let mut table = [0i8; 256];
    let mut k = 0;
    while k < table.len() {
        let d = input_of(k).wrapping_sub(input_zero_point);
        table[k] = if d <= input_range_radius.wrapping_neg() {
            i8::MIN
        } else if d >= input_range_radius {
            i8::MAX
        } else {
            let input_q4 = multiply_by_quantized_multiplier(d, input_multiplier, input_left_shift);
            let output_q0 = logistic_fixed_point(input_q4, SIGMOID_INPUT_INTEGER_BITS);
            // Q0.31 to units of 1/256 (Q23.8).
            let unit = rounding_divide_by_pot(output_q0, 31 - 8);
            clamp_to_i8(unit.wrapping_sub(128), -128, 127)
        };
        k += 1;
    }
    table
}

/// Lookup table of TFLite Micro's int8 TANH (`reference_integer_ops::Tanh`); the output has scale
/// 1/128 and zero point 0 whatever the output tensor says (TFLite Micro does not read them).
///
/// With `d = x - input_zero_point`: `d <= -input_range_radius` gives -128 and
/// `d >= input_range_radius` gives 127; otherwise `d` is rescaled to Q4.27 by
/// `MultiplyByQuantizedMultiplier(d, input_multiplier, input_shift)`, passed through gemmlowp's
/// fixed-point tanh ([`tanh_fixed_point`]), rounded from Q0.31 to units of 1/128 and clamped to
/// `[-128, 127]`.
pub const fn tanh_table(
    input_zero_point: i32,
    input_range_radius: i32,
    input_multiplier: i32,
    input_shift: i32,
) -> [i8; 256] {
    let mut table = [0i8; 256];
    let mut k = 0;
    while k < table.len() {
        let d = input_of(k).wrapping_sub(input_zero_point);
        table[k] = if d <= input_range_radius.wrapping_neg() {
            i8::MIN
        } else if d >= input_range_radius {
            i8::MAX
        } else {
            let input_q4 = multiply_by_quantized_multiplier(d, input_multiplier, input_shift);
            let output_q0 = tanh_fixed_point(input_q4, SIGMOID_INPUT_INTEGER_BITS);
            // Q0.31 to units of 1/128 (Q24.7).
            clamp_to_i8(rounding_divide_by_pot(output_q0, 31 - 7), -128, 127)
        };
        k += 1;
    }
    table
}

/// `value * 2^amount` clamped to int16 (TFLite's hard-swish `SaturatingLeftShift`). The C++
/// overflows its `1 << amount` from 31 on; here any amount saturates every non-zero value.
const fn saturating_left_shift_i16(value: i16, amount: i32) -> i16 {
    let amount = if amount < 0 {
        0
    } else if amount > 16 {
        16
    } else {
        amount
    };
    let shifted = (value as i32) << amount;
    if shifted > i16::MAX as i32 {
        i16::MAX
    } else if shifted < i16::MIN as i32 {
        i16::MIN
    } else {
        shifted as i16
    }
}

/// `a * b / 2^15` truncated towards zero, with `i16::MIN * i16::MIN` saturating (TFLite's
/// hard-swish `SaturatingDoublingHighMul`, the ARM `SQDMULH` instruction).
const fn saturating_doubling_high_mul_i16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((a as i32 * b as i32) / (1 << 15)) as i16
}

/// Lookup table of TFLite Micro's int8 HARD_SWISH (`reference_ops::HardSwish` with
/// `HardSwishParams`), `x * relu6(x + 3) / 6`, in the kernel's 16-bit fixed-point arithmetic.
///
/// The arguments are the `HardSwishParams` fields in declaration order: the zero points, then the
/// 16-bit multiplier and exponent from the "high-resolution" input scale (`input_scale / 128`) to
/// the "relu-ish" scale (3 / 32768), then those to the output scale. Each is truncated to the
/// C++ field's `int16_t` where it has that type. Per element: the centred input is moved to the
/// high-resolution scale (times 128), rescaled to the output scale before the final shift, and
/// separately to `[-1, 1]` on the relu-ish scale (saturating) and then to `[0, 1]`; the product
/// of the two, shifted right by `-output_multiplier_exponent` and offset by the output zero point,
/// is clamped to `[-128, 127]`. TFLite Micro rejects a positive `output_multiplier_exponent`
/// (here it counts as zero).
pub const fn hard_swish_table(
    input_zero_point: i32,
    output_zero_point: i32,
    reluish_multiplier_fixedpoint_int16: i32,
    reluish_multiplier_exponent: i32,
    output_multiplier_fixedpoint_int16: i32,
    output_multiplier_exponent: i32,
) -> [i8; 256] {
    let input_zero_point = input_zero_point as i16;
    let output_zero_point = output_zero_point as i16;
    let reluish_multiplier = reluish_multiplier_fixedpoint_int16 as i16;
    let output_multiplier = output_multiplier_fixedpoint_int16 as i16;
    let reluish_exponent = reluish_multiplier_exponent;
    let mut table = [0i8; 256];
    let mut k = 0;
    while k < table.len() {
        // The C++ computes in int and stores each step in an int16_t.
        let input_value = input_of(k).wrapping_sub(input_zero_point as i32) as i16;
        let input_on_hires_scale = ((input_value as i32) << 7) as i16;
        let input_on_preshift_output_scale =
            saturating_rounding_doubling_high_mul_i16(input_on_hires_scale, output_multiplier);
        // Rescale to the relu-ish scale, where 3.0 is 32768 (saturated to 32767). A left shift is
        // split around the multiply so that only the last bit can saturate.
        let mut reluish = input_on_hires_scale;
        if reluish_exponent > 0 {
            reluish = saturating_left_shift_i16(reluish, reluish_exponent - 1);
        }
        reluish = saturating_rounding_doubling_high_mul_i16(reluish, reluish_multiplier);
        if reluish_exponent > 0 {
            reluish = saturating_left_shift_i16(reluish, 1);
        }
        if reluish_exponent < 0 {
            reluish = rounding_divide_by_pot_i16(reluish, reluish_exponent.saturating_neg());
        }
        // From [-1, 1] to [0, 1].
        reluish = ((reluish as i32 + (1 << 15)) >> 1) as i16;
        let preshift_output =
            saturating_doubling_high_mul_i16(reluish, input_on_preshift_output_scale);
        let output = rounding_divide_by_pot_i16(
            preshift_output,
            output_multiplier_exponent.saturating_neg(),
        )
        .wrapping_add(output_zero_point);
        // `std::min` with 127 first, then `std::max` with -128.
        let output = if output > 127 { 127 } else { output };
        let output = if output < -128 { -128 } else { output };
        table[k] = output as i8;
        k += 1;
    }
    table
}

/// Lookup table of TFLite Micro's int8 ABS (`AbsEvalQuantized`): the magnitude
/// `|x - input_zero_point|` rescaled by `MultiplyByQuantizedMultiplier(.., multiplier, shift)`,
/// plus `output_zero_point`, clamped to `[-128, 127]`.
///
/// The multiplier is `input_scale / output_scale`. TFLite Micro skips the rescale when the two
/// scales are equal; the exact identity `(2^30, 1)` gives the same result here.
pub const fn abs_table(
    input_zero_point: i32,
    multiplier: i32,
    shift: i32,
    output_zero_point: i32,
) -> [i8; 256] {
    let mut table = [0i8; 256];
    let mut k = 0;
    while k < table.len() {
        let magnitude = input_of(k).wrapping_sub(input_zero_point).wrapping_abs();
        let scaled = multiply_by_quantized_multiplier(magnitude, multiplier, shift);
        table[k] = clamp_to_i8(output_zero_point.wrapping_add(scaled), -128, 127);
        k += 1;
    }
    table
}

/// Bounds of a float clamp: RELU (`[0, inf]`), RELU6 (`[0, 6]`), RELU_N1_TO_1 (`[-1, 1]`).
#[derive(Clone, Copy, Debug)]
pub struct ClampF32 {
    /// Lower bound.
    pub min: f32,
    /// Upper bound (`f32::INFINITY` for RELU, so that `+inf` passes through as in TFLite).
    pub max: f32,
}

unary_kernel!(
    /// float32 RELU, RELU6 and RELU_N1_TO_1: `x > max ? max : x < min ? min : x`, TFLite's
    /// comparison order, so a NaN passes through unchanged.
    clamp_f32, clamp_f32_in_place, ClampF32, f32,
    |p, x| if x > p.max { p.max } else if x < p.min { p.min } else { x }
);

/// Parameters of float32 LEAKY_RELU.
#[derive(Clone, Copy, Debug)]
pub struct LeakyReluF32 {
    /// The slope for non-positive inputs.
    pub alpha: f32,
}

unary_kernel!(
    /// float32 LEAKY_RELU: `x > 0 ? x : x * alpha` (TFLite's form, right for any alpha,
    /// including alpha above one or negative).
    leaky_relu_f32, leaky_relu_f32_in_place, LeakyReluF32, f32,
    |p, x| if x > 0.0 { x } else { x * p.alpha }
);

/// The parameters of a kernel that has none.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoParams;

unary_kernel!(
    /// float32 LOGISTIC as TFLite Micro's reference kernel computes it: see `logistic`.
    logistic_f32, logistic_f32_in_place, NoParams, f32,
    |_p, x| logistic(x)
);

/// float32 LOGISTIC as TFLite Micro's reference kernel computes it: 1 above
/// 16.619047164916992188, `exp(x)` below -9, `1 / (1 + exp(-x))` between. `exp` is `libm::expf`,
/// so results can differ from TFLite's by an ulp or so.
pub(super) fn logistic(x: f32) -> f32 {
    // TFLite's cut-offs: above the upper one 1/(1+exp(-x)) rounds to 1 in float32; below the lower
    // one exp(x) is within float32 precision of the logistic.
    const CUTOFF_UPPER: f32 = 16.619_047;
    const CUTOFF_LOWER: f32 = -9.0;
    if x > CUTOFF_UPPER {
        1.0
    } else if x < CUTOFF_LOWER {
        libm::expf(x)
    } else {
        1.0 / (1.0 + libm::expf(-x))
    }
}

unary_kernel!(
    /// float32 TANH: `tanh(x)` (`libm::tanhf`, where TFLite calls `std::tanh`).
    tanh_f32, tanh_f32_in_place, NoParams, f32,
    |_p, x| libm::tanhf(x)
);

/// float32 HARD_SWISH: `x * min(6, max(0, x + 3)) / 6`, in float32 and in TFLite's order
/// (product first, then the division). A NaN input gives NaN.
fn hard_swish(x: f32) -> f32 {
    // `std::max(0, x + 3)` and `std::min(6, ..)`: NaN compares false and yields the constant.
    let shifted = x + 3.0;
    let relu = if 0.0 < shifted { shifted } else { 0.0 };
    let relu6 = if relu < 6.0 { relu } else { 6.0 };
    x * relu6 / 6.0
}

unary_kernel!(
    /// float32 HARD_SWISH: see `hard_swish`.
    hard_swish_f32, hard_swish_f32_in_place, NoParams, f32,
    |_p, x| hard_swish(x)
);

unary_kernel!(
    /// float32 ABS: `|x|` (clears the sign bit, as C's `fabsf`: `-0.0` gives `0.0`, a NaN stays
    /// NaN).
    abs_f32, abs_f32_in_place, NoParams, f32,
    |_p, x| x.abs()
);

unary_kernel!(
    /// float32 NEG: `-x` (flips the sign bit, as C++'s unary minus).
    neg_f32, neg_f32_in_place, NoParams, f32,
    |_p, x| -x
);

/// Parameters of QUANTIZE from float32 to int8.
#[derive(Clone, Copy, Debug)]
pub struct QuantizeF32 {
    /// The output's scale.
    pub scale: f32,
    /// The output's zero point.
    pub zero_point: i32,
}

/// QUANTIZE from float32 to int8 (TFLite Micro's `AffineQuantize`):
/// `clamp(round(x / scale) + zero_point, -128, 127)`, dividing in float32 and rounding half away
/// from zero. Where the C++ cast to int32 is undefined (NaN, out of range) this saturates, NaN
/// giving the zero point.
pub fn quantize_f32_i8(p: &QuantizeF32, input: &[f32], output: &mut [i8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let rounded = libm::roundf(x / p.scale) as i32;
        *o = rounded.saturating_add(p.zero_point).clamp(-128, 127) as i8;
    }
}

/// Parameters of DEQUANTIZE from int8 to float32.
#[derive(Clone, Copy, Debug)]
pub struct DequantizeI8 {
    /// The input's scale.
    pub scale: f32,
    /// The input's zero point.
    pub zero_point: i32,
}

/// DEQUANTIZE from int8 to float32: `scale * (x - zero_point)`.
///
/// TFLite Micro multiplies in double (`double(scale) * (x - zero_point)`) and rounds the product
/// to float32. Both factors are float32 values and their exact product fits in a double, so that
/// is the correctly rounded product, which is what a float32 multiply gives: this is bit-exact
/// without double arithmetic, as long as `|x - zero_point| <= 2^24` (always, for an int8 zero
/// point).
pub fn dequantize_i8_f32(p: &DequantizeI8, input: &[i8], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = i32::from(x).wrapping_sub(p.zero_point) as f32 * p.scale;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// FNV-1a (64-bit) of a table's bytes, to compare against tables dumped from TFLite Micro.
    fn fnv1a(table: &[i8; 256]) -> u64 {
        table.iter().fold(0xcbf2_9ce4_8422_2325, |h, &v| {
            (h ^ u64::from(v as u8)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    fn at(table: &[i8; 256], x: i32) -> i8 {
        table[(x + 128) as usize]
    }

    /// Reference tables: args from `embedml_compiler::quant::activation` for the quantization
    /// given, expected outputs and hash from the TFLite Micro Python interpreter (TFLite's
    /// reference interpreter for RELU_N1_TO_1) run on all 256 inputs of a one-op model.
    struct Reference {
        table: [i8; 256],
        fnv: u64,
        /// `(input, output)` samples of the same table.
        spots: &'static [(i32, i8)],
    }

    fn check(name: &str, r: &Reference) {
        for &(x, y) in r.spots {
            assert_eq!(at(&r.table, x), y, "{name}({x})");
        }
        assert_eq!(fnv1a(&r.table), r.fnv, "{name}: {:?}", r.table);
    }

    #[test]
    fn tables_match_tflite_micro() {
        let cases = [
            // RELU, input (0.05, -10), output (0.03, -128).
            (
                "relu",
                Reference {
                    table: requantize_table(-10, 1_789_569_773, 1, -128, -128, 127),
                    fnv: 0x6dbb_20c6_a1ae_0de4,
                    spots: &[(-128, -128), (-5, -120), (0, -111), (1, -110), (127, 100)],
                },
            ),
            // RELU6, input (0.05, -100), output (0.7, 3): TFLite Micro ignores the output.
            (
                "relu6",
                Reference {
                    table: requantize_table(-100, 1 << 30, 1, -100, -100, 20),
                    fnv: 0x47fc_cd73_4455_531d,
                    spots: &[(-128, -100), (-50, -50), (20, 20), (50, 20)],
                },
            ),
            // QUANTIZE, (0.05, 5) to (0.04, -3).
            (
                "requantize",
                Reference {
                    table: requantize_table(5, 1_342_177_330, 1, -3, -128, 127),
                    fnv: 0x1402_63a1_7e76_a7ed,
                    spots: &[(-100, -128), (-50, -72), (0, -9), (5, -3), (100, 116)],
                },
            ),
            // RELU_N1_TO_1, (0.01, 0) to (0.0078, 0).
            (
                "relu_n1_to_1",
                Reference {
                    table: requantize_table(0, 1_376_592_128, 1, 0, -128, 127),
                    fnv: 0x4d25_63c9_6210_f93b,
                    spots: &[(-100, -128), (-50, -64), (-5, -6), (50, 64), (100, 127)],
                },
            ),
            // LEAKY_RELU alpha 0.2, (0.05, 5) to (0.04, -3).
            (
                "leaky_relu",
                Reference {
                    table: leaky_relu_table(5, 1_342_177_280, 1, 1_073_741_952, -1, -3),
                    fnv: 0x3d11_a827_2ccb_746d,
                    spots: &[(-128, -37), (-20, -10), (0, -5), (5, -3), (20, 16)],
                },
            ),
            // LEAKY_RELU alpha -0.5, (1/256, 0) both sides: exact ties, where the sign handling
            // matters (-1 * -0.5 rounds to 0, not 1).
            (
                "leaky_relu_negative_alpha",
                Reference {
                    table: leaky_relu_table(0, 1 << 30, 1, -(1 << 30), 0, 0),
                    fnv: 0x48ce_d7f2_7d47_34e5,
                    spots: &[(-128, 64), (-5, 2), (-1, 0), (1, 1), (127, 127)],
                },
            ),
            // LOGISTIC, input (0.1, 3).
            (
                "logistic",
                Reference {
                    table: logistic_table(3, 120, 1_717_986_944, 24),
                    fnv: 0x762e_c350_cb61_be53,
                    spots: &[
                        (-50, -127),
                        (-20, -105),
                        (-1, -25),
                        (0, -19),
                        (5, 13),
                        (50, 126),
                    ],
                },
            ),
            // LOGISTIC, input (3.7e-9, -128): a negative shift, radius -1.
            (
                "logistic_tiny_scale",
                Reference {
                    table: logistic_table(-128, -1, 2_132_904_832, -1),
                    fnv: 0x71fb_01cf_3a8c_0c9f,
                    spots: &[(-128, -128), (-127, -128), (-126, 127), (0, 127)],
                },
            ),
            // TANH, input (0.07, -5).
            (
                "tanh",
                Reference {
                    table: tanh_table(-5, 120, 1_202_590_848, 24),
                    fnv: 0x811e_70f9_b912_5993,
                    spots: &[
                        (-50, -128),
                        (-20, -100),
                        (-5, 0),
                        (-1, 35),
                        (0, 43),
                        (20, 120),
                    ],
                },
            ),
            // HARD_SWISH, (0.05, -20) to (0.03, -100): relu-ish left shift.
            (
                "hard_swish",
                Reference {
                    table: hard_swish_table(-20, -100, 17_476, 3, 27_307, -6),
                    fnv: 0xd956_e71d_8642_9153,
                    spots: &[(-128, -100), (-50, -113), (-5, -84), (0, -78), (50, 17)],
                },
            ),
            // HARD_SWISH, (0.001, -128) to (0.01, 5): relu-ish right shift.
            (
                "hard_swish_small_scale",
                Reference {
                    table: hard_swish_table(-128, 5, 22_370, -3, 26_214, -10),
                    fnv: 0x2e08_f02e_6465_3ab8,
                    spots: &[(-128, 5), (-100, 6), (0, 12), (100, 17), (127, 19)],
                },
            ),
            // ABS, (0.05, 5) to (0.04, -3).
            (
                "abs",
                Reference {
                    table: abs_table(5, 1_342_177_330, 1, -3),
                    fnv: 0x4f1e_3d06_0b6f_7777,
                    spots: &[
                        (-128, 127),
                        (-50, 66),
                        (-1, 5),
                        (5, -3),
                        (50, 53),
                        (127, 127),
                    ],
                },
            ),
            // ABS, (0.031347472, 0) to (0.015676841, -128): the converter's scales for ABS of
            // inputs in [-4, 4].
            (
                "abs_converter_scales",
                Reference {
                    table: abs_table(0, 2_147_058_307, 1, -128),
                    fnv: 0x7b23_f79a_4fbf_e9da,
                    spots: &[(-128, 127), (-50, -28), (-1, -126), (0, -128), (127, 126)],
                },
            ),
            // ABS, (0.05, -7) to (0.05, 9): equal scales, where TFLite Micro does not rescale.
            (
                "abs_equal_scales",
                Reference {
                    table: abs_table(-7, 1 << 30, 1, 9),
                    fnv: 0xfe50_ba6b_5c27_2bcf,
                    spots: &[
                        (-128, 127),
                        (-50, 52),
                        (-7, 9),
                        (-1, 15),
                        (50, 66),
                        (127, 127),
                    ],
                },
            ),
            // ABS, (0.01, 100) to (0.3, -100): a right shift.
            (
                "abs_shrinking",
                Reference {
                    table: abs_table(100, 1_145_324_541, -4, -100),
                    fnv: 0x89f2_cd16_3d26_bf86,
                    spots: &[(-128, -92), (-7, -96), (50, -98), (127, -99)],
                },
            ),
            // ABS, (0.1, 0) to (0.001, 0): a left shift of 7, saturating.
            (
                "abs_growing",
                Reference {
                    table: abs_table(0, 1_677_721_545, 7, 0),
                    fnv: 0x6b67_1907_702a_5dc2,
                    spots: &[(-128, 127), (-1, 100), (0, 0), (1, 100), (5, 127)],
                },
            ),
        ];
        for (name, reference) in &cases {
            check(name, reference);
        }
    }

    #[test]
    fn tables_build_in_const_context() {
        static LOGISTIC: LookupI8<'static> = LookupI8 {
            table: &logistic_table(3, 120, 1_717_986_944, 24),
        };
        const RELU: [i8; 256] = requantize_table(0, 1 << 30, 1, 0, 0, 127);
        let mut out = [0i8; 4];
        lookup_i8(&LOGISTIC, &[-20, 0, 5, 127], &mut out);
        assert_eq!(out, [-105, -19, 13, 127]);
        lookup_i8(&LookupI8 { table: &RELU }, &[-128, -1, 0, 127], &mut out);
        assert_eq!(out, [0, 0, 0, 127]);
    }

    #[test]
    fn lookup_indexes_by_value_and_stops_at_the_shorter_slice() {
        let mut table = [0i8; 256];
        for (k, t) in table.iter_mut().enumerate() {
            *t = (k as i32 - 128).wrapping_neg() as i8;
        }
        let p = LookupI8 { table: &table };
        let mut out = [9i8; 5];
        lookup_i8(&p, &[-128, -1, 0, 1], &mut out);
        // -(-128) wraps to -128.
        assert_eq!(out, [-128, 1, 0, -1, 9]);
        let mut short = [0i8; 1];
        lookup_i8(&p, &[5, 6], &mut short);
        assert_eq!(short, [-5]);
    }

    #[test]
    fn requantize_identity_and_clamping() {
        // (2^30, 1) is an exact identity, so this is a plain clamp to [zero, six].
        let t = requantize_table(-7, 1 << 30, 1, -7, -7, 60);
        for x in -128..128 {
            assert_eq!(i32::from(at(&t, x)), x.clamp(-7, 60), "{x}");
        }
        // Halving with a zero-point shift: round(x / 2) + 10, rounded by the doubling high
        // multiply, whose ties go towards positive infinity: 1.5 -> 2, -1.5 -> -1.
        let t = requantize_table(0, 1 << 30, 0, 10, -128, 127);
        assert_eq!(at(&t, 3), 12);
        assert_eq!(at(&t, -3), 9);
        assert_eq!(at(&t, 127), 74);
        // Clamped after the offset is added.
        let t = requantize_table(0, 1 << 30, 2, 0, -128, 127);
        assert_eq!((at(&t, 100), at(&t, -100)), (127, -128));
    }

    /// Maximum distance, in output steps, between a table and a real function of its input.
    fn worst_error(table: &[i8; 256], f: impl Fn(f64) -> f64) -> f64 {
        (-128..128)
            .map(|x| (f64::from(at(table, x)) - f(f64::from(x)).clamp(-128.0, 127.0)).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn sigmoid_tables_follow_the_real_functions() {
        // Input scales 2^-k, so that the args are exact: multiplier 2^30, shift 28 - k.
        for k in 2..=8 {
            let scale = 2f64.powi(-k);
            let shift = 28 - k;
            let radius = ((15i64 << 27) >> shift) as i32;
            for zero_point in [-128, -3, 0, 77] {
                let real = |x: f64| (x - f64::from(zero_point)) * scale;
                let t = logistic_table(zero_point, radius, 1 << 30, shift);
                let e = worst_error(&t, |x| 1.0 / (1.0 + libm::exp(-real(x))) * 256.0 - 128.0);
                assert!(e <= 0.51, "logistic 2^-{k} {zero_point}: {e}");
                let t = tanh_table(zero_point, radius, 1 << 30, shift);
                let e = worst_error(&t, |x| libm::tanh(real(x)) * 128.0);
                assert!(e <= 0.51, "tanh 2^-{k} {zero_point}: {e}");
            }
        }
    }

    #[test]
    fn hard_swish_table_follows_the_real_function() {
        // Input (0.05, -20), output (0.03, -100), as in the TFLite Micro reference above.
        let t = hard_swish_table(-20, -100, 17_476, 3, 27_307, -6);
        let e = worst_error(&t, |x| {
            let v = (x + 20.0) * f64::from(0.05f32);
            v * (v + 3.0).clamp(0.0, 6.0) / 6.0 / f64::from(0.03f32) - 100.0
        });
        assert!(e <= 1.0, "{e}");
    }

    #[test]
    fn float_clamps_keep_nan_and_infinities_like_tflite() {
        let relu = ClampF32 {
            min: 0.0,
            max: f32::INFINITY,
        };
        let input = [-1.5, 0.0, 2.5, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        let mut out = [0.0f32; 6];
        clamp_f32(&relu, &input, &mut out);
        assert_eq!(out[..5], [0.0, 0.0, 2.5, f32::INFINITY, 0.0]);
        assert!(out[5].is_nan());
        let relu6 = ClampF32 { min: 0.0, max: 6.0 };
        clamp_f32(&relu6, &input, &mut out);
        assert_eq!(out[..5], [0.0, 0.0, 2.5, 6.0, 0.0]);
        assert!(out[5].is_nan());
        let relu1 = ClampF32 {
            min: -1.0,
            max: 1.0,
        };
        clamp_f32(&relu1, &input, &mut out);
        assert_eq!(out[..5], [-1.0, 0.0, 1.0, 1.0, -1.0]);
    }

    #[test]
    fn float_leaky_relu_any_alpha() {
        let mut out = [0.0f32; 4];
        let input = [-2.0, 0.0, 3.0, -0.5];
        leaky_relu_f32(&LeakyReluF32 { alpha: 0.1 }, &input, &mut out);
        assert_eq!(out, [-2.0 * 0.1, 0.0, 3.0, -0.5 * 0.1]);
        leaky_relu_f32(&LeakyReluF32 { alpha: -2.0 }, &input, &mut out);
        assert_eq!(out, [4.0, -0.0, 3.0, 1.0]);
    }

    #[test]
    fn float_logistic_cutoffs() {
        // TFLite's literal, 16.619047164916992188f.
        assert_eq!(Ok(16.619_047f32), "16.619047164916992188".parse::<f32>());
        let input = [-20.0f32, -9.5, -9.0, 0.0, 2.0, 16.6, 16.7, 100.0];
        let mut out = [0.0f32; 8];
        logistic_f32(&NoParams, &input, &mut out);
        assert_eq!(out[0], libm::expf(-20.0));
        assert_eq!(out[1], libm::expf(-9.5));
        assert_eq!(out[2], 1.0 / (1.0 + libm::expf(9.0)));
        assert_eq!(out[3], 0.5);
        assert_eq!(out[4], 1.0 / (1.0 + libm::expf(-2.0)));
        assert_eq!(out[5], 1.0 / (1.0 + libm::expf(-16.6)));
        assert_eq!(out[6..], [1.0, 1.0]);
        // Below -9, exp(x) stands in for the logistic, off by a relative exp(x).
        for (&x, &y) in input.iter().zip(&out) {
            let x = f64::from(x);
            let want = 1.0 / (1.0 + libm::exp(-x));
            let tolerance = want * (1e-6 + if x < -9.0 { libm::exp(x) } else { 0.0 });
            assert!((f64::from(y) - want).abs() <= tolerance, "{x}: {y}");
        }
    }

    #[test]
    fn float_tanh_and_hard_swish() {
        let input = [-4.0f32, -3.0, -1.5, 0.0, 0.5, 3.0, 7.0];
        let mut out = [0.0f32; 7];
        tanh_f32(&NoParams, &input, &mut out);
        for (&x, &y) in input.iter().zip(&out) {
            assert_eq!(y, libm::tanhf(x));
        }
        hard_swish_f32(&NoParams, &input, &mut out);
        assert_eq!(
            out,
            [-0.0, -0.0, -1.5 * 1.5 / 6.0, 0.0, 0.5 * 3.5 / 6.0, 3.0, 7.0]
        );
        hard_swish_f32(&NoParams, &[f32::NAN], &mut out[..1]);
        assert!(out[0].is_nan());
    }

    #[test]
    fn float_abs_clears_the_sign_bit() {
        let input = [-2.5f32, -0.0, 0.0, 3.0, f32::NEG_INFINITY, -f32::NAN];
        let mut out = [0.0f32; 6];
        abs_f32(&NoParams, &input, &mut out);
        assert_eq!(out[..5], [2.5, 0.0, 0.0, 3.0, f32::INFINITY]);
        assert!(out[1].is_sign_positive());
        assert!(out[5].is_nan() && out[5].is_sign_positive());
        let mut data = [1.0f32, -2.0];
        abs_f32_in_place(&NoParams, &mut data);
        assert_eq!(data, [1.0, 2.0]);
    }

    #[test]
    fn float_neg_flips_the_sign_bit() {
        let input = [-2.5f32, -0.0, 0.0, 3.0, f32::NEG_INFINITY, f32::NAN];
        let mut out = [0.0f32; 6];
        neg_f32(&NoParams, &input, &mut out);
        assert_eq!(out[..5], [2.5, 0.0, -0.0, -3.0, f32::INFINITY]);
        assert!(out[1].is_sign_positive() && out[2].is_sign_negative());
        assert!(out[5].is_nan() && out[5].is_sign_negative());
        let mut data = [1.0f32, -2.0];
        neg_f32_in_place(&NoParams, &mut data);
        assert_eq!(data, [-1.0, 2.0]);
    }

    #[test]
    fn quantize_rounds_half_away_from_zero_and_saturates() {
        let p = QuantizeF32 {
            scale: 0.5,
            zero_point: -3,
        };
        let input = [
            0.25f32,
            -0.25,
            0.75,
            1.0,
            100.0,
            -100.0,
            f32::NAN,
            f32::INFINITY,
        ];
        let mut out = [0i8; 8];
        quantize_f32_i8(&p, &input, &mut out);
        // 0.5 -> 1, -0.5 -> -1, 1.5 -> 2.
        assert_eq!(out, [-2, -4, -1, -1, 127, -128, -3, 127]);
        // Divided in float32: 0.3 / 0.1 is 3.0000002 in float32 (not 2.9999999...).
        let p = QuantizeF32 {
            scale: 0.1,
            zero_point: 0,
        };
        quantize_f32_i8(&p, &[0.3, 0.35, -0.35], &mut out[..3]);
        assert_eq!(out[..3], [3, 4, -4]);
    }

    #[test]
    fn dequantize_matches_the_double_product() {
        let scales = [0.1f32, 0.003_921_569, 1.7e-5, 3.3e3, f32::from_bits(1)];
        for &scale in &scales {
            for zero_point in [-128, -1, 0, 17, 127] {
                let p = DequantizeI8 { scale, zero_point };
                let input: Vec<i8> = (-128..128).map(|x| x as i8).collect();
                let mut out = [0.0f32; 256];
                dequantize_i8_f32(&p, &input, &mut out);
                for (&x, &y) in input.iter().zip(out.iter()) {
                    let want = (f64::from(scale) * f64::from(i32::from(x) - zero_point)) as f32;
                    assert_eq!(y.to_bits(), want.to_bits(), "{scale} {zero_point} {x}");
                }
            }
        }
    }
}
