//! UNIDIRECTIONAL_SEQUENCE_LSTM: int8 (int8 activations and weights, int32 biases, an int16
//! cell state) and float32, the standard LSTM TFLM runs (see [`crate::quant::lstm`]). The
//! output state (input 18) and the cell state (input 19) are variable tensors: they live in the
//! model's state, outside the arena, and the kernel carries them from one invoke to the next.
//! Every constant is computed here at build time; the weights are the model's own tensors.

use crate::error::Error;
use crate::ir::{ElementType, Tensor};
use crate::kernel::{self, Constant, Slice, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::lstm::{
    self as q, GateF32, GateI8, LstmF32Params, LstmGateI8Params, LstmI8Params, LstmI8Tensors,
    TensorQuant, input,
};
use crate::tflite::options_table;

use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of UNIDIRECTIONAL_SEQUENCE_LSTM (the 71st member of `BuiltinOptions`).
    UnidirectionalSequenceLstmOptions = 71 {
        /// The cell gate's activation (TFLM evaluates TANH only).
        fused_activation_function: i8 = 0,
        /// The cell state's clip; 0 (or absent) for none.
        cell_clip: f32 = 1,
        /// The projection's clip (there is no projection in the LSTMs TFLM runs).
        proj_clip: f32 = 2,
        /// `[time, batch, n]` input and output (else `[batch, time, n]`).
        time_major: bool = 3,
        /// Hybrid models: quantize float inputs at run time (not supported).
        asymmetric_quantize_inputs: bool = 4,
        /// The recurrent weights are diagonals, one vector per gate (not supported).
        diagonal_recurrent_tensors: bool = 5,
    }
);

/// What the user can do about a model whose LSTM is not the standard one.
const STANDARD_LSTM_HINT: &str = "embedml runs the LSTMs TFLM runs: build the layer without \
    peepholes, projection, layer normalisation or coupled input and forget gates, with a TANH \
    cell activation, as the TFLite converter's fused Keras LSTM is";

/// What the user can do about weights or scales TFLM's int8 LSTM cannot take.
const QUANTIZATION_HINT: &str = "quantize the LSTM as the TFLite converter's int8 LSTM is: \
    per-tensor symmetric int8 weights, int32 biases, an int16 cell state with a power-of-two \
    scale";

/// The computed parameters of one precision.
#[derive(Clone, Debug, PartialEq)]
pub enum LstmParams {
    /// int8, with the cell state in int16.
    Int8(Box<LstmI8Params>),
    /// float32.
    Float32(Box<LstmF32Params>),
}

/// A checked UNIDIRECTIONAL_SEQUENCE_LSTM.
#[derive(Clone, Debug, PartialEq)]
pub struct Lstm {
    /// The input sequence.
    pub input: usize,
    /// The output sequence.
    pub output: usize,
    /// Input-to-gate weights: input, forget, cell, output gate.
    pub input_weights: [usize; 4],
    /// Recurrent weights, same order.
    pub recurrent_weights: [usize; 4],
    /// Biases, same order.
    pub biases: [usize; 4],
    /// The output state (a variable tensor).
    pub output_state: usize,
    /// The cell state (a variable tensor).
    pub cell_state: usize,
    /// Every constant the kernel needs, computed as TFLM's Prepare computes it.
    pub params: LstmParams,
}

/// The tensor's quantization, which an int8 LSTM's tensor must have.
fn quantization<'t>(
    cx: &Check,
    tensor: &'t Tensor,
    what: &str,
) -> Result<&'t crate::ir::Quantization, Error> {
    match &tensor.quantization {
        Some(quantization) if !quantization.scales.is_empty() => Ok(quantization),
        _ => Err(cx.tensor_error(
            tensor,
            format!("the {what} is not quantized; an int8 LSTM needs every tensor quantized ({QUANTIZATION_HINT})"),
        )),
    }
}

/// A per-tensor quantization as [`TensorQuant`].
fn per_tensor(cx: &Check, t: usize, what: &str) -> Result<TensorQuant, Error> {
    let tensor = cx.tensor(t);
    let q = quantization(cx, tensor, what)?;
    if q.scales.len() != 1 {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} has {} scales; it must have one ({QUANTIZATION_HINT})",
                q.scales.len()
            ),
        ));
    }
    let zero_point = q.zero_points.first().copied().unwrap_or(0);
    let zero_point = i32::try_from(zero_point).map_err(|_| {
        cx.tensor_error(
            tensor,
            format!("the {what} has zero point {zero_point}, outside int32"),
        )
    })?;
    Ok(TensorQuant {
        scale: q.scales[0],
        zero_point,
    })
}

/// A state tensor: a variable tensor with a slot in the model's state, of `element_type`, with
/// `len` values.
fn state_tensor(
    cx: &Check,
    t: usize,
    what: &str,
    element_type: ElementType,
    len: usize,
) -> Result<(), Error> {
    let tensor = cx.tensor(t);
    if !tensor.is_variable || cx.state.slot(t).is_none() {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} is not a variable tensor; TFLM keeps it across invokes as one (convert \
                 the model with a stateful LSTM, as the TFLite converter does)"
            ),
        ));
    }
    if tensor.element_type != element_type {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} has type {}; this LSTM needs {} ({QUANTIZATION_HINT})",
                tensor.element_type.name(),
                element_type.name()
            ),
        ));
    }
    if tensor.len() != len {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} has shape {:?}; it must hold batches x units = {len} values",
                tensor.shape
            ),
        ));
    }
    Ok(())
}

impl Operator for Lstm {
    const NAMES: &'static [&'static str] = &["UNIDIRECTIONAL_SEQUENCE_LSTM"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o: UnidirectionalSequenceLstmOptions = cx.required_options()?;
        let hint = |e: String| cx.error(format!("{e} ({STANDARD_LSTM_HINT})"));
        let present: Vec<bool> = (0..cx.op.inputs.len())
            .map(|i| cx.op.input(i).is_some())
            .collect();
        q::check_inputs(&present).map_err(hint)?;
        q::check_activation(o.fused_activation_function().unwrap_or(0)).map_err(hint)?;
        if o.diagonal_recurrent_tensors().unwrap_or(false) {
            return Err(cx.error(format!(
                "its recurrent weights are diagonal (diagonal_recurrent_tensors), which TFLM's LSTM \
                 does not evaluate ({STANDARD_LSTM_HINT})"
            )));
        }
        let input = cx.input(input::INPUT, "input")?;
        let output = cx.output()?;
        let output_state = cx.input(input::OUTPUT_STATE, "output state")?;
        let cell_state = cx.input(input::CELL_STATE, "cell state")?;
        let gate_inputs = |indices: [usize; 4], what: &str| -> Result<[usize; 4], Error> {
            let mut tensors = [0; 4];
            for (t, i) in tensors.iter_mut().zip(indices) {
                *t = cx.input(i, what)?;
            }
            Ok(tensors)
        };
        let input_weights = gate_inputs(input::INPUT_WEIGHTS, "input weights")?;
        let recurrent_weights = gate_inputs(input::RECURRENT_WEIGHTS, "recurrent weights")?;
        let biases = gate_inputs(input::BIASES, "bias")?;
        let precision = cx.precision(input, output)?;
        let time_major = o.time_major().unwrap_or(false);
        let shape = q::LstmShape::from_shapes(
            &cx.tensor(input).shape,
            &cx.tensor(output_state).shape,
            &cx.tensor(output).shape,
            time_major,
        )
        .map_err(|e| cx.error(e))?;
        let state_len = shape.batches.saturating_mul(shape.units);
        let cell_clip = o.cell_clip().unwrap_or(0.0);
        let names = ["input", "forget", "cell", "output"];
        let weights_type = precision.weights_type();
        let bias_type = match precision {
            Precision::Int16 => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => ElementType::Int32,
            Precision::Float32 => ElementType::Float32,
        };
        for g in 0..4 {
            if precision == Precision::Float32
                && cx.tensor(input_weights[g]).element_type != ElementType::Float32
            {
                return Err(cx.error(
                    "it is a hybrid LSTM (float32 activations with integer weights), which \
                     embedml does not run: quantize the whole model to int8, or keep it float32",
                ));
            }
            cx.constant(
                input_weights[g],
                weights_type,
                &format!("{} gate's input weights", names[g]),
            )?;
            cx.constant(
                recurrent_weights[g],
                weights_type,
                &format!("{} gate's recurrent weights", names[g]),
            )?;
            cx.constant(biases[g], bias_type, &format!("{} gate's bias", names[g]))?;
        }
        let params = match precision {
            Precision::Int16 => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => {
                state_tensor(
                    cx,
                    output_state,
                    "output state",
                    ElementType::Int8,
                    state_len,
                )?;
                state_tensor(cx, cell_state, "cell state", ElementType::Int16, state_len)?;
                let data: Vec<(Vec<i8>, Vec<i8>, Vec<i32>)> = (0..4)
                    .map(|g| {
                        (
                            cx.tensor(input_weights[g]).i8s(),
                            cx.tensor(recurrent_weights[g]).i8s(),
                            cx.tensor(biases[g]).i32s(),
                        )
                    })
                    .collect();
                let mut weight_q = Vec::with_capacity(4);
                for g in 0..4 {
                    let what = |kind: &str| format!("{} gate's {kind} weights", names[g]);
                    weight_q.push((
                        quantization(cx, cx.tensor(input_weights[g]), &what("input"))?,
                        quantization(cx, cx.tensor(recurrent_weights[g]), &what("recurrent"))?,
                    ));
                }
                let gate = |g: usize| GateI8 {
                    input_weights: &data[g].0,
                    input_weight_scales: &weight_q[g].0.scales,
                    input_weight_zero_points: &weight_q[g].0.zero_points,
                    recurrent_weights: &data[g].1,
                    recurrent_weight_scales: &weight_q[g].1.scales,
                    recurrent_weight_zero_points: &weight_q[g].1.zero_points,
                    bias: &data[g].2,
                };
                let tensors = LstmI8Tensors {
                    shape,
                    input: per_tensor(cx, input, "input")?,
                    output_state: per_tensor(cx, output_state, "output state")?,
                    cell_state_scale: per_tensor(cx, cell_state, "cell state")?.scale,
                    cell_clip,
                    input_gate: gate(0),
                    forget_gate: gate(1),
                    cell_gate: gate(2),
                    output_gate: gate(3),
                };
                let params = q::lstm_i8_params(&tensors)
                    .map_err(|e| cx.error(format!("{e} ({QUANTIZATION_HINT})")))?;
                LstmParams::Int8(Box::new(params))
            }
            Precision::Float32 => {
                state_tensor(
                    cx,
                    output_state,
                    "output state",
                    ElementType::Float32,
                    state_len,
                )?;
                state_tensor(
                    cx,
                    cell_state,
                    "cell state",
                    ElementType::Float32,
                    state_len,
                )?;
                let data: Vec<(Vec<f32>, Vec<f32>, Vec<f32>)> = (0..4)
                    .map(|g| {
                        (
                            cx.tensor(input_weights[g]).f32s(),
                            cx.tensor(recurrent_weights[g]).f32s(),
                            cx.tensor(biases[g]).f32s(),
                        )
                    })
                    .collect();
                let gate = |g: usize| GateF32 {
                    input_weights: &data[g].0,
                    recurrent_weights: &data[g].1,
                    bias: &data[g].2,
                };
                let params =
                    q::lstm_f32_params(shape, cell_clip, [gate(0), gate(1), gate(2), gate(3)])
                        .map_err(|e| cx.error(e))?;
                LstmParams::Float32(Box::new(params))
            }
        };
        Ok(Lstm {
            input,
            output,
            input_weights,
            recurrent_weights,
            biases,
            output_state,
            cell_state,
            params,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let slots = [
            cx.state_slot(self.output_state)?,
            cx.state_slot(self.cell_state)?,
        ];
        match &self.params {
            LstmParams::Int8(p) => {
                let gate = |g: usize, p: &LstmGateI8Params| kernel::LstmGateI8 {
                    input_weights: Constant::new(self.input_weights[g]),
                    input_bias: Slice(p.input_bias.clone()),
                    input_multiplier: p.input_multiplier,
                    input_shift: p.input_shift,
                    recurrent_weights: Constant::new(self.recurrent_weights[g]),
                    recurrent_bias: Slice(p.recurrent_bias.clone()),
                    recurrent_multiplier: p.recurrent_multiplier,
                    recurrent_shift: p.recurrent_shift,
                };
                let params = kernel::LstmI8 {
                    shape: core_shape(&p.shape),
                    input_gate: gate(0, &p.input_gate),
                    forget_gate: gate(1, &p.forget_gate),
                    cell_gate: gate(2, &p.cell_gate),
                    output_gate: gate(3, &p.output_gate),
                    forget_cell_multiplier: p.forget_cell_multiplier,
                    forget_cell_shift: p.forget_cell_shift,
                    input_cell_multiplier: p.input_cell_multiplier,
                    input_cell_shift: p.input_cell_shift,
                    hidden_multiplier: p.hidden_multiplier,
                    hidden_shift: p.hidden_shift,
                    hidden_zero_point: p.hidden_zero_point,
                    cell_tanh_multiplier: p.cell_tanh_multiplier,
                    cell_tanh_shift: p.cell_tanh_shift,
                    cell_clip: p.cell_clip,
                };
                cx.call_with_state(
                    &kernels::lstm_i8,
                    params,
                    &[self.input],
                    self.output,
                    &slots,
                )
            }
            LstmParams::Float32(p) => {
                let gate = |g: usize| kernel::LstmGateF32 {
                    input_weights: Constant::new(self.input_weights[g]),
                    bias: Constant::new(self.biases[g]),
                    recurrent_weights: Constant::new(self.recurrent_weights[g]),
                };
                let params = kernel::LstmF32 {
                    shape: core_shape(&p.shape),
                    input_gate: gate(0),
                    forget_gate: gate(1),
                    cell_gate: gate(2),
                    output_gate: gate(3),
                    cell_clip: p.cell_clip,
                };
                cx.call_with_state(
                    &kernels::lstm_f32,
                    params,
                    &[self.input],
                    self.output,
                    &slots,
                )
            }
        }
    }
}

/// The sizes as the kernel's parameter struct.
fn core_shape(shape: &q::LstmShape) -> kernel::LstmShape {
    kernel::LstmShape {
        batches: shape.batches,
        time_steps: shape.time_steps,
        input_size: shape.input_size,
        units: shape.units,
        time_major: shape.time_major,
    }
}
