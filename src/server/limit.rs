//! Rate limit for requests without a token (the public): a token bucket per client address.
//! The office and intake systems, which send their tokens, are not limited.

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
    let has_token =
        req.headers().contains_key("authorization") || req.uri().query().is_some_and(|q| q.contains("token="));
    if !has_token {
        let client = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if !state.limiter.allow(client) {
            return super::ApiError::TooManyRequests(format!(
                "more than {PER_SECOND} requests a second from one address; slow down"
            ))
            .into_response();
        }
    }
    next.run(req).await
}
