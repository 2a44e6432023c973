//! Gesture figures on the real hand models, one core, 640 × 480, for both engines side by side in
//! one run (OpenCV DNN and ONNX Runtime, on the same frames):
//! - following a hand: frames per second, per-frame median and p95, the share of frames that ran
//!   palm detection, and the latency from the end of a swipe (the last frame of the movement) to
//!   its event. The clip is made from a real hand photo (tests/data/hands/halfcurl.jpg: a hand
//!   that is neither a fist, which would grab the map, nor pointing, which would move the
//!   cursor): still, a swipe, still, a swipe back, still — twice;
//! - no hand in view: frames per second on an empty wall and on a scene that moves (a shape
//!   crossing the frame, as a person walking by), with palm detection on every frame (the old
//!   policy) and on motion (the product's);
//! - a hand appearing: the time from the first frame it is in view to its first landmarks, over
//!   appearances at 12 different moments (so every phase of the search cycle is met);
//! - memory: resident size added by loading each engine's models and running a frame, and the
//!   peak of the run (the clips' frames included).
//!
//! Run: `cargo bench --bench gestures` (needs `scpm models prepare`).

#[path = "../tests/common/video.rs"]
#[allow(dead_code)]
mod video;

use opencv::core::{Mat, Rect, Scalar};
use opencv::imgproc;
use scpm::gesture::engine::Engine;
use scpm::gesture::hands::{HandModels, HandTracker};
use scpm::gesture::search::Search;
use scpm::gesture::{Catalog, HandFrame, Recognizer};
use std::path::Path;
use std::time::Instant;

const FPS: f64 = 30.0;
const FRAME_MS: f64 = 1000.0 / FPS;

fn with_photo(photo: &Mat, x: i32) -> Mat {
    let mut f = video::canvas(640, 480);
    video::paste(&mut f, photo, 0.4, x, 100);
    f
}

/// The swipe clip, with where each swipe's movement ends (frame index).
fn swipe_clip(photo: &Mat) -> (Vec<Mat>, Vec<usize>) {
    let mut frames = Vec::new();
    let mut ends = Vec::new();
    for _ in 0..2 {
        for (from, to) in [(20, 320), (320, 20)] {
            frames.extend((0..30).map(|_| with_photo(photo, from)));
            frames.extend((0..15).map(|i| with_photo(photo, from + (to - from) * i / 14)));
            ends.push(frames.len() - 1);
        }
        frames.extend((0..30).map(|_| with_photo(photo, 20)));
    }
    (frames, ends)
}

/// A scene with no hand that moves: a dark shape crossing the wall.
fn passer_by(i: i32) -> Mat {
    let mut f = video::canvas(640, 480);
    let x = (i * 12) % 700 - 60;
    let _ = imgproc::rectangle(&mut f, Rect::new(x, 120, 70, 300), Scalar::new(60.0, 70.0, 90.0, 0.0), -1, 8, 0);
    f
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn rss_kb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0)
}

/// Frames per second over frames with no hand.
fn idle_fps(tracker: &mut HandTracker, frames: &[Mat], search: Search) -> anyhow::Result<f64> {
    tracker.set_search(search);
    tracker.reset();
    let started = Instant::now();
    for f in frames {
        tracker.hands(f)?;
    }
    Ok(frames.len() as f64 / started.elapsed().as_secs_f64())
}

/// Milliseconds from a hand's first frame in view to its first landmarks, one per appearance.
fn appearances(tracker: &mut HandTracker, photo: &Mat, search: Search) -> anyhow::Result<Vec<f64>> {
    tracker.set_search(search);
    let mut times = Vec::new();
    for lead in 18..30 {
        tracker.reset();
        // Someone walks by, then the hand comes up and stays.
        for i in 0..lead {
            tracker.hands(&passer_by(i))?;
        }
        let hand = with_photo(photo, 200);
        for k in 0..20 {
            let started = Instant::now();
            let (hands, _) = tracker.hands(&hand)?;
            if !hands.is_empty() {
                times.push(k as f64 * FRAME_MS + started.elapsed().as_secs_f64() * 1000.0);
                break;
            }
        }
    }
    Ok(times)
}

fn bench(engine: Engine, photo: &Mat) -> anyhow::Result<()> {
    let before = rss_kb("VmRSS");
    let models = HandModels::in_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).on(engine);
    let mut tracker = HandTracker::load(&models, 2)?;
    println!("\n{} (running: {})", engine.name(), tracker.engine().name());
    if let Some(why) = tracker.fallback() {
        println!("  {why}");
    }
    tracker.hands(&with_photo(photo, 200))?;
    println!("  memory for the loaded models, after a frame: {:.0} MB", (rss_kb("VmRSS") - before) / 1024.0);
    let (frames, ends) = swipe_clip(photo);
    let mut per_frame = Vec::new();
    let mut palm_runs = 0usize;
    let mut latencies = Vec::new();
    let mut total_ms = 0.0;
    let rounds = 3;
    for _ in 0..rounds {
        tracker.reset();
        let mut recognizer = Recognizer::new(Catalog::load(&Catalog::default_path())?, false);
        let mut next_end = ends.iter().peekable();
        for (i, image) in frames.iter().enumerate() {
            let t_ms = (i as f64 * FRAME_MS).round() as u64;
            let started = Instant::now();
            let (hands, work) = tracker.hands(image)?;
            let step = recognizer.feed(&HandFrame { t_ms, width: 640, height: 480, hands });
            let took = started.elapsed().as_secs_f64() * 1000.0;
            per_frame.push(took);
            total_ms += took;
            palm_runs += usize::from(work.palm_detection);
            for _swipe in step.events.iter().filter(|e| e.gesture.starts_with("swipe")) {
                // The event's frame, from the end of the movement, plus the time to process it.
                let Some(end) = next_end.next() else { continue };
                latencies.push(t_ms as f64 - *end as f64 * FRAME_MS + took);
            }
        }
    }
    let n = per_frame.len();
    println!(
        "  following a hand: {:.1} frames/s   per frame: median {:.1} ms, p95 {:.1} ms   palm detection on {:.1}% of {n} frames",
        n as f64 / (total_ms / 1000.0),
        pct(&mut per_frame.clone(), 0.5),
        pct(&mut per_frame, 0.95),
        palm_runs as f64 * 100.0 / n as f64
    );
    if latencies.is_empty() {
        println!("  swipes: none recognized (the clip has {})", ends.len() * rounds);
    } else {
        println!(
            "  swipe end → event: median {:.0} ms, max {:.0} ms over {} swipes of {}",
            pct(&mut latencies.clone(), 0.5),
            latencies.iter().cloned().fold(f64::MIN, f64::max),
            latencies.len(),
            ends.len() * rounds
        );
    }
    let empty: Vec<Mat> = (0..90).map(|_| video::canvas(640, 480)).collect();
    let moving: Vec<Mat> = (0..90).map(passer_by).collect();
    for search in [Search::EveryFrame, Search::OnMotion] {
        let still = idle_fps(&mut tracker, &empty, search)?;
        let walking = idle_fps(&mut tracker, &moving, search)?;
        let mut appear = appearances(&mut tracker, photo, search)?;
        println!(
            "  no hand, search {:<10}: empty wall {still:6.1} frames/s, someone walking by {walking:6.1} frames/s   hand appears → landmarks: median {:.0} ms, max {:.0} ms ({} of 12 found)",
            format!("{search:?}"),
            pct(&mut appear.clone(), 0.5),
            pct(&mut appear, 1.0),
            appear.len(),
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    opencv::core::set_num_threads(1)?;
    let photo = video::read(&video::photo("halfcurl.jpg"));
    println!("gestures on the real models, one core, 640×480");
    for engine in [Engine::OpenCv, Engine::OnnxRuntime] {
        bench(engine, &photo)?;
    }
    println!("\npeak memory of the run: {:.0} MB", rss_kb("VmHWM") / 1024.0);
    Ok(())
}
