//! Video calls end to end in real browsers (Debian chromium with fake camera and microphone)
//! inside a loopback-only network namespace: the mayor says "교통실장 연결해" and "네", the
//! official's page rings and answers, both the official's page and the wall decode video and
//! receive audio over real WebRTC; a second official joins the running call; "전화 끊어" ends it
//! on every page and the call log has the rows. Screenshots go to tests/out/.

use crate::common;

use common::webdriver::{loopback_only, rerun_isolated, Driver};
use serde_json::{json, Value};

async fn office_get(base: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(common::OFFICE_TOKEN)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

async fn link(base: &str, official: &str) -> String {
    let officials = office_get(base, "/api/officials").await;
    let entry = officials["officials"]
        .as_array()
        .and_then(|list| list.iter().find(|o| o["official"]["id"] == official))
        .unwrap_or_else(|| panic!("{official} in /api/officials: {officials}"));
    format!("{base}{}", entry["link"].as_str().expect("link"))
}

/// The official's page decodes the office's video and receives its audio.
const OFFICIAL_MEDIA: &str =
    "const s = await OFFICIAL.stats(); return s.state === 'connected' && s.framesDecoded > 5 && s.audioPackets > 20;";

/// The wall decodes `n` officials' video and receives their audio.
fn wall_media(n: usize) -> String {
    format!(
        "const s = Object.values(await SCPM_CALL.stats()); \
         return s.length === {n} && s.every((l) => l.state === 'connected' && l.framesDecoded > 5 && l.audioPackets > 20);"
    )
}

/// Takes this namespace's loopback down or up (the test runs in its own namespace).
fn set_loopback(state: &str) {
    let status = std::process::Command::new("ip").args(["link", "set", "lo", state]).status().expect("ip");
    assert!(status.success(), "ip link set lo {state}");
}

#[test]
fn the_mayor_calls_an_official_who_answers_in_a_browser() {
    if !loopback_only() {
        return rerun_isolated(module_path!(), "the_mayor_calls_an_official_who_answers_in_a_browser");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let server = common::Server::start(dir.path(), "");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let d = Driver::start().await;
        let wall = d.media_session(&dir.path().join("chrome-wall")).await;
        let official = d.media_session(&dir.path().join("chrome-official")).await;
        let second = d.media_session(&dir.path().join("chrome-second")).await;
        let base = &server.base;
        d.call(
            "POST",
            &format!("/session/{wall}/url"),
            json!({"url": format!("{base}/?token={}", common::OFFICE_TOKEN)}),
        )
        .await;
        d.call("POST", &format!("/session/{official}/url"), json!({"url": link(base, "transportation").await})).await;
        d.call("POST", &format!("/session/{second}/url"), json!({"url": link(base, "mayor_gangnam").await})).await;
        for s in [&official, &second] {
            d.wait_for(s, "return document.getElementById('connection').className", json!("online")).await;
        }
        d.wait_for(&official, "return document.getElementById('who').textContent", json!("교통실장")).await;

        // The mayor asks, the wall asks back, the mayor confirms: the official's page rings.
        let asked = common::office_command(base, "교통실장 연결해").await;
        assert_eq!(asked["actions"][0]["needs_confirmation"], json!(true), "{asked}");
        d.wait_for(&wall, "return document.getElementById('call').dataset.state || ''", json!("confirming")).await;
        common::office_command(base, "네").await;
        d.wait_for(&official, "return !document.getElementById('ringing').hidden", json!(true)).await;
        d.wait_for(&wall, "return document.getElementById('call').dataset.state", json!("ringing")).await;
        d.screenshot(&official, "call-official-ringing.png").await;

        // The official answers: media flows both ways, and the wall shows the official.
        d.click(&official, "#accept").await;
        d.wait_async(&official, OFFICIAL_MEDIA, "the official's page receives the office").await;
        let seen = d.script_async(&official, "return await OFFICIAL.stats();").await;
        eprintln!(
            "official answered → office's first frame on the official's page: {} ms ({seen})",
            seen["firstFrameAt"].as_f64().unwrap_or(f64::NAN) - seen["answeredAt"].as_f64().unwrap_or(f64::NAN)
        );
        d.wait_async(&wall, &wall_media(1), "the wall receives the official").await;
        d.wait_for(&wall, "return document.getElementById('call').dataset.state", json!("connected")).await;
        d.screenshot(&official, "call-official-connected.png").await;
        d.screenshot(&wall, "call-wall-connected.png").await;

        // The network drops for 10 s (loopback down; TCP survives, UDP is lost): the service sees
        // the call's connection go, restarts ICE, and the call comes back with media flowing.
        let frames = "return (await OFFICIAL.stats()).framesDecoded;";
        let wall_frames = "const s = Object.values(await SCPM_CALL.stats()); return s.length ? s[0].framesDecoded : 0;";
        let before = d.script_async(&official, frames).await.as_u64().unwrap_or(0);
        let wall_before = d.script_async(&wall, wall_frames).await.as_u64().unwrap_or(0);
        set_loopback("down");
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        set_loopback("up");
        d.wait_for(&official, "return OFFICIAL.state.states.join(',')", json!("connected,reconnecting,connected")).await;
        d.wait_async(&official, &format!("const s = await OFFICIAL.stats(); return s.framesDecoded > {before} + 30;"), "video after the outage").await;
        let wall_after = format!("const s = Object.values(await SCPM_CALL.stats()); return s.length === 1 && s[0].framesDecoded > {wall_before} + 30;");
        d.wait_async(&wall, &wall_after, "the wall's video after the outage").await;

        // A second official joins the running call.
        common::office_command(base, "강남구청장 연결해").await;
        common::office_command(base, "네").await;
        d.wait_for(&second, "return !document.getElementById('ringing').hidden", json!(true)).await;
        d.click(&second, "#accept").await;
        d.wait_async(&second, OFFICIAL_MEDIA, "the second official's page receives the office").await;
        d.wait_async(&wall, &wall_media(2), "the wall receives both officials").await;
        d.screenshot(&wall, "call-wall-two-officials.png").await;

        // "전화 끊어" ends the call on every page.
        common::office_command(base, "전화 끊어").await;
        for s in [&official, &second] {
            d.wait_for(s, "return !document.getElementById('idle').hidden", json!(true)).await;
        }
        d.wait_async(&wall, "return Object.keys(await SCPM_CALL.stats()).length === 0;", "the wall closes the call")
            .await;
        d.wait_for(&wall, "return document.getElementById('call').dataset.state", json!("ended")).await;
        for s in [&wall, &official, &second] {
            d.call("DELETE", &format!("/session/{s}"), Value::Null).await;
        }
    });

    // The call log: both legs, answered, with a duration and how they ended.
    let (status, calls) =
        common::reqwest::get_json_as(&format!("{}/api/calls", server.base), Some(common::OFFICE_TOKEN)).expect("calls");
    assert_eq!(status, 200);
    let log = calls["log"].as_array().expect("log");
    for id in ["transportation", "mayor_gangnam"] {
        let row = log.iter().find(|r| r["official_id"] == id).unwrap_or_else(|| panic!("{id} in {calls}"));
        assert!(row["answered_at"].is_string(), "{row}");
        assert_eq!(row["end_reason"], json!("hung_up"), "{row}");
        assert!(row["duration_s"].as_f64().is_some_and(|d| d > 0.0), "{row}");
    }
    let (_, audit) =
        common::reqwest::get_json_as(&format!("{}/api/audit?limit=50", server.base), Some(common::OFFICE_TOKEN))
            .expect("audit");
    let rows = audit["rows"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r["actor"] == "official:transportation" && r["intent"] == "call_answered"), "{audit}");
    assert!(rows.iter().any(|r| r["channel"] == "call" && r["outcome"] == "hung_up"), "{audit}");
}
