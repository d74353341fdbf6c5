//! `keyword_scrambled_8bit` compiled by `embedml::include_model!`, run over its TFLM sequence golden with its state
//! carried from step to step (tests/golden/sequences/): 30 steps, the last one measured, then
//! `reset()` and the 10 steps TFLM ran after its own reset. Exits 0 if every output is
//! bit-exact with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(
    Model,
    "../../../../tests/models/keyword_scrambled_8bit.tflite"
);
embedml_firmware::sequence_firmware!("keyword_scrambled_8bit", 30, 240, 10);
