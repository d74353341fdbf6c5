"""Generate the operator fixtures in tests/fixtures/ and tests/tests/op_fixtures.rs.

Each fixture is a tiny Keras model around one TFLite builtin operator (some are
small blocks of a few operators), converted by TensorFlow's TFLiteConverter
either to a full-integer int8 model, calibrated on seeded random data, or to a
float32 model. For every fixture this script

  1. builds and converts the model and writes tests/fixtures/<name>.tflite,
  2. reads the flatbuffer back and checks that it holds exactly the intended
     operators with the intended options (strides, padding, fused activation,
     per-channel weights, constant operands such as axes), and prints a table
     of fixture -> operators,
  3. runs NUM_CASES generated input cases through TFLM and writes
     <name>.outputs.bin and <name>.txt in the format of tests/golden/,
  4. writes tests/tests/op_fixtures.rs: one include_model! and one test each.

Inputs follow the generator contract of tests/golden/README.md, with the
extension described there: a manifest's float_low and float_span make float32
inputs u * float_span + float_low (in float32) instead of u * f32(2*pi). Every
fixture uses FLOAT_LOW and FLOAT_SPAN, and calibrates on the same range. The
generator and TFLM helpers are those of make_goldens.py.

Not covered, because the converter does not produce it: CONV_2D without a bias
(it adds a zero bias; FULLY_CONNECTED does keep none) and SOFTMAX with beta
other than 1 (softmax(x * beta) stays MUL -> SOFTMAX). SQUEEZE and EXPAND_DIMS
survive conversion only with unknown dimensions (see reshape_specs).

Regenerate everything (from the repository root):

    pip install -r tests/tools/requirements-fixtures.txt
    python3 tests/tools/make_op_fixtures.py

Two checks compare regenerated files with the committed ones without touching
them, listing the files that differ (exit status 1 on any difference). With
the pinned versions, conversion gives byte-identical models from run to run on
one machine, but TensorFlow does not promise the same bytes on another CPU or
build; TFLM's goldens for a given model are deterministic. Hence:

    # rebuild and reconvert every model; compare models, goldens, test file
    python3 tests/tools/make_op_fixtures.py --check
    # no conversion: re-run TFLM on the committed models; compare goldens, test file
    python3 tests/tools/make_op_fixtures.py --check-goldens
"""

import argparse
import contextlib
import copy
import hashlib
import io
import itertools
import os
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# TFLM's SPACE_TO_BATCH_ND pads with a parameter it never sets, read from its arena: zero on a
# device's zeroed arena, but on the host whatever an earlier interpreter left in reused heap
# memory. With glibc's mmap threshold fixed (it rises after each free otherwise), every 1 MiB
# arena is fresh, zeroed pages, so the goldens are the same from run to run.
if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
    os.environ["MALLOC_MMAP_THRESHOLD_"] = str(128 * 1024)
    os.execv(sys.executable, [sys.executable, *sys.argv])
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ info and warnings
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # oneDNN may change float rounding

import flatbuffers  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tflite_micro  # noqa: E402
from keras import layers, ops  # noqa: E402
from tensorflow.lite.python import schema_py_generated as schema_py  # noqa: E402
from tflite_micro import runtime  # noqa: E402

import make_goldens as goldens  # noqa: E402

REPO_ROOT = goldens.REPO_ROOT
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"
TEST_FILE = REPO_ROOT / "tests" / "tests" / "op_fixtures.rs"

NUM_CASES = 20
FLOAT_LOW = np.float32(-4.0)
FLOAT_SPAN = np.float32(8.0)
CALIBRATION_SAMPLES = 64
WEIGHT_RANGE = 0.5

SCHEMA = runtime.schema_fb


def enum_names(enum_class: type) -> dict[int, str]:
    """Value -> name of a flatbuffer schema enum class."""
    return {v: k for k, v in vars(enum_class).items() if not k.startswith("_")}


OPERATOR_NAMES = enum_names(SCHEMA.BuiltinOperator)
TENSOR_TYPES = enum_names(SCHEMA.TensorType)
OPTION_ENUMS = {
    "fusedActivationFunction": enum_names(SCHEMA.ActivationFunctionType),
    "padding": enum_names(SCHEMA.Padding),
    "mode": enum_names(SCHEMA.MirrorPadMode),
}
OPTION_PAIRS = {
    "stride": ("strideH", "strideW"),
    "dilation": ("dilationHFactor", "dilationWFactor"),
    "filter": ("filterHeight", "filterWidth"),
}
# Weighted operators: the operand indices of their filter and bias.
WEIGHTED_OPS = {
    "CONV_2D": (1, 2),
    "DEPTHWISE_CONV_2D": (1, 2),
    "FULLY_CONNECTED": (1, 2),
    "TRANSPOSE_CONV": (1, 3),
}
CONSTANT_OPERAND_TYPES = {"INT32": np.int32, "INT64": np.int64}


# --- Fixture definitions ----------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """How a Keras model is converted to TFLite."""

    suffix: str
    description: str
    quantized: bool
    int8_input: bool = True
    int8_output: bool = True
    per_channel: bool = True
    # The type of the model's quantized inputs and outputs (int8_input, int8_output).
    boundary: str = "int8"
    # The converter's operator set: int8 throughout, or int16 activations with int8 weights.
    ops_set: str = "TFLITE_BUILTINS_INT8"


INT8 = Conversion("int8", "int8", quantized=True)
FLOAT = Conversion("float", "float32", quantized=False)
INT8_PER_TENSOR = Conversion(
    "int8", "int8, per-tensor weights", quantized=True, per_channel=False
)
INT8_FLOAT_INPUT = Conversion(
    "int8", "int8, float32 input", quantized=True, int8_input=False
)
INT8_FLOAT_OUTPUT = Conversion(
    "int8", "int8, float32 output", quantized=True, int8_output=False
)
UINT8_IO = Conversion(
    "uint8", "int8, uint8 input and output", quantized=True, boundary="uint8"
)
# int16 activations, int8 weights, int64 biases: TFLite's "16x8" quantization.
INT16X8 = Conversion(
    "int16x8",
    "int16x8 (int16 activations, int8 weights)",
    quantized=True,
    boundary="int16",
    ops_set="EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8",
)
# Not converted: operators cut out of a model file (Spec.make).
CUT = Conversion(
    "cut", "cut from keyword_scrambled", quantized=True, per_channel=False
)


@dataclass(frozen=True)
class Expect:
    """An operator the converted model must contain, and options it must have.

    Option keys are the schema's builtin option fields, except that
    fusedActivationFunction is "activation", enums are given by name, and
    height/width pairs are tuples: "stride", "dilation", "filter". Besides:
    "in" and "out", the tensor type of the first input and output; "shapes",
    the operand shapes; "constants", the indices of constant operands;
    "input<i>", the values of a constant integer operand; and for weighted
    operators "bias" and, when quantized, "per_channel".
    """

    op: str
    options: dict[str, object] = field(default_factory=dict)


def op(name: str, **options: object) -> Expect:
    """Expect operator name with the given options."""
    return Expect(name, options)


@dataclass(frozen=True)
class Spec:
    """A fixture model and the conversions it is generated with."""

    base: str
    build: Callable[[], keras.Model] | None
    expected: tuple[Expect, ...]
    conversions: tuple[Conversion, ...] = (INT8, FLOAT)
    # The model bytes made otherwise than by conversion (build is then None).
    make: Callable[[], bytes] | None = None
    # A change to the converted model's flatbuffer (an operator the converter does not emit).
    edit: Callable[[bytes], bytes] | None = None


@dataclass(frozen=True)
class Fixture:
    """One generated model: a spec converted one way."""

    spec: Spec
    conversion: Conversion

    @property
    def name(self) -> str:
        return f"{self.spec.base}_{self.conversion.suffix}"


def functional(body: Callable, *shapes: tuple[int | None, ...]) -> keras.Model:
    """A Keras model with one input per shape (batch first) and body's output."""
    inputs = [
        keras.Input(shape=shape[1:], batch_size=shape[0], name=f"input_{index}")
        for index, shape in enumerate(shapes)
    ]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], body(*inputs))


def single(layer: Callable, shape: tuple[int | None, ...]) -> Callable:
    """A builder of a one-input model applying layer, made afresh per build."""
    return lambda: functional(layer(), shape)


def chain(*steps: Callable) -> Callable:
    """Apply steps left to right."""

    def apply(x):
        for step in steps:
            x = step(x)
        return x

    return apply


# Distinct dimensions, so that a transposed or mis-broadcast result shows.
ELEMENTWISE_SHAPE = (1, 3, 4, 5)

# Binary element-wise fixtures use TensorFlow's ops in a Lambda layer:
# keras.ops.add treats a vector-like operand as a bias, and the converter
# lowers that bias_add with RESHAPE (and TRANSPOSE) around the ADD.


def binary(combine: Callable, shape_b: tuple[int, ...], activation=None) -> Callable:
    """A model combining an ELEMENTWISE_SHAPE input with a second input of shape_b."""

    def body(a, b):
        y = layers.Lambda(lambda operands: combine(*operands))([a, b])
        return y if activation is None else activation(y)

    return lambda: functional(body, ELEMENTWISE_SHAPE, shape_b)


def with_constant(combine: Callable) -> Callable:
    """A model combining an ELEMENTWISE_SHAPE input with a per-channel constant."""
    channels = ELEMENTWISE_SHAPE[3]
    operand = np.linspace(-1.5, 2.0, channels, dtype=np.float32).reshape(1, 1, 1, -1)
    return single(
        lambda: layers.Lambda(lambda x: combine(x, operand)), ELEMENTWISE_SHAPE
    )


def conv_specs() -> list[Spec]:
    conv, conv2d = "CONV_2D", layers.Conv2D
    return [
        Spec(
            "conv2d_s1_valid_relu",
            single(lambda: conv2d(4, 3, activation="relu"), (1, 7, 6, 3)),
            (op(conv, stride=(1, 1), padding="VALID", activation="RELU", bias=True),),
        ),
        Spec(
            "conv2d_s2_same_relu6",
            single(
                lambda: conv2d(6, 3, strides=2, padding="same", activation="relu6"),
                (1, 9, 8, 4),
            ),
            (op(conv, stride=(2, 2), padding="SAME", activation="RELU6"),),
        ),
        Spec(
            "conv2d_dilation2_same",
            single(lambda: conv2d(3, 3, dilation_rate=2, padding="same"), (1, 6, 7, 3)),
            (op(conv, dilation=(2, 2), padding="SAME", activation="NONE"),),
        ),
        Spec(
            "conv2d_per_tensor",
            single(lambda: conv2d(4, (3, 2), padding="same"), (1, 6, 5, 3)),
            (op(conv, per_channel=False),),
            (INT8_PER_TENSOR,),
        ),
        Spec(
            "conv2d_relu_n1_to_1",
            single(
                lambda: chain(conv2d(4, 3), lambda x: ops.clip(x, -1.0, 1.0)),
                (1, 6, 6, 3),
            ),
            (op(conv, activation="RELU_N1_TO_1"),),
        ),
    ]


def depthwise_specs() -> list[Spec]:
    dw, dwconv2d = "DEPTHWISE_CONV_2D", layers.DepthwiseConv2D
    return [
        Spec(
            "dwconv_s1_same_relu",
            single(
                lambda: dwconv2d(3, padding="same", activation="relu"), (1, 6, 5, 4)
            ),
            (
                op(
                    dw,
                    stride=(1, 1),
                    padding="SAME",
                    activation="RELU",
                    depthMultiplier=1,
                ),
            ),
        ),
        Spec(
            "dwconv_s2_valid_relu6",
            single(lambda: dwconv2d(3, strides=2, activation="relu6"), (1, 9, 8, 4)),
            (op(dw, stride=(2, 2), padding="VALID", activation="RELU6"),),
        ),
        Spec(
            "dwconv_multiplier2",
            single(
                lambda: dwconv2d(3, padding="same", depth_multiplier=2), (1, 5, 4, 2)
            ),
            (op(dw, depthMultiplier=2),),
        ),
        Spec(
            "dwconv_dilation2",
            single(lambda: dwconv2d(3, padding="same", dilation_rate=2), (1, 6, 5, 3)),
            (op(dw, dilation=(2, 2)),),
        ),
    ]


def fully_connected_specs() -> list[Spec]:
    fc, dense = "FULLY_CONNECTED", layers.Dense
    return [
        Spec(
            "fc_relu",
            single(lambda: dense(16, activation="relu"), (1, 32)),
            (op(fc, activation="RELU", bias=True, keepNumDims=False),),
        ),
        Spec(
            "fc_no_bias",
            single(lambda: dense(16, use_bias=False), (1, 32)),
            (op(fc, bias=False),),
        ),
        Spec(
            "fc_keep_num_dims",
            single(lambda: dense(8), (1, 4, 16)),
            (op(fc, keepNumDims=True),),
        ),
        Spec(
            "fc_per_tensor",
            single(lambda: dense(16), (1, 32)),
            (op(fc, per_channel=False),),
            (INT8_PER_TENSOR,),
        ),
    ]


def pool_specs() -> list[Spec]:
    specs = []
    for kind, name, pool in (
        ("avg", "AVERAGE_POOL_2D", layers.AveragePooling2D),
        ("max", "MAX_POOL_2D", layers.MaxPooling2D),
    ):
        specs += [
            Spec(
                f"{kind}pool_2x2_s2_valid",
                single(lambda pool=pool: pool(2, strides=2), (1, 8, 6, 4)),
                (op(name, filter=(2, 2), stride=(2, 2), padding="VALID"),),
            ),
            Spec(
                f"{kind}pool_3x3_s2_same_odd",
                single(lambda pool=pool: pool(3, 2, padding="same"), (1, 7, 7, 4)),
                (op(name, filter=(3, 3), stride=(2, 2), padding="SAME"),),
            ),
        ]
    specs.append(
        Spec(
            "avgpool_global",
            single(lambda: layers.AveragePooling2D(6), (1, 6, 6, 8)),
            (op("AVERAGE_POOL_2D", filter=(6, 6), padding="VALID"),),
        )
    )
    return specs


def reshape_specs() -> list[Spec]:
    return [
        Spec(
            "reshape",
            single(lambda: layers.Reshape((12, 5)), ELEMENTWISE_SHAPE),
            (op("RESHAPE", input1=[1, 12, 5]),),
        ),
        # The converter turns a SQUEEZE or EXPAND_DIMS whose output shape it
        # knows into a RESHAPE; unknown dimensions (None: 1 in the .tflite
        # shape, -1 in its shape signature) keep them. SQUEEZE needs two.
        Spec(
            "squeeze",
            lambda: functional(lambda x: ops.squeeze(x, axis=2), (None, None, 1, 8)),
            (op("SQUEEZE", squeezeDims=[2]),),
        ),
        Spec(
            "expand_dims",
            lambda: functional(lambda x: ops.expand_dims(x, axis=2), (None, 4, 8)),
            (op("EXPAND_DIMS", input1=2),),
        ),
    ]


def elementwise_specs() -> list[Spec]:
    full, channels, rows = ELEMENTWISE_SHAPE, (1, 1, 1, 5), (1, 3, 1, 1)
    specs = []
    for name, combine in (("add", tf.add), ("sub", tf.subtract), ("mul", tf.multiply)):
        kind = name.upper()
        specs += [
            Spec(
                f"{name}_same_shape",
                binary(combine, full),
                (op(kind, activation="NONE", shapes=[full, full], constants=[]),),
            ),
            Spec(
                f"{name}_broadcast_channels",
                binary(combine, channels),
                (op(kind, shapes=[full, channels], constants=[]),),
            ),
            Spec(
                f"{name}_broadcast_rows",
                binary(combine, rows),
                (op(kind, shapes=[full, rows], constants=[]),),
            ),
            Spec(
                f"{name}_constant",
                with_constant(combine),
                (op(kind, shapes=[full, channels], constants=[1]),),
            ),
            Spec(
                f"{name}_relu",
                binary(combine, full, ops.relu),
                (op(kind, activation="RELU", constants=[]),),
            ),
        ]
    specs += [
        Spec(
            "maximum_broadcast",
            binary(tf.maximum, channels),
            (op("MAXIMUM", shapes=[full, channels], constants=[]),),
        ),
        Spec(
            "minimum_broadcast",
            binary(tf.minimum, rows),
            (op("MINIMUM", shapes=[full, rows], constants=[]),),
        ),
    ]
    return specs


def quantization_specs() -> list[Spec]:
    max_pool = single(lambda: layers.MaxPooling2D(2), (1, 8, 8, 4))
    return [
        Spec(
            "quantize_float_input",
            max_pool,
            (op("QUANTIZE", **{"in": "FLOAT32", "out": "INT8"}), op("MAX_POOL_2D")),
            (INT8_FLOAT_INPUT,),
        ),
        Spec(
            "dequantize_float_output",
            max_pool,
            (op("MAX_POOL_2D"), op("DEQUANTIZE", **{"in": "INT8", "out": "FLOAT32"})),
            (INT8_FLOAT_OUTPUT,),
        ),
        # CONCATENATION needs one scale for all its operands; TANH's output
        # scale is fixed (1/128), so the converter requantizes it.
        Spec(
            "requantize_concat",
            lambda: functional(
                lambda a, b: ops.concatenate([ops.tanh(a), b], axis=3),
                (1, 4, 4, 4),
                (1, 4, 4, 4),
            ),
            (
                op("TANH"),
                op("QUANTIZE", **{"in": "INT8", "out": "INT8"}),
                op("CONCATENATION", axis=3),
            ),
            (INT8,),
        ),
    ]


def concatenate(axis: int) -> Callable:
    return lambda *inputs: ops.concatenate(list(inputs), axis=axis)


def tensor_specs() -> list[Spec]:
    return [
        Spec(
            "pad",
            single(lambda: layers.ZeroPadding2D(((1, 2), (0, 1))), (1, 4, 4, 3)),
            (op("PAD", input1=[[0, 0], [1, 2], [0, 1], [0, 0]]),),
        ),
        Spec(
            "concat_channels",
            lambda: functional(concatenate(3), (1, 3, 4, 2), (1, 3, 4, 3)),
            (op("CONCATENATION", axis=3),),
        ),
        Spec(
            "concat_rows",
            lambda: functional(concatenate(1), (1, 2, 4, 3), (1, 3, 4, 3)),
            (op("CONCATENATION", axis=1),),
        ),
        Spec(
            "mean_keepdims",
            lambda: functional(
                lambda x: ops.mean(x, axis=(1, 2), keepdims=True), (1, 6, 6, 8)
            ),
            (op("MEAN", keepDims=True, input1=[1, 2]),),
        ),
        Spec(
            "mean_no_keepdims",
            lambda: functional(lambda x: ops.mean(x, axis=(1, 2)), (1, 6, 6, 8)),
            (op("MEAN", keepDims=False, input1=[1, 2]),),
        ),
        Spec(
            "strided_slice",
            lambda: functional(lambda x: x[:, 1::2, :6, 1:], (1, 8, 8, 4)),
            (
                op(
                    "STRIDED_SLICE",
                    beginMask=0b0101,
                    endMask=0b1011,
                    input1=[0, 1, 0, 1],
                    input2=[0, 0, 6, 0],
                    input3=[1, 2, 1, 1],
                ),
            ),
        ),
        Spec(
            "transpose",
            single(lambda: layers.Permute((3, 1, 2)), ELEMENTWISE_SHAPE),
            (op("TRANSPOSE", input1=[0, 3, 1, 2]),),
        ),
    ]


def activation_specs() -> list[Spec]:
    def activation(name: str, layer: Callable, **options: object) -> Spec:
        return Spec(name, single(layer, (1, 4, 4, 4)), (op(name.upper(), **options),))

    return [
        activation("relu", layers.ReLU),
        activation("relu6", lambda: layers.ReLU(6.0)),
        activation("leaky_relu", lambda: layers.LeakyReLU(0.2), alpha=0.2),
        activation("logistic", lambda: layers.Activation("sigmoid")),
        activation("tanh", lambda: layers.Activation("tanh")),
        activation("hard_swish", lambda: layers.Activation("hard_swish")),
        Spec("softmax", single(layers.Softmax, (1, 4, 10)), (op("SOFTMAX", beta=1.0),)),
    ]


def ds_cnn(softmax: bool = True) -> keras.Model:
    """A tiny keyword-spotting style depthwise-separable CNN (without its SOFTMAX head if not
    `softmax`)."""
    steps = [
        layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
        layers.DepthwiseConv2D(3, padding="same", activation="relu"),
        layers.Conv2D(8, 1, activation="relu"),
        layers.AveragePooling2D(8),
        layers.Flatten(),
        layers.Dense(4),
    ]
    return functional(chain(*steps, *([layers.Softmax()] if softmax else [])), (1, 16, 16, 1))


def residual_block() -> keras.Model:
    """conv -> conv -> add skip -> relu -> mean -> fully connected."""

    def body(x):
        y = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        y = layers.Conv2D(8, 3, padding="same")(y)
        y = layers.ReLU()(layers.Add()([x, y]))
        return layers.Dense(4)(ops.mean(y, axis=(1, 2)))

    return functional(body, (1, 8, 8, 8))


def network_specs() -> list[Spec]:
    return [
        Spec(
            "ds_cnn",
            ds_cnn,
            (
                op("CONV_2D", stride=(2, 2), activation="RELU"),
                op("DEPTHWISE_CONV_2D", activation="RELU"),
                op("CONV_2D", activation="RELU"),
                op("AVERAGE_POOL_2D", filter=(8, 8)),
                op("FULLY_CONNECTED"),
                op("SOFTMAX"),
            ),
        ),
        Spec(
            "residual_block",
            residual_block,
            (
                op("CONV_2D", activation="RELU"),
                op("CONV_2D", activation="NONE"),
                op("ADD", activation="RELU"),
                op("MEAN", input1=[1, 2]),
                op("FULLY_CONNECTED"),
            ),
        ),
    ]


def unary(function: Callable, shape: tuple[int, ...]) -> Callable:
    """A one-input model applying a TensorFlow function in a Lambda layer."""
    return single(lambda: layers.Lambda(function), shape)


def min_pool() -> keras.Model:
    """Min pooling as TensorFlow spells it: -max_pool(-x)."""

    def body(x):
        y = layers.MaxPooling2D(2)(layers.Lambda(tf.negative)(x))
        return layers.Lambda(tf.negative)(y)

    return functional(body, (1, 6, 6, 3))


def l1_distance() -> keras.Model:
    """A Siamese head: one shared embedding of two inputs, the absolute difference of the two,
    and same/different scores."""
    embed = layers.Dense(8, activation="relu")
    score = layers.Dense(2, activation="softmax")

    def body(a, b):
        distance = layers.Lambda(tf.abs)(layers.Subtract()([embed(a), embed(b)]))
        return score(distance)

    return functional(body, (1, 16), (1, 16))


def unary_math_specs() -> list[Spec]:
    """ABS (int8 and float32) and NEG (float32: TFLM has no int8 NEG, so the converter leaves an
    int8 model's NEG in float32 between DEQUANTIZE and QUANTIZE)."""
    float_island = (op("DEQUANTIZE"), op("NEG", **{"in": "FLOAT32"}), op("QUANTIZE"))
    return [
        # int8: the output scale is about half the input's (|x| spans half the range).
        Spec("abs", unary(tf.abs, (1, 4, 4, 4)), (op("ABS", shapes=[(1, 4, 4, 4)]),)),
        Spec("abs_rank2", unary(tf.abs, (1, 40)), (op("ABS", shapes=[(1, 40)]),)),
        # int8: RELU's output range is ABS's, so the scales are equal and TFLM skips the
        # rescale.
        Spec(
            "abs_after_relu",
            single(lambda: chain(layers.ReLU(), layers.Lambda(tf.abs)), (1, 6, 8)),
            (op("RELU"), op("ABS")),
        ),
        Spec(
            "l1_distance",
            l1_distance,
            (
                op("FULLY_CONNECTED", activation="RELU"),
                op("FULLY_CONNECTED", activation="RELU"),
                op("SUB"),
                op("ABS"),
                op("FULLY_CONNECTED"),
                op("SOFTMAX"),
            ),
        ),
        Spec("neg", unary(tf.negative, (1, 4, 4, 4)), (op("NEG"),), (FLOAT,)),
        Spec("neg_rank3", unary(tf.negative, (1, 6, 10)), (op("NEG"),), (FLOAT,)),
        Spec("neg_in_int8", unary(tf.negative, (1, 4, 4, 4)), float_island, (INT8,)),
        Spec(
            "min_pool",
            min_pool,
            (op("NEG"), op("MAX_POOL_2D", filter=(2, 2)), op("NEG")),
            (FLOAT,),
        ),
        Spec(
            "min_pool_in_int8",
            min_pool,
            (*float_island, op("MAX_POOL_2D"), *float_island),
            (INT8,),
        ),
    ]


def mean_variance_pool() -> keras.Model:
    """Statistics pooling (speaker embeddings): per-channel mean and variance over the image,
    the variance as the mean of SQUARED_DIFFERENCE from the mean, then a dense layer."""

    def body(x):
        y = layers.Conv2D(6, 3, padding="same", activation="relu")(x)
        mean = layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2], keepdims=True))(y)
        deviation = layers.Lambda(lambda ab: tf.math.squared_difference(*ab))([y, mean])
        variance = layers.Lambda(lambda t: tf.reduce_mean(t, axis=[1, 2]))(deviation)
        pooled = layers.Concatenate()([layers.Flatten()(mean), variance])
        return layers.Dense(4)(pooled)

    return functional(body, (1, 6, 6, 3))


def squared_difference_specs() -> list[Spec]:
    full, channels, rows = ELEMENTWISE_SHAPE, (1, 1, 1, 5), (1, 3, 1, 1)
    sqd, name = tf.math.squared_difference, "SQUARED_DIFFERENCE"
    return [
        Spec(
            "squared_difference_same_shape",
            binary(sqd, full),
            (op(name, shapes=[full, full], constants=[]),),
        ),
        Spec(
            "squared_difference_broadcast_channels",
            binary(sqd, channels),
            (op(name, shapes=[full, channels], constants=[]),),
        ),
        Spec(
            "squared_difference_broadcast_rows",
            binary(sqd, rows),
            (op(name, shapes=[full, rows], constants=[]),),
        ),
        # Both inputs broadcast: [1, 3, 1, 5] against [1, 1, 4, 1].
        Spec(
            "squared_difference_broadcast_both",
            lambda: functional(
                lambda a, b: layers.Lambda(lambda ab: sqd(*ab))([a, b]),
                (1, 3, 1, 5),
                (1, 1, 4, 1),
            ),
            (op(name, shapes=[(1, 3, 1, 5), (1, 1, 4, 1)], constants=[]),),
        ),
        # A constant per-channel operand: input scales far apart.
        Spec(
            "squared_difference_constant",
            with_constant(sqd),
            (op(name, shapes=[full, channels], constants=[1]),),
        ),
        Spec(
            "mean_variance_pool",
            mean_variance_pool,
            (
                op("CONV_2D", activation="RELU"),
                op("MEAN", keepDims=True, input1=[1, 2]),
                op("RESHAPE"),
                op(name, shapes=[(1, 6, 6, 6), (1, 1, 1, 6)]),
                op("MEAN", keepDims=False, input1=[1, 2]),
                op("CONCATENATION"),
                op("FULLY_CONNECTED"),
            ),
        ),
    ]


def split(*arguments, **keywords) -> Callable:
    """A one-input body applying tf.split with the given arguments (several outputs)."""
    return lambda x: layers.Lambda(lambda y: tf.split(y, *arguments, **keywords))(x)


def split_specs() -> list[Spec]:
    return [
        Spec(
            "split_channels",
            lambda: functional(split(2, axis=3), (1, 3, 4, 6)),
            (op("SPLIT", numSplits=2, input0=3),),
        ),
        Spec(
            "split_v_rows",
            lambda: functional(split([1, -1, 2], axis=1), (1, 6, 4, 3)),
            (op("SPLIT_V", numSplits=3, input1=[1, -1, 2], input2=1),),
        ),
        Spec(
            "unpack",
            lambda: functional(
                lambda x: layers.Lambda(lambda y: tf.unstack(y, axis=2))(x), (1, 3, 4, 2)
            ),
            (op("UNPACK", num=4, axis=2),),
        ),
        Spec(
            "pack",
            lambda: functional(
                lambda a, b, c: layers.Lambda(lambda t: tf.stack(t, axis=1))([a, b, c]),
                (1, 3, 4),
                (1, 3, 4),
                (1, 3, 4),
            ),
            (op("PACK", valuesCount=3, axis=1),),
        ),
    ]


# --- Flatbuffer surgery: operators the converter does not emit on its own ---

KWS_MODEL = REPO_ROOT / "tests" / "models" / "keyword_scrambled_8bit.tflite"


def read_model(model_bytes: bytes):
    """A .tflite model as the schema's mutable object tree."""
    return schema_py.ModelT.InitFromObj(schema_py.Model.GetRootAsModel(model_bytes, 0))


def write_model(model) -> bytes:
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def has_data(model, tensor) -> bool:
    data = model.buffers[tensor.buffer].data
    return data is not None and len(data) > 0


def cut(path: Path, keep: list[int]) -> bytes:
    """The operators keep of a model's first subgraph as a model of their own.

    Its inputs are the activations those operators read and do not write, its
    outputs the last operator's; only the tensors and buffers they use are kept,
    and unnamed tensors are named tensor_<index in the source>.
    """
    model = read_model(path.read_bytes())
    subgraph = model.subgraphs[0]
    operators = [subgraph.operators[i] for i in keep]
    written = [t for o in operators for t in o.outputs]
    read = [t for o in operators for t in o.inputs if t >= 0]
    used = sorted({*read, *written})
    renumber = {old: new for new, old in enumerate(used)}
    buffers = [schema_py.BufferT()]
    tensors = []
    for old in used:
        tensor = copy.deepcopy(subgraph.tensors[old])
        if has_data(model, tensor):
            buffers.append(copy.deepcopy(model.buffers[tensor.buffer]))
            tensor.buffer = len(buffers) - 1
        else:
            tensor.buffer = 0
        if not tensor.name:
            tensor.name = f"tensor_{old}"
        tensors.append(tensor)
    inputs = [
        t
        for t in dict.fromkeys(read)
        if t not in written
        and not has_data(model, subgraph.tensors[t])
        and not subgraph.tensors[t].isVariable
    ]
    outputs = list(operators[-1].outputs)
    for o in operators:
        o.inputs = [renumber[t] if t >= 0 else -1 for t in o.inputs]
        o.outputs = [renumber[t] for t in o.outputs]
    subgraph.tensors = tensors
    subgraph.operators = operators
    subgraph.inputs = [renumber[t] for t in inputs]
    subgraph.outputs = [renumber[t] for t in outputs]
    model.subgraphs = [subgraph]
    model.buffers = buffers
    model.metadata = None
    model.metadataBuffer = None
    model.signatureDefs = None
    return write_model(model)


def append_dequantize(model_bytes: bytes) -> bytes:
    """The model with a DEQUANTIZE to float32 after its one output."""
    model = read_model(model_bytes)
    subgraph = model.subgraphs[0]
    (source,) = subgraph.outputs
    tensor = schema_py.TensorT()
    tensor.name = "dequantized"
    tensor.type = schema_py.TensorType.FLOAT32
    tensor.shape = list(subgraph.tensors[source].shape)
    tensor.buffer = 0
    subgraph.tensors.append(tensor)
    code = schema_py.OperatorCodeT()
    code.builtinCode = schema_py.BuiltinOperator.DEQUANTIZE
    code.deprecatedBuiltinCode = schema_py.BuiltinOperator.DEQUANTIZE
    code.version = 1
    model.operatorCodes.append(code)
    operator = schema_py.OperatorT()
    operator.opcodeIndex = len(model.operatorCodes) - 1
    operator.inputs = [source]
    operator.outputs = [len(subgraph.tensors) - 1]
    subgraph.operators.append(operator)
    subgraph.outputs = [len(subgraph.tensors) - 1]
    model.signatureDefs = None
    return write_model(model)


def boundary_specs() -> list[Spec]:
    """uint8, int16 and int32 at a model's boundary."""
    max_pool = single(lambda: layers.MaxPooling2D(2), (1, 8, 8, 4))
    types = lambda a, b: {"in": a, "out": b}  # noqa: E731
    return [
        # The converter's uint8 boundary: QUANTIZE uint8 -> int8 and back.
        Spec(
            "maxpool",
            max_pool,
            (
                op("QUANTIZE", **types("UINT8", "INT8")),
                op("MAX_POOL_2D"),
                op("QUANTIZE", **types("INT8", "UINT8")),
            ),
            (UINT8_IO,),
        ),
        Spec(
            "dequantize",
            max_pool,
            (
                op("QUANTIZE", **types("UINT8", "INT8")),
                op("MAX_POOL_2D"),
                op("QUANTIZE", **types("INT8", "UINT8")),
                op("DEQUANTIZE", **types("UINT8", "FLOAT32")),
            ),
            (UINT8_IO,),
            edit=append_dequantize,
        ),
        # keyword_scrambled's int16 input, int16 softmax and int32 output.
        Spec(
            "kws_quantize_int16",
            None,
            (op("QUANTIZE", **types("INT16", "INT8")),),
            (CUT,),
            make=lambda: cut(KWS_MODEL, [0]),
        ),
        Spec(
            "kws_softmax_int16",
            None,
            (op("SOFTMAX", **types("INT8", "INT16")),),
            (CUT,),
            make=lambda: cut(KWS_MODEL, [13]),
        ),
        Spec(
            "kws_quantize_int32",
            None,
            (op("QUANTIZE", **types("INT16", "INT32")),),
            (CUT,),
            make=lambda: cut(KWS_MODEL, [14]),
        ),
        Spec(
            "kws_tail",
            None,
            (
                op("FULLY_CONNECTED"),
                op("SOFTMAX", **types("INT8", "INT16")),
                op("QUANTIZE", **types("INT16", "INT32")),
            ),
            (CUT,),
            make=lambda: cut(KWS_MODEL, [12, 13, 14]),
        ),
    ]


# --- Data movement: SLICE, GATHER, DEPTH_TO_SPACE, SPACE_TO_DEPTH, MIRROR_PAD, PADV2 ---

# Not quantized: a model of int32 activations (its inputs are int32 too).
INT32 = Conversion("int32", "int32", quantized=False)
# Distinct dimensions, so that a misplaced axis shows.
DATA_MOVEMENT_SHAPE = (1, 4, 5, 3)


def lambda_model(body: Callable, shape: tuple[int, ...], dtype: str = "float32") -> Callable:
    """A builder of a one-input model applying a TensorFlow function in a Lambda layer."""

    def build() -> keras.Model:
        x = keras.Input(shape=shape[1:], batch_size=shape[0], dtype=dtype, name="input_0")
        return keras.Model(x, layers.Lambda(body)(x))

    return build


def data_movement_specs() -> list[Spec]:
    def slice_body(x):
        return tf.slice(x, [0, 1, 0, 1], [1, 2, -1, 2])

    slice_expect = (op("SLICE", input1=[0, 1, 0, 1], input2=[1, 2, -1, 2]),)
    return [
        Spec("slice", lambda_model(slice_body, DATA_MOVEMENT_SHAPE), slice_expect),
        Spec(
            "slice",
            lambda_model(slice_body, DATA_MOVEMENT_SHAPE, "int32"),
            slice_expect,
            conversions=(INT32,),
        ),
        Spec(
            "gather_axis1",
            lambda_model(lambda x: tf.gather(x, [2, 0, 3, 3], axis=1), DATA_MOVEMENT_SHAPE),
            (op("GATHER", axis=1, input1=[2, 0, 3, 3]),),
        ),
        Spec(
            "gather_batch_dims",
            lambda_model(
                lambda x: tf.gather(x, [[4, 0, 2]], axis=2, batch_dims=1),
                DATA_MOVEMENT_SHAPE,
            ),
            (op("GATHER", axis=2, batchDims=1, input1=[[4, 0, 2]]),),
        ),
        Spec(
            "depth_to_space",
            lambda_model(lambda x: tf.nn.depth_to_space(x, 2), (1, 3, 4, 8)),
            (op("DEPTH_TO_SPACE", blockSize=2),),
        ),
        Spec(
            "space_to_depth",
            lambda_model(lambda x: tf.nn.space_to_depth(x, 2), (1, 4, 6, 3)),
            (op("SPACE_TO_DEPTH", blockSize=2),),
        ),
        Spec(
            "mirror_pad_reflect",
            lambda_model(
                lambda x: tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 0]], mode="REFLECT"),
                DATA_MOVEMENT_SHAPE,
            ),
            (op("MIRROR_PAD", mode="REFLECT"),),
        ),
        Spec(
            "mirror_pad_symmetric",
            lambda_model(
                lambda x: tf.pad(x, [[0, 0], [4, 1], [0, 5], [1, 2]], mode="SYMMETRIC"),
                DATA_MOVEMENT_SHAPE,
            ),
            (op("MIRROR_PAD", mode="SYMMETRIC"),),
        ),
        Spec(
            "padv2",
            lambda_model(
                lambda x: tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]], constant_values=1.5),
                DATA_MOVEMENT_SHAPE,
            ),
            (op("PADV2", input1=[[0, 0], [1, 2], [0, 1], [0, 0]]),),
        ),
    ]


def elementwise_math_specs() -> list[Spec]:
    """EXP, LOG, SQRT, RSQRT, SQUARE, FLOOR, CEIL, ROUND and ELU in float32 (TFLM's only type for
    all but RSQRT and ELU), and RSQRT in int8. LOG, SQRT and RSQRT take |x| (plus 1/4 for RSQRT,
    away from its pole), so that every golden is finite."""
    shape = (1, 4, 4, 4)
    rsqrt = unary(lambda x: tf.math.rsqrt(tf.abs(x) + 0.25), shape)
    return [
        Spec("exp", unary(tf.exp, shape), (op("EXP"),), (FLOAT,)),
        Spec(
            "log",
            unary(lambda x: tf.math.log(tf.abs(x)), shape),
            (op("ABS"), op("LOG")),
            (FLOAT,),
        ),
        Spec(
            "sqrt",
            unary(lambda x: tf.sqrt(tf.abs(x)), shape),
            (op("ABS"), op("SQRT")),
            (FLOAT,),
        ),
        Spec("rsqrt", rsqrt, (op("ABS"), op("ADD"), op("RSQRT"))),
        Spec("square", unary(tf.square, shape), (op("SQUARE"),), (FLOAT,)),
        Spec("floor", unary(tf.floor, shape), (op("FLOOR"),), (FLOAT,)),
        Spec("ceil", unary(tf.math.ceil, shape), (op("CEIL"),), (FLOAT,)),
        Spec("round", unary(tf.round, shape), (op("ROUND"),), (FLOAT,)),
        Spec("elu", unary(tf.nn.elu, shape), (op("ELU"),), (FLOAT,)),
    ]
def where(condition: Callable) -> Callable:
    """A body choosing between its two inputs by condition(a, b): tf.where(condition, a, b)."""
    return lambda a, b: layers.Lambda(lambda ab: tf.where(condition(*ab), *ab))([a, b])


def select_as_select_v2(model_bytes: bytes) -> bytes:
    """The model with its SELECT operators made SELECT_V2, which TFLM runs (it has no SELECT):
    the converter writes SELECT where no input is broadcast, SELECT_V2's element-wise case."""
    model = read_model(model_bytes)
    select_v2 = schema_py.BuiltinOperator.SELECT_V2
    for code in model.operatorCodes:
        if code.builtinCode == schema_py.BuiltinOperator.SELECT:
            code.builtinCode = select_v2
            code.deprecatedBuiltinCode = min(select_v2, 127)
            code.version = 1
    for operator in model.subgraphs[0].operators:
        if operator.builtinOptionsType == schema_py.BuiltinOptions.SelectOptions:
            operator.builtinOptionsType = schema_py.BuiltinOptions.SelectV2Options
            operator.builtinOptions = schema_py.SelectV2OptionsT()
    return write_model(model)


def compare_specs() -> list[Spec]:
    """Comparisons feeding SELECT_V2 as tf.where converts, logical ops between comparisons,
    ARG_MAX and ARG_MIN (int32 out), and int32 comparisons of their results."""
    full, channels = ELEMENTWISE_SHAPE, (1, 1, 1, 5)
    select = op("SELECT_V2")
    specs = [
        # x > y ? x : y over one shape: GREATER then SELECT_V2.
        Spec(
            "where_greater",
            lambda: functional(where(tf.greater), full, full),
            (op("GREATER", shapes=[full, full], out="BOOL"), select),
            edit=select_as_select_v2,
        ),
    ]
    # Each comparison against a broadcast second input, which SELECT_V2 broadcasts too.
    for name, compare in (
        ("equal", tf.equal),
        ("not_equal", tf.not_equal),
        ("greater", tf.greater),
        ("greater_equal", tf.greater_equal),
        ("less", tf.less),
        ("less_equal", tf.less_equal),
    ):
        build = lambda compare=compare: functional(where(compare), full, channels)  # noqa: E731
        expected = (op(name.upper(), shapes=[full, channels]), select)
        if name == "not_equal":
            # The converter leaves an int8 model's NOT_EQUAL in float32 (not EQUAL).
            float_inputs = (op("DEQUANTIZE"), op("DEQUANTIZE"))
            in_float = op(name.upper(), **{"in": "FLOAT32"})
            specs += [
                Spec(f"where_{name}_broadcast", build, expected, (FLOAT,)),
                Spec(f"where_{name}_in_int8", build, (*float_inputs, in_float, select), (INT8,)),
            ]
        else:
            specs.append(Spec(f"where_{name}_broadcast", build, expected))
    # A constant threshold per channel: in int8, inputs of different scales, rescaled to a
    # common one before they are compared.
    threshold = np.linspace(-1.5, 2.0, full[3], dtype=np.float32).reshape(1, 1, 1, -1)
    specs.append(
        Spec(
            "where_less_constant",
            single(
                lambda: layers.Lambda(lambda x: tf.where(x < threshold, x, threshold)),
                full,
            ),
            (op("LESS", constants=[1]), op("SELECT_V2", constants=[2])),
        )
    )
    specs += [
        Spec(
            "where_logical_and",
            lambda: functional(
                where(lambda a, b: tf.logical_and(a > 0.0, b < 0.5)), full, channels
            ),
            # TFLM has no SELECT, which the converter makes of a SELECT_V2 without
            # broadcasting: the second input is broadcast.
            (
                op("GREATER"),
                op("LESS"),
                op("LOGICAL_AND", shapes=[full, channels]),
                select,
            ),
        ),
        Spec(
            "where_logical_or_not",
            lambda: functional(
                where(
                    lambda a, b: tf.logical_and(
                        tf.logical_not(tf.logical_or(a > b, b > 1.0)), a > -1.0
                    )
                ),
                full,
                channels,
            ),
            # The converter folds a LOGICAL_NOT of a comparison into the opposite comparison,
            # and one that is the condition into SELECT_V2 (swapping its values).
            (
                op("GREATER"),
                op("GREATER"),
                op("GREATER"),
                op("LOGICAL_OR"),
                op("LOGICAL_NOT"),
                op("LOGICAL_AND"),
                select,
            ),
        ),
        Spec(
            "arg_max_channels",
            unary(lambda x: tf.argmax(x, axis=-1, output_type=tf.int32), full),
            (op("ARG_MAX", input1=-1, out="INT32"),),
        ),
        Spec(
            "arg_min_rows",
            unary(lambda x: tf.argmin(x, axis=1, output_type=tf.int32), full),
            (op("ARG_MIN", input1=1, out="INT32"),),
        ),
        # Where two inputs agree on the row of their largest value, the first, else the second.
        Spec(
            "where_same_arg_max",
            lambda: functional(
                where(
                    lambda a, b: tf.equal(
                        tf.argmax(a, axis=1, output_type=tf.int32),
                        tf.argmax(b, axis=1, output_type=tf.int32),
                    )
                ),
                full,
                full,
            ),
            (op("ARG_MAX"), op("ARG_MAX"), op("EQUAL", **{"in": "INT32"}), select),
        ),
    ]
    return specs


def reduce_specs() -> list[Spec]:
    """REDUCE_MAX, REDUCE_MIN and SUM over adjacent axes, keeping the reduced dimensions and not:
    the image (axes 1 and 2) and the channels (the last axis)."""
    shape = (1, 4, 5, 6)
    specs = []
    for name, reduce in (
        ("REDUCE_MAX", tf.reduce_max),
        ("REDUCE_MIN", tf.reduce_min),
        ("SUM", tf.reduce_sum),
    ):
        base = "reduce_" + name.lower().removeprefix("reduce_")
        specs += [
            Spec(
                f"{base}_image_keepdims",
                unary(lambda x, r=reduce: r(x, axis=[1, 2], keepdims=True), shape),
                (op(name, keepDims=True, input1=[1, 2]),),
            ),
            Spec(
                f"{base}_channels",
                unary(lambda x, r=reduce: r(x, axis=-1), shape),
                (op(name, keepDims=False, input1=-1),),
            ),
        ]
    return specs


def abs_as(name: str, output_shape: list[int] | None = None) -> Callable[[bytes], bytes]:
    """An edit making a model's ABS operator `name` (ZEROS_LIKE, SHAPE), which the converter
    folds into a constant when the input's shape is static. With `output_shape`, the output
    becomes an unquantized INT32 tensor of that shape (SHAPE's)."""

    def edit(model_bytes: bytes) -> bytes:
        model = read_model(model_bytes)
        code_value = getattr(schema_py.BuiltinOperator, name)
        for code in model.operatorCodes:
            if code.builtinCode == schema_py.BuiltinOperator.ABS:
                code.builtinCode = code_value
                code.deprecatedBuiltinCode = min(code_value, 127)
                code.version = 1
        subgraph = model.subgraphs[0]
        for operator in subgraph.operators:
            operator.builtinOptionsType = schema_py.BuiltinOptions.NONE
            operator.builtinOptions = None
            if output_shape is not None:
                output = subgraph.tensors[operator.outputs[0]]
                output.type = schema_py.TensorType.INT32
                output.shape = np.array(output_shape, dtype=np.int32)
                output.shapeSignature = None
                output.quantization = None
        return write_model(model)

    return edit


def fill_specs() -> list[Spec]:
    """FILL with a run-time value, ZEROS_LIKE, BROADCAST_TO and SHAPE."""

    def fill_body(x):
        # The value is computed from the input, so the converter cannot fold the FILL away.
        return tf.fill([2, 3, 4], x[0, 1, 2, 1])

    fill_expect = (op("STRIDED_SLICE"), op("FILL", input0=[2, 3, 4]))
    broadcast_shape = (1, 4, 1, 3)

    def broadcast_body(x):
        return tf.broadcast_to(x, [2, 4, 5, 3])

    broadcast_expect = (op("BROADCAST_TO", input1=[2, 4, 5, 3]),)
    return [
        Spec("fill_value", lambda_model(fill_body, DATA_MOVEMENT_SHAPE), fill_expect),
        # An int32 value: the position of a vector's largest element (STRIDED_SLICE and SLICE
        # do not make an int32 scalar embedml runs).
        Spec(
            "fill_arg_max",
            lambda_model(
                lambda x: tf.fill([2, 3], tf.argmax(x, axis=0, output_type=tf.int32)), (6,)
            ),
            (op("ARG_MAX", out="INT32"), op("FILL", input0=[2, 3], **{"in": "INT32"})),
            conversions=(FLOAT,),
        ),
        Spec(
            "broadcast_to",
            lambda_model(broadcast_body, broadcast_shape),
            broadcast_expect,
        ),
        Spec(
            "zeros_like",
            lambda_model(tf.abs, DATA_MOVEMENT_SHAPE),
            (op("ZEROS_LIKE"),),
            edit=abs_as("ZEROS_LIKE"),
        ),
        Spec(
            "zeros_like",
            lambda_model(tf.abs, DATA_MOVEMENT_SHAPE, "int32"),
            (op("ZEROS_LIKE", **{"in": "INT32"}),),
            conversions=(INT32,),
            edit=abs_as("ZEROS_LIKE"),
        ),
        Spec(
            "shape",
            lambda_model(tf.abs, DATA_MOVEMENT_SHAPE),
            (op("SHAPE", out="INT32"),),
            edit=abs_as("SHAPE", [len(DATA_MOVEMENT_SHAPE)]),
        ),
    ]


# --- Resizing, transpose convolution, space/batch, and networks of them ---

RESIZE_SHAPE = (1, 3, 4, 2)


def resize_specs() -> list[Spec]:
    """RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR in each corner mode the converter emits,
    upsampling and downsampling."""
    nearest, bilinear = "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR"
    v1 = tf.compat.v1.image

    def modes(align: bool, half: bool) -> dict[str, object]:
        return {"alignCorners": align, "halfPixelCenters": half}

    return [
        # (Keras 3's UpSampling2D converts to RESHAPE and TILE, not to a resize.)
        Spec(
            "resize_nearest_2x",
            lambda_model(lambda x: v1.resize_nearest_neighbor(x, (6, 8)), (1, 3, 4, 3)),
            (op(nearest, input1=[6, 8], **modes(False, False)),),
        ),
        Spec(
            "resize_nearest_half_pixel",
            lambda_model(lambda x: tf.image.resize(x, (5, 7), method="nearest"), RESIZE_SHAPE),
            (op(nearest, input1=[5, 7], **modes(False, True)),),
        ),
        Spec(
            "resize_nearest_align_corners",
            lambda_model(
                lambda x: v1.resize_nearest_neighbor(x, (5, 7), align_corners=True),
                RESIZE_SHAPE,
            ),
            (op(nearest, input1=[5, 7], **modes(True, False)),),
        ),
        Spec(
            "resize_nearest_downsample",
            lambda_model(lambda x: v1.resize_nearest_neighbor(x, (2, 3)), (1, 5, 7, 2)),
            (op(nearest, input1=[2, 3], **modes(False, False)),),
        ),
        # TensorFlow rejects both options at once; TFLM takes them (rounding the half-pixel
        # sample point): set half_pixel_centers in an align_corners model.
        Spec(
            "resize_nearest_align_half_pixel",
            lambda_model(
                lambda x: v1.resize_nearest_neighbor(x, (5, 7), align_corners=True),
                RESIZE_SHAPE,
            ),
            (op(nearest, input1=[5, 7], **modes(True, True)),),
            edit=set_half_pixel_centers,
        ),
        Spec(
            "resize_bilinear_half_pixel",
            lambda_model(lambda x: tf.image.resize(x, (5, 7)), RESIZE_SHAPE),
            (op(bilinear, input1=[5, 7], **modes(False, True)),),
        ),
        Spec(
            "resize_bilinear_align_corners",
            lambda_model(
                lambda x: v1.resize_bilinear(x, (5, 7), align_corners=True), RESIZE_SHAPE
            ),
            (op(bilinear, input1=[5, 7], **modes(True, False)),),
        ),
        Spec(
            "resize_bilinear_plain",
            lambda_model(lambda x: v1.resize_bilinear(x, (5, 7)), RESIZE_SHAPE),
            (op(bilinear, input1=[5, 7], **modes(False, False)),),
        ),
        Spec(
            "resize_bilinear_upsampling2d",
            single(lambda: layers.UpSampling2D(2, interpolation="bilinear"), (1, 4, 4, 3)),
            (op(bilinear, input1=[8, 8]),),
        ),
        Spec(
            "resize_bilinear_downsample",
            lambda_model(lambda x: tf.image.resize(x, (3, 2)), (1, 6, 5, 2)),
            (op(bilinear, input1=[3, 2], **modes(False, True)),),
        ),
    ]


def set_half_pixel_centers(model_bytes: bytes) -> bytes:
    """Set half_pixel_centers in every RESIZE_NEAREST_NEIGHBOR's options."""
    model = read_model(model_bytes)
    for operator in model.subgraphs[0].operators:
        if isinstance(operator.builtinOptions, schema_py.ResizeNearestNeighborOptionsT):
            operator.builtinOptions.halfPixelCenters = True
    return write_model(model)


# Output shape, filter, input, bias.
TCONV_S2_SAME = [(4,), (4, 3, 3, 3), (1, 3, 4, 3), (4,)]


def transpose_conv_specs() -> list[Spec]:
    """TRANSPOSE_CONV with and without a bias, SAME and VALID, several strides."""
    tconv, transpose = "TRANSPOSE_CONV", layers.Conv2DTranspose
    return [
        Spec(
            "tconv_s2_same",
            single(lambda: transpose(4, 3, strides=2, padding="same"), (1, 3, 4, 3)),
            (op(tconv, stride=(2, 2), padding="SAME", bias=True, shapes=TCONV_S2_SAME),),
        ),
        Spec(
            "tconv_s2_valid_no_bias",
            single(lambda: transpose(3, 3, strides=2, use_bias=False), (1, 3, 4, 2)),
            (op(tconv, stride=(2, 2), padding="VALID", bias=False),),
        ),
        Spec(
            "tconv_s1_same",
            single(lambda: transpose(3, (2, 3), padding="same"), (1, 4, 5, 2)),
            (op(tconv, stride=(1, 1), padding="SAME", bias=True),),
        ),
        Spec(
            "tconv_s3x2_valid",
            single(lambda: transpose(2, (4, 3), strides=(3, 2)), (1, 2, 3, 3)),
            (op(tconv, stride=(3, 2), padding="VALID", bias=True),),
        ),
        Spec(
            "tconv_per_tensor",
            single(lambda: transpose(4, 3, strides=2, padding="same"), (1, 3, 3, 2)),
            (op(tconv, per_channel=False),),
            (INT8_PER_TENSOR,),
        ),
    ]


def batch_space_specs() -> list[Spec]:
    """SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, NHWC and NHC, with paddings and crops."""
    s2b, b2s = "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"
    return [
        Spec(
            "space_to_batch",
            lambda_model(
                lambda x: tf.space_to_batch_nd(x, [2, 2], [[1, 1], [2, 0]]), (1, 4, 4, 3)
            ),
            (op(s2b, input1=[2, 2], input2=[[1, 1], [2, 0]]),),
        ),
        # After RELU the int8 zero point is -128: TFLM still pads with 0 bits (its pad value is
        # a parameter it never sets, 0 in a zeroed arena: see MALLOC_MMAP_THRESHOLD_ above).
        Spec(
            "space_to_batch_after_relu",
            lambda_model(
                lambda x: tf.space_to_batch_nd(tf.nn.relu(x), [2, 3], [[0, 2], [1, 1]]),
                (2, 4, 4, 2),
            ),
            (op("RELU"), op(s2b, input1=[2, 3], input2=[[0, 2], [1, 1]])),
        ),
        Spec(
            "space_to_batch_nhc",
            lambda_model(lambda x: tf.space_to_batch_nd(x, [3], [[1, 2]]), (1, 6, 4)),
            (op(s2b, input1=[3], input2=[[1, 2]]),),
        ),
        Spec(
            "batch_to_space",
            lambda_model(lambda x: tf.batch_to_space(x, [2, 2], [[1, 0], [0, 1]]), (4, 2, 3, 3)),
            (op(b2s, input1=[2, 2], input2=[[1, 0], [0, 1]]),),
        ),
        Spec(
            "batch_to_space_nhc",
            lambda_model(lambda x: tf.batch_to_space(x, [2], [[0, 1]]), (4, 3, 2)),
            (op(b2s, input1=[2], input2=[[0, 1]]),),
        ),
    ]


def unet_tiny() -> keras.Model:
    """conv -> stride-2 conv -> transpose conv -> concatenation with the skip -> resize."""

    def body(x):
        skip = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
        down = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(skip)
        up = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(down)
        merged = layers.Concatenate()([up, skip])
        y = layers.Conv2D(2, 1)(merged)
        return layers.UpSampling2D(2, interpolation="bilinear")(y)

    return functional(body, (1, 8, 8, 3))


def yolo_head() -> keras.Model:
    """conv -> 2x nearest upsampling -> concatenation -> 1x1 conv -> split -> logistic."""

    def body(x):
        coarse = layers.Conv2D(6, 3, strides=2, padding="same", activation="relu")(x)
        # Keras 3's UpSampling2D converts to TILE: TensorFlow's resize, as Keras 2 spelled it.
        up = layers.Lambda(lambda t: tf.compat.v1.image.resize_nearest_neighbor(t, (8, 8)))(
            coarse
        )
        fine = layers.Conv2D(4, 1, activation="relu")(x)
        head = layers.Conv2D(6, 1)(layers.Concatenate()([up, fine]))
        xy, wh, score = layers.Lambda(lambda t: tf.split(t, 3, axis=3))(head)
        return layers.Concatenate()([ops.sigmoid(xy), wh, ops.sigmoid(score)])

    return functional(body, (1, 8, 8, 3))


def dilated_block() -> keras.Model:
    """A dilated 3x3 convolution spelled as the converter keeps it: SPACE_TO_BATCH_ND ->
    CONV_2D (with a fused RELU) -> BATCH_TO_SPACE_ND (a plain dilated Conv2D becomes one
    dilated CONV_2D), then a 1x1 convolution."""
    rng = np.random.default_rng(goldens.fnv1a64(b"dilated_block"))
    weights = rng.uniform(-WEIGHT_RANGE, WEIGHT_RANGE, (3, 3, 3, 4)).astype(np.float32)

    def dilated(x):
        y = tf.space_to_batch_nd(x, [2, 2], [[2, 2], [2, 2]])
        y = tf.nn.relu(tf.nn.conv2d(y, weights, 1, "VALID"))
        return tf.batch_to_space(y, [2, 2], [[0, 0], [0, 0]])

    def body(x):
        return layers.Conv2D(2, 1)(layers.Lambda(dilated)(x))

    return functional(body, (1, 8, 8, 3))


CONCAT = op("CONCATENATION", axis=-1)
# Up to the split.
YOLO_HEAD = (
    op("CONV_2D", stride=(2, 2), activation="RELU"),
    op("RESIZE_NEAREST_NEIGHBOR", input1=[8, 8]),
    op("CONV_2D", activation="RELU"),
    CONCAT,
    op("CONV_2D"),
    op("SPLIT", numSplits=3),
)


def network_resize_specs() -> list[Spec]:
    return [
        Spec(
            "unet_tiny",
            unet_tiny,
            (
                op("CONV_2D", activation="RELU"),
                op("CONV_2D", stride=(2, 2), activation="RELU"),
                op("TRANSPOSE_CONV", stride=(2, 2), padding="SAME"),
                op("CONCATENATION", axis=-1),
                op("CONV_2D"),
                op("RESIZE_BILINEAR", input1=[16, 16]),
            ),
        ),
        # int8: LOGISTIC's output scale is fixed (1/256), so the converter requantizes it
        # for the concatenation.
        Spec(
            "yolo_head",
            yolo_head,
            (*YOLO_HEAD, op("LOGISTIC"), op("QUANTIZE"), op("LOGISTIC"), op("QUANTIZE"), CONCAT),
            (INT8,),
        ),
        Spec(
            "yolo_head",
            yolo_head,
            (*YOLO_HEAD, op("LOGISTIC"), op("LOGISTIC"), CONCAT),
            (FLOAT,),
        ),
        Spec(
            "dilated_block",
            dilated_block,
            (
                op("SPACE_TO_BATCH_ND", input1=[2, 2]),
                op("CONV_2D", activation="RELU"),
                op("BATCH_TO_SPACE_ND", input1=[2, 2]),
                op("CONV_2D"),
            ),
        ),
        # Keras' LayerNormalization: the int8 model negates the mean in float32.
        Spec(
            "layer_norm",
            single(lambda: layers.LayerNormalization(), (1, 4, 8)),
            (
                op("MEAN"),
                op("DEQUANTIZE"),
                op("NEG"),
                op("QUANTIZE"),
                *LAYER_NORM_TAIL,
            ),
            (INT8,),
        ),
        Spec(
            "layer_norm",
            single(lambda: layers.LayerNormalization(), (1, 4, 8)),
            (op("MEAN"), op("NEG"), *LAYER_NORM_TAIL),
            (FLOAT,),
        ),
    ]


# --- Other element types: int16/int32/bool data movement, CAST, int32 arithmetic, DIV ---

# Not quantized int16: the int32 model with its activations retyped (the converter has no
# unquantized int16 TRANSPOSE, PAD, ...; TFLM's kernels copy int16 like int32).
INT16_RETYPED = Conversion("int16", "int16 (an int32 model retyped)", quantized=False)
# Distinct dimensions, as DATA_MOVEMENT_SHAPE; a second input broadcast along the channels.
TYPED_SHAPE, TYPED_CHANNELS = (1, 3, 4, 5), (1, 1, 1, 5)


def typed_model(body: Callable, dtype: str, *shapes: tuple[int, ...], output_shape=None) -> Callable:
    """A builder of a model of `dtype` inputs (one per shape, batch first) applying a TensorFlow
    function of them in a Lambda layer (`output_shape` where Keras cannot infer it)."""

    def build() -> keras.Model:
        inputs = [
            keras.Input(shape=shape[1:], batch_size=shape[0], dtype=dtype, name=f"input_{i}")
            for i, shape in enumerate(shapes)
        ]
        single_input = len(inputs) == 1
        apply = (lambda x: body(x)) if single_input else (lambda xs: body(*xs))
        lam = layers.Lambda(apply, output_shape=output_shape)
        return keras.Model(inputs[0] if single_input else inputs, lam(inputs[0] if single_input else inputs))

    return build


def retyped_int16(model_bytes: bytes) -> bytes:
    """The model with every INT32 tensor computed at run time (the activations) made INT16;
    constant operands (indices, axes, paddings) stay INT32."""
    model = read_model(model_bytes)
    subgraph = model.subgraphs[0]
    for tensor in subgraph.tensors:
        if tensor.type == schema_py.TensorType.INT32 and not has_data(model, tensor):
            tensor.type = schema_py.TensorType.INT16
    return write_model(model)


def fused_activation(name: str) -> Callable[[bytes], bytes]:
    """An edit giving the model's one operator the fused activation `name` (the converter fuses
    none into int32 arithmetic)."""

    def edit(model_bytes: bytes) -> bytes:
        model = read_model(model_bytes)
        value = getattr(schema_py.ActivationFunctionType, name)
        for operator in model.subgraphs[0].operators:
            operator.builtinOptions.fusedActivationFunction = value
        return write_model(model)

    return edit


def int_specs(base: str, build: Callable, expected: list[tuple[str, dict]], int16: bool = True) -> list[Spec]:
    """One spec of an int32 model, and with `int16` one of it retyped to int16."""

    def expect(element: str) -> tuple[Expect, ...]:
        return tuple(op(name, **{"in": element, **options}) for name, options in expected)

    specs = [Spec(base, build, expect("INT32"), conversions=(INT32,))]
    if int16:
        specs.append(
            Spec(base, build, expect("INT16"), conversions=(INT16_RETYPED,), edit=retyped_int16)
        )
    return specs


def typed_data_movement_specs() -> list[Spec]:
    """The data-movement ops on int32, int16 and BOOL tensors (TFLM's types for each)."""
    shape = DATA_MOVEMENT_SHAPE
    specs = []
    specs += int_specs(
        "typed_strided_slice",
        typed_model(lambda x: x[:, 3:0:-2, 1:, ::2], "int32", shape),
        [("STRIDED_SLICE", {})],
    )
    # TFLM's TRANSPOSE takes int16 but not int32.
    specs.append(
        Spec(
            "typed_transpose",
            typed_model(lambda x: tf.transpose(x, [0, 3, 1, 2]), "int32", shape),
            (op("TRANSPOSE", input1=[0, 3, 1, 2], **{"in": "INT16"}),),
            conversions=(INT16_RETYPED,),
            edit=retyped_int16,
        )
    )
    specs += int_specs(
        "typed_pad",
        typed_model(lambda x: tf.pad(x, [[0, 0], [1, 0], [0, 2], [1, 1]]), "int32", shape),
        [("PAD", {"input1": [[0, 0], [1, 0], [0, 2], [1, 1]]})],
    )
    specs += int_specs(
        "typed_padv2",
        typed_model(
            lambda x: tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]], constant_values=-7),
            "int32",
            shape,
        ),
        [("PADV2", {"input2": -7})],
        int16=False,
    )
    specs += int_specs(
        "typed_concat",
        typed_model(lambda a, b: tf.concat([a, b], 2), "int32", shape, (1, 4, 2, 3)),
        [("CONCATENATION", {"axis": 2})],
    )
    specs += int_specs(
        "typed_slice",
        typed_model(lambda x: tf.slice(x, [0, 1, 2, 0], [1, 3, -1, 2]), "int32", shape),
        [("SLICE", {})],
        int16=True,
    )[1:]  # slice_int32 exists (data_movement_specs)
    # TFLM's BROADCAST_TO copies elements of any type.
    specs += int_specs(
        "typed_broadcast_to",
        typed_model(lambda x: tf.broadcast_to(x, [2, 4, 5, 3]), "int32", (1, 4, 1, 3)),
        [("BROADCAST_TO", {"input1": [2, 4, 5, 3]})],
    )
    specs += int_specs(
        "typed_split",
        typed_model(lambda x: tf.split(x, [2, 3], axis=2), "int32", shape),
        [("SPLIT_V", {"input1": [2, 3], "input2": 2})],
    )
    specs += int_specs(
        "typed_split_equal",
        typed_model(lambda x: tf.split(x, 2, axis=1), "int32", shape),
        [("SPLIT", {"numSplits": 2})],
        int16=False,
    )
    specs += int_specs(
        "typed_unpack",
        typed_model(lambda x: tf.unstack(x, axis=3), "int32", shape),
        [("UNPACK", {"num": 3, "axis": 3})],
    )
    specs += int_specs(
        "typed_pack",
        typed_model(lambda a, b: tf.stack([a, b], axis=2), "int32", (1, 3, 4), (1, 3, 4)),
        [("PACK", {"valuesCount": 2, "axis": 2})],
    )
    # BOOL: comparisons make it, CAST takes it back to a type a model can output.
    specs += [
        Spec(
            "bool_concat",
            typed_model(
                lambda a: tf.cast(tf.concat([a > 0.0, a < -1.0], 2), tf.int32), "float32", shape
            ),
            (
                op("GREATER"),
                op("LESS"),
                op("CONCATENATION", axis=2, **{"in": "BOOL"}),
                op("CAST", **{"in": "BOOL", "out": "INT32"}),
            ),
            conversions=(PLAIN,),
        ),
        Spec(
            "bool_strided_slice",
            typed_model(lambda a: tf.cast((a > 0.5)[:, 1:, ::2, :2], tf.float32), "float32", shape),
            (
                op("GREATER"),
                op("STRIDED_SLICE", **{"in": "BOOL"}),
                op("CAST", **{"in": "BOOL", "out": "FLOAT32"}),
            ),
            conversions=(PLAIN,),
        ),
        Spec(
            "bool_slice",
            typed_model(
                lambda a: tf.cast(tf.slice(a < 0.0, [0, 1, 0, 1], [1, 2, 4, 2]), tf.int32),
                "float32",
                shape,
            ),
            (
                op("LESS"),
                op("SLICE", **{"in": "BOOL"}),
                op("CAST", **{"in": "BOOL", "out": "INT32"}),
            ),
            conversions=(PLAIN,),
        ),
    ]
    return specs


def cast_specs() -> list[Spec]:
    """CAST between the types TFLM casts; float inputs stay where C++ defines the cast."""
    shape = (1, 2, 3, 4)

    def cast(dtype_in: str, *steps) -> Callable:
        def body(x):
            for step in steps:
                x = step(x)
            return x

        return typed_model(body, dtype_in, shape)

    def to(dtype):
        return lambda x: tf.cast(x, dtype)

    def cast_op(a: str, b: str) -> Expect:
        return op("CAST", **{"in": a, "out": b})

    float_model = (PLAIN,)
    return [
        Spec("cast_float_int32", cast("float32", to(tf.int32)), (cast_op("FLOAT32", "INT32"),), float_model),
        Spec("cast_int32_float", cast("int32", to(tf.float32)), (cast_op("INT32", "FLOAT32"),), float_model),
        Spec("cast_int32_int16", cast("int32", to(tf.int16)), (cast_op("INT32", "INT16"),), float_model),
        Spec("cast_int32_int8", cast("int32", to(tf.int8)), (cast_op("INT32", "INT8"),), float_model),
        Spec("cast_int16_int32", cast("int16", to(tf.int32)), (cast_op("INT16", "INT32"),), float_model),
        Spec("cast_int16_float", cast("int16", to(tf.float32)), (cast_op("INT16", "FLOAT32"),), float_model),
        Spec("cast_int8_int32", cast("int8", to(tf.int32)), (cast_op("INT8", "INT32"),), float_model),
        Spec("cast_int8_float", cast("int8", to(tf.float32)), (cast_op("INT8", "FLOAT32"),), float_model),
        Spec(
            "cast_float_int8",
            cast("float32", lambda x: x * 30.0, to(tf.int8)),
            (op("MUL"), cast_op("FLOAT32", "INT8")),
            float_model,
        ),
        Spec(
            "cast_float_int16",
            cast("float32", lambda x: x * 8000.0, to(tf.int16)),
            (op("MUL"), cast_op("FLOAT32", "INT16")),
            float_model,
        ),
        # UINT32 is never a model input or output: there and back (the audio preprocessor's
        # casts around its filter bank).
        Spec(
            "cast_uint32_int32",
            cast("int32", to(tf.uint32), to(tf.int32)),
            (cast_op("INT32", "UINT32"), cast_op("UINT32", "INT32")),
            float_model,
        ),
        Spec(
            "cast_uint32_float",
            cast("float32", tf.abs, lambda x: x * 1000.0, to(tf.uint32), to(tf.float32)),
            (op("ABS"), op("MUL"), cast_op("FLOAT32", "UINT32"), cast_op("UINT32", "FLOAT32")),
            float_model,
        ),
        Spec(
            "cast_bool_float",
            cast("int32", lambda x: x > 0, to(tf.float32)),
            (op("GREATER", **{"in": "INT32"}), cast_op("BOOL", "FLOAT32")),
            float_model,
        ),
    ]


# After the mean (and its negation): the variance, its reciprocal square root, the scale and
# the offset.
LAYER_NORM_TAIL = tuple(
    op(name)
    for name in ("SQUARED_DIFFERENCE", "MEAN", "ADD", "RSQRT", "MUL", "MUL", "ADD", "MUL", "ADD")
)


AUDIO_MODEL = REPO_ROOT / "tests" / "models" / "audio_preprocessor_int8.tflite"
# Not converted: operators cut out of the audio preprocessor (its int32 arithmetic and copies).
AUDIO_CUT = Conversion("cut", "cut from audio_preprocessor_int8", quantized=False)
# A model of integer (or mixed) tensors the converter makes without quantizing.
PLAIN = Conversion("plain", "not quantized", quantized=False)
AUDIO_LOG_SCALE = (
    op("CAST", **{"in": "INT16", "out": "INT32"}),
    op("MUL", input1=256),
    op("ADD", input1=333),
    op("DIV", input1=666),
    op("ADD", input1=-128),
    op("MINIMUM", input1=127),
    op("MAXIMUM", input1=-128),
    op("CAST", **{"in": "INT32", "out": "INT8"}),
)


def raw_div(a, b):
    """TensorFlow's Div: truncating for integers (tf.math.divide would make int32 float64)."""
    return tf.raw_ops.Div(x=a, y=b)


def int32_arithmetic_specs() -> list[Spec]:
    """int32 ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM broadcasting a second input, fused activations
    as TFLM applies them (int32 ADD ignores its), float32 DIV, and the audio preprocessor's
    int32 blocks with its shapes."""
    specs = []
    for name, body in (
        ("ADD", tf.add),
        ("SUB", tf.subtract),
        ("MUL", tf.multiply),
        ("DIV", raw_div),
        ("MAXIMUM", tf.maximum),
        ("MINIMUM", tf.minimum),
    ):
        build = typed_model(body, "int32", TYPED_SHAPE, TYPED_CHANNELS)
        specs.append(
            Spec(
                f"{name.lower()}_broadcast",
                build,
                (op(name, shapes=[TYPED_SHAPE, TYPED_CHANNELS], **{"in": "INT32"}),),
                conversions=(INT32,),
            )
        )
    for name, body, activation in (
        ("ADD", tf.add, "RELU"),
        ("SUB", tf.subtract, "RELU_N1_TO_1"),
        ("MUL", tf.multiply, "RELU6"),
        ("DIV", raw_div, "RELU"),
    ):
        specs.append(
            Spec(
                f"{name.lower()}_{activation.lower()}",
                typed_model(body, "int32", TYPED_SHAPE, TYPED_SHAPE),
                (op(name, activation=activation, **{"in": "INT32"}),),
                conversions=(INT32,),
                edit=fused_activation(activation),
            )
        )
    specs += [
        Spec(
            "div_broadcast",
            typed_model(tf.math.divide, "float32", TYPED_SHAPE, TYPED_CHANNELS),
            (op("DIV", shapes=[TYPED_SHAPE, TYPED_CHANNELS]),),
            conversions=(FLOAT,),
        ),
        Spec(
            "div_relu6",
            typed_model(tf.math.divide, "float32", TYPED_SHAPE, TYPED_SHAPE),
            (op("DIV", activation="RELU6"),),
            conversions=(FLOAT,),
            edit=fused_activation("RELU6"),
        ),
        # The audio preprocessor's own int32 blocks, cut from it: its spectrum window (236 of
        # 257 energies kept between constant zeros) and its output scaling (int16 log energies
        # to int8 features against scalar constants).
        Spec("audio_spectrum_window", None, (
            op("STRIDED_SLICE", input1=[5], input2=[241], input3=[1], **{"in": "INT32"}),
            op("CONCATENATION", axis=0, constants=[0, 2], **{"in": "INT32"}),
        ), conversions=(AUDIO_CUT,), make=lambda: cut(AUDIO_MODEL, [6, 7])),
        Spec("audio_log_scale", None, AUDIO_LOG_SCALE, conversions=(AUDIO_CUT,),
             make=lambda: cut(AUDIO_MODEL, list(range(14, 22)))),
        # The same block made by the converter.
        Spec(
            "audio_log_scale",
            typed_model(
                lambda x: tf.cast(
                    tf.maximum(
                        tf.minimum(
                            tf.add(raw_div(tf.cast(x, tf.int32) * 256 + 333, tf.constant(666)), -128),
                            127,
                        ),
                        -128,
                    ),
                    tf.int8,
                ),
                "int16",
                (40,),
                output_shape=(40,),
            ),
            AUDIO_LOG_SCALE,
            conversions=(PLAIN,),
        ),
    ]
    return specs

# int16x8 with float32 at the boundary: QUANTIZE float32 to int16 in, DEQUANTIZE out.
INT16X8_FLOAT_IO = Conversion(
    "int16x8",
    "int16x8, float32 input and output",
    quantized=True,
    int8_input=False,
    int8_output=False,
    boundary="int16",
    ops_set="EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8",
)


def input_scale(scale: float) -> Callable[[bytes], bytes]:
    """An edit giving the model's input tensor the quantization scale `scale` (a power of two
    for TFLM's int16 LOGISTIC and TANH special case; the converter calibrates other scales)."""

    def edit(model_bytes: bytes) -> bytes:
        model = read_model(model_bytes)
        subgraph = model.subgraphs[0]
        for t in subgraph.inputs:
            subgraph.tensors[t].quantization.scale = [scale]
        return write_model(model)

    return edit


def zero_points(input_zero_point: int, output_zero_point: int) -> Callable[[bytes], bytes]:
    """An edit giving the model's input and output tensors these zero points (TFLM's int16
    RELU6 and LEAKY_RELU take any; the converter makes 0)."""

    def edit(model_bytes: bytes) -> bytes:
        model = read_model(model_bytes)
        subgraph = model.subgraphs[0]
        for tensors, zero_point in ((subgraph.inputs, input_zero_point), (subgraph.outputs, output_zero_point)):
            for t in tensors:
                subgraph.tensors[t].quantization.zeroPoint = [zero_point]
        return write_model(model)

    return edit


def int8_quantize_input(scale: float, zero_point: int, dtype: str = "INT8") -> Callable[[bytes], bytes]:
    """An edit making the float32 input of the model's first QUANTIZE an int8 (or `dtype`)
    tensor with `scale` and `zero_point`: a QUANTIZE from int8 (int32) to int16 (the converter
    makes none)."""

    def edit(model_bytes: bytes) -> bytes:
        model = read_model(model_bytes)
        subgraph = model.subgraphs[0]
        tensor = subgraph.tensors[subgraph.operators[0].inputs[0]]
        tensor.type = getattr(schema_py.TensorType, dtype)
        quantization = schema_py.QuantizationParametersT()
        quantization.scale = [scale]
        quantization.zeroPoint = [zero_point]
        tensor.quantization = quantization
        model.signatureDefs = None
        return write_model(model)

    return edit


def int16x8_elementwise_specs() -> list[Spec]:
    """int16 activations (TFLite's 16x8 quantization) through the element-wise ops, the
    activations, SOFTMAX and the quantization ops, alone and composed."""
    full, channels, rows = ELEMENTWISE_SHAPE, (1, 1, 1, 5), (1, 3, 1, 1)
    c16 = (INT16X8,)
    i16 = {"in": "INT16"}

    def unary16(name: str, layer: Callable, edit=None, **options: object) -> Spec:
        kind = next(k for k in ("LEAKY_RELU", "RELU6", "RELU", "LOGISTIC", "TANH") if k in name.upper())
        return Spec(
            f"int16_{name}",
            single(layer, (1, 4, 4, 8)),
            (op(kind, **i16, **options),),
            c16,
            edit=edit,
        )

    specs = []
    for name, combine in (("add", tf.add), ("sub", tf.subtract), ("mul", tf.multiply)):
        kind = name.upper()
        specs += [
            Spec(
                f"int16_{name}_same_shape",
                binary(combine, full),
                (op(kind, activation="NONE", shapes=[full, full], constants=[], **i16),),
                c16,
            ),
            Spec(
                f"int16_{name}_broadcast_channels",
                binary(combine, channels),
                (op(kind, shapes=[full, channels], constants=[], **i16),),
                c16,
            ),
            Spec(
                f"int16_{name}_broadcast_rows",
                binary(combine, rows),
                (op(kind, shapes=[full, rows], constants=[], **i16),),
                c16,
            ),
            Spec(
                f"int16_{name}_constant",
                with_constant(combine),
                (op(kind, shapes=[full, channels], constants=[1], **i16),),
                c16,
            ),
        ]
    specs += [
        Spec(
            "int16_add_relu",
            binary(tf.add, full, ops.relu),
            (op("ADD", activation="RELU", constants=[], **i16),),
            c16,
        ),
        Spec(
            "int16_add_relu6",
            binary(tf.add, channels, ops.relu6),
            (op("ADD", activation="RELU6", constants=[], **i16),),
            c16,
        ),
        Spec(
            "int16_mul_relu",
            binary(tf.multiply, full, ops.relu),
            (op("MUL", activation="RELU", constants=[], **i16),),
            c16,
        ),
        Spec(
            "int16_sub_relu",
            binary(tf.subtract, rows, ops.relu),
            (op("SUB", activation="RELU", constants=[], **i16),),
            c16,
        ),
        Spec(
            "int16_maximum_broadcast",
            binary(tf.maximum, channels),
            # The converter requantizes both inputs to the output's scale first.
            (op("QUANTIZE", **i16), op("QUANTIZE", **i16), op("MAXIMUM", shapes=[full, channels], **i16)),
            c16,
        ),
        Spec(
            "int16_minimum_broadcast",
            binary(tf.minimum, rows),
            # The converter requantizes both inputs to the output's scale first.
            (op("QUANTIZE", **i16), op("QUANTIZE", **i16), op("MINIMUM", shapes=[full, rows], **i16)),
            c16,
        ),
        Spec(
            "int16_squared_difference",
            binary(tf.math.squared_difference, full),
            (op("SQUARED_DIFFERENCE", shapes=[full, full], constants=[], **i16),),
            c16,
        ),
        Spec(
            "int16_squared_difference_broadcast",
            binary(tf.math.squared_difference, channels),
            (op("SQUARED_DIFFERENCE", shapes=[full, channels], constants=[], **i16),),
            c16,
        ),
        unary16("relu", layers.ReLU),
        unary16("relu6", lambda: layers.ReLU(6.0)),
        unary16("leaky_relu", lambda: layers.LeakyReLU(0.2), alpha=0.2),
        unary16(
            "leaky_relu_negative",
            lambda: layers.Lambda(lambda x: tf.nn.leaky_relu(x, -0.3)),
            alpha=-0.3,
        ),
        unary16("logistic", lambda: layers.Activation("sigmoid")),
        unary16("tanh", lambda: layers.Activation("tanh")),
        # TFLM's power-of-two input scales: 2^-12 (both), 2^-11 (TANH only).
        unary16("logistic_pot", lambda: layers.Activation("sigmoid"), input_scale(2.0**-12)),
        unary16("tanh_pot", lambda: layers.Activation("tanh"), input_scale(2.0**-12)),
        unary16("tanh_pot11", lambda: layers.Activation("tanh"), input_scale(2.0**-11)),
        # 2^-11 is not a power-of-two case for LOGISTIC: its general multiplier path.
        unary16("logistic_pot11", lambda: layers.Activation("sigmoid"), input_scale(2.0**-11)),
        unary16("relu6_zero_point", lambda: layers.ReLU(6.0), zero_points(300, -200)),
        unary16(
            "leaky_relu_zero_point", lambda: layers.LeakyReLU(0.2), zero_points(-1000, 700), alpha=0.2
        ),
        Spec(
            "int16_softmax",
            single(layers.Softmax, (1, 4, 10)),
            (op("SOFTMAX", beta=1.0, **i16),),
            c16,
        ),
        Spec(
            "int16_softmax_wide",
            single(lambda: layers.Lambda(lambda x: tf.nn.softmax(x * 3.0)), (1, 2, 40)),
            (op("MUL", **i16), op("SOFTMAX", **i16)),
            c16,
        ),
        # float32 in and out: QUANTIZE float32 to int16 and DEQUANTIZE int16 to float32.
        Spec(
            "int16_quantize_float_io",
            single(lambda: layers.Activation("tanh"), (1, 4, 4, 4)),
            (
                op("QUANTIZE", **{"in": "FLOAT32", "out": "INT16"}),
                op("TANH", **i16),
                op("DEQUANTIZE", **{"in": "INT16", "out": "FLOAT32"}),
            ),
            (INT16X8_FLOAT_IO,),
        ),
        Spec(
            "int16_quantize_int8_input",
            single(lambda: layers.Activation("tanh"), (1, 4, 4, 4)),
            (
                op("QUANTIZE", **{"in": "INT8", "out": "INT16"}),
                op("TANH", **i16),
                op("DEQUANTIZE", **{"in": "INT16", "out": "FLOAT32"}),
            ),
            (INT16X8_FLOAT_IO,),
            edit=int8_quantize_input(0.03, 5),
        ),
        Spec(
            "int16_quantize_int32_input",
            single(lambda: layers.Activation("tanh"), (1, 4, 4, 4)),
            (
                op("QUANTIZE", **{"in": "INT32", "out": "INT16"}),
                op("TANH", **i16),
                op("DEQUANTIZE", **{"in": "INT16", "out": "FLOAT32"}),
            ),
            (INT16X8_FLOAT_IO,),
            edit=int8_quantize_input(2e-9, 0, "INT32"),
        ),
        # TANH's output scale is fixed (1/32768): the converter requantizes it for CONCATENATION.
        Spec(
            "int16_requantize_concat",
            lambda: functional(
                lambda a, b: ops.concatenate([ops.tanh(a), b], axis=3),
                (1, 4, 4, 4),
                (1, 4, 4, 4),
            ),
            (
                op("TANH", **i16),
                op("QUANTIZE", **{"in": "INT16", "out": "INT16"}),
                op("CONCATENATION", axis=3),
            ),
            c16,
        ),
        # Compositions: swish, an LSTM-like gate, a residual sum, a softmax of products.
        Spec(
            "int16_swish",
            single(lambda: layers.Lambda(lambda x: x * tf.sigmoid(x)), (1, 4, 4, 8)),
            (op("LOGISTIC", **i16), op("MUL", **i16)),
            c16,
        ),
        Spec(
            "int16_gate",
            lambda: functional(
                lambda a, b, c: layers.Lambda(
                    lambda t: tf.tanh(t[0] * 0.5 + t[2]) * tf.sigmoid(t[1] - t[2])
                )([a, b, c]),
                (1, 2, 3, 8),
                (1, 2, 3, 8),
                (1, 1, 1, 8),
            ),
            (op("MUL"), op("ADD"), op("TANH"), op("SUB"), op("LOGISTIC"), op("MUL")),
            c16,
        ),
        Spec(
            "int16_residual",
            lambda: functional(
                lambda a, b: layers.Lambda(
                    lambda t: tf.nn.relu(t[0] + tf.nn.leaky_relu(t[1], 0.1)) - t[1] * t[0]
                )([a, b]),
                (1, 3, 4, 6),
                (1, 3, 4, 6),
            ),
            (op("LEAKY_RELU"), op("ADD"), op("MUL"), op("SUB")),
            c16,
        ),
        Spec(
            "int16_softmax_of_products",
            lambda: functional(
                lambda a, b: layers.Lambda(
                    lambda t: tf.nn.softmax(tf.tanh(t[0]) * t[1] + t[0])
                )([a, b]),
                (1, 3, 16),
                (1, 1, 16),
            ),
            (op("TANH"), op("MUL"), op("ADD"), op("SOFTMAX")),
            c16,
        ),
    ]
    return specs


# --- PRELU, LOG_SOFTMAX, L2_NORMALIZATION, ADD_N, CUMSUM, GATHER_ND --------------------------


def quantized_island(name: str) -> Callable[[bytes], bytes]:
    """An edit running the converter's float32 operator `name`, which it leaves between
    DEQUANTIZE and QUANTIZE in an int8 model (it has no int8 kernel for ADD_N or CUMSUM; TFLM
    has), on the int8 tensors directly: its inputs become the DEQUANTIZEs' int8 inputs, its output
    the QUANTIZE's int8 output, and the DEQUANTIZEs and the QUANTIZE go."""

    def edit(model_bytes: bytes) -> bytes:
        model = read_model(model_bytes)
        subgraph = model.subgraphs[0]
        codes = [
            OPERATOR_NAMES[max(c.builtinCode, c.deprecatedBuiltinCode)] for c in model.operatorCodes
        ]
        operators = subgraph.operators
        dequantized = {
            operator.outputs[0]: operator.inputs[0]
            for operator in operators
            if codes[operator.opcodeIndex] == "DEQUANTIZE"
        }
        quantized = {
            operator.inputs[0]: operator.outputs[0]
            for operator in operators
            if codes[operator.opcodeIndex] == "QUANTIZE"
        }
        for operator in operators:
            if codes[operator.opcodeIndex] == name:
                operator.inputs = np.array(
                    [dequantized.get(int(t), int(t)) for t in operator.inputs], dtype=np.int32
                )
                operator.outputs = np.array(
                    [quantized.get(int(t), int(t)) for t in operator.outputs], dtype=np.int32
                )
        subgraph.operators = [
            operator
            for operator in operators
            if codes[operator.opcodeIndex] not in ("DEQUANTIZE", "QUANTIZE")
        ]
        return write_model(model)

    return edit


def more_ops_specs() -> list[Spec]:
    """PRELU (an MLP block, and alpha shared over space), LOG_SOFTMAX (a classifier head),
    L2_NORMALIZATION (an embedding head as MobileFaceNet's), ADD_N (three branches), CUMSUM
    (over time, exclusive and reversed) and GATHER_ND (slices and single elements)."""

    def mlp_prelu():
        def body(x):
            x = layers.PReLU()(layers.Dense(16)(x))
            return layers.PReLU()(layers.Dense(8)(x))

        return functional(body, (1, 12))

    def classifier():
        return functional(
            lambda x: layers.Lambda(tf.nn.log_softmax)(layers.Dense(10)(x)), (1, 16)
        )

    def embedding_head():
        # MobileFaceNet's: a linear embedding, L2-normalized.
        def body(x):
            x = layers.Dense(32)(layers.Flatten()(x))
            return layers.Lambda(lambda y: tf.math.l2_normalize(y, axis=-1))(x)

        return functional(body, (1, 4, 4, 2))

    def branches():
        def body(x):
            parts = [layers.Dense(8)(x) for _ in range(3)]
            return layers.Lambda(tf.math.add_n)(parts)

        return functional(body, (1, 6))

    def add_n_inputs():
        return functional(
            lambda a, b, c: layers.Lambda(tf.math.add_n)([a, b, c]), (1, 4, 5), (1, 4, 5), (1, 4, 5)
        )

    def cumsum(axis, exclusive=False, reverse=False):
        return lambda_model(
            lambda x: tf.math.cumsum(x, axis=axis, exclusive=exclusive, reverse=reverse),
            (1, 6, 3),
        )

    island = (INT8, FLOAT)
    specs = [
        Spec("prelu_mlp", mlp_prelu, (
            op("FULLY_CONNECTED"), op("PRELU"), op("FULLY_CONNECTED"), op("PRELU"),
        )),
        Spec(
            "prelu_shared_axes",
            single(lambda: layers.PReLU(shared_axes=[1, 2]), (1, 4, 4, 3)),
            (op("PRELU", shapes=[(1, 4, 4, 3), (1, 1, 3)]),),
        ),
        Spec("log_softmax", lambda_model(tf.nn.log_softmax, (2, 3, 10)), (op("LOG_SOFTMAX"),)),
        Spec("log_softmax_head", classifier, (op("FULLY_CONNECTED"), op("LOG_SOFTMAX"))),
        Spec(
            "l2_normalization",
            lambda_model(lambda x: tf.math.l2_normalize(x, axis=-1), (1, 3, 4, 8)),
            (op("L2_NORMALIZATION"),),
        ),
        Spec(
            "l2_normalization_embedding",
            embedding_head,
            (op("RESHAPE"), op("FULLY_CONNECTED"), op("L2_NORMALIZATION")),
        ),
        Spec("add_n_branches", branches, (
            op("FULLY_CONNECTED"), op("FULLY_CONNECTED"), op("FULLY_CONNECTED"), op("ADD_N"),
        ), conversions=(FLOAT,)),
    ]
    for conversion in island:
        edit = quantized_island("ADD_N") if conversion.quantized else None
        specs.append(Spec("add_n", add_n_inputs, (op("ADD_N"),), conversions=(conversion,),
                          edit=edit))
    for base, axis, exclusive, reverse in (
        ("cumsum_time", 1, False, False),
        ("cumsum_exclusive_reverse", 1, True, True),
        ("cumsum_last_axis", -1, False, True),
    ):
        for conversion in island:
            edit = quantized_island("CUMSUM") if conversion.quantized else None
            specs.append(Spec(
                base,
                cumsum(axis, exclusive, reverse),
                (op("CUMSUM", exclusive=exclusive, reverse=reverse, constants=[1]),),
                conversions=(conversion,),
                edit=edit,
            ))
    # A shifted input (an asymmetric zero point), whose offset TFLM's int8 sum starts from.
    for conversion in island:
        edit = quantized_island("CUMSUM") if conversion.quantized else None
        specs.append(Spec(
            "cumsum_shifted",
            lambda_model(lambda x: tf.math.cumsum(x + 3.0, axis=1), (1, 6, 3)),
            (op("ADD"), op("CUMSUM", exclusive=False, reverse=False)),
            conversions=(conversion,),
            edit=edit,
        ))
    specs += [
        # Wide logits: differences past the int8 output's range of 8 (clamped to -128) and past
        # the sum's cut-off.
        Spec(
            "log_softmax_wide",
            lambda_model(lambda x: tf.nn.log_softmax(x * 8.0), (1, 2, 12)),
            (op("MUL"), op("LOG_SOFTMAX")),
        ),
        # Indices computed at run time: each row's largest element's position picks a row.
        Spec(
            "gather_nd_computed",
            lambda_model(
                lambda x: tf.gather_nd(
                    x, tf.expand_dims(tf.argmax(x, axis=-1, output_type=tf.int32), -1)
                ),
                (4, 3),
            ),
            (op("ARG_MAX"), op("RESHAPE"), op("GATHER_ND")),
        ),
        Spec(
            "gather_nd_slices",
            lambda_model(lambda x: tf.gather_nd(x, [[0, 1], [0, 3], [0, 1]]), (1, 5, 3)),
            (op("GATHER_ND", input1=[[0, 1], [0, 3], [0, 1]]),),
        ),
        Spec(
            "gather_nd_elements",
            lambda_model(lambda x: tf.gather_nd(x, [[[0, 2, 1, 4]], [[0, 0, 3, 0]]]), (1, 3, 4, 5)),
            (op("GATHER_ND", input1=[[[0, 2, 1, 4]], [[0, 0, 3, 0]]]),),
        ),
    ]
    return specs


INT16X8_PER_TENSOR = Conversion(
    "int16x8_per_tensor",
    "int16x8, per-tensor weights",
    quantized=True,
    per_channel=False,
    boundary="int16",
    ops_set="EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8",
)


def int32_biases(model_bytes: bytes) -> bytes:
    """The int16x8 model with its CONV_2D and FULLY_CONNECTED biases INT32 instead of INT64 (the
    converter makes INT64; TFLM takes both, accumulating in 32 bits with an INT32 bias)."""
    model = read_model(model_bytes)
    subgraph = model.subgraphs[0]
    for operator in subgraph.operators:
        code = model.operatorCodes[operator.opcodeIndex]
        name = OPERATOR_NAMES[max(code.builtinCode, code.deprecatedBuiltinCode)]
        if name not in ("CONV_2D", "FULLY_CONNECTED") or len(operator.inputs) < 3:
            continue
        tensor = subgraph.tensors[operator.inputs[2]]
        if tensor.type != schema_py.TensorType.INT64:
            raise FixtureError(f"{name}'s bias is {TENSOR_TYPES[tensor.type]}, not INT64")
        buffer = model.buffers[tensor.buffer]
        values = np.frombuffer(bytes(buffer.data), dtype=np.int64)
        if np.any(np.abs(values) >= 2**31):
            raise FixtureError(f"{name}'s bias does not fit INT32")
        buffer.data = np.frombuffer(values.astype("<i4").tobytes(), dtype=np.uint8)
        tensor.type = schema_py.TensorType.INT32
        operator.builtinOptions.quantizedBiasType = schema_py.TensorType.INT32
    return write_model(model)


def int32_bias_type(model_bytes: bytes) -> bytes:
    """The model with its FULLY_CONNECTED's `quantized_bias_type` INT32: without a bias, TFLM
    then accumulates an int16x8 FULLY_CONNECTED in 32 bits."""
    model = read_model(model_bytes)
    for operator in model.subgraphs[0].operators:
        operator.builtinOptions.quantizedBiasType = schema_py.TensorType.INT32
    return write_model(model)


def small_conv_net() -> keras.Model:
    """conv -> max pool -> conv -> global average pool -> fully connected."""
    return functional(
        chain(
            layers.Conv2D(6, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(8, 3, strides=2, activation="relu6"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(5),
        ),
        (1, 12, 12, 2),
    )


def int16x8_weighted_specs() -> list[Spec]:
    """The weighted operators, pools, MEAN and the data-movement ops in int16x8 quantization
    (int16 activations, int8 weights, int64 or int32 biases), and two small networks."""
    conv, conv2d = "CONV_2D", layers.Conv2D
    dw, dwconv2d = "DEPTHWISE_CONV_2D", layers.DepthwiseConv2D
    fc, dense = "FULLY_CONNECTED", layers.Dense
    tconv, transpose = "TRANSPOSE_CONV", layers.Conv2DTranspose
    i16 = {"in": "INT16", "out": "INT16"}
    x16 = (INT16X8,)
    specs = [
        Spec(
            "conv2d_s1_valid_relu",
            single(lambda: conv2d(4, 3, activation="relu"), (1, 7, 6, 3)),
            (op(conv, stride=(1, 1), padding="VALID", activation="RELU", bias=True, **i16),),
            x16,
        ),
        Spec(
            "conv2d_s2_same_relu6",
            single(
                lambda: conv2d(6, 3, strides=2, padding="same", activation="relu6"),
                (1, 9, 8, 4),
            ),
            (op(conv, stride=(2, 2), padding="SAME", activation="RELU6", **i16),),
            x16,
        ),
        Spec(
            "conv2d_dilation2_same",
            single(lambda: conv2d(3, 3, dilation_rate=2, padding="same"), (1, 6, 7, 3)),
            (op(conv, dilation=(2, 2), padding="SAME", activation="NONE", **i16),),
            x16,
        ),
        Spec(
            "conv2d_per_tensor",
            single(lambda: conv2d(4, (3, 2), padding="same"), (1, 6, 5, 3)),
            (op(conv, per_channel=False, **i16),),
            (INT16X8_PER_TENSOR,),
        ),
        Spec(
            "conv2d_int32_bias",
            single(lambda: conv2d(5, 3, strides=(1, 2), padding="same"), (1, 6, 7, 3)),
            (op(conv, bias=True, **i16),),
            x16,
            edit=int32_biases,
        ),
        Spec(
            "dwconv_s1_same_relu",
            single(lambda: dwconv2d(3, padding="same", activation="relu"), (1, 6, 5, 4)),
            (op(dw, stride=(1, 1), padding="SAME", activation="RELU", **i16),),
            x16,
        ),
        Spec(
            "dwconv_s2_valid_relu6",
            single(lambda: dwconv2d(3, strides=2, activation="relu6"), (1, 9, 8, 4)),
            (op(dw, stride=(2, 2), padding="VALID", activation="RELU6", **i16),),
            x16,
        ),
        Spec(
            "dwconv_multiplier2",
            single(lambda: dwconv2d(3, padding="same", depth_multiplier=2), (1, 5, 4, 2)),
            (op(dw, depthMultiplier=2, **i16),),
            x16,
        ),
        Spec(
            "dwconv_dilation2",
            single(lambda: dwconv2d(3, padding="same", dilation_rate=2), (1, 6, 5, 3)),
            (op(dw, dilation=(2, 2), **i16),),
            x16,
        ),
        Spec(
            "fc_relu",
            single(lambda: dense(16, activation="relu"), (1, 32)),
            (op(fc, activation="RELU", bias=True, keepNumDims=False, **i16),),
            x16,
        ),
        Spec(
            "fc_no_bias",
            single(lambda: dense(16, use_bias=False), (1, 32)),
            (op(fc, bias=False, **i16),),
            x16,
        ),
        Spec(
            "fc_no_bias_int32_accumulator",
            single(lambda: dense(12, use_bias=False), (1, 24)),
            (op(fc, bias=False, **i16),),
            x16,
            edit=int32_bias_type,
        ),
        Spec(
            "fc_keep_num_dims",
            single(lambda: dense(8), (1, 4, 16)),
            (op(fc, keepNumDims=True, **i16),),
            x16,
        ),
        Spec(
            "fc_per_tensor",
            single(lambda: dense(16), (1, 32)),
            (op(fc, per_channel=False, **i16),),
            (INT16X8_PER_TENSOR,),
        ),
        Spec(
            "fc_int32_bias",
            single(lambda: dense(10, activation="relu6"), (1, 20)),
            (op(fc, bias=True, activation="RELU6", **i16),),
            x16,
            edit=int32_biases,
        ),
        Spec(
            "tconv_s2_same",
            single(lambda: transpose(4, 3, strides=2, padding="same"), (1, 3, 4, 3)),
            (op(tconv, stride=(2, 2), padding="SAME", bias=True),),
            x16,
        ),
        Spec(
            "tconv_s2_valid_no_bias",
            single(lambda: transpose(3, 3, strides=2, use_bias=False), (1, 3, 4, 2)),
            (op(tconv, stride=(2, 2), padding="VALID", bias=False),),
            x16,
        ),
        Spec(
            "tconv_s3x2_valid",
            single(lambda: transpose(2, (4, 3), strides=(3, 2)), (1, 2, 3, 3)),
            (op(tconv, stride=(3, 2), padding="VALID", bias=True),),
            x16,
        ),
    ]
    for kind, name, pool in (
        ("avg", "AVERAGE_POOL_2D", layers.AveragePooling2D),
        ("max", "MAX_POOL_2D", layers.MaxPooling2D),
    ):
        specs += [
            Spec(
                f"{kind}pool_2x2_s2_valid",
                single(lambda pool=pool: pool(2, strides=2), (1, 8, 6, 4)),
                (op(name, filter=(2, 2), stride=(2, 2), padding="VALID", **i16),),
                x16,
            ),
            Spec(
                f"{kind}pool_3x3_s2_same_odd",
                single(lambda pool=pool: pool(3, 2, padding="same"), (1, 7, 7, 4)),
                (op(name, filter=(3, 3), stride=(2, 2), padding="SAME", **i16),),
                x16,
            ),
        ]
    specs += [
        Spec(
            "mean_keepdims",
            lambda: functional(lambda x: ops.mean(x, axis=(1, 2), keepdims=True), (1, 6, 6, 8)),
            (op("MEAN", keepDims=True, input1=[1, 2], **i16),),
            x16,
        ),
        Spec(
            "mean_no_keepdims",
            lambda: functional(lambda x: ops.mean(x, axis=(1, 2)), (1, 6, 6, 8)),
            (op("MEAN", keepDims=False, input1=[1, 2], **i16),),
            x16,
        ),
        Spec(
            "pad",
            single(lambda: layers.ZeroPadding2D(((1, 2), (0, 1))), (1, 4, 4, 3)),
            (op("PAD", input1=[[0, 0], [1, 2], [0, 1], [0, 0]], **i16),),
            x16,
        ),
        # Two separate inputs get their own scales, and the converter requantizes one of them
        # (QUANTIZE); a slice of the input keeps the input's.
        Spec(
            "concat_slice_channels",
            lambda: functional(
                lambda x: ops.concatenate([x, x[:, :, :, :2]], axis=3), (1, 3, 4, 3)
            ),
            (op("STRIDED_SLICE", **i16), op("CONCATENATION", axis=3, **i16)),
            x16,
        ),
        Spec(
            "strided_slice",
            lambda: functional(lambda x: x[:, 1::2, :6, 1:], (1, 8, 8, 4)),
            (op("STRIDED_SLICE", input1=[0, 1, 0, 1], input3=[1, 2, 1, 1], **i16),),
            x16,
        ),
        Spec(
            "reshape",
            single(lambda: layers.Reshape((12, 5)), ELEMENTWISE_SHAPE),
            (op("RESHAPE", input1=[1, 12, 5], **i16),),
            x16,
        ),
        Spec(
            "ds_cnn_no_softmax",
            lambda: ds_cnn(softmax=False),
            (
                op(conv, stride=(2, 2), activation="RELU", **i16),
                op(dw, activation="RELU", **i16),
                op(conv, activation="RELU", **i16),
                op("AVERAGE_POOL_2D", filter=(8, 8), **i16),
                op(fc, **i16),
            ),
            x16,
        ),
        Spec(
            "small_conv_net",
            small_conv_net,
            (
                op(conv, activation="RELU", **i16),
                op("MAX_POOL_2D", **i16),
                op(conv, activation="RELU6", **i16),
                op("AVERAGE_POOL_2D", **i16),
                op(fc, **i16),
            ),
            x16,
        ),
    ]
    return specs


def attention_block() -> keras.Model:
    """Dot-product attention as Keras builds it: scores = Q.K^T (BATCH_MATMUL adj_y), SOFTMAX,
    scores.V (BATCH_MATMUL)."""
    query = keras.Input(shape=(4, 6), batch_size=1, name="query")
    value = keras.Input(shape=(5, 6), batch_size=1, name="value")
    return keras.Model([query, value], layers.Attention()([query, value]))


def ssd_head() -> keras.Model:
    """A tiny SSD-style detector: a strided convolution to a 4x4 grid, one anchor per cell, a
    box head (4 encodings per anchor) and a class head (background and 2 classes, sigmoid)."""
    image = keras.Input(shape=(8, 8, 3), batch_size=1, name="image")
    features = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(image)
    boxes = layers.Reshape((16, 4), name="box_encodings")(layers.Conv2D(4, 1)(features))
    scores = layers.Reshape((16, 3))(layers.Conv2D(3, 1)(features))
    scores = layers.Activation("sigmoid", name="class_predictions")(scores)
    return keras.Model(image, [boxes, scores])


def append_detection_postprocess(**options: object) -> Callable[[bytes], bytes]:
    """An edit appending TFLite_Detection_PostProcess to a model whose outputs are box
    encodings [1, n, 4] and class predictions [1, n, classes + 1], with constant anchors on an
    even grid (y, x, h, w), each two cells high and wide so that neighbours overlap, and the
    given flexbuffer options."""
    from flatbuffers import flexbuffers

    def edit(model_bytes: bytes) -> bytes:
        model = read_model(model_bytes)
        subgraph = model.subgraphs[0]
        outputs = list(subgraph.outputs)
        by_depth = {int(subgraph.tensors[t].shape[-1]): t for t in outputs}
        boxes, scores = by_depth[4], by_depth[3]
        count = int(subgraph.tensors[boxes].shape[1])
        grid = int(round(count**0.5))
        anchors = np.array(
            [[(i // grid + 0.5) / grid, (i % grid + 0.5) / grid, 2.0 / grid, 2.0 / grid]
             for i in range(count)],
            dtype=np.float32,
        )

        def tensor(name: str, shape: list[int], data: np.ndarray | None = None) -> int:
            t = schema_py.TensorT()
            t.name, t.type, t.shape, t.buffer = name, schema_py.TensorType.FLOAT32, shape, 0
            if data is not None:
                buffer = schema_py.BufferT()
                buffer.data = np.frombuffer(data.tobytes(), dtype=np.uint8)
                model.buffers.append(buffer)
                t.buffer = len(model.buffers) - 1
            subgraph.tensors.append(t)
            return len(subgraph.tensors) - 1

        detections = int(options["max_detections"])
        inputs = [boxes, scores, tensor("anchors", [count, 4], anchors)]
        results = [
            tensor("detection_boxes", [1, detections, 4]),
            tensor("detection_classes", [1, detections]),
            tensor("detection_scores", [1, detections]),
            tensor("num_detections", [1]),
        ]
        code = schema_py.OperatorCodeT()
        code.builtinCode = schema_py.BuiltinOperator.CUSTOM
        code.deprecatedBuiltinCode = schema_py.BuiltinOperator.CUSTOM
        code.customCode = "TFLite_Detection_PostProcess"
        code.version = 1
        model.operatorCodes.append(code)
        operator = schema_py.OperatorT()
        operator.opcodeIndex = len(model.operatorCodes) - 1
        operator.inputs, operator.outputs = inputs, results
        operator.customOptions = np.frombuffer(flexbuffers.Dumps(options), dtype=np.uint8)
        subgraph.operators.append(operator)
        subgraph.outputs = results
        model.signatureDefs = None
        return write_model(model)

    return edit


SSD_OPTIONS = dict(
    max_detections=4,
    max_classes_per_detection=1,
    nms_score_threshold=0.2,
    nms_iou_threshold=0.3,
    num_classes=2,
    y_scale=10.0,
    x_scale=10.0,
    h_scale=5.0,
    w_scale=5.0,
)


SSD_FLOAT_OPS = (
    op("CONV_2D"),
    op("CONV_2D"),
    op("RESHAPE"),
    op("CONV_2D"),
    op("LOGISTIC"),
    op("RESHAPE"),
    op("CUSTOM", shapes=[(1, 16, 4), (1, 16, 3), (16, 4)], constants=[2]),
)


# The int8 detector with float32 outputs: the converter dequantizes both heads, as TFLM's
# kernel takes float32 only.
SSD_INT8_OPS = (
    op("CONV_2D", **{"in": "INT8"}),
    op("CONV_2D"),
    op("RESHAPE"),
    op("DEQUANTIZE"),
    op("CONV_2D"),
    op("LOGISTIC", **{"in": "INT8"}),
    op("RESHAPE"),
    op("DEQUANTIZE"),
    op("CUSTOM", **{"in": "FLOAT32"}),
)


def matmul_detection_specs() -> list[Spec]:
    """BATCH_MATMUL (attention, adj_x/adj_y, broadcast batches, a constant RHS) and
    TFLite_Detection_PostProcess (an SSD head with the custom operator appended)."""
    rhs = np.random.default_rng(7).uniform(-1.0, 1.0, (2, 4, 5)).astype(np.float32)
    return [
        Spec(
            "attention",
            attention_block,
            (
                op("BATCH_MATMUL", adjX=False, adjY=True),
                op("SOFTMAX"),
                op("BATCH_MATMUL", adjX=False, adjY=False),
            ),
        ),
        Spec(
            "batch_matmul_adj_y_broadcast",
            binary(lambda a, b: tf.matmul(a, b, transpose_b=True), (1, 1, 6, 5)),
            (op("BATCH_MATMUL", adjX=False, adjY=True, shapes=[(1, 3, 4, 5), (1, 1, 6, 5)]),),
            conversions=(INT8, FLOAT, INT16X8),
        ),
        Spec(
            "batch_matmul_adj_x_rank3",
            lambda: functional(
                lambda a, b: layers.Lambda(
                    lambda t: tf.matmul(t[0], t[1], transpose_a=True)
                )([a, b]),
                (1, 2, 4, 3),
                (1, 4, 5),
            ),
            (op("BATCH_MATMUL", adjX=True, adjY=False, shapes=[(1, 2, 4, 3), (1, 4, 5)]),),
            conversions=(INT8, FLOAT, INT16X8),
        ),
        Spec(
            "batch_matmul_constant_rhs",
            lambda_model(lambda x: tf.matmul(x, rhs), (1, 2, 3, 4)),
            (op("BATCH_MATMUL", adjX=False, adjY=False, constants=[1]),),
            conversions=(INT8, FLOAT, INT16X8),
        ),
        Spec(
            "ssd_detection_fast",
            ssd_head,
            SSD_FLOAT_OPS,
            conversions=(FLOAT,),
            edit=append_detection_postprocess(**SSD_OPTIONS),
        ),
        Spec(
            "ssd_detection_fast",
            ssd_head,
            SSD_INT8_OPS,
            conversions=(INT8_FLOAT_OUTPUT,),
            edit=append_detection_postprocess(**SSD_OPTIONS),
        ),
        Spec(
            "ssd_detection_regular",
            ssd_head,
            SSD_FLOAT_OPS,
            conversions=(FLOAT,),
            edit=append_detection_postprocess(
                **{**SSD_OPTIONS, "nms_score_threshold": 0.6},
                use_regular_nms=True,
                detections_per_class=3,
            ),
        ),
        # Three classes and no background score (TFLM's label offset 0), fast suppression.
        Spec(
            "ssd_detection_no_background",
            ssd_head,
            SSD_FLOAT_OPS,
            conversions=(FLOAT,),
            edit=append_detection_postprocess(**{**SSD_OPTIONS, "num_classes": 3}),
        ),
    ]


def coverage_gap_specs() -> list[Spec]:
    """Models TFLM runs that embedml refused: int16x8 networks (a residual block, an
    attention block) and raw copies between different quantizations."""
    i16 = {"in": "INT16", "out": "INT16"}
    specs = [
        Spec(
            "residual_block",
            residual_block,
            (
                op("CONV_2D", activation="RELU", **i16),
                op("CONV_2D", activation="NONE", **i16),
                op("ADD", activation="RELU", **i16),
                op("MEAN", input1=[1, 2], **i16),
                op("FULLY_CONNECTED", **i16),
            ),
            (INT16X8,),
        ),
        Spec(
            "attention",
            attention_block,
            (
                op("BATCH_MATMUL", adjX=False, adjY=True, **i16),
                op("SOFTMAX", **i16),
                op("BATCH_MATMUL", adjX=False, adjY=False, **i16),
            ),
            (INT16X8,),
        ),
    ]
    # Raw copies into an output quantized otherwise than the input: TFLM's kernels copy raw
    # values (their Prepare compares no quantizations), and so does embedml.
    shape, full = DATA_MOVEMENT_SHAPE, ELEMENTWISE_SHAPE
    both, int8_only = (INT8, INT16X8), (INT8,)
    copies = [
        ("pack", lambda_model(lambda x: tf.stack([x, x], axis=1), (1, 3, 4)), "PACK", both),
        ("unpack", lambda: functional(
            lambda x: layers.Lambda(lambda y: tf.unstack(y, axis=2))(x), (1, 3, 4, 2)
        ), "UNPACK", both),
        ("split", lambda: functional(split(2, axis=3), (1, 3, 4, 6)), "SPLIT", both),
        ("split_v", lambda: functional(split([1, -1, 2], axis=1), (1, 6, 4, 3)), "SPLIT_V", both),
        ("slice", lambda_model(lambda x: tf.slice(x, [0, 1, 0, 1], [1, 2, -1, 2]), shape),
         "SLICE", both),
        ("strided_slice", lambda_model(lambda x: x[:, 1::2, :4, 1:], shape), "STRIDED_SLICE",
         both),
        ("transpose", lambda_model(lambda x: tf.transpose(x, [0, 3, 1, 2]), shape), "TRANSPOSE",
         both),
        ("gather", lambda_model(lambda x: tf.gather(x, [2, 0, 3, 3], axis=1), shape), "GATHER",
         int8_only),
        ("pad", lambda_model(lambda x: tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]]), shape), "PAD",
         both),
        ("depth_to_space", lambda_model(lambda x: tf.nn.depth_to_space(x, 2), (1, 3, 4, 8)),
         "DEPTH_TO_SPACE", int8_only),
        ("space_to_depth", lambda_model(lambda x: tf.nn.space_to_depth(x, 2), (1, 4, 6, 3)),
         "SPACE_TO_DEPTH", int8_only),
        ("maximum", binary(tf.maximum, (1, 1, 1, 5)), "MAXIMUM", int8_only),
        ("minimum", binary(tf.minimum, (1, 3, 1, 1)), "MINIMUM", int8_only),
    ]
    specs += [
        Spec(f"requantized_{base}", build, (op(name),), conversions, edit=requantized_outputs)
        for base, build, name, conversions in copies
    ]
    # int16 CONCATENATION: TFLM requires zero point 0 only (int8 needs one quantization).
    specs.append(
        Spec(
            "requantized_concat",
            lambda_model(lambda x: tf.concat([x, x], axis=3), full),
            (op("CONCATENATION", axis=3, **i16),),
            (INT16X8,),
            edit=requantized_outputs,
        )
    )
    # int16 operators TFLM runs: SELECT_V2 (a constant condition) and RESIZE_NEAREST_NEIGHBOR.
    mask = np.random.default_rng(11).uniform(size=(1, 3, 1, 5)) < 0.5
    specs += [
        Spec(
            "select_v2_constant_condition",
            lambda: functional(
                lambda a, b: layers.Lambda(lambda t: tf.where(mask, t[0], t[1]))([a, b]),
                full,
                full,
            ),
            (op("SELECT_V2", constants=[0], out="INT16"),),
            (INT8_RETYPED_INT16,),
            edit=int8_retyped_int16,
        ),
        Spec(
            "resize_nearest_2x",
            lambda_model(
                lambda x: tf.compat.v1.image.resize_nearest_neighbor(x, (6, 8)), (1, 3, 4, 3)
            ),
            (op("RESIZE_NEAREST_NEIGHBOR", input1=[6, 8], **i16),),
            (INT16X8,),
        ),
        Spec(
            "resize_nearest_half_pixel",
            lambda_model(lambda x: tf.image.resize(x, (5, 7), method="nearest"), RESIZE_SHAPE),
            (op("RESIZE_NEAREST_NEIGHBOR", input1=[5, 7], **i16),),
            (INT16X8,),
        ),
    ]
    specs += [
        Spec("abs", unary(tf.abs, full), (op("ABS", **i16),), (INT16X8,)),
        # The output scale made 1.5 times the input's: TFLM's rescaling path.
        Spec(
            "requantized_abs",
            unary(tf.abs, full),
            (op("ABS", **i16),),
            (INT16X8,),
            edit=requantized_outputs,
        ),
    ]
    # int16 SUM (TFLM's int16 REDUCE_MAX and REDUCE_MIN fail at invocation: "Only float32 and
    # int8 types are supported").
    specs += [
        Spec(
            "reduce_sum_image_keepdims",
            unary(lambda x: tf.reduce_sum(x, axis=[1, 2], keepdims=True), (1, 4, 5, 6)),
            (op("SUM", keepDims=True, input1=[1, 2], **i16),),
            (INT16X8,),
        ),
        Spec(
            "reduce_sum_channels",
            unary(lambda x: tf.reduce_sum(x, axis=-1), (1, 4, 5, 6)),
            (op("SUM", keepDims=False, input1=-1, **i16),),
            (INT16X8,),
        ),
    ]
    # int16 PRELU with int8 alpha (TFLM's Prepare requires int8 alpha for an int16 output).
    specs += [
        Spec(
            "prelu_shared_axes",
            single(lambda: layers.PReLU(shared_axes=[1, 2]), (1, 4, 4, 3)),
            (op("PRELU", shapes=[(1, 4, 4, 3), (1, 1, 3)], constants=[1], out="INT16"),),
            (INT8_RETYPED_INT16,),
            edit=int8_activations_retyped_int16,
        ),
        Spec(
            "prelu",
            single(lambda: layers.PReLU(), (1, 3, 4, 5)),
            (op("PRELU", constants=[1], out="INT16"),),
            (INT8_RETYPED_INT16,),
            edit=int8_activations_retyped_int16,
        ),
    ]
    # Pools whose output scale is off the input's by less than TFLM's tolerance (1e-6).
    specs += [
        Spec(
            f"nudged_{kind}pool",
            single(lambda pool=pool: pool(2, strides=2), (1, 6, 6, 3)),
            (op(name, filter=(2, 2)),),
            (INT8,),
            edit=nudged_output_scale,
        )
        for kind, name, pool in (
            ("avg", "AVERAGE_POOL_2D", layers.AveragePooling2D),
            ("max", "MAX_POOL_2D", layers.MaxPooling2D),
        )
    ]
    return specs


# The converter has no int16x8 SELECT_V2: an int8 model with its activations made int16.
INT8_RETYPED_INT16 = Conversion(
    "int16", "int8 converted, activations retyped int16 (zero point 0)", quantized=True
)


def int8_retyped_int16(model_bytes: bytes) -> bytes:
    """An edit making every int8 activation of the model int16, with zero point 0 and its
    scale (the model may have no int8 constants)."""
    model = read_model(model_bytes)
    for tensor in model.subgraphs[0].tensors:
        if tensor.type == schema_py.TensorType.INT8:
            assert not has_data(model, tensor), "an int8 constant cannot be retyped"
            tensor.type = schema_py.TensorType.INT16
            tensor.quantization.zeroPoint = [0]
    return write_model(model)


def int8_activations_retyped_int16(model_bytes: bytes) -> bytes:
    """An edit making every int8 activation of the model int16 with zero point 0 and its scale
    divided by 256 (the same real range); int8 constants (PRELU's alpha) stay int8."""
    model = read_model(model_bytes)
    for tensor in model.subgraphs[0].tensors:
        if tensor.type == schema_py.TensorType.INT8 and not has_data(model, tensor):
            tensor.type = schema_py.TensorType.INT16
            tensor.quantization.zeroPoint = [0]
            tensor.quantization.scale = [float(s) / 256 for s in tensor.quantization.scale]
    return write_model(model)


def nudged_output_scale(model_bytes: bytes) -> bytes:
    """An edit adding 8e-7 to the scale of the model's outputs (TFLM's pools allow 1e-6)."""
    model = read_model(model_bytes)
    subgraph = model.subgraphs[0]
    for t in subgraph.outputs:
        q = subgraph.tensors[t].quantization
        q.scale = [float(s) + 8e-7 for s in q.scale]
    return write_model(model)


def requantized_outputs(model_bytes: bytes) -> bytes:
    """An edit quantizing the model's outputs otherwise than the converter did: scale times
    1.5 and, for int8, zero point plus 3 (int16 keeps zero point 0)."""
    model = read_model(model_bytes)
    subgraph = model.subgraphs[0]
    for t in subgraph.outputs:
        q = subgraph.tensors[t].quantization
        q.scale = [float(s) * 1.5 for s in q.scale]
        if subgraph.tensors[t].type == schema_py.TensorType.INT8:
            q.zeroPoint = [min(int(z) + 3, 127) for z in q.zeroPoint]
    return write_model(model)


def all_fixtures() -> list[Fixture]:
    specs = (
        conv_specs()
        + depthwise_specs()
        + fully_connected_specs()
        + pool_specs()
        + reshape_specs()
        + elementwise_specs()
        + quantization_specs()
        + tensor_specs()
        + activation_specs()
        + network_specs()
        + unary_math_specs()
        + squared_difference_specs()
        + split_specs()
        + boundary_specs()
        + data_movement_specs()
        + elementwise_math_specs()
        + compare_specs()
        + reduce_specs()
        + fill_specs()
        + resize_specs()
        + transpose_conv_specs()
        + batch_space_specs()
        + network_resize_specs()
        + typed_data_movement_specs()
        + cast_specs()
        + int32_arithmetic_specs()
        + more_ops_specs()
        + int16x8_elementwise_specs()
        + int16x8_weighted_specs()
        + matmul_detection_specs()
        + coverage_gap_specs()
    )
    return [
        Fixture(spec, conversion) for spec in specs for conversion in spec.conversions
    ]


# --- Building and converting ------------------------------------------------


def seeded_rng(spec: Spec) -> np.random.Generator:
    """The spec's weight and calibration randomness, shared by its conversions."""
    return np.random.default_rng(goldens.fnv1a64(spec.base.encode("utf-8")))


def build_model(spec: Spec, rng: np.random.Generator) -> keras.Model:
    """Build the spec's model with weights drawn uniformly from rng."""
    keras.backend.clear_session()  # restart Keras' name counters: stable tensor names
    model = spec.build()
    model.set_weights(
        [
            rng.uniform(-WEIGHT_RANGE, WEIGHT_RANGE, weight.shape).astype(np.float32)
            for weight in model.get_weights()
        ]
    )
    return model


def calibration_data(
    model: keras.Model, rng: np.random.Generator
) -> list[dict[str, np.ndarray]]:
    """Representative samples, uniform over the range the goldens' inputs cover.

    Samples are keyed by input name: the converted model need not keep the
    Keras input order, and the calibrator would match a list by position.
    Unknown dimensions are 1, as in the converted model.
    """
    low, high = float(FLOAT_LOW), float(FLOAT_LOW + FLOAT_SPAN)
    shapes = {
        tensor.name: tuple(1 if dim is None else dim for dim in tensor.shape)
        for tensor in model.inputs
    }
    return [
        {
            name: rng.uniform(low, high, shape).astype(np.float32)
            for name, shape in shapes.items()
        }
        for _ in range(CALIBRATION_SAMPLES)
    ]


def convert(fixture: Fixture) -> bytes:
    """Build and convert a fixture's model; returns the .tflite bytes."""
    if fixture.spec.make is not None:
        return fixture.spec.make()
    rng = seeded_rng(fixture.spec)
    model = build_model(fixture.spec, rng)
    samples = calibration_data(model, rng)
    conversion = fixture.conversion
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if conversion.quantized:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [getattr(tf.lite.OpsSet, conversion.ops_set)]
        boundary = getattr(tf, conversion.boundary)
        if conversion.int8_input:
            converter.inference_input_type = boundary
        if conversion.int8_output:
            converter.inference_output_type = boundary
        converter._experimental_disable_per_channel = not conversion.per_channel
    # Keras' export prints its endpoints; the calibrator warns that
    # tf.lite.Interpreter is deprecated.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model_bytes = converter.convert()
    edit = fixture.spec.edit
    return model_bytes if edit is None else edit(model_bytes)


# --- Reading the converted model back ---------------------------------------


@dataclass(frozen=True)
class OpSummary:
    """An operator of a converted model, with its options as Expect keys them."""

    name: str
    options: dict[str, object]


class FixtureError(Exception):
    """A converted model is not what its spec intends."""


def option_value(key: str, value: object) -> object:
    """A schema option value in comparable form."""
    if key in OPTION_ENUMS:
        return OPTION_ENUMS[key][value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, float):
        return np.float32(value)
    return value


def operand_data(model, tensor) -> bytes | None:
    """A constant tensor's data, or None for a tensor computed at run time."""
    data = model.buffers[tensor.buffer].data
    return None if data is None or len(data) == 0 else bytes(data)


def tensor_shape(tensor) -> tuple[int, ...]:
    return () if tensor.shape is None else tuple(int(dim) for dim in tensor.shape)


def integer_constant(model, tensor) -> list | int | None:
    """The values of a constant integer tensor (axes, shapes, ...), or None."""
    dtype = CONSTANT_OPERAND_TYPES.get(TENSOR_TYPES[tensor.type])
    data = operand_data(model, tensor)
    if dtype is None or data is None:
        return None
    return np.frombuffer(data, dtype=dtype).reshape(tensor_shape(tensor)).tolist()


def builtin_options(operator) -> dict[str, object]:
    """The operator's builtin options, keyed as Expect documents."""
    if operator.builtinOptions is None:
        return {}
    options = {
        key: option_value(key, value)
        for key, value in vars(operator.builtinOptions).items()
    }
    for name, (height, width) in OPTION_PAIRS.items():
        if height in options:
            options[name] = (options.pop(height), options.pop(width))
    if "fusedActivationFunction" in options:
        options["activation"] = options.pop("fusedActivationFunction")
    return options


def summarize(model, subgraph, operator) -> OpSummary:
    code = model.operatorCodes[operator.opcodeIndex]
    name = OPERATOR_NAMES[max(code.builtinCode, code.deprecatedBuiltinCode)]
    tensors = subgraph.tensors
    operands = {i: tensors[t] for i, t in enumerate(operator.inputs) if t >= 0}
    options = {
        "in": TENSOR_TYPES[operands[0].type],
        "out": TENSOR_TYPES[tensors[operator.outputs[0]].type],
        "shapes": [tensor_shape(tensor) for tensor in operands.values()],
        "constants": [
            i for i, tensor in operands.items() if operand_data(model, tensor)
        ],
        **builtin_options(operator),
    }
    if name in WEIGHTED_OPS:
        filter_index, bias_index = WEIGHTED_OPS[name]
        options["bias"] = bias_index in operands
        scales = operands[filter_index].quantization.scale
        if scales is not None and len(scales) > 0:
            options["per_channel"] = len(scales) > 1
    else:
        for index, tensor in operands.items():
            values = integer_constant(model, tensor)
            if values is not None:
                options[f"input{index}"] = values
    return OpSummary(name, options)


def summarize_model(model_bytes: bytes) -> list[OpSummary]:
    """The operators of the main subgraph, in execution order."""
    model = runtime.convert_bytearray_to_object(model_bytes)
    subgraph = model.subgraphs[0]
    return [summarize(model, subgraph, operator) for operator in subgraph.operators]


def verify_operators(fixture: Fixture, ops_found: list[OpSummary]) -> None:
    """Raise FixtureError unless the model has exactly the expected operators."""
    expected = fixture.spec.expected
    names = [summary.name for summary in ops_found]
    if names != [expect.op for expect in expected]:
        wanted = [expect.op for expect in expected]
        raise FixtureError(f"{fixture.name}: operators {names}, expected {wanted}")
    for expect, summary in zip(expected, ops_found):
        wrong = {
            key: summary.options.get(key, "absent")
            for key, value in expect.options.items()
            if summary.options.get(key, "absent") != value
        }
        if wrong:
            raise FixtureError(
                f"{fixture.name}: {summary.name} has {wrong}, expected {expect.options}"
            )
    per_channel = fixture.conversion.per_channel
    for summary in ops_found:
        if summary.options.get("per_channel", per_channel) != per_channel:
            raise FixtureError(f"{fixture.name}: {summary.name} has per_channel wrong")


def describe_operators(fixture: Fixture, ops_found: list[OpSummary]) -> str:
    """The operators with the options the spec checks, e.g. CONV_2D(strideH=2)."""
    parts = []
    for expect, summary in zip(fixture.spec.expected, ops_found):
        checked = " ".join(f"{key}={summary.options[key]!s}" for key in expect.options)
        parts.append(f"{summary.name}({checked})" if checked else summary.name)
    return " -> ".join(parts)


# --- Goldens ----------------------------------------------------------------


def float_distribution() -> str:
    high = FLOAT_LOW + FLOAT_SPAN
    return (
        f"f32(next() >> 40) * 2**-24 * f32({FLOAT_SPAN}) + f32({FLOAT_LOW}) in f32, "
        f"in [{FLOAT_LOW}, {high})"
    )


def draw_input(stream: Iterator[int], info: goldens.TensorInfo) -> np.ndarray:
    """The next value of an input: int8 as in tests/golden, float32 in fixture range."""
    if info.dtype != np.float32:
        return goldens.draw_input(stream, info)
    count = int(np.prod(info.shape))
    draws = np.fromiter(itertools.islice(stream, count), dtype=np.uint64, count=count)
    unit = (draws >> np.uint64(40)).astype(np.float32) * goldens.FLOAT_INPUT_UNIT
    return (unit * FLOAT_SPAN + FLOAT_LOW).reshape(info.shape)


def model_file(name: str, directory: Path = FIXTURES_DIR) -> Path:
    return directory / f"{name}.tflite"


def golden_paths(name: str, directory: Path) -> list[Path]:
    return [directory / f"{name}{suffix}" for suffix in (".outputs.bin", ".txt")]


def manifest_text(
    name: str,
    model_bytes: bytes,
    inputs: list[goldens.TensorInfo],
    outputs: list[goldens.TensorInfo],
    inputs_hash: int,
    arena_used: int | None,
) -> str:
    """The <name>.txt manifest: tests/golden's keys plus float_low and float_span."""
    arena = "not reported" if arena_used is None else str(arena_used)
    lines = [
        f"model: {name}",
        f"model_file: {model_file(name).relative_to(REPO_ROOT).as_posix()}",
        f"model_sha256: {hashlib.sha256(model_bytes).hexdigest()}",
        f"tflite_micro: {tflite_micro.__version__}",
        f"numpy: {np.__version__}",
        f"cases: {NUM_CASES}",
        f"seed: 0x{goldens.fnv1a64(name.encode('utf-8')):016x}",
        "seed_derivation: fnv1a64 of the model file stem (UTF-8)",
        f"generator: {goldens.GENERATOR_DESCRIPTION}",
        f"float_low: {FLOAT_LOW}",
        f"float_span: {FLOAT_SPAN}",
        f"inputs_fnv1a64: 0x{inputs_hash:016x}",
        f"arena_used_bytes: {arena} (TFLM host build, 64-bit; "
        f"arena_size {goldens.ARENA_SIZE})",
    ]
    for index, info in enumerate(inputs):
        distribution = (
            float_distribution()
            if info.dtype == np.float32
            else goldens.INPUT_DISTRIBUTIONS[info.dtype]
        )
        lines.append(f"input {index}: {info.describe()} distribution={distribution!r}")
    for index, info in enumerate(outputs):
        lines.append(f"output {index}: {info.describe()}")
    return "\n".join(lines) + "\n"


def write_goldens(name: str, model_bytes: bytes, out_dir: Path) -> None:
    """Run NUM_CASES generated cases through TFLM and write the goldens."""
    input_names, output_names = goldens.io_tensor_names(model_bytes)
    interpreter = runtime.Interpreter.from_bytes(
        model_bytes, arena_size=goldens.ARENA_SIZE
    )
    inputs = [
        goldens.tensor_info(tensor, interpreter.get_input_details(index))
        for index, tensor in enumerate(input_names)
    ]
    outputs = [
        goldens.tensor_info(tensor, interpreter.get_output_details(index))
        for index, tensor in enumerate(output_names)
    ]
    stream = goldens.splitmix64(goldens.fnv1a64(name.encode("utf-8")))
    cases = [[draw_input(stream, info) for info in inputs] for _ in range(NUM_CASES)]
    results = [goldens.run_case(interpreter, case, len(outputs)) for case in cases]

    # Reusing one interpreter is only valid if it carries no state between runs.
    rerun = goldens.run_case(interpreter, cases[0], len(outputs))
    if any(
        goldens.le_bytes(a) != goldens.le_bytes(b) for a, b in zip(rerun, results[0])
    ):
        raise RuntimeError(f"{name}: re-running case 0 gave different outputs")

    inputs_hash = goldens.fnv1a64(
        b"".join(goldens.le_bytes(v) for c in cases for v in c)
    )
    outputs_path, manifest_path = golden_paths(name, out_dir)
    outputs_path.write_bytes(b"".join(goldens.le_bytes(v) for r in results for v in r))
    arena_used = goldens.arena_used_bytes(interpreter)
    manifest_path.write_text(
        manifest_text(name, model_bytes, inputs, outputs, inputs_hash, arena_used),
        encoding="utf-8",
    )


# --- The Rust test file -----------------------------------------------------

TEST_FILE_HEADER = """\
//! Operator fixtures: every model in `tests/fixtures/` gives TFLM's outputs on its
//! golden cases, int8 bit for bit and float32 within the harness's tolerance.
//!
//! Generated by `tests/tools/make_op_fixtures.py`; do not edit. Regenerate, from the
//! repository root, with `python3 tests/tools/make_op_fixtures.py` (pinned versions:
//! `tests/tools/requirements-fixtures.txt`).
"""
# rustfmt's defaults: max_width, and fn_call_width for a call's argument list.
RUST_MAX_WIDTH = 100
RUST_CALL_WIDTH = 60


def camel_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def rust_call(indent: str, callee: str, args: list[str]) -> str:
    """A call statement laid out as rustfmt does.

    One line if the arguments and the line fit, else one argument per line,
    with a trailing comma except in a macro call.
    """
    arguments = ", ".join(args)
    line = f"{indent}{callee}({arguments});"
    if len(arguments) <= RUST_CALL_WIDTH and len(line) <= RUST_MAX_WIDTH:
        return line
    separator = ",\n" + indent + "    "
    trailing = "" if callee.endswith("!") else ","
    return (
        f"{indent}{callee}(\n{indent}    {separator.join(args)}{trailing}\n{indent});"
    )


def test_item(fixture: Fixture, operators: str) -> str:
    name, model = fixture.name, camel_case(fixture.name)
    include = rust_call(
        "", "embedml::include_model!", [model, f'"../fixtures/{name}.tflite"']
    )
    check = rust_call("    ", f"embedml_tests::check_fixture::<{model}>", [f'"{name}"'])
    comment = textwrap.wrap(
        f"{fixture.conversion.description}: {operators}",
        width=RUST_MAX_WIDTH,
        initial_indent="// ",
        subsequent_indent="//     ",
        break_on_hyphens=False,
    )
    return "\n".join(
        [*comment, include, "", "#[test]", f"fn {name}() {{", check, "}", ""]
    )


def test_file_text(described: list[tuple[Fixture, str]]) -> str:
    items = [test_item(fixture, operators) for fixture, operators in described]
    return TEST_FILE_HEADER + "".join(f"\n{item}" for item in items)


# --- Driver -----------------------------------------------------------------


def write_fixture(fixture: Fixture, model_bytes: bytes, out_dir: Path) -> str:
    """Verify a model, write it and its goldens to out_dir; describe its operators."""
    ops_found = summarize_model(model_bytes)
    verify_operators(fixture, ops_found)
    model_file(fixture.name, out_dir).write_bytes(model_bytes)
    write_goldens(fixture.name, model_bytes, out_dir)
    return describe_operators(fixture, ops_found)


def write_all(
    fixtures: list[Fixture], out_dir: Path, test_file: Path, reconvert: bool | set[str]
) -> list[tuple[Fixture, str]]:
    """Write every fixture and the test file; returns the operator descriptions.

    With reconvert, the models are built and converted afresh; otherwise the
    committed models are used as they are.
    """
    described = []
    for fixture in fixtures:
        if reconvert is True or (reconvert and fixture.name in reconvert):
            model_bytes = convert(fixture)
        else:
            model_bytes = model_file(fixture.name).read_bytes()
        described.append((fixture, write_fixture(fixture, model_bytes, out_dir)))
    test_file.write_text(test_file_text(described), encoding="utf-8")
    return described


def fixture_files(fixture: Fixture, directory: Path) -> list[Path]:
    return [model_file(fixture.name, directory), *golden_paths(fixture.name, directory)]


def print_table(described: list[tuple[Fixture, str]]) -> None:
    width = max(len(fixture.name) for fixture, _ in described)
    for fixture, operators in described:
        size = model_file(fixture.name).stat().st_size
        print(
            f"{fixture.name:<{width}}  {fixture.conversion.description:<24}"
            f"{size:>6} B  {operators}"
        )
    total = sum(
        path.stat().st_size
        for fixture, _ in described
        for path in fixture_files(fixture, FIXTURES_DIR)
    )
    print(f"{len(described)} fixtures, {total} bytes in tests/fixtures/")


def check(fixtures: list[Fixture], reconvert: bool) -> int:
    """Regenerate into a temporary directory and diff against the committed files."""
    missing = [f.name for f in fixtures if not model_file(f.name).is_file()]
    if missing and not reconvert:
        print(f"missing models: {', '.join(missing)}", file=sys.stderr)
        return 1
    committed = [TEST_FILE] + [
        p for f in fixtures for p in fixture_files(f, FIXTURES_DIR)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        fresh_dir = Path(tmp)
        write_all(fixtures, fresh_dir, fresh_dir / TEST_FILE.name, reconvert)
        fresh = [fresh_dir / path.name for path in committed]
        mismatches = [
            path
            for path, new in zip(committed, fresh)
            if not path.is_file() or path.read_bytes() != new.read_bytes()
        ]
    strays = sorted(set(FIXTURES_DIR.iterdir()) - set(committed))
    for path in mismatches:
        print(f"differs or missing: {path.relative_to(REPO_ROOT)}", file=sys.stderr)
    for path in strays:
        print(f"not a fixture file: {path.relative_to(REPO_ROOT)}", file=sys.stderr)
    if mismatches or strays:
        return 1
    print(f"all fixture files match ({len(fixtures)} fixtures)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="rebuild and reconvert every model into a temp dir and compare "
        "models, goldens and test file byte-for-byte",
    )
    mode.add_argument(
        "--check-goldens",
        action="store_true",
        help="re-run TFLM on the committed models and compare goldens and test file",
    )
    mode.add_argument(
        "--only",
        nargs="+",
        metavar="FIXTURE",
        help="rebuild and reconvert only these fixtures (by name); the others' "
        "committed models are kept and their goldens re-run",
    )
    args = parser.parse_args()
    fixtures = all_fixtures()
    if args.check or args.check_goldens:
        return check(fixtures, reconvert=args.check)
    FIXTURES_DIR.mkdir(parents=True, exist_ok=True)
    reconvert = set(args.only) if args.only else True
    print_table(write_all(fixtures, FIXTURES_DIR, TEST_FILE, reconvert=reconvert))
    return 0


if __name__ == "__main__":
    sys.exit(main())
