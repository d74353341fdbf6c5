//! Keyword spotting with embedml, from raw audio: TFLM's micro_speech chain compiled into Rust at
//! build time.
//!
//! Two `include_model!` calls turn TFLM's audio front end (`audio_preprocessor_int8.tflite`: 30 ms
//! of 16 kHz int16 audio in, 40 int8 features out, noise estimates kept as state between calls)
//! and its keyword model (`micro_speech_quantized.tflite`: 49 frames of features in, four int8
//! scores out) into the types `Preprocessor` and `MicroSpeech`. Their arenas live inside the
//! values: no allocator, no interpreter.
//!
//! 1. Each of TFLM's four one-second recordings (`audio/`), as TFLM's own test runs them: a fresh
//!    front end, 49 frames, one classification. TFLM hears yes, no, silence, silence.
//! 2. The same clips as one five-second stream (silence, yes, noise, no, silence): a frame every
//!    20 ms, a classification of the latest second after each, and `embedml::recognize` turning
//!    the scores into commands, as a device would.

use embedml::recognize::{Config, RecognizeCommands};

embedml::include_model!(pub Preprocessor, "../models/audio_preprocessor_int8.tflite");
embedml::include_model!(pub MicroSpeech, "../models/micro_speech_quantized.tflite");

/// The model's output labels, in order.
const LABELS: [&str; 4] = ["silence", "unknown", "yes", "no"];
/// Samples per feature frame (30 ms) and between frames (20 ms), at 16 kHz.
const WINDOW: usize = 480;
const STRIDE: usize = 320;
/// Frames per classification (one second) and features per frame.
const FRAMES: usize = 49;
const FEATURES: usize = 40;

/// TFLM's recordings: one second each of 16 kHz mono little-endian int16.
const CLIPS: [(&str, &[u8; 32_000]); 4] = [
    ("yes", include_bytes!("../audio/yes_1000ms.pcm")),
    ("no", include_bytes!("../audio/no_1000ms.pcm")),
    ("silence", include_bytes!("../audio/silence_1000ms.pcm")),
    ("noise", include_bytes!("../audio/noise_1000ms.pcm")),
];

fn samples(pcm: &[u8]) -> Vec<i16> {
    pcm.chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The keyword spotter: both models and the last second of feature frames.
struct Spotter {
    preprocessor: Preprocessor,
    classifier: MicroSpeech,
    /// Oldest first; at most `FRAMES`.
    frames: Vec<[i8; FEATURES]>,
}

impl Spotter {
    fn new() -> Self {
        Spotter {
            preprocessor: Preprocessor::new(),
            classifier: MicroSpeech::new(),
            frames: Vec::with_capacity(FRAMES + 1),
        }
    }

    /// Forgets all audio heard: the front end's noise estimates and the frames.
    fn reset(&mut self) {
        self.preprocessor.reset();
        self.frames.clear();
    }

    /// Adds the feature frame of one 30 ms window.
    fn listen(&mut self, window: &[i16]) {
        self.preprocessor.input_mut().copy_from_slice(window);
        self.preprocessor.invoke();
        self.frames.push(*self.preprocessor.output());
        if self.frames.len() > FRAMES {
            self.frames.remove(0);
        }
    }

    /// The scores of the last second, once a second of frames has been heard.
    fn classify(&mut self) -> Option<[i8; 4]> {
        if self.frames.len() < FRAMES {
            return None;
        }
        let input = self.classifier.input_mut().chunks_exact_mut(FEATURES);
        for (slot, frame) in input.zip(&self.frames) {
            slot.copy_from_slice(frame);
        }
        self.classifier.invoke();
        Some(*self.classifier.output())
    }
}

/// The first label with the highest score, as TFLM's test picks it.
fn top(scores: &[i8; 4]) -> usize {
    (0..LABELS.len())
        .rev()
        .max_by_key(|&i| scores[i])
        .unwrap_or(0)
}

fn main() {
    // The two models run one after the other, so boxing keeps their arenas off the stack.
    let mut spotter = Box::new(Spotter::new());
    println!(
        "Preprocessor::ARENA_BYTES = {}, STATE_BYTES = {}; MicroSpeech::ARENA_BYTES = {}\n",
        Preprocessor::ARENA_BYTES,
        Preprocessor::STATE_BYTES,
        MicroSpeech::ARENA_BYTES
    );

    println!("Each clip alone:");
    print!("{:<8}", "clip");
    for label in LABELS {
        print!("{label:>9}");
    }
    println!("  top");
    for (name, pcm) in CLIPS {
        let audio = samples(pcm);
        spotter.reset();
        for frame in 0..FRAMES {
            spotter.listen(&audio[frame * STRIDE..frame * STRIDE + WINDOW]);
        }
        let Some(scores) = spotter.classify() else {
            continue;
        };
        print!("{name:<8}");
        // The scores as probabilities: `scale * (q - zero_point)`, done by the generated helper.
        for p in spotter.classifier.output_f32() {
            print!("{p:>9.4}");
        }
        println!("  {}   (raw {scores:?})", LABELS[top(&scores)]);
    }

    println!("\nOne stream: silence, yes, noise, no, silence");
    let stream: Vec<i16> = [2, 0, 3, 1, 2]
        .iter()
        .flat_map(|&clip| samples(CLIPS[clip].1))
        .collect();
    spotter.reset();
    let mut recognizer = RecognizeCommands::<4, 64>::new(Config::default());
    for (step, window) in stream.windows(WINDOW).step_by(STRIDE).enumerate() {
        spotter.listen(window);
        let Some(scores) = spotter.classify() else {
            continue;
        };
        let time_ms = (step * STRIDE / 16) as i32;
        if let Ok(heard) = recognizer.process(&scores, time_ms) {
            // Silence and unknown are not commands.
            if heard.is_new_command && heard.label >= 2 {
                println!(
                    "  {time_ms:>5} ms: heard \"{}\" (score {})",
                    LABELS[heard.label], heard.score
                );
            }
        }
    }
}
