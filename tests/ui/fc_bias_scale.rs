embedml::include_model!(pub M, "../models/broken/fc_bias_scale.tflite");

fn main() {}
