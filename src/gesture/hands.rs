//! Hands in camera frames, on MediaPipe's models (run by ONNX Runtime or OpenCV's DNN module, see
//! `engine`): palm detection on the whole (letterboxed) frame → a rotated square crop → 21
//! landmarks with presence and handedness. Between frames a hand is followed from its previous
//! landmarks, and the palm detector runs only when no hand is followed: that is what makes it
//! real time on one core. While it searches, every other search looks at a quarter of the frame
//! instead of the whole: a hand a few metres away is too small for the detector's 192 × 192 view
//! of the whole frame. And it searches only as often as needed (`Search`): on a frame after the
//! scene moved, and at least every few frames when nothing moves.

use super::engine::{Engine, Net};
use super::palm::{self, Letterbox, Roi};
use super::search::{Search, Searcher};
use super::{Hand, Side};
use opencv::core::{self, Mat, Scalar, Size};
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
    #[error("cannot load {path}: {message}; delete it and run `scpm models prepare` again")]
    Load { path: PathBuf, message: String },
    #[error("ONNX Runtime: {0}")]
    Runtime(String),
    #[error("OpenCV: {0}")]
    OpenCv(#[from] opencv::Error),
    #[error("the frame is empty (0 × 0 pixels)")]
    EmptyFrame,
    #[error("the model gave {got} numbers where {expected} were expected")]
    Output { got: usize, expected: usize },
}

/// Where the hand models and ONNX Runtime's library are (`models/`, as `scpm models prepare`
/// leaves it), and the engine wanted.
#[derive(Debug, Clone)]
pub struct HandModels {
    pub dir: PathBuf,
    pub engine: Engine,
}

impl HandModels {
    /// The models under `models/`, on the default engine.
    pub fn in_dir(models: &Path) -> HandModels {
        HandModels { dir: models.to_path_buf(), engine: Engine::default() }
    }

    pub fn on(mut self, engine: Engine) -> HandModels {
        self.engine = engine;
        self
    }

    fn model(&self, engine: Engine, name: &str) -> PathBuf {
        engine.model_dir(&self.dir.join("hands")).join(format!("{name}.onnx"))
    }

    fn load(&self, engine: Engine) -> Result<(Net, Net), HandsError> {
        let library = crate::models::ModelPaths::new(&self.dir).onnxruntime();
        Ok((
            Net::load(engine, &self.model(engine, "palm_detection_full"), &library)?,
            Net::load(engine, &self.model(engine, "hand_landmark_full"), &library)?,
        ))
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
    palm_net: Net,
    landmark_net: Net,
    /// Why the engine asked for is not the one running (ONNX Runtime missing: OpenCV instead).
    fallback: Option<String>,
    anchors: Vec<[f32; 2]>,
    max_hands: usize,
    /// The crops to look in next frame: the hands being followed.
    tracked: Vec<Roi>,
    /// Searches made while no hand is followed: every other one looks closer at a quarter of
    /// the frame, so that a far hand (too small for the detector in the whole frame) is found.
    searches: usize,
    /// When to search while no hand is followed.
    searcher: Searcher,
}

/// The quarters searched for far hands, as (x, y) of their top-left corner in frame fractions;
/// each is 0.6 of the frame wide and high, so they overlap.
const QUARTERS: [(f32, f32); 4] = [(0.2, 0.1), (0.0, 0.0), (0.4, 0.0), (0.2, 0.4)];
const QUARTER: f32 = 0.6;

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
    /// Loads the models on the engine asked for; when that is ONNX Runtime and it cannot be
    /// loaded (library or models missing), on OpenCV, saying why in the log and in `fallback()`.
    pub fn load(models: &HandModels, max_hands: usize) -> Result<HandTracker, HandsError> {
        let (nets, fallback) = match models.load(models.engine) {
            Ok(nets) => (nets, None),
            Err(e) if models.engine != Engine::OpenCv => {
                let why = format!("{} could not run the hand models ({e}); using OpenCV DNN", models.engine.name());
                tracing::warn!("{why}");
                (models.load(Engine::OpenCv)?, Some(why))
            }
            Err(e) => return Err(e),
        };
        Ok(HandTracker {
            palm_net: nets.0,
            landmark_net: nets.1,
            fallback,
            anchors: palm::anchors(),
            max_hands: max_hands.max(1),
            tracked: Vec::new(),
            searches: 0,
            searcher: Searcher::new(Search::default()),
        })
    }

    /// The engine running the models.
    pub fn engine(&self) -> Engine {
        self.palm_net.engine()
    }

    /// Why the engine running is not the one asked for, if it is not.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }

    /// How often to look for a hand while none is followed.
    pub fn set_search(&mut self, search: Search) {
        self.searcher = Searcher::new(search);
    }

    /// Forgets the hands being followed (a new video, a camera that came back).
    pub fn reset(&mut self) {
        self.tracked.clear();
        self.searches = 0;
        self.searcher.reset();
    }

    /// The hands in a frame (BGR, gray or BGRA, any size), in MediaPipe's convention.
    pub fn hands(&mut self, frame: &Mat) -> Result<(Vec<Hand>, FrameWork), HandsError> {
        let image = to_bgr(frame)?;
        let mut work = FrameWork::default();
        let mut rois = std::mem::take(&mut self.tracked);
        if rois.is_empty() {
            if !self.searcher.due(&image)? {
                return Ok((Vec::new(), work));
            }
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
            // When the hand is lost, look again at once.
            self.searcher.reset();
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
        let outputs = self.palm_net.run(&blob)?;
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
        let outputs = self.landmark_net.run(&blob)?;
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
