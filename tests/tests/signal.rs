//! TFLM's signal library (the custom operators of micro_speech's audio front end) against TFLM
//! over a real audio stream: spoken words, silence, noise, a quiet word, a DC offset and a
//! clipped word, framed as micro_speech frames it, run on ONE model value frame after frame with
//! a reset part-way (tests/golden/sequences/audio_*, made by tests/tools/make_audio_goldens.py).
//!
//! The two models are cut from tests/models/audio_preprocessor_int8.tflite, so that every
//! signal operator's output is compared: `AudioSpectrum` is its operators #0..#4 (window, FFT
//! auto-scale, RFFT, energy), `AudioFilterbank` its operators #9..#13 (filter bank, square
//! root, spectral subtraction and its noise estimates, PCAN, log), fed with what TFLM's whole
//! preprocessor computes for their inputs at each frame. `Preprocessor` is the whole model, audio
//! in and features out, over the same stream.

use embedml::{ElementType, Model};
use embedml_tests::check_sequence_against_tflm;

embedml::include_model!(AudioSpectrum, "../models/audio/audio_spectrum.tflite");
embedml::include_model!(AudioFilterbank, "../models/audio/audio_filterbank.tflite");
embedml::include_model!(Preprocessor, "../models/audio_preprocessor_int8.tflite");

#[test]
fn window_auto_scale_rfft_and_energy_are_bit_exact_over_audio() {
    check_sequence_against_tflm::<AudioSpectrum>("audio_spectrum");
}

#[test]
fn filter_bank_to_log_are_bit_exact_over_audio() {
    check_sequence_against_tflm::<AudioFilterbank>("audio_filterbank");
}

#[test]
fn the_whole_preprocessor_is_bit_exact_over_audio() {
    check_sequence_against_tflm::<Preprocessor>("audio_preprocessor_int8");
}

#[test]
fn spectral_subtraction_keeps_its_noise_estimates_as_state() {
    // 40 uint32 noise estimates, outside the arena.
    assert_eq!(AudioFilterbank::STATE_BYTES, 40 * 4);
    assert_eq!(AudioSpectrum::STATE_BYTES, 0);
    assert_eq!(AudioFilterbank::INPUTS[0].element_type, ElementType::UInt32);
    assert_eq!(
        AudioFilterbank::OUTPUTS[0].element_type,
        ElementType::UInt64
    );
}
