embedml::include_model!(pub M, "../models/broken/concat_inputs.tflite");

fn main() {}
