//! TRANSPOSE_CONV (NHWC, int8 with per-channel or per-tensor weights, and float32): each input
//! pixel spreads its filter-weighted values over the output, `stride` pixels apart.
//!
//! TFLM's reference kernel scatters: it walks the input and adds every product into an int32
//! (float32) buffer the size of the output, then requantizes. These kernels gather instead, one
//! output value at a time over the input pixels whose taps reach it, so they need no buffer. For
//! every output value they add the same products in the same order (input rows, then columns,
//! then channels, ascending), so int8 results are the same bits (int32 sums wrap alike in any
//! order) and float32 results are too.

use super::Conv2dGeometry;
use super::Requantize;
use super::epilogue::{bias_f32, clamp_f32};
use super::slices::{chunks, chunks_mut, enumerate, rows, size, span};
use super::weighted_i16::multiply_by_quantized_multiplier_i64;
use crate::quant::requantize_to_i8;

/// int8 TRANSPOSE_CONV (TFLM's `reference_integer_ops::TransposeConv`).
///
/// `geometry` is read as for CONV_2D with input and output swapped in role: input pixel
/// `(iy, ix)` reaches output pixel `(iy * stride_height - padding_height + fy, ix *
/// stride_width - padding_width + fx)` through filter tap `(fy, fx)`. Its dilations are unused
/// (TRANSPOSE_CONV has none).
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvI8<'a> {
    /// Shapes, strides and padding.
    pub geometry: Conv2dGeometry,
    /// Weights, `[output_depth][filter_height][filter_width][input_depth]`; symmetric.
    pub weights: &'a [i8],
    /// One per output channel, if the model has a bias.
    pub bias: Option<&'a [i32]>,
    /// Minus the input's zero point, added to every input value.
    pub input_offset: i32,
    /// Accumulator to output scale.
    pub requantize: Requantize<'a>,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

/// int16x8 TRANSPOSE_CONV (TFLM's int16 `reference_integer_ops::TransposeConv`): int16 input
/// and output (zero point 0), int8 weights, a 64-bit accumulator; `geometry` as in
/// [`TransposeConvI8`].
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvI16<'a> {
    /// Shapes, strides and padding.
    pub geometry: Conv2dGeometry,
    /// Weights, `[output_depth][filter_height][filter_width][input_depth]`; symmetric.
    pub weights: &'a [i8],
    /// One per output channel (an INT64 bias, or an INT16 one widened; zeros for none).
    pub bias: &'a [i64],
    /// Accumulator to output scale.
    pub requantize: Requantize<'a>,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

/// float32 TRANSPOSE_CONV (TFLM's `reference_ops::TransposeConv`); `geometry` as in
/// [`TransposeConvI8`].
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvF32<'a> {
    /// Shapes, strides and padding.
    pub geometry: Conv2dGeometry,
    /// Weights, `[output_depth][filter_height][filter_width][input_depth]`.
    pub weights: &'a [f32],
    /// One per output channel, if the model has a bias.
    pub bias: Option<&'a [f32]>,
    /// The fused activation's lower bound.
    pub output_min: f32,
    /// The fused activation's upper bound.
    pub output_max: f32,
}

/// The input coordinates whose filter taps reach output coordinate `out` along one axis,
/// ascending, each with its tap: `(i, f)` with `i * stride + f = out + pad`, `f < filter` and `i
/// < input_len`. Empty for a zero stride (only if the parameters do not fit a model).
#[inline(always)]
fn taps(
    out: usize,
    pad: usize,
    stride: usize,
    filter: usize,
    input_len: usize,
) -> impl Iterator<Item = (usize, usize)> {
    // `out + pad` is below the padded output's size, exact for a model's shapes.
    let reach = out.wrapping_add(pad);
    let (first, last) = match (
        reach
            .wrapping_add(1)
            .saturating_sub(filter)
            .checked_add(stride.wrapping_sub(1))
            .and_then(|n| n.checked_div(stride)),
        reach.checked_div(stride),
    ) {
        (Some(first), Some(last)) => (first, last.min(input_len.wrapping_sub(1))),
        _ => (1, 0),
    };
    // An empty input gives `last = usize::MAX` above, but no tap passes the bound check.
    (first..last.wrapping_add(1))
        .filter(move |&i| i < input_len)
        .map(move |i| (i, reach.wrapping_sub(i.wrapping_mul(stride))))
}

/// Calls `f(image, out_y, out_x, out_pixel)` for every output pixel of every batch, where
/// `image` is that batch's input.
#[inline(always)]
fn for_each_output<T, U>(
    g: &Conv2dGeometry,
    input: &[T],
    output: &mut [U],
    mut f: impl FnMut(&[T], usize, usize, &mut [U]),
) {
    let image_len = size([g.input_height, g.input_width, g.input_depth]);
    let out_image_len = size([g.output_height, g.output_width, g.output_depth]);
    for (image, out_image) in rows(input, image_len, output, out_image_len) {
        let mut pixels = chunks_mut(out_image, g.output_depth);
        for out_y in 0..g.output_height {
            for out_x in 0..g.output_width {
                let Some(pixel) = pixels.next() else { return };
                f(image, out_y, out_x, pixel);
            }
        }
    }
}

/// `acc` folded with `step(acc, inputs, weights)` over the input pixels that reach output pixel
/// `(out_y, out_x)`, rows then columns ascending: `inputs` is the pixel's `input_depth` values
/// and `weights` the filter's tap for it (of one output channel's `filter`).
#[inline(always)]
fn fold_taps<T, W, A>(
    g: &Conv2dGeometry,
    image: &[T],
    filter: &[W],
    out_y: usize,
    out_x: usize,
    acc: A,
    mut step: impl FnMut(A, &[T], &[W]) -> A,
) -> A {
    let depth = g.input_depth;
    let mut acc = acc;
    for (iy, fy) in taps(
        out_y,
        g.padding_height,
        g.stride_height,
        g.filter_height,
        g.input_height,
    ) {
        for (ix, fx) in taps(
            out_x,
            g.padding_width,
            g.stride_width,
            g.filter_width,
            g.input_width,
        ) {
            // In-image pixels and in-filter taps: exact (see `slices::size`).
            let pixel = iy.wrapping_mul(g.input_width).wrapping_add(ix);
            let tap = fy.wrapping_mul(g.filter_width).wrapping_add(fx);
            acc = step(
                acc,
                span(image, pixel.wrapping_mul(depth), depth),
                span(filter, tap.wrapping_mul(depth), depth),
            );
        }
    }
    acc
}

/// int8 TRANSPOSE_CONV (see [`TransposeConvI8`]): each output is `sum((x + input_offset) * w)`
/// over the taps that reach it (wrapping int32), plus the bias, requantized per channel, offset
/// and clamped. Channels past the weights or requantization parameters (only if they do not
/// fit the shapes) are left as they are.
pub fn transpose_conv_i8(p: &TransposeConvI8, input: &[i8], output: &mut [i8]) {
    let g = &p.geometry;
    let filter_len = size([g.filter_height, g.filter_width, g.input_depth]);
    for_each_output(g, input, output, |image, out_y, out_x, pixel| {
        let channels = pixel.iter_mut().zip(chunks(p.weights, filter_len));
        for (c, (o, filter)) in enumerate(channels) {
            let Some((multiplier, shift)) = p.requantize.channel(c) else {
                return;
            };
            let acc = fold_taps(g, image, filter, out_y, out_x, 0i32, |acc, xs, ws| {
                xs.iter().zip(ws).fold(acc, |acc, (&x, &w)| {
                    let x = i32::from(x).wrapping_add(p.input_offset);
                    acc.wrapping_add(x.wrapping_mul(i32::from(w)))
                })
            });
            let bias = p.bias.and_then(|b| b.get(c)).copied().unwrap_or(0);
            *o = requantize_to_i8(
                acc.wrapping_add(bias),
                multiplier,
                shift,
                p.output_offset,
                p.output_min,
                p.output_max,
            );
        }
    });
}

/// int16x8 TRANSPOSE_CONV (see [`TransposeConvI16`]): each output is the 64-bit sum of `x * w`
/// over the taps that reach it plus the bias, requantized per channel with TFLM's 64-bit
/// `MultiplyByQuantizedMultiplier`, clamped (integer sums: the same bits in any order).
pub fn transpose_conv_i16(p: &TransposeConvI16, input: &[i16], output: &mut [i16]) {
    let g = &p.geometry;
    let filter_len = size([g.filter_height, g.filter_width, g.input_depth]);
    for_each_output(g, input, output, |image, out_y, out_x, pixel| {
        let channels = pixel.iter_mut().zip(chunks(p.weights, filter_len));
        for (c, (o, filter)) in enumerate(channels) {
            let Some((multiplier, shift)) = p.requantize.channel(c) else {
                return;
            };
            let bias = p.bias.get(c).copied().unwrap_or(0);
            let acc = fold_taps(g, image, filter, out_y, out_x, bias, |acc, xs, ws| {
                xs.iter().zip(ws).fold(acc, |acc, (&x, &w)| {
                    acc.wrapping_add(i64::from(x) * i64::from(w))
                })
            });
            let scaled = multiply_by_quantized_multiplier_i64(acc, multiplier, shift);
            *o = scaled.max(p.output_min).min(p.output_max) as i16;
        }
    });
}

/// float32 TRANSPOSE_CONV (see [`TransposeConvF32`]): each output is the sum of `x * w` over the
/// taps that reach it, in TFLM's order, plus the bias, clamped.
pub fn transpose_conv_f32(p: &TransposeConvF32, input: &[f32], output: &mut [f32]) {
    let g = &p.geometry;
    let filter_len = size([g.filter_height, g.filter_width, g.input_depth]);
    for_each_output(g, input, output, |image, out_y, out_x, pixel| {
        let channels = pixel.iter_mut().zip(chunks(p.weights, filter_len));
        for (c, (o, filter)) in enumerate(channels) {
            let total = fold_taps(g, image, filter, out_y, out_x, 0.0f32, |total, xs, ws| {
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
    use std::vec;
    use std::vec::Vec;

    /// TFLM's scatter, written out, for comparison.
    fn scatter(g: &Conv2dGeometry, input: &[i32], weights: &[i32]) -> Vec<i32> {
        let mut out = vec![0; g.output_height * g.output_width * g.output_depth];
        for iy in 0..g.input_height {
            for ix in 0..g.input_width {
                for ic in 0..g.input_depth {
                    for fy in 0..g.filter_height {
                        for fx in 0..g.filter_width {
                            for oc in 0..g.output_depth {
                                let oy = (iy * g.stride_height + fy) as isize
                                    - g.padding_height as isize;
                                let ox =
                                    (ix * g.stride_width + fx) as isize - g.padding_width as isize;
                                if oy < 0
                                    || ox < 0
                                    || oy >= g.output_height as isize
                                    || ox >= g.output_width as isize
                                {
                                    continue;
                                }
                                let (oy, ox) = (oy as usize, ox as usize);
                                let x = input[(iy * g.input_width + ix) * g.input_depth + ic];
                                let w = weights[((oc * g.filter_height + fy) * g.filter_width
                                    + fx)
                                    * g.input_depth
                                    + ic];
                                out[(oy * g.output_width + ox) * g.output_depth + oc] += x * w;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn geometry(stride: usize, padding: usize) -> Conv2dGeometry {
        Conv2dGeometry {
            input_height: 3,
            input_width: 2,
            input_depth: 2,
            output_height: 6,
            output_width: 5,
            output_depth: 3,
            filter_height: 3,
            filter_width: 3,
            stride_height: stride,
            stride_width: stride,
            dilation_height: 1,
            dilation_width: 1,
            padding_height: padding,
            padding_width: padding,
        }
    }

    #[test]
    fn gathers_what_tflm_scatters() {
        for (stride, padding) in [(1, 0), (2, 0), (2, 1), (3, 2)] {
            let g = geometry(stride, padding);
            let input: Vec<i8> = (0..12).map(|i| (i * 7 % 11) as i8 - 5).collect();
            let weights: Vec<i8> = (0..54).map(|i| (i * 5 % 13) as i8 - 6).collect();
            let p = TransposeConvI8 {
                geometry: g,
                weights: &weights,
                bias: None,
                input_offset: 3,
                // A scale of 1.
                requantize: Requantize {
                    multipliers: &[1 << 30],
                    shifts: &[1],
                },
                output_offset: 0,
                output_min: -128,
                output_max: 127,
            };
            let mut out = vec![0i8; 90];
            transpose_conv_i8(&p, &input, &mut out);
            let shifted: Vec<i32> = input.iter().map(|&x| i32::from(x) + 3).collect();
            let wide: Vec<i32> = weights.iter().map(|&w| i32::from(w)).collect();
            let expected: Vec<i8> = scatter(&g, &shifted, &wide)
                .into_iter()
                .map(|v| v.clamp(-128, 127) as i8)
                .collect();
            assert_eq!(out, expected, "stride {stride}, padding {padding}");

            let pf = TransposeConvF32 {
                geometry: g,
                weights: &wide.iter().map(|&w| w as f32).collect::<Vec<_>>(),
                bias: Some(&[1.0, 2.0, 3.0]),
                output_min: f32::NEG_INFINITY,
                output_max: f32::INFINITY,
            };
            let mut outf = vec![0f32; 90];
            let inputf: Vec<f32> = input.iter().map(|&x| f32::from(x)).collect();
            transpose_conv_f32(&pf, &inputf, &mut outf);
            let plain: Vec<i32> = input.iter().map(|&x| i32::from(x)).collect();
            let expected: Vec<f32> = scatter(&g, &plain, &wide)
                .iter()
                .enumerate()
                .map(|(i, &v)| v as f32 + [1.0, 2.0, 3.0][i % 3])
                .collect();
            assert_eq!(outf, expected);
        }
    }

    #[test]
    fn taps_cover_the_padded_reach() {
        // Stride 2, filter 3, pad 1: output 0 is reached by input 0 tap 1 only; output 1 by
        // input 0 tap 2 and input 1 tap 0.
        assert!(taps(0, 1, 2, 3, 4).eq([(0, 1)]));
        assert!(taps(1, 1, 2, 3, 4).eq([(0, 2), (1, 0)]));
        assert_eq!(taps(7, 1, 2, 3, 4).count(), 1);
        assert_eq!(taps(0, 0, 0, 3, 4).count(), 0);
        assert_eq!(taps(0, 0, 1, 3, 0).count(), 0);
    }
}
