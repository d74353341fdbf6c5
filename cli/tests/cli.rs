//! The `embedml` command run as a user runs it.

use std::process::Command;

fn embedml(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_embedml"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/models"))
        .output()
        .expect("run embedml");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inspect_lists_the_operators_and_the_arena() {
    let (status, out, _) = embedml(&["inspect", "hello_world_int8.tflite"]);
    assert_eq!(status, 0);
    assert_eq!(out.matches("| FULLY_CONNECTED |").count(), 3, "{out}");
    assert!(out.contains("arena 32 bytes"), "{out}");
    // 1x16 + 16x16 + 16x1 multiply-accumulates.
    assert!(out.contains("288 MACs"), "{out}");
}

#[test]
fn json_output_parses_and_agrees_with_the_compiler() {
    let (status, out, _) = embedml(&["inspect", "person_detect.tflite", "--json"]);
    assert_eq!(status, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/models/person_detect.tflite"
    ))
    .unwrap();
    let compiled = embedml_compiler::analyze(&bytes).unwrap();
    assert_eq!(v["arena_bytes"], compiled.plan.arena_bytes);
    assert_eq!(
        v["operators"].as_array().unwrap().len(),
        compiled.graph.ops.len()
    );
}

#[test]
fn fit_exits_zero_when_it_fits_and_one_when_not() {
    let (status, out, _) = embedml(&[
        "fit",
        "person_detect.tflite",
        "--ram",
        "64KiB",
        "--flash",
        "256KiB",
    ]);
    assert_eq!(status, 0, "{out}");
    assert!(out.ends_with("fits\n"), "{out}");
    let (status, out, _) = embedml(&["fit", "person_detect.tflite", "--ram", "32KiB"]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("DOES NOT FIT"), "{out}");
    let (status, out, _) = embedml(&[
        "fit",
        "person_detect.tflite",
        "--ram",
        "64KiB",
        "--flash",
        "100KiB",
        "--json",
    ]);
    assert_eq!(status, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["ram"]["fits"], true);
    assert_eq!(v["flash"]["fits"], false);
}

#[test]
fn plan_writes_the_svg_timeline() {
    let file = std::env::temp_dir().join(format!("embedml-plan-{}.svg", std::process::id()));
    let (status, out, _) = embedml(&[
        "plan",
        "mlperf/kws_ds_cnn.tflite",
        "--svg",
        file.to_str().unwrap(),
    ]);
    assert_eq!(status, 0);
    assert!(out.contains("output over input"), "{out}");
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<rect"));
    let _ = std::fs::remove_file(file);
}

#[test]
fn a_model_that_does_not_compile_gives_its_errors_and_status_one() {
    let (status, _, err) = embedml(&["inspect", "broken/lfs_pointer.tflite"]);
    assert_eq!(status, 1);
    assert!(err.contains("git lfs pull"), "{err}");
    let (status, _, err) = embedml(&["inspect", "no_such_file.tflite"]);
    assert_eq!(status, 2);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn help_and_sizes() {
    let (status, out, _) = embedml(&["--help"]);
    assert_eq!(status, 0);
    assert!(out.contains("inspect") && out.contains("plan") && out.contains("fit"));
    let (status, _, err) = embedml(&["fit", "hello_world_int8.tflite", "--ram", "lots"]);
    assert_eq!(status, 2);
    assert!(err.contains("not a size"), "{err}");
}

#[test]
fn expand_prints_the_generated_code_and_report_tables_a_folder() {
    let (status, out, _) = embedml(&["expand", "hello_world_int8.tflite"]);
    assert_eq!(status, 0);
    assert!(
        out.contains("pub struct Model") && out.contains("fn invoke_in"),
        "{out}"
    );
    let (status, out, _) = embedml(&["report", "mlperf"]);
    assert_eq!(status, 0);
    assert!(out.contains("| kws_ds_cnn | 12 |"), "{out}");
    assert_eq!(out.lines().count(), 2 + 4, "{out}");
}
