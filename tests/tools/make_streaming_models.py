"""Generate the streaming and stateful test models in tests/models/streaming/.

Stateful models keep memory between invokes, in one of two ways that TFLite
and TFLM know:

  resource variables   VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE, created
                       and initialised by an init subgraph that the main
                       subgraph's first operator, CALL_ONCE, runs on the
                       first invoke (what tf.Variable becomes)
  variable tensors     tensors flagged is_variable that an operator updates
                       in place: the activation and cell state of
                       UNIDIRECTIONAL_SEQUENCE_LSTM (inputs 18 and 19), the
                       state of SVDF

The models, all with seeded random weights (nothing is trained):

  streaming_conv       a keyword-spotting network in the style of ESPHome's
                       microWakeWord: one int8 40-feature frame per invoke,
                       three streaming convolutions over time (kernel 3, 5,
                       3; each keeps its last K-1 input frames in a
                       tf.Variable: read, concatenate the new frame, VALID
                       convolution, assign the last K-1 frames back), a
                       dense layer and a sigmoid; uint8 output, as
                       microWakeWord's models have
  streaming_mixconv    the same idea with a MixConv block: a streaming
                       convolution, then the channels split unevenly (8, 10,
                       6: SPLIT_V), a streaming depthwise convolution of
                       kernel 3, 5 and 7 on each part (each with its own
                       state variable), concatenated back, a pointwise
                       convolution, a dense layer and a softmax; uint8 output
  lstm_int8            a Keras LSTM of 16 units on 4 steps of 12 features
                       per invoke (return_sequences), then a dense layer of
                       3 on every step; full-integer int8 (the converter
                       gives an int16 cell state)
  lstm_float           the same network in float32
  split_pack_unpack    stateless int8: SPLIT (tf.split into equal parts),
                       UNPACK (tf.unstack), element-wise ADD/SUB/MUL/MAXIMUM
                       of the pieces, PACK (tf.stack); two outputs
  variable_init_probe  a tiny int8 model whose resource variable starts at
                       non-zero values: output = state + input, then state =
                       input. It shows what TFLM's reset does to a resource
                       variable (see tests/golden/sequences/README.md)

The streaming models are tf.Modules whose __call__ is a tf.function with a
fixed input signature, converted with from_concrete_functions (the module as
the trackable object), which keeps the variables as resource variables; with
_experimental_variable_quantization the variables are int8 like the
activations around them. The LSTM is built with tf_keras (Keras 2): only its
LSTM layer carries the annotation that makes the converter fuse it into one
UNIDIRECTIONAL_SEQUENCE_LSTM (Keras 3's LSTM becomes a WHILE loop without
state between invokes).

Every model is calibrated on a seeded stream shaped like its goldens' inputs
(tests/tools/make_sequence_goldens.py): feature frames that wander smoothly,
with bursts and stretches of silence, for the streaming models; sums of sines
for the LSTM. The calibrator runs the samples through one interpreter in
order, so the state variables see realistic histories.

For every model this script checks the converted flatbuffer (the operators
that must be there, the subgraph count, the tensor types of inputs, outputs
and state, the final QUANTIZE int8 -> uint8 of the streaming models, variable
tensors at LSTM inputs 18 and 19), prints its operators and subgraph count
and writes tests/models/streaming/<name>.tflite.

Versions used: TensorFlow (tensorflow-cpu) 2.21.0, tf-keras 2.21.0, numpy
2.4.6, tflite-micro 0.dev20261023182759 (for reading the flatbuffer), Python
3.11. Pinned in tests/tools/requirements-fixtures.txt.

Regenerate (from the repository root):

    pip install -r tests/tools/requirements-fixtures.txt
    python3 tests/tools/make_streaming_models.py

Rebuild into a temporary directory and compare with the committed models
(exit status 1 on any difference; conversion is byte-for-byte repeatable with
the pinned versions on one machine, but TensorFlow does not promise the same
bytes on another CPU or build):

    python3 tests/tools/make_streaming_models.py --check

The goldens for these models are made by make_sequence_goldens.py.
"""

import argparse
import contextlib
import io
import os
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ info and warnings
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # oneDNN may change float rounding

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from tflite_micro import runtime  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
STREAMING_DIR = REPO_ROOT / "tests" / "models" / "streaming"

SCHEMA = runtime.schema_fb


def enum_names(enum_class: type) -> dict[int, str]:
    """Value -> name of a flatbuffer schema enum class."""
    return {v: k for k, v in vars(enum_class).items() if not k.startswith("_")}


OPERATOR_NAMES = enum_names(SCHEMA.BuiltinOperator)
TENSOR_TYPES = enum_names(SCHEMA.TensorType)

FEATURES = 40  # microWakeWord's spectrogram has 40 channels per 10 ms frame
FEATURE_HIGH = 8.0  # calibrated float range of a feature: [0, FEATURE_HIGH]
CALIBRATION_STEPS = 400
LSTM_STEPS, LSTM_FEATURES, LSTM_UNITS, LSTM_CLASSES = 4, 12, 16, 3
RESOURCE_OPS = ("CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE")


def model_seed(name: str) -> int:
    """A per-model seed: FNV-1a 64 of the model name, as the goldens use."""
    value = 0xCBF29CE484222325
    for byte in name.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001B3) & ((1 << 64) - 1)
    return value


# --- Calibration streams ----------------------------------------------------


def feature_stream(rng: np.random.Generator, steps: int) -> np.ndarray:
    """Feature frames like a log-mel spectrogram's: [steps, FEATURES] in [0, high].

    Each channel follows a smooth random walk around a level that falls with
    frequency; now and then a burst (a word, a knock) adds energy to a band
    for some frames, and now and then a stretch of silence is exactly 0.
    """
    level = np.linspace(0.6, 0.3, FEATURES) * FEATURE_HIGH
    walk = np.zeros(FEATURES)
    frames = np.empty((steps, FEATURES))
    burst_left, burst_band, silence_left = 0, slice(0, 0), 0
    for step in range(steps):
        walk = 0.9 * walk + rng.normal(0.0, 0.25 * FEATURE_HIGH / 8, FEATURES)
        frame = level + walk * FEATURE_HIGH / 4
        if burst_left == 0 and rng.random() < 0.04:
            burst_left = int(rng.integers(5, 30))
            start = int(rng.integers(0, FEATURES - 8))
            burst_band = slice(start, start + int(rng.integers(8, FEATURES - start + 1)))
        if burst_left > 0:
            frame[burst_band] += 0.5 * FEATURE_HIGH
            burst_left -= 1
        if silence_left == 0 and rng.random() < 0.02:
            silence_left = int(rng.integers(5, 20))
        if silence_left > 0:
            frame[:] = 0.0
            silence_left -= 1
        frames[step] = frame
    return np.clip(frames, 0.0, FEATURE_HIGH).astype(np.float32)


def sine_stream(rng: np.random.Generator, steps: int, channels: int) -> np.ndarray:
    """[steps, channels] sums of two sines per channel, random periods and phases."""
    time = np.arange(steps)[:, None]
    signal = np.zeros((steps, channels))
    for _ in range(2):
        period = rng.uniform(6.0, 40.0, channels)
        phase = rng.uniform(0.0, 2 * np.pi, channels)
        amplitude = rng.uniform(0.3, 0.7, channels)
        signal += amplitude * np.sin(2 * np.pi * time / period + phase)
    return signal.astype(np.float32)


# --- The models ---------------------------------------------------------------


def he_normal(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)


class StreamingState(tf.Module):
    """A tf.Variable holding the last frames a streaming layer has seen.

    Frames run along axis 1 (height in NHWC); the variable starts at zeros,
    as microWakeWord's ring buffers do. A tf.Module, so that the model module
    tracks the variable: the converter keeps only tracked variables as
    resource variables and freezes the others into constants.
    """

    def __init__(self, name: str, frames: int, channels: int):
        super().__init__(name=name)
        self.variable = tf.Variable(
            tf.zeros((1, frames, 1, channels)), trainable=False, name=name
        )

    def window(self, frame: tf.Tensor) -> tf.Tensor:
        """The stored frames followed by the new one(s); stores the newest ones."""
        window = tf.concat([self.variable.read_value(), frame], axis=1)
        self.variable.assign(window[:, -self.variable.shape[1] :])
        return window


class StreamingConv(tf.Module):
    """microWakeWord-like: three streaming convolutions, dense, sigmoid."""

    LAYERS = ((3, 16), (5, 24), (3, 32))  # (kernel frames, output channels)

    def __init__(self, rng: np.random.Generator):
        super().__init__()
        self.convs = []
        channels = FEATURES
        for index, (kernel, filters) in enumerate(self.LAYERS):
            state = StreamingState(f"conv{index}_state", kernel - 1, channels)
            weights = tf.constant(
                he_normal(rng, (kernel, 1, channels, filters), kernel * channels)
            )
            bias = tf.constant(rng.normal(0.0, 0.2, filters).astype(np.float32))
            self.convs.append((state, weights, bias))
            channels = filters
        self.dense = tf.constant(he_normal(rng, (channels, 1), channels) * 0.5)
        self.dense_bias = tf.constant([-0.5], dtype=tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([1, 1, FEATURES], tf.float32)])
    def __call__(self, frame):
        hidden = tf.reshape(frame, [1, 1, 1, FEATURES])
        for state, weights, bias in self.convs:
            window = state.window(hidden)
            hidden = tf.nn.relu(tf.nn.conv2d(window, weights, 1, "VALID") + bias)
        hidden = tf.reshape(hidden, [1, -1])
        return tf.sigmoid(hidden @ self.dense + self.dense_bias)


class StreamingMixConv(tf.Module):
    """A streaming convolution, then a MixConv block of three kernel sizes."""

    STEM = (3, 24)
    MIX = ((8, 3), (10, 5), (6, 7))  # (channels, kernel frames) per part
    POINTWISE, CLASSES = 32, 4

    def __init__(self, rng: np.random.Generator):
        super().__init__()
        kernel, filters = self.STEM
        self.stem_state = StreamingState("stem_state", kernel - 1, FEATURES)
        self.stem = tf.constant(he_normal(rng, (kernel, 1, FEATURES, filters), kernel * FEATURES))
        self.stem_bias = tf.constant(rng.normal(0.0, 0.2, filters).astype(np.float32))
        self.parts = []
        for index, (channels, kernel) in enumerate(self.MIX):
            state = StreamingState(f"mix{index}_state", kernel - 1, channels)
            weights = tf.constant(he_normal(rng, (kernel, 1, channels, 1), kernel))
            bias = tf.constant(rng.normal(0.0, 0.2, channels).astype(np.float32))
            self.parts.append((state, weights, bias))
        self.pointwise = tf.constant(he_normal(rng, (1, 1, filters, self.POINTWISE), filters))
        self.pointwise_bias = tf.constant(
            rng.normal(0.0, 0.2, self.POINTWISE).astype(np.float32)
        )
        self.dense = tf.constant(he_normal(rng, (self.POINTWISE, self.CLASSES), self.POINTWISE))
        self.dense_bias = tf.constant(rng.normal(0.0, 0.5, self.CLASSES).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, 1, FEATURES], tf.float32)])
    def __call__(self, frame):
        hidden = tf.reshape(frame, [1, 1, 1, FEATURES])
        window = self.stem_state.window(hidden)
        hidden = tf.nn.relu(tf.nn.conv2d(window, self.stem, 1, "VALID") + self.stem_bias)
        pieces = tf.split(hidden, [channels for channels, _ in self.MIX], axis=-1)
        mixed = []
        for piece, (state, weights, bias) in zip(pieces, self.parts):
            window = state.window(piece)
            mixed.append(
                tf.nn.depthwise_conv2d(window, weights, [1, 1, 1, 1], "VALID") + bias
            )
        hidden = tf.nn.relu(tf.concat(mixed, axis=-1))
        hidden = tf.nn.relu(
            tf.nn.conv2d(hidden, self.pointwise, 1, "VALID") + self.pointwise_bias
        )
        hidden = tf.reshape(hidden, [1, -1])
        return tf.nn.softmax(hidden @ self.dense + self.dense_bias)


class SplitPackUnpack(tf.Module):
    """Stateless: SPLIT, UNPACK, element-wise ops on the pieces, PACK."""

    @tf.function(input_signature=[tf.TensorSpec([1, 4, 12], tf.float32)])
    def __call__(self, x):
        left, right = tf.split(x, 2, axis=2)  # two [1, 4, 6]
        rows = tf.unstack(left, axis=1)  # four [1, 6]
        others = tf.unstack(right, axis=1)
        combined = tf.stack(
            [
                rows[0] + others[3],
                rows[1] * others[2],
                tf.maximum(rows[2], others[1]),
                rows[3] - others[0],
            ],
            axis=1,
        )  # [1, 4, 6]
        thirds = tf.split(x, 3, axis=2)  # three [1, 4, 4]
        interleaved = tf.stack(thirds, axis=-1)  # [1, 4, 4, 3]
        return combined, interleaved


class VariableInitProbe(tf.Module):
    """output = state + input, then state = input; the state starts non-zero."""

    INITIAL = (0.75, -0.5, 0.25, 1.0)

    def __init__(self):
        super().__init__()
        self.state = tf.Variable([list(self.INITIAL)], trainable=False, name="probe_state")

    @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32)])
    def __call__(self, x):
        output = self.state.read_value() + x
        self.state.assign(x)
        return output


def build_lstm(rng: np.random.Generator) -> tf_keras.Model:
    """A tf_keras LSTM (fused by the converter) and a dense layer on every step."""
    tf_keras.backend.clear_session()  # restart name counters: stable tensor names
    tf_keras.utils.set_random_seed(int(rng.integers(0, 2**31)))
    inputs = tf_keras.Input(shape=(LSTM_STEPS, LSTM_FEATURES), batch_size=1, name="signal")
    hidden = tf_keras.layers.LSTM(LSTM_UNITS, return_sequences=True, name="lstm")(inputs)
    outputs = tf_keras.layers.Dense(LSTM_CLASSES, name="head")(hidden)
    model = tf_keras.Model(inputs, outputs)
    # Glorot/orthogonal defaults from the seeded initialisers; a forget bias of
    # 1 (unit_forget_bias) keeps the state from fading within a few steps.
    return model


# --- Model specifications -----------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """One generated model and what its converted flatbuffer must look like."""

    name: str
    convert: Callable[[np.random.Generator], bytes]
    required_ops: tuple[str, ...]
    subgraphs: int
    input_type: str
    output_type: str
    # "uint8 via QUANTIZE": the last operator is QUANTIZE from int8 to uint8.
    final_requantize: bool = False
    # Whether the model must have UNIDIRECTIONAL_SEQUENCE_LSTM state at inputs 18, 19.
    lstm_state: bool = False


def quantizing_converter(converter, samples: Callable[[], Iterator], output_type):
    """Full-integer int8 settings with int8 input and the given output type."""
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = samples
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = output_type
    return converter


def run_converter(converter) -> bytes:
    # tf_keras' export prints its endpoints; the calibrator warns that
    # tf.lite.Interpreter is deprecated.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return converter.convert()


def convert_module(
    module: tf.Module, samples: Callable[[], Iterator], output_type=tf.int8
) -> bytes:
    """Convert a stateful tf.Module to full-integer int8 with int8 variables."""
    function = module.__call__.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], module)
    converter._experimental_variable_quantization = True
    return run_converter(quantizing_converter(converter, samples, output_type))


def frames_of(stream: np.ndarray) -> Callable[[], Iterator]:
    """A representative dataset yielding one [1, 1, F] frame per sample, in order."""
    return lambda: ([frame.reshape(1, 1, -1)] for frame in stream)


def convert_streaming_conv(rng: np.random.Generator) -> bytes:
    module = StreamingConv(rng)
    stream = feature_stream(rng, CALIBRATION_STEPS)
    return convert_module(module, frames_of(stream), tf.uint8)


def convert_streaming_mixconv(rng: np.random.Generator) -> bytes:
    module = StreamingMixConv(rng)
    stream = feature_stream(rng, CALIBRATION_STEPS)
    return convert_module(module, frames_of(stream), tf.uint8)


def lstm_samples(rng: np.random.Generator) -> Callable[[], Iterator]:
    stream = sine_stream(rng, CALIBRATION_STEPS * LSTM_STEPS, LSTM_FEATURES)
    chunks = stream.reshape(-1, 1, LSTM_STEPS, LSTM_FEATURES)
    return lambda: ([chunk] for chunk in chunks)


def convert_lstm(rng: np.random.Generator, quantized: bool) -> bytes:
    model = build_lstm(rng)
    samples = lstm_samples(rng)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantized:
        quantizing_converter(converter, samples, tf.int8)
    return run_converter(converter)


def convert_split_pack_unpack(rng: np.random.Generator) -> bytes:
    module = SplitPackUnpack()
    samples = [rng.uniform(-2.0, 2.0, (1, 4, 12)).astype(np.float32) for _ in range(64)]
    return convert_module(module, lambda: ([sample] for sample in samples))


def convert_variable_init_probe(rng: np.random.Generator) -> bytes:
    module = VariableInitProbe()
    samples = [rng.uniform(-1.0, 1.0, (1, 4)).astype(np.float32) for _ in range(64)]
    return convert_module(module, lambda: ([sample] for sample in samples))


SPECS = (
    ModelSpec(
        "streaming_conv",
        convert_streaming_conv,
        (*RESOURCE_OPS, "CONCATENATION", "CONV_2D", "STRIDED_SLICE",
         "FULLY_CONNECTED", "LOGISTIC", "QUANTIZE"),
        subgraphs=2,
        input_type="INT8",
        output_type="UINT8",
        final_requantize=True,
    ),
    ModelSpec(
        "streaming_mixconv",
        convert_streaming_mixconv,
        (*RESOURCE_OPS, "CONCATENATION", "CONV_2D", "SPLIT_V", "DEPTHWISE_CONV_2D",
         "STRIDED_SLICE", "FULLY_CONNECTED", "SOFTMAX", "QUANTIZE"),
        subgraphs=2,
        input_type="INT8",
        output_type="UINT8",
        final_requantize=True,
    ),
    ModelSpec(
        "lstm_int8",
        lambda rng: convert_lstm(rng, quantized=True),
        ("UNIDIRECTIONAL_SEQUENCE_LSTM", "FULLY_CONNECTED"),
        subgraphs=1,
        input_type="INT8",
        output_type="INT8",
        lstm_state=True,
    ),
    ModelSpec(
        "lstm_float",
        lambda rng: convert_lstm(rng, quantized=False),
        ("UNIDIRECTIONAL_SEQUENCE_LSTM", "FULLY_CONNECTED"),
        subgraphs=1,
        input_type="FLOAT32",
        output_type="FLOAT32",
        lstm_state=True,
    ),
    ModelSpec(
        "split_pack_unpack",
        convert_split_pack_unpack,
        ("SPLIT", "UNPACK", "PACK"),
        subgraphs=1,
        input_type="INT8",
        output_type="INT8",
    ),
    ModelSpec(
        "variable_init_probe",
        convert_variable_init_probe,
        (*RESOURCE_OPS, "ADD"),
        subgraphs=2,
        input_type="INT8",
        output_type="INT8",
    ),
)


# --- Checking the converted flatbuffer ---------------------------------------


class ModelError(Exception):
    """A converted model is not what its spec intends."""


def operator_name(model, operator) -> str:
    code = model.operatorCodes[operator.opcodeIndex]
    return OPERATOR_NAMES[max(code.builtinCode, code.deprecatedBuiltinCode)]


def subgraph_ops(model) -> list[list[str]]:
    """Operator names of every subgraph, in execution order."""
    return [[operator_name(model, op) for op in sg.operators] for sg in model.subgraphs]


def verify(spec: ModelSpec, model_bytes: bytes) -> None:
    """Raise ModelError unless the flatbuffer has what the spec requires."""
    model = runtime.convert_bytearray_to_object(model_bytes)
    ops = subgraph_ops(model)
    problems = []
    if len(ops) != spec.subgraphs:
        problems.append(f"{len(ops)} subgraphs, expected {spec.subgraphs}")
    found = {name for names in ops for name in names}
    missing = [name for name in spec.required_ops if name not in found]
    if missing:
        problems.append(f"missing operators {missing}")
    main = model.subgraphs[0]
    for kind, indices, expected in (
        ("input", main.inputs, spec.input_type),
        ("output", main.outputs, spec.output_type),
    ):
        for index in indices:
            actual = TENSOR_TYPES[main.tensors[index].type]
            if actual != expected:
                problems.append(f"{kind} {index} is {actual}, expected {expected}")
    if spec.final_requantize:
        last = main.operators[-1]
        types = [
            TENSOR_TYPES[main.tensors[last.inputs[0]].type],
            TENSOR_TYPES[main.tensors[last.outputs[0]].type],
        ]
        if operator_name(model, last) != "QUANTIZE" or types != ["INT8", "UINT8"]:
            problems.append(f"last operator is not QUANTIZE int8 -> uint8: {types}")
    if spec.lstm_state:
        for op in main.operators:
            if operator_name(model, op) != "UNIDIRECTIONAL_SEQUENCE_LSTM":
                continue
            for slot in (18, 19):
                tensor = main.tensors[op.inputs[slot]]
                if not tensor.isVariable:
                    problems.append(f"LSTM input {slot} is not a variable tensor")
    if problems:
        raise ModelError(f"{spec.name}: " + "; ".join(problems))


def describe(model_bytes: bytes) -> str:
    """Subgraph count and per-subgraph operator counts, in first-seen order."""
    model = runtime.convert_bytearray_to_object(model_bytes)
    parts = []
    for index, names in enumerate(subgraph_ops(model)):
        counts = Counter(names)
        listed = ", ".join(
            name if counts[name] == 1 else f"{name} x{counts[name]}"
            for name in dict.fromkeys(names)
        )
        parts.append(f"subgraph {index}: {listed}")
    return f"{len(model.subgraphs)} subgraphs; " + "; ".join(parts)


# --- Driver -------------------------------------------------------------------


def build(spec: ModelSpec) -> bytes:
    """Build, convert and verify one model, deterministically."""
    tf.random.set_seed(model_seed(spec.name) & 0x7FFFFFFF)
    rng = np.random.default_rng(model_seed(spec.name))
    model_bytes = spec.convert(rng)
    verify(spec, model_bytes)
    return model_bytes


def model_path(name: str, directory: Path = STREAMING_DIR) -> Path:
    return directory / f"{name}.tflite"


def write_all(directory: Path) -> None:
    for spec in SPECS:
        model_bytes = build(spec)
        model_path(spec.name, directory).write_bytes(model_bytes)
        print(f"{spec.name} ({len(model_bytes)} B): {describe(model_bytes)}")


def check() -> int:
    """Rebuild into a temporary directory and compare with the committed models."""
    with tempfile.TemporaryDirectory() as tmp:
        write_all(Path(tmp))
        mismatches = [
            spec.name
            for spec in SPECS
            if not model_path(spec.name).is_file()
            or model_path(spec.name).read_bytes()
            != model_path(spec.name, Path(tmp)).read_bytes()
        ]
    for name in mismatches:
        print(f"differs or missing: {model_path(name).relative_to(REPO_ROOT)}", file=sys.stderr)
    if mismatches:
        return 1
    print(f"all streaming models match ({len(SPECS)} models)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="rebuild into a temp dir and compare byte-for-byte with tests/models/streaming/",
    )
    if parser.parse_args().check:
        return check()
    STREAMING_DIR.mkdir(parents=True, exist_ok=True)
    write_all(STREAMING_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
