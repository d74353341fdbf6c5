//! Prints a markdown table of the memory plan of every model in the given folders: the arena
//! `include_model!` gives each model (by default and with `memory = "min"`), the no-overlap
//! lower bound, and the ops that run in place or with their output over their input.
//!
//! `cargo run -p embedml-compiler --example plan_report -- tests/models tests/fixtures`

fn main() {
    let folders: Vec<String> = std::env::args().skip(1).collect();
    if folders.is_empty() {
        eprintln!("usage: plan_report FOLDER...");
        std::process::exit(2);
    }
    println!(
        "| model | ops | ARENA_BYTES | with memory = \"min\" | no-overlap bound | in place | overlapped |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for folder in folders {
        let mut paths: Vec<_> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{folder}: {e}"))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "tflite"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let min = embedml_compiler::Options {
                memory: embedml_compiler::Memory::Min,
            };
            match (
                embedml_compiler::analyze(&bytes),
                embedml_compiler::analyze_with(&bytes, min),
            ) {
                (Ok(c), Ok(m)) => println!(
                    "| {name} | {} | {} | {} | {} | {} | {} |",
                    c.graph.ops.len(),
                    c.plan.arena_bytes,
                    m.plan.arena_bytes,
                    c.plan.lower_bound,
                    c.plan.in_place.iter().filter(|&&p| p).count(),
                    c.plan.overlap.iter().filter(|o| o.is_some()).count()
                ),
                _ => println!("| {name} | | not supported | | | | |"),
            }
        }
    }
}
