//! The office's endpoints: commands from the wall (voice, gesture, touch, typed), the display
//! state they change, and the audit log. Every command is audited before it is answered.

use super::api::{require_token, store};
use super::{ApiError, AppState};
use crate::action::Action;
use crate::store::AuditRow;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_UTTERANCE: usize = 500;
const CHANNELS: &[&str] = &["text", "voice", "gesture", "touch"];

/// Only the office wall's token may command the wall or read the audit log.
pub(super) fn require_office(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
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
    let Json(req) = body.map_err(|e| ApiError::from_json(e, "POST /api/commands"))?;
    if req.text.chars().count() > MAX_UTTERANCE {
        return Err(ApiError::BadRequest(format!("text is longer than {MAX_UTTERANCE} characters")));
    }
    if let Some(lang) = &req.lang {
        if !crate::grammar::LANGS.contains(&lang.as_str()) {
            return Err(ApiError::BadRequest(format!("lang `{lang}` is not supported; use ko or en")));
        }
    }
    let channel = req.channel.unwrap_or_else(|| "text".into());
    if !CHANNELS.contains(&channel.as_str()) {
        return Err(ApiError::BadRequest(format!("channel `{channel}` is not one of {}", CHANNELS.join(", "))));
    }
    let worker = state.clone();
    let text = req.text.clone();
    let answer = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let mut office = worker.office.lock().map_err(|_| ApiError::Internal("office lock poisoned".into()))?;
        let mut ctx = office.conversation();
        let answer = worker.commands.answer(&worker.index, &text, req.lang.as_deref(), &mut ctx);
        office.context = ctx;
        Ok(answer)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let outcome = if answer.understood {
        "understood".into()
    } else {
        format!("not understood: {}", answer.reason.clone().unwrap_or_default())
    };
    let intent = answer.intent.clone().unwrap_or_default();
    // The audit write waits for the disk: off the async workers.
    let (worker, actions, input) = (state.clone(), answer.actions.clone(), req.text.clone());
    let (audit_id, version) =
        tokio::task::spawn_blocking(move || apply_audited(&worker, &channel, &input, &intent, &actions, &outcome))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    let mut body = serde_json::to_value(&answer).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["display_version"] = json!(version);
    body["audit_id"] = json!(audit_id);
    Ok(Json(body))
}

/// Audits what the office asked for, then applies the actions to the display and tells every
/// wall. The audit row is on disk before anything changes or is answered.
pub(super) fn apply_audited(
    state: &AppState,
    channel: &str,
    input: &str,
    intent: &str,
    actions: &[crate::action::Action],
    outcome: &str,
) -> Result<(i64, u64), ApiError> {
    let row = AuditRow {
        at: chrono::Utc::now().to_rfc3339(),
        actor: "office".into(),
        channel: channel.into(),
        input: input.into(),
        intent: intent.into(),
        actions: serde_json::to_string(actions).unwrap_or_default(),
        outcome: outcome.into(),
    };
    let audit_id = store(state)?.append_audit(&row)?;
    let mut office = state.office.lock().map_err(|_| ApiError::Internal("office lock poisoned".into()))?;
    let before = office.display.version;
    // A call placed, cancelled or ended by touch settles the question the wall asked by voice.
    if actions
        .iter()
        .any(|a| matches!(a, Action::Call { needs_confirmation: false, .. } | Action::Cancel | Action::HangUp))
    {
        office.context.pending_call = None;
    }
    // Push-to-talk (a wave, the wall's microphone button): the voice listener acts on what is
    // said next, as after the wake phrase.
    if actions.iter().any(|a| matches!(a, Action::Listen)) {
        let window = std::time::Duration::from_secs_f64(state.config.voice.listen_window_s);
        office.listen_until = Some(std::time::Instant::now() + window);
    }
    office.display.apply(actions);
    if office.display.version != before {
        state.display_tx.send_replace(office.display.clone());
    }
    let version = office.display.version;
    drop(office);
    state.calls.execute(actions, channel);
    Ok((audit_id, version))
}

/// The office display state: it names the official being called, so it is the office's only.
pub async fn display(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    require_office(&state, &headers)?;
    let office = state.office.lock().map_err(|_| ApiError::Internal("office lock poisoned".into()))?;
    Ok(Json(serde_json::to_value(&office.display).map_err(|e| ApiError::Internal(e.to_string()))?))
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
    require_office(&state, &headers)?;
    let Query(p) = params.map_err(|e| ApiError::BadRequest(format!("{}; the parameter is limit", e.body_text())))?;
    let rows = store(&state)?.audit_tail(p.limit.unwrap_or(50).min(1000))?;
    Ok(Json(json!({"rows": rows})))
}
