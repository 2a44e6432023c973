//! The pages and the data they draw: the wall page (office at `/`, public at `/public`), its
//! script and style (compiled into the binary, so no file or CDN is needed at run time), the
//! district and neighbourhood boundaries, and one complaint in full for the office.

use super::{ApiError, AppState};
use crate::sources::Record;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse};
use axum::Json;
use serde_json::{json, Value};

const PAGE: &str = include_str!("../../web/index.html");
const SCRIPT: &str = include_str!("../../web/wall.js");
const STYLE: &str = include_str!("../../web/wall.css");

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT)
}

pub async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}

/// Boundaries for the map: districts and neighbourhoods with names and centroids.
pub async fn geo(State(state): State<AppState>) -> Json<Value> {
    let c = &state.city;
    Json(json!({
        "districts": c.districts.iter().map(|d| json!({
            "code": d.code, "name_ko": d.name_ko, "name_en": d.name_en, "centroid": d.centroid, "boundary": d.boundary,
        })).collect::<Vec<_>>(),
        "neighbourhoods": c.neighbourhoods.iter().map(|n| json!({
            "code": n.code, "district": n.district, "name_ko": n.name_ko, "centroid": n.centroid, "boundary": n.boundary,
        })).collect::<Vec<_>>(),
    }))
}

/// One complaint with the citizen's personal data: the office's only.
pub async fn complaint(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    super::office::require_office(&state, &headers).map_err(|_| {
        ApiError::Forbidden("a complaint in full, with the citizen's personal data, is for the office only".into())
    })?;
    match super::api::store(&state)?.get("complaint", &id)? {
        Some(record @ Record::Complaint(_)) => {
            Ok(Json(serde_json::to_value(record).map_err(|e| ApiError::Internal(e.to_string()))?))
        }
        _ => Err(ApiError::NotFound(format!("no complaint `{id}`"))),
    }
}
