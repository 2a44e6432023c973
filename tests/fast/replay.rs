//! Time on the wall: the real-time screen over a window, and replay — the city as it was at a
//! past time, each incident in the status it had then, from the versions the store keeps — asked
//! for by voice ("show me the city at 3 pm yesterday"), by the wall's slider, and through the API.

use crate::common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::app::{call, get, get_as, post, service, OFFICE};
use scpm::sources::record::Incident;
use scpm::sources::Record;
use scpm::store::Store;
use serde_json::{json, Value};

fn incident(
    id: &str,
    received: DateTime<Utc>,
    dispatched: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
) -> Record {
    Record::Incident(Incident {
        id: id.into(),
        line: "119".into(),
        category: "fire".into(),
        district: "11440".into(),
        position: [126.92, 37.556],
        place: "서교동".into(),
        summary_ko: format!("{id} 상가 화재"),
        summary_en: format!("{id} shop fire"),
        received_at: received,
        dispatched_at: dispatched,
        arrived_at: None,
        closed_at: closed,
        unit: String::new(),
    })
}

/// The status of each incident on the real-time screen, by id.
fn statuses(body: &Value) -> Vec<(String, String)> {
    body["incidents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| (i["id"].as_str().unwrap_or_default().into(), i["status"].as_str().unwrap_or_default().into()))
        .collect()
}

fn query_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339().replace('+', "%2B")
}

async fn command(svc: &scpm::service::Service, text: &str) -> Value {
    let (status, body) = call(svc, post("/api/commands", Some(OFFICE), &json!({"text": text}).to_string())).await;
    assert_eq!(status, StatusCode::OK, "{text}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_shows_each_incident_as_it_was_and_windows_are_echoed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = Utc::now();
    let (received, dispatched, closed) =
        (now - Duration::hours(3), now - Duration::minutes(170), now - Duration::hours(1));
    {
        // A fire received three hours ago, dispatched ten minutes later, closed an hour ago; a
        // second one half an hour ago. Each version as the feed sent it.
        let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
        for version in [
            incident("A", received, None, None),
            incident("A", received, Some(dispatched), None),
            incident("A", received, Some(dispatched), Some(closed)),
            incident("B", now - Duration::minutes(30), None, None),
        ] {
            store.upsert([("city-feed", &version)]).expect("write");
        }
    }
    let svc = service(dir.path(), "city").await;

    // Live: A closed, B received.
    let (status, live) = call(&svc, get_as("/api/realtime", OFFICE)).await;
    assert_eq!(status, StatusCode::OK, "{live}");
    assert_eq!(statuses(&live), [("B".into(), "received".into()), ("A".into(), "closed".into())]);
    assert_eq!((live["period"].clone(), live["at"].clone()), (json!("live"), Value::Null));

    // Two hours ago: A was dispatched, B not yet received; no CCTV recording of then.
    let then = now - Duration::hours(2);
    let (status, past) = call(&svc, get_as(&format!("/api/realtime?at={}", query_time(then)), OFFICE)).await;
    assert_eq!(status, StatusCode::OK, "{past}");
    assert_eq!(statuses(&past), [("A".into(), "dispatched".into())]);
    assert_eq!(past["period"], "replay");
    let echoed: DateTime<Utc> = serde_json::from_value(past["at"].clone()).expect("at echoed");
    assert_eq!(echoed.timestamp(), then.timestamp());
    assert_eq!(past["cctv"]["restricted"], true, "{past}");
    assert!(past["cctv"]["reason"].as_str().unwrap_or_default().contains("live only"), "{past}");
    let history_from: DateTime<Utc> = serde_json::from_value(past["history_from"].clone()).expect("history_from");
    assert_eq!(history_from.timestamp(), received.timestamp());

    // The overview's state too, and its 24-hour counts are of the 24 hours before then.
    let (status, state) = call(&svc, get_as(&format!("/api/state?at={}", query_time(then)), OFFICE)).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["incidents"]["last_24h"], 1, "{state}");
    assert!(state["incidents"]["latest"][0]["dispatched_at"].is_string(), "{state}");
    assert!(state["incidents"]["latest"][0]["closed_at"].is_null(), "{state}");

    // A window: the incidents received in it, and the window echoed.
    let from = now - Duration::hours(4);
    let to = now - Duration::hours(1);
    let uri = format!("/api/realtime?from={}&to={}", query_time(from), query_time(to));
    let (status, window) = call(&svc, get_as(&uri, OFFICE)).await;
    assert_eq!(status, StatusCode::OK, "{window}");
    assert_eq!(statuses(&window), [("A".into(), "closed".into())], "B came after the window");
    assert_eq!(window["period"], "custom");
    let (_, today) = call(&svc, get_as("/api/realtime?period=today", OFFICE)).await;
    assert_eq!(today["period"], "today", "{today}");
    assert!(today["from"].is_string() && today["to"].is_string(), "{today}");

    // The public: the same past, the time taken to the minute, and never a camera.
    let (status, public) = call(&svc, get(&format!("/api/realtime?at={}", query_time(then)))).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    let minute: DateTime<Utc> = serde_json::from_value(public["at"].clone()).expect("at");
    assert_eq!(minute.timestamp() % 60, 0, "{public}");
    assert_eq!(statuses(&public), [("A".into(), "dispatched".into())]);

    // Refused, with what to do: the future, before the kept history, both a time and a window.
    for (uri, words) in [
        (format!("/api/realtime?at={}", query_time(now + Duration::hours(1))), "future"),
        (format!("/api/realtime?at={}", query_time(now - Duration::days(40))), "history.keep_days"),
        (format!("/api/realtime?at={}&period=today", query_time(then)), "not both"),
        ("/api/realtime?at=yesterday".to_string(), "RFC 3339"),
        ("/api/state?at=3pm".to_string(), "RFC 3339"),
    ] {
        let (status, body) = call(&svc, get_as(&uri, OFFICE)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body["message"].as_str().unwrap_or_default().contains(words), "{uri}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_is_asked_for_in_words_and_left_for_live() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    command(&svc, "인구 현황 보여줘").await;
    for (text, lang) in [("show me the city at 3 pm yesterday", "en"), ("어제 오후 3시 상황 보여 줘", "ko")] {
        let body = command(&svc, text).await;
        assert_eq!(body["understood"], true, "{text}: {body}");
        let (_, display) = call(&svc, get_as("/api/display", OFFICE)).await;
        let at: DateTime<Utc> = serde_json::from_value(display["replay"].clone()).expect("replaying");
        let seoul = at.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("Seoul"));
        let yesterday = (Utc::now().with_timezone(&seoul.timezone()) - Duration::days(1)).date_naive();
        assert_eq!((seoul.date_naive(), seoul.format("%H:%M").to_string()), (yesterday, "15:00".into()), "{lang}");
        // The indicators are monthly: a replay is shown on the real-time screen.
        assert_eq!(display["page"], "realtime", "{display}");
        assert_eq!(
            command(&svc, if lang == "en" { "back to live" } else { "실시간으로 돌아가" }).await["understood"],
            true
        );
        let (_, display) = call(&svc, get_as("/api/display", OFFICE)).await;
        assert!(display["replay"].is_null(), "{display}");
    }
    // Back to live when live: refused, with the reason, not answered "done".
    let body = command(&svc, "back to live").await;
    assert!(body.to_string().contains("already live"), "{body}");
    // Leaving the screens that replay ends the replay.
    command(&svc, "replay yesterday at noon").await;
    command(&svc, "show the pledges").await;
    let (_, display) = call(&svc, get_as("/api/display", OFFICE)).await;
    assert!(display["replay"].is_null(), "{display}");
    // The slider (a touch) cannot go back further than the kept history, nor ahead of now.
    for (at, why) in
        [(Utc::now() - Duration::days(40), "history.keep_days"), (Utc::now() + Duration::hours(2), "not come yet")]
    {
        let done = svc.state.office.touch("the replay slider", &scpm::action::Action::Replay { at }).expect("touch");
        let refused = done.and_then(|d| d.refused).unwrap_or_default();
        assert!(refused.contains(why), "{refused}");
    }
    // The audit keeps each.
    let (_, audit) = call(&svc, get_as("/api/audit", OFFICE)).await;
    assert!(audit.to_string().contains("replay"), "{audit}");
}
