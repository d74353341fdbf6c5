embedml::include_model!(pub M, "../models/broken/int16_depthwise_int32_bias.tflite");

fn main() {}
