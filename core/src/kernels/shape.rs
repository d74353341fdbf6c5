//! Data movement and reduction: TRANSPOSE, STRIDED_SLICE, PAD, CONCATENATION and MEAN.
//!
//! The data-movement kernels only copy elements, so each is one generic function with a thin
//! wrapper per element type the compiler hands it (the types TFLM's kernel for the op takes).
//!
//! The compiler lowers every index computation to a few constants (shapes, strides, offsets), so
//! these kernels only walk the precomputed pattern. Indices that fall outside a slice (which a
//! validated model never produces) are skipped rather than panicking.

use super::slices::{chunks, chunks_mut, copy, enumerate, rows};
use crate::quant::requantize_to_i8;

/// A strided copy: `output[o0, o1, o2, o3]` (row-major over `output_shape`) is
/// `input[start + o0 * strides[0] + o1 * strides[1] + o2 * strides[2] + o3 * strides[3]]`.
///
/// TRANSPOSE (the input's strides permuted) and STRIDED_SLICE (a begin offset and multiples of the
/// input's strides, possibly negative) both lower to it; lower-rank ops pad the shape with leading
/// ones.
#[derive(Clone, Copy, Debug)]
pub struct Gather4 {
    /// The output's dimensions, outermost first.
    pub output_shape: [usize; 4],
    /// Input index of `output[0, 0, 0, 0]`.
    pub start: usize,
    /// Input index step per unit of each output coordinate; negative to walk backwards.
    pub strides: [isize; 4],
}

/// int8 [`Gather4`]: a pure copy, so quantization parameters pass through unchanged.
pub fn gather4_i8(p: &Gather4, input: &[i8], output: &mut [i8]) {
    gather4(p, input, output);
}

/// float32 [`Gather4`].
pub fn gather4_f32(p: &Gather4, input: &[f32], output: &mut [f32]) {
    gather4(p, input, output);
}

/// int16 [`Gather4`]: a pure copy, like [`gather4_i8`].
pub fn gather4_i16(p: &Gather4, input: &[i16], output: &mut [i16]) {
    gather4(p, input, output);
}

/// int32 [`Gather4`].
pub fn gather4_i32(p: &Gather4, input: &[i32], output: &mut [i32]) {
    gather4(p, input, output);
}

/// BOOL [`Gather4`]: the bytes are copied as they are.
pub fn gather4_bool(p: &Gather4, input: &[u8], output: &mut [u8]) {
    gather4(p, input, output);
}

fn gather4<T: Copy>(p: &Gather4, input: &[T], output: &mut [T]) {
    let [d0, d1, d2, d3] = p.output_shape;
    let [s0, s1, s2, s3] = p.strides;
    if d0 == 0 || d1 == 0 || d2 == 0 || d3 == 0 {
        return;
    }
    let mut rows = chunks_mut(output, d3);
    for_each_row_start(p.start as isize, [d0, d1, d2], [s0, s1, s2], |first| {
        let Some(row) = rows.next() else { return false };
        copy_row(input, first, s3, row);
        true
    });
}

/// Calls `f` with the flat index where each row starts, for the rows of a 4-D walk in row-major
/// order (the innermost dimension is the row), until `f` returns false. Index arithmetic wraps
/// instead of overflowing; a wrapped index fails the callers' bounds checks.
fn for_each_row_start(
    start: isize,
    dims: [usize; 3],
    strides: [isize; 3],
    mut f: impl FnMut(isize) -> bool,
) {
    let mut i0 = start;
    for _ in 0..dims[0] {
        let mut i1 = i0;
        for _ in 0..dims[1] {
            let mut i2 = i1;
            for _ in 0..dims[2] {
                if !f(i2) {
                    return;
                }
                i2 = i2.wrapping_add(strides[2]);
            }
            i1 = i1.wrapping_add(strides[1]);
        }
        i0 = i0.wrapping_add(strides[0]);
    }
}

/// `row[k] = input[first + k * stride]`, skipping out-of-range indices.
fn copy_row<T: Copy>(input: &[T], first: isize, stride: isize, row: &mut [T]) {
    // The common case (the innermost axis kept in place): one contiguous copy.
    if stride == 1
        && let Some(src) = usize::try_from(first)
            .ok()
            .and_then(|f| input.get(f..f.checked_add(row.len())?))
    {
        copy(row, src);
        return;
    }
    let mut i = first;
    for o in row {
        if let Some(&v) = usize::try_from(i).ok().and_then(|i| input.get(i)) {
            *o = v;
        }
        i = i.wrapping_add(stride);
    }
}

/// int8 PAD: the output is filled with `value`, then `input[i0, i1, i2, i3]` (row-major over
/// `input_shape`) is written to
/// `output[start + i0 * output_strides[0] + i1 * output_strides[1] + i2 * output_strides[2] + i3 * output_strides[3]]`.
#[derive(Clone, Copy, Debug)]
pub struct Pad4I8 {
    /// The input's dimensions, outermost first.
    pub input_shape: [usize; 4],
    /// The output's row-major strides.
    pub output_strides: [usize; 4],
    /// Output index of `input[0, 0, 0, 0]`: the sum of the leading paddings times the strides.
    pub start: usize,
    /// The padding value (PAD's: the output zero point; PADV2's: the constant operand).
    pub value: i8,
}

/// float32 PAD: as [`Pad4I8`] with a float padding value.
#[derive(Clone, Copy, Debug)]
pub struct Pad4F32 {
    /// The input's dimensions, outermost first.
    pub input_shape: [usize; 4],
    /// The output's row-major strides.
    pub output_strides: [usize; 4],
    /// Output index of `input[0, 0, 0, 0]`: the sum of the leading paddings times the strides.
    pub start: usize,
    /// The padding value (PAD's: 0.0; PADV2's: the constant operand).
    pub value: f32,
}

/// int16 PAD: as [`Pad4I8`] with an int16 padding value.
#[derive(Clone, Copy, Debug)]
pub struct Pad4I16 {
    /// The input's dimensions, outermost first.
    pub input_shape: [usize; 4],
    /// The output's row-major strides.
    pub output_strides: [usize; 4],
    /// Output index of `input[0, 0, 0, 0]`: the sum of the leading paddings times the strides.
    pub start: usize,
    /// The padding value (PAD's: 0, whatever the zero point, as TFLM; PADV2's: the constant).
    pub value: i16,
}

/// int32 PAD: as [`Pad4I8`] with an int32 padding value.
#[derive(Clone, Copy, Debug)]
pub struct Pad4I32 {
    /// The input's dimensions, outermost first.
    pub input_shape: [usize; 4],
    /// The output's row-major strides.
    pub output_strides: [usize; 4],
    /// Output index of `input[0, 0, 0, 0]`: the sum of the leading paddings times the strides.
    pub start: usize,
    /// The padding value (PAD's: 0; PADV2's: the constant operand).
    pub value: i32,
}

/// int8 PAD (see [`Pad4I8`]).
pub fn pad4_i8(p: &Pad4I8, input: &[i8], output: &mut [i8]) {
    pad4(
        p.input_shape,
        p.output_strides,
        p.start,
        p.value,
        input,
        output,
    );
}

/// float32 PAD (see [`Pad4F32`]).
pub fn pad4_f32(p: &Pad4F32, input: &[f32], output: &mut [f32]) {
    pad4(
        p.input_shape,
        p.output_strides,
        p.start,
        p.value,
        input,
        output,
    );
}

/// int16 PAD (see [`Pad4I16`]).
pub fn pad4_i16(p: &Pad4I16, input: &[i16], output: &mut [i16]) {
    pad4(
        p.input_shape,
        p.output_strides,
        p.start,
        p.value,
        input,
        output,
    );
}

/// int32 PAD (see [`Pad4I32`]).
pub fn pad4_i32(p: &Pad4I32, input: &[i32], output: &mut [i32]) {
    pad4(
        p.input_shape,
        p.output_strides,
        p.start,
        p.value,
        input,
        output,
    );
}

fn pad4<T: Copy>(
    input_shape: [usize; 4],
    output_strides: [usize; 4],
    start: usize,
    value: T,
    input: &[T],
    output: &mut [T],
) {
    output.fill(value);
    let [d0, d1, d2, d3] = input_shape;
    let [s0, s1, s2, s3] = output_strides;
    if d0 == 0 || d1 == 0 || d2 == 0 || d3 == 0 {
        return;
    }
    let mut rows = chunks(input, d3);
    // Same bits as usize arithmetic: wrapping addition does not care about the sign.
    let strides = [s0 as isize, s1 as isize, s2 as isize];
    for_each_row_start(start as isize, [d0, d1, d2], strides, |first| {
        let Some(row) = rows.next() else { return false };
        scatter_row(row, first as usize, s3, output);
        true
    });
}

/// `output[first + k * stride] = row[k]`, skipping out-of-range indices.
fn scatter_row<T: Copy>(row: &[T], first: usize, stride: usize, output: &mut [T]) {
    if stride == 1
        && let Some(dst) = first
            .checked_add(row.len())
            .and_then(|end| output.get_mut(first..end))
    {
        copy(dst, row);
        return;
    }
    let mut o = first;
    for &v in row {
        if let Some(dst) = output.get_mut(o) {
            *dst = v;
        }
        o = o.wrapping_add(stride);
    }
}

/// CONCATENATION: for each of `outer` blocks, `sizes[k]` elements from input `k`, inputs in order.
///
/// For an axis `a`, `outer` is the product of the dimensions before `a` and `sizes[k]` input `k`'s
/// dimension `a` times the product of the dimensions after it. int8 inputs must share the
/// output's quantization (the compiler inserts a requantization otherwise).
#[derive(Clone, Copy, Debug)]
pub struct Concatenation<'a> {
    /// Number of blocks (the product of the dimensions before the axis).
    pub outer: usize,
    /// Elements per block of each input, in input order.
    pub sizes: &'a [usize],
}

/// int8 CONCATENATION (see [`Concatenation`]).
pub fn concatenation_i8(p: &Concatenation, inputs: &[&[i8]], output: &mut [i8]) {
    concatenation(p, inputs, output);
}

/// float32 CONCATENATION (see [`Concatenation`]).
pub fn concatenation_f32(p: &Concatenation, inputs: &[&[f32]], output: &mut [f32]) {
    concatenation(p, inputs, output);
}

/// int16 CONCATENATION (see [`Concatenation`]).
pub fn concatenation_i16(p: &Concatenation, inputs: &[&[i16]], output: &mut [i16]) {
    concatenation(p, inputs, output);
}

/// int32 CONCATENATION (see [`Concatenation`]).
pub fn concatenation_i32(p: &Concatenation, inputs: &[&[i32]], output: &mut [i32]) {
    concatenation(p, inputs, output);
}

/// BOOL CONCATENATION (see [`Concatenation`]): the bytes are copied as they are.
pub fn concatenation_bool(p: &Concatenation, inputs: &[&[u8]], output: &mut [u8]) {
    concatenation(p, inputs, output);
}

fn concatenation<T: Copy>(p: &Concatenation, inputs: &[&[T]], output: &mut [T]) {
    let block = p.sizes.iter().fold(0usize, |a, &s| a.saturating_add(s));
    if block == 0 {
        return;
    }
    for (o, out) in enumerate(chunks_mut(output, block).take(p.outer)) {
        let mut at = 0usize;
        for (&size, input) in p.sizes.iter().zip(inputs) {
            // Both `size` long by construction, so the copy cannot fail on a length mismatch.
            let src = o
                .checked_mul(size)
                .and_then(|s| input.get(s..)?.get(..size));
            let dst = out.get_mut(at..).and_then(|rest| rest.get_mut(..size));
            if let (Some(src), Some(dst)) = (src, dst) {
                copy(dst, src);
            }
            at = at.saturating_add(size);
        }
    }
}

/// float32 MEAN over the middle axis of an input viewed as `[outer, reduced, inner]` (for NHWC
/// over H and W: `outer = N`, `reduced = H * W`, `inner = C`). Reductions over several adjacent
/// axes flatten into one.
#[derive(Clone, Copy, Debug)]
pub struct MeanF32 {
    /// Product of the dimensions before the reduced ones.
    pub outer: usize,
    /// Product of the reduced dimensions.
    pub reduced: usize,
    /// Product of the dimensions after the reduced ones.
    pub inner: usize,
}

/// float32 MEAN, bit-exact with TFLite Micro's reference kernels.
///
/// Each output is summed in `f32` from `0.0`, adding the reduced elements in increasing index
/// order, then divided by `reduced as f32`. TFLite Micro's 4-D axes-1-and-2 special case
/// (`keep_dims`) and its generic path sum in that same order, so `keep_dims` does not matter.
/// `reduced == 0` writes `0.0` (the generic path's result; the special case would divide 0 by
/// 0).
pub fn mean_f32(p: &MeanF32, input: &[f32], output: &mut [f32]) {
    if p.reduced == 0 || p.inner == 0 {
        output
            .iter_mut()
            .take(p.outer.saturating_mul(p.inner))
            .for_each(|o| *o = 0.0);
        return;
    }
    let count = p.reduced as f32;
    let block = p.reduced.saturating_mul(p.inner);
    for (block, out) in rows(input, block, output, p.inner).take(p.outer) {
        out.fill(0.0);
        // Row by row: each output still adds its elements in increasing index order.
        for row in chunks(block, p.inner) {
            for (o, &x) in out.iter_mut().zip(row) {
                *o += x;
            }
        }
        for o in out {
            *o /= count;
        }
    }
}

/// int8 MEAN over the middle axis of an input viewed as `[outer, reduced, inner]`, with the
/// constants of TFLite Micro's integer `QuantizedMeanOrSum`, computed at compile time.
///
/// Each output is
/// `clamp(multiply_by_quantized_multiplier(sum + sum_offset, multiplier, shift) + output_offset, -128, 127)`,
/// where `sum` is the int32 sum of the raw int8 inputs. TFLite Micro takes this one path for
/// every int8 MEAN, whether or not the input and output quantization are equal and whatever
/// `keep_dims` is (`keep_dims` only changes the output shape, not the data).
#[derive(Clone, Copy, Debug)]
pub struct MeanI8 {
    /// Product of the dimensions before the reduced ones.
    pub outer: usize,
    /// Product of the reduced dimensions (already folded into `multiplier` and `shift`).
    pub reduced: usize,
    /// Product of the dimensions after the reduced ones.
    pub inner: usize,
    /// `-input_zero_point * reduced`, wrapped to i32: removes the input zero point from a sum.
    pub sum_offset: i32,
    /// Q0.31 multiplier of `input_scale / (output_scale * reduced)`, derived the way TFLite Micro
    /// derives it: its `input_scale / output_scale` multiplier `m` becomes
    /// `(m << k) / reduced` (truncated) for `2^k <= reduced`, with `k` capped so that `shift`
    /// stays at or above -31. Usually in `[2^29, 2^31)`; smaller when capped; 0 for a negligible
    /// scale.
    pub multiplier: i32,
    /// Power-of-two exponent that goes with `multiplier` (negative: a rounding right shift).
    pub shift: i32,
    /// The output's zero point.
    pub output_offset: i32,
}

/// int8 MEAN, bit-exact with TFLite Micro's reference kernel (see [`MeanI8`]).
///
/// Sums wrap in int32 like the reference's accumulators (they cannot overflow below 2^24
/// reduced elements). `reduced == 0` writes 0, as TFLite Micro does for an empty input.
pub fn mean_i8(p: &MeanI8, input: &[i8], output: &mut [i8]) {
    if p.reduced == 0 || p.inner == 0 {
        output
            .iter_mut()
            .take(p.outer.saturating_mul(p.inner))
            .for_each(|o| *o = 0);
        return;
    }
    let block = p.reduced.saturating_mul(p.inner);
    for (block, out) in rows(input, block, output, p.inner).take(p.outer) {
        for (c, o) in enumerate(out.iter_mut()) {
            // Channel `c` of every row of the block, in row order.
            let sum = chunks(block, p.inner)
                .filter_map(|row| row.get(c))
                .fold(0i32, |acc, &x| acc.wrapping_add(i32::from(x)));
            *o = requantize_to_i8(
                sum.wrapping_add(p.sum_offset),
                p.multiplier,
                p.shift,
                p.output_offset,
                i32::from(i8::MIN),
                i32::from(i8::MAX),
            );
        }
    }
}

/// int16 MEAN (int16x8 quantization), bit-exact with TFLite Micro's reference kernel: as
/// [`mean_i8`] (the same [`MeanI8`] parameters), clamped to int16.
pub fn mean_i16(p: &MeanI8, input: &[i16], output: &mut [i16]) {
    if p.reduced == 0 || p.inner == 0 {
        output
            .iter_mut()
            .take(p.outer.saturating_mul(p.inner))
            .for_each(|o| *o = 0);
        return;
    }
    let block = p.reduced.saturating_mul(p.inner);
    for (block, out) in rows(input, block, output, p.inner).take(p.outer) {
        for (c, o) in enumerate(out.iter_mut()) {
            let sum = chunks(block, p.inner)
                .filter_map(|row| row.get(c))
                .fold(0i32, |acc, &x| acc.wrapping_add(i32::from(x)));
            let scaled = crate::quant::multiply_by_quantized_multiplier(
                sum.wrapping_add(p.sum_offset),
                p.multiplier,
                p.shift,
            )
            .wrapping_add(p.output_offset);
            *o = scaled.max(i32::from(i16::MIN)).min(i32::from(i16::MAX)) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row-major strides of a 4-D shape.
    fn strides(shape: [usize; 4]) -> [usize; 4] {
        [
            shape[1] * shape[2] * shape[3],
            shape[2] * shape[3],
            shape[3],
            1,
        ]
    }

    #[test]
    fn gather_as_transpose() {
        // Input [2, 3, 4, 5] = 0..120, permutation [3, 1, 0, 2]: output [5, 3, 2, 4].
        let in_shape = [2, 3, 4, 5];
        let in_strides = strides(in_shape);
        let perm = [3, 1, 0, 2];
        let input: [f32; 120] = core::array::from_fn(|i| i as f32);
        let p = Gather4 {
            output_shape: perm.map(|a| in_shape[a]),
            start: 0,
            strides: perm.map(|a| in_strides[a] as isize),
        };
        let mut out = [-1.0f32; 120];
        gather4_f32(&p, &input, &mut out);
        let mut k = 0;
        for a in 0..5 {
            for b in 0..3 {
                for c in 0..2 {
                    for d in 0..4 {
                        // output[a, b, c, d] = input[c, b, d, a].
                        let want = (c * 60 + b * 20 + d * 5 + a) as f32;
                        assert_eq!(out[k], want, "{a} {b} {c} {d}");
                        k += 1;
                    }
                }
            }
        }
        // The innermost axis kept in place takes the contiguous path: perm [1, 0, 2, 3].
        let p = Gather4 {
            output_shape: [3, 2, 4, 5],
            start: 0,
            strides: [20, 60, 5, 1],
        };
        let input: [i8; 120] = core::array::from_fn(|i| i as i8);
        let mut out = [0i8; 120];
        gather4_i8(&p, &input, &mut out);
        assert_eq!(&out[..5], &[0, 1, 2, 3, 4]);
        assert_eq!(&out[20..25], &[60, 61, 62, 63, 64]);
        assert_eq!(&out[40..45], &[20, 21, 22, 23, 24]);
    }

    #[test]
    fn gather_as_strided_slice() {
        // Input [1, 1, 4, 6] = 0..24. Slice rows 3, 1 (begin 3, stride -2) and columns 0, 2, 4
        // (stride 2): start = 3 * 6, strides [.., .., -12, 2].
        let input: [i8; 24] = core::array::from_fn(|i| i as i8);
        let p = Gather4 {
            output_shape: [1, 1, 2, 3],
            start: 18,
            strides: [0, 0, -12, 2],
        };
        let mut out = [0i8; 6];
        gather4_i8(&p, &input, &mut out);
        assert_eq!(out, [18, 20, 22, 6, 8, 10]);
        // A reversed innermost axis: columns 5, 4, 3 of row 2.
        let p = Gather4 {
            output_shape: [1, 1, 1, 3],
            start: 17,
            strides: [0, 0, 0, -1],
        };
        let mut out = [0i8; 3];
        gather4_i8(&p, &input, &mut out);
        assert_eq!(out, [17, 16, 15]);
        // Indices out of range (never generated) are skipped, not a panic.
        let p = Gather4 {
            output_shape: [1, 1, 1, 3],
            start: 1,
            strides: [0, 0, 0, -1],
        };
        let mut out = [99i8; 3];
        gather4_i8(&p, &input, &mut out);
        assert_eq!(out, [1, 0, 99]);
        // Zero-size output: nothing written.
        let p = Gather4 {
            output_shape: [1, 0, 2, 3],
            start: 0,
            strides: [0, 0, 6, 1],
        };
        gather4_i8(&p, &input, &mut out);
        assert_eq!(out, [1, 0, 99]);
    }

    #[test]
    fn pad_asymmetric() {
        // Input [1, 2, 3, 1] padded H by (1, 0), W by (0, 2), C by (2, 1): output [1, 3, 5, 4].
        let out_shape = [1, 3, 5, 4];
        let s = strides(out_shape);
        let p = Pad4I8 {
            input_shape: [1, 2, 3, 1],
            output_strides: s,
            start: s[1] + 2 * s[3],
            value: -7,
        };
        let input = [1i8, 2, 3, 4, 5, 6];
        let mut out = [0i8; 60];
        pad4_i8(&p, &input, &mut out);
        let mut want = [-7i8; 60];
        for h in 0..2 {
            for w in 0..3 {
                want[(h + 1) * s[1] + w * s[2] + 2] = input[h * 3 + w];
            }
        }
        assert_eq!(out, want);

        // Contiguous rows: [1, 1, 2, 2] padded W by (1, 1) and C by (0, 0): output [1, 1, 4, 2].
        let p = Pad4F32 {
            input_shape: [1, 1, 2, 2],
            output_strides: strides([1, 1, 4, 2]),
            start: 2,
            value: 0.5,
        };
        let mut out = [0.0f32; 8];
        pad4_f32(&p, &[1.0, 2.0, 3.0, 4.0], &mut out);
        assert_eq!(out, [0.5, 0.5, 1.0, 2.0, 3.0, 4.0, 0.5, 0.5]);
    }

    #[test]
    fn concatenation_inner_and_outer_axes() {
        // Along the last axis of [2, 2] and [2, 3]: outer 2, sizes [2, 3].
        let a = [1i8, 2, 3, 4];
        let b = [10i8, 11, 12, 13, 14, 15];
        let p = Concatenation {
            outer: 2,
            sizes: &[2, 3],
        };
        let mut out = [0i8; 10];
        concatenation_i8(&p, &[&a, &b], &mut out);
        assert_eq!(out, [1, 2, 10, 11, 12, 3, 4, 13, 14, 15]);

        // Along the first axis of [1, 3], [2, 3] and an empty [0, 3]: one block.
        let a = [1.0f32, 2.0, 3.0];
        let b = [4.0f32, 5.0, 6.0, 7.0, 8.0, 9.0];
        let p = Concatenation {
            outer: 1,
            sizes: &[3, 6, 0],
        };
        let mut out = [0.0f32; 9];
        concatenation_f32(&p, &[&a, &b, &[]], &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);

        // Middle axis of [2, 1, 2] and [2, 2, 2]: outer 2, sizes [2, 4].
        let a = [1i8, 2, 3, 4];
        let b = [5i8, 6, 7, 8, 9, 10, 11, 12];
        let p = Concatenation {
            outer: 2,
            sizes: &[2, 4],
        };
        let mut out = [0i8; 12];
        concatenation_i8(&p, &[&a, &b], &mut out);
        assert_eq!(out, [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12]);
    }

    #[test]
    fn mean_f32_over_middle_axis() {
        // [2, 3, 2] (N, H*W, C): means of each (n, c) column.
        let input = [
            1.0f32, 2.0, 3.0, 4.0, 5.0, 7.0, -1.0, 0.5, -2.0, 0.25, -4.0, 1.0,
        ];
        let p = MeanF32 {
            outer: 2,
            reduced: 3,
            inner: 2,
        };
        let mut out = [9.0f32; 4];
        mean_f32(&p, &input, &mut out);
        assert_eq!(out, [3.0, 13.0 / 3.0, -7.0 / 3.0, 1.75 / 3.0]);
        // Summation order is visible: 1e8 + 1 + 1 - 1e8 is 0 in f32 when summed left to right.
        let input = [1e8f32, 1.0, 1.0, -1e8];
        let p = MeanF32 {
            outer: 1,
            reduced: 4,
            inner: 1,
        };
        let mut out = [9.0f32];
        mean_f32(&p, &input, &mut out);
        assert_eq!(out, [0.0]);
        // Nothing to reduce: zeros.
        let p = MeanF32 {
            outer: 1,
            reduced: 0,
            inner: 1,
        };
        mean_f32(&p, &[], &mut out);
        assert_eq!(out, [0.0]);
    }

    fn mean_i8_case(p: &MeanI8, input: &[i8]) -> i8 {
        let mut out = [0i8];
        mean_i8(p, input, &mut out);
        out[0]
    }

    #[test]
    fn mean_i8_equal_quantization_rounds_ties_away_from_zero() {
        // Equal scales, zero points 0: TFLite's multiplier for 1.0 is (2^30, 1); over 4 elements
        // k = 2, so (2^32 / 4, 1 - 2) = (2^30, -1): round(sum / 2, ties up), then a rounding
        // (ties away from zero) halving.
        let p = MeanI8 {
            outer: 1,
            reduced: 4,
            inner: 1,
            sum_offset: 0,
            multiplier: 1 << 30,
            shift: -1,
            output_offset: 0,
        };
        // -5 / 4 = -1.25 -> -1; -6 / 4 = -1.5 -> -2 (ties away); -7 / 4 -> -2; 6 / 4 -> 2;
        // -2 / 4 = -0.5: the first rounding gives -1, the second -0.5 -> -1.
        assert_eq!(mean_i8_case(&p, &[-1, -1, -1, -2]), -1);
        assert_eq!(mean_i8_case(&p, &[-1, -1, -2, -2]), -2);
        assert_eq!(mean_i8_case(&p, &[-1, -2, -2, -2]), -2);
        assert_eq!(mean_i8_case(&p, &[1, 1, 2, 2]), 2);
        assert_eq!(mean_i8_case(&p, &[0, 0, -1, -1]), -1);
        assert_eq!(mean_i8_case(&p, &[-128; 4]), -128);
        assert_eq!(mean_i8_case(&p, &[127; 4]), 127);

        // Over 3 elements: k = 1, multiplier floor(2^31 / 3) = 715827882, shift 0.
        let p = MeanI8 {
            reduced: 3,
            multiplier: 715_827_882,
            shift: 0,
            ..p
        };
        // -4 / 3 -> -1; -5 / 3 -> -2; -1 / 3 -> 0; 5 / 3 -> 2.
        assert_eq!(mean_i8_case(&p, &[-1, -1, -2]), -1);
        assert_eq!(mean_i8_case(&p, &[-1, -2, -2]), -2);
        assert_eq!(mean_i8_case(&p, &[0, 0, -1]), 0);
        assert_eq!(mean_i8_case(&p, &[1, 2, 2]), 2);
    }

    #[test]
    fn mean_i8_requantizes_and_clamps() {
        // Input scale 0.5, zero point -3; output scale 0.25, zero point 5; 4 elements:
        // multiplier (2^30, 2) for 2.0 becomes (2^30, 0) for 0.5, sum_offset = 3 * 4.
        let p = MeanI8 {
            outer: 2,
            reduced: 4,
            inner: 2,
            sum_offset: 12,
            multiplier: 1 << 30,
            shift: 0,
            output_offset: 5,
        };
        // Layout [outer][reduced][inner].
        let input = [
            -3, 10, -3, 20, -3, 30, -4, 41, // outer 0: columns [-3,-3,-3,-4], [10,20,30,41]
            100, -128, 100, -128, 100, -128, 100, -128, // outer 1
        ];
        let mut out = [0i8; 4];
        mean_i8(&p, &input, &mut out);
        // (-13 + 12) * 0.5 = -0.5 -> 0 (SRDHM ties up) + 5 = 5;
        // (101 + 12) * 0.5 = 56.5 -> 57 + 5 = 62;
        // (400 + 12) * 0.5 = 206 + 5 -> 127; (-512 + 12) * 0.5 = -250 + 5 -> -128.
        assert_eq!(out, [5, 62, 127, -128]);
    }

    #[test]
    fn mean_i8_empty_reduction_writes_zero() {
        let p = MeanI8 {
            outer: 1,
            reduced: 0,
            inner: 2,
            sum_offset: 0,
            multiplier: 1 << 30,
            shift: 1,
            output_offset: 9,
        };
        let mut out = [7i8; 3];
        mean_i8(&p, &[], &mut out);
        assert_eq!(out, [0, 0, 7]);
    }
}
