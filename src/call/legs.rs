//! A call's legs (one per official) and their states, and what the wall shows of a call.

use super::media::OfficeMedia;
use super::pumps::Forward;
use crate::action::OfficialRef;
use crate::display::{CallState, CallView, LegView};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use webrtc::peer_connection::PeerConnection;

/// The delay before ICE restart attempt `n` (0-based): 0.3 s doubling, at most 7 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((300u64 << attempt.min(5)).min(7000))
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum LegState {
    Ringing,
    Connecting,
    Connected,
    Reconnecting,
    Ended,
}

/// The states of a leg that has not ended.
pub(super) const OPEN: &[LegState] =
    &[LegState::Ringing, LegState::Connecting, LegState::Connected, LegState::Reconnecting];

impl LegState {
    fn shown(self) -> CallState {
        match self {
            LegState::Ringing => CallState::Ringing,
            LegState::Connecting => CallState::Connecting,
            LegState::Connected => CallState::Connected,
            LegState::Reconnecting => CallState::Reconnecting,
            LegState::Ended => CallState::Ended,
        }
    }
}

pub(super) struct Retry {
    pub(super) since: Instant,
    pub(super) next: Instant,
    pub(super) attempt: u32,
}

pub(super) struct Leg {
    pub(super) id: String,
    pub(super) official: OfficialRef,
    pub(super) state: LegState,
    pub(super) reason: Option<String>,
    pub(super) log_row: Option<i64>,
    pub(super) placed: Instant,
    pub(super) answered: Option<Instant>,
    pub(super) pc: Option<Arc<dyn PeerConnection>>,
    /// Up while the official's connection is connected: the media pumps wait for it.
    pub(super) connected: watch::Sender<bool>,
    pub(super) forward: Forward,
    pub(super) walls: HashMap<u64, WallPeer>,
    pub(super) tasks: Vec<JoinHandle<()>>,
    pub(super) retry: Option<Retry>,
}

/// A wall's connection for one leg, and whether it is up.
pub(super) struct WallPeer {
    pub(super) pc: Arc<dyn PeerConnection>,
    pub(super) connected: watch::Sender<bool>,
}

pub(super) struct Call {
    pub(super) id: String,
    pub(super) legs: Vec<Leg>,
}

impl Call {
    /// What the wall shows of the call: its state (the most advanced leg's), each leg, and the
    /// office's media.
    pub(super) fn view(&self, media: &OfficeMedia) -> Option<CallView> {
        let first = self.legs.first()?;
        let states: Vec<LegState> = self.legs.iter().map(|l| l.state).collect();
        let overall = [LegState::Connected, LegState::Reconnecting, LegState::Connecting, LegState::Ringing]
            .into_iter()
            .find(|s| states.contains(s))
            .unwrap_or(LegState::Ended);
        let legs = self
            .legs
            .iter()
            .map(|l| LegView {
                leg: l.id.clone(),
                official: l.official.clone(),
                state: l.state.shown(),
                reason: l.reason.clone(),
            })
            .collect();
        let reason = if overall == LegState::Ended { self.legs.last().and_then(|l| l.reason.clone()) } else { None };
        Some(CallView {
            id: Some(self.id.clone()),
            state: overall.shown(),
            official: first.official.clone(),
            legs,
            reason,
            muted: media.muted(),
            office_media: Some(media.video_source()),
            office_audio: Some(media.audio_source()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn ice_restarts_back_off_from_300_ms_to_7_s() {
        let delays: Vec<u64> = (0..8).map(|n| backoff(n).as_millis() as u64).collect();
        assert_eq!(delays, [300, 600, 1200, 2400, 4800, 7000, 7000, 7000]);
    }
}
