// A kernel for an operator the model does not have is almost certainly a typo.
embedml::include_model!(
    Net,
    "../models/user_kernels/user_tanh_float.tflite",
    custom = { "UserTahn" => crate::a }
);

fn a(_op: &embedml::CustomOp, _input: &[f32], _output: &mut [f32]) {}

fn main() {}
