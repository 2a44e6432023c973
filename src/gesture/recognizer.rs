//! From hands, frame after frame, to gesture events: lock onto one person's hand, read its pose,
//! hold static poses with hysteresis, follow its path for dynamic gestures, move the cursor.
//! One gesture, one event: a held pose fires once, and nothing fires during `refractory_ms`
//! after an event.

use super::catalog::{Catalog, Gesture, Kind};
use super::motion::{Path, Sample};
use super::pose::Pose;
use super::track::Lock;
use super::{Event, HandFrame, Side};
pub use crate::display::Cursor;

/// What one frame produced.
#[derive(Debug, Default)]
pub struct Step {
    pub events: Vec<Event>,
    /// The cursor, while a hand is locked.
    pub cursor: Option<Cursor>,
}

struct Held {
    name: String,
    since_ms: u64,
    last_seen_ms: u64,
    score: f32,
}

pub struct Recognizer {
    catalog: Catalog,
    /// Whether frames come mirrored (a selfie view); a camera facing the person gives the
    /// unmirrored image, in which the person's left is the image's right.
    mirrored: bool,
    lock: Lock,
    path: Path,
    pending: Option<Held>,
    active: Option<Held>,
    quiet_until_ms: u64,
    cursor: Option<[f32; 2]>,
    dwell: Option<([f32; 2], u64)>,
    grab_from: Option<[f32; 2]>,
    side: Side,
    /// The handedness model's say over the locked hand's frames (+ right, − left), decaying:
    /// one frame's flip near the image edge does not change the hand.
    side_votes: f32,
    /// After a swipe the hand must come to rest (or leave) before the next one: one long
    /// movement is one swipe.
    awaiting_rest: bool,
    last_palm: Option<(u64, [f32; 2], f32)>,
}

/// Hand sizes per second below which a hand is at rest.
const REST_SPEED: f32 = 1.5;

/// The part of the camera image the hand moves in that covers the whole wall.
const REACH_X: (f32, f32) = (0.2, 0.8);
const REACH_Y: (f32, f32) = (0.15, 0.75);

impl Recognizer {
    pub fn new(catalog: Catalog, mirrored: bool) -> Recognizer {
        Recognizer {
            catalog,
            mirrored,
            lock: Lock::default(),
            path: Path::default(),
            pending: None,
            active: None,
            quiet_until_ms: 0,
            cursor: None,
            dwell: None,
            grab_from: None,
            side: Side::Right,
            side_votes: 0.0,
            awaiting_rest: false,
            last_palm: None,
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Feeds one frame's hands (any number, any order).
    pub fn feed(&mut self, frame: &HandFrame) -> Step {
        let t = frame.t_ms;
        let poses: Vec<Pose> = frame.hands.iter().map(|h| Pose::of(h, frame.width, frame.height)).collect();
        let mut step = Step::default();
        let Some((i, fresh)) = self.lock.choose(t, &poses) else {
            // No hand of the locked person in this frame: a held pose lapses after release_ms.
            self.lapse(t, &mut step);
            if !self.lock.is_locked() {
                self.path.clear();
                self.cursor = None;
            }
            self.awaiting_rest = false;
            self.last_palm = None;
            return step;
        };
        if fresh {
            self.awaiting_rest = false;
            self.last_palm = None;
            self.path.clear();
            self.pending = None;
            self.active = None;
            self.grab_from = None;
        }
        let pose = &poses[i];
        if fresh {
            self.side_votes = 0.0;
        }
        let seen = &frame.hands[i];
        let vote = if seen.handedness.persons(self.mirrored) == Side::Right { 1.0 } else { -1.0 };
        self.side_votes = 0.9 * self.side_votes + vote * seen.score.clamp(0.05, 1.0);
        self.side = if self.side_votes >= 0.0 { Side::Right } else { Side::Left };
        let person_x = |x: f32| if self.mirrored { x } else { -x };
        self.path.push(Sample {
            t_ms: t,
            palm: [person_x(pose.palm[0]), pose.palm[1]],
            size: pose.size,
            pinch: pose.pinch,
            index_tip: [person_x(pose.index_tip[0]), pose.index_tip[1]],
            others: [pose.stretched[2], pose.stretched[3], pose.stretched[4]],
            open: pose.agreement(&[Some(true); 5]),
            pointing: pose.agreement(&[None, Some(true), Some(false), Some(false), Some(false)]),
        });
        if let Some((t0, palm0, size0)) = self.last_palm {
            let seconds = t.saturating_sub(t0).max(1) as f32 / 1000.0;
            let speed =
                (pose.palm[0] - palm0[0]).hypot(pose.palm[1] - palm0[1]) / ((pose.size + size0) / 2.0) / seconds;
            if speed < REST_SPEED && self.awaiting_rest {
                // The rest of the swipe's movement is not the start of another.
                self.awaiting_rest = false;
                self.path.clear();
            }
        }
        self.last_palm = Some((t, pose.palm, pose.size));
        let cursor = self.move_cursor(pose);
        let held = self.active.as_ref().map(|a| a.name.clone());
        let (pointing, grabbing) = (held.as_deref() == Some("point"), held.as_deref() == Some("fist"));
        if t >= self.quiet_until_ms && !self.awaiting_rest {
            if let Some(found) = self.path.detect(&self.catalog, pointing, grabbing) {
                self.awaiting_rest = found.name.starts_with("swipe_");
                step.events.push(self.event(t, &found.name, found.confidence));
                self.path.clear();
                self.pending = None;
                self.active = None;
                self.quiet_until_ms = t + self.catalog.defaults.refractory_ms;
            }
        }
        if step.events.is_empty() {
            self.hold(t, pose, &mut step);
        }
        step.cursor = Some(Cursor {
            x: cursor[0],
            y: cursor[1],
            mode: match self.active.as_ref().map(|a| a.name.as_str()) {
                Some("point") => "point",
                Some("fist") => "grab",
                _ => "hand",
            }
            .into(),
        });
        step
    }

    fn event(&self, t: u64, name: &str, confidence: f32) -> Event {
        Event {
            t_ms: t,
            gesture: name.to_string(),
            hand: self.side,
            confidence: (confidence * 100.0).round() / 100.0,
            // Where it selects: `ok` selects under the cursor (a resting point sets its own).
            at: if name == "ok" { self.cursor } else { None },
            pan: None,
        }
    }

    /// The cursor follows the index fingertip, smoothed, across the reachable part of the image.
    fn move_cursor(&mut self, pose: &Pose) -> [f32; 2] {
        let [x, y] = pose.index_tip_norm;
        let x = if self.mirrored { x } else { 1.0 - x };
        let scale = |v: f32, (lo, hi): (f32, f32)| ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
        let target = [scale(x, REACH_X), scale(y, REACH_Y)];
        let next = match self.cursor {
            Some(c) => [c[0] + 0.5 * (target[0] - c[0]), c[1] + 0.5 * (target[1] - c[1])],
            None => target,
        };
        self.cursor = Some(next);
        next
    }

    /// The first static gesture whose pattern this pose fits (with hysteresis for the one held).
    fn classify(&self, pose: &Pose) -> Option<(&Gesture, f32)> {
        let d = &self.catalog.defaults;
        self.catalog.gestures.iter().filter(|g| g.kind == Kind::Static).find_map(|g| {
            let held = self.active.as_ref().is_some_and(|a| a.name == g.name)
                || self.pending.as_ref().is_some_and(|p| p.name == g.name);
            let needed = if held { d.stay } else { d.enter };
            let score = pose.agreement(&g.fingers());
            let touching = g.touch.is_none_or(|touch| pose.pinch <= touch * if held { 1.3 } else { 1.0 });
            let thumb = match g.thumb.as_deref() {
                Some("up") => pose.thumb_from_up <= g.thumb_angle.unwrap_or(50.0),
                Some("down") => pose.thumb_from_up >= 180.0 - g.thumb_angle.unwrap_or(50.0),
                _ => true,
            };
            (score >= needed && touching && thumb).then_some((g, score))
        })
    }

    fn hold(&mut self, t: u64, pose: &Pose, step: &mut Step) {
        let d = self.catalog.defaults;
        // A pose only starts when the hand is still: one that moves is making a dynamic gesture.
        let still = self.path.travel(300) <= d.still_speed * 0.3;
        let seen = self.classify(pose).map(|(g, s)| (g.name.clone(), g.hold_ms.unwrap_or(d.hold_ms), s));
        if let Some(active) = &mut self.active {
            if seen.as_ref().is_some_and(|(n, _, _)| *n == active.name) {
                active.last_seen_ms = t;
                self.dwell_or_pan(t, step);
                return;
            }
        }
        self.lapse(t, step);
        let Some((name, hold_ms, score)) = seen else {
            self.pending = None;
            return;
        };
        if self.active.as_ref().is_some_and(|a| a.name == name) {
            return;
        }
        match &mut self.pending {
            Some(p) if p.name == name && still => {
                p.last_seen_ms = t;
                p.score = p.score.max(score);
                if t.saturating_sub(p.since_ms) >= hold_ms && t >= self.quiet_until_ms && self.active.is_none() {
                    let held = std::mem::replace(p, Held::new(&name, t, score));
                    self.pending = None;
                    // The fist fires when it opens (with how far it panned); the others now.
                    if name != "fist" {
                        step.events.push(self.event(t, &name, held.score));
                        // Pointing only moves the cursor: a pinch or circle may follow at once.
                        if name != "point" {
                            self.quiet_until_ms = t + d.refractory_ms;
                        }
                    } else {
                        self.grab_from = self.cursor;
                    }
                    if name == "point" {
                        self.dwell = self.cursor.map(|c| (c, t));
                    }
                    self.active = Some(held);
                }
            }
            _ => self.pending = still.then(|| Held::new(&name, t, score)),
        }
    }

    /// A held pose that has not been seen for `release_ms` ends (a fist fires then).
    fn lapse(&mut self, t: u64, step: &mut Step) {
        let release = self.catalog.defaults.release_ms;
        if self.active.as_ref().is_some_and(|a| t.saturating_sub(a.last_seen_ms) > release) {
            if let Some(a) = self.active.take() {
                if a.name == "fist" {
                    if let (Some(from), Some(to)) = (self.grab_from.take(), self.cursor) {
                        let mut event = self.event(t, "fist", a.score);
                        event.pan = Some([to[0] - from[0], to[1] - from[1]]);
                        step.events.push(event);
                        self.quiet_until_ms = t + self.catalog.defaults.refractory_ms;
                    }
                }
            }
        }
    }

    /// While pointing, resting on one spot selects it; while grabbing, nothing fires until the
    /// fist opens.
    fn dwell_or_pan(&mut self, t: u64, step: &mut Step) {
        let Some(point) = self.catalog.get("point") else { return };
        if self.active.as_ref().is_none_or(|a| a.name != "point") {
            return;
        }
        let (dwell_ms, radius) = (point.dwell_ms.unwrap_or(1200), point.dwell_radius.unwrap_or(0.02));
        let Some(cursor) = self.cursor else { return };
        match self.dwell {
            Some((at, since)) if (cursor[0] - at[0]).hypot(cursor[1] - at[1]) <= radius => {
                if t.saturating_sub(since) >= dwell_ms {
                    let mut event = self.event(t, "point", 1.0);
                    event.at = Some(at);
                    step.events.push(event);
                    // Once per rest: the cursor has to move away and settle again.
                    self.dwell = Some(([f32::NAN, f32::NAN], t));
                }
            }
            _ => self.dwell = Some((cursor, t)),
        }
    }
}

impl Held {
    fn new(name: &str, t: u64, score: f32) -> Held {
        Held { name: name.to_string(), since_ms: t, last_seen_ms: t, score }
    }
}
