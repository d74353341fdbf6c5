//! A streaming model with embedml: one feature frame in per `invoke()`, the past kept as state.
//!
//! `streaming_mixconv.tflite` is built like ESPHome's microWakeWord models: each call sees one
//! new frame of 40 features, and its streaming convolutions keep their past frames in resource
//! variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, initialised by a CALL_ONCE init
//! subgraph). `include_model!` evaluates the init subgraph at build time and gives the model its
//! state outside the arena: `STATE_BYTES`, kept from one `invoke()` to the next, and `reset()`,
//! which restores what TensorFlow Lite Micro's `Reset()` gives, to start a new stream.
//!
//! The stream here is two real one-second clips (`yes` then `no`, the 49x40 spectrograms of
//! `examples/micro_speech/samples/`), fed frame by frame with a `reset()` between them. The
//! model's weights are untrained: the numbers show the mechanics, not a detection.

embedml::include_model!(pub WakeWord, "../models/streaming_mixconv.tflite");

/// Features per frame (the model's input) and frames per clip.
const FEATURES: usize = 40;
const FRAMES: usize = 49;

const CLIPS: [(&str, &[u8; FEATURES * FRAMES]); 2] = [
    (
        "yes",
        include_bytes!("../../micro_speech/samples/yes.features"),
    ),
    (
        "no",
        include_bytes!("../../micro_speech/samples/no.features"),
    ),
];

/// Runs one clip through `model` frame by frame; the per-frame outputs as probabilities.
fn run_clip(model: &mut WakeWord, clip: &[u8; FEATURES * FRAMES]) -> Vec<[f32; 4]> {
    clip.chunks_exact(FEATURES)
        .map(|frame| {
            for (x, &b) in model.input_mut().iter_mut().zip(frame) {
                *x = b as i8;
            }
            model.invoke();
            model.output_f32()
        })
        .collect()
}

fn main() {
    // The state (the streaming convolutions' past frames) lives in the model value, beside the
    // arena; on a microcontroller keep the value in a static.
    let mut model = Box::new(WakeWord::new());
    println!(
        "WakeWord: ARENA_BYTES = {}, STATE_BYTES = {}",
        WakeWord::ARENA_BYTES,
        WakeWord::STATE_BYTES
    );
    for (name, clip) in CLIPS {
        // A new stream: the past frames of the previous clip must not leak into this one.
        model.reset();
        let outputs = run_clip(&mut model, clip);
        println!("\n{name}: frame  output (uint8 scores as probabilities)");
        for (frame, y) in outputs.iter().enumerate().step_by(6) {
            println!(
                "{name}: {frame:>5}  {:.3} {:.3} {:.3} {:.3}",
                y[0], y[1], y[2], y[3]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_carries_from_frame_to_frame() {
        // The same frame gives another output once the model has seen earlier frames.
        let mut model = Box::new(WakeWord::new());
        let frame = &CLIPS[0].1[FEATURES * 20..FEATURES * 21];
        let mut outputs = Vec::new();
        for _ in 0..2 {
            for (x, &b) in model.input_mut().iter_mut().zip(frame) {
                *x = b as i8;
            }
            model.invoke();
            outputs.push(*model.output());
        }
        assert_ne!(outputs[0], outputs[1]);
    }

    #[test]
    fn reset_starts_a_stream_over() {
        let mut model = Box::new(WakeWord::new());
        let a = run_clip(&mut model, CLIPS[0].1);
        let b = run_clip(&mut model, CLIPS[1].1);
        model.reset();
        let b_fresh = run_clip(&mut model, CLIPS[1].1);
        model.reset();
        assert_eq!(run_clip(&mut model, CLIPS[0].1), a);
        // Without the reset, the second clip's outputs carry the first clip's frames.
        assert_ne!(b, b_fresh);
    }
}
