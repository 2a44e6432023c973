//! The service in-process, driven through `app()` with no socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use scpm::config::Config;
use scpm::service::Service;
use serde_json::Value;
use tower::ServiceExt;

pub const OFFICE: &str = "office-secret";

/// A service on the real city data, simulator off, with an office scope ("city" or a district).
pub async fn service(dir: &std::path::Path, scope: &str) -> Service {
    let mut config = Config::default();
    config.paths.data_dir = super::data_dir();
    config.paths.index_dir = dir.join("index");
    config.paths.store = dir.join("store.sqlite");
    config.simulator.enabled = false;
    config.server.intake_token = super::INTAKE_TOKEN.into();
    config.server.office_token = OFFICE.into();
    config.office.scope = scope.into();
    config.index.commit_interval_ms = 100;
    Service::start(config).await.expect("service starts")
}

/// Status and body; a body that is not JSON comes back as a JSON string.
pub async fn call(svc: &Service, req: Request<Body>) -> (StatusCode, Value) {
    let (status, _, bytes) = call_raw(svc, req).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into())))
}

/// Status, content type and raw body.
pub async fn call_raw(svc: &Service, req: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = scpm::server::app(svc.state.clone()).oneshot(req).await.expect("response");
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, content_type, bytes.to_vec())
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

pub fn get_as(uri: &str, token: &str) -> Request<Body> {
    Request::get(uri).header("authorization", format!("Bearer {token}")).body(Body::empty()).expect("request")
}

pub fn post(uri: &str, token: Option<&str>, body: &str) -> Request<Body> {
    let mut b = Request::post(uri).header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_string())).expect("request")
}
