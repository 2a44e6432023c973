//! The call manager: one task that owns every call's state. Legs (one per official in the call)
//! move ringing → connecting → connected, and on network loss to reconnecting (ICE restarts with
//! backoff from 0.3 s to 7 s) and back, until they end with a reason. The manager writes the
//! call log and the audit rows before it tells anyone, and shows the call on the wall through
//! the display callback it was given.

mod connect;

use super::legs::{backoff, Call, Leg, LegState, Retry, WallPeer, OPEN};
use super::media::OfficeMedia;
use super::peer::{self, apply_answer, browser_ice_servers, candidate_init, close_later, PeerEvent};
use super::pumps::{self, Forward};
use super::signal::{ClientMessage, ServerMessage};
use super::{Calls, Input};
use crate::action::{Action, OfficialRef};
use crate::config::CallsConfig;
use crate::display::CallView;
use crate::store::{AuditRow, Store};
use futures_util::FutureExt;
use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use serde_json::json;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::peer_connection::RTCPeerConnectionState;

/// How long the wall shows how a call ended.
const ENDED_SHOWN: Duration = Duration::from_secs(5);

/// What the manager needs from the service.
pub struct Wiring {
    pub config: CallsConfig,
    pub office_name: String,
    pub store: Arc<Mutex<Store>>,
    pub officials: Vec<OfficialRef>,
    /// Where the call setup time goes.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Shows the call on the wall (None: no call).
pub type ShowCall = Box<dyn Fn(Option<CallView>) + Send + Sync>;

/// Starts the manager task; it shows calls on the wall through `show`; `secret` signs the
/// officials' links.
pub fn spawn(wiring: Wiring, show: ShowCall, secret: String) -> Calls {
    let (tx, rx) = mpsc::unbounded_channel();
    let media = OfficeMedia::new();
    let calls = Calls::new(tx.clone(), media.clone(), secret, wiring.officials.clone());
    let manager = Manager {
        officials: wiring.officials.iter().map(|o| (o.id.clone(), o.clone())).collect(),
        wiring,
        show,
        tx,
        media,
        online: HashMap::new(),
        walls: HashMap::new(),
        call: None,
        ended: None,
        shown: None,
    };
    tokio::spawn(manager.run(rx));
    calls
}

struct Online {
    conn: u64,
    out: mpsc::UnboundedSender<ServerMessage>,
    presence: String,
}

struct Manager {
    wiring: Wiring,
    show: ShowCall,
    tx: mpsc::UnboundedSender<Input>,
    media: OfficeMedia,
    officials: HashMap<String, OfficialRef>,
    online: HashMap<String, Online>,
    walls: HashMap<u64, mpsc::UnboundedSender<ServerMessage>>,
    call: Option<Call>,
    /// The last call's final view, and when it ended.
    ended: Option<(CallView, Instant)>,
    shown: Option<CallView>,
}

impl Manager {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Input>) {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            // A bug in one step must not take calls down for the rest of the day: it is logged
            // and the manager goes on with the next input.
            let step = tokio::select! {
                input = rx.recv() => match input {
                    Some(input) => AssertUnwindSafe(self.handle(input)).catch_unwind().await,
                    None => break,
                },
                _ = tick.tick() => AssertUnwindSafe(self.tick()).catch_unwind().await,
            };
            if step.is_err() {
                tracing::error!("the call manager hit a bug handling an event; it carries on (please report this)");
            }
            self.sync_display();
        }
    }

    async fn handle(&mut self, input: Input) {
        match input {
            Input::Actions { actions, channel } => {
                for action in actions {
                    match action {
                        Action::Call { official, .. } => self.place(official, channel.as_str()).await,
                        Action::HangUp => self.end_all("hung_up", "office").await,
                        Action::Mute => self.media.set_muted(true),
                        Action::Unmute => self.media.set_muted(false),
                        _ => {}
                    }
                }
            }
            Input::OfficialJoined { official, conn, out } => self.official_joined(official, conn, out),
            Input::OfficialLeft { official, conn } => {
                if self.online.get(&official).is_some_and(|o| o.conn == conn) {
                    self.online.remove(&official);
                    if let Some(i) = self.leg_of(&official, &[LegState::Ringing]) {
                        self.end_leg(i, "offline", "system").await;
                    }
                }
            }
            Input::OfficialSaid { official, message } => self.official_said(&official, message).await,
            Input::WallJoined { wall, out } => {
                self.walls.insert(wall, out);
                let connected: Vec<usize> =
                    self.legs_in(&[LegState::Connecting, LegState::Connected, LegState::Reconnecting]);
                for i in connected {
                    self.open_wall(i, wall).await;
                }
            }
            Input::WallLeft { wall } => {
                self.walls.remove(&wall);
                for leg in self.call.iter_mut().flat_map(|c| c.legs.iter_mut()) {
                    if let Some(peer) = leg.walls.remove(&wall) {
                        close_later(peer.pc);
                    }
                }
            }
            Input::WallSaid { wall, message } => self.wall_said(wall, message).await,
            Input::Peer { leg, wall, event } => self.peer_event(&leg, wall, event).await,
        }
    }

    fn official_joined(&mut self, official: String, conn: u64, out: mpsc::UnboundedSender<ServerMessage>) {
        let hello = ServerMessage::Hello {
            official: json!(self.officials.get(&official)),
            presence: self.online.get(&official).map(|o| o.presence.clone()).unwrap_or_else(|| "available".into()),
            ice_servers: browser_ice_servers(&self.wiring.config),
        };
        let _ = out.send(hello);
        if let Some(i) = self.leg_of(&official, &[LegState::Ringing]) {
            let leg = &self.call.as_ref().expect("leg_of found a call").legs[i];
            let _ = out.send(ServerMessage::Ring { call: leg.id.clone(), from: self.wiring.office_name.clone() });
        }
        let presence = self.online.remove(&official).map(|o| o.presence).unwrap_or_else(|| "available".into());
        self.online.insert(official, Online { conn, out, presence });
    }

    async fn official_said(&mut self, official: &str, message: ClientMessage) {
        if let ClientMessage::Presence { status } = &message {
            if let Some(o) = self.online.get_mut(official) {
                o.presence = status.clone();
            }
            return;
        }
        let call_id = match &message {
            ClientMessage::Accept { call }
            | ClientMessage::Decline { call }
            | ClientMessage::HangUp { call }
            | ClientMessage::Answer { call, .. }
            | ClientMessage::Candidate { call, .. } => call.clone(),
            ClientMessage::Presence { .. } => return,
        };
        let Some(i) = self.leg_index(&call_id).filter(|&i| self.leg(i).official.id == official) else {
            return self.tell_official(
                official,
                ServerMessage::Error { message: format!("there is no call `{call_id}` for you now") },
            );
        };
        let actor = format!("official:{official}");
        match message {
            ClientMessage::Accept { .. } if self.leg(i).state == LegState::Ringing => self.accept(i).await,
            ClientMessage::Decline { .. } if self.leg(i).state == LegState::Ringing => {
                self.end_leg(i, "declined", &actor).await
            }
            ClientMessage::HangUp { .. } => self.end_leg(i, "hung_up_by_official", &actor).await,
            ClientMessage::Answer { sdp, .. } => {
                let Some(pc) = self.leg(i).pc.clone() else { return };
                if let Err(message) = apply_answer(&pc, sdp).await {
                    self.tell_official(official, ServerMessage::Error { message });
                }
            }
            ClientMessage::Candidate { candidate, .. } => {
                if let Some(pc) = self.leg(i).pc.clone().filter(|_| peer::reachable(&self.wiring.config, &candidate)) {
                    let _ = pc.add_ice_candidate(candidate_init(candidate)).await;
                }
            }
            _ => self.tell_official(official, ServerMessage::Error { message: "the call is not ringing".into() }),
        }
    }

    async fn wall_said(&mut self, wall: u64, message: ClientMessage) {
        let tell = |walls: &HashMap<u64, mpsc::UnboundedSender<ServerMessage>>, message: String| {
            if let Some(out) = walls.get(&wall) {
                let _ = out.send(ServerMessage::Error { message });
            }
        };
        let (call_id, answer, candidate) = match message {
            ClientMessage::Answer { call, sdp } => (call, Some(sdp), None),
            ClientMessage::Candidate { call, candidate } => (call, None, Some(candidate)),
            _ => return tell(&self.walls, "the wall only answers offers and sends candidates".into()),
        };
        let Some(pc) = self.leg_index(&call_id).and_then(|i| self.leg(i).walls.get(&wall).map(|p| p.pc.clone())) else {
            return tell(&self.walls, format!("there is no call `{call_id}` on this wall"));
        };
        if let Some(sdp) = answer {
            if let Err(message) = apply_answer(&pc, sdp).await {
                tell(&self.walls, message);
            }
        }
        if let Some(candidate) = candidate.filter(|c| peer::reachable(&self.wiring.config, c)) {
            let _ = pc.add_ice_candidate(candidate_init(candidate)).await;
        }
    }

    /// Places a call to `official`, or adds them to the call in progress.
    async fn place(&mut self, official: OfficialRef, channel: &str) {
        if self.leg_of(&official.id, OPEN).is_some() {
            return;
        }
        let call = self.call.get_or_insert_with(|| Call {
            id: format!("c{}", chrono::Utc::now().timestamp_millis()),
            legs: Vec::new(),
        });
        let leg_id = format!("{}-{}", call.id, official.id.replace('_', "-"));
        let log_row = write_store(&self.wiring.store, {
            let (call_id, official_id) = (call.id.clone(), official.id.clone());
            let caller = format!("office ({channel})");
            move |s| s.log_call_placed(&call_id, &caller, &official_id, &now_rfc3339())
        })
        .await;
        call.legs.push(Leg {
            id: leg_id.clone(),
            official: official.clone(),
            state: LegState::Ringing,
            reason: None,
            log_row,
            placed: Instant::now(),
            answered: None,
            pc: None,
            connected: watch::channel(false).0,
            forward: Forward::new(),
            walls: HashMap::new(),
            tasks: Vec::new(),
            retry: None,
        });
        let i = call.legs.len() - 1;
        if !self.wiring.config.enabled {
            return self.end_leg(i, "calls_disabled", "system").await;
        }
        match self.online.get(&official.id).map(|o| o.presence.as_str()) {
            None => self.end_leg(i, "offline", "system").await,
            Some("busy") => self.end_leg(i, "busy", "system").await,
            Some(_) => {
                let from = self.wiring.office_name.clone();
                self.tell_official(&official.id, ServerMessage::Ring { call: leg_id, from });
            }
        }
    }

    /// The official answered: build their connection and offer the office's media.
    async fn accept(&mut self, i: usize) {
        let now = Instant::now();
        let actor = format!("official:{}", self.leg(i).official.id);
        self.audit(&actor, &self.leg(i).official.id.clone(), "call_answered", "answered").await;
        if let Some(row) = self.leg(i).log_row {
            write_store(&self.wiring.store, move |s| s.log_call_answered(row, &now_rfc3339())).await;
        }
        {
            let leg = self.leg_mut(i);
            leg.state = LegState::Connecting;
            leg.answered = Some(now);
        }
        match self.official_peer(i).await {
            Ok(sdp) => {
                let (official, call) = (self.leg(i).official.id.clone(), self.leg(i).id.clone());
                self.tell_official(&official, ServerMessage::Offer { call, sdp });
                // The walls connect while the official does: their media is forwarded, so
                // they need nothing from the official's connection to be ready.
                let walls: Vec<u64> = self.walls.keys().copied().collect();
                for wall in walls {
                    self.open_wall(i, wall).await;
                }
            }
            Err(e) => {
                tracing::error!("cannot set up the call's connection: {e}");
                self.end_leg(i, "failed", "system").await;
            }
        }
    }

    async fn end_all(&mut self, reason: &str, actor: &str) {
        let open: Vec<usize> = self.legs_in(OPEN);
        for i in open {
            self.end_leg(i, reason, actor).await;
        }
    }

    /// Ends leg `i`: the log row and the audit row are written, then the official and the walls
    /// are told and the connections closed. The call ends with its last leg.
    async fn end_leg(&mut self, i: usize, reason: &str, actor: &str) {
        if self.leg(i).state == LegState::Ended {
            return;
        }
        let duration = self.leg(i).answered.map(|a| a.elapsed().as_secs_f64()).unwrap_or(0.0);
        if let Some(row) = self.leg(i).log_row {
            let reason = reason.to_string();
            write_store(&self.wiring.store, move |s| s.log_call_ended(row, &now_rfc3339(), duration, &reason)).await;
        }
        let official = self.leg(i).official.id.clone();
        self.audit(actor, &official, "call_ended", reason).await;
        let leg = self.leg_mut(i);
        leg.state = LegState::Ended;
        leg.reason = Some(reason.to_string());
        leg.retry = None;
        for task in leg.tasks.drain(..) {
            task.abort();
        }
        if let Some(pc) = leg.pc.take() {
            close_later(pc);
        }
        let walls: Vec<u64> = leg.walls.keys().copied().collect();
        for (_, peer) in leg.walls.drain() {
            close_later(peer.pc);
        }
        let ended = ServerMessage::Ended { call: leg.id.clone(), reason: reason.to_string() };
        for wall in walls {
            if let Some(out) = self.walls.get(&wall) {
                let _ = out.send(ended.clone());
            }
        }
        self.tell_official(&official, ended);
        tracing::info!(official = %official, reason, duration_s = duration, "call leg ended");
        if self.call.as_ref().is_some_and(|c| c.legs.iter().all(|l| l.state == LegState::Ended)) {
            if let Some(view) = self.call.as_ref().and_then(|call| call.view(&self.media)) {
                self.ended = Some((view, Instant::now()));
            }
            self.call = None;
        }
    }

    async fn tick(&mut self) {
        let ring_timeout = Duration::from_secs_f64(self.wiring.config.ring_timeout_s);
        let reconnect_timeout = Duration::from_secs_f64(self.wiring.config.reconnect_timeout_s);
        let now = Instant::now();
        // Decide first, act after: ending a leg can end the call, and indices with it.
        let (mut unanswered, mut lost, mut restart) = (Vec::new(), Vec::new(), Vec::new());
        for leg in self.call.iter_mut().flat_map(|c| c.legs.iter_mut()) {
            if leg.state == LegState::Ringing && leg.placed.elapsed() > ring_timeout {
                unanswered.push(leg.id.clone());
            }
            let Some(retry) = leg.retry.as_mut() else { continue };
            if now.duration_since(retry.since) > reconnect_timeout {
                lost.push(leg.id.clone());
            } else if now >= retry.next {
                retry.attempt += 1;
                retry.next = now + backoff(retry.attempt);
                restart.push(leg.id.clone());
            }
        }
        for (ids, reason) in [(unanswered, "no_answer"), (lost, "network_lost")] {
            for id in ids {
                if let Some(i) = self.leg_index(&id) {
                    self.end_leg(i, reason, "system").await;
                }
            }
        }
        for id in restart {
            if let Some(i) = self.leg_index(&id) {
                self.restart_ice(i).await;
            }
        }
        if self.ended.as_ref().is_some_and(|(_, at)| at.elapsed() > ENDED_SHOWN) {
            self.ended = None;
        }
    }

    fn sync_display(&mut self) {
        let wanted = self
            .call
            .as_ref()
            .and_then(|call| call.view(&self.media))
            .or_else(|| self.ended.as_ref().map(|(v, _)| v.clone()));
        if wanted != self.shown {
            (self.show)(wanted.clone());
            self.shown = wanted;
        }
    }

    async fn audit(&self, actor: &str, official: &str, intent: &str, outcome: &str) {
        let row = AuditRow {
            at: now_rfc3339(),
            actor: actor.into(),
            channel: "call".into(),
            input: official.into(),
            intent: intent.into(),
            actions: "[]".into(),
            outcome: outcome.into(),
        };
        write_store(&self.wiring.store, move |s| s.append_audit(&row)).await;
    }

    fn tell_official(&self, official: &str, message: ServerMessage) {
        if let Some(o) = self.online.get(official) {
            let _ = o.out.send(message);
        }
    }

    fn leg(&self, i: usize) -> &Leg {
        &self.call.as_ref().expect("a leg index is only used while its call exists").legs[i]
    }

    fn leg_mut(&mut self, i: usize) -> &mut Leg {
        &mut self.call.as_mut().expect("a leg index is only used while its call exists").legs[i]
    }

    fn leg_index(&self, leg_id: &str) -> Option<usize> {
        self.call.as_ref()?.legs.iter().position(|l| l.id == leg_id)
    }

    fn leg_of(&self, official: &str, states: &[LegState]) -> Option<usize> {
        self.call.as_ref()?.legs.iter().position(|l| l.official.id == official && states.contains(&l.state))
    }

    fn legs_in(&self, states: &[LegState]) -> Vec<usize> {
        self.call.as_ref().map_or_else(Vec::new, |c| {
            c.legs.iter().enumerate().filter(|(_, l)| states.contains(&l.state)).map(|(i, _)| i).collect()
        })
    }
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// A store write off the async workers. A failed write is logged: the call goes on, but the
/// error names the store so the IT team can act.
async fn write_store<T: Send + 'static>(
    store: &Arc<Mutex<Store>>,
    write: impl FnOnce(&mut Store) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Option<T> {
    let store = store.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut store = store.lock().map_err(|_| "the store lock is poisoned".to_string())?;
        write(&mut store).map_err(|e| e.to_string())
    })
    .await;
    match result {
        Ok(Ok(value)) => Some(value),
        Ok(Err(e)) => {
            tracing::error!("cannot write the call log or audit: {e}");
            None
        }
        Err(e) => {
            tracing::error!("the call log writer stopped: {e}");
            None
        }
    }
}
