//! The camera (or `serve --video-file`) driving the wall: frames → hand tracker → gesture
//! recognizer → [`Office::gesture`] (channel "gesture"), plus the cursor on every wall
//! ([`View::Cursor`]). With no camera the service runs, says so once, and picks the camera up
//! when it appears; a camera that vanishes is waited for in the same way.

use super::{Office, View};
use crate::display::Cursor;
use crate::gesture::hands::{HandModels, HandTracker};
use crate::gesture::{source, Catalog, HandFrame, Recognizer};
use crate::readiness::PartState;
use opencv::core::Mat;
use opencv::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the frames come from.
pub enum VideoSource {
    Camera,
    /// A video played as if it were the camera (in real time), once, or again and again with
    /// `repeat`.
    File {
        path: PathBuf,
        repeat: bool,
    },
}

const RETRY: Duration = Duration::from_secs(5);

/// Starts the camera thread. Returns at once (with its handle, to wait for it when the service
/// stops); a missing model or camera is logged once.
pub fn start(office: Arc<Office>, source: VideoSource) -> Option<std::thread::JoinHandle<()>> {
    let spawned = std::thread::Builder::new().name("scpm-camera".into()).spawn(move || {
        let state = &*office;
        let config = state.config().gestures.clone();
        let parts = state.parts();
        parts.set("gestures", PartState::Starting);
        let catalog = match Catalog::load(&config.catalog_path()) {
            Ok(c) => c,
            Err(e) => return parts.set("gestures", PartState::Failed(format!("gestures are off: {e}"))),
        };
        let models = HandModels::in_dir(&state.config().paths.models).on(config.engine);
        let mut tracker = match HandTracker::load(&models, config.max_hands) {
            Ok(t) => t,
            Err(e) => return parts.set("gestures", PartState::Failed(format!("gestures are off: {e}"))),
        };
        tracing::info!(engine = tracker.engine().name(), "hand models loaded");
        // The camera's work runs on one core: the other is for voice and the server.
        let _ = opencv::core::set_num_threads(1);
        let mut recognizer = Recognizer::new(catalog, config.mirrored);
        match source {
            VideoSource::File { path, repeat } => {
                // The clock of the recognizer runs on across repeats, as a camera's would.
                let mut offset_ms = 0;
                loop {
                    let frames = match source::video(&path) {
                        Ok(frames) => frames,
                        Err(e) => return tracing::warn!("{e}"),
                    };
                    parts.set("gestures", PartState::Ready);
                    let started = Instant::now();
                    let mut last_ms = 0;
                    for frame in frames.flatten() {
                        if state.stopping() {
                            return;
                        }
                        let due = Duration::from_millis(frame.t_ms);
                        if let Some(wait) = due.checked_sub(started.elapsed()) {
                            std::thread::sleep(wait);
                        }
                        last_ms = frame.t_ms;
                        see(state, &mut tracker, &mut recognizer, offset_ms + frame.t_ms, &frame.image);
                    }
                    tracing::info!(file = %path.display(), "video played");
                    show_cursor(state, None);
                    if !repeat || state.stopping() {
                        break;
                    }
                    // A second with no hand between two plays, as if the person stepped away.
                    std::thread::sleep(Duration::from_secs(1));
                    offset_ms += last_ms + 1000;
                    tracker.reset();
                }
            }
            VideoSource::Camera => watch_camera(state, &config, &mut tracker, &mut recognizer),
        }
    });
    spawned.map_err(|e| tracing::warn!(error = %e, "cannot start the camera thread")).ok()
}

fn watch_camera(
    state: &Office,
    config: &crate::config::GesturesConfig,
    tracker: &mut HandTracker,
    recognizer: &mut Recognizer,
) {
    let started = Instant::now();
    let mut said_missing = false;
    while !state.stopping() {
        let mut camera = match source::camera(&config.camera) {
            Ok(c) => c,
            Err(e) => {
                if !said_missing {
                    // The default camera absent is a wall without gestures; a camera the
                    // config names, absent, is a fault.
                    let waiting = format!("{e}; gestures wait for the camera (checked every {} s)", RETRY.as_secs());
                    let named = config.camera != crate::config::GesturesConfig::default().camera;
                    state
                        .parts()
                        .set("gestures", if named { PartState::Failed(waiting) } else { PartState::Off(waiting) });
                    said_missing = true;
                }
                // In short steps, so that a stopping service does not wait for the retry.
                let waited = Instant::now();
                while waited.elapsed() < RETRY && !state.stopping() {
                    std::thread::sleep(Duration::from_millis(100));
                }
                continue;
            }
        };
        let _ = camera.set(opencv::videoio::CAP_PROP_FPS, config.fps);
        tracing::info!(camera = %config.camera, "watching the camera for gestures");
        state.parts().set("gestures", PartState::Ready);
        said_missing = false;
        tracker.reset();
        let mut image = Mat::default();
        while !state.stopping() && matches!(camera.read(&mut image), Ok(true)) && !image.empty() {
            let t_ms = started.elapsed().as_millis() as u64;
            see(state, tracker, recognizer, t_ms, &image);
        }
        if state.stopping() {
            return;
        }
        tracing::warn!(camera = %config.camera, "the camera stopped giving frames; waiting for it to come back");
        show_cursor(state, None);
    }
}

/// The frame as the calls' video (640 × 480 I420), when a call is on.
fn share_with_calls(state: &Office, image: &Mat) {
    if !state.calls().wants_camera() {
        return;
    }
    let (w, h) = (crate::call::media::WIDTH as i32, crate::call::media::HEIGHT as i32);
    match crate::gesture::hands::to_i420(image, w, h) {
        Ok(i420) => state.calls().camera(i420),
        Err(e) => tracing::debug!("camera frame not sent to the call: {e}"),
    }
}

/// One frame through the tracker and the recognizer, its events acted on.
fn see(state: &Office, tracker: &mut HandTracker, recognizer: &mut Recognizer, t_ms: u64, image: &Mat) {
    if image.empty() {
        return;
    }
    let seen = Instant::now();
    share_with_calls(state, image);
    let hands = match tracker.hands(image) {
        Ok((hands, _)) => hands,
        Err(e) => return tracing::debug!("frame skipped: {e}"),
    };
    let frame = HandFrame { t_ms, width: image.cols().max(0) as u32, height: image.rows().max(0) as u32, hands };
    let step = recognizer.feed(&frame);
    show_cursor(state, step.cursor.clone());
    for event in step.events {
        if act(state, recognizer.catalog(), &event) {
            crate::metrics::Metrics::observe(&state.metrics().gesture_to_action, seen.elapsed());
        }
    }
}

fn show_cursor(state: &Office, cursor: Option<Cursor>) {
    state.show(View::Cursor(cursor));
}

/// Resolves a gesture on the wall's current screen and applies it, audited; whether it acted.
fn act(state: &Office, catalog: &Catalog, event: &crate::gesture::Event) -> bool {
    match state.gesture(catalog, event) {
        Ok(Some(done)) => {
            let (audit_id, version) = (done.applied.audit_id, done.applied.version);
            tracing::info!(audit_id, version, gesture = %event.gesture, refused = ?done.refused, "gesture");
            done.refused.is_none()
        }
        Ok(None) => {
            tracing::debug!(gesture = %event.gesture, "gesture without an action here");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "gesture not applied");
            false
        }
    }
}
