"""Generate the UNIDIRECTIONAL_SEQUENCE_LSTM test models and their TFLM sequence goldens.

TensorFlow Lite Micro (the `tflite-micro` Python package) is the ground truth.
This script writes LSTM-only models into tests/models/lstm/ and, for each, runs
ONE TFLM interpreter over a stream of invokes: the first SPLIT invokes of the
model's input stream, reset(), the rest of the stream, reset(), then the first
REPEAT invokes of the stream again, so that the LSTM's variable tensors (output
state, cell state) carry over from one invoke to the next as on a device, and
reset() is seen to restore them. Per model it writes, into
tests/golden/sequences/ (the format `check_sequence_against_tflm` in
tests/src/lib.rs reads):

  <model>.inputs.bin   the input of every invoke in order, raw little-endian
                       element bytes, no header
  <model>.outputs.bin  the output of every invoke in order, likewise
  <model>.txt          the manifest: `steps:`, `resets_before:` (the steps
                       before which reset() was called), versions, the model's
                       hash, the input's and output's types and quantization

It does the same for the whole tests/models/trained_lstm_int8.tflite (LSTM,
RESHAPE, FULLY_CONNECTED, SOFTMAX) as `trained_lstm_int8`, unless
tests/golden/sequences/trained_lstm_int8.* already exist (another generator
may own them; they are never overwritten).

The models:

  mnist_int8        the LSTM op of tests/models/trained_lstm_int8.tflite (the
                    TFLM mnist_lstm example) cut out: its output tensor
                    becomes the model's output. Batch-major, batch 1, 28 steps
                    of 28 inputs, 20 units, tanh, cell clip 10, zero points 0.
  synthetic_int8*   the same LSTM with sizes, weights, biases, scales, zero
                    points, cell clip, layout and cell-gate activation
                    replaced (see synthesize_int8; TensorFlow 2.21's converter
                    crashes calibrating a Keras LSTM, so int8 models are made
                    this way): batch-major batch 2; time-major batch 3 with a
                    clip and a cell scale of 2^-15; batch 1 with a cell scale
                    of 2^-9 and a state zero point of 100.
                    Sizes are not multiples of 4 and zero points are non-zero.
  mnist_float       mnist_int8 as float32 (the same real weights and biases).
  synthetic_float_time_major
                    a synthetic int8 LSTM as float32, made time-major (batch 2)
                    with a cell clip of 0.5.

It also writes tests/models/lstm/broken/<case>.tflite: mnist_int8 with one
thing broken that the compiler must reject with a message naming it
(compiler/tests/lstm_errors.rs checks them): a peephole, a cell state that is
not a variable tensor, per-channel input weights, a RELU cell activation,
diagonal recurrent weights.

Inputs are pseudo-random (numpy's default_rng with a fixed seed per model);
int8 inputs cover the full int8 range, float inputs a wide asymmetric range.

Regenerate (from the repository root):

    python3 tests/tools/make_lstm_goldens.py
"""

import hashlib
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf
import tflite_micro
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils
from tflite_micro import runtime

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_MODEL = REPO_ROOT / "tests" / "models" / "trained_lstm_int8.tflite"
MODELS_DIR = REPO_ROOT / "tests" / "models" / "lstm"
SEQUENCE_DIR = REPO_ROOT / "tests" / "golden" / "sequences"

# Invokes drawn per model (the draws also fix the synthetic models' weights, which come from
# the same generator); the sequence is stream[:SPLIT], reset, stream[SPLIT:], reset,
# stream[:REPEAT].
NUM_INVOKES = 120
SPLIT = 90
REPEAT = 10
LSTM_OPCODE = schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM


def lstm_op(model):
    """The model's only UNIDIRECTIONAL_SEQUENCE_LSTM operator of subgraph 0."""
    sg = model.subgraphs[0]
    ops = [
        op
        for op in sg.operators
        if max(
            model.operatorCodes[op.opcodeIndex].builtinCode,
            model.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode,
        )
        == LSTM_OPCODE
    ]
    assert len(ops) == 1, f"{len(ops)} LSTM operators"
    return ops[0]


def cut_lstm(model):
    """Keeps only the LSTM operator; its input and output become the model's."""
    sg = model.subgraphs[0]
    op = lstm_op(model)
    sg.operators = [op]
    sg.inputs = np.array([op.inputs[0]], dtype=np.int32)
    sg.outputs = np.array([op.outputs[0]], dtype=np.int32)
    # Drop the signature defs, which name the removed output.
    model.signatureDefs = []
    return model


def make_mnist_int8():
    return cut_lstm(flatbuffer_utils.read_model(str(SOURCE_MODEL)))


def float_from_int8(model, time_major=None, batch=None, cell_clip=None):
    """The int8 LSTM as a float32 one with the same real weights and biases (`scale * q`): every
    tensor float32 and unquantized. Optionally time-major (the shapes' first two dimensions
    swapped), another batch size, another cell clip.

    (Keras 3 in TensorFlow 2.21 converts an LSTM layer to a WHILE loop, not to the fused
    operator, so the float model is made this way.)
    """
    sg = model.subgraphs[0]
    op = lstm_op(model)
    for i in [op.outputs[0]] + [i for i in op.inputs if i >= 0]:
        tensor = sg.tensors[i]
        buffer = model.buffers[tensor.buffer]
        if buffer.data is not None and len(buffer.data) > 0:
            dtype = np.int8 if tensor.type == schema.TensorType.INT8 else np.int32
            q = np.frombuffer(bytes(buffer.data), dtype=dtype).astype(np.float32)
            set_data(model, tensor, (q * np.float32(tensor.quantization.scale[0])).astype(np.float32))
        tensor.type = schema.TensorType.FLOAT32
        tensor.quantization = None
        tensor.shapeSignature = None
    for i in op.intermediates:
        sg.tensors[i].quantization = None
        sg.tensors[i].type = schema.TensorType.FLOAT32
    tensor = lambda i: sg.tensors[op.inputs[i]]
    if batch is not None:
        for i in (18, 19):
            tensor(i).shape = np.array([batch, tensor(i).shape[1]], dtype=np.int32)
        for t in (tensor(0), sg.tensors[op.outputs[0]]):
            t.shape = np.array([batch, t.shape[1], t.shape[2]], dtype=np.int32)
    if time_major:
        for t in (tensor(0), sg.tensors[op.outputs[0]]):
            t.shape = np.array([t.shape[1], t.shape[0], t.shape[2]], dtype=np.int32)
        op.builtinOptions.timeMajor = True
    if cell_clip is not None:
        op.builtinOptions.cellClip = cell_clip
    return model


def set_data(model, tensor, values):
    """Gives `tensor` a buffer of its own holding `values` (little-endian)."""
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(values.astype(values.dtype.newbyteorder("<")).tobytes(), np.uint8)
    model.buffers.append(buffer)
    tensor.buffer = len(model.buffers) - 1


def quantization(scale, zero_point):
    q = schema.QuantizationParametersT()
    q.scale = np.array([scale], dtype=np.float32)
    q.zeroPoint = np.array([zero_point], dtype=np.int64)
    return q


def synthesize_int8(rng, batch, steps, inputs, units, input_q, state_q, cell_scale, cell_clip,
                    time_major):
    """The mnist LSTM with everything that matters replaced: sizes, random weights and biases,
    the input and output-state scales and zero points, the cell state's scale, the cell clip and
    the layout. The cell gate stays tanh: the schema has no other activation TFLM evaluates. (TensorFlow 2.21's converter crashes calibrating a Keras LSTM, so the int8 models
    beyond mnist are built this way; TFLM computes their outputs all the same.)

    Weight scales are drawn so that gate pre-activations are mostly within Q3.12's +-8 and
    sometimes beyond (int16 saturation); biases are drawn in units of input * weight scale.
    """
    model = cut_lstm(flatbuffer_utils.read_model(str(SOURCE_MODEL)))
    sg = model.subgraphs[0]
    op = lstm_op(model)
    t = lambda i: sg.tensors[op.inputs[i]]
    layout = [steps, batch] if time_major else [batch, steps]
    t(0).shape = np.array(layout + [inputs], dtype=np.int32)
    t(0).quantization = quantization(*input_q)
    out = sg.tensors[op.outputs[0]]
    out.shape = np.array(layout + [units], dtype=np.int32)
    out.quantization = quantization(*state_q)
    for i in (18, 19):
        t(i).shape = np.array([batch, units], dtype=np.int32)
    t(18).quantization = quantization(*state_q)
    t(19).quantization = quantization(cell_scale, 0)
    for t_ in (out, t(0), t(18), t(19)):
        t_.shapeSignature = None
    for gate in range(4):
        w_in, w_rec, bias = t(1 + gate), t(5 + gate), t(12 + gate)
        in_scale = float(rng.uniform(0.3, 1.2) / (input_q[0] * 127 * np.sqrt(inputs)) * 4.0)
        rec_scale = float(rng.uniform(0.3, 1.2) / (state_q[0] * 127 * np.sqrt(units)) * 4.0)
        w_in.shape = np.array([units, inputs], dtype=np.int32)
        w_rec.shape = np.array([units, units], dtype=np.int32)
        bias.shape = np.array([units], dtype=np.int32)
        w_in.quantization = quantization(in_scale, 0)
        w_rec.quantization = quantization(rec_scale, 0)
        bias_scale = np.float32(input_q[0]) * np.float32(in_scale)
        bias.quantization = quantization(float(bias_scale), 0)
        set_data(model, w_in, rng.integers(-127, 128, (units, inputs), dtype=np.int8))
        set_data(model, w_rec, rng.integers(-127, 128, (units, units), dtype=np.int8))
        real_bias = rng.uniform(-2.0, 2.0, units)
        set_data(model, bias, np.round(real_bias / bias_scale).astype(np.int32))
    for i in op.intermediates:
        sg.tensors[i].quantization = None if sg.tensors[i].type == schema.TensorType.FLOAT32 else quantization(*state_q)
    op.builtinOptions.timeMajor = time_major
    op.builtinOptions.cellClip = cell_clip
    return model


def model_from_bytes(data):
    return flatbuffer_utils.convert_bytearray_to_object(bytearray(data))


def serialize(model):
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def run_sequence(model_bytes, stream):
    """Runs stream[:SPLIT], reset, stream[SPLIT:], reset, stream[:REPEAT] through ONE
    interpreter, state carried between invokes: the inputs and outputs of every invoke, and the
    steps before which it was reset."""
    interpreter = runtime.Interpreter.from_bytes(model_bytes)
    inputs, outputs, resets = [], [], []
    for segment in (stream[:SPLIT], stream[SPLIT:], stream[:REPEAT]):
        if inputs:
            resets.append(len(inputs))
            interpreter.reset()
        for x in segment:
            interpreter.set_input(x, 0)
            interpreter.invoke()
            inputs.append(x)
            outputs.append(interpreter.get_output(0).copy())
    # After a reset, the first invokes give the first outputs again.
    assert all(np.array_equal(outputs[len(inputs) - REPEAT + i], outputs[i]) for i in range(REPEAT))
    return np.stack(inputs), np.stack(outputs), resets


def little_endian(a):
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def describe(kind, d):
    q = d["quantization_parameters"]
    scale, zero_point = q["scales"], q["zero_points"]
    return (
        f"{kind} 0: dtype={np.dtype(d['dtype']).name} shape={'x'.join(map(str, d['shape']))} "
        f"scale={float(scale[0]) if len(scale) else 'none'} "
        f"zero_point={int(zero_point[0]) if len(zero_point) else 'none'}"
    )


def write_sequence(name, model_bytes, stream, seed):
    inputs, outputs, resets = run_sequence(model_bytes, stream)
    SEQUENCE_DIR.mkdir(parents=True, exist_ok=True)
    (SEQUENCE_DIR / f"{name}.inputs.bin").write_bytes(little_endian(inputs))
    (SEQUENCE_DIR / f"{name}.outputs.bin").write_bytes(little_endian(outputs))
    interpreter = runtime.Interpreter.from_bytes(model_bytes)
    lines = [
        f"steps: {len(inputs)}",
        f"resets_before: {','.join(map(str, resets))}",
        f"tflite_micro: {tflite_micro.__version__}",
        f"tensorflow: {tf.__version__}",
        f"numpy: {np.__version__}",
        f"seed: {seed}",
        f"model_sha256: {hashlib.sha256(model_bytes).hexdigest()}",
        describe("input", interpreter.get_input_details(0)),
        describe("output", interpreter.get_output_details(0)),
    ]
    (SEQUENCE_DIR / f"{name}.txt").write_text("\n".join(lines) + "\n")
    print(f"{name}: {len(inputs)} steps, resets before {resets}, output {outputs.shape[1:]} {outputs.dtype}")


def write(name, model_bytes, stream, seed):
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    (MODELS_DIR / f"{name}.tflite").write_bytes(model_bytes)
    write_sequence(name, model_bytes, stream, seed)


def write_trained(seed):
    """The whole trained model, unless its goldens already exist."""
    name = "trained_lstm_int8"
    if any((SEQUENCE_DIR / f"{name}{suffix}").exists() for suffix in (".txt", ".inputs.bin", ".outputs.bin")):
        print(f"{name}: goldens exist, left as they are")
        return
    rng = np.random.default_rng(seed)
    stream = rng.integers(-128, 128, (NUM_INVOKES, 1, 28, 28), dtype=np.int8)
    write_sequence(name, SOURCE_MODEL.read_bytes(), stream, seed)


def write_broken():
    """mnist_int8 with one thing broken per case."""
    import copy
    base = make_mnist_int8()
    def case(name, breaks):
        model = copy.deepcopy(base)
        breaks(model, model.subgraphs[0], lstm_op(model))
        (MODELS_DIR / "broken").mkdir(parents=True, exist_ok=True)
        (MODELS_DIR / "broken" / f"{name}.tflite").write_bytes(serialize(model))
        print(f"broken/{name}")
    def peephole(model, sg, op):
        op.inputs[10] = op.inputs[13]
    def state_not_variable(model, sg, op):
        sg.tensors[op.inputs[19]].isVariable = False
    def per_channel(model, sg, op):
        t = sg.tensors[op.inputs[1]]
        t.quantization.scale = np.full(t.shape[0], t.quantization.scale[0], dtype=np.float32)
        t.quantization.zeroPoint = np.zeros(t.shape[0], dtype=np.int64)
    def relu(model, sg, op):
        op.builtinOptions.fusedActivationFunction = schema.ActivationFunctionType.RELU
    def diagonal(model, sg, op):
        op.builtinOptions.diagonalRecurrentTensors = True
    case("peephole", peephole)
    case("cell_state_not_variable", state_not_variable)
    case("per_channel_weights", per_channel)
    case("relu_cell_activation", relu)
    case("diagonal_recurrent", diagonal)


def main():
    seed = 20260101
    rng = np.random.default_rng(seed)
    write(
        "mnist_int8",
        serialize(make_mnist_int8()),
        rng.integers(-128, 128, (NUM_INVOKES, 1, 28, 28), dtype=np.int8),
        seed,
    )
    # Batch-major, batch 2, non-zero zero points, cell scale 2^-11, no clip.
    model = synthesize_int8(rng, 2, 5, 7, 12, (0.02, -9), (1.0 / 128, 5), 2.0**-11, 0.0, False)
    write(
        "synthetic_int8",
        serialize(model),
        rng.integers(-128, 128, (NUM_INVOKES, 2, 5, 7), dtype=np.int8),
        seed,
    )
    # Time-major, batch 3, cell scale 2^-15 (a right shift into tanh), clip 0.75, negative
    # zero points.
    model = synthesize_int8(rng, 3, 4, 9, 6, (0.03, 17), (0.009, -3), 2.0**-15, 0.75, True)
    write(
        "synthetic_int8_time_major",
        serialize(model),
        rng.integers(-128, 128, (NUM_INVOKES, 4, 3, 9), dtype=np.int8),
        seed,
    )
    # Batch 1, cell scale 2^-9 (a left shift into tanh), clip 3, a large state zero point.
    model = synthesize_int8(rng, 1, 3, 16, 8, (0.05, 0), (0.008, 100), 2.0**-9, 3.0, False)
    write(
        "synthetic_int8_wide_cell",
        serialize(model),
        rng.integers(-128, 128, (NUM_INVOKES, 1, 3, 16), dtype=np.int8),
        seed,
    )
    write(
        "mnist_float",
        serialize(float_from_int8(make_mnist_int8())),
        rng.uniform(-0.5, 1.5, (NUM_INVOKES, 1, 28, 28)).astype(np.float32),
        seed,
    )
    # Time-major, batch 2, weights of synthetic_int8, a clip of 0.5.
    model = synthesize_int8(rng, 2, 5, 7, 12, (0.02, -9), (1.0 / 128, 5), 2.0**-11, 0.0, False)
    write(
        "synthetic_float_time_major",
        serialize(float_from_int8(model, time_major=True, cell_clip=0.5)),
        rng.uniform(-3.0, 3.0, (NUM_INVOKES, 5, 2, 7)).astype(np.float32),
        seed,
    )
    write_trained(seed + 1)
    write_broken()
    return 0


if __name__ == "__main__":
    sys.exit(main())
