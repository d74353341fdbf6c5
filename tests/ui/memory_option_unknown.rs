// `memory` takes "fast" or "min".
embedml::include_model!(Model, "../models/hello_world_int8.tflite", memory = "small");

fn main() {}
