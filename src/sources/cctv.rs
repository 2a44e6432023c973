//! Simulated CCTV: a moving test pattern per camera, as JPEG frames, stamped "SIMULATED" with
//! the camera id and the time, so that nobody mistakes it for a live picture. A real deployment
//! replaces this with the city's video management system behind the same endpoint.

use super::canvas::{Canvas, BARS};
use chrono::{DateTime, Timelike, Utc};

pub const WIDTH: usize = 320;
pub const HEIGHT: usize = 180;
/// Frames per second of a stream: enough to see motion, cheap on two cores.
pub const FPS: u32 = 5;

#[derive(Debug, thiserror::Error)]
#[error("cannot encode a CCTV test frame: {0}")]
pub struct FrameError(String);

/// Frame `frame` of camera `camera_id` (e.g. "cctv-0042") at time `at`, as a JPEG.
pub fn test_frame(camera_id: &str, frame: u64, at: DateTime<Utc>) -> Result<Vec<u8>, FrameError> {
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    let bar = WIDTH / BARS.len() + 1;
    for (i, colour) in BARS.iter().enumerate() {
        canvas.fill(i * bar, 0, bar, HEIGHT * 2 / 3, *colour);
    }
    canvas.fill(0, HEIGHT * 2 / 3, WIDTH, HEIGHT / 3, [24, 24, 32]);
    // The motion: a white block crossing the bars, a different phase per camera.
    let phase: u64 = camera_id.bytes().map(u64::from).sum();
    let x = ((frame + phase) * 8 % WIDTH as u64) as usize;
    canvas.fill(x, HEIGHT / 3 - 12, 24, 24, [255, 255, 255]);
    let kst = at + chrono::Duration::hours(9);
    let clock = format!("{:02}:{:02}:{:02}", kst.hour(), kst.minute(), kst.second());
    canvas.text(6, HEIGHT * 2 / 3 + 6, 2, "SIMULATED", [255, 200, 60]);
    canvas.text(6, HEIGHT * 2 / 3 + 26, 2, &camera_id.to_ascii_uppercase(), [230, 230, 230]);
    canvas.text(WIDTH - 6 - 8 * 12, HEIGHT * 2 / 3 + 26, 2, &clock, [230, 230, 230]);
    let mut jpeg = Vec::with_capacity(16 * 1024);
    let encoder = jpeg_encoder::Encoder::new(&mut jpeg, 70);
    encoder
        .encode(&canvas.rgb, WIDTH as u16, HEIGHT as u16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| FrameError(e.to_string()))?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_jpegs_that_move() {
        let at = Utc::now();
        let a = test_frame("cctv-0001", 0, at).expect("encodes");
        let b = test_frame("cctv-0001", 3, at).expect("encodes");
        assert_eq!(&a[..2], &[0xFF, 0xD8], "JPEG start of image");
        assert_eq!(&a[a.len() - 2..], &[0xFF, 0xD9], "JPEG end of image");
        assert_ne!(a, b, "the pattern moves from frame to frame");
    }
}
