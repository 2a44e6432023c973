//! A small RGB canvas with a 5×7 bitmap font, for the labelled test pictures the service makes
//! itself (simulated CCTV, the office's test pattern when it has no camera).

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
        'N' => [17, 25, 21, 19, 17, 17, 17],
        'O' => [14, 17, 17, 17, 17, 17, 14],
        'P' => [30, 17, 17, 30, 16, 16, 16],
        'R' => [30, 17, 17, 30, 20, 18, 17],
        'S' => [15, 16, 16, 14, 1, 1, 30],
        'T' => [31, 4, 4, 4, 4, 4, 4],
        'U' => [17, 17, 17, 17, 17, 17, 14],
        'V' => [17, 17, 17, 17, 17, 10, 4],
        _ => [0; 7],
    }
}

pub struct Canvas {
    pub width: usize,
    pub height: usize,
    /// RGB, 3 bytes a pixel, rows top to bottom.
    pub rgb: Vec<u8>,
}

impl Canvas {
    pub fn new(width: usize, height: usize) -> Canvas {
        Canvas { width, height, rgb: vec![0; width * height * 3] }
    }

    pub fn fill(&mut self, x0: usize, y0: usize, w: usize, h: usize, colour: [u8; 3]) {
        for y in y0..(y0 + h).min(self.height) {
            for x in x0..(x0 + w).min(self.width) {
                let i = (y * self.width + x) * 3;
                self.rgb[i..i + 3].copy_from_slice(&colour);
            }
        }
    }

    pub fn text(&mut self, x0: usize, y0: usize, scale: usize, text: &str, colour: [u8; 3]) {
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

    /// The picture as I420 (BT.601, studio range): the Y plane, then U and V at half size.
    /// Width and height must be even.
    pub fn to_i420(&self) -> Vec<u8> {
        let (w, h) = (self.width, self.height);
        let mut out = vec![0u8; w * h * 3 / 2];
        let (luma, chroma) = out.split_at_mut(w * h);
        let (u_plane, v_plane) = chroma.split_at_mut(w * h / 4);
        for y in 0..h {
            for x in 0..w {
                let i = (y * w + x) * 3;
                let (r, g, b) = (self.rgb[i] as i32, self.rgb[i + 1] as i32, self.rgb[i + 2] as i32);
                luma[y * w + x] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16).clamp(0, 255) as u8;
                if y % 2 == 0 && x % 2 == 0 {
                    let c = (y / 2) * (w / 2) + x / 2;
                    u_plane[c] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
                    v_plane[c] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
                }
            }
        }
        out
    }
}

/// SMPTE-like colour bars.
pub const BARS: [[u8; 3]; 7] =
    [[192, 192, 192], [192, 192, 0], [0, 192, 192], [0, 192, 0], [192, 0, 192], [192, 0, 0], [0, 0, 192]];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_and_black_convert_to_studio_range_luma() {
        let mut c = Canvas::new(4, 2);
        c.fill(0, 0, 2, 2, [255, 255, 255]);
        let yuv = c.to_i420();
        assert_eq!(yuv.len(), 12);
        assert_eq!((yuv[0], yuv[3]), (235, 16));
        assert_eq!((yuv[8], yuv[10]), (128, 128));
    }
}
