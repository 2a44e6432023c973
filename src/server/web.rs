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

/// The page's scripts and style, compiled in: (file name under /static/, content type, body).
const STATIC: &[(&str, &str, &str)] = &[
    ("wall.js", JS, include_str!("../../web/wall.js")),
    ("screens.js", JS, include_str!("../../web/screens.js")),
    ("map.js", JS, include_str!("../../web/map.js")),
    ("text.js", JS, include_str!("../../web/text.js")),
    ("call.js", JS, include_str!("../../web/call.js")),
    ("official.js", JS, include_str!("../../web/official.js")),
    ("official.css", "text/css; charset=utf-8", include_str!("../../web/official.css")),
    ("wall.css", "text/css; charset=utf-8", include_str!("../../web/wall.css")),
    // Chart.js 4.5.1 from npm (web/vendor/README.md says how it was fetched and checked).
    ("vendor/chart.umd.min.js", JS, include_str!("../../web/vendor/chart.umd.min.js")),
];
const JS: &str = "text/javascript; charset=utf-8";

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// `/static/pages.js`: the wall's pages, the topic each tab opens on and the page each topic
/// is shown on, from `display` (the one table; the office wall also gets a display's `page`).
fn pages_js() -> String {
    let of: serde_json::Map<String, Value> = crate::action::TOPICS
        .iter()
        .chain(["search"].iter())
        .map(|t| (t.to_string(), json!(crate::display::page_of(t))))
        .collect();
    let tabs: Vec<[&str; 2]> = crate::display::PAGES.iter().map(|(page, topic)| [*page, *topic]).collect();
    format!(
        "// The wall's pages, from the server (src/display.rs).\nwindow.SCPM_PAGES = {};\n",
        json!({"tabs": tabs, "of": of})
    )
}

pub async fn static_file(Path(name): Path<String>) -> Result<axum::response::Response, ApiError> {
    if name == "pages.js" {
        return Ok(([(header::CONTENT_TYPE, JS), (header::CACHE_CONTROL, "no-cache")], pages_js()).into_response());
    }
    let (_, content_type, body) = STATIC
        .iter()
        .find(|(file, _, _)| *file == name)
        .ok_or_else(|| ApiError::NotFound(format!("no static file `{name}`")))?;
    Ok(([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "no-cache")], *body).into_response())
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
    super::lock::office_data(&state, &headers)?;
    let key = id.clone();
    match super::api::with_store(&state, move |store| Ok(store.get("complaint", &key)?)).await? {
        Some(record @ Record::Complaint(_)) => {
            Ok(Json(serde_json::to_value(record).map_err(|e| ApiError::Internal(e.to_string()))?))
        }
        _ => Err(ApiError::NotFound(format!("no complaint `{id}`"))),
    }
}
