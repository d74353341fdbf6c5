//! Turning a keyword spotter's scores into commands: a moving average over a time window, a
//! detection threshold, and suppression of repeats, in the spirit of the `RecognizeCommands`
//! class of TFLM's micro_speech example.
//!
//! A streaming keyword model scores every new window of audio (micro_speech: every 20 ms of
//! features, one second of audio per window), and single windows are noisy: a word is scored
//! high over several windows, and a click may score high in one. [`RecognizeCommands`] keeps the
//! scores of the last `average_window_ms`, averages them, and reports a command when the best
//! average passes the threshold, once: the same label again is suppressed for `suppression_ms`.
//!
//! ```
//! use embedml::recognize::{Config, RecognizeCommands};
//!
//! // Four labels (micro_speech: silence, unknown, yes, no), up to 50 results in the window.
//! let mut recognizer = RecognizeCommands::<4, 50>::new(Config::default());
//! let yes = [-128, -128, 127, -128]; // int8 scores: "yes" certain
//! let mut heard = None;
//! for step in 0..30 {
//!     let result = recognizer.process(&yes, step * 20).unwrap();
//!     if result.is_new_command {
//!         heard = Some((result.label, step));
//!     }
//! }
//! // Reported once, after a quarter of the window (250 ms) of results.
//! assert_eq!(heard, Some((2, 13)));
//! ```

/// How a [`RecognizeCommands`] decides (TFLM's example uses the defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// Results older than this many milliseconds before the newest leave the average.
    pub average_window_ms: i32,
    /// The average score (0 to 255: int8 scores plus 128) a label must pass to be detected.
    pub detection_threshold: u8,
    /// After a detection, the same label is not reported again for this many milliseconds.
    pub suppression_ms: i32,
    /// Fewer results than this in the window give no detection (nor do results spanning less
    /// than a quarter of the window).
    pub minimum_count: usize,
}

impl Default for Config {
    /// TFLM's example: a 1000 ms window, threshold 200, 1500 ms suppression, 3 results at least.
    fn default() -> Self {
        Config {
            average_window_ms: 1000,
            detection_threshold: 200,
            suppression_ms: 1500,
            minimum_count: 3,
        }
    }
}

/// What [`RecognizeCommands::process`] concluded from the results so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Recognition {
    /// The label with the best average score (with too few results: the last detected label,
    /// initially label 0, which TFLM's example calls silence).
    pub label: usize,
    /// Its average score, 0 to 255 (0 with too few results).
    pub score: u8,
    /// Whether this is a new detection: the average passed the threshold, and the label differs
    /// from the last detected one or the suppression time has passed since it.
    pub is_new_command: bool,
}

/// Results fed out of order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OutOfOrder {
    /// The time given.
    pub time_ms: i32,
    /// The newest time before it.
    pub previous_ms: i32,
}

/// A moving-average command recognizer over `LABELS` scores, remembering up to `HISTORY` results
/// (size it for the window: `average_window_ms / stride_ms + 1`; when more results than that fall
/// in the window, the oldest leave the average early).
#[derive(Clone, Debug)]
pub struct RecognizeCommands<const LABELS: usize, const HISTORY: usize> {
    config: Config,
    /// A ring of `(time_ms, scores)`: `len` entries from `oldest`.
    history: [(i32, [i8; LABELS]); HISTORY],
    oldest: usize,
    len: usize,
    /// The last detected label and when; label 0 and no time at first.
    previous_label: usize,
    previous_time: Option<i32>,
}

impl<const LABELS: usize, const HISTORY: usize> RecognizeCommands<LABELS, HISTORY> {
    /// A recognizer with no results yet.
    pub const fn new(config: Config) -> Self {
        RecognizeCommands {
            config,
            history: [(0, [0; LABELS]); HISTORY],
            oldest: 0,
            len: 0,
            previous_label: 0,
            previous_time: None,
        }
    }

    /// Forgets every result and detection.
    pub fn reset(&mut self) {
        *self = Self::new(self.config);
    }

    /// Adds the model's int8 scores for the audio up to `time_ms` and says what is heard.
    ///
    /// Times must not decrease; a time before the newest one is an error and changes nothing.
    pub fn process(
        &mut self,
        scores: &[i8; LABELS],
        time_ms: i32,
    ) -> Result<Recognition, OutOfOrder> {
        if let Some((newest, _)) = self.entry(self.len.wrapping_sub(1))
            && time_ms < newest
        {
            return Err(OutOfOrder {
                time_ms,
                previous_ms: newest,
            });
        }
        self.push(time_ms, *scores);
        // Drop what has left the window (i64: no overflow near i32's ends).
        let limit = i64::from(time_ms) - i64::from(self.config.average_window_ms);
        while let Some((time, _)) = self.entry(0) {
            if i64::from(time) >= limit {
                break;
            }
            self.oldest = (self.oldest + 1) % HISTORY;
            self.len -= 1;
        }
        let earliest = self.entry(0).map_or(time_ms, |(time, _)| time);
        let span = i64::from(time_ms) - i64::from(earliest);
        if self.len < self.config.minimum_count
            || span < i64::from(self.config.average_window_ms / 4)
        {
            return Ok(Recognition {
                label: self.previous_label,
                score: 0,
                is_new_command: false,
            });
        }
        let mut sums = [0u32; LABELS];
        for i in 0..self.len {
            if let Some((_, scores)) = self.entry(i) {
                for (sum, &score) in sums.iter_mut().zip(scores.iter()) {
                    *sum = sum.saturating_add((i32::from(score) + 128) as u32);
                }
            }
        }
        // The first label with the highest average (ties keep the lower index); averages of 0
        // leave label 0.
        let (mut label, mut best) = (0usize, 0u32);
        for (i, &sum) in sums.iter().enumerate() {
            let average = sum.checked_div(self.len as u32).unwrap_or(0);
            if average > best {
                (label, best) = (i, average);
            }
        }
        let since_previous = match self.previous_time {
            Some(time) if self.previous_label != 0 => i64::from(time_ms) - i64::from(time),
            _ => i64::MAX,
        };
        let is_new_command = best > u32::from(self.config.detection_threshold)
            && (label != self.previous_label
                || since_previous > i64::from(self.config.suppression_ms));
        if is_new_command {
            self.previous_label = label;
            self.previous_time = Some(time_ms);
        }
        Ok(Recognition {
            label,
            score: best.min(255) as u8,
            is_new_command,
        })
    }

    /// The `i`-th remembered result from the oldest.
    fn entry(&self, i: usize) -> Option<(i32, [i8; LABELS])> {
        if i >= self.len {
            return None;
        }
        self.history.get((self.oldest + i) % HISTORY).copied()
    }

    /// Remembers a result, forgetting the oldest when full.
    fn push(&mut self, time_ms: i32, scores: [i8; LABELS]) {
        if HISTORY == 0 {
            return;
        }
        if self.len == HISTORY {
            self.oldest = (self.oldest + 1) % HISTORY;
            self.len -= 1;
        }
        if let Some(slot) = self.history.get_mut((self.oldest + self.len) % HISTORY) {
            *slot = (time_ms, scores);
            self.len += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{vec, vec::Vec};

    const SILENCE: [i8; 4] = [127, -128, -128, -128];
    const YES: [i8; 4] = [-128, -128, 127, -128];
    const NO: [i8; 4] = [-128, -128, -128, 127];

    fn recognizer() -> RecognizeCommands<4, 64> {
        RecognizeCommands::new(Config::default())
    }

    /// Feeds `scores` every 20 ms from `start` for `count` results; the new commands heard.
    fn feed(
        r: &mut RecognizeCommands<4, 64>,
        scores: [i8; 4],
        start: i32,
        count: i32,
    ) -> Vec<(usize, i32)> {
        (0..count)
            .filter_map(|i| {
                let time = start + i * 20;
                let result = r.process(&scores, time).unwrap();
                result.is_new_command.then_some((result.label, time))
            })
            .collect()
    }

    #[test]
    fn too_few_results_give_the_previous_label_and_no_score() {
        let mut r = recognizer();
        for time in [0, 20] {
            let result = r.process(&YES, time).unwrap();
            assert_eq!(
                (result.label, result.score, result.is_new_command),
                (0, 0, false)
            );
        }
    }

    #[test]
    fn a_word_is_reported_once_after_a_quarter_window() {
        let mut r = recognizer();
        // 250 ms of results are needed: the 14th result, at 260 ms.
        assert_eq!(feed(&mut r, YES, 0, 50), vec![(2, 260)]);
    }

    #[test]
    fn a_different_word_is_reported_at_once_and_the_same_word_after_suppression() {
        let mut r = recognizer();
        assert_eq!(feed(&mut r, YES, 0, 20), vec![(2, 260)]);
        // "no" is reported once it outweighs "yes" in the average, then again only once
        // 1500 ms have passed since.
        let heard = feed(&mut r, NO, 400, 150);
        assert_eq!(heard.len(), 2, "{heard:?}");
        assert_eq!((heard[0].0, heard[1].0), (3, 3));
        assert_eq!(heard[1].1 - heard[0].1, 1520, "{heard:?}");
    }

    #[test]
    fn silence_is_never_suppressed() {
        // As in TFLM's example: label 0 detected is reported every time, not as a command
        // whose repeats are suppressed.
        let mut r = recognizer();
        let heard = feed(&mut r, SILENCE, 0, 16);
        assert_eq!(heard, vec![(0, 260), (0, 280), (0, 300)]);
    }

    #[test]
    fn the_average_decides_not_the_latest_result() {
        let mut r = recognizer();
        feed(&mut r, SILENCE, 0, 40);
        // One loud "yes" among silence: silence still has the best average.
        let result = r.process(&YES, 800).unwrap();
        assert_eq!(result.label, 0);
        assert!(result.score > 200);
    }

    #[test]
    fn scores_below_the_threshold_are_not_commands() {
        let mut r = recognizer();
        let unsure = [-128, -128, 60, -128]; // average 188 <= 200
        assert!(feed(&mut r, unsure, 0, 60).is_empty());
        let result = r.process(&unsure, 2000).unwrap();
        assert_eq!((result.label, result.score), (2, 188));
    }

    #[test]
    fn results_out_of_order_are_refused() {
        let mut r = recognizer();
        r.process(&YES, 100).unwrap();
        assert_eq!(
            r.process(&YES, 99),
            Err(OutOfOrder {
                time_ms: 99,
                previous_ms: 100
            })
        );
    }

    #[test]
    fn a_full_history_forgets_the_oldest() {
        let mut r = RecognizeCommands::<4, 4>::new(Config::default());
        for i in 0..10 {
            r.process(&YES, i * 100).unwrap();
        }
        assert_eq!(r.len, 4);
        assert_eq!(r.entry(0).map(|(t, _)| t), Some(600));
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let mut r = recognizer();
        for time in [i32::MIN, i32::MIN + 1, 0, i32::MAX - 1, i32::MAX] {
            r.process(&YES, time).unwrap();
        }
        let mut empty = RecognizeCommands::<4, 0>::new(Config::default());
        assert!(!empty.process(&YES, 0).unwrap().is_new_command);
    }
}
