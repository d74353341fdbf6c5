embedml::include_model!(pub M, "../models/broken/arg_max_output_type.tflite");

fn main() {}
