//! Comparisons (EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL), logical ops
//! (LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT), SELECT_V2, ARG_MAX and ARG_MIN.
//!
//! A BOOL tensor is one byte per element, as TFLite stores it: the kernels write 0 for false and
//! 1 for true, and read any non-zero byte as true (so a byte pattern a caller wrote by hand is
//! never undefined behaviour, as it would be for a `bool` slice).

use super::elementwise::{Broadcast4, for_each_element, on_common_scale};
use super::slices::{chunks_mut, enumerate};

/// int8 comparison: both inputs are rescaled to a common scale first (TFLM's
/// `ComparisonWithScaling`), so inputs of different scales compare their real values.
#[derive(Clone, Copy, Debug)]
pub struct CompareI8 {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// Q0.31 multiplier of the first input's scale (TFLM's
    /// `QuantizeMultiplierSmallerThanOneExp` of it).
    pub input1_multiplier: i32,
    /// Exponent (`<= 0`) of the first input's scale.
    pub input1_shift: i32,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// Q0.31 multiplier of the second input's scale.
    pub input2_multiplier: i32,
    /// Exponent (`<= 0`) of the second input's scale.
    pub input2_shift: i32,
    /// Headroom bits given to the offset inputs before rescaling (TFLM's 8).
    pub left_shift: i32,
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// Comparison of int32 or float32 values, and the logical binary ops: the raw values.
#[derive(Clone, Copy, Debug)]
pub struct Compare {
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// The two int8 inputs on their common scale, as TFLM's `ComparisonWithScaling` computes them:
/// the same rescaling as ADD's.
#[inline(always)]
fn rescaled(p: &CompareI8, x: i8, y: i8) -> (i32, i32) {
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

/// Defines the int8, int32 and float32 kernels of one comparison from its operator.
macro_rules! comparison {
    ($(#[$doc:meta])* $i8:ident, $i32:ident, $f32:ident, $op:tt) => {
        $(#[$doc])*
        #[doc = ""]
        #[doc = "int8: on both inputs rescaled to a common scale, bit-exact with TFLite Micro."]
        pub fn $i8(p: &CompareI8, input1: &[i8], input2: &[i8], output: &mut [u8]) {
            for_each_element(p.broadcast.as_ref(), input1, input2, output, |x, y| {
                let (a, b) = rescaled(p, x, y);
                u8::from(a $op b)
            });
        }

        $(#[$doc])*
        #[doc = ""]
        #[doc = "int32: on the raw values."]
        pub fn $i32(p: &Compare, input1: &[i32], input2: &[i32], output: &mut [u8]) {
            for_each_element(p.broadcast.as_ref(), input1, input2, output, |x, y| u8::from(x $op y));
        }

        $(#[$doc])*
        #[doc = ""]
        #[doc = "float32: IEEE comparison (false for a NaN, except in NOT_EQUAL)."]
        pub fn $f32(p: &Compare, input1: &[f32], input2: &[f32], output: &mut [u8]) {
            for_each_element(p.broadcast.as_ref(), input1, input2, output, |x, y| u8::from(x $op y));
        }
    };
}

comparison!(
    /// EQUAL: 1 where `input1 == input2`, else 0.
    equal_i8, equal_i32, equal_f32, ==
);
comparison!(
    /// NOT_EQUAL: 1 where `input1 != input2`, else 0.
    not_equal_i8, not_equal_i32, not_equal_f32, !=
);
comparison!(
    /// GREATER: 1 where `input1 > input2`, else 0.
    greater_i8, greater_i32, greater_f32, >
);
comparison!(
    /// GREATER_EQUAL: 1 where `input1 >= input2`, else 0.
    greater_equal_i8, greater_equal_i32, greater_equal_f32, >=
);
comparison!(
    /// LESS: 1 where `input1 < input2`, else 0.
    less_i8, less_i32, less_f32, <
);
comparison!(
    /// LESS_EQUAL: 1 where `input1 <= input2`, else 0.
    less_equal_i8, less_equal_i32, less_equal_f32, <=
);

/// LOGICAL_AND of two BOOL tensors, broadcasting.
pub fn logical_and(p: &Compare, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    for_each_element(p.broadcast.as_ref(), input1, input2, output, |x, y| {
        u8::from(x != 0 && y != 0)
    });
}

/// LOGICAL_OR of two BOOL tensors, broadcasting.
pub fn logical_or(p: &Compare, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    for_each_element(p.broadcast.as_ref(), input1, input2, output, |x, y| {
        u8::from(x != 0 || y != 0)
    });
}

/// LOGICAL_NOT of a BOOL tensor.
pub fn logical_not(_p: &super::NoParams, input: &[u8], output: &mut [u8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = u8::from(x == 0);
    }
}

/// Index arithmetic of a broadcasting SELECT_V2 over shapes of rank <= 4, padded with leading
/// 1s: `output[i]` reads each input at `Σ ik * strides[k]`; a broadcast dimension has stride 0.
#[derive(Clone, Copy, Debug)]
pub struct Select4 {
    /// The output's dimensions.
    pub output_shape: [usize; 4],
    /// Element strides of the condition; 0 along its dimensions of extent 1.
    pub condition_strides: [usize; 4],
    /// Element strides of the values taken where the condition holds.
    pub x_strides: [usize; 4],
    /// Element strides of the values taken where it does not.
    pub y_strides: [usize; 4],
}

/// SELECT_V2.
#[derive(Clone, Copy, Debug)]
pub struct Select {
    /// `None` when all three inputs have the output's shape.
    pub broadcast: Option<Select4>,
}

/// The flat index `Σ i[k] * s[k]`, wrapping (exact for strides that describe an input; otherwise
/// it fails the caller's bounds check).
#[inline(always)]
fn strided(i: [usize; 4], s: &[usize; 4]) -> usize {
    i[0].wrapping_mul(s[0])
        .wrapping_add(i[1].wrapping_mul(s[1]))
        .wrapping_add(i[2].wrapping_mul(s[2]))
        .wrapping_add(i[3].wrapping_mul(s[3]))
}

/// SELECT_V2's one loop: `output = condition ? x : y` element by element, or through the
/// strides of `p.broadcast` in row-major order over its output shape. An input index past the
/// end of its slice (never the case for the compiler's parameters) leaves that output unchanged.
fn select<T: Copy>(p: &Select, condition: &[u8], x: &[T], y: &[T], output: &mut [T]) {
    let Some(b) = p.broadcast.as_ref() else {
        for (((o, &c), &x), &y) in output.iter_mut().zip(condition).zip(x).zip(y) {
            *o = if c != 0 { x } else { y };
        }
        return;
    };
    let [d0, d1, d2, d3] = b.output_shape;
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
                    let at = [i0, i1, i2, i3];
                    let c = condition.get(strided(at, &b.condition_strides));
                    let value = match c {
                        Some(&c) if c != 0 => x.get(strided(at, &b.x_strides)),
                        Some(_) => y.get(strided(at, &b.y_strides)),
                        None => None,
                    };
                    if let Some(&value) = value {
                        *o = value;
                    }
                }
            }
        }
    }
}

/// int8 SELECT_V2 as TFLite Micro: the raw value of `x` where the condition is true, of `y`
/// where it is false (no rescaling: TFLM copies the bytes whatever the scales).
pub fn select_i8(p: &Select, condition: &[u8], x: &[i8], y: &[i8], output: &mut [i8]) {
    select(p, condition, x, y, output);
}

/// int16 SELECT_V2: `x` where the condition is true, `y` where it is false (raw values).
pub fn select_i16(p: &Select, condition: &[u8], x: &[i16], y: &[i16], output: &mut [i16]) {
    select(p, condition, x, y, output);
}

/// float32 SELECT_V2: `x` where the condition is true, `y` where it is false.
pub fn select_f32(p: &Select, condition: &[u8], x: &[f32], y: &[f32], output: &mut [f32]) {
    select(p, condition, x, y, output);
}

/// ARG_MAX or ARG_MIN over one axis of a tensor seen as `[outer, axis, inner]`; the output is
/// `[outer, inner]`.
#[derive(Clone, Copy, Debug)]
pub struct ArgMinMax {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// The axis' extent.
    pub axis: usize,
    /// Product of the dimensions after the axis.
    pub inner: usize,
}

/// The index along the axis of the first value that `better` prefers to all before it (TFLM's
/// `ArgMinMax`: a later value replaces the current one only if `better(later, current)`).
fn arg_min_max<T: Copy>(
    p: &ArgMinMax,
    input: &[T],
    output: &mut [i32],
    better: impl Fn(T, T) -> bool,
) {
    let (axis, inner) = (p.axis, p.inner);
    // An index below 2^31: the compiler checks that the input fits in 2^31 bytes.
    let block = axis.wrapping_mul(inner);
    let mut outputs = chunks_mut(output, inner);
    for outer in 0..p.outer {
        let Some(row) = outputs.next() else {
            return;
        };
        let base = outer.wrapping_mul(block);
        for (j, o) in enumerate(row.iter_mut()) {
            let at = |i: usize| input.get(base.wrapping_add(i.wrapping_mul(inner)).wrapping_add(j));
            let Some(&first) = at(0) else {
                continue;
            };
            let (mut best, mut index) = (first, 0i32);
            for i in 1..axis {
                if let Some(&value) = at(i)
                    && better(value, best)
                {
                    best = value;
                    index = i as i32;
                }
            }
            *o = index;
        }
    }
}

/// int8 ARG_MAX as TFLite Micro: the first index of the largest raw value.
pub fn arg_max_i8(p: &ArgMinMax, input: &[i8], output: &mut [i32]) {
    arg_min_max(p, input, output, |a, b| a > b);
}

/// int8 ARG_MIN as TFLite Micro: the first index of the smallest raw value.
pub fn arg_min_i8(p: &ArgMinMax, input: &[i8], output: &mut [i32]) {
    arg_min_max(p, input, output, |a, b| a < b);
}

/// float32 ARG_MAX as TFLite Micro: the first index of the largest value, a NaN never chosen
/// over a number (the first index if all are NaN).
pub fn arg_max_f32(p: &ArgMinMax, input: &[f32], output: &mut [i32]) {
    arg_min_max(p, input, output, |a: f32, b: f32| {
        !a.is_nan() && (b.is_nan() || a > b)
    });
}

/// float32 ARG_MIN as TFLite Micro: the first index of the smallest value, a NaN never chosen
/// over a number (the first index if all are NaN).
pub fn arg_min_f32(p: &ArgMinMax, input: &[f32], output: &mut [i32]) {
    arg_min_max(p, input, output, |a: f32, b: f32| {
        !a.is_nan() && (b.is_nan() || a < b)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_comparison_uses_real_values() {
        // Input 1 has scale 1/2, input 2 scale 1/4 (zero points 0): 2 * 1/2 == 4 * 1/4.
        let p = CompareI8 {
            input1_offset: 0,
            input1_multiplier: 1 << 30,
            input1_shift: 0,
            input2_offset: 0,
            input2_multiplier: 1 << 30,
            input2_shift: -1,
            left_shift: 8,
            broadcast: None,
        };
        let mut out = [9u8; 3];
        equal_i8(&p, &[2, 2, 3], &[4, 5, 4], &mut out);
        assert_eq!(out, [1, 0, 0]);
        greater_i8(&p, &[2, 2, 3], &[4, 5, 4], &mut out);
        assert_eq!(out, [0, 0, 1]);
    }

    #[test]
    fn select_broadcasts_the_condition() {
        let p = Select {
            broadcast: Some(Select4 {
                output_shape: [1, 1, 2, 2],
                condition_strides: [0, 0, 1, 0],
                x_strides: [0, 0, 2, 1],
                y_strides: [0, 0, 0, 1],
            }),
        };
        let mut out = [0i8; 4];
        select_i8(&p, &[1, 0], &[1, 2, 3, 4], &[-1, -2], &mut out);
        assert_eq!(out, [1, 2, -1, -2]);
    }

    #[test]
    fn arg_max_takes_the_first_of_equal_values() {
        let p = ArgMinMax {
            outer: 2,
            axis: 3,
            inner: 1,
        };
        let mut out = [7i32; 2];
        arg_max_i8(&p, &[1, 5, 5, 3, 2, 1], &mut out);
        assert_eq!(out, [1, 0]);
        arg_min_f32(&p, &[f32::NAN, 2.0, 1.0, 0.0, 0.0, -1.0], &mut out);
        assert_eq!(out, [2, 2]);
    }
}
