//! CONV_2D over NHWC tensors with `[output_depth][filter_height][filter_width][input_depth]`
//! weights. Taps that fall in the padding are skipped (not read as zeros), like TFLite's reference
//! kernels, which matters for int8 because a padded zero would still carry the input offset.

use super::arch::{dot_i8, dot2_i8};
use super::epilogue::{bias_f32, clamp_f32};
use super::slices::{chunks, enumerate, size, span};
use super::window::{Window, for_each_pixel};
use super::{Conv2dF32, Conv2dGeometry, Conv2dI8};
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
        let cases: [Case; 7] = [
            ([5, 6, 3], [5, 6, 4], [3, 3], [1, 1], [1, 1], [1, 1]),
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
                assert_eq!(
                    out,
                    naive_i8(&p, &bias, &x),
                    "{g:?}, per-tensor {per_tensor}, offset {input_offset}"
                );
            }
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
}
