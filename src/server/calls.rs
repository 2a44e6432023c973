//! Calls over HTTP: the officials' page (`/official/{id}?token=…`) and its WebSocket
//! (`/ws/official/{id}`), the wall's media signaling (`/ws/call`, office token), the call log
//! (`/api/calls`) and the officials' links (`/api/officials`). Rights: an official's token opens
//! only that official's page; the office token opens the wall and the log; the public has
//! neither, and gets 403.

use super::answers::{Calls, OfficialLink, Officials};
use super::office::require_office;
use super::{ApiError, AppState};
use crate::call::{signal, ClientMessage, Input, ServerMessage};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use tokio::sync::mpsc;

const OFFICIAL_PAGE: &str = include_str!("../../web/official.html");

/// Frames up to this size reach `signal::parse`, which refuses those above its own (smaller)
/// limit with a reply; only larger frames close the socket.
const FRAME_LIMIT: usize = 256 * 1024;

/// Connection numbers, so a page that reconnects replaces its old connection, not the reverse.
static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenParam {
    #[serde(default)]
    token: String,
}

fn token(params: Result<Query<TokenParam>, axum::extract::rejection::QueryRejection>) -> Result<String, ApiError> {
    params
        .map(|Query(p)| p.token)
        .map_err(|e| ApiError::BadRequest(format!("{}; the parameter is token", e.body_text())))
}

fn check_official(state: &AppState, id: &str, token: &str) -> Result<(), ApiError> {
    if state.config.load().office.is_public() {
        return Err(ApiError::Forbidden(
            "this is a public replica (office.role = \"public\"): officials' call pages are on the office's own address"
                .into(),
        ));
    }
    if state.office.calls().official(id).is_none() {
        return Err(ApiError::NotFound(format!("no official `{id}` in the directory (data/officials.toml)")));
    }
    if !state.office.calls().token_matches(id, token) {
        return Err(ApiError::Forbidden(format!(
            "this link is not valid for `{id}`; ask the mayor's office for your link (`scpm officials`)"
        )));
    }
    Ok(())
}

/// The official's page. The token is checked here too, so a wrong link says so at once.
#[utoipa::path(get, path = "/official/{id}", tag = "calls", params(("id" = String, Path, description = "The official's id"), TokenParam),
    responses((status = 200, description = "The official's page, which answers calls", content_type = "text/html", body = String),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 404, description = "No such thing", body = super::answers::ErrorBody)))]
pub async fn official_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<TokenParam>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<&'static str>, ApiError> {
    check_official(&state, &id, &token(params)?)?;
    Ok(Html(OFFICIAL_PAGE))
}

#[utoipa::path(get, path = "/ws/official/{id}", tag = "calls", params(("id" = String, Path, description = "The official's id"), TokenParam),
    responses((status = 101, description = "The official's page's signaling socket (JSON messages)"),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 404, description = "No such thing", body = super::answers::ErrorBody)))]
pub async fn official_socket(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<TokenParam>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    check_official(&state, &id, &token(params)?)?;
    Ok(websocket(upgrade)?.max_message_size(FRAME_LIMIT).on_upgrade(move |ws| async move {
        let conn = CONNECTIONS.fetch_add(1, Relaxed);
        let (out, outgoing) = mpsc::unbounded_channel();
        state.office.calls().send(Input::OfficialJoined { official: id.clone(), conn, out: out.clone() });
        let calls = state.office.calls().clone();
        let official = id.clone();
        relay(ws, outgoing, out, move |message| {
            calls.send(Input::OfficialSaid { official: official.clone(), message });
        })
        .await;
        state.office.calls().send(Input::OfficialLeft { official: id, conn });
    }))
}

/// The wall's media signaling: the service offers each official in the call; the wall answers.
#[utoipa::path(get, path = "/ws/call", tag = "calls", params(TokenParam),
    responses((status = 101, description = "The office wall's media signaling socket (JSON messages)"),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody)))]
pub async fn wall_socket(
    State(state): State<AppState>,
    params: Result<Query<TokenParam>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let mut headers = HeaderMap::new();
    if let Ok(v) = format!("Bearer {}", token(params)?).parse() {
        headers.insert("authorization", v);
    }
    require_office(&state, &headers)
        .map_err(|_| ApiError::Forbidden("calls are shown on the office wall only (office token required)".into()))?;
    Ok(websocket(upgrade)?.max_message_size(FRAME_LIMIT).on_upgrade(move |ws| async move {
        let wall = CONNECTIONS.fetch_add(1, Relaxed);
        let (out, outgoing) = mpsc::unbounded_channel();
        state.office.calls().send(Input::WallJoined { wall, out: out.clone() });
        let calls = state.office.calls().clone();
        relay(ws, outgoing, out, move |message| calls.send(Input::WallSaid { wall, message })).await;
        state.office.calls().send(Input::WallLeft { wall });
    }))
}

/// Rights are checked before the protocol: a plain GET with a wrong token gets 403, not 400.
fn websocket(upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Result<WebSocketUpgrade, ApiError> {
    upgrade.map_err(|e| ApiError::BadRequest(format!("{}; open this address as a WebSocket", e.body_text())))
}

/// Pumps one page's socket: the manager's messages out, the page's checked messages in. A bad
/// message gets an error reply naming the problem; the page stays connected.
async fn relay(
    mut ws: WebSocket,
    mut outgoing: mpsc::UnboundedReceiver<ServerMessage>,
    out: mpsc::UnboundedSender<ServerMessage>,
    deliver: impl Fn(ClientMessage),
) {
    loop {
        tokio::select! {
            message = outgoing.recv() => {
                let Some(message) = message else { break };
                let Ok(text) = serde_json::to_string(&message) else { continue };
                if ws.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match signal::parse(&text) {
                    Ok(message) => deliver(message),
                    Err(e) => {
                        tracing::debug!("bad signaling message: {e}");
                        let _ = out.send(ServerMessage::Error { message: e.to_string() });
                    }
                },
                Some(Ok(Message::Binary(_))) => {
                    let _ = out.send(ServerMessage::Error { message: "send text (JSON) frames, not binary".into() });
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
}

/// `/api/calls`: the call in progress and the call log. The public is refused with 403.
#[utoipa::path(get, path = "/api/calls", tag = "calls", security(("office" = [])),
    responses((status = 200, description = "The call in progress and the call log", body = Calls),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody)))]
pub async fn calls(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Calls>, ApiError> {
    require_office(&state, &headers).map_err(|_| {
        ApiError::Forbidden("calls are placed and seen from the office only (office token required)".into())
    })?;
    super::lock::office_data(&state, &headers)?;
    let active = state.office.display()?.call;
    let log = super::api::with_store(&state, |store| Ok(store.call_log_tail(100)?)).await?;
    Ok(Json(Calls { active, log }))
}

/// `/api/officials`: the directory with each official's page link, for the office to send out.
#[utoipa::path(get, path = "/api/officials", tag = "calls", security(("office" = [])),
    responses((status = 200, description = "The directory with each official's link", body = Officials),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody)))]
pub async fn officials(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Officials>, ApiError> {
    require_office(&state, &headers)
        .map_err(|_| ApiError::Forbidden("officials' links are for the office only (office token required)".into()))?;
    super::lock::office_data(&state, &headers)?;
    let calls = state.office.calls();
    let officials = calls
        .officials()
        .iter()
        .map(|o| {
            let known = state.city.officials.iter().find(|c| c.id == o.id);
            OfficialLink {
                official: o.clone(),
                topics: known.map(|c| c.topics.clone()).unwrap_or_default(),
                district: known.map(|c| c.district.clone()).filter(|d| !d.is_empty()),
                link: format!("/official/{}?token={}", o.id, calls.official_token(&o.id)),
            }
        })
        .collect();
    Ok(Json(Officials { officials }))
}
