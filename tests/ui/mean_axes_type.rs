embedml::include_model!(pub M, "../models/broken/mean_axes_type.tflite");

fn main() {}
