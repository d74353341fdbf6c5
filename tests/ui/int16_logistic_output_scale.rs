embedml::include_model!(pub M, "../models/broken/int16_logistic_output_scale.tflite");

fn main() {}
