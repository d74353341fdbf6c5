embedml::include_model!(pub Model, "../models/broken/state_assign_size_mismatch.tflite");

fn main() {}
