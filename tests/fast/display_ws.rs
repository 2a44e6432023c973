//! The wall's live connection over a real socket: every open wall gets each display change,
//! a touch on one wall moves the others, a reconnecting page resumes at the current version,
//! and only the office token opens it.

use crate::common;

use futures_util::{SinkExt, StreamExt};
use scpm::config::Config;
use scpm::service::Service;
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const OFFICE: &str = "wall-token";

async fn start(dir: &std::path::Path) -> (Service, String) {
    let mut config = Config::default();
    config.paths.data_dir = common::data_dir();
    config.paths.index_dir = dir.join("index");
    config.paths.store = dir.join("store.sqlite");
    config.simulator.enabled = false;
    config.server.office_token = OFFICE.into();
    let service = Service::start(config).await.expect("service");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = scpm::server::app(service.state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (service, format!("127.0.0.1:{}", addr.port()))
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: &str) -> Socket {
    let (ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws/display?token={OFFICE}")).await.expect("connect");
    ws
}

/// The next display state a wall receives.
async fn next_state(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("ok");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).expect("json");
            if v["type"] == "display" {
                return v["state"].clone();
            }
            panic!("unexpected message {v}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walls_stay_in_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (service, addr) = start(dir.path()).await;
    let (mut a, mut b) = (connect(&addr).await, connect(&addr).await);
    let first = next_state(&mut a).await;
    assert_eq!(next_state(&mut b).await, first);
    assert_eq!(first["topic"], "overview");

    let response = reqwest::Client::new()
        .post(format!("http://{addr}/api/commands"))
        .bearer_auth(OFFICE)
        .header("content-type", "application/json")
        .body(r#"{"text":"강남구 미세먼지 보여줘"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    for ws in [&mut a, &mut b] {
        let s = next_state(ws).await;
        assert_eq!((s["topic"].as_str(), s["district"].as_str()), (Some("air_quality"), Some("11680")), "{s}");
        assert_eq!(s["version"], body["display_version"]);
    }

    // A click on Mapo on wall A moves wall B.
    let touch = r#"{"action":{"type":"show","topic":"air_quality","district":"11440","indicator":null}}"#;
    a.send(Message::Text(touch.into())).await.expect("send");
    let s = next_state(&mut b).await;
    assert_eq!(s["district"], "11440");
    let version = s["version"].clone();
    assert_eq!(next_state(&mut a).await["district"], "11440");

    // Garbage from a page is answered with an error and changes nothing.
    a.send(Message::Text("{\"action\":{\"type\":\"teleport\"}}".into())).await.expect("send");
    let msg = tokio::time::timeout(Duration::from_secs(10), a.next()).await.expect("reply").expect("open").expect("ok");
    let reply: Value = serde_json::from_str(msg.to_text().expect("text")).expect("json");
    assert_eq!(reply["type"], "error", "{reply}");

    // A page that reconnects resumes at the current version.
    drop(b);
    let mut c = connect(&addr).await;
    let s = next_state(&mut c).await;
    assert_eq!((s["version"].clone(), s["district"].as_str()), (version, Some("11440")));

    // The touch was audited like any command.
    let store = scpm::store::Store::open(&dir.path().join("store.sqlite")).expect("store");
    let rows = store.audit_tail(10).expect("audit");
    assert!(rows.iter().any(|r| r.channel == "touch" && r.input.contains("11440")), "{rows:?}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_office_token_opens_the_wall() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (service, addr) = start(dir.path()).await;
    for url in [format!("ws://{addr}/ws/display"), format!("ws://{addr}/ws/display?token=guess")] {
        match tokio_tungstenite::connect_async(url.as_str()).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert!(matches!(response.status().as_u16(), 401 | 403), "{url}: {}", response.status())
            }
            other => panic!("{url}: expected a refusal, got {:?}", other.map(|_| "a socket")),
        }
    }
    service.stop().await;
}
