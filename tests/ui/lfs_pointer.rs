// A Git LFS pointer checked out instead of the model: the error says to run `git lfs pull`.
embedml::include_model!(M, "../models/broken/lfs_pointer.tflite");

fn main() {}
