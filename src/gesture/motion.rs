//! Dynamic gestures from the locked hand's recent path: swipes (the palm travels far and
//! straight), pinches (thumb and index tips close or open while the hand stays), circles (the
//! pointing fingertip goes round) and waves (the open hand turns back and forth). Every distance
//! is in hand sizes, so near and far hands behave alike; directions are the person's own.

use super::catalog::{Catalog, Gesture, Kind};
use std::collections::VecDeque;

/// What the path keeps of each frame.
#[derive(Debug, Clone)]
pub struct Sample {
    pub t_ms: u64,
    /// The palm in person coordinates (pixels; +x to the person's right, +y down).
    pub palm: [f32; 2],
    pub size: f32,
    pub pinch: f32,
    pub index_tip: [f32; 2],
    /// Middle, ring and pinky stretched (0–1): a pinch keeps them as they were.
    pub others: [f32; 3],
    pub open: f32,
    pub pointing: f32,
}

#[derive(Debug, Default)]
pub struct Path {
    samples: VecDeque<Sample>,
}

/// A dynamic gesture found, with how clearly (0–1).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub name: String,
    pub confidence: f32,
}

const KEEP_MS: u64 = 3000;

fn len(v: [f32; 2]) -> f32 {
    v[0].hypot(v[1])
}

impl Path {
    pub fn push(&mut self, sample: Sample) {
        let t = sample.t_ms;
        self.samples.push_back(sample);
        while self.samples.front().is_some_and(|s| t.saturating_sub(s.t_ms) > KEEP_MS) {
            self.samples.pop_front();
        }
    }

    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// The samples of the last `ms` milliseconds.
    fn recent(&self, ms: u64) -> impl Iterator<Item = &Sample> + Clone {
        let now = self.samples.back().map(|s| s.t_ms).unwrap_or(0);
        self.samples.iter().filter(move |s| now.saturating_sub(s.t_ms) <= ms)
    }

    /// How far the palm went in the last `ms`, in hand sizes (the spread of its positions).
    pub fn travel(&self, ms: u64) -> f32 {
        let Some(now) = self.samples.back() else { return 0.0 };
        self.recent(ms).map(|s| len([s.palm[0] - now.palm[0], s.palm[1] - now.palm[1]]) / now.size).fold(0.0, f32::max)
    }

    /// The first dynamic gesture the path now shows, if any. While a pose that moves the
    /// cursor or the map is held (point, fist), or the hand points, swipes and waves do not count.
    pub fn detect(&self, catalog: &Catalog, pointing_held: bool, grabbing: bool) -> Option<Found> {
        let now = self.samples.back()?;
        // A pointing hand that moves moves the cursor (or draws a circle): it does not swipe.
        let sweeping = !pointing_held && !grabbing && now.pointing < 0.5;
        for g in catalog.gestures.iter().filter(|g| g.kind == Kind::Dynamic) {
            let within = g.within_ms.unwrap_or(1000);
            let found = match g.name.as_str() {
                n if n.starts_with("swipe_") && sweeping => self.swipe(g, now, within),
                "wave" if sweeping => self.wave(g, within),
                "pinch_in" | "pinch_out" if !grabbing => self.pinch(g, now, within),
                "circle" if !grabbing => self.circle(g, within),
                _ => None,
            };
            if let Some(confidence) = found {
                return Some(Found { name: g.name.clone(), confidence: confidence.clamp(0.0, 1.0) });
            }
        }
        None
    }

    fn swipe(&self, g: &Gesture, now: &Sample, within: u64) -> Option<f32> {
        let dir: [f32; 2] = match g.direction.as_deref()? {
            "left" => [-1.0, 0.0],
            "right" => [1.0, 0.0],
            "up" => [0.0, -1.0],
            _ => [0.0, 1.0],
        };
        let need = g.distance.unwrap_or(1.6);
        let straightness = g.straightness.unwrap_or(2.0);
        let mut best: Option<f32> = None;
        for s in self.recent(within) {
            let size = (s.size + now.size) / 2.0;
            let d = [now.palm[0] - s.palm[0], now.palm[1] - s.palm[1]];
            let along = (d[0] * dir[0] + d[1] * dir[1]) / size;
            let across = (d[0] * dir[1] - d[1] * dir[0]).abs() / size;
            if along >= need && along >= straightness * across {
                best = Some(best.unwrap_or(0.0).max(0.5 + 0.5 * (along / need - 1.0).min(1.0)));
            }
        }
        best
    }

    fn pinch(&self, g: &Gesture, now: &Sample, within: u64) -> Option<f32> {
        let (open, closed) = (g.open.unwrap_or(0.8), g.closed.unwrap_or(0.3));
        let steady = g.steady.unwrap_or(0.6);
        let closing = g.name == "pinch_in";
        let ends_right = if closing { now.pinch <= closed } else { now.pinch >= open };
        if !ends_right {
            return None;
        }
        self.recent(within)
            .filter(|s| if closing { s.pinch >= open } else { s.pinch <= closed })
            .filter(|s| len([now.palm[0] - s.palm[0], now.palm[1] - s.palm[1]]) / now.size <= steady)
            .filter(|s| s.others.iter().zip(now.others).all(|(a, b)| (a - b).abs() < 0.5))
            .map(|s| ((s.pinch - now.pinch).abs() / (open - closed)).min(1.0))
            .reduce(f32::max)
    }

    fn circle(&self, g: &Gesture, within: u64) -> Option<f32> {
        let points: Vec<&Sample> = self.recent(within).filter(|s| s.pointing >= 0.5).collect();
        if points.len() < 8 {
            return None;
        }
        let n = points.len() as f32;
        let c = [
            points.iter().map(|s| s.index_tip[0]).sum::<f32>() / n,
            points.iter().map(|s| s.index_tip[1]).sum::<f32>() / n,
        ];
        let size = points.iter().map(|s| s.size).sum::<f32>() / n;
        let radius = points.iter().map(|s| len([s.index_tip[0] - c[0], s.index_tip[1] - c[1]])).sum::<f32>() / n / size;
        if radius < g.radius.unwrap_or(0.35) {
            return None;
        }
        let angles: Vec<f32> = points.iter().map(|s| (s.index_tip[1] - c[1]).atan2(s.index_tip[0] - c[0])).collect();
        let mut turn = 0.0f32;
        for w in angles.windows(2) {
            let mut d = w[1] - w[0];
            while d > std::f32::consts::PI {
                d -= std::f32::consts::TAU;
            }
            while d < -std::f32::consts::PI {
                d += std::f32::consts::TAU;
            }
            turn += d;
        }
        let need = g.turn.unwrap_or(320.0);
        let turned = turn.abs().to_degrees();
        (turned >= need).then(|| 0.6 + 0.4 * ((turned - need) / 40.0).min(1.0))
    }

    fn wave(&self, g: &Gesture, within: u64) -> Option<f32> {
        let points: Vec<&Sample> = self.recent(within).collect();
        if points.len() < 6 {
            return None;
        }
        let open = points.iter().filter(|s| s.open >= 0.5).count() as f32 / points.len() as f32;
        if open < 0.7 {
            return None;
        }
        let size = points.iter().map(|s| s.size).sum::<f32>() / points.len() as f32;
        let (amplitude, max_stroke) = (g.amplitude.unwrap_or(0.3) * size, g.max_stroke.unwrap_or(1.5) * size);
        // Turning points with hysteresis: a new stroke starts once the hand is `amplitude` back
        // from the last extreme.
        let mut extreme = points[0].palm[0];
        let mut start = extreme;
        let mut direction = 0.0f32;
        let mut reversals = 0;
        for s in &points[1..] {
            let x = s.palm[0];
            if direction == 0.0 {
                if (x - extreme).abs() >= amplitude {
                    direction = (x - extreme).signum();
                    extreme = x;
                }
                continue;
            }
            if (x - extreme) * direction > 0.0 {
                extreme = x;
            } else if (extreme - x).abs() >= amplitude {
                if (extreme - start).abs() > max_stroke {
                    return None;
                }
                reversals += 1;
                start = extreme;
                extreme = x;
                direction = -direction;
            }
        }
        let need = g.reversals.unwrap_or(3);
        (reversals >= need).then_some(0.8)
    }
}
