"""Generate tests/models/hostile/: malformed and pathological models, and what the compiler must
say about each.

tests/models/broken/ (make_broken_models.py) has one broken model per error message, each a
small edit of hello_world. This suite is about models built to hurt the compiler or to slip
past it: sizes that overflow, plans past 4 GiB, cycles and aliasing in the graph, indices and
union tags out of range, parameters TFLM truncates, and models large enough to exhaust the
build machine. Each case is a small graph built from scratch with the flatbuffer object API of
the TFLite schema (the module bundled in the tflite-micro wheel), like make_broken_models.py.

Every case has an expectation, written to tests/models/hostile/expected.txt, which
compiler/tests/hostile.rs checks against `embedml_compiler::analyze` (Python is not needed at
test time):

    error: TEXT          analyze fails and the errors contain TEXT
    ok                   analyze succeeds
    accepted on host: N  analyze succeeds on a 64-bit host and plans an arena of N bytes (past
                         what a 32-bit target can address: the generated code rejects it there)
    issue: WHY           analyze succeeds although it should not (a known gap, WHY says which)

Small cases are committed. Big ones (`big=True`: op counts up to the reader's limits, tens of
MiB of weights) are written only with --big, to target/hostile/ unless told otherwise; the
ignored test in hostile.rs runs them (EMBEDML_HOSTILE_BIG=target/hostile), and
scripts/build-cost.sh times the compiler on them.

Covered elsewhere, so not repeated here:

    tests/models/broken/   shape_too_large (2^32 bytes), dynamic_shape, unknown_shape,
                           empty_tensor, read_before_write, written_twice, output_not_written,
                           model_input_out_of_range, op_input_out_of_range (index 40),
                           opcode_out_of_range (index 5), buffer_out_of_range (index 99),
                           buffer_too_short, external_buffer, corrupt_options, missing_options,
                           zero_stride, constant_model_input/_output, two_outputs, truncated,
                           too_short, not_a_model
    compiler/tests/regressions/
                           inplace_binary_same_input, inplace_binary_view_input (in-place
                           aliasing), strided_slice_* (i64 overflow in begin/end/strides),
                           depthwise_multiplier_option_mismatch

Usage (from the repository root; needs tests/tools/requirements.txt):

    python3 tests/tools/make_hostile_models.py             # committed cases + expected.txt
    python3 tests/tools/make_hostile_models.py --check     # compare with the committed files
    python3 tests/tools/make_hostile_models.py --big       # also the big cases, in target/hostile
    python3 tests/tools/make_hostile_models.py --big --out DIR chain_100k fc_float32_16mib

Output is deterministic: the same versions give byte-identical files.
"""

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flatbuffers import Builder
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "models" / "hostile"
BIG_OUT = ROOT / "target" / "hostile"
MANIFEST = "expected.txt"

INT8, INT32, INT64, FLOAT32 = (
    tfl.TensorType.INT8,
    tfl.TensorType.INT32,
    tfl.TensorType.INT64,
    tfl.TensorType.FLOAT32,
)
OP = tfl.BuiltinOperator
NUMPY_TYPES = {INT8: np.int8, INT32: np.int32, INT64: np.int64, FLOAT32: np.float32}
I16_MAX = 2**15 - 1

# The reader's limits (compiler/src/tflite/mod.rs): the big cases go one past them.
MAX_OPERATORS = 100_000
MAX_TENSORS = 1_000_000
MAX_CONSTANT_BYTES = 256 << 20
MAX_TABLES = 8_000_000


class Shared:
    """An object-API table packed once and referenced from every place it is listed: a vector
    of N copies of one `Shared` costs 4 bytes per entry in the file."""

    def __init__(self, table) -> None:
        self.table = table
        self.offset = None

    def Pack(self, builder):  # noqa: N802 (the object API's name)
        if self.offset is None:
            self.offset = self.table.Pack(builder)
        return self.offset


class Net:
    """A model built from nothing: one subgraph, buffer 0 empty (as converters write it)."""

    def __init__(self) -> None:
        self.model = tfl.ModelT()
        self.model.version = 3
        self.model.operatorCodes = []
        self.model.buffers = [tfl.BufferT()]
        self.graph = tfl.SubGraphT()
        self.graph.tensors = []
        self.graph.operators = []
        self.graph.inputs = []
        self.graph.outputs = []
        self.model.subgraphs = [self.graph]

    @property
    def tensors(self) -> list:
        return self.graph.tensors

    @property
    def ops(self) -> list:
        return self.graph.operators

    def buffer(self, data: bytes | np.ndarray) -> int:
        b = tfl.BufferT()
        b.data = np.frombuffer(bytes(data), dtype=np.uint8)
        self.model.buffers.append(b)
        return len(self.model.buffers) - 1

    def tensor(self, name: str, shape, dtype=INT8, quant=None, data=None, buffer=None) -> int:
        """Adds a tensor. `quant` is (scale, zero_point); int8 tensors get (1/128, 0) unless
        told. `data` (values) makes it constant; `buffer` names an existing buffer instead."""
        t = tfl.TensorT()
        t.name = name
        t.shape = [int(d) for d in shape]
        t.type = dtype
        if dtype == INT8 and quant is None:
            quant = (1 / 128, 0)
        if quant is not None:
            q = tfl.QuantizationParametersT()
            q.scale = [float(quant[0])]
            q.zeroPoint = [int(quant[1])]
            t.quantization = q
        if data is not None:
            values = np.asarray(data, dtype=NUMPY_TYPES[dtype]).reshape(-1)
            buffer = self.buffer(values.tobytes())
        t.buffer = 0 if buffer is None else buffer
        self.tensors.append(t)
        return len(self.tensors) - 1

    def input(self, name: str, shape, dtype=INT8, quant=None) -> int:
        t = self.tensor(name, shape, dtype, quant)
        self.graph.inputs.append(t)
        return t

    def output(self, *tensors: int) -> None:
        self.graph.outputs.extend(tensors)

    def opcode(self, builtin: int) -> int:
        for i, c in enumerate(self.model.operatorCodes):
            if c.builtinCode == builtin:
                return i
        c = tfl.OperatorCodeT()
        c.builtinCode = builtin
        c.deprecatedBuiltinCode = min(builtin, OP.PLACEHOLDER_FOR_GREATER_OP_CODES)
        c.version = 1
        self.model.operatorCodes.append(c)
        return len(self.model.operatorCodes) - 1

    def op(self, builtin: int, inputs, outputs, options=None, options_type=None) -> int:
        """Appends an operator; `options` is a schema `...OptionsT` object, tagged with its own
        union type unless `options_type` says otherwise."""
        o = tfl.OperatorT()
        o.opcodeIndex = self.opcode(builtin)
        o.inputs = [int(i) for i in inputs]
        o.outputs = [int(i) for i in outputs]
        if options is not None:
            name = type(options).__name__[:-1]
            o.builtinOptionsType = (
                getattr(tfl.BuiltinOptions, name) if options_type is None else options_type
            )
            o.builtinOptions = options
        self.ops.append(o)
        return len(self.ops) - 1

    def pack(self) -> bytes:
        builder = Builder(1 << 16)
        builder.Finish(self.model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def options(cls, **fields):
    """A schema options object, e.g. options(tfl.Conv2DOptionsT, strideH=1)."""
    o = cls()
    for k, v in fields.items():
        assert hasattr(o, k), f"{cls.__name__} has no field {k}"
        setattr(o, k, v)
    return o


def relu(m: Net, x: int, name: str = "y") -> int:
    """Appends RELU(x) into a new int8 tensor of x's shape; returns it."""
    y = m.tensor(name, m.tensors[x].shape)
    m.op(OP.RELU, [x], [y])
    return y


def float_conv(m: Net, builtin, filter_hw, stride=(1, 1), dilation=(1, 1), padding=1,
               depth_multiplier=1, input_hw=(1, 1), output_hw=(1, 1)):
    """A float32 CONV_2D or DEPTHWISE_CONV_2D of one channel with a zero bias, as the model's
    only op; `padding` is 0 SAME, 1 VALID."""
    fh, fw = filter_hw
    x = m.input("x", [1, *input_hw, 1], FLOAT32)
    w = m.tensor("filter", [1, fh, fw, 1], FLOAT32, data=np.ones(fh * fw))
    b = m.tensor("bias", [1], FLOAT32, data=[0.0])
    y = m.tensor("y", [1, *output_hw, 1], FLOAT32)
    fields = dict(padding=padding, strideH=stride[0], strideW=stride[1],
                  dilationHFactor=dilation[0], dilationWFactor=dilation[1])
    if builtin == OP.CONV_2D:
        opts = options(tfl.Conv2DOptionsT, **fields)
    else:
        opts = options(tfl.DepthwiseConv2DOptionsT, depthMultiplier=depth_multiplier, **fields)
    m.op(builtin, [x, w, b], [y], opts)
    m.output(y)


def float_pool(m: Net, filter_hw, stride=(1, 1), padding=1, builtin=OP.MAX_POOL_2D):
    x = m.input("x", [1, 1, 1, 1], FLOAT32)
    y = m.tensor("y", [1, 1, 1, 1], FLOAT32)
    m.op(builtin, [x], [y], options(
        tfl.Pool2DOptionsT, padding=padding, strideH=stride[0], strideW=stride[1],
        filterHeight=filter_hw[0], filterWidth=filter_hw[1]))
    m.output(y)


@dataclass
class Case:
    name: str
    expect: str  # a line of expected.txt after the name (see the module docstring)
    doc: str
    make: Callable[[], bytes]
    big: bool


CASES: list[Case] = []


def case(expect: str, big: bool = False, raw: bool = False):
    """Registers a case: a function that fills a fresh Net, or (raw) returns the file bytes."""

    def register(fn):
        def make() -> bytes:
            if raw:
                return fn()
            m = Net()
            fn(m)
            return m.pack()

        CASES.append(Case(fn.__name__, expect, (fn.__doc__ or "").strip(), make, big))
        return fn

    return register


def error(text: str) -> str:
    return f"error: {text}"


def tflm_i16(what: str, value: int) -> str:
    return error(f"{what} is {value}; TFLM stores it in 16 bits, so embedml accepts 1 to 32767")


# --- Sizes ----------------------------------------------------------------------------------


@case(error("shape [2147483647, 2147483647, 2147483647] is too large"))
def shape_product_overflow(m: Net):
    """A model input whose shape's product (2^93) overflows 64 bits."""
    x = m.input("x", [2**31 - 1] * 3)
    m.output(relu(m, x))


@case(error("shape [536870913] is too large"))
def tensor_2gib_plus_4_bytes(m: Net):
    """A float32 activation of 2^29 + 1 elements: 2^31 + 4 bytes, one element past the limit
    (broken/shape_too_large is 2^32 bytes)."""
    x = m.input("x", [2**29 + 1], FLOAT32)
    y = m.tensor("y", [2**29 + 1], FLOAT32)
    m.op(OP.RELU, [x], [y])
    m.output(y)


@case(f"accepted on host: {2**32 + 32}")
def arena_4gib_plus_32(m: Net):
    """Three float32 model inputs of 2^31 ([2, 2^28]), 2^31 and 32 bytes, each through an
    in-place RELU to a model output: all three buffers are alive from the first op to the end, so
    the arena is 2^32 + 32 bytes. Each tensor is within the reader's limits (2^31 bytes, fewer
    than 2^31 elements); a 32-bit target cannot address the arena (its `usize` would wrap to
    32)."""
    outputs = []
    for i, shape in enumerate([[2, 2**28], [2, 2**28], [1, 8]]):
        x = m.input(f"x{i}", shape, FLOAT32)
        y = m.tensor(f"y{i}", shape, FLOAT32)
        m.op(OP.RELU, [x], [y])
        outputs.append(y)
    m.output(*outputs)


@case(error("has rank 17; embedml reads tensors of rank at most 16"))
def tensor_rank_17(m: Net):
    """An (unused) tensor of rank 17. Flatbuffers can share one shape vector between many
    tensors, so without a rank limit a few MB of file could make the reader allocate GBs of
    shapes."""
    x = m.input("x", [4])
    m.output(relu(m, x))
    m.tensor("deep", [1] * 17)


@case(error(f"constant tensors hold {2049 * 131072} bytes; embedml accepts at most "
            f"{MAX_CONSTANT_BYTES}"))
def constants_over_256mib(m: Net):
    """2049 int8 constant tensors of 128 KiB that all share one buffer: 256 MiB + 128 KiB of
    constants, each of which the generated code would hold as its own `static`, from a file
    of about 200 KB."""
    x = m.input("x", [4])
    m.output(relu(m, x))
    shared = m.buffer(bytes(131072))
    for i in range(2049):
        m.tensor(f"w{i}", [131072], buffer=shared)


# --- Cycles ---------------------------------------------------------------------------------


@case(error("is read before any operator writes it (the graph is cyclic or out of order)"))
def op_reads_own_output(m: Net):
    """A RELU whose input is its own output."""
    x = m.input("x", [4])
    t = m.tensor("loop", [4])
    m.op(OP.RELU, [t], [t])
    y = m.tensor("y", [4])
    m.op(OP.ADD, [x, t], [y], options(tfl.AddOptionsT))
    m.output(y)


@case(error("is read before any operator writes it (the graph is cyclic or out of order)"))
def two_ops_read_each_other(m: Net):
    """a = RELU(b), b = RELU(a): a two-op cycle."""
    x = m.input("x", [4])
    a = m.tensor("a", [4])
    b = m.tensor("b", [4])
    m.op(OP.RELU, [b], [a])
    m.op(OP.RELU, [a], [b])
    y = m.tensor("y", [4])
    m.op(OP.ADD, [x, b], [y], options(tfl.AddOptionsT))
    m.output(y)


# --- Aliasing -------------------------------------------------------------------------------


@case(error('tensor #0 "x": is written, but it is a model input'))
def op_writes_model_input(m: Net):
    """y = RELU(x), then x = RELU(y): the second op writes the model input."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.op(OP.RELU, [y], [x])
    m.output(y)


@case(error('tensor #0 "x": is written, but it is a model input'))
def add_writes_its_input(m: Net):
    """x = ADD(x, z) for model inputs x and z: an op whose output is its own (model) input."""
    x = m.input("x", [4])
    z = m.input("z", [4])
    m.op(OP.ADD, [x, z], [x], options(tfl.AddOptionsT))
    m.output(x)


@case(error('tensor #1 "t": is written by two operators'))
def op_output_is_its_input(m: Net):
    """t = RELU(x), then t = RELU(t): an op that reads and writes the same activation."""
    x = m.input("x", [4])
    t = relu(m, x, "t")
    m.op(OP.RELU, [t], [t])
    m.output(t)


@case(error('tensor #1 "c": is written, but it is a constant'))
def op_writes_constant(m: Net):
    """c = RELU(x) where c is a constant tensor."""
    x = m.input("x", [4])
    c = m.tensor("c", [4], data=[1, 2, 3, 4])
    m.op(OP.RELU, [x], [c])
    y = relu(m, x)
    m.output(y)


@case(error("has 2 outputs; expected 1"))
def op_lists_output_twice(m: Net):
    """A RELU whose output list is [y, y]."""
    x = m.input("x", [4])
    y = m.tensor("y", [4])
    m.op(OP.RELU, [x], [y, y])
    m.output(y)


@case("ok")
def model_output_listed_twice(m: Net):
    """The subgraph's outputs are [y, y]: two accessors to the same bytes, both shared."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.output(y, y)


@case("ok")
def model_input_is_output(m: Net):
    """x is a model input and a model output, and y = RELU(x) another output: x must not be
    overwritten in place."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.output(x, y)


# --- Indices --------------------------------------------------------------------------------


@case(error("operator #0 (RELU): an input refers to tensor -5, but the subgraph has 2 tensors"))
def op_input_negative(m: Net):
    """A RELU whose input index is -5 (-1 is an omitted optional input; others are not)."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.ops[0].inputs = [-5]
    m.output(y)


@case(error("operator #0 (RELU): an output refers to tensor -1, but the subgraph has 2 tensors"))
def op_output_minus_one(m: Net):
    """A RELU whose output index is -1 (only inputs may be omitted)."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.ops[0].outputs = [-1]
    m.output(y)


@case(error("an input refers to tensor 2147483647, but the subgraph has 2 tensors"))
def op_input_i32_max(m: Net):
    """A RELU whose input index is 2^31 - 1."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.ops[0].inputs = [2**31 - 1]
    m.output(y)


@case(error("model output refers to tensor -1, but the subgraph has 2 tensors"))
def model_output_negative(m: Net):
    """The subgraph's output list holds -1."""
    x = m.input("x", [4])
    relu(m, x)
    m.output(-1)


@case(error("operator #0: its opcode_index 4294967295 is out of range (the model has 1 "
            "operator code)"))
def opcode_index_u32_max(m: Net):
    """An operator whose opcode_index is 2^32 - 1 (broken/opcode_out_of_range has 5)."""
    x = m.input("x", [4])
    m.output(relu(m, x))
    m.ops[0].opcodeIndex = 2**32 - 1


@case(error("operator #0: its opcode_index 0 is out of range (the model has 0 operator codes)"))
def no_operator_codes(m: Net):
    """A model with an operator and no operator_codes vector."""
    x = m.input("x", [4])
    m.output(relu(m, x))
    m.model.operatorCodes = None


@case(error('tensor #2 "w": refers to buffer 4294967295, but the model has 2'))
def buffer_index_u32_max(m: Net):
    """A constant whose buffer index is 2^32 - 1."""
    x = m.input("x", [4])
    m.output(relu(m, x))
    w = m.tensor("w", [4], data=[1, 2, 3, 4])
    m.tensors[w].buffer = 2**32 - 1


@case(error('tensor #2 "w": refers to buffer 1, but the model has 0'))
def no_buffers_vector(m: Net):
    """A tensor refers to buffer 1 in a model without a buffers vector."""
    x = m.input("x", [4])
    m.output(relu(m, x))
    m.tensor("w", [4], buffer=1)
    m.model.buffers = None


# --- Options of the wrong type --------------------------------------------------------------


@case(error("operator #0 (CONV_2D): its builtin options are union type 5 (Pool2DOptions); "
            "it takes Conv2DOptions (1)"))
def conv_options_wrong_type(m: Net):
    """A CONV_2D whose options are a Pool2DOptions table (tagged as such)."""
    float_conv(m, OP.CONV_2D, (1, 1))
    m.ops[0].builtinOptionsType = tfl.BuiltinOptions.Pool2DOptions
    m.ops[0].builtinOptions = options(tfl.Pool2DOptionsT, strideH=1, strideW=1,
                                      filterHeight=1, filterWidth=1)


@case(error("operator #0 (ADD): its builtin options are union type 21 (MulOptions); it takes "
            "AddOptions (11)"))
def add_options_wrong_type(m: Net):
    """An ADD whose options are MulOptions with a fused RELU. Read as absent options, the RELU
    would silently disappear."""
    x = m.input("x", [4], FLOAT32)
    z = m.input("z", [4], FLOAT32)
    y = m.tensor("y", [4], FLOAT32)
    m.op(OP.ADD, [x, z], [y], options(tfl.MulOptionsT, fusedActivationFunction=1))
    m.output(y)


@case(error("operator #0 (FULLY_CONNECTED): its builtin options are union type 1 "
            "(Conv2DOptions); it takes FullyConnectedOptions (8)"))
def fully_connected_options_wrong_type(m: Net):
    """A FULLY_CONNECTED whose options are a Conv2DOptions table."""
    x = m.input("x", [1, 4], FLOAT32)
    w = m.tensor("w", [2, 4], FLOAT32, data=np.ones(8))
    y = m.tensor("y", [1, 2], FLOAT32)
    m.op(OP.FULLY_CONNECTED, [x, w], [y], options(tfl.Conv2DOptionsT, strideH=1, strideW=1))
    m.output(y)


@case(error("operator #0 (SOFTMAX): its builtin options are union type 200; it takes "
            "SoftmaxOptions (9)"))
def softmax_options_unknown_type(m: Net):
    """A SOFTMAX whose options tag (200) is past the end of the BuiltinOptions union."""
    x = m.input("x", [1, 4], FLOAT32)
    y = m.tensor("y", [1, 4], FLOAT32)
    m.op(OP.SOFTMAX, [x], [y], options(tfl.SoftmaxOptionsT, beta=1.0), options_type=200)
    m.output(y)


# --- Parameters TFLM keeps in 16 bits (ConvParams, DepthwiseParams, PaddingValues) ----------


@case(tflm_i16("stride_h", 40000))
def conv_stride_h_40000(m: Net):
    """A CONV_2D with stride_h 40000: TFLM's ConvParams::stride_height is int16_t."""
    float_conv(m, OP.CONV_2D, (1, 1), stride=(40000, 1))


@case(tflm_i16("stride_w", 32768))
def conv_stride_w_32768(m: Net):
    """A CONV_2D with stride_w 2^15, one past int16_t."""
    float_conv(m, OP.CONV_2D, (1, 1), stride=(1, 32768))


@case("ok")
def conv_stride_32767(m: Net):
    """A CONV_2D with strides 2^15 - 1, the largest TFLM keeps: accepted."""
    float_conv(m, OP.CONV_2D, (1, 1), stride=(I16_MAX, I16_MAX))


@case(tflm_i16("dilation_h_factor", 40000))
def conv_dilation_h_40000(m: Net):
    """A CONV_2D with dilation_h_factor 40000."""
    float_conv(m, OP.CONV_2D, (1, 1), dilation=(40000, 1))


@case(tflm_i16("dilation_w_factor", 65536))
def depthwise_dilation_w_65536(m: Net):
    """A DEPTHWISE_CONV_2D with dilation_w_factor 2^16, which int16_t reads as 0."""
    float_conv(m, OP.DEPTHWISE_CONV_2D, (1, 1), dilation=(1, 65536))


@case(tflm_i16("stride_h", 40000))
def depthwise_stride_h_40000(m: Net):
    """A DEPTHWISE_CONV_2D with stride_h 40000."""
    float_conv(m, OP.DEPTHWISE_CONV_2D, (1, 1), stride=(40000, 1))


@case(tflm_i16("depth_multiplier", 40000))
def depthwise_multiplier_40000(m: Net):
    """A DEPTHWISE_CONV_2D from 1 to 40000 channels with depth_multiplier 40000, which
    DepthwiseParams::depth_multiplier (int16_t) reads as -25536. (The filter has no data, to
    keep the file small: the reader stops at the option first.)"""
    x = m.input("x", [1, 1, 1, 1], FLOAT32)
    w = m.tensor("filter", [1, 1, 1, 40000], FLOAT32)
    y = m.tensor("y", [1, 1, 1, 40000], FLOAT32)
    m.op(OP.DEPTHWISE_CONV_2D, [x, w], [y], options(
        tfl.DepthwiseConv2DOptionsT, padding=1, strideH=1, strideW=1, depthMultiplier=40000))
    m.output(y)


@case(error("depth_multiplier is -1; it must be positive"))
def depthwise_multiplier_negative(m: Net):
    """A DEPTHWISE_CONV_2D with depth_multiplier -1."""
    float_conv(m, OP.DEPTHWISE_CONV_2D, (1, 1), depth_multiplier=-1)


@case(error("the padding above the input (padding_h) is 49150; TFLM stores it in 16 bits, so "
            "embedml accepts 0 to 32767"))
def conv_padding_h_49150(m: Net):
    """A SAME CONV_2D over one row with a 4-row filter dilated by 32767: each option fits in
    16 bits, but the computed padding, (3 * 32767 + 1 - 1) / 2 = 49150, does not
    (PaddingValues::height is int16_t)."""
    float_conv(m, OP.CONV_2D, (4, 1), dilation=(I16_MAX, 1), padding=0)


@case(error("the padding left of the input (padding_w) is 34999; TFLM stores it in 16 bits, so "
            "embedml accepts 0 to 32767"))
def pool_padding_w_34999(m: Net):
    """A SAME MAX_POOL_2D over one column with a 70000-column window: TFLM keeps the pool's
    filter and stride as int, but its computed padding in PaddingValues (int16_t)."""
    float_pool(m, (1, 70000), padding=0)


@case("ok")
def pool_stride_40000(m: Net):
    """A MAX_POOL_2D with strides 40000: PoolParams keeps strides as int, so this is fine."""
    float_pool(m, (1, 1), stride=(40000, 40000))


# --- Index tensors TFLM reads as INT32 whatever their type ----------------------------------
#
# TFLM's PAD, STRIDED_SLICE and TRANSPOSE read their index tensors with GetTensorData<int32_t>
# whatever the tensor's type, so INT64 values [a, b, ...] read as [a, 0, b, 0, ...] (little
# endian, small values). embedml reads INT64 as INT64, as TFLite does.


@case("ok")
def pad_int64_paddings(m: Net):
    """A float32 PAD of [1, 4] by one on each side with INT64 paddings. TFLM would read them as
    [[0, 0], [0, 0]] and then refuse the output shape; any INT64 paddings it reads differently
    give it another output shape, so it refuses them all."""
    x = m.input("x", [1, 4], FLOAT32)
    p = m.tensor("paddings", [2, 2], INT64, data=[0, 0, 1, 1])
    y = m.tensor("y", [1, 6], FLOAT32)
    m.op(OP.PAD, [x, p], [y])
    m.output(y)


@case("ok")
def strided_slice_int64_indices(m: Net):
    """A float32 STRIDED_SLICE of [4, 6] taking [1:3, 0:6:2] with INT64 begin, end and strides.
    TFLM would read strides [1, 0] and refuse the zero stride (as it does for every INT64 slice
    of rank 2 or more)."""
    x = m.input("x", [4, 6], FLOAT32)
    b = m.tensor("begin", [2], INT64, data=[1, 0])
    e = m.tensor("end", [2], INT64, data=[3, 6])
    s = m.tensor("strides", [2], INT64, data=[1, 2])
    y = m.tensor("y", [2, 3], FLOAT32)
    m.op(OP.STRIDED_SLICE, [x, b, e, s], [y], options(tfl.StridedSliceOptionsT))
    m.output(y)


# TFLM's TRANSPOSE reads an INT64 permutation as INT32, here [0, 0, 2] for [0, 2, 1], which
# passes its checks: it would compute another tensor than the model says.
@case("error: the permutation is INT64, which TFLM reads as INT32")
def transpose_int64_perm(m: Net):
    """A float32 TRANSPOSE of [2, 3, 4] by the INT64 permutation [0, 2, 1]."""
    x = m.input("x", [2, 3, 4], FLOAT32)
    p = m.tensor("perm", [3], INT64, data=[0, 2, 1])
    y = m.tensor("y", [2, 4, 3], FLOAT32)
    m.op(OP.TRANSPOSE, [x, p], [y])
    m.output(y)


# --- Other fixed-size op data ---------------------------------------------------------------


# TFLM's MeanParams holds 4 axes (int16_t axis[4]) and its ResolveAxis copies every entry of the
# axes tensor into it: 5 entries write past the array.
@case("error: the axes tensor has 5 entries; TFLM's MEAN holds at most 4")
def mean_five_axes(m: Net):
    """A float32 MEAN of [1, 2, 3, 4] over the axes [1, 1, 1, 1, 2] (five entries, two axes)."""
    x = m.input("x", [1, 2, 3, 4], FLOAT32)
    axes = m.tensor("axes", [5], INT32, data=[1, 1, 1, 1, 2])
    y = m.tensor("y", [1, 4], FLOAT32)
    m.op(OP.MEAN, [x, axes], [y], options(tfl.ReducerOptionsT))
    m.output(y)


# --- Resizing, transpose convolution, space and batch ------------------------------------


def float_resize(m: Net, builtin, input_hw, size, output_hw, size_data=True, **fields):
    """A float32 RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR of one channel, the model's only op;
    the size a constant unless `size_data` is False (then a model input)."""
    x = m.input("x", [1, *input_hw, 1], FLOAT32)
    if size_data:
        s = m.tensor("size", [2], INT32, data=size)
    else:
        s = m.input("size", [2], INT32)
    y = m.tensor("y", [1, *output_hw, 1], FLOAT32)
    cls = (tfl.ResizeBilinearOptionsT if builtin == OP.RESIZE_BILINEAR
           else tfl.ResizeNearestNeighborOptionsT)
    m.op(builtin, [x, s], [y], options(cls, **fields))
    m.output(y)


@case(error("align_corners and half_pixel_centers are both set; TFLM takes at most one"))
def resize_bilinear_align_and_half_pixel(m: Net):
    """A RESIZE_BILINEAR with align_corners and half_pixel_centers: TFLM's Prepare fails."""
    float_resize(m, OP.RESIZE_BILINEAR, (2, 2), [4, 4], (4, 4),
                 alignCorners=True, halfPixelCenters=True)


@case("ok")
def resize_nearest_align_and_half_pixel(m: Net):
    """A RESIZE_NEAREST_NEIGHBOR with both options: TFLM takes it (it rounds the half-pixel
    sample point)."""
    float_resize(m, OP.RESIZE_NEAREST_NEIGHBOR, (2, 2), [4, 4], (4, 4),
                 alignCorners=True, halfPixelCenters=True)


@case(error("the size must be constant"))
def resize_size_computed(m: Net):
    """A RESIZE_NEAREST_NEIGHBOR whose size is a model input: TFLM needs a constant size."""
    float_resize(m, OP.RESIZE_NEAREST_NEIGHBOR, (2, 2), [4, 4], (4, 4), size_data=False)


@case(error("is not [1, 4, 4, 1]"))
def resize_output_not_size(m: Net):
    """A RESIZE_BILINEAR whose output shape is not the size it states."""
    float_resize(m, OP.RESIZE_BILINEAR, (2, 2), [4, 4], (4, 5))


@case(error("overflows TFLM's 32-bit fixed-point arithmetic"))
def resize_bilinear_int8_2m_rows(m: Net):
    """An int8 RESIZE_BILINEAR from 2^21 rows: TFLM's 1024 * input_height overflows int32."""
    x = m.input("x", [1, 1 << 21, 1, 1])
    s = m.tensor("size", [2], INT32, data=[1, 1])
    y = m.tensor("y", [1, 1, 1, 1])
    m.op(OP.RESIZE_BILINEAR, [x, s], [y], options(tfl.ResizeBilinearOptionsT))
    m.output(y)


def float_transpose_conv(m: Net, input_c=1, filter_in=1, stride=(1, 1)):
    """A float32 TRANSPOSE_CONV of a 2x2 image to 3x3 with a 2x2 filter, one output channel."""
    shape = m.tensor("output_shape", [4], INT32, data=[1, 3, 3, 1])
    w = m.tensor("filter", [1, 2, 2, filter_in], FLOAT32, data=np.ones(4 * filter_in))
    x = m.input("x", [1, 2, 2, input_c], FLOAT32)
    y = m.tensor("y", [1, 3, 3, 1], FLOAT32)
    m.op(OP.TRANSPOSE_CONV, [shape, w, x], [y], options(
        tfl.TransposeConvOptionsT, padding=1, strideH=stride[0], strideW=stride[1]))
    m.output(y)


@case(error("does not fit input [1, 2, 2, 2]"))
def transpose_conv_channels_mismatch(m: Net):
    """A TRANSPOSE_CONV whose filter takes 1 input channel of an input with 2."""
    float_transpose_conv(m, input_c=2)


@case(tflm_i16("stride_h", 40000))
def transpose_conv_stride_h_40000(m: Net):
    """A TRANSPOSE_CONV with stride_h 40000: TFLM's ConvParams::stride_height is int16_t."""
    float_transpose_conv(m, stride=(40000, 1))


def float_space_batch(m: Net, builtin, input_shape, block, pads, output_shape):
    x = m.input("x", input_shape, FLOAT32)
    b = m.tensor("block_shape", [len(block)], INT32, data=block)
    p = m.tensor("pads", [len(block), 2], INT32, data=pads)
    y = m.tensor("y", output_shape, FLOAT32)
    m.op(builtin, [x, b, p], [y])
    m.output(y)


@case(error("does not match the input, block shape and paddings"))
def space_to_batch_output_mismatch(m: Net):
    """A SPACE_TO_BATCH_ND whose output has 2 batches where blocks of 2x2 make 4."""
    float_space_batch(m, OP.SPACE_TO_BATCH_ND, [1, 4, 4, 1], [2, 2], [0, 0, 0, 0],
                      [2, 2, 2, 1])


@case(error("pairs of sizes of at least 0"))
def batch_to_space_negative_crop(m: Net):
    """A BATCH_TO_SPACE_ND with a crop of -1."""
    float_space_batch(m, OP.BATCH_TO_SPACE_ND, [4, 2, 2, 1], [2, 2], [0, -1, 0, 0],
                      [1, 5, 4, 1])


@case(error("TFLM takes rank 3 (NHC) or 4 (NHWC)"))
def space_to_batch_rank_5(m: Net):
    """A SPACE_TO_BATCH_ND of a rank-5 tensor: TFLM takes rank 3 or 4."""
    float_space_batch(m, OP.SPACE_TO_BATCH_ND, [1, 2, 2, 2, 1], [2, 2, 2], [0] * 6,
                      [8, 1, 1, 1, 1])


# --- PRELU, LOG_SOFTMAX, L2_NORMALIZATION, ADD_N, CUMSUM, GATHER_ND -------------------------


def float_gather_nd(m: Net, params_shape, indices, output_shape, computed=False):
    x = m.input("params", params_shape, FLOAT32)
    shape = np.asarray(indices).shape
    k = (m.input("indices", shape, INT32) if computed
         else m.tensor("indices", shape, INT32, data=indices))
    y = m.tensor("y", output_shape, FLOAT32)
    m.op(OP.GATHER_ND, [x, k], [y])
    m.output(y)


@case(error("selects a slice outside params"))
def gather_nd_slice_out_of_range(m: Net):
    """A GATHER_ND whose constant index tuple [0, 7] starts a slice past params [1, 5, 3]:
    TFLM fails at run time."""
    float_gather_nd(m, [1, 5, 3], [[0, 1], [0, 7]], [2, 3])


@case(error("overflows TFLM's int32 position"))
def gather_nd_position_overflows(m: Net):
    """A GATHER_ND index 1431655766 along a dimension of stride 3: the position wraps to 2 in
    TFLM's `int` (undefined behaviour there)."""
    float_gather_nd(m, [1, 5, 3], [[0, 1431655766]], [1, 3])


@case(error("index tuples of 4 values do not fit params of rank 3"))
def gather_nd_tuple_longer_than_rank(m: Net):
    """A GATHER_ND with index tuples of 4 values into params of rank 3."""
    float_gather_nd(m, [1, 5, 3], [[0, 0, 0, 0]], [1])


@case(error("at most 5"))
def gather_nd_tuple_of_6(m: Net):
    """A GATHER_ND with index tuples of 6 values: TFLM's MAX_INDICES_ND is 5."""
    float_gather_nd(m, [1, 1, 1, 1, 1, 2], [[0] * 6], [1])


@case("ok")
def gather_nd_computed_indices(m: Net):
    """A GATHER_ND whose indices are a model input: checked at run time (a slice outside the
    params gives zeros; TFLM fails the invocation)."""
    float_gather_nd(m, [1, 5, 3], [[0, 1], [0, 2]], [2, 3], computed=True)


def float_cumsum(m: Net, axis, computed_axis=False):
    x = m.input("x", [1, 6, 3], FLOAT32)
    a = (m.input("axis", [], INT32) if computed_axis
         else m.tensor("axis", [], INT32, data=[axis]))
    y = m.tensor("y", [1, 6, 3], FLOAT32)
    m.op(OP.CUMSUM, [x, a], [y], options(tfl.CumsumOptionsT, exclusive=True))
    m.output(y)


@case(error("axis 3 is outside the input's rank 3"))
def cumsum_axis_out_of_range(m: Net):
    """A CUMSUM along axis 3 of a rank-3 input: TFLM fails at run time."""
    float_cumsum(m, 3)


@case(error("the axis must be constant"))
def cumsum_computed_axis(m: Net):
    """A CUMSUM whose axis is a model input (TFLM reads it at run time)."""
    float_cumsum(m, 0, computed_axis=True)


@case(error("TFLM's ADD_N takes at least 2"))
def add_n_one_input(m: Net):
    """An ADD_N of a single tensor."""
    x = m.input("x", [1, 4], FLOAT32)
    y = m.tensor("y", [1, 4], FLOAT32)
    m.op(OP.ADD_N, [x], [y])
    m.output(y)


@case(error("first's scale and zero point"))
def add_n_int8_scales_differ(m: Net):
    """An int8 ADD_N whose inputs have different scales (TFLM requires one quantization)."""
    a = m.input("a", [1, 4], quant=(0.1, 0))
    b = m.input("b", [1, 4], quant=(0.2, 0))
    y = m.tensor("y", [1, 4], quant=(0.3, 0))
    m.op(OP.ADD_N, [a, b], [y])
    m.output(y)


@case(error("too small for the input scale"))
def add_n_int8_output_scale_tiny(m: Net):
    """An int8 ADD_N with an output scale 2^-24 of its inputs': TFLM's output multiplier
    would be above 1 (it aborts)."""
    a = m.input("a", [1, 4], quant=(1.0, 0))
    b = m.input("b", [1, 4], quant=(1.0, 0))
    y = m.tensor("y", [1, 4], quant=(2.0**-24, 0))
    m.op(OP.ADD_N, [a, b], [y])
    m.output(y)


@case(error("does not broadcast to the input"))
def prelu_alpha_does_not_broadcast(m: Net):
    """A PRELU whose alpha [4] does not broadcast into the input [1, 2, 3]."""
    x = m.input("x", [1, 2, 3], FLOAT32)
    alpha = m.tensor("alpha", [4], FLOAT32, data=[0.1] * 4)
    y = m.tensor("y", [1, 2, 3], FLOAT32)
    m.op(OP.PRELU, [x, alpha], [y])
    m.output(y)


@case(error("scale 16/256 and zero point 127"))
def log_softmax_int8_output_quantization(m: Net):
    """An int8 LOG_SOFTMAX with output scale 1/16 and zero point 0 (TFLM requires zero point
    127)."""
    x = m.input("x", [1, 10], quant=(0.05, 0))
    y = m.tensor("y", [1, 10], quant=(1 / 16, 0))
    m.op(OP.LOG_SOFTMAX, [x], [y])
    m.output(y)


@case(error("scale 1/128 and zero point 0"))
def l2_normalization_int8_output_quantization(m: Net):
    """An int8 L2_NORMALIZATION with output scale 0.01 (TFLM's kernel writes units of 1/128
    whatever the output says)."""
    x = m.input("x", [1, 16], quant=(0.05, 0))
    y = m.tensor("y", [1, 16], quant=(0.01, 0))
    m.op(OP.L2_NORMALIZATION, [x], [y])
    m.output(y)


@case(error("TFLM's L2_NORMALIZATION takes none"))
def l2_normalization_relu(m: Net):
    """An L2_NORMALIZATION with a fused RELU (TFLM's Prepare rejects any activation)."""
    x = m.input("x", [1, 16], FLOAT32)
    y = m.tensor("y", [1, 16], FLOAT32)
    m.op(OP.L2_NORMALIZATION, [x], [y], options(tfl.L2NormOptionsT, fusedActivationFunction=1))
    m.output(y)
# --- BATCH_MATMUL and TFLite_Detection_PostProcess -----------------------------------------


def batch_matmul(m: Net, lhs_shape, rhs_shape, out_shape) -> None:
    """y = BATCH_MATMUL(a, b) of float32 model inputs."""
    a = m.input("a", lhs_shape, FLOAT32)
    b = m.input("b", rhs_shape, FLOAT32)
    y = m.tensor("y", out_shape, FLOAT32)
    m.op(OP.BATCH_MATMUL, [a, b], [y], options(tfl.BatchMatMulOptionsT))
    m.output(y)


@case(error("rows: they must be equal"))
def batch_matmul_depth_mismatch(m: Net):
    """A [2, 3] by [4, 5] product: 3 columns against 4 rows."""
    batch_matmul(m, [2, 3], [4, 5], [2, 5])


@case(error("do not broadcast"))
def batch_matmul_batches_do_not_broadcast(m: Net):
    """Batches of 2 against batches of 3."""
    batch_matmul(m, [2, 2, 3], [3, 3, 4], [3, 2, 4])


@case(error("the product of [1, 2, 3] and [1, 3, 4] has 8 elements"))
def batch_matmul_output_too_small(m: Net):
    """An output of 4 values for a [2, 4] product (TFLM would write past it)."""
    batch_matmul(m, [1, 2, 3], [1, 3, 4], [1, 2, 2])


@case(error("an INT16 BATCH_MATMUL operand must have one scale and zero point 0"))
def batch_matmul_int16_zero_point(m: Net):
    """int16 operands with zero point 3 (TFLM's Prepare requires 0)."""
    int16 = tfl.TensorType.INT16
    a = m.input("a", [2, 3], int16, (0.01, 3))
    b = m.input("b", [3, 4], int16, (0.01, 0))
    y = m.tensor("y", [2, 4], int16, (0.01, 0))
    m.op(OP.BATCH_MATMUL, [a, b], [y], options(tfl.BatchMatMulOptionsT))
    m.output(y)


DETECTION_OPTIONS = dict(
    max_detections=2,
    max_classes_per_detection=1,
    nms_score_threshold=0.5,
    nms_iou_threshold=0.5,
    num_classes=2,
    y_scale=10.0,
    x_scale=10.0,
    h_scale=5.0,
    w_scale=5.0,
)


def detection(m: Net, boxes: int = 4, anchors: int = 4, dtype=FLOAT32, outputs: int = 2,
              **changes) -> None:
    """TFLite_Detection_PostProcess over model inputs (box encodings [1, boxes, 4], scores
    [1, boxes, 3]) and constant anchors [anchors, 4], with DETECTION_OPTIONS changed."""
    from flatbuffers import flexbuffers

    quant = (0.1, 0) if dtype == INT8 else None
    b = m.input("box_encodings", [1, boxes, 4], dtype, quant)
    c = m.input("class_predictions", [1, boxes, 3], dtype, quant)
    a = m.tensor("anchors", [anchors, 4], FLOAT32, data=np.full(anchors * 4, 0.5))
    results = [
        m.tensor("boxes", [1, outputs, 4], FLOAT32),
        m.tensor("classes", [1, outputs], FLOAT32),
        m.tensor("scores", [1, outputs], FLOAT32),
        m.tensor("count", [1], FLOAT32),
    ]
    code = tfl.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = OP.CUSTOM
    code.customCode = "TFLite_Detection_PostProcess"
    code.version = 1
    m.model.operatorCodes.append(code)
    o = tfl.OperatorT()
    o.opcodeIndex = len(m.model.operatorCodes) - 1
    o.inputs, o.outputs = [b, c, a], results
    flex = flexbuffers.Dumps({**DETECTION_OPTIONS, **changes})
    o.customOptions = np.frombuffer(flex, dtype=np.uint8)
    m.ops.append(o)
    m.output(*results)


@case(error("`max_detections` is 2147483647; it must be in 1..=65536"))
def detection_max_detections_absurd(m: Net):
    """max_detections 2^31 - 1 (TFLM would ask for scratch of max_detections * boxes floats)."""
    detection(m, max_detections=2**31 - 1)


@case(error("its num_classes is 1000000 with 3 scores per box"))
def detection_num_classes_absurd(m: Net):
    """num_classes 10^6 with 3 scores per box (TFLM would read scores past the tensor)."""
    detection(m, num_classes=1_000_000)


@case(error("the anchors have shape [3, 4]; they must be [4, 4]"))
def detection_anchors_shape_mismatch(m: Net):
    """3 anchors for 4 boxes (TFLM reads one anchor per box, past the tensor)."""
    detection(m, anchors=3)


@case(error("TFLM's kernel runs FLOAT32 only"))
def detection_int8_inputs(m: Net):
    """int8 box encodings and scores (TFLM's Invoke fails: it decodes float32 only)."""
    detection(m, dtype=INT8)


@case(error("past the outputs"))
def detection_fast_several_classes(m: Net):
    """max_classes_per_detection 2 with fast suppression (TFLM's output offsets overrun)."""
    detection(m, max_classes_per_detection=2, outputs=4)


@case(error("its nms_iou_threshold is 0; TFLM's Invoke fails unless it is in (0, 1]"))
def detection_iou_threshold_zero(m: Net):
    """nms_iou_threshold 0 (TFLM's Invoke fails)."""
    detection(m, nms_iou_threshold=0.0)


@case(error("the boxes output is FLOAT32 [1, 1, 4]; it must be FLOAT32 with 8 values"))
def detection_outputs_too_small(m: Net):
    """Outputs of one slot for max_detections 2 (TFLM would write past them)."""
    detection(m, outputs=1)


# --- Big: generated on demand (--big) -------------------------------------------------------


def chain(m: Net, count: int) -> None:
    """`count` int8 activations in a row on 16 elements, alternating RELU and LOGISTIC (whose
    output is scale 1/256, zero point -128, as TFLM requires)."""
    q = (1 / 256, -128)
    t = m.input("x", [1, 16], quant=q)
    for i in range(count):
        y = m.tensor(f"t{i}", [1, 16], quant=q)
        m.op(OP.RELU if i % 2 == 0 else OP.LOGISTIC, [t], [y])
        t = y
    m.output(t)


@case("ok", big=True)
def chain_1k(m: Net):
    """1,000 int8 RELU/LOGISTIC ops in a chain."""
    chain(m, 1_000)


@case("ok", big=True)
def chain_10k(m: Net):
    """10,000 int8 RELU/LOGISTIC ops in a chain."""
    chain(m, 10_000)


@case("ok", big=True)
def chain_100k(m: Net):
    """100,000 int8 RELU/LOGISTIC ops in a chain."""
    chain(m, 100_000)


def float_fully_connected(m: Net, depth: int) -> None:
    """A float32 FULLY_CONNECTED from `depth` to `depth` values: depth^2 * 4 bytes of weights
    (deterministic values in [-1, 1))."""
    x = m.input("x", [1, depth], FLOAT32)
    rng = np.random.default_rng(depth)
    weights = (rng.random(depth * depth, dtype=np.float32) * 2 - 1).astype(np.float32)
    w = m.tensor("weights", [depth, depth], FLOAT32, buffer=m.buffer(weights.tobytes()))
    y = m.tensor("y", [1, depth], FLOAT32)
    m.op(OP.FULLY_CONNECTED, [x, w], [y], options(tfl.FullyConnectedOptionsT))
    m.output(y)


@case("ok", big=True)
def fc_float32_16mib(m: Net):
    """FULLY_CONNECTED with 2048 x 2048 float32 weights: 16 MiB."""
    float_fully_connected(m, 2048)


@case("ok", big=True)
def fc_float32_64mib(m: Net):
    """FULLY_CONNECTED with 4096 x 4096 float32 weights: 64 MiB."""
    float_fully_connected(m, 4096)


@case(error(f"the model has {MAX_OPERATORS + 1} operators; embedml accepts at most "
            f"{MAX_OPERATORS}"), big=True)
def operators_over_limit(m: Net):
    """One RELU table listed MAX_OPERATORS + 1 times in the operators vector (about 4 MB)."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.output(y)
    m.graph.operators = [Shared(m.ops[0])] * (MAX_OPERATORS + 1)


@case(error(f"the model has {MAX_TENSORS + 1} tensors; embedml accepts at most "
            f"{MAX_TENSORS}"), big=True)
def tensors_over_limit(m: Net):
    """One tensor table listed MAX_TENSORS + 1 times in the tensors vector (about 4 MB)."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.output(y)
    m.graph.tensors = [m.tensors[0], m.tensors[1]] + [Shared(m.tensors[1])] * (MAX_TENSORS - 1)


@case(error("the model's flatbuffer is over 536870912 bytes, counting a part listed twice twice"),
      big=True)
def apparent_size_over_limit(m: Net):
    """One tensor table with a 1,000,000-dimension shape (4 MB) listed 140 times: the verifier
    reads 560 MB, past its limit of twice the constant data allowed."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.output(y)
    deep = Shared(m.tensors[m.tensor("deep", [1] * 1_000_000)])
    m.graph.tensors = m.tensors[:2] + [deep] * 140


@case(error(f"the model has more than {MAX_TABLES} flatbuffer tables"), big=True)
def tables_over_limit(m: Net):
    """One RELU table listed MAX_TABLES + 1 times in the operators vector (about 32 MB): the
    verifier stops before the operator count is read."""
    x = m.input("x", [4])
    y = relu(m, x)
    m.output(y)
    m.graph.operators = [Shared(m.ops[0])] * (MAX_TABLES + 1)


# --- Driver ---------------------------------------------------------------------------------


def manifest(cases: list[Case]) -> str:
    lines = [
        "# Generated by tests/tools/make_hostile_models.py; read by compiler/tests/hostile.rs.",
        "# <case> <TAB> [big <TAB>] error: TEXT | ok | accepted on host: ARENA_BYTES | issue: WHY",
    ]
    for c in cases:
        lines.append("\t".join([c.name, *(["big"] if c.big else []), c.expect]))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="also write the big cases")
    parser.add_argument("--out", type=Path, help=f"where big cases go (default {BIG_OUT})")
    parser.add_argument("--check", action="store_true",
                        help="compare the committed cases with fresh ones; write nothing")
    parser.add_argument("cases", nargs="*", help="only these cases (default: all)")
    args = parser.parse_args()
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    unknown = set(args.cases) - set(names)
    if unknown:
        parser.error(f"unknown cases: {sorted(unknown)}")
    if args.cases:
        selected = [c for c in CASES if c.name in args.cases]
    else:
        selected = [c for c in CASES if args.big or not c.big]
    big_out = args.out or BIG_OUT
    status = 0
    for c in selected:
        data = c.make()
        folder = big_out if c.big else OUT
        path = folder / f"{c.name}.tflite"
        if args.check:
            if c.big:
                continue
            if not path.exists() or path.read_bytes() != data:
                print(f"differs: {path.relative_to(ROOT)}")
                status = 1
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown} ({len(data)} bytes): {c.doc.splitlines()[0]}")
    text = manifest(CASES)
    if args.check:
        if (OUT / MANIFEST).read_text() != text:
            print(f"differs: {(OUT / MANIFEST).relative_to(ROOT)}")
            status = 1
        committed = {p.stem for p in OUT.glob("*.tflite")}
        stale = committed - {c.name for c in CASES if not c.big}
        for name in sorted(stale):
            print(f"not a case: {(OUT / name).relative_to(ROOT)}.tflite")
            status = 1
    elif not args.cases:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / MANIFEST).write_text(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
