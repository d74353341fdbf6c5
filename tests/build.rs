//! Writes `$OUT_DIR/kernel_interface.rs`: the compiler's declaration of every kernel, parameter
//! struct, field and table function of `embedml::kernels`, as code naming each with its type.
//! `tests/kernel_interface.rs` includes it, so a kernel, struct or field renamed in `core` (or
//! declared wrongly in the compiler) fails this crate's build, not a user's.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = embedml_compiler::kernel::interface_check().to_string();
    std::fs::write(out.join("kernel_interface.rs"), code).expect("write kernel_interface.rs");
    println!("cargo::rerun-if-changed=build.rs");
}
