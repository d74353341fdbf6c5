//! Times each pass of `embedml_compiler::analyze` (read, validate, plan, lower) on the given
//! models, then code generation (`emit`, and the tokens as the text rustc parses), and prints one
//! line per model; `scripts/build-cost.sh` runs it under `/usr/bin/time`. With `--analyze` it
//! stops after `lower`.
//!
//! `cargo run -p embedml-compiler --example analyze_cost -- [--analyze] MODEL.tflite...`

use embedml_compiler::{emit, lower, plan, tflite, validate};
use std::time::{Duration, Instant};

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

fn main() {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    let analyze_only = paths.first().is_some_and(|a| a == "--analyze");
    if analyze_only {
        paths.remove(0);
    }
    if paths.is_empty() {
        eprintln!("usage: analyze_cost [--analyze] MODEL.tflite...");
        std::process::exit(2);
    }
    let mut status = 0;
    for path in paths {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
        let (graph, read) = timed(|| tflite::read(&bytes));
        let graph = match graph {
            Ok(graph) => graph,
            Err(e) => {
                println!("{path}: read {}: {e}", ms(read));
                status = 1;
                continue;
            }
        };
        let (steps, validated) = timed(|| validate::validate(&graph));
        let steps = match steps {
            Ok(steps) => steps,
            Err(e) => {
                println!("{path}: read {}, validate {}: {e}", ms(read), ms(validated));
                status = 1;
                continue;
            }
        };
        let access: Vec<plan::Access> = steps.iter().map(|s| validate::access(s, &graph)).collect();
        let (memory, planned) = timed(|| plan::plan(&graph, &access));
        let (calls, lowered) = timed(|| lower::lower(&graph, &steps, &memory));
        let calls = match calls {
            Ok(calls) => calls,
            Err(e) => {
                println!("{path}: lower {}: {e}", ms(lowered));
                status = 1;
                continue;
            }
        };
        let emitted = if analyze_only {
            String::new()
        } else {
            let program = emit::Program {
                graph: &graph,
                plan: &memory,
                calls: &calls,
            };
            let target = emit::Target {
                visibility: quote::quote!(pub),
                name: quote::format_ident!("Model"),
                model_path: None,
            };
            let (tokens, emitting) = timed(|| emit::emit(&program, &target));
            let (text, printing) = timed(|| tokens.to_string());
            format!(
                ", emit {}, to text {} ({} bytes of tokens)",
                ms(emitting),
                ms(printing),
                text.len()
            )
        };
        println!(
            "{path}: {} ops, {} tensors, arena {} bytes: read {}, validate {}, plan {}, lower {}{emitted}",
            graph.ops.len(),
            graph.tensors.len(),
            memory.arena_bytes,
            ms(read),
            ms(validated),
            ms(planned),
            ms(lowered),
        );
    }
    std::process::exit(status);
}
