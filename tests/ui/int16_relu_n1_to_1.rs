embedml::include_model!(pub M, "../models/broken/int16_relu_n1_to_1.tflite");

fn main() {}
