// A directory (a SavedModel?) instead of a .tflite file.
embedml::include_model!(M, "../models");

fn main() {}
