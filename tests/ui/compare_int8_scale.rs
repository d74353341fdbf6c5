embedml::include_model!(pub M, "../models/broken/compare_int8_scale.tflite");

fn main() {}
