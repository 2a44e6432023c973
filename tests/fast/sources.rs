//! Connectors against real inputs: an HTTP server on loopback serving recorded Open API
//! payloads (good, empty, error, garbage, unreachable) and a replay file with bad lines.

use crate::common;

use axum::routing::get;
use scpm::config::{HttpPollConfig, ReplayConfig};
use scpm::sources::http_poll::HttpPollConnector;
use scpm::sources::replay::ReplayConnector;
use scpm::sources::{Connector, Health, Record};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const FIXTURES: &[&str] = &["realtime_city_air.json", "error_info100.json", "garbage.html", "bad_row.json"];

fn fixture(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name))
        .expect("fixture")
}

fn district_names() -> HashMap<String, String> {
    common::city().districts.iter().map(|d| (d.name_ko.clone(), d.code.clone())).collect()
}

/// Serves the fixtures in turn, then a 500, then the good payload again.
async fn recorded_api() -> (String, tokio::task::JoinHandle<()>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/{*path}",
        get(move || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                match FIXTURES.get(n) {
                    Some(name) => (axum::http::StatusCode::OK, fixture(name)),
                    None if n == FIXTURES.len() => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "oops".to_string()),
                    None => (axum::http::StatusCode::OK, fixture(FIXTURES[0])),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/sample/json/RealtimeCityAir/1/25/", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_poll_reads_good_payloads_and_reports_bad_ones() {
    let (url, server) = recorded_api().await;
    let cfg = HttpPollConfig {
        name: "air".into(),
        url,
        service: "RealtimeCityAir".into(),
        interval_s: 1,
        timeout_s: 2,
        ca_file: None,
    };
    let connector = Box::new(HttpPollConnector::new(cfg, district_names()).expect("supported"));
    let (sink, mut rx) = mpsc::channel(100);
    let (stop, stop_rx) = watch::channel(false);
    let health = Health::default();
    let task = tokio::spawn(connector.run(sink, health.clone(), stop_rx));
    let mut records = Vec::new();
    // Good, INFO-100, garbage, bad row, 500, then good again: 6 polls, backoff 1 s capped at 1 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while records.len() < 6 && tokio::time::Instant::now() < deadline {
        if let Ok(Some(env)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
            records.push(env.record);
        }
    }
    let _ = stop.send(true);
    let _ = task.await;
    server.abort();
    assert_eq!(records.len(), 6, "two good polls of three rows");
    let Record::Air(gangnam) = &records[1] else { panic!("air") };
    assert_eq!((gangnam.district.as_str(), gangnam.pm25), ("11680", Some(27.0)));
    let Record::Air(mapo) = &records[2] else { panic!("air") };
    assert_eq!((mapo.district.as_str(), mapo.pm10, mapo.pm25), ("11440", None, Some(19.0)));
    let h = health.snapshot()["air"].clone();
    assert_eq!(h.errors, 4, "{h:?}");
    assert_eq!(h.records, 6);
}

#[tokio::test]
async fn http_poll_refuses_unknown_services() {
    let cfg = HttpPollConfig {
        name: "x".into(),
        url: "http://127.0.0.1:9/".into(),
        service: "Nope".into(),
        interval_s: 1,
        timeout_s: 1,
        ca_file: None,
    };
    let err = HttpPollConnector::new(cfg, HashMap::new()).err().expect("refused").to_string();
    assert!(err.contains("RealtimeCityAir"), "{err}");
}

/// The recorded payload over HTTPS, with a certificate for `localhost` from an authority of
/// its own (as a city's internal feeds have); the authority's certificate is returned as PEM.
async fn recorded_api_over_tls() -> (String, String) {
    let authority = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("certificate");
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(authority.signing_key.serialize_der().into());
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let tls = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![authority.cert.der().clone()], key)
        .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let app = axum::Router::new().route("/{*path}", get(|| async { fixture(FIXTURES[0]) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url =
        format!("https://localhost:{}/sample/json/RealtimeCityAir/1/25/", listener.local_addr().expect("addr").port());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else { return };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
            });
        }
    });
    (url, authority.cert.pem())
}

/// One poll of a feed: the records it delivered, or the error its health board shows.
async fn poll_once(cfg: HttpPollConfig) -> Result<usize, String> {
    let connector = Box::new(HttpPollConnector::new(cfg, district_names()).map_err(|e| e.to_string())?);
    let (sink, mut rx) = mpsc::channel(100);
    let (stop, stop_rx) = watch::channel(false);
    let health = Health::default();
    let task = tokio::spawn(connector.run(sink, health.clone(), stop_rx));
    let first = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
    let _ = stop.send(true);
    let _ = task.await;
    match first {
        Ok(Some(_)) => Ok(1 + std::iter::from_fn(|| rx.try_recv().ok()).count()),
        _ => Err(health.snapshot().get("feed").and_then(|h| h.last_error.clone()).unwrap_or_default()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_poll_reads_a_feed_over_https_and_refuses_a_certificate_it_cannot_trust() {
    let (url, authority) = recorded_api_over_tls().await;
    let feed = |ca_file| HttpPollConfig {
        name: "feed".into(),
        url: url.clone(),
        service: "RealtimeCityAir".into(),
        interval_s: 60,
        timeout_s: 2,
        ca_file,
    };
    // The system's authorities do not know the feed's: refused, and the error says why.
    let refused = poll_once(feed(None)).await.expect_err("an unknown authority is refused");
    assert!(refused.to_lowercase().contains("certificate"), "{refused}");
    // With the city's authority in `ca_file`, the feed is read over TLS.
    let dir = tempfile::tempdir().expect("tempdir");
    let pem = dir.path().join("city-ca.pem");
    std::fs::write(&pem, authority).expect("pem");
    assert!(poll_once(feed(Some(pem))).await.expect("read over https") > 0);
    // A file that is not certificates is named when the connector is made.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("junk");
    let err = HttpPollConnector::new(feed(Some(junk)), HashMap::new()).err().expect("refused").to_string();
    assert!(err.contains("junk.pem"), "{err}");
}

#[tokio::test]
async fn replay_skips_bad_lines_and_names_them() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replay.jsonl");
    let connector = Box::new(ReplayConnector::new(ReplayConfig { name: "replay".into(), path, paced: false }));
    let (sink, mut rx) = mpsc::channel(100);
    let (_stop, stop_rx) = watch::channel(false);
    let health = Health::default();
    connector.run(sink, health.clone(), stop_rx).await.expect("replay ends");
    let mut keys = Vec::new();
    while let Ok(env) = rx.try_recv() {
        keys.push(env.record.key());
    }
    assert_eq!(keys, ["replay-1", "replay-i1", "replay-3"]);
    let h = health.snapshot()["replay"].clone();
    assert_eq!((h.errors, h.state.as_str()), (3, "finished"));
    assert!(h.last_error.unwrap_or_default().contains("line 5"));
}

#[tokio::test]
async fn replay_of_a_missing_file_fails_with_the_fix() {
    let cfg = ReplayConfig { name: "gone".into(), path: "/nonexistent/feed.jsonl".into(), paced: false };
    let (sink, _rx) = mpsc::channel(1);
    let (_stop, stop_rx) = watch::channel(false);
    let err = Box::new(ReplayConnector::new(cfg)).run(sink, Health::default(), stop_rx).await.expect_err("fails");
    assert!(err.to_string().contains("replay.path"), "{err}");
}

#[test]
fn an_unreachable_feed_leaves_the_service_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dead = common::free_port();
    let extra = format!(
        "[simulator]\nenabled = false\n[[http_poll]]\nname = \"dead-air\"\nurl = \"http://127.0.0.1:{dead}/x\"\nservice = \"RealtimeCityAir\"\ninterval_s = 1\ntimeout_s = 1\n"
    );
    let server = common::Server::start(dir.path(), &extra);
    let health = common::eventually(Duration::from_secs(20), || {
        let (_, body) = common::reqwest::get_json(&format!("{}/healthz", server.base)).ok()?;
        (body["sources"]["dead-air"]["errors"].as_u64()? >= 2).then_some(body)
    })
    .expect("errors are reported while the service stays up");
    assert!(
        health["sources"]["dead-air"]["last_error"].as_str().unwrap_or_default().contains("cannot reach"),
        "{health}"
    );
}
