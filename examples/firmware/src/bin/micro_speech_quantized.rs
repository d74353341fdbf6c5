//! `micro_speech_quantized` compiled by `embedml::include_model!`, run on TFLM's golden case 0:
//! exits 0 if the output is bit-exact with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(
    Model,
    "../../../../tests/models/micro_speech_quantized.tflite"
);
embedml_firmware::golden_firmware!("micro_speech_quantized");
