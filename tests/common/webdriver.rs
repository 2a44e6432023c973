//! A minimal WebDriver client for Debian chromium through chromedriver, and the loopback-only
//! network namespace browser runs must live in. Shared by tests/browser.rs and benches/wall.rs.
#![allow(dead_code)]

use base64::Engine;
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a page may take to reach a state: a liveness bound for a loaded two-core machine
/// running three browsers, not a speed check.
const WAIT: Duration = Duration::from_secs(60);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").map(|l| l.local_addr().map(|a| a.port()).unwrap_or(0)).unwrap_or(0)
}

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

const MEDIA_FLAGS: &[&str] = &[
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-domain-reliability",
];

/// An async script's result: `js` is the body of an async function whose value is returned.
pub fn async_js(js: &str) -> String {
    format!("const done = arguments[arguments.length - 1]; (async () => {{ {js} }})().then(done, (e) => done('error: ' + e));")
}

/// Only `lo` in this process's network namespace.
pub fn loopback_only() -> bool {
    std::fs::read_to_string("/proc/self/net/dev")
        .map(|s| s.lines().skip(2).filter_map(|l| l.split(':').next()).all(|n| n.trim() == "lo"))
        .unwrap_or(false)
}

/// Runs one test again inside a fresh loopback-only namespace (`module`: the caller's
/// `module_path!()`, `test`: the test function's name).
pub fn rerun_isolated(module: &str, test: &str) {
    let exe = std::env::current_exe().expect("test binary");
    // The test's name as the harness knows it: its module path without the binary's name.
    let test = match module.split_once("::") {
        Some((_, inside)) if !test.is_empty() => format!("{inside}::{test}"),
        _ => test.to_string(),
    };
    let mut args: Vec<String> = vec![test.clone(), "--exact".into(), "--nocapture".into(), "--test-threads=1".into()];
    if test.is_empty() {
        args = std::env::args().skip(1).collect();
    }
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", "ip link set lo up && exec \"$@\"", "sh"])
        .arg(exe)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("unshare runs (needs root; scripts/test.sh runs as root in CI)");
    // The inner run's own summary would count the test twice in the outer run's output.
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if !(line.starts_with("test result:") || line.starts_with("running ")) {
            println!("{line}");
        }
    }
    assert!(out.status.success(), "{test} failed inside the loopback-only namespace");
}

pub struct Driver {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Driver {
    pub async fn start() -> Driver {
        let port = free_port();
        // Its own process group: on drop the whole group goes, chromium included, even when a
        // failed test never closed its sessions (killing chromedriver alone orphans chromium).
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
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

    pub async fn call(&self, method: &str, path: &str, body: Value) -> Value {
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

    pub async fn session(&self, user_dir: &std::path::Path) -> String {
        self.session_with(user_dir, &[]).await
    }

    /// A session for calls: fake camera and microphone (a test pattern and a beep), permission
    /// granted, loopback ICE candidates, autoplay with sound.
    pub async fn media_session(&self, user_dir: &std::path::Path) -> String {
        self.session_with(user_dir, MEDIA_FLAGS).await
    }

    pub async fn session_with(&self, user_dir: &std::path::Path, extra: &[&str]) -> String {
        let mut args: Vec<String> = FLAGS.iter().chain(extra).map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", user_dir.display()));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}});
        self.call("POST", "/session", caps).await["sessionId"].as_str().expect("session").to_string()
    }

    pub async fn script(&self, s: &str, js: &str) -> Value {
        self.call("POST", &format!("/session/{s}/execute/sync"), json!({"script": js, "args": []})).await
    }

    pub async fn script_async(&self, s: &str, js: &str) -> Value {
        self.call("POST", &format!("/session/{s}/execute/async"), json!({"script": async_js(js), "args": []})).await
    }

    /// Clicks the element `css` selects. The wall re-renders on its own (a tick, a pushed
    /// display), so an element found a moment ago may be gone: then it is found again.
    pub async fn click(&self, s: &str, css: &str) {
        let mut last = Value::Null;
        for _ in 0..10 {
            let el = self
                .call("POST", &format!("/session/{s}/element"), json!({"using": "css selector", "value": css}))
                .await;
            let id = el
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(|v| v.as_str())
                .expect("element id")
                .to_string();
            let url = format!("{}/session/{s}/element/{id}/click", self.base);
            last = self.client.post(url).json(&json!({})).send().await.expect("webdriver").json().await.expect("json");
            match last["value"]["error"].as_str() {
                None => return,
                Some("stale element reference") => tokio::time::sleep(Duration::from_millis(100)).await,
                Some(_) => break,
            }
        }
        panic!("click {css}: {last}");
    }

    /// Polls the async `js` until it returns true.
    pub async fn wait_async(&self, s: &str, js: &str, what: &str) {
        let mut last = Value::Null;
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            last = self.script_async(s, js).await;
            if last == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot(s, "FAILED-wait.png").await;
        panic!("{what}: {js} stayed {last} (the page is in tests/out/FAILED-wait.png)");
    }

    /// Polls `js` until it returns `want` (a liveness bound, not a speed check).
    pub async fn wait_for(&self, s: &str, js: &str, want: Value) {
        let mut last = Value::Null;
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            last = self.script(s, js).await;
            if last == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot(s, "FAILED-wait.png").await;
        panic!("{js} stayed {last}, wanted {want} (the page is in tests/out/FAILED-wait.png)");
    }

    pub async fn screenshot(&self, s: &str, name: &str) {
        let png = self.call("GET", &format!("/session/{s}/screenshot"), Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or_default()).expect("png");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/out");
        std::fs::create_dir_all(&dir).expect("tests/out");
        std::fs::write(dir.join(name), bytes).expect("write screenshot");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
