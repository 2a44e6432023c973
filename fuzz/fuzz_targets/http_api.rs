//! Arbitrary requests to the HTTP API (`app()`, no socket): a method, a path with a query, and a
//! body, with and without the office token. Every answer is a status, never a panic.
#![no_main]

mod common;

use axum::body::Body;
use axum::http::Request;
use common::World;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        common::world(|config| {
            config.server.office_token = "fuzz".into();
            config.server.intake_token = "fuzz".into();
        })
    })
}

const PATHS: &[&str] = &[
    "/api/commands",
    "/api/search?",
    "/api/complaints",
    "/api/resolve?",
    "/api/audit?",
    "/api/state?",
    "/healthz",
    "/api/realtime?",
    "/api/opinion?",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let split = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
    let (query, body) = rest.split_at(split);
    let path = PATHS[selector as usize % PATHS.len()];
    let uri = format!("{path}{}", String::from_utf8_lossy(query).chars().filter(|c| c.is_ascii_graphic()).collect::<String>());
    let method = if selector & 0x80 != 0 { "POST" } else { "GET" };
    let mut req = Request::builder().method(method).uri(uri.as_str()).header("content-type", "application/json");
    if selector & 0x40 != 0 {
        req = req.header("authorization", "Bearer fuzz");
    }
    let Ok(req) = req.body(Body::from(body.to_vec())) else { return };
    let w = world();
    let app = scpm::server::app(w.service.state.clone());
    let response = w.rt.block_on(app.oneshot(req)).expect("infallible");
    assert!(response.status().as_u16() < 500 || response.status().as_u16() == 503, "{uri}: {}", response.status());
});
