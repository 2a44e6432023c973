//! WAV files in, 16 kHz mono f32 out, streamed in chunks so that an hour of audio never sits in
//! memory. Any PCM WAV is accepted (8/16/24/32-bit integer or 32-bit float, any rate, any channel
//! count): channels are averaged and the rate converted with a windowed-sinc resampler.

use std::io::Read;
use std::path::Path;

pub const RATE: u32 = 16_000;
/// Samples handed on at a time: 100 ms.
pub const CHUNK: usize = 1_600;

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: cannot open: {source}")]
    Open { path: String, source: std::io::Error },
    #[error("{path} is not a WAV file we can read ({message}); convert it with `sox IN -r 16000 -c 1 -b 16 OUT.wav`")]
    NotWav { path: String, message: String },
    #[error("{path}: {message}")]
    Unsupported { path: String, message: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct WavInfo {
    pub sample_rate: u32,
    pub channels: u16,
    pub bits: u16,
    /// Seconds of audio read (at the source rate).
    pub seconds: f64,
    /// The file ended before its header said it would (the audio up to there was used).
    pub truncated: bool,
}

/// Converts a stream at `from` Hz to 16 kHz. Low-pass at the lower Nyquist, Hann-windowed sinc.
pub struct Resampler {
    step: f64,
    cutoff: f64,
    history: Vec<f32>,
    /// Position of the next output sample, in input samples relative to `history[0]`.
    t: f64,
}

const HALF_TAPS: isize = 16;

impl Resampler {
    pub fn new(from: u32) -> Resampler {
        let step = f64::from(from) / f64::from(RATE);
        Resampler { step, cutoff: (1.0 / step).min(1.0), history: Vec::new(), t: HALF_TAPS as f64 }
    }

    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        if (self.step - 1.0).abs() < 1e-9 {
            out.extend_from_slice(input);
            return;
        }
        if self.history.is_empty() {
            self.history.resize(HALF_TAPS as usize, 0.0); // silence before the start
        }
        self.history.extend_from_slice(input);
        while self.t + (HALF_TAPS as f64) < self.history.len() as f64 {
            let centre = self.t.floor() as isize;
            let mut acc = 0.0f64;
            let mut norm = 0.0f64;
            for k in (centre - HALF_TAPS + 1)..=(centre + HALF_TAPS) {
                let x = (self.t - k as f64) * self.cutoff;
                let sinc =
                    if x.abs() < 1e-9 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
                let w = 0.5 + 0.5 * (std::f64::consts::PI * (self.t - k as f64) / (HALF_TAPS as f64 + 1.0)).cos();
                let weight = sinc * w;
                if let Some(v) = usize::try_from(k).ok().and_then(|k| self.history.get(k)) {
                    acc += f64::from(*v) * weight;
                }
                norm += weight;
            }
            out.push((acc / norm.max(1e-9)) as f32);
            self.t += self.step;
        }
        // Drop what no future output needs.
        let keep_from = (self.t.floor() as isize - HALF_TAPS).max(0) as usize;
        if keep_from > 0 {
            self.history.drain(..keep_from);
            self.t -= keep_from as f64;
        }
    }
}

/// Reads `path` and hands on 16 kHz mono chunks; `sink` returns false to stop early.
/// Plays audio in real time, as a device would deliver it: `wait(n)` sleeps until `n` more
/// samples (at [`RATE`]) are due since the start.
pub struct RealTime {
    started: std::time::Instant,
    sent: usize,
}

impl RealTime {
    pub fn start() -> RealTime {
        RealTime { started: std::time::Instant::now(), sent: 0 }
    }

    pub fn wait(&mut self, samples: usize) {
        self.sent += samples;
        let due = std::time::Duration::from_secs_f64(self.sent as f64 / f64::from(RATE));
        if let Some(wait) = due.checked_sub(self.started.elapsed()) {
            std::thread::sleep(wait);
        }
    }
}

pub fn stream_wav(path: &Path, mut sink: impl FnMut(&[f32]) -> bool) -> Result<WavInfo, AudioError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| AudioError::Open { path: name.clone(), source })?;
    stream_reader(std::io::BufReader::new(file), &name, &mut sink)
}

/// The same from any reader (a file, or bytes a client sent).
pub fn stream_reader(
    reader: impl Read,
    name: &str,
    sink: &mut dyn FnMut(&[f32]) -> bool,
) -> Result<WavInfo, AudioError> {
    let not_wav = |message: String| AudioError::NotWav { path: name.to_string(), message };
    let mut wav = hound::WavReader::new(reader).map_err(|e| not_wav(e.to_string()))?;
    let spec = wav.spec();
    if spec.channels == 0 || spec.sample_rate < 4_000 || spec.sample_rate > 384_000 {
        return Err(AudioError::Unsupported {
            path: name.to_string(),
            message: format!("{} channels at {} Hz is not usable audio", spec.channels, spec.sample_rate),
        });
    }
    let channels = usize::from(spec.channels);
    let scale = match spec.sample_format {
        hound::SampleFormat::Float => 1.0,
        hound::SampleFormat::Int => 1.0 / f64::from(1u32 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32,
    };
    let mut resampler = Resampler::new(spec.sample_rate);
    let mut frame = Vec::with_capacity(channels);
    let mut mono = Vec::with_capacity(CHUNK * 4);
    let mut out = Vec::with_capacity(CHUNK * 2);
    let mut frames = 0u64;
    let mut truncated = false;
    let mut flush = |mono: &mut Vec<f32>, out: &mut Vec<f32>, last: bool| -> bool {
        resampler.push(mono, out);
        mono.clear();
        while out.len() >= CHUNK || (last && !out.is_empty()) {
            let n = out.len().min(CHUNK);
            let keep_going = sink(&out[..n]);
            out.drain(..n);
            if !keep_going {
                return false;
            }
        }
        true
    };
    let mut samples: Box<dyn Iterator<Item = Result<f32, hound::Error>>> = match spec.sample_format {
        hound::SampleFormat::Float => Box::new(wav.samples::<f32>()),
        hound::SampleFormat::Int => Box::new(wav.samples::<i32>().map(move |s| s.map(|v| v as f32 * scale))),
    };
    loop {
        match samples.next() {
            Some(Ok(v)) => {
                frame.push(if v.is_finite() { v.clamp(-1.0, 1.0) } else { 0.0 });
                if frame.len() == channels {
                    mono.push(frame.iter().sum::<f32>() / channels as f32);
                    frame.clear();
                    frames += 1;
                    if mono.len() >= CHUNK * 4 && !flush(&mut mono, &mut out, false) {
                        break;
                    }
                }
            }
            Some(Err(_)) => {
                truncated = true; // the data ends early: keep what arrived
                break;
            }
            None => break,
        }
    }
    flush(&mut mono, &mut out, true);
    Ok(WavInfo {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        bits: spec.bits_per_sample,
        seconds: frames as f64 / f64::from(spec.sample_rate),
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_a_tone_and_its_length() {
        let from = 44_100;
        let tone: Vec<f32> =
            (0..from).map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / from as f32).sin() * 0.5).collect();
        let mut r = Resampler::new(from);
        let mut out = Vec::new();
        for chunk in tone.chunks(1000) {
            r.push(chunk, &mut out);
        }
        assert!((out.len() as i64 - 16_000).abs() < 40, "{}", out.len());
        let rms = (out[1000..15000].iter().map(|v| v * v).sum::<f32>() / 14000.0).sqrt();
        assert!((rms - 0.5 / 2f32.sqrt()).abs() < 0.02, "rms {rms}");
    }
}
