"""Generate the TFLM conformance goldens in tests/golden/.

TensorFlow Lite Micro (the `tflite-micro` Python package) is the ground truth
that embedml's generated code is compared against. For every model in MODELS
(in tests/models/; the MLPerf Tiny ones, MLPERF_MODELS, in tests/models/mlperf/)
this script generates NUM_CASES pseudo-random input cases, runs them through a
TFLM interpreter and writes, into tests/golden/:

  <model>.outputs.bin  for each case in order, each model output in output
                       order, as raw little-endian element bytes, no header
  <model>.txt          a manifest: tensor names, dtypes, shapes and
                       quantization, the seed, a hash of the inputs, versions,
                       TFLM arena usage

The inputs are not stored. They come from a small portable generator that the
Rust test harness reimplements (the contract is in tests/golden/README.md):

  seed   FNV-1a 64 of the model file's stem (UTF-8)
  next() splitmix64, one stream per model starting from the seed
  order  case 0..NUM_CASES-1, then each input in input order, then each
         element in row-major order, one next() per element
  int8   the top byte, next() >> 56, reinterpreted as signed
  f32    float32(next() >> 40) * 2**-24 * float32(6.2831855), in float32
         arithmetic, left to right; always in [0, 2*pi)

The manifest's inputs_fnv1a64, the FNV-1a 64 of all input bytes in draw order,
lets the harness confirm that it reproduces the inputs exactly.

Output is deterministic: re-running with the pinned package versions gives
byte-identical files.

Regenerate (from the repository root):

    pip install -r tests/tools/requirements.txt
    python3 tests/tools/make_goldens.py

Verify the committed goldens without touching them (exit status 1 on any
difference):

    python3 tests/tools/make_goldens.py --check
"""

import argparse
import hashlib
import itertools
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tflite_micro
from tflite_micro import runtime

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO_ROOT / "tests" / "models"
GOLDEN_DIR = REPO_ROOT / "tests" / "golden"

# The MLPerf Tiny benchmark models, made by make_mlperf_models.py, are in
# tests/models/mlperf/; their goldens are in tests/golden/ with the others.
MLPERF_MODELS = (
    "kws_ds_cnn",
    "vww_mobilenet_v1",
    "ic_resnet8",
    "ad_fc_autoencoder",
)
MODELS = (
    "hello_world_int8",
    "hello_world_float",
    "micro_speech_quantized",
    "person_detect",
    "simple_add_model",
    *MLPERF_MODELS,
)
NUM_CASES = 100

# The package's default arena (10x the model size) is too small for
# simple_add_model; TFLM's recorded usage does not depend on this value.
ARENA_SIZE = 1 << 20

U64_MASK = (1 << 64) - 1
FNV1A64_OFFSET_BASIS = 0xCBF29CE484222325
FNV1A64_PRIME = 0x100000001B3
SPLITMIX64_GAMMA = 0x9E3779B97F4A7C15

# float32(2*pi) (bits 0x40C90FDB), which lies just above 2*pi. The largest
# float input, (1 - 2**-24) * FLOAT_INPUT_SCALE, still rounds down to the
# float32 below it, which is below 2*pi.
FLOAT_INPUT_SCALE = np.float32(6.2831855)
FLOAT_INPUT_UNIT = np.float32(2.0**-24)

GENERATOR_DESCRIPTION = (
    "splitmix64 from seed; case, then input, then row-major element, "
    "one next() per element"
)
INPUT_DISTRIBUTIONS = {
    np.dtype(np.int8): "int8(next() >> 56), uniform in [-128, 127]",
    np.dtype(np.uint8): "uint8(next() >> 56), uniform in [0, 255]",
    np.dtype(np.int16): "int16(next() >> 48), uniform in [-32768, 32767]",
    np.dtype(np.int32): "int32(next() >> 32), uniform over int32",
    np.dtype(np.float32): (
        "f32(next() >> 40) * 2**-24 * f32(6.2831855) in f32, in [0, 2*pi)"
    ),
}


@dataclass(frozen=True)
class TensorInfo:
    """What the manifest records about one model input or output."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    scale: float | None
    zero_point: int | None

    def describe(self) -> str:
        if self.scale is None:
            quantization = "scale=none zero_point=none"
        else:
            quantization = f"scale={self.scale} zero_point={self.zero_point}"
        shape = "x".join(str(dim) for dim in self.shape)
        return f"name={self.name} dtype={self.dtype} shape={shape} {quantization}"


def fnv1a64(data: bytes) -> int:
    """64-bit FNV-1a hash."""
    value = FNV1A64_OFFSET_BASIS
    for byte in data:
        value = ((value ^ byte) * FNV1A64_PRIME) & U64_MASK
    return value


def model_path(model: str) -> Path:
    directory = MODELS_DIR / "mlperf" if model in MLPERF_MODELS else MODELS_DIR
    return directory / f"{model}.tflite"


def model_seed(model: str) -> int:
    """The per-model generator seed: FNV-1a 64 of the model file's stem."""
    return fnv1a64(model_path(model).stem.encode("utf-8"))


def splitmix64(seed: int) -> Iterator[int]:
    """The endless splitmix64 stream whose state starts at seed."""
    state = seed
    while True:
        state = (state + SPLITMIX64_GAMMA) & U64_MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & U64_MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & U64_MASK
        yield z ^ (z >> 31)


def io_tensor_names(model_bytes: bytes) -> tuple[list[str], list[str]]:
    """Names of the main subgraph's input and output tensors, in order."""
    subgraph = runtime.convert_bytearray_to_object(model_bytes).subgraphs[0]
    tensors = subgraph.tensors
    inputs = [tensors[i].name.decode("utf-8") for i in subgraph.inputs]
    outputs = [tensors[i].name.decode("utf-8") for i in subgraph.outputs]
    return inputs, outputs


def tensor_info(name: str, details: dict) -> TensorInfo:
    """Build a TensorInfo from a get_input_details/get_output_details dict."""
    quant = details["quantization_parameters"]
    scales, zero_points = quant["scales"], quant["zero_points"]
    if len(scales) > 1:
        raise ValueError(f"tensor {name}: per-channel quantized I/O is not supported")
    return TensorInfo(
        name=name,
        dtype=np.dtype(details["dtype"]),
        shape=tuple(int(dim) for dim in details["shape"]),
        scale=float(scales[0]) if len(scales) else None,
        zero_point=int(zero_points[0]) if len(scales) else None,
    )


def draw_input(stream: Iterator[int], info: TensorInfo) -> np.ndarray:
    """The next value for an input tensor: one draw per element, row-major."""
    count = int(np.prod(info.shape))
    draws = np.fromiter(itertools.islice(stream, count), dtype=np.uint64, count=count)
    if info.dtype == np.int8:
        values = (draws >> np.uint64(56)).astype(np.uint8).view(np.int8)
    elif info.dtype == np.uint8:
        values = (draws >> np.uint64(56)).astype(np.uint8)
    elif info.dtype == np.int16:
        values = (draws >> np.uint64(48)).astype(np.uint16).view(np.int16)
    elif info.dtype == np.int32:
        values = (draws >> np.uint64(32)).astype(np.uint32).view(np.int32)
    elif info.dtype == np.float32:
        unit = (draws >> np.uint64(40)).astype(np.float32) * FLOAT_INPUT_UNIT
        values = unit * FLOAT_INPUT_SCALE
        if np.any(values >= np.float32(2 * np.pi)):
            raise RuntimeError(f"input {info.name}: a value reached 2*pi")
    else:
        raise ValueError(f"input {info.name}: unsupported dtype {info.dtype}")
    return values.reshape(info.shape)


def generate_inputs(model: str, inputs: list[TensorInfo]) -> list[list[np.ndarray]]:
    """All NUM_CASES input cases of a model, drawn in the documented order."""
    stream = splitmix64(model_seed(model))
    return [[draw_input(stream, info) for info in inputs] for _ in range(NUM_CASES)]


def le_bytes(array: np.ndarray) -> bytes:
    """Raw little-endian element bytes of an array, in C order."""
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()


def run_case(
    interpreter: runtime.Interpreter, inputs: list[np.ndarray], num_outputs: int
) -> list[np.ndarray]:
    """Set the inputs, invoke TFLM and return copies of all outputs."""
    for index, value in enumerate(inputs):
        interpreter.set_input(value, index)
    interpreter.invoke()
    return [interpreter.get_output(index) for index in range(num_outputs)]


def arena_used_bytes(interpreter: runtime.Interpreter) -> int | None:
    """TFLM's recorded arena usage, parsed from print_allocations().

    The Python wrapper exposes the number only through a report that the C++
    side prints to file descriptor 2, so that descriptor is captured briefly.
    """
    sys.stderr.flush()
    with tempfile.TemporaryFile() as capture:
        saved_stderr = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            interpreter.print_allocations()
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
        capture.seek(0)
        report = capture.read().decode("utf-8", errors="replace")
    match = re.search(r"Arena allocation total (\d+) bytes", report)
    return int(match.group(1)) if match else None


def manifest_text(
    model: str,
    model_bytes: bytes,
    inputs: list[TensorInfo],
    outputs: list[TensorInfo],
    inputs_hash: int,
    arena_used: int | None,
) -> str:
    """The human-readable <model>.txt manifest."""
    arena = "not reported" if arena_used is None else str(arena_used)
    lines = [
        f"model: {model}",
        f"model_file: {model_path(model).relative_to(REPO_ROOT).as_posix()}",
        f"model_sha256: {hashlib.sha256(model_bytes).hexdigest()}",
        f"tflite_micro: {tflite_micro.__version__}",
        f"numpy: {np.__version__}",
        f"cases: {NUM_CASES}",
        f"seed: 0x{model_seed(model):016x}",
        "seed_derivation: fnv1a64 of the model file stem (UTF-8)",
        f"generator: {GENERATOR_DESCRIPTION}",
        f"inputs_fnv1a64: 0x{inputs_hash:016x}",
        f"arena_used_bytes: {arena} (TFLM host build, 64-bit; arena_size {ARENA_SIZE})",
    ]
    for index, info in enumerate(inputs):
        distribution = INPUT_DISTRIBUTIONS[info.dtype]
        lines.append(f"input {index}: {info.describe()} distribution={distribution!r}")
    for index, info in enumerate(outputs):
        lines.append(f"output {index}: {info.describe()}")
    return "\n".join(lines) + "\n"


def golden_paths(model: str, directory: Path) -> list[Path]:
    """The files generated for a model."""
    return [directory / f"{model}{suffix}" for suffix in (".outputs.bin", ".txt")]


def generate_model(model: str, out_dir: Path) -> None:
    """Run NUM_CASES generated cases of one model through TFLM; write its goldens."""
    model_bytes = model_path(model).read_bytes()
    input_names, output_names = io_tensor_names(model_bytes)
    interpreter = runtime.Interpreter.from_bytes(model_bytes, arena_size=ARENA_SIZE)
    inputs = [
        tensor_info(name, interpreter.get_input_details(index))
        for index, name in enumerate(input_names)
    ]
    outputs = [
        tensor_info(name, interpreter.get_output_details(index))
        for index, name in enumerate(output_names)
    ]

    cases = generate_inputs(model, inputs)
    results = [run_case(interpreter, case, len(outputs)) for case in cases]

    # Reusing one interpreter is only valid if it carries no state between runs.
    rerun = run_case(interpreter, cases[0], len(outputs))
    if any(le_bytes(a) != le_bytes(b) for a, b in zip(rerun, results[0])):
        raise RuntimeError(f"{model}: re-running case 0 gave different outputs")

    inputs_hash = fnv1a64(b"".join(le_bytes(v) for case in cases for v in case))
    outputs_path, manifest_path = golden_paths(model, out_dir)
    outputs_path.write_bytes(b"".join(le_bytes(v) for case in results for v in case))
    manifest = manifest_text(
        model, model_bytes, inputs, outputs, inputs_hash, arena_used_bytes(interpreter)
    )
    manifest_path.write_text(manifest, encoding="utf-8")


def generate_all(out_dir: Path) -> None:
    for model in MODELS:
        generate_model(model, out_dir)


def check() -> int:
    """Regenerate into a temporary directory and diff against tests/golden/."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_dir = Path(tmp)
        generate_all(fresh_dir)
        mismatches = [
            committed.relative_to(REPO_ROOT)
            for model in MODELS
            for fresh, committed in zip(
                golden_paths(model, fresh_dir), golden_paths(model, GOLDEN_DIR)
            )
            if not committed.is_file() or committed.read_bytes() != fresh.read_bytes()
        ]
    for path in mismatches:
        print(f"differs or missing: {path}", file=sys.stderr)
    if mismatches:
        return 1
    print(f"all goldens match ({len(MODELS)} models)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temp dir and compare byte-for-byte with tests/golden/",
    )
    if parser.parse_args().check:
        return check()
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    generate_all(GOLDEN_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
