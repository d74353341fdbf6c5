//! The output pixels of CONV_2D and DEPTHWISE_CONV_2D, and for each the filter taps that land
//! inside the input image.

use super::Conv2dGeometry;
use super::slices::{chunks_mut, rows, size};
use core::ops::Range;

/// Calls `f(image, out_y, out_x, out_pixel)` for every output pixel of every batch, where `image`
/// is that batch's input and `out_pixel` the pixel's `output_depth` outputs. Does nothing if any
/// dimension is zero.
///
/// An in-image pixel `(y, x)` of `image` starts at `(y * input_width + x) * input_depth`, below
/// `image.len()`: callers compute such indices with wrapping arithmetic, exact for in-image pixels
/// (the image's size is exact for a model's shapes, see [`size`]).
pub(super) fn for_each_pixel<T, U>(
    g: &Conv2dGeometry,
    input: &[T],
    output: &mut [U],
    mut f: impl FnMut(&[T], usize, usize, &mut [U]),
) {
    let image_len = size([g.input_height, g.input_width, g.input_depth]);
    let out_image_len = size([g.output_height, g.output_width, g.output_depth]);
    for (image, out_image) in rows(input, image_len, output, out_image_len) {
        let mut out_pixels = chunks_mut(out_image, g.output_depth);
        for out_y in 0..g.output_height {
            for out_x in 0..g.output_width {
                let Some(out_pixel) = out_pixels.next() else {
                    return;
                };
                f(image, out_y, out_x, out_pixel);
            }
        }
    }
}

/// The filter taps of one output pixel that land inside the input image. Along each axis these
/// are a contiguous range of filter indices (the input coordinate grows with the filter index), so
/// the in-image taps are the rectangle `rows x cols` of the filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Window {
    /// Filter rows inside the image.
    pub rows: Range<usize>,
    /// Filter columns inside the image.
    pub cols: Range<usize>,
    /// The input row of filter row `rows.start`.
    pub y: usize,
    /// The input column of filter column `cols.start`.
    pub x: usize,
}

/// The filter indices `f < filter` whose input coordinate `out * stride + f * dilation - padding`
/// lies in `0..size`, and the coordinate of the first. No division: a loop over the filter, once
/// per output pixel. The arithmetic wraps, so nonsensical geometry gives some window, not a
/// panic; for a model's geometry it is exact (with strides, dilations and filter sizes below
/// 2^15, and `out * stride` at most the padded input size, every term stays far below 2^32).
fn taps_inside(
    out: usize,
    stride: usize,
    dilation: usize,
    padding: usize,
    size: usize,
    filter: usize,
) -> (Range<usize>, usize) {
    let origin = out.wrapping_mul(stride);
    let coordinate = |f: usize| {
        origin
            .wrapping_add(f.wrapping_mul(dilation))
            .checked_sub(padding)
            .filter(|&c| c < size)
    };
    let mut first = 0;
    while first < filter && coordinate(first).is_none() {
        first += 1;
    }
    let mut end = first;
    while end < filter && coordinate(end).is_some() {
        end += 1;
    }
    (first..end, coordinate(first).unwrap_or(0))
}

impl Window {
    /// The in-image taps of output pixel `(out_y, out_x)`.
    pub fn new(g: &Conv2dGeometry, out_y: usize, out_x: usize) -> Window {
        let (rows, y) = taps_inside(
            out_y,
            g.stride_height,
            g.dilation_height,
            g.padding_height,
            g.input_height,
            g.filter_height,
        );
        let (cols, x) = taps_inside(
            out_x,
            g.stride_width,
            g.dilation_width,
            g.padding_width,
            g.input_width,
            g.filter_width,
        );
        Window { rows, cols, y, x }
    }

    /// The input pixel of the first in-image tap, `y * input_width + x` (its values start at
    /// `input_depth` times that). Wrapping, and exact for a non-empty window of an image whose
    /// size fits `usize` (see [`for_each_pixel`]).
    #[inline(always)]
    pub fn first_pixel(&self, g: &Conv2dGeometry) -> usize {
        self.y.wrapping_mul(g.input_width).wrapping_add(self.x)
    }

    /// The filter tap of the first in-image tap, `rows.start * filter_width + cols.start`.
    /// Wrapping, and exact for a non-empty window (it is below `filter_height * filter_width`).
    #[inline(always)]
    pub fn first_tap(&self, g: &Conv2dGeometry) -> usize {
        self.rows
            .start
            .wrapping_mul(g.filter_width)
            .wrapping_add(self.cols.start)
    }

    /// Whether every filter tap is inside the image.
    pub fn is_full(&self, g: &Conv2dGeometry) -> bool {
        self.rows.len() == g.filter_height && self.cols.len() == g.filter_width
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A geometry with unit strides and dilations and no padding.
    pub(crate) fn geometry(
        input: [usize; 3],
        output: [usize; 3],
        filter: [usize; 2],
    ) -> Conv2dGeometry {
        Conv2dGeometry {
            input_height: input[0],
            input_width: input[1],
            input_depth: input[2],
            output_height: output[0],
            output_width: output[1],
            output_depth: output[2],
            filter_height: filter[0],
            filter_width: filter[1],
            stride_height: 1,
            stride_width: 1,
            dilation_height: 1,
            dilation_width: 1,
            padding_height: 0,
            padding_width: 0,
        }
    }

    #[test]
    fn window_skips_padding() {
        let mut g = geometry([3, 3, 1], [3, 3, 1], [3, 3]);
        g.padding_height = 1;
        g.padding_width = 1;
        let window = |g: &Conv2dGeometry, y, x| Window::new(g, y, x);
        let corner = window(&g, 0, 0);
        assert_eq!(
            corner,
            Window {
                rows: 1..3,
                cols: 1..3,
                y: 0,
                x: 0
            }
        );
        assert!(!corner.is_full(&g));
        assert!(window(&g, 1, 1).is_full(&g));
        assert_eq!(window(&g, 2, 1).rows, 0..2);
        g.stride_height = 2;
        g.dilation_width = 2;
        // Output (1, 0): rows 1..=3 of which 1, 2 are inside; columns -1, 1, 3 of which only 1.
        assert_eq!(
            window(&g, 1, 0),
            Window {
                rows: 0..2,
                cols: 1..2,
                y: 1,
                x: 1
            }
        );
        // Entirely in the padding: no taps.
        g.padding_width = 5;
        assert!(window(&g, 0, 0).cols.is_empty());
    }
}
