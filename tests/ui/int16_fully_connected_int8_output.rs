embedml::include_model!(pub M, "../models/broken/int16_fully_connected_int8_output.tflite");

fn main() {}
