//! `/api/openapi.json` against the live answers: every route it describes is called (as the office
//! and as the public, with good and bad input), and each answer's status, content type and body
//! must be what the description says for that route. A route added without a request here fails
//! the test, so the description and this check grow together.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::app::{call, call_raw, get, get_as, post, OFFICE};
use scpm::config::Config;
use scpm::service::Service;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// A live city: the simulator running fast, so that incidents, readings and complaints exist.
async fn live_city(dir: &std::path::Path) -> Service {
    let mut config = Config::default();
    config.paths.data_dir = common::data_dir();
    config.paths.index_dir = dir.join("index");
    config.paths.store = dir.join("store.sqlite");
    config.simulator.speed = 600.0;
    config.server.intake_token = common::INTAKE_TOKEN.into();
    config.server.office_token = OFFICE.into();
    config.index.commit_interval_ms = 100;
    Service::start(config).await.expect("service starts")
}

/// The documented schema of `path`'s `method` answer with `status`, as a schema that can be
/// checked on its own (the description's components beside it); None for an answer without a
/// JSON body. Panics when the status or the content type is not documented.
fn documented(doc: &Value, path: &str, method: &str, status: StatusCode, content_type: &str) -> Option<Value> {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the description");
    let answer = &op["responses"][status.as_str()];
    assert!(answer.is_object(), "{method} {path} answered {status}, which the description does not list");
    let content = answer["content"].as_object()?;
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let Some(described) = content.get(media) else {
        panic!("{method} {path} {status} answered `{content_type}`; described: {:?}", content.keys());
    };
    if media != "application/json" {
        return None;
    }
    let mut schema = described["schema"].clone();
    if let Some(object) = schema.as_object_mut() {
        object.insert("components".into(), doc["components"].clone());
    }
    Some(schema)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_as_the_description_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = live_city(dir.path()).await;
    let (status, doc) = call(&svc, get("/api/openapi.json")).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true), "{doc}");

    // The city has records on every screen before the answers are checked.
    let filled = common::eventually(Duration::from_secs(60), || {
        let runtime = tokio::runtime::Handle::current();
        let (_, state) = tokio::task::block_in_place(|| runtime.block_on(call(&svc, get_as("/api/state", OFFICE))));
        let some = |what: &str| state[what]["latest"].as_array().is_some_and(|a| !a.is_empty());
        (some("incidents") && some("complaints")).then_some(())
    });
    assert!(filled.is_some(), "the simulator made incidents and complaints");
    let complaint = json!({"form": "suggestion", "category": "parks", "district": "11440",
        "text_ko": "공원에 그늘막을 놓아 주세요", "citizen": {"name": "김시민", "phone": "010-1111-2222"}});
    let (status, stored) =
        call(&svc, post("/api/complaints", Some(common::INTAKE_TOKEN), &complaint.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let complaint_id = stored["id"].as_str().expect("id").to_string();
    let (_, realtime) = call(&svc, get_as("/api/realtime", OFFICE)).await;
    let camera = realtime["cctv"]["cameras"][0]["id"].as_str().expect("a camera near the newest incident").to_string();
    let (_, officials) = call(&svc, get_as("/api/officials", OFFICE)).await;
    let link = officials["officials"][0]["link"].as_str().expect("a link").to_string();
    let official = officials["officials"][0]["official"]["id"].as_str().expect("an id").to_string();
    let official_token = link.split("token=").nth(1).expect("token").to_string();
    let (_, catalogue) = call(&svc, get("/api/indicators")).await;
    let indicator = catalogue["visions"][0]["indicators"][0]["id"].as_str().expect("an indicator").to_string();

    let pin = std::fs::read_to_string(dir.path().join("unlock_pin")).expect("the generated PIN");
    let office = Some(OFFICE);
    // (path as described, method, request); several per route: the office, the public, mistakes.
    let mut requests: Vec<(&str, &str, Request<Body>)> = vec![
        ("/healthz", "get", get("/healthz")),
        ("/readyz", "get", get("/readyz")),
        ("/readyz", "get", get_as("/readyz", OFFICE)),
        ("/metrics", "get", get("/metrics")),
        ("/api/openapi.json", "get", get("/api/openapi.json")),
        ("/api/search", "get", get("/api/search?q=강남")),
        ("/api/search", "get", get_as("/api/search?q=소음&kind=complaint", OFFICE)),
        ("/api/search", "get", get("/api/search?kind=nonsense")),
        ("/api/search", "get", get_as("/api/search?q=x", "wrong-token")),
        ("/api/resolve", "get", get("/api/resolve?q=마포&kind=district")),
        ("/api/resolve", "get", get("/api/resolve?q=zzzzqqq")),
        ("/api/resolve", "get", get("/api/resolve")),
        ("/api/state", "get", get("/api/state")),
        ("/api/state", "get", get_as("/api/state", OFFICE)),
        ("/api/complaints", "post", post("/api/complaints", Some(common::INTAKE_TOKEN), &complaint.to_string())),
        ("/api/complaints", "post", post("/api/complaints", None, "{}")),
        ("/api/complaints", "post", post("/api/complaints", Some(common::INTAKE_TOKEN), r#"{"form":"x"}"#)),
        ("/api/complaints/{id}", "get", get_as(&format!("/api/complaints/{complaint_id}"), OFFICE)),
        ("/api/complaints/{id}", "get", get_as("/api/complaints/none-such", OFFICE)),
        ("/api/complaints/{id}", "get", get(&format!("/api/complaints/{complaint_id}"))),
        ("/api/commands", "post", post("/api/commands", office, r#"{"text":"show traffic in Mapo"}"#)),
        ("/api/commands", "post", post("/api/commands", office, r#"{"text":"what a lovely morning"}"#)),
        ("/api/commands", "post", post("/api/commands", office, r#"{"text":"강남구청장 연결해 줘"}"#)),
        ("/api/commands", "post", post("/api/commands", office, r#"{"txt":"typo"}"#)),
        ("/api/commands", "post", post("/api/commands", None, r#"{"text":"show traffic"}"#)),
        ("/api/display", "get", get_as("/api/display", OFFICE)),
        ("/api/display", "get", get("/api/display")),
        ("/api/audit", "get", get_as("/api/audit?limit=5", OFFICE)),
        ("/api/audit", "get", get_as("/api/audit?limit=many", OFFICE)),
        ("/api/calls", "get", get_as("/api/calls", OFFICE)),
        ("/api/calls", "get", get("/api/calls")),
        ("/api/officials", "get", get_as("/api/officials", OFFICE)),
        ("/api/officials", "get", get("/api/officials")),
        ("/official/{id}", "get", get(&format!("/official/{official}?token={official_token}"))),
        ("/official/{id}", "get", get(&format!("/official/{official}?token=0000"))),
        ("/official/{id}", "get", get("/official/nobody?token=0000")),
        ("/ws/official/{id}", "get", get(&format!("/ws/official/{official}?token=0000"))),
        ("/ws/call", "get", get("/ws/call?token=wrong")),
        ("/ws/display", "get", get("/ws/display?token=wrong")),
        ("/api/realtime", "get", get("/api/realtime")),
        ("/api/realtime", "get", get_as("/api/realtime?district=11680", OFFICE)),
        ("/api/realtime", "get", get("/api/realtime?district=99999")),
        ("/api/opinion", "get", get("/api/opinion")),
        ("/api/opinion", "get", get_as("/api/opinion?period=last_week&district=11440", OFFICE)),
        ("/api/opinion", "get", get("/api/opinion?period=someday")),
        ("/api/indicators", "get", get("/api/indicators")),
        ("/api/indicators/{id}", "get", get(&format!("/api/indicators/{indicator}?district=11350"))),
        ("/api/indicators/{id}", "get", get("/api/indicators/youth_employment_rate")),
        ("/api/indicators/{id}", "get", get("/api/indicators/none_such")),
        ("/api/pledges", "get", get("/api/pledges")),
        ("/api/help", "get", get("/api/help?page=realtime&lang=ko")),
        ("/api/help", "get", get("/api/help?page=nowhere")),
        ("/api/cctv/{id}/frame", "get", get_as(&format!("/api/cctv/{camera}/frame"), OFFICE)),
        ("/api/cctv/{id}/frame", "get", get(&format!("/api/cctv/{camera}/frame"))),
        ("/api/cctv/{id}/frame", "get", get_as("/api/cctv/none/frame", OFFICE)),
        ("/api/cctv/{id}/stream", "get", get(&format!("/api/cctv/{camera}/stream"))),
        ("/api/geo", "get", get("/api/geo")),
        ("/", "get", get("/")),
        ("/public", "get", get("/public")),
        ("/static/{file}", "get", get("/static/wall.js")),
        ("/static/{file}", "get", get("/static/vendor/chart.umd.min.js")),
        ("/static/{file}", "get", get("/static/none.js")),
        // Last, the lock: a locked wall is told only that, and its data waits for the PIN.
        ("/api/commands", "post", post("/api/commands", office, r#"{"text":"lock the screen"}"#)),
        ("/api/display", "get", get_as("/api/display", OFFICE)),
        ("/api/audit", "get", get_as("/api/audit", OFFICE)),
        ("/api/unlock", "post", post("/api/unlock", office, r#"{"pin":"no"}"#)),
        ("/api/unlock", "post", post("/api/unlock", office, r#"{"code":1}"#)),
        ("/api/unlock", "post", post("/api/unlock", office, &json!({"pin": pin}).to_string())),
    ];
    // Every route the description lists is called here.
    let described: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().into_iter().flatten().map(move |(method, _)| (path.clone(), method.clone()))
        })
        .collect();
    let called: BTreeSet<(String, String)> = requests.iter().map(|(p, m, _)| (p.to_string(), m.to_string())).collect();
    assert_eq!(described, called, "routes described (left) and routes checked here (right) differ");
    // And the routes are the server's: a path the description lists is not the fallback's 404.
    for (path, method) in &described {
        assert!(doc["paths"][path][method]["responses"].is_object(), "{method} {path} has no answers");
    }

    let mut checked = 0;
    for (path, method, request) in requests.drain(..) {
        let uri = request.uri().to_string();
        let (status, content_type, bytes) = call_raw(&svc, request).await;
        let Some(schema) = documented(&doc, path, method, status, &content_type) else { continue };
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{uri}: not JSON: {e}"));
        let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path}: bad schema: {e}"));
        let errors: Vec<String> =
            validator.iter_errors(&body).take(5).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{method} {uri} ({status}) does not match its description: {errors:#?}\n{body}");
        checked += 1;
    }
    assert!(checked >= 50, "{checked} JSON answers checked");
    svc.stop().await;
}
