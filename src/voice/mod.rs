//! Voice: utterances in, commands out. Korean through multilingual Whisper held to the Korean
//! grammar (`voice.korean_recognizer = "whisper"`) or Vosk in grammar mode, English through
//! Whisper; all end in the same command matcher and resolver as typed text, so a spoken command
//! produces exactly the actions `POST /api/commands` would.
//!
//! Which language: with Korean through Whisper and both languages expected, Whisper's language
//! detection decides once per utterance, while the person is still speaking when the utterance
//! is long enough (see `listener`), and only that language is decoded. Otherwise the recognizers
//! are tried in the configured order: Vosk's Korean is cheap (tens of milliseconds) and strict —
//! an alternative counts only when the matcher parses it as a whole command — so it goes first;
//! English runs when Korean found no command. Vosk streams the partial transcript on the wall in
//! either case; the wake phrase is found in what the deciding recognizer heard.

pub mod constraint;
pub mod korean;
pub mod listener;
pub mod spaced;
pub mod vocabulary;
pub mod vosk;
pub mod whisper;

use crate::audio::vad::Utterance;
use crate::city::City;
use crate::commands::{Answer, Commands, Reading};
use crate::config::{Config, VoiceConfig};
use crate::grammar::Grammar;
use crate::index::CityIndex;
use crate::models::ModelPaths;
use crate::resolve::Context;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// A Korean alternative is taken, and an utterance ends at a short pause, only when the matcher
/// parses it this well: a whole command.
const WHOLE_COMMAND: f32 = 0.99;

/// Below this fit (see `constraint::MIN_FIT`, the bar for any command), English that is not a
/// whole command is not acted on: talk forced into the grammar's words reads as a near miss or
/// a loose reading ("The Promise", "Can I ask?") at fits of -1.6 to -3.0 on the voice set.
const GUESS_MIN_FIT: f32 = -1.5;

/// Whether a reading is a whole command, not a command word inside other words: grammar
/// mode turns any speech into grammar words, and a stray "됐어" (never mind) in the middle of
/// small talk must not cancel anything.
fn whole_command(reading: &Reading) -> bool {
    let Some(intent) = reading.intent().filter(|i| i.confidence >= WHOLE_COMMAND) else { return false };
    match intent.matched.strip_prefix("cancel phrase \"").and_then(|m| m.strip_suffix('"')) {
        Some(phrase) => crate::text::compact(phrase) == crate::text::compact(&reading.text),
        None => true,
    }
}

/// Whether an utterance began with the wake phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Wake {
    /// No wake phrase: a command only while the office listens (or with the wake phrase off).
    #[default]
    None,
    /// The wake phrase alone: the office listens to what comes next.
    Alone,
    /// The wake phrase and a command after it ("Office, show traffic"): the answer is the
    /// command's.
    Before,
}

/// A transcript with the wake phrase taken off its front: whether it was there, and the rest.
fn split_wake(text: &str, wake: &str) -> (Wake, String) {
    match after_wake_phrase(text, wake) {
        Some(rest) if rest.is_empty() => (Wake::Alone, rest),
        Some(rest) => (Wake::Before, rest),
        None => (Wake::None, text.to_string()),
    }
}

/// What follows the wake phrase at the start of `text` ("Office, show traffic" → "show
/// traffic"; the phrase alone → ""), compared as [`crate::text::compact`] does; `None` when
/// the text does not start with it.
pub fn after_wake_phrase(text: &str, wake: &str) -> Option<String> {
    let wake = crate::text::compact(wake);
    if wake.is_empty() || !crate::text::compact(text).starts_with(&wake) {
        return None;
    }
    // Drop the wake phrase's letters from the text as written.
    let mut rest = text.trim_start();
    let mut taken = 0;
    while taken < wake.chars().count() {
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        if c.is_alphanumeric() {
            taken += 1;
        }
    }
    Some(rest.trim_start_matches(|c: char| !c.is_alphanumeric()).to_string())
}

/// Whether Vosk's n-best list agrees on `taken`: at least a third of its alternatives mean the
/// same command. Grammar mode turns talk into grammar phrases, but different ones in each
/// alternative (ten different commands, none the recognizer is sure of); a command that was
/// said comes back in many alternatives, give or take an ending or a dropped word.
fn n_best_agree(taken: &Reading, readings: &[Reading]) -> bool {
    let meaning = |r: &Reading| r.intent().map(|i| (i.name.clone(), i.slots.clone()));
    let same = readings.iter().filter(|r| meaning(r).is_some() && meaning(r) == meaning(taken));
    same.count() * 3 >= readings.len()
}

/// What was heard in one utterance: the `scpm ask` answer plus where and what was heard.
#[derive(Debug, Clone, Serialize)]
pub struct Heard {
    /// The answer to the command heard (after the wake phrase, if it began with one).
    #[serde(flatten)]
    pub answer: Answer,
    /// Everything heard, the wake phrase included.
    pub transcript: String,
    #[serde(skip_serializing_if = "is_no_wake")]
    pub wake: Wake,
    pub start_ms: u64,
    pub end_ms: u64,
    /// The recognizer's other hypotheses (Korean n-best).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// From the end of the utterance (the endpoint) to the answer, in milliseconds: decoding.
    pub decode_ms: f64,
    /// English held to the grammar: how well the speech fits its words (the mean
    /// log-probability of the tokens, unconstrained); see `voice::constraint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<f32>,
    /// English held to the grammar: how much Whisper wanted to begin with a "(" note, as it
    /// writes speech it does not take for English (0 to 1); see `voice::constraint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<f32>,
    /// The language Whisper detected (Korean through Whisper, both languages on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Detected>,
}

/// A language decision: the language, and its probability against the other expected one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Detected {
    pub lang: String,
    pub probability: f32,
}

impl Detected {
    /// Sure enough to decode only in this language: on the real Korean clips whole-utterance
    /// detection gave Korean 0.87–1.00; on 1.2 s of one with 10 dB of noise, English 0.64.
    pub fn sure(&self) -> bool {
        self.probability >= SURE_OF_LANGUAGE
    }

    /// So sure that tiny.en's own sign of other speech (the "(" note) is not asked as well: the
    /// real English recordings were detected at 0.997 and above (one short "this" at 0.78);
    /// espeak's Korean, which Whisper takes for anything, is also detected as English at times,
    /// and the note turns most of it away.
    pub fn certain(&self) -> bool {
        self.probability >= CERTAIN_OF_LANGUAGE
    }
}

/// See [`Detected::sure`].
const SURE_OF_LANGUAGE: f32 = 0.8;
/// See [`Detected::certain`].
const CERTAIN_OF_LANGUAGE: f32 = 0.95;

/// A Whisper transcript in a language Whisper's detection decided (`language`): when the
/// detection is certain, tiny.en's own sign of other speech (the "(" note) is not asked again.
fn trusting(language: Option<&Detected>, mut transcript: whisper::Transcript) -> whisper::Transcript {
    if language.is_some_and(Detected::certain) {
        transcript.note = None;
    }
    transcript
}

fn is_no_wake(wake: &Wake) -> bool {
    *wake == Wake::None
}

impl Heard {
    /// Nothing heard yet in the utterance from `start_ms` to `end_ms`.
    pub fn nothing(start_ms: u64, end_ms: u64, reason: &str) -> Heard {
        Heard {
            answer: Answer::not_understood("", "ko", Some(reason.into())),
            transcript: String::new(),
            wake: Wake::None,
            start_ms,
            end_ms,
            alternatives: Vec::new(),
            decode_ms: 0.0,
            fit: None,
            note: None,
            language: None,
        }
    }
}

/// The answer to the wake phrase said alone.
fn wake_alone(text: &str, lang: &str) -> Answer {
    Answer::not_understood(text, lang, Some("the wake phrase".into()))
}

pub struct Voice {
    korean: Option<korean::Korean>,
    /// Korean through multilingual Whisper (`voice.korean_recognizer = "whisper"`): it decides
    /// what was said in Korean, and which language an utterance is in.
    korean_whisper: Option<whisper::Whisper>,
    english: Option<whisper::Whisper>,
    commands: Arc<Commands>,
    index: Arc<CityIndex>,
    order: Vec<String>,
    wake_ko: String,
    wake_en: String,
}

/// Whisper's initial prompt: the grammar's own line in the style of its commands (`prompt` in
/// `_common.toml`). Held to the grammar, the decoder can only write its words anyway, and every
/// prompt token costs decoding time (with the 25 district names an utterance took ~750 ms,
/// without a prompt ~400); free, the city's districts bias spelling toward our names.
fn english_prompt(city: &City, grammar: &Grammar, held_to_grammar: bool) -> String {
    if held_to_grammar || !grammar.uses_slot("district") {
        return grammar.prompt.clone();
    }
    let districts: Vec<&str> = city.districts.iter().map(|d| d.name_en.trim_end_matches("-gu")).collect();
    format!("{} Districts: {}.", grammar.prompt, districts.join(", "))
}

/// How Whisper decodes English for the office: the configuration's threads, encoder window and
/// beam, the grammar's prompt, and (with `voice.whisper_grammar`) the grammar's words and word
/// pairs, the wake phrase allowed before them. Every English path — `serve`, `scpm listen`,
/// `scpm bench voice` and `scpm bench speech-to-intent` — decodes with what this returns.
pub fn english_decoding(config: &VoiceConfig, city: &City, grammar: &Grammar) -> whisper::Decoding {
    let vocabulary = config.whisper_grammar.then(|| {
        let mut v = vocabulary::Vocabulary::of_grammar(city, grammar);
        v.allow_before_sentences(&config.wake_phrase_en);
        v
    });
    whisper::Decoding {
        language: "en".into(),
        threads: config.whisper_threads,
        audio_ctx: config.whisper_audio_ctx,
        beam: config.whisper_beam,
        prompt: english_prompt(city, grammar, vocabulary.is_some()),
        vocabulary,
        sentences: None,
    }
}

/// How multilingual Whisper decodes Korean for the office: in Korean, with the Korean grammar's
/// prompt, the window and beam of English, its own threads (`voice.korean_whisper_threads`), and
/// (with `voice.whisper_grammar`) held to the Korean grammar's sentences on bytes, spacing
/// ignored, the wake phrase allowed before them (see `spaced`).
pub fn korean_decoding(config: &VoiceConfig, city: &City, grammar: &Grammar) -> whisper::Decoding {
    let sentences = config
        .whisper_grammar
        .then(|| spaced::Spaced::new(grammar, &vocabulary::slot_words(city, grammar), &config.wake_phrase_ko));
    whisper::Decoding {
        language: "ko".into(),
        threads: config.korean_whisper_threads,
        audio_ctx: config.whisper_audio_ctx,
        beam: config.whisper_beam,
        prompt: grammar.prompt.clone(),
        vocabulary: None,
        sentences,
    }
}

/// Vosk in grammar mode, deciding Korean (`voice.korean_recognizer = "vosk"`, or Whisper base
/// missing); `None` with a warning when it cannot load.
fn load_vosk_grammar(
    config: &Config,
    city: &City,
    paths: &ModelPaths,
    warnings: &mut Vec<String>,
) -> Option<korean::Korean> {
    let loaded = Grammar::load(&config.paths.grammars, "ko").map_err(|e| e.to_string()).and_then(|g| {
        let extra = [config.voice.wake_phrase_ko.clone()];
        korean::Korean::load(&paths.libvosk(), &paths.vosk_ko(), city, &g, &extra).map_err(|e| e.to_string())
    });
    match loaded {
        Ok((k, unspeakable)) => {
            if !unspeakable.is_empty() {
                warnings.push(format!(
                    "{} names cannot be spoken to the Korean model (add a spoken synonym): {}",
                    unspeakable.len(),
                    unspeakable.join(", ")
                ));
            }
            Some(k)
        }
        Err(e) => {
            warnings.push(format!("Korean voice is off: {e}"));
            None
        }
    }
}

impl Voice {
    /// Loads the recognizers for `langs` (a subset of ko, en). A recognizer that cannot load is
    /// reported in the returned warnings and left out; the error says how to fix it.
    pub fn load(
        config: &Config,
        city: &City,
        commands: Arc<Commands>,
        index: Arc<CityIndex>,
        langs: &[String],
    ) -> (Voice, Vec<String>) {
        let paths = ModelPaths::new(&config.paths.models);
        let mut warnings = Vec::new();
        let korean_on = langs.iter().any(|l| l == "ko");
        let whisper_decides = config.voice.korean_recognizer == crate::config::KoreanRecognizer::Whisper;
        let korean_whisper = if korean_on && whisper_decides {
            let loaded = Grammar::load(&config.paths.grammars, "ko").map_err(|e| e.to_string()).and_then(|grammar| {
                whisper::Whisper::load(
                    &paths.whisper(crate::models::WhisperModel::Base),
                    korean_decoding(&config.voice, city, &grammar),
                )
                .map_err(|e| e.to_string())
            });
            loaded.map_err(|e| warnings.push(format!("Korean through Whisper is off (Vosk decides): {e}"))).ok()
        } else {
            None
        };
        let korean = match (korean_on, korean_whisper.is_some()) {
            (false, _) => None,
            // Whisper decides: Vosk streams the partial only.
            (true, true) => korean::Korean::load_free(&paths.libvosk(), &paths.vosk_ko())
                .map_err(|e| warnings.push(format!("Korean partial transcripts are off: {e}")))
                .ok(),
            (true, false) => load_vosk_grammar(config, city, &paths, &mut warnings),
        };
        let english = if langs.iter().any(|l| l == "en") {
            match Grammar::load(&config.paths.grammars, "en") {
                Ok(grammar) => whisper::Whisper::load(
                    &paths.whisper(config.voice.whisper_model),
                    english_decoding(&config.voice, city, &grammar),
                )
                .map_err(|e| warnings.push(format!("English voice is off: {e}")))
                .ok(),
                Err(e) => {
                    warnings.push(format!("English voice is off: {e}"));
                    None
                }
            }
        } else {
            None
        };
        let (wake_ko, wake_en) = (config.voice.wake_phrase_ko.clone(), config.voice.wake_phrase_en.clone());
        let voice = Voice { korean, korean_whisper, english, commands, index, order: langs.to_vec(), wake_ko, wake_en };
        (voice, warnings)
    }

    pub fn languages(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if self.korean.is_some() || self.korean_whisper.is_some() {
            out.push("ko");
        }
        if self.english.is_some() {
            out.push("en");
        }
        out
    }

    /// Recognises one utterance and answers it through the command pipeline (`ctx` carries the
    /// conversation, as for typed commands).
    pub fn understand(&mut self, utterance: &Utterance, ctx: &mut Context) -> Heard {
        self.understand_with(utterance, ctx, false, None)
    }

    /// Streams audio of the utterance being spoken to the Korean recognizer, which decodes it
    /// as it comes; returns its partial transcript (for the listening indicator).
    pub fn feed(&mut self, samples: &[f32]) -> Option<String> {
        self.korean.as_mut().map(|k| k.feed(samples))
    }

    /// At a short pause (`voice.early_end_ms` of quiet) in an utterance still open (`open`, from
    /// [`crate::audio::vad::Endpointer::peek`]): what was heard, when it is already complete, so
    /// that the utterance ends there and the wall need not wait the full end silence; `None`:
    /// wait for the endpoint. First Vosk's partial transcript (`partial`, from [`Voice::feed`]):
    /// when it is a whole Korean command, the utterance ends and the Korean recognizer decides.
    /// Then, with `whisper`, one Whisper decoding of `open` in its language (`language`, decided
    /// while it was spoken; without a decision, English). `ctx` changes only when something is
    /// returned. `serve` and `scpm bench voice` decide through this one function.
    pub fn answer_at_pause(
        &mut self,
        open: &Utterance,
        partial: &str,
        whisper: bool,
        language: Option<&Detected>,
        ctx: &mut Context,
    ) -> Option<Heard> {
        if !partial.is_empty() && self.is_whole_command(partial) {
            return Some(self.understand_with(open, ctx, true, language.cloned()));
        }
        if !whisper {
            return None;
        }
        let heard = self.whisper_at_pause(open, language, ctx)?;
        self.reset(); // the Korean recognizer's stream ends with the utterance
        Some(heard)
    }

    /// Whether a Korean transcript (the partial one of an utterance still open) is complete:
    /// the wake phrase, a whole command by the rule the final transcript is held to, or the
    /// wake phrase and a whole command. Read only: nothing is resolved.
    fn is_whole_command(&self, korean: &str) -> bool {
        if self.korean.is_none() {
            return false;
        }
        match split_wake(korean, &self.wake_ko) {
            (Wake::Alone, _) => true,
            (_, command) => whole_command(&self.commands.read(&command, Some("ko"), false)),
        }
    }

    /// Whisper at a short pause: decodes the open utterance now, in Korean when `language` says
    /// so (Korean through Whisper), else in English, and returns what was heard when it is a
    /// whole command, the wake phrase, or the wake phrase and a whole command.
    fn whisper_at_pause(&mut self, open: &Utterance, language: Option<&Detected>, ctx: &mut Context) -> Option<Heard> {
        let started = Instant::now();
        let korean = language.is_some_and(|l| l.lang == "ko");
        let lang = if korean { "ko" } else { "en" };
        let model = if korean { self.korean_whisper.as_mut() } else { self.english.as_mut() };
        let transcript = trusting(language, model?.transcribe_with(&open.samples, false).ok()?);
        tracing::debug!(lang, text = %transcript.text, rejection = ?transcript.rejection(), "Whisper at a pause");
        if transcript.rejection().is_some() {
            return None;
        }
        let (wake, reading) = self.whisper_reading(&transcript, lang);
        if !(wake == Wake::Alone || whole_command(&reading)) {
            return None;
        }
        let answer = self.whisper_answer(&transcript, lang, wake, reading, ctx);
        Some(Heard {
            answer,
            transcript: transcript.text,
            wake,
            start_ms: open.start_ms,
            end_ms: open.end_ms,
            alternatives: Vec::new(),
            decode_ms: started.elapsed().as_secs_f64() * 1000.0,
            fit: transcript.fit,
            note: transcript.note,
            language: language.cloned(),
        })
    }

    /// What a Whisper transcript in `lang` says after the wake phrase, read, not yet resolved.
    fn whisper_reading(&self, transcript: &whisper::Transcript, lang: &str) -> (Wake, Reading) {
        let wake_phrase = if lang == "ko" { &self.wake_ko } else { &self.wake_en };
        let (wake, rest) = split_wake(&transcript.text, wake_phrase);
        (wake, self.commands.read(&rest, Some(lang), true))
    }

    /// The answer to a Whisper transcript in `lang` read as `reading`: refused when the
    /// recognizer doubts it, else resolved once (`ctx` changes only then).
    fn whisper_answer(
        &self,
        transcript: &whisper::Transcript,
        lang: &str,
        wake: Wake,
        reading: Reading,
        ctx: &mut Context,
    ) -> Answer {
        if let Some(reason) = transcript.rejection() {
            return Answer::not_understood(&transcript.text, lang, Some(reason));
        }
        if wake == Wake::Alone {
            return wake_alone(&transcript.text, lang);
        }
        let guess = reading.intent().is_some_and(|i| i.confidence < WHOLE_COMMAND);
        match transcript.fit {
            // A reading that is not a whole command (a near miss, a loose reading) is a guess;
            // from a decoding the grammar had to push hard, it is a guess at noise.
            Some(fit) if guess && fit < GUESS_MIN_FIT => Answer::not_understood(
                &reading.text,
                lang,
                Some(format!(
                    "heard “{}”, not a whole command, and too unlike the commands to guess at (fit {fit:.1} below {GUESS_MIN_FIT:.1})",
                    transcript.text
                )),
            ),
            _ => self.commands.answer_reading(&self.index, reading, ctx),
        }
    }

    /// Forgets what was streamed (the endpointer dropped the utterance as too short, or Whisper
    /// decided it).
    pub fn reset(&mut self) {
        if let Some(k) = self.korean.as_mut() {
            k.discard();
        }
    }

    /// As [`Voice::understand`]; with `streamed`, the Korean recognizer already has the audio
    /// (through [`Voice::feed`]) and only finishes: the decoding happened while the person spoke.
    /// `language`: the language decided while it was spoken (see [`Voice::detect_language`]);
    /// without it, decided here when Whisper decides. Every alternative is read; only the one
    /// taken is resolved.
    pub fn understand_with(
        &mut self,
        utterance: &Utterance,
        ctx: &mut Context,
        streamed: bool,
        language: Option<Detected>,
    ) -> Heard {
        let started = Instant::now();
        let no_recognizer = "no recognizer is loaded; run `scpm models prepare`";
        let mut heard = Heard::nothing(utterance.start_ms, utterance.end_ms, no_recognizer);
        // One language when Whisper decides it (here, if it was not while the person spoke) and
        // is certain; not certain, the other is tried when the first heard no command (espeak's
        // short English commands, "hang up", "zoom in", were taken for Korean). Otherwise each
        // in the configured order.
        let decided = language.filter(|_| self.decides_language()).or_else(|| self.detect_language(&utterance.samples));
        let order = match decided {
            Some(decided) => {
                let mut order = vec![decided.lang.clone()];
                if !decided.certain() {
                    order.extend(self.order.iter().filter(|l| **l != decided.lang).cloned());
                }
                heard.language = Some(decided);
                order
            }
            None => self.order.clone(),
        };
        for lang in order {
            if lang == "ko" && self.korean_whisper.is_some() {
                if streamed {
                    self.reset(); // Vosk's stream ends with the utterance; Whisper decides
                }
                let Some(korean) = self.korean_whisper.as_mut() else { continue };
                match korean.transcribe_with(&utterance.samples, true) {
                    Ok(transcript) => {
                        self.whisper_heard(&transcript, "ko", &mut heard, ctx);
                        if heard.answer.understood || heard.wake == Wake::Alone {
                            break;
                        }
                    }
                    Err(err) => heard.answer.reason = Some(err.to_string()),
                }
            } else if lang == "ko" {
                let Some(k) = self.korean.as_mut() else { continue };
                let alternatives = if streamed { k.finish() } else { k.recognize(&utterance.samples) };
                heard = self.korean_heard(alternatives, heard, ctx);
                if heard.answer.understood || heard.wake == Wake::Alone {
                    break;
                }
            } else if let Some(english) = self.english.as_mut() {
                match english.transcribe_with(&utterance.samples, true) {
                    Ok(transcript) => {
                        let transcript = trusting(heard.language.as_ref(), transcript);
                        self.whisper_heard(&transcript, "en", &mut heard, ctx);
                        if heard.answer.understood || heard.wake == Wake::Alone {
                            break;
                        }
                    }
                    Err(err) => heard.answer.reason = Some(err.to_string()),
                }
            }
        }
        heard.decode_ms = started.elapsed().as_secs_f64() * 1000.0;
        heard
    }

    /// Whether Whisper's language detection decides which language an utterance is decoded in:
    /// Korean through multilingual Whisper, English loaded too, both expected.
    pub fn decides_language(&self) -> bool {
        let expects = |lang: &str| self.order.iter().any(|l| l == lang);
        self.korean_whisper.is_some() && self.english.is_some() && expects("ko") && expects("en")
    }

    /// Which language an utterance (or its beginning, while it is spoken) is in, when Whisper
    /// decides it (see [`Voice::decides_language`]): one encoder pass of multilingual Whisper and
    /// one decoder step. `None` when it does not decide, or the detection failed (then each
    /// language is tried in turn).
    pub fn detect_language(&mut self, samples: &[f32]) -> Option<Detected> {
        if !self.decides_language() {
            return None;
        }
        match self.korean_whisper.as_mut()?.detect_language(samples, &["ko", "en"]) {
            Ok((lang, probability)) => {
                tracing::debug!(%lang, probability, seconds = samples.len() as f64 / 16_000.0, "language detected");
                Some(Detected { lang, probability })
            }
            Err(e) => {
                tracing::warn!("language detection failed, trying each language: {e}");
                None
            }
        }
    }

    /// A Whisper transcript in `lang`, read and answered, into `heard`.
    fn whisper_heard(&self, transcript: &whisper::Transcript, lang: &str, heard: &mut Heard, ctx: &mut Context) {
        let (wake, reading) = self.whisper_reading(transcript, lang);
        heard.answer = self.whisper_answer(transcript, lang, wake, reading, ctx);
        heard.transcript = transcript.text.clone();
        heard.wake = wake;
        heard.fit = transcript.fit;
        heard.note = transcript.note;
    }

    /// The Korean n-best list heard: the wake phrase alone, or the first alternative that is a
    /// whole command the list agrees on, resolved; else not a command.
    fn korean_heard(&self, alternatives: Vec<String>, mut heard: Heard, ctx: &mut Context) -> Heard {
        let split: Vec<(Wake, String)> = alternatives.iter().map(|a| split_wake(a, &self.wake_ko)).collect();
        if let Some(i) = split.iter().position(|(wake, _)| *wake == Wake::Alone) {
            heard.transcript = alternatives[i].clone();
            heard.answer = wake_alone(&alternatives[i], "ko");
            heard.wake = Wake::Alone;
            heard.alternatives = alternatives;
            return heard;
        }
        let readings: Vec<Reading> =
            split.iter().map(|(_, rest)| self.commands.read(rest, Some("ko"), false)).collect();
        let taken = readings.iter().position(whole_command).filter(|&i| n_best_agree(&readings[i], &readings));
        match taken {
            Some(i) => {
                heard.answer = self.commands.answer_reading(&self.index, readings[i].clone(), ctx);
                heard.transcript = alternatives[i].clone();
                heard.wake = split[i].0;
            }
            None => {
                heard.transcript = alternatives.first().cloned().unwrap_or_default();
                let reason = "not a command (no alternative the recognizer agrees on is a whole command)";
                heard.answer = Answer::not_understood(&heard.transcript, "ko", Some(reason.into()));
                heard.wake = Wake::None;
            }
        }
        heard.alternatives = alternatives;
        heard
    }
}

#[cfg(test)]
mod tests {
    use super::after_wake_phrase;

    #[test]
    fn the_wake_phrase_is_stripped() {
        assert_eq!(after_wake_phrase("Office, show traffic", "office").as_deref(), Some("show traffic"));
        assert_eq!(
            after_wake_phrase("시장실 강남구 미세먼지 보여 줘", "시장실").as_deref(),
            Some("강남구 미세먼지 보여 줘")
        );
        assert_eq!(after_wake_phrase("show traffic", "office"), None);
        assert_eq!(after_wake_phrase("시장실", "시장실").as_deref(), Some(""));
        assert_eq!(after_wake_phrase("시장실", ""), None, "no wake phrase configured");
    }
}
