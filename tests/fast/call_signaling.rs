//! Call rights and the call state machine over the real service, with an official's page played
//! by a WebSocket client (no media): wrong tokens and the public are refused, garbage on the
//! signaling socket gets an error and the socket stays up, and a call ends as declined, busy,
//! offline or unanswered — each in the call log and the audit.

use crate::common;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn ws_url(base: &str, path: &str) -> String {
    format!("{}{path}", base.replacen("http", "ws", 1))
}

async fn office(base: &str, path: &str) -> Value {
    let (status, body) = tokio::task::spawn_blocking({
        let url = format!("{base}{path}");
        move || common::reqwest::get_json_as(&url, Some(common::OFFICE_TOKEN))
    })
    .await
    .expect("join")
    .expect("get");
    assert_eq!(status, 200, "{path}: {body}");
    body
}

async fn command(base: &str, text: &str) {
    let (base, text) = (base.to_string(), text.to_string());
    let (status, body) = tokio::task::spawn_blocking(move || {
        common::reqwest::post_json(
            &format!("{base}/api/commands"),
            Some(common::OFFICE_TOKEN),
            &json!({"text": text}).to_string(),
        )
    })
    .await
    .expect("join")
    .expect("post");
    assert_eq!((status, body["understood"].clone()), (200, json!(true)), "{body}");
}

async fn official_socket(base: &str, id: &str) -> Socket {
    let officials = office(base, "/api/officials").await;
    let link = officials["officials"]
        .as_array()
        .and_then(|l| l.iter().find(|o| o["official"]["id"] == id))
        .and_then(|o| o["link"].as_str())
        .expect("link")
        .to_string();
    let (mut socket, _) =
        tokio_tungstenite::connect_async(ws_url(base, &link.replacen("/official/", "/ws/official/", 1)))
            .await
            .expect("official socket");
    assert_eq!(next(&mut socket).await["type"], "hello");
    socket
}

async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a message within 20 s")
            .expect("open")
            .expect("frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("json");
        }
    }
}

async fn send(socket: &mut Socket, value: Value) {
    socket.send(Message::Text(value.to_string().into())).await.expect("send");
}

/// Waits for the call log row of `official` to end, and returns it.
async fn ended_row(base: &str, official: &str) -> Value {
    for _ in 0..200 {
        let calls = office(base, "/api/calls").await;
        let row = calls["log"].as_array().and_then(|l| l.iter().find(|r| r["official_id"] == official).cloned());
        if let Some(row) = row.filter(|r| r["end_reason"].is_string()) {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no ended call to {official} in the log");
}

#[test]
fn call_rights_bad_messages_and_how_calls_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server =
        common::Server::start(dir.path(), "[commands]\nconfirm_calls = false\n[calls]\nring_timeout_s = 5.0\n");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let base = &server.base;
        // Rights: the public and wrong tokens are refused, and say why.
        let client = reqwest::Client::new();
        for path in ["/api/calls", "/api/officials", "/official/transportation?token=0123", "/ws/call"] {
            let response = client.get(format!("{base}{path}")).send().await.expect("get");
            assert_eq!(response.status().as_u16(), 403, "{path}");
        }
        let body: Value = client
            .get(format!("{base}/official/transportation?token=0123"))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert!(body["message"].as_str().is_some_and(|e| e.contains("not valid for `transportation`")), "{body}");
        assert_eq!(
            client.get(format!("{base}/official/nobody?token=00")).send().await.expect("get").status().as_u16(),
            404
        );
        assert!(tokio_tungstenite::connect_async(ws_url(base, "/ws/official/transportation?token=00")).await.is_err());
        assert!(tokio_tungstenite::connect_async(ws_url(base, "/ws/call?token=wrong")).await.is_err());

        // Garbage on the signaling socket: an error that names the problem, and the socket stays.
        let mut page = official_socket(base, "transportation").await;
        for garbage in [
            "garbage".to_string(),
            json!({"type": "answer", "call": "c1", "sdp": "not sdp"}).to_string(),
            json!({"type": "candidate", "call": "c1", "candidate": {"candidate": "candidate:x"}}).to_string(),
            json!({"type": "accept", "call": "no-such-call"}).to_string(),
            "x".repeat(50_000),
        ] {
            page.send(Message::Text(garbage.clone().into())).await.expect("send");
            let reply = next(&mut page).await;
            assert_eq!(reply["type"], "error", "{garbage:.60}: {reply}");
        }

        // Declined: the page rings, the official declines.
        command(base, "교통실장 연결해").await;
        let ring = next(&mut page).await;
        assert_eq!(ring["type"], "ring", "{ring}");
        send(&mut page, json!({"type": "decline", "call": ring["call"]})).await;
        assert_eq!(next(&mut page).await["reason"], "declined");
        assert_eq!(ended_row(base, "transportation").await["end_reason"], "declined");

        // Busy: the official set "busy" on the page.
        let mut busy = official_socket(base, "welfare").await;
        send(&mut busy, json!({"type": "presence", "status": "busy"})).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        command(base, "복지정책실장 연결해").await;
        assert_eq!(next(&mut busy).await["reason"], "busy");
        assert_eq!(ended_row(base, "welfare").await["end_reason"], "busy");

        // Offline: nobody has the page open.
        command(base, "마포구청장 연결해").await;
        assert_eq!(ended_row(base, "mayor_mapo").await["end_reason"], "offline");
        // The log row is written first, then the wall is told: wait for the wall's side.
        let mut display = Value::Null;
        for _ in 0..100 {
            display = office(base, "/api/display").await;
            if display["call"]["legs"][0]["reason"] == "offline" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(display["call"]["legs"][0]["reason"], "offline", "{display}");

        // No answer: the page rings for ring_timeout_s and nobody answers.
        let mut away = official_socket(base, "safety").await;
        command(base, "안전총괄실장 연결해").await;
        assert_eq!(next(&mut away).await["type"], "ring");
        assert_eq!(next(&mut away).await["reason"], "no_answer");
        let row = ended_row(base, "safety").await;
        assert_eq!((row["end_reason"].clone(), row["answered_at"].clone()), (json!("no_answer"), Value::Null));

        // The manager is still there: a new call rings; a touch on the wall's hang-up button
        // (an action over /ws/display, audited as a touch) ends it.
        command(base, "교통실장 연결해").await;
        assert_eq!(next(&mut page).await["type"], "ring");
        let (mut wall, _) =
            tokio_tungstenite::connect_async(ws_url(base, &format!("/ws/display?token={}", common::OFFICE_TOKEN)))
                .await
                .expect("display socket");
        send(&mut wall, json!({"action": {"type": "hang_up"}})).await;
        assert_eq!(next(&mut page).await["reason"], "hung_up");

        let audit = office(base, "/api/audit?limit=100").await;
        let outcomes: Vec<&str> = audit["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["channel"] == "call")
            .filter_map(|r| r["outcome"].as_str())
            .collect();
        assert!(
            audit["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .any(|r| r["channel"] == "touch" && r["actions"].as_str().is_some_and(|a| a.contains("hang_up"))),
            "{audit}"
        );
        for reason in ["declined", "busy", "offline", "no_answer", "hung_up"] {
            assert!(outcomes.contains(&reason), "{reason} audited: {outcomes:?}");
        }
        // The service is still healthy after all of it.
        assert_eq!(client.get(format!("{base}/healthz")).send().await.expect("get").status().as_u16(), 200);
    });
}

/// A call in progress when the service is killed is not left open in the call log: the next
/// start ends it as "interrupted", and says so in its log.
#[test]
fn a_call_cut_off_by_a_crash_is_logged_as_interrupted_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = "[commands]\nconfirm_calls = false\n[calls]\nring_timeout_s = 60.0\n";
    let mut server = common::Server::start(dir.path(), config);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // The official's page stays open until after the kill (closing it would end the leg).
    let _page = rt.block_on(async {
        let mut page = official_socket(&server.base, "transportation").await;
        command(&server.base, "교통실장 연결해").await;
        assert_eq!(next(&mut page).await["type"], "ring");
        let calls = office(&server.base, "/api/calls").await;
        assert_eq!(calls["log"][0]["ended_at"], Value::Null, "ringing: the leg is open: {calls}");
        page
    });
    server.kill9();

    let server = common::Server::start(dir.path(), config);
    rt.block_on(async {
        let calls = office(&server.base, "/api/calls").await;
        let row = &calls["log"][0];
        assert_eq!(row["official_id"], "transportation", "{calls}");
        assert_eq!(row["end_reason"], scpm::call::INTERRUPTED, "{calls}");
        assert!(row["ended_at"].is_string(), "{calls}");
    });
}
