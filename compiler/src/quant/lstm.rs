//! The compile-time constants of UNIDIRECTIONAL_SEQUENCE_LSTM (`embedml::kernels::lstm_i8` and
//! `lstm_f32`), computed from the operator's tensors as TensorFlow Lite Micro's `Prepare`
//! (`unidirectional_sequence_lstm.cc`, `lstm_eval_common.cc`) computes them.
//!
//! TFLM runs only the standard LSTM: input-to-input and recurrent-to-input weights present (no
//! CIFG), no peephole, projection or layer-normalisation tensors, every gate with a bias, the
//! output state and cell state variable tensors, the cell gate's activation (the operator's
//! fused activation) tanh. [`check_inputs`] and the builders reject everything else with a
//! message saying why.
//!
//! The int8 path (int8 input, weights and output state, int32 biases, int16 cell state):
//!
//! - each gate is two FULLY_CONNECTEDs to a Q3.12 int16 output (scale `2^-12`, zero point 0),
//!   with multipliers `double(input_scale) * double(weight_scale) / 2^-12` split by
//!   `QuantizeMultiplier`. The product is in double: TFLM's sources as fetched (August 2026)
//!   form it in float (`GetQuantizedConvolutionMultipler` without a bias), but the oracle, the
//!   `tflite_micro` package 0.dev20261023, gives the double product's results: in
//!   tests/golden/sequences/mnist_int8 (invoke 20, step 4, unit 11) the output gate's input product
//!   is 2490.375 before rounding with the double multiplier and 2490.37496 with the float one,
//!   and only 2491 gives TFLM's output. Only per-tensor weight scales (TFLM's LSTM reads the
//!   per-tensor multiplier, which it does not set for per-channel weights) and zero weight
//!   zero points;
//! - the element-wise products use `double(scale1) * double(scale2) / double(output_scale)`
//!   (`CreateInterGateMulParams`) with the gate outputs' scale `2^-15`;
//! - the cell state's scale enters as its rounded base-2 logarithm (`CheckedLog2`, in float;
//!   TFLM does not reject a scale that is not a power of two, it rounds), and the cell clip as
//!   `cell_clip / cell_scale` in double, clamped to int16 and truncated.
//!
//! The input and output-state zero points are folded into per-unit biases
//! (`bias - zero_point * sum(weight row)`), which TFLM's reference FULLY_CONNECTED adds to every
//! input instead: equal modulo 2^32, as its int32 accumulation is.

use super::{effective_scale_per_channel, quantize_multiplier};

/// Inputs of the operator, by TFLite's index (`lstm_shared.h`).
pub mod input {
    /// The input sequence.
    pub const INPUT: usize = 0;
    /// Input-to-gate weights: input, forget, cell, output gate.
    pub const INPUT_WEIGHTS: [usize; 4] = [1, 2, 3, 4];
    /// Recurrent (output-state-to-gate) weights, same order.
    pub const RECURRENT_WEIGHTS: [usize; 4] = [5, 6, 7, 8];
    /// Peephole weights (cell to input, forget, output gate); unsupported.
    pub const PEEPHOLE: [usize; 3] = [9, 10, 11];
    /// Gate biases, same order as the weights.
    pub const BIASES: [usize; 4] = [12, 13, 14, 15];
    /// Projection weights and bias; unsupported.
    pub const PROJECTION: [usize; 2] = [16, 17];
    /// The output state (variable).
    pub const OUTPUT_STATE: usize = 18;
    /// The cell state (variable).
    pub const CELL_STATE: usize = 19;
    /// Layer-normalisation coefficients; unsupported.
    pub const LAYER_NORM: [usize; 4] = [20, 21, 22, 23];
    /// The number of inputs TFLM requires.
    pub const COUNT: usize = 24;
}

/// TFLite's `ActivationFunctionType` code of TANH, the only cell-gate activation TFLM
/// evaluates (its flatbuffer schema has no sigmoid activation code).
pub const FUSED_ACTIVATION_TANH: i8 = 4;

/// The scale of gate pre-activations, Q3.12 (`2^-12`, TFLM's `nonlinear_input_scale`).
const PRE_ACTIVATION_SCALE: f32 = 1.0 / 4096.0;
/// The scale of gate outputs, Q0.15 (`2^-15`, TFLM's `nonlinear_output_scale`).
const GATE_OUTPUT_SCALE: f32 = 1.0 / 32768.0;

/// Checks which of the operator's inputs are present (`present[i]` for input `i`; missing
/// trailing entries count as absent), as TFLM's `ValidateTensorStatus` does.
pub fn check_inputs(present: &[bool]) -> Result<(), String> {
    let has = |i: usize| present.get(i).copied().unwrap_or(false);
    if present.len() != input::COUNT {
        return Err(format!(
            "it has {} inputs; TFLM's UNIDIRECTIONAL_SEQUENCE_LSTM takes {}",
            present.len(),
            input::COUNT
        ));
    }
    if !has(input::INPUT_WEIGHTS[0]) || !has(input::RECURRENT_WEIGHTS[0]) {
        return Err(
            "it couples the input and forget gates (CIFG: no input-gate weights), \
                    which TFLM's LSTM does not support"
                .to_owned(),
        );
    }
    if input::PEEPHOLE.iter().any(|&i| has(i)) {
        return Err("it has peephole weights, which TFLM's LSTM does not support".to_owned());
    }
    if input::PROJECTION.iter().any(|&i| has(i)) {
        return Err("it has a projection, which TFLM's LSTM does not support".to_owned());
    }
    if input::LAYER_NORM.iter().any(|&i| has(i)) {
        return Err(
            "it has layer-normalisation coefficients, which TFLM's LSTM does not support"
                .to_owned(),
        );
    }
    let required = [input::INPUT, input::OUTPUT_STATE, input::CELL_STATE]
        .into_iter()
        .chain(input::INPUT_WEIGHTS)
        .chain(input::RECURRENT_WEIGHTS)
        .chain(input::BIASES);
    for i in required {
        if !has(i) {
            return Err(format!("its input {i} is missing; TFLM's LSTM requires it"));
        }
    }
    Ok(())
}

/// Checks the fused activation (the cell gate's) is TANH.
pub fn check_activation(fused_activation: i8) -> Result<(), String> {
    if fused_activation == FUSED_ACTIVATION_TANH {
        Ok(())
    } else {
        Err(format!(
            "its fused activation (the cell gate's) has code {fused_activation}; TFLM's LSTM \
             evaluates only TANH ({FUSED_ACTIVATION_TANH})"
        ))
    }
}

/// Sizes and layout, as `embedml::kernels::LstmShape`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LstmShape {
    /// Independent sequences.
    pub batches: usize,
    /// Time steps per call.
    pub time_steps: usize,
    /// Values per input row.
    pub input_size: usize,
    /// Cells.
    pub units: usize,
    /// `[time_steps, batches, n]` layout (else `[batches, time_steps, n]`).
    pub time_major: bool,
}

impl LstmShape {
    /// The shape from the input's shape, the output state's and the option, as TFLM's
    /// `CreateLstmSizeInfo` reads them, checked as its `ValidateTensorSize` does (the weights'
    /// and biases' sizes are checked by the builders). The output state may be 1-D or 2-D as
    /// long as it holds `batches * units` values; its last dimension is the unit count.
    pub fn from_shapes(
        input: &[usize],
        output_state: &[usize],
        output: &[usize],
        time_major: bool,
    ) -> Result<LstmShape, String> {
        let &[a, b, input_size] = input else {
            return Err(format!(
                "its input has shape {input:?}; it must have rank 3"
            ));
        };
        let (batches, time_steps) = if time_major { (b, a) } else { (a, b) };
        // TFLM reads `dims->data[1]` of the output state.
        let &[_, units] = output_state else {
            return Err(format!(
                "its output state has shape {output_state:?}; TFLM's LSTM reads it as \
                 [batches, units]"
            ));
        };
        if output_state.iter().product::<usize>() != batches.saturating_mul(units) {
            return Err(format!(
                "its output state has shape {output_state:?}; it must hold batches ({batches}) \
                 x units ({units}) values"
            ));
        }
        if output != [a, b, units] {
            return Err(format!(
                "its output has shape {output:?}; it must be {:?}",
                [a, b, units]
            ));
        }
        Ok(LstmShape {
            batches,
            time_steps,
            input_size,
            units,
            time_major,
        })
    }
}

/// A tensor's per-tensor quantization: `real = scale * (q - zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorQuant {
    /// The scale (the model's `f32`).
    pub scale: f32,
    /// The zero point.
    pub zero_point: i32,
}

/// One gate's int8 weights and int32 bias as the model stores them.
#[derive(Clone, Copy, Debug)]
pub struct GateI8<'a> {
    /// Input-to-gate weights, `[units][input_size]`.
    pub input_weights: &'a [i8],
    /// Their scales (exactly one: TFLM's LSTM supports only per-tensor weights).
    pub input_weight_scales: &'a [f32],
    /// Their zero points (must be 0, or absent).
    pub input_weight_zero_points: &'a [i64],
    /// Recurrent weights, `[units][units]`.
    pub recurrent_weights: &'a [i8],
    /// Their scales (exactly one).
    pub recurrent_weight_scales: &'a [f32],
    /// Their zero points (must be 0, or absent).
    pub recurrent_weight_zero_points: &'a [i64],
    /// The gate's bias, `[units]`.
    pub bias: &'a [i32],
}

/// The int8 operator's tensors: data, quantization and options.
#[derive(Clone, Copy, Debug)]
pub struct LstmI8Tensors<'a> {
    /// Sizes and layout.
    pub shape: LstmShape,
    /// The input's quantization.
    pub input: TensorQuant,
    /// The output state's quantization (the output's is not used: TFLM copies the output state
    /// to the output).
    pub output_state: TensorQuant,
    /// The cell state's scale (its zero point is taken as 0, as TFLM does).
    pub cell_state_scale: f32,
    /// The operator's `cell_clip` option (no clip unless positive).
    pub cell_clip: f32,
    /// The input gate.
    pub input_gate: GateI8<'a>,
    /// The forget gate.
    pub forget_gate: GateI8<'a>,
    /// The cell gate.
    pub cell_gate: GateI8<'a>,
    /// The output gate.
    pub output_gate: GateI8<'a>,
}

/// One gate's parameters, the values of `embedml::kernels::LstmGateI8`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LstmGateI8Params {
    /// Input weights, `[units][input_size]` (as in the model).
    pub input_weights: Vec<i8>,
    /// Per unit: bias `- input_zero_point * sum(input weight row)`, wrapping.
    pub input_bias: Vec<i32>,
    /// Multiplier of the input product to Q3.12.
    pub input_multiplier: i32,
    /// Its exponent.
    pub input_shift: i32,
    /// Recurrent weights, `[units][units]` (as in the model).
    pub recurrent_weights: Vec<i8>,
    /// Per unit: `- output_state_zero_point * sum(recurrent weight row)`, wrapping.
    pub recurrent_bias: Vec<i32>,
    /// Multiplier of the recurrent product to Q3.12.
    pub recurrent_multiplier: i32,
    /// Its exponent.
    pub recurrent_shift: i32,
}

/// The values of `embedml::kernels::LstmI8`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LstmI8Params {
    /// Sizes and layout.
    pub shape: LstmShape,
    /// The input gate.
    pub input_gate: LstmGateI8Params,
    /// The forget gate.
    pub forget_gate: LstmGateI8Params,
    /// The cell gate.
    pub cell_gate: LstmGateI8Params,
    /// The output gate.
    pub output_gate: LstmGateI8Params,
    /// `forget * cell -> cell`.
    pub forget_cell_multiplier: i32,
    /// Its exponent.
    pub forget_cell_shift: i32,
    /// `input * cell gate -> cell`.
    pub input_cell_multiplier: i32,
    /// Its exponent.
    pub input_cell_shift: i32,
    /// `tanh(cell) * output gate -> output state`.
    pub hidden_multiplier: i32,
    /// Its exponent.
    pub hidden_shift: i32,
    /// The output state's zero point.
    pub hidden_zero_point: i32,
    /// The cell state's tanh input multiplier (TFLM's power-of-two case resolved).
    pub cell_tanh_multiplier: i32,
    /// Its right shift, in `0..=31`.
    pub cell_tanh_shift: i32,
    /// The quantized cell clip, if the model clips.
    pub cell_clip: Option<i16>,
}

/// The base-2 logarithm of `x` rounded to an integer, as TFLite's `CheckedLog2` computes it in
/// float (`log(x) * (1 / log(2))`, rounded half away from zero), and whether `x` is within
/// 1e-3 (in the exponent) of that power of two.
pub fn checked_log2(x: f32) -> (i32, bool) {
    let log2 = x.ln() * (1.0f32 / 2.0f32.ln());
    let rounded = log2.round();
    (rounded as i32, (log2 - rounded).abs() < 1e-3)
}

/// The cell state's tanh input scaling `(multiplier, right_shift)` for a cell scale of
/// `2^power`: TFLM's `lstm_internal::Tanh` with its shift `15 + power - 3` and
/// `reference_integer_ops::Tanh`'s power-of-two case folded together.
pub fn cell_tanh_scaling(power: i32) -> Result<(i32, i32), String> {
    let shift = 15 + power - 3;
    match shift {
        // `3 << shift` must fit in an int32 (TFLM's overflows, undefined, beyond).
        0..=29 => Ok((3 << shift, 0)),
        -31..=-1 => Ok((3, -shift)),
        _ => Err(format!(
            "its cell state's scale 2^{power} is out of the range TFLM's int16 tanh handles \
             (2^-43 to 2^17)"
        )),
    }
}

/// The quantized cell clip of a positive `cell_clip`: `cell_clip / cell_scale` in double,
/// clamped to the int16 range and truncated (TFLM's `CreateLstmCellStateInfo`); `None` for no
/// clip (TFLM clips only if `cell_clip > 0`).
pub fn quantized_cell_clip(cell_clip: f32, cell_scale: f32) -> Option<i16> {
    (cell_clip > 0.0)
        .then(|| (f64::from(cell_clip) / f64::from(cell_scale)).clamp(-32768.0, 32767.0) as i16)
}

/// `QuantizeMultiplier(double(scale1) * double(scale2) / double(output_scale))`, TFLM's
/// `CreateInterGateMulParams`.
pub fn inter_gate_multiplier(scale1: f32, scale2: f32, output_scale: f32) -> (i32, i32) {
    quantize_multiplier(f64::from(scale1) * f64::from(scale2) / f64::from(output_scale))
}

/// `bias[j] - zero_point * sum(weights row j)` for each unit, in wrapping int32 (no bias: 0).
pub fn fold_zero_point(
    weights: &[i8],
    row_len: usize,
    bias: Option<&[i32]>,
    zero_point: i32,
    units: usize,
) -> Vec<i32> {
    (0..units)
        .map(|j| {
            let row = weights
                .get(j * row_len..(j + 1) * row_len)
                .unwrap_or_default();
            let sum = row
                .iter()
                .map(|&w| i32::from(w))
                .fold(0i32, i32::wrapping_add);
            let b = bias.and_then(|b| b.get(j)).copied().unwrap_or(0);
            b.wrapping_add(zero_point.wrapping_neg().wrapping_mul(sum))
        })
        .collect()
}

/// The one weight scale of a per-tensor weight tensor with zero point 0.
fn weight_scale(name: &str, scales: &[f32], zero_points: &[i64]) -> Result<f32, String> {
    let &[scale] = scales else {
        return Err(format!(
            "its {name} weights have {} scales; TFLM's LSTM supports only one (per-tensor)",
            scales.len()
        ));
    };
    if zero_points.iter().any(|&z| z != 0) {
        return Err(format!(
            "its {name} weights have a non-zero zero point; TFLM's LSTM requires symmetric \
             weights"
        ));
    }
    if !(scale.is_finite() && scale > 0.0) {
        return Err(format!("its {name} weights have scale {scale}"));
    }
    Ok(scale)
}

/// Checks a slice's length.
fn check_len(what: &str, len: usize, expected: usize) -> Result<(), String> {
    if len == expected {
        Ok(())
    } else {
        Err(format!(
            "its {what} has {len} values; it must have {expected}"
        ))
    }
}

fn gate_i8(
    name: &str,
    gate: &GateI8,
    shape: &LstmShape,
    input: TensorQuant,
    output_state: TensorQuant,
) -> Result<LstmGateI8Params, String> {
    let (units, input_size) = (shape.units, shape.input_size);
    check_len(
        &format!("{name} gate's input weights"),
        gate.input_weights.len(),
        units.saturating_mul(input_size),
    )?;
    check_len(
        &format!("{name} gate's recurrent weights"),
        gate.recurrent_weights.len(),
        units.saturating_mul(units),
    )?;
    check_len(&format!("{name} gate's bias"), gate.bias.len(), units)?;
    let input_weight_scale = weight_scale(
        &format!("{name}-gate input"),
        gate.input_weight_scales,
        gate.input_weight_zero_points,
    )?;
    let recurrent_weight_scale = weight_scale(
        &format!("{name}-gate recurrent"),
        gate.recurrent_weight_scales,
        gate.recurrent_weight_zero_points,
    )?;
    let (input_multiplier, input_shift) = quantize_multiplier(effective_scale_per_channel(
        input.scale,
        input_weight_scale,
        PRE_ACTIVATION_SCALE,
    ));
    let (recurrent_multiplier, recurrent_shift) = quantize_multiplier(effective_scale_per_channel(
        output_state.scale,
        recurrent_weight_scale,
        PRE_ACTIVATION_SCALE,
    ));
    Ok(LstmGateI8Params {
        input_weights: gate.input_weights.to_vec(),
        input_bias: fold_zero_point(
            gate.input_weights,
            input_size,
            Some(gate.bias),
            input.zero_point,
            units,
        ),
        input_multiplier,
        input_shift,
        recurrent_weights: gate.recurrent_weights.to_vec(),
        recurrent_bias: fold_zero_point(
            gate.recurrent_weights,
            units,
            None,
            output_state.zero_point,
            units,
        ),
        recurrent_multiplier,
        recurrent_shift,
    })
}

/// The int8 kernel's parameters from the operator's tensors, as TFLM's `Prepare` computes them
/// (see the module documentation). Call [`check_inputs`] and [`check_activation`] first.
pub fn lstm_i8_params(t: &LstmI8Tensors) -> Result<LstmI8Params, String> {
    let shape = t.shape;
    for (what, zero_point) in [
        ("input", t.input.zero_point),
        ("output state", t.output_state.zero_point),
    ] {
        if !(-128..=127).contains(&zero_point) {
            return Err(format!(
                "its {what} has zero point {zero_point}, outside int8"
            ));
        }
    }
    for (what, scale) in [
        ("input", t.input.scale),
        ("output state", t.output_state.scale),
        ("cell state", t.cell_state_scale),
    ] {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(format!("its {what} has scale {scale}"));
        }
    }
    let gate = |name, g| gate_i8(name, g, &shape, t.input, t.output_state);
    let cell_scale = t.cell_state_scale;
    let (forget_cell_multiplier, forget_cell_shift) =
        inter_gate_multiplier(GATE_OUTPUT_SCALE, cell_scale, cell_scale);
    let (input_cell_multiplier, input_cell_shift) =
        inter_gate_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, cell_scale);
    let (hidden_multiplier, hidden_shift) =
        inter_gate_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, t.output_state.scale);
    let (power, _) = checked_log2(cell_scale);
    let (cell_tanh_multiplier, cell_tanh_shift) = cell_tanh_scaling(power)?;
    Ok(LstmI8Params {
        shape,
        input_gate: gate("input", &t.input_gate)?,
        forget_gate: gate("forget", &t.forget_gate)?,
        cell_gate: gate("cell", &t.cell_gate)?,
        output_gate: gate("output", &t.output_gate)?,
        forget_cell_multiplier,
        forget_cell_shift,
        input_cell_multiplier,
        input_cell_shift,
        hidden_multiplier,
        hidden_shift,
        hidden_zero_point: t.output_state.zero_point,
        cell_tanh_multiplier,
        cell_tanh_shift,
        cell_clip: quantized_cell_clip(t.cell_clip, cell_scale),
    })
}

/// One gate's float32 weights and bias.
#[derive(Clone, Copy, Debug)]
pub struct GateF32<'a> {
    /// Input-to-gate weights, `[units][input_size]`.
    pub input_weights: &'a [f32],
    /// Recurrent weights, `[units][units]`.
    pub recurrent_weights: &'a [f32],
    /// The gate's bias, `[units]`.
    pub bias: &'a [f32],
}

/// One gate's parameters, the values of `embedml::kernels::LstmGateF32`.
#[derive(Clone, Debug, PartialEq)]
pub struct LstmGateF32Params {
    /// Input weights, `[units][input_size]`.
    pub input_weights: Vec<f32>,
    /// One per unit.
    pub bias: Vec<f32>,
    /// Recurrent weights, `[units][units]`.
    pub recurrent_weights: Vec<f32>,
}

/// The values of `embedml::kernels::LstmF32`.
#[derive(Clone, Debug, PartialEq)]
pub struct LstmF32Params {
    /// Sizes and layout.
    pub shape: LstmShape,
    /// The input gate.
    pub input_gate: LstmGateF32Params,
    /// The forget gate.
    pub forget_gate: LstmGateF32Params,
    /// The cell gate.
    pub cell_gate: LstmGateF32Params,
    /// The output gate.
    pub output_gate: LstmGateF32Params,
    /// The cell clip, if the model clips (`cell_clip > 0`).
    pub cell_clip: Option<f32>,
}

/// The float32 kernel's parameters: the gates' data (sizes checked) and the clip. Call
/// [`check_inputs`] and [`check_activation`] first.
pub fn lstm_f32_params(
    shape: LstmShape,
    cell_clip: f32,
    gates: [GateF32; 4],
) -> Result<LstmF32Params, String> {
    let gate = |name: &str, g: &GateF32| -> Result<LstmGateF32Params, String> {
        check_len(
            &format!("{name} gate's input weights"),
            g.input_weights.len(),
            shape.units.saturating_mul(shape.input_size),
        )?;
        check_len(
            &format!("{name} gate's recurrent weights"),
            g.recurrent_weights.len(),
            shape.units.saturating_mul(shape.units),
        )?;
        check_len(&format!("{name} gate's bias"), g.bias.len(), shape.units)?;
        Ok(LstmGateF32Params {
            input_weights: g.input_weights.to_vec(),
            bias: g.bias.to_vec(),
            recurrent_weights: g.recurrent_weights.to_vec(),
        })
    };
    let [input_gate, forget_gate, cell_gate, output_gate] = gates;
    Ok(LstmF32Params {
        shape,
        input_gate: gate("input", &input_gate)?,
        forget_gate: gate("forget", &forget_gate)?,
        cell_gate: gate("cell", &cell_gate)?,
        output_gate: gate("output", &output_gate)?,
        cell_clip: (cell_clip > 0.0).then_some(cell_clip),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_of_the_standard_lstm_only() {
        let mut present = [true; 24];
        for i in [9, 10, 11, 16, 17, 20, 21, 22, 23] {
            present[i] = false;
        }
        assert_eq!(check_inputs(&present), Ok(()));
        let mut cifg = present;
        cifg[1] = false;
        assert!(check_inputs(&cifg).unwrap_err().contains("CIFG"));
        let mut peephole = present;
        peephole[10] = true;
        assert!(check_inputs(&peephole).unwrap_err().contains("peephole"));
        let mut projection = present;
        projection[16] = true;
        assert!(
            check_inputs(&projection)
                .unwrap_err()
                .contains("projection")
        );
        let mut norm = present;
        norm[22] = true;
        assert!(
            check_inputs(&norm)
                .unwrap_err()
                .contains("layer-normalisation")
        );
        let mut no_bias = present;
        no_bias[13] = false;
        assert!(check_inputs(&no_bias).unwrap_err().contains("input 13"));
        assert!(
            check_inputs(&present[..20])
                .unwrap_err()
                .contains("20 inputs")
        );
        assert_eq!(check_activation(4), Ok(()));
        assert!(check_activation(0).unwrap_err().contains("TANH"));
    }

    #[test]
    fn cell_scale_constants() {
        assert_eq!(checked_log2(1.0 / 4096.0), (-12, true));
        assert_eq!(checked_log2(1.0 / 2048.0), (-11, true));
        assert!(!checked_log2(0.3).1);
        // 2^-11: shift 1, the power-of-two case 3 << 1.
        assert_eq!(cell_tanh_scaling(-11), Ok((6, 0)));
        assert_eq!(cell_tanh_scaling(-12), Ok((3, 0)));
        assert_eq!(cell_tanh_scaling(-15), Ok((3, 3)));
        assert!(cell_tanh_scaling(18).is_err());
        // 10 / 2^-12 = 40960: clamped.
        assert_eq!(quantized_cell_clip(10.0, 1.0 / 4096.0), Some(32767));
        assert_eq!(quantized_cell_clip(0.75, 1.0 / 32768.0), Some(24576));
        // Truncated, not rounded.
        assert_eq!(quantized_cell_clip(0.1, 1.0 / 4096.0), Some(409));
        assert_eq!(quantized_cell_clip(0.0, 1.0 / 4096.0), None);
        assert_eq!(quantized_cell_clip(-1.0, 1.0 / 4096.0), None);
        // forget * cell -> cell is exactly 2^-15.
        assert_eq!(
            inter_gate_multiplier(GATE_OUTPUT_SCALE, 0.001, 0.001),
            (1 << 30, -14)
        );
    }

    #[test]
    fn zero_points_fold_into_the_bias() {
        let weights = [1, -2, 3, 4, 5, -6];
        assert_eq!(
            fold_zero_point(&weights, 3, Some(&[10, 20]), -5, 2),
            vec![10 + 5 * 2, 20 + 5 * 3]
        );
        assert_eq!(fold_zero_point(&weights, 3, None, 2, 2), vec![-4, -6]);
    }

    #[test]
    fn shapes_batch_and_time_major() {
        let s = LstmShape::from_shapes(&[2, 5, 7], &[2, 12], &[2, 5, 12], false).unwrap();
        assert_eq!(
            (s.batches, s.time_steps, s.input_size, s.units),
            (2, 5, 7, 12)
        );
        let s = LstmShape::from_shapes(&[5, 2, 7], &[2, 12], &[5, 2, 12], true).unwrap();
        assert_eq!((s.batches, s.time_steps), (2, 5));
        assert!(LstmShape::from_shapes(&[5, 2, 7], &[3, 12], &[5, 2, 12], true).is_err());
        assert!(LstmShape::from_shapes(&[5, 2, 7], &[2, 12], &[5, 2, 11], true).is_err());
        assert!(LstmShape::from_shapes(&[5, 7], &[2, 12], &[5, 2, 11], true).is_err());
    }

    fn gate<'a>(w: &'a [i8], r: &'a [i8], b: &'a [i32], scales: &'a [f32]) -> GateI8<'a> {
        GateI8 {
            input_weights: w,
            input_weight_scales: scales,
            input_weight_zero_points: &[0],
            recurrent_weights: r,
            recurrent_weight_scales: scales,
            recurrent_weight_zero_points: &[0],
            bias: b,
        }
    }

    fn tensors(g: GateI8<'_>) -> LstmI8Tensors<'_> {
        LstmI8Tensors {
            shape: LstmShape {
                batches: 1,
                time_steps: 1,
                input_size: 3,
                units: 2,
                time_major: false,
            },
            input: TensorQuant {
                scale: 0.02,
                zero_point: -3,
            },
            output_state: TensorQuant {
                scale: 1.0 / 128.0,
                zero_point: 4,
            },
            cell_state_scale: 1.0 / 2048.0,
            cell_clip: 0.0,
            input_gate: g,
            forget_gate: g,
            cell_gate: g,
            output_gate: g,
        }
    }

    #[test]
    fn int8_params_fold_and_reject_per_channel_and_asymmetric_weights() {
        let (w, r, b) = ([1i8; 6], [1i8; 4], [0i32; 2]);
        let p = lstm_i8_params(&tensors(gate(&w, &r, &b, &[0.01]))).unwrap();
        // -(-3) * 3 and -(4) * 2.
        assert_eq!(p.input_gate.input_bias, vec![9, 9]);
        assert_eq!(p.input_gate.recurrent_bias, vec![-8, -8]);
        assert_eq!(
            (p.input_gate.input_multiplier, p.input_gate.input_shift),
            quantize_multiplier(
                f64::from(0.02f32) * f64::from(0.01f32) / f64::from(1.0f32 / 4096.0)
            )
        );
        assert_eq!((p.cell_tanh_multiplier, p.cell_tanh_shift), (6, 0));
        assert_eq!(p.cell_clip, None);
        let per_channel = gate(&w, &r, &b, &[0.01, 0.02]);
        assert!(
            lstm_i8_params(&tensors(per_channel))
                .unwrap_err()
                .contains("per-tensor")
        );
        let mut asymmetric = gate(&w, &r, &b, &[0.01]);
        asymmetric.recurrent_weight_zero_points = &[1];
        assert!(
            lstm_i8_params(&tensors(asymmetric))
                .unwrap_err()
                .contains("symmetric")
        );
        let short = gate(&w[..5], &r, &b, &[0.01]);
        assert!(
            lstm_i8_params(&tensors(short))
                .unwrap_err()
                .contains("5 values")
        );
    }
}
