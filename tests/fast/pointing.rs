//! Voice and pointing together: the wall page says what the gesture cursor rests on over its
//! socket, and "show this" / "call this one" said then (or a moment after the hand drops) means
//! it; with nothing pointed at, the wall says so instead of guessing.

use crate::common;

use common::app::{call, get_as, post, service, OFFICE};
use futures_util::SinkExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn say(svc: &scpm::service::Service, text: &str) -> Value {
    let (status, body) = call(svc, post("/api/commands", Some(OFFICE), &json!({"text": text}).to_string())).await;
    assert_eq!(status.as_u16(), 200, "{text}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_this_and_call_this_one_mean_what_the_cursor_rests_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = scpm::server::app(svc.state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = format!("ws://{addr}/ws/display?token={OFFICE}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the wall's socket");
    let mut point = async |target: &str| {
        ws.send(Message::Text(json!({ "pointing": target }).to_string().into())).await.expect("send");
        // The socket is read in order: a command sent after this sees it once the page's
        // message is taken, which a display round trip proves.
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    // Nothing pointed at: said, not guessed.
    let body = say(&svc, "show this").await;
    assert_eq!(body["understood"], false, "{body}");
    assert!(body.to_string().contains("point at"), "{body}");

    // The traffic screen, then the cursor on Mapo: "show this" shows Mapo's traffic.
    say(&svc, "show me the traffic").await;
    point("district:11440").await;
    let body = say(&svc, "show this").await;
    assert_eq!(body["actions"][0]["district"], "11440", "{body}");
    assert_eq!(body["actions"][0]["topic"], "traffic", "{body}");
    let body = say(&svc, "여기는 어때").await;
    assert_eq!(body["actions"][0]["district"], "11440", "{body}");

    // An incident in the list: the incidents, there, brought forward.
    point("incident:sim-1-i7@11680").await;
    let body = say(&svc, "이거 자세히 보여 줘").await;
    assert_eq!(
        (
            body["actions"][0]["topic"].clone(),
            body["actions"][0]["district"].clone(),
            body["actions"][0]["focus"].clone()
        ),
        (json!("incidents"), json!("11680"), json!("sim-1-i7")),
        "{body}"
    );
    let (_, display) = call(&svc, get_as("/api/display", OFFICE)).await;
    assert_eq!(display["focus"], "sim-1-i7", "{display}");

    // "Call this one" on a district is not a person: said so.
    point("district:11680").await;
    let body = say(&svc, "call this one").await;
    assert!(body.to_string().contains("not a person"), "{body}");

    // An official in the wall's panel: "call this one" asks to call them; the hand dropping
    // just before the sentence ends still counts.
    point("official:transportation").await;
    point("").await;
    let body = say(&svc, "이 사람 연결해").await;
    assert_eq!(body["actions"][0]["type"], "call", "{body}");
    assert_eq!(body["actions"][0]["official"]["id"], "transportation", "{body}");
    // Long after the hand dropped, "this" means nothing any more.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let body = say(&svc, "call this one").await;
    assert!(body.to_string().contains("nothing is pointed at"), "{body}");

    // A pointing the page could not have sent is refused with the reason; nothing changes.
    let url = format!("ws://{addr}/ws/display?token={OFFICE}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the wall's socket");
    for bad in ["planet:mars", "district:../../etc", "incident:x@99", "official:"] {
        ws.send(Message::Text(json!({ "pointing": bad }).to_string().into())).await.expect("send");
    }
    let mut errors = 0;
    use futures_util::StreamExt;
    while errors < 4 {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("in time").expect("open");
        if let Ok(Message::Text(t)) = msg {
            let v: Value = serde_json::from_str(&t).expect("json");
            if v["type"] == "error" {
                assert!(v["message"].as_str().unwrap_or_default().contains("not a pointing"), "{v}");
                errors += 1;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_officials_list_says_what_each_answers_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let (_, body) = call(&svc, get_as("/api/officials", OFFICE)).await;
    let officials = body["officials"].as_array().cloned().unwrap_or_default();
    let of = |id: &str| officials.iter().find(|o| o["official"]["id"] == id).cloned().unwrap_or_default();
    assert!(of("transportation")["topics"].as_array().is_some_and(|t| t.contains(&json!("traffic"))), "{body}");
    assert_eq!(of("mayor_mapo")["district"], "11440", "{body}");
}
