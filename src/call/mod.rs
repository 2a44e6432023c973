//! Video calls from the office to officials over WebRTC (webrtc-rs).
//!
//! The office side is the service: it sends the office's media (`media`) to each official's
//! browser and forwards what the official sends to every wall page (`pumps`), without
//! transcoding. One task, the manager (`manager`), owns the call state machine — legs that go
//! ringing → connecting → connected (→ reconnecting) → ended — and everything arrives there as
//! an [`Input`]: call actions from any modality, signaling from the pages (`signal`), and the
//! peer connections' events (`peer`). Every leg is in the call log before the wall shows it,
//! and every answer, decline and hang-up is audited.

mod legs;
pub mod manager;
pub mod media;
pub mod peer;
mod pumps;
pub mod signal;

use crate::action::{Action, OfficialRef};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::mpsc;

pub use manager::{spawn, ShowCall, Wiring};

/// The call log's end reason for a leg the service's own stop cut off (a crash, a power cut).
pub const INTERRUPTED: &str = "interrupted";
pub use signal::{ClientMessage, ServerMessage};

/// Where a page's messages go: the manager's input.
pub enum Input {
    Actions {
        actions: Vec<Action>,
        channel: crate::action::Channel,
    },
    OfficialJoined {
        official: String,
        conn: u64,
        out: mpsc::UnboundedSender<ServerMessage>,
    },
    OfficialLeft {
        official: String,
        conn: u64,
    },
    OfficialSaid {
        official: String,
        message: ClientMessage,
    },
    WallJoined {
        wall: u64,
        out: mpsc::UnboundedSender<ServerMessage>,
    },
    WallLeft {
        wall: u64,
    },
    WallSaid {
        wall: u64,
        message: ClientMessage,
    },
    /// A peer connection's event: `wall` is None for the official's own connection.
    Peer {
        leg: String,
        wall: Option<u64>,
        event: peer::PeerEvent,
    },
}

/// The handle the server keeps: cheap to clone, every method returns at once.
#[derive(Clone)]
pub struct Calls {
    tx: mpsc::UnboundedSender<Input>,
    media: media::OfficeMedia,
    secret: std::sync::Arc<String>,
    officials: std::sync::Arc<Vec<OfficialRef>>,
}

impl Calls {
    pub fn new(
        tx: mpsc::UnboundedSender<Input>,
        media: media::OfficeMedia,
        secret: String,
        officials: Vec<OfficialRef>,
    ) -> Calls {
        Calls { tx, media, secret: std::sync::Arc::new(secret), officials: std::sync::Arc::new(officials) }
    }

    /// The office microphone's audio (16 kHz mono), for the calls in progress.
    pub fn microphone(&self, samples: &[f32]) {
        self.media.feed_microphone(samples);
    }

    /// Whether a call wants the office camera's picture now.
    pub fn wants_camera(&self) -> bool {
        self.media.wants_video()
    }

    /// A camera frame (I420, 640 × 480) for the calls.
    pub fn camera(&self, i420: Vec<u8>) {
        self.media.feed_camera(i420);
    }

    pub fn send(&self, input: Input) {
        // The manager lives as long as the service; after shutdown there is nobody to tell.
        let _ = self.tx.send(input);
    }

    /// The actions of an audited command: the call ones place, end, mute or add to a call.
    pub fn execute(&self, actions: &[Action], channel: crate::action::Channel) {
        let relevant = call_actions(actions);
        if !relevant.is_empty() {
            self.send(Input::Actions { actions: relevant, channel });
        }
    }

    pub fn official(&self, id: &str) -> Option<&OfficialRef> {
        self.officials.iter().find(|o| o.id == id)
    }

    pub fn officials(&self) -> &[OfficialRef] {
        &self.officials
    }

    /// The official's own token: an HMAC of the id under the office secret, so the directory
    /// needs no token column and a new office token revokes every link at once.
    pub fn official_token(&self, id: &str) -> String {
        official_token(&self.secret, id)
    }

    /// Constant-time check of an official's token.
    pub fn token_matches(&self, id: &str, token: &str) -> bool {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()) else { return false };
        mac.update(b"scpm-official:");
        mac.update(id.as_bytes());
        let Some(bytes) = decode_hex(token) else { return false };
        bytes.len() == 16 && mac.verify_truncated_left(&bytes).is_ok()
    }
}

pub fn official_token(secret: &str, id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(b"scpm-official:");
    mac.update(id.as_bytes());
    mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    // Lower-case hex digits only: `from_str_radix` alone would take "+f" and upper case.
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_tokens_check_out_only_for_their_official() {
        let (tx, _rx) = mpsc::unbounded_channel();
        let calls = Calls::new(tx, media::OfficeMedia::new(), "office-secret".into(), vec![]);
        let token = calls.official_token("transportation");
        assert_eq!(token.len(), 32);
        assert!(calls.token_matches("transportation", &token));
        assert!(!calls.token_matches("mayor_mapo", &token));
        assert!(!calls.token_matches("transportation", "00"));
        assert!(!calls.token_matches("transportation", "ü"));
        // Strict hex: neither upper case nor a sign is the same token.
        assert!(!calls.token_matches("transportation", &token.to_uppercase()));
        let signed = format!("+{}", &token[1..]);
        assert!(!calls.token_matches("transportation", &signed));
        assert_ne!(official_token("another-secret", "transportation"), token);
    }
}

/// The actions a call bridge acts on: a call placed (not one still asked about), hang up, mute.
pub fn call_actions(actions: &[Action]) -> Vec<Action> {
    actions
        .iter()
        .filter(|a| {
            matches!(a, Action::Call { needs_confirmation: false, .. } | Action::HangUp | Action::Mute | Action::Unmute)
        })
        .cloned()
        .collect()
}
