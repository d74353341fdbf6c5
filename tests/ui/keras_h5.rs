// A Keras .h5 file: the error says to convert it with the TFLite converter.
embedml::include_model!(M, "../models/broken/keras_h5.tflite");

fn main() {}
