//! SVDF: a rank-constrained filter over time, with its past in the model's state.
//!
//! Each of the `filters` filters keeps its last `memory` feature values in the activation state
//! (`[batch][filter][memory]`, oldest first). TFLM shifts the whole state left by one value each
//! step, then writes each filter's newest feature (its weights' dot product with the input) over
//! the last value of its row. The int8 kernels here write the newest feature over the first
//! value of its row (the oldest, which leaves), then rotate each row left by one value in the
//! pass that dots it with its time weights. The value TFLM's whole shift moves across a row
//! boundary is the one the newest feature overwrites, so the state is TFLM's at every step. The
//! sum of `rank` filters' time dot products, plus the bias, is each output unit. TFLM's reference
//! arithmetic, bit for bit (`svdf_common.cc`): the int8 path rescales the feature into the
//! state's type and the sum into the output's, and applies no fused activation; the float path
//! applies it.

use super::arch::{dot_i8, dot2_i8, mac_high, rotate_dot_i8};
use super::epilogue::clamp_f32;
use super::slices::{
    chunks, chunks_mut, chunks_mut_nonzero, chunks_nonzero, enumerate, rotate_left_one,
};
use crate::quant::multiply_by_quantized_multiplier;

/// The sizes of an SVDF layer.
#[derive(Clone, Copy, Debug)]
pub struct SvdfShape {
    /// Batches (input rows).
    pub batches: usize,
    /// Input values per batch.
    pub input_size: usize,
    /// Filters: `units * rank`.
    pub filters: usize,
    /// Filters summed per output unit.
    pub rank: usize,
    /// Past values each filter keeps.
    pub memory: usize,
}

/// SVDF with int8 input and output, int8 feature weights, and time weights and activation state
/// of type `T` (int8 or int16): [`svdf_i8`] and [`svdf_i8_state_i16`].
#[derive(Clone, Copy, Debug)]
pub struct SvdfI8<'a, T> {
    /// The sizes.
    pub shape: SvdfShape,
    /// Feature weights, `[filters][input_size]`.
    pub weights_feature: &'a [i8],
    /// Time weights, `[filters][memory]`.
    pub weights_time: &'a [T],
    /// Per filter, `-input_zero_point * Σ weights_feature[filter]`, folded at build time: the
    /// feature is then a plain dot product plus this (the same value modulo 2^32 as TFLM's
    /// `Σ w * (x - zero_point)`).
    pub feature_offsets: &'a [i32],
    /// Per filter, `-state_zero_point * Σ weights_time[filter]`, folded the same way, plus, for
    /// the first filter of each unit, the unit's bias (wrapping: the same sum modulo 2^32).
    pub time_offsets: &'a [i32],
    /// The activation state's zero point.
    pub state_zero_point: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
    /// Feature to state scale (`input * weights_feature / state`): multiplier and shift.
    pub feature_scale: [i32; 2],
    /// Sum to output scale (`state * weights_time / output`): multiplier and shift.
    pub output_scale: [i32; 2],
}

/// SVDF int8 with int8 time weights and state.
pub type SvdfI8State8<'a> = SvdfI8<'a, i8>;
/// SVDF int8 with int16 time weights and state.
pub type SvdfI8State16<'a> = SvdfI8<'a, i16>;

/// A state element: int8 or int16, with its range.
pub trait StateValue: Copy {
    /// The smallest value.
    const MIN: i32;
    /// The largest value.
    const MAX: i32;
    /// The low bits of `v` (C's conversion to a narrower integer).
    fn narrow(v: i32) -> Self;
    /// Rotates `row` left by one value (its first goes last), and returns `acc + Σ row[i] *
    /// ws[i]` over the rotated row (the common length, wrapping).
    fn rotate_dot(acc: i32, row: &mut [Self], ws: &[Self]) -> i32;
}

impl StateValue for i8 {
    const MIN: i32 = i8::MIN as i32;
    const MAX: i32 = i8::MAX as i32;
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i8
    }
    #[inline(always)]
    fn rotate_dot(acc: i32, row: &mut [i8], ws: &[i8]) -> i32 {
        rotate_dot_i8(acc, row, ws)
    }
}

impl StateValue for i16 {
    const MIN: i32 = i16::MIN as i32;
    const MAX: i32 = i16::MAX as i32;
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i16
    }
    #[inline(always)]
    fn rotate_dot(acc: i32, row: &mut [i16], ws: &[i16]) -> i32 {
        let product = |acc: i32, x: i16, w: i16| acc.wrapping_add(i32::from(x) * i32::from(w));
        let Some(&first) = row.first() else {
            return acc;
        };
        match ws.get(..row.len()) {
            // From the last value back, each taking its successor's place: one pass, no copy
            // call (the sum's order does not matter: wrapping addition).
            Some(ws) => {
                let mut carry = first;
                row.iter_mut().zip(ws).rev().fold(acc, |acc, (slot, &w)| {
                    let value = core::mem::replace(slot, carry);
                    carry = value;
                    product(acc, *slot, w)
                })
            }
            None => {
                rotate_left_one(row);
                row.iter()
                    .zip(ws)
                    .fold(acc, |acc, (&x, &w)| product(acc, x, w))
            }
        }
    }
}

/// Batch `b`'s input row, state and output row; `None` where the slices do not hold them.
#[inline(always)]
fn batch_slices<'a, X, S, O>(
    input: &'a [X],
    state: &'a mut [S],
    output: &'a mut [O],
    b: usize,
    [input_size, per_batch, units]: [usize; 3],
) -> Option<(&'a [X], &'a mut [S], &'a mut [O])> {
    Some((
        input.get(b.wrapping_mul(input_size)..)?.get(..input_size)?,
        state
            .get_mut(b.wrapping_mul(per_batch)..)?
            .get_mut(..per_batch)?,
        output.get_mut(b.wrapping_mul(units)..)?.get_mut(..units)?,
    ))
}

/// Shifts `state` left by one value (the newest of each filter is then written by the caller).
#[inline(always)]
fn shift_left<T: Copy>(state: &mut [T]) {
    // Element by element (memmove's index checks would be a panic path the optimiser keeps).
    let mut values = state.iter_mut();
    if let Some(mut previous) = values.next() {
        for value in values {
            *previous = *value;
            previous = value;
        }
    }
}

/// One of the kernel's two rescalings (feature to state, sum to output).
trait Scale: Copy {
    /// `multiply_by_quantized_multiplier(x, multiplier, shift)`.
    fn apply(self, x: i32) -> i32;
}

/// Any multiplier and shift, through [`multiply_by_quantized_multiplier`].
#[derive(Clone, Copy)]
struct AnyScale([i32; 2]);

impl Scale for AnyScale {
    #[inline(always)]
    fn apply(self, x: i32) -> i32 {
        multiply_by_quantized_multiplier(x, self.0[0], self.0[1])
    }
}

/// A multiplier in `[0, 2^31)` with a right shift `e` in `1..=31` (every scale below 1/2 that
/// `QuantizeMultiplier` produces: SVDF's are far below), as one multiply-accumulate and a shift
/// with no branch: both of TFLM's roundings in one, `floor((x * m + 2^30 + 2^(30+e) - [x < 0] *
/// 2^31) / 2^(31+e))` (see `requantize::ScaleDown`, whose exponent-0 case this leaves out).
#[derive(Clone, Copy)]
struct RightShift {
    multiplier: i32,
    /// `2^30 + 2^(30+e)`.
    nudge: i64,
    /// `e - 1`.
    shift: u32,
}

impl RightShift {
    /// The scale `[multiplier, shift]` (TFLM's sign: negative shifts right), if it is one.
    #[inline(always)]
    fn new([multiplier, shift]: [i32; 2]) -> Option<RightShift> {
        let exponent = shift.checked_neg()?;
        if multiplier < 0 || !(1..=31).contains(&exponent) {
            return None;
        }
        Some(RightShift {
            multiplier,
            // Wrapping: exact for an exponent in 1..=31, and no overflow check in a debug build.
            nudge: (1i64 << 30).wrapping_add(1i64.wrapping_shl(exponent.wrapping_add(30) as u32)),
            shift: exponent.wrapping_sub(1) as u32,
        })
    }
}

impl Scale for RightShift {
    #[inline(always)]
    fn apply(self, x: i32) -> i32 {
        // The sum is below 2^62 in magnitude and the divisor at least 2^32: the quotient is the
        // high word shifted right by `e - 1`.
        let nudge = self.nudge.wrapping_add(i64::from(x >> 31) << 31);
        mac_high(nudge, x, self.multiplier) >> (self.shift & 31)
    }
}

/// One step of an int8 SVDF: the rescalings as [`RightShift`] when both are one (the usual
/// case), else as [`AnyScale`].
#[inline(always)]
fn svdf_integer<T: StateValue>(
    p: &SvdfI8<'_, T>,
    input: &[i8],
    output: &mut [i8],
    state: &mut [T],
) {
    match (
        RightShift::new(p.feature_scale),
        RightShift::new(p.output_scale),
    ) {
        (Some(feature), Some(out)) => svdf_scaled(p, input, output, state, feature, out),
        _ => svdf_scaled(
            p,
            input,
            output,
            state,
            AnyScale(p.feature_scale),
            AnyScale(p.output_scale),
        ),
    }
}

fn svdf_scaled<T: StateValue, S: Scale>(
    p: &SvdfI8<'_, T>,
    input: &[i8],
    output: &mut [i8],
    state: &mut [T],
    feature_scale: S,
    output_scale: S,
) {
    let SvdfShape {
        batches,
        input_size,
        filters,
        rank,
        memory,
    } = p.shape;
    if memory == 0 || rank == 0 || input_size == 0 {
        return;
    }
    let units = filters / rank;
    // Sizes of whole tensors: below 2^31 (checked by the compiler), so the products are exact.
    let per_batch = filters.wrapping_mul(memory);
    for b in 0..batches {
        let Some((x, state, out)) = batch_slices(
            input,
            &mut *state,
            &mut *output,
            b,
            [input_size, per_batch, units],
        ) else {
            return;
        };
        // Each filter's newest value, its feature rescaled into the state's type, over its
        // oldest: filters in pairs, which share each load of the input.
        let store = |row: &mut [T], feature: i32| {
            let scaled = feature_scale.apply(feature).clamp(T::MIN, T::MAX);
            if let Some(oldest) = row.first_mut() {
                // TFLM adds the zero point after the clamp and stores the low bits.
                *oldest = T::narrow(p.state_zero_point.wrapping_add(scaled));
            }
        };
        // Through `&mut`: the zip then steps each iterator instead of sizing them up front,
        // whose division by the row length the optimiser does not always see is non-zero.
        {
            let mut memories = chunks_mut_nonzero(&mut *state, memory);
            let mut rows = (&mut memories)
                .zip(chunks_nonzero(p.weights_feature, input_size))
                .zip(p.feature_offsets);
            while let Some(((r0, w0), &o0)) = rows.next() {
                match rows.next() {
                    Some(((r1, w1), &o1)) => {
                        let (d0, d1) = dot2_i8((o0, o1), x, w0, w1);
                        store(r0, d0);
                        store(r1, d1);
                    }
                    None => {
                        store(r0, dot_i8(o0, x, w0));
                        break;
                    }
                }
            }
        }
        // Each unit: its `rank` filters' time dot products (the offsets hold the bias), each row rotated to
        // put the newest value last.
        let mut memories = chunks_mut_nonzero(&mut *state, memory);
        let mut rows = (&mut memories)
            .zip(chunks_nonzero(p.weights_time, memory))
            .zip(p.time_offsets);
        if rank == 1 {
            // One filter per unit (the usual SVDF): one loop, no inner count.
            for (((row, weights), &offset), o) in (&mut rows).zip(out.iter_mut()) {
                let sum = T::rotate_dot(offset, row, weights);
                let y = output_scale.apply(sum).wrapping_add(p.output_zero_point);
                *o = y.clamp(-128, 127) as i8;
            }
            continue;
        }
        for o in out.iter_mut() {
            let mut sum = 0i32;
            for ((row, weights), &offset) in rows.by_ref().take(rank) {
                sum = T::rotate_dot(sum.wrapping_add(offset), row, weights);
            }
            let y = output_scale.apply(sum).wrapping_add(p.output_zero_point);
            *o = y.clamp(-128, 127) as i8;
        }
    }
}

/// SVDF, int8 with int8 time weights and activation state: one step, updating `state`.
pub fn svdf_i8(p: &SvdfI8State8<'_>, input: &[i8], output: &mut [i8], state: &mut [i8]) {
    svdf_integer(p, input, output, state);
}

/// SVDF, int8 with int16 time weights and activation state: one step, updating `state`.
pub fn svdf_i8_state_i16(
    p: &SvdfI8State16<'_>,
    input: &[i8],
    output: &mut [i8],
    state: &mut [i16],
) {
    svdf_integer(p, input, output, state);
}

/// SVDF in float32.
#[derive(Clone, Copy, Debug)]
pub struct SvdfF32<'a> {
    /// The sizes.
    pub shape: SvdfShape,
    /// Feature weights, `[filters][input_size]`.
    pub weights_feature: &'a [f32],
    /// Time weights, `[filters][memory]`.
    pub weights_time: &'a [f32],
    /// One bias per unit, or none.
    pub bias: Option<&'a [f32]>,
    /// The fused activation's lower bound.
    pub output_min: f32,
    /// Its upper bound.
    pub output_max: f32,
}

/// SVDF in float32: one step, updating `state`. TFLM's order of operations: the time dot products
/// per filter first, then bias plus the rank sum per unit, then the activation.
pub fn svdf_f32(p: &SvdfF32<'_>, input: &[f32], output: &mut [f32], state: &mut [f32]) {
    let SvdfShape {
        batches,
        input_size,
        filters,
        rank,
        memory,
    } = p.shape;
    if memory == 0 || rank == 0 || input_size == 0 {
        return;
    }
    let units = filters / rank;
    let per_batch = filters.wrapping_mul(memory);
    shift_left(state);
    for b in 0..batches {
        let Some((x, state, out)) = batch_slices(
            input,
            &mut *state,
            &mut *output,
            b,
            [input_size, per_batch, units],
        ) else {
            return;
        };
        for (memory_row, weights) in
            chunks_mut(&mut *state, memory).zip(chunks(p.weights_feature, input_size))
        {
            let mut dot = 0.0f32;
            for (&w, &v) in weights.iter().zip(x) {
                dot += w * v;
            }
            if let Some(newest) = memory_row.last_mut() {
                *newest = dot;
            }
        }
        let mut rows = chunks(state, memory).zip(chunks(p.weights_time, memory));
        for (u, o) in enumerate(out.iter_mut()) {
            let mut sum = p.bias.and_then(|bias| bias.get(u).copied()).unwrap_or(0.0);
            for (row, weights) in rows.by_ref().take(rank) {
                let mut dot = 0.0f32;
                for (&w, &v) in weights.iter().zip(row) {
                    dot += w * v;
                }
                sum += dot;
            }
            *o = clamp_f32(sum, p.output_min, p.output_max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    #[test]
    fn the_state_shifts_by_one_value_and_takes_the_newest_feature_last() {
        // Two filters of memory 3, rank 1, one input value: the feature is the input times
        // the weight; unit scales (multiplier 2^30, shift 1).
        let p = SvdfI8 {
            shape: SvdfShape {
                batches: 1,
                input_size: 1,
                filters: 2,
                rank: 1,
                memory: 3,
            },
            weights_feature: &[1, 2],
            weights_time: &[1i8, 1, 1, 0, 0, 1],
            feature_offsets: &[0, 0],
            time_offsets: &[0, 0],
            state_zero_point: 0,
            output_zero_point: 0,
            feature_scale: [1 << 30, 1],
            output_scale: [1 << 30, 1],
        };
        let mut state = [0i8; 6];
        let mut out = [0i8; 2];
        svdf_i8(&p, &[5], &mut out, &mut state);
        assert_eq!(state, [0, 0, 5, 0, 0, 10]);
        assert_eq!(out, [5, 10]);
        svdf_i8(&p, &[1], &mut out, &mut state);
        assert_eq!(state, [0, 5, 1, 0, 10, 2]);
        assert_eq!(out, [6, 2]);
        svdf_i8(&p, &[2], &mut out, &mut state);
        // Full: the oldest value leaves each row.
        assert_eq!(state, [5, 1, 2, 10, 2, 4]);
        assert_eq!(out, [8, 4]);
    }

    #[test]
    fn short_slices_write_nothing_and_do_not_panic() {
        let p = SvdfI8 {
            shape: SvdfShape {
                batches: 2,
                input_size: 4,
                filters: 4,
                rank: 2,
                memory: 8,
            },
            weights_feature: &[1; 16],
            weights_time: &[1i16; 32],
            feature_offsets: &[-12; 4],
            time_offsets: &[0; 4],
            state_zero_point: 0,
            output_zero_point: -1,
            feature_scale: [1 << 30, 0],
            output_scale: [1 << 30, -3],
        };
        let mut state = [0i16; 10];
        let mut out = [0i8; 1];
        svdf_i8_state_i16(&p, &[1, 2], &mut out, &mut state);
        let mut state = [0i16; 64];
        let mut out = [0i8; 4];
        svdf_i8_state_i16(&p, &[1, 2, 3, 4, 5, 6, 7, 8], &mut out, &mut state);
        let p = SvdfI8 {
            shape: p.shape,
            weights_time: &[1i8; 32][..29],
            weights_feature: &[1; 15],
            feature_offsets: &[0; 3],
            time_offsets: p.time_offsets,
            state_zero_point: 0,
            output_zero_point: 0,
            feature_scale: [1 << 30, -1],
            output_scale: p.output_scale,
        };
        let mut state = [0i8; 64];
        svdf_i8(&p, &[1, 2, 3, 4, 5, 6, 7, 8], &mut out, &mut state);
    }

    #[test]
    fn right_shift_scales_match_the_reference_rounding() {
        let mut r = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        let edges = [
            0,
            1,
            -1,
            i32::MAX,
            i32::MIN,
            1 << 30,
            -(1 << 30),
            12345,
            -12345,
        ];
        for round in 0..200_000 {
            let x = edges
                .get(round % 40)
                .copied()
                .unwrap_or(next() as i32 >> (round % 31));
            let multiplier = match round % 7 {
                0 => 0,
                1 => i32::MAX,
                2 => 1 << 30,
                _ => (1 << 30) | (next() as i32 & 0x3fff_ffff),
            };
            let exponent = 1 + (next() % 31) as i32;
            let scale = RightShift::new([multiplier, -exponent]).unwrap();
            assert_eq!(
                scale.apply(x),
                multiply_by_quantized_multiplier(x, multiplier, -exponent),
                "{x} {multiplier} {exponent}"
            );
        }
        for scale in [
            [1 << 30, 0],
            [1 << 30, 1],
            [-1, -3],
            [1 << 30, -32],
            [1 << 30, i32::MIN],
        ] {
            assert!(RightShift::new(scale).is_none());
        }
    }

    /// TFLM's int8 SVDF (`EvalIntegerSvdfReference`) as it is written: the whole state shifted
    /// by one value, the zero points subtracted per product, scratch per filter.
    #[allow(clippy::too_many_arguments)]
    fn reference<T: StateValue + Into<i32>>(
        shape: SvdfShape,
        weights_feature: &[i8],
        weights_time: &[T],
        bias: &[i32],
        [input_zp, state_zp, output_zp]: [i32; 3],
        feature_scale: [i32; 2],
        output_scale: [i32; 2],
        input: &[i8],
        state: &mut [T],
    ) -> Vec<i8> {
        let SvdfShape {
            batches,
            input_size,
            filters,
            rank,
            memory,
        } = shape;
        state.copy_within(1.., 0);
        let mut scratch = std::vec![0i32; batches * filters];
        for b in 0..batches {
            for f in 0..filters {
                let mut dot = 0i32;
                for i in 0..input_size {
                    let x = i32::from(input[b * input_size + i]) - input_zp;
                    dot = dot.wrapping_add(x * i32::from(weights_feature[f * input_size + i]));
                }
                let v = multiply_by_quantized_multiplier(dot, feature_scale[0], feature_scale[1])
                    .clamp(T::MIN, T::MAX);
                state[(b * filters + f) * memory + memory - 1] = T::narrow(v + state_zp);
            }
            for f in 0..filters {
                let mut dot = 0i32;
                for m in 0..memory {
                    let s: i32 = state[(b * filters + f) * memory + m].into();
                    let w: i32 = weights_time[f * memory + m].into();
                    dot = dot.wrapping_add((s - state_zp) * w);
                }
                scratch[b * filters + f] = dot;
            }
        }
        let units = filters / rank;
        let mut out = Vec::new();
        for b in 0..batches {
            for u in 0..units {
                let mut sum = bias[u];
                for k in 0..rank {
                    sum = sum.wrapping_add(scratch[b * filters + u * rank + k]);
                }
                let y = multiply_by_quantized_multiplier(sum, output_scale[0], output_scale[1]);
                out.push((y + output_zp).clamp(-128, 127) as i8);
            }
        }
        out
    }

    fn offsets<T: Copy + Into<i32>>(weights: &[T], width: usize, zero_point: i32) -> Vec<i32> {
        weights
            .chunks(width)
            .map(|row| {
                let sum = row.iter().fold(0i32, |a, &w| a.wrapping_add(w.into()));
                sum.wrapping_mul(zero_point.wrapping_neg())
            })
            .collect()
    }

    /// One of the int8 kernels.
    type Kernel<T> = fn(&SvdfI8<'_, T>, &[i8], &mut [i8], &mut [T]);

    /// Many steps of random layers of both state types, against [`reference`]: memories of
    /// whole words and not, ranks 1 to 3, odd filter counts, two batches, right-shift scales
    /// and others.
    fn matches_the_reference<T: StateValue + Into<i32> + PartialEq + core::fmt::Debug>(
        value: fn(u64) -> T,
        run: Kernel<T>,
    ) {
        let mut r = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        let shapes = [
            (1, 16, 4, 1, 8),
            (2, 5, 6, 2, 7),
            (1, 8, 9, 3, 4),
            (2, 12, 3, 1, 32),
            (1, 3, 5, 1, 1),
        ];
        for (case, &(batches, input_size, filters, rank, memory)) in shapes.iter().enumerate() {
            let shape = SvdfShape {
                batches,
                input_size,
                filters,
                rank,
                memory,
            };
            let units = filters / rank;
            let weights_feature: Vec<i8> =
                (0..filters * input_size).map(|_| next() as i8).collect();
            let weights_time: Vec<T> = (0..filters * memory).map(|_| value(next())).collect();
            let bias: Vec<i32> = (0..units).map(|_| next() as i32 >> 14).collect();
            let zps = [
                next() as i8 as i32,
                i32::from(next() as i8) / 2,
                next() as i8 as i32,
            ];
            // Right shifts (the fast path) and, for some cases, a left shift or none.
            let feature_scale = match case % 3 {
                0 => [1 << 30, 1],
                1 => [(1 << 30) | (next() as i32 & 0x3fff_ffff), 0],
                _ => [
                    (1 << 30) | (next() as i32 & 0x3fff_ffff),
                    -(1 + (next() % 8) as i32),
                ],
            };
            let output_scale = [
                (1 << 30) | (next() as i32 & 0x3fff_ffff),
                -(4 + (next() % 8) as i32),
            ];
            let feature_offsets = offsets(&weights_feature, input_size, zps[0]);
            let mut time_offsets = offsets(&weights_time, memory, zps[1]);
            for (u, &b) in bias.iter().enumerate() {
                time_offsets[u * rank] = time_offsets[u * rank].wrapping_add(b);
            }
            let p = SvdfI8 {
                shape,
                weights_feature: &weights_feature,
                weights_time: &weights_time,
                feature_offsets: &feature_offsets,
                time_offsets: &time_offsets,
                state_zero_point: zps[1],
                output_zero_point: zps[2],
                feature_scale,
                output_scale,
            };
            let fill = T::narrow(zps[1]);
            let mut state = std::vec![fill; batches * filters * memory];
            let mut want_state = state.clone();
            for step in 0..40 {
                let input: Vec<i8> = (0..batches * input_size).map(|_| next() as i8).collect();
                let want = reference(
                    shape,
                    &weights_feature,
                    &weights_time,
                    &bias,
                    zps,
                    feature_scale,
                    output_scale,
                    &input,
                    &mut want_state,
                );
                let mut got = std::vec![0i8; batches * units];
                run(&p, &input, &mut got, &mut state);
                assert_eq!(got, want, "case {case}, step {step}");
                // The values TFLM's whole shift moves across a row boundary are overwritten:
                // the state is TFLM's.
                assert_eq!(state, want_state, "case {case}, step {step}");
            }
        }
    }

    #[test]
    fn int8_state_matches_the_reference() {
        matches_the_reference(|r| r as i8, svdf_i8);
    }

    #[test]
    fn int16_state_matches_the_reference() {
        matches_the_reference(|r| (r as i16) >> 4, svdf_i8_state_i16);
    }
}
