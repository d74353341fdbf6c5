"""Generate tests/models/broken/<case>.tflite: one broken model per error the compiler reports.

Every case starts from tests/models/hello_world_int8.tflite, three int8 FULLY_CONNECTED ops

    tensor 0 (input [1, 1]) -> op #0 -> tensor 7 -> op #1 -> tensor 8 -> op #2 -> tensor 9 (output)

with weights/bias tensors 6/5, 4/3 and 2/1 (buffers 7/6, 5/4 and 3/2), and breaks one thing in
it with the flatbuffer object API of the TFLite schema (the generated Python module bundled in
the tflite-micro wheel). Cases about operators hello_world does not have append one operator,
#3, after the three: it reads new model inputs or constants and writes a tensor no one reads, so
the rest of the model stays valid and the compiler reports the one intended problem. A handful of
cases are raw bytes or byte-patched flatbuffers (a file too short to be a model, an operator
whose options table is corrupt).

Each case names the message the compiler must print (a substring of `embedml inspect`'s output) and is
compiled by tests/ui/<case>.rs, a trybuild compile-fail test whose .stderr records the full
message. A case marked with an `issue` records a known problem instead: `expect` is the message
the compiler should print, not the one it prints today (and a case marked `accepted` is a model
the compiler should reject but compiles; it has no tests/ui file yet).

truncated.tflite and not_a_model.tflite in the same directory are not made by this script.

Regenerate every model (from the repository root; needs only the pinned tflite-micro, numpy and
flatbuffers of tests/tools/requirements.txt):

    python3 tests/tools/make_broken_models.py

Output is deterministic: the same versions give byte-identical files. Other options:

    # also write tests/ui/<case>.rs for any case that lacks one
    python3 tests/tools/make_broken_models.py --ui
    # regenerate, then run `embedml inspect` on every model and check that it
    # fails with the expected message (exit status 1 if any does not, panics, or an issue
    # case now passes); known issues print as ISSUE
    python3 tests/tools/make_broken_models.py --verify
    # only some cases
    python3 tests/tools/make_broken_models.py --verify scale_nan
"""

import argparse
import copy
import math
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flatbuffers import Builder
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "tests" / "models" / "hello_world_int8.tflite"
OUT = ROOT / "tests" / "models" / "broken"
UI = ROOT / "tests" / "ui"

INT8, INT16, INT32, FLOAT32, FLOAT16, UINT8 = (
    tfl.TensorType.INT8,
    tfl.TensorType.INT16,
    tfl.TensorType.INT32,
    tfl.TensorType.FLOAT32,
    tfl.TensorType.FLOAT16,
    tfl.TensorType.UINT8,
)
OP = tfl.BuiltinOperator
INT64 = tfl.TensorType.INT64
NUMPY_TYPES = {
    INT8: np.int8, INT16: np.int16, INT32: np.int32, FLOAT32: np.float32, UINT8: np.uint8,
    tfl.TensorType.INT64: np.int64,
}


class Model:
    """hello_world_int8 as a mutable object tree, with helpers to add tensors and operators."""

    def __init__(self) -> None:
        self.model = tfl.ModelT.InitFromPackedBuf(BASE.read_bytes(), 0)
        self.graph = self.model.subgraphs[0]
        # Plain lists, so cases can edit them in place.
        self.graph.inputs = [int(i) for i in self.graph.inputs]
        self.graph.outputs = [int(i) for i in self.graph.outputs]
        for op in self.graph.operators:
            op.inputs = [int(i) for i in op.inputs]
            op.outputs = [int(i) for i in op.outputs]

    @property
    def tensors(self) -> list:
        return self.graph.tensors

    @property
    def ops(self) -> list:
        return self.graph.operators

    def buffer_of(self, tensor: int):
        return self.model.buffers[self.tensors[tensor].buffer]

    def tensor(
        self,
        name: str,
        shape: list[int],
        dtype: int = INT8,
        quant: tuple | None = None,
        data=None,
    ) -> int:
        """Adds a tensor; `quant` is (scale, zero_point) or (scales, zero_points, dimension);
        `data` makes it constant. Returns its index."""
        t = tfl.TensorT()
        t.name = name
        t.shape = list(shape)
        t.type = dtype
        if quant is not None:
            t.quantization = quantization(*quant)
        if data is not None:
            values = np.asarray(data, dtype=NUMPY_TYPES[dtype]).reshape(-1)
            b = tfl.BufferT()
            b.data = list(values.tobytes())
            self.model.buffers.append(b)
            t.buffer = len(self.model.buffers) - 1
        self.tensors.append(t)
        return len(self.tensors) - 1

    def input(self, name: str, shape: list[int], dtype: int = INT8, quant=None) -> int:
        """Adds a model input (int8 inputs get scale 1/128, zero point 0 unless told)."""
        if dtype == INT8 and quant is None:
            quant = (1 / 128, 0)
        t = self.tensor(name, shape, dtype, quant)
        self.graph.inputs.append(t)
        return t

    def opcode(self, builtin: int, custom: str | None = None) -> int:
        for i, c in enumerate(self.model.operatorCodes):
            if c.builtinCode == builtin and c.customCode == custom:
                return i
        c = tfl.OperatorCodeT()
        c.builtinCode = builtin
        c.deprecatedBuiltinCode = min(builtin, OP.PLACEHOLDER_FOR_GREATER_OP_CODES)
        c.customCode = custom
        self.model.operatorCodes.append(c)
        return len(self.model.operatorCodes) - 1

    def op(self, builtin: int, inputs: list[int], outputs: list[int], options=None,
           custom: str | None = None) -> int:
        """Appends an operator; `options` is a schema `...OptionsT` object. Returns its index."""
        o = tfl.OperatorT()
        o.opcodeIndex = self.opcode(builtin, custom)
        o.inputs = list(inputs)
        o.outputs = list(outputs)
        if options is not None:
            o.builtinOptionsType = getattr(tfl.BuiltinOptions, type(options).__name__[:-1])
            o.builtinOptions = options
        self.ops.append(o)
        return len(self.ops) - 1

    def pack(self) -> bytes:
        builder = Builder(4096)
        builder.Finish(self.model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def quantization(scale, zero_point, dimension: int = 0):
    q = tfl.QuantizationParametersT()
    q.scale = [float(s) for s in np.atleast_1d(scale)]
    q.zeroPoint = [int(z) for z in np.atleast_1d(zero_point)]
    q.quantizedDimension = dimension
    return q


def options(cls, **fields):
    """A schema options object, e.g. options(tfl.Conv2DOptionsT, strideH=1)."""
    o = cls()
    for k, v in fields.items():
        assert hasattr(o, k), f"{cls.__name__} has no field {k}"
        setattr(o, k, v)
    return o


def conv_options(**fields):
    return options(tfl.Conv2DOptionsT, **{"strideH": 1, "strideW": 1, **fields})


def pool_options(**fields):
    return options(
        tfl.Pool2DOptionsT,
        **{"strideH": 1, "strideW": 1, "filterHeight": 2, "filterWidth": 2,
           "padding": tfl.Padding.VALID, **fields},
    )


@dataclass
class Case:
    name: str
    expect: str  # a substring of the message the compiler must print
    doc: str
    make: Callable[[], bytes]
    issue: str | None  # why the compiler does not print `expect` yet, if it does not
    accepted: bool  # the compiler accepts the model today: no tests/ui case until it does not


CASES: list[Case] = []


def case(expect: str, raw: bool = False, issue: str | None = None, accepted: bool = False):
    """Registers a case: a function that edits a fresh Model, or (raw) returns the file bytes.

    `issue` marks a case whose message is known to be wrong or misleading today: `expect` is
    then the message it should print, and --verify reports the case without failing on it.
    `accepted` marks an issue case the compiler does not reject at all yet; --ui skips it."""

    def register(fn):
        def make() -> bytes:
            if raw:
                return fn()
            m = Model()
            fn(m)
            return m.pack()

        CASES.append(Case(fn.__name__, expect, (fn.__doc__ or "").strip(), make, issue, accepted))
        return fn

    return register


def operator_table(data: bytes, op: int) -> tuple[int, int]:
    """(position of the builtin_options offset field, position of the table) of operator `op`."""
    operator = tfl.Model.GetRootAs(data, 0).Subgraphs(0).Operators(op)
    tab = operator._tab
    field = tab.Pos + tab.Offset(12)  # builtin_options is field 4: vtable slot 4 + 2 * 4
    assert field != tab.Pos, "the operator has no builtin options"
    return field, tab.Indirect(field)


# --- The file and its flatbuffer ------------------------------------------------------------


@case("too few for a flatbuffer", raw=True)
def too_short():
    """The first 6 bytes of a model: too short to hold a file identifier."""
    return BASE.read_bytes()[:6]


@case("its options are corrupt", raw=True)
def corrupt_options():
    """Operator #0's FullyConnectedOptions table points outside the file (the file-level
    verifier skips union values, so the reader verifies each options table it reads)."""
    data = bytearray(Model().pack())
    field, _ = operator_table(bytes(data), 0)
    struct.pack_into("<I", data, field, len(data))
    return bytes(data)


# --- The model's structure ------------------------------------------------------------------


@case("the model has no subgraph")
def no_subgraph(m: Model):
    """The subgraphs vector is absent."""
    m.model.subgraphs = None


@case("model input refers to tensor 99, but the subgraph has 10 tensors")
def model_input_out_of_range(m: Model):
    """The subgraph's input list names a tensor that does not exist."""
    m.graph.inputs = [99]


@case('operator #1: its opcode_index 5 is out of range (the model has 1 operator code)')
def opcode_out_of_range(m: Model):
    """Operator #1's opcode_index is past the operator_codes list."""
    m.ops[1].opcodeIndex = 5


@case("operator #1 (FULLY_CONNECTED): an input refers to tensor 40, but the subgraph has 10")
def op_input_out_of_range(m: Model):
    """Operator #1's weights index is past the tensor list."""
    m.ops[1].inputs[1] = 40


# --- Tensors as the reader sees them --------------------------------------------------------


@case('tensor #9 "StatefulPartitionedCall:0": unknown tensor type code 100')
def unknown_tensor_type(m: Model):
    """The output tensor's type code is not in the schema."""
    m.tensors[9].type = 100


@case('tensor #0 "serving_default_dense_input:0": has a dynamic shape (dimension -1)')
def dynamic_shape(m: Model):
    """The input's batch dimension is -1 in `shape` itself."""
    m.tensors[0].shape = [-1, 1]


@case('tensor #0 "serving_default_dense_input:0": has an unknown shape')
def unknown_shape(m: Model):
    """The input is unranked: an empty shape with a shape_signature of -1."""
    m.tensors[0].shape = []
    m.tensors[0].shapeSignature = [-1]


@case("shape [65536, 65536] is too large")
def shape_too_large(m: Model):
    """An activation of 2^32 int8 elements, past the 2 GiB limit."""
    m.tensors[7].shape = [65536, 65536]


@case('tensor #4 "sequential/dense_1/MatMul": is sparse')
def sparse_tensor(m: Model):
    """Weights with sparsity parameters (a dense traversal order)."""
    m.tensors[4].sparsity = options(tfl.SparsityParametersT, traversalOrder=[0, 1])


@case('tensor #4 "sequential/dense_1/MatMul": refers to buffer 99, but the model has 13')
def buffer_out_of_range(m: Model):
    """Weights whose buffer index is past the buffer list."""
    m.tensors[4].buffer = 99


@case("keeps its data outside the flatbuffer")
def external_buffer(m: Model):
    """Weights whose buffer uses the offset/size form of models over 2 GB."""
    b = m.buffer_of(4)
    b.data, b.offset, b.size = None, 4096, 256


@case("has 100 bytes of data, but its shape and type need 256")
def buffer_too_short(m: Model):
    """Weights [16, 16] int8 whose buffer holds 100 bytes."""
    b = m.buffer_of(4)
    b.data = b.data[:100]


@case("uses custom quantization details")
def custom_quantization(m: Model):
    """Weights with a CustomQuantization details table."""
    q = m.tensors[4].quantization
    q.detailsType = tfl.QuantizationDetails.CustomQuantization
    q.details = options(tfl.CustomQuantizationT, custom=[1, 2, 3, 4])


@case('has 1 quantization scale but 2 zero points')
def zero_point_count(m: Model):
    """An activation with one scale and two zero points."""
    m.tensors[7].quantization.zeroPoint = [-128, -128]


@case("has quantization scale -0.0108")
def scale_negative(m: Model):
    """Weights whose scale is negative."""
    m.tensors[4].quantization.scale = [-0.0108]


@case("has quantization scale 0; scales must be finite and positive")
def scale_zero(m: Model):
    """An activation whose scale is zero."""
    m.tensors[7].quantization.scale = [0.0]


@case("has quantization scale NaN; scales must be finite and positive")
def scale_nan(m: Model):
    """A bias whose scale is NaN."""
    m.tensors[5].quantization.scale = [math.nan]


@case("has 3 per-channel scales along dimension 0, but its shape is [16, 16]")
def per_channel_scale_count(m: Model):
    """Weights [16, 16] with 3 scales along dimension 0."""
    m.tensors[4].quantization = quantization([0.01, 0.02, 0.03], [0, 0, 0], 0)


# --- Operator options, as the reader decodes them -------------------------------------------


@case("operator #3 (SOFTMAX): its builtin options are missing")
def missing_options(m: Model):
    """A SOFTMAX without its SoftmaxOptions table."""
    m.op(OP.SOFTMAX, [9], [m.tensor("probabilities", [1, 1], quant=(1 / 256, -128))])


@case("operator #3 (CONV_2D): unknown padding code 7")
def unknown_padding(m: Model):
    """A CONV_2D whose padding code is neither SAME (0) nor VALID (1)."""
    conv(m, conv_options(padding=7))


@case("operator #3 (CONV_2D): stride_h is 0; it must be positive")
def zero_stride(m: Model):
    """A CONV_2D with stride_h 0."""
    conv(m, conv_options(strideH=0))


@case("operator #0 (FULLY_CONNECTED): fused activation TANH is not supported")
def fused_tanh(m: Model):
    """Operator #0 with a fused TANH activation."""
    m.ops[0].builtinOptions.fusedActivationFunction = tfl.ActivationFunctionType.TANH


@case("operator #0 (FULLY_CONNECTED): unknown fused activation code 9")
def unknown_activation(m: Model):
    """Operator #0 with a fused activation code the schema does not define."""
    m.ops[0].builtinOptions.fusedActivationFunction = 9


@case("operator #0 (FULLY_CONNECTED): shuffled weights")
def shuffled_weights(m: Model):
    """Operator #0 with weights_format SHUFFLED4x16INT8."""
    m.ops[0].builtinOptions.weightsFormat = tfl.FullyConnectedOptionsWeightsFormat.SHUFFLED4x16INT8


@case("operator #3 (LEAKY_RELU): alpha inf must be finite")
def leaky_relu_alpha(m: Model):
    """A LEAKY_RELU whose alpha is infinite."""
    x = m.input("x", [1, 4], FLOAT32)
    m.op(OP.LEAKY_RELU, [x], [m.tensor("y", [1, 4], FLOAT32)],
         options(tfl.LeakyReluOptionsT, alpha=math.inf))


@case("operator #3 (SOFTMAX): beta 0 must be finite and positive")
def softmax_beta(m: Model):
    """A SOFTMAX whose beta is 0."""
    m.op(OP.SOFTMAX, [9], [m.tensor("probabilities", [1, 1], quant=(1 / 256, -128))],
         options(tfl.SoftmaxOptionsT, beta=0.0))


# --- The graph: model inputs and outputs, execution order -----------------------------------


@case(
    'tensor #10 "x": is a model input of type FLOAT16; '
    "embedml supports INT8, UINT8, INT16, INT32 and FLOAT32"
)
def model_input_type(m: Model):
    """A second model input of type FLOAT16 (unused)."""
    m.input("x", [1, 4], FLOAT16)


@case('tensor #2 "sequential/dense_2/MatMul": is a model input but constant')
def constant_model_input(m: Model):
    """Operator #2's constant weights are also listed as a model input."""
    m.graph.inputs.append(2)


@case('tensor #2 "sequential/dense_2/MatMul": is a model output but constant')
def constant_model_output(m: Model):
    """The model's output is a constant (operator #2's weights) instead of tensor 9."""
    m.graph.outputs = [2]


@case("the model has no outputs")
def no_outputs(m: Model):
    """The subgraph's output list is empty."""
    m.graph.outputs = []


@case('operator #0 (FULLY_CONNECTED), tensor #7 "sequential/dense/MatMul;sequential/dense/Relu;'
      'sequential/dense/BiasAdd": is read before any operator writes it')
def read_before_write(m: Model):
    """Operators #0 and #1 swapped: the new #0 reads tensor 7 before the new #1 writes it."""
    m.ops[0], m.ops[1] = m.ops[1], m.ops[0]


@case('is written by two operators')
def written_twice(m: Model):
    """A copy of operator #2 appended: tensor 9 is written by #2 and #3."""
    m.ops.append(copy.deepcopy(m.ops[2]))


@case('tensor #9 "StatefulPartitionedCall:0": is a model output that no operator writes')
def output_not_written(m: Model):
    """Operator #2, the one writing the model output, removed."""
    del m.ops[2]


# --- What an operator reads and writes ------------------------------------------------------


@case('operator #3 (builtin code 250): embedml has no kernel for this operator (its code is newer than the schema embedml knows)')
def unknown_builtin(m: Model):
    """An operator whose builtin code is newer than the schema embedml knows."""
    m.op(250, [0], [m.tensor("y", [1, 1], quant=(1 / 128, 0))])


@case('operator #3 (custom MyCustomOp): embedml has no kernel for this custom operator')
def custom_op(m: Model):
    """A custom operator."""
    m.op(OP.CUSTOM, [0], [m.tensor("y", [1, 1], quant=(1 / 128, 0))], custom="MyCustomOp")


@case('operator #3 (custom RELU): embedml has no kernel for this custom operator')
def custom_op_named_like_builtin(m: Model):
    """A custom operator whose custom code, RELU, is also the name of a builtin embedml runs."""
    m.op(OP.CUSTOM, [0], [m.tensor("y", [1, 1], quant=(1 / 128, 0))], custom="RELU")


@case('operator #0 (FULLY_CONNECTED), tensor #0 "serving_default_dense_input:0": is a variable')
def variable_tensor(m: Model):
    """The input tensor is marked as a variable (state kept across invocations)."""
    m.tensors[0].isVariable = True


@case('tensor #0 "serving_default_dense_input:0": has shape [1, 0], which has no elements')
def empty_tensor(m: Model):
    """The input has a zero dimension, and operator #0 reads it."""
    m.tensors[0].shape = [1, 0]


@case('operator #3 (DEQUANTIZE), tensor #11 "y": has type FLOAT16, which embedml does not '
      'support')
def unsupported_tensor_type(m: Model):
    """A DEQUANTIZE whose output is FLOAT16 (a type embedml cannot store)."""
    x = m.input("x", [1, 4])
    m.op(OP.DEQUANTIZE, [x], [m.tensor("y", [1, 4], FLOAT16)])


@case('has type FLOAT16, which embedml does not support')
def float16_weights(m: Model):
    """Operator #2's weights are FLOAT16 [1, 8] with their 16 bytes of data (as in a model
    converted with float16 weight quantization)."""
    m.tensors[2].type = FLOAT16
    m.tensors[2].shape = [1, 8]


@case('operator #2 (FULLY_CONNECTED): input 1 (weights) is missing')
def missing_input(m: Model):
    """Operator #2's weights input is -1 (an omitted optional input)."""
    m.ops[2].inputs[1] = -1


@case("operator #2 (FULLY_CONNECTED): has 2 outputs; expected 1")
def two_outputs(m: Model):
    """Operator #2 writes a second tensor."""
    m.ops[2].outputs.append(m.tensor("extra", [1, 1], quant=(1 / 128, 0)))


@case("operator #2 (FULLY_CONNECTED): INT8 input with FLOAT32 output is not supported")
def output_type_mismatch(m: Model):
    """Operator #2 has an int8 input and a float32 output."""
    m.tensors[9].type = FLOAT32


@case('tensor #10 "constant_input": a constant activation input is not supported')
def constant_activation_input(m: Model):
    """Operator #0 reads a constant instead of the model input."""
    m.ops[0].inputs[0] = m.tensor("constant_input", [1, 1], quant=(1 / 128, 0), data=[7])


@case('tensor #9 "StatefulPartitionedCall:0": zero point 200 is outside INT8')
def zero_point_out_of_range(m: Model):
    """The int8 output's zero point is 200."""
    m.tensors[9].quantization.zeroPoint = [200]


@case("per-channel quantization of an activation is not supported")
def per_channel_activation(m: Model):
    """Tensor 8, written by #1 and read by #2, has 16 scales along dimension 1 (both ops
    report it)."""
    m.tensors[8].quantization = quantization(np.linspace(0.01, 0.02, 16), [-128] * 16, 1)


@case('tensor #9 "StatefulPartitionedCall:0": an INT8 activation must be quantized')
def activation_not_quantized(m: Model):
    """The int8 output has no quantization."""
    m.tensors[9].quantization = None


@case('tensor #2 "sequential/dense_2/MatMul": the weights must be constant')
def weights_not_constant(m: Model):
    """Operator #2's weights have no data; they are a model input."""
    m.tensors[2].buffer = 0
    m.graph.inputs.append(2)


@case('the weights have type INT16; expected INT8')
def weights_type(m: Model):
    """Operator #2's weights are INT16 (same 16 bytes, shape [1, 8])."""
    m.tensors[2].type = INT16
    m.tensors[2].shape = [1, 8]


@case('tensor #2 "sequential/dense_2/MatMul": INT8 weights must be quantized')
def weights_not_quantized(m: Model):
    """Operator #2's weights have no quantization."""
    m.tensors[2].quantization = None


@case("INT8 weights must be symmetric (zero point 0)")
def weights_asymmetric(m: Model):
    """Operator #2's weights have zero point 3."""
    m.tensors[2].quantization.zeroPoint = [3]


@case("has 16 scales along dimension 1; expected 1, or 16 along dimension 0")
def weights_scale_axis(m: Model):
    """Operator #1's weights [16, 16] are quantized per channel along the input dimension."""
    m.tensors[4].quantization = quantization(np.linspace(0.01, 0.02, 16), [0] * 16, 1)


@case('the bias has 1 element; expected 16')
def bias_length(m: Model):
    """Operator #1 uses operator #2's one-element bias."""
    m.ops[1].inputs[2] = 1


@case("is not the input scale times the weights'")
def fc_bias_scale(m: Model):
    """Operator #2's bias scale is four times the input scale times the weights' (TFLM's
    per-tensor FULLY_CONNECTED refuses a difference above 2% of the output scale)."""
    q = m.tensors[1].quantization
    q.scale = [4 * q.scale[0]]


@case('the weights have shape [1, 1, 16]; expected rank 2')
def weights_rank(m: Model):
    """Operator #2's weights are [1, 1, 16]."""
    m.tensors[2].shape = [1, 1, 16]


@case("operator #2 (FULLY_CONNECTED): input [1, 16] and output [2, 1] do not fit weights [1, 16]")
def fully_connected_shapes(m: Model):
    """Operator #2's output has two batches of one; its input makes one batch."""
    m.tensors[9].shape = [2, 1]


# --- Convolutions ---------------------------------------------------------------------------


def conv(m: Model, opts, input_shape=(1, 4, 4, 1), filter_shape=(2, 3, 3, 1),
         output_shape=(1, 4, 4, 2), builtin=OP.CONV_2D) -> int:
    """Appends a float32 convolution reading a new model input; returns the op index."""
    x = m.input("image", list(input_shape), FLOAT32)
    n = int(np.prod(filter_shape))
    w = m.tensor("filter", list(filter_shape), FLOAT32,
                 data=np.arange(n, dtype=np.float32) / n)
    channels = filter_shape[0] if builtin == OP.CONV_2D else filter_shape[3]
    b = m.tensor("bias", [channels], FLOAT32, data=np.zeros(channels))
    y = m.tensor("features", list(output_shape), FLOAT32)
    return m.op(builtin, [x, w, b], [y], opts)


@case('operator #3 (CONV_2D), tensor #10 "image": has shape [1, 4, 4]; expected rank 4')
def conv_rank(m: Model):
    """A CONV_2D whose input has rank 3."""
    conv(m, conv_options(), input_shape=(1, 4, 4))


@case("operator #3 (CONV_2D): filter [2, 3, 3, 3] does not fit input channels 1 and output "
      "channels 2 (grouped convolution is not supported)")
def conv_filter_channels(m: Model):
    """A CONV_2D whose filter has 3 input channels for a 1-channel input."""
    conv(m, conv_options(), filter_shape=(2, 3, 3, 3))


@case("operator #3 (DEPTHWISE_CONV_2D): filter [2, 3, 3, 2] does not fit input channels 1 and "
      "output channels 2")
def depthwise_filter(m: Model):
    """A DEPTHWISE_CONV_2D whose filter's first dimension is 2, not 1."""
    conv(m, options(tfl.DepthwiseConv2DOptionsT, strideH=1, strideW=1, depthMultiplier=2),
         filter_shape=(2, 3, 3, 2), builtin=OP.DEPTHWISE_CONV_2D)


@case("operator #3 (CONV_2D): output shape [1, 3, 3, 2] does not match the input [1, 4, 4, 1], "
      "filter, strides and padding (expected [1, 4, 4, 2])")
def conv_output_shape(m: Model):
    """A SAME-padded stride-1 CONV_2D whose output is [1, 3, 3, 2], not [1, 4, 4, 2]."""
    conv(m, conv_options(), output_shape=(1, 3, 3, 2))


# --- int16x8 (int16 activations, int8 weights) -----------------------------------------------


def int16x8_op(m: Model, builtin: int, opts, bias_type: int | None = INT64,
               input_zero_point: int = 0, output_type: int = INT16) -> int:
    """Appends an int16x8 1x1 convolution-like op (CONV_2D, DEPTHWISE_CONV_2D) or
    FULLY_CONNECTED over 2 channels reading a new int16 model input; returns the op index."""
    fc = builtin == OP.FULLY_CONNECTED
    shape = [1, 2] if fc else [1, 2, 2, 2]
    x = m.input("activations", shape, INT16, quant=(1 / 4096, input_zero_point))
    filter_shape = [2, 2] if fc else ([1, 1, 1, 2] if builtin == OP.DEPTHWISE_CONV_2D
                                      else [2, 1, 1, 2])
    w = m.tensor("filter", filter_shape, INT8, quant=([0.01, 0.02], [0, 0], 0 if fc else
                                                      (3 if builtin == OP.DEPTHWISE_CONV_2D
                                                       else 0)),
                 data=[1, -2, 3, -4][: int(np.prod(filter_shape))])
    inputs = [x, w]
    if bias_type is not None:
        inputs.append(m.tensor("bias", [2], bias_type, quant=([1e-6, 2e-6], [0, 0]),
                               data=[5, -7]))
    out_quant = (1 / 4096, 0) if output_type == INT16 else (1 / 128, 0)
    y = m.tensor("features", shape, output_type, quant=out_quant)
    return m.op(builtin, inputs, [y], opts)


@case('an INT16 activation has zero point 3; int16x8 quantization needs 0')
def int16_conv_zero_point(m: Model):
    """An int16x8 CONV_2D whose int16 input has zero point 3 (TFLM's int16 kernels ignore it)."""
    int16x8_op(m, OP.CONV_2D, conv_options(), input_zero_point=3)


@case('operator #3 (DEPTHWISE_CONV_2D), tensor #12 "bias": an int16x8 DEPTHWISE_CONV_2D bias '
      'has type INT32; TFLM takes INT64')
def int16_depthwise_int32_bias(m: Model):
    """An int16x8 DEPTHWISE_CONV_2D with an INT32 bias (TFLM reads any bias as INT64)."""
    int16x8_op(m, OP.DEPTHWISE_CONV_2D,
               options(tfl.DepthwiseConv2DOptionsT, strideH=1, strideW=1, depthMultiplier=1),
               bias_type=INT32)


@case('operator #3 (CONV_2D), tensor #12 "bias": an int16x8 CONV_2D bias has type INT16; '
      'TFLM takes INT64 or INT32')
def int16_conv_int16_bias(m: Model):
    """An int16x8 CONV_2D with an INT16 bias (TFLM's CONV_2D takes INT32 and INT64)."""
    int16x8_op(m, OP.CONV_2D, conv_options(), bias_type=INT16)


@case("operator #3 (FULLY_CONNECTED): INT16 input with INT8 output is not supported (INT8, "
      "INT16 or FLOAT32 throughout)")
def int16_fully_connected_int8_output(m: Model):
    """An int16x8 FULLY_CONNECTED whose output is INT8."""
    int16x8_op(m, OP.FULLY_CONNECTED, options(tfl.FullyConnectedOptionsT), output_type=INT8)


# --- Softmax, reshape -----------------------------------------------------------------------


@case("operator #3 (SOFTMAX): input [1, 4] and output [1, 5] differ in shape")
def softmax_shape(m: Model):
    """A float32 SOFTMAX from [1, 4] to [1, 5]."""
    x = m.input("logits", [1, 4], FLOAT32)
    m.op(OP.SOFTMAX, [x], [m.tensor("probabilities", [1, 5], FLOAT32)],
         options(tfl.SoftmaxOptionsT, beta=1.0))


@case('tensor #10 "probabilities": an INT8 softmax output must have scale 1/256 and zero point '
      '-128')
def softmax_output_scale(m: Model):
    """An int8 SOFTMAX whose output has scale 1/128."""
    m.op(OP.SOFTMAX, [9], [m.tensor("probabilities", [1, 1], quant=(1 / 128, -128))],
         options(tfl.SoftmaxOptionsT, beta=1.0))


@case("is too small for TFLM's fixed-point softmax")
def softmax_input_scale(m: Model):
    """An int8 SOFTMAX whose input scale is 1e-9: beta * scale * 2^26 is below 1, where TFLite
    Micro's PreprocessSoftmaxScaling aborts (QuantizeMultiplierGreaterThanOne's check)."""
    x = m.input("logits", [1, 4], quant=(1e-9, 0))
    m.op(OP.SOFTMAX, [x], [m.tensor("probabilities", [1, 4], quant=(1 / 256, -128))],
         options(tfl.SoftmaxOptionsT, beta=1.0))


@case("operator #3 (RESHAPE): input INT8 [1, 16] and output INT8 [1, 15] differ in type or size")
def reshape_size(m: Model):
    """A RESHAPE from 16 elements to 15."""
    y = m.tensor("reshaped", [1, 15], quant=(0.01277527, -128))
    m.op(OP.RESHAPE, [8], [y])


# --- Pooling --------------------------------------------------------------------------------


@case('operator #3 (MAX_POOL_2D), tensor #10 "image": has shape [1, 4, 4]; expected rank 4')
def pool_rank(m: Model):
    """A MAX_POOL_2D whose input has rank 3."""
    x = m.input("image", [1, 4, 4], FLOAT32)
    m.op(OP.MAX_POOL_2D, [x], [m.tensor("pooled", [1, 3, 3], FLOAT32)], pool_options())


@case("operator #3 (AVERAGE_POOL_2D): output shape [1, 2, 2, 1] does not match input "
      "[1, 4, 4, 1], window and strides (expected [1, 3, 3, 1])")
def pool_output_shape(m: Model):
    """A VALID 2x2 stride-1 AVERAGE_POOL_2D over 4x4 whose output is 2x2, not 3x3."""
    x = m.input("image", [1, 4, 4, 1], FLOAT32)
    m.op(OP.AVERAGE_POOL_2D, [x], [m.tensor("pooled", [1, 2, 2, 1], FLOAT32)], pool_options())


@case("the output's scale 0.5 and zero point 0 differ from the input's scale 0.0078125 and zero point 0")
def quantization_changes(m: Model):
    """An int8 MAX_POOL_2D whose output scale differs from its input's by more than TFLM's
    tolerance of 1e-6 (the kernel copies values)."""
    x = m.input("image", [1, 4, 4, 1])
    y = m.tensor("pooled", [1, 3, 3, 1], quant=(0.5, 0))
    m.op(OP.MAX_POOL_2D, [x], [y], pool_options())


# --- Binary element-wise ops ----------------------------------------------------------------


@case("operator #3 (ADD): INT8 and FLOAT32 inputs with INT8 output are not supported")
def binary_types(m: Model):
    """An ADD of an int8 and a float32 tensor."""
    a = m.input("a", [1, 4])
    b = m.input("b", [1, 4], FLOAT32)
    m.op(OP.ADD, [a, b], [m.tensor("sum", [1, 4], quant=(1 / 64, 0))])


@case("operator #3 (ADD): both inputs are constant")
def binary_constant_inputs(m: Model):
    """An ADD of two constants."""
    a = m.tensor("a", [1, 4], FLOAT32, data=[1, 2, 3, 4])
    b = m.tensor("b", [1, 4], FLOAT32, data=[4, 3, 2, 1])
    m.op(OP.ADD, [a, b], [m.tensor("sum", [1, 4], FLOAT32)])


@case("operator #3 (ADD): the output scale is too small for the input scales")
def add_output_scale(m: Model):
    """An int8 ADD of inputs with scale 1 into an output with scale 1e-6."""
    a = m.input("a", [1, 4], quant=(1.0, 0))
    b = m.input("b", [1, 4], quant=(1.0, 0))
    m.op(OP.ADD, [a, b], [m.tensor("sum", [1, 4], quant=(1e-6, 0))])


@case("an INT16 tensor must have zero point 0")
def int16_zero_point(m: Model):
    """An int16 MUL whose first input has zero point 5 (TFLM requires 0 for int16 MUL)."""
    a = m.input("a", [1, 4], INT16, quant=(1 / 4096, 5))
    b = m.input("b", [1, 4], INT16, quant=(1 / 4096, 0))
    m.op(OP.MUL, [a, b], [m.tensor("product", [1, 4], INT16, quant=(1 / 1024, 0))])


@case("operator #3 (ADD): the output scale is too small for the input scales")
def int16_add_output_scale(m: Model):
    """An int16 ADD of inputs with scale 1 into an output with scale 1e-6 (TFLM's
    QuantizeMultiplierSmallerThanOneExp refuses the output rescale)."""
    a = m.input("a", [1, 4], INT16, quant=(1.0, 0))
    b = m.input("b", [1, 4], INT16, quant=(1.0, 0))
    m.op(OP.ADD, [a, b], [m.tensor("sum", [1, 4], INT16, quant=(1e-6, 0))])


@case("an INT16 LOGISTIC output must have scale 1/32768")
def int16_logistic_output_scale(m: Model):
    """An int16 LOGISTIC whose output has scale 1/256 (TFLM requires 2^-15)."""
    x = m.input("x", [1, 4], INT16, quant=(1 / 4096, 0))
    m.op(OP.LOGISTIC, [x], [m.tensor("y", [1, 4], INT16, quant=(1 / 256, 0))])


@case("an INT16 softmax output must have scale 1/32768 and zero point 0")
def int16_softmax_output_scale(m: Model):
    """An int16 SOFTMAX whose output has scale 1/65536 (TFLM requires 1/32768 within 0.1%)."""
    x = m.input("x", [1, 4], INT16, quant=(1 / 4096, 0))
    options = tfl.SoftmaxOptionsT()
    options.beta = 1.0
    m.op(OP.SOFTMAX, [x], [m.tensor("p", [1, 4], INT16, quant=(1 / 65536, 0))], options)


@case("operator #3 (RELU_N1_TO_1): INT16 RELU_N1_TO_1 is not supported")
def int16_relu_n1_to_1(m: Model):
    """An int16 RELU_N1_TO_1 (TFLM has no kernel for it)."""
    x = m.input("x", [1, 4], INT16, quant=(1 / 4096, 0))
    m.op(OP.RELU_N1_TO_1, [x], [m.tensor("y", [1, 4], INT16, quant=(1 / 4096, 0))])


@case(
    "operator #3 (SQUARED_DIFFERENCE): the output requantization needs a rescale by 2^35, "
    "beyond TFLM's fixed-point range"
)
def squared_difference_output_scale(m: Model):
    """An int8 SQUARED_DIFFERENCE of inputs with scale 1 into an output with scale 1e-14."""
    a = m.input("a", [1, 4], quant=(1.0, 0))
    b = m.input("b", [1, 4], quant=(1.0, 0))
    m.op(OP.SQUARED_DIFFERENCE, [a, b], [m.tensor("y", [1, 4], quant=(1e-14, 0))])


@case("operator #3 (MUL): inputs [1, 3] and [1, 2] do not broadcast to the output [1, 3]")
def no_broadcast(m: Model):
    """A float32 MUL of [1, 3] and [1, 2]."""
    a = m.input("a", [1, 3], FLOAT32)
    b = m.input("b", [1, 2], FLOAT32)
    m.op(OP.MUL, [a, b], [m.tensor("product", [1, 3], FLOAT32)])


@case('operator #3 (SUB), tensor #10 "a": has rank 5; at most 4 is supported')
def rank_above_4(m: Model):
    """A float32 SUB of rank-5 tensors."""
    a = m.input("a", [1, 1, 1, 2, 2], FLOAT32)
    b = m.input("b", [1, 1, 1, 2, 2], FLOAT32)
    m.op(OP.SUB, [a, b], [m.tensor("difference", [1, 1, 1, 2, 2], FLOAT32)])


# --- Unary activations ----------------------------------------------------------------------


@case("operator #3 (RELU): input and output differ in size")
def unary_size(m: Model):
    """A float32 RELU from 4 elements to 5."""
    x = m.input("x", [1, 4], FLOAT32)
    m.op(OP.RELU, [x], [m.tensor("y", [1, 5], FLOAT32)])


@case('an INT8 output must have scale 1/256 and zero point -128')
def logistic_output_scale(m: Model):
    """An int8 LOGISTIC whose output scale is 1/128 (TFLM fixes it at 1/256, zero point -128)."""
    x = m.input("x", [1, 4])
    m.op(OP.LOGISTIC, [x], [m.tensor("y", [1, 4], quant=(1 / 128, -128))])


@case('tensor #10 "x": the input scale is too small for TFLM\'s fixed-point activation')
def activation_input_scale(m: Model):
    """An int8 TANH whose input scale is 1e-10."""
    x = m.input("x", [1, 4], quant=(1e-10, 0))
    m.op(OP.TANH, [x], [m.tensor("y", [1, 4], quant=(1 / 128, 0))])


@case("operator #3 (HARD_SWISH): the output scale is too small for the input scale")
def hard_swish_scale(m: Model):
    """An int8 HARD_SWISH with input scale 1 and output scale 0.001."""
    x = m.input("x", [1, 4], quant=(1.0, 0))
    m.op(OP.HARD_SWISH, [x], [m.tensor("y", [1, 4], quant=(0.001, 0))])


@case("operator #3 (NEG): INT8 NEG is not supported (TFLM's NEG kernel takes FLOAT32 only)")
def neg_int8(m: Model):
    """An int8 NEG, which TFLM's kernel refuses when invoked (it has a float32 path only)."""
    x = m.input("x", [1, 4])
    m.op(OP.NEG, [x], [m.tensor("y", [1, 4], quant=(1 / 128, 0))])


# --- Quantize, dequantize -------------------------------------------------------------------


@case("operator #3 (QUANTIZE): input and output must be activations of the same size")
def quantize_size(m: Model):
    """A QUANTIZE from 4 float32 elements to 5 int8 ones."""
    x = m.input("x", [1, 4], FLOAT32)
    m.op(OP.QUANTIZE, [x], [m.tensor("q", [1, 5], quant=(1 / 128, 0))])


@case("operator #3 (QUANTIZE): FLOAT32 to UINT8 is not supported: embedml runs QUANTIZE from")
def quantize_types(m: Model):
    """A QUANTIZE from float32 to uint8 (TFLM quantizes float32 to int8 and int16 only)."""
    x = m.input("x", [1, 4], FLOAT32)
    m.op(OP.QUANTIZE, [x], [m.tensor("q", [1, 4], UINT8, quant=(1 / 256, 0))])


@case(
    "operator #3 (DEQUANTIZE): FLOAT32 to FLOAT32 is not supported: "
    "embedml runs DEQUANTIZE from INT8, UINT8 or INT16 to FLOAT32"
)
def dequantize_types(m: Model):
    """A DEQUANTIZE from float32."""
    x = m.input("x", [1, 4], FLOAT32)
    m.op(OP.DEQUANTIZE, [x], [m.tensor("y", [1, 4], FLOAT32)])


# --- Index operands: PAD, MEAN, TRANSPOSE ---------------------------------------------------


@case('tensor #11 "paddings": the paddings must be a constant INT32 or INT64 tensor')
def indices_type(m: Model):
    """A PAD whose paddings are an int8 constant."""
    x = m.input("x", [1, 4], FLOAT32)
    p = m.tensor("paddings", [2, 2], INT8, quant=(1.0, 0), data=[0, 0, 1, 1])
    m.op(OP.PAD, [x, p], [m.tensor("padded", [1, 6], FLOAT32)])


@case("operator #3 (PAD): paddings [0, 0, 1, 1, 0, 0] do not fit input shape [1, 4]")
def pad_paddings(m: Model):
    """A PAD of a rank-2 tensor with three (before, after) pairs."""
    x = m.input("x", [1, 4], FLOAT32)
    p = m.tensor("paddings", [3, 2], INT32, data=[0, 0, 1, 1, 0, 0])
    m.op(OP.PAD, [x, p], [m.tensor("padded", [1, 6], FLOAT32)])


@case("operator #3 (PAD): output shape [1, 7] is not the padded input shape [1, 6]")
def pad_output_shape(m: Model):
    """A PAD of [1, 4] by one on each side whose output is [1, 7]."""
    x = m.input("x", [1, 4], FLOAT32)
    p = m.tensor("paddings", [2, 2], INT32, data=[0, 0, 1, 1])
    m.op(OP.PAD, [x, p], [m.tensor("padded", [1, 7], FLOAT32)])


@case("operator #3 (MEAN): reducing non-adjacent axes [1, 3] is not supported")
def mean_axes(m: Model):
    """A MEAN over axes 1 and 3 of a rank-4 tensor."""
    x = m.input("x", [1, 2, 3, 4], FLOAT32)
    axes = m.tensor("axes", [2], INT32, data=[1, 3])
    m.op(OP.MEAN, [x, axes], [m.tensor("mean", [1, 3], FLOAT32)])


@case('tensor #11 "axes": the axes have type INT64; expected INT32')
def mean_axes_type(m: Model):
    """A MEAN whose axes are an int64 constant (TFLM's Prepare takes INT32 axes only)."""
    x = m.input("x", [1, 2, 3, 4], FLOAT32)
    axes = m.tensor("axes", [2], INT64, data=[1, 2])
    m.op(OP.MEAN, [x, axes], [m.tensor("mean", [1, 4], FLOAT32)])


@case("operator #3 (MEAN): axis 4 is outside rank 4")
def mean_axis(m: Model):
    """A MEAN over axis 4 of a rank-4 tensor."""
    x = m.input("x", [1, 2, 3, 4], FLOAT32)
    axes = m.tensor("axes", [1], INT32, data=[4])
    m.op(OP.MEAN, [x, axes], [m.tensor("mean", [1, 2, 3], FLOAT32)])


@case("operator #3 (MEAN): output shape [2, 4] does not fit the reduction of [1, 2, 3, 4] over "
      "[1, 2]")
def mean_output_shape(m: Model):
    """A MEAN of [1, 2, 3, 4] over axes 1 and 2 (4 elements) whose output is [2, 4]."""
    x = m.input("x", [1, 2, 3, 4], FLOAT32)
    axes = m.tensor("axes", [2], INT32, data=[1, 2])
    m.op(OP.MEAN, [x, axes], [m.tensor("mean", [2, 4], FLOAT32)])


@case("operator #3 (TRANSPOSE): the permutation does not fit rank 3")
def transpose_permutation(m: Model):
    """A TRANSPOSE of a rank-3 tensor whose permutation repeats an axis."""
    x = m.input("x", [2, 3, 4], FLOAT32)
    perm = m.tensor("perm", [3], INT32, data=[0, 2, 2])
    m.op(OP.TRANSPOSE, [x, perm], [m.tensor("transposed", [2, 4, 4], FLOAT32)])


@case("operator #3 (TRANSPOSE): output shape [2, 3, 4] is not the permuted input shape [2, 4, 3]")
def transpose_output_shape(m: Model):
    """A TRANSPOSE by (0, 2, 1) whose output keeps the input's shape."""
    x = m.input("x", [2, 3, 4], FLOAT32)
    perm = m.tensor("perm", [3], INT32, data=[0, 2, 1])
    m.op(OP.TRANSPOSE, [x, perm], [m.tensor("transposed", [2, 3, 4], FLOAT32)])


# --- CONCATENATION --------------------------------------------------------------------------


def concat(m: Model, shapes, output_shape, axis=1, activation=0, dtype=FLOAT32, const=False):
    """Appends a CONCATENATION of new model inputs (or constants) of the given shapes."""
    inputs = []
    for i, shape in enumerate(shapes):
        name = f"part{i}"
        if const:
            q = (1 / 128, 0) if dtype in (INT8, INT16) else None
            inputs.append(m.tensor(name, shape, dtype, q, data=np.zeros(int(np.prod(shape)))))
        else:
            inputs.append(m.input(name, shape, dtype))
    q = (1 / 128, 0) if dtype in (INT8, INT16) else None
    y = m.tensor("joined", output_shape, dtype, q)
    m.op(OP.CONCATENATION, inputs, [y],
         options(tfl.ConcatenationOptionsT, axis=axis, fusedActivationFunction=activation))
    return inputs


@case("operator #3 (CONCATENATION): a fused activation on CONCATENATION is not supported")
def concat_activation(m: Model):
    """A CONCATENATION with a fused RELU."""
    concat(m, [[1, 2], [1, 3]], [1, 5], activation=tfl.ActivationFunctionType.RELU)


@case("operator #3 (CONCATENATION): every input must be present")
def concat_missing_input(m: Model):
    """A CONCATENATION whose second input is -1 (omitted)."""
    concat(m, [[1, 2], [1, 3]], [1, 5])
    m.ops[3].inputs[1] = -1


@case(
    "operator #3 (CONCATENATION): UINT8 tensors are not supported "
    "(TFLM's kernel takes INT8, INT16, INT32, FLOAT32, BOOL)"
)
def concat_type(m: Model):
    """A CONCATENATION of two uint8 constants (a type TFLM's kernel does not take)."""
    concat(m, [[1, 2], [1, 3]], [1, 5], dtype=UINT8, const=True)


@case("operator #3 (CONCATENATION): has 11 inputs; TFLM concatenates at most 10")
def concat_inputs(m: Model):
    """A CONCATENATION of eleven inputs (TFLM's kernel holds at most ten)."""
    concat(m, [[1, 1]] * 11, [1, 11])


@case("operator #3 (EXPAND_DIMS): INT32 EXPAND_DIMS is not supported")
def expand_dims_type(m: Model):
    """An EXPAND_DIMS of an int32 tensor (TFLM's kernel copies float32, int8 and int16 only)."""
    x = m.input("x", [4], INT32)
    axis = m.tensor("axis", [1], INT32, data=[0])
    m.op(OP.EXPAND_DIMS, [x, axis], [m.tensor("expanded", [1, 4], INT32)])


@case("operator #3 (CONCATENATION): axis 2 is outside rank 2")
def concat_axis(m: Model):
    """A CONCATENATION of rank-2 tensors along axis 2."""
    concat(m, [[1, 2], [1, 3]], [1, 5], axis=2)


@case('tensor #11 "part1": shape [2, 3] does not fit output [1, 5] along axis 1')
def concat_input_shape(m: Model):
    """A CONCATENATION along axis 1 whose second input differs in dimension 0."""
    concat(m, [[1, 2], [2, 3]], [1, 5])


@case("operator #3 (CONCATENATION): inputs add up to 5 along axis 1, the output has 6")
def concat_axis_sum(m: Model):
    """A CONCATENATION of [1, 2] and [1, 3] into [1, 6]."""
    concat(m, [[1, 2], [1, 3]], [1, 6])


# --- STRIDED_SLICE --------------------------------------------------------------------------


def strided_slice(m: Model, begin, end, strides, output_shape, input_shape=(4, 6), **masks):
    x = m.input("x", list(input_shape), FLOAT32)
    b = m.tensor("begin", [len(begin)], INT32, data=begin)
    e = m.tensor("end", [len(end)], INT32, data=end)
    s = m.tensor("strides", [len(strides)], INT32, data=strides)
    y = m.tensor("slice", list(output_shape), FLOAT32)
    m.op(OP.STRIDED_SLICE, [x, b, e, s], [y], options(tfl.StridedSliceOptionsT, **masks))


@case("operator #3 (STRIDED_SLICE): ellipsis and new-axis masks are not supported")
def strided_slice_masks(m: Model):
    """A STRIDED_SLICE with a new-axis mask."""
    strided_slice(m, [0, 0], [4, 6], [1, 1], [1, 4, 6], newAxisMask=1)


@case("operator #3 (STRIDED_SLICE): begin [0], end [4] and strides [1] do not fit rank 2")
def strided_slice_rank(m: Model):
    """A STRIDED_SLICE of a rank-2 tensor with one-element begin, end and strides."""
    strided_slice(m, [0], [4], [1], [4, 6])


@case("operator #3 (STRIDED_SLICE): dimension 0 starts at 4, outside 0..4")
def strided_slice_start(m: Model):
    """A STRIDED_SLICE that shrinks dimension 0 at index 4 of 4."""
    strided_slice(m, [4, 0], [5, 6], [1, 1], [6], shrinkAxisMask=1)


@case("operator #3 (STRIDED_SLICE): output shape [2, 6] does not match the slice [2, 3]")
def strided_slice_output_shape(m: Model):
    """A STRIDED_SLICE taking rows 0..2 and every other column whose output is [2, 6]."""
    strided_slice(m, [0, 0], [2, 6], [1, 2], [2, 6])


# --- Comparisons, SELECT_V2, ARG_MAX --------------------------------------------------------

BOOL, INT64 = tfl.TensorType.BOOL, tfl.TensorType.INT64


@case("operator #3 (GREATER), tensor #10 \"a\": an int8 comparison needs input scales in (0, 1)")
def compare_int8_scale(m: Model):
    """An int8 GREATER of an input with scale 2 (TFLM's Prepare aborts on it)."""
    a = m.input("a", [1, 4], quant=(2.0, 0))
    b = m.input("b", [1, 4])
    m.op(OP.GREATER, [a, b], [m.tensor("greater", [1, 4], BOOL)])


@case("operator #3 (SELECT_V2): the condition has type INT8; TFLM requires BOOL")
def select_condition_type(m: Model):
    """A SELECT_V2 whose condition is an int8 tensor."""
    condition = m.input("condition", [1, 4])
    x = m.input("x", [1, 4], FLOAT32)
    y = m.input("y", [1, 4], FLOAT32)
    m.op(OP.SELECT_V2, [condition, x, y], [m.tensor("selected", [1, 4], FLOAT32)])


@case("operator #3 (ARG_MAX): INT64 output is not supported (TFLM writes INT32 only")
def arg_max_output_type(m: Model):
    """An ARG_MAX writing int64 indices (tf.argmax's default, which TFLM does not run)."""
    x = m.input("x", [1, 4, 3], FLOAT32)
    axis = m.tensor("axis", [], INT32, data=[2])
    m.op(OP.ARG_MAX, [x, axis], [m.tensor("indices", [1, 4], INT64)])


# --- Driver ---------------------------------------------------------------------------------


def ui_source(name: str) -> str:
    return f'embedml::include_model!(pub M, "../models/broken/{name}.tflite");\n\nfn main() {{}}\n'


def verify(cases: list[Case], paths: dict[str, Path]) -> bool:
    """Runs `embedml inspect` on every model; True if each fails with its expected message."""
    subprocess.run(["cargo", "build", "-q", "-p", "embedml-cli"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    embedml = target / "debug" / "embedml"
    ok = True
    for c in cases:
        run = subprocess.run([embedml, "inspect", paths[c.name]], cwd=ROOT, capture_output=True, text=True)
        message = run.stderr.split("\n", 1)[-1].strip()
        if "panicked" in run.stderr:
            status = "PANIC"
        elif run.returncode == 0 and c.accepted:
            status, message = "ISSUE", "(accepted)"
        elif run.returncode != 1:
            status = f"EXIT {run.returncode}"
        elif c.expect not in message:
            status = "ISSUE" if c.issue else "WRONG"
        else:
            status = "FIXED" if c.issue else "ok"
        ok &= status in ("ok", "ISSUE")
        print(f"{status:6} {c.name}: {message}")
        if c.issue and status != "ok":
            print(f"       ({c.issue}; expected: {c.expect})")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ui", action="store_true", help="write missing tests/ui/<case>.rs")
    parser.add_argument("--verify", action="store_true", help="check inspect's messages")
    parser.add_argument("cases", nargs="*", help="only these cases (default: all)")
    args = parser.parse_args()
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    unknown = set(args.cases) - set(names)
    if unknown:
        parser.error(f"unknown cases: {sorted(unknown)}")
    selected = [c for c in CASES if not args.cases or c.name in args.cases]
    OUT.mkdir(parents=True, exist_ok=True)
    paths = {}
    for c in selected:
        data = c.make()
        path = paths[c.name] = OUT / f"{c.name}.tflite"
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)} ({len(data)} bytes): {c.doc.splitlines()[0]}")
        if args.ui and not c.accepted:
            ui = UI / f"{c.name}.rs"
            if not ui.exists():
                ui.write_text(ui_source(c.name))
    if args.verify:
        return 0 if verify(selected, paths) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
