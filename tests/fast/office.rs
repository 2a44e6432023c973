//! One way to change the wall: a command from any channel is in the audit log on disk before
//! any wall sees it, and a command that cannot be audited changes nothing. Typed commands come
//! over HTTP, touches over the wall's real socket, gestures through `Office::gesture` (the
//! camera loop's own entry); the microphone's are in tests/models/voice.rs.

use crate::common;

use futures_util::{SinkExt, StreamExt};
use scpm::action::Action;
use scpm::gesture::{Catalog, Event, Side};
use scpm::service::Service;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(service: &Service) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = scpm::server::app(service.state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("127.0.0.1:{}", addr.port())
}

/// The audit rows on disk, read through a connection of the test's own.
fn audit_on_disk(store: &Path) -> usize {
    let db = rusqlite::Connection::open(store).expect("store");
    db.query_row("SELECT COUNT(*) FROM audit", [], |r| r.get::<_, i64>(0)).expect("count") as usize
}

/// Makes every audit write fail (as a full or broken disk would), or lets them through again.
fn break_audit(store: &Path, broken: bool) {
    let db = rusqlite::Connection::open(store).expect("store");
    let sql = if broken {
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'the disk says no'); END;"
    } else {
        "DROP TRIGGER no_audit;"
    };
    db.execute_batch(sql).expect("trigger");
}

fn swipe() -> Event {
    Event { t_ms: 0, gesture: "swipe_left".into(), hand: Side::Right, confidence: 0.9, at: None, pan: None }
}

async fn touch(ws: &mut Socket, action: &Action) {
    let message = serde_json::json!({ "action": action }).to_string();
    ws.send(Message::Text(message.into())).await.expect("send");
}

/// The next error message the wall's socket sends (skipping display states).
async fn next_error(ws: &mut Socket) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("in time").expect("open");
        if let Ok(Message::Text(t)) = msg {
            let v: Value = serde_json::from_str(&t).expect("json");
            if v["type"] == "error" {
                return v["message"].as_str().unwrap_or_default().to_string();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_channel_is_audited_on_disk_before_the_wall_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store.sqlite");
    let service = common::app::service(dir.path(), "city").await;
    let office = service.state.office.clone();
    let addr = serve(&service).await;
    let url = format!("ws://{addr}/ws/display?token={}", common::app::OFFICE);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the wall's socket");
    let catalog = Catalog::load(&Catalog::default_path()).expect("gestures");

    // A watcher that, at each change a wall is sent, counts the audit rows on disk.
    let mut changes = office.subscribe();
    let watched = store.clone();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while changes.changed().await.is_ok() {
            let version = changes.borrow_and_update().version;
            seen.push((version, audit_on_disk(&watched)));
            if version >= 3 {
                break;
            }
        }
        seen
    });

    // With the audit log unwritable, no channel changes the wall, and each says why.
    break_audit(&store, true);
    let typed = common::app::post("/api/commands", Some(common::app::OFFICE), r#"{"text":"show traffic"}"#);
    let (status, body) = common::app::call(&service, typed).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("audit"), "{body}");
    touch(&mut ws, &Action::show("pledges")).await;
    assert!(next_error(&mut ws).await.contains("audit"));
    assert!(office.gesture(&catalog, &swipe()).is_err());
    assert_eq!(office.display().expect("display").version, 0, "nothing changed");
    assert_eq!(audit_on_disk(&store), 0);

    // Audited again: each channel's command is on disk by the time the wall is told.
    break_audit(&store, false);
    let typed = common::app::post("/api/commands", Some(common::app::OFFICE), r#"{"text":"show traffic"}"#);
    let (status, body) = common::app::call(&service, typed).await;
    assert_eq!(status, 200, "{body}");
    touch(&mut ws, &Action::show("pledges")).await;
    common::eventually(Duration::from_secs(10), || (audit_on_disk(&store) == 2).then_some(()))
        .expect("the touch is audited");
    let done = office.gesture(&catalog, &swipe()).expect("audited").expect("a swipe pages on");
    assert_eq!((done.applied.version, done.refused), (3, None));
    let seen = tokio::time::timeout(Duration::from_secs(10), watcher).await.expect("watched").expect("watcher");
    assert!(!seen.is_empty());
    for (version, rows) in &seen {
        assert!(*rows as u64 >= *version, "the wall was at version {version} with {rows} audit rows on disk: {seen:?}");
    }
    let (_, audit) = common::app::call(&service, common::app::get_as("/api/audit", common::app::OFFICE)).await;
    let channels: Vec<&str> =
        audit["rows"].as_array().expect("rows").iter().filter_map(|r| r["channel"].as_str()).collect();
    assert_eq!(channels.len(), 3, "{audit:#}");
    for channel in ["text", "touch", "gesture"] {
        assert!(channels.contains(&channel), "{channel} audited: {audit:#}");
    }
}

/// The cursor, the listening overlay and the call manager's view are not commands: they show
/// on the wall without an audit row, and the cursor without a new version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_not_a_command_shows_without_an_audit_row() {
    use scpm::display::{Cursor, Listening};
    use scpm::office::View;
    let dir = tempfile::tempdir().expect("tempdir");
    let service = common::app::service(dir.path(), "city").await;
    let office = service.state.office.clone();
    office.show(View::Cursor(Some(Cursor { x: 0.5, y: 0.5, mode: "point".into() })));
    let display = office.display().expect("display");
    assert_eq!((display.version, display.cursor.is_some()), (0, true));
    let heard = Listening { state: "heard".into(), transcript: "zoom in".into(), lang: "en".into(), understood: true };
    office.show(View::Listening(Some(heard)));
    assert_eq!(office.display().expect("display").version, 1);
    assert_eq!(audit_on_disk(&dir.path().join("store.sqlite")), 0);
}

/// A touch stands for the intent a spoken command with its effect has, and is checked like one:
/// a district that does not exist or a zoom "sideways" is refused with the reason, audited, and
/// changes nothing; placing the call the wall asks about is a yes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_touch_is_checked_like_a_spoken_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = common::app::service(dir.path(), "city").await;
    let office = service.state.office.clone();
    let addr = serve(&service).await;
    let url = format!("ws://{addr}/ws/display?token={}", common::app::OFFICE);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the wall's socket");
    let bad = [
        r#"{"action":{"type":"show","topic":"air_quality","district":"99999"}}"#,
        r#"{"action":{"type":"zoom","direction":"sideways"}}"#,
        r#"{"action":{"type":"show","topic":"teleport"}}"#,
    ];
    for message in bad {
        ws.send(Message::Text(message.into())).await.expect("send");
        let error = next_error(&mut ws).await;
        assert!(error.contains("not carried out"), "{message}: {error}");
    }
    assert_eq!(office.display().expect("display").version, 0, "nothing changed");
    let store = scpm::store::Store::open(&dir.path().join("store.sqlite")).expect("store");
    let rows = store.audit_tail(10).expect("audit");
    assert_eq!(rows.len(), 3, "refused touches are audited too: {rows:?}");
    assert!(rows.iter().all(|r| r.channel == "touch" && r.outcome.starts_with("not resolved")), "{rows:?}");

    // "Call the head of Gangnam?" on the wall, and the wall's button places it.
    let ask = common::app::post("/api/commands", Some(common::app::OFFICE), r#"{"text":"call the mayor of Gangnam"}"#);
    let (status, body) = common::app::call(&service, ask).await;
    assert_eq!((status.as_u16(), body["actions"][0]["needs_confirmation"].as_bool()), (200, Some(true)), "{body}");
    let official = body["actions"][0]["official"].clone();
    let place = serde_json::json!({"action": {"type": "call", "official": official, "needs_confirmation": false}});
    ws.send(Message::Text(place.to_string().into())).await.expect("send");
    let placed = common::eventually(Duration::from_secs(10), || {
        let rows = store.audit_tail(10).ok()?;
        rows.into_iter().find(|r| r.channel == "touch" && r.intent == "confirm")
    })
    .unwrap_or_else(|| panic!("the touch is taken as a yes: {:#?}", store.audit_tail(10)));
    assert!(placed.actions.contains("\"needs_confirmation\":false"), "{placed:?}");

    // A search is bounded as typed ones are, and a message larger than a touch ends the socket.
    let long = serde_json::json!({"action": {"type": "search", "query": "x".repeat(300)}});
    ws.send(Message::Text(long.to_string().into())).await.expect("send");
    assert!(next_error(&mut ws).await.contains("at most 200"));
    let huge = serde_json::json!({"action": {"type": "search", "query": "x".repeat(5000)}});
    let _ = ws.send(Message::Text(huge.to_string().into())).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert_eq!(closed.ok(), Some(true), "the wall's socket is closed on a message over 4 KiB");
}
