embedml::include_model!(pub M, "../models/broken/expand_dims_type.tflite");

fn main() {}
