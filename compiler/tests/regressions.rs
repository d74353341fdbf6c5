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

use embedml_compiler::ops::Step;
use embedml_compiler::ops::gather::Gather;
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
        instance: 0,
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

/// Compiles a model that must be accepted, checks it is sound, and hands it to `check`.
fn accepted(name: &str, check: impl FnOnce(&Compiled)) {
    match compile(name) {
        Ok(()) => check(&embedml_compiler::analyze(&model(name)).expect("compile accepted it")),
        Err(e) => panic!("{name} must compile, but: {e}"),
    }
}

/// The compiled model's one op is a gather with this output shape, first input element and
/// steps. (Extent-1 dimensions take no step, whatever stride they record.)
fn assert_gather(compiled: &Compiled, shape: [usize; 4], first: usize, steps: [isize; 4]) {
    let [
        Step::Gather(Gather {
            output_shape,
            start,
            strides,
            ..
        }),
    ] = compiled.steps.as_slice()
    else {
        panic!("expected one gather, got {:?}", compiled.steps);
    };
    assert_eq!((*output_shape, *start), (shape, first));
    for d in 0..4 {
        if shape[d] > 1 {
            assert_eq!(strides[d], steps[d], "dimension {d}");
        }
    }
}

/// A model the compiler must reject, with an error containing `expected`.
fn rejected(name: &str, expected: &str) {
    match compile(name) {
        Ok(()) => panic!("{name} must be rejected ({expected})"),
        Err(e) => assert!(e.to_string().contains(expected), "{name}: {e}"),
    }
}

// --- STRIDED_SLICE with int64 begin/end/strides: i64 overflow in validate/layers.rs -------------
//
// Input [1, 6, 4, 3] float32. Each slice is accepted and must select exactly what TFLite's
// semantics say; the arithmetic on the extreme strides must neither panic nor wrap. (TFLM reads
// begin, end and strides as INT32 whatever their type: if INT64 index tensors become an error,
// these four should expect it; see tests/models/hostile/strided_slice_int64_indices.)

/// strides = [1, i64::MAX, 1, 1]: `stop - first + s - 1` overflowed (validate/layers.rs). The
/// slice takes row 0 of dimension 1 only.
#[test]
fn strided_slice_stride_i64_max() {
    accepted("strided_slice_stride_i64_max", |c| {
        assert_gather(c, [1, 1, 4, 3], 0, [0, 0, 3, 1]);
    });
}

/// strides = [1, 2^62, 1, 1]: `s as isize * in_strides[d] as isize` overflowed. Row 0 only.
#[test]
fn strided_slice_stride_times_extent() {
    accepted("strided_slice_stride_times_extent", |c| {
        assert_gather(c, [1, 1, 4, 3], 0, [0, 0, 3, 1]);
    });
}

/// strides = [1, i64::MIN, 1, 1] from 5 down to 0: `first - stop - s - 1` and `-s` overflowed.
/// Row 5 only: the gather starts at element 5 * 12.
#[test]
fn strided_slice_stride_i64_min() {
    accepted("strided_slice_stride_i64_min", |c| {
        assert_gather(c, [1, 1, 4, 3], 60, [0, 0, 3, 1]);
    });
}

/// offset = true, begin 1, end = [1, i64::MAX, 4, 3]: `first + end[d]` overflowed. The end
/// clamps to 6: rows 1 to 5.
#[test]
fn strided_slice_offset_end_i64_max() {
    accepted("strided_slice_offset_end_i64_max", |c| {
        assert_gather(c, [1, 5, 4, 3], 12, [0, 12, 3, 1]);
    });
}

// --- In-place element-wise ops whose other input aliases the overwritten one ---------------------

/// MINIMUM(x, x): the planner ran the op in place over x although the op's second input is x
/// too, so `minimum_f32_in_place` got a `&mut` and a `&` to the same arena bytes. It must run
/// out of place (`assert_sound` checks the output overlaps no input).
#[test]
fn inplace_binary_same_input() {
    accepted("inplace_binary_same_input", |c| {
        assert_eq!(c.plan.in_place, vec![false]);
        assert_eq!(c.program.calls.len(), 1);
        assert!(
            !c.program.calls[0].in_place,
            "{}",
            c.program.calls[0].kernel.function
        );
    });
}

/// ADD(x, reshape(x)) in int8: the second input is a view of the first, same bytes.
#[test]
fn inplace_binary_view_input() {
    accepted("inplace_binary_view_input", |c| {
        assert_eq!(c.plan.in_place, vec![false, false]);
        assert_eq!(
            c.plan.storage[0], c.plan.storage[2],
            "the view shares x's bytes"
        );
        assert_ne!(c.plan.storage[3], c.plan.storage[0]);
    });
}

// --- Model outputs that live outside the arena ---------------------------------------------------

/// The model output is RESHAPE(constant): the plan stores it as the constant
/// (`Storage::Constant`), but `emit` reads every model output from the arena (`offset_of` gives
/// 0), so the generated `output()` was `arena.array::<f32, 0, 4>()` on a 0-byte arena: a const
/// evaluation error in the user's crate instead of a model that works or a clear error. It is
/// now rejected.
#[test]
fn output_is_view_of_constant() {
    rejected(
        "output_is_view_of_constant",
        "is a model output that is only a view of a constant",
    );
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

/// A fuzzed LEAKY_RELU (found by `fuzz/compare_tflm.py`) whose input scale is `f32::MAX` and
/// output scale 0.05: TFLM divides them in float32, gets infinity, and its rescale is undefined
/// (it printed -128 where embedml, with a zero multiplier, printed the zero point). Rejected.
#[test]
fn leaky_relu_scale_ratio_overflow() {
    rejected(
        "leaky_relu_scale_ratio_overflow",
        "the input scale over the output scale overflows float32",
    );
}
