embedml::include_model!(pub M, "../models/broken/int16_add_output_scale.tflite");

fn main() {}
