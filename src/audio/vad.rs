//! Voice activity and endpointing on 16 kHz mono audio: cuts a stream into utterances.
//!
//! Energy against an adaptive noise floor, in 20 ms frames, with hysteresis: speech starts when
//! three frames in a row are 6 dB above the floor and continues while frames stay 3 dB above it;
//! `end_silence_ms` below that ends the utterance. 300 ms before the start are kept (consonants
//! are quiet), and an utterance is cut at `MAX_UTTERANCE_S` so memory stays bounded whatever comes in.

use std::collections::VecDeque;

const FRAME: usize = 320;
const START_DB: f32 = 6.0;
const CONTINUE_DB: f32 = 3.0;
const START_FRAMES: usize = 3;
const PRE_ROLL_FRAMES: usize = 15;
/// Quieter than this is silence whatever the floor (a muted or absent microphone).
const ABSOLUTE_MIN_DB: f32 = -55.0;
pub const MAX_UTTERANCE_S: usize = 15;
/// Shorter than this is a click or a cough, not a command.
const MIN_SPEECH_FRAMES: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    pub start_ms: u64,
    pub end_ms: u64,
    pub samples: Vec<f32>,
}

pub struct Endpointer {
    end_silence_frames: usize,
    floor_db: f32,
    pending: Vec<f32>,
    frames_seen: u64,
    pre_roll: VecDeque<Vec<f32>>,
    loud_run: usize,
    current: Option<Utterance>,
    speech_frames: usize,
    silence_run: usize,
}

fn level_db(frame: &[f32]) -> f32 {
    let power = frame.iter().map(|v| v * v).sum::<f32>() / frame.len().max(1) as f32;
    10.0 * (power + 1e-12).log10()
}

impl Endpointer {
    pub fn new(end_silence_ms: u32) -> Endpointer {
        Endpointer {
            end_silence_frames: (end_silence_ms as usize / 20).max(1),
            floor_db: -60.0,
            pending: Vec::new(),
            frames_seen: 0,
            pre_roll: VecDeque::new(),
            loud_run: 0,
            current: None,
            speech_frames: 0,
            silence_run: 0,
        }
    }

    /// Whether an utterance is open (for a listening indicator).
    pub fn in_speech(&self) -> bool {
        self.current.is_some()
    }

    /// The open utterance's audio so far (pre-roll included), for a recognizer that decodes
    /// while the person is still speaking.
    pub fn open_samples(&self) -> Option<&[f32]> {
        self.current.as_ref().map(|u| u.samples.as_slice())
    }

    /// How long the open utterance has been quiet at its end, in milliseconds (0 when none
    /// is open or it is voiced now).
    pub fn trailing_silence_ms(&self) -> u32 {
        if self.current.is_some() {
            (self.silence_run * 20) as u32
        } else {
            0
        }
    }

    /// Ends the open utterance now, before `end_silence_ms` of quiet: the caller knows it is
    /// complete (a recognizer already heard a whole command in it).
    pub fn cut(&mut self) -> Option<Utterance> {
        self.trim_trailing_silence();
        self.close()
    }

    /// The open utterance as [`Endpointer::cut`] would end it now, but left open: a recognizer
    /// checks whether it is already complete. `None` when none is open or it is too short to be
    /// speech.
    pub fn peek(&self) -> Option<Utterance> {
        let open = self.current.as_ref()?;
        if self.speech_frames < MIN_SPEECH_FRAMES {
            return None;
        }
        let mut u = open.clone();
        trim_silence(&mut u, self.silence_run);
        Some(u)
    }

    /// Feeds audio; returns the utterances it completed.
    pub fn push(&mut self, samples: &[f32]) -> Vec<Utterance> {
        let mut done = Vec::new();
        self.pending.extend_from_slice(samples);
        let mut at = 0;
        while self.pending.len() - at >= FRAME {
            let frame = self.pending[at..at + FRAME].to_vec();
            at += FRAME;
            if let Some(u) = self.frame(frame) {
                done.push(u);
            }
        }
        self.pending.drain(..at);
        done
    }

    /// Ends the stream: an open utterance is complete.
    pub fn finish(&mut self) -> Option<Utterance> {
        self.close()
    }

    /// Drops the open utterance's trailing silence but 100 ms.
    fn trim_trailing_silence(&mut self) {
        if let Some(u) = self.current.as_mut() {
            trim_silence(u, self.silence_run);
        }
    }

    fn close(&mut self) -> Option<Utterance> {
        let u = self.current.take()?;
        let speech = std::mem::take(&mut self.speech_frames);
        self.silence_run = 0;
        (speech >= MIN_SPEECH_FRAMES).then_some(u)
    }

    fn frame(&mut self, frame: Vec<f32>) -> Option<Utterance> {
        let db = level_db(&frame);
        let t_ms = self.frames_seen * 20;
        self.frames_seen += 1;
        // The floor follows quiet quickly and loudness slowly, so speech does not raise it much.
        let rate = if db < self.floor_db { 0.2 } else { 0.005 };
        self.floor_db += (db - self.floor_db) * rate;
        let audible = db > ABSOLUTE_MIN_DB;
        if let Some(u) = &mut self.current {
            u.samples.extend_from_slice(&frame);
            u.end_ms = t_ms + 20;
            if audible && db > self.floor_db + CONTINUE_DB {
                self.speech_frames += 1;
                self.silence_run = 0;
            } else {
                self.silence_run += 1;
            }
            let too_long = u.samples.len() >= MAX_UTTERANCE_S * 16_000;
            if self.silence_run >= self.end_silence_frames || too_long {
                self.trim_trailing_silence();
                return self.close();
            }
            return None;
        }
        self.loud_run = if audible && db > self.floor_db + START_DB { self.loud_run + 1 } else { 0 };
        self.pre_roll.push_back(frame);
        if self.pre_roll.len() > PRE_ROLL_FRAMES {
            self.pre_roll.pop_front();
        }
        if self.loud_run >= START_FRAMES {
            let samples: Vec<f32> = self.pre_roll.drain(..).flatten().collect();
            let start_ms = (t_ms + 20).saturating_sub((samples.len() / 16) as u64);
            self.current = Some(Utterance { start_ms, end_ms: t_ms + 20, samples });
            self.speech_frames = self.loud_run;
            self.silence_run = 0;
            self.loud_run = 0;
        }
        None
    }
}

/// The quiet an utterance keeps after its last voiced frame: its `end_ms` is this much after
/// the speech ended.
pub const KEPT_SILENCE_MS: u64 = 100;

/// Drops all but [`KEPT_SILENCE_MS`] of an utterance's last `silence_run` quiet frames.
fn trim_silence(u: &mut Utterance, silence_run: usize) {
    let kept_frames = KEPT_SILENCE_MS as usize / 20;
    let keep = u.samples.len().saturating_sub(silence_run.saturating_sub(kept_frames) * FRAME);
    let dropped = u.samples.len() - keep;
    u.samples.truncate(keep);
    u.end_ms = u.end_ms.saturating_sub((dropped / 16) as u64);
}

/// Every utterance in a WAV file, and what the file was.
pub fn utterances_in_file(
    path: &std::path::Path,
    end_silence_ms: u32,
) -> Result<(Vec<Utterance>, super::wav::WavInfo), super::wav::AudioError> {
    let mut endpointer = Endpointer::new(end_silence_ms);
    let mut found = Vec::new();
    let info = super::wav::stream_wav(path, |chunk| {
        found.extend(endpointer.push(chunk));
        true
    })?;
    found.extend(endpointer.finish());
    Ok((found, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tone of each (milliseconds, amplitude) in turn: 0.001 is quiet, 0.3 speech-loud.
    fn tones(parts: &[(usize, f32)]) -> Vec<f32> {
        parts.iter().flat_map(|&(ms, amp)| (0..ms * 16).map(move |i| (i as f32 * 0.07).sin() * amp)).collect()
    }

    #[test]
    fn two_bursts_make_two_utterances_with_times() {
        let mut e = Endpointer::new(500);
        let audio = tones(&[(1000, 0.001), (800, 0.3), (1000, 0.001), (600, 0.3), (1000, 0.001)]);
        let mut got = Vec::new();
        for chunk in audio.chunks(1600) {
            got.extend(e.push(chunk));
        }
        got.extend(e.finish());
        assert_eq!(got.len(), 2, "{:?}", got.iter().map(|u| (u.start_ms, u.end_ms)).collect::<Vec<_>>());
        assert!(got[0].start_ms >= 600 && got[0].start_ms <= 1000, "{}", got[0].start_ms);
        assert!(got[0].end_ms >= 1800 && got[0].end_ms <= 2000, "{}", got[0].end_ms);
        assert!(got[1].start_ms >= 2400 && got[1].start_ms <= 2800, "{}", got[1].start_ms);
    }

    #[test]
    fn an_utterance_can_be_peeked_at_and_cut_before_its_end_silence() {
        let mut e = Endpointer::new(600);
        let audio = tones(&[(1000, 0.001), (800, 0.3), (200, 0.001)]);
        for chunk in audio.chunks(320) {
            assert!(e.push(chunk).is_empty(), "600 ms of quiet have not passed");
        }
        assert!((180..=200).contains(&e.trailing_silence_ms()), "{}", e.trailing_silence_ms());
        let peeked = e.peek().expect("the open utterance, left open");
        assert!(e.in_speech(), "peeking leaves it open");
        let u = e.cut().expect("the open utterance");
        assert_eq!(peeked, u, "peek shows what cut ends");
        assert!(u.end_ms >= 1800 && u.end_ms <= 1920, "trailing quiet trimmed to 100 ms: {}", u.end_ms);
        assert!(!e.in_speech() && e.trailing_silence_ms() == 0 && e.cut().is_none());
    }

    #[test]
    fn silence_and_clicks_are_not_speech() {
        let mut e = Endpointer::new(500);
        let mut audio = vec![0.0; 16_000];
        audio.extend(tones(&[(60, 0.5)])); // a click
        audio.extend(vec![0.0; 16_000]);
        let mut got = Vec::new();
        for chunk in audio.chunks(1600) {
            got.extend(e.push(chunk));
        }
        got.extend(e.finish());
        assert!(got.is_empty());
    }
}
