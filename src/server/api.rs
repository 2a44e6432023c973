//! Handlers of the HTTP API.

use super::answers::{
    AirState, CityState, ComplaintStored, DistrictState, Health, IndexHealth, Latest, ResolveAnswer, SearchAnswer,
    StoreHealth,
};
use super::screens::{mask_numbers, viewer, Viewer};
use super::{ApiError, AppState};
use crate::index::documents::ENTITY_KINDS;
use crate::index::SearchRequest;
use crate::sources::record::{Citizen, Complaint, Form, Status};
use crate::sources::{Envelope, Record};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use std::time::Instant;

/// Runs `f` with the store on a blocking thread: a query that grows with the city (a day of
/// opinion) neither holds an async worker nor keeps the requests behind it waiting longer than it
/// takes.
pub(super) async fn with_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&crate::store::Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let shared = state.store.clone();
    tokio::task::spawn_blocking(move || {
        let store = shared.lock().map_err(|_| ApiError::Internal("store lock poisoned".into()))?;
        f(&store)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("a store query stopped: {e}")))?
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see README.md, section \"HTTP API\"".into())
}

/// Liveness: the process answers, with what it knows without asking the store (whether the store
/// answers is `/readyz`'s question), so a long query never makes the service look dead.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process answers (liveness)", body = super::answers::Health)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let rev = state.metrics.store_rev.get();
    // The store's state as the ingest loop last met it (a failed write or read; recovered by
    // itself once the database answers again).
    let store_state = match state.office.parts().snapshot().remove("store") {
        Some(crate::readiness::PartState::Failed(_)) => "failed",
        _ => "ready",
    };
    let shared =
        matches!(crate::store::Location::of(&state.config.load().paths.store), crate::store::Location::Postgres(_));
    Ok(Json(Health {
        status: "ok".into(),
        office: state.config.load().office.name.clone(),
        scope: state.config.load().office.scope.clone(),
        store: StoreHealth {
            rev,
            database: if shared { "postgresql" } else { "sqlite" }.into(),
            state: store_state.into(),
        },
        // Whether this process runs any of the city's sources (each source's own state is below).
        leader: state.leaderships.iter().any(|l| l.is_leader()),
        index: IndexHealth { docs: state.index.num_docs(), rev: state.index.committed_rev() },
        sources: state.health.snapshot(),
    }))
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Counters and histograms in the OpenMetrics text format",
        content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.metrics.index_docs.set(state.index.num_docs() as i64);
    state.metrics.intents_resolved.set(state.office.commands().resolutions() as i64);
    ([("content-type", crate::metrics::CONTENT_TYPE)], state.metrics.render())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    /// Comma-separated kinds.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    district: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

fn query_error(e: QueryRejection) -> ApiError {
    ApiError::BadRequest(format!("{}; parameters are q, kind, district, limit", e.body_text()))
}

/// A district head's office sees records of its own district only; entities stay city-wide so
/// that names still resolve.
fn in_scope(state: &AppState, kind: &str, district: Option<&str>) -> bool {
    match state.config.load().office.district() {
        Some(scope) => ENTITY_KINDS.contains(&kind) || district == Some(scope),
        None => true,
    }
}

#[utoipa::path(get, path = "/api/search", tag = "search", params(SearchParams),
    security((), ("office" = [])),
    responses((status = 200, description = "Hits, best first (complaints' numbers masked for the public)", body = super::answers::SearchAnswer),
        super::answers::ScreenRefusals))]
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchAnswer>, ApiError> {
    let who = viewer(&state, &headers)?;
    let Query(p) = params.map_err(query_error)?;
    bounded_query(&p.q)?;
    let kinds = known_kinds(&p.kind, true)?;
    if let Some(d) = &p.district {
        if state.city.district(d).is_none() {
            return Err(ApiError::BadRequest(format!("district `{d}` is not a Seoul district code (11110 … 11740)")));
        }
    }
    let req = SearchRequest { text: p.q.clone(), kinds, district: p.district, limit: p.limit.unwrap_or(20).min(200) };
    let started = Instant::now();
    let index = state.index.clone();
    let hits = tokio::task::spawn_blocking(move || index.search(&req))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    state.metrics.searches.inc();
    state.metrics.search_seconds.inc_by(started.elapsed().as_secs_f64());
    let mut hits: Vec<_> = hits.into_iter().filter(|h| in_scope(&state, &h.kind, h.district.as_deref())).collect();
    // A complaint's text may hold the number its citizen wrote into it.
    if who == Viewer::Public {
        for hit in hits.iter_mut().filter(|h| matches!(h.kind.as_str(), "complaint" | "suggestion")) {
            hit.snippet = mask_numbers(&hit.snippet);
        }
    }
    Ok(Json(SearchAnswer { query: p.q, count: hits.len(), hits }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResolveParams {
    q: String,
    #[serde(default)]
    kind: String,
}

/// The best entity for a phrase: `/api/resolve?q=강남&kind=district`.
#[utoipa::path(get, path = "/api/resolve", tag = "search", params(ResolveParams),
    responses((status = 200, description = "The best entity for the phrase, or null", body = super::answers::ResolveAnswer),
        (status = 400, description = "The request is not valid; the message names the parameter and the fix", body = super::answers::ErrorBody),
        (status = 429, description = "Too many requests from this address; `Retry-After` says when", body = super::answers::ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    params: Result<Query<ResolveParams>, QueryRejection>,
) -> Result<Json<ResolveAnswer>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(format!("{}; parameters are q and kind", e.body_text())))?;
    bounded_query(&p.q)?;
    let kinds = known_kinds(&p.kind, false)?;
    let kinds: Vec<String> =
        if kinds.is_empty() { ENTITY_KINDS.iter().map(|k| k.to_string()).collect() } else { kinds };
    // The index is blocking work: off the async workers, so that other requests go on.
    let (index, q) = (state.index.clone(), p.q.clone());
    let resolved = tokio::task::spawn_blocking(move || {
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        index.resolve(&q, &kinds)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(ResolveAnswer { query: p.q, resolved }))
}

/// The longest query the public may send, in characters: a name or a phrase, not a page.
pub const MAX_QUERY: usize = 200;

fn bounded_query(q: &str) -> Result<(), ApiError> {
    let n = q.chars().count();
    if n > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "q is {n} characters, longer than a query may be (at most {MAX_QUERY}): send a name or a phrase"
        )));
    }
    Ok(())
}

/// The comma-separated `kind` parameter as known kinds (each once): entities, and with
/// `records` the city's records too. A kind the index does not have is an error that lists
/// those it has — the public cannot make a query of thousands of made-up kinds.
fn known_kinds(list: &str, records: bool) -> Result<Vec<String>, ApiError> {
    let known: Vec<&str> =
        ENTITY_KINDS.iter().chain(if records { crate::index::documents::RECORD_KINDS } else { &[] }).copied().collect();
    let mut kinds: Vec<String> = Vec::new();
    for kind in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        if !known.contains(&kind) {
            let shown: String = kind.chars().take(40).collect();
            let what = if records { "kind" } else { "entity kind" };
            return Err(ApiError::BadRequest(format!(
                "`{shown}` is not a known {what}; use one of {}",
                known.join(", ")
            )));
        }
        if !kinds.iter().any(|k| k == kind) {
            kinds.push(kind.to_string());
        }
    }
    Ok(kinds)
}

/// Removes personal data before a record leaves the office.
/// A record as `who` may see it: a complaint never carries its citizen, and for the public the
/// numbers in its text are masked.
fn redacted(record: Record, who: Viewer) -> Record {
    let mask = |text: String| if who == Viewer::Public { mask_numbers(&text) } else { text };
    match record {
        Record::Complaint(c) => {
            Record::Complaint(Complaint { citizen: None, text_ko: mask(c.text_ko), text_en: mask(c.text_en), ..c })
        }
        other => other,
    }
}

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StateParams {
    /// Replay: the city as it was at this time (RFC 3339), within `history.keep_days`.
    #[serde(default)]
    at: Option<String>,
}

#[utoipa::path(get, path = "/api/state", tag = "screens", params(StateParams), security((), ("office" = [])),
    responses((status = 200, description = "The city at a glance (now, or replayed at `at`)", body = super::answers::CityState),
        super::answers::ScreenRefusals))]
pub async fn city_state(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<axum::extract::Query<StateParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CityState>, ApiError> {
    let who = viewer(&state, &headers)?;
    let axum::extract::Query(p) =
        params.map_err(|e| ApiError::BadRequest(format!("{}; the parameter is at", e.body_text())))?;
    let now = Utc::now();
    let keep_days = state.config.load().history.keep_days;
    let at = p.at.map(|at| super::replay::replay_time(&at, now, keep_days, who)).transpose()?;
    let scope: Option<String> = state.config.load().office.district().map(str::to_string);
    if let (Some(at), Viewer::Public) = (at, who) {
        if let Some(cached) = state.replays.state.get(&scope, at) {
            return Ok(Json(cached));
        }
    }
    let answer = city_state_at(&state, who, scope.clone(), at, now).await?;
    if let (Some(at), Viewer::Public) = (at, who) {
        state.replays.state.put(&scope, at, &answer);
    }
    Ok(Json(answer))
}

async fn city_state_at(
    state: &AppState,
    who: Viewer,
    scope: Option<String>,
    at: Option<chrono::DateTime<Utc>>,
    now: chrono::DateTime<Utc>,
) -> Result<CityState, ApiError> {
    let until = at.unwrap_or(now).timestamp();
    let day_ago = until - 24 * 3600;
    let (air, traffic, incidents, complaints, trends, incidents_day, complaints_day) =
        with_store(state, move |store| {
            let d = scope.as_deref();
            let newest = |kind: &str, district: Option<&str>, n: usize| match at {
                Some(_) => store.as_of(kind, district, until, n),
                None => store.latest(kind, district, n),
            };
            Ok((
                newest("air", d, 25)?,
                newest("traffic", d, 25)?,
                newest("incident", d, 10)?,
                newest("complaint", d, 10)?,
                newest("trend", None, 6)?,
                store.count_between("incident", d, day_ago, until + 1)?,
                store.count_between("complaint", d, day_ago, until + 1)?,
            ))
        })
        .await?;
    let config = state.config.load();
    let scope = config.office.district();
    let districts: Vec<DistrictState> = state
        .city
        .districts
        .iter()
        .filter(|d| scope.is_none_or(|s| s == d.code))
        .map(|d| {
            let a = air.iter().find_map(|r| match r {
                Record::Air(a) if a.district == d.code => Some(a),
                _ => None,
            });
            let t = traffic.iter().find_map(|r| match r {
                Record::Traffic(t) if t.district == d.code => Some(t.speed_kmh),
                _ => None,
            });
            DistrictState {
                code: d.code.clone(),
                name_ko: d.name_ko.clone(),
                name_en: d.name_en.clone(),
                centroid: d.centroid,
                air: a.map(|a| AirState {
                    pm10: a.pm10,
                    pm25: a.pm25,
                    grade: a.index_grade.clone(),
                    measured_at: a.measured_at.clone(),
                }),
                traffic_kmh: t,
            }
        })
        .collect();
    let complaints: Vec<Record> = complaints.into_iter().map(|c| redacted(c, who)).collect();
    Ok(CityState {
        office: state.config.load().office.name.clone(),
        scope: state.config.load().office.scope.clone(),
        generated_at: now,
        districts,
        incidents: Latest { last_24h: incidents_day, latest: incidents },
        complaints: Latest { last_24h: complaints_day, latest: complaints },
        trends,
        at,
    })
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")
}

/// Compares in time independent of where the strings differ.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks `Authorization: Bearer <token>` against the `expected` token of a role.
pub(super) fn require_token(headers: &HeaderMap, expected: &str, role: &str) -> Result<(), ApiError> {
    match bearer(headers) {
        None => Err(ApiError::Unauthorized(format!("send `Authorization: Bearer <{role} token>`"))),
        Some(token) if expected.is_empty() || !same_secret(token, expected) => {
            Err(ApiError::Forbidden(format!("wrong {role} token")))
        }
        Some(_) => Ok(()),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    #[serde(default)]
    id: Option<String>,
    form: Form,
    category: String,
    district: String,
    #[serde(default)]
    text_ko: String,
    #[serde(default)]
    text_en: String,
    #[serde(default)]
    citizen: Option<Citizen>,
}

/// Intake of a complaint or suggestion. Answers 201 only once the record is on disk.
#[utoipa::path(post, path = "/api/complaints", tag = "intake", request_body = NewComplaint,
    security(("intake" = [])),
    responses((status = 201, description = "Stored on disk before this answer", body = super::answers::ComplaintStored),
        super::answers::BodyRefusals))]
pub async fn submit_complaint(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<NewComplaint>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = &state.config.load().server.intake_token;
    if expected.is_empty() {
        return Err(ApiError::Forbidden("complaint intake is off; set server.intake_token in scpm.toml".into()));
    }
    require_token(&headers, expected, "intake")?;
    let Json(new) = body.map_err(|e| ApiError::from_json(e, "POST /api/complaints"))?;
    if state.city.district(&new.district).is_none() {
        return Err(ApiError::BadRequest(format!(
            "district `{}` is not a Seoul district code (11110 … 11740)",
            new.district
        )));
    }
    let now = Utc::now();
    let id = new.id.unwrap_or_else(|| format!("intake-{}-{:08x}", now.timestamp_millis(), rand::random::<u32>()));
    let record = Record::Complaint(Complaint {
        id: id.clone(),
        form: new.form,
        category: new.category,
        district: new.district,
        text_ko: new.text_ko,
        text_en: new.text_en,
        status: Status::Received,
        received_at: now,
        updated_at: now,
        citizen: new.citizen,
    });
    record.validate().map_err(ApiError::BadRequest)?;
    let (ack, done) = tokio::sync::oneshot::channel();
    state
        .sink
        .send(Envelope { source: "intake".into(), record, ack: Some(ack) })
        .await
        .map_err(|_| ApiError::Unavailable("ingest is stopping; retry shortly".into()))?;
    let rev = done
        .await
        .map_err(|_| ApiError::Unavailable("ingest stopped before storing; retry".into()))?
        .map_err(ApiError::Unavailable)?;
    Ok((StatusCode::CREATED, Json(ComplaintStored { id, rev, stored: true })))
}
