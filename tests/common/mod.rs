//! Shared helpers for integration tests: the real city data, temporary stores and indexes, and
//! a running `scpm serve` child process on a free loopback port.
#![allow(dead_code, clippy::unwrap_used)]

pub mod app;
pub mod hands;
pub mod postgres;
pub mod video;
pub mod webdriver;

use scpm::city::City;
use scpm::index::{CityIndex, CityIndexWriter};
use scpm::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn data_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The prepared city; tests need `scpm data prepare` (scripts/test.sh runs it).
pub fn city() -> City {
    City::load(&data_dir()).unwrap_or_else(|e| panic!("{e}\n(run `cargo run -- data prepare` first)"))
}

pub fn index_in(dir: &Path, city: &City) -> (Store, CityIndex, CityIndexWriter) {
    let store = Store::open(&dir.join("store.sqlite")).unwrap();
    let (index, writer, _) = CityIndex::open(&dir.join("index"), city, &store, 32).unwrap();
    (store, index, writer)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `scpm serve` child with its own config, store and index in a temp dir.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
}

pub const INTAKE_TOKEN: &str = "test-intake-token";
pub const OFFICE_TOKEN: &str = "test-office-token";

pub fn write_config(dir: &Path, port: u16, extra: &str) -> PathBuf {
    write_config_on(dir, port, extra, &dir.join("store.sqlite").display().to_string())
}

/// The config of a server whose store is `store` (a file, or a `postgres://` URL).
pub fn write_config_on(dir: &Path, port: u16, extra: &str, store: &str) -> PathBuf {
    // Servers under test do not listen for voice unless a test asks (models are large).
    let mut extra =
        if extra.contains("[voice]") { extra.to_string() } else { format!("{extra}\n[voice]\nenabled = false\n") };
    // Nor make the city's past two days before they start, unless asked (replay tests do).
    if !extra.contains("backfill_hours") {
        extra = if extra.contains("[simulator]") {
            extra.replace("[simulator]\n", "[simulator]\nbackfill_hours = 0\n")
        } else {
            format!("{extra}\n[simulator]\nbackfill_hours = 0\n")
        };
    }
    // Nor do they watch a camera unless asked (there is none here; it would only be waited for).
    if !extra.contains("[gestures]") {
        extra.push_str("\n[gestures]\nenabled = false\n");
    }
    let repo = env!("CARGO_MANIFEST_DIR");
    // The city's grammars, unless the extra lines begin with `grammars = …` (in `[paths]`).
    let grammars =
        if extra.starts_with("grammars = ") { String::new() } else { format!("grammars = \"{repo}/grammars\"\n") };
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\nintake_token = \"{INTAKE_TOKEN}\"\noffice_token = \"{OFFICE_TOKEN}\"\n\
         [paths]\ndata_dir = \"{}\"\n{grammars}models = \"{repo}/models\"\nindex_dir = \"{}\"\nstore = \"{}\"\n{extra}",
        data_dir().display(),
        dir.join("index").display(),
        store,
    );
    let path = dir.join("scpm.toml");
    std::fs::write(&path, config).unwrap();
    path
}

impl Server {
    pub fn start(dir: &Path, extra: &str) -> Server {
        Server::start_with(dir, extra, &[])
    }

    /// With extra arguments to `serve` (e.g. `--audio-file`).
    pub fn start_with(dir: &Path, extra: &str, args: &[&str]) -> Server {
        Server::start_with_env(dir, extra, args, &[])
    }

    /// With extra arguments to `serve` and extra environment (e.g. a faked clock).
    pub fn start_with_env(dir: &Path, extra: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let store = dir.join("store.sqlite").display().to_string();
        Server::start_full(dir, extra, &store, args, env)
    }

    /// On the store `store` (a `postgres://` URL: many servers on one database).
    pub fn start_on(dir: &Path, store: &str, extra: &str) -> Server {
        Server::start_full(dir, extra, store, &[], &[])
    }

    fn start_full(dir: &Path, extra: &str, store: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let config = write_config_on(dir, port, extra, store);
        let child = Command::new(env!("CARGO_BIN_EXE_scpm"))
            .args(["--config", config.to_str().unwrap(), "serve"])
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn,rtc=error,rtc_ice=error,rtc_dtls=error,webrtc=error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let server = Server { child, base: format!("http://127.0.0.1:{port}"), dir: dir.to_path_buf() };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = reqwest::blocking_get(&format!("{}/healthz", self.base)) {
                if r == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server at {} did not become healthy", self.base);
    }

    pub fn kill9(&mut self) {
        let _ = Command::new("kill").args(["-9", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }

    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` until it returns Some or `limit` passes (a liveness bound, not a speed check).
pub fn eventually<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Minimal blocking HTTP over a fresh tokio runtime (reqwest's async client).
/// A typed command from the office (as the wall's own device sends it), which must be
/// understood: its answer.
pub async fn office_command(base: &str, text: &str) -> serde_json::Value {
    let response = ::reqwest::Client::new()
        .post(format!("{base}/api/commands"))
        .bearer_auth(OFFICE_TOKEN)
        .json(&serde_json::json!({"text": text}))
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!((status, body["understood"].clone()), (200, serde_json::json!(true)), "{text}: {body}");
    body
}

pub mod reqwest {
    pub fn blocking_get(url: &str) -> Result<u16, String> {
        get_json(url).map(|(s, _)| s)
    }

    pub fn get_json(url: &str) -> Result<(u16, serde_json::Value), String> {
        get_json_as(url, None)
    }

    /// GET with a bearer token (the office is not rate limited).
    pub fn get_json_as(url: &str, token: Option<&str>) -> Result<(u16, serde_json::Value), String> {
        send(::reqwest::Client::new().get(url), token)
    }

    pub fn post_json(url: &str, token: Option<&str>, body: &str) -> Result<(u16, serde_json::Value), String> {
        let req = ::reqwest::Client::new().post(url).header("content-type", "application/json").body(body.to_string());
        send(req, token)
    }

    /// Sends with an optional bearer token; the body as JSON, or as a string when it is not JSON.
    fn send(mut req: ::reqwest::RequestBuilder, token: Option<&str>) -> Result<(u16, serde_json::Value), String> {
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        rt().block_on(async {
            let r = req.send().await.map_err(|e| e.to_string())?;
            let status = r.status().as_u16();
            let body = r.text().await.map_err(|e| e.to_string())?;
            Ok((status, serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body))))
        })
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }
}
