"""Generate the models and goldens of tests/tests/user_kernels.rs (include_model!'s
`custom = { .. }`: kernels the user supplies).

Two float32 models, converted by TensorFlow's TFLiteConverter like the operator
fixtures (make_op_fixtures.py, whose helpers this script uses):

  cumsum_float      Dense -> CUMSUM -> Dense. CUMSUM is a TFLM builtin embedml
                    runs itself; the test supplies a kernel of its own, which
                    runs in its place. The goldens are TFLM's outputs for this
                    very file.
  user_tanh_float   Dense -> TANH -> Dense, written out with its TANH operator made
                    a custom operator "UserTanh" whose custom_options are the
                    FlexBuffer map {"beta": 1.0}; the test's kernel computes
                    tanh(beta * x). TFLM cannot run a custom operator it has no
                    kernel for, so the goldens are TFLM's outputs for the model as
                    converted (with TANH), which computes the same function.

Inputs follow the generator contract of tests/golden/README.md (the fixtures'
float range). Regenerate (from the repository root, pinned versions of
tests/tools/requirements-fixtures.txt):

    python3 tests/tools/make_user_kernel_models.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_op_fixtures as fixtures  # noqa: E402
from flatbuffers import flexbuffers  # noqa: E402
from keras import layers  # noqa: E402
import tensorflow as tf  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO_ROOT / "tests" / "models" / "user_kernels"
GOLDEN_DIR = REPO_ROOT / "tests" / "golden" / "user_kernels"

CUSTOM_CODE = "UserTanh"
CUSTOM_OPTIONS = {"beta": 1.0}


def cumsum_model():
    return fixtures.functional(
        fixtures.chain(
            layers.Dense(8),
            layers.Lambda(lambda x: tf.math.cumsum(x, axis=2)),
            layers.Dense(5),
        ),
        (1, 4, 6),
    )


def tanh_model():
    return fixtures.functional(
        fixtures.chain(layers.Dense(12), layers.Activation("tanh"), layers.Dense(6)),
        (1, 16),
    )


def as_custom_operator(model_bytes: bytes, builtin: str) -> bytes:
    """The model with its one `builtin` operator made the custom operator CUSTOM_CODE."""
    model = fixtures.read_model(model_bytes)
    schema = fixtures.schema_py
    code_value = getattr(schema.BuiltinOperator, builtin)
    codes = [i for i, c in enumerate(model.operatorCodes) if c.builtinCode == code_value]
    if len(codes) != 1:
        raise RuntimeError(f"expected one {builtin} operator code, found {len(codes)}")
    code = model.operatorCodes[codes[0]]
    code.builtinCode = schema.BuiltinOperator.CUSTOM
    code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode = CUSTOM_CODE
    code.version = 1
    operators = [o for o in model.subgraphs[0].operators if o.opcodeIndex == codes[0]]
    if len(operators) != 1:
        raise RuntimeError(f"expected one {builtin} operator, found {len(operators)}")
    operator = operators[0]
    operator.builtinOptionsType = schema.BuiltinOptions.NONE
    operator.builtinOptions = None
    operator.customOptions = list(flexbuffers.Dumps(CUSTOM_OPTIONS))
    operator.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS
    return fixtures.write_model(model)


def main() -> int:
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    fc = fixtures.op("FULLY_CONNECTED")
    specs = [
        ("cumsum", cumsum_model, (fc, fixtures.op("CUMSUM"), fc), None),
        ("user_tanh", tanh_model, (fc, fixtures.op("TANH"), fc), "TANH"),
    ]
    for base, build, expected, rename in specs:
        spec = fixtures.Spec(base, build, expected, conversions=(fixtures.FLOAT,))
        fixture = fixtures.Fixture(spec, fixtures.FLOAT)
        model_bytes = fixtures.convert(fixture)
        ops_found = fixtures.summarize_model(model_bytes)
        fixtures.verify_operators(fixture, ops_found)
        found = fixtures.describe_operators(fixture, ops_found)
        fixtures.write_goldens(fixture.name, model_bytes, GOLDEN_DIR)
        model_file = MODELS_DIR / f"{fixture.name}.tflite"
        manifest = GOLDEN_DIR / f"{fixture.name}.txt"
        lines = manifest.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("model_file: "):
                lines[i] = f"model_file: {model_file.relative_to(REPO_ROOT)}"
            if line.startswith("model_sha256: ") and rename is not None:
                # The oracle ran the model as converted, before the rename.
                lines[i] = f"oracle_model_sha256: {line.split(': ', 1)[1]} (with {rename} as the builtin; the file has it as custom {CUSTOM_CODE})"
        manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if rename is not None:
            model_bytes = as_custom_operator(model_bytes, rename)
        model_file.write_bytes(model_bytes)
        print(f"{fixture.name}: {found}" + (f" ({rename} made custom {CUSTOM_CODE})" if rename else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
