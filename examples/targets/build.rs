//! Writes the repository README's first Rust example to `$OUT_DIR/readme_example.rs`, and the
//! crate's own front page (`core/README.md`, the docs.rs page) as the body of a function in
//! `$OUT_DIR/front_page.rs`, with the models they name beside them in `$OUT_DIR/models/`, so that
//! `src/lib.rs` builds that exact code for the bare-metal targets: both stay `no_std`-clean.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let first_example = |file: &str| {
        let text = std::fs::read_to_string(root.join(file)).expect("the README");
        let start = text.find("```rust\n").expect("a ```rust block") + "```rust\n".len();
        let end = start + text[start..].find("```").expect("the block's end");
        text[start..end].to_owned()
    };
    std::fs::write(out.join("readme_example.rs"), first_example("README.md")).expect("write");
    let front_page = format!("pub fn front_page() {{\n{}}}\n", first_example("core/README.md"));
    std::fs::write(out.join("front_page.rs"), front_page).expect("write");
    std::fs::create_dir_all(out.join("models")).expect("models folder");
    for model in ["micro_speech_quantized.tflite", "hello_world_int8.tflite"] {
        std::fs::copy(root.join("tests/models").join(model), out.join("models").join(model))
            .expect("copy an example's model");
    }
    println!("cargo::rerun-if-changed=../../README.md");
    println!("cargo::rerun-if-changed=../../core/README.md");
}
