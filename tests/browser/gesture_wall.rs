//! The gesture cursor and a gesture's click on the office wall in a real browser (Debian chromium,
//! loopback-only namespace): a camera (a video file standing in for it) shows a pointing hand that
//! rests over the "citizen opinion" tab; every wall shows the cursor there, the dwell selects, and
//! the wall clicks the tab, which moves to that screen like a touch, audited as both.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::video;
use common::webdriver::{loopback_only, rerun_isolated, Driver};
use scpm::gesture::hands::{HandModels, HandTracker};
use serde_json::{json, Value};
use std::path::Path;

/// Where the pointing photo must go (top-left corner, at `scale`) for its index tip to be at
/// (x, y) of a 640 × 480 frame, measured with the real tracker.
fn place_tip(scale: f64, x: f32, y: f32) -> (i32, i32) {
    let models = HandModels::in_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    let mut tracker = HandTracker::load(&models, 1).unwrap();
    let photo = video::read(&video::photo("nocurl.jpg"));
    let mut frame = video::canvas(640, 480);
    let at = (200, 150);
    video::paste(&mut frame, &photo, scale, at.0, at.1);
    let (hands, _) = tracker.hands(&frame).unwrap();
    let tip = hands.first().expect("the pointing hand is found").landmarks[8];
    ((at.0 as f32 + x - tip[0] * 640.0).round() as i32, (at.1 as f32 + y - tip[1] * 480.0).round() as i32)
}

/// A service whose camera is the video file it returns (not there yet: plugged in later).
fn with_camera(dir: &Path) -> (common::Server, std::path::PathBuf) {
    let camera = dir.join("camera.avi");
    let extra = format!("[gestures]\nenabled = true\ncamera = \"{}\"\n", camera.display());
    (common::Server::start(dir, &extra), camera)
}

/// The office wall open in chromium and connected: its session.
async fn office_wall(d: &Driver, dir: &Path, base: &str) -> String {
    let s = d.session(&dir.join("chrome")).await;
    d.call("POST", &format!("/session/{s}/url"), json!({"url": format!("{base}/?token={}", common::OFFICE_TOKEN)}))
        .await;
    d.wait_for(&s, "return document.getElementById('status').textContent", json!("실시간")).await;
    s
}

#[test]
fn a_resting_pointing_finger_clicks_a_tab_on_the_wall() {
    if !loopback_only() {
        return rerun_isolated(module_path!(), "a_resting_pointing_finger_clicks_a_tab_on_the_wall");
    }
    let dir = tempfile::tempdir().unwrap();
    let (server, camera) = with_camera(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let d = Driver::start().await;
        let s = office_wall(&d, dir.path(), &server.base).await;
        // The tab's centre as a fraction of the wall, then where the fingertip must be in the
        // camera image for the cursor to land there (the camera faces the person: mirrored).
        let tab = d
            .script(&s, "const r = document.querySelector('#tabs button[data-topic=complaints]').getBoundingClientRect(); return [(r.left + r.right) / 2 / innerWidth, (r.top + r.bottom) / 2 / innerHeight];")
            .await;
        let (tx, ty) = (tab[0].as_f64().unwrap() as f32, tab[1].as_f64().unwrap() as f32);
        let (ix, iy) = ((1.0 - (0.2 + 0.6 * tx)) * 640.0, (0.15 + 0.6 * ty) * 480.0);
        let (px, py) = place_tip(0.4, ix, iy);
        // The camera is plugged in: 2.5 s of a hand resting there.
        let part = dir.path().join("camera.partial.avi");
        video::moving_photo(&part, "nocurl.jpg", 0.4, (px, py), (px, py), 75);
        std::fs::rename(&part, &camera).unwrap();
        d.wait_for(&s, "return !document.getElementById('cursor').hidden", json!(true)).await;
        d.screenshot(&s, "office-gesture-cursor.png").await;
        let cursor = d.script(&s, "const r = document.getElementById('cursor').getBoundingClientRect(); return [(r.left + r.right) / 2 / innerWidth, (r.top + r.bottom) / 2 / innerHeight];").await;
        let (cx, cy) = (cursor[0].as_f64().unwrap() as f32, cursor[1].as_f64().unwrap() as f32);
        assert!((cx - tx).abs() < 0.05 && (cy - ty).abs() < 0.05, "cursor at {cursor}, tab at {tab}");
        // The dwell selects; the wall clicks the tab; the screen moves there.
        d.wait_for(&s, "return document.body.dataset.selected || ''", json!("complaints")).await;
        d.wait_for(&s, "return document.getElementById('screen').dataset.topic", json!("complaints")).await;
    });
    let audit =
        common::reqwest::get_json_as(&format!("{}/api/audit?limit=50", server.base), Some(common::OFFICE_TOKEN))
            .unwrap()
            .1;
    let rows: &Vec<Value> = audit["rows"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["channel"] == "gesture" && r["actions"].as_str().unwrap().contains("\"select\"")),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r["channel"] == "touch" && r["actions"].as_str().unwrap().contains("complaints")),
        "{rows:?}"
    );
}

/// Where the fingertip must be in the camera's picture for the cursor to land on the centre of
/// the element `css`, and the top-left corner of the pointing photo that puts it there.
async fn aim(d: &Driver, s: &str, css: &str) -> (i32, i32) {
    let js = format!("const r = document.querySelector('{css}').getBoundingClientRect(); return [(r.left + r.right) / 2 / innerWidth, (r.top + r.bottom) / 2 / innerHeight];");
    let at = d.script(s, &js).await;
    let (tx, ty) = (at[0].as_f64().unwrap() as f32, at[1].as_f64().unwrap() as f32);
    // The camera faces the person: mirrored.
    place_tip(0.4, (1.0 - (0.2 + 0.6 * tx)) * 640.0, (0.15 + 0.6 * ty) * 480.0)
}

#[test]
fn saying_show_this_or_call_this_one_while_pointing() {
    if !loopback_only() {
        return rerun_isolated(module_path!(), "saying_show_this_or_call_this_one_while_pointing");
    }
    let dir = tempfile::tempdir().unwrap();
    let (server, camera) = with_camera(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let d = Driver::start().await;
        let s = office_wall(&d, dir.path(), &server.base).await;
        // Traffic on the wall: the panel offers the Director of Transportation to call.
        common::office_command(&server.base, "교통 상황 보여 줘").await;
        d.wait_for(
            &s,
            "return !!document.querySelector('#officials button[data-official=transportation]')",
            json!(true),
        )
        .await;
        let district = aim(&d, &s, "#map path[data-code=\"11440\"]").await;
        let official = aim(&d, &s, "#officials button[data-official=transportation]").await;
        // The camera: a hand resting over Mapo for five seconds, then over the director.
        let part = dir.path().join("camera.partial.avi");
        video::resting_photo(&part, "nocurl.jpg", 0.4, &[(district, 150), (official, 240)]);
        std::fs::rename(&part, &camera).unwrap();
        d.wait_for(&s, "return document.body.dataset.pointed || ''", json!("district:11440")).await;
        d.screenshot(&s, "office-pointing-district.png").await;
        let shown = common::office_command(&server.base, "이거 보여 줘").await;
        assert_eq!(
            (shown["actions"][0]["district"].clone(), shown["actions"][0]["topic"].clone()),
            (json!("11440"), json!("traffic")),
            "{shown}"
        );
        d.wait_for(&s, "return document.getElementById('screen').dataset.district", json!("11440")).await;
        d.wait_for(&s, "return document.body.dataset.pointed || ''", json!("official:transportation")).await;
        let called = common::office_command(&server.base, "call this one").await;
        assert_eq!(called["actions"][0]["official"]["id"], "transportation", "{called}");
        d.wait_for(&s, "return document.getElementById('call').dataset.state || ''", json!("confirming")).await;
        d.screenshot(&s, "office-pointing-call.png").await;
    });
}
