//! The office microphone (or `serve --audio-file`) driving the wall: audio → endpointer →
//! recogniser → the same audited path as `POST /api/commands` (channel "voice"). With the wake
//! phrase on, only what follows "시장실" / "office" (within `voice.listen_window_s`) is acted on
//! and audited: office small talk is neither kept nor logged.

use super::office::apply_audited;
use super::AppState;
use crate::audio::{capture, vad::Endpointer, wav};
use crate::commands::Commands;
use crate::display::Listening;
use crate::voice::{after_wake_phrase, Heard, Voice};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the audio comes from.
pub enum AudioSource {
    Microphone,
    /// A WAV file played as if it were the microphone (in real time), then silence.
    File(PathBuf),
}

fn show_listening(state: &AppState, listening: Option<Listening>) {
    if let Ok(mut office) = state.office.lock() {
        if office.display.set_listening(listening) {
            state.display_tx.send_replace(office.display.clone());
        }
    }
}

/// Starts the voice thread. Returns at once; problems (no model, no microphone) are logged once
/// and the service runs on without voice.
pub fn start(state: AppState, commands: Arc<Commands>, source: AudioSource) {
    let spawned = std::thread::Builder::new().name("scpm-voice".into()).spawn(move || {
        let config = state.config.clone();
        // The microphone first: with none, the models (~700 MB) are not loaded at all.
        let (_mic, audio): (Option<capture::Microphone>, Receiver<Vec<f32>>) = match source {
            AudioSource::Microphone => match capture::open(&config.voice.input_device) {
                Ok((mic, rx)) => {
                    tracing::info!(device = %mic.device, "listening to the microphone");
                    (Some(mic), rx)
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    return;
                }
            },
            AudioSource::File(path) => (None, play_file(path)),
        };
        let audio = share_with_calls(state.calls.clone(), audio);
        let (mut voice, warnings) =
            Voice::load(&config, &state.city, commands, state.index.clone(), &config.voice.languages);
        for w in warnings {
            tracing::warn!("{w}");
        }
        if voice.languages().is_empty() {
            tracing::warn!("voice is off: no recogniser loaded");
            return;
        }
        tracing::info!(languages = ?voice.languages(), "voice ready");
        run(&state, &mut voice, audio);
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the voice thread");
    }
}

/// The microphone also feeds the calls: a thread of its own hands each chunk to the calls first,
/// so a slow recognition never delays the office's voice in a call (and calls keep the
/// microphone if the recognisers fail to load).
fn share_with_calls(calls: crate::call::Calls, audio: Receiver<Vec<f32>>) -> Receiver<Vec<f32>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    let spawned = std::thread::Builder::new().name("scpm-mic-share".into()).spawn(move || {
        let mut recogniser = Some(tx);
        while let Ok(chunk) = audio.recv() {
            calls.microphone(&chunk);
            if let Some(tx) = &recogniser {
                if tx.send(chunk).is_err() {
                    recogniser = None;
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot share the microphone with calls");
    }
    rx
}

/// Streams a WAV file in real time (100 ms chunks), then a second of silence to end the last
/// utterance.
fn play_file(path: PathBuf) -> Receiver<Vec<f32>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    std::thread::spawn(move || {
        let started = Instant::now();
        let mut sent = 0usize;
        let result = wav::stream_wav(&path, |chunk| {
            sent += chunk.len();
            let due = Duration::from_secs_f64(sent as f64 / f64::from(wav::RATE));
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
            tx.send(chunk.to_vec()).is_ok()
        });
        match result {
            Ok(info) => tracing::info!(file = %path.display(), seconds = info.seconds, "audio file played"),
            Err(e) => tracing::warn!("{e}"),
        }
        let _ = tx.send(vec![0.0; wav::RATE as usize]);
    });
    rx
}

/// Whether what is heard now is acted on: always without the wake phrase, else within the
/// listening window it (or push-to-talk) opened.
fn is_awake(config: &crate::config::VoiceConfig, awake_until: Option<Instant>) -> bool {
    !config.wake_word || awake_until.is_some_and(|t| Instant::now() < t)
}

fn run(state: &AppState, voice: &mut Voice, audio: Receiver<Vec<f32>>) {
    let config = &state.config.voice;
    let mut awake_until: Option<Instant> = None;
    let mut endpointer = Endpointer::new(config.end_silence_ms);
    let mut speaking = false;
    // Samples of the open utterance already streamed to the Korean recogniser.
    let mut fed = 0usize;
    let mut partial = String::new();
    // The partial transcript last checked for a whole command in the current pause (Vosk
    // may settle the last word a few chunks into the pause, so a changed one is checked again).
    let mut early_checked: Option<String> = None;
    // Whether Whisper has decoded the open utterance in the current pause.
    let mut english_checked = false;
    while let Ok(chunk) = audio.recv() {
        // A wave (push-to-talk) opens the window as the wake phrase does.
        if let Some(pushed) = state.office.lock().ok().and_then(|mut o| o.listen_until.take()) {
            awake_until = Some(awake_until.map_or(pushed, |t| t.max(pushed)));
        }
        let utterances = endpointer.push(&chunk);
        if utterances.is_empty() && !endpointer.in_speech() && fed > 0 {
            // The endpointer dropped the utterance as too short: so does the recogniser.
            voice.reset();
            fed = 0;
            partial.clear();
        }
        let awake = is_awake(config, awake_until);
        if awake && endpointer.in_speech() != speaking {
            speaking = endpointer.in_speech();
            if speaking {
                show_listening(
                    state,
                    Some(Listening {
                        state: "listening".into(),
                        transcript: String::new(),
                        lang: String::new(),
                        understood: false,
                    }),
                );
            }
        }
        for u in utterances {
            let streamed = fed > 0;
            if streamed && fed < u.samples.len() {
                voice.feed(&u.samples[fed..]);
            }
            fed = 0;
            partial.clear();
            answer_utterance(state, voice, &u, streamed, &mut awake_until);
        }
        // The utterance being spoken goes to the Korean recogniser now, so that only its last
        // words are left to decode when the person stops; the partial text shows on the wall.
        if let Some(open) = endpointer.open_samples() {
            if open.len() > fed {
                let heard_so_far = voice.feed(&open[fed..]).unwrap_or_default();
                fed = open.len();
                let awake = is_awake(config, awake_until);
                if awake && !heard_so_far.is_empty() && heard_so_far != partial {
                    show_listening(
                        state,
                        Some(Listening {
                            state: "listening".into(),
                            transcript: heard_so_far.clone(),
                            lang: "ko".into(),
                            understood: false,
                        }),
                    );
                }
                partial = heard_so_far;
            }
        }
        // A short pause after a whole command ends the utterance at once: the person does not
        // wait the full `end_silence_ms` for the wall to react. Korean first (its partial
        // transcript is there already), then English (Whisper decodes the utterance so far,
        // once a pause).
        let quiet = endpointer.trailing_silence_ms();
        if quiet < config.early_end_ms || config.early_end_ms == 0 {
            early_checked = None;
            english_checked = false;
            continue;
        }
        let korean_news = !partial.is_empty() && early_checked.as_ref() != Some(&partial);
        if !korean_news && english_checked {
            continue;
        }
        early_checked = Some(partial.clone());
        let mut ctx = state.office.lock().map(|o| o.conversation()).unwrap_or_default();
        let heard =
            endpointer.peek().and_then(|open| voice.answer_at_pause(&open, &partial, !english_checked, &mut ctx));
        english_checked = true;
        if let Some(heard) = heard {
            tracing::debug!(quiet_ms = quiet, transcript = %heard.transcript, "a whole command: the utterance ends early");
            endpointer.cut();
            fed = 0;
            partial.clear();
            respond(state, voice, heard, ctx, &mut awake_until);
        }
    }
}

/// Recognises a complete utterance (`streamed`: its audio is already in the Korean
/// recogniser) and acts on it as the wake phrase and listening window allow.
fn answer_utterance(
    state: &AppState,
    voice: &mut Voice,
    u: &crate::audio::vad::Utterance,
    streamed: bool,
    awake_until: &mut Option<Instant>,
) {
    let mut ctx = state.office.lock().map(|o| o.conversation()).unwrap_or_default();
    let heard = voice.understand_with(u, &mut ctx, streamed);
    respond(state, voice, heard, ctx, awake_until);
}

/// Acts on what was heard (`ctx`: the conversation after it) as the wake phrase and listening
/// window allow.
fn respond(
    state: &AppState,
    voice: &mut Voice,
    heard: Heard,
    mut ctx: crate::resolve::Context,
    awake_until: &mut Option<Instant>,
) {
    let config = &state.config.voice;
    let window = Duration::from_secs_f64(config.listen_window_s);
    let awake = is_awake(config, *awake_until);
    let wake = [&config.wake_phrase_ko, &config.wake_phrase_en];
    let after_wake = wake.iter().find_map(|w| after_wake_phrase(&heard.transcript, w));
    match (awake, after_wake) {
        (_, Some(rest)) if rest.is_empty() => {
            *awake_until = Some(Instant::now() + window);
            show_listening(
                state,
                Some(Listening {
                    state: "wake".into(),
                    transcript: heard.transcript.clone(),
                    lang: heard.answer.lang.clone(),
                    understood: false,
                }),
            );
        }
        (_, Some(rest)) => {
            // "Office, show traffic": the command is what follows the wake phrase.
            let mut heard = heard;
            heard.answer = voice.answer_text(&rest, &heard.answer.lang.clone(), &mut ctx);
            act(state, &heard, ctx);
            *awake_until = config.wake_word.then(|| Instant::now() + window);
        }
        (true, None) => {
            act(state, &heard, ctx);
            *awake_until = config.wake_word.then(|| Instant::now() + window);
        }
        (false, None) => tracing::debug!("speech without the wake phrase ignored"),
    }
}

/// Audits and applies what was heard, like a typed command from the office.
fn act(state: &AppState, heard: &Heard, ctx: crate::resolve::Context) {
    if let Ok(mut office) = state.office.lock() {
        office.context = ctx;
    }
    let a = &heard.answer;
    let outcome = if a.understood {
        "understood".to_string()
    } else {
        format!("not understood: {}", a.reason.clone().unwrap_or_default())
    };
    let intent = a.intent.clone().unwrap_or_default();
    let input = format!("[{}] {}", a.lang, heard.transcript);
    match apply_audited(state, "voice", &input, &intent, &a.actions, &outcome) {
        Ok((audit_id, version)) => {
            tracing::info!(audit_id, version, transcript = %heard.transcript, understood = a.understood, decode_ms = heard.decode_ms, "voice command")
        }
        Err(e) => tracing::warn!(error = %e, "voice command not applied"),
    }
    show_listening(
        state,
        Some(Listening {
            state: "heard".into(),
            transcript: heard.transcript.clone(),
            lang: a.lang.clone(),
            understood: a.understood,
        }),
    );
}
