embedml::include_model!(pub Model, "../models/broken/state_call_once_recursion.tflite");

fn main() {}
