//! What `/readyz` says of the parts that start on their own time (the voice and the camera
//! loops load their models on threads of their own): each part's state, set by the part.
//! The store, the index and the sources are asked when `/readyz` is (`server::ready`); a write
//! to the store or a commit of the index that failed is put here by the writer, and taken back
//! by the next one that works.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One part's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum PartState {
    /// Loading (models, a device).
    Starting,
    Ready,
    /// Not in use, and not expected to be: turned off in the config, or no device of the kind
    /// is present and none was named.
    Off(String),
    /// Expected and not working: the office is not ready.
    Failed(String),
}

impl PartState {
    /// Whether this part lets the office be ready.
    pub fn ready(&self) -> bool {
        matches!(self, PartState::Ready | PartState::Off(_))
    }
}

/// The board the parts write their state on. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Parts(Arc<Mutex<BTreeMap<&'static str, PartState>>>);

impl Parts {
    /// Sets a part's state; a change is logged (a part that fails every second logs once).
    pub fn set(&self, part: &'static str, state: PartState) {
        let Ok(mut parts) = self.0.lock() else { return };
        if parts.get(part) == Some(&state) {
            return;
        }
        match &state {
            PartState::Failed(reason) => tracing::warn!(part, %reason, "not ready"),
            PartState::Off(reason) => tracing::info!(part, %reason, "off"),
            PartState::Ready => tracing::info!(part, "ready"),
            PartState::Starting => {}
        }
        parts.insert(part, state);
    }

    /// Marks a part ready again if it had failed (a write that worked after a fault), and leaves
    /// it alone otherwise.
    pub fn recovered(&self, part: &'static str) {
        let failed = self.0.lock().is_ok_and(|p| matches!(p.get(part), Some(PartState::Failed(_))));
        if failed {
            self.set(part, PartState::Ready);
        }
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, PartState> {
        self.0.lock().map(|p| p.clone()).unwrap_or_default()
    }
}
