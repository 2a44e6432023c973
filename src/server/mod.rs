//! The HTTP API. [`app`] builds the whole router from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` and no socket. Handlers are thin: they check rights and input,
//! then call the index, the store or the ingest sink.

mod answers;
mod api;
mod calls;
mod cctv;
mod error;
mod help;
mod limit;
mod listen;
mod lock;
mod office;
mod openapi;
mod ready;
mod realtime;
mod replay;
mod screens;
mod wall;
mod web;
mod window;

pub use error::ApiError;
pub use listen::serve;

use crate::city::City;
use crate::config::Config;
use crate::index::CityIndex;
use crate::metrics::Metrics;
use crate::office::Office;
use crate::sources::{Health, Sink};
use crate::store::Store;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::sync::{Arc, Mutex};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The config, live: SIGHUP swaps in the keys of `config::reload::LIVE`.
    pub config: Arc<arc_swap::ArcSwap<Config>>,
    pub city: Arc<City>,
    pub index: Arc<CityIndex>,
    /// A reading connection (SQLite's WAL, or PostgreSQL, lets it read while the ingest loop writes).
    pub store: Arc<Mutex<Store>>,
    pub sink: Sink,
    pub health: Health,
    pub metrics: Arc<Metrics>,
    /// The office: its wall, conversation and calls. Handlers change the wall only through it.
    pub office: Arc<Office>,
    /// The bearer token of the office wall (from the config, or generated on first start).
    pub office_token: Arc<String>,
    /// Per-address rate limit for requests without a token.
    pub limiter: Arc<limit::Limiter>,
    /// The digits that unlock the office wall (from the config, or generated on first start).
    pub unlock_pin: Arc<String>,
    /// PIN attempts per address: a few a minute.
    pub unlock_attempts: Arc<limit::Attempts>,
    /// Whether this process runs each of the city's sources (always, on SQLite).
    pub leaderships: Vec<crate::store::Leadership>,
    /// The public's replayed screens, each answered once a minute.
    pub replays: Arc<replay::Replays>,
}

pub fn app(state: AppState) -> Router {
    let (router, doc) = routes().clone();
    router
        .layer(axum::Extension(doc))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit::public_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count_requests))
        .layer(axum::middleware::from_fn(guard_headers))
        .with_state(state)
}

/// The routes and their description, built once: each route from its handler's own
/// `#[utoipa::path]`, so none is served undescribed.
fn routes() -> &'static (Router<AppState>, Arc<openapi::Described>) {
    static ROUTES: std::sync::OnceLock<(Router<AppState>, Arc<openapi::Described>)> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| {
        let (router, doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
            .routes(routes!(api::healthz))
            .routes(routes!(ready::readyz))
            .routes(routes!(api::metrics))
            .routes(routes!(api::search))
            .routes(routes!(api::resolve))
            .routes(routes!(api::city_state))
            .routes(routes!(api::submit_complaint))
            .routes(routes!(office::command))
            .routes(routes!(lock::unlock))
            .routes(routes!(office::display))
            .routes(routes!(office::audit))
            .routes(routes!(calls::calls))
            .routes(routes!(calls::officials))
            .routes(routes!(calls::official_page))
            .routes(routes!(calls::official_socket))
            .routes(routes!(calls::wall_socket))
            .routes(routes!(realtime::realtime))
            .routes(routes!(screens::opinion))
            .routes(routes!(screens::indicators))
            .routes(routes!(screens::indicator))
            .routes(routes!(screens::pledges))
            .routes(routes!(help::page_help))
            .routes(routes!(cctv::still))
            .routes(routes!(cctv::stream))
            .routes(routes!(wall::socket))
            .routes(routes!(web::office_page))
            .routes(routes!(web::public_page))
            .routes(routes!(web::static_file))
            .routes(routes!(web::geo))
            .routes(routes!(web::complaint))
            .routes(routes!(openapi::described))
            .split_for_parts();
        (router, Arc::new(openapi::Described::of(openapi::finish(doc))))
    })
}

/// What the pages may load: their own scripts and the service's own data and sockets, nothing
/// from elsewhere, never framed (the wall keeps the office token).
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// Whether a WebSocket request comes from a page of this service: browsers send the page's
/// origin, which must name the host the request was sent to (a page elsewhere cannot open the
/// wall's sockets with a token it took). Clients that are not browsers send none.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let origin = origin.to_str().unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// Headers every answer carries: no content sniffing, no referrer, no framing, and for the pages
/// a content security policy; an answer to a request with a token is never cached. WebSockets
/// opened from another site's page are refused.
async fn guard_headers(req: Request, next: Next) -> Response {
    let private =
        req.headers().contains_key(header::AUTHORIZATION) || req.uri().query().is_some_and(|q| q.contains("token="));
    if req.uri().path().starts_with("/ws/") && !same_origin(req.headers()) {
        return axum::response::IntoResponse::into_response(ApiError::Forbidden(
            "this socket opens only from the service's own pages (the Origin names another site)".into(),
        ));
    }
    let mut response = error::in_json_shape(next.run(req).await).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let policy = if html { PAGE_POLICY } else { "frame-ancestors 'none'" };
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    state.metrics.http_requests.inc();
    let response = next.run(req).await;
    if response.status().is_client_error() {
        state.metrics.http_client_errors.inc();
    }
    response
}
