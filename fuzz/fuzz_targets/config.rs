//! Arbitrary text as `scpm.toml`: every answer is a config or an error that names the problem,
//! never a panic. Run: `cargo +nightly fuzz run config -- -runs=1000000`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scpm::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = Config::parse(text, std::path::Path::new("scpm.toml")) {
        assert!(!e.to_string().is_empty());
    }
});
