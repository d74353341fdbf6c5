//! The generated code's checked views stop an unsound memory plan when the user's crate builds.
//!
//! Each case takes a real model through the compiler, breaks its program the way a planner bug
//! would (without `Program::verify`, which would refuse it first), emits it, and builds the
//! expansion in a scratch crate with `cargo check`: the build must fail at const evaluation with a
//! message naming the operator. The unbroken expansion must build, so a failure means the check
//! caught the bug, not that the scratch crate is broken.

use std::path::{Path, PathBuf};
use std::process::Command;

use embedml_compiler::program::Program;

fn expansion(break_plan: impl FnOnce(&mut Program)) -> String {
    expansion_of("models/hello_world_int8.tflite", break_plan)
}

/// [`expansion`] of the model at `model` (relative to the tests crate).
fn expansion_of(model: &str, break_plan: impl FnOnce(&mut Program)) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(model);
    let bytes = std::fs::read(&path).expect("model file");
    let mut compiled = embedml_compiler::analyze(&bytes).expect("the model compiles");
    break_plan(&mut compiled.program);
    let target = embedml_compiler::emit::Target {
        visibility: quote::quote!(pub),
        name: quote::format_ident!("HelloWorld"),
        model_path: None,
        instance: 0,
    };
    embedml_compiler::emit::emit(&compiled, &target)
        .expect("emit")
        .to_string()
}

/// `cargo check` of a crate whose `lib.rs` is `code`: `Ok(())` or the compiler's messages.
fn check(code: &str) -> Result<(), String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("checked-views");
    std::fs::create_dir_all(dir.join("src")).expect("scratch crate directory");
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core");
    let manifest = format!(
        "[package]\nname = \"checked-views-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nembedml = {{ path = {:?} }}\n\n[workspace]\n",
        core.canonicalize().expect("core path")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    std::fs::write(dir.join("src/lib.rs"), code).expect("write lib.rs");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--message-format", "short"])
        .current_dir(&dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn planner_bugs_fail_the_users_build_naming_the_operator() {
    // The control: the expansion as the compiler makes it builds.
    check(&expansion(|_| {})).expect("the unbroken expansion builds");

    // Operator #1 writes over the input it reads.
    let overlap = expansion(|p| {
        let call = &mut p.calls[1];
        let embedml_compiler::program::Operand::Arena(input) = call.reads[0] else {
            panic!("op 1 reads the arena");
        };
        call.write.offset = input.offset;
    });
    let error = check(&overlap).expect_err("an overlapping output must not build");
    assert!(
        error.contains("operator #1 (FULLY_CONNECTED): its output overlaps an operand it reads"),
        "{error}"
    );

    // The arena is reported 16 bytes short (the AddressSanitizer case of the issue).
    let short = expansion(|p| p.arena_bytes -= 16);
    let error = check(&short).expect_err("a short arena must not build");
    assert!(
        error.contains("operator #0 (FULLY_CONNECTED): an operand lies outside the arena"),
        "{error}"
    );

    // A misaligned float view cannot be made from this int8 model; an operand past the end can.
    let outside = expansion(|p| p.calls[2].write.offset = p.arena_bytes);
    let error = check(&outside).expect_err("an operand past the arena must not build");
    assert!(
        error.contains("operator #2 (FULLY_CONNECTED): an operand lies outside the arena"),
        "{error}"
    );

    // Three arena inputs (SELECT_V2's `Op3`): the output written over the third.
    let select = expansion_of("fixtures/where_greater_int8.tflite", |p| {
        let call = &mut p.calls[1];
        let embedml_compiler::program::Operand::Arena(input) = call.reads[2] else {
            panic!("op 1 reads the arena");
        };
        call.write.offset = input.offset;
    });
    let error = check(&select).expect_err("an overlapping output must not build");
    assert!(
        error.contains("operator #1 (SELECT_V2): its output overlaps an operand it reads"),
        "{error}"
    );
}
