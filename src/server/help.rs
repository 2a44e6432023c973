//! `GET /api/help?page=&lang=`: what the help overlay lists — the sentences that work on a page
//! and anywhere (the grammar's own examples) and what each gesture does there.

use super::{ApiError, AppState};
use crate::gesture::catalog::Catalog;
use crate::office::help::{help, Help};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HelpParams {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/help", tag = "screens", params(HelpParams),
    responses((status = 200, description = "What can be said and gestured on a page", body = Help),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 429, description = "Too many requests from this address; `Retry-After` says when", body = super::answers::ErrorBody)))]
pub async fn page_help(
    State(state): State<AppState>,
    params: Result<Query<HelpParams>, QueryRejection>,
) -> Result<Json<Help>, ApiError> {
    let Query(p) =
        params.map_err(|e| ApiError::BadRequest(format!("{}; the parameters are page and lang", e.body_text())))?;
    let page = p.page.unwrap_or_else(|| "overview".into());
    if !crate::display::PAGES.iter().any(|(name, _)| *name == page) {
        let pages: Vec<&str> = crate::display::PAGES.iter().map(|(name, _)| *name).collect();
        return Err(ApiError::BadRequest(format!("page `{page}` is not one of {}", pages.join(", "))));
    }
    let lang = p.lang.unwrap_or_else(|| state.config.load().office.language.clone());
    if !crate::grammar::LANGS.contains(&lang.as_str()) {
        return Err(ApiError::BadRequest(format!("lang `{lang}` is not supported; use ko or en")));
    }
    // The gestures' file (a few kB, read when the help opens; without it the help lists no
    // gestures rather than failing).
    let catalog = Catalog::load(&state.config.load().gestures.catalog_path()).ok();
    Ok(Json(help(state.office.commands(), catalog.as_ref(), &page, &lang)))
}
