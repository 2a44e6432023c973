//! The office's endpoints: typed commands (`POST /api/commands`, through `office::Office`), the
//! display state they change, and the audit log. Every command is audited before it is answered.

use super::answers::{Audit, CommandAnswer};
use super::api::require_token;
use super::{ApiError, AppState};
use crate::display::WallView;
use crate::office::Channel;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

const MAX_UTTERANCE: usize = 500;

/// Only the office wall's token may command the wall or read the audit log.
pub(super) fn require_office(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.config.load().office.is_public() {
        return Err(ApiError::Forbidden(
            "this is a public replica (office.role = \"public\"): it serves the public view only; the office's wall, \
             commands, audit and calls are on the office's own address"
                .into(),
        ));
    }
    require_token(headers, &state.office_token, "office")
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    text: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    channel: Option<String>,
}

#[utoipa::path(post, path = "/api/commands", tag = "office", request_body = CommandRequest,
    security(("office" = [])),
    responses((status = 200, description = "What was understood and done (audited before this answer)", body = CommandAnswer),
        super::answers::BodyRefusals))]
pub async fn command(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<CommandRequest>, JsonRejection>,
) -> Result<Json<CommandAnswer>, ApiError> {
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
    crate::metrics::Metrics::observe(&state.metrics.command_request, started.elapsed());
    Ok(Json(CommandAnswer { answer, display_version: applied.version, audit_id: applied.audit_id }))
}

/// The office display state: it names the official being called, so it is the office's only.
#[utoipa::path(get, path = "/api/display", tag = "office", security(("office" = [])),
    responses((status = 200, description = "The wall's state, or only that it is locked", body = WallView),
        (status = 401, description = "No token where one is needed", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody)))]
pub async fn display(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<WallView>, ApiError> {
    require_office(&state, &headers)?;
    Ok(Json(state.office.display()?.for_wall()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    #[serde(default)]
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/audit", tag = "office", params(AuditParams), security(("office" = [])),
    responses((status = 200, description = "The audit log, newest first", body = Audit),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 401, description = "No token where one is needed", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Audit>, ApiError> {
    super::lock::office_data(&state, &headers)?;
    let Query(p) = params.map_err(|e| ApiError::BadRequest(format!("{}; the parameter is limit", e.body_text())))?;
    let limit = p.limit.unwrap_or(50).min(1000);
    let rows = super::api::with_store(&state, move |store| Ok(store.audit_tail(limit)?)).await?;
    Ok(Json(Audit { rows }))
}
