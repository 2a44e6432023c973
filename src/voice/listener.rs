//! The microphone path from audio to what was heard: the endpointer cuts the stream into
//! utterances, the Korean recognizer decodes the open one as it comes (its partial transcript is
//! the listening indicator), Whisper decides its language while it is spoken, and a short pause
//! after a whole command ends the utterance early.
//! `serve` feeds it the microphone; `scpm listen`, `scpm bench voice` and `scpm bench
//! speech-to-intent` feed it files chunk by chunk ([`hear_samples`]): one path, measured where
//! it runs.

use super::{Detected, Heard, Voice};
use crate::audio::vad::{Endpointer, Utterance, KEPT_SILENCE_MS, MAX_UTTERANCE_S};
use crate::config::VoiceConfig;
use crate::resolve::Context;
use std::collections::VecDeque;
use std::time::Instant;

/// What the listener noticed in a chunk of audio.
#[derive(Debug, Clone)]
pub enum Event {
    /// Speech began: the wall shows that it listens.
    Speaking,
    /// The Korean partial transcript of the utterance being spoken changed.
    Partial(String),
    /// An utterance ended (at the end silence, or at a short pause after a whole command) and
    /// was recognized; `ctx` is the conversation after it. With `amends`, the person went on
    /// after a pause that had ended a command early ("Brew house coffee, … with soy milk"), and
    /// this is the whole of it, heard again from the start: it takes the place of that command.
    Heard { heard: Heard, ctx: Context, amends: bool },
}

/// How soon after an utterance ends, speech that begins may be its continuation.
const GOES_ON_MS: u64 = 2_000;

/// When Whisper decides the language (see [`Voice::decides_language`]), it does so once this
/// much of the open utterance is there (300 ms of it from before the speech began), while the
/// person goes on speaking: the decision costs one encoder pass, done before the end of speech
/// instead of after it. A decision that is not sure (see [`Detected::sure`]) is made again at
/// twice the length, then at the first pause or the end, on all there is; so is that of an
/// utterance shorter than this.
const LANGUAGE_AFTER_MS: usize = 1_500;

/// The utterance heard last, kept for a moment in case the person goes on after the pause that
/// ended it (the early end's short one, or a longer one).
struct Cut {
    start_ms: u64,
    end_ms: u64,
    intent: Option<String>,
    slots: std::collections::BTreeMap<String, String>,
    /// The conversation before it: the whole command is heard from there.
    ctx: Context,
    /// Its language, when Whisper decided it: what follows it soon is heard in that language.
    language: Option<Detected>,
}

pub struct Listener {
    endpointer: Endpointer,
    early_end_ms: u32,
    speaking: bool,
    /// Samples of the open utterance already streamed to the Korean recognizer.
    fed: usize,
    partial: String,
    /// The partial transcript last checked for a whole command in the current pause (Vosk may
    /// settle the last word a few chunks into the pause, so a changed one is checked again).
    early_checked: Option<String>,
    /// Whether Whisper has decoded the open utterance in the current pause.
    whisper_checked: bool,
    /// The open utterance's language, once Whisper has decided it, and how many times it was
    /// decided while the person spoke.
    language: Option<Detected>,
    language_tries: usize,
    /// The utterance heard last, while speech that begins may still continue it.
    cut: Option<Cut>,
    /// The stream's most recent audio (as long as an utterance may be), to hear a cut command
    /// with its continuation; `heard_ms` is the stream time of its end.
    recent: VecDeque<f32>,
    heard_samples: u64,
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
            whisper_checked: false,
            language: None,
            language_tries: 0,
            cut: None,
            recent: VecDeque::new(),
            heard_samples: 0,
        }
    }

    /// One chunk of audio (16 kHz mono). `conversation` gives the conversation an answer starts
    /// from; it is asked only when an answer is due.
    pub fn push(&mut self, voice: &mut Voice, chunk: &[f32], conversation: &mut dyn FnMut() -> Context) -> Vec<Event> {
        let mut events = Vec::new();
        self.remember(chunk);
        let utterances = self.endpointer.push(chunk);
        if utterances.is_empty() && !self.endpointer.in_speech() && self.fed > 0 {
            // The endpointer dropped the utterance as too short: so does the recognizer.
            voice.reset();
            self.fed = 0;
            self.partial.clear();
            self.take_language();
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
            let before = conversation();
            let mut ctx = before.clone();
            let heard = voice.understand_with(&u, &mut ctx, streamed, self.take_language());
            events.push(self.settle(voice, heard, before, ctx));
        }
        // Quiet for longer than a pause inside a command: what comes next is not a continuation.
        if !self.speaking && self.cut.as_ref().is_some_and(|c| self.now_ms() > c.end_ms + GOES_ON_MS) {
            self.cut = None;
        }
        // The utterance being spoken goes to the Korean recognizer now, so that only its last
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
            // Decided while the person speaks: at 1.5 s, again at 3 s when not sure.
            let unsure = !self.language.as_ref().is_some_and(Detected::sure);
            let due = (self.language_tries + 1) * LANGUAGE_AFTER_MS * 16;
            if unsure && self.language_tries < 2 && open.len() >= due && voice.decides_language() {
                self.language_tries += 1;
                self.language = voice.detect_language(open);
            }
        }
        events.extend(self.early_end(voice, conversation));
        events
    }

    /// A short pause after a whole command ends the utterance at once: the person does not wait
    /// the full `end_silence_ms` for the wall to react. Vosk's Korean partial first (it is there
    /// already), then Whisper decodes the utterance so far, once a pause, in its language
    /// (decided now if it was not yet).
    fn early_end(&mut self, voice: &mut Voice, conversation: &mut dyn FnMut() -> Context) -> Option<Event> {
        let quiet = self.endpointer.trailing_silence_ms();
        if quiet < self.early_end_ms || self.early_end_ms == 0 {
            self.early_checked = None;
            self.whisper_checked = false;
            return None;
        }
        let korean_news = !self.partial.is_empty() && self.early_checked.as_ref() != Some(&self.partial);
        if !korean_news && self.whisper_checked {
            return None;
        }
        self.early_checked = Some(self.partial.clone());
        let mut ctx = conversation();
        let open = self.endpointer.peek()?;
        if !self.language.as_ref().is_some_and(Detected::sure) && !self.whisper_checked {
            // Not sure yet: decided on everything said so far.
            self.language = voice.detect_language(&open.samples);
        }
        let before = ctx.clone();
        let language = self.language.as_ref();
        let heard = voice.answer_at_pause(&open, &self.partial, !self.whisper_checked, language, &mut ctx);
        self.whisper_checked = true;
        let heard = heard?;
        tracing::debug!(quiet_ms = quiet, transcript = %heard.transcript, "a whole command: the utterance ends early");
        self.endpointer.cut();
        self.fed = 0;
        self.partial.clear();
        self.take_language();
        Some(self.settle(voice, heard, before, ctx))
    }

    /// What was heard in an utterance that just ended (`before`: the conversation before it,
    /// `ctx`: after it), as an event. When it began soon after the one before ended, the person
    /// may have gone on ("Brew house coffee, … with soy milk"): see [`Listener::joined`].
    fn settle(&mut self, voice: &mut Voice, alone: Heard, before: Context, ctx: Context) -> Event {
        let last = self.cut.take();
        let soon = last.filter(|c| alone.start_ms <= c.end_ms + GOES_ON_MS);
        let joined = soon.and_then(|cut| self.joined(voice, &cut, &alone).map(|j| (cut, j)));
        let (heard, ctx, amends, start_ms, before) = match joined {
            Some((cut, (heard, joined_ctx))) => (heard, joined_ctx, true, cut.start_ms, cut.ctx),
            None => {
                let start_ms = alone.start_ms;
                (alone, ctx, false, start_ms, before)
            }
        };
        self.cut = Some(Cut {
            start_ms,
            end_ms: heard.end_ms,
            intent: heard.answer.intent.clone(),
            slots: heard.answer.slots.clone(),
            ctx: before,
            language: heard.language.clone(),
        });
        Event::Heard { heard, ctx, amends }
    }

    /// The utterance before (`cut`) and the one that followed it soon (`alone`), heard again as
    /// one from the stream's audio: what replaces the one before, when that is a command that
    /// keeps its intent and names and adds to them, or a command where neither part was one.
    fn joined(&mut self, voice: &mut Voice, cut: &Cut, alone: &Heard) -> Option<(Heard, Context)> {
        let samples = self.recent_between(cut.start_ms, alone.end_ms)?;
        let whole = Utterance { start_ms: cut.start_ms, end_ms: alone.end_ms, samples };
        let mut ctx = cut.ctx.clone();
        let mut joined = voice.understand_with(&whole, &mut ctx, false, cut.language.clone());
        let a = &joined.answer;
        tracing::debug!(gap_ms = alone.start_ms.saturating_sub(cut.end_ms), transcript = %joined.transcript, understood = a.understood, confidence = a.confidence, intent = ?a.intent, slots = ?a.slots, "heard again with the utterance before");
        let same = a.intent == cut.intent && a.slots == cut.slots;
        let keeps =
            a.intent.is_some() && a.intent == cut.intent && cut.slots.iter().all(|(k, v)| a.slots.get(k) == Some(v));
        // Heard again, a command may come out a little different ("a lot of" for "lots of"): only
        // a command that adds to the one before replaces it, or any command where there was none.
        let none_before = cut.intent.is_none() && !alone.answer.understood;
        if !a.understood || same || !(keeps || none_before) {
            return None;
        }
        joined.decode_ms += alone.decode_ms;
        Some((joined, ctx))
    }

    /// The open utterance's language when Whisper is sure of it (else it is decided again on
    /// the whole utterance), taken: the utterance ends.
    fn take_language(&mut self) -> Option<Detected> {
        self.language_tries = 0;
        self.language.take().filter(Detected::sure)
    }

    /// The stream's time now (what the endpointer has seen), in milliseconds.
    fn now_ms(&self) -> u64 {
        self.heard_samples / 16
    }

    /// Keeps the stream's recent audio.
    fn remember(&mut self, chunk: &[f32]) {
        self.recent.extend(chunk);
        self.heard_samples += chunk.len() as u64;
        let keep = MAX_UTTERANCE_S * 16_000;
        if self.recent.len() > keep {
            let extra = self.recent.len() - keep;
            self.recent.drain(..extra);
        }
    }

    /// The stream's audio from `start_ms` to `end_ms`, if it is still kept.
    fn recent_between(&self, start_ms: u64, end_ms: u64) -> Option<Vec<f32>> {
        let first = self.heard_samples - self.recent.len() as u64;
        let (from, to) = (start_ms * 16, (end_ms * 16).min(self.heard_samples));
        if from < first || to <= from {
            return None;
        }
        Some(self.recent.range((from - first) as usize..(to - first) as usize).copied().collect())
    }

    /// The end of the audio: an open utterance ends here.
    pub fn finish(&mut self, voice: &mut Voice, conversation: &mut dyn FnMut() -> Context) -> Vec<Event> {
        let streamed = self.fed > 0;
        let open = self.endpointer.finish();
        let language = self.take_language();
        self.fed = 0;
        self.partial.clear();
        self.speaking = false;
        match open {
            Some(u) => {
                let before = conversation();
                let mut ctx = before.clone();
                let heard = voice.understand_with(&u, &mut ctx, streamed, language);
                vec![self.settle(voice, heard, before, ctx)]
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
    /// It takes the place of the command before it (see [`Event::Heard`]).
    pub amends: bool,
}

/// The commands that stand at the end, in order: the understood ones, each amendment in the
/// place of the command it amends.
pub fn standing(timed: &[Timed]) -> Vec<&Timed> {
    let mut out: Vec<&Timed> = Vec::new();
    for t in timed {
        if t.amends {
            out.pop();
        }
        if t.heard.answer.understood {
            out.push(t);
        }
    }
    out
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
            if let Event::Heard { heard, ctx: after, amends } = event {
                *ctx = after;
                let spoken_until = heard.end_ms.saturating_sub(KEPT_SILENCE_MS) as f64;
                let latency_ms = clock_ms - spoken_until;
                out.push(Timed { heard, latency_ms, work_ms, amends });
                work_ms = 0.0;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Answer;

    fn timed(understood: bool, amends: bool) -> Timed {
        let mut answer = Answer::not_understood("x", "en", None);
        answer.understood = understood;
        let heard = Heard { answer, ..Heard::nothing(0, 0, "") };
        Timed { heard, latency_ms: 0.0, work_ms: 0.0, amends }
    }

    #[test]
    fn an_amendment_stands_in_place_of_the_command_it_amends() {
        let heard = [timed(true, false), timed(true, true), timed(false, false), timed(true, false)];
        let stands = standing(&heard);
        assert_eq!(stands.len(), 2);
        assert!(std::ptr::eq(stands[0], &heard[1]) && std::ptr::eq(stands[1], &heard[3]));
        assert!(standing(&[timed(false, false)]).is_empty());
    }

    #[test]
    fn the_recent_stream_is_kept_as_long_as_an_utterance_may_be() {
        let mut listener = Listener::new(&VoiceConfig::default());
        let second: Vec<f32> = (0..16_000).map(|i| i as f32).collect();
        for _ in 0..MAX_UTTERANCE_S + 2 {
            listener.remember(&second);
        }
        assert_eq!(listener.now_ms(), (MAX_UTTERANCE_S as u64 + 2) * 1000);
        assert_eq!(listener.recent.len(), MAX_UTTERANCE_S * 16_000);
        let end = listener.now_ms();
        let last = listener.recent_between(end - 1000, end).unwrap_or_default();
        assert_eq!(last, second);
        assert_eq!(listener.recent_between(end - 500, end + 500).map(|s| s.len()), Some(8_000));
        assert!(listener.recent_between(0, 1000).is_none(), "forgotten");
    }
}
