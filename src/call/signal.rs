//! The signaling messages between the service and the browser pages (an official's page and
//! the wall), as JSON text frames over the service's WebSocket. Parsing is strict and bounded:
//! anything a browser (or anyone) sends is checked here before it reaches WebRTC, and a bad
//! message is an error that says what was wrong, never a panic. `fuzz/` runs [`parse`].

use serde::{Deserialize, Serialize};

/// The longest SDP we accept: a real audio+video offer is 3–6 KB.
pub const MAX_SDP: usize = 32 * 1024;
/// The longest ICE candidate line.
pub const MAX_CANDIDATE: usize = 1024;
/// The longest WebSocket text frame a page may send.
pub const MAX_MESSAGE: usize = 40 * 1024;

/// What a page sends. `call` is the leg id the service gave in `ring` / `offer`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// An official's availability: "available", or "busy" (do not disturb).
    Presence { status: String },
    /// The official accepts the ringing call.
    Accept { call: String },
    /// The official declines the ringing call.
    Decline { call: String },
    /// The official ends the call.
    HangUp { call: String },
    /// The SDP answer to the service's offer.
    Answer { call: String, sdp: String },
    /// A trickled ICE candidate.
    Candidate { call: String, candidate: Candidate },
}

/// The browser's `RTCIceCandidateInit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub candidate: String,
    #[serde(default)]
    pub sdp_mid: Option<String>,
    #[serde(default, rename = "sdpMLineIndex")]
    pub sdp_mline_index: Option<u16>,
    #[serde(default)]
    pub username_fragment: Option<String>,
}

/// What the service sends to a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// On connect: who this page is for.
    Hello {
        official: serde_json::Value,
        presence: String,
        ice_servers: serde_json::Value,
    },
    /// An incoming call from the office.
    Ring {
        call: String,
        from: String,
    },
    Offer {
        call: String,
        sdp: String,
    },
    Candidate {
        call: String,
        candidate: Candidate,
    },
    /// The leg's state: "connecting", "connected", "reconnecting".
    State {
        call: String,
        state: String,
    },
    /// The leg ended, and why ("hung_up", "declined", "no_answer", "network_lost", …).
    Ended {
        call: String,
        reason: String,
    },
    /// The message before was not accepted; the page stays connected.
    Error {
        message: String,
    },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SignalError {
    #[error("a signaling message is at most {MAX_MESSAGE} bytes (got {0})")]
    TooLong(usize),
    #[error("not a signaling message: {0}; send JSON like {{\"type\": \"accept\", \"call\": \"…\"}}")]
    Json(String),
    #[error("presence is \"available\" or \"busy\", not `{0}`")]
    Presence(String),
    #[error("the call id `{0}` is not one this service gave (letters, digits and '-', at most 64)")]
    CallId(String),
    #[error("the SDP is not a session description: {0}")]
    Sdp(String),
    #[error("the ICE candidate is not valid: {0}")]
    Candidate(String),
}

/// Parses and checks one text frame from a page.
pub fn parse(text: &str) -> Result<ClientMessage, SignalError> {
    if text.len() > MAX_MESSAGE {
        return Err(SignalError::TooLong(text.len()));
    }
    let message: ClientMessage = serde_json::from_str(text).map_err(|e| SignalError::Json(e.to_string()))?;
    match &message {
        ClientMessage::Presence { status } => {
            if !matches!(status.as_str(), "available" | "busy") {
                return Err(SignalError::Presence(status.chars().take(40).collect()));
            }
        }
        ClientMessage::Accept { call } | ClientMessage::Decline { call } | ClientMessage::HangUp { call } => {
            check_call_id(call)?
        }
        ClientMessage::Answer { call, sdp } => {
            check_call_id(call)?;
            check_sdp(sdp)?;
        }
        ClientMessage::Candidate { call, candidate } => {
            check_call_id(call)?;
            check_candidate(candidate)?;
        }
    }
    Ok(message)
}

fn check_call_id(id: &str) -> Result<(), SignalError> {
    let ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(SignalError::CallId(id.chars().take(64).collect()))
    }
}

/// A cheap structural check before the SDP parser sees it: bounded, starts with `v=0`, has an
/// origin and at least one media section, and no NUL bytes.
fn check_sdp(sdp: &str) -> Result<(), SignalError> {
    if sdp.len() > MAX_SDP {
        return Err(SignalError::Sdp(format!("{} bytes, more than {MAX_SDP}", sdp.len())));
    }
    if !sdp.starts_with("v=0") {
        return Err(SignalError::Sdp("it does not start with `v=0`".into()));
    }
    if !sdp.contains("\no=") || !sdp.contains("\nm=") {
        return Err(SignalError::Sdp("it has no `o=` origin or no `m=` media section".into()));
    }
    if sdp.contains('\0') {
        return Err(SignalError::Sdp("it contains a NUL byte".into()));
    }
    Ok(())
}

/// `candidate:<foundation> <component> <udp|tcp> <priority> <address> <port> typ <type> …`, or
/// the empty end-of-candidates marker.
fn check_candidate(c: &Candidate) -> Result<(), SignalError> {
    if c.candidate.len() > MAX_CANDIDATE {
        return Err(SignalError::Candidate(format!("longer than {MAX_CANDIDATE} bytes")));
    }
    if c.candidate.is_empty() {
        return Ok(());
    }
    let line = c.candidate.strip_prefix("a=").unwrap_or(&c.candidate);
    let fields: Vec<&str> = line.split_whitespace().collect();
    let ok = fields.len() >= 8
        && fields[0].starts_with("candidate:")
        && fields[1].parse::<u16>().is_ok()
        && matches!(fields[2].to_ascii_lowercase().as_str(), "udp" | "tcp")
        && fields[3].parse::<u32>().is_ok()
        && fields[5].parse::<u16>().is_ok()
        && fields[6] == "typ";
    if ok {
        Ok(())
    } else {
        Err(SignalError::Candidate("expected `candidate:F C udp|tcp PRIORITY ADDRESS PORT typ TYPE`".into()))
    }
}

/// The address of a candidate line (None for the end-of-candidates marker or a malformed line).
pub fn candidate_address(c: &Candidate) -> Option<&str> {
    let line = c.candidate.strip_prefix("a=").unwrap_or(&c.candidate);
    line.split_whitespace().nth(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";

    #[test]
    fn good_messages_parse() {
        let answer = serde_json::json!({"type": "answer", "call": "c1-transportation", "sdp": SDP}).to_string();
        assert!(matches!(parse(&answer), Ok(ClientMessage::Answer { .. })));
        let cand = r#"{"type":"candidate","call":"c1","candidate":{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0}}"#;
        let Ok(ClientMessage::Candidate { candidate, .. }) = parse(cand) else { panic!("candidate") };
        assert_eq!(candidate_address(&candidate), Some("127.0.0.1"));
        assert_eq!(
            parse(r#"{"type":"presence","status":"busy"}"#),
            Ok(ClientMessage::Presence { status: "busy".into() })
        );
    }

    #[test]
    fn bad_messages_name_the_problem() {
        let cases = [
            ("garbage", "not a signaling message"),
            (r#"{"type":"answer","call":"c1","sdp":"hello"}"#, "does not start with `v=0`"),
            (r#"{"type":"answer","call":"c1","sdp":"v=0\r\n"}"#, "no `o=` origin"),
            (r#"{"type":"accept","call":"../../etc"}"#, "not one this service gave"),
            (r#"{"type":"presence","status":"asleep"}"#, "\"available\" or \"busy\""),
            (r#"{"type":"candidate","call":"c1","candidate":{"candidate":"candidate:x"}}"#, "expected `candidate:"),
            (r#"{"type":"accept","call":"c1","extra":1}"#, "unknown field"),
            (r#"{"type":"dial","call":"c1"}"#, "unknown variant"),
        ];
        for (text, want) in cases {
            let err = parse(text).expect_err(text).to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
        assert_eq!(parse(&"x".repeat(MAX_MESSAGE + 1)), Err(SignalError::TooLong(MAX_MESSAGE + 1)));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_parsed_or_refused_without_panic(text in ".{0,400}") {
            let _ = parse(&text);
        }

        #[test]
        fn any_candidate_line_is_checked_without_panic(line in "(candidate:)?[ -~]{0,120}") {
            let c = Candidate { candidate: line, sdp_mid: None, sdp_mline_index: None, username_fragment: None };
            let _ = check_candidate(&c);
            let _ = candidate_address(&c);
        }
    }
}
