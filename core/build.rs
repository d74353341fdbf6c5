//! Chooses the backend of the int8 multiply-accumulate primitives (`src/kernels/arch/`): sets
//! `cfg(embedml_backend = "...")` to exactly one value per target.
//!
//! - `"armv7em"`: Armv7E-M targets (Cortex-M4, M7), whose DSP extension has `SXTB16`/`SMLAD`.
//!   Stable Rust does not expose Arm target features to `cfg`, so `target_feature = "dsp"` is
//!   never set there; every Armv7E-M core has the DSP extension, so the target name says enough.
//!   Elsewhere on Arm the feature list decides, when the compiler shares it.
//! - `"portable"`: everything else.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(embedml_backend, values(\"armv7em\", \"portable\"))");
    println!("cargo::rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let arm = var("CARGO_CFG_TARGET_ARCH") == "arm";
    let armv7em = var("TARGET").starts_with("thumbv7em");
    let dsp_feature = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "dsp");
    let backend = if arm && (armv7em || dsp_feature) {
        "armv7em"
    } else {
        "portable"
    };
    println!("cargo::rustc-cfg=embedml_backend=\"{backend}\"");
}
