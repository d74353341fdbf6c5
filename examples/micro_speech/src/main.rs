//! Keyword spotting with embedml: TFLM's micro_speech model, compiled into Rust at build time.
//!
//! `include_model!` turns `micro_speech_quantized.tflite` into the type `MicroSpeech`, whose
//! activation arena lives inside the value (no allocator, no interpreter). This runs it on four
//! real inputs, the 49x40 int8 spectrograms of one second of audio each, made by
//! `make_samples.py` with TFLM's audio front end, and prints the dequantized score of each label.

embedml::include_model!(pub MicroSpeech, "../models/micro_speech_quantized.tflite");

/// The model's output labels, in order.
const LABELS: [&str; 4] = ["silence", "unknown", "yes", "no"];

/// Sample name and its spectrogram (1960 raw int8 bytes).
const SAMPLES: [(&str, &[u8; 1960]); 4] = [
    ("yes", include_bytes!("../samples/yes.features")),
    ("no", include_bytes!("../samples/no.features")),
    ("silence", include_bytes!("../samples/silence.features")),
    ("unknown", include_bytes!("../samples/unknown.features")),
];

fn main() {
    let mut model = MicroSpeech::new();
    println!("MicroSpeech::ARENA_BYTES = {}\n", MicroSpeech::ARENA_BYTES);

    print!("{:<8}", "sample");
    for label in LABELS {
        print!("{label:>9}");
    }
    println!("  top");

    for (name, features) in SAMPLES {
        *model.input_mut() = features.map(|byte| byte as i8);
        model.invoke();

        let scores = *model.output();
        // The scores as probabilities: `scale * (q - zero_point)`, done by the generated helper.
        let probabilities = model.output_f32();
        // The first of equal maxima, as `np.argmax` picks (`max_by_key` keeps the last).
        let top = (0..LABELS.len())
            .rev()
            .max_by_key(|&i| scores[i])
            .unwrap_or(0);

        print!("{name:<8}");
        for p in probabilities {
            print!("{p:>9.4}");
        }
        println!("  {}   (raw {scores:?})", LABELS[top]);
    }
}
