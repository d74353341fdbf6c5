//! `ad_fc_autoencoder` (MLPerf Tiny, anomaly detection, FC autoencoder; `tests/models/mlperf/`) compiled by
//! `embedml::include_model!`, run on TFLM's golden case 0: exits 0 if the output is bit-exact
//! with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(
    Model,
    "../../../../tests/models/mlperf/ad_fc_autoencoder.tflite"
);
embedml_firmware::golden_firmware!("ad_fc_autoencoder");
