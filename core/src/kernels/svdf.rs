//! SVDF: a rank-constrained filter over time, with its past in the model's state.
//!
//! Each of the `filters` filters keeps its last `memory` feature values in the activation state
//! (`[batch][filter][memory]`, oldest first). One step shifts the whole state left by one value,
//! writes each filter's new feature (its weights' dot product with the input) in its last
//! place, dots each filter's memory with its time weights, and sums `rank` filters per output
//! unit, plus the bias. TFLM's reference arithmetic, bit for bit (`svdf_common.cc`): the int8
//! path rescales the feature into the state's type and the sum into the output's, and applies no
//! fused activation; the float path applies it.

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
    /// The input's zero point.
    pub input_zero_point: i32,
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
}

/// Shifts `state` left by one value (the newest of each filter is then written by the caller).
#[inline(always)]
fn shift_left<T: Copy>(state: &mut [T]) {
    if !state.is_empty() {
        state.copy_within(1.., 0);
    }
}

fn svdf_integer<T: StateValue>(
    p: &SvdfI8<'_, T>,
    input: &[i8],
    output: &mut [i8],
    state: &mut [T],
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
    shift_left(state);
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
        // The newest feature of each filter, in its state type.
        for (memory_row, weights) in state
            .chunks_exact_mut(memory)
            .zip(p.weights_feature.chunks_exact(input_size))
        {
            let mut dot: i32 = 0;
            for (&w, &v) in weights.iter().zip(x) {
                dot = dot.wrapping_add((w as i32).wrapping_mul((v as i32).wrapping_sub(p.input_zero_point)));
            }
            let scaled = multiply_by_quantized_multiplier(dot, m1, s1).clamp(T::MIN, T::MAX);
            if let Some(newest) = memory_row.last_mut() {
                // TFLM adds the zero point after the clamp and stores the low bits.
                *newest = T::narrow(p.state_zero_point.wrapping_add(scaled));
            }
        }
        let Some(out) = output
            .get_mut(b.wrapping_mul(units)..)
            .and_then(|o| o.get_mut(..units))
        else {
            return;
        };
        // Each unit: its bias plus its `rank` filters' time dot products.
        let mut rows = state
            .chunks_exact(memory)
            .zip(p.weights_time.chunks_exact(memory));
        for (u, o) in out.iter_mut().enumerate() {
            let mut sum = p.bias.and_then(|bias| bias.get(u).copied()).unwrap_or(0);
            for (row, weights) in rows.by_ref().take(rank) {
                let mut dot: i32 = 0;
                for (&w, &v) in weights.iter().zip(row) {
                    dot = dot.wrapping_add(
                        w.widen().wrapping_mul(v.widen().wrapping_sub(p.state_zero_point)),
                    );
                }
                sum = sum.wrapping_add(dot);
            }
            let y = multiply_by_quantized_multiplier(sum, m2, s2).wrapping_add(p.output_zero_point);
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
        for (memory_row, weights) in state
            .chunks_exact_mut(memory)
            .zip(p.weights_feature.chunks_exact(input_size))
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
        let mut rows = state
            .chunks_exact(memory)
            .zip(p.weights_time.chunks_exact(memory));
        for (u, o) in out.iter_mut().enumerate() {
            let mut sum = p.bias.and_then(|bias| bias.get(u).copied()).unwrap_or(0.0);
            for (row, weights) in rows.by_ref().take(rank) {
                let mut dot = 0.0f32;
                for (&w, &v) in weights.iter().zip(row) {
                    dot += w * v;
                }
                sum += dot;
            }
            *o = sum.clamp(p.output_min, p.output_max);
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
            input_zero_point: 0,
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
        // Filter 1's oldest value moved into filter 0's row, then was overwritten.
        assert_eq!(state, [0, 5, 1, 0, 10, 2]);
        assert_eq!(out, [6, 2]);
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
            input_zero_point: 3,
            state_zero_point: 0,
            output_zero_point: -1,
            feature_scale: [1 << 30, 0],
            output_scale: [1 << 30, -3],
        };
        let mut state = [0i16; 10];
        let mut out = [0i8; 1];
        svdf_i8_state_i16(&p, &[1, 2], &mut out, &mut state);
    }
}
