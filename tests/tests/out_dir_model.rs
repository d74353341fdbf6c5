//! A model a build script wrote to `OUT_DIR` (tests/build.rs copies one there), compiled with
//! `include_model!(.., out_dir = ..)`, gives TFLM's outputs.

use embedml_tests::check_against_tflm;

embedml::include_model!(Generated, out_dir = "generated_model.tflite");

#[test]
fn a_model_in_out_dir_compiles_and_is_bit_exact() {
    check_against_tflm::<Generated>("hello_world_int8");
}
