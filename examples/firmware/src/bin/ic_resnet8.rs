//! `ic_resnet8` (MLPerf Tiny, image classification, ResNet-8; `tests/models/mlperf/`) compiled by
//! `embedml::include_model!`, run on TFLM's golden case 0: exits 0 if the output is bit-exact
//! with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(Model, "../../../../tests/models/mlperf/ic_resnet8.tflite");
embedml_firmware::golden_firmware!("ic_resnet8");
