//! Hands in camera frames, on MediaPipe's models through OpenCV's DNN module: palm detection on
//! the whole (letterboxed) frame → a rotated square crop → 21 landmarks with presence and
//! handedness. Between frames a hand is followed from its previous landmarks, and the palm
//! detector runs only when no hand is followed: that is what makes it real time on one core.
//! While it searches, every other frame it looks at a quarter of the frame instead of the whole:
//! a hand a few metres away is too small for the detector's 192 × 192 view of the whole frame.

use super::palm::{self, Letterbox, Roi};
use super::{Hand, Side};
use opencv::core::{self, Mat, Scalar, Size, Vector};
use opencv::prelude::*;
use opencv::{dnn, imgproc};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The landmark model's input side, in pixels.
const LANDMARK_INPUT: usize = 224;
/// Below this the landmark model says the crop holds no hand.
const MIN_PRESENCE: f32 = 0.5;
const MIN_PALM_SCORE: f32 = 0.5;

#[derive(Debug, thiserror::Error)]
pub enum HandsError {
    #[error("{0} is missing; run `scpm models prepare` (scripts/setup.sh does) to fetch and convert the hand models")]
    Missing(PathBuf),
    #[error("OpenCV cannot load {path}: {message}; delete it and run `scpm models prepare` again")]
    Load { path: PathBuf, message: String },
    #[error("OpenCV: {0}")]
    OpenCv(#[from] opencv::Error),
    #[error("the frame is empty (0 × 0 pixels)")]
    EmptyFrame,
    #[error("the model gave {got} numbers where {expected} were expected")]
    Output { got: usize, expected: usize },
}

/// The two ONNX models, converted by `scpm models prepare`.
pub struct HandModels {
    pub palm: PathBuf,
    pub landmarks: PathBuf,
}

impl HandModels {
    pub fn in_dir(models: &Path) -> HandModels {
        HandModels {
            palm: models.join("hands/palm_detection_full.onnx"),
            landmarks: models.join("hands/hand_landmark_full.onnx"),
        }
    }
}

/// What the tracker did on one frame (for the benchmark and the logs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameWork {
    pub palm_detection: bool,
}

/// A hand, and its landmarks in image pixels.
type Found = (Hand, Vec<[f32; 2]>);

pub struct HandTracker {
    palm_net: dnn::Net,
    landmark_net: dnn::Net,
    anchors: Vec<[f32; 2]>,
    max_hands: usize,
    /// The crops to look in next frame: the hands being followed.
    tracked: Vec<Roi>,
    /// Searches made while no hand is followed: every other one looks closer at a quarter of
    /// the frame, so that a far hand (too small for the detector in the whole frame) is found.
    searches: usize,
}

/// The quarters searched for far hands, as (x, y) of their top-left corner in frame fractions;
/// each is 0.6 of the frame wide and high, so they overlap.
const QUARTERS: [(f32, f32); 4] = [(0.2, 0.1), (0.0, 0.0), (0.4, 0.0), (0.2, 0.4)];
const QUARTER: f32 = 0.6;

fn load(path: &Path) -> Result<dnn::Net, HandsError> {
    if !path.exists() {
        return Err(HandsError::Missing(path.to_path_buf()));
    }
    let mut net =
        dnn::read_net_from_onnx(path).map_err(|e| HandsError::Load { path: path.to_path_buf(), message: e.message })?;
    net.set_preferable_backend(dnn::DNN_BACKEND_OPENCV)?;
    net.set_preferable_target(dnn::DNN_TARGET_CPU)?;
    Ok(net)
}

/// Runs a network on a blob and returns its outputs by name, flattened.
fn run(net: &mut dnn::Net, blob: &Mat) -> Result<Vec<Vec<f32>>, HandsError> {
    net.set_input(blob, "", 1.0, Scalar::default())?;
    let names = net.get_unconnected_out_layers_names()?;
    let mut outputs: Vector<Mat> = Vector::new();
    net.forward(&mut outputs, &names)?;
    let mut named: Vec<(String, Vec<f32>)> = Vec::new();
    for (name, mat) in names.iter().zip(outputs.iter()) {
        let mat = if mat.is_continuous() { mat } else { mat.try_clone()? };
        named.push((name, mat.data_typed::<f32>()?.to_vec()));
    }
    // Identity, Identity_1, …: the models' own order.
    named.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
    Ok(named.into_iter().map(|(_, v)| v).collect())
}

/// A frame as 3-channel BGR, whatever it came as (gray, BGRA); a BGR frame is used as it is
/// (no copy on the per-frame path).
pub fn to_bgr(frame: &Mat) -> Result<Cow<'_, Mat>, HandsError> {
    if frame.empty() || frame.cols() == 0 || frame.rows() == 0 {
        return Err(HandsError::EmptyFrame);
    }
    let code = match frame.channels() {
        1 => imgproc::COLOR_GRAY2BGR,
        4 => imgproc::COLOR_BGRA2BGR,
        _ => return Ok(Cow::Borrowed(frame)),
    };
    let mut out = Mat::default();
    imgproc::cvt_color(frame, &mut out, code, 0)?;
    Ok(Cow::Owned(out))
}

/// A frame as I420 bytes of `width` × `height` (what the calls' VP8 encoder takes).
pub fn to_i420(frame: &Mat, width: i32, height: i32) -> Result<Vec<u8>, HandsError> {
    let bgr = to_bgr(frame)?;
    let mut sized = Mat::default();
    imgproc::resize(&*bgr, &mut sized, Size::new(width, height), 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut yuv = Mat::default();
    imgproc::cvt_color(&sized, &mut yuv, imgproc::COLOR_BGR2YUV_I420, 0)?;
    Ok(yuv.data_bytes()?.to_vec())
}

fn sure(v: f32) -> f32 {
    // The converted models give probabilities; a logit (outside 0–1) is squashed.
    if (0.0..=1.0).contains(&v) {
        v
    } else {
        1.0 / (1.0 + (-v).exp())
    }
}

impl HandTracker {
    pub fn load(models: &HandModels, max_hands: usize) -> Result<HandTracker, HandsError> {
        Ok(HandTracker {
            palm_net: load(&models.palm)?,
            landmark_net: load(&models.landmarks)?,
            anchors: palm::anchors(),
            max_hands: max_hands.max(1),
            tracked: Vec::new(),
            searches: 0,
        })
    }

    /// Forgets the hands being followed (a new video, a camera that came back).
    pub fn reset(&mut self) {
        self.tracked.clear();
        self.searches = 0;
    }

    /// The hands in a frame (BGR, gray or BGRA, any size), in MediaPipe's convention.
    pub fn hands(&mut self, frame: &Mat) -> Result<(Vec<Hand>, FrameWork), HandsError> {
        let image = to_bgr(frame)?;
        let mut work = FrameWork::default();
        let mut rois = std::mem::take(&mut self.tracked);
        if rois.is_empty() {
            work.palm_detection = true;
            self.searches += 1;
            let palms = if self.searches % 2 == 1 { self.palms(&image)? } else { self.palms_in_quarter(&image)? };
            rois = palms.iter().take(self.max_hands).map(|p| p.roi()).collect();
        }
        let mut hands = Vec::new();
        for roi in rois {
            let Some((hand, points)) = self.landmarks(&image, roi)? else { continue };
            // Two crops on one hand (a palm found twice) keep the first.
            let duplicate = hands.iter().any(|h: &Hand| {
                let d = (h.landmarks[0][0] - hand.landmarks[0][0]).hypot(h.landmarks[0][1] - hand.landmarks[0][1]);
                d < 0.02
            });
            if duplicate {
                continue;
            }
            if let Some(next) = palm::roi_from_landmarks(&points) {
                self.tracked.push(next);
            }
            hands.push(hand);
        }
        if !hands.is_empty() {
            self.searches = 0;
        }
        Ok((hands, work))
    }

    /// Palms in the whole frame, strongest first (image pixels).
    pub fn palms(&mut self, image: &Mat) -> Result<Vec<palm::Palm>, HandsError> {
        let (w, h) = (image.cols() as usize, image.rows() as usize);
        let letterbox = Letterbox::new(w, h);
        let (rw, rh) = (
            ((w as f32 * letterbox.scale).round() as i32).max(1),
            ((h as f32 * letterbox.scale).round() as i32).max(1),
        );
        let mut small = Mat::default();
        imgproc::resize(image, &mut small, Size::new(rw, rh), 0.0, 0.0, imgproc::INTER_AREA)?;
        let n = palm::INPUT as i32;
        let (left, top) = ((n - rw) / 2, (n - rh) / 2);
        let mut square = Mat::default();
        core::copy_make_border(
            &small,
            &mut square,
            top,
            n - rh - top,
            left,
            n - rw - left,
            core::BORDER_CONSTANT,
            Scalar::all(0.0),
        )?;
        let letterbox = Letterbox { scale: letterbox.scale, pad: [left as f32, top as f32] };
        let blob =
            dnn::blob_from_image(&square, 1.0 / 255.0, Size::new(n, n), Scalar::default(), true, false, core::CV_32F)?;
        let outputs = run(&mut self.palm_net, &blob)?;
        let (boxes, scores) = match outputs.as_slice() {
            [boxes, scores] if boxes.len() == scores.len() * palm::VALUES => (boxes, scores),
            [scores, boxes] if boxes.len() == scores.len() * palm::VALUES => (boxes, scores),
            other => {
                return Err(HandsError::Output { got: other.iter().map(Vec::len).sum(), expected: 2016 * 19 });
            }
        };
        Ok(palm::decode(boxes, scores, &self.anchors, letterbox, MIN_PALM_SCORE))
    }

    /// Palms in the next quarter of the frame (in turn), in whole-frame pixels.
    fn palms_in_quarter(&mut self, image: &Mat) -> Result<Vec<palm::Palm>, HandsError> {
        let (w, h) = (image.cols() as f32, image.rows() as f32);
        let (qx, qy) = QUARTERS[(self.searches / 2) % QUARTERS.len()];
        let area = core::Rect::new((qx * w) as i32, (qy * h) as i32, (QUARTER * w) as i32, (QUARTER * h) as i32);
        if area.width < 16 || area.height < 16 {
            return Ok(Vec::new());
        }
        let part = image.roi(area)?.try_clone()?;
        let mut palms = self.palms(&part)?;
        let (dx, dy) = (area.x as f32, area.y as f32);
        for p in &mut palms {
            p.center = [p.center[0] + dx, p.center[1] + dy];
            for k in &mut p.keypoints {
                *k = [k[0] + dx, k[1] + dy];
            }
        }
        Ok(palms)
    }

    /// The landmarks in one crop, or None when the crop holds no hand. Also the landmarks in
    /// image pixels, for following the hand.
    fn landmarks(&mut self, image: &Mat, roi: Roi) -> Result<Option<Found>, HandsError> {
        let n = LANDMARK_INPUT;
        let m = roi.crop_to_image(n);
        let affine = Mat::from_slice_2d(&m)?;
        let mut crop = Mat::default();
        imgproc::warp_affine(
            image,
            &mut crop,
            &affine,
            Size::new(n as i32, n as i32),
            imgproc::INTER_LINEAR | imgproc::WARP_INVERSE_MAP,
            core::BORDER_CONSTANT,
            Scalar::all(0.0),
        )?;
        let blob = dnn::blob_from_image(
            &crop,
            1.0 / 255.0,
            Size::new(n as i32, n as i32),
            Scalar::default(),
            true,
            false,
            core::CV_32F,
        )?;
        let outputs = run(&mut self.landmark_net, &blob)?;
        let [coords, presence, handedness, ..] = outputs.as_slice() else {
            return Err(HandsError::Output { got: outputs.len(), expected: 4 });
        };
        if coords.len() != 63 || presence.is_empty() || handedness.is_empty() {
            return Err(HandsError::Output { got: coords.len(), expected: 63 });
        }
        let presence = sure(presence[0]);
        if presence < MIN_PRESENCE {
            return Ok(None);
        }
        let (w, h) = (image.cols() as f32, image.rows() as f32);
        let k = roi.side / n as f32;
        let mut points = Vec::with_capacity(21);
        let mut landmarks = Vec::with_capacity(21);
        for l in coords.chunks(3) {
            let (u, v) = (l[0] as f64, l[1] as f64);
            let x = (m[0][0] * u + m[0][1] * v + m[0][2]) as f32;
            let y = (m[1][0] * u + m[1][1] * v + m[1][2]) as f32;
            points.push([x, y]);
            landmarks.push([x / w, y / h, l[2] * k / w]);
        }
        let right = sure(handedness[0]);
        let (handedness, side_score) = if right >= 0.5 { (Side::Right, right) } else { (Side::Left, 1.0 - right) };
        let hand = Hand { handedness, score: (presence * side_score * 1000.0).round() / 1000.0, landmarks };
        Ok(Some((hand, points)))
    }
}
