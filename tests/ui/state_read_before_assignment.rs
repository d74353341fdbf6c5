embedml::include_model!(pub Model, "../models/broken/state_read_before_assignment.tflite");

fn main() {}
