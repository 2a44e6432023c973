//! Gestures driving a running `scpm serve`: a video played as the camera pages the wall, audited
//! as gestures; a camera that is missing at start is said once and picked up when it appears,
//! and one that stops is waited for and picked up again.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{eventually, reqwest, write_config, OFFICE_TOKEN};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn audit_gestures(base: &str) -> Vec<Value> {
    let (status, body) = reqwest::get_json_as(&format!("{base}/api/audit?limit=200"), Some(OFFICE_TOKEN)).unwrap();
    assert_eq!(status, 200);
    body["rows"].as_array().unwrap().iter().filter(|r| r["channel"] == "gesture").cloned().collect()
}

fn display(base: &str) -> Value {
    reqwest::get_json_as(&format!("{base}/api/display"), Some(OFFICE_TOKEN)).unwrap().1
}

fn swipe_video(path: &Path) {
    // The fist photo moved to the image's right: the person's left, "next screen".
    common::video::moving_photo(path, "fullcurl.jpg", 0.4, (20, 100), (320, 100), 15);
}

#[test]
fn a_video_played_as_the_camera_pages_the_wall_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("swipe.avi");
    swipe_video(&video);
    let server = common::Server::start_with(dir.path(), "", &["--video-file", video.to_str().unwrap()]);
    let rows = eventually(Duration::from_secs(30), || Some(audit_gestures(&server.base)).filter(|r| !r.is_empty()))
        .expect("a gesture in the audit log");
    assert_eq!(rows.len(), 1, "one movement, one gesture: {rows:?}");
    assert_eq!(rows[0]["intent"], "navigate");
    assert!(rows[0]["input"].as_str().unwrap().starts_with("swipe_left"), "{rows:?}");
    assert!(rows[0]["actions"].as_str().unwrap().contains("\"next\""), "{rows:?}");
    assert_eq!(display(&server.base)["topic"], "incidents", "the overview paged on to the real-time screen");
}

#[test]
fn a_missing_camera_is_said_once_and_picked_up_when_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    // A video file stands in for the camera device: absent at first, then plugged in; when it
    // ends it is a camera that stopped, and it is opened again.
    let camera = dir.path().join("camera.avi");
    let port = common::free_port();
    let extra = format!("[gestures]\nenabled = true\ncamera = \"{}\"\n", camera.display());
    let config = write_config(dir.path(), port, &extra);
    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_scpm"))
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let healthy = eventually(Duration::from_secs(60), || {
        reqwest::blocking_get(&format!("{base}/healthz")).ok().filter(|s| *s == 200)
    });
    assert!(healthy.is_some(), "the service runs without a camera");
    std::thread::sleep(Duration::from_secs(6));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("no camera").count(), 1, "said once, not every retry:\n{text}");
    assert!(text.contains("gestures.camera") && text.contains("gestures wait for the camera"), "{text}");
    // Plugged in at once (a half-written video is not a camera).
    let part = dir.path().join("camera.partial.avi");
    swipe_video(&part);
    std::fs::rename(&part, &camera).unwrap();
    let swipes =
        || audit_gestures(&base).into_iter().filter(|r| r["input"].as_str().unwrap().starts_with("swipe_left")).count();
    let first = eventually(Duration::from_secs(30), || Some(swipes()).filter(|n| *n >= 1));
    assert!(first.is_some(), "the camera was picked up:\n{}", std::fs::read_to_string(&log).unwrap());
    // The "camera" ran out of frames: said, waited for, opened again, and it swipes again.
    let again = eventually(Duration::from_secs(30), || {
        let said = std::fs::read_to_string(&log).unwrap().contains("stopped giving frames");
        Some(swipes()).filter(|n| said && *n >= 2)
    });
    assert!(again.is_some(), "the camera came back:\n{}", std::fs::read_to_string(&log).unwrap());
    let _ = child.kill();
    let _ = child.wait();
}
