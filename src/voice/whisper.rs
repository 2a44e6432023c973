//! Speech through whisper.cpp (whisper-rs): English with the tiny.en model (or base, by
//! configuration), Korean with multilingual base, both converted by `scpm models prepare`; the
//! multilingual model also tells which language an utterance is in ([`Whisper::detect_language`]). With a vocabulary the decoder is held to
//! the grammar's words and word pairs (see `vocabulary` and `constraint`); the command matcher
//! then parses them. Tuned for two cores: one thread (ggml workers busy-wait), a reduced encoder
//! window (`audio_ctx`), a narrow beam, a token bound against loops, and a short initial prompt
//! (with the city's district names only when decoding is free: each prompt token costs decoding
//! time).

use super::constraint::{Constraint, MIN_FIT};
use super::spaced::Spaced;
use super::vocabulary::Vocabulary;
use std::path::Path;
use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState, WhisperSysContext,
    WhisperSysState, WhisperTokenData,
};

#[derive(Debug, thiserror::Error)]
pub enum WhisperError {
    #[error("cannot load the Whisper model {path}: {message}; run `scpm models prepare` to fetch and convert it (`--whisper-base` for Whisper base)")]
    Load { path: String, message: String },
    #[error("Whisper failed on an utterance: {0}")]
    Run(String),
}

/// How Whisper decodes.
#[derive(Debug, Clone)]
pub struct Decoding {
    /// The language decoded: "en" or "ko" (a multilingual model for "ko").
    pub language: String,
    pub threads: u32,
    /// The encoder window in 20 ms frames, at least (a longer utterance gets a wider one).
    pub audio_ctx: u32,
    /// Beam width; 1 is greedy.
    pub beam: u32,
    /// The initial prompt: words that bias spelling.
    pub prompt: String,
    /// Hold decoding to these words and word pairs.
    pub vocabulary: Option<Vocabulary>,
    /// Hold decoding to these sentences, on bytes with spacing ignored (Korean: see `spaced`).
    pub sentences: Option<Spaced>,
}

pub struct Whisper {
    state: WhisperState,
    language: String,
    threads: i32,
    audio_ctx: i32,
    beam: i32,
    prompt: String,
    /// Grammar-constrained decoding (boxed: whisper.cpp holds a pointer to it during a run).
    constraint: Option<Box<Constraint>>,
    /// The grammar's words in any order: the second decoding when the first left the grammar.
    any_order: Option<Box<Constraint>>,
}

/// One utterance's text, and how well it fits the grammar's words.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub text: String,
    /// Held to a grammar: the mean log of the probability the grammar's tokens kept at each
    /// step (0 best). Speech forced into words it does not contain scores low.
    pub fit: Option<f32>,
    /// Held to a grammar: the decoder found the speech more likely to go on in words the
    /// grammar does not have than in any of its own (`text` is what came before).
    pub left_grammar: bool,
    /// Held to a grammar: the probability the model gave to beginning with a note — "(" as in
    /// "(speaking in foreign language)" — rather than words.
    pub note: Option<f32>,
}

impl Transcript {
    /// Why what was heard cannot be a command, whatever the matcher would make of the text;
    /// `None` when it may be one.
    pub fn rejection(&self) -> Option<String> {
        if self.left_grammar {
            return Some(if self.text.is_empty() {
                "heard speech, but no command begins that way".to_string()
            } else {
                format!("heard “{} …”, then words that no command has", self.text)
            });
        }
        if let Some(note) = self.note.filter(|n| *n > MAX_NOTE) {
            return Some(format!(
                "heard speech that Whisper takes for no English (it would begin with a “(” note, {:.0}%): Korean or other talk",
                note * 100.0
            ));
        }
        match self.fit {
            Some(fit) if fit < MIN_FIT => Some(format!(
                "heard “{}”, which does not sound like a command (fit {fit:.1} below {MIN_FIT:.1})",
                self.text
            )),
            _ => None,
        }
    }
}

/// Above this probability of beginning with a note, the speech is not taken for English. On the
/// espeak set (`scpm bench voice`), English commands that were understood gave a note 0.6% at the
/// median and at most 9%; Korean office talk 7% at the median: 5% turns away three quarters of
/// Korean talk's decodings, and every Korean false accept Whisper made, for 3 of 77 English hits.
pub const MAX_NOTE: f32 = 0.05;

/// whisper.cpp's logits filter: hands each decoding step to the [`Constraint`]. With the
/// vosk module, the only `unsafe` code: a C callback cannot be written without it.
#[allow(unsafe_code)]
unsafe extern "C" fn constrain_step(
    _ctx: *mut WhisperSysContext,
    _state: *mut WhisperSysState,
    tokens: *const WhisperTokenData,
    n_tokens: std::os::raw::c_int,
    logits: *mut f32,
    user_data: *mut std::os::raw::c_void,
) {
    if user_data.is_null() || logits.is_null() {
        return;
    }
    // SAFETY: `user_data` is the boxed Constraint that `transcribe` owns for the whole run;
    // `tokens` and `logits` are whisper.cpp's arrays of the sizes it passes. whisper.cpp
    // processes a beam's decoders in parallel (up to `threads` at once), so the constraint is
    // shared between threads: it is only read through `&`, and locks what a step changes.
    let constraint = &*(user_data as *const Constraint);
    let logits = std::slice::from_raw_parts_mut(logits, constraint.n_vocab);
    let decoded: Vec<i32> = if tokens.is_null() || n_tokens <= 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(tokens, n_tokens as usize).iter().map(|t| t.id).collect()
    };
    // A panic must not unwind into C.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| constraint.step(&decoded, logits)));
}

/// Audio that one `audio_ctx` frame covers: 20 ms.
const FRAME_S: f64 = 0.02;

impl Whisper {
    /// With a vocabulary, decoding is held to its words (see [`super::vocabulary`]).
    pub fn load(model: &Path, decoding: Decoding) -> Result<Whisper, WhisperError> {
        let Decoding { language, threads, audio_ctx, beam, prompt, vocabulary, sentences } = decoding;
        whisper_rs::install_logging_hooks(); // whisper.cpp's own logs go to `tracing`, not stderr
        let path = model.display().to_string();
        let load = |message: String| WhisperError::Load { path: path.clone(), message };
        if !model.exists() {
            return Err(load("no such file".into()));
        }
        let ctx = WhisperContext::new_with_params(&path, WhisperContextParameters::default())
            .map_err(|e| load(e.to_string()))?;
        let state = ctx.create_state().map_err(|e| load(e.to_string()))?;
        let vocabulary = vocabulary.filter(|v| !v.is_empty());
        let sink = usize::try_from(ctx.token_solm()).unwrap_or(0);
        let n_vocab = ctx.n_vocab().max(0) as usize;
        let (constraint, any_order) = match (vocabulary, sentences) {
            (_, Some(sentences)) => {
                let bytes: Vec<Vec<u8>> = (0..ctx.token_eot())
                    .map(|id| ctx.token_to_bytes(id).map(<[u8]>::to_vec).unwrap_or_default())
                    .collect();
                let held = Constraint::on_bytes(sentences, bytes, n_vocab).with_sink(sink);
                (Some(Box::new(held)), None)
            }
            (None, None) => (None, None),
            (Some(vocab), None) => {
                // Read from the model once; each constraint keeps its own copy.
                let token_text: Vec<Option<String>> = (0..ctx.token_eot())
                    .map(|id| ctx.token_to_bytes(id).ok().and_then(|b| std::str::from_utf8(b).ok()).map(str::to_string))
                    .collect();
                let constraint =
                    |vocab: Vocabulary| Box::new(Constraint::new(vocab, token_text.clone(), n_vocab).with_sink(sink));
                let any_order = constraint(vocab.any_order());
                (Some(constraint(vocab)), Some(any_order))
            }
        };
        let mut whisper = Whisper {
            state,
            language,
            threads: threads as i32,
            audio_ctx: audio_ctx as i32,
            beam: beam as i32,
            prompt,
            constraint,
            any_order,
        };
        // The first decoding from a new state hears worse than later ones (on the voice set, a
        // fresh state for every utterance lost 11 of 224 commands): pay it now, on silence.
        whisper.decode(&[0.0; 16_000], false)?;
        Ok(whisper)
    }

    /// Which of `among` (language codes, "ko", "en") an utterance is in, by the model's own
    /// language detection (one encoder pass and one decoder step; a multilingual model only),
    /// and its probability among them.
    pub fn detect_language(&mut self, samples: &[f32], among: &[&str]) -> Result<(String, f32), WhisperError> {
        let run = |e: whisper_rs::WhisperError| WhisperError::Run(e.to_string());
        let threads = self.threads.max(1) as usize;
        self.state.pcm_to_mel(&padded(samples), threads).map_err(run)?;
        let (_, probs) = self.state.lang_detect(0, threads).map_err(run)?;
        let scored: Vec<(&str, f32)> = among
            .iter()
            .filter_map(|l| whisper_rs::get_lang_id(l).and_then(|id| probs.get(id as usize)).map(|p| (*l, *p)))
            .collect();
        let total: f32 = scored.iter().map(|(_, p)| p).sum();
        let (best, p) = scored
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .ok_or_else(|| WhisperError::Run(format!("no language of {among:?} is known to the model")))?;
        Ok((best.to_string(), if total > 0.0 { p / total } else { 0.0 }))
    }

    /// The text of one utterance (16 kHz mono samples in [-1, 1]).
    pub fn transcribe(&mut self, samples: &[f32]) -> Result<Transcript, WhisperError> {
        self.transcribe_with(samples, true)
    }

    /// As [`Whisper::transcribe`]; with `retry`, a decoding that left the grammar is done again
    /// held only to the grammar's words, in any order: a word misheard early ("Seoul me…" for
    /// "show me…") leads into word pairs that no sentence has, and the matcher, which trims a
    /// misheard first word, can still have the rest. On the English half of the voice set, 155
    /// commands of 224 against 150, no talk taken for a command either way; with both
    /// recognizers, 153 against 149, and talk taken for a command 6 times in 320 against 4. The
    /// check at a short pause does without it (it would double the work at every pause in talk).
    pub fn transcribe_with(&mut self, samples: &[f32], retry: bool) -> Result<Transcript, WhisperError> {
        let first = self.decode(samples, false)?;
        if retry && first.left_grammar && self.any_order.is_some() {
            return self.decode(samples, true);
        }
        Ok(first)
    }

    fn decode(&mut self, samples: &[f32], any_order: bool) -> Result<Transcript, WhisperError> {
        let seconds = samples.len() as f64 / 16_000.0;
        // A longer utterance needs a wider window; never narrower than configured, at most 30 s.
        let needed = ((seconds + 1.0) / FRAME_S).ceil() as i32;
        let audio_ctx = needed.max(self.audio_ctx).min(1500);
        let mut params = if self.beam > 1 {
            FullParams::new(SamplingStrategy::BeamSearch { beam_size: self.beam, patience: -1.0 })
        } else {
            FullParams::new(SamplingStrategy::Greedy { best_of: 1 })
        };
        params.set_n_threads(self.threads);
        params.set_audio_ctx(audio_ctx);
        params.set_language(Some(&self.language));
        params.set_no_context(true);
        params.set_single_segment(true);
        params.set_no_timestamps(true);
        params.set_suppress_blank(true);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        // No fallback re-decodes: they cost seconds on two cores.
        params.set_temperature_inc(0.0);
        // About four tokens a second is speech; six and a margin leave room for words spelled in
        // several tokens, and a looping decoder still stops here.
        params.set_max_tokens(((seconds * 6.0).ceil() as i32 + 4).clamp(8, 96));
        if !self.prompt.is_empty() {
            params.set_initial_prompt(&self.prompt);
        }
        let audio = padded(samples);
        let constraint = if any_order { self.any_order.as_mut() } else { self.constraint.as_mut() };
        if let Some(constraint) = constraint {
            constraint.reset();
            // SAFETY: the box outlives `full` below, and only the callback touches it meanwhile.
            #[allow(unsafe_code)]
            unsafe {
                params.set_filter_logits_callback(Some(constrain_step));
                params.set_filter_logits_callback_user_data(constraint.as_ref() as *const Constraint as *mut _);
            }
        }
        self.state.full(params, &audio).map_err(|e| WhisperError::Run(e.to_string()))?;
        let mut text = String::new();
        let mut tokens = Vec::new();
        for segment in self.state.as_iter() {
            text.push_str(&segment.to_str_lossy().map_err(|e| WhisperError::Run(e.to_string()))?);
            tokens.extend((0..segment.n_tokens()).filter_map(|i| segment.get_token(i)).map(|t| t.token_id()));
        }
        let held = self.constraint.as_deref();
        let fit = held.as_ref().map(|c| c.fit(&tokens));
        // The "(" note is the English model's sign of speech in another language: not asked of
        // a decoding in Korean.
        let note = held.as_ref().and_then(|c| c.first_note()).filter(|_| self.language == "en");
        // A hypothesis that left the grammar at its first token leaves no segment at all.
        let left_grammar = held.as_ref().is_some_and(|c| c.left_grammar(&tokens) || text.trim().is_empty());
        let mut text = dedupe_repeats(text.trim());
        if let Some(spaced) = held.as_ref().filter(|_| !left_grammar).and_then(|c| c.respace(&text)) {
            text = spaced;
        }
        Ok(Transcript { text, fit, left_grammar, note })
    }
}

/// Whisper needs at least one second of audio: short commands padded with silence.
fn padded(samples: &[f32]) -> std::borrow::Cow<'_, [f32]> {
    const AT_LEAST: usize = 16_000 + 1_600;
    if samples.len() >= AT_LEAST {
        return std::borrow::Cow::Borrowed(samples);
    }
    let mut longer = samples.to_vec();
    longer.resize(AT_LEAST, 0.0);
    std::borrow::Cow::Owned(longer)
}

/// A looping decoder repeats itself: "make me a latte with sugar, make me a latte with sugar,
/// make me" → "make me a latte with sugar". The text is cut where a run of words (two or more)
/// is immediately said again, or where the whole text restarts; comparison ignores case and
/// punctuation.
pub fn dedupe_repeats(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let key: Vec<String> =
        words.iter().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()).collect();
    let n = key.len();
    // The earliest end of a run that the next words repeat.
    for end in 2..n {
        for len in 2..=end.min(n - end) {
            if key[end - len..end] == key[end..end + len] {
                return tidy(&words[..end]);
            }
        }
        // The whole text so far, said again but cut short by the token limit.
        if end >= 3 && n - end >= 3 && key[..3] == key[end..end + 3] {
            return tidy(&words[..end]);
        }
    }
    if n >= 2 && key.iter().all(|w| *w == key[0]) {
        return tidy(&words[..1]);
    }
    words.join(" ")
}

/// Words joined, without the comma a cut leaves at the end.
fn tidy(words: &[&str]) -> String {
    words.join(" ").trim_end_matches([',', ';']).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn speech_the_model_would_write_as_a_note_is_not_a_command() {
        let heard = |note| super::Transcript { text: "thank you".into(), fit: Some(-0.5), left_grammar: false, note };
        assert_eq!(heard(Some(0.01)).rejection(), None);
        assert_eq!(heard(None).rejection(), None, "not held to a grammar: not measured");
        let reason = heard(Some(0.2)).rejection().unwrap_or_default();
        assert!(reason.contains("no English") && reason.contains("20%"), "{reason}");
    }

    #[test]
    fn repeats_collapse() {
        assert_eq!(super::dedupe_repeats("show traffic show traffic show traffic"), "show traffic");
        assert_eq!(super::dedupe_repeats("call the mayor"), "call the mayor");
        assert_eq!(super::dedupe_repeats(""), "");
        assert_eq!(
            super::dedupe_repeats(
                "Make me a medium cappuccino with sugar, make me a medium cappuccino with sugar, make me"
            ),
            "Make me a medium cappuccino with sugar"
        );
        assert_eq!(
            super::dedupe_repeats(
                "I'd like a twenty ounce, medium roast espresso with sugar, medium roast espresso with sugar,"
            ),
            "I'd like a twenty ounce, medium roast espresso with sugar"
        );
        assert_eq!(super::dedupe_repeats("traffic traffic traffic"), "traffic");
        // Ordinary speech with a repeated single word is left alone.
        assert_eq!(super::dedupe_repeats("show me very very bad air"), "show me very very bad air");
    }
}
