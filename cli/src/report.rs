//! The reports of the `embedml` command, as JSON values (what `--json` prints) and their text.

use embedml_compiler::Compiled;
use embedml_compiler::plan::Storage;
use serde_json::{Value, json};
use std::fmt::Write;

/// `64KiB`, `1MiB`, `1.5KiB`, `65536` or `64KB` (decimal) as bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (examples: 65536, 64KiB, 1MiB)"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kib" | "k" => 1024.0,
        "mib" | "m" => 1024.0 * 1024.0,
        "kb" => 1000.0,
        "mb" => 1_000_000.0,
        other => return Err(format!("unknown unit {other:?} (B, KiB, MiB, KB, MB)")),
    };
    Ok((value * scale).round() as u64)
}

/// Multiply-accumulates of a weighted operator (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
/// SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM): each output value sums the filter's values of one output
/// channel.
fn macs(compiled: &Compiled, op: usize) -> u64 {
    let graph = &compiled.graph;
    let op = &graph.ops[op];
    let (Some(filter), Some(&output)) = (op.input(1), op.outputs.first()) else {
        return 0;
    };
    let shape = &graph.tensors[filter].shape;
    let elements = |s: &[usize]| s.iter().map(|&d| d as u64).product::<u64>();
    if op.name == "SVDF" {
        // Per batch: every filter's feature dot product and its time dot product.
        let batches = graph.tensors[output].shape.first().copied().unwrap_or(1) as u64;
        let time = op.input(2).map_or(0, |t| elements(&graph.tensors[t].shape));
        return batches * (elements(shape) + time);
    }
    if op.name == "UNIDIRECTIONAL_SEQUENCE_LSTM" {
        // Per batch and time step (one output row each): the four gates' input and recurrent
        // products, every weight once (inputs 1 to 8).
        let out = &graph.tensors[output].shape;
        let rows = match out.last() {
            Some(&units) if units > 0 => elements(out) / units as u64,
            _ => 0,
        };
        let weights: u64 = (1..=8)
            .filter_map(|i| op.input(i))
            .map(|t| elements(&graph.tensors[t].shape))
            .sum();
        return rows * weights;
    }
    let channels = match op.name.as_str() {
        "CONV_2D" | "FULLY_CONNECTED" => shape.first(),
        "DEPTHWISE_CONV_2D" => shape.get(3),
        _ => return 0,
    };
    match channels {
        Some(&c) if c > 0 => elements(&graph.tensors[output].shape) * (elements(shape) / c as u64),
        _ => 0,
    }
}

/// Bytes of the constant tensors an operator reads (weights, biases, tables).
fn weight_bytes(compiled: &Compiled, op: usize) -> u64 {
    let graph = &compiled.graph;
    graph.ops[op]
        .inputs
        .iter()
        .flatten()
        .filter(|&&t| graph.tensors[t].data.is_some())
        .map(|&t| graph.tensors[t].byte_len().unwrap_or(0) as u64)
        .sum()
}

/// A tensor as the reports show it.
fn tensor(compiled: &Compiled, t: usize) -> Value {
    let tensor = &compiled.graph.tensors[t];
    let place = match compiled.plan.storage[t] {
        Storage::Arena(offset) => json!({ "arena_offset": offset }),
        Storage::Constant(_) => json!("flash"),
        Storage::State => json!("state"),
        Storage::Unused => json!("unused"),
    };
    json!({
        "index": t,
        "name": tensor.name,
        "type": tensor.element_type.name(),
        "shape": tensor.shape,
        "bytes": tensor.byte_len().unwrap_or(0),
        "place": place,
    })
}

/// `embedml inspect`.
pub fn inspect(compiled: &Compiled) -> Value {
    let graph = &compiled.graph;
    let ops: Vec<Value> = graph
        .ops
        .iter()
        .enumerate()
        .map(|(at, op)| {
            json!({
                "index": op.index,
                "operator": op.name,
                "inputs": op.inputs.iter().flatten().map(|&t| tensor(compiled, t)).collect::<Vec<_>>(),
                "outputs": op.outputs.iter().map(|&t| tensor(compiled, t)).collect::<Vec<_>>(),
                "macs": macs(compiled, at),
                "weight_bytes": weight_bytes(compiled, at),
            })
        })
        .collect();
    json!({
        "arena_bytes": compiled.plan.arena_bytes,
        "no_overlap_bound": compiled.plan.lower_bound,
        "state_bytes": compiled.state.bytes(),
        "macs": (0..graph.ops.len()).map(|at| macs(compiled, at)).sum::<u64>(),
        "constant_bytes": constant_bytes(compiled),
        "inputs": graph.inputs.iter().map(|&t| tensor(compiled, t)).collect::<Vec<_>>(),
        "outputs": graph.outputs.iter().map(|&t| tensor(compiled, t)).collect::<Vec<_>>(),
        "operators": ops,
    })
}

/// The text of `embedml inspect`.
pub fn inspect_text(v: &Value) -> String {
    let mut out = String::new();
    let shape = |t: &Value| format!("{} {}", t["type"].as_str().unwrap_or(""), t["shape"]);
    let _ = writeln!(
        out,
        "| # | operator | input | output | MACs | weight bytes |"
    );
    let _ = writeln!(out, "|---:|---|---|---|---:|---:|");
    for op in v["operators"].as_array().into_iter().flatten() {
        let first = |k: &str| {
            op[k]
                .as_array()
                .and_then(|a| a.first())
                .map(shape)
                .unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            op["index"],
            op["operator"].as_str().unwrap_or(""),
            first("inputs"),
            first("outputs"),
            op["macs"],
            op["weight_bytes"]
        );
    }
    let _ = writeln!(
        out,
        "\narena {} bytes (no-overlap bound {}), state {} bytes, weights and constants {} bytes, {} MACs per inference",
        v["arena_bytes"], v["no_overlap_bound"], v["state_bytes"], v["constant_bytes"], v["macs"]
    );
    for (kind, key) in [("input", "inputs"), ("output", "outputs")] {
        for t in v[key].as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "{kind} #{} `{}`: {}, arena offset {}",
                t["index"],
                t["name"].as_str().unwrap_or(""),
                shape(t),
                t["place"]["arena_offset"]
            );
        }
    }
    out
}

/// Bytes of every constant tensor the model reads, each once.
fn constant_bytes(compiled: &Compiled) -> u64 {
    let mut seen = vec![false; compiled.graph.tensors.len()];
    let mut total = 0;
    for storage in &compiled.plan.storage {
        if let Storage::Constant(t) = *storage
            && !std::mem::replace(&mut seen[t], true)
        {
            total += compiled.graph.tensors[t].byte_len().unwrap_or(0) as u64;
        }
    }
    total
}

/// `embedml plan`.
pub fn plan(compiled: &Compiled) -> Value {
    let graph = &compiled.graph;
    let ops: Vec<Value> = (0..graph.ops.len())
        .map(|at| {
            let memory = compiled.plan.at(graph, at);
            let end = memory
                .tensors
                .iter()
                .map(|&(_, o, b)| o + b)
                .chain(memory.scratch.map(|(o, b)| o + b))
                .max()
                .unwrap_or(0);
            json!({
                "index": at,
                "operator": graph.ops[at].name,
                "arena_in_use": end,
                "tensors": memory.tensors.iter().map(|&(t, offset, bytes)| json!({
                    "index": t, "name": graph.tensors[t].name, "offset": offset, "bytes": bytes,
                })).collect::<Vec<_>>(),
                "scratch": memory.scratch.map(|(offset, bytes)| json!({ "offset": offset, "bytes": bytes })),
                "overlap_gap": memory.overlap.map(|o| o.gap),
            })
        })
        .collect();
    json!({
        "arena_bytes": compiled.plan.arena_bytes,
        "no_overlap_bound": compiled.plan.lower_bound,
        "operators": ops,
    })
}

/// The text of `embedml plan`.
pub fn plan_text(v: &Value) -> String {
    let mut out = String::new();
    for op in v["operators"].as_array().into_iter().flatten() {
        let overlap = match op["overlap_gap"].as_u64() {
            Some(gap) => format!(", output over input (gap {gap} B)"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "#{} {} ({} B in use{overlap})",
            op["index"],
            op["operator"].as_str().unwrap_or(""),
            op["arena_in_use"]
        );
        for t in op["tensors"].as_array().into_iter().flatten() {
            let (offset, bytes) = (
                t["offset"].as_u64().unwrap_or(0),
                t["bytes"].as_u64().unwrap_or(0),
            );
            let _ = writeln!(
                out,
                "    {offset:>7}..{:<7} #{} {}",
                offset + bytes,
                t["index"],
                t["name"].as_str().unwrap_or("")
            );
        }
        if let Some(s) = op["scratch"].as_object() {
            let (offset, bytes) = (
                s["offset"].as_u64().unwrap_or(0),
                s["bytes"].as_u64().unwrap_or(0),
            );
            let _ = writeln!(out, "    {offset:>7}..{:<7} scratch", offset + bytes);
        }
    }
    let _ = writeln!(
        out,
        "arena {} bytes (no-overlap bound {})",
        v["arena_bytes"], v["no_overlap_bound"]
    );
    out
}

/// `embedml fit`: the arena against `ram`, the weights and constants against `flash`.
pub fn fit(compiled: &Compiled, ram: u64, flash: Option<u64>) -> Value {
    let arena = compiled.plan.arena_bytes as u64;
    let state = compiled.state.bytes() as u64;
    let constants = constant_bytes(compiled);
    let ram_fits = arena + state <= ram;
    let flash_fits = flash.is_none_or(|f| constants <= f);
    json!({
        "fits": ram_fits && flash_fits,
        "ram": { "available": ram, "arena": arena, "state": state, "margin": ram as i64 - (arena + state) as i64, "fits": ram_fits },
        "flash": flash.map(|f| json!({ "available": f, "weights_and_constants": constants, "margin": f as i64 - constants as i64, "fits": flash_fits })),
        "not_counted": "the stack, the kernels' machine code (a few to 20 KiB; measure with cargo bloat) and your own program",
    })
}

/// The text of `embedml fit`.
pub fn fit_text(v: &Value) -> String {
    let mut out = String::new();
    let ram = &v["ram"];
    let _ = writeln!(
        out,
        "RAM:   arena {} B + state {} B of {} B available: {} (margin {} B)",
        ram["arena"],
        ram["state"],
        ram["available"],
        if ram["fits"] == json!(true) {
            "fits"
        } else {
            "DOES NOT FIT"
        },
        ram["margin"]
    );
    if let Some(flash) = v["flash"].as_object() {
        let _ = writeln!(
            out,
            "flash: weights and constants {} B of {} B available: {} (margin {} B)",
            flash["weights_and_constants"],
            flash["available"],
            if flash["fits"] == json!(true) {
                "fits"
            } else {
                "DOES NOT FIT"
            },
            flash["margin"]
        );
    }
    let _ = writeln!(
        out,
        "not counted: {}",
        v["not_counted"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "{}",
        if v["fits"] == json!(true) {
            "fits"
        } else {
            "does not fit"
        }
    );
    out
}

/// `embedml expand`: the generated code, formatted.
pub fn expand(path: &std::path::Path, min_memory: bool) -> std::process::ExitCode {
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("embedml: cannot read {}", path.display());
        return std::process::ExitCode::from(2);
    };
    let options = embedml_compiler::Options {
        memory: if min_memory {
            embedml_compiler::Memory::Min
        } else {
            embedml_compiler::Memory::Fast
        },
        ..embedml_compiler::Options::default()
    };
    let target = embedml_compiler::emit::Target {
        visibility: quote::quote!(pub),
        name: quote::format_ident!("Model"),
        model_path: None,
        instance: 0,
    };
    match embedml_compiler::compile_with(&bytes, &target, options) {
        Ok(tokens) => {
            match syn::parse2::<syn::File>(tokens.clone()) {
                Ok(file) => out!("{}", prettyplease::unparse(&file)),
                Err(_) => outln!("{tokens}"),
            }
            std::process::ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!(
                "{}: include_model! would fail with:\n{errors}",
                path.display()
            );
            std::process::ExitCode::from(1)
        }
    }
}

/// `embedml report`: one row per model of the folders.
pub fn folders(folders: &[std::path::PathBuf]) -> std::process::ExitCode {
    outln!(
        "| model | ops | ARENA_BYTES | with memory = \"min\" | no-overlap bound | in place | overlapped |"
    );
    outln!("|---|---:|---:|---:|---:|---:|---:|");
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            eprintln!("embedml: cannot read the folder {}", folder.display());
            return std::process::ExitCode::from(2);
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let min = embedml_compiler::Options {
                memory: embedml_compiler::Memory::Min,
                ..embedml_compiler::Options::default()
            };
            match (
                embedml_compiler::analyze(&bytes),
                embedml_compiler::analyze_with(&bytes, min),
            ) {
                (Ok(c), Ok(m)) => outln!(
                    "| {name} | {} | {} | {} | {} | {} | {} |",
                    c.graph.ops.len(),
                    c.plan.arena_bytes,
                    m.plan.arena_bytes,
                    c.plan.lower_bound,
                    c.plan.in_place.iter().filter(|&&p| p).count(),
                    c.plan.overlap.iter().filter(|o| o.is_some()).count()
                ),
                _ => outln!("| {name} | | not supported | | | | |"),
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
