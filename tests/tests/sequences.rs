//! Stateful models against TFLM over whole streams: one model value runs every step of the
//! stored input stream, carrying its state, with `reset()` where TFLM's one interpreter called
//! `Reset()` (tests/golden/sequences/, made by the scripts in tests/tools/).

use embedml::Model;
use embedml_tests::check_sequence_against_tflm;

// TFLM's keyword benchmark cut to its SVDF/FULLY_CONNECTED stack (int8 state), and one SVDF
// layer with int16 state (tests/tools/make_svdf_models.py).
embedml::include_model!(SvdfStack, "../models/streaming/svdf_stack_int8.tflite");
embedml::include_model!(SvdfInt16State, "../models/streaming/svdf_int16_state.tflite");

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
