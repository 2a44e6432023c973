//! Rate limit for the public: a token bucket per client address. Only a token this service gave
//! out exempts a request — the office's or the intake's bearer token, or an official's link on
//! that official's pages; any other `Authorization` header or `token=` is limited like the
//! public, so tokens cannot be guessed at speed.

use super::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

/// Requests a client may burst, and how many it earns back per second.
pub const BURST: f64 = 60.0;
pub const PER_SECOND: f64 = 20.0;
const MAX_CLIENTS: usize = 10_000;

#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    /// Takes one request from `client`'s bucket; false when it is empty.
    pub fn allow(&self, client: IpAddr) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else { return true };
        let now = Instant::now();
        if buckets.len() > MAX_CLIENTS {
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs() < 60);
        }
        let (tokens, at) = buckets.entry(client).or_insert((BURST, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * PER_SECOND).min(BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub async fn public_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !trusted(&state, &req) {
        let client = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if !state.limiter.allow(client) {
            let mut refused = super::ApiError::TooManyRequests(format!(
                "more than {PER_SECOND} requests a second from one address; slow down"
            ))
            .into_response();
            refused.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
            return refused;
        }
    }
    next.run(req).await
}

/// Whether the request carries a token this service gave out (checked again, with the rights,
/// by the handler).
fn trusted(state: &AppState, req: &Request) -> bool {
    let intake = &state.config.server.intake_token;
    let known = |token: &str| {
        super::api::same_secret(token, &state.office_token)
            || (!intake.is_empty() && super::api::same_secret(token, intake))
    };
    if super::api::bearer(req.headers()).is_some_and(known) {
        return true;
    }
    let Some(token) = req.uri().query().and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token="))) else {
        return false;
    };
    if known(token) {
        return true;
    }
    // An official's link opens that official's page and socket.
    let path = req.uri().path();
    let official = path.strip_prefix("/official/").or_else(|| path.strip_prefix("/ws/official/"));
    official.is_some_and(|id| state.office.calls().token_matches(id, token))
}
