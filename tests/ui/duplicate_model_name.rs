// Two models given the same name: one error that points at both, not one per generated item.
embedml::include_model!(Model, "../models/hello_world_int8.tflite");
embedml::include_model!(Model, "../models/micro_speech_quantized.tflite");

fn main() {}
