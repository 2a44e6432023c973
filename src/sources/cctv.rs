//! Simulated CCTV: a moving test pattern per camera, as JPEG frames, stamped "SIMULATED" with
//! the camera id and the time, so that nobody mistakes it for a live picture. A real deployment
//! replaces this with the city's video management system behind the same endpoint.

use chrono::{DateTime, Timelike, Utc};

pub const WIDTH: usize = 320;
pub const HEIGHT: usize = 180;
/// Frames per second of a stream: enough to see motion, cheap on two cores.
pub const FPS: u32 = 5;

#[derive(Debug, thiserror::Error)]
#[error("cannot encode a CCTV test frame: {0}")]
pub struct FrameError(String);

/// SMPTE-like colour bars.
const BARS: [[u8; 3]; 7] =
    [[192, 192, 192], [192, 192, 0], [0, 192, 192], [0, 192, 0], [192, 0, 192], [192, 0, 0], [0, 0, 192]];

/// A 5×7 bitmap font for the characters the stamp uses; each row is 5 bits, MSB left.
fn glyph(c: char) -> [u8; 7] {
    match c {
        '0' => [14, 17, 19, 21, 25, 17, 14],
        '1' => [4, 12, 4, 4, 4, 4, 14],
        '2' => [14, 17, 1, 2, 4, 8, 31],
        '3' => [31, 2, 4, 2, 1, 17, 14],
        '4' => [2, 6, 10, 18, 31, 2, 2],
        '5' => [31, 16, 30, 1, 1, 17, 14],
        '6' => [6, 8, 16, 30, 17, 17, 14],
        '7' => [31, 1, 2, 4, 8, 8, 8],
        '8' => [14, 17, 17, 14, 17, 17, 14],
        '9' => [14, 17, 17, 15, 1, 2, 12],
        ':' => [0, 12, 12, 0, 12, 12, 0],
        '-' => [0, 0, 0, 31, 0, 0, 0],
        'A' => [14, 17, 17, 31, 17, 17, 17],
        'C' => [14, 17, 16, 16, 16, 17, 14],
        'D' => [30, 17, 17, 17, 17, 17, 30],
        'E' => [31, 16, 16, 30, 16, 16, 31],
        'I' => [14, 4, 4, 4, 4, 4, 14],
        'L' => [16, 16, 16, 16, 16, 16, 31],
        'M' => [17, 27, 21, 21, 17, 17, 17],
        'S' => [15, 16, 16, 14, 1, 1, 30],
        'T' => [31, 4, 4, 4, 4, 4, 4],
        'U' => [17, 17, 17, 17, 17, 17, 14],
        'V' => [17, 17, 17, 17, 17, 10, 4],
        _ => [0; 7],
    }
}

struct Canvas {
    rgb: Vec<u8>,
}

impl Canvas {
    fn fill(&mut self, x0: usize, y0: usize, w: usize, h: usize, colour: [u8; 3]) {
        for y in y0..(y0 + h).min(HEIGHT) {
            for x in x0..(x0 + w).min(WIDTH) {
                let i = (y * WIDTH + x) * 3;
                self.rgb[i..i + 3].copy_from_slice(&colour);
            }
        }
    }

    fn text(&mut self, x0: usize, y0: usize, scale: usize, text: &str, colour: [u8; 3]) {
        for (n, c) in text.chars().enumerate() {
            let g = glyph(c.to_ascii_uppercase());
            for (row, bits) in g.iter().enumerate() {
                for col in 0..5 {
                    if bits & (16 >> col) != 0 {
                        self.fill(x0 + (n * 6 + col) * scale, y0 + row * scale, scale, scale, colour);
                    }
                }
            }
        }
    }
}

/// Frame `frame` of camera `camera_id` (e.g. "cctv-0042") at time `at`, as a JPEG.
pub fn test_frame(camera_id: &str, frame: u64, at: DateTime<Utc>) -> Result<Vec<u8>, FrameError> {
    let mut canvas = Canvas { rgb: vec![0; WIDTH * HEIGHT * 3] };
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
