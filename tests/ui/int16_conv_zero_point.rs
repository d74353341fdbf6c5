embedml::include_model!(pub M, "../models/broken/int16_conv_zero_point.tflite");

fn main() {}
