//! One office on several processes (a shared PostgreSQL store): what the office's walls show is
//! written to the store with each command that changes it, and every process of the office takes
//! what another wrote, checked every [`FOLLOW_EVERY`] — so two walls of one office on two
//! processes show the same, whichever process a command reached. The devices' own overlays (the
//! hand's cursor, the listening overlay) and the call stay with each process
//! ([`crate::display::Shown`]).

use super::Office;
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
            Some(office) if !office.stopping() => office.follow_shown(),
            _ => return,
        }
        std::thread::sleep(FOLLOW_EVERY);
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot follow the office's other walls");
    }
}
