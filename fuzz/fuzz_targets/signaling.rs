//! Every signaling message a browser (or anyone) can send over the call sockets goes through
//! `call::signal::parse` first; it must refuse garbage with an error, never panic, and what it
//! accepts must be bounded. Run: `cargo +nightly fuzz run signaling -- -max_total_time=60`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scpm::call::signal::{self, ClientMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(message) = signal::parse(text) {
        match message {
            ClientMessage::Answer { sdp, .. } => assert!(sdp.len() <= signal::MAX_SDP && sdp.starts_with("v=0")),
            ClientMessage::Candidate { candidate, .. } => {
                assert!(candidate.candidate.len() <= signal::MAX_CANDIDATE);
                let _ = signal::candidate_address(&candidate);
            }
            _ => {}
        }
    }
});
