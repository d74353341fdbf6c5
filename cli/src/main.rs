//! `embedml`: what `include_model!` makes of a `.tflite` file, without building firmware.
//!
//! - `embedml inspect MODEL`: the operators with their shapes, multiply-accumulates and weight
//!   bytes, the arena and where each tensor lives, or the errors `include_model!` would give;
//! - `embedml plan MODEL --svg FILE`: the memory plan as a timeline picture;
//! - `embedml fit MODEL --ram 64KiB --flash 256KiB`: whether the model's arena and constant
//!   data fit, with the margins (exit status 0 if it fits, 1 if not);
//! - `embedml expand MODEL`: the code `include_model!` generates;
//! - `embedml report FOLDER...`: a table of the memory plans of every model in the folders.
//!
//! `--json` on each prints the same as JSON. Install with `cargo install --path cli`.

use clap::{Args, Parser, Subcommand};
use embedml_compiler::{Memory, Options};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;

/// `println!` that ends the program quietly when stdout is closed (`embedml ... | head`)
/// instead of panicking on the broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut text = format!($($arg)*);
        text.push('\n');
        if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
            std::process::exit(0);
        }
    }};
}

/// `print!` that ends the program quietly when stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if std::io::stdout().lock().write_all(format!($($arg)*).as_bytes()).is_err() {
            std::process::exit(0);
        }
    }};
}

mod report;

/// What embedml makes of a TensorFlow Lite model: its operators and memory plan, and whether it
/// fits a microcontroller.
#[derive(Parser)]
#[command(name = "embedml", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The operators (shapes, MACs, weight bytes), the arena and every tensor's place, or the
    /// compile errors.
    Inspect(Model),
    /// The memory plan per operator; with --svg, as a timeline picture.
    Plan {
        #[command(flatten)]
        model: Model,
        /// Write the plan as an SVG timeline (operators across, arena offsets down).
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// The Rust code include_model! generates for the model.
    Expand {
        /// The .tflite file.
        model: PathBuf,
        /// Plan as `include_model!(.., memory = "min")` does.
        #[arg(long)]
        min_memory: bool,
    },
    /// A table of the memory plans of every .tflite file in the given folders: the arena by
    /// default and with memory = "min", the no-overlap bound, ops in place and overlapped.
    Report {
        /// Folders of .tflite files.
        #[arg(required = true)]
        folders: Vec<PathBuf>,
    },
    /// Whether the model fits: its arena in RAM, its weights and constants in flash.
    Fit {
        #[command(flatten)]
        model: Model,
        /// RAM available for the arena, e.g. 64KiB, 1MiB or 65536.
        #[arg(long, value_parser = report::parse_bytes)]
        ram: u64,
        /// Flash available for the model's weights and constants, e.g. 256KiB.
        #[arg(long, value_parser = report::parse_bytes)]
        flash: Option<u64>,
    },
}

#[derive(Args)]
struct Model {
    /// The .tflite file.
    model: PathBuf,
    /// Plan as `include_model!(.., memory = "min")` does (the smallest arena).
    #[arg(long)]
    min_memory: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let model = match &cli.command {
        Command::Inspect(m) | Command::Plan { model: m, .. } | Command::Fit { model: m, .. } => m,
        Command::Expand { model, min_memory } => return report::expand(model, *min_memory),
        Command::Report { folders } => return report::folders(folders),
    };
    let bytes = match std::fs::read(&model.model) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("embedml: cannot read {}: {e}", model.model.display());
            return ExitCode::from(2);
        }
    };
    let memory = if model.min_memory {
        Memory::Min
    } else {
        Memory::Fast
    };
    let compiled = match embedml_compiler::analyze_with(
        &bytes,
        Options {
            memory,
            ..Options::default()
        },
    ) {
        Ok(compiled) => compiled,
        Err(errors) => {
            if model.json {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                outln!("{}", json!({ "model": model.model, "errors": list }));
            } else {
                eprintln!(
                    "{}: include_model! would fail with:\n{errors}",
                    model.model.display()
                );
            }
            return ExitCode::from(1);
        }
    };
    match &cli.command {
        Command::Inspect(m) => print(m, &report::inspect(&compiled), report::inspect_text),
        Command::Plan { model: m, svg } => {
            if let Some(file) = svg {
                let picture = embedml_compiler::plan::timeline_svg(&compiled.graph, &compiled.plan);
                if let Err(e) = std::fs::write(file, picture) {
                    eprintln!("embedml: cannot write {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            }
            print(m, &report::plan(&compiled), report::plan_text)
        }
        // Handled above, before the model is analyzed.
        Command::Expand { .. } | Command::Report { .. } => ExitCode::SUCCESS,
        Command::Fit {
            model: m,
            ram,
            flash,
        } => {
            let fit = report::fit(&compiled, *ram, *flash);
            print(m, &fit, report::fit_text);
            if fit["fits"] == json!(true) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Prints `value` as JSON or as text.
fn print(model: &Model, value: &Value, text: fn(&Value) -> String) -> ExitCode {
    if model.json {
        outln!("{value:#}");
    } else {
        out!("{}", text(value));
    }
    ExitCode::SUCCESS
}
