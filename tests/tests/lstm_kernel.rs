//! The UNIDIRECTIONAL_SEQUENCE_LSTM kernels against TensorFlow Lite Micro, over sequences of
//! invokes with the state carried.
//!
//! For each model in tests/models/lstm/ (made by tests/tools/make_lstm_goldens.py), the goldens
//! in tests/golden/lstm/ hold the inputs of 120 invokes of one TFLM interpreter and its outputs.
//! The test reads the model with the compiler's reader, builds the kernel parameters with
//! `embedml_compiler::quant::lstm` as the compiler will, runs the kernel invoke after invoke on
//! persistent state buffers (initialised as TFLM does: the output state to its zero point, the
//! cell state to 0) and compares every output: int8 bit for bit, float32 within a tolerance.
//! Then it resets the state and runs the first invokes again (TFLM's `reset`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use embedml::kernels::{LstmF32, LstmGateF32, LstmGateI8, LstmI8, LstmShape, lstm_f32, lstm_i8};
use embedml_compiler::ir::{Graph, Op, OpCode, Tensor};
use embedml_compiler::quant::lstm::{
    self as q, GateF32, GateI8, LstmF32Params, LstmGateF32Params, LstmGateI8Params, LstmI8Params,
    LstmI8Tensors, TensorQuant, input,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The manifest's `key value` lines.
fn manifest(name: &str) -> HashMap<String, String> {
    let path = repo().join(format!("tests/golden/lstm/{name}.txt"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn golden(name: &str, what: &str) -> Vec<u8> {
    let path = repo().join(format!("tests/golden/lstm/{name}.{what}.bin"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Model {
    bytes: Vec<u8>,
    manifest: HashMap<String, String>,
}

impl Model {
    fn load(name: &str) -> Model {
        let manifest = manifest(name);
        let path = repo().join(&manifest["model"]);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Model { bytes, manifest }
    }

    fn invokes(&self) -> usize {
        self.manifest["invokes"].parse().unwrap()
    }
}

fn lstm_op<'g, 'a>(graph: &'g Graph<'a>) -> &'g Op<'a> {
    graph
        .ops
        .iter()
        .find(|op| op.code == OpCode::Builtin("UNIDIRECTIONAL_SEQUENCE_LSTM"))
        .expect("an LSTM operator")
}

fn tensor<'g, 'a>(graph: &'g Graph<'a>, op: &Op, i: usize) -> &'g Tensor<'a> {
    &graph.tensors[op.input(i).unwrap_or_else(|| panic!("input {i}"))]
}

/// The checks and the shape, as the compiler's LSTM family will do them.
fn shape_of(graph: &Graph, op: &Op, manifest: &HashMap<String, String>) -> q::LstmShape {
    let present: Vec<bool> = (0..op.inputs.len())
        .map(|i| op.input(i).is_some())
        .collect();
    q::check_inputs(&present).unwrap();
    q::check_activation(manifest["fused_activation"].parse().unwrap()).unwrap();
    let output = &graph.tensors[op.outputs[0]];
    q::LstmShape::from_shapes(
        &tensor(graph, op, input::INPUT).shape,
        &tensor(graph, op, input::OUTPUT_STATE).shape,
        &output.shape,
        manifest["time_major"] == "1",
    )
    .unwrap()
}

fn core_shape(s: &q::LstmShape) -> LstmShape {
    LstmShape {
        batches: s.batches,
        time_steps: s.time_steps,
        input_size: s.input_size,
        units: s.units,
        time_major: s.time_major,
    }
}

fn quant(t: &Tensor) -> TensorQuant {
    let (scale, zero_point) = t.scale_and_zero_point().expect("quantized");
    TensorQuant {
        scale,
        zero_point: zero_point as i32,
    }
}

/// The int8 parameters from the model, as the compiler will build them.
fn int8_params(model: &Model) -> LstmI8Params {
    let graph = embedml_compiler::tflite::read(&model.bytes).unwrap();
    let op = lstm_op(&graph);
    let shape = shape_of(&graph, op, &model.manifest);
    // Owned copies of the data, so that the gates can borrow them.
    let data: Vec<(Vec<i8>, Vec<i8>, Vec<i32>)> = (0..4)
        .map(|g| {
            (
                tensor(&graph, op, input::INPUT_WEIGHTS[g]).i8s(),
                tensor(&graph, op, input::RECURRENT_WEIGHTS[g]).i8s(),
                tensor(&graph, op, input::BIASES[g]).i32s(),
            )
        })
        .collect();
    let quantization = |i: usize| tensor(&graph, op, i).quantization.clone().unwrap();
    let weight_q: Vec<_> = (0..4)
        .map(|g| {
            (
                quantization(input::INPUT_WEIGHTS[g]),
                quantization(input::RECURRENT_WEIGHTS[g]),
            )
        })
        .collect();
    let gate = |g: usize| GateI8 {
        input_weights: &data[g].0,
        input_weight_scales: &weight_q[g].0.scales,
        input_weight_zero_points: &weight_q[g].0.zero_points,
        recurrent_weights: &data[g].1,
        recurrent_weight_scales: &weight_q[g].1.scales,
        recurrent_weight_zero_points: &weight_q[g].1.zero_points,
        bias: &data[g].2,
    };
    q::lstm_i8_params(&LstmI8Tensors {
        shape,
        input: quant(tensor(&graph, op, input::INPUT)),
        output_state: quant(tensor(&graph, op, input::OUTPUT_STATE)),
        cell_state_scale: quant(tensor(&graph, op, input::CELL_STATE)).scale,
        cell_clip: model.manifest["cell_clip"].parse().unwrap(),
        input_gate: gate(0),
        forget_gate: gate(1),
        cell_gate: gate(2),
        output_gate: gate(3),
    })
    .unwrap()
}

fn core_gate_i8(g: &LstmGateI8Params) -> LstmGateI8<'_> {
    LstmGateI8 {
        input_weights: &g.input_weights,
        input_bias: &g.input_bias,
        input_multiplier: g.input_multiplier,
        input_shift: g.input_shift,
        recurrent_weights: &g.recurrent_weights,
        recurrent_bias: &g.recurrent_bias,
        recurrent_multiplier: g.recurrent_multiplier,
        recurrent_shift: g.recurrent_shift,
    }
}

fn core_i8(p: &LstmI8Params) -> LstmI8<'_> {
    LstmI8 {
        shape: core_shape(&p.shape),
        input_gate: core_gate_i8(&p.input_gate),
        forget_gate: core_gate_i8(&p.forget_gate),
        cell_gate: core_gate_i8(&p.cell_gate),
        output_gate: core_gate_i8(&p.output_gate),
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
    }
}

/// The int8 model's state buffers as TFLM initialises and resets them.
fn fresh_state_i8(p: &LstmI8) -> (Vec<i8>, Vec<i16>) {
    let len = p.shape.state_len();
    (vec![p.hidden_zero_point as i8; len], vec![0; len])
}

fn check_int8(name: &str) {
    let model = Model::load(name);
    let params = int8_params(&model);
    let p = core_i8(&params);
    let inputs: Vec<i8> = golden(name, "inputs").iter().map(|&b| b as i8).collect();
    let expected: Vec<i8> = golden(name, "outputs").iter().map(|&b| b as i8).collect();
    let (input_len, output_len) = (p.shape.input_len(), p.shape.output_len());
    assert_eq!(inputs.len(), model.invokes() * input_len, "{name}: inputs");
    assert_eq!(
        expected.len(),
        model.invokes() * output_len,
        "{name}: outputs"
    );
    let (mut h, mut c) = fresh_state_i8(&p);
    let mut output = vec![0i8; output_len];
    for (invoke, (x, want)) in inputs
        .chunks_exact(input_len)
        .zip(expected.chunks_exact(output_len))
        .enumerate()
    {
        lstm_i8(&p, x, &mut output, &mut h, &mut c);
        if let Some(at) = output.iter().zip(want).position(|(a, b)| a != b) {
            let differing = output.iter().zip(want).filter(|(a, b)| a != b).count();
            panic!(
                "{name}: invoke {invoke}: {differing} of {output_len} outputs differ from TFLM, \
                 the first at {at}: {} instead of {}",
                output[at], want[at]
            );
        }
    }
    // Reset: the first invokes again, from the initial state.
    let (mut h, mut c) = fresh_state_i8(&p);
    for (x, want) in inputs
        .chunks_exact(input_len)
        .zip(expected.chunks_exact(output_len))
        .take(5)
    {
        lstm_i8(&p, x, &mut output, &mut h, &mut c);
        assert_eq!(output, want, "{name}: after reset");
    }
    println!(
        "{name}: {} invokes x {output_len} outputs bit-exact with TFLM",
        model.invokes()
    );
}

#[test]
fn mnist_int8_is_bit_exact_with_tflm() {
    check_int8("mnist_int8");
}

#[test]
fn synthetic_int8_batch_major_is_bit_exact_with_tflm() {
    check_int8("synthetic_int8");
}

#[test]
fn synthetic_int8_time_major_with_clip_is_bit_exact_with_tflm() {
    check_int8("synthetic_int8_time_major");
}

#[test]
fn synthetic_int8_wide_cell_is_bit_exact_with_tflm() {
    check_int8("synthetic_int8_wide_cell");
}

/// The float model's parameters.
fn float_params(model: &Model) -> LstmF32Params {
    let graph = embedml_compiler::tflite::read(&model.bytes).unwrap();
    let op = lstm_op(&graph);
    let shape = shape_of(&graph, op, &model.manifest);
    let data: Vec<(Vec<f32>, Vec<f32>, Vec<f32>)> = (0..4)
        .map(|g| {
            (
                tensor(&graph, op, input::INPUT_WEIGHTS[g]).f32s(),
                tensor(&graph, op, input::RECURRENT_WEIGHTS[g]).f32s(),
                tensor(&graph, op, input::BIASES[g]).f32s(),
            )
        })
        .collect();
    let gate = |g: usize| GateF32 {
        input_weights: &data[g].0,
        recurrent_weights: &data[g].1,
        bias: &data[g].2,
    };
    q::lstm_f32_params(
        shape,
        model.manifest["cell_clip"].parse().unwrap(),
        [gate(0), gate(1), gate(2), gate(3)],
    )
    .unwrap()
}

fn core_gate_f32(g: &LstmGateF32Params) -> LstmGateF32<'_> {
    LstmGateF32 {
        input_weights: &g.input_weights,
        bias: &g.bias,
        recurrent_weights: &g.recurrent_weights,
    }
}

/// Largest absolute difference from TFLM allowed for a float output (outputs lie in (-1, 1)).
/// The kernel performs TFLM's float operations in TFLM's order; only `expf` and `tanhf`
/// (libm's, not the C library's) may differ, by an ulp, and large weights amplify that: the
/// errors seen are sporadic, not growing with the invokes (mnist_float: worst 7e-7;
/// synthetic_float_time_major, with weights up to about 10 and its clip: worst 7.6e-5).
const FLOAT_TOLERANCE: f32 = 2e-4;

fn check_float(name: &str) {
    let model = Model::load(name);
    let params = float_params(&model);
    let p = LstmF32 {
        shape: core_shape(&params.shape),
        input_gate: core_gate_f32(&params.input_gate),
        forget_gate: core_gate_f32(&params.forget_gate),
        cell_gate: core_gate_f32(&params.cell_gate),
        output_gate: core_gate_f32(&params.output_gate),
        cell_clip: params.cell_clip,
    };
    let floats = |bytes: Vec<u8>| -> Vec<f32> {
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    let inputs = floats(golden(name, "inputs"));
    let expected = floats(golden(name, "outputs"));
    let (input_len, output_len) = (p.shape.input_len(), p.shape.output_len());
    assert_eq!(
        expected.len(),
        model.invokes() * output_len,
        "{name}: outputs"
    );
    let state_len = p.shape.state_len();
    let run = |count: usize| {
        let (mut h, mut c) = (vec![0f32; state_len], vec![0f32; state_len]);
        let mut output = vec![0f32; output_len];
        let (mut worst, mut exact) = (0f32, 0usize);
        for (invoke, (x, want)) in inputs
            .chunks_exact(input_len)
            .zip(expected.chunks_exact(output_len))
            .take(count)
            .enumerate()
        {
            lstm_f32(&p, x, &mut output, &mut h, &mut c);
            for (at, (&a, &b)) in output.iter().zip(want).enumerate() {
                let error = (a - b).abs();
                assert!(
                    error <= FLOAT_TOLERANCE,
                    "{name}: invoke {invoke}, output {at}: {a} instead of {b}"
                );
                worst = worst.max(error);
                exact += usize::from(a.to_bits() == b.to_bits());
            }
        }
        (worst, exact)
    };
    let (worst, exact) = run(model.invokes());
    println!(
        "{name}: {} invokes x {output_len} outputs, worst error {worst:e}, {exact} bit-exact",
        model.invokes()
    );
    // Reset: a fresh state gives the first outputs again.
    run(5);
}

#[test]
fn mnist_float_matches_tflm() {
    check_float("mnist_float");
}

#[test]
fn synthetic_float_time_major_with_clip_matches_tflm() {
    check_float("synthetic_float_time_major");
}
