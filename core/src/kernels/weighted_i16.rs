//! The int16x8 weighted kernels (int16 activations, int8 weights): CONV_2D, DEPTHWISE_CONV_2D
//! and FULLY_CONNECTED, bit-exact with TFLite Micro's reference kernels.
//!
//! TFLite's 16x8 quantization is symmetric: activations have zero point 0 (the compiler rejects
//! others), so no input offset enters the sums. TFLM accumulates in 64 bits with an INT64 bias
//! (and requantizes with its 64-bit `MultiplyByQuantizedMultiplier`, which rounds differently
//! from the 32-bit one), or in 32 bits (wrapping) with an INT32 bias, or with no bias when the
//! operator's `quantized_bias_type` is INT32. The `_acc32` kernels are the 32-bit path; their
//! bias is the INT32 bias widened.

use super::Conv2dGeometry;
use super::requantize::Requantize;
use super::slices::{chunks, enumerate, rows, size, span};
use crate::quant::multiply_by_quantized_multiplier;

/// CONV_2D with int16 input and output, int8 weights.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dI16<'a> {
    /// Shapes, strides, dilations and padding.
    pub geometry: Conv2dGeometry,
    /// Weights, `[output_depth][filter_height][filter_width][input_depth]`; symmetric.
    pub weights: &'a [i8],
    /// One per output channel (zeros for a model without a bias).
    pub bias: &'a [i64],
    /// Accumulator to output scale, per channel or per tensor.
    pub requantize: Requantize<'a>,
    /// Smallest output value (the fused activation's lower bound).
    pub output_min: i32,
    /// Largest output value (the fused activation's upper bound).
    pub output_max: i32,
}

/// DEPTHWISE_CONV_2D with int16 input and output, int8 weights (TFLM takes INT64 biases only).
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2dI16<'a> {
    /// Shapes, strides, dilations and padding.
    pub geometry: Conv2dGeometry,
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Weights, `[filter_height][filter_width][output_depth]`; symmetric.
    pub weights: &'a [i8],
    /// One per output channel (zeros for a model without a bias).
    pub bias: &'a [i64],
    /// Accumulator to output scale, per channel or per tensor.
    pub requantize: Requantize<'a>,
    /// Smallest output value (the fused activation's lower bound).
    pub output_min: i32,
    /// Largest output value (the fused activation's upper bound).
    pub output_max: i32,
}

/// FULLY_CONNECTED with int16 input and output, int8 weights.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedI16<'a> {
    /// Weights, `[output_depth][accum_depth]` row-major; symmetric.
    pub weights: &'a [i8],
    /// One per output channel (zeros for a model without a bias).
    pub bias: &'a [i64],
    /// Inputs per output (the inner dimension).
    pub accum_depth: usize,
    /// Outputs per batch.
    pub output_depth: usize,
    /// Accumulator to output scale, per channel or per tensor.
    pub requantize: Requantize<'a>,
    /// Smallest output value (the fused activation's lower bound).
    pub output_min: i32,
    /// Largest output value (the fused activation's upper bound).
    pub output_max: i32,
}

/// TFLite's 64-bit `MultiplyByQuantizedMultiplier` (the double-rounding build): the Q0.31
/// multiplier rounded to Q0.15 (`0x7FFF` from `0x7FFF0000` up), then one rounding right shift by
/// `15 - shift`. Defined for `shift` in `-31..=7` (the compiler checks it); other shifts give
/// some value, never a panic.
#[inline(always)]
pub(super) fn multiply_by_quantized_multiplier_i64(x: i64, multiplier: i32, shift: i32) -> i32 {
    let reduced = if multiplier < 0x7FFF_0000 {
        multiplier.wrapping_add(1 << 15) >> 16
    } else {
        0x7FFF
    };
    let total_shift = 15i32.wrapping_sub(shift) as u32;
    let round = 1i64.wrapping_shl(total_shift.wrapping_sub(1));
    let result = x.wrapping_mul(i64::from(reduced)).wrapping_add(round);
    result.wrapping_shr(total_shift) as i32
}

/// An accumulator of products of int16 inputs and int8 weights, as TFLM keeps it.
trait Accumulator: Copy {
    /// The accumulator holding a channel's bias.
    fn bias(bias: i64) -> Self;
    /// `self + x * w`.
    fn mac(self, x: i16, w: i8) -> Self;
    /// Requantized with TFLM's `MultiplyByQuantizedMultiplier` for this accumulator's width.
    fn scale(self, multiplier: i32, shift: i32) -> i32;
    /// `self + partial`, a partial sum of products.
    fn add(self, partial: i32) -> Self;
}

impl Accumulator for i64 {
    #[inline(always)]
    fn bias(bias: i64) -> Self {
        bias
    }
    #[inline(always)]
    fn mac(self, x: i16, w: i8) -> Self {
        // One SMLAL on a Cortex-M4; the product fits 23 bits.
        self.wrapping_add(i64::from(x) * i64::from(w))
    }
    #[inline(always)]
    fn scale(self, multiplier: i32, shift: i32) -> i32 {
        multiply_by_quantized_multiplier_i64(self, multiplier, shift)
    }
    #[inline(always)]
    fn add(self, partial: i32) -> Self {
        self.wrapping_add(i64::from(partial))
    }
}

impl Accumulator for i32 {
    #[inline(always)]
    fn bias(bias: i64) -> Self {
        // The compiler widened an INT32 bias: exact.
        bias as i32
    }
    #[inline(always)]
    fn mac(self, x: i16, w: i8) -> Self {
        self.wrapping_add(i32::from(x) * i32::from(w))
    }
    #[inline(always)]
    fn scale(self, multiplier: i32, shift: i32) -> i32 {
        multiply_by_quantized_multiplier(self, multiplier, shift)
    }
    #[inline(always)]
    fn add(self, partial: i32) -> Self {
        self.wrapping_add(partial)
    }
}

/// `acc + sum(x * w)` over a pair of slices; up to [`PARTIAL`] products are summed in 32 bits
/// first: exact (a product is at most 2^22 in magnitude), and cheaper than 64-bit
/// multiply-accumulates.
#[inline(always)]
fn dot<A: Accumulator>(acc: A, xs: &[i16], ws: &[i8]) -> A {
    if xs.len() <= PARTIAL {
        acc.add(dot32(xs, ws))
    } else {
        xs.iter().zip(ws).fold(acc, |a, (&x, &w)| a.mac(x, w))
    }
}

/// `sum(x * w)` in 32 bits (exact for up to [`PARTIAL`] products).
#[inline(always)]
fn dot32(xs: &[i16], ws: &[i8]) -> i32 {
    xs.iter().zip(ws).fold(0i32, |a, (&x, &w)| {
        a.wrapping_add(i32::from(x) * i32::from(w))
    })
}

/// [`dot32`] of `xs` with two weight rows at once.
#[inline(always)]
fn dot2_32(xs: &[i16], w0: &[i8], w1: &[i8]) -> (i32, i32) {
    xs.iter()
        .zip(w0.iter().zip(w1))
        .fold((0i32, 0i32), |(a0, a1), (&x, (&w0, &w1))| {
            let x = i32::from(x);
            (
                a0.wrapping_add(x * i32::from(w0)),
                a1.wrapping_add(x * i32::from(w1)),
            )
        })
}

/// Products a 32-bit partial sum holds exactly: `256 * 2^22 = 2^30`.
const PARTIAL: usize = 256;

/// Clamped to `[min, max]` and narrowed to int16 (exact for bounds inside int16).
#[inline(always)]
fn finish(value: i32, min: i32, max: i32) -> i16 {
    value.max(min).min(max) as i16
}

/// The filter taps `f` whose input coordinate `out * stride + f * dilation - pad` lies inside
/// `0..len`, with the coordinate of the first: a range, since the coordinate grows with `f`.
/// Exact for a model's geometry; a zero dilation gives no taps.
#[inline(always)]
fn taps(
    out: usize,
    stride: usize,
    dilation: usize,
    pad: usize,
    filter: usize,
    len: usize,
) -> (core::ops::Range<usize>, usize) {
    // Pointer-sized: 32-bit divisions on a 32-bit target (exact: the compiler keeps every
    // coordinate, stride, dilation and padding far below 2^31).
    let (out, stride, dilation) = (out as isize, stride as isize, dilation as isize);
    let (pad, filter, len) = (pad as isize, filter as isize, len as isize);
    let base = out.wrapping_mul(stride).wrapping_sub(pad);
    // First tap at or after coordinate 0, first tap at or after coordinate `len`.
    let first = |at: isize| -> isize {
        let gap = at.wrapping_sub(base);
        if gap <= 0 {
            0
        } else {
            gap.wrapping_add(dilation.wrapping_sub(1))
                .checked_div(dilation)
                .unwrap_or(0)
        }
    };
    let (lo, hi) = if dilation <= 0 {
        (0, 0)
    } else {
        (first(0).min(filter), first(len).min(filter))
    };
    let coordinate = base.wrapping_add(lo.wrapping_mul(dilation));
    (lo as usize..hi.max(lo) as usize, coordinate as usize)
}

/// Calls `f(image, out_y, out_x, out_pixel)` for every output pixel of every batch.
#[inline(always)]
fn for_each_pixel(
    g: &Conv2dGeometry,
    input: &[i16],
    output: &mut [i16],
    mut f: impl FnMut(&[i16], usize, usize, &mut [i16]),
) {
    let image_len = size([g.input_height, g.input_width, g.input_depth]);
    let out_image_len = size([g.output_height, g.output_width, g.output_depth]);
    for (image, out_image) in rows(input, image_len, output, out_image_len) {
        let mut pixels = super::slices::chunks_mut(out_image, g.output_depth);
        for out_y in 0..g.output_height {
            for out_x in 0..g.output_width {
                let Some(pixel) = pixels.next() else { return };
                f(image, out_y, out_x, pixel);
            }
        }
    }
}

/// The in-image window of output pixel `(out_y, out_x)`: the tap rows and columns inside the
/// image, and the input row and column of the first of each.
#[inline(always)]
fn window(
    g: &Conv2dGeometry,
    out_y: usize,
    out_x: usize,
) -> (
    (core::ops::Range<usize>, usize),
    (core::ops::Range<usize>, usize),
) {
    (
        taps(
            out_y,
            g.stride_height,
            g.dilation_height,
            g.padding_height,
            g.filter_height,
            g.input_height,
        ),
        taps(
            out_x,
            g.stride_width,
            g.dilation_width,
            g.padding_width,
            g.filter_width,
            g.input_width,
        ),
    )
}

/// Input values of one window that [`conv2d`] gathers on the stack (512 bytes), so that each
/// output channel is one 32-bit dot product: exactly [`PARTIAL`].
const WINDOW: usize = PARTIAL;

fn conv2d<A: Accumulator>(p: &Conv2dI16, input: &[i16], output: &mut [i16]) {
    let g = &p.geometry;
    let depth = g.input_depth;
    let filter_len = size([g.filter_height, g.filter_width, depth]);
    if filter_len <= WINDOW {
        // The window's values in filter order, zeros for taps in the padding (their products
        // add nothing): every channel then reads the same contiguous values.
        let mut buffer = [0i16; WINDOW];
        for_each_pixel(g, input, output, |image, out_y, out_x, pixel| {
            let Some(values) = buffer.get_mut(..filter_len) else {
                return;
            };
            let ((rows_, y0), (cols, x0)) = window(g, out_y, out_x);
            if rows_.len() != g.filter_height || cols.len() != g.filter_width {
                values.fill(0);
            }
            let mut y = y0;
            for fy in rows_ {
                let mut x = x0;
                for fx in cols.clone() {
                    let at = y.wrapping_mul(g.input_width).wrapping_add(x);
                    let tap = fy.wrapping_mul(g.filter_width).wrapping_add(fx);
                    let start = tap.wrapping_mul(depth);
                    let src = span(image, at.wrapping_mul(depth), depth);
                    match (values.get_mut(start..start.wrapping_add(depth)), src) {
                        // One channel (a spectrogram, an image): no call to `memcpy`.
                        (Some([d]), [v]) => *d = *v,
                        (Some(dst), _) => super::slices::copy(dst, src),
                        (None, _) => {}
                    }
                    x = x.wrapping_add(g.dilation_width);
                }
                y = y.wrapping_add(g.dilation_height);
            }
            let values: &[i16] = values;
            let out = |c: usize, o: &mut i16, sum: i32| {
                if let Some((multiplier, shift)) = p.requantize.channel(c) {
                    let acc = A::bias(p.bias.get(c).copied().unwrap_or(0)).add(sum);
                    *o = finish(acc.scale(multiplier, shift), p.output_min, p.output_max);
                }
            };
            // Two channels at a time, each input value loaded once for both.
            let pairs = super::slices::chunks_mut(&mut *pixel, 2)
                .zip(chunks(p.weights, filter_len.wrapping_mul(2)));
            let mut c = 0usize;
            for (o, filters) in pairs {
                let (w0, w1) = filters.split_at(filters.len() / 2);
                let (s0, s1) = dot2_32(values, w0, w1);
                if let [o0, o1] = o {
                    out(c, o0, s0);
                    out(c.wrapping_add(1), o1, s1);
                }
                c = c.wrapping_add(2);
            }
            // An odd last channel.
            let last = pixel.get_mut(c).zip(chunks(p.weights, filter_len).nth(c));
            if let Some((o, filter)) = last {
                out(c, o, dot32(values, filter));
            }
        });
        return;
    }
    // Dilation 1 along the width: a window row's in-image taps are one run of the input row.
    let runs = g.dilation_width == 1;
    for_each_pixel(g, input, output, |image, out_y, out_x, pixel| {
        let ((rows_, y0), (cols, x0)) = window(g, out_y, out_x);
        let run_len = cols.len().wrapping_mul(depth);
        let channels = pixel.iter_mut().zip(chunks(p.weights, filter_len));
        for (c, (o, filter)) in enumerate(channels) {
            let Some((multiplier, shift)) = p.requantize.channel(c) else {
                return;
            };
            let mut acc = A::bias(p.bias.get(c).copied().unwrap_or(0));
            let mut y = y0;
            for fy in rows_.clone() {
                // In-image pixels and in-filter taps: exact (see `slices::size`).
                let row = y.wrapping_mul(g.input_width);
                let taps_row = fy.wrapping_mul(g.filter_width);
                if runs {
                    let at = row.wrapping_add(x0).wrapping_mul(depth);
                    let tap = taps_row.wrapping_add(cols.start).wrapping_mul(depth);
                    acc = dot(acc, span(image, at, run_len), span(filter, tap, run_len));
                } else {
                    let mut x = x0;
                    for fx in cols.clone() {
                        let at = row.wrapping_add(x).wrapping_mul(depth);
                        let tap = taps_row.wrapping_add(fx).wrapping_mul(depth);
                        acc = dot(acc, span(image, at, depth), span(filter, tap, depth));
                        x = x.wrapping_add(g.dilation_width);
                    }
                }
                y = y.wrapping_add(g.dilation_height);
            }
            *o = finish(acc.scale(multiplier, shift), p.output_min, p.output_max);
        }
    });
}

/// int16x8 CONV_2D with an INT64 bias (see [`Conv2dI16`]): 64-bit sums of `x * w` over the
/// in-image taps plus the bias, requantized per channel with the 64-bit rounding, clamped.
/// Channels past the weights or requantization parameters (only if they do not fit the shapes)
/// are left as they are.
pub fn conv2d_i16(p: &Conv2dI16, input: &[i16], output: &mut [i16]) {
    conv2d::<i64>(p, input, output);
}

/// int16x8 CONV_2D with an INT32 bias (or none, with `quantized_bias_type` INT32): as
/// [`conv2d_i16`], but the sums wrap in 32 bits and requantize with the 32-bit rounding.
pub fn conv2d_i16_acc32(p: &Conv2dI16, input: &[i16], output: &mut [i16]) {
    conv2d::<i32>(p, input, output);
}

/// Calls `f(input offset, weight offset)` for each in-image tap of a depthwise window, rows then
/// columns: the offset of the input pixel (times the input depth) and of the filter tap (times
/// the output depth).
#[inline(always)]
#[allow(clippy::type_complexity)]
fn each_tap<F: FnMut(usize, usize)>(
    g: &Conv2dGeometry,
    window: &(
        (core::ops::Range<usize>, usize),
        (core::ops::Range<usize>, usize),
    ),
    f: &mut F,
) {
    let ((rows_, y0), (cols, x0)) = window;
    let mut y = *y0;
    for fy in rows_.clone() {
        let mut x = *x0;
        for fx in cols.clone() {
            let at = y.wrapping_mul(g.input_width).wrapping_add(x);
            let tap = fy.wrapping_mul(g.filter_width).wrapping_add(fx);
            f(
                at.wrapping_mul(g.input_depth),
                tap.wrapping_mul(g.output_depth),
            );
            x = x.wrapping_add(g.dilation_width);
        }
        y = y.wrapping_add(g.dilation_height);
    }
}

/// int16x8 DEPTHWISE_CONV_2D (see [`DepthwiseConv2dI16`]): output channel `c` filters input
/// channel `c / depth_multiplier`; 64-bit sums plus the bias, requantized, clamped. A zero depth
/// multiplier (only if the parameters do not fit a model) leaves the outputs as they are.
pub fn depthwise_conv2d_i16(p: &DepthwiseConv2dI16, input: &[i16], output: &mut [i16]) {
    let g = &p.geometry;
    // Four channels at a time in 32-bit sums (exact up to `PARTIAL` taps), with a multiplier
    // of 1; the others one at a time in 64 bits.
    let quads =
        p.depth_multiplier == 1 && g.filter_height.saturating_mul(g.filter_width) <= PARTIAL;
    for_each_pixel(g, input, output, |image, out_y, out_x, pixel| {
        let window = window(g, out_y, out_x);
        let mut c = 0usize;
        if quads {
            for out4 in super::slices::chunks_mut(&mut *pixel, 4) {
                let mut acc = [0i32; 4];
                each_tap(g, &window, &mut |at, tap| {
                    let values = <&[i16; 4]>::try_from(span(image, at.wrapping_add(c), 4));
                    let weights = <&[i8; 4]>::try_from(span(p.weights, tap.wrapping_add(c), 4));
                    if let (Ok(v), Ok(w)) = (values, weights) {
                        for k in 0..4 {
                            acc[k] = acc[k].wrapping_add(i32::from(v[k]) * i32::from(w[k]));
                        }
                    }
                });
                for (k, (o, &a)) in enumerate(out4.iter_mut().zip(&acc)) {
                    let channel = c.wrapping_add(k);
                    let Some((multiplier, shift)) = p.requantize.channel(channel) else {
                        return;
                    };
                    let sum = p.bias.get(channel).copied().unwrap_or(0).add(a);
                    *o = finish(sum.scale(multiplier, shift), p.output_min, p.output_max);
                }
                c = c.wrapping_add(4);
            }
        }
        for (channel, o) in enumerate(pixel.iter_mut()).skip(c) {
            let (Some((multiplier, shift)), Some(in_c)) = (
                p.requantize.channel(channel),
                channel.checked_div(p.depth_multiplier),
            ) else {
                return;
            };
            let mut acc = p.bias.get(channel).copied().unwrap_or(0);
            each_tap(g, &window, &mut |at, tap| {
                let value = image.get(at.wrapping_add(in_c));
                let weight = p.weights.get(tap.wrapping_add(channel));
                if let (Some(&x), Some(&w)) = (value, weight) {
                    acc = acc.mac(x, w);
                }
            });
            *o = finish(acc.scale(multiplier, shift), p.output_min, p.output_max);
        }
    });
}

fn fully_connected<A: Accumulator>(p: &FullyConnectedI16, input: &[i16], output: &mut [i16]) {
    for (xs, out) in rows(input, p.accum_depth, output, p.output_depth) {
        let channels = out.iter_mut().zip(chunks(p.weights, p.accum_depth));
        for (c, (o, ws)) in enumerate(channels) {
            let Some((multiplier, shift)) = p.requantize.channel(c) else {
                return;
            };
            let acc = dot(A::bias(p.bias.get(c).copied().unwrap_or(0)), xs, ws);
            *o = finish(acc.scale(multiplier, shift), p.output_min, p.output_max);
        }
    }
}

/// int16x8 FULLY_CONNECTED with an INT64 bias or none (see [`FullyConnectedI16`]): 64-bit sums
/// plus the bias, requantized with the 64-bit rounding, clamped.
pub fn fully_connected_i16(p: &FullyConnectedI16, input: &[i16], output: &mut [i16]) {
    fully_connected::<i64>(p, input, output);
}

/// int16x8 FULLY_CONNECTED with an INT32 bias (or none, with `quantized_bias_type` INT32): as
/// [`fully_connected_i16`], but the sums wrap in 32 bits and requantize with the 32-bit rounding.
pub fn fully_connected_i16_acc32(p: &FullyConnectedI16, input: &[i16], output: &mut [i16]) {
    fully_connected::<i32>(p, input, output);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_64_bit_rescale_rounds_the_multiplier_to_15_bits() {
        // 0.75 as Q0.31, shift 0: x * 0.75 rounded half up.
        let m = 0x6000_0000;
        assert_eq!(multiply_by_quantized_multiplier_i64(4, m, 0), 3);
        assert_eq!(multiply_by_quantized_multiplier_i64(2, m, 0), 2); // 1.5 rounds up
        assert_eq!(multiply_by_quantized_multiplier_i64(-2, m, 0), -1); // -1.5 rounds up
        // A multiplier from 0x7FFF0000 up saturates to 0x7FFF rather than rounding to 2^15.
        assert_eq!(
            multiply_by_quantized_multiplier_i64(1 << 20, 0x7FFF_FFFF, 0),
            0x7FFF << 5
        );
        // Differs from the 32-bit rescale, which keeps all 31 bits of the multiplier.
        let m = 0x4000_7FFF;
        let x = 1 << 30;
        assert_ne!(
            multiply_by_quantized_multiplier_i64(i64::from(x), m, -1),
            multiply_by_quantized_multiplier(x, m, -1)
        );
    }

    #[test]
    fn window_taps_are_the_in_image_ones() {
        for (stride, dilation, pad, filter, len) in [
            (1, 1, 1, 3, 5),
            (2, 1, 0, 3, 7),
            (1, 2, 2, 3, 6),
            (3, 2, 4, 4, 3),
            (1, 3, 0, 2, 1),
        ] {
            for out in 0..8 {
                let (range, first) = taps(out, stride, dilation, pad, filter, len);
                let inside = |f: usize| {
                    let at = (out * stride + f * dilation) as i64 - pad as i64;
                    (0..len as i64).contains(&at)
                };
                for f in 0..filter {
                    assert_eq!(range.contains(&f), inside(f), "{out} {f}");
                }
                if !range.is_empty() {
                    assert_eq!(first, out * stride + range.start * dilation - pad);
                }
            }
        }
    }

    #[test]
    fn fully_connected_sums_in_64_bits() {
        let requantize = Requantize {
            multipliers: &[1 << 30],
            shifts: &[-10],
        };
        let p = FullyConnectedI16 {
            weights: &[127, 127, -128, 1],
            bias: &[1 << 33, 0],
            accum_depth: 2,
            output_depth: 2,
            requantize,
            output_min: -32768,
            output_max: 32767,
        };
        let mut out = [0i16; 2];
        fully_connected_i16(&p, &[32767, 32767], &mut out);
        // (2^33 + 2 * 127 * 32767) / 2^11, clamped.
        assert_eq!(out, [32767, -2032]);
        // 32-bit: the bias wraps to 0.
        fully_connected_i16_acc32(&p, &[32767, 32767], &mut out);
        assert_eq!(out, [4064, -2032]);
    }
}
