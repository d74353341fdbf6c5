embedml::include_model!(pub M, "../models/broken/squared_difference_output_scale.tflite");

fn main() {}
