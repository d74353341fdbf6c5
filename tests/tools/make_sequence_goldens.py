"""Generate the TFLM sequence goldens for stateful models in tests/golden/sequences/.

A stateful model's output depends on every input it has seen since the last
reset: the state lives in resource variables (VAR_HANDLE / READ_VARIABLE /
ASSIGN_VARIABLE, initialised by a CALL_ONCE init subgraph) or in variable
tensors (SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM). Single independent cases, as in
tests/golden/, cannot test that, so for every model in MODELS this script runs
ONE TensorFlow Lite Micro interpreter through a sequence of invokes:

  steps 0 .. 119     sequence A, state carried from invoke to invoke
  reset()            before step 120
  steps 120 .. 239   sequence B, other inputs
  reset()            before step 240
  steps 240 .. 249   the first 10 steps of A again

and writes, into tests/golden/sequences/:

  <model>.inputs.bin   for each step in order, each model input in input
                       order, as raw little-endian element bytes, no header
  <model>.outputs.bin  the same for the outputs TFLM produced
  <model>.txt          a manifest (format in tests/golden/sequences/README.md)

The inputs are stored, not regenerated: they are streams shaped like a real
model's input, drawn with numpy from a Generator seeded per model (FNV-1a 64
of the model name), in the model's real-valued domain and then quantized with
the input tensor's scale and zero point and clipped to its type:

  features  (streaming_conv, streaming_mixconv, svdf_int8, svdf_float,
            keyword_scrambled_8bit, split_pack_unpack, variable_init_probe)
            every channel wanders
            smoothly around a level, with bursts that push a band of channels
            past the top of the range (clipped), stretches of exact silence
            (real 0, the zero point) and a little noise
  sines     (lstm_int8, lstm_float, trained_lstm_int8) every channel is a sum
            of sines with a slowly varying envelope that now and then clips,
            with short stretches of silence

Time runs continuously across invokes along the input's second-to-last axis
(one frame per invoke for [1, 1, 40], four for [1, 4, 12]); the last axis is
the channel.

TFLM's reset, as observed here (and read in its source, micro_interpreter.cc,
micro_interpreter_graph.cc, micro_resource_variable.cc, kernels/call_once.cc):
every variable tensor is set to its zero point if it is int8, else to 0;
every resource variable's buffer is filled with its zero point (the int8
zero point for a quantized variable, 0 otherwise); and CALL_ONCE is not
reset, so the init subgraph does not run again. A model whose init values are
the zero point (all but variable_init_probe) therefore repeats sequence A
exactly after a reset; variable_init_probe, whose state starts non-zero, does
not (the manifest's reset_reproduces_sequence_a says which). The script
checks all of this and stops if TFLM behaves otherwise.

Regenerate (from the repository root):

    pip install -r tests/tools/requirements.txt
    python3 tests/tools/make_sequence_goldens.py

Verify the committed goldens without touching them (exit status 1 on any
difference):

    python3 tests/tools/make_sequence_goldens.py --check

Versions used: tflite-micro 0.dev20261023182759, numpy 2.4.6 (TensorFlow is
not used here; the models in tests/models/streaming/ come from
make_streaming_models.py).
"""

import argparse
import hashlib
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tflite_micro
from tflite_micro import runtime

import make_goldens as goldens

REPO_ROOT = goldens.REPO_ROOT
MODELS_DIR = REPO_ROOT / "tests" / "models"
SEQUENCE_DIR = REPO_ROOT / "tests" / "golden" / "sequences"

SEQUENCE_A_STEPS = 120
SEQUENCE_B_STEPS = 120
REPEATED_STEPS = 10
RESETS_BEFORE = (SEQUENCE_A_STEPS, SEQUENCE_A_STEPS + SEQUENCE_B_STEPS)
TOTAL_STEPS = SEQUENCE_A_STEPS + SEQUENCE_B_STEPS + REPEATED_STEPS

ARENA_SIZE = 1 << 20  # TFLM's recorded usage does not depend on this value

SCHEMA = runtime.schema_fb
OPERATOR_NAMES = {v: k for k, v in vars(SCHEMA.BuiltinOperator).items() if not k.startswith("_")}
TENSOR_TYPES = {v: k for k, v in vars(SCHEMA.TensorType).items() if not k.startswith("_")}
NUMPY_TYPES = {
    "INT8": np.dtype(np.int8),
    "UINT8": np.dtype(np.uint8),
    "INT16": np.dtype(np.int16),
    "INT32": np.dtype(np.int32),
    "FLOAT32": np.dtype(np.float32),
}


@dataclass(frozen=True)
class SequenceModel:
    """A stateful model and the kind of input stream it gets."""

    name: str
    path: Path
    stream: str  # "features" or "sines"
    source: str
    # The real-valued range of a float32 input; int inputs use their type's range.
    float_range: tuple[float, float] | None = None
    # keyword_scrambled_8bit's weights are scrambled: its first SVDF saturates
    # (every output is -128 or 127 whatever the input), so TFLM gives the same
    # output at every step. Any other model with constant outputs is an error.
    constant_outputs: bool = False


def streaming(name: str, stream: str, **kwargs) -> SequenceModel:
    return SequenceModel(
        name,
        MODELS_DIR / "streaming" / f"{name}.tflite",
        stream,
        "tests/tools/make_streaming_models.py (tensorflow-cpu 2.21.0, tf-keras 2.21.0)",
        **kwargs,
    )


def upstream(name: str, stream: str, **kwargs) -> SequenceModel:
    return SequenceModel(
        name,
        MODELS_DIR / f"{name}.tflite",
        stream,
        "tensorflow/tflite-micro, unmodified (see tests/models/NOTICE.md)",
        **kwargs,
    )


MODELS = (
    streaming("streaming_conv", "features"),
    streaming("streaming_mixconv", "features"),
    streaming("lstm_int8", "sines"),
    streaming("lstm_float", "sines", float_range=(-1.5, 1.5)),
    streaming("split_pack_unpack", "features"),
    streaming("svdf_int8", "features"),
    streaming("svdf_float", "features", float_range=(0.0, 8.0)),
    streaming("variable_init_probe", "features"),
    upstream("keyword_scrambled_8bit", "features", constant_outputs=True),
    upstream("trained_lstm_int8", "sines"),
)

STREAM_DESCRIPTIONS = {
    "features": "smooth per-channel walk with bursts (clipped), silence at the zero point, noise",
    "sines": "per-channel sums of sines, varying envelope (clipped), short silences",
}


# --- Input streams --------------------------------------------------------------


def real_range(info: goldens.TensorInfo, model: SequenceModel) -> tuple[float, float]:
    """The real values an input can represent."""
    if info.scale is None:
        if model.float_range is None:
            raise ValueError(f"{model.name}: float input needs a float_range")
        return model.float_range
    limits = np.iinfo(info.dtype)
    return (
        (limits.min - info.zero_point) * info.scale,
        (limits.max - info.zero_point) * info.scale,
    )


def feature_signal(rng: np.random.Generator, frames: int, channels: int, low: float, high: float) -> np.ndarray:
    """[frames, channels] real values: walk around a level, bursts, silence, noise."""
    span = high - low
    one_sided = low >= 0.0
    level = np.linspace(0.55, 0.25, channels) * high if one_sided else np.zeros(channels)
    walk = np.zeros(channels)
    signal = np.empty((frames, channels))
    burst_left, burst_band, burst_height, silence_left = 0, slice(0, 0), 0.0, 0
    for frame in range(frames):
        walk = 0.92 * walk + rng.normal(0.0, 0.025 * span, channels)
        value = level + walk + rng.normal(0.0, 0.005 * span, channels)
        if burst_left == 0 and rng.random() < 0.05:
            burst_left = int(rng.integers(3, 20))
            start = int(rng.integers(0, channels))
            burst_band = slice(start, start + int(rng.integers(1, channels - start + 1)))
            sign = 1.0 if one_sided else float(rng.choice((-1.0, 1.0)))
            burst_height = sign * rng.uniform(0.2, 0.6) * span
        if burst_left > 0:
            value[burst_band] += burst_height
            burst_left -= 1
        if silence_left == 0 and rng.random() < 0.02:
            silence_left = int(rng.integers(3, 15))
        if silence_left > 0:
            value[:] = 0.0
            silence_left -= 1
        signal[frame] = value
    return signal


def sine_signal(rng: np.random.Generator, frames: int, channels: int, low: float, high: float) -> np.ndarray:
    """[frames, channels] real values: sums of sines, varying envelope, silences."""
    span = high - low
    center = 0.0 if low < 0.0 < high else (low + high) / 2
    time = np.arange(frames)[:, None]
    signal = np.zeros((frames, channels))
    for _ in range(3):
        period = rng.uniform(5.0, 60.0, channels)
        phase = rng.uniform(0.0, 2 * np.pi, channels)
        signal += rng.uniform(0.1, 0.25, channels) * np.sin(2 * np.pi * time / period + phase)
    envelope = 1.0 + 0.6 * np.sin(2 * np.pi * time / rng.uniform(80.0, 200.0) + rng.uniform(0, 2 * np.pi))
    signal = center + span * envelope * signal + rng.normal(0.0, 0.003 * span, (frames, channels))
    frame = 0
    while frame < frames:
        if rng.random() < 0.01:
            length = int(rng.integers(2, 12))
            signal[frame : frame + length] = 0.0
            frame += length
        frame += 1
    return signal


def quantize(real: np.ndarray, info: goldens.TensorInfo) -> np.ndarray:
    """Real values as the input tensor's elements, clipped to its type's range."""
    if info.scale is None:
        return real.astype(info.dtype)
    limits = np.iinfo(info.dtype)
    values = np.round(real / info.scale) + info.zero_point
    return np.clip(values, limits.min, limits.max).astype(info.dtype)


def input_stream(
    rng: np.random.Generator, model: SequenceModel, info: goldens.TensorInfo, steps: int
) -> list[np.ndarray]:
    """steps consecutive values of one input, continuous in time across steps."""
    channels = info.shape[-1]
    frames_per_step = int(np.prod(info.shape[:-1]))
    low, high = real_range(info, model)
    make = feature_signal if model.stream == "features" else sine_signal
    real = make(rng, steps * frames_per_step, channels, low, high)
    values = quantize(real, info)
    if info.scale is None:
        values = np.clip(values, np.float32(low), np.float32(high))
    return [step.reshape(info.shape) for step in values.reshape(steps, -1)]


def sequence_inputs(model: SequenceModel, inputs: list[goldens.TensorInfo]) -> list[list[np.ndarray]]:
    """The inputs of every step: A, B, then the start of A again."""
    rng = np.random.default_rng(goldens.fnv1a64(model.name.encode("utf-8")))
    sequence_a = list(zip(*(input_stream(rng, model, info, SEQUENCE_A_STEPS) for info in inputs)))
    sequence_b = list(zip(*(input_stream(rng, model, info, SEQUENCE_B_STEPS) for info in inputs)))
    steps = sequence_a + sequence_b + sequence_a[:REPEATED_STEPS]
    return [list(step) for step in steps]


# --- State in the flatbuffer -------------------------------------------------------


@dataclass(frozen=True)
class StateTensor:
    """A variable tensor or resource variable, as the manifest lists it."""

    description: str
    nbytes: int


def quantization_of(tensor) -> tuple[float | None, int | None]:
    q = tensor.quantization
    if q is None or q.scale is None or len(q.scale) == 0:
        return None, None
    return float(q.scale[0]), int(q.zeroPoint[0])


def reset_value(dtype_name: str, zero_point: int | None) -> int:
    """What TFLM's reset writes into every byte: the int8 zero point, else 0."""
    return zero_point if dtype_name == "INT8" and zero_point is not None else 0


def tensor_shape(tensor) -> tuple[int, ...]:
    return () if tensor.shape is None else tuple(int(dim) for dim in tensor.shape)


def variable_tensors(model) -> list[StateTensor]:
    """Every tensor flagged is_variable, in subgraph and tensor order."""
    found = []
    for subgraph_index, subgraph in enumerate(model.subgraphs):
        for tensor_index, tensor in enumerate(subgraph.tensors):
            if not tensor.isVariable:
                continue
            dtype_name = TENSOR_TYPES[tensor.type]
            scale, zero_point = quantization_of(tensor)
            shape = tensor_shape(tensor)
            nbytes = int(np.prod(shape)) * NUMPY_TYPES[dtype_name].itemsize
            found.append(
                StateTensor(
                    f"subgraph={subgraph_index} tensor={tensor_index} "
                    f"dtype={NUMPY_TYPES[dtype_name]} shape={'x'.join(map(str, shape))} "
                    f"scale={scale if scale is not None else 'none'} "
                    f"zero_point={zero_point if zero_point is not None else 'none'} "
                    f"reset_value={reset_value(dtype_name, zero_point)} bytes={nbytes}",
                    nbytes,
                )
            )
    return found


def operator_name(model, operator) -> str:
    code = model.operatorCodes[operator.opcodeIndex]
    return OPERATOR_NAMES[max(code.builtinCode, code.deprecatedBuiltinCode)]


def resource_variables(model) -> list[StateTensor]:
    """Every resource variable, by shared name in first-assigned order.

    Its type, shape and quantization are those of the values assigned to it;
    its initial value is what the init subgraph (the one CALL_ONCE runs)
    assigns.
    """
    assigned: dict[str, tuple] = {}  # shared name -> (value tensor, init values or None)
    call_once_targets = set()
    for subgraph in model.subgraphs:
        for operator in subgraph.operators:
            if operator_name(model, operator) == "CALL_ONCE":
                call_once_targets.add(operator.builtinOptions.initSubgraphIndex)
    for subgraph_index, subgraph in enumerate(model.subgraphs):
        handles = {}
        for operator in subgraph.operators:
            name = operator_name(model, operator)
            if name == "VAR_HANDLE":
                handles[operator.outputs[0]] = operator.builtinOptions.sharedName.decode("utf-8")
            elif name == "ASSIGN_VARIABLE":
                shared_name = handles[operator.inputs[0]]
                value = subgraph.tensors[operator.inputs[1]]
                data = model.buffers[value.buffer].data
                initial = None
                if subgraph_index in call_once_targets and data is not None and len(data):
                    initial = bytes(data)
                previous = assigned.get(shared_name, (value, None))
                assigned[shared_name] = (previous[0], previous[1] or initial)
    found = []
    for shared_name, (value, initial) in assigned.items():
        dtype_name = TENSOR_TYPES[value.type]
        scale, zero_point = quantization_of(value)
        shape = tensor_shape(value)
        nbytes = int(np.prod(shape)) * NUMPY_TYPES[dtype_name].itemsize
        reset = reset_value(dtype_name, zero_point)
        if initial is None:
            init = "none"
        elif dtype_name in ("INT8", "UINT8") and set(initial) == {reset & 0xFF}:
            init = "reset_value"
        else:
            init = "other"
        found.append(
            StateTensor(
                f"shared_name={shared_name} dtype={NUMPY_TYPES[dtype_name]} "
                f"shape={'x'.join(map(str, shape))} "
                f"scale={scale if scale is not None else 'none'} "
                f"zero_point={zero_point if zero_point is not None else 'none'} "
                f"reset_value={reset} init={init} bytes={nbytes}",
                nbytes,
            )
        )
    return found


# --- Running TFLM -----------------------------------------------------------------


def io_tensor_names(model) -> tuple[list[str], list[str]]:
    """Names of the main subgraph's inputs and outputs; "" for an unnamed tensor.

    keyword_scrambled_8bit's tensors have no names.
    """
    subgraph = model.subgraphs[0]

    def name(index: int) -> str:
        raw = subgraph.tensors[index].name
        return "" if raw is None else raw.decode("utf-8")

    return [name(i) for i in subgraph.inputs], [name(i) for i in subgraph.outputs]


def tensor_infos(interpreter, model) -> tuple[list, list]:
    input_names, output_names = io_tensor_names(model)
    inputs = [goldens.tensor_info(n, interpreter.get_input_details(i)) for i, n in enumerate(input_names)]
    outputs = [goldens.tensor_info(n, interpreter.get_output_details(i)) for i, n in enumerate(output_names)]
    return inputs, outputs


def run_sequence(interpreter, steps: list[list[np.ndarray]], num_outputs: int) -> list[list[np.ndarray]]:
    """Invoke once per step, resetting before the steps in RESETS_BEFORE."""
    results = []
    for index, step in enumerate(steps):
        if index in RESETS_BEFORE:
            interpreter.reset()
        for input_index, value in enumerate(step):
            interpreter.set_input(value, input_index)
        interpreter.invoke()
        results.append([np.array(interpreter.get_output(i), copy=True) for i in range(num_outputs)])
    return results


def steps_needing_state(interpreter, steps, results, num_outputs: int) -> int:
    """How many steps of sequence A give other outputs when run from a reset state.

    Zero would mean the goldens cannot tell a model that keeps its state from
    one that loses it.
    """
    differing = 0
    for step, expected in zip(steps[:SEQUENCE_A_STEPS], results):
        interpreter.reset()
        for input_index, value in enumerate(step):
            interpreter.set_input(value, input_index)
        interpreter.invoke()
        alone = [interpreter.get_output(i) for i in range(num_outputs)]
        differing += le_bytes(alone) != le_bytes(expected)
    return differing


def check_variable_tensor_reset(model_bytes: bytes, model, steps: list[list[np.ndarray]]) -> None:
    """Confirm that reset() puts every variable tensor back to its reset value.

    Uses a second interpreter that keeps all tensors readable (GetTensor).
    Resource variables are not tensors TFLM lets one read; their reset shows in
    the outputs (reset_reproduces_sequence_a, variable_init_probe).
    """
    interpreter = runtime.Interpreter.from_bytes(
        model_bytes,
        arena_size=ARENA_SIZE,
        intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors,
    )

    def states() -> list[tuple[np.ndarray, int]]:
        found = []
        for subgraph_index, subgraph in enumerate(model.subgraphs):
            for tensor_index, tensor in enumerate(subgraph.tensors):
                if tensor.isVariable:
                    data = interpreter.GetTensor(tensor_index, subgraph_index)["tensor_data"]
                    _, zero_point = quantization_of(tensor)
                    found.append((np.array(data, copy=True), reset_value(TENSOR_TYPES[tensor.type], zero_point)))
        return found

    def at_reset_value(found) -> bool:
        return all(np.all(data == value) for data, value in found)

    if not at_reset_value(states()):
        raise RuntimeError("a fresh interpreter's variable tensors are not at their reset values")
    for step in steps[:SEQUENCE_A_STEPS]:
        for input_index, value in enumerate(step):
            interpreter.set_input(value, input_index)
        interpreter.invoke()
    if states() and at_reset_value(states()):
        raise RuntimeError("sequence A left every variable tensor at its reset value")
    interpreter.reset()
    if not at_reset_value(states()):
        raise RuntimeError("reset() did not restore the variable tensors' reset values")


def le_bytes(values: list[np.ndarray]) -> bytes:
    return b"".join(goldens.le_bytes(value) for value in values)


@dataclass(frozen=True)
class Goldens:
    """Everything written for one model."""

    inputs: bytes
    outputs: bytes
    manifest: str
    summary: str


def generate(model: SequenceModel) -> Goldens:
    model_bytes = model.path.read_bytes()
    flatbuffer = runtime.convert_bytearray_to_object(model_bytes)
    interpreter = runtime.Interpreter.from_file(str(model.path), arena_size=ARENA_SIZE)
    inputs, outputs = tensor_infos(interpreter, flatbuffer)
    steps = sequence_inputs(model, inputs)
    results = run_sequence(interpreter, steps, len(outputs))
    arena_used = goldens.arena_used_bytes(interpreter)

    sequence_a = results[:REPEATED_STEPS]
    repeated = results[RESETS_BEFORE[1] :]
    reproduces = all(le_bytes(a) == le_bytes(b) for a, b in zip(sequence_a, repeated))
    distinct_outputs = len({le_bytes(step) for step in results})
    if (distinct_outputs == 1) != model.constant_outputs:
        raise RuntimeError(f"{model.name}: {distinct_outputs} distinct step outputs")
    check_variable_tensor_reset(model_bytes, flatbuffer, steps)
    needing_state = steps_needing_state(interpreter, steps, results, len(outputs))

    tensors = variable_tensors(flatbuffer)
    resources = resource_variables(flatbuffer)
    init_is_reset_value = all("init=other" not in r.description for r in resources)
    if reproduces != init_is_reset_value:
        raise RuntimeError(
            f"{model.name}: reset {'reproduces' if reproduces else 'does not reproduce'} "
            "sequence A, against what the init values predict"
        )

    arena = "not reported" if arena_used is None else str(arena_used)
    lines = [
        f"model: {model.name}",
        f"model_file: {model.path.relative_to(REPO_ROOT).as_posix()}",
        f"model_sha256: {hashlib.sha256(model_bytes).hexdigest()}",
        f"model_source: {model.source}",
        f"tflite_micro: {tflite_micro.__version__}",
        f"numpy: {np.__version__}",
        "tensorflow: not used",
        f"steps: {TOTAL_STEPS}",
        f"resets_before: {','.join(str(step) for step in RESETS_BEFORE)}",
        f"sequence_a: 0..{SEQUENCE_A_STEPS - 1}",
        f"sequence_b: {RESETS_BEFORE[0]}..{RESETS_BEFORE[1] - 1}",
        f"sequence_a_again: {RESETS_BEFORE[1]}..{TOTAL_STEPS - 1} (steps 0..{REPEATED_STEPS - 1} of A)",
        f"reset_reproduces_sequence_a: {'yes' if reproduces else 'no'}",
        f"seed: 0x{goldens.fnv1a64(model.name.encode('utf-8')):016x}",
        "seed_derivation: fnv1a64 of the model name (UTF-8), numpy default_rng",
        f"step_input_bytes: {len(le_bytes(steps[0]))}",
        f"step_output_bytes: {len(le_bytes(results[0]))}",
        f"distinct_step_outputs: {distinct_outputs}",
        f"steps_of_a_that_need_state: {needing_state} of {SEQUENCE_A_STEPS}",
        f"arena_used_bytes: {arena} (TFLM host build, 64-bit; arena_size {ARENA_SIZE})",
        f"subgraphs: {len(flatbuffer.subgraphs)}",
        f"variable_tensors: {len(tensors)} ({sum(t.nbytes for t in tensors)} bytes)",
        f"resource_variables: {len(resources)} ({sum(r.nbytes for r in resources)} bytes)",
    ]
    for index, info in enumerate(inputs):
        lines.append(f"input {index}: {info.describe()} stream={STREAM_DESCRIPTIONS[model.stream]!r}")
    for index, info in enumerate(outputs):
        lines.append(f"output {index}: {info.describe()}")
    for index, tensor in enumerate(tensors):
        lines.append(f"variable_tensor {index}: {tensor.description}")
    for index, resource in enumerate(resources):
        lines.append(f"resource_variable {index}: {resource.description}")

    io_types = ", ".join(f"in {i.dtype}{list(i.shape)}" for i in inputs) + "; " + ", ".join(
        f"out {o.dtype}{list(o.shape)}" for o in outputs
    )
    summary = (
        f"{model.name}: {io_types}; arena_used_bytes {arena}; "
        f"variable tensors {len(tensors)} ({sum(t.nbytes for t in tensors)} B); "
        f"resource variables {len(resources)} ({sum(r.nbytes for r in resources)} B); "
        f"reset reproduces A: {'yes' if reproduces else 'no'}; "
        f"steps of A that need state: {needing_state}"
    )
    return Goldens(
        inputs=b"".join(le_bytes(step) for step in steps),
        outputs=b"".join(le_bytes(step) for step in results),
        manifest="\n".join(lines) + "\n",
        summary=summary,
    )


def golden_paths(name: str, directory: Path) -> list[Path]:
    return [directory / f"{name}{suffix}" for suffix in (".inputs.bin", ".outputs.bin", ".txt")]


def write_all(directory: Path) -> None:
    for model in MODELS:
        result = generate(model)
        inputs_path, outputs_path, manifest_path = golden_paths(model.name, directory)
        inputs_path.write_bytes(result.inputs)
        outputs_path.write_bytes(result.outputs)
        manifest_path.write_text(result.manifest, encoding="utf-8")
        print(result.summary)


def check() -> int:
    """Regenerate into a temporary directory and diff against the committed files."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_dir = Path(tmp)
        write_all(fresh_dir)
        mismatches = [
            committed.relative_to(REPO_ROOT)
            for model in MODELS
            for fresh, committed in zip(
                golden_paths(model.name, fresh_dir), golden_paths(model.name, SEQUENCE_DIR)
            )
            if not committed.is_file() or committed.read_bytes() != fresh.read_bytes()
        ]
    for path in mismatches:
        print(f"differs or missing: {path}", file=sys.stderr)
    if mismatches:
        return 1
    print(f"all sequence goldens match ({len(MODELS)} models)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temp dir and compare byte-for-byte with tests/golden/sequences/",
    )
    if parser.parse_args().check:
        return check()
    SEQUENCE_DIR.mkdir(parents=True, exist_ok=True)
    write_all(SEQUENCE_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
