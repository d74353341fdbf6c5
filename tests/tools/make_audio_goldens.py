"""Generate TFLM's goldens for the audio preprocessor (TFLM's signal library ops) over real audio.

tests/models/audio_preprocessor_int8.tflite is TFLM's micro_speech feature extractor as a model:
one 30 ms frame (480 int16 samples at 16 kHz) in, 40 int8 features out, through the signal
library's custom operators (SignalWindow, SignalFftAutoScale, SignalRfft, SignalEnergy,
SignalFilterBank, SignalFilterBankSquareRoot, SignalFilterBankSpectralSubtraction, SignalPCAN,
SignalFilterBankLog) and a few int32 builtins (CAST, STRIDED_SLICE, CONCATENATION, MUL, ADD, DIV,
MINIMUM, MAXIMUM). Spectral subtraction keeps per-channel noise estimates from frame to frame, so
the goldens are sequences: ONE TFLM interpreter per model is invoked frame after frame over an
audio stream, with a reset part-way (TFLM's Reset() zeroes the estimates) after which the first
frames are replayed.

So that each signal op is checked on its own, this script also writes two models cut from the
preprocessor by flatbuffer surgery (tensors, buffers and options unchanged), into
tests/models/audio/:

  audio_spectrum.tflite    operators #0..#4 (window, reshape, auto-scale, RFFT, energy); the
                           audio frame in; out: the auto-scaled frame (#21), the auto-scale shift
                           (#22), the spectrum (#23) and the energies (#24)
  audio_filterbank.tflite  operators #9..#13 (filter bank, square root, spectral subtraction,
                           PCAN, log); in: the energies after the int32 masking (#28, UINT32) and
                           the auto-scale shift (#22); out: every op's output (#29..#34)

The filter-bank model's inputs are what TFLM's full preprocessor computes for those tensors at
each frame (read back from an interpreter that preserves all tensors), so its goldens continue
the same stream. The audio (in tests/golden/sequences/<model>.inputs.bin, so no tool is needed to
test) is made with espeak-ng and sox (16 kHz, 16-bit) and numpy (seeded):

  silence, "yes", silence, "no", white noise, a quiet "left", silence with a DC offset,
  "right" amplified 8x and clipped (full-scale samples, -32768 included), "stop", silence

framed as micro_speech does: 480 samples every 320. Steps: the stream's frames, a reset, then
the stream's first REPLAY frames again.

Goldens (format of tests/golden/sequences/README.md), for audio_spectrum, audio_filterbank and
the whole audio_preprocessor_int8:

  tests/golden/sequences/<model>.inputs.bin / .outputs.bin / .txt

SignalEnergy writes only bins start_index..end_index (5..241 here); TFLM leaves the others as
the arena held them. embedml writes zeros there, and the spectrum model's energy output would
otherwise hold whatever TFLM's arena planner put there, so this script zeroes those bins in the
golden and the manifest says so (`energy_bins_compared`); the preprocessor itself drops them (its
STRIDED_SLICE keeps 5..241).

Regenerate (from the repository root; needs espeak-ng and sox on PATH):

    python3 tests/tools/make_audio_goldens.py
    python3 tests/tools/make_audio_goldens.py --check   # compare only; exit status 1 on any difference
"""

import argparse
import copy
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import flatbuffers
import numpy as np
import tflite_micro
from tflite_micro import runtime

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = REPO_ROOT / "tests" / "models" / "audio_preprocessor_int8.tflite"
CUT_DIR = REPO_ROOT / "tests" / "models" / "audio"
SEQUENCE_DIR = REPO_ROOT / "tests" / "golden" / "sequences"
SCHEMA = runtime.schema_fb
TENSOR_TYPES = {v: k for k, v in vars(SCHEMA.TensorType).items() if not k.startswith("_")}

RATE = 16000
FRAME = 480
HOP = 320
REPLAY = 20
ENERGY_BINS = (5, 241)


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def tool_version(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[0]


def speak(word: str, tmp: Path, voice: str = "en", speed: int = 160, pitch: int = 50) -> np.ndarray:
    wav = tmp / f"{word}.wav"
    raw = tmp / f"{word}.raw"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav), word],
        check=True,
    )
    subprocess.run(
        ["sox", str(wav), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", str(raw)],
        check=True,
    )
    return np.fromfile(raw, dtype="<i2").astype(np.int64)


def audio_stream() -> np.ndarray:
    rng = np.random.default_rng(fnv1a64(b"audio_preprocessor_int8"))
    seconds = lambda s: int(s * RATE)  # noqa: E731
    silence = lambda s: np.zeros(seconds(s), dtype=np.int64)  # noqa: E731
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        yes = speak("yes", tmp)
        no = speak("no", tmp, pitch=70)
        left = speak("left", tmp, speed=200)
        right = speak("right", tmp, pitch=30)
        stop = speak("stop", tmp, voice="en-us")
    parts = [
        silence(0.1),
        yes,
        silence(0.1),
        no,
        (rng.standard_normal(seconds(0.25)) * 3000).round().astype(np.int64),
        left // 40,  # quiet: a few LSBs
        silence(0.1) + 200,  # DC offset
        np.clip(right * 8, -32768, 32767),  # clipped
        stop,
        silence(0.1),
    ]
    audio = np.concatenate(parts)
    return np.clip(audio, -32768, 32767).astype("<i2")


def frames(audio: np.ndarray) -> list[np.ndarray]:
    count = 1 + (len(audio) - FRAME) // HOP
    return [audio[k * HOP : k * HOP + FRAME].reshape(1, FRAME) for k in range(count)]


def read_model(data: bytes):
    return SCHEMA.ModelT.InitFromObj(SCHEMA.Model.GetRootAsModel(data, 0))


def write_model(model) -> bytes:
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def cut(source: bytes, keep: list[int], inputs: list[int], outputs: list[int]) -> bytes:
    """Operators `keep` of the model as a model of their own, with the given model inputs and
    outputs (tensor indices of the source); tensors and buffers are kept as they are (unused
    ones stay, unreferenced), so tensor indices match the source's."""
    model = read_model(source)
    subgraph = model.subgraphs[0]
    subgraph.operators = [copy.deepcopy(subgraph.operators[i]) for i in keep]
    subgraph.inputs = np.array(inputs, dtype=np.int32)
    subgraph.outputs = np.array(outputs, dtype=np.int32)
    model.metadata = None
    model.signatureDefs = None
    return write_model(model)


def interpreter(model: bytes, preserve: bool = False):
    config = runtime.InterpreterConfig.kPreserveAllTensors if preserve else runtime.InterpreterConfig.kAllocationRecording
    return runtime.Interpreter.from_bytes(model, arena_size=1 << 20, intrepreter_config=config)


def io_details(interp, count: int, output: bool):
    get = interp.get_output_details if output else interp.get_input_details
    return [get(i) for i in range(count)]


def run(model: bytes, steps: list[list[np.ndarray]], resets: list[int], outputs: int) -> list[list[np.ndarray]]:
    interp = interpreter(model)
    got = []
    for step, values in enumerate(steps):
        if step in resets:
            interp.reset()
        for i, v in enumerate(values):
            interp.set_input(v, i)
        interp.invoke()
        got.append([np.array(interp.get_output(o), copy=True) for o in range(outputs)])
    return got


def manifest(name, model_path, model_bytes, source, steps, resets, in_details, out_details, outputs, extra):
    graph = read_model(model_bytes).subgraphs[0]
    names = {
        "input": [graph.tensors[t].name.decode() for t in graph.inputs],
        "output": [graph.tensors[t].name.decode() for t in graph.outputs],
    }

    def line(kind, i, d):
        q = d["quantization_parameters"]
        scale = f"{q['scales'][0]}" if len(q["scales"]) else "none"
        zero = f"{q['zero_points'][0]}" if len(q["zero_points"]) else "none"
        shape = "x".join(str(x) for x in d["shape"]) or "scalar"
        return f"{kind} {i}: name={names[kind][i]} dtype={np.dtype(d['dtype']).name} shape={shape} scale={scale} zero_point={zero}"

    distinct = len({b"".join(o.tobytes() for o in step) for step in outputs})
    replay_same = all(
        all(np.array_equal(a, b) for a, b in zip(outputs[i], outputs[resets[0] + i])) for i in range(REPLAY)
    )
    lines = [
        f"model: {name}",
        f"model_file: {model_path.relative_to(REPO_ROOT).as_posix()}",
        f"model_sha256: {hashlib.sha256(model_bytes).hexdigest()}",
        f"model_source: {source}",
        f"tflite_micro: {tflite_micro.__version__}",
        f"numpy: {np.__version__}",
        f"espeak_ng: {tool_version(['espeak-ng', '--version'])}",
        f"sox: {tool_version(['sox', '--version'])}",
        f"steps: {len(steps)}",
        f"resets_before: {','.join(str(r) for r in resets)}",
        f"stream: 0..{resets[0] - 1}",
        f"replay: {resets[0]}..{len(steps) - 1} (steps 0..{REPLAY - 1} after a reset)",
        f"reset_reproduces_stream: {'yes' if replay_same else 'no'}",
        f"step_input_bytes: {sum(v.nbytes for v in steps[0])}",
        f"step_output_bytes: {sum(o.nbytes for o in outputs[0])}",
        f"distinct_step_outputs: {distinct}",
        *extra,
    ]
    lines += [line("input", i, d) for i, d in enumerate(in_details)]
    lines += [line("output", i, d) for i, d in enumerate(out_details)]
    return "\n".join(lines) + "\n"


def files(name, model_path, model_bytes, source, steps, resets, extra, mask=None):
    interp = interpreter(model_bytes)
    in_details = io_details(interp, len(steps[0]), False)
    out_count = len(read_model(model_bytes).subgraphs[0].outputs)
    out_details = io_details(interp, out_count, True)
    outputs = run(model_bytes, steps, resets, out_count)
    if mask:
        for step in outputs:
            mask(step)
    text = manifest(name, model_path, model_bytes, source, steps, resets, in_details, out_details, outputs, extra)
    inputs_bin = b"".join(v.astype(v.dtype.newbyteorder("<")).tobytes() for step in steps for v in step)
    outputs_bin = b"".join(o.astype(o.dtype.newbyteorder("<")).tobytes() for step in outputs for o in step)
    return {
        SEQUENCE_DIR / f"{name}.inputs.bin": inputs_bin,
        SEQUENCE_DIR / f"{name}.outputs.bin": outputs_bin,
        SEQUENCE_DIR / f"{name}.txt": text.encode(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed files only")
    args = parser.parse_args()

    source = MODEL.read_bytes()
    audio = audio_stream()
    stream = frames(audio)
    steps_audio = [[f] for f in stream] + [[f] for f in stream[:REPLAY]]
    resets = [len(stream)]
    print(f"{len(audio)} samples, {len(stream)} frames, {len(steps_audio)} steps")

    spectrum = cut(source, [0, 1, 2, 3, 4], [0], [21, 22, 23, 24])
    filterbank = cut(source, [9, 10, 11, 12, 13], [28, 22], [29, 30, 31, 32, 33, 34])
    # What the whole preprocessor computes for the filter bank's inputs, frame by frame.
    full = interpreter(source, preserve=True)
    steps_filterbank = []
    for step, (frame,) in enumerate(steps_audio):
        if step in resets:
            full.reset()
        full.set_input(frame, 0)
        full.invoke()
        steps_filterbank.append(
            [
                np.array(full.GetTensor(28, 0)["tensor_data"], dtype=np.uint32),
                np.array(full.GetTensor(22, 0)["tensor_data"], dtype=np.int32).reshape(()),
            ]
        )

    def mask_energy(step):
        energy = step[3]
        energy[: ENERGY_BINS[0]] = 0
        energy[ENERGY_BINS[1] :] = 0

    written = {}
    written[CUT_DIR / "audio_spectrum.tflite"] = spectrum
    written[CUT_DIR / "audio_filterbank.tflite"] = filterbank
    cut_source = "tests/models/audio_preprocessor_int8.tflite cut by tests/tools/make_audio_goldens.py"
    written.update(
        files(
            "audio_spectrum",
            CUT_DIR / "audio_spectrum.tflite",
            spectrum,
            cut_source + " (operators #0..#4)",
            steps_audio,
            resets,
            [f"energy_bins_compared: {ENERGY_BINS[0]}..{ENERGY_BINS[1]} (TFLM leaves the other bins unwritten; zero here)"],
            mask_energy,
        )
    )
    written.update(
        files(
            "audio_filterbank",
            CUT_DIR / "audio_filterbank.tflite",
            filterbank,
            cut_source + " (operators #9..#13; inputs: the full model's tensors #28 and #22 at each frame)",
            steps_filterbank,
            resets,
            [],
        )
    )
    written.update(
        files(
            "audio_preprocessor_int8",
            MODEL,
            source,
            "tensorflow/tflite-micro, unmodified (see tests/models/NOTICE.md)",
            steps_audio,
            resets,
            [],
        )
    )
    differ = []
    for path, data in written.items():
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                differ.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in differ:
        print(f"differs: {path.relative_to(REPO_ROOT)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
