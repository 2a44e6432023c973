//! Test videos and pictures made with OpenCV from the real hand photos: a photo moved across
//! the frame (a swipe), a frame much larger or in gray, a picture without a hand.

use opencv::core::{Mat, Rect, Scalar, Size, Vector, CV_8UC3};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc, videoio};
use std::path::{Path, PathBuf};

pub fn photo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/hands").join(name)
}

/// A wall-coloured canvas.
pub fn canvas(width: i32, height: i32) -> Mat {
    Mat::new_rows_cols_with_default(height, width, CV_8UC3, Scalar::new(205.0, 212.0, 218.0, 0.0)).expect("canvas")
}

/// The photo, scaled, pasted with its top-left corner at (x, y) (clipped at the edges).
pub fn paste(canvas: &mut Mat, photo: &Mat, scale: f64, x: i32, y: i32) {
    let mut small = Mat::default();
    imgproc::resize(photo, &mut small, Size::new(0, 0), scale, scale, imgproc::INTER_AREA).expect("resize");
    let (cw, ch) = (canvas.cols(), canvas.rows());
    let (x0, y0) = (x.max(0), y.max(0));
    let (x1, y1) = ((x + small.cols()).min(cw), (y + small.rows()).min(ch));
    if x1 <= x0 || y1 <= y0 {
        return;
    }
    let part = small.roi(Rect::new(x0 - x, y0 - y, x1 - x0, y1 - y0)).expect("part").try_clone().expect("clone");
    let mut target = canvas.roi_mut(Rect::new(x0, y0, x1 - x0, y1 - y0)).expect("target");
    part.copy_to(&mut target).expect("copy");
}

pub fn read(path: &Path) -> Mat {
    imgcodecs::imread(path, imgcodecs::IMREAD_COLOR).expect("imread")
}

/// An MJPG .avi of the photo moving from `from` to `to` (top-left corners) in `frames` frames at
/// 30 fps, still for a sixth of a second before and after (less than a pose's hold).
pub fn moving_photo(out: &Path, name: &str, scale: f64, from: (i32, i32), to: (i32, i32), frames: i32) {
    let photo = read(&photo(name));
    let fourcc = videoio::VideoWriter::fourcc('M', 'J', 'P', 'G').expect("fourcc");
    let mut writer = videoio::VideoWriter::new(out, fourcc, 30.0, Size::new(640, 480), true).expect("writer");
    assert!(writer.is_opened().expect("opened"), "cannot write {}", out.display());
    let at = |i: i32| {
        let p = (i.clamp(0, frames - 1)) as f64 / (frames - 1) as f64;
        (from.0 + ((to.0 - from.0) as f64 * p) as i32, from.1 + ((to.1 - from.1) as f64 * p) as i32)
    };
    for i in -5..frames + 5 {
        let mut frame = canvas(640, 480);
        let (x, y) = at(i);
        paste(&mut frame, &photo, scale, x, y);
        writer.write(&frame).expect("write");
    }
    writer.release().expect("release");
}

/// A picture with no hand in it: stripes, circles and text on the wall colour.
pub fn no_hand(out: &Path) {
    let mut image = canvas(640, 480);
    for i in 0..8 {
        let colour = Scalar::new(40.0 * i as f64, 255.0 - 30.0 * i as f64, 120.0, 0.0);
        imgproc::rectangle(&mut image, Rect::new(i * 80, 0, 40, 480), colour, -1, imgproc::LINE_8, 0).expect("stripe");
        imgproc::circle(
            &mut image,
            opencv::core::Point::new(40 + i * 80, 240),
            30,
            Scalar::all(20.0),
            4,
            imgproc::LINE_AA,
            0,
        )
        .expect("circle");
    }
    imgproc::put_text(
        &mut image,
        "SEOUL 2026",
        opencv::core::Point::new(120, 420),
        imgproc::FONT_HERSHEY_SIMPLEX,
        2.0,
        Scalar::all(0.0),
        4,
        imgproc::LINE_AA,
        false,
    )
    .expect("text");
    imgcodecs::imwrite(out, &image, &Vector::new()).expect("imwrite");
}

/// A photo resting at each of `stops` (top-left corner, frames there) in turn, gliding between
/// them in half a second: a hand that points at one thing, then another.
pub fn resting_photo(out: &Path, name: &str, scale: f64, stops: &[((i32, i32), i32)]) {
    let photo = read(&photo(name));
    let fourcc = videoio::VideoWriter::fourcc('M', 'J', 'P', 'G').expect("fourcc");
    let mut writer = videoio::VideoWriter::new(out, fourcc, 30.0, Size::new(640, 480), true).expect("writer");
    assert!(writer.is_opened().expect("opened"), "cannot write {}", out.display());
    let mut write = |(x, y): (i32, i32)| {
        let mut frame = canvas(640, 480);
        paste(&mut frame, &photo, scale, x, y);
        writer.write(&frame).expect("write");
    };
    let mut last: Option<(i32, i32)> = None;
    for &(at, frames) in stops {
        if let Some(from) = last {
            for i in 1..15 {
                let p = f64::from(i) / 15.0;
                write((from.0 + (f64::from(at.0 - from.0) * p) as i32, from.1 + (f64::from(at.1 - from.1) * p) as i32));
            }
        }
        for _ in 0..frames {
            write(at);
        }
        last = Some(at);
    }
    writer.release().expect("release");
}
