//! Hands made of numbers: 21 landmarks in MediaPipe's convention for a pose (which fingers are
//! stretched, where the thumb is), a place, a size and a turn, and sequences of them over time.
//! They test the gesture recognizer without images: near and far, turned, either hand, several
//! people. The proportions are an average adult hand's, in units of wrist-to-knuckles.

use serde_json::{json, Value};

pub const W: f32 = 640.0;
pub const H: f32 = 480.0;

/// How a hand is held.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Bend per finger, thumb first: 0 stretched … 1 curled into the palm.
    pub curl: [f32; 5],
    /// Thumb tip brought onto the index tip (ok, pinch closed).
    pub touch: bool,
}

pub const OPEN: Shape = Shape { curl: [0.0; 5], touch: false };
pub const FIST: Shape = Shape { curl: [1.0; 5], touch: false };
pub const POINT: Shape = Shape { curl: [1.0, 0.0, 1.0, 1.0, 1.0], touch: false };
pub const VICTORY: Shape = Shape { curl: [1.0, 0.0, 0.0, 1.0, 1.0], touch: false };
pub const THREE: Shape = Shape { curl: [1.0, 0.0, 0.0, 0.0, 1.0], touch: false };
pub const CALL: Shape = Shape { curl: [0.0, 1.0, 1.0, 1.0, 0.0], touch: false };
pub const THUMB: Shape = Shape { curl: [0.0, 1.0, 1.0, 1.0, 1.0], touch: false };
pub const OK: Shape = Shape { curl: [0.0, 0.45, 0.0, 0.0, 0.0], touch: true };
/// Thumb and index apart, the others curled (a pinch about to close).
pub const PINCH_OPEN: Shape = Shape { curl: [0.0, 0.0, 1.0, 1.0, 1.0], touch: false };
pub const PINCH_CLOSED: Shape = Shape { curl: [0.0, 0.45, 1.0, 1.0, 1.0], touch: true };

/// Where and how large a hand is, and which one.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    /// The palm's centre in image pixels.
    pub x: f32,
    pub y: f32,
    /// Wrist to knuckles, in pixels (~100 near the camera, ~30 at 3 m).
    pub size: f32,
    /// Degrees, clockwise in the image; 0 = fingers up.
    pub turn: f32,
    /// MediaPipe's label ("Left" in an unmirrored image is the person's right hand).
    pub label: &'static str,
}

impl Place {
    pub fn at(x: f32, y: f32, size: f32) -> Place {
        Place { x, y, size, turn: 0.0, label: "Left" }
    }
}

type P = [f32; 3];

fn finger(knuckle: [f32; 2], bones: [f32; 3], curl: f32) -> [P; 4] {
    // Each joint bends towards the palm (into the screen, then back down): 80°, 100°, 70° when
    // curled; a stretched finger goes on in the direction from the wrist to its knuckle.
    let bends = [80.0f32, 100.0, 70.0];
    let len = knuckle[0].hypot(knuckle[1]);
    let u = [knuckle[0] / len, knuckle[1] / len];
    let mut out = [[knuckle[0], knuckle[1], 0.0]; 4];
    let mut angle = 0.0f32;
    for j in 0..3 {
        angle += bends[j] * curl;
        let (s, c) = angle.to_radians().sin_cos();
        let prev = out[j];
        out[j + 1] = [prev[0] + u[0] * c * bones[j], prev[1] + u[1] * c * bones[j], prev[2] - s * bones[j]];
    }
    out
}

/// The 21 landmarks (local units, fingers up, the thumb towards +x) of a shape.
fn local(shape: Shape) -> Vec<P> {
    let knuckles: [[f32; 2]; 4] = [[0.32, -0.95], [0.08, -1.0], [-0.14, -0.95], [-0.34, -0.85]];
    let bones: [[f32; 3]; 4] = [[0.45, 0.27, 0.22], [0.5, 0.3, 0.23], [0.46, 0.28, 0.22], [0.36, 0.2, 0.18]];
    let mut p = vec![[0.0f32; 3]; 21];
    for f in 0..4 {
        for (i, j) in finger(knuckles[f], bones[f], shape.curl[f + 1]).iter().enumerate() {
            p[5 + 4 * f + i] = *j;
        }
    }
    // The thumb: out and up when stretched, across the palm when curled.
    let c = shape.curl[0];
    let stretched = [[0.22, -0.2], [0.5, -0.42], [0.72, -0.62], [0.9, -0.8]];
    let folded = [[0.22, -0.2], [0.42, -0.5], [0.3, -0.72], [0.1, -0.78]];
    for i in 0..4 {
        let s = stretched[i];
        let f = folded[i];
        p[1 + i] = [s[0] + (f[0] - s[0]) * c, s[1] + (f[1] - s[1]) * c, -0.15 * c * i as f32];
    }
    if shape.touch {
        // Thumb tip on the index tip, its joints on the way there.
        let tip = p[8];
        let base = p[2];
        p[4] = [tip[0] + 0.05, tip[1] + 0.03, tip[2]];
        p[3] = [base[0] + (p[4][0] - base[0]) * 0.55 + 0.08, base[1] + (p[4][1] - base[1]) * 0.55, tip[2] * 0.5];
    }
    p
}

/// One hand as MediaPipe would report it.
pub fn hand(shape: Shape, place: Place) -> Value {
    let (s, c) = place.turn.to_radians().sin_cos();
    // The person's right hand in an unmirrored image has its thumb towards -x (palm to camera).
    let side = if place.label == "Left" { -1.0 } else { 1.0 };
    let points = local(shape);
    // The local palm centre, to place the hand by its palm.
    let palm: Vec<usize> = vec![0, 5, 9, 13, 17];
    let centre = [
        palm.iter().map(|&i| points[i][0] * side).sum::<f32>() / 5.0,
        palm.iter().map(|&i| points[i][1]).sum::<f32>() / 5.0,
    ];
    let landmarks: Vec<Value> = points
        .iter()
        .map(|p| {
            let (x, y) = ((p[0] * side - centre[0]) * place.size, (p[1] - centre[1]) * place.size);
            let (x, y) = (x * c - y * s, x * s + y * c);
            json!([(place.x + x) / W, (place.y + y) / H, p[2] * place.size / W])
        })
        .collect();
    json!({"handedness": place.label, "score": 0.98, "landmarks": landmarks})
}

/// A frame line of the landmarks format.
pub fn frame(t_ms: u64, hands: Vec<Value>) -> String {
    json!({"t_ms": t_ms, "width": W as u32, "height": H as u32, "hands": hands}).to_string()
}

/// Frames at 30 per second from `from_ms` for `ms`, each made by `f(progress 0–1)`.
pub fn clip(from_ms: u64, ms: u64, mut f: impl FnMut(f32) -> Vec<Value>) -> Vec<String> {
    let n = (ms * 30 / 1000).max(1);
    (0..n).map(|i| frame(from_ms + i * 1000 / 30, f(i as f32 / (n - 1).max(1) as f32))).collect()
}
