//! Keyword spotting from raw audio, the whole chain on the chip: 16 kHz PCM (TFLM's recordings,
//! `tests/audio/`, embedded with `include_bytes!`) through `audio_preprocessor_int8` (TFLM's
//! feature extractor) into `micro_speech_quantized`, both compiled by `embedml::include_model!`
//! into one shared arena, then `embedml::recognize` over the scores.
//!
//! 1. Each clip alone, as TFLM's micro_speech test runs it (a reset front end, 49 frames, one
//!    classification): the label must be the one TFLM's test expects.
//! 2. Five seconds of audio as one stream (silence, "yes", noise, "no", silence): a feature frame
//!    every 20 ms and a classification of the latest second after every frame, each feature and
//!    score compared with TFLM's (tests/golden/chain/stream.bin), the recognizer's commands
//!    printed. One second of the stream (50 frames, 50 classifications) runs between the bench
//!    markers.
//!
//! Exits 0 if every label, feature and score is TFLM's and the commands heard are "yes", "no".

#![no_std]
#![no_main]

use core::hint::black_box;
use embedml::recognize::{Config, RecognizeCommands};
use embedml::{arena_bytes_for, Arena};
use embedml_firmware::{bench_end, bench_start, exit_code, paint_stack, stack_used, Line};

embedml::include_model!(
    Preprocessor,
    "../../../../tests/models/audio_preprocessor_int8.tflite"
);
embedml::include_model!(
    MicroSpeech,
    "../../../../tests/models/micro_speech_quantized.tflite"
);

/// One arena for both models: they run in turn, and what passes between them (the feature
/// frames) is kept outside it.
const SHARED: usize = arena_bytes_for(&[Preprocessor::ARENA_BYTES, MicroSpeech::ARENA_BYTES]);

const WINDOW: usize = 480;
const STRIDE: usize = 320;
const FRAMES: usize = 49;
const FEATURES: usize = 40;
const CLIP: usize = 16_000;
const LABELS: [&str; 4] = ["silence", "unknown", "yes", "no"];

#[no_mangle]
static AUDIO_YES: [u8; 2 * CLIP] = *include_bytes!("../../../../tests/audio/yes_1000ms.pcm");
static YES: &[u8; 2 * CLIP] = &AUDIO_YES;
#[no_mangle]
static AUDIO_NO: [u8; 2 * CLIP] = *include_bytes!("../../../../tests/audio/no_1000ms.pcm");
static NO: &[u8; 2 * CLIP] = &AUDIO_NO;
#[no_mangle]
static AUDIO_SILENCE: [u8; 2 * CLIP] =
    *include_bytes!("../../../../tests/audio/silence_1000ms.pcm");
static SILENCE: &[u8; 2 * CLIP] = &AUDIO_SILENCE;
#[no_mangle]
static AUDIO_NOISE: [u8; 2 * CLIP] = *include_bytes!("../../../../tests/audio/noise_1000ms.pcm");
static NOISE: &[u8; 2 * CLIP] = &AUDIO_NOISE;
/// TFLM's features and scores for the stream (see tests/tools/make_chain_goldens.py).
#[no_mangle]
static STREAM_GOLDEN: &[u8] = include_bytes!("../../../../tests/golden/chain/stream.bin");

/// The stream, as make_chain_goldens.py's STREAM: five clips end to end.
static STREAM: [&[u8; 2 * CLIP]; 5] = [SILENCE, YES, NOISE, NO, SILENCE];
/// The steady-state second measured: stream steps from here, 50 of them.
const MEASURED_FROM: usize = 100;
const MEASURED_STEPS: usize = 50;

/// Sample `i` of a clip or of the stream of clips (0 past the end).
fn sample(clips: &[&[u8; 2 * CLIP]], i: usize) -> i16 {
    let (clip, at) = (i / CLIP, i % CLIP);
    match (clips.get(clip), (2 * at, 2 * at + 1)) {
        (Some(c), (lo, hi)) => match (c.get(lo), c.get(hi)) {
            (Some(&lo), Some(&hi)) => i16::from_le_bytes([lo, hi]),
            _ => 0,
        },
        (None, _) => 0,
    }
}

/// The chain's memory outside the arena: the front end's state and the last second of features.
struct Chain {
    state: PreprocessorState,
    /// A ring of the last `FRAMES` frames; `next` is where the next one goes.
    frames: [[i8; FEATURES]; FRAMES],
    next: usize,
    count: usize,
}

impl Chain {
    /// Computes the feature frame of the window starting at sample `start` of `clips`.
    fn frame(&mut self, arena: &mut Arena<SHARED>, clips: &[&[u8; 2 * CLIP]], start: usize) {
        for (k, x) in Preprocessor::input_mut_in(arena).iter_mut().enumerate() {
            *x = sample(clips, start + k);
        }
        Preprocessor::invoke_in(&mut self.state, arena);
        if let Some(slot) = self.frames.get_mut(self.next) {
            *slot = *Preprocessor::output_in(arena);
        }
        self.next = (self.next + 1) % FRAMES;
        self.count += 1;
    }

    /// The newest frame.
    fn newest(&self) -> &[i8; FEATURES] {
        let newest = (self.next + FRAMES - 1) % FRAMES;
        self.frames.get(newest).unwrap_or(&[0; FEATURES])
    }

    /// Classifies the last `FRAMES` frames, oldest first.
    fn classify(&self, arena: &mut Arena<SHARED>) -> [i8; 4] {
        let input = MicroSpeech::input_mut_in(arena);
        for (k, chunk) in input.chunks_exact_mut(FEATURES).enumerate() {
            if let Some(frame) = self.frames.get((self.next + k) % FRAMES) {
                chunk.copy_from_slice(frame);
            }
        }
        MicroSpeech::invoke_in(arena);
        *MicroSpeech::output_in(arena)
    }
}

/// The name of label `i`.
fn label(i: usize) -> &'static str {
    LABELS.get(i).copied().unwrap_or("?")
}

/// The first label with the highest score.
fn top(scores: &[i8; 4]) -> usize {
    let (mut best, mut best_score) = (0, scores[0]);
    for (i, &s) in scores.iter().enumerate() {
        if s > best_score {
            (best, best_score) = (i, s);
        }
    }
    best
}

#[embedml_firmware::__entry]
fn main() -> ! {
    static mut ARENA: Arena<SHARED> = Arena::new();
    static mut CHAIN: Chain = Chain {
        state: PreprocessorState::new(),
        frames: [[0; FEATURES]; FRAMES],
        next: 0,
        count: 0,
    };
    let arena: &mut Arena<SHARED> = ARENA;
    let chain: &mut Chain = CHAIN;
    let mut ok = true;

    // 1. Each clip alone, as TFLM's test: TFLM hears yes, no, silence, silence.
    for (name, clip, expected) in [
        ("yes", YES, 2),
        ("no", NO, 3),
        ("silence", SILENCE, 0),
        ("noise", NOISE, 0),
    ] {
        chain.state.reset();
        chain.next = 0;
        for f in 0..FRAMES {
            chain.frame(arena, &[clip], f * STRIDE);
        }
        let scores = chain.classify(arena);
        let heard = top(&scores);
        ok &= heard == expected;
        Line::new()
            .str("clip ")
            .str(name)
            .str(": heard ")
            .str(label(heard))
            .str(" ")
            .list(scores.iter().map(|&s| i32::from(s)))
            .str(if heard == expected { "" } else { " (WRONG)" })
            .print();
    }

    // 2. The stream, frame after frame, against TFLM's features and scores.
    chain.state.reset();
    chain.next = 0;
    chain.count = 0;
    let mut recognizer = RecognizeCommands::<4, 64>::new(Config::default());
    let steps = (STREAM.len() * CLIP - WINDOW) / STRIDE + 1;
    let mut golden = STREAM_GOLDEN;
    let mut heard = [0usize; 8];
    let mut heard_count = 0;
    let mut matches = true;
    let mut stack = 0;
    for step in 0..steps {
        // The measured second: stack painted first, so its stack use is measured too.
        let sp = if step == MEASURED_FROM {
            paint_stack()
        } else {
            0
        };
        if step == MEASURED_FROM {
            bench_start();
        }
        chain.frame(arena, &STREAM, step * STRIDE);
        let features = chain.newest();
        matches &= golden
            .get(..FEATURES)
            .is_some_and(|want| want.iter().zip(features).all(|(&w, &f)| w as i8 == f));
        golden = golden.get(FEATURES..).unwrap_or(&[]);
        if chain.count >= FRAMES {
            let scores = chain.classify(arena);
            matches &= golden
                .get(..4)
                .is_some_and(|want| want.iter().zip(&scores).all(|(&w, &s)| w as i8 == s));
            golden = golden.get(4..).unwrap_or(&[]);
            let time_ms = (step * STRIDE / 16) as i32;
            if let Ok(result) = recognizer.process(&scores, time_ms) {
                // Silence and unknown are not commands.
                if result.is_new_command && result.label >= 2 {
                    if let Some(slot) = heard.get_mut(heard_count) {
                        *slot = result.label;
                        heard_count += 1;
                    }
                    Line::new()
                        .str("stream: heard ")
                        .str(label(result.label))
                        .str(" at ")
                        .int(time_ms)
                        .str(" ms, score ")
                        .int(i32::from(result.score))
                        .print();
                }
            }
        }
        if step + 1 == MEASURED_FROM + MEASURED_STEPS {
            bench_end();
        }
        if step == MEASURED_FROM {
            stack = stack.max(stack_used(sp));
        }
        black_box(&*chain);
    }
    matches &= golden.is_empty();
    let commands_ok = heard.get(..heard_count) == Some(&[2, 3][..]);
    ok &= matches && commands_ok;
    Line::new()
        .str("micro_speech_chain: arena ")
        .int(SHARED as i32)
        .str(" B, stack ")
        .int(stack as i32)
        .str(" B, state ")
        .int(Preprocessor::STATE_BYTES as i32)
        .str(" B, features ")
        .int((FRAMES * FEATURES) as i32)
        .str(" B, steps ")
        .int(steps as i32)
        .str(" (arenas: preprocessor ")
        .int(Preprocessor::ARENA_BYTES as i32)
        .str(" B, micro_speech ")
        .int(MicroSpeech::ARENA_BYTES as i32)
        .str(" B)")
        .str(if matches {
            ", TFLM's features and scores"
        } else {
            ", FEATURES OR SCORES DIFFER"
        })
        .str(if ok { ": match" } else { ": MISMATCH" })
        .print();
    exit_code(u32::from(!ok))
}
