//! AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors.
//!
//! Like TFLite's reference kernels, a window is clipped to the image: taps in the padding are
//! skipped, so a border average divides by the number of in-image taps, not the window size.

use super::epilogue::clamp_f32;
use super::slices::{chunks_mut, enumerate, rows, size};
use core::ops::Range;

/// The shape arithmetic of a pooling op (NHWC tensors, same depth in and out).
///
/// The batch count is the input length divided by `input_height * input_width * depth`.
#[derive(Clone, Copy, Debug)]
pub struct Pool2dGeometry {
    /// Input rows.
    pub input_height: usize,
    /// Input columns.
    pub input_width: usize,
    /// Channels, in both input and output.
    pub depth: usize,
    /// Output rows.
    pub output_height: usize,
    /// Output columns.
    pub output_width: usize,
    /// Window rows.
    pub filter_height: usize,
    /// Window columns.
    pub filter_width: usize,
    /// Step between output rows, in input rows.
    pub stride_height: usize,
    /// Step between output columns, in input columns.
    pub stride_width: usize,
    /// Implicit rows above the input.
    pub padding_height: usize,
    /// Implicit columns left of the input.
    pub padding_width: usize,
}

/// AVERAGE_POOL_2D or MAX_POOL_2D with int8 input and output (same scale and zero point).
#[derive(Clone, Copy, Debug)]
pub struct Pool2dI8 {
    /// Shapes, window, strides and padding.
    pub geometry: Pool2dGeometry,
    /// Smallest output value (the fused activation's lower bound).
    pub output_min: i32,
    /// Largest output value (the fused activation's upper bound).
    pub output_max: i32,
}

/// AVERAGE_POOL_2D or MAX_POOL_2D with float32 input and output.
#[derive(Clone, Copy, Debug)]
pub struct Pool2dF32 {
    /// Shapes, window, strides and padding.
    pub geometry: Pool2dGeometry,
    /// The fused activation's lower bound.
    pub output_min: f32,
    /// The fused activation's upper bound.
    pub output_max: f32,
}

/// The input rows or columns covered by the window starting at padded coordinate `origin`,
/// clipped to `0..size` (TFLite's `filter_*_start` / `filter_*_end`).
fn clip(origin: usize, filter: usize, padding: usize, size: usize) -> Range<usize> {
    // Unsigned: subtracting the padding saturates where the window starts in the padding. The
    // sum saturates too (exact for a model's geometry, far below 2^32), which clips the same.
    let start = origin.saturating_sub(padding);
    let end = origin
        .saturating_add(filter)
        .saturating_sub(padding)
        .min(size);
    start..end
}

/// Writes every output of every batch as `finish(fold of step over the window)`, the window being
/// that output's channel at the in-image taps in the reference order (rows, then columns). `None`
/// from `finish` leaves the output unchanged. Zero dimensions write nothing.
///
/// Total for any geometry and slice lengths (no division, no `chunks_exact`, checked indexing, no
/// arithmetic that can trap in a debug build), so that no panic path is left even where the
/// optimiser cannot see the parameters. A window's origin `out * stride` saturates (a saturated
/// origin is past the image: an empty window); an input index `(y * input_width + x) * depth + c`
/// wraps, and is exact: `y`, `x` and `c` are inside the image.
fn pool<T: Copy, A: Copy, U>(
    g: &Pool2dGeometry,
    input: &[T],
    output: &mut [U],
    init: A,
    step: impl Fn(A, T) -> A,
    finish: impl Fn(A) -> Option<U>,
) {
    let depth = g.depth;
    let image_len = size([g.input_height, g.input_width, depth]);
    let out_image_len = size([g.output_height, g.output_width, depth]);
    for (image, out_image) in rows(input, image_len, output, out_image_len) {
        let mut out_pixels = chunks_mut(out_image, depth);
        for out_y in 0..g.output_height {
            let rows = clip(
                out_y.saturating_mul(g.stride_height),
                g.filter_height,
                g.padding_height,
                g.input_height,
            );
            for out_x in 0..g.output_width {
                let Some(out_pixel) = out_pixels.next() else {
                    return;
                };
                let cols = clip(
                    out_x.saturating_mul(g.stride_width),
                    g.filter_width,
                    g.padding_width,
                    g.input_width,
                );
                for (c, o) in enumerate(out_pixel.iter_mut()) {
                    let acc = rows
                        .clone()
                        .flat_map(|y| {
                            cols.clone()
                                .map(move |x| y.wrapping_mul(g.input_width).wrapping_add(x))
                        })
                        // Always in bounds: `rows` and `cols` are clipped to the image.
                        .filter_map(|tap| {
                            image.get(tap.wrapping_mul(depth).wrapping_add(c)).copied()
                        })
                        .fold(init, &step);
                    if let Some(value) = finish(acc) {
                        *o = value;
                    }
                }
            }
        }
    }
}

/// int8 AVERAGE_POOL_2D, bit-exact with TFLite Micro's reference kernel.
///
/// Each output is the sum of the window's in-image inputs divided by their count, rounded to
/// nearest with ties away from zero (`(sum ± count / 2) / count` with C's truncating division),
/// then clamped to `[output_min, output_max]`. A window entirely in the padding (impossible with
/// TFLite's SAME and VALID padding) leaves its outputs unchanged; TFLite Micro fails the invoke.
pub fn average_pool2d_i8(p: &Pool2dI8, input: &[i8], output: &mut [i8]) {
    pool(
        &p.geometry,
        input,
        output,
        (0i32, 0i32),
        |(sum, count), x| (sum.wrapping_add(i32::from(x)), count.wrapping_add(1)),
        |window| clamped_average(p, window).map(|v| v as i8),
    );
}

/// The int8 and int16 average of a window, from its in-image `(sum, count)`: rounded to nearest
/// with ties away from zero and clamped to the activation range; `None` for an empty window.
#[inline(always)]
fn clamped_average(p: &Pool2dI8, (sum, count): (i32, i32)) -> Option<i32> {
    if count <= 0 {
        return None;
    }
    // Division truncates towards zero as in C++, so the half count rounds ties away from
    // zero. `checked_div` cannot fail for a positive count; it keeps the division total
    // where the optimiser does not track the check above.
    let rounded = if sum > 0 {
        sum.wrapping_add(count / 2).checked_div(count)?
    } else {
        sum.wrapping_sub(count / 2).checked_div(count)?
    };
    Some(rounded.max(p.output_min).min(p.output_max))
}

/// int8 MAX_POOL_2D, bit-exact with TFLite Micro's reference kernel: the largest in-image input
/// (`-128` for an empty window), clamped to the activation range.
pub fn max_pool2d_i8(p: &Pool2dI8, input: &[i8], output: &mut [i8]) {
    // The reference clamps in int8, converting the bounds first (lossless for valid bounds).
    let (min, max) = (p.output_min as i8, p.output_max as i8);
    pool(&p.geometry, input, output, i8::MIN, i8::max, |m| {
        Some(m.max(min).min(max))
    });
}

/// int16 AVERAGE_POOL_2D (int16x8 quantization; `p` as for int8, bounds inside int16),
/// bit-exact with TFLite Micro's reference kernel: [`average_pool2d_i8`]'s arithmetic.
pub fn average_pool2d_i16(p: &Pool2dI8, input: &[i16], output: &mut [i16]) {
    pool(
        &p.geometry,
        input,
        output,
        (0i32, 0i32),
        |(sum, count), x| (sum.wrapping_add(i32::from(x)), count.wrapping_add(1)),
        |window| clamped_average(p, window).map(|v| v as i16),
    );
}

/// int16 MAX_POOL_2D (int16x8 quantization), bit-exact with TFLite Micro's reference kernel: the
/// largest in-image input (`-32768` for an empty window), clamped to the activation range.
pub fn max_pool2d_i16(p: &Pool2dI8, input: &[i16], output: &mut [i16]) {
    let (min, max) = (p.output_min as i16, p.output_max as i16);
    pool(&p.geometry, input, output, i16::MIN, i16::max, |m| {
        Some(m.max(min).min(max))
    });
}

/// float32 AVERAGE_POOL_2D, following TFLite's reference kernel: the in-image inputs summed from
/// `0.0` in row-then-column order, divided by their count (an `f32`), then clamped. A window
/// entirely in the padding leaves its outputs unchanged.
pub fn average_pool2d_f32(p: &Pool2dF32, input: &[f32], output: &mut [f32]) {
    pool(
        &p.geometry,
        input,
        output,
        (0.0f32, 0.0f32),
        |(total, count), x| (total + x, count + 1.0),
        |(total, count)| {
            (count != 0.0).then(|| clamp_f32(total / count, p.output_min, p.output_max))
        },
    );
}

/// float32 MAX_POOL_2D, following TFLite's reference kernel: `std::max` over the in-image inputs
/// starting from `f32::MIN` (a NaN input never replaces the running maximum), then clamped.
pub fn max_pool2d_f32(p: &Pool2dF32, input: &[f32], output: &mut [f32]) {
    pool(
        &p.geometry,
        input,
        output,
        f32::MIN,
        |m, x| if m < x { x } else { m },
        |m| Some(clamp_f32(m, p.output_min, p.output_max)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(input: [usize; 3], output: [usize; 2], filter: [usize; 2]) -> Pool2dGeometry {
        Pool2dGeometry {
            input_height: input[0],
            input_width: input[1],
            depth: input[2],
            output_height: output[0],
            output_width: output[1],
            filter_height: filter[0],
            filter_width: filter[1],
            stride_height: 1,
            stride_width: 1,
            padding_height: 0,
            padding_width: 0,
        }
    }

    fn int8(geometry: Pool2dGeometry) -> Pool2dI8 {
        Pool2dI8 {
            geometry,
            output_min: -128,
            output_max: 127,
        }
    }

    fn float(geometry: Pool2dGeometry) -> Pool2dF32 {
        Pool2dF32 {
            geometry,
            output_min: f32::MIN,
            output_max: f32::MAX,
        }
    }

    /// 3x3 SAME with a 3x3 window: corners see 4 taps, edges 6, the centre 9.
    fn same_3x3() -> Pool2dGeometry {
        let mut g = geometry([3, 3, 1], [3, 3], [3, 3]);
        g.padding_height = 1;
        g.padding_width = 1;
        g
    }

    #[test]
    fn clip_to_the_image() {
        assert_eq!(clip(0, 3, 1, 3), 0..2);
        assert_eq!(clip(1, 3, 1, 3), 0..3);
        assert_eq!(clip(2, 3, 1, 3), 1..3);
        assert_eq!(clip(4, 2, 0, 5), 4..5);
        // Entirely in the padding: empty.
        assert!(clip(0, 1, 1, 3).is_empty());
        assert!(clip(6, 2, 1, 3).is_empty());
    }

    #[test]
    fn int8_average_rounds_ties_away_from_zero() {
        // One 2x2 window over 7 channels; per channel sum / 4:
        // 2 -> 0.5 -> 1, -2 -> -1, -1 -> -0.25 -> 0, 6 -> 1.5 -> 2, -6 -> -2, -5 -> -1.25 -> -1,
        // -7 -> -1.75 -> -2.
        let first = [1i8, -1, -1, 3, -3, -5, -7];
        let second = [1i8, -1, 0, 3, -3, 0, 0];
        let mut input = [0i8; 28];
        input[..7].copy_from_slice(&first);
        input[7..14].copy_from_slice(&second);
        let p = int8(geometry([2, 2, 7], [1, 1], [2, 2]));
        let mut out = [0i8; 7];
        average_pool2d_i8(&p, &input, &mut out);
        assert_eq!(out, [1, -1, 0, 2, -2, -1, -2]);
    }

    #[test]
    fn int8_average_divides_by_in_image_taps_and_clamps() {
        let input = [1i8, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut p = int8(same_3x3());
        let mut out = [0i8; 9];
        average_pool2d_i8(&p, &input, &mut out);
        // Corner (1+2+4+5)/4 = 3; edge 21/6 = 3.5 -> 4; ...; centre 45/9 = 5.
        assert_eq!(out, [3, 4, 4, 5, 5, 6, 6, 7, 7]);
        // Negative mirror: ties go away from zero, to -4, not -3.
        let negative = input.map(|x| -x);
        average_pool2d_i8(&p, &negative, &mut out);
        assert_eq!(out, [-3, -4, -4, -5, -5, -6, -6, -7, -7]);
        p.output_min = -5;
        p.output_max = 6;
        average_pool2d_i8(&p, &input, &mut out);
        assert_eq!(out, [3, 4, 4, 5, 5, 6, 6, 6, 6]);
        average_pool2d_i8(&p, &negative, &mut out);
        assert_eq!(out, [-3, -4, -4, -5, -5, -5, -5, -5, -5]);
    }

    #[test]
    fn int8_max_ignores_padding_batches_and_channels() {
        // 2x2 image, 2x2 window, stride 1, padding only bottom/right (SAME): negative values
        // must not be beaten by a padded zero.
        let g = geometry([2, 2, 2], [2, 2], [2, 2]);
        let image = [-5i8, 1, -3, 2, -7, 3, -9, 4];
        let mut input = [0i8; 16];
        input[..8].copy_from_slice(&image);
        input[8..].copy_from_slice(&image.map(|x| x.saturating_mul(-1)));
        let mut p = int8(g);
        let mut out = [0i8; 16];
        max_pool2d_i8(&p, &input, &mut out);
        assert_eq!(
            out,
            [-3, 4, -3, 4, -7, 4, -9, 4, 9, -1, 9, -2, 9, -3, 9, -4]
        );
        p.output_min = -8;
        p.output_max = 3;
        max_pool2d_i8(&p, &input, &mut out);
        assert_eq!(
            out,
            [-3, 3, -3, 3, -7, 3, -8, 3, 3, -1, 3, -2, 3, -3, 3, -4]
        );
    }

    #[test]
    fn strided_windows() {
        // 4x4 image, 2x2 window, stride 2 (VALID): four disjoint windows.
        let mut g = geometry([4, 4, 1], [2, 2], [2, 2]);
        g.stride_height = 2;
        g.stride_width = 2;
        let input: [i8; 16] = core::array::from_fn(|i| i as i8);
        let mut out = [0i8; 4];
        max_pool2d_i8(&int8(g), &input, &mut out);
        assert_eq!(out, [5, 7, 13, 15]);
        average_pool2d_i8(&int8(g), &input, &mut out);
        // (0+1+4+5)/4 = 2.5 -> 3, 4.5 -> 5, 10.5 -> 11, 12.5 -> 13.
        assert_eq!(out, [3, 5, 11, 13]);
    }

    #[test]
    fn empty_windows() {
        // A 1x1 image padded by 1 on each side, 1x1 window: only the centre sees the image.
        let mut g = geometry([1, 1, 1], [3, 3], [1, 1]);
        g.padding_height = 1;
        g.padding_width = 1;
        let mut out = [99i8; 9];
        average_pool2d_i8(&int8(g), &[-4], &mut out);
        assert_eq!(out, [99, 99, 99, 99, -4, 99, 99, 99, 99]);
        // Max of nothing is -128, clamped.
        let mut p = int8(g);
        p.output_min = -100;
        max_pool2d_i8(&p, &[-4], &mut out);
        assert_eq!(out, [-100, -100, -100, -100, -4, -100, -100, -100, -100]);
        let mut out = [9.0f32; 9];
        average_pool2d_f32(&float(g), &[-4.0], &mut out);
        assert_eq!(out, [9.0, 9.0, 9.0, 9.0, -4.0, 9.0, 9.0, 9.0, 9.0]);
    }

    #[test]
    fn zero_dimensions_write_nothing() {
        let mut out = [7i8; 4];
        average_pool2d_i8(&int8(geometry([2, 2, 0], [1, 1], [2, 2])), &[], &mut out);
        max_pool2d_i8(
            &int8(geometry([2, 2, 1], [0, 1], [2, 2])),
            &[1; 4],
            &mut out,
        );
        assert_eq!(out, [7; 4]);
    }

    #[test]
    fn float_average_and_max() {
        let input = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        let mut p = float(same_3x3());
        let mut out = [0.0f32; 9];
        average_pool2d_f32(&p, &input, &mut out);
        assert_eq!(out, [3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0]);
        max_pool2d_f32(&p, &input, &mut out);
        assert_eq!(out, [5.0, 6.0, 6.0, 8.0, 9.0, 9.0, 8.0, 9.0, 9.0]);
        p.output_min = 4.0;
        p.output_max = 6.0;
        average_pool2d_f32(&p, &input, &mut out);
        assert_eq!(out, [4.0, 4.0, 4.0, 4.5, 5.0, 5.5, 6.0, 6.0, 6.0]);
    }

    #[test]
    fn float_average_sums_in_reference_order() {
        // Rows then columns from 0.0: (1e8 + 1) - 1e8 + 1 = 1 in f32, divided by 4.
        let p = float(geometry([2, 2, 1], [1, 1], [2, 2]));
        let mut out = [0.0f32];
        average_pool2d_f32(&p, &[1e8, 1.0, -1e8, 1.0], &mut out);
        assert_eq!(out, [0.25]);
    }

    #[test]
    fn float_max_skips_nan() {
        let p = float(geometry([2, 2, 1], [1, 1], [2, 2]));
        let mut out = [0.0f32];
        max_pool2d_f32(&p, &[f32::NAN, -3.0, f32::NAN, -2.0], &mut out);
        assert_eq!(out, [-2.0]);
        max_pool2d_f32(&p, &[f32::NAN; 4], &mut out);
        assert_eq!(out, [f32::MIN]);
    }
}
