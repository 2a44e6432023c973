//! The wall's lock and public mode, enforced by the server: a locked wall is sent nothing of the
//! city and carries out nothing until the PIN is typed on it; in public mode the office's own
//! token gets what the public gets, and no calls. Words and touches do not unlock it.

use crate::common;

use axum::http::StatusCode;
use common::app::{call, get_as, post, service, OFFICE};
use serde_json::{json, Value};

async fn command(svc: &scpm::service::Service, text: &str) -> Value {
    let (status, body) = call(svc, post("/api/commands", Some(OFFICE), &json!({"text": text}).to_string())).await;
    assert_eq!(status, StatusCode::OK, "{text}: {body}");
    body
}

async fn unlock(svc: &scpm::service::Service, pin: &str) -> (StatusCode, Value) {
    call(svc, post("/api/unlock", Some(OFFICE), &json!({"pin": pin}).to_string())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_wall_gets_nothing_and_only_the_pin_unlocks_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    // No PIN in the config: six digits were made on first start, beside the store, for the office.
    let pin = std::fs::read_to_string(dir.path().join("unlock_pin")).expect("the generated PIN");
    assert!(pin.len() == 6 && pin.chars().all(|c| c.is_ascii_digit()), "{pin}");

    command(&svc, "강남구 사건 사고 보여줘").await;
    assert_eq!(command(&svc, "lock the screen").await["understood"], true);

    // The wall is told it is locked, and nothing else.
    let (_, display) = call(&svc, get_as("/api/display", OFFICE)).await;
    assert_eq!(display["locked"], true, "{display}");
    assert!(display.get("screen").is_none() && display.get("district").is_none(), "{display}");
    for path in ["/api/realtime", "/api/opinion", "/api/state", "/api/search?q=Mapo", "/api/audit", "/api/calls"] {
        let (status, body) = call(&svc, get_as(path, OFFICE)).await;
        assert_eq!(status, StatusCode::LOCKED, "{path}: {body}");
        assert!(body["message"].as_str().unwrap_or_default().contains("PIN"), "{path}: {body}");
    }
    let cctv = svc.state.city.facilities.iter().find(|f| f.kind == scpm::city::FacilityKind::Cctv).expect("a camera");
    let (status, _) = call(&svc, get_as(&format!("/api/cctv/{}/frame", cctv.id), OFFICE)).await;
    assert_eq!(status, StatusCode::LOCKED);

    // Commands wait; "unlock" is understood and answered with the way to unlock.
    let refused = command(&svc, "show traffic in Mapo").await;
    assert_eq!(refused["understood"], false, "{refused}");
    assert!(refused["reason"].as_str().unwrap_or_default().contains("locked"), "{refused}");
    let asked = command(&svc, "unlock the screen").await;
    assert_eq!(asked["understood"], false, "{asked}");
    assert!(asked["reason"].as_str().unwrap_or_default().contains("PIN"), "{asked}");
    let asked = command(&svc, "잠금 해제").await;
    assert!(asked["reason"].as_str().unwrap_or_default().contains("PIN"), "{asked}");

    // A wrong PIN changes nothing; the right one unlocks, at the screen it was on.
    let (status, _) = unlock(&svc, "000000x").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(call(&svc, get_as("/api/display", OFFICE)).await.1["locked"], true);
    let (status, body) = unlock(&svc, &pin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, display) = call(&svc, get_as("/api/display", OFFICE)).await;
    assert_eq!((display["locked"].clone(), display["district"].clone()), (json!(false), json!("11680")), "{display}");
    assert_eq!(call(&svc, get_as("/api/realtime", OFFICE)).await.0, StatusCode::OK);

    // Every step is in the audit log: the refusal, the wrong PIN, the unlock; never the digits.
    let (_, audit) = call(&svc, get_as("/api/audit?limit=20", OFFICE)).await;
    let rows = audit["rows"].as_array().cloned().unwrap_or_default();
    let outcome = |input: &str| rows.iter().find(|r| r["input"] == input).map(|r| r["outcome"].clone());
    assert!(
        outcome("show traffic in Mapo").is_some_and(|o| o.as_str().unwrap_or_default().starts_with("refused")),
        "{audit}"
    );
    let pins: Vec<&Value> = rows.iter().filter(|r| r["intent"] == "unlock" && r["channel"] == "touch").collect();
    assert_eq!(pins.len(), 2, "{audit}");
    assert!(pins.iter().any(|r| r["outcome"] == "refused: wrong PIN"), "{audit}");
    assert!(!audit.to_string().contains(pin.as_str()), "the PIN is never written down");

    // Guessing is slow: five tries a minute from one address, then 429 with Retry-After.
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(unlock(&svc, "111111").await.0);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_mode_answers_the_office_wall_as_the_public_and_places_no_calls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let pin = std::fs::read_to_string(dir.path().join("unlock_pin")).expect("the generated PIN");
    let (_, office) = call(&svc, get_as("/api/realtime", OFFICE)).await;
    assert_eq!(office["cctv"]["restricted"], false, "the office sees cameras: {}", office["cctv"]);

    assert_eq!(command(&svc, "we have visitors in the room").await["intent"], "public_mode");
    let (status, realtime) = call(&svc, get_as("/api/realtime", OFFICE)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(realtime["cctv"]["restricted"], true, "the wall gets what the public gets: {}", realtime["cctv"]);
    let cctv = svc.state.city.facilities.iter().find(|f| f.kind == scpm::city::FacilityKind::Cctv).expect("a camera");
    assert_eq!(call(&svc, get_as(&format!("/api/cctv/{}/frame", cctv.id), OFFICE)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call(&svc, get_as("/api/officials", OFFICE)).await.0, StatusCode::FORBIDDEN);
    let refused = command(&svc, "call the mayor of Gangnam").await;
    assert_eq!(refused["understood"], false, "{refused}");
    assert!(refused["reason"].as_str().unwrap_or_default().contains("public mode"), "{refused}");
    // Screens still move: the public's screens.
    assert_eq!(command(&svc, "show traffic in Mapo").await["understood"], true);

    let (status, _) = unlock(&svc, &pin).await;
    assert_eq!(status, StatusCode::OK);
    let (_, office) = call(&svc, get_as("/api/realtime", OFFICE)).await;
    assert_eq!(office["cctv"]["restricted"], false, "the office again: {}", office["cctv"]);
    // The refused call asked nothing: a "yes" now places no call.
    let yes = command(&svc, "yes").await;
    assert_eq!(yes["understood"], false, "a refused call must not wait for a yes: {yes}");
    svc.stop().await;
}
