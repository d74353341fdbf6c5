//! Models that crashed the compiler or produced an unsound program, found by fuzzing
//! (`fuzz/`) or by reading the code; one `.tflite` each in `tests/regressions/`.
//!
//! Every model must go through `embedml_compiler::compile` without panicking (a panic inside
//! `include_model!` is a compiler crash). When a model is accepted, the program must also be
//! sound: what the generated code's checked views prove is checked here (every kernel operand
//! inside the arena and aligned, no kernel output overlapping one of its arena inputs, the model's
//! inputs and outputs in the arena: `Program::verify`). Tests that pin the expected outcome say so.
//!
//! The reproducers are built by `fuzz/examples/repro.rs` (hand-made cases) or minimized fuzz
//! artifacts (`cargo fuzz tmin`).

use embedml_compiler::program::AddressSpace;
use embedml_compiler::{Compiled, Errors};

fn model(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/regressions/{name}.tflite",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn target() -> embedml_compiler::emit::Target<'static> {
    embedml_compiler::emit::Target {
        visibility: quote::quote!(pub),
        name: quote::format_ident!("Model"),
        model_path: None,
    }
}

/// What the generated code's checked views prove again in the user's crate: `Program::verify`,
/// for the host and for a 32-bit target (the wrapped-arena hole: a plan that fits 64 bits only).
fn assert_sound(compiled: &Compiled) {
    if let Err(error) = compiled.verify(AddressSpace::HOST) {
        panic!("unsound program: {error}");
    }
    let arena = compiled.program.arena_bytes as u128;
    if arena <= AddressSpace::bits(32).max_bytes
        && let Err(error) = compiled.verify(AddressSpace::bits(32))
    {
        panic!("unsound program on a 32-bit target: {error}");
    }
}

/// Compiles the model (no panic), then checks that an accepted one is sound. `Err` is the
/// compiler rejecting the model, which is always acceptable here.
fn compile(name: &str) -> Result<(), Errors> {
    let bytes = model(name);
    embedml_compiler::compile(&bytes, &target())?;
    let compiled = embedml_compiler::analyze(&bytes).expect("compile accepted it");
    assert_sound(&compiled);
    Ok(())
}

// --- STRIDED_SLICE with int64 begin/end/strides: i64 overflow in validate/layers.rs -------------

/// strides = [1, i64::MAX, 1, 1]: `stop - first + s - 1` overflowed (validate/layers.rs).
#[test]
fn strided_slice_stride_i64_max() {
    let _ = compile("strided_slice_stride_i64_max");
}

/// strides = [1, 2^62, 1, 1]: `s as isize * in_strides[d] as isize` overflowed.
#[test]
fn strided_slice_stride_times_extent() {
    let _ = compile("strided_slice_stride_times_extent");
}

/// strides = [1, i64::MIN, 1, 1]: `first - stop - s - 1` and `-s` overflowed.
#[test]
fn strided_slice_stride_i64_min() {
    let _ = compile("strided_slice_stride_i64_min");
}

/// offset = true, end = [1, i64::MAX, 4, 3]: `first + end[d]` overflowed.
#[test]
fn strided_slice_offset_end_i64_max() {
    let _ = compile("strided_slice_offset_end_i64_max");
}

// --- In-place element-wise ops whose other input aliases the overwritten one ---------------------

/// MINIMUM(x, x): the planner ran the op in place over x although the op's second input is x
/// too, so `minimum_f32_in_place` got a `&mut` and a `&` to the same arena bytes.
#[test]
fn inplace_binary_same_input() {
    let _ = compile("inplace_binary_same_input");
}

/// ADD(x, reshape(x)) in int8: the second input is a view of the first, same bytes.
#[test]
fn inplace_binary_view_input() {
    let _ = compile("inplace_binary_view_input");
}

// --- Model outputs that live outside the arena ---------------------------------------------------

/// The model output is RESHAPE(constant): the plan stores it as the constant
/// (`Storage::Constant`), but `emit` reads every model output from the arena (`offset_of` gives
/// 0), so the generated `output()` is `arena.array::<f32, 0, 4>()` on a 0-byte arena: a const
/// evaluation error in the user's crate instead of a model that works or a clear error.
#[test]
fn output_is_view_of_constant() {
    let _ = compile("output_is_view_of_constant");
}

// --- Accepted models whose results differ from TFLM's -------------------------------------------
//
// Found by running accepted fuzz models through embedml and TFLite Micro on the same inputs
// (`fuzz/examples/accepted.rs` + `fuzz/compare_tflm.py`). In each, the model is malformed in a
// way TFLite rejects or TFLM mis-executes; embedml quietly computed something else. The
// expectation pinned here is rejection.

/// An INT8 tensor with a scale but no zero point. TFLite's interpreter rejects the model
/// ("Quantization parameters has non-null scale but null zero_point"); TFLM treats the tensor as
/// not quantized (`params.scale = 0`, so this requantize outputs the zero point 7 for every
/// input). embedml took zero point 0 (`tflite/mod.rs`, `Importer::quantization`) and computed
/// `7 + round(x * 0.05 / 0.3)`.
#[test]
fn quantization_scale_without_zero_point() {
    assert!(
        compile("quantization_scale_without_zero_point").is_err(),
        "scales without zero points must not be read as zero point 0"
    );
}

/// DEPTHWISE_CONV_2D with `depth_multiplier = 2` in its options but 2 input and 2 output
/// channels. TFLM's reference kernel uses the option (`DepthwiseParams::depth_multiplier`), so it
/// indexes 4 output channels of 2; embedml derives 1 from the shapes and ignores the option.
#[test]
fn depthwise_multiplier_option_mismatch() {
    assert!(
        compile("depthwise_multiplier_option_mismatch").is_err(),
        "a depth_multiplier option that disagrees with the shapes must be rejected"
    );
}

/// FULLY_CONNECTED with weights [3, 4] and output [3, 1]: 3 elements either way, so embedml's
/// element-count check passes and it computes one batch of 3. TFLM takes the output depth from
/// the output's last dimension (1) and the batch count from the rest (3), reading 12 input
/// elements of 4.
#[test]
fn fully_connected_output_shape_mismatch() {
    assert!(
        compile("fully_connected_output_shape_mismatch").is_err(),
        "the output's last dimension must be the weights' output depth"
    );
}

/// int8 TANH with input scale 2e37 (zero point -128). TFLM's input rescale
/// `MultiplyByQuantizedMultiplier(d, multiplier, 151)` multiplies by `1 << 151`, undefined in C++
/// (x86 takes the count modulo 32, an Arm register shift gives 0); embedml's kernels take a left
/// shift above 31 as 0, so every input inside the radius (233 of 256 here) maps to tanh(0) = 0
/// where the real tanh (and TFLM on x86) is 127. Validation already rejects input scales below
/// 2^-28 for this reason at the other end; the left shift needs the same (scale * 2^27 < 2^31).
#[test]
fn tanh_input_scale_2e37() {
    assert!(
        compile("tanh_input_scale_2e37").is_err(),
        "an input scale whose rescale shift exceeds 31 must be rejected"
    );
}

/// int8 LOGISTIC with input scale f32::MAX: inputs just above the zero point give 0 (logistic
/// 0.5) instead of 127, as for TANH above.
#[test]
fn logistic_input_scale_f32_max() {
    assert!(
        compile("logistic_input_scale_f32_max").is_err(),
        "an input scale whose rescale shift exceeds 31 must be rejected"
    );
}

/// int8 RELU with output scale 1.5e-37: the requantize multiplier 0.05 / 1.5e-37 needs a left
/// shift of 118. `MultiplyByQuantizedMultiplier`'s `x * (1 << 118)` is undefined in TFLM (x86
/// gives 127 for every input above the zero point); embedml's kernel takes a shift above 31 as
/// giving 0, so every output is the zero point -3. The same happens for any requantization whose
/// real multiplier is 2^31 or more (RELU, QUANTIZE, LEAKY_RELU tables; conv, FC, MUL, MEAN
/// output multipliers).
#[test]
fn relu_output_scale_tiny() {
    assert!(
        compile("relu_output_scale_tiny").is_err(),
        "a requantization whose left shift exceeds 31 must be rejected"
    );
}
