//! Every kernel, called with extreme parameters (sizes, strides, dilations, paddings and offsets
//! from 0 to `usize::MAX`) and short slices, returns without panicking. The test profile checks
//! integer overflow, so this catches index arithmetic that can overflow, on the host's 64-bit
//! `usize`; the `kernels` firmware (`scripts/firmware-test.sh`) proves the same for 32 bits, by
//! linking without a panic path in a debug build.
//!
//! Work is proportional to the filter sizes, which a model keeps below 2^15: a convolution scans
//! its filter for the taps inside the image once per output pixel, and can take up to
//! `filter_height` steps to find none (a padding of 2^63 puts every tap before the image). So the
//! sweeps vary one or two parameters at a time, and a pair of extreme values includes a filter
//! size only up to 2^15 - 1: that covers every overflow, without asking for 2^63 steps per pixel.

use embedml::kernels::*;

/// One past a 16-bit value, a dilation that overflows 32-bit index arithmetic, the same for
/// 64 bits, and their neighbours.
const EXTREMES: [usize; 11] = [
    0,
    1,
    2,
    3,
    32_767,
    (1 << 31) - 1,
    1 << 31,
    usize::MAX / 2,
    usize::MAX / 2 + 1,
    usize::MAX - 1,
    usize::MAX,
];

/// The pairs' values.
const PAIR_EXTREMES: [usize; 6] = [0, 1, 2, (1 << 31) - 1, usize::MAX / 2, usize::MAX];

/// The filter fields of [`set`].
const FILTER_FIELDS: [usize; 2] = [6, 7];

const GEOMETRY: Conv2dGeometry = Conv2dGeometry {
    input_height: 3,
    input_width: 3,
    input_depth: 2,
    output_height: 3,
    output_width: 3,
    output_depth: 2,
    filter_height: 2,
    filter_width: 2,
    stride_height: 1,
    stride_width: 1,
    dilation_height: 1,
    dilation_width: 1,
    padding_height: 1,
    padding_width: 1,
};

const FIELDS: usize = 14;

fn set(g: &mut Conv2dGeometry, field: usize, value: usize) {
    *[
        &mut g.input_height,
        &mut g.input_width,
        &mut g.input_depth,
        &mut g.output_height,
        &mut g.output_width,
        &mut g.output_depth,
        &mut g.filter_height,
        &mut g.filter_width,
        &mut g.stride_height,
        &mut g.stride_width,
        &mut g.dilation_height,
        &mut g.dilation_width,
        &mut g.padding_height,
        &mut g.padding_width,
    ][field] = value;
}

/// Geometries with one field, then two, set to extreme values.
fn geometries() -> Vec<Conv2dGeometry> {
    let mut all = Vec::new();
    for field in 0..FIELDS {
        for value in EXTREMES {
            let mut g = GEOMETRY;
            set(&mut g, field, value);
            all.push(g);
        }
    }
    for a in 0..FIELDS {
        for b in a + 1..FIELDS {
            for va in PAIR_EXTREMES {
                for vb in PAIR_EXTREMES {
                    let huge_filter = |field, v| FILTER_FIELDS.contains(&field) && v > 32_767;
                    if huge_filter(a, va) || huge_filter(b, vb) {
                        continue;
                    }
                    let mut g = GEOMETRY;
                    set(&mut g, a, va);
                    set(&mut g, b, vb);
                    all.push(g);
                }
            }
        }
    }
    all
}

const REQUANTIZE: Requantize = Requantize {
    multipliers: &[1 << 30, 1 << 30],
    shifts: &[-1, 2],
};

#[test]
fn convolutions_with_extreme_geometry() {
    let weights_i8: Vec<i8> = (0..64).map(|i| i as i8 - 30).collect();
    let weights_f32: Vec<f32> = weights_i8.iter().map(|&w| f32::from(w)).collect();
    let input_i8: Vec<i8> = (0..40).map(|i| (i * 7) as i8).collect();
    let input_f32: Vec<f32> = input_i8.iter().map(|&x| f32::from(x)).collect();
    let mut out_i8 = [0i8; 40];
    let mut out_f32 = [0f32; 40];
    for g in geometries() {
        for input_offset in [0, 128, i32::MIN, i32::MAX] {
            conv2d_i8(
                &Conv2dI8 {
                    geometry: g,
                    weights: &weights_i8,
                    bias: &[i32::MAX, i32::MIN],
                    input_offset,
                    requantize: REQUANTIZE,
                    output_offset: i32::MAX,
                    output_min: -128,
                    output_max: 127,
                },
                &input_i8,
                &mut out_i8,
            );
        }
        // The blocked kernel, with records in and out of its domain and a scratch buffer too
        // small as well as one large enough for the normal geometry.
        for (records, scratch_words) in [
            (&[[i32::MAX, 1 << 30, 1], [i32::MIN, i32::MAX, 31]][..], 64),
            (&[[0, -1, 0], [5, i32::MIN, 99]][..], 3),
        ] {
            let mut scratch = vec![0i32; scratch_words];
            conv2d_i8_blocked(
                &Conv2dI8Blocked {
                    geometry: g,
                    weights: &weights_i8,
                    channels: records,
                    input_zero_point: -128,
                    output_offset: i32::MAX,
                    output_min: -128,
                    output_max: 127,
                },
                &input_i8,
                &mut out_i8,
                &mut scratch,
            );
        }
        conv2d_f32(
            &Conv2dF32 {
                geometry: g,
                weights: &weights_f32,
                bias: Some(&[1.0]),
                output_min: f32::MIN,
                output_max: f32::MAX,
            },
            &input_f32,
            &mut out_f32,
        );
        // Depthwise multiplies the weights' shape with wrapping (`slices::size`): where that
        // wraps, it accepts the shapes and visits all `filter_height * filter_width` taps, which
        // does not panic but takes as long as 2^63 taps do.
        let weights_len = g
            .filter_height
            .checked_mul(g.filter_width)
            .and_then(|taps| taps.checked_mul(g.output_depth));
        if weights_len.is_none() {
            continue;
        }
        for depth_multiplier in [0, 1, 2, 4, 5, usize::MAX / 2 + 1, usize::MAX] {
            for input_offset in [0, 128, i32::MIN] {
                depthwise_conv2d_i8(
                    &DepthwiseConv2dI8 {
                        geometry: g,
                        depth_multiplier,
                        weights: &weights_i8,
                        bias: &[i32::MAX, i32::MIN, 3, 4],
                        input_offset,
                        requantize: REQUANTIZE,
                        output_offset: i32::MIN,
                        output_min: -128,
                        output_max: 127,
                    },
                    &input_i8,
                    &mut out_i8,
                );
            }
            depthwise_conv2d_f32(
                &DepthwiseConv2dF32 {
                    geometry: g,
                    depth_multiplier,
                    weights: &weights_f32,
                    bias: None,
                    output_min: f32::MIN,
                    output_max: f32::MAX,
                },
                &input_f32,
                &mut out_f32,
            );
        }
    }
}

/// A dilation whose row step overflows `usize` where the window has one filter row inside the
/// image: the step is never taken, and the result is the one-row convolution's.
#[test]
fn overflowing_dilation_of_a_one_row_window() {
    // 2x1 filters on a 1x3 image, no padding: only filter row 0 lands in the image.
    let mut g = GEOMETRY;
    (g.input_height, g.input_width, g.input_depth) = (1, 3, 4);
    (g.output_height, g.output_width, g.output_depth) = (1, 3, 4);
    (g.filter_height, g.filter_width) = (2, 1);
    (g.padding_height, g.padding_width) = (0, 0);
    let mut one_row = g;
    one_row.filter_height = 1;
    let input: Vec<i8> = (0..12).map(|i| (i * 11) as i8).collect();
    let weights: Vec<i8> = (0..32).map(|i| (i * 5 - 70) as i8).collect();
    for dilation in [2, (1 << 31) - 1, usize::MAX / 2 + 1, usize::MAX] {
        g.dilation_height = dilation;
        // Depthwise: `[filter_height][filter_width][output_depth]`, so the one-row filter is the
        // first 4 weights.
        let depthwise = |geometry, weights| {
            let mut out = [0i8; 12];
            depthwise_conv2d_i8(
                &DepthwiseConv2dI8 {
                    geometry,
                    depth_multiplier: 1,
                    weights,
                    bias: &[1, 2, 3, 4],
                    input_offset: 0,
                    requantize: REQUANTIZE,
                    output_offset: 0,
                    output_min: -128,
                    output_max: 127,
                },
                &input,
                &mut out,
            );
            out
        };
        assert_eq!(
            depthwise(g, &weights[..8]),
            depthwise(one_row, &weights[..4])
        );
        // Conv: `[output_depth][filter_height][filter_width][input_depth]`, so each channel's
        // first row is the first 4 of its 8 weights.
        let first_rows: Vec<i8> = weights.chunks(8).flat_map(|c| c[..4].to_vec()).collect();
        let conv = |geometry, weights| {
            let mut out = [0i8; 12];
            conv2d_i8(
                &Conv2dI8 {
                    geometry,
                    weights,
                    bias: &[1, 2, 3, 4],
                    input_offset: 3,
                    requantize: REQUANTIZE,
                    output_offset: 0,
                    output_min: -128,
                    output_max: 127,
                },
                &input,
                &mut out,
            );
            out
        };
        assert_eq!(conv(g, &weights), conv(one_row, &first_rows));
    }
}

#[test]
fn pooling_with_extreme_geometry() {
    let base = Pool2dGeometry {
        input_height: 3,
        input_width: 3,
        depth: 2,
        output_height: 2,
        output_width: 2,
        filter_height: 2,
        filter_width: 2,
        stride_height: 1,
        stride_width: 1,
        padding_height: 1,
        padding_width: 1,
    };
    let set = |g: &mut Pool2dGeometry, field: usize, v: usize| {
        *[
            &mut g.input_height,
            &mut g.input_width,
            &mut g.depth,
            &mut g.output_height,
            &mut g.output_width,
            &mut g.filter_height,
            &mut g.filter_width,
            &mut g.stride_height,
            &mut g.stride_width,
            &mut g.padding_height,
            &mut g.padding_width,
        ][field] = v;
    };
    let input_i8 = [100i8; 18];
    let input_f32 = [1.5f32; 18];
    let (mut out_i8, mut out_f32) = ([0i8; 18], [0f32; 18]);
    for a in 0..11 {
        for b in a..11 {
            for va in EXTREMES {
                for vb in PAIR_EXTREMES {
                    let mut geometry = base;
                    set(&mut geometry, a, va);
                    set(&mut geometry, b, vb);
                    let p = Pool2dI8 {
                        geometry,
                        output_min: -128,
                        output_max: 127,
                    };
                    average_pool2d_i8(&p, &input_i8, &mut out_i8);
                    max_pool2d_i8(&p, &input_i8, &mut out_i8);
                    let p = Pool2dF32 {
                        geometry,
                        output_min: f32::MIN,
                        output_max: f32::MAX,
                    };
                    average_pool2d_f32(&p, &input_f32, &mut out_f32);
                    max_pool2d_f32(&p, &input_f32, &mut out_f32);
                }
            }
        }
    }
}

#[test]
fn fully_connected_softmax_and_data_movement_with_extreme_sizes() {
    let input_i8 = [7i8; 16];
    let input_f32 = [0.5f32; 16];
    let (mut out_i8, mut out_f32) = ([0i8; 16], [0f32; 16]);
    for a in EXTREMES {
        for b in EXTREMES {
            fully_connected_i8(
                &FullyConnectedI8 {
                    weights: &[1, 2, 3, 4],
                    bias: &[i32::MAX, 1],
                    accum_depth: a,
                    output_depth: b,
                    requantize: REQUANTIZE,
                    output_offset: 0,
                    output_min: -128,
                    output_max: 127,
                },
                &input_i8,
                &mut out_i8,
            );
            fully_connected_i8_blocked(
                &FullyConnectedI8Blocked {
                    weights: &[1, 2, 3, 4, 5, 6, 7, 8],
                    bias: &[i32::MAX, 1, i32::MIN],
                    scales: &[[i32::MAX, 31], [-1, 0]],
                    accum_depth: a,
                    output_depth: b,
                    output_offset: 0,
                    output_min: 127,
                    output_max: -128,
                },
                &input_i8,
                &mut out_i8,
            );
            fully_connected_f32(
                &FullyConnectedF32 {
                    weights: &[1.0, 2.0],
                    bias: None,
                    accum_depth: a,
                    output_depth: b,
                    output_min: 0.0,
                    output_max: 6.0,
                },
                &input_f32,
                &mut out_f32,
            );
            let shape = [a, b, 2, 2];
            let strides = [
                a as isize,
                (b as isize).wrapping_neg(),
                isize::MIN,
                isize::MAX,
            ];
            for start in [0, a, usize::MAX] {
                let gather = Gather4 {
                    output_shape: shape,
                    start,
                    strides,
                };
                gather4_i8(&gather, &input_i8, &mut out_i8);
                gather4_f32(&gather, &input_f32, &mut out_f32);
                let output_strides = [a, b, usize::MAX, 1];
                pad4_i8(
                    &Pad4I8 {
                        input_shape: shape,
                        output_strides,
                        start,
                        value: -1,
                    },
                    &input_i8,
                    &mut out_i8,
                );
                pad4_f32(
                    &Pad4F32 {
                        input_shape: shape,
                        output_strides,
                        start,
                        value: 0.0,
                    },
                    &input_f32,
                    &mut out_f32,
                );
            }
            let sizes = [a, b, usize::MAX];
            let concatenation = Concatenation {
                outer: a,
                sizes: &sizes,
            };
            concatenation_i8(&concatenation, &[&input_i8, &input_i8], &mut out_i8);
            concatenation_f32(&concatenation, &[&input_f32], &mut out_f32);
            mean_i8(
                &MeanI8 {
                    outer: a,
                    reduced: b,
                    inner: 2,
                    sum_offset: i32::MAX,
                    multiplier: 1 << 30,
                    shift: -31,
                    output_offset: i32::MIN,
                },
                &input_i8,
                &mut out_i8,
            );
            mean_f32(
                &MeanF32 {
                    outer: a,
                    reduced: 2,
                    inner: b,
                },
                &input_f32,
                &mut out_f32,
            );
        }
        softmax_i8(
            &SoftmaxI8 {
                input_multiplier: i32::MAX,
                input_left_shift: 31,
                diff_min: i32::MIN,
                depth: a,
            },
            &input_i8,
            &mut out_i8,
        );
        softmax_f32(
            &SoftmaxF32 {
                beta: f32::MAX,
                depth: a,
            },
            &input_f32,
            &mut out_f32,
        );
    }
}

#[test]
fn elementwise_with_extreme_broadcasts() {
    let input_i8 = [-128i8; 16];
    let input_f32 = [f32::MAX; 16];
    let (mut out_i8, mut out_f32) = ([0i8; 16], [0f32; 16]);
    for a in PAIR_EXTREMES {
        for b in PAIR_EXTREMES {
            let broadcast = Some(Broadcast4 {
                output_shape: [2, a, b, 2],
                input1_strides: [a, b, usize::MAX, 1],
                input2_strides: [b, 0, a, usize::MAX],
            });
            let add = AddI8 {
                input1_offset: i32::MAX,
                input1_multiplier: i32::MAX,
                input1_shift: i32::MIN,
                input2_offset: i32::MIN,
                input2_multiplier: i32::MIN,
                input2_shift: i32::MAX,
                left_shift: i32::MAX,
                output_multiplier: i32::MAX,
                output_shift: 31,
                output_offset: i32::MAX,
                output_min: -128,
                output_max: 127,
                broadcast,
            };
            add_i8(&add, &input_i8, &input_i8, &mut out_i8);
            sub_i8_in_place(&add, &mut out_i8, &input_i8);
            let mul = MulI8 {
                input1_offset: i32::MAX,
                input2_offset: i32::MAX,
                output_multiplier: i32::MIN,
                output_shift: i32::MIN,
                output_offset: i32::MIN,
                output_min: -128,
                output_max: 127,
                broadcast,
            };
            mul_i8(&mul, &input_i8, &input_i8, &mut out_i8);
            mul_i8_in_place(&mul, &mut out_i8, &input_i8);
            let arithmetic = ArithmeticF32 {
                output_min: f32::MIN,
                output_max: f32::MAX,
                broadcast,
            };
            add_f32(&arithmetic, &input_f32, &input_f32, &mut out_f32);
            mul_f32_in_place(&arithmetic, &mut out_f32, &input_f32);
            let min_max = MinMax { broadcast };
            maximum_i8(&min_max, &input_i8, &input_i8, &mut out_i8);
            minimum_f32_in_place(&min_max, &mut out_f32, &input_f32);
        }
    }
}
