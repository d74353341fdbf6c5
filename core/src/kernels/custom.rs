//! What a user-supplied kernel is told about the operator it runs (`include_model!`'s
//! `custom = { .. }` argument).

use crate::TensorInfo;

/// The operator a user-supplied kernel runs: handed to it as its first argument, as a `static`
/// the compiler wrote (so reading it costs nothing at run time).
///
/// A user kernel for an operator with inputs of element types `A`, `B`, ... and an output of
/// element type `O` (`i8`, `i16`, `i32`, `f32`, `u8`; BOOL tensors are `u8`, 0 false and 1 true)
/// is a function
///
/// ```text
/// fn my_op(op: &embedml::CustomOp, a: &[A], b: &[B], ..., output: &mut [O])
/// ```
///
/// with the inputs in the operator's order (omitted optional inputs are left out) and each slice
/// exactly as long as its tensor. The output does not overlap any input. The generated `invoke`
/// calls it by the path given in `include_model!`, so a signature that does not match the
/// model's tensors is a compile error at the `include_model!` call. embedml's own kernels never
/// panic; whether yours can is up to you (on firmware, index with `get` or iterators).
#[derive(Clone, Copy, Debug)]
pub struct CustomOp<'a> {
    /// The operator's index in the model.
    pub index: usize,
    /// Its custom code (a custom operator) or builtin name (a builtin the user kernel runs).
    pub name: &'a str,
    /// The custom operator's options as the `.tflite` file holds them (`custom_options`,
    /// usually a FlexBuffer map); empty for a builtin or an operator without options.
    pub options: &'a [u8],
    /// The inputs, in the order the kernel takes them.
    pub inputs: &'a [TensorInfo],
    /// The output.
    pub output: TensorInfo,
}
