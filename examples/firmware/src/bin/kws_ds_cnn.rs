//! `kws_ds_cnn` (MLPerf Tiny, keyword spotting, DS-CNN; `tests/models/mlperf/`) compiled by
//! `embedml::include_model!`, run on TFLM's golden case 0: exits 0 if the output is bit-exact
//! with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(Model, "../../../../tests/models/mlperf/kws_ds_cnn.tflite");
embedml_firmware::golden_firmware!("kws_ds_cnn");
