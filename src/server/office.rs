//! The office's endpoints: typed commands (`POST /api/commands`, through `office::Office`), the
//! display state they change, and the audit log. Every command is audited before it is answered.

use super::api::require_token;
use super::{ApiError, AppState};
use crate::office::Channel;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_UTTERANCE: usize = 500;

/// Only the office wall's token may command the wall or read the audit log.
pub(super) fn require_office(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.config.office.is_public() {
        return Err(ApiError::Forbidden(
            "this is a public replica (office.role = \"public\"): it serves the public view only; the office's wall, \
             commands, audit and calls are on the office's own address"
                .into(),
        ));
    }
    require_token(headers, &state.office_token, "office")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    text: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    channel: Option<String>,
}

pub async fn command(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<CommandRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    require_office(&state, &headers)?;
    let started = std::time::Instant::now();
    let Json(req) = body.map_err(|e| ApiError::from_json(e, "POST /api/commands"))?;
    if req.text.chars().count() > MAX_UTTERANCE {
        return Err(ApiError::BadRequest(format!("text is longer than {MAX_UTTERANCE} characters")));
    }
    if let Some(lang) = &req.lang {
        if !crate::grammar::LANGS.contains(&lang.as_str()) {
            return Err(ApiError::BadRequest(format!("lang `{lang}` is not supported; use ko or en")));
        }
    }
    let channel: Channel = req.channel.as_deref().unwrap_or("text").parse().map_err(ApiError::BadRequest)?;
    let office = state.office.clone();
    // Understanding and the audit write (which waits for the disk) run off the async workers.
    let (answer, applied) =
        tokio::task::spawn_blocking(move || office.command(&req.text, req.lang.as_deref(), channel))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    let mut body = serde_json::to_value(&answer).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["display_version"] = json!(applied.version);
    body["audit_id"] = json!(applied.audit_id);
    crate::metrics::Metrics::observe(&state.metrics.command_request, started.elapsed());
    Ok(Json(body))
}

/// The office display state: it names the official being called, so it is the office's only.
pub async fn display(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    require_office(&state, &headers)?;
    Ok(Json(state.office.display()?.for_wall()))
}

#[derive(Deserialize)]
pub struct AuditParams {
    #[serde(default)]
    limit: Option<usize>,
}

pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    super::lock::office_data(&state, &headers)?;
    let Query(p) = params.map_err(|e| ApiError::BadRequest(format!("{}; the parameter is limit", e.body_text())))?;
    let limit = p.limit.unwrap_or(50).min(1000);
    let rows = super::api::with_store(&state, move |store| Ok(store.audit_tail(limit)?)).await?;
    Ok(Json(json!({"rows": rows})))
}
