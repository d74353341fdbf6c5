embedml::include_model!(pub M, "../models/broken/int16_conv_int16_bias.tflite");

fn main() {}
