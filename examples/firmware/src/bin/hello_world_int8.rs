//! `hello_world_int8` compiled by `embedml::include_model!`, run on TFLM's golden case 0:
//! exits 0 if the output is bit-exact with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

embedml::include_model!(Model, "../../../../tests/models/hello_world_int8.tflite");
embedml_firmware::golden_firmware!("hello_world_int8");
