//! DEPTHWISE_CONV_2D over NHWC tensors with `[filter_height][filter_width][output_depth]`
//! weights: output channel `c` filters input channel `c / depth_multiplier` alone.

use super::arch::{
    mac4_broadcast_i8, mac4_broadcast_taps9_i8, mac4_i8, mac4_taps9_i8, requantize4_i8,
};
use super::epilogue::{bias_f32, clamp_f32};
use super::slices::{enumerate, size, span};
use super::window::{PixelIo, SHARED_DEPTH, Window, overlap_gap};
use super::{Conv2dGeometry, DepthwiseConv2dF32, DepthwiseConv2dI8};
use crate::quant::requantize_to_i8;

/// Whether the shapes fit together so that every weight index the kernels compute is in bounds.
///
/// Then a weight index `tap * output_depth + c` for a filter tap `tap` (below
/// `filter_height * filter_width`) and an output channel `c` is below `weights`, so the kernels
/// compute it with wrapping arithmetic, which is exact. Other index arithmetic wraps too, exact
/// where used for a geometry that fits the input (see `for_each_pixel` and `channels_block`).
///
/// The products wrap (see [`size`]): exact for a model's shapes; for parameters whose products
/// overflow the answer may be wrong, but every access stays bounds-checked (`span`, `array_at`,
/// and `channels_block`'s checked window end).
fn consistent(g: &Conv2dGeometry, depth_multiplier: usize, weights: usize) -> bool {
    depth_multiplier != 0
        && g.output_depth == g.input_depth.wrapping_mul(depth_multiplier)
        && weights >= size([g.filter_height, g.filter_width, g.output_depth])
}

/// The index of the weight of output channel `c` at filter tap `tap`, wrapping (exact if the
/// shapes are `consistent`).
#[inline(always)]
fn weight_index(g: &Conv2dGeometry, tap: usize, c: usize) -> usize {
    tap.wrapping_mul(g.output_depth).wrapping_add(c)
}

/// Output channels accumulated together in one pass over a pixel's window (their accumulators
/// live on the stack).
const CHANNEL_BLOCK: usize = 16;

/// Adds the products of one filter tap to the accumulators of output channels `first..`:
/// `accs[j] = f(accs[j], pixel[(first + j) / depth_multiplier], taps[j])` for as many channels as
/// `accs` and `taps` hold. Input channels missing from `pixel` (only if the geometry does not fit
/// the input) contribute nothing.
#[inline(always)]
fn accumulate<A, X: Copy, W: Copy>(
    accs: &mut [A],
    taps: &[W],
    pixel: &[X],
    first: usize,
    depth_multiplier: usize,
    f: impl Fn(&mut A, X, W),
) {
    if depth_multiplier == 1 {
        let Some(xs) = pixel.get(first..) else {
            return;
        };
        for ((acc, &w), &x) in accs.iter_mut().zip(taps).zip(xs) {
            f(acc, x, w);
        }
    } else {
        // Output channel `c` reads input channel `c / depth_multiplier`: the channels go in
        // groups of `depth_multiplier` sharing one input (the first group may be partial).
        // `left` counts the channels left in the current group, from 1 to `depth_multiplier`.
        let mut in_channel = first.checked_div(depth_multiplier).unwrap_or(0);
        let mut left =
            depth_multiplier.wrapping_sub(first.checked_rem(depth_multiplier).unwrap_or(0));
        for (acc, &w) in accs.iter_mut().zip(taps) {
            let Some(&x) = pixel.get(in_channel) else {
                return;
            };
            f(acc, x, w);
            left = left.wrapping_sub(1);
            if left == 0 {
                in_channel = in_channel.wrapping_add(1);
                left = depth_multiplier;
            }
        }
    }
}

/// The depthwise loop nest shared by the int8 and float32 kernels: for every output pixel and
/// block of up to [`CHANNEL_BLOCK`] output channels, starts each channel's accumulator at zero,
/// folds in every in-image filter tap in (filter row, filter column) order with `mac`, then, if
/// `outside` is given and the window leaves the image, every out-of-image tap's weights with
/// `outside`, then calls `finish(c, acc)` for the channel's output.
#[allow(clippy::too_many_arguments)]
fn depthwise<X: Copy + Default, W: Copy, A: Copy + Default>(
    g: &Conv2dGeometry,
    depth_multiplier: usize,
    weights: &[W],
    io: &mut PixelIo<X>,
    mac: impl Fn(&mut A, X, W),
    outside: Option<impl Fn(&mut A, W)>,
    mut finish: impl FnMut(usize, A, &mut X),
) {
    if !consistent(g, depth_multiplier, weights.len()) {
        return;
    }
    io.each(g, |image, out_y, out_x, out_pixel| {
        let window = Window::new(g, out_y, out_x);
        let outside = outside.as_ref().filter(|_| !window.is_full(g));
        // The first output channel of each block, below `output_depth`.
        let mut first = 0usize;
        for out_block in out_pixel.chunks_mut(CHANNEL_BLOCK) {
            let mut accs = [A::default(); CHANNEL_BLOCK];
            // In-image taps: input pixel `pixel` and filter tap `tap` step together. The steps
            // to the next column and row wrap: they are smaller than the image where taken (two
            // in-image columns or rows), and may overflow only where they are not.
            let (mut pixel_row, mut tap_row) = (window.first_pixel(g), window.first_tap(g));
            for _ in window.rows.clone() {
                let (mut pixel, mut tap) = (pixel_row, tap_row);
                for _ in window.cols.clone() {
                    let taps = span(weights, weight_index(g, tap, first), out_block.len());
                    let pixel_values =
                        span(image, pixel.wrapping_mul(g.input_depth), g.input_depth);
                    accumulate(&mut accs, taps, pixel_values, first, depth_multiplier, &mac);
                    pixel = pixel.wrapping_add(g.dilation_width);
                    tap = tap.wrapping_add(1);
                }
                pixel_row = pixel_row.wrapping_add(g.dilation_height.wrapping_mul(g.input_width));
                tap_row = tap_row.wrapping_add(g.filter_width);
            }
            if let Some(outside) = outside {
                for fy in 0..g.filter_height {
                    for fx in 0..g.filter_width {
                        if window.rows.contains(&fy) && window.cols.contains(&fx) {
                            continue;
                        }
                        let tap = fy.wrapping_mul(g.filter_width).wrapping_add(fx);
                        let taps = span(weights, weight_index(g, tap, first), out_block.len());
                        for (acc, &w) in accs.iter_mut().zip(taps) {
                            outside(acc, w);
                        }
                    }
                }
            }
            for (j, (o, &acc)) in enumerate(out_block.iter_mut().zip(&accs)) {
                finish(first.wrapping_add(j), acc, o);
            }
            first = first.wrapping_add(CHANNEL_BLOCK);
        }
    });
}

/// int8 DEPTHWISE_CONV_2D with per-channel (or per-tensor) requantization, bit-exact with TFLite
/// Micro's reference `DepthwiseConvPerChannel`.
///
/// Each output is `sum(w * (x + input_offset))` over in-image taps (wrapping int32), plus the
/// bias, requantized with its channel's multiplier and shift, offset and clamped. The input
/// offset's share is folded: `bias` already holds `bias + input_offset * sum(w)` over *all* taps
/// (computed at compile time), so the MAC loop multiplies the int8 values alone, and only a pixel
/// whose window leaves the image subtracts `input_offset * w` for its out-of-image taps. The
/// result is the reference's modulo 2^32. The batch count is the number of whole images in both
/// `input` and `output`. Writes nothing if a dimension is zero or the depths and weights do not
/// fit together; channels without a bias or requantization entry (only if the parameters do not
/// fit the shapes) are left as they are.
///
/// 3x3 filters with depth multiplier 1 (depth a multiple of 4) or a multiple of 4, the common
/// case, take a faster kernel with the same results (`depthwise_3x3_i8`): out-of-image taps
/// read the input zero point instead of being corrected, and the requantization is one
/// 64-bit multiply-accumulate and a shift where the multiplier and shift allow it.
pub fn depthwise_conv2d_i8(p: &DepthwiseConv2dI8, input: &[i8], output: &mut [i8]) {
    depthwise_i8(p, &mut PixelIo::Apart(input, output));
}

/// [`depthwise_conv2d_i8`] with its input and output in one slice, `places = [input start,
/// input length, output start, output length]` in values, where they may overlap: the compiler
/// calls it when its memory plan overlaps them, with the input at least
/// [`depthwise_conv2d_i8_overlap_gap`] values after the output (proven at build time). Each
/// pixel's outputs are computed while the input is borrowed, then stored, so a closer placement
/// gives wrong results, never undefined behaviour. At most 64 output channels (none are
/// written otherwise).
pub fn depthwise_conv2d_i8_shared(p: &DepthwiseConv2dI8, data: &mut [i8], places: [usize; 4]) {
    depthwise_i8(p, &mut PixelIo::Shared(data, places));
}

/// How many values the input of [`depthwise_conv2d_i8_shared`] must start after its output, at
/// least, for `images` images: pixel by pixel in order, each pixel's end in the output against
/// the first input value a later pixel's window reads. `usize::MAX` (no overlap) above 64 output
/// channels.
pub const fn depthwise_conv2d_i8_overlap_gap(p: &DepthwiseConv2dI8, images: usize) -> usize {
    if p.geometry.output_depth > SHARED_DEPTH {
        return usize::MAX;
    }
    overlap_gap(&p.geometry, images, 1)
}

/// [`depthwise_conv2d_i8`] over either pixel walk. Out of line: the two-slice and shared-slice
/// entry points share one copy.
#[inline(never)]
fn depthwise_i8(p: &DepthwiseConv2dI8, io: &mut PixelIo<i8>) {
    if let Some(epilogue) = fast_3x3_epilogue(p) {
        // Always clamping (a full int8 range clamps to itself), which costs four instructions
        // per four outputs: two copies of the kernel less in flash.
        let _ = epilogue;
        if p.depth_multiplier == 1 {
            depthwise_3x3_i8::<true, false>(p, io);
        } else {
            depthwise_3x3_i8::<true, true>(p, io);
        }
        return;
    }
    if p.depth_multiplier == 1 {
        depthwise_i8_blocks::<4>(p, io, mac4_i8);
        return;
    }
    if p.depth_multiplier.is_multiple_of(4) {
        depthwise_i8_blocks::<1>(p, io, mac4_broadcast_i8);
        return;
    }
    let rq = &p.requantize;
    let input_offset = p.input_offset;
    depthwise(
        &p.geometry,
        p.depth_multiplier,
        p.weights,
        io,
        |acc: &mut i32, x: i8, w: i8| *acc = acc.wrapping_add(i32::from(x) * i32::from(w)),
        (input_offset != 0).then_some(move |acc: &mut i32, w: i8| {
            *acc = acc.wrapping_sub(input_offset.wrapping_mul(i32::from(w)));
        }),
        |c, acc, o| {
            if let (Some(&bias), Some((multiplier, shift))) = (p.bias.get(c), rq.channel(c)) {
                *o = requantize_to_i8(
                    acc.wrapping_add(bias),
                    multiplier,
                    shift,
                    p.output_offset,
                    p.output_min,
                    p.output_max,
                );
            }
        },
    );
}

/// `slice[start..start + N]` as an array, or `None` out of bounds.
#[inline(always)]
fn array_at<const N: usize>(slice: &[i8], start: usize) -> Option<&[i8; N]> {
    slice.get(start..)?.first_chunk::<N>()
}

/// The index just past the last value a window's in-image taps read, `last * depth + first + n`
/// where `last` is the pixel (or filter tap) of the last tap, from the first one and the steps
/// between rows and columns; `None` if there are no taps or it overflows.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn window_end(
    first_pixel: usize,
    rows: usize,
    row_step: usize,
    cols: usize,
    col_step: usize,
    depth: usize,
    first: usize,
    n: usize,
) -> Option<usize> {
    let last = first_pixel
        .checked_add(rows.checked_sub(1)?.checked_mul(row_step)?)?
        .checked_add(cols.checked_sub(1)?.checked_mul(col_step)?)?;
    last.checked_mul(depth)?.checked_add(first)?.checked_add(n)
}

/// The accumulators of output channels `first..first + N` of one output pixel over its in-image
/// taps, with `mac(acc, inputs, weights)`, then corrected for the out-of-image taps if `correct`.
/// Each tap reads `K` input values from input channel `first / depth_multiplier` on: `K = N`
/// for depth multiplier 1 (input channel = output channel), `K = 1` when the `N` channels share
/// one input channel (`first` and the depth multiplier multiples of `N`).
///
/// The bounds of the last tap's inputs and weights are checked once, then every tap reads its
/// inputs and weights without a check (the taps' indices grow with the filter row and column, so
/// all lie below the last). If that check fails (only if the geometry does not fit the slices:
/// in-image taps are inside the image) the in-image taps contribute nothing.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn channels_block<const K: usize, const N: usize>(
    p: &DepthwiseConv2dI8,
    window: &Window,
    correct: bool,
    image: &[i8],
    first: usize,
    mac: impl Fn([i32; N], &[i8; K], &[i8; N]) -> [i32; N],
) -> [i32; N] {
    let g = &p.geometry;
    let (in_depth, out_depth) = (g.input_depth, g.output_depth);
    let in_first = first.checked_div(p.depth_multiplier).unwrap_or(0);
    let mut acc = [0i32; N];
    let (rows, cols) = (window.rows.len(), window.cols.len());
    let image_pixel = window.first_pixel(g);
    // Wraps: a second in-image row puts it below the image's size, so it may overflow only for a
    // one-row window, where `window_end` multiplies it by zero and the loop adds it only after
    // the last row.
    let image_row_step = g.dilation_height.wrapping_mul(g.input_width);
    let filter_tap = window.first_tap(g);
    let image_end = window_end(
        image_pixel,
        rows,
        image_row_step,
        cols,
        g.dilation_width,
        in_depth,
        in_first,
        K,
    );
    let weights_end = window_end(
        filter_tap,
        rows,
        g.filter_width,
        cols,
        1,
        out_depth,
        first,
        N,
    );
    if let (Some(image_end), Some(weights_end)) = (image_end, weights_end)
        && image_end <= image.len()
        && weights_end <= p.weights.len()
    {
        let (image_ptr, weights_ptr) = (image.as_ptr(), p.weights.as_ptr());
        // Steps wrap rather than overflow: past the last tap (checked above) they are unused.
        let (image_col_step, image_row_step) = (
            g.dilation_width.wrapping_mul(in_depth),
            image_row_step.wrapping_mul(in_depth),
        );
        let weights_row_step = g.filter_width.wrapping_mul(out_depth);
        // Exact: below `image_end` and `weights_end`, computed above without overflow.
        let mut image_row = image_pixel.wrapping_mul(in_depth).wrapping_add(in_first);
        let mut weights_row = weight_index(g, filter_tap, first);
        for _ in 0..rows {
            let (mut at_image, mut at_weights) = (image_row, weights_row);
            for _ in 0..cols {
                // SAFETY: `at_image + K <= image_end <= image.len()` and
                // `at_weights + N <= weights_end <= weights.len()`: the indices grow with the row
                // and column up to the last tap's, checked above without overflow. `[i8; K]` has
                // alignment 1. A dereference, not `read_unaligned`: in a debug build that one's
                // `copy_nonoverlapping` checks at run time that the source does not overlap the
                // stack copy, a panic path the optimiser cannot remove.
                let (x, w) = unsafe {
                    (
                        *image_ptr.add(at_image).cast::<[i8; K]>(),
                        *weights_ptr.add(at_weights).cast::<[i8; N]>(),
                    )
                };
                acc = mac(acc, &x, &w);
                at_image = at_image.wrapping_add(image_col_step);
                at_weights = at_weights.wrapping_add(out_depth);
            }
            image_row = image_row.wrapping_add(image_row_step);
            weights_row = weights_row.wrapping_add(weights_row_step);
        }
    }
    if correct {
        // An out-of-image tap contributes `-input_offset * w` to undo its share of the folded
        // bias: the product of `w` with the input value `-input_offset`, which `mac` computes
        // when it fits in int8 (always for a real zero point: `input_offset` is in -127..=128).
        // Only for shared inputs (`K = 1`): for `K = 4` (depth multiplier 1, mostly 3x3 filters
        // with few out-of-image taps) the values this keeps live make the tap loop above spill
        // registers at opt-level "s", which costs more than it saves.
        let pad = i8::try_from(p.input_offset.wrapping_neg())
            .ok()
            .filter(|_| K == 1);
        for fy in 0..g.filter_height {
            for fx in 0..g.filter_width {
                if window.rows.contains(&fy) && window.cols.contains(&fx) {
                    continue;
                }
                let tap = fy.wrapping_mul(g.filter_width).wrapping_add(fx);
                let Some(w) = array_at::<N>(p.weights, weight_index(g, tap, first)) else {
                    continue;
                };
                if let Some(pad) = pad {
                    acc = mac(acc, &[pad; K], w);
                } else {
                    for (a, &w) in acc.iter_mut().zip(w) {
                        *a = a.wrapping_sub(p.input_offset.wrapping_mul(i32::from(w)));
                    }
                }
            }
        }
    }
    acc
}

/// Writes output channel `c` from its accumulator: bias added, requantized; left as it is
/// without a bias or requantization entry (only if the parameters do not fit the shapes).
/// Inlined into each caller.
#[inline(always)]
fn finish_channel(p: &DepthwiseConv2dI8, c: usize, acc: i32, o: &mut i8) {
    if let (Some(&bias), Some((multiplier, shift))) = (p.bias.get(c), p.requantize.channel(c)) {
        *o = requantize_to_i8(
            acc.wrapping_add(bias),
            multiplier,
            shift,
            p.output_offset,
            p.output_min,
            p.output_max,
        );
    }
}

/// [`depthwise_conv2d_i8`] for a depth multiplier of 1 (`K = 4`: four channels' inputs in one
/// word) or a multiple of 4 (`K = 1`: four channels sharing one input), four output channels at
/// a time with their accumulators in registers; the channels past the last multiple of 4 (depth
/// multiplier 1 only) one at a time.
fn depthwise_i8_blocks<const K: usize>(
    p: &DepthwiseConv2dI8,
    io: &mut PixelIo<i8>,
    mac: impl Fn([i32; 4], &[i8; K], &[i8; 4]) -> [i32; 4],
) {
    let g = &p.geometry;
    if !consistent(g, p.depth_multiplier, p.weights.len()) {
        return;
    }
    io.each(g, |image, out_y, out_x, out_pixel| {
        let window = Window::new(g, out_y, out_x);
        let correct = p.input_offset != 0 && !window.is_full(g);
        let (quads, rest) = out_pixel.as_chunks_mut::<4>();
        let mut first = 0;
        for out in quads {
            let acc = channels_block::<K, 4>(p, &window, correct, image, first, &mac);
            for (j, (o, &a)) in enumerate(out.iter_mut().zip(&acc)) {
                finish_channel(p, first.wrapping_add(j), a, o);
            }
            first = first.wrapping_add(4);
        }
        for o in rest {
            let [a] = channels_block::<1, 1>(p, &window, correct, image, first, |acc, x, w| {
                [acc[0].wrapping_add(i32::from(x[0]) * i32::from(w[0]))]
            });
            finish_channel(p, first, a, o);
            first = first.wrapping_add(1);
        }
    });
}

/// How the 3x3 kernel turns an accumulator into an output (chosen once per layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Epilogue {
    /// [`requantize_fast`], then a clamp to the whole int8 range (one `SSAT` on Cortex-M4).
    FastFullRange,
    /// [`requantize_fast`], then a clamp to `[output_min, output_max]`.
    FastClamped,
}

/// The smallest and largest right shift (`-shift`) that [`requantize_fast`] accepts.
const FAST_SHIFTS: core::ops::RangeInclusive<i32> = 2..=23;

/// TFLite's `MultiplyByQuantizedMultiplier(acc, multiplier, -(e1 + 1)) + output_offset`, for a
/// multiplier of 0 or in `[2^30, 2^31)`, a right shift `e = e1 + 1` in [`FAST_SHIFTS`] and
/// `round = (2 * output_offset + 1) << (e - 2)` with an offset in -128..=127: one 32x32 -> 64 bit
/// multiply-accumulate, two shifts and an add.
///
/// Why it is exact: TFLite computes `y = floor((acc * m + 2^30) / 2^31)` (the saturating
/// doubling high multiply, which cannot saturate for `m != i32::MIN`) and then divides `y` by
/// `2^e` rounding half away from zero, which is `floor((y + 2^(e-1) - [y < 0]) / 2^e)` (ties of
/// a negative `y` go down). Nested floors of divisions by positive integers compose, and an
/// integer added inside the inner floor can move out of it, so the result is
/// `floor((acc * m + 2^30 - [y < 0] * 2^31 + 2^(30+e)) / 2^(31+e))`. `[y < 0]` is `[acc < 0]`
/// except for `acc = -1, m = 2^30`, where `y = 0` and both forms give 0 (the numerator is then
/// `2^(30+e) - 2^31`, in `0..2^(31+e)`), and for `m = 0`, where both give 0 too. With
/// `V = acc * m + 2^30 - [acc < 0] * 2^31` (its 64-bit form has the high word `-[acc < 0]` before
/// the product is added: one `SMLAL`), `2^(30+e) = 2^(e-2) * 2^32` and the output offset
/// `o * 2^(e-1)` are multiples of the low word's range, so the result plus the offset is
/// `floor((hi(V) + 2^(e-2) + o * 2^(e-1)) / 2^(e-1))`. No step overflows: `|acc * m| <= 2^62`, so
/// `|hi(V)| <= 2^30 + 1`, and `|round| < 2^(e+6) <= 2^29` for `e <= 23`.
#[inline(always)]
pub(super) fn requantize_fast(acc: i32, multiplier: i32, e1: u32, round: i32) -> i32 {
    // 0 or -1.
    let negative = acc >> 31;
    // 2^30 - [acc < 0] * 2^31 as a 64-bit value: high word `negative`, low word
    // 0x4000_0000 with bit 31 set for a negative accumulator.
    let low = 0x4000_0000 | ((negative as u32) << 31);
    let start = (i64::from(negative) << 32) | i64::from(low);
    let v = i64::from(acc)
        .wrapping_mul(i64::from(multiplier))
        .wrapping_add(start);
    let high = (v >> 32) as i32;
    // `e1 = e - 1 <= 22`: the mask changes nothing (and costs one `AND`; LLVM cannot know that
    // the shift is below 32, and `unbounded_shr` costs three instructions).
    high.wrapping_add(round).wrapping_shr(e1)
}

/// Output channels per pass of [`depthwise_3x3_i8`] over the image: the per-channel constants of
/// the epilogue and the zero-point row of out-of-image taps, on the stack, are this long.
const CHANNEL_CHUNK: usize = 64;

/// Whether [`depthwise_3x3_i8`] computes this layer, and with which epilogue: a 3x3 filter, depth
/// multiplier 1 with a depth that is a non-zero multiple of 4, or a depth multiplier that is a
/// multiple of 4 (four output channels sharing one input), an input zero point in int8 range
/// (always, for a real model), bias and requantization entries for every channel, and the
/// output offset and clamp range in int8 range (as [`requantize_fast`] and the bytewise clamp
/// of `requantize4_i8` need; always, for a real model).
fn fast_3x3_epilogue(p: &DepthwiseConv2dI8) -> Option<Epilogue> {
    let g = &p.geometry;
    let depth = g.output_depth;
    let fits = |len: usize| len == 1 || len >= depth;
    let applies = (p.depth_multiplier == 1 || p.depth_multiplier.is_multiple_of(4))
        && p.depth_multiplier != 0
        && g.filter_height == 3
        && g.filter_width == 3
        && depth != 0
        && depth.is_multiple_of(4)
        && g.input_depth.checked_mul(p.depth_multiplier) == Some(depth)
        && i8::try_from(p.input_offset.wrapping_neg()).is_ok()
        && p.bias.len() >= depth
        && fits(p.requantize.multipliers.len())
        && fits(p.requantize.shifts.len())
        && g.input_height
            .checked_mul(g.input_width)
            .and_then(|n| n.checked_mul(g.input_depth))
            .is_some()
        && depth.checked_mul(9).is_some_and(|n| p.weights.len() >= n);
    if !applies {
        return None;
    }
    // Channels outside `requantize_fast`'s multipliers and shifts take the reference
    // requantization, chosen per group of four (see `depthwise_3x3_i8`).
    let fast = (-128..=127).contains(&p.output_offset)
        && -128 <= p.output_min
        && p.output_min <= p.output_max
        && p.output_max <= 127;
    if !fast {
        return None;
    }
    Some(if p.output_min == -128 && p.output_max == 127 {
        Epilogue::FastFullRange
    } else {
        Epilogue::FastClamped
    })
}

/// int8 DEPTHWISE_CONV_2D for a 3x3 filter and depth multiplier 1 or a multiple of 4 (any
/// strides, dilations and padding), for the layers [`fast_3x3_epilogue`] accepts; `CLAMP` for
/// its [`Epilogue::FastClamped`], `BROADCAST` for a depth multiplier other than 1.
///
/// Out-of-image taps read the input zero point (`-input_offset`) instead of being skipped: the
/// folded bias holds `input_offset * w` for every tap, and `w * zero_point` cancels it, so the
/// sum is the reference's (modulo 2^32, like it) and border pixels run the same code as interior
/// ones. Per output pixel a table of the 9 taps' addresses is built once, each either the pixel's
/// inputs or a row of zero points, then four channels at a time accumulate all 9 taps in
/// registers, starting from their bias. Channels go in chunks of [`CHANNEL_CHUNK`], whose
/// epilogue constants are prepared once per chunk.
fn depthwise_3x3_i8<const CLAMP: bool, const BROADCAST: bool>(
    p: &DepthwiseConv2dI8,
    io: &mut PixelIo<i8>,
) {
    let g = &p.geometry;
    // Output channels; the input channel of output channel `c` is `c / depth_multiplier`.
    let depth = g.output_depth;
    let multiplier = p.depth_multiplier;
    // Checked by `fast_3x3_epilogue`: exact, and `input_offset` negated fits in int8.
    let image_len = size([g.input_height, g.input_width, g.input_depth]);
    let zero_point = p.input_offset.wrapping_neg() as i8;
    let pad = [zero_point; CHANNEL_CHUNK];
    // In int8 range (`fast_3x3_epilogue`), as `requantize4_i8` takes them: four bytes alike.
    let (min4, max4) = (
        u32::from(p.output_min as u8) * 0x0101_0101,
        u32::from(p.output_max as u8) * 0x0101_0101,
    );
    // A clamp narrower than int8 (a fused activation); the full range needs none.
    let clamp = p.output_min > -128 || p.output_max < 127;
    let (m_step, s_step) = p.requantize.steps();
    // Tap `(fy, fx)`'s input address minus the first tap's, for windows inside the image.
    let mut steps = [0usize; 9];
    for (t, step) in enumerate(steps.iter_mut()) {
        let (fy, fx) = (t / 3, t % 3);
        *step = fy
            .wrapping_mul(g.dilation_height)
            .wrapping_mul(g.input_width)
            .wrapping_add(fx.wrapping_mul(g.dilation_width))
            .wrapping_mul(g.input_depth);
    }
    // The fixed steps serve windows inside the image when dilations are at most half the image
    // (every model's): then `first + 2 * dilation` cannot wrap (an image is a slice of at most
    // `isize::MAX` values, so each side is below half the address space, and the sum below twice
    // the side), and a window whose first and last rows and columns are inside is inside. With a larger dilation a wrapping sum could bring the
    // last row back inside while the middle one is not; such windows take the per-tap walk.
    let half = |dilation: usize, size: usize| dilation.checked_mul(2).is_some_and(|d| d <= size);
    let interior = (half(g.dilation_height, g.input_height)
        && half(g.dilation_width, g.input_width))
    .then_some(&steps);
    let mut chunk_start = 0usize;
    while chunk_start < depth {
        let n = depth.wrapping_sub(chunk_start).min(CHANNEL_CHUNK);
        // The chunk's constants, per group of four channels `j` in `requantize4_i8`'s layout:
        // `[multiplier_j, round_j]`, then the right shifts `e1_j = -shift_j - 1` as the bytes
        // of one word, where `round = (2 * output_offset + 1) << (e1 - 1)` (see
        // `requantize_fast`).
        let mut params = [[0i32; 9]; CHANNEL_CHUNK / 4];
        // Groups with a channel outside `requantize_fast`'s domain (a shift of -1, 0 or left,
        // or below -23; a multiplier below 2^30), which `reference_group` requantizes.
        let mut references = [false; CHANNEL_CHUNK / 4];
        for (q, (group, reference)) in
            enumerate(params.iter_mut().zip(references.iter_mut()).take(n / 4))
        {
            let first = chunk_start.wrapping_add(q.wrapping_mul(4));
            // Present: `fast_3x3_epilogue` checked the lengths (1, or at least `depth`).
            let channel = |j: usize| {
                let c = first.wrapping_add(j);
                let m = p.requantize.multipliers.get(c.wrapping_mul(m_step));
                let shift = p.requantize.shifts.get(c.wrapping_mul(s_step));
                (
                    m.copied().unwrap_or(0),
                    i32::from(shift.copied().unwrap_or(0)),
                )
            };
            *reference = (0..4).any(|j| {
                let (m, shift) = channel(j);
                !((m == 0 || m >= 1 << 30) && FAST_SHIFTS.contains(&shift.wrapping_neg()))
            });
            let mut shifts = 0u32;
            for j in 0..4 {
                let (m, shift) = channel(j);
                group[2 * j] = m;
                let byte = if *reference {
                    // The shift as the reference requantization takes it.
                    shift
                } else {
                    // Exact: `e2` is in 0..=21 and the offset in int8 range.
                    let e2 = shift.wrapping_neg().wrapping_sub(2) as u32;
                    group[2 * j + 1] = p
                        .output_offset
                        .wrapping_mul(2)
                        .wrapping_add(1)
                        .unbounded_shl(e2);
                    e2.wrapping_add(1) as i32
                };
                shifts |= u32::from(byte as u8) << (8 * j);
            }
            group[8] = shifts as i32;
        }
        let (bias4, _) = span(p.bias, chunk_start, n).as_chunks::<4>();
        // The chunk's first input channel, and each group's input channel from it: below
        // `CHANNEL_CHUNK` (at most `(n - 4) / multiplier + 1`). For depth multiplier 1, the
        // group's first channel (the weights' offset).
        let chunk_input = chunk_start.checked_div(multiplier).unwrap_or(0);
        let mut x_offsets = [0usize; CHANNEL_CHUNK / 4];
        for (q, x) in enumerate(x_offsets.iter_mut()) {
            let first = chunk_start.wrapping_add(q.wrapping_mul(4));
            *x = first
                .checked_div(multiplier)
                .unwrap_or(0)
                .wrapping_sub(chunk_input);
        }
        // Weight `(tap t, channel chunk_start + i)` is at `weights + t * depth + i`, set once
        // per chunk; the input addresses are set for each pixel.
        let mut taps = [[pad.as_ptr(); 2]; 9];
        let mut weights = p.weights.as_ptr().wrapping_add(chunk_start);
        for tap in &mut taps {
            tap[1] = weights;
            weights = weights.wrapping_add(depth);
        }
        io.each(g, |image, out_y, out_x, out_pixel| {
            if image.len() < image_len {
                return;
            }
            let Some(out_chunk) = out_pixel.get_mut(chunk_start..chunk_start.wrapping_add(n))
            else {
                return;
            };
            tap_inputs(
                &mut taps,
                g,
                image,
                out_y,
                out_x,
                chunk_input,
                &pad,
                interior,
            );
            let (out4, _) = out_chunk.as_chunks_mut::<4>();
            for (q, ((((out, group), &reference), bias), &x_offset)) in enumerate(
                out4.iter_mut()
                    .zip(&params)
                    .zip(&references)
                    .zip(bias4)
                    .zip(&x_offsets),
            ) {
                let offset = q.wrapping_mul(4);
                // The branch before the taps: after them, the accumulators would be spilled
                // for the call on every group.
                *out = if reference {
                    reference_group::<BROADCAST>(p, *bias, &taps, x_offset, offset, group)
                } else {
                    let acc = taps_3x3::<BROADCAST>(*bias, &taps, x_offset, offset);
                    // The clamp chosen per call, not per kernel copy: a branch costs less
                    // flash than a second kernel and fewer instructions than always clamping.
                    let word = if CLAMP && clamp {
                        requantize4_i8::<true>(acc, group, min4, max4)
                    } else {
                        requantize4_i8::<false>(acc, group, min4, max4)
                    };
                    word.to_le_bytes().map(|b| b as i8)
                };
            }
        });
        chunk_start = chunk_start.wrapping_add(n);
    }
}

/// A tap's input and weight addresses for the first channel of a chunk (see [`tap_inputs`]).
type Tap = [*const i8; 2];

/// The outputs of four channels with [`requantize_to_i8`], for a group of
/// [`depthwise_3x3_i8`] with a multiplier or shift outside [`requantize_fast`]'s domain: `group`
/// holds the multipliers at `2 * j` and the shifts as the bytes of `group[8]`. Not inlined:
/// rare, and only its call is worth repeating in each copy of the kernel. The accumulators are
/// [`taps_3x3`]'s, with the same guarantees from the caller.
#[inline(never)]
fn reference_group<const BROADCAST: bool>(
    p: &DepthwiseConv2dI8,
    bias: [i32; 4],
    taps: &[Tap; 9],
    x_offset: usize,
    offset: usize,
    group: &[i32; 9],
) -> [i8; 4] {
    let acc = taps_3x3::<BROADCAST>(bias, taps, x_offset, offset);
    let out = |j: usize| {
        requantize_to_i8(
            acc[j],
            group[2 * j],
            i32::from((group[8] >> (8 * j)) as i8),
            p.output_offset,
            p.output_min,
            p.output_max,
        )
    };
    [out(0), out(1), out(2), out(3)]
}

/// Sets the input address of each of the 9 taps of output pixel `(out_y, out_x)`, in (filter
/// row, filter column) order: for input channels `chunk_start..`, the input pixel's, or `pad` for
/// a tap outside the image. `steps` holds each tap's address minus the first's for a window
/// inside the image. The caller guarantees `image.len() >= input_height * input_width *
/// input_depth` (exact) and `chunk_start` below the input depth; the addresses are computed with
/// wrapping arithmetic and read only by [`taps_3x3`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tap_inputs(
    taps: &mut [Tap; 9],
    g: &Conv2dGeometry,
    image: &[i8],
    out_y: usize,
    out_x: usize,
    chunk_start: usize,
    pad: &[i8; CHANNEL_CHUNK],
    steps: Option<&[usize; 9]>,
) {
    // The input coordinates wrap below zero, so one comparison checks both bounds (exact for a
    // model's geometry, see `Window`).
    let y0 = out_y
        .wrapping_mul(g.stride_height)
        .wrapping_sub(g.padding_height);
    let x0 = out_x
        .wrapping_mul(g.stride_width)
        .wrapping_sub(g.padding_width);
    let (y2, x2) = (
        y0.wrapping_add(g.dilation_height.wrapping_mul(2)),
        x0.wrapping_add(g.dilation_width.wrapping_mul(2)),
    );
    // `steps` is there only for dilations at most half the image (see the call): then the sums
    // above cannot wrap, and the first and last rows and columns inside mean all are.
    if let Some(steps) = steps.filter(|_| {
        y0 < g.input_height && y2 < g.input_height && x0 < g.input_width && x2 < g.input_width
    }) {
        // Every tap inside (most pixels): the first tap's address plus fixed steps. The last
        // row and column are inside, and so is every row and column between.
        let first = y0
            .wrapping_mul(g.input_width)
            .wrapping_add(x0)
            .wrapping_mul(g.input_depth)
            .wrapping_add(chunk_start);
        let first = image.as_ptr().wrapping_add(first);
        for (tap, &step) in taps.iter_mut().zip(steps) {
            tap[0] = first.wrapping_add(step);
        }
        return;
    }
    // One walk over the 9 taps (not `chunks_exact_mut(3)`, whose slice construction keeps a
    // precondition check, a panic path, in a debug build).
    let (mut y, mut x, mut column) = (y0, x0, 0);
    for tap in taps.iter_mut() {
        tap[0] = if y < g.input_height && x < g.input_width {
            let at = y
                .wrapping_mul(g.input_width)
                .wrapping_add(x)
                .wrapping_mul(g.input_depth)
                .wrapping_add(chunk_start);
            image.as_ptr().wrapping_add(at)
        } else {
            pad.as_ptr()
        };
        x = x.wrapping_add(g.dilation_width);
        column += 1;
        if column == 3 {
            (x, y, column) = (x0, y.wrapping_add(g.dilation_height), 0);
        }
    }
}

/// `acc` plus the products of the 9 taps of `taps` for the four output channels at `offset`
/// from the chunk's first: with depth multiplier 1 their inputs at the same offset, else
/// (`BROADCAST`) their one shared input at `x_offset`.
///
/// The caller guarantees `offset + 4 <= n` for a chunk of `n` output channels, and `x_offset`
/// the group's input channel minus the chunk's, so that every address read is in bounds:
/// `tap_inputs` gives input addresses of an in-image pixel's input channels from the chunk's
/// (`n` of them for depth multiplier 1, `(n - 4) / multiplier + 1` else) or `pad`,
/// `CHANNEL_CHUNK >= n` long, and weight addresses `weights + t * depth + chunk_start` for
/// `t < 9`, with `9 * depth <= weights.len()` (`fast_3x3_epilogue`).
#[inline(always)]
fn taps_3x3<const BROADCAST: bool>(
    acc: [i32; 4],
    taps: &[Tap; 9],
    x_offset: usize,
    offset: usize,
) -> [i32; 4] {
    // SAFETY: every tap's input address plus `x_offset` (or `offset`, for depth multiplier 1,
    // 4 bytes) and weight address plus `offset` (4 bytes) are readable, see above.
    unsafe {
        if BROADCAST {
            mac4_broadcast_taps9_i8(acc, taps, x_offset, offset)
        } else {
            mac4_taps9_i8(acc, taps, offset)
        }
    }
}

/// float32 DEPTHWISE_CONV_2D, following TFLite's reference kernel operation for operation:
/// products of in-image taps summed from `0.0` in (filter row, filter column) order, then the bias
/// added, then clamped. Writes nothing if a dimension is zero or the depths and weights do not fit
/// together.
pub fn depthwise_conv2d_f32(p: &DepthwiseConv2dF32, input: &[f32], output: &mut [f32]) {
    depthwise(
        &p.geometry,
        p.depth_multiplier,
        p.weights,
        &mut PixelIo::Apart(input, output),
        |total: &mut f32, x: f32, w: f32| *total += x * w,
        None::<fn(&mut f32, f32)>,
        |c, total, o| *o = clamp_f32(total + bias_f32(p.bias, c), p.output_min, p.output_max),
    );
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::kernels::Requantize;
    use crate::kernels::window::tests::geometry;

    /// 2x2 image, 2 input channels, depth multiplier 2, 2x2 filter with SAME padding (bottom and
    /// right only), two batches.
    #[test]
    fn int8_depth_multiplier_two_padding_batches() {
        let g = geometry([2, 2, 2], [2, 2, 4], [2, 2]);
        // Tap-major: for each of the 4 taps, one weight per output channel.
        // Output channels 0, 1 read input channel 0; 2, 3 read input channel 1.
        #[rustfmt::skip]
        let weights = [
            1i8, 0, 1, -1, // tap (0,0)
            1, 0, 0, 0,    // tap (0,1)
            1, 0, 0, 0,    // tap (1,0)
            1, 2, 0, 0,    // tap (1,1)
        ];
        let p = DepthwiseConv2dI8 {
            geometry: g,
            depth_multiplier: 2,
            weights: &weights,
            // The model's bias [0, 0, 0, 100] plus 3 * each channel's weight sum [4, 2, 1, -1],
            // as the compiler folds it.
            bias: &[12, 6, 3, 97],
            input_offset: 3,
            // Unit scale: 0.5 * 2^1.
            requantize: Requantize {
                multipliers: &[1 << 30; 4],
                shifts: &[1; 4],
            },
            output_offset: -2,
            output_min: -128,
            output_max: 127,
        };
        // Pixel (y, x) has channel 0 = 10 * (2y + x), channel 1 = 1.
        let image = [0i8, 1, 10, 1, 20, 1, 30, 1];
        let mut input = [0i8; 16];
        input[..8].copy_from_slice(&image);
        input[8..].copy_from_slice(&image.map(|v| -v));
        let mut out = [0i8; 32];
        depthwise_conv2d_i8(&p, &input, &mut out);
        // With x + 3 as the effective input, minus 2 at the end:
        // channel 0 sums its in-image 2x2 window: (0,0) -> 3+13+23+33 = 72; (0,1) -> 13+33 = 46;
        //   (1,0) -> 23+33 = 56; (1,1) -> 33 only.
        // channel 1: 2 * the tap (1,1) value when inside: (0,0) -> 66; others 0.
        // channel 2: channel 1 input (1 + 3 = 4) at tap (0,0): 4 everywhere.
        // channel 3: 100 - 4 = 96 everywhere.
        #[rustfmt::skip]
        let batch0 = [
            70, 64, 2, 94,
            44, -2, 2, 94,
            54, -2, 2, 94,
            31, -2, 2, 94,
        ];
        // The second batch negates the input: x + 3 is 3, -7, -17, -27 (channel 0), 2 (channel 1).
        #[rustfmt::skip]
        let batch1 = [
            -50, -56, 0, 96,
            -36, -2, 0, 96,
            -46, -2, 0, 96,
            -29, -2, 0, 96,
        ];
        assert_eq!(out[..16], batch0);
        assert_eq!(out[16..], batch1);
    }

    #[test]
    fn int8_stride_dilation_and_clamp() {
        // 1x5 image, 1x2 filter dilated by 2, stride 2: outputs at x = 0 and 2 (taps x, x + 2),
        // padding 1 on the left shifts them to taps (-1, 1) and (1, 3).
        let mut g = geometry([1, 5, 1], [1, 2, 1], [1, 2]);
        g.stride_width = 2;
        g.dilation_width = 2;
        g.padding_width = 1;
        let p = DepthwiseConv2dI8 {
            geometry: g,
            depth_multiplier: 1,
            weights: &[3, 5],
            bias: &[0],
            input_offset: 0,
            requantize: Requantize {
                multipliers: &[1 << 30],
                shifts: &[1],
            },
            output_offset: 0,
            output_min: -128,
            output_max: 30,
        };
        let mut out = [0i8; 2];
        depthwise_conv2d_i8(&p, &[1, 2, 3, 4, 5], &mut out);
        // Output 0: tap -1 skipped, 5 * x[1] = 10. Output 1: 3 * x[1] + 5 * x[3] = 26.
        assert_eq!(out, [10, 26]);
        depthwise_conv2d_i8(&p, &[1, 4, 3, 5, 5], &mut out);
        // 20; 12 + 25 = 37 -> clamped to 30.
        assert_eq!(out, [20, 30]);
    }

    #[test]
    fn float_depth_multiplier_and_bias() {
        let g = geometry([1, 2, 1], [1, 1, 2], [1, 2]);
        let p = DepthwiseConv2dF32 {
            geometry: g,
            depth_multiplier: 2,
            // tap 0: [1, -1]; tap 1: [0.5, 2].
            weights: &[1.0, -1.0, 0.5, 2.0],
            bias: Some(&[0.25, 1.0]),
            output_min: -1.0,
            output_max: 6.0,
        };
        let mut out = [0.0f32; 2];
        depthwise_conv2d_f32(&p, &[2.0, 4.0], &mut out);
        // 2 + 2 + 0.25 = 4.25; -2 + 8 + 1 = 7 -> 6.
        assert_eq!(out, [4.25, 6.0]);
        depthwise_conv2d_f32(&p, &[2.0, -1.0], &mut out);
        // 2 - 0.5 + 0.25 = 1.75; -2 - 2 + 1 = -3 -> -1.
        assert_eq!(out, [1.75, -1.0]);
    }

    #[test]
    fn inconsistent_shapes_write_nothing() {
        let p = DepthwiseConv2dF32 {
            geometry: geometry([1, 1, 1], [1, 1, 2], [1, 1]),
            depth_multiplier: 0,
            weights: &[1.0, 1.0],
            bias: None,
            output_min: f32::MIN,
            output_max: f32::MAX,
        };
        let mut out = [7.0f32; 2];
        depthwise_conv2d_f32(&p, &[1.0], &mut out);
        assert_eq!(out, [7.0; 2]);
        let p = DepthwiseConv2dF32 {
            depth_multiplier: 2,
            weights: &[1.0],
            ..p
        };
        depthwise_conv2d_f32(&p, &[1.0], &mut out);
        assert_eq!(out, [7.0; 2]);
        let p = DepthwiseConv2dF32 {
            weights: &[1.0, 2.0],
            ..p
        };
        depthwise_conv2d_f32(&p, &[1.0], &mut out);
        assert_eq!(out, [1.0, 2.0]);
    }

    /// [`requantize_fast`] plus the clamps against [`requantize_to_i8`] over its whole domain of
    /// multipliers, shifts and offsets, with random and extreme accumulators.
    #[test]
    fn fast_requantize_matches_reference() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let extremes = [
            0,
            1,
            -1,
            2,
            -2,
            i32::MAX,
            i32::MIN,
            i32::MAX - 1,
            i32::MIN + 1,
            1 << 30,
            -(1 << 30),
        ];
        for round in 0..200_000u32 {
            let r = next();
            let multiplier = match round % 8 {
                0 => 0,
                1 => 1 << 30,
                2 => i32::MAX,
                _ => (1 << 30) | (r as i32 & 0x3fff_ffff),
            };
            let e = FAST_SHIFTS.start() + ((r >> 32) % 22) as i32;
            let shift = -e;
            let output_offset = (r >> 40) as u8 as i8 as i32;
            let acc = match (r >> 48) % 4 {
                0 => extremes[(r >> 52) as usize % extremes.len()],
                1 => (next() as i32) >> (next() % 31),
                // Near the rounding ties of the final shift.
                2 => ((next() as i32) >> (8 + e))
                    .wrapping_shl(e as u32)
                    .wrapping_add((r >> 56) as i32 % 3 - 1 + (1 << (e - 1))),
                _ => next() as i32,
            };
            let e2 = (e - 2) as u32;
            let round_term = (2 * output_offset + 1) << e2;
            let fast = requantize_fast(acc, multiplier, e2 + 1, round_term);
            let (min, max) = [(-128, 127), (-128, 0), (-20, 50), (0, 127)][round as usize % 4];
            assert_eq!(
                fast.max(min).min(max) as i8,
                requantize_to_i8(acc, multiplier, shift, output_offset, min, max),
                "acc {acc}, multiplier {multiplier}, shift {shift}, offset {output_offset}"
            );
            // Unclamped, as far as the reference's result plus offset fits.
            let exact = crate::quant::multiply_by_quantized_multiplier(acc, multiplier, shift);
            assert_eq!(
                fast,
                exact + output_offset,
                "acc {acc}, m {multiplier}, shift {shift}"
            );
        }
    }

    /// `bias + input_offset * sum(weights of the channel)`, as the compiler folds it.
    fn fold(p: &DepthwiseConv2dI8, bias: &[i32]) -> std::vec::Vec<i32> {
        let depth = p.geometry.output_depth;
        (0..depth)
            .map(|c| {
                let sum: i32 = p
                    .weights
                    .iter()
                    .skip(c)
                    .step_by(depth)
                    .map(|&w| i32::from(w))
                    .sum();
                bias[c] + p.input_offset * sum
            })
            .collect()
    }

    /// The reference kernels' loop nest, index by index: output channel outer, taps inner, with
    /// the model's `bias` (not folded).
    #[allow(clippy::needless_range_loop)]
    fn naive_i8(p: &DepthwiseConv2dI8, bias: &[i32], input: &[i8]) -> std::vec::Vec<i8> {
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
                                let (y, x) = (y as usize, x as usize);
                                let xv = image[(y * g.input_width + x) * g.input_depth
                                    + c / p.depth_multiplier];
                                let w = p.weights[(fy * g.filter_width + fx) * g.output_depth + c];
                                acc += i32::from(w) * (i32::from(xv) + p.input_offset);
                            }
                        }
                        let bias = bias[c];
                        let (multiplier, shift) = p.requantize.channel(c).unwrap();
                        out.push(requantize_to_i8(
                            acc + bias,
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

    /// xorshift32, for the randomized tests.
    fn xorshift(seed: u32) -> impl FnMut() -> u32 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        }
    }

    /// Runs `depthwise_conv2d_i8` on random weights, bias, requantization (`shifts` draws a
    /// channel's shift) and two batches of input, and checks it against the reference loop nest.
    #[allow(clippy::too_many_arguments)]
    fn check_against_reference(
        next: &mut impl FnMut() -> u32,
        g: Conv2dGeometry,
        depth_multiplier: usize,
        per_tensor: bool,
        input_offset: i32,
        output: (i32, i32, i32),
        shifts: &mut impl FnMut(u32) -> i8,
        multipliers: &mut impl FnMut(u32) -> i32,
    ) {
        let output_depth = g.output_depth;
        let taps = g.filter_height * g.filter_width;
        let weights: std::vec::Vec<i8> = (0..taps * output_depth).map(|_| next() as i8).collect();
        let bias: std::vec::Vec<i32> = (0..output_depth).map(|_| next() as i32 >> 18).collect();
        let len = if per_tensor { 1 } else { output_depth };
        let multipliers: std::vec::Vec<i32> = (0..len).map(|_| multipliers(next())).collect();
        let shifts: std::vec::Vec<i8> = (0..len).map(|_| shifts(next())).collect();
        let image = g.input_height * g.input_width * g.input_depth;
        let input: std::vec::Vec<i8> = (0..2 * image).map(|_| next() as i8).collect();
        let (output_offset, output_min, output_max) = output;
        let mut p = DepthwiseConv2dI8 {
            geometry: g,
            depth_multiplier,
            weights: &weights,
            bias: &[],
            input_offset,
            requantize: Requantize {
                multipliers: &multipliers,
                shifts: &shifts,
            },
            output_offset,
            output_min,
            output_max,
        };
        let folded = fold(&p, &bias);
        p.bias = &folded;
        let mut out = std::vec![0i8; 2 * g.output_height * g.output_width * output_depth];
        depthwise_conv2d_i8(&p, &input, &mut out);
        let want = naive_i8(&p, &bias, &input);
        assert_eq!(
            out, want,
            "{g:?} x {depth_multiplier}, per-tensor {per_tensor}, offset {input_offset}, \
             output {output:?}, shifts {shifts:?}, multipliers {multipliers:?}"
        );
        shared_matches(&p, &input, &want);
    }

    /// The shared form with the input as close after the output as its gap allows (over it
    /// wherever the gap is below the output's length) gives the same outputs; above 64 output
    /// channels (no overlap allowed) it writes nothing.
    fn shared_matches(p: &DepthwiseConv2dI8, input: &[i8], want: &[i8]) {
        let images = input.len()
            / (p.geometry.input_height * p.geometry.input_width * p.geometry.input_depth);
        let gap = depthwise_conv2d_i8_overlap_gap(p, images);
        if gap == usize::MAX {
            assert!(p.geometry.output_depth > 64);
            return;
        }
        let (inputs, outputs) = (input.len(), want.len());
        let mut data = std::vec![0x55i8; (gap + inputs).max(outputs)];
        data[gap..gap + inputs].copy_from_slice(input);
        depthwise_conv2d_i8_shared(p, &mut data, [gap, inputs, 0, outputs]);
        assert_eq!(
            &data[..outputs],
            want,
            "shared, gap {gap}: {:?}",
            p.geometry
        );
    }

    /// The 3x3 kernel (`depthwise_3x3_i8`) with each epilogue, against the reference loop nest:
    /// depth multiplier 1 with depths below, at and across its 64-channel chunks, depth
    /// multipliers 4, 8, 12 and 16 (four channels sharing an input, chunks starting inside an
    /// input channel's group), strides 1 and 2,
    /// dilation 1 and 2, SAME and VALID padding (border pixels read the zero point), per-tensor
    /// and per-channel scales, input zero points 0, -11, -128 and 127, and output ranges full
    /// and clamped (ReLU6-like); and depths that are not a multiple of 4 and a depth multiplier
    /// of 6, which take the general kernel.
    #[test]
    fn int8_3x3_matches_reference_loop_nest() {
        let mut next = xorshift(0x1234_5678);
        for (depth, multiplier) in [
            (4, 1),
            (8, 1),
            (36, 1),
            (64, 1),
            (3, 1),
            (6, 1),
            (1, 8),
            (2, 4),
            (3, 12),
            (17, 4),
            (5, 16),
            (2, 6),
        ] {
            let out_depth = depth * multiplier;
            let mut geometries = std::vec::Vec::new();
            for (stride, dilation, padding) in
                [(1, 1, 1), (2, 1, 1), (1, 2, 2), (2, 2, 0), (1, 1, 0)]
            {
                let (h, w) = (7, 6);
                let out = |size: usize| (size + 2 * padding - 2 * dilation - 1) / stride + 1;
                let mut g = geometry([h, w, depth], [out(h), out(w), out_depth], [3, 3]);
                g.stride_height = stride;
                g.stride_width = stride;
                g.dilation_height = dilation;
                g.dilation_width = dilation;
                g.padding_height = padding;
                g.padding_width = padding;
                geometries.push(g);
            }
            // A 1-pixel image under SAME padding: every tap but the centre outside.
            let mut tiny = geometry([1, 1, depth], [1, 1, out_depth], [3, 3]);
            tiny.padding_height = 1;
            tiny.padding_width = 1;
            geometries.push(tiny);
            for g in geometries {
                for (per_tensor, input_offset) in
                    [(false, 11), (true, 0), (false, 128), (true, -127)]
                {
                    for output in [
                        (-128, -128, 127),
                        (5, -20, 90),
                        (127, -128, 127),
                        (-3, -3, 127),
                    ] {
                        // Fast-domain shifts and multipliers (0, 2^30 and i32::MAX included).
                        check_against_reference(
                            &mut next,
                            g,
                            multiplier,
                            per_tensor,
                            input_offset,
                            output,
                            &mut |r| -((2 + r % 22) as i8),
                            &mut |r| match r % 5 {
                                0 => 0,
                                1 => 1 << 30,
                                2 => i32::MAX,
                                _ => (1 << 30) | (r as i32 & 0x3fff_ffff),
                            },
                        );
                    }
                    // Shifts and multipliers outside the fast domain (a left shift, 0, -1 and
                    // -24..-31; below 2^30) mixed with fast ones: groups with the reference
                    // requantization.
                    check_against_reference(
                        &mut next,
                        g,
                        multiplier,
                        per_tensor,
                        input_offset,
                        (-1, -128, 127),
                        &mut |r| [1, 0, -1, -24, -31, -5, -6, -7][r as usize % 8],
                        // Below 2^30 too: also the reference requantization.
                        &mut |r| match r % 4 {
                            0 => (r >> 4) as i32,
                            _ => (1 << 30) | (r as i32 & 0x3fff_ffff),
                        },
                    );
                }
            }
        }
    }

    /// Channel counts across the kernel's blocks of 16 output channels, depth multipliers whose
    /// groups straddle block boundaries (3 and 5: block 1 starts inside a group), padding,
    /// strides and dilation, against the reference loop nest.
    #[test]
    fn int8_matches_reference_loop_nest_across_channel_blocks() {
        let mut state = 0x2545_f491_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for (input_depth, depth_multiplier) in
            [(1, 1), (17, 1), (40, 1), (6, 3), (7, 5), (1, 8), (2, 20)]
        {
            let output_depth = input_depth * depth_multiplier;
            // Strided, dilated, padded 3x2 filter; SAME 3x3 (every border pixel leaves the
            // image); VALID 3x3 (no pixel does).
            let mut strided = geometry([5, 6, input_depth], [3, 3, output_depth], [3, 2]);
            strided.stride_height = 2;
            strided.stride_width = 2;
            strided.dilation_width = 2;
            strided.padding_height = 1;
            strided.padding_width = 1;
            let mut same = geometry([5, 6, input_depth], [5, 6, output_depth], [3, 3]);
            same.padding_height = 1;
            same.padding_width = 1;
            let valid = geometry([5, 6, input_depth], [3, 4, output_depth], [3, 3]);
            for g in [strided, same, valid] {
                let taps = g.filter_height * g.filter_width;
                let pixels = g.output_height * g.output_width;
                let weights: std::vec::Vec<i8> =
                    (0..taps * output_depth).map(|_| next() as i8).collect();
                let bias: std::vec::Vec<i32> =
                    (0..output_depth).map(|_| next() as i32 >> 18).collect();
                let multipliers: std::vec::Vec<i32> = (0..output_depth)
                    .map(|_| (1 << 30) + (next() >> 2) as i32)
                    .collect();
                let shifts: std::vec::Vec<i8> =
                    (0..output_depth).map(|_| -((next() % 12) as i8)).collect();
                let input: std::vec::Vec<i8> =
                    (0..2 * 5 * 6 * input_depth).map(|_| next() as i8).collect();
                // Per-channel requantization, then one multiplier and shift for every channel;
                // input zero points -11, 0 and -128.
                for (per_tensor, input_offset) in [(false, 11), (true, 11), (false, 0), (true, 128)]
                {
                    let len = if per_tensor { 1 } else { output_depth };
                    let mut p = DepthwiseConv2dI8 {
                        geometry: g,
                        depth_multiplier,
                        weights: &weights,
                        bias: &[],
                        input_offset,
                        requantize: Requantize {
                            multipliers: &multipliers[..len],
                            shifts: &shifts[..len],
                        },
                        output_offset: -3,
                        output_min: -128,
                        output_max: 127,
                    };
                    let folded = fold(&p, &bias);
                    p.bias = &folded;
                    let mut out = std::vec![0i8; 2 * pixels * output_depth];
                    depthwise_conv2d_i8(&p, &input, &mut out);
                    assert_eq!(
                        out,
                        naive_i8(&p, &bias, &input),
                        "depth {input_depth} x {depth_multiplier}, {g:?}, per-tensor \
                         {per_tensor}, offset {input_offset}"
                    );
                    shared_matches(&p, &input, &out);
                }
            }
        }
    }

    /// Random layers (3x3 and other filters, depth multipliers 1, 2 and 4, up to 64 output
    /// channels): the shared form with its input exactly the gap after its output computes
    /// what the two-slice form does.
    #[test]
    fn overlapped_placements_match_apart_on_random_layers() {
        let mut next = xorshift(0x5be0_cd19);
        let mut overlapped = 0;
        for _ in 0..400 {
            let r = |n: u32, next: &mut dyn FnMut() -> u32| (next() % n) as usize;
            let (ih, iw) = (1 + r(12, &mut next), 1 + r(12, &mut next));
            let multiplier = [1, 1, 2, 4][r(4, &mut next)];
            // Depths that are multiples of 4 (the 3x3 fast path) and others.
            let id = if r(2, &mut next) == 0 {
                4 * (1 + r(16, &mut next))
            } else {
                1 + r(16, &mut next)
            };
            let od = id * multiplier;
            if od > 64 {
                continue;
            }
            let f = [3, 3, 1, 2, 4][r(5, &mut next)];
            let s = 1 + r(2, &mut next);
            let pad = r(f as u32, &mut next);
            let (Some(oh), Some(ow)) = (
                (ih + 2 * pad).checked_sub(f).map(|v| v / s + 1),
                (iw + 2 * pad).checked_sub(f).map(|v| v / s + 1),
            ) else {
                continue;
            };
            let mut g = geometry([ih, iw, id], [oh, ow, od], [f, f]);
            [g.stride_height, g.stride_width] = [s, s];
            [g.padding_height, g.padding_width] = [pad, pad];
            let weights: std::vec::Vec<i8> = (0..f * f * od).map(|_| next() as i8).collect();
            let bias: std::vec::Vec<i32> = (0..od).map(|_| next() as i32 >> 18).collect();
            let multipliers: std::vec::Vec<i32> = (0..od)
                .map(|_| (1 << 30) | (next() as i32 & 0x3fff_ffff))
                .collect();
            let shifts: std::vec::Vec<i8> = (0..od).map(|_| -((2 + next() % 10) as i8)).collect();
            let mut p = DepthwiseConv2dI8 {
                geometry: g,
                depth_multiplier: multiplier,
                weights: &weights,
                bias: &[],
                input_offset: (next() % 256) as i32 - 127,
                requantize: Requantize {
                    multipliers: &multipliers,
                    shifts: &shifts,
                },
                output_offset: (next() % 20) as i32 - 10,
                output_min: -128,
                output_max: 127,
            };
            let folded = fold(&p, &bias);
            p.bias = &folded;
            let images = 1 + r(2, &mut next);
            let input: std::vec::Vec<i8> =
                (0..images * ih * iw * id).map(|_| next() as i8).collect();
            let mut want = std::vec![0i8; images * oh * ow * od];
            depthwise_conv2d_i8(&p, &input, &mut want);
            let gap = depthwise_conv2d_i8_overlap_gap(&p, images);
            overlapped += usize::from(gap < want.len());
            shared_matches(&p, &input, &want);
        }
        assert!(overlapped > 100, "few layers overlapped ({overlapped})");
    }
}
