// The model's UserTanh operator takes and gives float32 tensors: a kernel over i8 slices is a
// type error at the include_model! call.
embedml::include_model!(
    pub Net,
    "../models/user_kernels/user_tanh_float.tflite",
    custom = { "UserTanh" => crate::int8_tanh }
);

fn int8_tanh(_op: &embedml::CustomOp, _input: &[i8], _output: &mut [i8]) {}

fn main() {}
