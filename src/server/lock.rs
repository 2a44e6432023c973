//! The office wall's lock and public mode, enforced here, not only drawn: a locked wall is sent
//! nothing of the city (its socket gets `DisplayState::for_wall`, its data requests `423`), a
//! wall in public mode is answered as the public is (`screens::viewer`), and office-only data
//! waits for the PIN. `POST /api/unlock` takes the PIN typed on the wall.

use super::answers::Unlocked;
use super::{ApiError, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// What the office's token may read now: refused while the wall is locked (`423`) or in
/// public mode (`403`, the wall shows what the public sees). For office-only data.
pub(super) fn office_data(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    super::office::require_office(state, headers)?;
    let display = state.office.display()?;
    if display.locked {
        return Err(locked());
    }
    if display.public_mode {
        return Err(ApiError::Forbidden(
            "the wall is in public mode: office-only data waits until the PIN is typed on the wall".into(),
        ));
    }
    Ok(())
}

pub(super) fn locked() -> ApiError {
    ApiError::Locked("the wall is locked: type the PIN on the wall to unlock it".into())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    pin: String,
}

/// `POST /api/unlock {"pin"}` with the office token: the right PIN unlocks the wall and leaves
/// public mode; a wrong one changes nothing. Five attempts per address, then one every 12 s.
/// Audited either way (never the digits).
#[utoipa::path(post, path = "/api/unlock", tag = "office", request_body = UnlockRequest,
    security(("office" = [])),
    responses((status = 200, description = "The PIN was right: the wall is unlocked and out of public mode", body = Unlocked),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 401, description = "No token where one is needed", body = super::answers::ErrorBody),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 415, description = "The body is not JSON", body = super::answers::ErrorBody),
        (status = 429, description = "Too many requests from this address; `Retry-After` says when", body = super::answers::ErrorBody)))]
pub async fn unlock(
    State(state): State<AppState>,
    connected: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Json<UnlockRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    super::office::require_office(&state, &headers)?;
    let client = connected.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0 .0.ip());
    let client = super::limit::client_of(Some(client), &headers, &state.config.load().server.trusted_proxies);
    if let Err(wait) = state.unlock_attempts.allow(client) {
        let mut refused =
            ApiError::TooManyRequests(format!("{} PIN attempts a minute at most; wait", super::limit::ATTEMPTS))
                .into_response();
        refused.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from(wait.max(1)));
        return Ok(refused);
    }
    let Json(req) = body.map_err(|e| ApiError::from_json(e, "POST /api/unlock"))?;
    let right = req.pin.len() <= 12 && super::api::same_secret(req.pin.trim(), &state.unlock_pin);
    let office = state.office.clone();
    let applied = tokio::task::spawn_blocking(move || office.unlock(right))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    if !right {
        return Err(ApiError::Forbidden("wrong PIN".into()));
    }
    Ok(Json(Unlocked { unlocked: true, display_version: applied.version, audit_id: applied.audit_id }).into_response())
}
