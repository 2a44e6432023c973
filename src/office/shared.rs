//! One office on several processes (a shared PostgreSQL store): what the office's walls show is
//! written to the store with each command that changes it, and every process of the office takes
//! what another wrote, checked every [`FOLLOW_EVERY`] — so two walls of one office on two
//! processes show the same, whichever process a command reached. The devices' own overlays (the
//! hand's cursor, the listening overlay) and the call stay with each process
//! ([`crate::display::Shown`]).
//!
//! Calls are placed by the office's process with calls on (`calls.enabled`): a process of the
//! office with calls off queues the call actions of its commands in the store, and the process
//! that places calls takes them at its next look. When no such process has been there in the
//! last seconds, the call is refused where it was asked, as calls that are off are.

use super::Office;
use crate::action::{Action, Channel};
use crate::display::{DisplayState, Shown};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Weak;
use std::time::Duration;

pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);

impl Office {
    /// After a command changed the wall (the session held): what it shows now, for the office's
    /// other processes. A failed write is logged; this wall has changed either way.
    pub(super) fn share(&self, display: &DisplayState) {
        if !self.shares_display {
            return;
        }
        let shown = match serde_json::to_string(&display.shown()) {
            Ok(json) => json,
            Err(e) => return tracing::warn!(error = %e, "cannot write what the wall shows"),
        };
        match self.audit.lock().map(|mut store| store.share_display(&shown)) {
            Ok(Ok(seq)) => {
                self.shown_seq.fetch_max(seq, SeqCst);
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "the office's other walls are not told of this change"),
            Err(_) => tracing::warn!("the store lock is poisoned; the office's other walls are not told"),
        }
    }

    /// The call actions of a command: to this process's call bridge, or, on a process of the
    /// office with calls off, to the office's process that places calls.
    pub(super) fn act_on_calls(&self, actions: &[Action], channel: Channel) {
        let calls = crate::call::call_actions(actions);
        if self.forwards_calls && !calls.is_empty() {
            let queued =
                serde_json::to_string(&calls).map_err(|e| e.to_string()).and_then(|json| match self.audit.lock() {
                    Ok(mut store) => store.forward_calls(channel.as_str(), &json).map_err(|e| e.to_string()),
                    Err(_) => Err("the store lock is poisoned".into()),
                });
            match queued {
                Ok(true) => return,
                Ok(false) => tracing::warn!("no process of this office places calls now (calls.enabled); refused here"),
                Err(e) => tracing::warn!(error = %e, "the call could not be passed to the office's calling process"),
            }
        }
        self.calls.execute(actions, channel);
    }

    /// On the office's process that places calls: says it is there, and places what the
    /// office's other processes passed to it.
    fn place_forwarded(&self) {
        let taken = match self.audit.lock().map(|mut store| store.take_forwarded()) {
            Ok(Ok(taken)) => taken,
            Ok(Err(e)) => return tracing::debug!(error = %e, "cannot take the office's forwarded calls"),
            Err(_) => return,
        };
        for (channel, json) in taken {
            let channel = channel.parse().unwrap_or(Channel::Text);
            match serde_json::from_str::<Vec<Action>>(&json) {
                Ok(actions) => self.calls.execute(&actions, channel),
                Err(e) => tracing::warn!(error = %e, "a forwarded call action is unreadable; skipped"),
            }
        }
    }

    /// Takes what another process of the office wrote, when it is newer than what this one has.
    fn follow_shown(&self) {
        let row = match self.audit.lock().map(|store| store.shared_display()) {
            Ok(Ok(row)) => row,
            Ok(Err(e)) => return tracing::debug!(error = %e, "cannot read what the office's walls show"),
            Err(_) => return,
        };
        let Some((seq, json)) = row else { return };
        if seq <= self.shown_seq.load(SeqCst) {
            return;
        }
        let shown: Shown = match serde_json::from_str(&json) {
            Ok(shown) => shown,
            Err(e) => return tracing::warn!(error = %e, "what the office's walls show is unreadable in the store"),
        };
        let Ok(mut session) = self.session() else { return };
        // Checked again under the session: a command of this process may have written since.
        if seq <= self.shown_seq.load(SeqCst) {
            return;
        }
        self.shown_seq.store(seq, SeqCst);
        if session.display.adopt(shown) {
            self.display_tx.send_replace(session.display.clone());
        }
    }
}

/// Follows what the office's walls show until the office is dropped or stops.
pub(super) fn spawn_follower(office: Weak<Office>) {
    let spawned = std::thread::Builder::new().name("display-follow".into()).spawn(move || loop {
        match office.upgrade() {
            Some(office) if !office.stopping() => {
                office.follow_shown();
                if office.places_forwarded {
                    office.place_forwarded();
                }
            }
            _ => return,
        }
        std::thread::sleep(FOLLOW_EVERY);
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot follow the office's other walls");
    }
}
