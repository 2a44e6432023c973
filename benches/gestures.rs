//! Gesture figures on the real hand models, one core: frames per second at 640 × 480 with
//! tracking, the share of frames that ran palm detection, and the latency from the end of a
//! swipe (the last frame of the movement) to its event. The clip is made from a real hand photo
//! (tests/data/hands/halfcurl.jpg: a hand that is neither a fist, which would grab the map, nor
//! pointing, which would move the cursor): still, a swipe, still, a swipe back, still — twice.
//! Run: `cargo bench --bench gestures` (needs `scpm models prepare`).

#[path = "../tests/common/video.rs"]
#[allow(dead_code)]
mod video;

use opencv::core::Mat;
use scpm::gesture::hands::{HandModels, HandTracker};
use scpm::gesture::{Catalog, HandFrame, Recognizer};
use std::path::Path;
use std::time::Instant;

const FPS: f64 = 30.0;

/// The frames of the clip, with where each swipe's movement ends (frame index).
fn clip() -> (Vec<Mat>, Vec<usize>) {
    let photo = video::read(&video::photo("halfcurl.jpg"));
    let mut frames = Vec::new();
    let mut ends = Vec::new();
    let frame_at = |x: i32| {
        let mut f = video::canvas(640, 480);
        video::paste(&mut f, &photo, 0.4, x, 100);
        f
    };
    for _ in 0..2 {
        for (from, to) in [(20, 320), (320, 20)] {
            frames.extend((0..30).map(|_| frame_at(from)));
            frames.extend((0..15).map(|i| frame_at(from + (to - from) * i / 14)));
            ends.push(frames.len() - 1);
        }
        frames.extend((0..30).map(|_| frame_at(20)));
    }
    (frames, ends)
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    opencv::core::set_num_threads(1)?;
    let models = HandModels::in_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    let mut tracker = HandTracker::load(&models, 2)?;
    let (frames, ends) = clip();
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
            let t_ms = (i as f64 * 1000.0 / FPS).round() as u64;
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
                let end_ms = *end as f64 * 1000.0 / FPS;
                latencies.push(t_ms as f64 - end_ms + took);
            }
        }
    }
    let n = per_frame.len();
    println!(
        "gestures on the real models, one core, 640×480, {n} frames ({rounds} rounds of a {}-frame clip)",
        frames.len()
    );
    println!(
        "  frames per second (tracking on): {:.1}   per frame: median {:.1} ms, p95 {:.1} ms",
        n as f64 / (total_ms / 1000.0),
        pct(&mut per_frame.clone(), 0.5),
        pct(&mut per_frame, 0.95)
    );
    println!("  frames that ran palm detection: {:.1}% ({palm_runs} of {n})", palm_runs as f64 * 100.0 / n as f64);
    if latencies.is_empty() {
        println!("  swipes: none recognized (the clip has {})", ends.len() * rounds);
    } else {
        println!(
            "  swipe end → event: median {:.0} ms, max {:.0} ms over {} swipes of {} (negative: the event came before the movement ended)",
            pct(&mut latencies.clone(), 0.5),
            latencies.iter().cloned().fold(f64::MIN, f64::max),
            latencies.len(),
            ends.len() * rounds
        );
    }
    // With nobody in front of the wall, every frame looks for a palm.
    let empty = video::canvas(640, 480);
    let started = Instant::now();
    for _ in 0..60 {
        tracker.hands(&empty)?;
    }
    let empty_fps = 60.0 / started.elapsed().as_secs_f64();
    println!("  frames per second with no hand in view (palm detection on every frame): {empty_fps:.1}");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(rss) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!("  peak memory: {}", rss.trim_start_matches("VmHWM:").trim());
    }
    Ok(())
}
