"""Generate the MLPerf Tiny benchmark models in tests/models/mlperf/.

The four int8 reference models of MLPerf Tiny v1.x (mlcommons/tiny,
benchmark/training/, Apache License 2.0), rebuilt layer for layer with Keras
and converted by TensorFlow's TFLiteConverter to full-integer int8 models:
int8 input and output, calibrated on a seeded random representative dataset.
The weights are random (seeded), not trained: the speed and memory of an
inference depend on the shapes, not on the values.

Quantization follows the published int8 models (trained_models/*.tflite in
mlcommons/tiny): per-channel weights for CONV_2D and DEPTHWISE_CONV_2D,
per-tensor weights for FULLY_CONNECTED (the converter of their time did not
quantize dense layers per channel; per-channel FULLY_CONNECTED would make
TFLM keep a multiplier and shift per output channel in its arena, 13 KB more
for the autoencoder than the reference model needs).

  kws_ds_cnn          keyword spotting, DS-CNN on 49x10x1 MFCC features
                      (keyword_spotting/keras_model.py, model 'ds_cnn')
  vww_mobilenet_v1    visual wake words, MobileNetV1 alpha 0.25 on 96x96x3
                      (visual_wake_words/vww_model.py)
  ic_resnet8          image classification, ResNet-8 on 32x32x3, the EEMBC
                      resnet_v1 with 16/32/64 filters
                      (image_classification/keras_model.py, resnet_v1_eembc
                      as of the v1.0 release: num_filters = 16)
  ad_fc_autoencoder   anomaly detection, FC autoencoder on 640 inputs
                      (anomaly_detection/keras_model.py)

As in the reference definitions, every convolution and dense layer but the
last is followed by BatchNormalization and ReLU; the converter folds each
BatchNormalization into the weights and bias before it and fuses the ReLU,
so the converted graphs have the published models' operators, with the same
shapes, strides and padding, with two differences: the DS-CNN's average pool
covers its whole 25x5 map, as in the published kws_ref_model.tflite (the
training code's int(49/2) would make it 24x5, with the same 1x1 output), and
today's converter leaves out the RESHAPE the published models have between
the average pool and FULLY_CONNECTED (which flattens its 1x1x1xC input
itself). The reference's Dropout layers do nothing at inference and are left
out; its L2 regularizers only matter for training.

For every model this script builds it, draws its weights from a generator
seeded with the FNV-1a 64 of the model name, draws CALIBRATION_SAMPLES
samples uniform over the model's input range, sets each batch norm's moving
mean and variance to those of its input on them (as training would leave
them), calibrates on them and converts the model, then reads the flatbuffer
back, checks every operator against the reference architecture (operator,
input/weight shapes, strides, padding, fused activation, weight
quantization, int8 tensors) and prints the operator counts. TFLM's goldens
for these models are made by make_goldens.py like the other whole-model
goldens.

With --reference DIR, the converted models are also compared operator by
operator with the published int8 models, if DIR holds them (from
mlcommons/tiny benchmark/training/: keyword_spotting/trained_models/
kws_ref_model.tflite, visual_wake_words/trained_models/vww_96_int8.tflite,
image_classification/trained_models/pretrainedResnet_quant.tflite,
anomaly_detection/trained_models/ad01_int8.tflite): the same operators in the
same order (but for the RESHAPE noted above), shapes, strides, padding, pool
sizes, fused activations and per-channel or per-tensor weights.

Regenerate (from the repository root):

    pip install -r tests/tools/requirements-fixtures.txt
    python3 tests/tools/make_mlperf_models.py
    python3 tests/tools/make_goldens.py

Rebuild and reconvert into a temporary directory and compare with the
committed models without touching them (exit status 1 on any difference; as
for the operator fixtures, byte-identical output is promised by the pinned
versions on one machine, not by TensorFlow across CPUs and builds):

    python3 tests/tools/make_mlperf_models.py --check
"""

import argparse
import contextlib
import io
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import make_goldens as goldens
import make_op_fixtures as fixtures  # sets TensorFlow's log level and oneDNN first

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

MLPERF_DIR = goldens.MODELS_DIR / "mlperf"
CALIBRATION_SAMPLES = 100


# --- Architectures (mlcommons/tiny benchmark/training/) ----------------------


def conv_bn_relu(x, filters: int, kernel, strides=1):
    """Conv2D (padding 'same') -> BatchNormalization -> ReLU."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same")(x)
    return layers.ReLU()(layers.BatchNormalization()(x))


def depthwise_bn_relu(x, strides=1):
    """DepthwiseConv2D 3x3 (padding 'same') -> BatchNormalization -> ReLU."""
    x = layers.DepthwiseConv2D(3, strides=strides, padding="same")(x)
    return layers.ReLU()(layers.BatchNormalization()(x))


# keyword_spotting: spectrogram_length 49 (1 s at 16 kHz, 30 ms windows, 20 ms
# stride), dct_coefficient_count 10, label_count 12 (10 words, silence, unknown).
KWS_INPUT = (49, 10, 1)
KWS_FILTERS = 64
KWS_BLOCKS = 4
KWS_LABELS = 12
# The whole 25x5 map the stride-2 'same' convolution leaves, as in the published
# kws_ref_model.tflite (see the module docstring).
KWS_POOL = (-(-KWS_INPUT[0] // 2), -(-KWS_INPUT[1] // 2))


def kws_ds_cnn() -> keras.Model:
    inputs = keras.Input(KWS_INPUT, batch_size=1)
    x = conv_bn_relu(inputs, KWS_FILTERS, (10, 4), strides=2)
    for _ in range(KWS_BLOCKS):
        x = depthwise_bn_relu(x)
        x = conv_bn_relu(x, KWS_FILTERS, 1)
    x = layers.AveragePooling2D(KWS_POOL)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(KWS_LABELS, activation="softmax")(x))


# visual_wake_words: 96x96x3, num_filters 8 (32 x alpha 0.25), 2 classes. Each
# row: the depthwise stride and the pointwise filters of one separable block.
VWW_INPUT = (96, 96, 3)
VWW_FIRST_FILTERS = 8
VWW_BLOCKS = (
    (1, 16),
    (2, 32),
    (1, 32),
    (2, 64),
    (1, 64),
    (2, 128),
    (1, 128),
    (1, 128),
    (1, 128),
    (1, 128),
    (1, 128),
    (2, 256),
    (1, 256),
)
VWW_CLASSES = 2


def vww_mobilenet_v1() -> keras.Model:
    inputs = keras.Input(VWW_INPUT, batch_size=1)
    x = conv_bn_relu(inputs, VWW_FIRST_FILTERS, 3, strides=2)
    for strides, filters in VWW_BLOCKS:
        x = depthwise_bn_relu(x, strides)
        x = conv_bn_relu(x, filters, 1)
    x = layers.AveragePooling2D(tuple(x.shape[1:3]))(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(VWW_CLASSES, activation="softmax")(x))


# image_classification: 32x32x3 (CIFAR-10), 10 classes; three stacks of
# 16, 32, 64 filters, the second and third with a strided 1x1 projection.
IC_INPUT = (32, 32, 3)
IC_FILTERS = (16, 32, 64)
IC_CLASSES = 10


def ic_resnet8() -> keras.Model:
    inputs = keras.Input(IC_INPUT, batch_size=1)
    x = conv_bn_relu(inputs, IC_FILTERS[0], 3)
    for stack, filters in enumerate(IC_FILTERS):
        strides = 1 if stack == 0 else 2
        y = conv_bn_relu(x, filters, 3, strides=strides)
        y = layers.Conv2D(filters, 3, padding="same")(y)
        y = layers.BatchNormalization()(y)
        if stack > 0:
            x = layers.Conv2D(filters, 1, strides=strides, padding="same")(x)
        x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.AveragePooling2D(min(x.shape[1:3]))(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(IC_CLASSES, activation="softmax")(x))


# anomaly_detection: 640 inputs (5 frames x 128 mel bands), dense 128 x4,
# bottleneck 8, dense 128 x4, linear 640 output.
AD_INPUTS = 640
AD_HIDDEN = (128, 128, 128, 128, 8, 128, 128, 128, 128)


def ad_fc_autoencoder() -> keras.Model:
    inputs = keras.Input((AD_INPUTS,), batch_size=1)
    x = inputs
    for units in AD_HIDDEN:
        x = layers.Dense(units)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    return keras.Model(inputs, layers.Dense(AD_INPUTS)(x))


# --- What the converted models must contain -----------------------------------


def conv(shape_in, kernel, filters, strides=1, activation="RELU"):
    """CONV_2D over a 1xHxWxC input with padding SAME."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return fixtures.op(
        "CONV_2D",
        shapes=[(1, *shape_in), (filters, kh, kw, shape_in[2]), (filters,)],
        stride=(strides, strides),
        padding="SAME",
        activation=activation,
    )


def depthwise(shape_in, strides=1):
    """DEPTHWISE_CONV_2D 3x3, depth multiplier 1, padding SAME, ReLU."""
    channels = shape_in[2]
    return fixtures.op(
        "DEPTHWISE_CONV_2D",
        shapes=[(1, *shape_in), (1, 3, 3, channels), (channels,)],
        stride=(strides, strides),
        padding="SAME",
        depthMultiplier=1,
        activation="RELU",
    )


def same_out(shape, filters, strides):
    """The output of a padding-SAME layer on an HxWxC map."""
    return (-(-shape[0] // strides), -(-shape[1] // strides), filters)


def classifier(shape_in, pool, classes):
    """AVERAGE_POOL_2D (to 1x1, padding VALID) -> FULLY_CONNECTED -> SOFTMAX.

    The converter drops Flatten's RESHAPE: FULLY_CONNECTED flattens its
    1x1x1xC input itself.
    """
    channels = shape_in[2]
    return [
        fixtures.op(
            "AVERAGE_POOL_2D",
            shapes=[(1, *shape_in)],
            filter=pool,
            stride=pool,
            padding="VALID",
            activation="NONE",
        ),
        fixtures.op(
            "FULLY_CONNECTED",
            shapes=[(1, 1, 1, channels), (classes, channels), (classes,)],
            activation="NONE",
        ),
        fixtures.op("SOFTMAX", beta=np.float32(1.0)),
    ]


def kws_expected():
    shape = same_out(KWS_INPUT, KWS_FILTERS, 2)  # 25x5x64
    ops = [conv(KWS_INPUT, (10, 4), KWS_FILTERS, strides=2)]
    for _ in range(KWS_BLOCKS):
        ops += [depthwise(shape), conv(shape, 1, KWS_FILTERS)]
    return ops + classifier(shape, KWS_POOL, KWS_LABELS)


def vww_expected():
    shape = same_out(VWW_INPUT, VWW_FIRST_FILTERS, 2)  # 48x48x8
    ops = [conv(VWW_INPUT, 3, VWW_FIRST_FILTERS, strides=2)]
    for strides, filters in VWW_BLOCKS:
        ops.append(depthwise(shape, strides))
        shape = same_out(shape, shape[2], strides)
        ops.append(conv(shape, 1, filters))
        shape = (shape[0], shape[1], filters)
    return ops + classifier(shape, (shape[0], shape[1]), VWW_CLASSES)  # from 3x3x256


def ic_expected():
    shape = IC_INPUT
    ops = [conv(shape, 3, IC_FILTERS[0])]
    shape = (shape[0], shape[1], IC_FILTERS[0])
    for stack, filters in enumerate(IC_FILTERS):
        strides = 1 if stack == 0 else 2
        out = same_out(shape, filters, strides)
        ops += [
            conv(shape, 3, filters, strides),
            conv(out, 3, filters, activation="NONE"),
        ]
        if stack > 0:
            ops.append(conv(shape, 1, filters, strides, activation="NONE"))
        ops.append(fixtures.op("ADD", shapes=[(1, *out), (1, *out)], activation="RELU"))
        shape = out
    return ops + classifier(shape, (shape[0], shape[1]), IC_CLASSES)  # from 8x8x64


def ad_expected():
    ops, width = [], AD_INPUTS
    for units, activation in [(u, "RELU") for u in AD_HIDDEN] + [(AD_INPUTS, "NONE")]:
        ops.append(
            fixtures.op(
                "FULLY_CONNECTED",
                shapes=[(1, width), (units, width), (units,)],
                activation=activation,
            )
        )
        width = units
    return ops


@dataclass(frozen=True)
class Spec:
    """One benchmark model: how to build it, its input range, its operators."""

    name: str
    build: Callable[[], keras.Model]
    input_range: tuple[float, float]
    expected: Callable[[], list[fixtures.Expect]]
    published: str  # the published int8 model's file name, for --reference


SPECS = (
    Spec(
        "kws_ds_cnn",
        kws_ds_cnn,
        (-1.0, 1.0),
        kws_expected,
        "kws_ref_model.tflite",
    ),
    Spec(
        "vww_mobilenet_v1",
        vww_mobilenet_v1,
        (0.0, 1.0),
        vww_expected,
        "vww_96_int8.tflite",
    ),
    Spec(
        "ic_resnet8",
        ic_resnet8,
        (0.0, 1.0),
        ic_expected,
        "pretrainedResnet_quant.tflite",
    ),
    Spec(
        "ad_fc_autoencoder",
        ad_fc_autoencoder,
        (-1.0, 1.0),
        ad_expected,
        "ad01_int8.tflite",
    ),
)
if tuple(spec.name for spec in SPECS) != goldens.MLPERF_MODELS:
    raise RuntimeError("SPECS and make_goldens.MLPERF_MODELS name different models")


# --- Weights, calibration, conversion ------------------------------------------


def random_weights(model: keras.Model, rng: np.random.Generator) -> None:
    """Seeded weights: He-normal kernels, small biases and batch-norm shifts.

    The batch-norm statistics drawn here are placeholders for those that
    standardize_batch_norms measures.
    """
    for layer in model.layers:
        values = []
        for weight in layer.weights:
            shape, name = tuple(weight.shape), weight.name
            if name in ("kernel", "depthwise_kernel"):
                receptive = shape[:-1] if name == "kernel" else shape[:2]
                fan_in = int(np.prod(receptive))
                value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
            elif name in ("bias", "beta", "moving_mean"):
                value = rng.uniform(-0.1, 0.1, shape)
            elif name in ("gamma", "moving_variance"):
                value = rng.uniform(0.5, 1.5, shape)
            else:
                raise ValueError(f"{layer.name}: unexpected weight {name}")
            values.append(value.astype(np.float32))
        if values:
            layer.set_weights(values)


def standardize_batch_norms(model: keras.Model, batch: np.ndarray) -> None:
    """Give every BatchNormalization the moving statistics of its input on batch.

    In layer (topological) order, so that each sees the layers before it with
    their final weights. Training leaves statistics like these; with arbitrary
    ones the deep models' activations drift until the classifiers' outputs are
    the same for every input, and the goldens would test little.
    """
    for layer in model.layers:
        if not isinstance(layer, layers.BatchNormalization):
            continue
        probe = keras.Model(model.inputs[0], layer.input)
        values = np.asarray(probe(batch, training=False))
        axes = tuple(range(values.ndim - 1))
        gamma, beta, _, _ = layer.get_weights()
        mean, variance = values.mean(axis=axes), values.var(axis=axes)
        statistics = [mean.astype(np.float32), variance.astype(np.float32)]
        layer.set_weights([gamma, beta, *statistics])


def convert(spec: Spec) -> bytes:
    """Build, weight, calibrate and convert one model; returns the .tflite bytes."""
    rng = np.random.default_rng(goldens.fnv1a64(spec.name.encode("utf-8")))
    keras.backend.clear_session()  # restart Keras' name counters: stable tensor names
    model = spec.build()
    random_weights(model, rng)
    low, high = spec.input_range
    shape = tuple(model.inputs[0].shape)
    samples = [
        [rng.uniform(low, high, shape).astype(np.float32)]
        for _ in range(CALIBRATION_SAMPLES)
    ]
    standardize_batch_norms(model, np.concatenate([sample[0] for sample in samples]))
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    # As in the published models: per-channel convolutions, per-tensor dense layers.
    converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    # Keras' export prints its endpoints; the calibrator warns that
    # tf.lite.Interpreter is deprecated.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return converter.convert()


class ModelError(Exception):
    """A converted model is not the reference architecture."""


def verify(spec: Spec, model_bytes: bytes) -> list[fixtures.OpSummary]:
    """Raise ModelError unless the model has exactly the expected int8 operators.

    Weighted operators must be per-channel, except FULLY_CONNECTED: per-tensor.
    """
    found = fixtures.summarize_model(model_bytes)
    expected = spec.expected()
    names, wanted = [s.name for s in found], [e.op for e in expected]
    if names != wanted:
        raise ModelError(f"{spec.name}: operators {names}, expected {wanted}")
    for index, (expect, summary) in enumerate(zip(expected, found)):
        wrong = {
            key: summary.options.get(key, "absent")
            for key, value in expect.options.items()
            if summary.options.get(key, "absent") != value
        }
        if summary.options["in"] != "INT8" or summary.options["out"] != "INT8":
            wrong["in/out"] = (summary.options["in"], summary.options["out"])
        per_channel = summary.name != "FULLY_CONNECTED"
        if summary.options.get("per_channel", per_channel) != per_channel:
            wrong["per_channel"] = summary.options["per_channel"]
        if wrong:
            raise ModelError(
                f"{spec.name}: operator {index} {summary.name} has {wrong}, "
                f"expected {expect.options}"
            )
    return found


# What --reference compares: the architecture, not tensor names or scales.
COMPARED_OPTIONS = (
    "in",
    "out",
    "stride",
    "padding",
    "filter",
    "activation",
    "per_channel",
)


def architecture(model_bytes: bytes) -> list[tuple]:
    """Per operator but RESHAPE: its name, compared options and operand shapes.

    FULLY_CONNECTED's input shape is left out: with the RESHAPE before it, it
    is 1xC; without, 1x1x1xC.
    """
    rows = []
    for summary in fixtures.summarize_model(model_bytes):
        if summary.name == "RESHAPE":
            continue
        shapes = summary.options["shapes"]
        if summary.name == "FULLY_CONNECTED":
            shapes = shapes[1:]
        options = {
            key: summary.options[key]
            for key in COMPARED_OPTIONS
            if key in summary.options
        }
        rows.append((summary.name, tuple(shapes), tuple(sorted(options.items()))))
    return rows


def compare_with_published(spec: Spec, model_bytes: bytes, directory: Path) -> bool:
    """Compare with the published model in directory; False on a difference."""
    path = directory / spec.published
    if not path.is_file():
        print(f"{spec.name}: no {path}, not compared", file=sys.stderr)
        return True
    ours, theirs = architecture(model_bytes), architecture(path.read_bytes())
    if ours == theirs:
        print(f"{spec.name}: same architecture as {spec.published}, {len(ours)} ops")
        return True
    print(f"{spec.name}: differs from {spec.published}:", file=sys.stderr)
    for index in range(max(len(ours), len(theirs))):
        mine = ours[index] if index < len(ours) else None
        published = theirs[index] if index < len(theirs) else None
        if mine != published:
            print(f"  operator {index}, ours:      {mine}", file=sys.stderr)
            print(f"  operator {index}, published: {published}", file=sys.stderr)
    return False


def model_file(name: str, directory: Path = MLPERF_DIR) -> Path:
    return directory / f"{name}.tflite"


def write_all(directory: Path, reference: Path | None) -> bool:
    """Convert every model into directory; False if one differs from the published."""
    same = True
    for spec in SPECS:
        model_bytes = convert(spec)
        found = verify(spec, model_bytes)
        model_file(spec.name, directory).write_bytes(model_bytes)
        counts = Counter(s.name for s in found)
        summary = ", ".join(f"{op} x{count}" for op, count in counts.items())
        print(f"{spec.name}: {len(model_bytes)} bytes; {summary}")
        if reference is not None:
            same = compare_with_published(spec, model_bytes, reference) and same
    return same


def check(reference: Path | None) -> int:
    """Reconvert into a temporary directory and compare with tests/models/mlperf/."""
    with tempfile.TemporaryDirectory() as tmp:
        same = write_all(Path(tmp), reference)
        mismatches = [
            model_file(spec.name).relative_to(goldens.REPO_ROOT)
            for spec in SPECS
            if not model_file(spec.name).is_file()
            or model_file(spec.name).read_bytes()
            != model_file(spec.name, Path(tmp)).read_bytes()
        ]
    for path in mismatches:
        print(f"differs or missing: {path}", file=sys.stderr)
    if mismatches or not same:
        return 1
    print(f"all models match ({len(SPECS)} models)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="reconvert into a temp dir; compare bytes with tests/models/mlperf/",
    )
    parser.add_argument(
        "--reference",
        type=Path,
        metavar="DIR",
        help="also compare each architecture with the published int8 model in DIR",
    )
    args = parser.parse_args()
    if args.check:
        return check(args.reference)
    MLPERF_DIR.mkdir(parents=True, exist_ok=True)
    return 0 if write_all(MLPERF_DIR, args.reference) else 1


if __name__ == "__main__":
    sys.exit(main())
