//! `/ws/display?token=…`: the wall pages' live connection. On connect a page gets the current
//! display state (so a page that reconnects resumes at the current version), then every change;
//! it may send `{"action": {...}}` (a touch or click on the wall), which the office takes as the
//! intent it stands for, checked, audited and applied like any command, and `{"pointing":
//! "kind:id[@district]"}` (what the gesture cursor rests on, "" for nothing), which a following
//! "show this" / "call this one" reads. Browsers cannot set headers on a WebSocket, hence the token
//! in the query.

use super::{ApiError, AppState};
use crate::action::Action;
use crate::resolve::Pointed;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocketParams {
    #[serde(default)]
    token: String,
}

const NOT_A_MESSAGE: &str = "send one of {\"action\": {\"type\": \"show\", …}} or {\"pointing\": \"district:11680\"}";

/// The largest touch message a wall may send.
const MAX_TOUCH: usize = 4096;

/// What a wall page sends: a touch (`action`), or what the gesture cursor rests on
/// (`pointing`, "" for nothing) — one of the two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FromWall {
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    pointing: Option<String>,
}

#[utoipa::path(get, path = "/ws/display", tag = "office", params(SocketParams),
    responses((status = 101, description = "The wall's socket: display states out, touches in (JSON)"),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody)))]
pub async fn socket(
    State(state): State<AppState>,
    params: Result<Query<SocketParams>, axum::extract::rejection::QueryRejection>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(format!("{}; the parameter is token", e.body_text())))?;
    let mut headers = axum::http::HeaderMap::new();
    if let Ok(v) = format!("Bearer {}", p.token).parse() {
        headers.insert("authorization", v);
    }
    super::office::require_office(&state, &headers)?;
    // A larger message ends the connection before it is read whole (the page reconnects).
    let upgrade = upgrade.max_message_size(MAX_TOUCH).max_frame_size(MAX_TOUCH);
    Ok(upgrade.on_upgrade(move |ws| serve(ws, state)))
}

/// The state as a wall may see it: a locked wall is told only that it is locked.
fn state_message(state: &crate::display::DisplayState) -> Message {
    Message::Text(serde_json::json!({"type": "display", "state": state.for_wall()}).to_string().into())
}

async fn serve(mut ws: WebSocket, state: AppState) {
    let mut changes = state.office.subscribe();
    let current = changes.borrow_and_update().clone();
    if ws.send(state_message(&current)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    break;
                }
                let latest = changes.borrow_and_update().clone();
                if ws.send(state_message(&latest)).await.is_err() {
                    break;
                }
            }
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let reply = match serde_json::from_str::<FromWall>(&text) {
                        Ok(FromWall { action: None, pointing: Some(pointing) }) if pointing.is_empty() => {
                            state.office.point(None);
                            None
                        }
                        Ok(FromWall { action: None, pointing: Some(pointing) }) => match Pointed::parse(&pointing) {
                            Ok(target) => {
                                state.office.point(Some(target));
                                None
                            }
                            Err(e) => Some(format!("not a pointing: {e}")),
                        },
                        Ok(FromWall { action: Some(action), pointing: None }) => {
                            let office = state.office.clone();
                            let input = text.to_string();
                            let touched = tokio::task::spawn_blocking(move || office.touch(&input, &action)).await;
                            match touched {
                                Ok(Ok(done)) => done.and_then(|d| d.refused).map(|reason| format!("the touch was not carried out: {reason}")),
                                Ok(Err(e)) => Some(e.to_string()),
                                Err(e) => Some(e.to_string()),
                            }
                        }
                        Ok(_) => Some(NOT_A_MESSAGE.to_string()),
                        Err(e) => Some(format!("not a wall message ({e}); {NOT_A_MESSAGE}")),
                    };
                    if let Some(message) = reply {
                        let err = serde_json::json!({"type": "error", "message": message}).to_string();
                        if ws.send(Message::Text(err.into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
}
