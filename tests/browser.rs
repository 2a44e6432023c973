//! The wall in a real browser (Debian chromium driven over WebDriver by chromedriver), inside a
//! network namespace that has only loopback: a command moves the page, a click on Mapo on one
//! wall moves a second wall, and the public page cannot read personal data. Screenshots go to
//! tests/out/ for people to look at.

mod common;

use base64::Engine;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const OFFICE: &str = "browser-office-token";
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-breakpad",
    "--no-pings",
    "--window-size=1920,1080",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
];

/// Only `lo` in this process's network namespace.
fn loopback_only() -> bool {
    std::fs::read_to_string("/proc/self/net/dev")
        .map(|s| s.lines().skip(2).filter_map(|l| l.split(':').next()).all(|n| n.trim() == "lo"))
        .unwrap_or(false)
}

/// Runs one test of this file again inside a fresh loopback-only namespace.
fn rerun_isolated(test: &str) {
    let exe = std::env::current_exe().expect("test binary");
    let status = Command::new("unshare")
        .args(["-n", "sh", "-c", "ip link set lo up && exec \"$@\"", "sh"])
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .status()
        .expect("unshare runs (needs root; scripts/test.sh runs as root in CI)");
    assert!(status.success(), "{test} failed inside the loopback-only namespace");
}

struct Driver {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Driver {
    async fn start() -> Driver {
        let port = common::free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian chromium-driver; scripts/setup.sh installs it)");
        let d = Driver { child, base: format!("http://127.0.0.1:{port}"), client: reqwest::Client::new() };
        for _ in 0..100 {
            if d.client.get(format!("{}/status", d.base)).send().await.is_ok() {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url).json(&body),
        };
        let v: Value = req.send().await.expect("webdriver").json().await.expect("json");
        assert!(v["value"]["error"].is_null(), "{method} {path}: {v}");
        v["value"].clone()
    }

    async fn session(&self, user_dir: &std::path::Path) -> String {
        let mut args: Vec<String> = FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", user_dir.display()));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}});
        self.call("POST", "/session", caps).await["sessionId"].as_str().expect("session").to_string()
    }

    async fn script(&self, s: &str, js: &str) -> Value {
        self.call("POST", &format!("/session/{s}/execute/sync"), json!({"script": js, "args": []})).await
    }

    /// Polls `js` until it returns `want` (a liveness bound, not a speed check).
    async fn wait_for(&self, s: &str, js: &str, want: Value) {
        let mut last = Value::Null;
        for _ in 0..200 {
            last = self.script(s, js).await;
            if last == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{js} stayed {last}, wanted {want}");
    }

    async fn screenshot(&self, s: &str, name: &str) {
        let png = self.call("GET", &format!("/session/{s}/screenshot"), Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or_default()).expect("png");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/out");
        std::fs::create_dir_all(&dir).expect("tests/out");
        std::fs::write(dir.join(name), bytes).expect("write screenshot");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
