//! FULLY_CONNECTED: every output is a dot product of one input row with one weight row.

use super::arch::{blocked_loop_takes, dot_i8, fc_blocks_i8, mac4x1_i8};
use super::epilogue::{bias_f32, clamp_f32};
use super::requantize::ScaleDown;
use super::slices::{chunks, enumerate, rows};
use super::{FullyConnectedF32, FullyConnectedI8, FullyConnectedI8Blocked};
use crate::quant::requantize_to_i8;

/// int8 FULLY_CONNECTED, bit-exact with TFLite Micro's reference kernel.
///
/// `input` holds whole rows of `accum_depth` values and `output` rows of `output_depth`; the batch
/// count is the number of complete rows in both. The input zero point is already folded into
/// `bias`, so each output is `bias[c] + sum(weights[c][d] * input[d])`, accumulated in wrapping
/// int32 like the reference (equal modulo 2^32 to its `sum(w * (x + input_offset)) + bias`),
/// then requantized and clamped. Zero depths write nothing.
pub fn fully_connected_i8(p: &FullyConnectedI8, input: &[i8], output: &mut [i8]) {
    if p.accum_depth == 0 || p.output_depth == 0 {
        return;
    }
    let rq = &p.requantize;
    let (multiplier_step, shift_step) = rq.steps();
    for (row, out) in rows(input, p.accum_depth, output, p.output_depth) {
        let mut rest = p.weights;
        let (mut multiplier_at, mut shift_at) = (0, 0);
        for (o, &bias) in out.iter_mut().zip(p.bias) {
            // Requantization chosen per output channel, outside the dot product; channels past
            // the weights or the requantization parameters (only if they do not fit the shapes)
            // are left as they are.
            let (Some((weights, next)), Some(&multiplier), Some(&shift)) = (
                rest.split_at_checked(p.accum_depth),
                rq.multipliers.get(multiplier_at),
                rq.shifts.get(shift_at),
            ) else {
                break;
            };
            let shift = i32::from(shift);
            // At most the channel count (the slices' lengths bound the loop).
            multiplier_at = multiplier_at.wrapping_add(multiplier_step);
            shift_at = shift_at.wrapping_add(shift_step);
            rest = next;
            let acc = dot_i8(bias, row, weights);
            *o = requantize_to_i8(
                acc,
                multiplier,
                shift,
                p.output_offset,
                p.output_min,
                p.output_max,
            );
        }
    }
}

/// int8 FULLY_CONNECTED four output channels at a time, bit-exact with TFLite Micro's reference
/// kernel (as [`fully_connected_i8`], which it replaces in generated code for depths that are a
/// multiple of 4).
///
/// Each block of four output channels is one pass over the input row with four accumulators in
/// registers (`mac4x1_i8`: per group of four inputs one input word and four weight words feed
/// eight `SMLAD`s on Cortex-M4); the remaining channels (depth not a multiple of 4) are plain dot
/// products. Requantization by [`FullyConnectedI8Blocked::scales`]. The batch count is the number of complete rows in both `input` and `output`. Zero
/// depths, or an `accum_depth` that is not a multiple of 4, write nothing; channels the weights
/// or records do not cover (only if they do not fit the shapes) are left as they are.
pub fn fully_connected_i8_blocked(p: &FullyConnectedI8Blocked, input: &[i8], output: &mut [i8]) {
    blocked::<false>(p, input, output);
}

/// [`fully_connected_i8_blocked`] with one scale for every channel that shifts right (`scales`
/// one `[multiplier, exponent]` with an exponent in `1..=31`, the usual FULLY_CONNECTED): the
/// compiler's choice for such a layer, whose whole blocks run in one loop of the backend and
/// which links no per-channel path. Other scales write nothing, and so do weights the backend's
/// loop does not take (on Cortex-M4, weights not 4-byte aligned: the compiler's are).
pub fn fully_connected_i8_per_tensor(p: &FullyConnectedI8Blocked, input: &[i8], output: &mut [i8]) {
    if one_right_shift(p.scales).is_some()
        && blocked_loop_takes(p.weights, p.output_min, p.output_max)
    {
        blocked::<true>(p, input, output);
    }
}

/// The one scale of `scales` if it is one that shifts right.
#[inline(always)]
fn one_right_shift(scales: &[[i32; 2]]) -> Option<[i32; 2]> {
    match *scales {
        [[multiplier, exponent]] if multiplier >= 0 && (1..=31).contains(&exponent) => {
            Some([multiplier, exponent])
        }
        _ => None,
    }
}

/// The blocked kernel; `PER_TENSOR`: only for [`one_right_shift`] scales.
#[inline(always)]
fn blocked<const PER_TENSOR: bool>(p: &FullyConnectedI8Blocked, input: &[i8], output: &mut [i8]) {
    let groups = p.accum_depth / 4;
    if groups == 0 || p.output_depth == 0 || !p.accum_depth.is_multiple_of(4) {
        return;
    }
    let blocks = p.output_depth / 4;
    let Some((block_weights, rest_weights)) = p
        .weights
        .split_at_checked(blocks.wrapping_mul(groups).wrapping_mul(16))
    else {
        return;
    };
    let (block_weights, _) = block_weights.as_chunks::<16>();
    let (offset, min, max) = (p.output_offset, p.output_min, p.output_max);
    // One scale for every channel (per-tensor weights, the usual FULLY_CONNECTED) or one each.
    let step = usize::from(p.scales.len() != 1);
    let scale = |c: usize| {
        p.scales
            .get(c.wrapping_mul(step))
            .map(|&[multiplier, exponent]| ScaleDown::new(multiplier, exponent))
    };
    let out =
        |scale: &ScaleDown, acc: i32| scale.apply(acc).wrapping_add(offset).max(min).min(max) as i8;
    // A per-tensor scale prepared once.
    let shared = if step == 0 { scale(0) } else { None };
    let scale = |c: usize| shared.or_else(|| scale(c));
    let (bias_blocks, bias_rest) = p.bias.as_chunks::<4>();
    // One scale that shifts right (the usual case): the blocks in one loop of the backend.
    let blocks_at_once = one_right_shift(p.scales)
        .filter(|_| blocked_loop_takes(p.weights, p.output_min, p.output_max));
    for (row, out_row) in rows(input, p.accum_depth, output, p.output_depth) {
        let (xs, _) = row.as_chunks::<4>();
        let (out_blocks, out_rest) = out_row.as_chunks_mut::<4>();
        let mut c = 0usize;
        if let Some(scale) = blocks_at_once {
            fc_blocks_i8(
                block_weights,
                groups,
                bias_blocks,
                xs,
                out_blocks,
                scale,
                offset,
                min,
                max,
            );
            c = out_blocks.len().wrapping_mul(4);
        }
        let blocks_left = if PER_TENSOR || blocks_at_once.is_some() {
            &mut [][..]
        } else {
            out_blocks
        };
        for ((o, ws), bias) in blocks_left
            .iter_mut()
            .zip(chunks(block_weights, groups))
            .zip(bias_blocks)
        {
            let acc = mac4x1_i8(*bias, ws, xs);
            for (o, &acc) in o.iter_mut().zip(&acc) {
                if let Some(scale) = scale(c) {
                    *o = out(&scale, acc);
                }
                c = c.wrapping_add(1);
            }
        }
        for ((o, ws), &bias) in out_rest
            .iter_mut()
            .zip(chunks(rest_weights, p.accum_depth))
            .zip(bias_rest)
        {
            if let Some(scale) = scale(c) {
                *o = out(&scale, dot_i8(bias, row, ws));
            }
            c = c.wrapping_add(1);
        }
    }
}

/// float32 FULLY_CONNECTED, following TFLite's reference kernel operation for operation.
///
/// Per output: products summed in input order starting from `0.0`, then the bias (`0.0` without
/// one) added, then clamped to `[output_min, output_max]`. Zero depths write nothing.
pub fn fully_connected_f32(p: &FullyConnectedF32, input: &[f32], output: &mut [f32]) {
    if p.accum_depth == 0 || p.output_depth == 0 {
        return;
    }
    for (row, out) in rows(input, p.accum_depth, output, p.output_depth) {
        for (c, (o, weights)) in enumerate(out.iter_mut().zip(chunks(p.weights, p.accum_depth))) {
            let total = row
                .iter()
                .zip(weights)
                .fold(0.0f32, |t, (&x, &w)| t + x * w);
            *o = clamp_f32(total + bias_f32(p.bias, c), p.output_min, p.output_max);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::kernels::Requantize;

    #[test]
    fn int8_two_batches_with_folded_bias_and_clamp() {
        // Input zero point -1 (input_offset +1): the model's bias [10, -10, 0] plus 1 * the row
        // sums [6, -6, 300], as the compiler folds it.
        let weights = [1i8, 2, 3, -1, -2, -3, 100, 100, 100];
        let bias = [16, -16, 300];
        let p = FullyConnectedI8 {
            weights: &weights,
            bias: &bias,
            accum_depth: 3,
            output_depth: 3,
            // 0.5, 0.25 and 1.0 (as 0.5 * 2^1).
            requantize: Requantize {
                multipliers: &[1 << 30; 3],
                shifts: &[0, -1, 1],
            },
            output_offset: 5,
            output_min: -128,
            output_max: 127,
        };
        let input = [1i8, 2, 3, -4, 0, 4];
        let mut out = [0i8; 6];
        fully_connected_i8(&p, &input, &mut out);
        // Batch 0: x + 1 = [2, 3, 4]: 16 + 14 = 30 -> 15 + 5; -16 - 14 = -30 -> -7.5 -> -8 + 5;
        // 300 + 600 = 900 -> 900 + 5 -> clamped to 127.
        // Batch 1: x + 1 = [-3, 1, 5]: 16 + 8 = 24 -> 12 + 5; -24 -> -6 + 5; 300 + 300 -> 127.
        assert_eq!(out, [20, -3, 127, 17, -1, 127]);
    }

    #[test]
    fn int8_activation_range_and_wrapping_accumulator() {
        let weights = [127i8; 4];
        let bias = [i32::MAX];
        let p = FullyConnectedI8 {
            weights: &weights,
            bias: &bias,
            accum_depth: 4,
            output_depth: 1,
            requantize: Requantize {
                multipliers: &[1 << 30],
                shifts: &[-30],
            },
            output_offset: 0,
            output_min: 0,
            output_max: 6,
        };
        let mut out = [9i8];
        // i32::MAX + 4 * 127 * 127 wraps to a negative accumulator -> clamped to the ReLU bound.
        fully_connected_i8(&p, &[127, 127, 127, 127], &mut out);
        assert_eq!(out, [0]);
    }

    #[test]
    fn int8_one_multiplier_and_shift_for_every_channel() {
        let weights = [1i8, 2, -1, -2, 4, 4];
        let bias = [0, 0, 3];
        let per_channel = FullyConnectedI8 {
            weights: &weights,
            bias: &bias,
            accum_depth: 2,
            output_depth: 3,
            requantize: Requantize {
                multipliers: &[1 << 30; 3],
                shifts: &[-1; 3],
            },
            output_offset: 1,
            output_min: -128,
            output_max: 127,
        };
        let per_tensor = FullyConnectedI8 {
            requantize: Requantize {
                multipliers: &[1 << 30],
                shifts: &[-1],
            },
            ..per_channel
        };
        let input = [3i8, 5, -7, 9];
        let (mut a, mut b) = ([0i8; 6], [0i8; 6]);
        fully_connected_i8(&per_channel, &input, &mut a);
        fully_connected_i8(&per_tensor, &input, &mut b);
        // Accumulators 13, -13, 35 and 11, -11, 11, scaled by 0.5 twice with the reference's
        // double rounding (13 -> 6.5 -> 7 -> 3.5 -> 4), then + 1.
        assert_eq!(a, [5, -2, 10, 4, -2, 4]);
        assert_eq!(a, b);
        // Two multipliers for three channels: the third channel has none and keeps its value.
        let short = FullyConnectedI8 {
            requantize: Requantize {
                multipliers: &[1 << 30; 2],
                shifts: &[-1],
            },
            ..per_channel
        };
        let mut c = [9i8; 6];
        fully_connected_i8(&short, &input, &mut c);
        assert_eq!(c, [5, -2, 9, 4, -2, 9]);
    }

    #[test]
    fn requantize_channel_repeats_a_single_entry() {
        let rq = Requantize {
            multipliers: &[7],
            shifts: &[-2, 3],
        };
        assert_eq!(rq.channel(0), Some((7, -2)));
        assert_eq!(rq.channel(1), Some((7, 3)));
        assert_eq!(rq.channel(2), None);
        let empty = Requantize {
            multipliers: &[],
            shifts: &[],
        };
        assert_eq!(empty.channel(0), None);
    }

    #[test]
    fn zero_depth_writes_nothing() {
        let p = FullyConnectedI8 {
            weights: &[],
            bias: &[],
            accum_depth: 0,
            output_depth: 2,
            requantize: Requantize {
                multipliers: &[],
                shifts: &[],
            },
            output_offset: 0,
            output_min: -128,
            output_max: 127,
        };
        let mut out = [7i8; 2];
        fully_connected_i8(&p, &[], &mut out);
        assert_eq!(out, [7, 7]);
    }

    #[test]
    fn float_sums_then_bias_then_clamp() {
        let weights = [1.0f32, 2.0, -1.0, 0.5, 10.0, 10.0];
        let bias = [0.5f32, -1.0, 0.0];
        let mut p = FullyConnectedF32 {
            weights: &weights,
            bias: Some(&bias),
            accum_depth: 2,
            output_depth: 3,
            output_min: -2.0,
            output_max: 6.0,
        };
        let mut out = [0.0f32; 6];
        fully_connected_f32(&p, &[1.0, 1.0, -2.0, 3.0], &mut out);
        assert_eq!(out, [3.5, -1.5, 6.0, 4.5, 2.5, 6.0]);

        p.bias = None;
        fully_connected_f32(&p, &[1.0, 1.0, -2.0, 3.0], &mut out);
        assert_eq!(out, [3.0, -0.5, 6.0, 4.0, 3.5, 6.0]);
    }

    #[test]
    fn float_keeps_reference_summation_order() {
        // (1e8 + 1) - 1e8 is 0 in f32 when summed left to right, 1 in any other order.
        let weights = [1.0f32, 1.0, -1.0];
        let p = FullyConnectedF32 {
            weights: &weights,
            bias: None,
            accum_depth: 3,
            output_depth: 1,
            output_min: f32::MIN,
            output_max: f32::MAX,
        };
        let mut out = [9.0f32];
        fully_connected_f32(&p, &[1e8, 1.0, 1e8], &mut out);
        assert_eq!(out, [0.0]);
    }

    /// The blocked kernel's weight order (see [`FullyConnectedI8Blocked::weights`]).
    fn blocked_weights(weights: &[i8], channels: usize, k: usize) -> std::vec::Vec<i8> {
        let groups = k / 4;
        let at = |c: usize, i: usize| weights[c * k + i];
        let mut out = std::vec::Vec::new();
        for block in 0..channels / 4 {
            for group in 0..groups {
                for c in 4 * block..4 * block + 4 {
                    out.extend((0..4).map(|j| at(c, 4 * group + j)));
                }
            }
        }
        for c in channels / 4 * 4..channels {
            out.extend((0..k).map(|i| at(c, i)));
        }
        out
    }

    /// The blocked kernel against the reference one: depths across whole blocks and groups and
    /// their remainders, two batches, per-channel and per-tensor scales, extreme values.
    #[test]
    fn blocked_matches_reference_kernel() {
        let mut state = 0x9e37_79b9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for accum_depth in [4usize, 8, 12, 40, 64] {
            for output_depth in [1usize, 2, 3, 4, 5, 8, 11, 1, 4, 8, 12] {
                let weights: std::vec::Vec<i8> = (0..accum_depth * output_depth)
                    .map(|_| next() as i8)
                    .collect();
                let bias: std::vec::Vec<i32> =
                    (0..output_depth).map(|_| next() as i32 >> 12).collect();
                let mut multipliers: std::vec::Vec<i32> = (0..output_depth)
                    .map(|_| (1 << 30) + (next() >> 2) as i32)
                    .collect();
                let mut shifts: std::vec::Vec<i8> =
                    (0..output_depth).map(|_| -((next() % 14) as i8)).collect();
                let per_tensor = next() % 2 == 0;
                if per_tensor {
                    // One scale for all, as the reference takes it (slices of length 1).
                    multipliers.truncate(1);
                    shifts.truncate(1);
                }
                let input: std::vec::Vec<i8> = (0..2 * accum_depth).map(|_| next() as i8).collect();
                let p = FullyConnectedI8 {
                    weights: &weights,
                    bias: &bias,
                    accum_depth,
                    output_depth,
                    requantize: Requantize {
                        multipliers: &multipliers,
                        shifts: &shifts,
                    },
                    output_offset: -3,
                    output_min: -128,
                    output_max: 100,
                };
                let mut want = std::vec![0i8; 2 * output_depth];
                fully_connected_i8(&p, &input, &mut want);
                let scales: std::vec::Vec<[i32; 2]> = (0..multipliers.len())
                    .map(|c| [multipliers[c], -i32::from(shifts[c])])
                    .collect();
                let blocked = FullyConnectedI8Blocked {
                    weights: &blocked_weights(&weights, output_depth, accum_depth),
                    bias: &bias,
                    scales: &scales,
                    accum_depth,
                    output_depth,
                    output_offset: -3,
                    output_min: -128,
                    output_max: 100,
                };
                let mut got = std::vec![0i8; 2 * output_depth];
                fully_connected_i8_blocked(&blocked, &input, &mut got);
                assert_eq!(got, want, "{accum_depth} x {output_depth}, {per_tensor}");
                // The per-tensor variant on the scales it takes; it writes nothing otherwise.
                let mut got = std::vec![0i8; 2 * output_depth];
                fully_connected_i8_per_tensor(&blocked, &input, &mut got);
                if scales.len() == 1 && shifts[0] < 0 {
                    assert_eq!(
                        got, want,
                        "per-tensor variant: {accum_depth} x {output_depth}"
                    );
                } else {
                    assert!(got.iter().all(|&v| v == 0));
                }
            }
        }
    }
}
