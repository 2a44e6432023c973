//! `GET /readyz`: whether the office can do its work now, part by part — the store, the index,
//! each source, and the voice and the camera as far as the config enables them. 200 when every
//! part is ready (or off as configured), else 503 with the parts that are not and why.
//! `/healthz` stays liveness: the process answers. The reasons (which name files, devices and
//! feeds) go only to the office's token; anyone else gets the states.

use super::AppState;
use crate::readiness::PartState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;

/// The answer of `/readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub ready: bool,
    /// Each part by name: `store`, `index`, `voice`, `gestures`, `source:<name>`.
    pub parts: BTreeMap<String, PartState>,
}

#[utoipa::path(get, path = "/readyz", tag = "operations", security((), ("office" = [])),
    responses((status = 200, description = "Every part is ready (or off as configured)", body = Readiness),
        (status = 503, description = "A part is not ready; the reasons go to the office token only", body = Readiness)))]
pub async fn readyz(State(state): State<AppState>, headers: HeaderMap) -> (StatusCode, Json<Readiness>) {
    let mut parts: BTreeMap<String, PartState> = BTreeMap::new();
    let store = match super::api::with_store(&state, |store| Ok(store.stored_rev()?)).await {
        Ok(_) => PartState::Ready,
        Err(e) => PartState::Failed(format!("the store does not answer: {e}")),
    };
    parts.insert("store".into(), store);
    // The index is ready once the city is committed in it (on a fresh install it is built at
    // the start, before the server listens).
    let index = if state.index.num_docs() > 0 { PartState::Ready } else { PartState::Starting };
    parts.insert("index".into(), index);
    for (name, source) in state.health.snapshot() {
        let part = match (source.state.as_str(), &source.last_ok, &source.last_error) {
            ("failed", _, error) => PartState::Failed(error.clone().unwrap_or_else(|| "the source stopped".into())),
            // Erring and never delivered: a feed that does not answer.
            (_, None, Some(error)) => PartState::Failed(format!("no record yet: {error}")),
            _ => PartState::Ready,
        };
        parts.insert(format!("source:{name}"), part);
    }
    for (name, part) in state.office.parts().snapshot() {
        parts.insert(name.to_string(), part);
    }
    let ready = parts.values().all(PartState::ready);
    if super::office::require_office(&state, &headers).is_err() {
        for part in parts.values_mut() {
            if let PartState::Off(reason) | PartState::Failed(reason) = part {
                *reason = String::new();
            }
        }
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { ready, parts }))
}
