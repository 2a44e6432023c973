//! The office microphone (or `serve --audio-file`) driving the wall: audio → endpointer →
//! recognizer → [`Office::apply_answer`] (channel "voice"), as a typed command. With the wake
//! phrase on, only what follows "시장실" / "office" (within `voice.listen_window_s`) is acted on
//! and audited: office small talk is neither kept nor logged. The wake phrase is found once, by
//! the recognizer (`Heard::wake`); each utterance is resolved once.

use super::{Channel, Office, View};
use crate::audio::{capture, wav};
use crate::city::City;
use crate::display::Listening;
use crate::readiness::{PartState, Parts};
use crate::voice::listener::{Event, Listener};
use crate::voice::{Heard, Voice, Wake};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the audio comes from.
pub enum AudioSource {
    Microphone,
    /// A WAV file played as if it were the microphone (in real time), then silence; or again
    /// and again, a second of silence between, with `repeat`.
    File {
        path: PathBuf,
        repeat: bool,
    },
}

fn show_listening(office: &Office, listening: Option<Listening>) {
    office.show(View::Listening(listening));
}

/// Starts the voice thread. Returns at once (with its handle, to wait for it when the service
/// stops); problems (no model, no microphone) are logged once and the service runs on without
/// voice.
pub fn start(office: Arc<Office>, city: Arc<City>, source: AudioSource) -> Option<std::thread::JoinHandle<()>> {
    let spawned = std::thread::Builder::new().name("scpm-voice".into()).spawn(move || {
        let config = office.config().clone();
        let parts = office.parts().clone();
        parts.set("voice", PartState::Starting);
        // The microphone first: with none, the models (~700 MB) are not loaded at all.
        let audio: Receiver<Vec<f32>> = match source {
            AudioSource::Microphone => match capture::open(&config.voice.input_device) {
                Ok((mic, rx)) => {
                    tracing::info!(device = %mic.device, "listening to the microphone");
                    keep(mic, rx, config.voice.input_device.clone(), parts.clone())
                }
                Err(e) => {
                    // No microphone at all is an office without voice; the one the config
                    // names, absent, is a fault. The models are not loaded without one.
                    let named = !config.voice.input_device.is_empty();
                    let reason = format!("{e}");
                    return parts.set("voice", if named { PartState::Failed(reason) } else { PartState::Off(reason) });
                }
            },
            AudioSource::File { path, repeat } => play_file(path, repeat),
        };
        let audio = share_with_calls(office.calls().clone(), audio);
        let (commands, index) = (office.commands().clone(), office.index().clone());
        let (mut voice, warnings) = Voice::load(&config, &city, commands, index, &config.voice.languages);
        for w in warnings {
            tracing::warn!("{w}");
        }
        if voice.languages().is_empty() {
            let reason = "no recognizer loaded; run `scpm models prepare`".to_string();
            return parts.set("voice", PartState::Failed(reason));
        }
        tracing::info!(languages = ?voice.languages(), "voice ready");
        parts.set("voice", PartState::Ready);
        run(&office, &mut voice, audio);
    });
    spawned.map_err(|e| tracing::warn!(error = %e, "cannot start the voice thread")).ok()
}

/// How long a microphone may give no audio before it counts as gone: a device hands over audio,
/// silence included, ten or more times a second.
const MIC_SILENT: Duration = Duration::from_secs(2);
/// How often a microphone that went away is looked for.
const MIC_RETRY: Duration = Duration::from_secs(5);

/// Keeps the office's microphone: when it stops giving audio (unplugged, its driver gone) it is
/// let go, `/readyz` says so, and it is opened again every MIC_RETRY until it is back (a call in
/// progress sends its tone meanwhile). The returned channel outlives every device behind it.
fn keep(mic: capture::Microphone, audio: Receiver<Vec<f32>>, device: String, parts: Parts) -> Receiver<Vec<f32>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    let spawned = std::thread::Builder::new().name("scpm-mic-keeper".into()).spawn(move || {
        let (mut mic, mut audio) = (mic, audio);
        loop {
            match audio.recv_timeout(MIC_SILENT) {
                Ok(chunk) => {
                    if tx.send(chunk).is_err() {
                        return;
                    }
                }
                Err(_) => {
                    let gone = PartState::Failed(format!(
                        "the microphone {} stopped giving audio; waiting for it to come back (checked every {} s)",
                        mic.device,
                        MIC_RETRY.as_secs()
                    ));
                    drop(mic);
                    parts.set("voice", gone.clone());
                    (mic, audio) = loop {
                        std::thread::sleep(MIC_RETRY);
                        if let Ok(found) = capture::open(&device) {
                            break found;
                        }
                    };
                    tracing::info!(device = %mic.device, "the microphone is back");
                    // Ready again, unless something else failed meanwhile.
                    if parts.snapshot().get("voice") == Some(&gone) {
                        parts.set("voice", PartState::Ready);
                    }
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot keep the microphone");
    }
    rx
}

/// The microphone also feeds the calls: a thread of its own hands each chunk to the calls first,
/// so a slow recognition never delays the office's voice in a call (and calls keep the
/// microphone if the recognizers fail to load).
fn share_with_calls(calls: crate::call::Calls, audio: Receiver<Vec<f32>>) -> Receiver<Vec<f32>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    let spawned = std::thread::Builder::new().name("scpm-mic-share".into()).spawn(move || {
        let mut recognizer = Some(tx);
        while let Ok(chunk) = audio.recv() {
            calls.microphone(&chunk);
            if let Some(tx) = &recognizer {
                if tx.send(chunk).is_err() {
                    recognizer = None;
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
/// utterance; with `repeat`, again after that second, until the voice loop stops listening.
fn play_file(path: PathBuf, repeat: bool) -> Receiver<Vec<f32>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    std::thread::spawn(move || {
        let mut clock = wav::RealTime::start();
        let mut pace = |chunk: &[f32]| {
            clock.wait(chunk.len());
            tx.send(chunk.to_vec()).is_ok()
        };
        loop {
            match wav::stream_wav(&path, &mut pace) {
                Ok(info) => tracing::info!(file = %path.display(), seconds = info.seconds, "audio file played"),
                Err(e) => return tracing::warn!("{e}"),
            }
            if !pace(&vec![0.0; wav::RATE as usize]) || !repeat {
                return;
            }
        }
    });
    rx
}

/// Whether what is heard now is acted on: always without the wake phrase, else within the
/// listening window it (or push-to-talk) opened.
fn is_awake(config: &crate::config::VoiceConfig, awake_until: Option<Instant>) -> bool {
    !config.wake_word || awake_until.is_some_and(|t| Instant::now() < t)
}

fn run(office: &Office, voice: &mut Voice, audio: Receiver<Vec<f32>>) {
    let config = &office.config().voice;
    let mut awake_until: Option<Instant> = None;
    let mut listener = Listener::new(config);
    let mut conversation = || office.conversation();
    // Samples heard so far: the listener's clock, to place the end of speech in time.
    let mut received: u64 = 0;
    while let Ok(chunk) = audio.recv() {
        if office.stopping() {
            return;
        }
        let arrived = Instant::now();
        received += chunk.len() as u64;
        let stream_ms = received * 1000 / u64::from(wav::RATE);
        // A wave (push-to-talk) opens the window as the wake phrase does.
        if let Some(pushed) = office.take_push_to_talk() {
            awake_until = Some(awake_until.map_or(pushed, |t| t.max(pushed)));
        }
        for event in listener.push(voice, &chunk, &mut conversation) {
            let awake = is_awake(config, awake_until);
            match event {
                Event::Speaking | Event::Partial(_) if !awake => {}
                Event::Speaking => show_listening(office, Some(listening("listening", String::new(), ""))),
                // The partial text shows on the wall while the person speaks.
                Event::Partial(text) => show_listening(office, Some(listening("listening", text, "ko"))),
                Event::Heard { heard, ctx, amends } => {
                    if amends {
                        // The person went on after a pause that had ended a command: the whole
                        // of it is the command now (audited as one more, shown in its place).
                        tracing::info!(transcript = %heard.transcript, "the command before goes on");
                    }
                    // The speech ended as long before this chunk came as the chunk is after it.
                    let ended = arrived.checked_sub(Duration::from_millis(stream_ms.saturating_sub(heard.end_ms)));
                    respond(office, heard, ctx, &mut awake_until, ended)
                }
            }
        }
    }
}

fn listening(state: &str, transcript: String, lang: &str) -> Listening {
    Listening { state: state.into(), transcript, lang: lang.into(), understood: false }
}

/// Acts on what was heard (`ctx`: the conversation after it) as the wake phrase and listening
/// window allow.
fn respond(
    office: &Office,
    heard: Heard,
    ctx: crate::resolve::Context,
    awake_until: &mut Option<Instant>,
    ended: Option<Instant>,
) {
    let config = &office.config().voice;
    let window = Duration::from_secs_f64(config.listen_window_s);
    match (is_awake(config, *awake_until), heard.wake) {
        (_, Wake::Alone) => {
            *awake_until = Some(Instant::now() + window);
            let shown = Listening {
                state: "wake".into(),
                transcript: heard.transcript.clone(),
                lang: heard.answer.lang.clone(),
                understood: false,
            };
            show_listening(office, Some(shown));
        }
        // "Office, show traffic": the answer is already the command's after the wake phrase.
        (_, Wake::Before) | (true, Wake::None) => {
            act(office, &heard, ctx, ended);
            *awake_until = config.wake_word.then(|| Instant::now() + window);
        }
        (false, Wake::None) => {
            tracing::debug!(transcript = %heard.transcript, "speech without the wake phrase ignored")
        }
    }
}

/// Audits and applies what was heard, like a typed command from the office (`ended`: when the
/// speech ended, for the metrics).
fn act(office: &Office, heard: &Heard, ctx: crate::resolve::Context, ended: Option<Instant>) {
    office.remember(ctx);
    let a = &heard.answer;
    let input = format!("[{}] {}", a.lang, heard.transcript);
    match office.apply_answer(Channel::Voice, &input, a) {
        Ok(applied) => {
            if let Some(ended) = ended.filter(|_| a.understood) {
                crate::metrics::Metrics::observe(&office.metrics().speech_to_action, ended.elapsed());
            }
            tracing::info!(audit_id = applied.audit_id, version = applied.version, transcript = %heard.transcript, understood = a.understood, decode_ms = heard.decode_ms, "voice command")
        }
        Err(e) => tracing::warn!(error = %e, "voice command not applied"),
    }
    let shown = Listening {
        state: "heard".into(),
        transcript: heard.transcript.clone(),
        lang: a.lang.clone(),
        understood: a.understood,
    };
    show_listening(office, Some(shown));
}
