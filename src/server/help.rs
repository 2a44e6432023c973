//! `GET /api/help?page=&lang=`: what the help overlay lists — the sentences that work on a page
//! and anywhere (the grammar's own examples) and what each gesture does there.

use super::{ApiError, AppState};
use crate::gesture::catalog::Catalog;
use crate::office::help::{help, Help};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpParams {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

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
    let lang = p.lang.unwrap_or_else(|| state.config.office.language.clone());
    if !crate::grammar::LANGS.contains(&lang.as_str()) {
        return Err(ApiError::BadRequest(format!("lang `{lang}` is not supported; use ko or en")));
    }
    // The gestures' file (a few kB, read when the help opens; without it the help lists no
    // gestures rather than failing).
    let catalog = Catalog::load(&state.config.gestures.catalog_path()).ok();
    Ok(Json(help(state.office.commands(), catalog.as_ref(), &page, &lang)))
}
