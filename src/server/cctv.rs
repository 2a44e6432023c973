//! Live CCTV for the office wall: `/api/cctv/{id}/frame` (the current picture, which the wall
//! polls) and `/api/cctv/{id}/stream` (MJPEG, for video players and integrators). The office only: an `<img>` cannot send
//! headers, so the token may come as `?token=`; without it the answer is 403, never a picture.

use super::{ApiError, AppState};
use crate::city::FacilityKind;
use crate::sources::cctv;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::convert::Infallible;

const BOUNDARY: &str = "scpm-frame";

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediaParams {
    #[serde(default)]
    token: Option<String>,
}

/// The office token from the header or the query; anything else is 403 with the reason.
fn require_office_media(state: &AppState, headers: &HeaderMap, token: Option<&str>) -> Result<(), ApiError> {
    let mut headers = headers.clone();
    if let Some(v) = token.and_then(|t| format!("Bearer {t}").parse().ok()) {
        headers.insert("authorization", v);
    }
    super::office::require_office(state, &headers)
        .map_err(|_| ApiError::Forbidden("live CCTV is for the office wall only (office token required)".into()))?;
    // Locked or in public mode, the wall shows no camera.
    super::lock::office_data(state, &headers)
}

/// The camera `id`, once the caller is known to be the office.
fn camera(state: &AppState, headers: &HeaderMap, token: Option<&str>, id: &str) -> Result<String, ApiError> {
    require_office_media(state, headers, token)?;
    state
        .city
        .facilities
        .iter()
        .find(|f| f.kind == FacilityKind::Cctv && f.id == id)
        .map(|f| f.id.clone())
        .ok_or_else(|| ApiError::NotFound(format!("no CCTV camera `{id}`")))
}

fn frame(id: &str, n: u64) -> Result<Vec<u8>, ApiError> {
    cctv::test_frame(id, n, chrono::Utc::now()).map_err(|e| ApiError::Internal(e.to_string()))
}

#[utoipa::path(get, path = "/api/cctv/{id}/frame", tag = "screens",
    params(("id" = String, Path, description = "A CCTV camera id"), MediaParams), security(("office" = []), ("link" = [])),
    responses((status = 200, description = "The camera's current picture", content_type = "image/jpeg", body = Vec<u8>),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 404, description = "No such thing", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody)))]
pub async fn still(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<MediaParams>,
) -> Result<Response, ApiError> {
    let id = camera(&state, &headers, p.token.as_deref(), &id)?;
    let jpeg = frame(&id, chrono::Utc::now().timestamp_millis() as u64 / 200)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], jpeg).into_response())
}

#[utoipa::path(get, path = "/api/cctv/{id}/stream", tag = "screens",
    params(("id" = String, Path, description = "A CCTV camera id"), MediaParams), security(("office" = []), ("link" = [])),
    responses((status = 200, description = "The camera's pictures as MJPEG", content_type = "multipart/x-mixed-replace", body = Vec<u8>),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 404, description = "No such thing", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<MediaParams>,
) -> Result<Response, ApiError> {
    let id = camera(&state, &headers, p.token.as_deref(), &id)?;
    let period = std::time::Duration::from_millis(1000 / u64::from(cctv::FPS));
    // Ends when the page drops the connection (the body is dropped with it).
    let parts = futures_util::stream::unfold(0u64, move |n| {
        let id = id.clone();
        async move {
            if n > 0 {
                tokio::time::sleep(period).await;
            }
            let jpeg = match cctv::test_frame(&id, n, chrono::Utc::now()) {
                Ok(jpeg) => jpeg,
                Err(e) => {
                    tracing::warn!(camera = %id, error = %e, "CCTV stream stopped");
                    return None;
                }
            };
            let mut part =
                format!("--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg.len())
                    .into_bytes();
            part.extend_from_slice(&jpeg);
            part.extend_from_slice(b"\r\n");
            Some((Ok::<_, Infallible>(Bytes::from(part)), n + 1))
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, format!("multipart/x-mixed-replace; boundary={BOUNDARY}")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(parts),
    )
        .into_response())
}
