//! When to look for a hand while none is followed. Palm detection is the costliest step of a
//! frame, and with nobody's hand up it would run on every frame. A hand that comes up moves the
//! scene, so the search runs on a frame after the scene moved (at most every other frame), and
//! still every few frames when nothing moves (a hand held still as the tracker lost it). The
//! motion test is a 80 × 60 grey thumbnail compared with the last frame's: well under a
//! millisecond.

use opencv::core::{self, Mat, Size};
use opencv::imgproc;

/// How often the palm detector runs while no hand is followed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Search {
    /// On every frame (what the product did before the motion test; for the bench).
    EveryFrame,
    /// After motion, at most every other frame; at least every `STILL_GAP` frames.
    #[default]
    OnMotion,
}

/// Frames between searches while the scene moves.
const MOVING_GAP: usize = 2;
/// Frames between searches while nothing moves.
const STILL_GAP: usize = 4;
const THUMB: (i32, i32) = (80, 60);
/// A thumbnail pixel whose grey level changed by more than this has moved.
const PIXEL_CHANGE: f64 = 25.0;
/// The scene moved when at least this many thumbnail pixels did (a raised arm at 3–4 m is more).
const MOVED_PIXELS: i32 = 8;

pub struct Searcher {
    search: Search,
    /// The last frame's thumbnail.
    last: Option<Mat>,
    /// Frames seen since the last search.
    since: usize,
    /// Whether the scene moved since the last search.
    moved: bool,
}

impl Searcher {
    pub fn new(search: Search) -> Searcher {
        Searcher { search, last: None, since: STILL_GAP, moved: false }
    }

    /// Forgets the scene: the next frame is searched (a new video, a hand just lost).
    pub fn reset(&mut self) {
        self.last = None;
        self.since = STILL_GAP;
        self.moved = false;
    }

    /// Whether to search this frame (BGR).
    pub fn due(&mut self, image: &Mat) -> Result<bool, opencv::Error> {
        if self.search == Search::EveryFrame {
            return Ok(true);
        }
        let mut small = Mat::default();
        imgproc::resize(image, &mut small, Size::new(THUMB.0, THUMB.1), 0.0, 0.0, imgproc::INTER_AREA)?;
        let mut grey = Mat::default();
        imgproc::cvt_color(&small, &mut grey, imgproc::COLOR_BGR2GRAY, 0)?;
        if let Some(last) = &self.last {
            let mut diff = Mat::default();
            core::absdiff(last, &grey, &mut diff)?;
            let mut changed = Mat::default();
            imgproc::threshold(&diff, &mut changed, PIXEL_CHANGE, 255.0, imgproc::THRESH_BINARY)?;
            self.moved |= core::count_non_zero(&changed)? >= MOVED_PIXELS;
        }
        self.last = Some(grey);
        self.since += 1;
        let due = self.since >= STILL_GAP || (self.moved && self.since >= MOVING_GAP);
        if due {
            self.since = 0;
            self.moved = false;
        }
        Ok(due)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use opencv::core::{Rect, Scalar, CV_8UC3};

    fn frame(box_x: Option<i32>) -> Mat {
        let mut f = Mat::new_rows_cols_with_default(480, 640, CV_8UC3, Scalar::all(40.0)).unwrap();
        if let Some(x) = box_x {
            imgproc::rectangle(&mut f, Rect::new(x, 200, 60, 120), Scalar::all(220.0), -1, imgproc::LINE_8, 0).unwrap();
        }
        f
    }

    fn pattern(searcher: &mut Searcher, frames: &[Mat]) -> String {
        frames.iter().map(|f| if searcher.due(f).unwrap() { 'S' } else { '.' }).collect()
    }

    #[test]
    fn a_still_scene_is_searched_every_few_frames_and_a_moving_one_every_other() {
        let mut searcher = Searcher::new(Search::OnMotion);
        let still: Vec<Mat> = (0..9).map(|_| frame(None)).collect();
        assert_eq!(pattern(&mut searcher, &still), "S...S...S");
        let moving: Vec<Mat> = (0..6).map(|i| frame(Some(50 + 60 * i))).collect();
        // The first moving frame comes one after a search: it waits one frame.
        assert_eq!(pattern(&mut searcher, &moving), ".S.S.S");
        searcher.reset();
        assert_eq!(pattern(&mut searcher, &still[..2]), "S.");
        let mut every = Searcher::new(Search::EveryFrame);
        assert_eq!(pattern(&mut every, &still[..3]), "SSS");
    }
}
