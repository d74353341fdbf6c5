//! Shared code of the embedml fuzz targets: seed models, the structure-aware mutator, and the
//! checks run on every model the compiler accepts.

pub mod model;
pub mod mutate;
pub mod synth;

use std::sync::OnceLock;

use embedml_compiler::kernel::Table;
use embedml_compiler::program::AddressSpace;

/// The real models of `tests/models`, in a fixed order (the structure-aware target picks one by
/// its first input byte).
pub const REAL_MODELS: [(&str, &[u8]); 11] = [
    (
        "hello_world_float",
        include_bytes!("../../tests/models/hello_world_float.tflite"),
    ),
    (
        "hello_world_int8",
        include_bytes!("../../tests/models/hello_world_int8.tflite"),
    ),
    (
        "micro_speech_quantized",
        include_bytes!("../../tests/models/micro_speech_quantized.tflite"),
    ),
    (
        "person_detect",
        include_bytes!("../../tests/models/person_detect.tflite"),
    ),
    (
        "simple_add_model",
        include_bytes!("../../tests/models/simple_add_model.tflite"),
    ),
    (
        "keyword_scrambled_8bit",
        include_bytes!("../../tests/models/keyword_scrambled_8bit.tflite"),
    ),
    (
        "audio_preprocessor_int8",
        include_bytes!("../../tests/models/audio_preprocessor_int8.tflite"),
    ),
    (
        "trained_lstm_int8",
        include_bytes!("../../tests/models/trained_lstm_int8.tflite"),
    ),
    // Two subgraphs: resource variables with a CALL_ONCE init subgraph, SPLIT_V, uint8 output.
    (
        "streaming_conv",
        include_bytes!("../../tests/models/streaming/streaming_conv.tflite"),
    ),
    (
        "streaming_mixconv",
        include_bytes!("../../tests/models/streaming/streaming_mixconv.tflite"),
    ),
    (
        "variable_init_probe",
        include_bytes!("../../tests/models/streaming/variable_init_probe.tflite"),
    ),
];

/// Every base model of the structure-aware target: the real ones, then the synthetic ones.
pub fn base_models() -> &'static [(&'static str, model::Model)] {
    static MODELS: OnceLock<Vec<(&'static str, model::Model)>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let mut v: Vec<(&'static str, model::Model)> = REAL_MODELS
            .iter()
            // SAFETY: the real models are valid TFLite files (the compiler's tests read them).
            .map(|(name, bytes)| (*name, unsafe { model::Model::decode_trusted(bytes) }))
            .collect();
        v.extend(synth::models());
        v
    })
}

/// The structure-aware input: byte 0 picks a base model, the rest is a mutation program.
pub fn mutated_model(data: &[u8]) -> Vec<u8> {
    let models = base_models();
    let Some((&first, rest)) = data.split_first() else {
        return models[0].1.encode();
    };
    let mut m = models[first as usize % models.len()].1.clone();
    let mut src = mutate::Src::new(rest);
    let patches = mutate::mutate(&mut m, &mut src);
    let mut bytes = m.encode();
    let words = bytes.len() / 4;
    for (word, value) in patches {
        if words > 0 {
            let at = (word as usize % words) * 4;
            bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
    }
    bytes
}

/// The `Target` the examples use.
pub fn target() -> embedml_compiler::emit::Target<'static> {
    embedml_compiler::emit::Target {
        visibility: quote::quote!(pub),
        name: quote::format_ident!("Model"),
        model_path: None,
        instance: 0,
    }
}

/// Names of oracle checks to skip, from `EMBEDML_FUZZ_SKIP` (comma-separated), so a known,
/// reported finding does not stop a campaign.
fn skipped(check: &str) -> bool {
    static SKIP: OnceLock<Vec<String>> = OnceLock::new();
    SKIP.get_or_init(|| {
        std::env::var("EMBEDML_FUZZ_SKIP")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .iter()
    .any(|s| s == check)
}

/// Runs the whole compiler on `bytes` (`embedml_compiler::compile`, as `include_model!` does) and,
/// when it accepts the model, checks what the generated code's checked views prove.
///
/// Panics that match `EMBEDML_FUZZ_KNOWN_PANICS` (see [`known_panic`]) are ignored, so that a
/// reported, not yet fixed crash does not stop a campaign.
pub fn run(bytes: &[u8]) {
    let go = || {
        // `compile` as `include_model!` runs it, in its two halves, so the analysis is done once.
        if let Ok(compiled) = embedml_compiler::analyze(bytes) {
            check_compiled(&compiled);
            let _ = embedml_compiler::emit::emit(&compiled, &target());
        }
    };
    if known_panics().is_empty() {
        go();
    } else {
        install_known_panic_hook();
        // Only known panics unwind this far: the hook aborts on any other.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(go));
    }
}

/// `EMBEDML_FUZZ_KNOWN_PANICS`: comma-separated patterns `FILE` or `FILE@MESSAGE`; a panic whose
/// location (`path:line:column`) contains `FILE` and whose message contains `MESSAGE` is known.
/// E.g. `ops/gather.rs@overflow`.
fn known_panics() -> &'static [(String, String)] {
    static KNOWN: OnceLock<Vec<(String, String)>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        std::env::var("EMBEDML_FUZZ_KNOWN_PANICS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s.split_once('@') {
                Some((file, message)) => (file.to_owned(), message.to_owned()),
                None => (s.to_owned(), String::new()),
            })
            .collect()
    })
}

/// Whether a panic is a known one (see [`known_panics`]).
pub fn known_panic(info: &std::panic::PanicHookInfo) -> bool {
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_default();
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_default();
    known_panics()
        .iter()
        .any(|(file, text)| location.contains(file.as_str()) && message.contains(text.as_str()))
}

fn install_known_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // libFuzzer's hook (installed first) prints and aborts; keep it for unknown panics.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !known_panic(info) {
                previous(info);
            }
        }));
    });
}

/// For a model the compiler accepts: the program is sound (`Program::verify`, what the generated
/// code's checked views prove again by const evaluation in the user's crate) for the host and for
/// a 32-bit target, whose address space it must fit or be rejected by that same check; the arena
/// is at least the no-overlap lower bound unless ops overlap their output with their input, and
/// holds every tensor alive at each op; every lookup table the generated code asks rustc's
/// const evaluator to build builds.
pub fn check(bytes: &[u8]) {
    check_compiled(&embedml_compiler::analyze(bytes).expect("compile accepted the model"));
}

/// [`check`] on a model already analyzed.
pub fn check_compiled(compiled: &embedml_compiler::Compiled) {
    let plan = &compiled.plan;
    if !skipped("lower_bound") {
        // Below the no-overlap bound only through overlaps the plan made (each proven by
        // `Program::verify` below); never below the largest tensor alive at any op.
        let overlapped = plan.overlap.iter().any(Option::is_some);
        assert!(
            plan.arena_bytes >= plan.lower_bound || overlapped,
            "arena {} below the planner's lower bound {} without an overlap",
            plan.arena_bytes,
            plan.lower_bound
        );
        for at in 0..compiled.graph.ops.len() {
            let memory = plan.at(&compiled.graph, at);
            for &(t, offset, bytes) in &memory.tensors {
                assert!(
                    offset + bytes <= plan.arena_bytes,
                    "op {at}: tensor {t} ends at {} past the arena's {}",
                    offset + bytes,
                    plan.arena_bytes
                );
            }
        }
    }
    if !skipped("verify") {
        if let Err(error) = compiled.verify(AddressSpace::HOST) {
            panic!("[verify] unsound program: {error}");
        }
        // 32-bit arithmetic: a plan too large for the target must be refused as such, never
        // accepted with wrapped offsets.
        match compiled.verify(AddressSpace::bits(32)) {
            Ok(()) => {}
            Err(error) if error.to_string().contains("address space") => {}
            Err(error) => panic!("[verify] unsound program on a 32-bit target: {error}"),
        }
    }
    if !skipped("const_eval") {
        for call in &compiled.program.calls {
            for table in call.params.tables() {
                build_table(table);
            }
        }
    }
}

/// Builds a table as rustc's const evaluator will: a panic there is a compile error in the user's
/// crate for a model the compiler accepted.
fn build_table(table: &Table) {
    use embedml::kernels as k;
    match (table.function.name, table.args.as_slice()) {
        ("requantize_table", &[a, b, c, d, e, f]) => {
            std::hint::black_box(k::requantize_table(a, b, c, d, e, f));
        }
        ("leaky_relu_table", &[a, b, c, d, e, f]) => {
            std::hint::black_box(k::leaky_relu_table(a, b, c, d, e, f));
        }
        ("logistic_table", &[a, b, c, d]) => {
            std::hint::black_box(k::logistic_table(a, b, c, d));
        }
        ("tanh_table", &[a, b, c, d]) => {
            std::hint::black_box(k::tanh_table(a, b, c, d));
        }
        ("hard_swish_table", &[a, b, c, d, e, f]) => {
            std::hint::black_box(k::hard_swish_table(a, b, c, d, e, f));
        }
        ("abs_table", &[a, b, c, d]) => {
            std::hint::black_box(k::abs_table(a, b, c, d));
        }
        (name, args) => panic!("[const_eval] table function {name} with {} arguments is not known to the harness", args.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_models_round_trip() {
        for (name, bytes) in REAL_MODELS {
            // SAFETY: trusted test models.
            let m = unsafe { model::Model::decode_trusted(bytes) };
            let encoded = m.encode();
            // SAFETY: just encoded.
            let again = unsafe { model::Model::decode_trusted(&encoded) };
            assert_eq!(m, again, "{name}");
            let before = embedml_compiler::analyze(bytes)
                .map(|c| c.plan)
                .map_err(|e| e.to_string());
            let after = embedml_compiler::analyze(&encoded)
                .map(|c| c.plan)
                .map_err(|e| e.to_string());
            assert_eq!(before, after, "{name}");
        }
    }

    /// The builtin a synthetic single-operator model is named after (`relu6_i8` -> RELU6).
    fn operator_of(model: &str) -> String {
        let base = ["_i8_f32", "_f32_i8", "_i8", "_f32"]
            .iter()
            .find_map(|suffix| model.strip_suffix(suffix))
            .unwrap_or(model);
        match base {
            "avg_pool" => "AVERAGE_POOL_2D".into(),
            "max_pool" => "MAX_POOL_2D".into(),
            "conv" => "CONV_2D".into(),
            "depthwise_conv" => "DEPTHWISE_CONV_2D".into(),
            "requantize" => "QUANTIZE".into(),
            other => other.to_uppercase(),
        }
    }

    /// Every synthetic seed is a model the compiler accepts, built around the operator it is
    /// named after, and sound by the fuzz oracle (`check`).
    #[test]
    fn synthetic_models_compile() {
        for (name, m) in synth::models() {
            let bytes = m.encode();
            if let Err(e) = embedml_compiler::compile(&bytes, &target()) {
                panic!("synthetic model {name} does not compile: {e}");
            }
            let compiled = embedml_compiler::analyze(&bytes).expect("compile accepted it");
            if name != "chain_i8" {
                let ops: Vec<&str> = compiled.graph.ops.iter().map(|o| o.name.as_str()).collect();
                assert!(
                    ops.contains(&operator_of(name).as_str()),
                    "synthetic model {name} has operators {ops:?}"
                );
            }
            check(&bytes);
        }
    }

    #[test]
    fn mutation_programs_run() {
        let mut state = 0x1234_5678_u32;
        for _ in 0..2000 {
            let data: Vec<u8> = (0..64)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state as u8
                })
                .collect();
            let _ = mutated_model(&data);
        }
    }
}
