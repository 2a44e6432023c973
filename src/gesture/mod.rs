//! Gestures: from the camera (or a video, images, recorded landmarks) to the same intents and
//! actions as voice. The stages, each with one job:
//! `hands` (OpenCV DNN: palm detection → rotated crop → 21 landmarks, tracked between frames)
//! → `recognizer` (lock onto one person, `pose` for static gestures, `motion` for dynamic ones)
//! → `Event` → `actions` (the gesture's intent from `gestures/gestures.toml`, resolved by the
//! same resolver as a spoken command).

pub mod catalog;
pub mod engine;
pub mod hands;
pub mod motion;
pub mod palm;
pub mod pose;
pub mod recognizer;
pub mod search;
pub mod source;
pub mod track;

use crate::action::Action;
pub use crate::commands::Meaning;
use crate::intent::Intent;
use serde::{Deserialize, Serialize};

pub use catalog::Catalog;
pub use recognizer::{Cursor, Recognizer, Step};

/// Which hand, as the person would say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    #[serde(rename = "left", alias = "Left")]
    Left,
    #[serde(rename = "right", alias = "Right")]
    Right,
}

impl Side {
    /// MediaPipe labels hands as seen in a mirrored (selfie) image; in an unmirrored camera
    /// image its "Left" is the person's right hand.
    pub fn persons(self, mirrored: bool) -> Side {
        match (self, mirrored) {
            (side, true) => side,
            (Side::Left, false) => Side::Right,
            (Side::Right, false) => Side::Left,
        }
    }
}

/// One hand in one frame, in MediaPipe's convention: x, y normalised to the image, z on the
/// x scale; handedness as MediaPipe labels it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hand {
    #[serde(serialize_with = "mediapipe_label")]
    pub handedness: Side,
    pub score: f32,
    pub landmarks: Vec<[f32; 3]>,
}

/// Writes a hand's label as MediaPipe does ("Left" / "Right"), the landmarks format's spelling;
/// the person's side in events stays "left" / "right".
fn mediapipe_label<S: serde::Serializer>(side: &Side, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(match side {
        Side::Left => "Left",
        Side::Right => "Right",
    })
}

/// The hands of one frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandFrame {
    pub t_ms: u64,
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    pub hands: Vec<Hand>,
}

fn default_width() -> u32 {
    640
}
fn default_height() -> u32 {
    480
}

/// A gesture, once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub t_ms: u64,
    pub gesture: String,
    pub hand: Side,
    pub confidence: f32,
    /// Where the cursor was (0–1 of the wall), for gestures that select.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<[f32; 2]>,
    /// How far a fist moved the map (fractions of the wall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pan: Option<[f32; 2]>,
}

#[derive(Debug, thiserror::Error)]
pub enum LandmarksError {
    #[error("{path} line {line}: {message}; each line is {{\"t_ms\": …, \"hands\": [{{\"handedness\": \"Left\"|\"Right\", \"score\": …, \"landmarks\": [[x, y, z] × 21]}}]}}")]
    Line { path: String, line: usize, message: String },
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
}

/// Reads a landmarks file (JSON lines), checking every hand has 21 finite landmarks.
pub fn read_landmarks(path: &std::path::Path) -> Result<Vec<HandFrame>, LandmarksError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LandmarksError::Read { path: name.clone(), source })?;
    let mut frames = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fail = |message: String| LandmarksError::Line { path: name.clone(), line: i + 1, message };
        let frame: HandFrame = serde_json::from_str(line).map_err(|e| fail(e.to_string()))?;
        for hand in &frame.hands {
            if hand.landmarks.len() != 21 {
                return Err(fail(format!("a hand has {} landmarks, not 21", hand.landmarks.len())));
            }
            if hand.landmarks.iter().flatten().any(|v| !v.is_finite()) {
                return Err(fail("a landmark is not a finite number".into()));
            }
        }
        if frames.last().is_some_and(|f: &HandFrame| f.t_ms > frame.t_ms) {
            return Err(fail(format!("t_ms {} goes back in time", frame.t_ms)));
        }
        frames.push(frame);
    }
    Ok(frames)
}

/// What the wall shows, as far as gestures care: which screen's mapping applies and which
/// official a `call` reaches.
#[derive(Debug, Clone)]
pub struct Screen {
    /// overview, realtime, opinion, administration, pledges, search, or call.
    pub name: String,
    pub topic: String,
}

impl Screen {
    pub fn of(display: &crate::display::DisplayState) -> Screen {
        let name = if display.call.is_some() {
            "call".to_string()
        } else {
            crate::display::page_of(&display.topic).to_string()
        };
        Screen { name, topic: display.topic.clone() }
    }
}

/// What an event means on a screen: the gesture's intent from the catalog.
pub fn meaning(catalog: &Catalog, event: &Event, screen: &Screen) -> Meaning {
    let Some(gesture) = catalog.get(&event.gesture) else { return Meaning::Nothing };
    // Resting on a spot while pointing selects it, whatever `point` does otherwise.
    let spec = if event.gesture == "point" && event.at.is_some() { "select" } else { gesture.intent_on(&screen.name) };
    let Some((name, mut slots)) = catalog::parse_intent(spec) else { return Meaning::Nothing };
    let wall =
        |actions: Vec<Action>| if actions.is_empty() { Meaning::Nothing } else { Meaning::Wall(name.clone(), actions) };
    match name.as_str() {
        "" => Meaning::Nothing,
        "select" => {
            let [x, y] = event.at.unwrap_or([0.5, 0.5]);
            wall(vec![Action::Select { x: round(x), y: round(y) }])
        }
        "pan" => match event.pan {
            Some([dx, dy]) if dx.hypot(dy) >= 0.02 => wall(vec![Action::Pan { dx: round(dx), dy: round(dy) }]),
            _ => Meaning::Nothing,
        },
        "listen" => wall(vec![Action::Listen]),
        other => {
            if other == "call" {
                let official = catalog
                    .call_official
                    .get(&screen.topic)
                    .or_else(|| catalog.call_official.get("default"))
                    .cloned()
                    .unwrap_or_default();
                slots.insert("official".into(), official);
            }
            Meaning::Command(Intent {
                name: name.clone(),
                slots,
                slot_text: Default::default(),
                confidence: event.confidence,
                matched: format!("gestures/gestures.toml: {}", event.gesture),
            })
        }
    }
}

fn round(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}
