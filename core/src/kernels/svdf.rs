//! SVDF: a rank-constrained filter over time, with its past in the model's state.
//!
//! Each of the `filters` filters keeps its last `memory` feature values in the activation state
//! (`[batch][filter][memory]`). TFLM keeps them oldest first and shifts the whole state left by
//! one value each step; the int8 kernels here keep each filter's memory as a ring instead, with
//! the place of the next value in a step counter of their own (state too), so a step moves no
//! memory: it writes each filter's new feature (its weights' dot product with the input) over the
//! oldest, dots each filter's memory, oldest first, with its time weights, and sums `rank` filters
//! per output unit, plus the bias. The state then holds TFLM's values rotated per filter: the same
//! outputs at every step, and the same after `reset()` (every value the zero point). TFLM's reference arithmetic, bit for bit (`svdf_common.cc`): the int8
//! path rescales the feature into the state's type and the sum into the output's, and applies no
//! fused activation; the float path applies it.

use super::arch::{dot_i8, dot2_i8};
use super::epilogue::clamp_f32;
use super::slices::{chunks, chunks_mut, enumerate};
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
    /// One bias per unit (`filters / rank`), or none.
    pub bias: Option<&'a [i32]>,
    /// Per filter, `-input_zero_point * Σ weights_feature[filter]`, folded at build time: the
    /// feature is then a plain dot product plus this (the same value modulo 2^32 as TFLM's
    /// `Σ w * (x - zero_point)`).
    pub feature_offsets: &'a [i32],
    /// Per filter, `-state_zero_point * Σ weights_time[filter]`, folded the same way.
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
    /// As `i32`.
    fn widen(self) -> i32;
    /// The low bits of `v` (C's conversion to a narrower integer).
    fn narrow(v: i32) -> Self;
    /// `acc + Σ a[i] * b[i]` over the common length, wrapping.
    fn dot(acc: i32, a: &[Self], b: &[Self]) -> i32;
}

impl StateValue for i8 {
    const MIN: i32 = i8::MIN as i32;
    const MAX: i32 = i8::MAX as i32;
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i8
    }
    #[inline(always)]
    fn dot(acc: i32, a: &[i8], b: &[i8]) -> i32 {
        dot_i8(acc, a, b)
    }
}

impl StateValue for i16 {
    const MIN: i32 = i16::MIN as i32;
    const MAX: i32 = i16::MAX as i32;
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i16
    }
    #[inline(always)]
    fn dot(acc: i32, a: &[i16], b: &[i16]) -> i32 {
        a.iter()
            .zip(b)
            .fold(acc, |acc, (&x, &w)| acc.wrapping_add(i32::from(x) * i32::from(w)))
    }
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

fn svdf_integer<T: StateValue>(
    p: &SvdfI8<'_, T>,
    input: &[i8],
    output: &mut [i8],
    state: &mut [T],
    step: &mut [i32],
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
    let Some(next) = step.first_mut() else {
        return;
    };
    // The ring position this step writes; the oldest value is the one after it.
    let at = usize::try_from(*next).unwrap_or(0) % memory;
    let oldest = (at + 1) % memory;
    // Below `memory`, which fits in i32 (the compiler keeps tensors below 2^31 bytes).
    *next = oldest as i32;
    let [m1, s1] = p.feature_scale;
    let [m2, s2] = p.output_scale;
    for b in 0..batches {
        let Some(x) = input.get(b.wrapping_mul(input_size)..).and_then(|x| x.get(..input_size))
        else {
            return;
        };
        let Some(state) = state
            .get_mut(b.wrapping_mul(per_batch)..)
            .and_then(|s| s.get_mut(..per_batch))
        else {
            return;
        };
        // The newest feature of each filter, in its state type: filters in pairs, which share
        // each load of the input.
        let clamp_store = |row: &mut [T], dot: i32| {
            let scaled = multiply_by_quantized_multiplier(dot, m1, s1).clamp(T::MIN, T::MAX);
            if let Some(newest) = row.get_mut(at) {
                // TFLM adds the zero point after the clamp and stores the low bits.
                *newest = T::narrow(p.state_zero_point.wrapping_add(scaled));
            }
        };
        {
            let mut rows = chunks_mut(&mut *state, memory);
            let mut weights = chunks(p.weights_feature, input_size);
            let mut offsets = p.feature_offsets.iter();
            while let (Some(r0), Some(w0), Some(&o0)) = (rows.next(), weights.next(), offsets.next())
            {
                match (rows.next(), weights.next(), offsets.next()) {
                    (Some(r1), Some(w1), Some(&o1)) => {
                        let (d0, d1) = dot2_i8((o0, o1), x, w0, w1);
                        clamp_store(r0, d0);
                        clamp_store(r1, d1);
                    }
                    _ => {
                        clamp_store(r0, dot_i8(o0, x, w0));
                        break;
                    }
                }
            }
        }
        let Some(out) = output
            .get_mut(b.wrapping_mul(units)..)
            .and_then(|o| o.get_mut(..units))
        else {
            return;
        };
        // Each unit: its bias plus its `rank` filters' time dot products.
        let mut rows = chunks(state, memory)
            .zip(chunks(p.weights_time, memory))
            .zip(p.time_offsets);
        for (u, o) in enumerate(out.iter_mut()) {
            let mut sum = p.bias.and_then(|bias| bias.get(u).copied()).unwrap_or(0);
            for ((row, weights), &offset) in rows.by_ref().take(rank) {
                // Oldest first: the ring from `oldest` to its end, then from its start.
                let (newer, older) = row.split_at_checked(oldest).unwrap_or((row, &[]));
                let (w_older, w_newer) =
                    weights.split_at_checked(older.len()).unwrap_or((weights, &[]));
                sum = sum.wrapping_add(T::dot(T::dot(offset, older, w_older), newer, w_newer));
            }
            let y = multiply_by_quantized_multiplier(sum, m2, s2).wrapping_add(p.output_zero_point);
            *o = y.clamp(-128, 127) as i8;
        }
    }
}

/// SVDF, int8 with int8 time weights and activation state: one step, updating `state` and
/// `step` (the ring position, see the module docs; 0 with a fresh state).
pub fn svdf_i8(
    p: &SvdfI8State8<'_>,
    input: &[i8],
    output: &mut [i8],
    state: &mut [i8],
    step: &mut [i32],
) {
    svdf_integer(p, input, output, state, step);
}

/// SVDF, int8 with int16 time weights and activation state: one step, updating `state` and
/// `step`.
pub fn svdf_i8_state_i16(
    p: &SvdfI8State16<'_>,
    input: &[i8],
    output: &mut [i8],
    state: &mut [i16],
    step: &mut [i32],
) {
    svdf_integer(p, input, output, state, step);
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
        let Some(x) = input.get(b.wrapping_mul(input_size)..).and_then(|x| x.get(..input_size))
        else {
            return;
        };
        let Some(state) = state
            .get_mut(b.wrapping_mul(per_batch)..)
            .and_then(|s| s.get_mut(..per_batch))
        else {
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
        let Some(out) = output
            .get_mut(b.wrapping_mul(units)..)
            .and_then(|o| o.get_mut(..units))
        else {
            return;
        };
        let mut rows = chunks(state, memory)
            .zip(chunks(p.weights_time, memory));
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
            bias: None,
            feature_offsets: &[0, 0],
            time_offsets: &[0, 0],
            state_zero_point: 0,
            output_zero_point: 0,
            feature_scale: [1 << 30, 1],
            output_scale: [1 << 30, 1],
        };
        let (mut state, mut step) = ([0i8; 6], [0i32]);
        let mut out = [0i8; 2];
        svdf_i8(&p, &[5], &mut out, &mut state, &mut step);
        // The ring: the first value at place 0, the next step at place 1.
        assert_eq!((state, step), ([5, 0, 0, 10, 0, 0], [1]));
        assert_eq!(out, [5, 10]);
        svdf_i8(&p, &[1], &mut out, &mut state, &mut step);
        assert_eq!((state, step), ([5, 1, 0, 10, 2, 0], [2]));
        // Oldest first, as TFLM's shifted state [0, 5, 1] and [0, 10, 2].
        assert_eq!(out, [6, 2]);
        svdf_i8(&p, &[2], &mut out, &mut state, &mut step);
        // Full: the next value overwrites the oldest, at place 0.
        assert_eq!((state, step), ([5, 1, 2, 10, 2, 4], [0]));
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
            bias: Some(&[1, 2]),
            feature_offsets: &[-12; 4],
            time_offsets: &[0; 4],
            state_zero_point: 0,
            output_zero_point: -1,
            feature_scale: [1 << 30, 0],
            output_scale: [1 << 30, -3],
        };
        let mut state = [0i16; 10];
        let mut out = [0i8; 1];
        svdf_i8_state_i16(&p, &[1, 2], &mut out, &mut state, &mut [i32::MIN]);
        svdf_i8_state_i16(&p, &[1, 2], &mut out, &mut state, &mut []);
    }
}
