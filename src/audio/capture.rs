//! The microphone through cpal, converted to 16 kHz mono and handed on in chunks. A machine with
//! no input device (this one, most servers) gets a clear error once; the caller keeps running.
//! A device named `file:/path/to.wav` is a recording standing in for a microphone: plugged in
//! while the file exists, it plays the recording in real time and then gives silence, and it is
//! gone when the file is (how the tests unplug and plug in a microphone on a machine with none).

use super::wav::{Resampler, RATE};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("no audio input device{0}; voice works from files (`scpm listen`, `serve --audio-file`)")]
    NoDevice(String),
    #[error("the input device {device} cannot be opened ({message}); check voice.input_device, or use voice from files (`scpm listen`, `serve --audio-file`)")]
    Open { device: String, message: String },
}

/// A running capture; dropping it stops the microphone.
pub struct Microphone {
    pub device: String,
    stop: Arc<AtomicBool>,
}

impl Drop for Microphone {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn forward(tx: &SyncSender<Vec<f32>>, resampler: &mut Resampler, mono: &[f32]) {
    let mut out = Vec::with_capacity(mono.len());
    resampler.push(mono, &mut out);
    // A recognizer that falls behind loses audio rather than growing a queue without bound.
    if let Err(TrySendError::Full(_)) = tx.try_send(out) {
        tracing::warn!("voice pipeline is behind; dropped 1 audio chunk");
    }
}

/// A recording standing in for a microphone (see the module's documentation).
fn open_recording(path: &Path) -> Result<(Microphone, Receiver<Vec<f32>>), CaptureError> {
    if !path.is_file() {
        return Err(CaptureError::NoDevice(format!(" (no recording at {})", path.display())));
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<f32>>(64);
    let stop = Arc::new(AtomicBool::new(false));
    let (thread_stop, path_owned) = (stop.clone(), path.to_path_buf());
    let device = format!("file:{}", path.display());
    std::thread::Builder::new()
        .name("scpm-microphone".into())
        .spawn(move || {
            let mut clock = super::wav::RealTime::start();
            let mut pace = |chunk: &[f32]| {
                clock.wait(chunk.len());
                !thread_stop.load(Ordering::Relaxed) && tx.send(chunk.to_vec()).is_ok()
            };
            if let Err(e) = super::wav::stream_wav(&path_owned, &mut pace) {
                return tracing::warn!("{e}");
            }
            let silence = vec![0.0; RATE as usize / 10];
            while path_owned.is_file() && pace(&silence) {}
        })
        .map_err(|e| CaptureError::Open { device: device.clone(), message: e.to_string() })?;
    Ok((Microphone { device, stop }, rx))
}

/// Opens `device_name` (empty: the default input; `file:PATH`: a recording) and streams 16 kHz
/// mono chunks to the returned receiver. The cpal stream lives on its own thread (it is not
/// `Send` everywhere).
pub fn open(device_name: &str) -> Result<(Microphone, Receiver<Vec<f32>>), CaptureError> {
    if let Some(path) = device_name.strip_prefix("file:") {
        return open_recording(Path::new(path));
    }
    // default_host() panics when ALSA cannot initialise (a server with no sound stack).
    #[cfg(target_os = "linux")]
    let host = cpal::host_from_id(cpal::HostId::Alsa).map_err(|e| CaptureError::NoDevice(format!(" (ALSA: {e})")))?;
    #[cfg(not(target_os = "linux"))]
    let host = cpal::default_host();
    let device = if device_name.is_empty() {
        host.default_input_device()
    } else {
        host.input_devices()
            .ok()
            .and_then(|mut all| all.find(|d| d.description().is_ok_and(|x| x.name() == device_name)))
    };
    let device = device.ok_or_else(|| {
        CaptureError::NoDevice(if device_name.is_empty() { String::new() } else { format!(" named `{device_name}`") })
    })?;
    let name = device.description().map(|d| d.name().to_string()).unwrap_or_else(|_| "input".into());
    let open_err = |message: String| CaptureError::Open { device: name.clone(), message };
    let supported = device.default_input_config().map_err(|e| open_err(e.to_string()))?;
    let channels = usize::from(supported.channels()).max(1);
    let rate = supported.sample_rate();
    let format = supported.sample_format();
    let config = supported.config();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<f32>>(64);
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let thread_stop = stop.clone();
    std::thread::Builder::new()
        .name("scpm-microphone".into())
        .spawn(move || {
            let on_error = |e: cpal::Error| tracing::warn!(error = %e, "microphone stream error");
            let mut resampler = Resampler::new(rate);
            let stream = match format {
                cpal::SampleFormat::I16 => device.build_input_stream(
                    config,
                    move |data: &[i16], _: &cpal::InputCallbackInfo| {
                        let mono: Vec<f32> = data
                            .chunks(channels)
                            .map(|f| f.iter().map(|v| f32::from(*v) / 32768.0).sum::<f32>() / channels as f32)
                            .collect();
                        forward(&tx, &mut resampler, &mono);
                    },
                    on_error,
                    None,
                ),
                _ => device.build_input_stream(
                    config,
                    move |data: &[f32], _: &cpal::InputCallbackInfo| {
                        let mono: Vec<f32> =
                            data.chunks(channels).map(|f| f.iter().sum::<f32>() / channels as f32).collect();
                        forward(&tx, &mut resampler, &mono);
                    },
                    on_error,
                    None,
                ),
            };
            let stream = match stream.and_then(|s| s.play().map(|_| s)) {
                Ok(s) => s,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let _ = ready_tx.send(Ok(()));
            while !thread_stop.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            drop(stream);
        })
        .map_err(|e| open_err(e.to_string()))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok((Microphone { device: name, stop }, rx)),
        Ok(Err(message)) => Err(open_err(message)),
        Err(_) => Err(open_err("the capture thread ended".into())),
    }
}
