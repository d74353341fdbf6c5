//! Writes the README's first Rust example to `$OUT_DIR/readme_example.rs` (with the model it
//! names beside it, in `$OUT_DIR/models/`), so that `src/lib.rs` builds that exact code for the
//! bare-metal targets: the front-page example stays `no_std`-clean.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let start = readme.find("```rust\n").expect("a ```rust block in the README") + "```rust\n".len();
    let end = start + readme[start..].find("```").expect("the block's end");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("readme_example.rs"), &readme[start..end]).expect("write the example");
    std::fs::create_dir_all(out.join("models")).expect("models folder");
    std::fs::copy(
        root.join("tests/models/micro_speech_quantized.tflite"),
        out.join("models/micro_speech_quantized.tflite"),
    )
    .expect("copy the example's model");
    println!("cargo::rerun-if-changed=../../README.md");
}
