//! MediaPipe's palm detector, the parts that are plain arithmetic: its 2,016 SSD anchors, the
//! decoding of its raw boxes and 7 keypoints, weighted non-maximum suppression, and the rotated
//! square around a palm that the landmark model is given (MediaPipe's `palm_detection` and
//! `hand_landmark` graphs describe the same steps).

/// The detector's input side, in pixels.
pub const INPUT: usize = 192;
/// Numbers per anchor: box (cx, cy, w, h) and 7 keypoints (x, y).
pub const VALUES: usize = 18;

/// A palm, in image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Palm {
    pub score: f32,
    pub center: [f32; 2],
    pub size: [f32; 2],
    /// Wrist centre, index knuckle, middle knuckle, ring knuckle, pinky knuckle, thumb base and tip.
    pub keypoints: [[f32; 2]; 7],
}

/// A rotated square in image pixels: the crop the landmark model sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub center: [f32; 2],
    pub side: f32,
    /// Radians; 0 when the fingers point up in the image.
    pub angle: f32,
}

/// The anchor centres (x, y in 0–1), in the detector's output order.
pub fn anchors() -> Vec<[f32; 2]> {
    // Strides 8 (2 anchors a cell) and 16 (three layers of 2, merged: 6 a cell).
    let mut out = Vec::with_capacity(2016);
    for (stride, per_cell) in [(8usize, 2usize), (16, 6)] {
        let grid = INPUT / stride;
        for y in 0..grid {
            for x in 0..grid {
                for _ in 0..per_cell {
                    out.push([(x as f32 + 0.5) / grid as f32, (y as f32 + 0.5) / grid as f32]);
                }
            }
        }
    }
    out
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x.clamp(-100.0, 100.0)).exp())
}

/// How the full image was fitted into the detector's square: scale and padding.
#[derive(Debug, Clone, Copy)]
pub struct Letterbox {
    pub scale: f32,
    pub pad: [f32; 2],
}

impl Letterbox {
    pub fn new(width: usize, height: usize) -> Letterbox {
        let scale = INPUT as f32 / width.max(height).max(1) as f32;
        let pad = [(INPUT as f32 - width as f32 * scale) / 2.0, (INPUT as f32 - height as f32 * scale) / 2.0];
        Letterbox { scale, pad }
    }
    /// A point of the detector's square (0–1) in image pixels.
    fn to_image(self, x: f32, y: f32) -> [f32; 2] {
        [(x * INPUT as f32 - self.pad[0]) / self.scale, (y * INPUT as f32 - self.pad[1]) / self.scale]
    }
}

/// Decodes the detector's outputs into palms (image pixels), strongest first, overlaps merged.
pub fn decode(boxes: &[f32], scores: &[f32], anchors: &[[f32; 2]], letterbox: Letterbox, min_score: f32) -> Vec<Palm> {
    let mut found: Vec<Palm> = Vec::new();
    for (i, anchor) in anchors.iter().enumerate() {
        let (Some(raw), Some(&logit)) = (boxes.get(i * VALUES..(i + 1) * VALUES), scores.get(i)) else { break };
        let score = sigmoid(logit);
        if score < min_score {
            continue;
        }
        let at =
            |k: usize| letterbox.to_image(raw[k] / INPUT as f32 + anchor[0], raw[k + 1] / INPUT as f32 + anchor[1]);
        let mut keypoints = [[0.0; 2]; 7];
        for (k, point) in keypoints.iter_mut().enumerate() {
            *point = at(4 + 2 * k);
        }
        found.push(Palm {
            score,
            center: at(0),
            size: [raw[2] / letterbox.scale, raw[3] / letterbox.scale],
            keypoints,
        });
    }
    weighted_nms(found, 0.3)
}

fn iou(a: &Palm, b: &Palm) -> f32 {
    let lo = |p: &Palm, k: usize| p.center[k] - p.size[k] / 2.0;
    let hi = |p: &Palm, k: usize| p.center[k] + p.size[k] / 2.0;
    let overlap = |k: usize| (hi(a, k).min(hi(b, k)) - lo(a, k).max(lo(b, k))).max(0.0);
    let inter = overlap(0) * overlap(1);
    let union = a.size[0] * a.size[1] + b.size[0] * b.size[1] - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Overlapping detections of one palm become their score-weighted average.
fn weighted_nms(mut palms: Vec<Palm>, threshold: f32) -> Vec<Palm> {
    palms.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = palms.first().cloned() {
        let (group, rest): (Vec<Palm>, Vec<Palm>) = palms.into_iter().partition(|p| iou(&best, p) > threshold);
        palms = rest;
        let total: f32 = group.iter().map(|p| p.score).sum();
        let mut merged = best.clone();
        let avg = |f: &dyn Fn(&Palm) -> f32| group.iter().map(|p| f(p) * p.score).sum::<f32>() / total;
        merged.center = [avg(&|p| p.center[0]), avg(&|p| p.center[1])];
        merged.size = [avg(&|p| p.size[0]), avg(&|p| p.size[1])];
        for k in 0..7 {
            merged.keypoints[k] = [avg(&|p| p.keypoints[k][0]), avg(&|p| p.keypoints[k][1])];
        }
        out.push(merged);
    }
    out
}

/// The angle that turns a crop so the direction `from` → `to` points up.
fn upright(from: [f32; 2], to: [f32; 2]) -> f32 {
    (to[0] - from[0]).atan2(-(to[1] - from[1]))
}

/// Moves a centre along the crop's own axes (x right, y down), in pixels.
fn shift(center: [f32; 2], angle: f32, dx: f32, dy: f32) -> [f32; 2] {
    let (s, c) = angle.sin_cos();
    [center[0] + dx * c - dy * s, center[1] + dx * s + dy * c]
}

impl Palm {
    /// The crop for the landmark model: turned so the fingers point up, 2.6 times the palm,
    /// moved half a palm towards the fingers.
    pub fn roi(&self) -> Roi {
        let angle = upright(self.keypoints[0], self.keypoints[2]);
        let side = self.size[0].max(self.size[1]);
        Roi { center: shift(self.center, angle, 0.0, -0.5 * self.size[1]), side: side * 2.6, angle }
    }
}

/// The crop for the next frame, from this frame's landmarks (pixels): how the hand is followed
/// without running the palm detector.
pub fn roi_from_landmarks(points: &[[f32; 2]]) -> Option<Roi> {
    if points.len() != 21 {
        return None;
    }
    let knuckles = [
        ((points[5][0] + points[13][0]) / 2.0 + points[9][0]) / 2.0,
        ((points[5][1] + points[13][1]) / 2.0 + points[9][1]) / 2.0,
    ];
    let angle = upright(points[0], knuckles);
    let (s, c) = angle.sin_cos();
    // The palm and the fingers' lower joints, in the crop's own axes.
    let subset = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18];
    let local: Vec<[f32; 2]> =
        subset.iter().map(|&i| [points[i][0] * c + points[i][1] * s, -points[i][0] * s + points[i][1] * c]).collect();
    let (min_x, max_x) = local.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p[0]), hi.max(p[0])));
    let (min_y, max_y) = local.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p[1]), hi.max(p[1])));
    let mid = [(min_x + max_x) / 2.0, (min_y + max_y) / 2.0];
    let center = [mid[0] * c - mid[1] * s, mid[0] * s + mid[1] * c];
    let (w, h) = (max_x - min_x, max_y - min_y);
    if !(w.is_finite() && h.is_finite()) || w.max(h) < 2.0 {
        return None;
    }
    Some(Roi { center: shift(center, angle, 0.0, -0.1 * h), side: w.max(h) * 2.0, angle })
}

impl Roi {
    /// The affine map from crop pixels (side `n`) to image pixels, as [[a, b, c], [d, e, f]].
    pub fn crop_to_image(&self, n: usize) -> [[f64; 3]; 2] {
        let k = (self.side / n as f32) as f64;
        let (s, c) = (self.angle as f64).sin_cos();
        let half = n as f64 / 2.0;
        let (cx, cy) = (self.center[0] as f64, self.center[1] as f64);
        [[k * c, -k * s, cx - k * (half * c - half * s)], [k * s, k * c, cy - k * (half * s + half * c)]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_2016_anchors_centred_in_their_cells() {
        let a = anchors();
        assert_eq!(a.len(), 2016);
        assert_eq!(a[0], [0.5 / 24.0, 0.5 / 24.0]);
        assert_eq!(a[1152], [0.5 / 12.0, 0.5 / 12.0]);
    }

    #[test]
    fn a_crop_maps_its_centre_to_the_roi_centre_and_turns() {
        let roi = Roi { center: [100.0, 50.0], side: 224.0, angle: std::f32::consts::FRAC_PI_2 };
        let m = roi.crop_to_image(224);
        let map = |u: f64, v: f64| [m[0][0] * u + m[0][1] * v + m[0][2], m[1][0] * u + m[1][1] * v + m[1][2]];
        let centre = map(112.0, 112.0);
        assert!((centre[0] - 100.0).abs() < 1e-3 && (centre[1] - 50.0).abs() < 1e-3);
        // Turned a quarter: the crop's top (fingers) points to the image's right.
        let top = map(112.0, 0.0);
        assert!((top[0] - 212.0).abs() < 1e-3 && (top[1] - 50.0).abs() < 1e-3, "{top:?}");
    }

    #[test]
    fn overlapping_palms_merge() {
        let palm =
            |x: f32, score: f32| Palm { score, center: [x, 10.0], size: [10.0, 10.0], keypoints: [[x, 10.0]; 7] };
        let merged = weighted_nms(vec![palm(10.0, 0.9), palm(11.0, 0.9), palm(100.0, 0.6)], 0.3);
        assert_eq!(merged.len(), 2);
        assert!((merged[0].center[0] - 10.5).abs() < 1e-4);
    }
}
