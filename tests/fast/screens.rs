//! The data behind the wall's screens, office and public: what each viewer gets, what the public
//! is refused (403), and that the figures hang together.

use crate::common;

use axum::http::StatusCode;
use common::app::{call, call_raw, get, get_as, post, service, OFFICE};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_never_gets_cctv_calls_or_personal_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;

    // Real-time status: the office gets the nearest cameras with their streams, the public a lock.
    let (status, office) = call(&svc, get_as("/api/realtime?district=11680", OFFICE)).await;
    assert_eq!(status, StatusCode::OK, "{office}");
    let cameras = office["cctv"]["cameras"].as_array().cloned().unwrap_or_default();
    assert_eq!(cameras.len(), 4, "{office}");
    assert!(cameras.iter().all(|c| c["stream"].as_str().unwrap_or_default().starts_with("/api/cctv/cctv-")));
    assert!(!office["hospitals"].as_array().cloned().unwrap_or_default().is_empty(), "hospitals near Gangnam");
    let (status, public) = call(&svc, get("/api/realtime?district=11680")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["cctv"], json!({"restricted": true, "reason": "live CCTV is shown in the office only"}));
    assert!(!public.to_string().contains("/api/cctv/"), "no stream address reaches the public: {public}");

    // Direct requests for restricted data from a public session: 403 with the reason.
    let camera = cameras[0]["id"].as_str().expect("camera id").to_string();
    for uri in [
        format!("/api/cctv/{camera}/frame"),
        format!("/api/cctv/{camera}/stream"),
        format!("/api/cctv/{camera}/frame?token=wrong"),
        "/api/calls".to_string(),
        "/api/complaints/any".to_string(),
    ] {
        let (status, body) = call(&svc, get(&uri)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
        assert!(body["message"].as_str().unwrap_or_default().contains("office"), "{uri}: {body}");
    }
    // The office sees the picture (a JPEG), by header or, for an <img>, by query token.
    let (status, content_type, jpeg) = call_raw(&svc, get_as(&format!("/api/cctv/{camera}/frame"), OFFICE)).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/jpeg"));
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let (status, _, _) = call_raw(&svc, get(&format!("/api/cctv/{camera}/frame?token={OFFICE}"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&svc, get_as("/api/cctv/hospital-11680-1/frame", OFFICE)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a hospital is not a camera");
    let (status, calls) = call(&svc, get_as("/api/calls", OFFICE)).await;
    assert_eq!((status, calls["active"].clone()), (StatusCode::OK, Value::Null));

    // A complaint with a phone number in its text: the public sees it masked, nobody sees the citizen.
    let complaint = json!({"form": "complaint", "category": "noise", "district": "11440",
        "text_ko": "합정동 공사 소음, 연락 주세요 010-2345-6789", "citizen": {"name": "홍길동", "phone": "010-2345-6789"}});
    let (status, body) = call(&svc, post("/api/complaints", Some(common::INTAKE_TOKEN), &complaint.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, public) = call(&svc, get("/api/opinion")).await;
    let text = public["latest"][0]["text_ko"].as_str().unwrap_or_default().to_string();
    assert_eq!(text, "합정동 공사 소음, 연락 주세요 ***-****-****", "{public}");
    assert!(!public.to_string().contains("홍길동") && !public.to_string().contains("6789"), "{public}");
    let (_, office) = call(&svc, get_as("/api/opinion", OFFICE)).await;
    assert!(office["latest"][0]["text_ko"].as_str().unwrap_or_default().contains("010-2345-6789"));
    assert!(!office.to_string().contains("홍길동"), "the list never carries the citizen: {office}");
    assert_eq!((office["totals"]["complaints"].clone(), office["period"].clone()), (json!(1), json!("last_24h")));
    assert_eq!(office["by_category"], json!([{"key": "noise", "complaints": 1, "suggestions": 0}]));
    assert_eq!(office["by_district"][0]["key"], "11440");
    let in_series = |answer: &Value| -> u64 {
        answer["series"].as_array().map(|h| h.iter().map(|x| x["complaints"].as_u64().unwrap_or(0)).sum()).unwrap_or(0)
    };
    assert_eq!((in_series(&office), office["series"].as_array().map(Vec::len)), (1, Some(24)), "one of 24 hours");

    // "지난주 민원": the window is last week's seven Seoul days, echoed, counted by day; the
    // complaint of today is not in it, and is in this week's.
    let (status, week) = call(&svc, get_as("/api/opinion?period=last_week", OFFICE)).await;
    assert_eq!(status, StatusCode::OK, "{week}");
    let (from, to) = (week["from"].as_str().unwrap_or_default(), week["to"].as_str().unwrap_or_default());
    let days = chrono::DateTime::parse_from_rfc3339(to).expect("to")
        - chrono::DateTime::parse_from_rfc3339(from).expect("from");
    assert_eq!(
        (days.num_days(), week["bucket"].clone(), week["series"].as_array().map(Vec::len)),
        (7, json!("day"), Some(7)),
        "{week}"
    );
    assert!(from.ends_with("T15:00:00Z"), "midnight in Seoul: {from}");
    assert_eq!(week["totals"]["complaints"], 0, "today's complaint is not last week's");
    let (_, this_week) = call(&svc, get_as("/api/opinion?period=this_week", OFFICE)).await;
    assert_eq!(this_week["totals"]["complaints"], 1, "{this_week}");
    let custom = "/api/opinion?from=2026-01-01T00:00:00%2B09:00&to=2026-01-02T00:00:00%2B09:00";
    let (status, custom) = call(&svc, get_as(custom, OFFICE)).await;
    assert_eq!(
        (status, custom["period"].clone(), custom["bucket"].clone()),
        (StatusCode::OK, json!("custom"), json!("hour"))
    );
    // The public's windows are bounded; a wrong one is named.
    let (status, body) = call(&svc, get("/api/opinion?period=this_year")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(&svc, get("/api/opinion?period=fortnight")).await;
    assert!(
        status == StatusCode::BAD_REQUEST && body["message"].as_str().unwrap_or_default().contains("last_week"),
        "{body}"
    );

    // The office display state names the official being called: not for the public either.
    let (status, _) = call(&svc, get("/api/display")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicators_and_pledges_hang_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let (status, catalogue) = call(&svc, get("/api/indicators")).await;
    assert_eq!(status, StatusCode::OK);
    let visions = catalogue["visions"].as_array().cloned().unwrap_or_default();
    assert_eq!(visions.len(), 5);
    let total: usize = visions.iter().map(|v| v["indicators"].as_array().map_or(0, Vec::len)).sum();
    assert_eq!(total, 62);

    let (status, e) = call(&svc, get("/api/indicators/employment_rate?district=11440")).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["series"].as_array().map(Vec::len), Some(36));
    assert_eq!(e["district_series"].as_array().map(Vec::len), Some(36));
    assert_eq!(e["by_district"].as_array().map(Vec::len), Some(25));
    assert_eq!(e["by_age"].as_array().map(Vec::len), Some(7));
    assert_eq!(e["by_gender"].as_array().map(Vec::len), Some(2));
    let mapo = e["by_district"].as_array().and_then(|d| d.iter().find(|x| x["code"] == "11440")).cloned();
    assert_eq!(mapo.map(|m| m["value"].clone()), Some(e["latest"].clone()), "the map and the headline agree");
    assert_eq!(e["district_series"][35]["value"], e["latest"], "the series ends at the headline month");
    let expected = ((e["latest"].as_f64().unwrap_or(0.0) - e["last_year"].as_f64().unwrap_or(0.0))
        / e["last_year"].as_f64().unwrap_or(1.0)
        * 1000.0)
        .round()
        / 10.0;
    assert_eq!(e["change_pct"].as_f64(), Some(expected));

    for (uri, code) in [
        ("/api/indicators/no_such_thing", StatusCode::NOT_FOUND),
        ("/api/indicators/employment_rate?district=gangnam", StatusCode::BAD_REQUEST),
        ("/api/indicators/employment_rate?colour=red", StatusCode::BAD_REQUEST),
        ("/api/realtime?district=99999", StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = call(&svc, get(uri)).await;
        assert_eq!(status, code, "{uri}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{uri}: {body}");
    }

    let (status, p) = call(&svc, get("/api/pledges")).await;
    assert_eq!(status, StatusCode::OK);
    let pledges = p["pledges"].as_array().cloned().unwrap_or_default();
    assert_eq!(p["summary"]["total"].as_u64(), Some(pledges.len() as u64));
    assert!(pledges.len() >= 25, "{}", pledges.len());
    let done = pledges.iter().filter(|x| x["pledge"]["status"] == "done").count() as u64;
    assert_eq!(p["summary"]["done"].as_u64(), Some(done));
    let by_vision: u64 =
        p["visions"].as_array().map_or(0, |v| v.iter().map(|x| x["summary"]["total"].as_u64().unwrap_or(0)).sum());
    assert_eq!(by_vision, pledges.len() as u64, "every pledge belongs to one vision");
    assert!(pledges.iter().all(|x| x["department"]["ko"].is_string()), "each pledge names its department");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_office_sees_its_district_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "11440").await;
    let (status, body) = call(&svc, get_as("/api/realtime", OFFICE)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["district"], "11440");
    assert_eq!(body["districts"].as_array().map(Vec::len), Some(1));
    let (status, body) = call(&svc, get_as("/api/opinion?district=11680", OFFICE)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    svc.stop().await;
}

/// The breakdowns agree with the whole: Nowon's employment rate by gender and by age averages,
/// weighted by the population's shares (`data/population.toml`), to the rate itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breakdowns_add_up_to_the_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "city").await;
    let (status, body) = call(&svc, get("/api/indicators/employment_rate?district=11350")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let latest = body["latest"].as_f64().expect("latest");
    for table in ["by_gender", "by_age"] {
        let rows = body[table].as_array().cloned().unwrap_or_default();
        assert!(rows.len() >= 2, "{table}: {body}");
        let mean: f64 =
            rows.iter().map(|r| r["value"].as_f64().unwrap_or(0.0) * r["share"].as_f64().unwrap_or(0.0)).sum();
        assert!((mean - latest).abs() < 0.05, "{table}: {rows:?} average {mean}, the rate {latest}");
        assert!(
            rows.iter().any(|r| r["value"].as_f64() > Some(latest))
                && rows.iter().any(|r| r["value"].as_f64() < Some(latest)),
            "{table}: around the whole, not all above it"
        );
    }
    svc.stop().await;
}
