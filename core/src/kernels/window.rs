//! The output pixels of CONV_2D and DEPTHWISE_CONV_2D, and for each the filter taps that land
//! inside the input image.

use super::Conv2dGeometry;
use super::slices::{chunks_mut, rows, size, span};
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

/// How many values a kernel's input must start after its output, at least, for `images`
/// images, when the kernel walks the output pixels in order, `step` at a time, and writes a
/// step's outputs only after reading every input its windows need: for each step, in image
/// order, the step's end in the output against the first input value a later pixel's window reads
/// (or the next image's start). An input starting that far after the output may overlap it.
pub const fn overlap_gap(g: &Conv2dGeometry, images: usize, step: usize) -> usize {
    let pixels = g.output_height.saturating_mul(g.output_width);
    let image_len = g
        .input_height
        .saturating_mul(g.input_width)
        .saturating_mul(g.input_depth) as i128;
    let depth = g.output_depth as i128;
    let out_image_len = (pixels as i128).saturating_mul(depth);
    let step = if step == 0 { 1 } else { step };
    let mut gap = 0i128;
    // The difference is affine in the image's index: its extremes are the first and last.
    let mut image = 0usize;
    while image < images {
        let (input_at, output_at) = (image as i128 * image_len, image as i128 * out_image_len);
        let mut pixel = 0usize;
        while pixel < pixels {
            let end = if pixels - pixel >= step {
                pixel + step
            } else {
                pixels
            };
            let written = output_at + end as i128 * depth;
            let needed = if end < pixels {
                // The first input value a later pixel's window reads: the next pixel's, or the
                // first of a later row's (each row's windows start further on).
                let (y, x) = (end / g.output_width, end % g.output_width);
                let next = window_start(g, y, x);
                let next_row = window_start(g, y + 1, 0);
                let first = if next < next_row { next } else { next_row };
                input_at + if first < image_len { first } else { image_len }
            } else {
                input_at + image_len
            };
            if written - needed > gap {
                gap = written - needed;
            }
            pixel = end;
        }
        image = if image + 1 < images.saturating_sub(1) {
            images - 1
        } else {
            image + 1
        };
    }
    if gap > usize::MAX as i128 {
        usize::MAX
    } else {
        gap as usize
    }
}

/// The index in its image of the first input value output pixel `(y, x)`'s window reads: its
/// first row and column inside the image (clamped at 0; past the image's end for a window
/// below it).
const fn window_start(g: &Conv2dGeometry, y: usize, x: usize) -> i128 {
    let row = y as i128 * g.stride_height as i128 - g.padding_height as i128;
    let col = x as i128 * g.stride_width as i128 - g.padding_width as i128;
    let row = if row < 0 { 0 } else { row };
    let col = if col < 0 { 0 } else { col };
    (row * g.input_width as i128 + col) * g.input_depth as i128
}

/// Output channels up to which [`PixelIo::Shared`] walks a kernel whose output overlaps its input
/// (each pixel's outputs are computed into a buffer of this many values, then stored).
pub(super) const SHARED_DEPTH: usize = 64;

/// Where a pixel walk's input and output are: two slices, or one slice in which they may
/// overlap. One type with a branch, not a type per form, so that a firmware calling both forms
/// links one copy of each kernel.
pub(super) enum PixelIo<'a, T> {
    /// An input and an output in separate slices.
    Apart(&'a [T], &'a mut [T]),
    /// An input and an output in one slice, `places = [input start, input length, output
    /// start, output length]` (in values), which may overlap. Each pixel's outputs are
    /// computed into a local buffer while the input is borrowed, then stored, so a kernel never
    /// holds the input and the output at once; it reads the input correctly only if the input
    /// starts at least [`overlap_gap`] (one pixel a step) after the output. At most
    /// [`SHARED_DEPTH`] output channels (none are written otherwise).
    Shared(&'a mut [T], [usize; 4]),
}

impl<T: Copy + Default> PixelIo<'_, T> {
    /// Calls `f(image, out_y, out_x, out_pixel)` for every output pixel of every image, in
    /// order, where `image` is that image's input and `out_pixel` the pixel's `output_depth`
    /// outputs (see [`for_each_pixel`]).
    #[inline(always)]
    pub fn each(&mut self, g: &Conv2dGeometry, mut f: impl FnMut(&[T], usize, usize, &mut [T])) {
        let depth = g.output_depth;
        let (inputs, outputs) = match self {
            PixelIo::Apart(input, output) => (input.len(), output.len()),
            PixelIo::Shared(data, [input_at, inputs, output_at, outputs]) => {
                let within = |at: usize, len: usize| {
                    at.checked_add(len).is_some_and(|end| end <= data.len())
                };
                if depth > SHARED_DEPTH
                    || !within(*input_at, *inputs)
                    || !within(*output_at, *outputs)
                {
                    return;
                }
                (*inputs, *outputs)
            }
        };
        let image_len = size([g.input_height, g.input_width, g.input_depth]);
        let out_image_len = size([g.output_height, g.output_width, depth]);
        let count = |len: usize, n: usize| len.checked_div(n).unwrap_or(0);
        let images = count(inputs, image_len).min(count(outputs, out_image_len));
        let mut local = [T::default(); SHARED_DEPTH];
        let mut at = 0usize;
        for image in 0..images {
            let start = image.wrapping_mul(image_len);
            for out_y in 0..g.output_height {
                for out_x in 0..g.output_width {
                    let (input, out): (&[T], &mut [T]) = match self {
                        PixelIo::Apart(input, output) => {
                            let Some(out) = output.get_mut(at..at.wrapping_add(depth)) else {
                                return;
                            };
                            (span(input, start, image_len), out)
                        }
                        PixelIo::Shared(data, places) => (
                            span(data, places[0].wrapping_add(start), image_len),
                            local.get_mut(..depth).unwrap_or(&mut []),
                        ),
                    };
                    f(input, out_y, out_x, out);
                    if let PixelIo::Shared(data, places) = self {
                        // The pixel's outputs, stored once the input is no longer borrowed.
                        let to = places[2].wrapping_add(at);
                        if let Some(out) = data.get_mut(to..to.wrapping_add(depth)) {
                            copy(out, &local);
                        }
                    }
                    at = at.wrapping_add(depth);
                }
            }
        }
    }
}

/// `dst` from the start of `src`, four values a move where it can.
#[inline(always)]
fn copy<T: Copy>(dst: &mut [T], src: &[T]) {
    let (dst4, dst_rest) = dst.as_chunks_mut::<4>();
    let whole = dst4.len().wrapping_mul(4);
    for (d, s) in dst4.iter_mut().zip(src.as_chunks::<4>().0) {
        *d = *s;
    }
    for (d, s) in dst_rest.iter_mut().zip(src.get(whole..).unwrap_or(&[])) {
        *d = *s;
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
