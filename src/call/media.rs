//! What the office sends in a call. The service owns the office camera and microphone: the
//! microphone's audio (shared with the voice listener) and the camera's picture (shared with the
//! gesture tracker) go into every call; with no microphone (and in every test) a short tone every
//! two seconds does, and with no camera a generated test pattern stamped "TEST PATTERN - NO
//! CAMERA", so nobody mistakes either for the office. One
//! encoder thread serves every call: it runs while a call subscribes and stops a few seconds
//! after the last one leaves.

use crate::sources::canvas::{Canvas, BARS};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

pub const WIDTH: usize = 640;
pub const HEIGHT: usize = 480;
pub const FPS: u32 = 15;
const VIDEO_KBPS: u32 = 800;
/// Opus is fed 16 kHz mono, the rate the microphone path already delivers, in 20 ms frames (its
/// RTP clock is 48 kHz whatever the input rate).
const AUDIO_RATE: u32 = 16_000;
const FRAME_SAMPLES: usize = (AUDIO_RATE / 50) as usize;
/// Microphone audio or a camera frame older than this is not sent (the tone or the test pattern
/// takes over when the microphone or the camera stops).
const FRESH: Duration = Duration::from_millis(500);
/// At most one second of microphone audio waits for the encoder; older samples are dropped.
const MIC_BUFFER: usize = AUDIO_RATE as usize;
const AUDIO_FRAME: Duration = Duration::from_millis(20);
/// The least time between two key frames that calls asked for.
const KEY_FRAME_GAP: Duration = Duration::from_millis(300);
/// The longest time between two key frames.
const KEY_FRAME_REFRESH: Duration = Duration::from_secs(4);
/// How long the encoder keeps running with no call subscribed.
const IDLE_STOP: Duration = Duration::from_secs(3);

/// One encoded frame: VP8 or Opus.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub data: Bytes,
    pub duration: Duration,
    pub at: Instant,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the VP8 encoder (libvpx) failed: {0}; is Debian's libvpx installed? scripts/setup.sh installs it")]
    Vp8(String),
    #[error("the Opus encoder failed: {0}")]
    Opus(String),
}

struct Inner {
    video: broadcast::Sender<Encoded>,
    audio: broadcast::Sender<Encoded>,
    want_keyframe: AtomicBool,
    muted: AtomicBool,
    running: Mutex<bool>,
    mic: Mutex<Microphone>,
    /// The camera's latest frame (I420, WIDTH × HEIGHT) and when it came.
    camera: Mutex<Option<(Vec<u8>, Instant)>>,
}

#[derive(Default)]
struct Microphone {
    samples: VecDeque<i16>,
    last: Option<Instant>,
}

/// The office's outgoing media. Cheap to clone.
#[derive(Clone)]
pub struct OfficeMedia {
    inner: Arc<Inner>,
}

impl Default for OfficeMedia {
    fn default() -> Self {
        Self::new()
    }
}

impl OfficeMedia {
    pub fn new() -> OfficeMedia {
        OfficeMedia {
            inner: Arc::new(Inner {
                video: broadcast::channel(64).0,
                audio: broadcast::channel(128).0,
                want_keyframe: AtomicBool::new(false),
                muted: AtomicBool::new(false),
                running: Mutex::new(false),
                mic: Mutex::new(Microphone::default()),
                camera: Mutex::new(None),
            }),
        }
    }

    /// A subscription to the office's video and audio; starts the encoder if it is idle. The
    /// next video frame is a key frame, so a new call shows a picture at once.
    pub fn subscribe(&self) -> (broadcast::Receiver<Encoded>, broadcast::Receiver<Encoded>) {
        let receivers = (self.inner.video.subscribe(), self.inner.audio.subscribe());
        self.request_keyframe();
        let mut running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
        if !*running {
            *running = true;
            let inner = self.inner.clone();
            let spawned = std::thread::Builder::new().name("call-media".into()).spawn(move || {
                if let Err(e) = encode_loop(&inner) {
                    tracing::error!("office call media stopped: {e}");
                }
                *inner.running.lock().unwrap_or_else(|p| p.into_inner()) = false;
            });
            if let Err(e) = spawned {
                tracing::error!("cannot start the call media thread: {e}");
                *running = false;
            }
        }
        receivers
    }

    /// The far end lost a picture or a new one joined: the next frame is a key frame.
    pub fn request_keyframe(&self) {
        self.inner.want_keyframe.store(true, Relaxed);
    }

    /// Mute sends silence (the call stays up; the official sees the office is muted on the wall).
    pub fn set_muted(&self, muted: bool) {
        self.inner.muted.store(muted, Relaxed);
    }

    pub fn muted(&self) -> bool {
        self.inner.muted.load(Relaxed)
    }

    /// Microphone audio (16 kHz mono, −1…1) for the calls; ignored while no call listens.
    pub fn feed_microphone(&self, samples: &[f32]) {
        if self.inner.audio.receiver_count() == 0 {
            return;
        }
        let mut mic = self.inner.mic.lock().unwrap_or_else(|p| p.into_inner());
        mic.samples.extend(samples.iter().map(|&s| (s.clamp(-1.0, 1.0) * 32767.0) as i16));
        let excess = mic.samples.len().saturating_sub(MIC_BUFFER);
        mic.samples.drain(..excess);
        mic.last = Some(Instant::now());
    }

    /// Whether a call is taking the office's video now (the camera converts frames only then).
    pub fn wants_video(&self) -> bool {
        self.inner.video.receiver_count() > 0
    }

    /// A camera frame for the calls: I420, WIDTH × HEIGHT (others are ignored).
    pub fn feed_camera(&self, i420: Vec<u8>) {
        if i420.len() == WIDTH * HEIGHT * 3 / 2 {
            *self.inner.camera.lock().unwrap_or_else(|p| p.into_inner()) = Some((i420, Instant::now()));
        }
    }

    /// "camera" while the camera feeds the calls, else "test_pattern".
    pub fn video_source(&self) -> &'static str {
        if with_fresh_camera(&self.inner, |_| ()).is_some() {
            "camera"
        } else {
            "test_pattern"
        }
    }

    /// "microphone" while the microphone feeds the calls, else "tone".
    pub fn audio_source(&self) -> &'static str {
        let mic = self.inner.mic.lock().unwrap_or_else(|p| p.into_inner());
        if mic.last.is_some_and(|t| t.elapsed() < FRESH) {
            "microphone"
        } else {
            "tone"
        }
    }
}

/// `f` of the camera's latest frame, if it came within FRESH.
fn with_fresh_camera<T>(inner: &Inner, f: impl FnOnce(&[u8]) -> T) -> Option<T> {
    let camera = inner.camera.lock().unwrap_or_else(|p| p.into_inner());
    camera.as_ref().filter(|(_, at)| at.elapsed() < FRESH).map(|(frame, _)| f(frame))
}

/// The next 20 ms of microphone audio, if the microphone is live (short of samples: padded).
fn microphone_frame(inner: &Inner) -> Option<Vec<i16>> {
    let mut mic = inner.mic.lock().unwrap_or_else(|p| p.into_inner());
    if mic.last.is_none_or(|t| t.elapsed() >= FRESH) {
        mic.samples.clear();
        return None;
    }
    let n = mic.samples.len().min(FRAME_SAMPLES);
    let mut frame: Vec<i16> = mic.samples.drain(..n).collect();
    frame.resize(FRAME_SAMPLES, 0);
    Some(frame)
}

/// Frame `n` of the test pattern: colour bars, a block crossing them, the label.
pub fn test_pattern(n: u64) -> Canvas {
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    let bar = WIDTH / BARS.len() + 1;
    for (i, colour) in BARS.iter().enumerate() {
        canvas.fill(i * bar, 0, bar, HEIGHT * 2 / 3, *colour);
    }
    canvas.fill(0, HEIGHT * 2 / 3, WIDTH, HEIGHT / 3, [24, 24, 32]);
    let x = (n * 12 % WIDTH as u64) as usize;
    canvas.fill(x, HEIGHT / 3 - 24, 48, 48, [255, 255, 255]);
    canvas.text(24, HEIGHT * 2 / 3 + 24, 5, "TEST PATTERN", [255, 200, 60]);
    canvas.text(24, HEIGHT * 2 / 3 + 90, 4, "NO CAMERA", [230, 230, 230]);
    canvas
}

/// 20 ms of the tone: 440 Hz for the first 200 ms of every two seconds, silence otherwise.
fn tone_frame(frame: u64, muted: bool) -> Vec<i16> {
    let samples = FRAME_SAMPLES as u64;
    (0..samples)
        .map(|i| {
            let t = frame * samples + i;
            let in_beep = t % (2 * AUDIO_RATE as u64) < (AUDIO_RATE as u64 / 5);
            if muted || !in_beep {
                0
            } else {
                let phase = 2.0 * std::f64::consts::PI * 440.0 * t as f64 / AUDIO_RATE as f64;
                (phase.sin() * 6000.0) as i16
            }
        })
        .collect()
}

fn vp8_encoder() -> Result<vpx_encode::Encoder, MediaError> {
    vpx_encode::Encoder::new(vpx_encode::Config {
        width: WIDTH as u32,
        height: HEIGHT as u32,
        timebase: [1, FPS as i32],
        bitrate: VIDEO_KBPS,
        codec: vpx_encode::VideoCodecId::VP8,
    })
    .map_err(|e| MediaError::Vp8(e.to_string()))
}

/// Paces video at FPS and audio at 50 frames a second until no call has listened for IDLE_STOP.
fn encode_loop(inner: &Inner) -> Result<(), MediaError> {
    let mut vp8 = vp8_encoder()?;
    let mut opus = opus::Encoder::new(AUDIO_RATE, opus::Channels::Mono, opus::Application::Voip)
        .map_err(|e| MediaError::Opus(e.to_string()))?;
    let start = Instant::now();
    let frame_interval = Duration::from_secs(1) / FPS;
    let (mut video_n, mut audio_n, mut pts) = (0u64, 0u64, 0i64);
    let mut idle_since: Option<Instant> = None;
    let mut last_key = start;
    loop {
        let listeners = inner.video.receiver_count() + inner.audio.receiver_count();
        if listeners == 0 {
            let since = *idle_since.get_or_insert_with(Instant::now);
            if since.elapsed() > IDLE_STOP {
                return Ok(());
            }
        } else {
            idle_since = None;
        }
        let next_video = start + frame_interval * video_n as u32;
        let next_audio = start + AUDIO_FRAME * audio_n as u32;
        let next = next_video.min(next_audio);
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        if next_audio <= next_video {
            let muted = inner.muted.load(Relaxed);
            let pcm = match microphone_frame(inner) {
                Some(_) if muted => vec![0; FRAME_SAMPLES],
                Some(frame) => frame,
                None => tone_frame(audio_n, muted),
            };
            let packet = opus.encode_vec(&pcm, 4000).map_err(|e| MediaError::Opus(e.to_string()))?;
            let _ = inner.audio.send(Encoded { data: Bytes::from(packet), duration: AUDIO_FRAME, at: Instant::now() });
            audio_n += 1;
            continue;
        }
        // Asked-for key frames are at least KEY_FRAME_GAP apart (a browser that keeps losing
        // packets asks many times a second); a request inside the gap waits for its end. With no
        // request, one comes every KEY_FRAME_REFRESH, so a picture lost to the network comes back
        // by then even if the browser's request for it was lost too.
        let asked = last_key.elapsed() >= KEY_FRAME_GAP && inner.want_keyframe.swap(false, Relaxed);
        if asked || last_key.elapsed() >= KEY_FRAME_REFRESH {
            // vpx-encode has no "force key frame" flag: a fresh encoder starts with one.
            vp8 = vp8_encoder()?;
            pts = 0;
            last_key = Instant::now();
        }
        // The camera's frame while it is fresh; the labelled test pattern otherwise.
        let yuv = with_fresh_camera(inner, <[u8]>::to_vec).unwrap_or_else(|| test_pattern(video_n).to_i420());
        let packets = vp8.encode(pts, &yuv).map_err(|e| MediaError::Vp8(e.to_string()))?;
        for frame in packets {
            let _ = inner.video.send(Encoded {
                data: Bytes::copy_from_slice(frame.data),
                duration: frame_interval,
                at: Instant::now(),
            });
        }
        pts += 1;
        video_n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tone_beeps_then_is_silent_and_mute_silences_it() {
        assert!(tone_frame(1, false).iter().any(|&s| s.abs() > 1000));
        assert!(tone_frame(20, false).iter().all(|&s| s == 0), "silent after 200 ms");
        assert!(tone_frame(1, true).iter().all(|&s| s == 0));
    }

    /// Zero crossings a second of 16-bit PCM at `rate`: twice the frequency of a pure tone.
    fn crossings_per_second(pcm: &[i16], rate: f64) -> f64 {
        let n = pcm.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        n as f64 * rate / pcm.len() as f64
    }

    #[test]
    fn the_camera_replaces_the_test_pattern_while_it_is_live() {
        let media = OfficeMedia::new();
        assert!(!media.wants_video(), "no call, no video wanted");
        let (mut video, _audio) = media.subscribe();
        assert!(media.wants_video());
        assert_eq!(media.video_source(), "test_pattern");
        // A flat grey camera picture: after the key frame, its frames are far smaller than the
        // test pattern's, whose block moves.
        let sizes = |media: &OfficeMedia, video: &mut broadcast::Receiver<Encoded>, camera: bool| {
            let mut sizes = Vec::new();
            for _ in 0..10 {
                if camera {
                    media.feed_camera(vec![128u8; WIDTH * HEIGHT * 3 / 2]);
                }
                sizes.push(video.blocking_recv().expect("video").data.len());
            }
            sizes.sort_unstable();
            sizes[sizes.len() / 2]
        };
        let pattern = sizes(&media, &mut video, false);
        let camera = sizes(&media, &mut video, true);
        assert_eq!(media.video_source(), "camera");
        assert!(camera * 4 < pattern, "camera frames {camera} bytes, test pattern {pattern}");
        // A frame of the wrong size is not a camera frame.
        media.feed_camera(vec![0; 10]);
    }

    #[test]
    fn the_microphone_replaces_the_tone_while_it_is_live() {
        let media = OfficeMedia::new();
        let (_video, mut audio) = media.subscribe();
        // A 1 kHz "microphone", fed in 100 ms chunks for 3 s (as the capture thread does). The
        // test counts what comes out, not when: a slow machine only delays it.
        let feeding = Arc::new(AtomicBool::new(true));
        let feeder = {
            let (media, feeding) = (media.clone(), feeding.clone());
            std::thread::spawn(move || {
                for chunk in 0..30u32 {
                    if !feeding.load(Relaxed) {
                        break;
                    }
                    let samples: Vec<f32> = (0..1600u32)
                        .map(|i| {
                            ((chunk * 1600 + i) as f32 * 2.0 * std::f32::consts::PI * 1000.0 / 16000.0).sin() * 0.5
                        })
                        .collect();
                    media.feed_microphone(&samples);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        let mut decoder = opus::Decoder::new(48_000, opus::Channels::Mono).expect("decoder");
        let mut microphone_frames = 0;
        for _ in 0..150 {
            let packet = audio.blocking_recv().expect("audio");
            let mut pcm = vec![0i16; 960];
            let n = decoder.decode(&packet.data, &mut pcm, false).expect("decode");
            // The microphone's 1 kHz, not the tone's 440 Hz or silence.
            let hz = crossings_per_second(&pcm[..n], 48_000.0) / 2.0;
            if (900.0..1100.0).contains(&hz) {
                microphone_frames += 1;
            }
            if microphone_frames >= 10 {
                break;
            }
        }
        feeding.store(false, Relaxed);
        feeder.join().expect("feeder");
        assert!(microphone_frames >= 10, "only {microphone_frames} frames carried the microphone");
    }

    #[test]
    fn the_encoder_sends_a_vp8_key_frame_and_opus() {
        let media = OfficeMedia::new();
        let (mut video, mut audio) = media.subscribe();
        let frame = video.blocking_recv().expect("a video frame");
        // A VP8 key frame: bit 0 of the first byte is 0, then the start code 9d 01 2a.
        assert_eq!((frame.data[0] & 1, &frame.data[3..6]), (0, &[0x9d, 0x01, 0x2a][..]));
        assert!(!audio.blocking_recv().expect("an audio frame").data.is_empty());
    }
}
