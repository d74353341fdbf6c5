//! UNIDIRECTIONAL_SEQUENCE_LSTM: a standard LSTM layer (no peephole, projection, layer
//! normalisation or coupled input and forget gates) over a sequence, its output state and cell
//! state carried from one call to the next.
//!
//! Per time step, for each of the `units` cells, with `x` the step's input row and `h` the
//! output state before the step:
//!
//! ```text
//! forget = sigmoid(W_f x + b_f + R_f h)        input  = sigmoid(W_i x + b_i + R_i h)
//! cell   = tanh(W_c x + b_c + R_c h)           output = sigmoid(W_o x + b_o + R_o h)
//! c      = clip(forget * c + input * cell)     h      = output * tanh(c)
//! ```
//!
//! and the new `h` is also the step's output row. The kernels follow TensorFlow Lite Micro's
//! `lstm_eval` (its reference path) value for value: the int8 kernel bit for bit; the float32
//! kernel operation for operation, with `libm`'s `expf`/`tanhf` for the C library's.
//!
//! # Order of work
//!
//! TFLM computes each gate for every unit (into four scratch buffers), then updates the cell
//! state, then the output state. Every one of those operations is element-wise once the dot
//! products are formed, and every dot product reads only the input and the *old* output state,
//! so the kernels here compute the four gates, the cell and the new output of one unit at a
//! time: the same values, no scratch memory. The new output state is written into the step's
//! output row (which nothing reads during the step) and copied to the state at the end of the
//! step. Likewise the batches of a step are independent, so both layouts (time-major and
//! batch-major) run as one loop over steps and batches, in whichever order.

use super::activation::logistic;
use super::arch::dot2_i8;
use super::epilogue::clamp_f32;
use super::slices::{chunks, copy};
use crate::quant::multiply_by_quantized_multiplier;

/// The sizes and layout of an LSTM. The batch count and step count come from the input's shape
/// (`[batches, time_steps, input_size]`, or `[time_steps, batches, input_size]` time-major), the
/// unit count from the output state's (`[batches, units]`).
#[derive(Clone, Copy, Debug)]
pub struct LstmShape {
    /// Independent sequences (each with its own row of output state and cell state).
    pub batches: usize,
    /// Time steps per call.
    pub time_steps: usize,
    /// Values per input row.
    pub input_size: usize,
    /// Cells (the output state's and cell state's values per batch).
    pub units: usize,
    /// Input and output are `[time_steps, batches, n]` (else `[batches, time_steps, n]`).
    pub time_major: bool,
}

impl LstmShape {
    /// The number of input values per call.
    pub const fn input_len(&self) -> usize {
        self.batches
            .wrapping_mul(self.time_steps)
            .wrapping_mul(self.input_size)
    }

    /// The number of output values per call.
    pub const fn output_len(&self) -> usize {
        self.batches
            .wrapping_mul(self.time_steps)
            .wrapping_mul(self.units)
    }

    /// The number of output-state (and cell-state) values.
    pub const fn state_len(&self) -> usize {
        self.batches.wrapping_mul(self.units)
    }

    /// Calls `step(input_row, output_row, state_row)` for every time step in order and, within
    /// a step, every batch: the row indices of the input and output (`[.., n]` rows) and of the
    /// state. The index arithmetic wraps, exact for every tensor that fits in memory (see the
    /// module documentation of `kernels`).
    #[inline(always)]
    fn for_each_step(&self, mut step: impl FnMut(usize, usize)) {
        for t in 0..self.time_steps {
            for b in 0..self.batches {
                let row = if self.time_major {
                    t.wrapping_mul(self.batches).wrapping_add(b)
                } else {
                    b.wrapping_mul(self.time_steps).wrapping_add(t)
                };
                step(row, b);
            }
        }
    }
}

/// The weights of one gate of the int8 LSTM, with the requantization of its two matrix products
/// to the gate's Q3.12 pre-activation (int16, scale `2^-12`).
#[derive(Clone, Copy, Debug)]
pub struct LstmGateI8<'a> {
    /// Input weights, `[units][input_size]` row-major; symmetric (zero point 0).
    pub input_weights: &'a [i8],
    /// Per unit: the gate's bias (0 without one) plus `-input_zero_point * sum(input_weights
    /// row)`, folded at compile time (TFLM adds the input offset to every input instead; equal
    /// modulo 2^32, as the int32 accumulation is).
    pub input_bias: &'a [i32],
    /// Q0.31 multiplier of `input_scale * input_weights_scale / 2^-12` (in double).
    pub input_multiplier: i32,
    /// Its power-of-two exponent (as `QuantizeMultiplier` gives it: positive shifts left).
    pub input_shift: i32,
    /// Recurrent weights, `[units][units]` row-major; symmetric.
    pub recurrent_weights: &'a [i8],
    /// Per unit: `-output_state_zero_point * sum(recurrent_weights row)` (the recurrent product
    /// has no bias in TFLM), folded at compile time.
    pub recurrent_bias: &'a [i32],
    /// Q0.31 multiplier of `output_state_scale * recurrent_weights_scale / 2^-12`.
    pub recurrent_multiplier: i32,
    /// Its power-of-two exponent.
    pub recurrent_shift: i32,
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM with int8 input, weights, output state and output, int32 biases
/// and an int16 cell state (TFLM's 8x8->16 LSTM), bit-exact with TensorFlow Lite Micro.
///
/// Gate pre-activations are Q3.12 (int16, scale 2^-12), gate outputs Q0.15 (scale 2^-15); the
/// cell state has the model's power-of-two scale.
#[derive(Clone, Copy, Debug)]
pub struct LstmI8<'a> {
    /// Sizes and layout.
    pub shape: LstmShape,
    /// The input gate (sigmoid).
    pub input_gate: LstmGateI8<'a>,
    /// The forget gate (sigmoid).
    pub forget_gate: LstmGateI8<'a>,
    /// The cell gate (tanh).
    pub cell_gate: LstmGateI8<'a>,
    /// The output gate (sigmoid).
    pub output_gate: LstmGateI8<'a>,
    /// Q0.31 multiplier of `forget * cell -> cell`: `2^-15 * cell_scale / cell_scale`, in double.
    pub forget_cell_multiplier: i32,
    /// Its exponent.
    pub forget_cell_shift: i32,
    /// Q0.31 multiplier of `input * cell gate -> cell`: `2^-15 * 2^-15 / cell_scale`, in double.
    pub input_cell_multiplier: i32,
    /// Its exponent.
    pub input_cell_shift: i32,
    /// Q0.31 multiplier of `output gate * tanh(cell) -> output state`:
    /// `2^-15 * 2^-15 / output_state_scale`, in double.
    pub hidden_multiplier: i32,
    /// Its exponent.
    pub hidden_shift: i32,
    /// The output state's (and output's) zero point.
    pub hidden_zero_point: i32,
    /// The cell state's tanh input scaling, TFLM's power-of-two case resolved at compile time:
    /// the tanh reads `(cell * cell_tanh_multiplier + round) >> cell_tanh_shift` (`round` half
    /// of `2^cell_tanh_shift`, 0 for a shift of 0) in units of `2^-12 / 3` (see `tanh_q15`).
    /// For a cell scale `2^p`, with `k = 15 + p - 3`: `(3 << k, 0)` for `k >= 0`, else `(3, -k)`.
    pub cell_tanh_multiplier: i32,
    /// See [`LstmI8::cell_tanh_multiplier`]; in `0..=31` (taken modulo 32).
    pub cell_tanh_shift: i32,
    /// If the model clips (its `cell_clip` option is positive), the quantized clip
    /// (`cell_clip / cell_scale` in double, clamped to int16 and truncated, so in `0..=32767`):
    /// the cell state is clamped to `[-clip, clip]` after each update.
    pub cell_clip: Option<i16>,
}

/// The Q0.16 table TFLite's int16 logistic and tanh interpolate in: entry `i` is close to
/// `65536 * sigmoid(i / 24)` (within one unit; the last capped at 65535), but not any usual
/// rounding of it, and the kernels must read TFLM's very numbers to give its bits. So the
/// values are data read back out of TFLM (`tests/tools/make_sigmoid_table.py`, through an int16
/// TANH model whose inputs land exactly on each entry), not a copy of its source.
const SIGMOID_Q16: [u16; 256] = include!("sigmoid_q16.in");

/// The table entries at `index` and `index + 1` for an `index` below 255.
#[inline(always)]
fn table_pair(index: u32) -> (u32, u32) {
    match SIGMOID_Q16.get(index as usize..) {
        Some(&[low, high, ..]) => (u32::from(low), u32::from(high)),
        // Not reached (the callers check the index); the saturated value keeps it total.
        _ => (65535, 65535),
    }
}

/// The int16 logistic of a Q3.12 value, as Q0.15 (TFLite's `reference_integer_ops::Logistic`
/// for int16 with its power-of-two input, multiplier 3 and no shift, as LSTM calls it).
///
/// `3x` puts one table step (`1/24` in real terms) at 2^9; the fraction below it interpolates
/// linearly between two entries. Negative inputs use `sigmoid(-x) = 1 - sigmoid(x)` with
/// TFLite's rounding of each side. Outputs lie in `[1, 32767]`.
#[inline(always)]
pub(crate) fn sigmoid_q15(x: i16) -> i16 {
    sigmoid_of_scaled(i32::from(x) * 3)
}

/// The interpolated table's sigmoid of `scaled`, an input in units of one table step at 2^9
/// (TFLite's int16 `Logistic` after its input rescale), in Q0.15; shared by the LSTM gates and
/// int16 LOGISTIC.
#[inline(always)]
pub(super) fn sigmoid_of_scaled(scaled: i32) -> i16 {
    let magnitude = scaled.unsigned_abs();
    let index = magnitude >> 9;
    // Q0.16 scaled by 2^9 (Q0.25).
    let value = if index >= 255 {
        0x7fff << 10
    } else {
        let (low, high) = table_pair(index);
        (low << 9).wrapping_add((magnitude & 0x1ff).wrapping_mul(high.wrapping_sub(low)))
    };
    let value = if scaled >= 0 {
        value.wrapping_add(1 << 9)
    } else {
        (1u32 << 25).wrapping_sub(value).wrapping_add((1 << 9) - 1)
    };
    (value >> 10) as i16
}

/// The int16 tanh of `x` read as `(x * multiplier + round) >> shift` in units of `2^-12 / 3`,
/// as Q0.15 (TFLite's `reference_integer_ops::Tanh` for int16 after its power-of-two case is
/// resolved). It uses the sigmoid table through `tanh(y) = 2 * sigmoid(2y) - 1`: one table
/// step, `1/48` of `y`, at 2^8. The gate's Q3.12 pre-activation is read with `(3, 0, 0)`; the
/// cell state with [`LstmI8::cell_tanh_multiplier`]. `shift` counts modulo 32. Outputs lie in
/// `[-32767, 32767]`.
#[inline(always)]
pub(crate) fn tanh_q15(x: i16, multiplier: i32, round: i32, shift: u32) -> i16 {
    let scaled = i32::from(x).wrapping_mul(multiplier).wrapping_add(round) >> (shift & 31);
    let magnitude = scaled.unsigned_abs();
    let index = magnitude >> 8;
    // Q0.16 scaled by 2^8 (Q0.24); below 2^24, so it fits an i32.
    let value = if index >= 255 {
        0xffff << 8
    } else {
        let (low, high) = table_pair(index);
        ((low << 8).wrapping_add((magnitude & 0xff).wrapping_mul(high.wrapping_sub(low)))) as i32
    };
    let value = if scaled >= 0 {
        value.wrapping_sub(1 << 23).wrapping_add(1 << 7)
    } else {
        (1i32 << 23).wrapping_sub(value).wrapping_add((1 << 7) - 1)
    };
    (value >> 8) as i16
}

/// `round` of [`tanh_q15`]: half of `2^shift`, or 0 for a shift of 0.
#[inline(always)]
const fn tanh_round(shift: u32) -> i32 {
    let shift = shift & 31;
    if shift == 0 { 0 } else { 1 << (shift - 1) }
}

/// `x` clamped to the int16 range.
#[inline(always)]
fn saturate_i16(x: i32) -> i16 {
    x.max(i32::from(i16::MIN)).min(i32::from(i16::MAX)) as i16
}

/// One unit's data of one int8 gate: (input weight row, input bias), (recurrent weight row,
/// recurrent bias).
type GateRowI8<'a> = ((&'a [i8], i32), (&'a [i8], i32));

/// One unit's rows of one int8 gate, in unit order.
#[inline(always)]
fn gate_rows<'a>(gate: &LstmGateI8<'a>, shape: &LstmShape) -> impl Iterator<Item = GateRowI8<'a>> {
    chunks(gate.input_weights, shape.input_size)
        .zip(gate.input_bias.iter().copied())
        .zip(chunks(gate.recurrent_weights, shape.units).zip(gate.recurrent_bias.iter().copied()))
}

/// A gate's Q3.12 pre-activation from the two int32 accumulators (bias included): each
/// requantized and clamped to int16 (TFLM's two FULLY_CONNECTEDs with int16 output), then
/// added with int16 saturation.
#[inline(always)]
fn pre_activation(gate: &LstmGateI8, input_acc: i32, recurrent_acc: i32) -> i16 {
    let from_input = saturate_i16(multiply_by_quantized_multiplier(
        input_acc,
        gate.input_multiplier,
        gate.input_shift,
    ));
    let from_state = saturate_i16(multiply_by_quantized_multiplier(
        recurrent_acc,
        gate.recurrent_multiplier,
        gate.recurrent_shift,
    ));
    saturate_i16(i32::from(from_input) + i32::from(from_state))
}

/// The product of two int16 values requantized to int16 (TFLM's `MulElementwise` with int16
/// output, zero points 0).
#[inline(always)]
fn mul_i16(a: i16, b: i16, multiplier: i32, shift: i32) -> i16 {
    saturate_i16(multiply_by_quantized_multiplier(
        i32::from(a) * i32::from(b),
        multiplier,
        shift,
    ))
}

/// int8 UNIDIRECTIONAL_SEQUENCE_LSTM, bit-exact with TensorFlow Lite Micro.
///
/// `input` holds [`LstmShape::input_len`] values and `output` [`LstmShape::output_len`], in
/// the layout of [`LstmShape::time_major`]; `output_state` (int8, the output state's
/// quantization) and `cell_state` (int16, the cell state's power-of-two scale) hold
/// [`LstmShape::state_len`] values each and carry over between calls: initialise (and reset)
/// them as TFLM does, the output state to its zero point and the cell state to 0. Every step's
/// new output state is also its output row. No scratch memory. The state comes last, after the
/// output, as in every kernel that keeps model state (the compiler passes the model's state
/// arrays there).
///
/// Slices shorter than the shape leave the steps they cannot hold unprocessed (wrong outputs,
/// never a panic); weights and biases shorter than the shape leave the units they do not cover.
pub fn lstm_i8(
    p: &LstmI8,
    input: &[i8],
    output: &mut [i8],
    output_state: &mut [i8],
    cell_state: &mut [i16],
) {
    let shape = &p.shape;
    let (units, input_size) = (shape.units, shape.input_size);
    if units == 0 {
        return;
    }
    let tanh_shift = p.cell_tanh_shift as u32;
    let tanh_round = tanh_round(tanh_shift);
    shape.for_each_step(|row, batch| {
        let Some((x, out, h, c)) = step_slices(
            input,
            output,
            output_state,
            cell_state,
            [row, batch, input_size, units],
        ) else {
            return;
        };
        let h_old: &[i8] = h;
        let units_iter = gate_rows(&p.input_gate, shape)
            .zip(gate_rows(&p.forget_gate, shape))
            .zip(gate_rows(&p.cell_gate, shape))
            .zip(gate_rows(&p.output_gate, shape))
            .zip(c.iter_mut())
            .zip(out.iter_mut());
        for (((((i_rows, f_rows), g_rows), o_rows), c), o) in units_iter {
            // Two gates per pass over `x` and over `h`, each value loaded once for both.
            let ((i_w, i_b), (i_r, i_rb)) = i_rows;
            let ((f_w, f_b), (f_r, f_rb)) = f_rows;
            let ((g_w, g_b), (g_r, g_rb)) = g_rows;
            let ((o_w, o_b), (o_r, o_rb)) = o_rows;
            let (i_in, f_in) = dot2_i8((i_b, f_b), x, i_w, f_w);
            let (g_in, o_in) = dot2_i8((g_b, o_b), x, g_w, o_w);
            let (i_rec, f_rec) = dot2_i8((i_rb, f_rb), h_old, i_r, f_r);
            let (g_rec, o_rec) = dot2_i8((g_rb, o_rb), h_old, g_r, o_r);
            let forget = sigmoid_q15(pre_activation(&p.forget_gate, f_in, f_rec));
            let input_gate = sigmoid_q15(pre_activation(&p.input_gate, i_in, i_rec));
            let cell_gate = tanh_q15(pre_activation(&p.cell_gate, g_in, g_rec), 3, 0, 0);
            let output_gate = sigmoid_q15(pre_activation(&p.output_gate, o_in, o_rec));
            // The cell update: both products requantized to the cell scale, then added with
            // saturation, then clipped.
            let kept = mul_i16(forget, *c, p.forget_cell_multiplier, p.forget_cell_shift);
            let added = mul_i16(
                input_gate,
                cell_gate,
                p.input_cell_multiplier,
                p.input_cell_shift,
            );
            let mut cell = saturate_i16(i32::from(kept) + i32::from(added));
            if let Some(clip) = p.cell_clip {
                // `wrapping_neg`: exact for every clip a model gives (0..=32767).
                cell = cell.min(clip).max(clip.wrapping_neg());
            }
            *c = cell;
            let squashed = tanh_q15(cell, p.cell_tanh_multiplier, tanh_round, tanh_shift);
            *o = multiply_by_quantized_multiplier(
                i32::from(squashed) * i32::from(output_gate),
                p.hidden_multiplier,
                p.hidden_shift,
            )
            .wrapping_add(p.hidden_zero_point)
            .max(i32::from(i8::MIN))
            .min(i32::from(i8::MAX)) as i8;
        }
        copy(h, out);
    });
}

/// One step's slices, for input row `row` of batch `batch`: its input row, its output row, and
/// the batch's output and cell state; `None` where the slices do not hold them.
#[inline(always)]
fn step_slices<'a, T, C>(
    input: &'a [T],
    output: &'a mut [T],
    output_state: &'a mut [T],
    cell_state: &'a mut [C],
    [row, batch, input_size, units]: [usize; 4],
) -> Option<(&'a [T], &'a mut [T], &'a mut [T], &'a mut [C])> {
    let state_at = batch.wrapping_mul(units);
    Some((
        input
            .get(row.wrapping_mul(input_size)..)?
            .get(..input_size)?,
        span_mut(output, row.wrapping_mul(units), units)?,
        span_mut(output_state, state_at, units)?,
        span_mut(cell_state, state_at, units)?,
    ))
}

/// `slice[start..start + len]` mutably, or `None` where that is out of bounds.
#[inline(always)]
fn span_mut<T>(slice: &mut [T], start: usize, len: usize) -> Option<&mut [T]> {
    slice.get_mut(start..)?.get_mut(..len)
}

/// The weights of one gate of the float32 LSTM.
#[derive(Clone, Copy, Debug)]
pub struct LstmGateF32<'a> {
    /// Input weights, `[units][input_size]` row-major.
    pub input_weights: &'a [f32],
    /// One per unit (the model's bias; TFLM requires one).
    pub bias: &'a [f32],
    /// Recurrent weights, `[units][units]` row-major.
    pub recurrent_weights: &'a [f32],
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM with float32 input, weights, biases, states and output.
#[derive(Clone, Copy, Debug)]
pub struct LstmF32<'a> {
    /// Sizes and layout.
    pub shape: LstmShape,
    /// The input gate (sigmoid).
    pub input_gate: LstmGateF32<'a>,
    /// The forget gate (sigmoid).
    pub forget_gate: LstmGateF32<'a>,
    /// The cell gate (tanh).
    pub cell_gate: LstmGateF32<'a>,
    /// The output gate (sigmoid).
    pub output_gate: LstmGateF32<'a>,
    /// If the model clips (its `cell_clip` option is positive), the clip: the cell state is
    /// clamped to `[-clip, clip]` after each update.
    pub cell_clip: Option<f32>,
}

/// One unit's rows of one float gate, in unit order.
#[inline(always)]
fn gate_rows_f32<'a>(
    gate: &LstmGateF32<'a>,
    shape: &LstmShape,
) -> impl Iterator<Item = ((&'a [f32], f32), &'a [f32])> {
    chunks(gate.input_weights, shape.input_size)
        .zip(gate.bias.iter().copied())
        .zip(chunks(gate.recurrent_weights, shape.units))
}

/// `sum(xs[i] * ws[i])` from 0.0 in index order (TFLite's float FULLY_CONNECTED).
#[inline(always)]
fn dot_f32(xs: &[f32], ws: &[f32]) -> f32 {
    xs.iter().zip(ws).fold(0.0f32, |t, (&x, &w)| t + x * w)
}

/// TFLite's float `ActivationFunctionWithMinMax` with no activation: infinities become the
/// largest finite values, NaN passes.
#[inline(always)]
fn no_activation(x: f32) -> f32 {
    clamp_f32(x, f32::MIN, f32::MAX)
}

/// A float gate's pre-activation: the two FULLY_CONNECTEDs (the recurrent one without a bias,
/// which TFLite's kernel counts as `+ 0.0`), each clamped as TFLite does, then added.
#[inline(always)]
fn pre_activation_f32(x: &[f32], h: &[f32], rows: ((&[f32], f32), &[f32])) -> f32 {
    let ((w, bias), r) = rows;
    no_activation(dot_f32(x, w) + bias) + no_activation(dot_f32(h, r) + 0.0)
}

/// float32 UNIDIRECTIONAL_SEQUENCE_LSTM, following TensorFlow Lite Micro's reference path
/// operation for operation (`libm`'s `expf` and `tanhf` for the C library's, so results can
/// differ from TFLM's by an ulp or so per operation).
///
/// Slices as in [`lstm_i8`]: `output_state` and `cell_state` carry over between calls,
/// initialised (and reset) to 0. No scratch memory.
pub fn lstm_f32(
    p: &LstmF32,
    input: &[f32],
    output: &mut [f32],
    output_state: &mut [f32],
    cell_state: &mut [f32],
) {
    let shape = &p.shape;
    let (units, input_size) = (shape.units, shape.input_size);
    if units == 0 {
        return;
    }
    let clip = p.cell_clip;
    shape.for_each_step(|row, batch| {
        let Some((x, out, h, c)) = step_slices(
            input,
            output,
            output_state,
            cell_state,
            [row, batch, input_size, units],
        ) else {
            return;
        };
        let h_old: &[f32] = h;
        let units_iter = gate_rows_f32(&p.input_gate, shape)
            .zip(gate_rows_f32(&p.forget_gate, shape))
            .zip(gate_rows_f32(&p.cell_gate, shape))
            .zip(gate_rows_f32(&p.output_gate, shape))
            .zip(c.iter_mut())
            .zip(out.iter_mut());
        for (((((i_rows, f_rows), g_rows), o_rows), c), o) in units_iter {
            let forget = logistic(pre_activation_f32(x, h_old, f_rows));
            let input_gate = logistic(pre_activation_f32(x, h_old, i_rows));
            let cell_gate = libm::tanhf(pre_activation_f32(x, h_old, g_rows));
            let output_gate = logistic(pre_activation_f32(x, h_old, o_rows));
            let mut cell = no_activation(forget * *c) + no_activation(input_gate * cell_gate);
            if let Some(clip) = clip {
                // `std::max(std::min(clip, cell), -clip)`, NaN included.
                cell = if cell < clip { cell } else { clip };
                cell = if cell < -clip { -clip } else { cell };
            }
            *c = cell;
            *o = no_activation(libm::tanhf(cell) * output_gate);
        }
        copy(h, out);
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn table_follows_the_sigmoid() {
        for (i, &v) in SIGMOID_Q16.iter().enumerate() {
            let real = 65536.0 / (1.0 + libm::exp(-(i as f64) / 24.0));
            // TFLM's values are not the correctly rounded ones (entry 28 is 49975 for
            // 49973.95), but close; the LSTM goldens prove them TFLM's.
            assert!(
                (f64::from(v) - real.min(65535.0)).abs() <= 1.5,
                "{i}: {v} {real}"
            );
        }
        assert!(SIGMOID_Q16.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn nonlinearities_at_the_extremes() {
        assert_eq!(sigmoid_q15(0), 16384);
        // The largest Q3.12 value is about 8: sigmoid(8) = 0.99966 is 32757.9 in Q0.15.
        assert_eq!(sigmoid_q15(i16::MAX), 32757);
        assert_eq!(sigmoid_q15(i16::MIN), 11);
        // Q3.12 1.0: sigmoid(1) = 0.7311 in Q0.15 is 23955.6.
        assert!((i32::from(sigmoid_q15(4096)) - 23956).abs() <= 2);
        assert_eq!(tanh_q15(0, 3, 0, 0), 0);
        assert_eq!(tanh_q15(i16::MAX, 3, 0, 0), 32767);
        assert_eq!(tanh_q15(i16::MIN, 3, 0, 0), -32767);
        // tanh(1) = 0.7616 in Q0.15 is 24955.5.
        assert!((i32::from(tanh_q15(4096, 3, 0, 0)) - 24956).abs() <= 2);
        // Symmetric up to TFLite's rounding of each side.
        for x in [1i16, 100, 4096, 20000] {
            let (p, n) = (tanh_q15(x, 3, 0, 0), tanh_q15(-x, 3, 0, 0));
            assert!((i32::from(p) + i32::from(n)).abs() <= 1, "{x}: {p} {n}");
        }
        // A right shift (cell scale 2^-15) and an overflowing multiplier: values, no panic.
        // 8 at scale 2^-15 is 2^-12, whose tanh is 8 in Q0.15.
        assert_eq!(tanh_q15(8, 3, tanh_round(3), 3), 8);
        let _ = tanh_q15(i16::MIN, i32::MAX, 0, 40);
    }

    fn gate<'a>(weights: &'a [i8], bias: &'a [i32], recurrent: &'a [i8]) -> LstmGateI8<'a> {
        LstmGateI8 {
            input_weights: weights,
            input_bias: bias,
            input_multiplier: 1 << 30,
            input_shift: 1,
            recurrent_weights: recurrent,
            recurrent_bias: &[0, 0],
            recurrent_multiplier: 1 << 30,
            recurrent_shift: 1,
        }
    }

    /// Two units, one input, one batch; biases as Q3.12 pre-activations (the input weights are
    /// 0 and the multipliers 1).
    fn params<'a>(biases: &'a [[i32; 2]; 4], cell_clip: Option<i16>) -> LstmI8<'a> {
        const ZERO: [i8; 4] = [0; 4];
        LstmI8 {
            shape: LstmShape {
                batches: 1,
                time_steps: 3,
                input_size: 1,
                units: 2,
                time_major: false,
            },
            input_gate: gate(&ZERO[..2], &biases[0], &ZERO),
            forget_gate: gate(&ZERO[..2], &biases[1], &ZERO),
            cell_gate: gate(&ZERO[..2], &biases[2], &ZERO),
            output_gate: gate(&ZERO[..2], &biases[3], &ZERO),
            // Cell scale 2^-12: forget * cell -> cell is 2^-15, input * cell gate 2^-18.
            forget_cell_multiplier: 1 << 30,
            forget_cell_shift: -14,
            input_cell_multiplier: 1 << 30,
            input_cell_shift: -17,
            // Output state scale 2^-7.
            hidden_multiplier: 1 << 30,
            hidden_shift: -22,
            hidden_zero_point: 0,
            cell_tanh_multiplier: 3,
            cell_tanh_shift: 0,
            cell_clip,
        }
    }

    #[test]
    fn saturated_gates_grow_the_cell_to_its_clip() {
        // Input, forget and output gates fully open, cell gate +1 / -1.
        let biases = [[32767; 2], [32767; 2], [32767, -32768], [32767; 2]];
        let p = params(&biases, None);
        let (mut h, mut c, mut out) = ([0i8; 2], [0i16; 2], [0i8; 6]);
        lstm_i8(&p, &[5, 5, 5], &mut out, &mut h, &mut c);
        // Each step adds about +-1.0 (4096) to the cell: 3 steps, about +-3.
        assert!((12200..=12300).contains(&c[0]), "{c:?}");
        assert!((-12300..=-12200).contains(&c[1]), "{c:?}");
        // h = tanh(c) in units of 2^-7, about +-127 near saturation.
        assert_eq!(h, [out[4], out[5]]);
        assert!(out[4] >= 120 && out[5] <= -120, "{out:?}");
        // The clip holds the cell at +-1.0.
        let p = params(&biases, Some(4096));
        let (mut h, mut c) = ([0i8; 2], [0i16; 2]);
        lstm_i8(&p, &[5, 5, 5], &mut out, &mut h, &mut c);
        assert_eq!(c, [4096, -4096]);
        // A cell state at the int16 limits saturates, it does not wrap.
        let p = params(&biases, None);
        let (mut h, mut c) = ([0i8; 2], [i16::MAX, i16::MIN]);
        lstm_i8(&p, &[5, 5, 5], &mut out, &mut h, &mut c);
        assert_eq!(c, [i16::MAX, i16::MIN]);
        // tanh(-32768 * 2^-12) * sigmoid(8) is -127.96 in units of 2^-7: -128; the positive side
        // clamps to 127.
        assert_eq!(out, [127, -128, 127, -128, 127, -128]);
    }

    #[test]
    fn short_slices_and_zero_sizes_do_not_panic() {
        let biases = [[32767; 2]; 4];
        let p = params(&biases, Some(100));
        let (mut h, mut c, mut out) = ([0i8; 2], [0i16; 2], [9i8; 6]);
        // Two input values for three steps: the third step is skipped.
        lstm_i8(&p, &[1, 2], &mut out, &mut h, &mut c);
        assert_eq!(out[4..], [9, 9]);
        // A state too short for a batch: nothing runs.
        let mut out = [9i8; 6];
        lstm_i8(&p, &[1, 2, 3], &mut out, &mut h[..1], &mut c);
        assert_eq!(out, [9; 6]);
        let mut zero = p;
        zero.shape.units = 0;
        lstm_i8(&zero, &[1, 2, 3], &mut out, &mut h, &mut c);
        // Weights shorter than the shape: the units they do not cover are left as they are.
        let mut short = p;
        short.cell_gate.input_weights = &[0];
        let mut out = [9i8; 6];
        lstm_i8(&short, &[1, 2, 3], &mut out, &mut h, &mut c);
        assert_eq!([out[1], out[3], out[5]], [9, 9, 9]);
        // Extreme parameters: some values, no panic (debug builds trap on overflow).
        let mut wild = p;
        wild.input_gate.input_shift = 40;
        wild.hidden_shift = -40;
        wild.cell_tanh_multiplier = i32::MAX;
        wild.cell_tanh_shift = -1;
        wild.cell_clip = Some(i16::MIN);
        wild.hidden_zero_point = i32::MAX;
        lstm_i8(&wild, &[127, -128, 0], &mut out, &mut h, &mut c);
    }

    #[test]
    fn float_lstm_saturates_and_clips() {
        let w = [0.0f32; 4];
        let gate = |b: &'static [f32]| LstmGateF32 {
            input_weights: &w[..2],
            bias: b,
            recurrent_weights: &w,
        };
        let p = LstmF32 {
            shape: LstmShape {
                batches: 1,
                time_steps: 2,
                input_size: 1,
                units: 2,
                time_major: true,
            },
            input_gate: gate(&[100.0, 100.0]),
            forget_gate: gate(&[100.0, 100.0]),
            cell_gate: gate(&[100.0, -100.0]),
            output_gate: gate(&[100.0, 100.0]),
            cell_clip: Some(1.5),
        };
        let (mut h, mut c, mut out) = ([0f32; 2], [0f32; 2], [0f32; 4]);
        lstm_f32(&p, &[0.0, 0.0], &mut out, &mut h, &mut c);
        assert_eq!(c, [1.5, -1.5]);
        assert_eq!(out[2..], [libm::tanhf(1.5), -libm::tanhf(1.5)]);
        assert_eq!(h, [out[2], out[3]]);
        // An infinite pre-activation is clamped to the largest float (tanh 1); a NaN stays NaN
        // (and would reach every unit through the recurrent products at the next step).
        let mut inf = p;
        inf.shape.time_steps = 1;
        inf.cell_clip = None;
        inf.cell_gate.bias = &[f32::INFINITY, f32::NAN];
        let (mut h, mut c) = ([0f32; 2], [0f32; 2]);
        lstm_f32(&inf, &[0.0, 0.0], &mut out, &mut h, &mut c);
        assert_eq!(c[0], 1.0);
        assert!(c[1].is_nan());
    }
}
