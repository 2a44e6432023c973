//! The pages and the data they draw: the wall page (office at `/`, public at `/public`), its
//! script and style (compiled into the binary, so no file or CDN is needed at run time), the
//! district and neighbourhood boundaries, and one complaint in full for the office.

use super::answers::{DistrictShape, Geo, NeighbourhoodShape};
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

#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "The office wall's page", content_type = "text/html", body = String)))]
pub async fn office_page() -> Html<&'static str> {
    Html(PAGE)
}

/// The same page: it reads its path and draws the public's view.
#[utoipa::path(get, path = "/public", tag = "pages",
    responses((status = 200, description = "The public's page: the same screens, read-only, without what is restricted", content_type = "text/html", body = String)))]
pub async fn public_page() -> Html<&'static str> {
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

#[utoipa::path(get, path = "/static/{*file}", tag = "pages",
    params(("file" = String, Path, description = "A file of the pages, e.g. `wall.js`, `vendor/chart.umd.min.js`")),
    responses((status = 200, description = "The file (script or style)", content_type = "text/javascript", body = String),
        (status = 404, description = "No such thing", body = super::answers::ErrorBody)))]
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
#[utoipa::path(get, path = "/api/geo", tag = "screens",
    responses((status = 200, description = "District and neighbourhood boundaries for the map", body = Geo)))]
pub async fn geo(State(state): State<AppState>) -> Json<Geo> {
    let c = &state.city;
    Json(Geo {
        districts: c
            .districts
            .iter()
            .map(|d| DistrictShape {
                code: d.code.clone(),
                name_ko: d.name_ko.clone(),
                name_en: d.name_en.clone(),
                centroid: d.centroid,
                boundary: d.boundary.clone(),
            })
            .collect(),
        neighbourhoods: c
            .neighbourhoods
            .iter()
            .map(|n| NeighbourhoodShape {
                code: n.code.clone(),
                district: n.district.clone(),
                name_ko: n.name_ko.clone(),
                name_en: n.name_en.clone(),
                centroid: n.centroid,
                boundary: n.boundary.clone(),
            })
            .collect(),
    })
}

/// One complaint with the citizen's personal data: the office's only.
#[utoipa::path(get, path = "/api/complaints/{id}", tag = "office",
    params(("id" = String, Path, description = "A complaint's id")), security(("office" = [])),
    responses((status = 200, description = "One complaint in full, with the citizen's personal data", body = Record),
        (status = 403, description = "Not this caller's to see or do (public, wrong token, another district, public mode)", body = super::answers::ErrorBody),
        (status = 404, description = "No such thing", body = super::answers::ErrorBody),
        (status = 423, description = "The office wall is locked: nothing until the PIN is typed on it", body = super::answers::ErrorBody)))]
pub async fn complaint(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Record>, ApiError> {
    super::office::require_office(&state, &headers).map_err(|_| {
        ApiError::Forbidden("a complaint in full, with the citizen's personal data, is for the office only".into())
    })?;
    super::lock::office_data(&state, &headers)?;
    let key = id.clone();
    match super::api::with_store(&state, move |store| Ok(store.get("complaint", &key)?)).await? {
        Some(record @ Record::Complaint(_)) => Ok(Json(record)),
        _ => Err(ApiError::NotFound(format!("no complaint `{id}`"))),
    }
}
