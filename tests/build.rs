//! Writes `$OUT_DIR/kernel_interface.rs`: the compiler's declaration of every kernel, parameter
//! struct, field and table function of `embedml::kernels`, as code naming each with its type.
//! `tests/kernel_interface.rs` includes it, so a kernel, struct or field renamed in `core` (or
//! declared wrongly in the compiler) fails this crate's build, not a user's.
//!
//! Also copies a model to `$OUT_DIR/generated_model.tflite`, as a build script that generates
//! or downloads its model would, for `include_model!(.., out_dir = ..)` (tests/out_dir_model.rs).

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = embedml_compiler::kernel::interface_check().to_string();
    std::fs::write(out.join("kernel_interface.rs"), code).expect("write kernel_interface.rs");
    std::fs::copy(
        "models/hello_world_int8.tflite",
        out.join("generated_model.tflite"),
    )
    .expect("copy the model to OUT_DIR");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=models/hello_world_int8.tflite");
}
