//! `micro_speech_quantized` compiled with `memory = "min"` (the smallest arena: its one-channel
//! depthwise layer as a depthwise kernel, no im2col scratch buffer), run on TFLM's golden case 0:
//! exits 0 if the output is bit-exact with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(
    Model,
    "../../../../tests/models/micro_speech_quantized.tflite",
    memory = "min"
);
embedml_firmware::golden_firmware!("micro_speech_quantized");
