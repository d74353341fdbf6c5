//! Links with `memory.x` (cortex-m-rt) and writes each model's golden case 0 to `OUT_DIR`:
//! `<model>.input.bin`, the input TFLM was given (regenerated with the golden generator of
//! `tests/golden/README.md`, and checked against the manifest's hash of all cases' inputs), and
//! `<model>.output.bin`, TFLM's output for it (the first case of `<model>.outputs.bin`).

use std::{env, fs, path::PathBuf};

/// Models with a firmware binary in `src/bin/`.
const MODELS: [&str; 7] = [
    "hello_world_int8",
    "micro_speech_quantized",
    "person_detect",
    "kws_ds_cnn",
    "vww_mobilenet_v1",
    "ic_resnet8",
    "ad_fc_autoencoder",
];

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a64(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn hex(value: &str) -> u64 {
    u64::from_str_radix(value.trim_start_matches("0x"), 16).expect("hex value in golden manifest")
}

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    fs::copy("memory.x", out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");

    let golden = PathBuf::from("../../tests/golden");
    for model in MODELS {
        let manifest_path = golden.join(format!("{model}.txt"));
        let outputs_path = golden.join(format!("{model}.outputs.bin"));
        println!("cargo:rerun-if-changed={}", manifest_path.display());
        println!("cargo:rerun-if-changed={}", outputs_path.display());
        let manifest = fs::read_to_string(&manifest_path)
            .unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
        let field = |key: &str| {
            manifest
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
                .unwrap_or_else(|| panic!("{model}.txt has no `{key}`"))
        };
        let cases: usize = field("cases").parse().expect("case count");
        let seed = hex(field("seed"));
        assert_eq!(
            seed,
            fnv1a64(FNV_OFFSET, model.as_bytes()),
            "{model}: seed is not FNV-1a 64 of the model name"
        );
        let input = field("input 0");
        assert!(
            manifest.lines().all(|l| !l.starts_with("input 1:")),
            "{model}: the firmware feeds one input"
        );
        assert!(
            input.contains("dtype=int8"),
            "{model}: the firmware feeds an int8 input"
        );
        let input_len: usize = input
            .split_whitespace()
            .find_map(|w| w.strip_prefix("shape="))
            .expect("input shape")
            .split('x')
            .map(|d| d.parse::<usize>().expect("dimension"))
            .product();

        // All cases' inputs, to check the manifest's hash; case 0 is the first `input_len` bytes.
        let mut rng = SplitMix64(seed);
        let inputs: Vec<u8> = (0..cases * input_len)
            .map(|_| (rng.next_u64() >> 56) as u8)
            .collect();
        assert_eq!(
            fnv1a64(FNV_OFFSET, &inputs),
            hex(field("inputs_fnv1a64")),
            "{model}: regenerated inputs differ from those TFLM was given"
        );

        let outputs =
            fs::read(&outputs_path).unwrap_or_else(|e| panic!("{}: {e}", outputs_path.display()));
        assert!(
            cases > 0 && outputs.len() % cases == 0,
            "{model}: outputs.bin does not hold {cases} equal cases"
        );
        let case_bytes = outputs.len() / cases;
        fs::write(out.join(format!("{model}.input.bin")), &inputs[..input_len]).unwrap();
        fs::write(
            out.join(format!("{model}.output.bin")),
            &outputs[..case_bytes],
        )
        .unwrap();
    }
}
