//! Stateful models against TFLM over whole streams: one model value runs every step of the
//! stored input stream, carrying its state, with `reset()` where TFLM's one interpreter called
//! `Reset()` (tests/golden/sequences/, made by the scripts in tests/tools/).

use embedml::Model;
use embedml_tests::check_sequence_against_tflm;

// TFLM's keyword benchmark cut to its SVDF/FULLY_CONNECTED stack (int8 state), and one SVDF
// layer with int16 state (tests/tools/make_svdf_models.py).
embedml::include_model!(SvdfStack, "../models/streaming/svdf_stack_int8.tflite");
embedml::include_model!(
    SvdfInt16State,
    "../models/streaming/svdf_int16_state.tflite"
);

#[test]
fn svdf_stack_int8_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<SvdfStack>("svdf_stack_int8");
}

#[test]
fn svdf_int16_state_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<SvdfInt16State>("svdf_int16_state");
}

#[test]
fn state_lives_outside_the_arena() {
    // Four SVDF layers of 512 int8 state values.
    assert_eq!(SvdfStack::STATE_BYTES, 4 * 512);
    assert_eq!(<SvdfStack as Model>::STATE_BYTES, SvdfStack::STATE_BYTES);
    assert_eq!(SvdfInt16State::STATE_BYTES, 512 * 2);
}

// Streaming models built with TensorFlow (tests/tools/make_streaming_models.py; goldens by
// tests/tools/make_sequence_goldens.py): resource variables with a CALL_ONCE init subgraph, an
// int8 input and a uint8 output, as ESPHome's microWakeWord models are.
embedml::include_model!(StreamingConv, "../models/streaming/streaming_conv.tflite");
embedml::include_model!(
    StreamingMixConv,
    "../models/streaming/streaming_mixconv.tflite"
);
embedml::include_model!(
    VariableInitProbe,
    "../models/streaming/variable_init_probe.tflite"
);
embedml::include_model!(SvdfInt8, "../models/streaming/svdf_int8.tflite");
embedml::include_model!(SvdfFloat, "../models/streaming/svdf_float.tflite");
embedml::include_model!(
    SplitPackUnpack,
    "../models/streaming/split_pack_unpack.tflite"
);
embedml::include_model!(KeywordScrambled, "../models/keyword_scrambled_8bit.tflite");

#[test]
fn streaming_conv_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<StreamingConv>("streaming_conv");
}

#[test]
fn streaming_mixconv_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<StreamingMixConv>("streaming_mixconv");
}

#[test]
fn a_variable_initialised_by_call_once_is_not_initialised_again_by_reset() {
    // Its init subgraph assigns non-zero values; TFLM's Reset() gives the zero-point fill, so
    // the steps after the second reset differ from the stream's first steps.
    check_sequence_against_tflm::<VariableInitProbe>("variable_init_probe");
}

#[test]
fn svdf_int8_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<SvdfInt8>("svdf_int8");
}

#[test]
fn svdf_float_is_within_tolerance_over_a_sequence() {
    check_sequence_against_tflm::<SvdfFloat>("svdf_float");
}

#[test]
fn split_pack_unpack_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<SplitPackUnpack>("split_pack_unpack");
}

#[test]
fn keyword_scrambled_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<KeywordScrambled>("keyword_scrambled_8bit");
}

// UNIDIRECTIONAL_SEQUENCE_LSTM alone (tests/tools/make_lstm_goldens.py): the LSTM of the TFLM
// mnist_lstm example, and synthetic ones with the sizes, scales, zero points, clips, layouts and
// cell scales (power-of-two shifts either way into the cell's tanh) that the kernel must get
// right; each one TFLM interpreter over 130 invokes with two resets.
embedml::include_model!(LstmMnistInt8, "../models/lstm/mnist_int8.tflite");
embedml::include_model!(LstmSyntheticInt8, "../models/lstm/synthetic_int8.tflite");
embedml::include_model!(
    LstmTimeMajorInt8,
    "../models/lstm/synthetic_int8_time_major.tflite"
);
embedml::include_model!(
    LstmWideCellInt8,
    "../models/lstm/synthetic_int8_wide_cell.tflite"
);
embedml::include_model!(LstmMnistFloat, "../models/lstm/mnist_float.tflite");
embedml::include_model!(
    LstmTimeMajorFloat,
    "../models/lstm/synthetic_float_time_major.tflite"
);
// The whole mnist_lstm example: LSTM, RESHAPE, FULLY_CONNECTED, SOFTMAX.
embedml::include_model!(TrainedLstm, "../models/trained_lstm_int8.tflite");

#[test]
fn lstm_mnist_int8_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<LstmMnistInt8>("mnist_int8");
}

#[test]
fn lstm_batch_major_int8_is_bit_exact_over_a_sequence() {
    // Batch 2, non-zero zero points, cell scale 2^-11, no clip.
    check_sequence_against_tflm::<LstmSyntheticInt8>("synthetic_int8");
}

#[test]
fn lstm_time_major_int8_with_clip_is_bit_exact_over_a_sequence() {
    // Time-major batch 3, cell scale 2^-15 (a right shift into tanh), clip 0.75.
    check_sequence_against_tflm::<LstmTimeMajorInt8>("synthetic_int8_time_major");
}

#[test]
fn lstm_wide_cell_int8_is_bit_exact_over_a_sequence() {
    // Cell scale 2^-9 (a left shift into tanh), clip 3, state zero point 100.
    check_sequence_against_tflm::<LstmWideCellInt8>("synthetic_int8_wide_cell");
}

#[test]
fn lstm_mnist_float_matches_tflm_over_a_sequence() {
    check_sequence_against_tflm::<LstmMnistFloat>("mnist_float");
}

/// The float kernel performs TFLM's operations in TFLM's order; only `expf` and `tanhf` (libm's,
/// not the C library's) may differ by an ulp, and this model's large synthetic weights (up to
/// about 10) amplify that through the recurrence: the worst error over this sequence is 1.64e-4
/// on outputs in (-1, 1), sporadic, not growing along the sequence (mnist_float, with trained
/// weights, stays within 7e-7 and the default tolerance).
const AMPLIFIED_FLOAT_TOLERANCE: f32 = 3e-4;

#[test]
fn lstm_time_major_float_with_clip_matches_tflm_over_a_sequence() {
    embedml_tests::check_sequence_against_tflm_within::<LstmTimeMajorFloat>(
        "synthetic_float_time_major",
        AMPLIFIED_FLOAT_TOLERANCE,
        0.0,
    );
}

#[test]
fn trained_lstm_int8_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<TrainedLstm>("trained_lstm_int8");
}

#[test]
fn lstm_state_is_the_output_and_cell_state() {
    // mnist: 20 units, batch 1: an int8 output state and an int16 cell state.
    assert_eq!(LstmMnistInt8::STATE_BYTES, 20 + 20 * 2);
    assert_eq!(TrainedLstm::STATE_BYTES, 20 + 20 * 2);
    // Float: both float32.
    assert_eq!(LstmMnistFloat::STATE_BYTES, 20 * 4 * 2);
    // Batch 3, 6 units.
    assert_eq!(LstmTimeMajorInt8::STATE_BYTES, 3 * 6 * 3);
}

// Keras LSTM layers converted by TensorFlow (tf-keras; tests/tools/make_streaming_models.py):
// UNIDIRECTIONAL_SEQUENCE_LSTM with its state carried across invokes, int8 and float32.
embedml::include_model!(KerasLstmInt8, "../models/streaming/lstm_int8.tflite");
embedml::include_model!(KerasLstmFloat, "../models/streaming/lstm_float.tflite");

#[test]
fn keras_lstm_int8_is_bit_exact_over_a_sequence() {
    check_sequence_against_tflm::<KerasLstmInt8>("lstm_int8");
}

#[test]
fn keras_lstm_float_is_within_tolerance_over_a_sequence() {
    check_sequence_against_tflm::<KerasLstmFloat>("lstm_float");
}
