//! Arbitrary text as a command template (`grammars/<lang>/*.toml`): a parsed template or an
//! error that says where, never a panic. Run: `cargo +nightly fuzz run template -- -runs=1000000`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = scpm::grammar::template::parse(text);
});
