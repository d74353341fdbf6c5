//! Shared test harness: regenerates the seeded inputs the goldens were made from, runs a compiled
//! model on them, and compares with TensorFlow Lite Micro's outputs.
//!
//! The input generator is the contract described in `golden/README.md`; the manifest's input hash
//! proves this side reproduces the exact inputs TFLM saw.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use embedml::{ElementType, Model};

/// How closely float32 outputs must match TFLM: `|got - want| <= ABS + REL * |want|`.
///
/// The float kernels sum in TFLM's order, so differences come only from `exp` and compiler
/// contraction; these bounds are far below anything a model's use would notice.
pub const FLOAT_ABS_TOLERANCE: f32 = 1e-5;
/// Relative part of the float tolerance.
pub const FLOAT_REL_TOLERANCE: f32 = 1e-5;

/// FNV-1a 64 of `bytes`, continuing from `hash`.
pub fn fnv1a64(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x100000001b3);
    }
    hash
}

/// The FNV-1a 64 offset basis.
pub const FNV_OFFSET: u64 = 0xcbf29ce484222325;

/// splitmix64, the golden inputs' generator.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }

    /// Fills one tensor's bytes with the next elements of the stream; floats are
    /// `u * float_span + float_low` with `u` uniform in [0, 1).
    pub fn fill(
        &mut self,
        element_type: ElementType,
        bytes: &mut [u8],
        float_low: f32,
        float_span: f32,
    ) {
        match element_type {
            ElementType::Int8 | ElementType::UInt8 => {
                for b in bytes.iter_mut() {
                    *b = (self.next_u64() >> 56) as u8;
                }
            }
            ElementType::Int16 => {
                for chunk in bytes.chunks_exact_mut(2) {
                    chunk.copy_from_slice(&((self.next_u64() >> 48) as u16).to_ne_bytes());
                }
            }
            ElementType::Int32 => {
                for chunk in bytes.chunks_exact_mut(4) {
                    chunk.copy_from_slice(&((self.next_u64() >> 32) as u32).to_ne_bytes());
                }
            }
            ElementType::Float32 => {
                for chunk in bytes.chunks_exact_mut(4) {
                    let x = (self.next_u64() >> 40) as f32 * (1.0 / 16777216.0) * float_span
                        + float_low;
                    chunk.copy_from_slice(&x.to_ne_bytes());
                }
            }
            other => panic!("the golden generator has no rule for {other:?}"),
        }
    }
}

/// A model's TFLM goldens.
pub struct Golden {
    /// Number of cases.
    pub cases: usize,
    /// Generator seed.
    pub seed: u64,
    /// FNV-1a 64 of all generated inputs.
    pub inputs_fnv1a64: u64,
    /// Lower end of float inputs.
    pub float_low: f32,
    /// Width of the float input range.
    pub float_span: f32,
    /// All outputs of all cases, concatenated.
    pub outputs: Vec<u8>,
}

/// Loads `<dir>/<model>.txt` and `<dir>/<model>.outputs.bin` (`dir` relative to this crate).
pub fn load_golden(dir: &str, model: &str) -> Golden {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let manifest = std::fs::read_to_string(dir.join(format!("{model}.txt")))
        .unwrap_or_else(|e| panic!("golden manifest for {model}: {e}"));
    let fields: HashMap<&str, &str> = manifest
        .lines()
        .filter_map(|l| l.split_once(": "))
        .collect();
    let hex = |key: &str| {
        let value = fields
            .get(key)
            .unwrap_or_else(|| panic!("{model}.txt has no {key}"));
        u64::from_str_radix(value.trim_start_matches("0x"), 16).expect("hex value")
    };
    let outputs = std::fs::read(dir.join(format!("{model}.outputs.bin")))
        .unwrap_or_else(|e| panic!("golden outputs for {model}: {e}"));
    // Whole-model goldens predate the float range keys: their floats span [0, 2π).
    let float = |key: &str, default: f32| {
        fields
            .get(key)
            .map_or(default, |v| v.parse().expect("float"))
    };
    Golden {
        cases: fields["cases"].parse().expect("case count"),
        seed: hex("seed"),
        inputs_fnv1a64: hex("inputs_fnv1a64"),
        float_low: float("float_low", 0.0),
        float_span: float("float_span", 6.2831855),
        outputs,
    }
}

/// Runs `M` on every golden case of the whole model `model` (in `golden/`).
pub fn check_against_tflm<M: Model + Default>(model: &str) {
    check::<M>("golden", model);
}

/// Runs `M` on every golden case of `model` in the golden directory `dir` (relative to this
/// crate, like `"golden/user_kernels"`).
pub fn check_golden_in<M: Model + Default>(dir: &str, model: &str) {
    check::<M>(dir, model);
}

/// Runs `M` on every golden case of the single-op fixture `name` (in `fixtures/`).
pub fn check_fixture<M: Model + Default>(name: &str) {
    check::<M>("fixtures", name);
}

/// Runs `M` on every golden case and panics with a report unless every int8 output is bit-exact
/// and every float32 output is within the stated tolerance.
fn check<M: Model + Default>(dir: &str, model: &str) {
    let golden = load_golden(dir, model);
    let mut rng = SplitMix64::new(golden.seed);
    let mut input_hash = FNV_OFFSET;
    let case_bytes: usize = M::OUTPUTS.iter().map(|t| t.byte_len()).sum();
    assert_eq!(
        golden.outputs.len(),
        golden.cases * case_bytes,
        "{model}: golden size does not fit the model's outputs"
    );
    let mut model_instance = Box::new(M::default());
    let mut report = String::new();
    let mut mismatches = 0usize;
    let mut worst_float = 0.0f32;
    for case in 0..golden.cases {
        for (i, info) in M::INPUTS.iter().enumerate() {
            let bytes = model_instance.input_bytes_mut(i);
            rng.fill(
                info.element_type,
                bytes,
                golden.float_low,
                golden.float_span,
            );
            input_hash = fnv1a64(input_hash, bytes);
        }
        model_instance.invoke();
        let mut at = case * case_bytes;
        for (o, info) in M::OUTPUTS.iter().enumerate() {
            let got = model_instance.output_bytes(o);
            let want = &golden.outputs[at..at + got.len()];
            at += got.len();
            match info.element_type {
                ElementType::Float32 => {
                    for (e, (g, w)) in floats(got).zip(floats(want)).enumerate() {
                        let diff = (g - w).abs();
                        worst_float = worst_float.max(diff);
                        if diff > FLOAT_ABS_TOLERANCE + FLOAT_REL_TOLERANCE * w.abs() {
                            mismatches += 1;
                            if mismatches <= 10 {
                                let _ = writeln!(
                                    report,
                                    "case {case} output {o}[{e}]: got {g}, TFLM {w}"
                                );
                            }
                        }
                    }
                }
                _ => {
                    for (e, (g, w)) in got.iter().zip(want).enumerate() {
                        if g != w {
                            mismatches += 1;
                            if mismatches <= 10 {
                                let _ = writeln!(
                                    report,
                                    "case {case} output {o}[{e}]: got {}, TFLM {}",
                                    *g as i8, *w as i8
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(
        input_hash, golden.inputs_fnv1a64,
        "{model}: the regenerated inputs differ from those TFLM was given"
    );
    assert!(
        mismatches == 0,
        "{model}: {mismatches} outputs differ from TFLM:\n{report}"
    );
    eprintln!(
        "{model}: {} cases match TFLM (largest float difference {worst_float:e})",
        golden.cases
    );
}

fn floats(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
}

/// The manifest fields of a sequence golden (`golden/sequences/<model>.txt`).
fn sequence_manifest(model: &str) -> (usize, Vec<usize>) {
    let path = golden_dir("golden/sequences").join(format!("{model}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(": ")))
            .unwrap_or_else(|| panic!("{}: no `{key}`", path.display()))
            .trim()
            .to_owned()
    };
    let steps = field("steps").parse().expect("steps");
    let resets = field("resets_before")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim().parse().expect("resets_before"))
        .collect();
    (steps, resets)
}

fn golden_dir(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)
}

/// Runs `M` over the stored input stream of `golden/sequences/<model>`, on ONE model value as
/// TFLM's one interpreter did (state carried from step to step, `reset()` where TFLM called
/// `Reset()`), and panics with a report unless every int8/uint8/int16/int32 output is bit-exact
/// and every float32 output is within the stated tolerance.
pub fn check_sequence_against_tflm<M: Model + Default>(model: &str) {
    check_sequence_against_tflm_within::<M>(model, FLOAT_ABS_TOLERANCE, FLOAT_REL_TOLERANCE);
}

/// [`check_sequence_against_tflm`] with another float tolerance, `|got - want| <= abs + rel *
/// |want|`, for a model whose float outputs the test states a reason to compare more loosely
/// (integer outputs are still compared bit for bit).
pub fn check_sequence_against_tflm_within<M: Model + Default>(model: &str, abs: f32, rel: f32) {
    let (steps, resets) = sequence_manifest(model);
    let read = |kind: &str| {
        let path = golden_dir("golden/sequences").join(format!("{model}.{kind}.bin"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let (inputs, outputs) = (read("inputs"), read("outputs"));
    let in_bytes: usize = M::INPUTS.iter().map(|t| t.byte_len()).sum();
    let out_bytes: usize = M::OUTPUTS.iter().map(|t| t.byte_len()).sum();
    assert_eq!(
        inputs.len(),
        steps * in_bytes,
        "{model}: the inputs do not fit the model"
    );
    assert_eq!(
        outputs.len(),
        steps * out_bytes,
        "{model}: the outputs do not fit the model"
    );
    let mut m = Box::new(M::default());
    let mut report = String::new();
    let (mut mismatches, mut worst_float) = (0usize, 0.0f32);
    for step in 0..steps {
        if resets.contains(&step) {
            m.reset();
        }
        let mut at = step * in_bytes;
        for i in 0..M::INPUTS.len() {
            let bytes = m.input_bytes_mut(i);
            bytes.copy_from_slice(&inputs[at..at + bytes.len()]);
            at += bytes.len();
        }
        m.invoke();
        let mut at = step * out_bytes;
        for (o, info) in M::OUTPUTS.iter().enumerate() {
            let got = m.output_bytes(o);
            let want = &outputs[at..at + got.len()];
            at += got.len();
            let mut differ = |e: usize, g: String, w: String| {
                mismatches += 1;
                if mismatches <= 10 {
                    let _ = writeln!(report, "step {step} output {o}[{e}]: got {g}, TFLM {w}");
                }
            };
            if info.element_type == ElementType::Float32 {
                for (e, (g, w)) in floats(got).zip(floats(want)).enumerate() {
                    let diff = (g - w).abs();
                    worst_float = worst_float.max(diff);
                    if diff > abs + rel * w.abs() {
                        differ(e, g.to_string(), w.to_string());
                    }
                }
            } else {
                let size = info.element_type.size().max(1);
                for (e, (g, w)) in got.chunks(size).zip(want.chunks(size)).enumerate() {
                    if g != w {
                        differ(e, format!("{g:?}"), format!("{w:?}"));
                    }
                }
            }
        }
    }
    assert!(
        mismatches == 0,
        "{model}: {mismatches} outputs differ from TFLM over the sequence:\n{report}"
    );
    eprintln!(
        "{model}: {steps} steps ({} resets) match TFLM (largest float difference {worst_float:e})",
        resets.len()
    );
}
