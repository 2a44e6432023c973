//! The wall in a real browser (Debian chromium driven over WebDriver by chromedriver), inside a
//! network namespace that has only loopback: a command moves the page, a click on Mapo on one
//! wall moves a second wall, and the public page cannot read personal data. Screenshots go to
//! tests/out/ for people to look at.

mod common;

use common::webdriver::{loopback_only, rerun_isolated, Driver};
use serde_json::{json, Value};

const SCREEN: &str =
    "const s = document.getElementById('screen').dataset; return (s.topic || '') + '/' + (s.district || '');";

#[test]
fn the_wall_follows_commands_and_clicks_in_chromium() {
    if !loopback_only() {
        return rerun_isolated("the_wall_follows_commands_and_clicks_in_chromium");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let server = common::Server::start(dir.path(), "[simulator]\nspeed = 60.0\n");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let d = Driver::start().await;
        let (a, b) = (d.session(&dir.path().join("chrome-a")).await, d.session(&dir.path().join("chrome-b")).await);
        for s in [&a, &b] {
            d.call("POST", &format!("/session/{s}/url"), json!({"url": format!("{}/?token={}", server.base, common::OFFICE_TOKEN)})).await;
            d.wait_for(s, "return document.getElementById('status').textContent", json!("실시간")).await;
        }
        d.wait_for(&a, SCREEN, json!("overview/")).await;

        // A command from the office moves both walls.
        let (status, body) = reqwest::Client::new()
            .post(format!("{}/api/commands", server.base))
            .bearer_auth(common::OFFICE_TOKEN)
            .json(&json!({"text": "강남구 미세먼지 보여줘"}))
            .send()
            .await
            .map(|r| (r.status().as_u16(), r))
            .expect("post");
        assert_eq!(status, 200, "{:?}", body.text().await);
        d.wait_for(&a, SCREEN, json!("air_quality/11680")).await;
        d.wait_for(&b, SCREEN, json!("air_quality/11680")).await;
        let title = d.script(&a, "return document.getElementById('screen').textContent").await;
        assert_eq!(title, json!("대기질 · 강남구"));
        d.screenshot(&a, "office-air-quality-gangnam.png").await;

        // A real click on Mapo on wall A moves wall B.
        let el = d.call("POST", &format!("/session/{a}/element"), json!({"using": "css selector", "value": "path[data-code='11440']"})).await;
        let id = el.as_object().and_then(|o| o.values().next()).and_then(|v| v.as_str()).expect("element id").to_string();
        d.call("POST", &format!("/session/{a}/element/{id}/click"), json!({})).await;
        d.wait_for(&b, SCREEN, json!("air_quality/11440")).await;
        d.screenshot(&b, "office-second-wall-mapo.png").await;

        // The public page renders, and cannot read a complaint in full.
        d.call("POST", &format!("/session/{b}/url"), json!({"url": format!("{}/public", server.base)})).await;
        d.wait_for(&b, "return document.getElementById('mode').textContent", json!("시민 화면")).await;
        let status = d.script(&b, "const x = new XMLHttpRequest(); x.open('GET', '/api/complaints/any', false); x.send(); return x.status;").await;
        assert_eq!(status, json!(403));
        d.screenshot(&b, "public-overview.png").await;
        for s in [&a, &b] {
            d.call("DELETE", &format!("/session/{s}"), Value::Null).await;
        }
    });
}
