//! Build check for targets other than the Cortex-M4 firmware: the same models compiled for
//! `thumbv6m-none-eabi` (Cortex-M0+, RP2040: no DSP instructions, the portable kernels) and
//! `riscv32imc-unknown-none-elf` (ESP32-C3), and the README's front-page example as written,
//! for those and for `thumbv7em-none-eabihf`. `scripts/firmware-test.sh` builds it for all three.

#![no_std]

/// The crate's front page (core/README.md, the docs.rs page) example, verbatim, as a function.
pub mod front_page {
    include!(concat!(env!("OUT_DIR"), "/front_page.rs"));
}

/// The README's first example, verbatim (`build.rs` extracts it).
pub mod readme {
    include!(concat!(env!("OUT_DIR"), "/readme_example.rs"));

    /// The example's function, exported so that it is compiled for the target, not only
    /// checked (a change to the README's example that breaks this is meant to fail here).
    pub fn run(model: &mut MicroSpeech, features: &[i8; 1960]) -> [i8; 4] {
        classify(model, features)
    }
}

embedml::include_model!(pub MicroSpeech, "../../../tests/models/micro_speech_quantized.tflite");
embedml::include_model!(pub PersonDetect, "../../../tests/models/person_detect.tflite");

/// One inference of micro_speech on `features`, in a model kept by the caller (in a static).
pub fn classify(model: &mut MicroSpeech, features: &[i8; 1960]) -> [i8; 4] {
    model.input_mut().copy_from_slice(features);
    model.invoke();
    *model.output()
}

/// Logs a model's input with `defmt` (embedml's `defmt` feature).
pub fn log_input() {
    defmt::info!("input: {}", <MicroSpeech as embedml::Model>::INPUTS[0]);
}

/// One inference of person_detect in a shared arena.
pub fn detect(arena: &mut embedml::Arena<{ PersonDetect::ARENA_BYTES }>, image: &[i8; 9216]) -> [i8; 2] {
    PersonDetect::input_mut_in(arena).copy_from_slice(image);
    PersonDetect::invoke_in(arena);
    *PersonDetect::output_in(arena)
}
