//! The camera (or `serve --video-file`) driving the wall: frames → hand tracker → gesture
//! recognizer → the same audited path as a typed command (channel "gesture"), plus the cursor
//! on every wall. With no camera the service runs, says so once, and picks the camera up when
//! it appears; a camera that vanishes is waited for in the same way.

use super::office::apply_audited;
use super::AppState;
use crate::gesture::hands::{HandModels, HandTracker};
use crate::gesture::{self, source, Catalog, Cursor, HandFrame, Recognizer, Screen};
use crate::resolve::Resolver;
use opencv::core::Mat;
use opencv::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where the frames come from.
pub enum VideoSource {
    Camera,
    /// A video played as if it were the camera (in real time), once.
    File(PathBuf),
}

const RETRY: Duration = Duration::from_secs(5);

/// Starts the camera thread. Returns at once; a missing model or camera is logged once.
pub fn start(state: AppState, source: VideoSource) {
    let spawned = std::thread::Builder::new().name("scpm-camera".into()).spawn(move || {
        let config = state.config.gestures.clone();
        let catalog = match Catalog::load(&config.catalog_path()) {
            Ok(c) => c,
            Err(e) => return tracing::warn!("gestures are off: {e}"),
        };
        let models = HandModels::in_dir(&state.config.paths.models);
        let mut tracker = match HandTracker::load(&models, config.max_hands) {
            Ok(t) => t,
            Err(e) => return tracing::warn!("gestures are off: {e}"),
        };
        // The camera's work runs on one core: the other is for voice and the server.
        let _ = opencv::core::set_num_threads(1);
        let mut recognizer = Recognizer::new(catalog, config.mirrored);
        match source {
            VideoSource::File(path) => match source::video(&path) {
                Ok(frames) => {
                    let started = Instant::now();
                    for frame in frames.flatten() {
                        let due = Duration::from_millis(frame.t_ms);
                        if let Some(wait) = due.checked_sub(started.elapsed()) {
                            std::thread::sleep(wait);
                        }
                        see(&state, &mut tracker, &mut recognizer, frame.t_ms, &frame.image);
                    }
                    tracing::info!(file = %path.display(), "video played");
                    show_cursor(&state, None);
                }
                Err(e) => tracing::warn!("{e}"),
            },
            VideoSource::Camera => watch_camera(&state, &config, &mut tracker, &mut recognizer),
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the camera thread");
    }
}

fn watch_camera(
    state: &AppState,
    config: &crate::config::GesturesConfig,
    tracker: &mut HandTracker,
    recognizer: &mut Recognizer,
) {
    let started = Instant::now();
    let mut said_missing = false;
    loop {
        let mut camera = match source::camera(&config.camera) {
            Ok(c) => c,
            Err(e) => {
                if !said_missing {
                    tracing::warn!("{e}; gestures wait for the camera (checked every {} s)", RETRY.as_secs());
                    said_missing = true;
                }
                std::thread::sleep(RETRY);
                continue;
            }
        };
        let _ = camera.set(opencv::videoio::CAP_PROP_FPS, config.fps);
        tracing::info!(camera = %config.camera, "watching the camera for gestures");
        said_missing = false;
        tracker.reset();
        let mut image = Mat::default();
        while matches!(camera.read(&mut image), Ok(true)) && !image.empty() {
            let t_ms = started.elapsed().as_millis() as u64;
            see(state, tracker, recognizer, t_ms, &image);
        }
        tracing::warn!(camera = %config.camera, "the camera stopped giving frames; waiting for it to come back");
        show_cursor(state, None);
    }
}

/// The frame as the calls' video (640 × 480 I420), when a call is on.
fn share_with_calls(state: &AppState, image: &Mat) {
    if !state.calls.wants_camera() {
        return;
    }
    let (w, h) = (crate::call::media::WIDTH as i32, crate::call::media::HEIGHT as i32);
    match crate::gesture::hands::to_i420(image, w, h) {
        Ok(i420) => state.calls.camera(i420),
        Err(e) => tracing::debug!("camera frame not sent to the call: {e}"),
    }
}

/// One frame through the tracker and the recognizer, its events acted on.
fn see(state: &AppState, tracker: &mut HandTracker, recognizer: &mut Recognizer, t_ms: u64, image: &Mat) {
    if image.empty() {
        return;
    }
    share_with_calls(state, image);
    let hands = match tracker.hands(image) {
        Ok((hands, _)) => hands,
        Err(e) => return tracing::debug!("frame skipped: {e}"),
    };
    let frame = HandFrame { t_ms, width: image.cols().max(0) as u32, height: image.rows().max(0) as u32, hands };
    let step = recognizer.feed(&frame);
    show_cursor(state, step.cursor.clone());
    for event in step.events {
        act(state, recognizer.catalog(), &event);
    }
}

fn show_cursor(state: &AppState, cursor: Option<Cursor>) {
    if let Ok(mut office) = state.office.lock() {
        // Small moves are not worth a message to every wall.
        let moved = match (&office.display.cursor, &cursor) {
            (Some(a), Some(b)) => a.mode != b.mode || (a.x - b.x).hypot(a.y - b.y) > 0.004,
            (None, None) => false,
            _ => true,
        };
        if moved && office.display.set_cursor(cursor) {
            state.display_tx.send_replace(office.display.clone());
        }
    }
}

/// Resolves a gesture on the wall's current screen and applies it, audited.
fn act(state: &AppState, catalog: &Catalog, event: &gesture::Event) {
    let resolved = {
        let Ok(mut office) = state.office.lock() else { return };
        let screen = Screen::of(&office.display);
        let resolver = Resolver { index: &state.index, confirm_calls: state.config.commands.confirm_calls };
        let mut ctx = office.conversation();
        let result = gesture::actions(catalog, event, &screen, &resolver, &mut ctx);
        office.context = ctx;
        result
    };
    let hand = if event.hand == gesture::Side::Left { "left" } else { "right" };
    let input = format!("{} ({hand} hand, {:.2})", event.gesture, event.confidence);
    let (intent, actions, outcome) = match resolved {
        Ok((intent, actions)) => (intent, actions, "understood".to_string()),
        Err(e) => (String::new(), Vec::new(), format!("not resolved: {e}")),
    };
    if actions.is_empty() && outcome == "understood" {
        // A gesture that does nothing on this screen (a point that only moves the cursor).
        return tracing::debug!(gesture = %event.gesture, "gesture without an action here");
    }
    match apply_audited(state, "gesture", &input, &intent, &actions, &outcome) {
        Ok((audit_id, version)) => tracing::info!(audit_id, version, gesture = %event.gesture, "gesture"),
        Err(e) => tracing::warn!(error = %e, "gesture not applied"),
    }
}
