//! RESIZE_BILINEAR (NHWC, int8 and float32): every output pixel interpolates the four input
//! pixels around the point it maps to.
//!
//! Where each output row and column maps to depends only on the shapes and the options, so the
//! compiler computes it at build time the way TFLM's reference kernel computes it per pixel
//! (TFLM's integer arithmetic, in 1/1024 of a pixel, for int8; float32 for float32), and the
//! kernels only blend. (RESIZE_NEAREST_NEIGHBOR copies pixels: it lowers to the table-driven
//! gather [`Gather4Table`](super::Gather4Table).)

use super::slices::{chunks_mut, rows, size, span};

/// int8 RESIZE_BILINEAR: output pixel `(y, x)` of an image blends input pixels at
/// `row_offsets[y][i] + column_offsets[x][j]` (`i, j` in `0..2`) with the weights
/// `(1024 - fy, fy)` and `(1024 - fx, fx)`, where `fy = row_fractions[y]` and
/// `fx = column_fractions[x]`, then divides by 2^20 rounding half away from zero (TFLM's
/// `ResizeBilinearInteger`). The values are blended as stored: TFLM does not requantize, so
/// the output has the input's scale and zero point in effect.
#[derive(Clone, Copy, Debug)]
pub struct ResizeBilinearI8<'a> {
    /// Values per input image (`height * width * depth`).
    pub input_image: usize,
    /// Channels.
    pub depth: usize,
    /// Per output row, the offsets of its two input rows (`y0 * width * depth` and
    /// `y1 * width * depth`).
    pub row_offsets: &'a [[usize; 2]],
    /// Per output row, the weight of the second input row in 1/1024 (`input_y - 1024 * y0`;
    /// between -512 and 1024).
    pub row_fractions: &'a [i32],
    /// Per output column, the offsets of its two input columns (`x0 * depth`, `x1 * depth`).
    pub column_offsets: &'a [[usize; 2]],
    /// Per output column, the weight of the second input column in 1/1024.
    pub column_fractions: &'a [i32],
}

/// float32 RESIZE_BILINEAR: as [`ResizeBilinearI8`], with the fractions of a pixel as floats
/// (`input_y - y0`), blended in TFLM's order without rounding.
#[derive(Clone, Copy, Debug)]
pub struct ResizeBilinearF32<'a> {
    /// Values per input image (`height * width * depth`).
    pub input_image: usize,
    /// Channels.
    pub depth: usize,
    /// Per output row, the offsets of its two input rows.
    pub row_offsets: &'a [[usize; 2]],
    /// Per output row, the weight of the second input row.
    pub row_fractions: &'a [f32],
    /// Per output column, the offsets of its two input columns.
    pub column_offsets: &'a [[usize; 2]],
    /// Per output column, the weight of the second input column.
    pub column_fractions: &'a [f32],
}

/// The four input pixels an output pixel blends, `[y0x0, y1x0, y0x1, y1x1]` (TFLM's order), each
/// `depth` values of `image`; empty where an offset is outside it (only if the parameters do not
/// fit the input).
#[inline(always)]
fn corners<T>(image: &[T], rows: [usize; 2], columns: [usize; 2], depth: usize) -> [&[T]; 4] {
    let at = |r: usize, c: usize| span(image, r.wrapping_add(c), depth);
    [
        at(rows[0], columns[0]),
        at(rows[1], columns[0]),
        at(rows[0], columns[1]),
        at(rows[1], columns[1]),
    ]
}

/// Calls `f(corners, row_weight, column_weight, out_pixel)` for every output pixel of every
/// image.
#[inline(always)]
fn for_each_output_pixel<T, U: Copy, O>(
    input: &[T],
    output: &mut [O],
    input_image: usize,
    depth: usize,
    row_taps: (&[[usize; 2]], &[U]),
    column_taps: (&[[usize; 2]], &[U]),
    mut f: impl FnMut([&[T]; 4], U, U, &mut [O]),
) {
    let out_image = size([row_taps.0.len(), column_taps.0.len(), depth]);
    for (image, out) in rows(input, input_image, output, out_image) {
        let mut pixels = chunks_mut(out, depth);
        for (&r, &fy) in row_taps.0.iter().zip(row_taps.1) {
            for (&c, &fx) in column_taps.0.iter().zip(column_taps.1) {
                let Some(pixel) = pixels.next() else { return };
                f(corners(image, r, c, depth), fy, fx, pixel);
            }
        }
    }
}

/// int8 RESIZE_BILINEAR (see [`ResizeBilinearI8`]).
pub fn resize_bilinear_i8(p: &ResizeBilinearI8, input: &[i8], output: &mut [i8]) {
    for_each_output_pixel(
        input,
        output,
        p.input_image,
        p.depth,
        (p.row_offsets, p.row_fractions),
        (p.column_offsets, p.column_fractions),
        |[v00, v10, v01, v11], fy, fx, pixel| {
            // The weights' magnitudes sum to at most 2048 per axis (a fraction is at least
            // -512), so a blend of int8 values stays below 2^29: exact in i32. Wrapping only so
            // that other parameters cannot trap in a debug build.
            let (wy0, wx0) = (1024i32.wrapping_sub(fy), 1024i32.wrapping_sub(fx));
            let weights = [
                wy0.wrapping_mul(wx0),
                fy.wrapping_mul(wx0),
                wy0.wrapping_mul(fx),
                fy.wrapping_mul(fx),
            ];
            let values = v00.iter().zip(v10).zip(v01.iter().zip(v11));
            for (o, ((&a, &b), (&c, &d))) in pixel.iter_mut().zip(values) {
                let sum = [a, b, c, d].iter().zip(weights).fold(0i32, |s, (&v, w)| {
                    s.wrapping_add(i32::from(v).wrapping_mul(w))
                });
                // TFLM's rounding without TFLITE_SINGLE_ROUNDING: half away from zero.
                let round = if sum > 0 { 1 << 19 } else { -(1 << 19) };
                *o = (sum.wrapping_add(round) / (1 << 20)) as i8;
            }
        },
    );
}

/// float32 RESIZE_BILINEAR (see [`ResizeBilinearF32`]).
pub fn resize_bilinear_f32(p: &ResizeBilinearF32, input: &[f32], output: &mut [f32]) {
    for_each_output_pixel(
        input,
        output,
        p.input_image,
        p.depth,
        (p.row_offsets, p.row_fractions),
        (p.column_offsets, p.column_fractions),
        |[v00, v10, v01, v11], dy, dx, pixel| {
            let values = v00.iter().zip(v10).zip(v01.iter().zip(v11));
            for (o, ((&a, &b), (&c, &d))) in pixel.iter_mut().zip(values) {
                *o = a * (1.0 - dy) * (1.0 - dx)
                    + b * dy * (1.0 - dx)
                    + c * (1.0 - dy) * dx
                    + d * dy * dx;
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_blends_and_rounds_half_away_from_zero() {
        // A 1x2 image of one channel, [-1, -2], upsampled to 1x3 with fractions 0, 512, 1024:
        // the middle is -1.5, which rounds to -2.
        let p = ResizeBilinearI8 {
            input_image: 2,
            depth: 1,
            row_offsets: &[[0, 0]],
            row_fractions: &[0],
            column_offsets: &[[0, 1], [0, 1], [0, 1]],
            column_fractions: &[0, 512, 1024],
        };
        let mut out = [0i8; 3];
        resize_bilinear_i8(&p, &[-1, -2], &mut out);
        assert_eq!(out, [-1, -2, -2]);
        resize_bilinear_i8(&p, &[1, 2], &mut out);
        assert_eq!(out, [1, 2, 2]);
    }

    #[test]
    fn float_blends_two_by_two() {
        // A 2x2 image of two channels, its centre.
        let p = ResizeBilinearF32 {
            input_image: 8,
            depth: 2,
            row_offsets: &[[0, 4]],
            row_fractions: &[0.5],
            column_offsets: &[[0, 2]],
            column_fractions: &[0.25],
        };
        let input = [0.0, 1.0, 4.0, 1.0, 8.0, 1.0, 12.0, 1.0];
        let mut out = [0.0f32; 2];
        resize_bilinear_f32(&p, &input, &mut out);
        assert_eq!(out, [5.0, 1.0]);
    }

    #[test]
    fn offsets_outside_the_input_write_nothing() {
        let p = ResizeBilinearI8 {
            input_image: 2,
            depth: 1,
            row_offsets: &[[0, 0]],
            row_fractions: &[0],
            column_offsets: &[[0, 9]],
            column_fractions: &[512],
        };
        let mut out = [7i8; 1];
        resize_bilinear_i8(&p, &[1, 2], &mut out);
        assert_eq!(out, [7]);
    }
}
