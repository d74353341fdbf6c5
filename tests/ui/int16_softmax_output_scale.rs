embedml::include_model!(pub M, "../models/broken/int16_softmax_output_scale.tflite");

fn main() {}
