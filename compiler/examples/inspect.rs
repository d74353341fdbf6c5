//! Prints what embedml makes of a `.tflite` file: ops, memory plan, or the errors.
//!
//! `cargo run -p embedml-compiler --example inspect -- model.tflite [--expand] [--svg FILE]`
//!
//! Prints each operator with the tensors alive in the arena while it runs (offsets, sizes, and
//! whether its output overlaps its input); `--svg FILE` also writes the plan as a timeline
//! picture (operators across, arena offsets down).

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: inspect MODEL.tflite [--expand]");
        std::process::exit(2);
    };
    let rest: Vec<String> = args.collect();
    let expand = rest.iter().any(|a| a == "--expand");
    let svg = rest
        .iter()
        .position(|a| a == "--svg")
        .and_then(|i| rest.get(i + 1).cloned());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    match embedml_compiler::analyze(&bytes) {
        Ok(compiled) => {
            let graph = &compiled.graph;
            for (at, op) in graph.ops.iter().enumerate() {
                // The op, then every tensor alive in the arena while it runs.
                let memory = compiled.plan.at(graph, at);
                let used: usize = memory.tensors.iter().map(|&(_, _, b)| b).sum::<usize>()
                    + memory.scratch.map_or(0, |(_, b)| b);
                let overlap = memory
                    .overlap
                    .map(|o| format!(", output overlaps input (gap {} B)", o.gap))
                    .unwrap_or_default();
                println!("#{:<3} {} ({used} B live{overlap})", op.index, op.name);
                for &(t, offset, bytes) in &memory.tensors {
                    let role = if op.outputs.contains(&t) {
                        "out"
                    } else if op.inputs.iter().flatten().any(|&i| i == t) {
                        "in "
                    } else {
                        "   "
                    };
                    let name = &graph.tensors[t].name;
                    println!(
                        "       {role} {offset:>7}..{:<7} {bytes:>7} B  #{t} {name}",
                        offset + bytes
                    );
                }
                if let Some((offset, bytes)) = memory.scratch {
                    println!(
                        "       tmp {offset:>7}..{:<7} {bytes:>7} B  scratch",
                        offset + bytes
                    );
                }
            }
            println!("arena_bytes: {}", compiled.plan.arena_bytes);
            if let Some(file) = &svg {
                let picture = embedml_compiler::plan::timeline_svg(graph, &compiled.plan);
                std::fs::write(file, picture).unwrap_or_else(|e| {
                    eprintln!("{file}: {e}");
                    std::process::exit(1);
                });
            }
            println!("lower_bound: {}", compiled.plan.lower_bound);
            if expand {
                let target = embedml_compiler::emit::Target {
                    visibility: quote::quote!(pub),
                    name: quote::format_ident!("Model"),
                    model_path: None,
                    instance: 0,
                };
                match embedml_compiler::emit::emit(&compiled, &target) {
                    Ok(tokens) => match syn::parse2(tokens.clone()) {
                        Ok(file) => println!("{}", prettyplease::unparse(&file)),
                        Err(_) => println!("{tokens}"),
                    },
                    Err(error) => eprintln!("{error}"),
                }
            }
        }
        Err(errors) => {
            eprintln!("{path}:\n{errors}");
            std::process::exit(1);
        }
    }
}
