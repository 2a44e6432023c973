//! What one hand's 21 landmarks say on their own: its size, where its palm is, which fingers
//! are stretched, where the thumb points, how far apart thumb and index tips are. Everything is
//! measured in pixels (z on the x scale, as MediaPipe gives it) and then in hand sizes, so a
//! near hand and a far one, a turned one and an upright one read the same.

use super::Hand;

pub const WRIST: usize = 0;
pub const THUMB_TIP: usize = 4;
pub const INDEX_MCP: usize = 5;
pub const INDEX_TIP: usize = 8;
pub const MIDDLE_MCP: usize = 9;
pub const RING_MCP: usize = 13;
pub const PINKY_MCP: usize = 17;

/// The joints of each finger from the hand outwards (thumb first).
const FINGERS: [[usize; 5]; 5] =
    [[0, 1, 2, 3, 4], [0, 5, 6, 7, 8], [0, 9, 10, 11, 12], [0, 13, 14, 15, 16], [0, 17, 18, 19, 20]];

type P = [f32; 3];

fn sub(a: P, b: P) -> P {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn norm(a: P) -> f32 {
    (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt()
}
fn dist(a: P, b: P) -> f32 {
    norm(sub(a, b))
}
/// The angle between two bones, in degrees (0 = straight on).
fn bend(a: P, b: P) -> f32 {
    let (na, nb) = (norm(a), norm(b));
    if na < 1e-6 || nb < 1e-6 {
        return 0.0;
    }
    let cos = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb);
    cos.clamp(-1.0, 1.0).acos().to_degrees()
}

/// The measures of one hand in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose {
    /// Wrist to the knuckles, in pixels (the unit of every distance below).
    pub size: f32,
    /// The palm's centre, in pixels.
    pub palm: [f32; 2],
    /// The index fingertip, in pixels.
    pub index_tip: [f32; 2],
    /// The index fingertip in the image, 0–1.
    pub index_tip_norm: [f32; 2],
    /// Per finger (thumb first): 1 stretched … 0 bent.
    pub stretched: [f32; 5],
    /// Degrees between the thumb (knuckle to tip) and straight up in the image.
    pub thumb_from_up: f32,
    /// Thumb tip to index tip, in hand sizes.
    pub pinch: f32,
}

impl Pose {
    /// Measures a hand seen in an image of `width` × `height` pixels.
    pub fn of(hand: &Hand, width: u32, height: u32) -> Pose {
        let (w, h) = (width.max(1) as f32, height.max(1) as f32);
        let p: Vec<P> = hand.landmarks.iter().map(|l| [l[0] * w, l[1] * h, l[2] * w]).collect();
        let size =
            [INDEX_MCP, MIDDLE_MCP, RING_MCP, PINKY_MCP].iter().map(|&i| dist(p[WRIST], p[i])).sum::<f32>() / 4.0;
        let size = size.max(1e-3);
        let palm_points = [WRIST, INDEX_MCP, MIDDLE_MCP, RING_MCP, PINKY_MCP];
        let palm = [
            palm_points.iter().map(|&i| p[i][0]).sum::<f32>() / 5.0,
            palm_points.iter().map(|&i| p[i][1]).sum::<f32>() / 5.0,
        ];
        let mut stretched = [0.0; 5];
        for (f, joints) in FINGERS.iter().enumerate() {
            // The thumb's first bone (wrist to CMC) bends by nature; its curl is in the others.
            let from = if f == 0 { 1 } else { 0 };
            let total: f32 = (from..3)
                .map(|j| bend(sub(p[joints[j + 1]], p[joints[j]]), sub(p[joints[j + 2]], p[joints[j + 1]])))
                .sum();
            let straight = if f == 0 {
                ((100.0 - total) / 60.0).clamp(0.0, 1.0)
            } else {
                ((160.0 - total) / 100.0).clamp(0.0, 1.0)
            };
            // A bent finger can look straight when it points at the camera: its tip then is
            // no farther from the wrist than its middle joint.
            let reach = dist(p[joints[4]], p[WRIST]) / dist(p[joints[2]], p[WRIST]).max(1e-3);
            let reaching = ((reach - 1.0) / 0.25).clamp(0.0, 1.0);
            stretched[f] = straight.min(reaching);
        }
        // A thumb held across the palm (a fist) is straight but not out: its tip is near the
        // index knuckle.
        let out = ((dist(p[THUMB_TIP], p[INDEX_MCP]) / size - 0.35) / 0.3).clamp(0.0, 1.0);
        stretched[0] = stretched[0].min(out);
        let thumb = sub(p[THUMB_TIP], p[2]);
        let thumb_from_up = bend([thumb[0], thumb[1], 0.0], [0.0, -1.0, 0.0]);
        Pose {
            size,
            palm,
            index_tip: [p[INDEX_TIP][0], p[INDEX_TIP][1]],
            index_tip_norm: [hand.landmarks[INDEX_TIP][0], hand.landmarks[INDEX_TIP][1]],
            stretched,
            thumb_from_up,
            pinch: dist(p[THUMB_TIP], p[INDEX_TIP]) / size,
        }
    }

    /// How well the fingers fit a pattern, 0–1: the worst finger's agreement.
    pub fn agreement(&self, fingers: &super::catalog::Fingers) -> f32 {
        fingers
            .iter()
            .zip(self.stretched)
            .map(|(want, s)| match want {
                Some(true) => s,
                Some(false) => 1.0 - s,
                None => 1.0,
            })
            .fold(1.0, f32::min)
    }
}
