//! The whole keyword-spotting chain compiled: 16 kHz PCM through `audio_preprocessor_int8` (TFLM's
//! feature extractor, signal-library custom operators and all) into `micro_speech_quantized`,
//! against TFLM running the same chain (tests/tools/make_chain_goldens.py): every feature frame
//! and every score bit for bit, clip by clip and over one five-second stream, and the
//! recognizer's commands over that stream.

use embedml::recognize::{Config, RecognizeCommands};

embedml::include_model!(Preprocessor, "../models/audio_preprocessor_int8.tflite");
embedml::include_model!(MicroSpeech, "../models/micro_speech_quantized.tflite");

const WINDOW: usize = 480;
const STRIDE: usize = 320;
const FRAMES: usize = 49;
const FEATURES: usize = 40;
const LABELS: [&str; 4] = ["silence", "unknown", "yes", "no"];

fn read(path: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pcm(name: &str) -> Vec<i16> {
    read(&format!("audio/{name}.pcm"))
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// One frame of features from a 30 ms window.
fn frame(pre: &mut Preprocessor, window: &[i16]) -> [i8; FEATURES] {
    pre.input_mut().copy_from_slice(window);
    pre.invoke();
    *pre.output()
}

/// The scores of the latest 49 frames.
fn classify(kws: &mut MicroSpeech, frames: &[[i8; FEATURES]]) -> [i8; 4] {
    for (dst, src) in kws.input_mut().chunks_exact_mut(FEATURES).zip(frames) {
        dst.copy_from_slice(src);
    }
    kws.invoke();
    *kws.output()
}

fn as_i8(bytes: &[u8]) -> Vec<i8> {
    bytes.iter().map(|&b| b as i8).collect()
}

#[test]
fn each_clip_gives_tflms_features_and_scores() {
    let golden = read("golden/chain/clips.bin");
    let manifest = String::from_utf8(read("golden/chain/clips.txt")).unwrap();
    let clips: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("clip: "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(clips.len(), 4, "{manifest}");
    let per_clip = FRAMES * FEATURES + 4;
    assert_eq!(golden.len(), clips.len() * per_clip);
    let mut pre = Box::new(Preprocessor::new());
    let mut kws = Box::new(MicroSpeech::new());
    for (clip, want) in clips.iter().zip(golden.chunks_exact(per_clip)) {
        // A fresh front end per clip, as TFLM's test makes a new interpreter per clip.
        pre.reset();
        let audio = pcm(clip);
        let frames: Vec<[i8; FEATURES]> = (0..FRAMES)
            .map(|i| frame(&mut pre, &audio[i * STRIDE..i * STRIDE + WINDOW]))
            .collect();
        let (want_features, want_scores) = want.split_at(FRAMES * FEATURES);
        assert_eq!(frames.concat(), as_i8(want_features), "{clip}: features");
        assert_eq!(
            classify(&mut kws, &frames).to_vec(),
            as_i8(want_scores),
            "{clip}: scores"
        );
    }
}

#[test]
fn one_stream_gives_tflms_frames_scores_and_the_commands_spoken() {
    let golden = read("golden/chain/stream.bin");
    let manifest = String::from_utf8(read("golden/chain/stream.txt")).unwrap();
    let field = |key: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("stream.txt has no {key}"))
            .to_owned()
    };
    let stream: Vec<i16> = field("stream: ").split(' ').flat_map(pcm).collect();
    let steps: usize = field("steps: ").parse().unwrap();
    assert_eq!(steps, (stream.len() - WINDOW) / STRIDE + 1);
    let mut pre = Box::new(Preprocessor::new());
    let mut kws = Box::new(MicroSpeech::new());
    let mut recognizer = RecognizeCommands::<4, 64>::new(Config::default());
    let mut frames: Vec<[i8; FEATURES]> = Vec::new();
    let mut at = 0;
    let mut heard = Vec::new();
    for step in 0..steps {
        let features = frame(&mut pre, &stream[step * STRIDE..step * STRIDE + WINDOW]);
        assert_eq!(
            features.to_vec(),
            as_i8(&golden[at..at + FEATURES]),
            "step {step}: features"
        );
        at += FEATURES;
        frames.push(features);
        if frames.len() > FRAMES {
            frames.remove(0);
        }
        if frames.len() == FRAMES {
            let scores = classify(&mut kws, &frames);
            assert_eq!(
                scores.to_vec(),
                as_i8(&golden[at..at + 4]),
                "step {step}: scores"
            );
            at += 4;
            let time_ms = (step * STRIDE * 1000 / 16000) as i32;
            let result = recognizer.process(&scores, time_ms).unwrap();
            // Label 0 (silence) and 1 (unknown) are not commands.
            if result.is_new_command && result.label >= 2 {
                heard.push(LABELS[result.label]);
            }
        }
    }
    assert_eq!(at, golden.len());
    assert_eq!(heard, ["yes", "no"]);
}
