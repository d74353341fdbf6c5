embedml::include_model!(pub Model, "../models/broken/state_unknown_subgraph.tflite");

fn main() {}
