"""Builds the SVDF test models from TFLM's keyword benchmark model and writes their TFLM
sequence goldens.

`tests/models/keyword_scrambled_8bit.tflite` (TFLM's keyword benchmark: int16 input, seven SVDF
layers with int8 state, int16 softmax, int32 output) is cut with TensorFlow's flatbuffer tools:

  svdf_stack_int8.tflite    operators 1..8 of it: int8 [1, 96] in, four SVDF layers each
                            followed by a FULLY_CONNECTED one, int8 [1, 16] out (deeper, the
                            scrambled layers saturate every output)
  (in both, the SVDF and FULLY_CONNECTED biases divided by 2^17: with the scrambled benchmark's own biases every output
  saturates whatever the input)
  svdf_int16_state.tflite   its first SVDF layer alone, with the time weights and the
                            activation state as int16 (the same values and scales, zero point
                            0), so TFLM runs its int16-state SVDF path

Goldens go to tests/golden/sequences/ in the format of tests/golden/sequences/README.md: one
TFLM interpreter runs sequence A, reset(), sequence B, reset(), then the first steps of A again.

Usage (from the repository root):  python3 tests/tools/make_svdf_models.py [--check]
"""
import copy, hashlib, pathlib, sys

import numpy as np
from tensorflow.lite.tools import flatbuffer_utils as fbu
from tflite_micro.python.tflite_micro import runtime

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "tests/models/keyword_scrambled_8bit.tflite"
MODELS = ROOT / "tests/models/streaming"
GOLDEN = ROOT / "tests/golden/sequences"
STEPS_A, STEPS_B, REPEAT = 120, 120, 10
TFLM_VERSION = "0.dev20261023182759"


def cut(model, first, last, new_input, new_output):
    """Keeps operators first..=last of subgraph 0, with the given model input and output."""
    m = copy.deepcopy(model)
    sg = m.subgraphs[0]
    sg.operators = sg.operators[first:last + 1]
    sg.inputs = np.array([new_input], dtype=np.int32)
    sg.outputs = np.array([new_output], dtype=np.int32)
    return m


def to_int16(m, tensor_index):
    """Retypes an int8 tensor as int16 with the same values and scale, zero point 0."""
    from tensorflow.lite.python import schema_py_generated as schema
    sg = m.subgraphs[0]
    t = sg.tensors[tensor_index]
    t.type = schema.TensorType.INT16
    buf = m.buffers[t.buffer]
    if buf.data is not None and len(buf.data) > 0:
        values = np.frombuffer(bytes(buf.data), dtype=np.int8).astype("<i2")
        buf.data = np.frombuffer(values.tobytes(), dtype=np.uint8)
    if t.quantization is not None and t.quantization.zeroPoint is not None:
        t.quantization.zeroPoint = np.zeros_like(t.quantization.zeroPoint)


def shrink_biases(m, divisor=1 << 17):
    """Divides every SVDF and FULLY_CONNECTED bias by `divisor`: the benchmark's biases are scrambled int32 values (up
    to 2^31, ~10^6 times the products they are added to), and with them
    biases every output saturates whatever the input, which would test nothing."""
    sg = m.subgraphs[0]
    for op in sg.operators:
        # The bias: SVDF's input 3, FULLY_CONNECTED's input 2.
        code = m.operatorCodes[op.opcodeIndex].builtinCode
        if code not in (27, 9):
            continue
        t = sg.tensors[op.inputs[3 if code == 27 else 2]]
        buf = m.buffers[t.buffer]
        values = np.frombuffer(bytes(buf.data), dtype="<i4") // divisor
        buf.data = np.frombuffer(values.astype("<i4").tobytes(), dtype=np.uint8)


def write_model(m, name):
    MODELS.mkdir(parents=True, exist_ok=True)
    path = MODELS / f"{name}.tflite"
    data = fbu.convert_object_to_bytearray(m)
    return path, bytes(data)


def stream(rng, steps, shape, dtype, zero_point):
    """A feature-like stream: a smooth random walk, with bursts, stretches of silence (zero)
    and clipping to the type's range."""
    info = np.iinfo(dtype)
    n = int(np.prod(shape))
    level = rng.normal(0, 20, n)
    out = []
    for step in range(steps):
        level = 0.9 * level + rng.normal(0, 8, n)
        x = level.copy()
        if step % 37 in range(5, 9):
            x *= 6  # a burst, clipped below
        if step % 53 in range(20, 26):
            x[:] = -32  # silence: the real zero
        # Around a level above the zero point (the input's real zero), as features are.
        x = zero_point + 4 + x / 8
        out.append(np.clip(np.round(x), info.min, info.max).astype(dtype).reshape(shape))
    return out


def run(path, data, rng):
    interp = runtime.Interpreter.from_bytes(data)
    inp = interp.get_input_details(0)
    out = interp.get_output_details(0)
    shape, dtype = tuple(inp["shape"]), inp["dtype"]
    zero_point = int(inp["quantization_parameters"]["zero_points"][0])
    a = stream(rng, STEPS_A, shape, dtype, zero_point)
    b = stream(rng, STEPS_B, shape, dtype, zero_point)
    inputs, outputs, resets = [], [], []
    def step(x):
        interp.set_input(x, 0)
        interp.invoke()
        inputs.append(x.tobytes())
        outputs.append(interp.get_output(0).tobytes())
    for x in a:
        step(x)
    resets.append(len(inputs))
    interp.reset()
    for x in b:
        step(x)
    resets.append(len(inputs))
    interp.reset()
    for x in a[:REPEAT]:
        step(x)
    manifest = [
        f"steps: {len(inputs)}",
        f"resets_before: {','.join(map(str, resets))}",
        f"tflite_micro: {TFLM_VERSION}",
        f"numpy: {np.__version__}",
        f"model_sha256: {hashlib.sha256(data).hexdigest()}",
    ]
    for kind, d in (("input", inp), ("output", out)):
        scale, zp = d["quantization_parameters"]["scales"], d["quantization_parameters"]["zero_points"]
        manifest.append(
            f"{kind} 0: dtype={np.dtype(d['dtype']).name} "
            f"shape={'x'.join(map(str, d['shape']))} "
            f"scale={float(scale[0]) if len(scale) else 'none'} "
            f"zero_point={int(zp[0]) if len(zp) else 'none'}"
        )
    return b"".join(inputs), b"".join(outputs), "\n".join(manifest) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    model = fbu.read_model(str(SOURCE))
    shrink_biases(model)
    stack = cut(model, 1, 8, 0, 32)
    single = cut(model, 1, 1, 0, 5)
    to_int16(single, 2)  # time weights
    to_int16(single, 4)  # activation state
    different = False
    for seed, (name, m) in enumerate((("svdf_stack_int8", stack), ("svdf_int16_state", single))):
        path, data = write_model(m, name)
        files = {path: data}
        inputs, outputs, manifest = run(path, data, np.random.default_rng(1000 + seed))
        files[GOLDEN / f"{name}.inputs.bin"] = inputs
        files[GOLDEN / f"{name}.outputs.bin"] = outputs
        files[GOLDEN / f"{name}.txt"] = manifest.encode()
        for p, content in files.items():
            if check:
                if not p.exists() or p.read_bytes() != content:
                    print(f"differs: {p.relative_to(ROOT)}")
                    different = True
            else:
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(content)
                print(f"wrote {p.relative_to(ROOT)}")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
