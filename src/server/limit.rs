//! Rate limit for the public: a GCRA bucket per client address (`governor`). Only a token this
//! service gave out exempts a request — the office's or the intake's bearer token, or an
//! official's link on that official's pages; any other `Authorization` header or `token=` is
//! limited like the public, so tokens cannot be guessed at speed. Behind a reverse proxy named
//! in `server.trusted_proxies`, the client is the address the proxy puts in `X-Forwarded-For`;
//! from anyone else that header is ignored (it is the client's to forge).

use super::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Requests a client may burst, and how many it earns back per second.
pub const BURST: u32 = 60;
pub const PER_SECOND: u32 = 20;
/// Every this many requests, buckets that are full again are dropped: the table holds the
/// clients of the last few seconds, not every address ever seen.
const SWEEP_EVERY: u64 = 4096;

pub struct Limiter {
    buckets: DefaultKeyedRateLimiter<IpAddr>,
    seen: AtomicU64,
}

impl Default for Limiter {
    fn default() -> Self {
        let per_second = NonZeroU32::new(PER_SECOND).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN);
        Limiter {
            buckets: DefaultKeyedRateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            seen: 0.into(),
        }
    }
}

impl Limiter {
    /// Takes one request from `client`'s bucket: `Err(seconds)` to wait when it is empty.
    pub fn allow(&self, client: IpAddr) -> Result<(), u64> {
        if self.seen.fetch_add(1, Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
        self.buckets.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Clients with a bucket now.
    pub fn clients(&self) -> usize {
        self.buckets.len()
    }
}

/// Attempts at a secret a person types (the wall's PIN): a few a minute per address, so the
/// digits cannot be tried through.
pub struct Attempts(DefaultKeyedRateLimiter<IpAddr>);

/// PIN attempts an address may make in a row, then one every 12 s.
pub const ATTEMPTS: u32 = 5;

impl Default for Attempts {
    fn default() -> Self {
        let per_minute = NonZeroU32::new(ATTEMPTS).unwrap_or(NonZeroU32::MIN);
        Attempts(DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)))
    }
}

impl Attempts {
    /// One attempt from `client`: `Err(seconds)` to wait when it has used its attempts.
    pub fn allow(&self, client: IpAddr) -> Result<(), u64> {
        self.0.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

pub async fn public_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !trusted(&state, &req) {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let client = client_of(peer, req.headers(), &state.config.load().server.trusted_proxies);
        if let Err(wait) = state.limiter.allow(client) {
            let mut refused = super::ApiError::TooManyRequests(format!(
                "more than {PER_SECOND} requests a second from one address; slow down"
            ))
            .into_response();
            let wait = HeaderValue::from(wait.max(1));
            refused.headers_mut().insert(axum::http::header::RETRY_AFTER, wait);
            return refused;
        }
    }
    next.run(req).await
}

/// The client a request counts against: the peer, or — when the peer is a trusted proxy — the
/// last address in `X-Forwarded-For` that is not one of the proxies (each proxy appends the
/// address it was reached from, so the ones before it are the client's to write).
pub fn client_of(peer: Option<IpAddr>, headers: &axum::http::HeaderMap, proxies: &[IpAddr]) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !proxies.contains(&peer) {
        return peer;
    }
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if proxies.contains(&ip) => continue,
            Ok(ip) => return ip,
            // A hop that is not an address: nothing before it can be trusted.
            Err(_) => return peer,
        }
    }
    peer
}

/// Whether the request carries a token this service gave out (checked again, with the rights,
/// by the handler).
fn trusted(state: &AppState, req: &Request) -> bool {
    let intake = &state.config.load().server.intake_token;
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_last_address_it_did_not_add() {
        let proxies = [ip("127.0.0.1"), ip("10.0.0.2")];
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.2".parse().expect("header"));
        assert_eq!(client_of(Some(ip("127.0.0.1")), &headers, &proxies), ip("203.0.113.9"));
        // From an address that is not a proxy, the header is the client's own words.
        assert_eq!(client_of(Some(ip("198.51.100.7")), &headers, &proxies), ip("198.51.100.7"));
        headers.insert("x-forwarded-for", "203.0.113.9, junk".parse().expect("header"));
        assert_eq!(client_of(Some(ip("127.0.0.1")), &headers, &proxies), ip("127.0.0.1"));
        assert_eq!(client_of(Some(ip("127.0.0.1")), &HeaderMap::new(), &proxies), ip("127.0.0.1"));
    }

    #[test]
    fn a_burst_is_cut_and_told_when_to_come_back() {
        let limiter = Limiter::default();
        let client = ip("203.0.113.9");
        let allowed = (0..100).filter(|_| limiter.allow(client).is_ok()).count();
        assert!((BURST as usize..BURST as usize + 5).contains(&allowed), "{allowed}");
        assert_eq!(limiter.allow(client), Err(1));
        assert!(limiter.allow(ip("203.0.113.10")).is_ok(), "another client has its own bucket");
    }
}
