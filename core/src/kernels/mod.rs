//! Kernels: one module per op family, each a plain function over slices and a parameter struct.
//!
//! Generated code builds the parameter structs as `static` data (flash) at compile time, so a
//! kernel does no model-dependent set-up at run time. int8 kernels follow TFLite's quantization
//! spec and give the same bits as TensorFlow Lite Micro's reference kernels.
//!
//! # No panics
//!
//! No kernel panics, whatever its parameters and slices, in any build profile. Slices are read
//! through checked accessors (or, in a few hot loops, unchecked after one check of the furthest
//! index), and since debug builds trap on integer overflow, the index arithmetic on parameters
//! cannot trap either: lengths and indices are computed with wrapping operations, each one exact
//! for a model's parameters and documented where it is computed. The compiler guarantees that
//! strides, dilations, paddings, filter sizes and depth multipliers are below 2^15 and that every
//! tensor fits in 2^31 bytes, so the size of a tensor and an index inside one never wrap; a value
//! that can wrap under those guarantees is one that is never used, such as the step to a window's
//! second filter row for a dilation near 2^31 when only one row lands in the image. For other
//! parameters a wrapped index fails a bounds check: the outputs are then wrong, but nothing is
//! accessed out of bounds and nothing panics. `scripts/firmware-test.sh` proves it by linking
//! firmware that calls every kernel with parameters the optimiser cannot see, in release and debug
//! builds, whose panic handler calls a function that exists nowhere.

/// Defines an element-wise unary kernel and its in-place form from a per-element expression, so
/// the planner can let the output overwrite an input that dies at this op.
macro_rules! unary_kernel {
    ($(#[$doc:meta])* $name:ident, $in_place:ident, $params:ty, $t:ty, |$p:ident, $x:ident| $body:expr) => {
        $(#[$doc])*
        pub fn $name($p: &$params, input: &[$t], output: &mut [$t]) {
            for (o, &$x) in output.iter_mut().zip(input) {
                *o = $body;
            }
        }

        #[doc = concat!("[`", stringify!($name), "`] with the output overwriting its input.")]
        pub fn $in_place($p: &$params, data: &mut [$t]) {
            for v in data.iter_mut() {
                let $x = *v;
                *v = $body;
            }
        }
    };
}

/// Defines a broadcasting binary kernel and its in-place form (the output overwrites input 1,
/// which then has the output's shape) from a per-element expression.
macro_rules! binary_kernel {
    ($(#[$doc:meta])* $name:ident, $in_place:ident, $params:ty, $t:ty, |$p:ident, $x:ident, $y:ident| $body:expr) => {
        $(#[$doc])*
        pub fn $name($p: &$params, input1: &[$t], input2: &[$t], output: &mut [$t]) {
            for_each_element($p.broadcast.as_ref(), input1, input2, output, |$x, $y| $body);
        }

        #[doc = concat!("[`", stringify!($name), "`] with the output overwriting input 1.")]
        pub fn $in_place($p: &$params, input1_and_output: &mut [$t], input2: &[$t]) {
            for_each_element_in_place($p.broadcast.as_ref(), input1_and_output, input2, |$x, $y| $body);
        }
    };
}

mod accumulate;
mod activation;
mod arch;
mod arith32;
mod batch_matmul;
mod cast;
mod compare;
mod conv;
mod convert;
mod custom;
mod depthwise;
mod detection;
mod elementwise;
mod elementwise_i16;
mod epilogue;
mod fully_connected;
mod gather;
mod gather_nd;
mod l2norm;
mod log_softmax;
mod lstm;
mod pool;
mod prelu;
mod reduce;
mod requantize;
mod resize;
mod shape;
mod signal;
mod slices;
mod softmax;
mod space_to_batch;
mod svdf;
mod transpose_conv;
mod unary_math;
mod variable;
mod weighted_i16;
mod window;

pub use accumulate::*;
pub use activation::*;
pub use arith32::*;
pub use batch_matmul::*;
pub use cast::*;
pub use convert::*;
pub use custom::CustomOp;
pub use detection::*;
pub use elementwise::*;
pub use elementwise_i16::*;
pub use gather::*;
pub use gather_nd::*;
pub use l2norm::*;
pub use log_softmax::*;
pub use pool::*;
pub use prelu::*;
pub use reduce::*;
pub use requantize::Requantize;
pub use resize::{ResizeBilinearF32, ResizeBilinearI8, resize_bilinear_f32, resize_bilinear_i8};
pub use shape::*;
pub use signal::*;

pub use compare::*;
pub use conv::{
    conv2d_f32, conv2d_i8, conv2d_i8_blocked, conv2d_i8_blocked_shared, conv2d_i8_overlap_gap,
    conv2d_i8_pointwise, conv2d_i8_pointwise_shared, conv2d_i8_staged, conv2d_i8_staged_shared,
    conv2d_i8_windowed, conv2d_i8_windowed_shared,
};
pub use depthwise::{
    depthwise_conv2d_f32, depthwise_conv2d_i8, depthwise_conv2d_i8_overlap_gap,
    depthwise_conv2d_i8_shared,
};
pub use fully_connected::{
    fully_connected_f32, fully_connected_i8, fully_connected_i8_blocked,
    fully_connected_i8_per_tensor,
};
pub use lstm::{LstmF32, LstmGateF32, LstmGateI8, LstmI8, LstmShape, lstm_f32, lstm_i8};
pub use softmax::{softmax_f32, softmax_i8, softmax_i8_i16};
pub use space_to_batch::{SpaceToBatch, space_to_batch_f32, space_to_batch_i8};
pub use svdf::{
    StateValue, SvdfF32, SvdfI8, SvdfI8State8, SvdfI8State16, SvdfShape, svdf_f32, svdf_i8,
    svdf_i8_state_i16,
};
pub use transpose_conv::{
    TransposeConvF32, TransposeConvI8, TransposeConvI16, transpose_conv_f32, transpose_conv_i8,
    transpose_conv_i16,
};
pub use unary_math::*;
pub use variable::*;
pub use weighted_i16::{
    Conv2dI16, DepthwiseConv2dI16, FullyConnectedI16, conv2d_i16, conv2d_i16_acc32,
    depthwise_conv2d_i16, fully_connected_i16, fully_connected_i16_acc32,
};

/// The shape arithmetic of a 2-D convolution or depthwise convolution (NHWC tensors).
///
/// The batch count is the input length divided by `input_height * input_width * input_depth`.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dGeometry {
    /// Input rows.
    pub input_height: usize,
    /// Input columns.
    pub input_width: usize,
    /// Input channels.
    pub input_depth: usize,
    /// Output rows.
    pub output_height: usize,
    /// Output columns.
    pub output_width: usize,
    /// Output channels.
    pub output_depth: usize,
    /// Filter rows.
    pub filter_height: usize,
    /// Filter columns.
    pub filter_width: usize,
    /// Step between output rows, in input rows.
    pub stride_height: usize,
    /// Step between output columns, in input columns.
    pub stride_width: usize,
    /// Step between filter taps, in input rows.
    pub dilation_height: usize,
    /// Step between filter taps, in input columns.
    pub dilation_width: usize,
    /// Implicit zero rows above the input.
    pub padding_height: usize,
    /// Implicit zero columns left of the input.
    pub padding_width: usize,
}

/// FULLY_CONNECTED with int8 input, weights and output.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedI8<'a> {
    /// Weights, `[output_depth][accum_depth]` row-major; symmetric (zero point 0).
    pub weights: &'a [i8],
    /// `bias[c] + input_offset * sum(weights[c])`, folded at compile time; one per output channel.
    pub bias: &'a [i32],
    /// Inputs per output (the inner dimension).
    pub accum_depth: usize,
    /// Outputs per batch.
    pub output_depth: usize,
    /// Accumulator to output scale.
    pub requantize: Requantize<'a>,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value (the fused activation's lower bound).
    pub output_min: i32,
    /// Largest output value (the fused activation's upper bound).
    pub output_max: i32,
}

/// FULLY_CONNECTED with float32 input, weights and output.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedF32<'a> {
    /// Weights, `[output_depth][accum_depth]` row-major.
    pub weights: &'a [f32],
    /// One per output channel, if the model has a bias.
    pub bias: Option<&'a [f32]>,
    /// Inputs per output (the inner dimension).
    pub accum_depth: usize,
    /// Outputs per batch.
    pub output_depth: usize,
    /// The fused activation's lower bound.
    pub output_min: f32,
    /// The fused activation's upper bound.
    pub output_max: f32,
}

/// CONV_2D with int8 input, weights and output.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dI8<'a> {
    /// Shapes, strides and padding.
    pub geometry: Conv2dGeometry,
    /// Weights, `[output_depth][filter_height][filter_width][input_depth]`; symmetric.
    pub weights: &'a [i8],
    /// `bias[c] + input_offset * sum(weights[c])` (the model's bias, 0 without one, plus the
    /// input offset's share of a window entirely inside the image), folded at compile time; one
    /// per output channel.
    pub bias: &'a [i32],
    /// Minus the input's zero point (for the windows that leave the image).
    pub input_offset: i32,
    /// Accumulator to output scale.
    pub requantize: Requantize<'a>,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

/// FULLY_CONNECTED with int8 input, weights and output, four output channels at a time
/// ([`fully_connected_i8_blocked`], or [`fully_connected_i8_per_tensor`] for one scale that
/// shifts right): the compiler's choice for int8 when `accum_depth` is a multiple of 4.
///
/// One output channel sums `accum_depth` values, in `G = accum_depth / 4` groups of four.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedI8Blocked<'a> {
    /// Weights in the order the kernel reads them (re-laid out at compile time, the same bytes):
    /// for each block of four output channels and each group, the four channels' four weights
    /// in turn (`16 * G` bytes per block); after the blocks, each remaining channel's
    /// `accum_depth` weights.
    pub weights: &'a [i8],
    /// Per output channel the bias with the input offset's share folded in.
    pub bias: &'a [i32],
    /// `[multiplier, exponent]` as in [`Conv2dI8Blocked::channels`]: one per output channel, or
    /// one for every channel (per-tensor weights).
    pub scales: &'a [[i32; 2]],
    /// Values per input row.
    pub accum_depth: usize,
    /// Outputs per row.
    pub output_depth: usize,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

/// CONV_2D with int8 input, weights and output, as a register-blocked matrix product
/// ([`conv2d_i8_blocked`] and its variants [`conv2d_i8_pointwise`], [`conv2d_i8_staged`] and
/// [`conv2d_i8_windowed`], which the compiler picks per layer): the compiler's choice for every
/// int8 CONV_2D.
///
/// The reduction dimension of one output channel, `K = filter_height * filter_width *
/// input_depth` values in `[filter_height][filter_width][input_depth]` order, goes in groups
/// of four, `G = ceil(K / 4)` groups, the last one zero-padded.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dI8Blocked<'a> {
    /// Shapes, strides and padding.
    pub geometry: Conv2dGeometry,
    /// Weights in the order the kernel reads them (re-laid out at compile time, padded to whole
    /// groups): for each pair of output channels `(2j, 2j + 1)` and each group, channel `2j`'s
    /// four weights then channel `2j + 1`'s (`8 * G` bytes per pair); after the pairs, for an odd
    /// output depth, the last channel's groups (`4 * G` bytes).
    pub weights: &'a [i8],
    /// Per output channel `c`: `[bias, multiplier, exponent]`, where `bias` is `bias[c] +
    /// input_offset * sum(weights[c])` (the model's bias, 0 without one, plus the input offset's
    /// share of every tap), folded at compile time, and `multiplier` (in `[0, 2^31)`) and
    /// `exponent` (in `0..=31`) requantize the accumulator as TFLM's
    /// `MultiplyByQuantizedMultiplier(acc, multiplier, -exponent)`. One record per channel,
    /// read in order, also for a per-tensor scale: the compiler chooses this kernel only for
    /// scales below 1 (no left shift). An exponent above 31 counts modulo 32.
    pub channels: &'a [[i32; 3]],
    /// The input's zero point: the value of a tap outside the image, whose product with its
    /// weight cancels that tap's share of the folded bias (so every window is computed whole).
    pub input_zero_point: i8,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

/// CONV_2D with float32 input, weights and output.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dF32<'a> {
    /// Shapes, strides and padding.
    pub geometry: Conv2dGeometry,
    /// Weights, `[output_depth][filter_height][filter_width][input_depth]`.
    pub weights: &'a [f32],
    /// One per output channel, if the model has a bias.
    pub bias: Option<&'a [f32]>,
    /// The fused activation's lower bound.
    pub output_min: f32,
    /// The fused activation's upper bound.
    pub output_max: f32,
}

/// DEPTHWISE_CONV_2D with int8 input, weights and output.
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2dI8<'a> {
    /// Shapes, strides and padding; `output_depth = input_depth * depth_multiplier`.
    pub geometry: Conv2dGeometry,
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Weights, `[filter_height][filter_width][output_depth]`; symmetric.
    pub weights: &'a [i8],
    /// `bias[c] + input_offset * sum(weights[..][..][c])` (the model's bias, 0 without one, plus
    /// the input offset's share of a window entirely inside the image), folded at compile time;
    /// one per output channel.
    pub bias: &'a [i32],
    /// Minus the input's zero point (for the windows that leave the image).
    pub input_offset: i32,
    /// Accumulator to output scale.
    pub requantize: Requantize<'a>,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

/// DEPTHWISE_CONV_2D with float32 input, weights and output.
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2dF32<'a> {
    /// Shapes, strides and padding; `output_depth = input_depth * depth_multiplier`.
    pub geometry: Conv2dGeometry,
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Weights, `[filter_height][filter_width][output_depth]`.
    pub weights: &'a [f32],
    /// One per output channel, if the model has a bias.
    pub bias: Option<&'a [f32]>,
    /// The fused activation's lower bound.
    pub output_min: f32,
    /// The fused activation's upper bound.
    pub output_max: f32,
}

/// SOFTMAX with int8 input and int8 output (output scale 1/256, zero point -128).
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxI8 {
    /// Fixed-point multiplier of `beta * input_scale`, scaled for a Q5.26 difference.
    pub input_multiplier: i32,
    /// Left shift that goes with `input_multiplier`.
    pub input_left_shift: i32,
    /// Differences from the row maximum below this contribute zero.
    pub diff_min: i32,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
}

/// SOFTMAX with float32 input and output.
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxF32 {
    /// The inverse temperature.
    pub beta: f32,
    /// Elements per row (the innermost dimension).
    pub depth: usize,
}

mod fill;
pub use fill::*;
