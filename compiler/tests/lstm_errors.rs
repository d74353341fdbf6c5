//! UNIDIRECTIONAL_SEQUENCE_LSTMs embedml cannot run as TFLM does are errors that name the
//! operator, what is unsupported and what to do. The models are tests/models/lstm/mnist_int8
//! with one thing broken each (tests/models/lstm/broken/, made by
//! tests/tools/make_lstm_goldens.py).

use std::path::PathBuf;

fn error_of(case: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/models/lstm/broken")
        .join(format!("{case}.tflite"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match embedml_compiler::analyze(&bytes) {
        Ok(_) => panic!("{case}: accepted"),
        Err(e) => e.to_string(),
    }
}

/// Asserts the error names operator 0 and contains every one of `parts`.
fn assert_error(case: &str, parts: &[&str]) {
    let error = error_of(case);
    assert!(
        error.contains("UNIDIRECTIONAL_SEQUENCE_LSTM"),
        "{case}: {error}"
    );
    assert!(error.contains("#0"), "{case}: {error}");
    for part in parts {
        assert!(error.contains(part), "{case}: no {part:?} in: {error}");
    }
}

#[test]
fn peepholes_are_named_with_what_to_do() {
    assert_error("peephole", &["peephole weights", "without peepholes"]);
}

#[test]
fn a_cell_state_that_is_not_a_variable_is_named() {
    assert_error(
        "cell_state_not_variable",
        &["cell state is not a variable tensor", "stateful LSTM"],
    );
}

#[test]
fn per_channel_weights_are_named() {
    assert_error("per_channel_weights", &["per-tensor", "quantize the LSTM"]);
}

#[test]
fn a_cell_activation_other_than_tanh_is_named() {
    assert_error("relu_cell_activation", &["code 1", "TANH"]);
}

#[test]
fn diagonal_recurrent_weights_are_named() {
    assert_error("diagonal_recurrent", &["diagonal_recurrent_tensors"]);
}

#[test]
fn the_standard_lstms_compile() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/models/lstm");
    for name in [
        "mnist_int8",
        "synthetic_int8",
        "synthetic_int8_time_major",
        "synthetic_int8_wide_cell",
        "mnist_float",
        "synthetic_float_time_major",
    ] {
        let bytes = std::fs::read(dir.join(format!("{name}.tflite"))).unwrap();
        let compiled = embedml_compiler::analyze(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The output state and the cell state, outside the arena.
        assert_eq!(compiled.state.slots.len(), 2, "{name}");
    }
}
