//! Snapshot of the generated code for a small model, so codegen changes show up in review.
//!
//! Regenerate with `EMBEDML_UPDATE_SNAPSHOTS=1 cargo test -p embedml-compiler --test codegen`.

use std::path::Path;

fn expand(model: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/models")
        .join(model);
    let bytes = std::fs::read(&path).expect("model file");
    let target = embedml_compiler::emit::Target {
        visibility: quote::quote!(pub),
        name: quote::format_ident!("HelloWorld"),
        model_path: None,
        instance: 0,
    };
    let tokens = embedml_compiler::compile(&bytes, &target).expect("model compiles");
    prettyplease::unparse(&syn::parse2(tokens).expect("generated code parses as a file"))
}

#[test]
fn hello_world_int8_expansion_is_unchanged() {
    let expansion = expand("hello_world_int8.tflite");
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/hello_world_int8.rs");
    if std::env::var_os("EMBEDML_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &expansion).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&snapshot)
        .expect("snapshot file (set EMBEDML_UPDATE_SNAPSHOTS=1 to create it)");
    assert!(
        expansion == expected,
        "generated code changed; review it and update the snapshot:\n{expansion}"
    );
}
