//! CONV_2D over NHWC tensors with `[output_depth][filter_height][filter_width][input_depth]`
//! weights. Taps that fall in the padding are skipped (not read as zeros), like TFLite's reference
//! kernels, which matters for int8 because a padded zero would still carry the input offset.

use super::arch::{
    blocked_loop_takes, conv_pairs_i8, dot_i8, dot2_i8, mac1x2_i8, mac2x2_i8, requantize2,
    widen_rows_i8, widen4_i8,
};
use super::epilogue::{bias_f32, clamp_f32};
use super::requantize::scale_down;
use super::slices::{chunks, enumerate, size, span};
use super::window::{Window, for_each_pixel, overlap_gap};
use super::{Conv2dF32, Conv2dGeometry, Conv2dI8, Conv2dI8Blocked};
use crate::quant::requantize_to_i8;

/// Folds `dot(acc, inputs, at)` over the in-image taps of one output pixel of CONV_2D, in the
/// reference order (filter rows, filter columns, input channels), a run of contiguous input
/// values at a time, where `at` is the index of the run's first weight in a channel's
/// `[filter_height][filter_width][input_depth]` weights: a whole filter row's in-image taps when
/// columns are not dilated (the inputs are then adjacent), else one tap's `input_depth` values.
///
/// The index arithmetic wraps. It is exact for every value used when the geometry fits the
/// slices: the first tap's image index and a run's length are below the image's length (the
/// taps are inside the image), filter indices below the filter's length; the step to the next
/// row (column) is smaller than the image whenever a second in-image row (column) uses it. For
/// a one-row window it may overflow (a dilation near 2^31 on a 32-bit target): it is then only
/// added after the last row, to an index nothing reads. Indices that do not fit (only for a
/// geometry that does not fit the slices) fail the bounds check of the run, which is skipped.
#[inline(always)]
fn fold_window<X, A>(
    g: &Conv2dGeometry,
    w: &Window,
    image: &[X],
    init: A,
    dot: impl Fn(A, &[X], usize) -> A,
) -> A {
    let depth = g.input_depth;
    let (runs, run_len) = if g.dilation_width == 1 {
        (1, w.cols.len().wrapping_mul(depth))
    } else {
        (w.cols.len(), depth)
    };
    let image_row_step = g
        .dilation_height
        .wrapping_mul(g.input_width)
        .wrapping_mul(depth);
    let filter_row_step = g.filter_width.wrapping_mul(depth);
    let image_run_step = g.dilation_width.wrapping_mul(depth);
    let mut image_row = w.first_pixel(g).wrapping_mul(depth);
    let mut filter_row = w.first_tap(g).wrapping_mul(depth);
    let mut acc = init;
    for _ in w.rows.clone() {
        let (mut at_image, mut at_filter) = (image_row, filter_row);
        for _ in 0..runs {
            // `run_len` long (a run out of bounds, only if the geometry does not fit the
            // slices, is skipped), so the dot product has one trip count.
            if let Some(xs) = image.get(at_image..).and_then(|r| r.get(..run_len)) {
                acc = dot(acc, xs, at_filter);
            }
            at_image = at_image.wrapping_add(image_run_step);
            at_filter = at_filter.wrapping_add(depth);
        }
        image_row = image_row.wrapping_add(image_row_step);
        filter_row = filter_row.wrapping_add(filter_row_step);
    }
    acc
}

/// The sum of one output channel's weights at the taps outside the image (`filter` is the
/// channel's `[filter_height][filter_width][input_depth]` weights), wrapping.
fn sum_outside(g: &Conv2dGeometry, w: &Window, filter: &[i8]) -> i32 {
    let depth = g.input_depth;
    // Below the filter row's length `filter_width * depth` (exact, see `conv2d_i8`).
    let (left, right) = (
        w.cols.start.wrapping_mul(depth),
        w.cols.end.wrapping_mul(depth),
    );
    let sum = |ws: Option<&[i8]>| {
        ws.unwrap_or(&[])
            .iter()
            .fold(0i32, |s, &v| s.wrapping_add(i32::from(v)))
    };
    enumerate(chunks(filter, g.filter_width.wrapping_mul(depth)).take(g.filter_height)).fold(
        0i32,
        |total, (fy, row)| {
            let outside = if w.rows.contains(&fy) {
                sum(row.get(..left)).wrapping_add(sum(row.get(right..)))
            } else {
                sum(Some(row))
            };
            total.wrapping_add(outside)
        },
    )
}

/// The output of channel `c` (weights `filter`) from its accumulator (bias already added):
/// corrected for the out-of-image taps if `correct`, requantized; `None` for a channel without
/// requantization parameters (only if they do not fit the shapes). Inlined into each caller.
#[inline(always)]
fn finish_channel(
    p: &Conv2dI8,
    window: &Window,
    correct: bool,
    c: usize,
    filter: &[i8],
    acc: i32,
) -> Option<i8> {
    let (multiplier, shift) = p.requantize.channel(c)?;
    let acc = if correct {
        acc.wrapping_sub(
            p.input_offset
                .wrapping_mul(sum_outside(&p.geometry, window, filter)),
        )
    } else {
        acc
    };
    Some(requantize_to_i8(
        acc,
        multiplier,
        shift,
        p.output_offset,
        p.output_min,
        p.output_max,
    ))
}

/// int8 CONV_2D with per-channel (or per-tensor) requantization, bit-exact with TFLite Micro's
/// reference `ConvPerChannel`.
///
/// Each output is `sum(w * (x + input_offset))` over in-image taps (wrapping int32), plus the
/// bias, requantized with its channel's multiplier and shift, offset and clamped. The input
/// offset's share is folded: `bias` already holds `bias + input_offset * sum(w)` over *all* taps
/// (computed at compile time), so the MAC loop is a plain int8 dot product, and only a pixel whose
/// window leaves the image subtracts `input_offset * sum(w)` over its out-of-image taps. The
/// result is the reference's modulo 2^32. The batch count is the number of whole images in both
/// `input` and `output`. Grouped convolution (filter depth smaller than the input depth) is not
/// supported. Zero dimensions write nothing; channels without a weight row, bias or
/// requantization entry (only if the parameters do not fit the shapes) are left as they are.
pub fn conv2d_i8(p: &Conv2dI8, input: &[i8], output: &mut [i8]) {
    let g = &p.geometry;
    let filter_len = size([g.filter_height, g.filter_width, g.input_depth]);
    if filter_len == 0 {
        return;
    }
    for_each_pixel(g, input, output, |image, out_y, out_x, out_pixel| {
        let window = Window::new(g, out_y, out_x);
        let full = window.is_full(g);
        let correct = p.input_offset != 0 && !full;
        // All of a full window's inputs in one run when the filter is 1x1 (pointwise), so that
        // each pair of channels is one dot product.
        let run = (full && g.filter_height == 1 && g.filter_width == 1).then(|| {
            span(
                image,
                window.first_pixel(g).wrapping_mul(g.input_depth),
                filter_len,
            )
        });
        // Output channels two at a time, so that each input value is loaded once per pair;
        // channels past the weights, biases or requantization parameters (only if they do not
        // fit the shapes) are left as they are.
        let mut channels = chunks(p.weights, filter_len).zip(p.bias);
        let mut outs = out_pixel.iter_mut();
        // Counts the channels written, below `output_depth`.
        let mut c = 0usize;
        while let (Some(o0), Some((f0, &b0))) = (outs.next(), channels.next()) {
            if let (Some(o1), Some((f1, &b1))) = (outs.next(), channels.next()) {
                let (a0, a1) = match run {
                    Some(xs) => dot2_i8((b0, b1), xs, f0, f1),
                    None => fold_window(g, &window, image, (b0, b1), |acc, xs, at| {
                        dot2_i8(acc, xs, span(f0, at, xs.len()), span(f1, at, xs.len()))
                    }),
                };
                let Some(v0) = finish_channel(p, &window, correct, c, f0, a0) else {
                    break;
                };
                *o0 = v0;
                let Some(v1) = finish_channel(p, &window, correct, c.wrapping_add(1), f1, a1)
                else {
                    break;
                };
                *o1 = v1;
                c = c.wrapping_add(2);
            } else {
                let acc = fold_window(g, &window, image, b0, |acc, xs, at| {
                    dot_i8(acc, xs, span(f0, at, xs.len()))
                });
                if let Some(v0) = finish_channel(p, &window, correct, c, f0, acc) {
                    *o0 = v0;
                }
                break;
            }
        }
    });
}

/// The groups of four of one output channel's `filter_height * filter_width * input_depth`
/// weights (the last one zero-padded): the unit of [`conv2d_i8_blocked`]'s weights and columns.
/// Wrapping, exact for a model's shapes.
#[inline(always)]
pub(super) fn blocked_groups(g: &Conv2dGeometry) -> usize {
    size([g.filter_height, g.filter_width, g.input_depth]).div_ceil(4)
}

/// Writes one pixel's im2col column group by group, in order (lanes `lane` and `lane + 1` of
/// each group: pixel A's words, or B's): whole groups of four values as the two [`widen4_i8`]
/// words, values that do not start a group (a run of taps that does not, with 1 or 3 input
/// channels) gathered in a pending word until it is full. Groups past `columns` are not written
/// (only if the geometry does not fit the scratch buffer).
struct ColumnWriter<'c> {
    columns: &'c mut [[i32; 4]],
    lane: usize,
    /// The next group to write.
    group: usize,
    /// Values of the next group so far, little-endian bytes.
    pending: u32,
    /// How many (0 to 3).
    filled: u32,
}

impl ColumnWriter<'_> {
    /// Writes one whole group.
    #[inline(always)]
    fn word(&mut self, x: [i8; 4]) {
        if let Some(d) = self.columns.get_mut(self.group) {
            let [even, odd] = widen4_i8(x);
            let lane = self.lane & 2;
            d[lane] = even;
            d[lane + 1] = odd;
        }
        self.group = self.group.wrapping_add(1);
    }

    /// Adds one value to the pending group, writing it when full.
    #[inline(always)]
    fn value(&mut self, v: i8) {
        self.pending |= u32::from(v as u8) << (8 * (self.filled & 3));
        self.filled = self.filled.wrapping_add(1);
        if self.filled == 4 {
            self.word(self.pending.to_le_bytes().map(|b| b as i8));
            (self.pending, self.filled) = (0, 0);
        }
    }

    /// Writes `count` values: `src`'s (contiguous), or `fill` where there is none (taps outside
    /// the image). Out of line: the windows that take it (at the image's edges) are few, and
    /// every inlined copy costs flash.
    #[inline(never)]
    fn run(&mut self, src: Option<&[i8]>, fill: i8, count: usize) {
        if self.filled == 0 && count.is_multiple_of(4) {
            // Whole groups from a group boundary (whole taps of 4k channels, whole filter
            // rows): the words alone.
            self.words(src, fill, count / 4);
            return;
        }
        let mut done = 0;
        while self.filled != 0 && done < count {
            self.value(src.and_then(|s| s.get(done)).copied().unwrap_or(fill));
            done = done.wrapping_add(1);
        }
        let words = count.wrapping_sub(done) / 4;
        self.words(src.map(|s| s.get(done..).unwrap_or(&[])), fill, words);
        done = done.wrapping_add(words.wrapping_mul(4));
        while done < count {
            self.value(src.and_then(|s| s.get(done)).copied().unwrap_or(fill));
            done = done.wrapping_add(1);
        }
    }

    /// Writes `words` whole groups: `src`'s first `4 * words` values, or `fill`; in one pass
    /// over the destination (no per-group bounds check). Needs no pending values.
    #[inline(always)]
    fn words(&mut self, src: Option<&[i8]>, fill: i8, words: usize) {
        let lane = self.lane & 2;
        let dst = self.columns.get_mut(self.group..).unwrap_or(&mut []);
        let dst = dst.iter_mut().take(words);
        match src {
            Some(s) => {
                for (d, x) in dst.zip(s.as_chunks::<4>().0) {
                    let [even, odd] = widen4_i8(*x);
                    d[lane] = even;
                    d[lane + 1] = odd;
                }
            }
            None => {
                let [even, odd] = widen4_i8([fill; 4]);
                for d in dst {
                    d[lane] = even;
                    d[lane + 1] = odd;
                }
            }
        }
        self.group = self.group.wrapping_add(words);
    }

    /// Pads the last group with zeros, which add nothing whatever the weights.
    #[inline(always)]
    fn finish(&mut self) {
        while self.filled != 0 {
            self.value(0);
        }
    }
}

/// Which windows a variant of the blocked convolution gathers ([`gather`]), chosen by the
/// compiler from the layer's geometry so that a firmware links only the paths its layers use:
/// any window.
const ANY_WINDOW: u8 = 0;
/// A 1x1 filter: one tap per pixel ([`conv2d_i8_pointwise`]).
const POINTWISE: u8 = 1;
/// A window of at most [`STAGE`] values with a dilation width of 1: inside the image straight
/// from it or staged, at its edge always staged ([`conv2d_i8_staged`]).
const STAGED: u8 = 2;

/// Values per window that [`gather`] stages when its rows do not span whole groups or the
/// window leaves the image (128 bytes: 3x3x3 and 5x5x1 filters, micro_speech's 10x8x1). The
/// stage is one buffer per call of [`conv2d_i8_blocked`], zero from the start: windows write
/// only their first `k` values, so the rest of their last group stays zero.
const STAGE: usize = 128;

/// Writes one pixel's im2col column (`lane` 0: pixel A, 2: pixel B) for output pixel
/// `(out_y, out_x)`: all `filter_height * filter_width * input_depth` taps in the weights' order,
/// the image's values for taps inside it and the input zero point for taps outside, then zeros
/// to the end of the last group.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gather<const WINDOWS: u8>(
    g: &Conv2dGeometry,
    image: &[i8],
    out_y: usize,
    out_x: usize,
    zero_point: i8,
    columns: &mut [[i32; 4]],
    lane: usize,
    stage: &mut [i8; STAGE + 4],
) {
    let depth = g.input_depth;
    let mut column = ColumnWriter {
        columns,
        lane,
        group: 0,
        pending: 0,
        filled: 0,
    };
    if WINDOWS == POINTWISE
        || (WINDOWS == ANY_WINDOW && g.filter_height == 1 && g.filter_width == 1)
    {
        // A pointwise filter has one tap: no window to find (most convolutions of a MobileNet).
        let coordinate = |out: usize, stride: usize, padding: usize, size: usize| {
            out.wrapping_mul(stride)
                .checked_sub(padding)
                .filter(|&c| c < size)
        };
        let src = coordinate(out_y, g.stride_height, g.padding_height, g.input_height)
            .zip(coordinate(
                out_x,
                g.stride_width,
                g.padding_width,
                g.input_width,
            ))
            .and_then(|(y, x)| {
                let at = y
                    .wrapping_mul(g.input_width)
                    .wrapping_add(x)
                    .wrapping_mul(depth);
                image.get(at..).and_then(|r| r.get(..depth))
            });
        match src {
            Some(src) if depth.is_multiple_of(4) => {
                widen_rows_i8(src, 0, depth / 4, 1, column.columns, lane);
            }
            _ => {
                column.run(src, zero_point, depth);
                column.finish();
            }
        }
        return;
    }
    let row_len = g.filter_width.wrapping_mul(depth);
    // A window inside the image (most pixels) without the search for its in-image taps: its
    // first input pixel, and that its last row and column are inside.
    let first =
        |out: usize, stride: usize, padding: usize| out.wrapping_mul(stride).checked_sub(padding);
    let last = |first: usize, filter: usize, dilation: usize| {
        first.checked_add(filter.wrapping_sub(1).checked_mul(dilation)?)
    };
    if let (Some(y0), Some(x0)) = (
        first(out_y, g.stride_height, g.padding_height),
        first(out_x, g.stride_width, g.padding_width),
    ) {
        let inside_rows =
            last(y0, g.filter_height, g.dilation_height).is_some_and(|y| y < g.input_height);
        let inside_cols = last(x0, g.filter_width, 1).is_some_and(|x| x < g.input_width);
        if (WINDOWS == STAGED || g.dilation_width == 1) && inside_rows && inside_cols {
            let start = y0
                .wrapping_mul(g.input_width)
                .wrapping_add(x0)
                .wrapping_mul(depth);
            if row_len.is_multiple_of(4) {
                // Whole groups per filter row: the rows straight from the image.
                let stride = g
                    .dilation_height
                    .wrapping_mul(g.input_width)
                    .wrapping_mul(depth);
                let src = image.get(start..).unwrap_or(&[]);
                widen_rows_i8(
                    src,
                    stride,
                    row_len / 4,
                    g.filter_height,
                    column.columns,
                    lane,
                );
                return;
            }
            let k = g.filter_height.wrapping_mul(row_len);
            if WINDOWS == STAGED || k <= STAGE {
                // Rows that do not span whole groups (1 or 3 input channels, a first layer):
                // the window's values gathered byte by byte into a zero-padded stage, then
                // widened as whole groups.
                let mut at = 0usize;
                let mut y = y0;
                for _ in 0..g.filter_height {
                    let start = y
                        .wrapping_mul(g.input_width)
                        .wrapping_add(x0)
                        .wrapping_mul(depth);
                    let row = image
                        .get(start..)
                        .and_then(|r| r.get(..row_len))
                        .unwrap_or(&[]);
                    let dst = stage.get_mut(at..).unwrap_or(&mut []);
                    for (d, &v) in dst.iter_mut().zip(row) {
                        *d = v;
                    }
                    at = at.wrapping_add(row_len);
                    y = y.wrapping_add(g.dilation_height);
                }
                widen_rows_i8(&stage[..], 0, k.div_ceil(4), 1, column.columns, lane);
                return;
            }
            let mut y = y0;
            for _ in 0..g.filter_height {
                let start = y
                    .wrapping_mul(g.input_width)
                    .wrapping_add(x0)
                    .wrapping_mul(depth);
                let row = image.get(start..).and_then(|r| r.get(..row_len));
                column.run(row, zero_point, row_len);
                y = y.wrapping_add(g.dilation_height);
            }
            column.finish();
            return;
        }
    }
    let window = Window::new(g, out_y, out_x);
    let k = g.filter_height.wrapping_mul(row_len);
    if WINDOWS == STAGED || (g.dilation_width == 1 && k <= STAGE) {
        // A window at the image's edge, small enough to stage: the zero point everywhere, the
        // in-image part of each row copied over it, then widened as whole groups.
        if let Some(window_values) = stage.get_mut(..k) {
            window_values.fill(zero_point);
        }
        let (skip, len) = (
            window.cols.start.wrapping_mul(depth),
            window.cols.len().wrapping_mul(depth),
        );
        let mut y = window.y;
        for fy in window.rows.clone() {
            let start = y
                .wrapping_mul(g.input_width)
                .wrapping_add(window.x)
                .wrapping_mul(depth);
            let row = image.get(start..).and_then(|r| r.get(..len)).unwrap_or(&[]);
            let at = fy.wrapping_mul(row_len).wrapping_add(skip);
            let dst = stage.get_mut(at..).unwrap_or(&mut []);
            for (d, &v) in dst.iter_mut().zip(row) {
                *d = v;
            }
            y = y.wrapping_add(g.dilation_height);
        }
        widen_rows_i8(&stage[..], 0, k.div_ceil(4), 1, column.columns, lane);
        return;
    }
    let whole_rows =
        g.dilation_width == 1 && window.cols.start == 0 && window.cols.end == g.filter_width;
    let tap = |y: usize, x: usize| {
        let at = y
            .wrapping_mul(g.input_width)
            .wrapping_add(x)
            .wrapping_mul(depth);
        image.get(at..).and_then(|r| r.get(..depth))
    };
    let mut y = window.y;
    for fy in 0..g.filter_height {
        let inside = window.rows.contains(&fy);
        if !inside || whole_rows {
            // A whole filter row: contiguous in the image (or all outside it).
            let src = inside
                .then(|| {
                    let start = y.wrapping_mul(g.input_width).wrapping_add(window.x);
                    image
                        .get(start.wrapping_mul(depth)..)
                        .and_then(|r| r.get(..row_len))
                })
                .flatten();
            column.run(src, zero_point, row_len);
        } else if g.dilation_width == 1 {
            // A row cut by the image's left or right edge: the zero point, the contiguous
            // in-image taps, the zero point.
            let (left, inside_cols) = (window.cols.start, window.cols.len());
            let right = g.filter_width.wrapping_sub(window.cols.end);
            let start = y.wrapping_mul(g.input_width).wrapping_add(window.x);
            let len = inside_cols.wrapping_mul(depth);
            let src = image
                .get(start.wrapping_mul(depth)..)
                .and_then(|r| r.get(..len));
            column.run(None, zero_point, left.wrapping_mul(depth));
            column.run(src, zero_point, len);
            column.run(None, zero_point, right.wrapping_mul(depth));
        } else {
            let mut x = window.x;
            for fx in 0..g.filter_width {
                let src = if inside && window.cols.contains(&fx) {
                    let src = tap(y, x);
                    x = x.wrapping_add(g.dilation_width);
                    src
                } else {
                    None
                };
                column.run(src, zero_point, depth);
            }
        }
        if inside {
            y = y.wrapping_add(g.dilation_height);
        }
    }
    column.finish();
}

/// TFLM's requantization of one accumulator ([`requantize_to_i8`]) for a multiplier in
/// `[0, 2^31)` and a right shift by `exponent` in `0..=31` (see
/// [`Conv2dI8Blocked::channels`]), through [`scale_down`].
#[inline(always)]
fn requantize(acc: i32, multiplier: i32, exponent: i32, offset: i32, min: i32, max: i32) -> i8 {
    scale_down(acc, multiplier, exponent)
        .wrapping_add(offset)
        .max(min)
        .min(max) as i8
}

/// int8 CONV_2D as a register-blocked matrix product, bit-exact with TFLite Micro's reference
/// `ConvPerChannel` (as [`conv2d_i8`], which it replaces in generated code).
///
/// Output pixels go two at a time (A and B): each pixel's window is written once into
/// `scratch` as an im2col column of 16-bit values (out-of-image taps as the input zero point,
/// which with the folded bias is exact: see [`Conv2dI8Blocked::input_zero_point`]); then each
/// pair of output channels is one pass over both columns with all four accumulators in
/// registers (`mac2x2_i8`: per group of four taps, two weight words and four input words feed
/// eight `SMLAD`s on Cortex-M4), and the four results are requantized and stored. An odd last
/// pixel is computed with a stale B column whose results are dropped; an odd last channel
/// takes `mac1x2_i8`.
///
/// `scratch` holds `4 * G` words (`G` groups, see [`Conv2dI8Blocked`]). The batch count is the
/// number of whole images in both `input` and `output`. Zero dimensions write nothing; if the
/// weights, scratch, biases or requantization parameters do not fit the shapes (never for the
/// compiler's parameters) the channels and pixels they do not cover are left as they are.
pub fn conv2d_i8_blocked(
    p: &Conv2dI8Blocked,
    input: &[i8],
    output: &mut [i8],
    scratch: &mut [i32],
) {
    any_window_any_scale(p, &mut Images::Apart { input, output }, scratch);
}

#[inline(always)]
fn any_window_any_scale(p: &Conv2dI8Blocked, io: &mut Images, scratch: &mut [i32]) {
    blocked::<ANY_WINDOW, true>(p, io, scratch);
}

/// [`conv2d_i8_blocked`] for a 1x1 filter whose channels all shift right (every record's
/// exponent in `1..=31`): the compiler's choice for such a layer, which links neither the
/// window search nor the general requantization. Other parameters write nothing, and so do
/// weights the backend's loop does not take (on Cortex-M4, weights not 4-byte aligned: the
/// compiler's are; likewise for the variants below).
pub fn conv2d_i8_pointwise(
    p: &Conv2dI8Blocked,
    input: &[i8],
    output: &mut [i8],
    scratch: &mut [i32],
) {
    pointwise_entry(p, &mut Images::Apart { input, output }, scratch);
}

#[inline(always)]
fn pointwise_entry(p: &Conv2dI8Blocked, io: &mut Images, scratch: &mut [i32]) {
    let g = &p.geometry;
    if g.filter_height == 1 && g.filter_width == 1 {
        blocked::<POINTWISE, false>(p, io, scratch);
    }
}

/// [`conv2d_i8_blocked`] for windows of at most 128 values with a dilation width of 1 whose
/// channels all shift right (every record's exponent in `1..=31`): the compiler's choice for
/// such a layer (3x3 filters over up to 14 channels, micro_speech's 10x8x1), which links only
/// the staged gather and the fast requantization. Other parameters write nothing.
pub fn conv2d_i8_staged(p: &Conv2dI8Blocked, input: &[i8], output: &mut [i8], scratch: &mut [i32]) {
    staged_entry(p, &mut Images::Apart { input, output }, scratch);
}

#[inline(always)]
fn staged_entry(p: &Conv2dI8Blocked, io: &mut Images, scratch: &mut [i32]) {
    let g = &p.geometry;
    let k = size([g.filter_height, g.filter_width, g.input_depth]);
    if g.dilation_width == 1 && k <= STAGE {
        blocked::<STAGED, false>(p, io, scratch);
    }
}

/// [`conv2d_i8_blocked`] for any window whose channels all shift right (every record's
/// exponent in `1..=31`): the compiler's choice for the layers [`conv2d_i8_pointwise`] and
/// [`conv2d_i8_staged`] do not take, without the general requantization. Other parameters
/// write nothing.
pub fn conv2d_i8_windowed(
    p: &Conv2dI8Blocked,
    input: &[i8],
    output: &mut [i8],
    scratch: &mut [i32],
) {
    any_window_entry(p, &mut Images::Apart { input, output }, scratch);
}

#[inline(always)]
fn any_window_entry(p: &Conv2dI8Blocked, io: &mut Images, scratch: &mut [i32]) {
    blocked::<ANY_WINDOW, false>(p, io, scratch);
}

/// The shared-slice forms of the blocked convolution's entry points, for an output that may
/// overlap its input: `data` holds both, `places = [input start, input length, output start,
/// output length]` in values. The compiler calls them when its memory plan overlaps the two,
/// with the input starting at least [`conv2d_i8_overlap_gap`] values after the output (proven
/// at build time): the kernel gathers each pixel pair's windows before writing their outputs, so
/// it never writes a value it has still to read. Placed closer, the results are wrong, never
/// undefined: the input and the output are borrowed in turn, never at once.
macro_rules! shared_forms {
    ($( $shared:ident => $entry:ident ($public:ident), )*) => {
        $(
            #[doc = concat!("[`", stringify!($public), "`] with its input and output in one slice (see [`conv2d_i8_overlap_gap`]).")]
            pub fn $shared(
                p: &Conv2dI8Blocked,
                data: &mut [i8],
                places: [usize; 4],
                scratch: &mut [i32],
            ) {
                $entry(p, &mut Images::Shared { data, places }, scratch);
            }
        )*
    };
}

shared_forms! {
    conv2d_i8_blocked_shared => any_window_any_scale(conv2d_i8_blocked),
    conv2d_i8_pointwise_shared => pointwise_entry(conv2d_i8_pointwise),
    conv2d_i8_staged_shared => staged_entry(conv2d_i8_staged),
    conv2d_i8_windowed_shared => any_window_entry(conv2d_i8_windowed),
}

/// How many values the input of [`conv2d_i8_blocked_shared`] and its variants must start after
/// their output, at least, for `images` images, so that no output value is written before the
/// last read of the input value it replaces: for each pixel pair, in image order, the pair's
/// end in the output against the first input value a later pixel's window reads (or the next
/// image). An input starting that far after the output may overlap it.
pub const fn conv2d_i8_overlap_gap(p: &Conv2dI8Blocked, images: usize) -> usize {
    // Pixel pairs: both windows are gathered before either output is written.
    overlap_gap(&p.geometry, images, 2)
}

/// The blocked convolution, its window kind and whether it takes every scale chosen by the
/// entry points above. Out of line: the two-slice and shared-slice entry points of a variant
/// share one copy.
#[inline(never)]
fn blocked<const WINDOWS: u8, const ANY_SCALE: bool>(
    p: &Conv2dI8Blocked,
    io: &mut Images,
    scratch: &mut [i32],
) {
    let g = &p.geometry;
    let depth = g.output_depth;
    let groups = blocked_groups(g);
    if groups == 0 || depth == 0 {
        return;
    }
    let Some(columns) = scratch.get_mut(..groups.wrapping_mul(4)) else {
        return;
    };
    let (columns, _) = columns.as_chunks_mut::<4>();
    let pairs = depth / 2;
    let Some((pair_weights, last_weights)) = p
        .weights
        .split_at_checked(pairs.wrapping_mul(groups).wrapping_mul(8))
    else {
        return;
    };
    let (pair_weights, _) = pair_weights.as_chunks::<8>();
    let last_weights = last_weights.as_chunks::<4>().0;
    let (channel_pairs, last_channel) = p.channels.as_chunks::<2>();
    // Every pair channel has a rounding shift (exponent 1 to 31): the backend's whole-pair loop.
    let rounding_shifts = channel_pairs
        .as_flattened()
        .iter()
        .all(|c| (1..=31).contains(&c[2]));
    // The backend's whole-pair loop takes them (on Cortex-M4: aligned weights, an int8 clamp).
    let pair_loop = rounding_shifts && blocked_loop_takes(p.weights, p.output_min, p.output_max);
    if !ANY_SCALE && !pair_loop {
        return;
    }
    // An odd depth's last channel, computed alone.
    let last_channel = last_channel.first().filter(|_| depth % 2 == 1);
    let (offset, min, max) = (p.output_offset, p.output_min, p.output_max);
    let image_len = size([g.input_height, g.input_width, g.input_depth]);
    let out_image_len = size([g.output_height, g.output_width, depth]);
    let pixels = g.output_height.wrapping_mul(g.output_width);
    let mut stage = [0i8; STAGE + 4];
    for image in 0..io.images(image_len, out_image_len) {
        let (mut y, mut x) = (0usize, 0usize);
        let mut pixel = 0usize;
        while pixel < pixels {
            // Both pixels' windows are gathered before either output is written: a kernel
            // whose output overlaps its input (`conv2d_i8_overlap_gap`) relies on it.
            let both = pixels.wrapping_sub(pixel) >= 2;
            let window = io.input(image, image_len);
            for lane in [0, 2] {
                if lane == 0 || both {
                    gather::<WINDOWS>(
                        g,
                        window,
                        y,
                        x,
                        p.input_zero_point,
                        columns,
                        lane,
                        &mut stage,
                    );
                    x = x.wrapping_add(1);
                    if x == g.output_width {
                        x = 0;
                        y = y.wrapping_add(1);
                    }
                }
            }
            let count = if both { 2 } else { 1 };
            let start = image
                .wrapping_mul(out_image_len)
                .wrapping_add(pixel.wrapping_mul(depth));
            pixel = pixel.wrapping_add(count);
            let out = io.output(start, count.wrapping_mul(depth));
            if out.len() < count.wrapping_mul(depth) {
                // Parameters that do not fit the slices (never the compiler's): the pixels the
                // output holds are done, and the loop ends with them.
                break;
            }
            let (out_a, rest) = out.split_at_mut(depth.min(out.len()));
            let mut out_b = both.then_some(rest);
            if !ANY_SCALE || pair_loop {
                // Every channel pair in one pass of the backend's loop.
                conv_pairs_i8(
                    pair_weights,
                    groups,
                    p.channels,
                    columns,
                    out_a,
                    out_b.as_deref_mut(),
                    offset,
                    min,
                    max,
                );
            } else {
                channel_pairs_general(
                    pair_weights,
                    groups,
                    channel_pairs,
                    columns,
                    out_a,
                    out_b.as_deref_mut(),
                    (offset, min, max),
                );
            }
            if let (Some(&[bias, multiplier, exponent]), Some(ws)) =
                (last_channel, last_weights.get(..groups))
            {
                let [a, b] = mac1x2_i8([bias, bias], ws, columns);
                let last = depth.wrapping_sub(1);
                if let Some(o) = out_a.get_mut(last) {
                    *o = requantize(a, multiplier, exponent, offset, min, max);
                }
                if let Some(o) = out_b.and_then(|o| o.get_mut(last)) {
                    *o = requantize(b, multiplier, exponent, offset, min, max);
                }
            }
        }
    }
}

/// Where a kernel's input images and output values are: in two slices, or in one slice where
/// they may overlap. The kernel borrows the input for reading, then the output for writing,
/// never both at once, so an overlap is never two live references to one byte: what the kernel
/// reads after writing is only correct if it reads ahead of its writes, which the overlap gap
/// functions (`conv2d_i8_overlap_gap`) establish. One type with a branch, not a type per form,
/// so that a firmware calling both forms links one copy of each kernel.
pub(super) enum Images<'a> {
    /// An input and an output in separate slices.
    Apart {
        input: &'a [i8],
        output: &'a mut [i8],
    },
    /// An input and an output in one slice, `places = [input start, input length, output
    /// start, output length]` (in values), which may overlap.
    Shared {
        data: &'a mut [i8],
        places: [usize; 4],
    },
}

impl Images<'_> {
    /// The input's and the output's values (empty if they do not fit the slice).
    #[inline(always)]
    fn lengths(&self) -> (usize, usize) {
        match self {
            Images::Apart { input, output } => (input.len(), output.len()),
            Images::Shared { data, places } => {
                let [input_at, inputs, output_at, outputs] = *places;
                let within = |at: usize, len: usize| {
                    at.checked_add(len).is_some_and(|end| end <= data.len())
                };
                if within(input_at, inputs) && within(output_at, outputs) {
                    (inputs, outputs)
                } else {
                    (0, 0)
                }
            }
        }
    }

    /// Whole images in both the input (`input_len` values each) and the output (`output_len`).
    #[inline(always)]
    fn images(&self, input_len: usize, output_len: usize) -> usize {
        let (inputs, outputs) = self.lengths();
        let count = |len: usize, n: usize| len.checked_div(n).unwrap_or(0);
        count(inputs, input_len).min(count(outputs, output_len))
    }

    /// Input image `image`, `len` values (empty if out of bounds).
    #[inline(always)]
    fn input(&self, image: usize, len: usize) -> &[i8] {
        let start = image.wrapping_mul(len);
        match self {
            Images::Apart { input, .. } => span(input, start, len),
            Images::Shared { data, places } => span(data, places[0].wrapping_add(start), len),
        }
    }

    /// `len` output values from output value `start` (fewer if out of bounds).
    #[inline(always)]
    fn output(&mut self, start: usize, len: usize) -> &mut [i8] {
        let (slice, at, outputs): (&mut [i8], usize, usize) = match self {
            Images::Apart { output, .. } => {
                let outputs = output.len();
                (output, 0, outputs)
            }
            Images::Shared { data, places } => (data, places[2], places[3]),
        };
        let len = len.min(outputs.saturating_sub(start));
        let start = at.wrapping_add(start);
        let end = start.saturating_add(len).min(slice.len());
        slice.get_mut(start..end).unwrap_or(&mut [])
    }
}

/// The channel pairs of one pixel pair, as the backend's `conv_pairs_i8` computes them, for
/// records with an exponent of 0 among them (a scale in [1/2, 1), no rounding shift), which
/// those channels take the general way.
fn channel_pairs_general(
    pair_weights: &[[i8; 8]],
    groups: usize,
    channel_pairs: &[[[i32; 3]; 2]],
    columns: &[[i32; 4]],
    out_a: &mut [i8],
    out_b: Option<&mut [i8]>,
    (offset, min, max): (i32, i32, i32),
) {
    let (a_pairs, _) = out_a.as_chunks_mut::<2>();
    // Without a pixel B (an odd last pixel) its results are dropped.
    let mut b_pairs = match out_b {
        Some(b) => b.as_chunks_mut::<2>().0.iter_mut(),
        None => [].iter_mut(),
    };
    for ((a, ws), [c0, c1]) in a_pairs
        .iter_mut()
        .zip(chunks(pair_weights, groups))
        .zip(channel_pairs)
    {
        let acc = mac2x2_i8([c0[0], c1[0], c0[0], c1[0]], ws, columns);
        let channel = |c: &[i32; 3], accs: [i32; 2]| {
            if c[2] as u32 & 31 != 0 {
                requantize2(accs, c[1], c[2] as u32 & 31, offset, min, max)
            } else {
                accs.map(|acc| i32::from(requantize(acc, c[1], c[2], offset, min, max)))
            }
        };
        let [a0, b0] = channel(c0, [acc[0], acc[2]]);
        let [a1, b1] = channel(c1, [acc[1], acc[3]]);
        *a = [a0 as i8, a1 as i8];
        if let Some(b) = b_pairs.next() {
            *b = [b0 as i8, b1 as i8];
        }
    }
}

/// float32 CONV_2D, following TFLite's reference kernel operation for operation: products of
/// in-image taps summed from `0.0` in (filter row, filter column, input channel) order, then the
/// bias added, then clamped. Zero dimensions write nothing.
pub fn conv2d_f32(p: &Conv2dF32, input: &[f32], output: &mut [f32]) {
    let g = &p.geometry;
    let filter_len = size([g.filter_height, g.filter_width, g.input_depth]);
    if filter_len == 0 {
        return;
    }
    for_each_pixel(g, input, output, |image, out_y, out_x, out_pixel| {
        let window = Window::new(g, out_y, out_x);
        for (c, (o, filter)) in enumerate(out_pixel.iter_mut().zip(chunks(p.weights, filter_len))) {
            let total = fold_window(g, &window, image, 0.0f32, |total, xs, at| {
                let ws = span(filter, at, xs.len());
                xs.iter().zip(ws).fold(total, |t, (&x, &w)| t + x * w)
            });
            *o = clamp_f32(total + bias_f32(p.bias, c), p.output_min, p.output_max);
        }
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::kernels::Requantize;
    use crate::kernels::window::tests::geometry;

    /// A 3x3 single-channel image convolved with a 3x3 filter, SAME padding: every padding tap
    /// must be skipped, or the input offset of 5 would add 5 * w for it.
    #[test]
    fn int8_same_padding_skips_padding_taps() {
        let mut g = geometry([3, 3, 1], [3, 3, 1], [3, 3]);
        g.padding_height = 1;
        g.padding_width = 1;
        let weights = [1i8; 9];
        let p = Conv2dI8 {
            geometry: g,
            weights: &weights,
            // The model's bias 3 plus 5 * the weight sum 9, as the compiler folds it.
            bias: &[48],
            input_offset: 5,
            requantize: Requantize {
                multipliers: &[1 << 30],
                shifts: &[1],
            },
            output_offset: -1,
            output_min: -128,
            output_max: 127,
        };
        let input = [1i8, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut out = [0i8; 9];
        conv2d_i8(&p, &input, &mut out);
        // Each output: sum over in-image neighbours of (x + 5), + 3, times 1, - 1.
        // Corner (0,0): (1+2+4+5) + 4*5 = 32 -> 35 - 1 = 34.
        // Edge (0,1): (1+2+3+4+5+6) + 6*5 = 51 -> 53. Centre: 45 + 45 = 90 -> 92.
        assert_eq!(out, [34, 53, 38, 59, 92, 65, 46, 71, 50]);
    }

    #[test]
    fn int8_stride_dilation_batches_and_clamp() {
        // 4x4x2 input, 2x2 filter dilated by 2, stride 2 vertically: outputs 1x2, 2 channels.
        let mut g = geometry([4, 4, 2], [1, 2, 2], [2, 2]);
        g.stride_height = 2;
        g.dilation_height = 2;
        g.dilation_width = 2;
        // Channel 0 picks input channel 0 at all taps; channel 1 is -1 on input channel 1.
        let weights = [1i8, 0, 1, 0, 1, 0, 1, 0, 0, -1, 0, -1, 0, -1, 0, -1];
        let p = Conv2dI8 {
            geometry: g,
            weights: &weights,
            bias: &[0, 0],
            input_offset: 0,
            requantize: Requantize {
                multipliers: &[1 << 30, 1 << 30],
                shifts: &[1, 1],
            },
            output_offset: 0,
            output_min: -10,
            output_max: 127,
        };
        // Channel 0 of pixel (y, x) is 10y + x; channel 1 is 1.
        let image: [i8; 32] = core::array::from_fn(|i| {
            if i % 2 == 0 {
                (10 * (i / 8) + i / 2 % 4) as i8
            } else {
                1
            }
        });
        let mut input = [0i8; 64];
        input[..32].copy_from_slice(&image);
        input[32..].copy_from_slice(&image.map(|v| v.saturating_mul(2)));
        let mut out = [0i8; 8];
        conv2d_i8(&p, &input, &mut out);
        // Output (0, 0) taps (0,0), (0,2), (2,0), (2,2): 0 + 2 + 20 + 22 = 44; (0, 1) taps
        // (0,1), (0,3), (2,1), (2,3): 48. Channel 1: -4, or -8 in batch 2 (clamped to -10 not
        // reached). Batch 2 doubles channel 0 too.
        assert_eq!(out, [44, -4, 48, -4, 88, -8, 96, -8]);
        // The same scale for both channels, given once.
        let p = Conv2dI8 {
            requantize: Requantize {
                multipliers: &[1 << 30],
                shifts: &[1],
            },
            ..p
        };
        let mut per_tensor = [0i8; 8];
        conv2d_i8(&p, &input, &mut per_tensor);
        assert_eq!(per_tensor, out);
    }

    #[test]
    fn int8_per_channel_requantization_and_activation() {
        let g = geometry([1, 1, 2], [1, 1, 3], [1, 1]);
        let weights = [10i8, 10, 10, 10, -10, -10];
        let p = Conv2dI8 {
            geometry: g,
            weights: &weights,
            bias: &[0, 1, 0],
            input_offset: 0,
            requantize: Requantize {
                multipliers: &[1 << 30; 3],
                shifts: &[0, -2, 0],
            },
            output_offset: 0,
            output_min: 0,
            output_max: 6,
        };
        let mut out = [0i8; 3];
        conv2d_i8(&p, &[1, 0], &mut out);
        // 10 * 0.5 = 5; -10 * 0.5 clamped to 0; (10 + 1) / 8 = 1.375, but the reference rounds
        // twice: 11 * 0.5 = 5.5 -> 6, then 6 / 4 = 1.5 -> 2.
        assert_eq!(out, [5, 2, 0]);
        conv2d_i8(&p, &[1, 1], &mut out);
        // 20 * 0.5 = 10 -> 6 (ReLU6); 21 / 8 = 2.625 -> 3.
        assert_eq!(out, [6, 3, 0]);
    }

    /// The reference `ConvPerChannel` loop nest, index by index, with the model's `bias` (not
    /// folded): `sum(w * (x + input_offset))` over in-image taps, plus the bias.
    #[allow(clippy::needless_range_loop)]
    fn naive_i8(p: &Conv2dI8, bias: &[i32], input: &[i8]) -> std::vec::Vec<i8> {
        let g = &p.geometry;
        let mut out = std::vec::Vec::new();
        for image in input.chunks_exact(g.input_height * g.input_width * g.input_depth) {
            for oy in 0..g.output_height {
                for ox in 0..g.output_width {
                    for c in 0..g.output_depth {
                        let mut acc = 0i32;
                        for fy in 0..g.filter_height {
                            for fx in 0..g.filter_width {
                                let y = (oy * g.stride_height + fy * g.dilation_height) as isize
                                    - g.padding_height as isize;
                                let x = (ox * g.stride_width + fx * g.dilation_width) as isize
                                    - g.padding_width as isize;
                                if y < 0
                                    || x < 0
                                    || y >= g.input_height as isize
                                    || x >= g.input_width as isize
                                {
                                    continue;
                                }
                                for d in 0..g.input_depth {
                                    let xv = image[(y as usize * g.input_width + x as usize)
                                        * g.input_depth
                                        + d];
                                    let w = p.weights[((c * g.filter_height + fy)
                                        * g.filter_width
                                        + fx)
                                        * g.input_depth
                                        + d];
                                    acc += i32::from(w) * (i32::from(xv) + p.input_offset);
                                }
                            }
                        }
                        let (multiplier, shift) = p.requantize.channel(c).unwrap();
                        out.push(requantize_to_i8(
                            acc + bias[c],
                            multiplier,
                            shift,
                            p.output_offset,
                            p.output_min,
                            p.output_max,
                        ));
                    }
                }
            }
        }
        out
    }

    /// The blocked kernel's weight order (see [`Conv2dI8Blocked::weights`]), as the compiler
    /// lays it out.
    fn blocked_weights(weights: &[i8], channels: usize, k: usize) -> std::vec::Vec<i8> {
        let groups = k.div_ceil(4);
        let at = |c: usize, i: usize| if i < k { weights[c * k + i] } else { 0 };
        let mut out = std::vec::Vec::new();
        for pair in 0..channels / 2 {
            for group in 0..groups {
                for c in [2 * pair, 2 * pair + 1] {
                    out.extend((0..4).map(|j| at(c, 4 * group + j)));
                }
            }
        }
        if channels % 2 == 1 {
            out.extend((0..4 * groups).map(|i| at(channels - 1, i)));
        }
        out
    }

    /// Padding (SAME, asymmetric, none), strides, dilation in either direction, 1x1 filters,
    /// input offsets including 0 and 128, per-channel and per-tensor requantization, two batches:
    /// the folded bias with the border correction against the reference loop nest.
    #[test]
    fn int8_matches_reference_loop_nest() {
        let mut state = 0x9e37_79b9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        // (input [h, w, d], output [h, w, c], filter [h, w], stride, dilation, padding)
        type Case = (
            [usize; 3],
            [usize; 3],
            [usize; 2],
            [usize; 2],
            [usize; 2],
            [usize; 2],
        );
        let cases: [Case; 13] = [
            ([5, 6, 3], [5, 6, 4], [3, 3], [1, 1], [1, 1], [1, 1]),
            // Word paths: whole taps (depth 4, 8), whole rows (depth 1, width 4), odd pixel
            // and channel counts, 1x1 with stride.
            ([5, 5, 8], [5, 5, 7], [3, 3], [1, 1], [1, 1], [1, 1]),
            ([6, 5, 4], [3, 3, 3], [3, 3], [2, 2], [1, 1], [1, 1]),
            ([9, 6, 1], [5, 3, 5], [4, 4], [2, 2], [1, 1], [2, 1]),
            ([5, 7, 12], [3, 4, 9], [1, 1], [2, 2], [1, 1], [0, 0]),
            ([4, 4, 16], [4, 4, 1], [1, 1], [1, 1], [1, 1], [0, 0]),
            ([7, 3, 4], [7, 3, 2], [3, 2], [1, 1], [2, 2], [2, 1]),
            ([5, 6, 3], [3, 3, 5], [3, 3], [2, 2], [1, 1], [1, 1]),
            ([5, 6, 2], [3, 4, 3], [3, 3], [1, 1], [1, 1], [0, 0]),
            ([4, 4, 8], [4, 4, 6], [1, 1], [1, 1], [1, 1], [0, 0]),
            ([6, 7, 2], [3, 3, 3], [2, 3], [2, 2], [2, 2], [1, 2]),
            ([6, 7, 1], [6, 4, 2], [3, 2], [1, 2], [2, 1], [2, 0]),
            ([3, 3, 1], [3, 3, 17], [5, 5], [1, 1], [1, 1], [2, 2]),
        ];
        for (input, output, filter, stride, dilation, padding) in cases {
            let mut g = geometry(input, output, filter);
            [g.stride_height, g.stride_width] = stride;
            [g.dilation_height, g.dilation_width] = dilation;
            [g.padding_height, g.padding_width] = padding;
            let channels = output[2];
            let filter_len = filter[0] * filter[1] * input[2];
            let weights: std::vec::Vec<i8> =
                (0..channels * filter_len).map(|_| next() as i8).collect();
            let bias: std::vec::Vec<i32> = (0..channels).map(|_| next() as i32 >> 18).collect();
            let multipliers: std::vec::Vec<i32> = (0..channels)
                .map(|_| (1 << 30) + (next() >> 2) as i32)
                .collect();
            let shifts: std::vec::Vec<i8> = (0..channels).map(|_| -((next() % 12) as i8)).collect();
            let image_len = input[0] * input[1] * input[2];
            let x: std::vec::Vec<i8> = (0..2 * image_len).map(|_| next() as i8).collect();
            for (per_tensor, input_offset) in [(false, 7), (true, -3), (false, 0), (true, 128)] {
                let len = if per_tensor { 1 } else { channels };
                let folded: std::vec::Vec<i32> = weights
                    .chunks_exact(filter_len)
                    .zip(&bias)
                    .map(|(w, &b)| b + input_offset * w.iter().map(|&v| i32::from(v)).sum::<i32>())
                    .collect();
                let p = Conv2dI8 {
                    geometry: g,
                    weights: &weights,
                    bias: &folded,
                    input_offset,
                    requantize: Requantize {
                        multipliers: &multipliers[..len],
                        shifts: &shifts[..len],
                    },
                    output_offset: 4,
                    output_min: -128,
                    output_max: 127,
                };
                let mut out = std::vec![0i8; 2 * output[0] * output[1] * channels];
                conv2d_i8(&p, &x, &mut out);
                let want = naive_i8(&p, &bias, &x);
                assert_eq!(
                    out, want,
                    "{g:?}, per-tensor {per_tensor}, offset {input_offset}"
                );
                let records: std::vec::Vec<[i32; 3]> = (0..channels)
                    .map(|c| {
                        let (m, s) = p.requantize.channel(c).unwrap();
                        [folded[c], m, -s]
                    })
                    .collect();
                let blocked = Conv2dI8Blocked {
                    geometry: g,
                    weights: &blocked_weights(&weights, channels, filter_len),
                    channels: &records,
                    input_zero_point: -input_offset as i8,
                    output_offset: p.output_offset,
                    output_min: p.output_min,
                    output_max: p.output_max,
                };
                let mut scratch = std::vec![0x5a5a_5a5a_i32; 4 * blocked_groups(&g)];
                let mut out = std::vec![0i8; 2 * output[0] * output[1] * channels];
                conv2d_i8_blocked(&blocked, &x, &mut out, &mut scratch);
                assert_eq!(
                    out, want,
                    "blocked: {g:?}, per-tensor {per_tensor}, offset {input_offset}"
                );
                // The variants on the layers they take (all of them write nothing otherwise).
                // (An odd last channel takes any exponent: it is requantized on its own.)
                let rounding = records[..channels / 2 * 2]
                    .iter()
                    .all(|r| (1..=31).contains(&r[2]));
                let pointwise = g.filter_height == 1 && g.filter_width == 1;
                let staged = g.dilation_width == 1 && filter_len <= STAGE;
                type Entry = fn(&Conv2dI8Blocked, &[i8], &mut [i8], &mut [i32]);
                let variants: [(Entry, bool); 3] = [
                    (conv2d_i8_pointwise, rounding && pointwise),
                    (conv2d_i8_staged, rounding && staged),
                    (conv2d_i8_windowed, rounding),
                ];
                // The shared forms with the input placed as close after the output as the gap
                // allows (overlapping it wherever the gap is below the output's length).
                let images = 2;
                let gap = conv2d_i8_overlap_gap(&blocked, images);
                let (inputs, outputs) = (x.len(), want.len());
                let mut data = std::vec![0x55i8; (gap + inputs).max(outputs)];
                data[gap..gap + inputs].copy_from_slice(&x);
                let places = [gap, inputs, 0, outputs];
                conv2d_i8_blocked_shared(&blocked, &mut data, places, &mut scratch);
                assert_eq!(
                    &data[..outputs],
                    &want[..],
                    "shared, gap {gap}: {g:?}, per-tensor {per_tensor}"
                );
                for (i, (variant, takes)) in variants.into_iter().enumerate() {
                    let mut got = std::vec![0i8; out.len()];
                    variant(&blocked, &x, &mut got, &mut scratch);
                    if takes {
                        assert_eq!(got, want, "variant {i}: {g:?}, per-tensor {per_tensor}");
                    } else {
                        assert!(got.iter().all(|&v| v == 0), "variant {i} wrote: {g:?}");
                    }
                }
            }
        }
    }

    /// The blocked kernel's requantization against the general one over its whole domain:
    /// multipliers in `[0, 2^31)`, exponents 0 to 31, extreme accumulators.
    #[test]
    fn fast_requantize_matches_requantize_to_i8() {
        let mut state = 0x2545_f491_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let accs = [
            0,
            1,
            -1,
            2,
            -2,
            i32::MAX,
            i32::MIN,
            i32::MIN + 1,
            1 << 30,
            -(1 << 30),
        ];
        for round in 0..300_000u32 {
            let acc = match round % 3 {
                0 => accs[(round / 3) as usize % accs.len()],
                1 => next() as i32 >> (next() % 31),
                _ => next() as i32,
            };
            let multiplier = match round % 7 {
                0 => i32::MAX,
                1 => 0,
                2 => 1 << 30,
                _ => (next() & 0x7fff_ffff) as i32,
            };
            let exponent = (next() % 32) as i32;
            let offset = (next() % 256) as i32 - 128;
            let (min, max) = if round % 2 == 0 {
                (-128, 127)
            } else {
                (offset, 127)
            };
            assert_eq!(
                requantize(acc, multiplier, exponent, offset, min, max),
                requantize_to_i8(acc, multiplier, -exponent, offset, min, max),
                "{acc} {multiplier} {exponent} {offset}"
            );
        }
    }

    #[test]
    fn float_padding_bias_and_clamp() {
        let mut g = geometry([2, 2, 1], [2, 2, 2], [2, 2]);
        g.padding_height = 1;
        g.padding_width = 1;
        let weights = [1.0f32, 2.0, 3.0, 4.0, -1.0, -1.0, -1.0, -1.0];
        let p = Conv2dF32 {
            geometry: g,
            weights: &weights,
            bias: Some(&[0.5, 0.0]),
            output_min: -3.5,
            output_max: 20.0,
        };
        let mut out = [0.0f32; 8];
        conv2d_f32(&p, &[1.0, 2.0, 3.0, 4.0], &mut out);
        // Output (0,0): only tap (1,1) is inside -> 4 * 1; (0,1): taps (1,0),(1,1) -> 3*1 + 4*2;
        // (1,0): taps (0,1),(1,1) -> 2*1 + 4*3; (1,1): all four -> 1+4+9+16.
        assert_eq!(out, [4.5, -1.0, 11.5, -3.0, 14.5, -3.5, 20.0, -3.5]);
    }

    #[test]
    fn zero_dimensions_write_nothing() {
        let p = Conv2dF32 {
            geometry: geometry([2, 2, 0], [2, 2, 1], [1, 1]),
            weights: &[],
            bias: None,
            output_min: f32::MIN,
            output_max: f32::MAX,
        };
        let mut out = [7.0f32; 4];
        conv2d_f32(&p, &[], &mut out);
        assert_eq!(out, [7.0; 4]);
        let mut p = p;
        p.geometry = geometry([2, 2, 1], [0, 2, 1], [1, 1]);
        conv2d_f32(&p, &[1.0; 4], &mut out);
        assert_eq!(out, [7.0; 4]);
    }

    /// Random geometries: the shared form with its input placed exactly the gap after its
    /// output (over it wherever the gap is below the output's length) computes what the
    /// two-slice form does, for every variant a layer can take.
    #[test]
    fn overlapped_placements_match_apart_on_random_layers() {
        let mut state = 0x8f1b_bcdc_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as usize
        };
        let mut overlapped = 0;
        for _ in 0..400 {
            let (ih, iw, id) = (1 + next() % 12, 1 + next() % 12, 1 + next() % 9);
            let (fh, fw) = (1 + next() % 4, 1 + next() % 4);
            let (sh, sw) = (1 + next() % 2, 1 + next() % 2);
            let (ph, pw) = (next() % fh, next() % fw);
            let (Some(oh), Some(ow)) = (
                (ih + 2 * ph).checked_sub(fh).map(|v| v / sh + 1),
                (iw + 2 * pw).checked_sub(fw).map(|v| v / sw + 1),
            ) else {
                continue;
            };
            let od = 1 + next() % 12;
            let mut g = geometry([ih, iw, id], [oh, ow, od], [fh, fw]);
            [g.stride_height, g.stride_width] = [sh, sw];
            [g.padding_height, g.padding_width] = [ph, pw];
            let k = fh * fw * id;
            let weights: std::vec::Vec<i8> = (0..od * k).map(|_| next() as i8).collect();
            let records: std::vec::Vec<[i32; 3]> = (0..od)
                .map(|_| {
                    [
                        (next() as i32) >> 20,
                        (1 << 30) | (next() as i32 & 0x3fff_ffff),
                        1 + (next() % 9) as i32,
                    ]
                })
                .collect();
            let p = Conv2dI8Blocked {
                geometry: g,
                weights: &blocked_weights(&weights, od, k),
                channels: &records,
                input_zero_point: next() as i8,
                output_offset: (next() % 20) as i32 - 10,
                output_min: -128,
                output_max: 127,
            };
            let images = 1 + next() % 2;
            let input: std::vec::Vec<i8> =
                (0..images * ih * iw * id).map(|_| next() as i8).collect();
            let mut scratch = std::vec![0i32; 4 * blocked_groups(&g)];
            let mut want = std::vec![0i8; images * oh * ow * od];
            conv2d_i8_windowed(&p, &input, &mut want, &mut scratch);
            let gap = conv2d_i8_overlap_gap(&p, images);
            let (inputs, outputs) = (input.len(), want.len());
            overlapped += usize::from(gap < outputs);
            let mut data = std::vec![0x33i8; (gap + inputs).max(outputs)];
            data[gap..gap + inputs].copy_from_slice(&input);
            conv2d_i8_windowed_shared(&p, &mut data, [gap, inputs, 0, outputs], &mut scratch);
            assert_eq!(
                &data[..outputs],
                &want[..],
                "gap {gap}: {g:?}, {images} images"
            );
        }
        assert!(overlapped > 100, "few layers overlapped ({overlapped})");
    }
}
