//! Broadcasting binary ops: ADD, SUB, MUL, MAXIMUM, MINIMUM and SQUARED_DIFFERENCE.
//!
//! All share one driver that walks the output once and hands each element's two inputs to a
//! per-op closure, so the per-op code is a line or two and is compiled once per op kind.

use super::epilogue::clamp_f32;
use super::requantize::{ScaleDown, scales_down};
use super::slices::{chunks_mut, enumerate};
use crate::quant::{multiply_by_quantized_multiplier, requantize_to_i8};

/// Index arithmetic of a broadcasting binary op over shapes of rank <= 4, padded with leading 1s:
/// `output[i0, i1, i2, i3]` reads `input1[Σ ik * input1_strides[k]]` and
/// `input2[Σ ik * input2_strides[k]]`; a broadcast dimension has stride 0.
#[derive(Clone, Copy, Debug)]
pub struct Broadcast4 {
    /// The output's dimensions (each input's dimension where it is not 1).
    pub output_shape: [usize; 4],
    /// Element strides of the first input; 0 along its dimensions of extent 1.
    pub input1_strides: [usize; 4],
    /// Element strides of the second input; 0 along its dimensions of extent 1.
    pub input2_strides: [usize; 4],
}

/// int8 ADD, SUB or SQUARED_DIFFERENCE (TFLite's general rescaling path).
///
/// Both inputs are shifted left by `left_shift` and rescaled to a common scale (twice the larger
/// input scale), added, subtracted, or subtracted and squared, then rescaled to the output.
#[derive(Clone, Copy, Debug)]
pub struct AddI8 {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// Q0.31 multiplier of the first input's rescaling (at most 1/2).
    pub input1_multiplier: i32,
    /// Exponent (`<= 0`) of the first input's rescaling.
    pub input1_shift: i32,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// Q0.31 multiplier of the second input's rescaling (at most 1/2).
    pub input2_multiplier: i32,
    /// Exponent (`<= 0`) of the second input's rescaling.
    pub input2_shift: i32,
    /// Headroom bits given to the inputs before rescaling (20 for ADD and SUB, 7 for
    /// SQUARED_DIFFERENCE, whose square must fit too).
    pub left_shift: i32,
    /// Q0.31 multiplier of the sum's rescaling to the output.
    pub output_multiplier: i32,
    /// Exponent of the sum's rescaling to the output (`<= 0` for ADD and SUB; any for
    /// SQUARED_DIFFERENCE).
    pub output_shift: i32,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value (the fused activation's lower bound).
    pub output_min: i32,
    /// Largest output value (the fused activation's upper bound).
    pub output_max: i32,
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// int8 MUL.
#[derive(Clone, Copy, Debug)]
pub struct MulI8 {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// Q0.31 multiplier of `input1_scale * input2_scale / output_scale`.
    pub output_multiplier: i32,
    /// Power-of-two exponent of that scale.
    pub output_shift: i32,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value (the fused activation's lower bound).
    pub output_min: i32,
    /// Largest output value (the fused activation's upper bound).
    pub output_max: i32,
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// float32 ADD, SUB or MUL.
#[derive(Clone, Copy, Debug)]
pub struct ArithmeticF32 {
    /// The fused activation's lower bound.
    pub output_min: f32,
    /// The fused activation's upper bound.
    pub output_max: f32,
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// MAXIMUM or MINIMUM (int8 or float32; int8 compares the raw values, all three tensors sharing
/// one scale and zero point).
#[derive(Clone, Copy, Debug)]
pub struct MinMax {
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// float32 SQUARED_DIFFERENCE.
#[derive(Clone, Copy, Debug)]
pub struct SquaredDifferenceF32 {
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// `i[0] * s[0] + i[1] * s[1] + i[2] * s[2] + i3 * s[3]`: the flat index of output element
/// `[i, i3]` in an input with strides `s`, wrapping (exact for strides that describe the input:
/// it is then below the input's length; otherwise it fails the caller's bounds check).
#[inline(always)]
fn strided(i: [usize; 3], i3: usize, s: &[usize; 4]) -> usize {
    i[0].wrapping_mul(s[0])
        .wrapping_add(i[1].wrapping_mul(s[1]))
        .wrapping_add(i[2].wrapping_mul(s[2]))
        .wrapping_add(i3.wrapping_mul(s[3]))
}

/// Sets each output element to `f(a, b)` of its two input elements.
///
/// Without `broadcast`, all three slices are walked together up to the shortest. With it, the
/// output is walked in row-major order over `output_shape` (up to its end), reading the inputs
/// through their strides; an input index past the end of its slice (never the case for the
/// compiler's parameters) leaves that output unchanged.
pub(super) fn for_each_element<T: Copy, A: Copy, U>(
    broadcast: Option<&Broadcast4>,
    input1: &[T],
    input2: &[A],
    output: &mut [U],
    f: impl Fn(T, A) -> U,
) {
    let Some(b) = broadcast else {
        for ((o, &x), &y) in output.iter_mut().zip(input1).zip(input2) {
            *o = f(x, y);
        }
        return;
    };
    let [d0, d1, d2, d3] = b.output_shape;
    let (s1, s2) = (b.input1_strides, b.input2_strides);
    if d3 == 0 {
        return;
    }
    let mut rows = chunks_mut(output, d3);
    for i0 in 0..d0 {
        for i1 in 0..d1 {
            for i2 in 0..d2 {
                let Some(row) = rows.next() else {
                    return;
                };
                for (i3, o) in enumerate(row.iter_mut()) {
                    let x = input1.get(strided([i0, i1, i2], i3, &s1));
                    let y = input2.get(strided([i0, i1, i2], i3, &s2));
                    if let (Some(&x), Some(&y)) = (x, y) {
                        *o = f(x, y);
                    }
                }
            }
        }
    }
}

/// [`for_each_element`] where input 1 is also the output (so it has the output's shape): each
/// element is read before it is overwritten, and input 2 is read through its strides.
pub(super) fn for_each_element_in_place<T: Copy, A: Copy>(
    broadcast: Option<&Broadcast4>,
    data: &mut [T],
    input2: &[A],
    f: impl Fn(T, A) -> T,
) {
    let Some(b) = broadcast else {
        for (v, &y) in data.iter_mut().zip(input2) {
            *v = f(*v, y);
        }
        return;
    };
    let [d0, d1, d2, d3] = b.output_shape;
    let s2 = b.input2_strides;
    if d3 == 0 {
        return;
    }
    let mut rows = chunks_mut(data, d3);
    for i0 in 0..d0 {
        for i1 in 0..d1 {
            for i2 in 0..d2 {
                let Some(row) = rows.next() else {
                    return;
                };
                for (i3, v) in enumerate(row.iter_mut()) {
                    if let Some(&y) = input2.get(strided([i0, i1, i2], i3, &s2)) {
                        *v = f(*v, y);
                    }
                }
            }
        }
    }
}

/// `x * 2^shift` modulo `2^32`, the C++ `x * (1 << shift)`; 0 for a shift outside `0..=31`, which
/// TFLite never uses.
fn shift_left(x: i32, shift: i32) -> i32 {
    u32::try_from(shift)
        .ok()
        .and_then(|s| x.checked_shl(s))
        .unwrap_or(0)
}

/// One int8 value on the common scale of a two-input operation (ADD, SUB, SQUARED_DIFFERENCE,
/// the comparisons): offset by minus its zero point, given `left_shift` bits of headroom, then
/// rescaled. TFLite's `MultiplyByQuantizedMultiplierSmallerThanOneExp` is
/// [`multiply_by_quantized_multiplier`] for the non-positive shifts it accepts.
#[inline(always)]
pub(super) fn on_common_scale(
    v: i8,
    offset: i32,
    left_shift: i32,
    multiplier: i32,
    shift: i32,
) -> i32 {
    multiply_by_quantized_multiplier(
        shift_left(i32::from(v).wrapping_add(offset), left_shift),
        multiplier,
        shift,
    )
}

/// The two inputs of ADD, SUB or SQUARED_DIFFERENCE on their common scale, with `left_shift` bits of headroom.
#[inline]
fn rescaled_inputs(p: &AddI8, x: i8, y: i8) -> (i32, i32) {
    (
        on_common_scale(
            x,
            p.input1_offset,
            p.left_shift,
            p.input1_multiplier,
            p.input1_shift,
        ),
        on_common_scale(
            y,
            p.input2_offset,
            p.left_shift,
            p.input2_multiplier,
            p.input2_shift,
        ),
    )
}

/// The output of ADD, SUB or SQUARED_DIFFERENCE from the combined rescaled inputs.
#[inline]
fn add_output(p: &AddI8, raw: i32) -> i8 {
    requantize_to_i8(
        raw,
        p.output_multiplier,
        p.output_shift,
        p.output_offset,
        p.output_min,
        p.output_max,
    )
}

/// ADD and SUB's arithmetic for the parameters TFLite gives them, held in locals for a loop:
/// every rescale a scale below 1 ([`scale_down`]) and a headroom of at most 20 bits, so that
/// the shifted inputs (at most 255 in magnitude before the shift) and their sum fit in 32 bits.
struct FastAdd {
    offsets: [i32; 2],
    scales: [ScaleDown; 3],
    left_shift: u32,
    output: (i32, i32, i32),
}

impl FastAdd {
    /// The fast form of `p`, if its parameters are in that domain and neither input is
    /// broadcast.
    #[inline(always)]
    fn new(p: &AddI8) -> Option<FastAdd> {
        let fits = p.broadcast.is_none()
            && (0..=20).contains(&p.left_shift)
            && scales_down(p.input1_multiplier, p.input1_shift)
            && scales_down(p.input2_multiplier, p.input2_shift)
            && scales_down(p.output_multiplier, p.output_shift);
        fits.then(|| FastAdd {
            offsets: [p.input1_offset, p.input2_offset],
            scales: [
                ScaleDown::new(p.input1_multiplier, p.input1_shift.wrapping_neg()),
                ScaleDown::new(p.input2_multiplier, p.input2_shift.wrapping_neg()),
                ScaleDown::new(p.output_multiplier, p.output_shift.wrapping_neg()),
            ],
            left_shift: p.left_shift.unsigned_abs(),
            output: (p.output_offset, p.output_min, p.output_max),
        })
    }

    /// `x + y` (or `x - y` if `subtract`), as [`rescaled_inputs`] and [`add_output`] compute it.
    #[inline(always)]
    fn apply(&self, x: i8, y: i8, subtract: bool) -> i8 {
        let scale = |v: i8, i: usize| {
            let shifted = i32::from(v)
                .wrapping_add(self.offsets[i])
                .wrapping_shl(self.left_shift);
            self.scales[i].apply(shifted)
        };
        let (a, b) = (scale(x, 0), scale(y, 1));
        let raw = if subtract {
            a.wrapping_sub(b)
        } else {
            a.wrapping_add(b)
        };
        let (offset, min, max) = self.output;
        self.scales[2]
            .apply(raw)
            .wrapping_add(offset)
            .max(min)
            .min(max) as i8
    }
}

/// `x + y` (or `x - y` if `subtract`) by the general arithmetic: [`rescaled_inputs`], then
/// [`add_output`].
#[inline(always)]
fn add_general(p: &AddI8, x: i8, y: i8, subtract: bool) -> i8 {
    let (a, b) = rescaled_inputs(p, x, y);
    add_output(
        p,
        if subtract {
            a.wrapping_sub(b)
        } else {
            a.wrapping_add(b)
        },
    )
}

/// ADD or SUB: the fast loop when [`FastAdd`] applies, else the general broadcasting one.
#[inline(always)]
fn add_or_sub(p: &AddI8, input1: &[i8], input2: &[i8], output: &mut [i8], subtract: bool) {
    if let Some(fast) = FastAdd::new(p) {
        for ((o, &x), &y) in output.iter_mut().zip(input1).zip(input2) {
            *o = fast.apply(x, y, subtract);
        }
        return;
    }
    for_each_element(p.broadcast.as_ref(), input1, input2, output, |x, y| {
        add_general(p, x, y, subtract)
    });
}

/// [`add_or_sub`] with the output overwriting input 1.
#[inline(always)]
fn add_or_sub_in_place(p: &AddI8, data: &mut [i8], input2: &[i8], subtract: bool) {
    if let Some(fast) = FastAdd::new(p) {
        for (v, &y) in data.iter_mut().zip(input2) {
            *v = fast.apply(*v, y, subtract);
        }
        return;
    }
    for_each_element_in_place(p.broadcast.as_ref(), data, input2, |x, y| {
        add_general(p, x, y, subtract)
    });
}

/// int8 ADD, bit-exact with TFLite Micro's reference kernel: each input offset, shifted left by
/// `left_shift` and rescaled; the sum (wrapping int32) rescaled to the output, offset, clamped.
pub fn add_i8(p: &AddI8, input1: &[i8], input2: &[i8], output: &mut [i8]) {
    add_or_sub(p, input1, input2, output, false);
}

/// [`add_i8`] with the output overwriting input 1.
pub fn add_i8_in_place(p: &AddI8, input1_and_output: &mut [i8], input2: &[i8]) {
    add_or_sub_in_place(p, input1_and_output, input2, false);
}

/// int8 SUB, bit-exact with TFLite Micro's reference kernel: as [`add_i8`] with the second
/// rescaled input subtracted.
pub fn sub_i8(p: &AddI8, input1: &[i8], input2: &[i8], output: &mut [i8]) {
    add_or_sub(p, input1, input2, output, true);
}

/// [`sub_i8`] with the output overwriting input 1.
pub fn sub_i8_in_place(p: &AddI8, input1_and_output: &mut [i8], input2: &[i8]) {
    add_or_sub_in_place(p, input1_and_output, input2, true);
}

binary_kernel!(
    /// int8 MUL, bit-exact with TFLite Micro's reference kernel: the product of the offset inputs
    /// rescaled by `output_multiplier * 2^output_shift`, offset and clamped.
    mul_i8, mul_i8_in_place, MulI8, i8,
    |p, x, y| {
        let product = i32::from(x)
            .wrapping_add(p.input1_offset)
            .wrapping_mul(i32::from(y).wrapping_add(p.input2_offset));
        requantize_to_i8(product, p.output_multiplier, p.output_shift, p.output_offset, p.output_min, p.output_max)
    }
);

binary_kernel!(
    /// int8 SQUARED_DIFFERENCE, bit-exact with TFLite Micro's reference kernel: as [`sub_i8`]
    /// (with TFLite's `left_shift` of 7), the difference squared (it fits an `i32`), then
    /// rescaled to the output, offset and clamped.
    squared_difference_i8, squared_difference_i8_in_place, AddI8, i8,
    |p, x, y| {
        let (a, b) = rescaled_inputs(p, x, y);
        let difference = a.wrapping_sub(b);
        add_output(p, difference.wrapping_mul(difference))
    }
);

binary_kernel!(
    /// float32 ADD as TFLite's reference kernel: `a + b`, clamped.
    add_f32, add_f32_in_place, ArithmeticF32, f32,
    |p, x, y| clamp_f32(x + y, p.output_min, p.output_max)
);

binary_kernel!(
    /// float32 SUB as TFLite's reference kernel: `a - b`, clamped.
    sub_f32, sub_f32_in_place, ArithmeticF32, f32,
    |p, x, y| clamp_f32(x - y, p.output_min, p.output_max)
);

binary_kernel!(
    /// float32 MUL as TFLite's reference kernel: `a * b`, clamped.
    mul_f32, mul_f32_in_place, ArithmeticF32, f32,
    |p, x, y| clamp_f32(x * y, p.output_min, p.output_max)
);

binary_kernel!(
    /// float32 SQUARED_DIFFERENCE as TFLite Micro's reference kernel: `(a - b) * (a - b)` in
    /// float32, unclamped.
    squared_difference_f32, squared_difference_f32_in_place, SquaredDifferenceF32, f32,
    |_p, x, y| {
        let difference = x - y;
        difference * difference
    }
);

binary_kernel!(
    /// int8 MAXIMUM as TFLite Micro: `a > b ? a : b` on the raw values.
    maximum_i8, maximum_i8_in_place, MinMax, i8,
    |_p, x, y| x.max(y)
);

binary_kernel!(
    /// int8 MINIMUM as TFLite Micro: `a < b ? a : b` on the raw values.
    minimum_i8, minimum_i8_in_place, MinMax, i8,
    |_p, x, y| x.min(y)
);

binary_kernel!(
    /// float32 MAXIMUM as TFLite Micro: `a > b ? a : b`, so a NaN in either input gives `b`.
    maximum_f32, maximum_f32_in_place, MinMax, f32,
    |_p, x, y| if x > y { x } else { y }
);

binary_kernel!(
    /// float32 MINIMUM as TFLite Micro: `a < b ? a : b`, so a NaN in either input gives `b`.
    minimum_f32, minimum_f32_in_place, MinMax, f32,
    |_p, x, y| if x < y { x } else { y }
);

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// TFLite's `QuantizeMultiplier` for positive reals (the compiler's version, restated here
    /// because the kernels crate cannot depend on the compiler).
    fn quantize(real: f64) -> (i32, i32) {
        let (mut q, mut shift) = (real, 0);
        while q >= 1.0 {
            q /= 2.0;
            shift += 1;
        }
        while q < 0.5 {
            q *= 2.0;
            shift -= 1;
        }
        let mut fixed = (q * 2f64.powi(31)).round() as i64;
        if fixed == 1 << 31 {
            fixed /= 2;
            shift += 1;
        }
        (fixed as i32, shift)
    }

    /// `AddI8` as TFLite Micro's ADD `Prepare` builds it (real multipliers in double).
    fn add_params(scales: [f32; 3], zero_points: [i32; 3], range: (i32, i32)) -> AddI8 {
        let [s1, s2, so] = scales.map(f64::from);
        let twice_max = 2.0 * s1.max(s2);
        let (m1, sh1) = quantize(s1 / twice_max);
        let (m2, sh2) = quantize(s2 / twice_max);
        let (mo, sho) = quantize(twice_max / (2f64.powi(20) * so));
        AddI8 {
            input1_offset: -zero_points[0],
            input1_multiplier: m1,
            input1_shift: sh1,
            input2_offset: -zero_points[1],
            input2_multiplier: m2,
            input2_shift: sh2,
            left_shift: 20,
            output_multiplier: mo,
            output_shift: sho,
            output_offset: zero_points[2],
            output_min: range.0,
            output_max: range.1,
            broadcast: None,
        }
    }

    /// `AddI8` as TFLite Micro's SQUARED_DIFFERENCE `PrepareQuantized` builds it: left shift 7,
    /// the output's real multiplier `twice_max^2 / (2^14 * output_scale)`.
    fn squared_difference_params(scales: [f32; 3], zero_points: [i32; 3]) -> AddI8 {
        let [s1, s2, so] = scales.map(f64::from);
        let twice_max = 2.0 * s1.max(s2);
        let (m1, sh1) = quantize(s1 / twice_max);
        let (m2, sh2) = quantize(s2 / twice_max);
        let (mo, sho) = quantize(twice_max * twice_max / (2f64.powi(14) * so));
        AddI8 {
            input1_offset: -zero_points[0],
            input1_multiplier: m1,
            input1_shift: sh1,
            input2_offset: -zero_points[1],
            input2_multiplier: m2,
            input2_shift: sh2,
            left_shift: 7,
            output_multiplier: mo,
            output_shift: sho,
            output_offset: zero_points[2],
            output_min: -128,
            output_max: 127,
            broadcast: None,
        }
    }

    fn mul_params(scales: [f32; 3], zero_points: [i32; 3], range: (i32, i32)) -> MulI8 {
        let [s1, s2, so] = scales.map(f64::from);
        let (m, s) = quantize(s1 * s2 / so);
        MulI8 {
            input1_offset: -zero_points[0],
            input2_offset: -zero_points[1],
            output_multiplier: m,
            output_shift: s,
            output_offset: zero_points[2],
            output_min: range.0,
            output_max: range.1,
            broadcast: None,
        }
    }

    /// An int8 kernel given both parameter kinds, for table-driven tests.
    type Kernel = fn(&AddI8, &MulI8, &[i8], &[i8], &mut [i8]);
    /// The same operation on real numbers.
    type RealOp = fn(f64, f64) -> f64;

    const FULL: (i32, i32) = (-128, 127);
    const ALL_I8: core::ops::RangeInclusive<i8> = i8::MIN..=i8::MAX;

    #[test]
    fn add_equal_scales_is_integer_addition() {
        // Multipliers 1/2, 1/2 and 2^-19: exact, so (x + 5) + (y + 5) + 3.
        let p = add_params([0.05; 3], [-5, -5, 3], FULL);
        assert_eq!((p.input1_multiplier, p.input1_shift), (1 << 30, 0));
        assert_eq!((p.output_multiplier, p.output_shift), (1 << 30, -18));
        let mut out = [0i8; 4];
        add_i8(&p, &[10, -20, 0, 100], &[20, 7, -13, 100], &mut out);
        assert_eq!(out, [43, 0, 0, 127]);
    }

    #[test]
    fn add_and_sub_round_ties_away_from_zero() {
        // Output scale twice the inputs': (x + y) / 2, halves rounded away from zero.
        let p = add_params([0.5, 0.5, 1.0], [0, 0, 0], FULL);
        let x = [1i8, -1, 3, -3, 2, -2, 127, -128];
        let mut out = [0i8; 8];
        add_i8(&p, &x, &[0; 8], &mut out);
        assert_eq!(out, [1, -1, 2, -2, 1, -1, 64, -64]);
        sub_i8(&p, &[0; 8], &x, &mut out);
        assert_eq!(out, [-1, 1, -2, 2, -1, 1, -64, 64]);
        sub_i8(&p, &[5, -5, 0, 0], &[2, -2, 1, -1], &mut out[..4]);
        assert_eq!(out[..4], [2, -2, -1, 1]); // 1.5, -1.5, -0.5, 0.5
    }

    #[test]
    fn add_sub_mul_clamp_to_the_activation_range() {
        let p = add_params([0.05; 3], [0, 0, -10], (-10, 20));
        let mut out = [0i8; 3];
        add_i8(&p, &[-50, 5, 50], &[0, 5, 0], &mut out);
        assert_eq!(out, [-10, 0, 20]);
        sub_i8(&p, &[-50, 5, 50], &[0, 5, 0], &mut out);
        assert_eq!(out, [-10, -10, 20]);
        let p = mul_params([0.1, 0.1, 0.01], [0, 0, 0], (0, 100));
        mul_i8(&p, &[-3, 5, 20], &[4, 5, 20], &mut out);
        assert_eq!(out, [0, 25, 100]);
    }

    #[test]
    fn mul_hand_worked() {
        // Scale 0.5 * 0.25 / 0.25 = 1/2, zero points -2, 3 and 1:
        // (x + 2) * (y - 3) / 2 + 1, halves rounded away from zero.
        let p = mul_params([0.5, 0.25, 0.25], [-2, 3, 1], FULL);
        let mut out = [0i8; 5];
        mul_i8(&p, &[1, -1, 0, -3, 10], &[4, 4, 0, 2, 13], &mut out);
        // 3 * 1 = 3 -> 1.5 -> 2; 1 * 1 -> 0.5 -> 1; 2 * -3 -> -3; -1 * -1 -> 1; 12 * 10 -> 60.
        assert_eq!(out, [3, 2, -2, 2, 61]);
        // With shift 0 a tie is settled by the rounding high multiply, which rounds halves up:
        // 1 * -1 = -1 -> -0.5 -> 0, + 1 = 1; -3 * 1 -> -1.5 -> -1 -> 0.
        mul_i8(&p, &[-1, -5], &[2, 4], &mut out[..2]);
        assert_eq!(out[..2], [1, 0]);
        // With scale 1/4 as (2^30, -1) the multiply is exact and the rounding right shift settles
        // the tie away from zero: -2 -> -0.5 -> -1; 2 -> 0.5 -> 1; -6 -> -1.5 -> -2.
        let p = mul_params([0.5, 0.5, 1.0], [0; 3], FULL);
        assert_eq!((p.output_multiplier, p.output_shift), (1 << 30, -1));
        mul_i8(&p, &[-2, 2, -6], &[1, 1, 1], &mut out[..3]);
        assert_eq!(out[..3], [-1, 1, -2]);
    }

    /// Every int8 input pair against the real-number result: a wrong formula is off by far more
    /// than the one rounding step allowed.
    #[test]
    fn add_sub_mul_match_real_arithmetic() {
        let configs: [([f32; 3], [i32; 3]); 4] = [
            ([0.02, 0.05, 0.06], [3, -7, 11]),
            ([0.1, 0.003, 0.1], [-128, 0, -128]),
            ([0.0078, 0.0078, 0.0157], [0, 0, 0]),
            ([0.3, 0.2, 0.9], [127, -100, -5]),
        ];
        for (scales, zps) in configs {
            let [s1, s2, so] = scales.map(f64::from);
            let real = |x: i8, z: i32, s: f64| (i32::from(x) - z) as f64 * s;
            let quantized = |r: f64| (r / so + f64::from(zps[2])).clamp(-128.0, 127.0);
            let add = add_params(scales, zps, FULL);
            let mul = mul_params(scales, zps, FULL);
            let x: Vec<i8> = ALL_I8.flat_map(|x| ALL_I8.map(move |_| x)).collect();
            let y: Vec<i8> = ALL_I8.flat_map(|_| ALL_I8).collect();
            let mut out = std::vec![0i8; x.len()];
            let ops: [(RealOp, Kernel, i32); 3] = [
                (
                    |a, b| a + b,
                    |p, _, x, y, o| add_i8(p, x, y, o),
                    add.output_shift,
                ),
                (
                    |a, b| a - b,
                    |p, _, x, y, o| sub_i8(p, x, y, o),
                    add.output_shift,
                ),
                (
                    |a, b| a * b,
                    |_, m, x, y, o| mul_i8(m, x, y, o),
                    mul.output_shift,
                ),
            ];
            for (op, kernel, shift) in ops {
                // The final rounding's half step, plus the rounding high multiply's half step
                // before the right shift, plus slack for the inputs' rescaling (ADD, SUB).
                let tolerance = 0.5 + 0.5 * 2f64.powi(shift.min(0)) + 1e-4;
                kernel(&add, &mul, &x, &y, &mut out);
                for ((&a, &b), &o) in x.iter().zip(&y).zip(&out) {
                    let want = quantized(op(real(a, zps[0], s1), real(b, zps[1], s2)));
                    assert!(
                        (f64::from(o) - want).abs() <= tolerance,
                        "{scales:?} {zps:?}: {a} {b} -> {o}, want {want}"
                    );
                }
            }
        }
    }

    /// FNV-1a (64-bit) of int8 bytes, to compare against outputs dumped from TFLite Micro.
    fn fnv1a(values: &[i8]) -> u64 {
        values.iter().fold(0xcbf2_9ce4_8422_2325, |h, &v| {
            (h ^ u64::from(v as u8)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// Every int8 input pair, `[256, 1]` against `[1, 256]` broadcast to `[256, 256]`, against
    /// TFLite Micro's SQUARED_DIFFERENCE on the same one-op model (the Python interpreter; the
    /// hash and samples are its output).
    #[test]
    fn squared_difference_matches_tflite_micro_on_every_pair() {
        // Scales, zero points, the output's hash, and outputs at `pairs` below.
        type Case = ([f32; 3], [i32; 3], u64, [i8; 6]);
        let cases: [Case; 4] = [
            // The converter's scales for inputs in [-4, 4].
            (
                [0.030_364_975, 0.031_350_944, 0.239_874_97],
                [0, 0, -128],
                0x0614_7d6a_a39f_7960,
                [127, -128, -126, -128, -128, -128],
            ),
            (
                [0.02, 0.05, 0.06],
                [3, -7, 11],
                0x41fb_8bd1_7e13_a2d9,
                [127, 14, 12, 15, 84, 127],
            ),
            (
                [0.1, 0.003, 0.01],
                [-128, 0, 5],
                0xbc8e_ea4d_5b45_d0f5,
                [20, 127, 127, 127, 127, 127],
            ),
            // An output scale so small that the rescale is a left shift (3).
            (
                [0.5, 0.25, 1e-5],
                [10, -20, 0],
                0x493f_9652_fb02_b825,
                [127; 6],
            ),
        ];
        let all: Vec<i8> = ALL_I8.collect();
        for (scales, zero_points, fnv, spots) in cases {
            let mut p = squared_difference_params(scales, zero_points);
            p.broadcast = Some(Broadcast4 {
                output_shape: [1, 1, 256, 256],
                input1_strides: [0, 0, 1, 0],
                input2_strides: [0, 0, 0, 1],
            });
            let mut out = std::vec![0i8; 256 * 256];
            squared_difference_i8(&p, &all, &all, &mut out);
            let at = |x: i32, y: i32| out[(x + 128) as usize * 256 + (y + 128) as usize];
            let pairs = [
                (-128, 127),
                (0, 0),
                (10, -10),
                (5, 3),
                (-100, -90),
                (127, 127),
            ];
            for ((x, y), want) in pairs.into_iter().zip(spots) {
                assert_eq!(at(x, y), want, "{scales:?} {zero_points:?}: ({x}, {y})");
            }
            assert_eq!(fnv1a(&out), fnv, "{scales:?} {zero_points:?}");
        }
    }

    #[test]
    fn squared_difference_follows_real_arithmetic() {
        // Equal input scales 2^-4 and output scale 2^-6: exact, (x - y)^2 / 4 rounded, saturated.
        let p = squared_difference_params([0.0625, 0.0625, 0.015_625], [0, 0, -128]);
        let mut out = [0i8; 5];
        squared_difference_i8(&p, &[0, 4, -4, 3, 40], &[0, 0, 2, 0, 0], &mut out);
        // 0, 16 / 4 = 4, 36 / 4 = 9, 9 / 4 = 2.25 -> 2, 1600 / 4 saturates; minus 128.
        assert_eq!(out, [-128, -124, -119, -126, 127]);
        let f = SquaredDifferenceF32 { broadcast: None };
        let mut out = [0.0f32; 3];
        squared_difference_f32(&f, &[1.5, -2.0, f32::NAN], &[-0.5, -2.0, 0.0], &mut out);
        assert_eq!(out[..2], [4.0, 0.0]);
        assert!(out[2].is_nan());
        let mut data = [3.0f32, 1.0];
        squared_difference_f32_in_place(&f, &mut data, &[1.0, 4.0]);
        assert_eq!(data, [4.0, 9.0]);
    }

    /// A 1x4x4x8 image of distinct values.
    fn image() -> Vec<f32> {
        (0..128).map(|i| i as f32).collect()
    }

    fn arithmetic(broadcast: Broadcast4) -> ArithmeticF32 {
        ArithmeticF32 {
            output_min: f32::MIN,
            output_max: f32::MAX,
            broadcast: Some(broadcast),
        }
    }

    #[test]
    fn broadcast_channel_vector() {
        let a = image();
        let b: Vec<f32> = (0..8).map(|c| 1000.0 * c as f32).collect();
        let bc = Broadcast4 {
            output_shape: [1, 4, 4, 8],
            input1_strides: [0, 32, 8, 1],
            input2_strides: [0, 0, 0, 1],
        };
        let mut out = [0.0f32; 128];
        add_f32(&arithmetic(bc), &a, &b, &mut out);
        for (i, &o) in out.iter().enumerate() {
            assert_eq!(o, a[i] + b[i % 8], "{i}");
        }
        // Swapped operands keep their order: b - a.
        let swapped = Broadcast4 {
            output_shape: [1, 4, 4, 8],
            input1_strides: [0, 0, 0, 1],
            input2_strides: [0, 32, 8, 1],
        };
        sub_f32(&arithmetic(swapped), &b, &a, &mut out);
        for (i, &o) in out.iter().enumerate() {
            assert_eq!(o, b[i % 8] - a[i], "{i}");
        }
    }

    #[test]
    fn broadcast_per_row_and_scalar() {
        let a = image();
        let rows = [10.0f32, 20.0, 30.0, 40.0];
        let bc = Broadcast4 {
            output_shape: [1, 4, 4, 8],
            input1_strides: [0, 32, 8, 1],
            input2_strides: [0, 1, 0, 0],
        };
        let mut out = [0.0f32; 128];
        mul_f32(&arithmetic(bc), &a, &rows, &mut out);
        for (i, &o) in out.iter().enumerate() {
            assert_eq!(o, a[i] * rows[i / 32], "{i}");
        }
        let scalar = Broadcast4 {
            output_shape: [1, 4, 4, 8],
            input1_strides: [0, 32, 8, 1],
            input2_strides: [0; 4],
        };
        sub_f32(&arithmetic(scalar), &a, &[0.5], &mut out);
        for (i, &o) in out.iter().enumerate() {
            assert_eq!(o, a[i] - 0.5, "{i}");
        }
    }

    #[test]
    fn broadcast_both_inputs_int8() {
        // [3, 1] against [1, 5]: an outer sum.
        let bc = Broadcast4 {
            output_shape: [1, 1, 3, 5],
            input1_strides: [0, 0, 1, 0],
            input2_strides: [0, 0, 0, 1],
        };
        let mut p = add_params([0.05; 3], [0; 3], FULL);
        p.broadcast = Some(bc);
        let mut out = [0i8; 15];
        add_i8(&p, &[0, 10, 20], &[1, 2, 3, 4, 5], &mut out);
        assert_eq!(out, [1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 21, 22, 23, 24, 25]);
        let mut m = mul_params([1.0; 3], [0; 3], FULL);
        m.broadcast = Some(bc);
        mul_i8(&m, &[-1, 2, 3], &[1, 2, 3, 4, 5], &mut out);
        assert_eq!(out, [-1, -2, -3, -4, -5, 2, 4, 6, 8, 10, 3, 6, 9, 12, 15]);
        let mm = MinMax {
            broadcast: Some(bc),
        };
        maximum_i8(&mm, &[0, 3, 6], &[1, 2, 3, 4, 5], &mut out);
        assert_eq!(out, [1, 2, 3, 4, 5, 3, 3, 3, 4, 5, 6, 6, 6, 6, 6]);
    }

    #[test]
    fn broadcast_out_of_range_index_writes_nothing() {
        let bc = Broadcast4 {
            output_shape: [1, 1, 2, 2],
            input1_strides: [0, 0, 2, 1],
            input2_strides: [0, 0, 0, 1],
        };
        let mut out = [9.0f32; 4];
        // input2 has one element where two are expected.
        add_f32(&arithmetic(bc), &[1.0, 2.0, 3.0, 4.0], &[10.0], &mut out);
        assert_eq!(out, [11.0, 9.0, 13.0, 9.0]);
        // A zero extent writes nothing.
        let empty = Broadcast4 {
            output_shape: [1, 1, 2, 0],
            ..bc
        };
        add_f32(&arithmetic(empty), &[1.0; 4], &[1.0; 4], &mut out);
        assert_eq!(out, [11.0, 9.0, 13.0, 9.0]);
    }

    #[test]
    fn float_ops_clamp() {
        let p = ArithmeticF32 {
            output_min: 0.0,
            output_max: 6.0,
            broadcast: None,
        };
        let mut out = [0.0f32; 3];
        add_f32(&p, &[1.0, -5.0, 4.0], &[2.0, 1.0, 4.0], &mut out);
        assert_eq!(out, [3.0, 0.0, 6.0]);
        sub_f32(&p, &[1.0, -5.0, 4.0], &[2.0, 1.0, 1.5], &mut out);
        assert_eq!(out, [0.0, 0.0, 2.5]);
        mul_f32(&p, &[1.0, -5.0, 4.0], &[2.0, 1.0, 4.0], &mut out);
        assert_eq!(out, [2.0, 0.0, 6.0]);
    }

    #[test]
    fn maximum_minimum() {
        let p = MinMax { broadcast: None };
        let mut out = [0i8; 4];
        maximum_i8(&p, &[-128, 5, 0, 127], &[127, -5, 0, -128], &mut out);
        assert_eq!(out, [127, 5, 0, 127]);
        minimum_i8(&p, &[-128, 5, 0, 127], &[127, -5, 0, -128], &mut out);
        assert_eq!(out, [-128, -5, 0, -128]);
        let nan = f32::NAN;
        let mut out = [0.0f32; 4];
        maximum_f32(&p, &[1.0, nan, 2.0, -0.0], &[nan, 1.0, -2.0, 0.0], &mut out);
        // A NaN comparison is false, so the second input wins; -0.0 > 0.0 is false too.
        assert!(out[0].is_nan());
        assert_eq!(out[1..], [1.0, 2.0, 0.0]);
        assert!(out[3].is_sign_positive());
        minimum_f32(&p, &[1.0, nan, 2.0, -0.0], &[nan, 1.0, -2.0, 0.0], &mut out);
        assert!(out[0].is_nan());
        assert_eq!(out[1..], [1.0, -2.0, 0.0]);
        assert!(out[3].is_sign_positive());
    }

    #[test]
    fn flat_path_stops_at_the_shortest_slice() {
        let p = MinMax { broadcast: None };
        let mut out = [0i8; 3];
        maximum_i8(&p, &[1, 2], &[0, 0, 0], &mut out);
        assert_eq!(out, [1, 2, 0]);
    }

    #[test]
    fn shift_left_wraps_like_the_cpp() {
        assert_eq!(shift_left(255, 20), 255 << 20);
        assert_eq!(shift_left(-255, 20), -255 << 20);
        assert_eq!(shift_left(3, 31), i32::MIN);
        assert_eq!(shift_left(1, 32), 0);
        assert_eq!(shift_left(1, -1), 0);
    }

    /// The fast ADD and SUB loop against the general arithmetic, element by element, over
    /// every input pair and scales from 1/64 to 64 times apart.
    #[test]
    fn fast_add_and_sub_match_the_general_arithmetic() {
        let mut state = 0x9e37_79b9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let xs: Vec<i8> = (0..65536).map(|i| (i & 0xff) as u8 as i8).collect();
        let ys: Vec<i8> = (0..65536).map(|i| (i >> 8) as u8 as i8).collect();
        for _ in 0..24 {
            let scale =
                |next: &mut dyn FnMut() -> u32| 2f32.powf((next() % 1300) as f32 / 100.0 - 6.5);
            let scales = [scale(&mut next), scale(&mut next), scale(&mut next)];
            let zps = [0, 1, 2].map(|_| (next() % 256) as i32 - 128);
            let range = if next() % 2 == 0 {
                (-128, 127)
            } else {
                (zps[2], 127)
            };
            let p = add_params(scales, zps, range);
            assert!(FastAdd::new(&p).is_some(), "{p:?}");
            for subtract in [false, true] {
                let mut out = std::vec![0i8; xs.len()];
                if subtract {
                    sub_i8(&p, &xs, &ys, &mut out);
                } else {
                    add_i8(&p, &xs, &ys, &mut out);
                }
                for ((&o, &x), &y) in out.iter().zip(&xs).zip(&ys) {
                    let (a, b) = rescaled_inputs(&p, x, y);
                    let raw = if subtract {
                        a.wrapping_sub(b)
                    } else {
                        a.wrapping_add(b)
                    };
                    assert_eq!(o, add_output(&p, raw), "{p:?} {x} {y} {subtract}");
                }
            }
        }
    }
}
