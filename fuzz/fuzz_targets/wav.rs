//! Arbitrary bytes as a WAV file (what `scpm listen`, `serve --audio-file` and a `file:` input
//! device read): samples or an error, never a panic, and never more samples than the bytes can
//! hold once resampled to 16 kHz. Run: `cargo +nightly fuzz run wav -- -runs=1000000`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut samples = 0usize;
    let result = scpm::audio::wav::stream_reader(std::io::Cursor::new(data), "fuzz.wav", &mut |chunk| {
        samples += chunk.len();
        samples < 50_000_000
    });
    if let Ok(info) = result {
        let _ = info;
    }
});
