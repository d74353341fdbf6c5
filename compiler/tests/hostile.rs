//! The hostile-model suite: every model in `tests/models/hostile/` goes through the compiler and
//! must end as `tests/models/hostile/expected.txt` says (an error containing a text, success,
//! success on a 64-bit host with a given arena, or success that is a known gap). The models and
//! the manifest come from `tests/tools/make_hostile_models.py`; its docstring says what each
//! case is about.
//!
//! The big cases (op counts and weights of tens of MiB, not committed) run with
//!
//! ```text
//! python3 tests/tools/make_hostile_models.py --big
//! cargo test -p embedml-compiler --test hostile -- --ignored
//! ```
//!
//! (`EMBEDML_HOSTILE_BIG` names another folder than `target/hostile`).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn folder() -> PathBuf {
    root().join("tests/models/hostile")
}

/// What the compiler must do with a model.
#[derive(Debug)]
enum Expect {
    Error(String),
    Ok,
    AcceptedOnHost { arena_bytes: usize },
    Issue(String),
}

struct Case {
    name: String,
    big: bool,
    expect: Expect,
}

fn manifest() -> Vec<Case> {
    let path = folder().join("expected.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields: Vec<&str> = line.split('\t').collect();
            let name = fields.remove(0).to_owned();
            let big = fields.first() == Some(&"big");
            if big {
                fields.remove(0);
            }
            let [expect] = fields[..] else {
                panic!("expected.txt: malformed line {line:?}");
            };
            let expect = if expect == "ok" {
                Expect::Ok
            } else if let Some(text) = expect.strip_prefix("error: ") {
                Expect::Error(text.to_owned())
            } else if let Some(bytes) = expect.strip_prefix("accepted on host: ") {
                Expect::AcceptedOnHost {
                    arena_bytes: bytes.parse().expect("an arena size"),
                }
            } else if let Some(why) = expect.strip_prefix("issue: ") {
                Expect::Issue(why.to_owned())
            } else {
                panic!("expected.txt: unknown expectation in {line:?}");
            };
            Case { name, big, expect }
        })
        .collect()
}

fn target() -> embedml_compiler::emit::Target<'static> {
    embedml_compiler::emit::Target {
        visibility: quote::quote!(pub),
        name: quote::format_ident!("Model"),
        model_path: None,
        instance: 0,
    }
}

/// Runs one case; `Err` says how the compiler's outcome differs from the expectation. Accepted
/// small models also go through code generation.
fn run(case: &Case, bytes: &[u8]) -> Result<(), String> {
    let outcome = embedml_compiler::analyze(bytes);
    let accepted = |outcome: &Result<embedml_compiler::Compiled, _>| match outcome {
        Ok(_) if case.big => Ok(()),
        Ok(_) => embedml_compiler::compile(bytes, &target())
            .map(drop)
            .map_err(|e| format!("analyze accepts it but compile fails: {e}")),
        Err(e) => Err(format!("rejected: {e}")),
    };
    match &case.expect {
        Expect::Error(text) => match outcome {
            Ok(_) => Err(format!("accepted; expected an error containing {text:?}")),
            Err(e) if e.to_string().contains(text.as_str()) => Ok(()),
            Err(e) => Err(format!("expected an error containing {text:?}, got: {e}")),
        },
        Expect::Ok => accepted(&outcome),
        Expect::Issue(why) => accepted(&outcome).map_err(|e| {
            format!("{e} (a known issue case: {why}; if it is fixed, update the generator)")
        }),
        Expect::AcceptedOnHost { arena_bytes } => {
            if cfg!(target_pointer_width = "64") {
                accepted(&outcome)?;
                let plan = &outcome.as_ref().map_err(|e| e.to_string())?.plan;
                if plan.arena_bytes != *arena_bytes {
                    return Err(format!(
                        "arena of {} bytes; expected {arena_bytes}",
                        plan.arena_bytes
                    ));
                }
            }
            Ok(())
        }
    }
}

fn run_all(cases: &[&Case], folder: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let path = folder.join(format!("{}.tflite", case.name));
        match std::fs::read(&path) {
            Ok(bytes) => {
                if let Err(e) = run(case, &bytes) {
                    failures.push(format!("{}: {e}", case.name));
                }
            }
            Err(e) if case.big => eprintln!("{}: skipped ({e})", path.display()),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    failures
}

#[test]
fn committed_hostile_models() {
    let cases = manifest();
    let small: Vec<&Case> = cases.iter().filter(|c| !c.big).collect();
    assert!(small.len() > 30, "the manifest lists {} cases", small.len());
    let mut failures = run_all(&small, &folder());
    // Every committed model is in the manifest.
    for entry in std::fs::read_dir(folder()).expect("tests/models/hostile") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "tflite") {
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            if !small.iter().any(|c| c.name == name) {
                failures.push(format!("{}: not in expected.txt", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "needs the big models: python3 tests/tools/make_hostile_models.py --big"]
fn big_hostile_models() {
    let dir = std::env::var_os("EMBEDML_HOSTILE_BIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/hostile"));
    let cases = manifest();
    let big: Vec<&Case> = cases.iter().filter(|c| c.big).collect();
    let failures = run_all(&big, &dir);
    assert!(
        failures.is_empty(),
        "{} big hostile case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
