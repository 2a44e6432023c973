//! The microphone path from audio to what was heard: the endpointer cuts the stream into
//! utterances, the Korean recogniser decodes the open one as it comes (its partial transcript is
//! the listening indicator), and a short pause after a whole command ends the utterance early.
//! `serve` feeds it the microphone; `scpm listen`, `scpm bench voice` and `scpm bench
//! speech-to-intent` feed it files chunk by chunk ([`hear_samples`]): one path, measured where
//! it runs.

use super::{Heard, Voice};
use crate::audio::vad::{Endpointer, KEPT_SILENCE_MS};
use crate::config::VoiceConfig;
use crate::resolve::Context;
use std::time::Instant;

/// What the listener noticed in a chunk of audio.
#[derive(Debug, Clone)]
pub enum Event {
    /// Speech began: the wall shows that it listens.
    Speaking,
    /// The Korean partial transcript of the utterance being spoken changed.
    Partial(String),
    /// An utterance ended (at the end silence, or at a short pause after a whole command) and
    /// was recognised; `ctx` is the conversation after it.
    Heard { heard: Heard, ctx: Context },
}

pub struct Listener {
    endpointer: Endpointer,
    early_end_ms: u32,
    speaking: bool,
    /// Samples of the open utterance already streamed to the Korean recogniser.
    fed: usize,
    partial: String,
    /// The partial transcript last checked for a whole command in the current pause (Vosk may
    /// settle the last word a few chunks into the pause, so a changed one is checked again).
    early_checked: Option<String>,
    /// Whether Whisper has decoded the open utterance in the current pause.
    english_checked: bool,
}

impl Listener {
    pub fn new(config: &VoiceConfig) -> Listener {
        Listener {
            endpointer: Endpointer::new(config.end_silence_ms),
            early_end_ms: config.early_end_ms,
            speaking: false,
            fed: 0,
            partial: String::new(),
            early_checked: None,
            english_checked: false,
        }
    }

    /// One chunk of audio (16 kHz mono). `conversation` gives the conversation an answer starts
    /// from; it is asked only when an answer is due.
    pub fn push(&mut self, voice: &mut Voice, chunk: &[f32], conversation: &mut dyn FnMut() -> Context) -> Vec<Event> {
        let mut events = Vec::new();
        let utterances = self.endpointer.push(chunk);
        if utterances.is_empty() && !self.endpointer.in_speech() && self.fed > 0 {
            // The endpointer dropped the utterance as too short: so does the recogniser.
            voice.reset();
            self.fed = 0;
            self.partial.clear();
        }
        if self.endpointer.in_speech() != self.speaking {
            self.speaking = self.endpointer.in_speech();
            if self.speaking {
                events.push(Event::Speaking);
            }
        }
        for u in utterances {
            let streamed = self.fed > 0;
            if streamed && self.fed < u.samples.len() {
                voice.feed(&u.samples[self.fed..]);
            }
            self.fed = 0;
            self.partial.clear();
            let mut ctx = conversation();
            let heard = voice.understand_with(&u, &mut ctx, streamed);
            events.push(Event::Heard { heard, ctx });
        }
        // The utterance being spoken goes to the Korean recogniser now, so that only its last
        // words are left to decode when the person stops.
        if let Some(open) = self.endpointer.open_samples() {
            if open.len() > self.fed {
                let so_far = voice.feed(&open[self.fed..]).unwrap_or_default();
                self.fed = open.len();
                if !so_far.is_empty() && so_far != self.partial {
                    events.push(Event::Partial(so_far.clone()));
                }
                self.partial = so_far;
            }
        }
        events.extend(self.early_end(voice, conversation));
        events
    }

    /// A short pause after a whole command ends the utterance at once: the person does not wait
    /// the full `end_silence_ms` for the wall to react. Korean first (its partial transcript is
    /// there already), then English (Whisper decodes the utterance so far, once a pause).
    fn early_end(&mut self, voice: &mut Voice, conversation: &mut dyn FnMut() -> Context) -> Option<Event> {
        let quiet = self.endpointer.trailing_silence_ms();
        if quiet < self.early_end_ms || self.early_end_ms == 0 {
            self.early_checked = None;
            self.english_checked = false;
            return None;
        }
        let korean_news = !self.partial.is_empty() && self.early_checked.as_ref() != Some(&self.partial);
        if !korean_news && self.english_checked {
            return None;
        }
        self.early_checked = Some(self.partial.clone());
        let mut ctx = conversation();
        let open = self.endpointer.peek()?;
        let heard = voice.answer_at_pause(&open, &self.partial, !self.english_checked, &mut ctx);
        self.english_checked = true;
        let heard = heard?;
        tracing::debug!(quiet_ms = quiet, transcript = %heard.transcript, "a whole command: the utterance ends early");
        self.endpointer.cut();
        self.fed = 0;
        self.partial.clear();
        Some(Event::Heard { heard, ctx })
    }

    /// The end of the audio: an open utterance ends here.
    pub fn finish(&mut self, voice: &mut Voice, conversation: &mut dyn FnMut() -> Context) -> Vec<Event> {
        let streamed = self.fed > 0;
        let open = self.endpointer.finish();
        self.fed = 0;
        self.partial.clear();
        self.speaking = false;
        match open {
            Some(u) => {
                let mut ctx = conversation();
                let heard = voice.understand_with(&u, &mut ctx, streamed);
                vec![Event::Heard { heard, ctx }]
            }
            None => {
                if streamed {
                    voice.reset();
                }
                Vec::new()
            }
        }
    }
}

/// One utterance heard in a recording, and when the answer came.
#[derive(Debug, Clone)]
pub struct Timed {
    pub heard: Heard,
    /// From the last voiced sample of the utterance to the answer, in milliseconds, as a person
    /// at the microphone would wait: the pause that ended it, then the work still to do (the
    /// audio is replayed as if it came in real time, with the decoding done on the way).
    pub latency_ms: f64,
    /// The decoding work done for this utterance (streamed decoding, checks at pauses and the
    /// final decoding), in milliseconds.
    pub work_ms: f64,
}

/// Chunks as a microphone delivers them (sound cards hand over 10–20 ms buffers): 20 ms, one
/// endpointer frame, so a pause is noticed when it reaches `early_end_ms`, not a chunk later.
const CHUNK: usize = 320;

/// A recording (16 kHz mono) through the [`Listener`] as if it were the microphone, followed by
/// the silence that ends its last utterance: what was heard, in order. The conversation carries
/// from one utterance to the next, as in the office.
pub fn hear_samples(voice: &mut Voice, config: &VoiceConfig, samples: &[f32], ctx: &mut Context) -> Vec<Timed> {
    let mut listener = Listener::new(config);
    let tail = vec![0.0f32; (config.end_silence_ms as usize + 200) * 16];
    // A clock that runs with the audio and waits for the work: work done on a chunk delays
    // what comes after it.
    let (mut clock_ms, mut audio_ms, mut work_ms) = (0.0f64, 0.0f64, 0.0f64);
    let mut out = Vec::new();
    let chunks = samples.chunks(CHUNK).chain(tail.chunks(CHUNK)).map(Some).chain(std::iter::once(None));
    for chunk in chunks {
        audio_ms += chunk.map_or(0, <[f32]>::len) as f64 / 16.0;
        clock_ms = clock_ms.max(audio_ms);
        let started = Instant::now();
        let mut conversation = || ctx.clone();
        let events = match chunk {
            Some(chunk) => listener.push(voice, chunk, &mut conversation),
            None => listener.finish(voice, &mut conversation),
        };
        let spent = started.elapsed().as_secs_f64() * 1000.0;
        clock_ms += spent;
        work_ms += spent;
        for event in events {
            if let Event::Heard { heard, ctx: after } = event {
                *ctx = after;
                let spoken_until = heard.end_ms.saturating_sub(KEPT_SILENCE_MS) as f64;
                let latency_ms = clock_ms - spoken_until;
                out.push(Timed { heard, latency_ms, work_ms });
                work_ms = 0.0;
            }
        }
    }
    out
}
