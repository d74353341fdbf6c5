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
  svdf_int8            two SVDF layers on one 40-feature frame per invoke: 16
                       units of rank 2 with a memory of 8 frames and an
                       int16 state (RELU), then 8 units of rank 1 with a
                       memory of 10 and an int8 state with a non-zero zero
                       point; int8 in and out
  svdf_float           the same network (same weights) in float32
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
state between invokes). lstm_int8 and lstm_float are one network (one seed),
as are svdf_int8 and svdf_float.

No TensorFlow operation converts to SVDF, so the SVDF models are written
directly with the flatbuffer model editor of the tflite-micro package
(tflite_micro.tensorflow.lite.micro.compression.model_editor), with
quantization parameters chosen here (see build_svdf); their outputs, like
every golden, come from TFLM alone.

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
(exit status 1 on any difference but in the order of operators and tensors:
the converter orders two independent operators of streaming_mixconv
differently from run to run; all else is byte-for-byte repeatable with the pinned versions on one machine, but
TensorFlow does not promise the same bytes on another CPU or build):

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
# The activation and cell state of UNIDIRECTIONAL_SEQUENCE_LSTM, the state of SVDF.
LSTM_STATE = (("UNIDIRECTIONAL_SEQUENCE_LSTM", 18), ("UNIDIRECTIONAL_SEQUENCE_LSTM", 19))
SVDF_STATE = (("SVDF", 4),)


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
    # (operator, input slot) pairs whose tensor must be a variable tensor.
    variable_inputs: tuple[tuple[str, int], ...] = ()
    # The name the weights' seed is derived from: an int8 model and its float32
    # twin share one, so that they are the same network.
    seed_name: str | None = None


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


# --- SVDF, built directly ---------------------------------------------------------
#
# No TensorFlow operation converts to SVDF, so these two models are written
# with the flatbuffer model editor that ships with tflite-micro. Their
# quantization is chosen here: symmetric weights; each state's scale covers
# the largest feature-matmul result any input can give (so TFLM never clips
# or wraps a state element); output scales cover what a float simulation of
# the network gives on a calibration stream, with a margin.


@dataclass(frozen=True)
class SvdfLayer:
    """One SVDF layer: units x rank filters, each remembering memory frames."""

    units: int
    rank: int
    memory: int
    state_type: str  # "INT16" or "INT8"; the weights_time type is the same
    relu: bool

    @property
    def filters(self) -> int:
        return self.units * self.rank


SVDF_LAYERS = (
    SvdfLayer(units=16, rank=2, memory=8, state_type="INT16", relu=True),
    SvdfLayer(units=8, rank=1, memory=10, state_type="INT8", relu=False),
)


@dataclass(frozen=True)
class SvdfWeights:
    feature: np.ndarray  # [filters, inputs]
    time: np.ndarray  # [filters, memory]
    bias: np.ndarray  # [units]


def svdf_weights(rng: np.random.Generator) -> list[SvdfWeights]:
    weights, inputs = [], FEATURES
    for layer in SVDF_LAYERS:
        weights.append(
            SvdfWeights(
                feature=rng.normal(0.0, 1.0 / np.sqrt(inputs), (layer.filters, inputs)),
                time=rng.normal(0.0, 1.0 / np.sqrt(layer.memory), (layer.filters, layer.memory)),
                bias=rng.normal(0.0, 0.1, layer.units),
            )
        )
        inputs = layer.units
    return weights


def simulate_svdf(weights: list[SvdfWeights], frames: np.ndarray) -> list[np.ndarray]:
    """Float outputs of every layer for a stream of frames, state carried."""
    states = [np.zeros((layer.filters, layer.memory)) for layer in SVDF_LAYERS]
    outputs: list[list[np.ndarray]] = [[] for _ in SVDF_LAYERS]
    for frame in frames:
        value = frame.astype(np.float64)
        for index, (layer, weight) in enumerate(zip(SVDF_LAYERS, weights)):
            state = np.roll(states[index], -1, axis=1)
            state[:, -1] = weight.feature @ value
            states[index] = state
            per_filter = np.sum(state * weight.time, axis=1)
            value = per_filter.reshape(layer.units, layer.rank).sum(axis=1) + weight.bias
            if layer.relu:
                value = np.maximum(value, 0.0)
            outputs[index].append(value)
    return [np.array(values) for values in outputs]


def symmetric(values: np.ndarray, type_name: str) -> tuple[np.ndarray, float]:
    """Symmetric per-tensor quantization: (quantized values, scale)."""
    info = np.iinfo(NUMPY_INT_TYPES[type_name])
    scale = float(np.max(np.abs(values))) / info.max
    quantized = np.clip(np.round(values / scale), -info.max, info.max)
    return quantized.astype(NUMPY_INT_TYPES[type_name]), scale


def asymmetric_int8(low: float, high: float) -> tuple[float, int]:
    """(scale, zero point) of int8 covering [low, high], which holds 0."""
    low, high = min(low, 0.0), max(high, 0.0)
    scale = (high - low) / 255.0
    return scale, int(np.clip(-128 - round(low / scale), -128, 127))


NUMPY_INT_TYPES = {"INT8": np.int8, "INT16": np.int16, "INT32": np.int32}


def build_svdf(rng: np.random.Generator, quantized: bool) -> bytes:
    """Two SVDF layers on one 40-feature frame per invoke (input 1x40)."""
    # Imported here: only these models need the editor.
    from tflite_micro.tensorflow.lite.micro.compression import model_editor as editor

    types = SCHEMA.TensorType
    weights = svdf_weights(rng)
    calibration = feature_stream(rng, CALIBRATION_STEPS)
    simulated = simulate_svdf(weights, calibration)
    subgraph = editor.Subgraph(name="main")

    def tensor(name, shape, type_name, data=None, scale=None, zero_point=0, variable=False):
        made = editor.Tensor(
            shape=shape,
            dtype=getattr(types, type_name),
            data=None if data is None else np.ascontiguousarray(data).astype(
                data.dtype.newbyteorder("<")
            ),
            quantization=None if scale is None else editor.Quantization(scale, zero_point),
            name=name,
        )
        if variable:
            made.is_variable = True
        subgraph.tensors.append(made)
        return made

    # The input's real range is [0, FEATURE_HIGH], as the other streaming models'.
    input_scale, input_zero_point = FEATURE_HIGH / 255.0, -128
    current = tensor("features", (1, FEATURES), "INT8" if quantized else "FLOAT32",
                     scale=input_scale if quantized else None, zero_point=input_zero_point)
    subgraph.inputs = [current]
    low, high = 0.0, FEATURE_HIGH  # the real range the current layer's input can take
    for index, (layer, weight) in enumerate(zip(SVDF_LAYERS, weights)):
        prefix = f"svdf{index}"
        state_shape = (1, layer.filters * layer.memory)
        if quantized:
            feature_q, feature_scale = symmetric(weight.feature, "INT8")
            time_q, time_scale = symmetric(weight.time, layer.state_type)
            # The largest and smallest feature-matmul result any input gives.
            dequantized = feature_q.astype(np.float64) * feature_scale
            reach_high = np.sum(np.maximum(dequantized * low, dequantized * high), axis=1).max()
            reach_low = np.sum(np.minimum(dequantized * low, dequantized * high), axis=1).min()
            margin = 1.05
            if layer.state_type == "INT16":
                state_scale = max(abs(reach_low), abs(reach_high)) * margin / 32767
                state_zero_point = 0
            else:
                state_scale, state_zero_point = asymmetric_int8(reach_low * margin, reach_high * margin)
            bias_scale = state_scale * time_scale
            bias_q = np.round(weight.bias / bias_scale).astype(np.int32)
            out_low = float(simulated[index].min()) * 1.2
            out_high = float(simulated[index].max()) * 1.2
            if layer.relu:
                out_scale, out_zero_point = out_high / 255.0, -128
                low, high = 0.0, out_high
            else:
                out_scale, out_zero_point = asymmetric_int8(out_low, out_high)
                low, high = (-128 - out_zero_point) * out_scale, (127 - out_zero_point) * out_scale
            operands = [
                current,
                tensor(f"{prefix}/weights_feature", feature_q.shape, "INT8", feature_q, feature_scale),
                tensor(f"{prefix}/weights_time", time_q.shape, layer.state_type, time_q, time_scale),
                tensor(f"{prefix}/bias", bias_q.shape, "INT32", bias_q, bias_scale),
                tensor(f"{prefix}/state", state_shape, layer.state_type, scale=state_scale,
                       zero_point=state_zero_point, variable=True),
            ]
            output = tensor(f"{prefix}/output", (1, layer.units), "INT8", scale=out_scale,
                            zero_point=out_zero_point)
        else:
            operands = [
                current,
                tensor(f"{prefix}/weights_feature", weight.feature.shape, "FLOAT32",
                       weight.feature.astype(np.float32)),
                tensor(f"{prefix}/weights_time", weight.time.shape, "FLOAT32",
                       weight.time.astype(np.float32)),
                tensor(f"{prefix}/bias", weight.bias.shape, "FLOAT32", weight.bias.astype(np.float32)),
                tensor(f"{prefix}/state", state_shape, "FLOAT32", variable=True),
            ]
            output = tensor(f"{prefix}/output", (1, layer.units), "FLOAT32")
        operator = editor.Operator(
            opcode=SCHEMA.BuiltinOperator.SVDF, inputs=operands, outputs=[output]
        )
        options = SCHEMA.SVDFOptionsT()
        options.rank = layer.rank
        options.fusedActivationFunction = (
            SCHEMA.ActivationFunctionType.RELU if layer.relu else SCHEMA.ActivationFunctionType.NONE
        )
        operator._fb.builtinOptionsType = SCHEMA.BuiltinOptions.SVDFOptions
        operator._fb.builtinOptions = options
        subgraph.operators.append(operator)
        current = output
    subgraph.outputs = [current]
    model = editor.Model(subgraphs=[subgraph], description="embedml SVDF test model")
    return bytes(model.build())


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
        variable_inputs=LSTM_STATE,
        seed_name="lstm",
    ),
    ModelSpec(
        "lstm_float",
        lambda rng: convert_lstm(rng, quantized=False),
        ("UNIDIRECTIONAL_SEQUENCE_LSTM", "FULLY_CONNECTED"),
        subgraphs=1,
        input_type="FLOAT32",
        output_type="FLOAT32",
        variable_inputs=LSTM_STATE,
        seed_name="lstm",
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
        "svdf_int8",
        lambda rng: build_svdf(rng, quantized=True),
        ("SVDF",),
        subgraphs=1,
        input_type="INT8",
        output_type="INT8",
        variable_inputs=SVDF_STATE,
        seed_name="svdf",
    ),
    ModelSpec(
        "svdf_float",
        lambda rng: build_svdf(rng, quantized=False),
        ("SVDF",),
        subgraphs=1,
        input_type="FLOAT32",
        output_type="FLOAT32",
        variable_inputs=SVDF_STATE,
        seed_name="svdf",
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
    for op in main.operators:
        for name, slot in spec.variable_inputs:
            if operator_name(model, op) == name and not main.tensors[op.inputs[slot]].isVariable:
                problems.append(f"{name} input {slot} is not a variable tensor")
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
    seed = model_seed(spec.seed_name or spec.name)
    tf.random.set_seed(seed & 0x7FFFFFFF)
    rng = np.random.default_rng(seed)
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


def plain(value: object) -> object:
    """A flatbuffer object tree as plain, comparable data."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "__dict__"):
        return {key: plain(item) for key, item in vars(value).items()}
    return value


def operator_multiset(model_bytes: bytes) -> list:
    """The model's operators as a sorted list, each with its operands' contents.

    An operand is described by what it holds (type, shape, quantization, data,
    is_variable), not by its index or name, so two models whose operators and
    tensors differ only in order compare equal.
    """
    model = runtime.convert_bytearray_to_object(model_bytes)
    described = []
    for subgraph_index, subgraph in enumerate(model.subgraphs):

        def content(index: int) -> str:
            if index < 0:
                return "absent"
            tensor = subgraph.tensors[index]
            data = model.buffers[tensor.buffer].data
            fields = {k: plain(v) for k, v in vars(tensor).items() if k not in ("name", "buffer")}
            fields["data"] = None if data is None else bytes(data).hex()
            return repr(fields)

        for operator in subgraph.operators:
            fields = {k: plain(v) for k, v in vars(operator).items() if k not in ("inputs", "outputs", "opcodeIndex")}
            fields["subgraph"] = subgraph_index
            fields["opcode"] = operator_name(model, operator)
            fields["inputs"] = [content(i) for i in operator.inputs]
            fields["outputs"] = [content(i) for i in operator.outputs]
            described.append(repr(fields))
    return sorted(described)


def same_outputs(first: bytes, second: bytes) -> bool:
    """Whether TFLM gives both models' the same outputs on a seeded stream of steps."""
    interpreters = [runtime.Interpreter.from_bytes(b, arena_size=1 << 20) for b in (first, second)]
    rng = np.random.default_rng(0)
    details = interpreters[0].get_input_details(0)
    for _ in range(50):
        value = rng.integers(-128, 128, details["shape"]).astype(details["dtype"])
        outputs = []
        for interpreter in interpreters:
            interpreter.set_input(value, 0)
            interpreter.invoke()
            outputs.append(interpreter.get_output(0).tobytes())
        if outputs[0] != outputs[1]:
            return False
    return True


def check() -> int:
    """Rebuild into a temporary directory and compare with the committed models.

    The converter orders two independent operators of streaming_mixconv (the
    QUANTIZEs of two SPLIT_V outputs) and their output tensors differently
    from process to process, PYTHONHASHSEED or not. So a model that differs
    from the committed one only in the order of its operators and tensors and
    in tensor names (operator_multiset), and gives the same outputs in TFLM on
    a seeded stream, is reported but accepted. The goldens record only the
    input and output names, which do not change.
    """
    mismatches, reordered = [], []
    with tempfile.TemporaryDirectory() as tmp:
        write_all(Path(tmp))
        for spec in SPECS:
            committed, fresh = model_path(spec.name), model_path(spec.name, Path(tmp))
            if not committed.is_file():
                mismatches.append(spec.name)
            elif committed.read_bytes() != fresh.read_bytes():
                old, new = committed.read_bytes(), fresh.read_bytes()
                if operator_multiset(old) == operator_multiset(new) and same_outputs(old, new):
                    reordered.append(spec.name)
                else:
                    mismatches.append(spec.name)
    for name in reordered:
        path = model_path(name).relative_to(REPO_ROOT)
        print(f"same network, operators and tensors in another order: {path}")
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
