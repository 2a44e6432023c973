//! Where frames come from: a video file (anything FFmpeg reads, animated GIFs too), a folder of
//! images, or a camera. Each frame comes with its time in milliseconds.

use opencv::core::Mat;
use opencv::prelude::*;
use opencv::{imgcodecs, videoio};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot open the video {0}: it is missing, or not a video OpenCV (FFmpeg) can read; try `ffprobe` on it, or convert it to MJPG .avi or .mp4")]
    Video(PathBuf),
    #[error("cannot read the folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("{0} holds no images (.jpg, .jpeg, .png, .bmp)")]
    NoImages(PathBuf),
    #[error("no camera {0}: check `gestures.camera` in the config and that the camera is plugged in (ls /dev/video*)")]
    Camera(String),
    #[error("OpenCV: {0}")]
    OpenCv(#[from] opencv::Error),
}

/// One frame and when it was taken.
pub struct Frame {
    pub t_ms: u64,
    pub image: Mat,
}

pub enum Frames {
    Video { capture: videoio::VideoCapture, frame_ms: f64, index: u64 },
    Images { files: Vec<PathBuf>, frame_ms: f64, index: usize },
}

/// The frames of a video file, timed by its frame rate (30 fps when it has none).
pub fn video(path: &Path) -> Result<Frames, SourceError> {
    if !path.is_file() {
        return Err(SourceError::Video(path.to_path_buf()));
    }
    let capture = videoio::VideoCapture::from_file(path, videoio::CAP_ANY)
        .ok()
        .filter(|c| c.is_opened().unwrap_or(false))
        .ok_or_else(|| SourceError::Video(path.to_path_buf()))?;
    let fps = capture.get(videoio::CAP_PROP_FPS).unwrap_or(0.0);
    let fps = if fps.is_finite() && (1.0..=240.0).contains(&fps) { fps } else { 30.0 };
    Ok(Frames::Video { capture, frame_ms: 1000.0 / fps, index: 0 })
}

/// The images of a folder in name order, `fps` apart.
pub fn images(dir: &Path, fps: f64) -> Result<Frames, SourceError> {
    let read = std::fs::read_dir(dir).map_err(|source| SourceError::Folder { path: dir.to_path_buf(), source })?;
    let mut files: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
            matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "bmp")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(SourceError::NoImages(dir.to_path_buf()));
    }
    Ok(Frames::Images { files, frame_ms: 1000.0 / fps.max(0.1), index: 0 })
}

/// A camera by index ("0") or device path ("/dev/video2").
pub fn camera(device: &str) -> Result<videoio::VideoCapture, SourceError> {
    let capture = match device.parse::<i32>() {
        Ok(index) if Path::new(&format!("/dev/video{index}")).exists() => {
            videoio::VideoCapture::new(index, videoio::CAP_V4L2)
        }
        // A device or a stream file: asked for only when it is there (OpenCV would print its
        // backends' complaints every time it is retried).
        Err(_) if Path::new(device).exists() => videoio::VideoCapture::from_file(device, videoio::CAP_ANY),
        _ => return Err(SourceError::Camera(device.to_string())),
    };
    capture.ok().filter(|c| c.is_opened().unwrap_or(false)).ok_or_else(|| SourceError::Camera(device.to_string()))
}

impl Iterator for Frames {
    /// A frame, or a frame that could not be read (the caller says so and goes on).
    type Item = Result<Frame, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Frames::Video { capture, frame_ms, index } => {
                let mut image = Mat::default();
                match capture.read(&mut image) {
                    Ok(true) if !image.empty() => {}
                    _ => return None,
                }
                let t_ms = (*index as f64 * *frame_ms).round() as u64;
                *index += 1;
                Some(Ok(Frame { t_ms, image }))
            }
            Frames::Images { files, frame_ms, index } => {
                let file = files.get(*index)?.clone();
                let t_ms = (*index as f64 * *frame_ms).round() as u64;
                *index += 1;
                let image = imgcodecs::imread(&file, imgcodecs::IMREAD_UNCHANGED);
                Some(match image {
                    Ok(image) if !image.empty() => Ok(Frame { t_ms, image }),
                    _ => Err(format!("{} is not an image OpenCV can read; skipped", file.display())),
                })
            }
        }
    }
}
