embedml::include_model!(pub M, "../models/broken/neg_int8.tflite");

fn main() {}
