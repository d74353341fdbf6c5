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

// Streaming models built with TensorFlow (tests/tools/make_streaming_models.py; goldens by
// tests/tools/make_sequence_goldens.py): resource variables with a CALL_ONCE init subgraph, an
// int8 input and a uint8 output, as ESPHome's microWakeWord models are.
embedml::include_model!(StreamingConv, "../models/streaming/streaming_conv.tflite");
embedml::include_model!(StreamingMixConv, "../models/streaming/streaming_mixconv.tflite");
embedml::include_model!(VariableInitProbe, "../models/streaming/variable_init_probe.tflite");
embedml::include_model!(SvdfInt8, "../models/streaming/svdf_int8.tflite");
embedml::include_model!(SvdfFloat, "../models/streaming/svdf_float.tflite");
embedml::include_model!(SplitPackUnpack, "../models/streaming/split_pack_unpack.tflite");
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
