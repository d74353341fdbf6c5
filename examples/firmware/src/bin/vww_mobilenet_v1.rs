//! `vww_mobilenet_v1` (MLPerf Tiny, visual wake words, MobileNetV1 0.25; `tests/models/mlperf/`) compiled by
//! `embedml::include_model!`, run on TFLM's golden case 0: exits 0 if the output is bit-exact
//! with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(
    Model,
    "../../../../tests/models/mlperf/vww_mobilenet_v1.tflite"
);
embedml_firmware::golden_firmware!("vww_mobilenet_v1");
