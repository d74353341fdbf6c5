embedml::include_model!(pub M, "../models/broken/select_condition_type.tflite");

fn main() {}
