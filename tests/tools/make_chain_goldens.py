"""TFLM's outputs for the whole keyword-spotting chain: 16 kHz PCM -> audio_preprocessor_int8
(one frame of 40 int8 features per 20 ms step, from a 30 ms window) -> micro_speech_quantized
(49 frames, one second) -> 4 int8 scores. Written to tests/golden/chain/.

Two goldens, both from TFLM's Python interpreter (tflite-micro, the pinned version of
tests/tools/requirements.txt), one interpreter per model for a whole run, as in TFLM's
micro_speech_test.cc:

  clips.txt / clips.bin   each clip of tests/audio/ alone, as TFLM's micro_speech test runs
                          it: a fresh preprocessor, 49 frames, one classification. The .bin holds,
                          per clip in the order listed, its 49x40 features then its 4 scores.
  stream.txt / stream.bin the clips in STREAM order as one stream through one preprocessor: a
                          frame every 320 samples; once 49 frames exist, a classification of the
                          latest 49 after every frame. The .bin holds, per step, its 40 features
                          then (from step 48 on) its 4 scores.

Regenerate from the repository root: python3 tests/tools/make_chain_goldens.py
"""

import hashlib
import sys
from pathlib import Path

import numpy as np
import tflite_micro
from tflite_micro.python.tflite_micro import runtime

ROOT = Path(__file__).resolve().parents[2]
AUDIO = ROOT / "tests" / "audio"
OUT = ROOT / "tests" / "golden" / "chain"
PREPROCESSOR = ROOT / "tests" / "models" / "audio_preprocessor_int8.tflite"
CLASSIFIER = ROOT / "tests" / "models" / "micro_speech_quantized.tflite"
WINDOW, STRIDE, FRAMES, FEATURES = 480, 320, 49, 40
LABELS = ["silence", "unknown", "yes", "no"]
CLIPS = ["yes_1000ms", "no_1000ms", "silence_1000ms", "noise_1000ms"]
STREAM = ["silence_1000ms", "yes_1000ms", "noise_1000ms", "no_1000ms", "silence_1000ms"]


def pcm(name: str) -> np.ndarray:
    return np.frombuffer((AUDIO / f"{name}.pcm").read_bytes(), dtype="<i2")


def interpreter(path: Path) -> runtime.Interpreter:
    return runtime.Interpreter.from_bytes(path.read_bytes(), arena_size=1 << 20)


def frame(pre: runtime.Interpreter, window: np.ndarray) -> np.ndarray:
    pre.set_input(window.reshape(1, WINDOW).astype(np.int16), 0)
    pre.invoke()
    return pre.get_output(0).reshape(FEATURES).astype(np.int8)


def classify(kws: runtime.Interpreter, frames: list[np.ndarray]) -> np.ndarray:
    kws.set_input(np.concatenate(frames).reshape(1, FRAMES * FEATURES).astype(np.int8), 0)
    kws.invoke()
    return kws.get_output(0).reshape(len(LABELS)).astype(np.int8)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def header(kind: str) -> list[str]:
    return [
        f"golden: {kind}",
        f"tflite_micro: {tflite_micro.__version__}",
        f"preprocessor_sha256: {sha256(PREPROCESSOR)}",
        f"classifier_sha256: {sha256(CLASSIFIER)}",
        f"window: {WINDOW}",
        f"stride: {STRIDE}",
        f"frames: {FRAMES}",
    ]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    kws = interpreter(CLASSIFIER)

    lines, data = header("clips"), bytearray()
    for name in CLIPS:
        pre = interpreter(PREPROCESSOR)  # fresh front-end state per clip, as TFLM's test
        audio = pcm(name)
        frames = [frame(pre, audio[i * STRIDE : i * STRIDE + WINDOW]) for i in range(FRAMES)]
        scores = classify(kws, frames)
        data += b"".join(f.tobytes() for f in frames) + scores.tobytes()
        top = LABELS[int(np.argmax(scores))]
        lines.append(f"clip: {name} top={top} scores={scores.tolist()}")
        print(f"{name}: {top} {scores.tolist()}")
    (OUT / "clips.bin").write_bytes(bytes(data))
    (OUT / "clips.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    stream = np.concatenate([pcm(name) for name in STREAM])
    pre = interpreter(PREPROCESSOR)
    steps = (len(stream) - WINDOW) // STRIDE + 1
    lines = header("stream") + [f"stream: {' '.join(STREAM)}", f"steps: {steps}"]
    data, frames = bytearray(), []
    for step in range(steps):
        features = frame(pre, stream[step * STRIDE : step * STRIDE + WINDOW])
        frames = (frames + [features])[-FRAMES:]
        data += features.tobytes()
        if len(frames) == FRAMES:
            scores = classify(kws, frames)
            data += scores.tobytes()
            lines.append(f"step {step}: top={LABELS[int(np.argmax(scores))]} scores={scores.tolist()}")
    (OUT / "stream.bin").write_bytes(bytes(data))
    (OUT / "stream.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"stream: {steps} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
