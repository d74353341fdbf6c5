//! Times each pass of `embedml_compiler::analyze` (read, check, plan, lower, verify) on the given
//! models, then code generation (`emit`, and the tokens as the text rustc parses), and prints one
//! line per model; `scripts/build-cost.sh` runs it under `/usr/bin/time`. With `--analyze` it
//! stops after `lower`.
//!
//! `cargo run -p embedml-compiler --example analyze_cost -- [--analyze] MODEL.tflite...`

use embedml_compiler::program::AddressSpace;
use embedml_compiler::{Compiled, emit, ops, plan, tflite};
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
        let (steps, validated) =
            timed(|| ops::check(&graph, &Default::default(), &Default::default()));
        let steps = match steps {
            Ok(steps) => steps,
            Err(e) => {
                println!("{path}: read {}, validate {}: {e}", ms(read), ms(validated));
                status = 1;
                continue;
            }
        };
        let access: Vec<plan::Access> = steps.iter().map(ops::Step::access).collect();
        let scratch: Vec<usize> = steps.iter().map(ops::Step::scratch_bytes).collect();
        let overlaps: Vec<Option<plan::Overlap>> = steps.iter().map(ops::Step::overlap).collect();
        let (memory, planned) = timed(|| plan::plan(&graph, &access, &scratch, &overlaps));
        let (program, lowered) = timed(|| ops::lower(&graph, &Default::default(), &steps, &memory));
        let program = match program {
            Ok(program) => program,
            Err(e) => {
                println!("{path}: lower {}: {e}", ms(lowered));
                status = 1;
                continue;
            }
        };
        let (ops_count, tensors, arena) =
            (graph.ops.len(), graph.tensors.len(), memory.arena_bytes);
        let compiled = Compiled {
            graph,
            state: Default::default(),
            steps,
            plan: memory,
            program,
        };
        let (verified, verifying) = timed(|| compiled.verify(AddressSpace::HOST));
        if let Err(e) = verified {
            println!("{path}: verify {}: {e}", ms(verifying));
            status = 1;
            continue;
        }
        let emitted = if analyze_only {
            String::new()
        } else {
            let target = emit::Target {
                visibility: quote::quote!(pub),
                name: quote::format_ident!("Model"),
                model_path: None,
                instance: 0,
            };
            let (tokens, emitting) = timed(|| emit::emit(&compiled, &target));
            let Ok(tokens) = tokens else {
                println!("{path}: emit failed");
                status = 1;
                continue;
            };
            let (text, printing) = timed(|| tokens.to_string());
            format!(
                ", emit {}, to text {} ({} bytes of tokens)",
                ms(emitting),
                ms(printing),
                text.len()
            )
        };
        println!(
            "{path}: {ops_count} ops, {tensors} tensors, arena {arena} bytes: read {}, check {}, plan {}, lower {}, verify {}{emitted}",
            ms(read),
            ms(validated),
            ms(planned),
            ms(lowered),
            ms(verifying),
        );
    }
    std::process::exit(status);
}
