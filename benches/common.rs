//! What the browser benchmarks share: a service on a free port with a throw-away store and
//! index, the clock the pages also use (epoch milliseconds), and percentiles.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const TOKEN: &str = "bench-office-token";

pub fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0)
}

/// `scpm serve` on `port` with the project's data and `extra` config appended.
pub fn start_scpm(dir: &Path, port: u16, extra: &str) -> anyhow::Result<Child> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        dir.join("scpm.toml"),
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\noffice_token = \"{TOKEN}\"\n[paths]\ndata_dir = \"{}\"\ngrammars = \"{}\"\nindex_dir = \"{}\"\nstore = \"{}\"\n[voice]\nenabled = false\n{extra}",
            data.join("data").display(),
            data.join("grammars").display(),
            dir.join("index").display(),
            dir.join("store.sqlite").display()
        ),
    )?;
    Ok(Command::new(env!("CARGO_BIN_EXE_scpm"))
        .arg("--config")
        .arg(dir.join("scpm.toml"))
        .arg("serve")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()?)
}

pub async fn wait_healthy(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `p` quantile (0–1) of `v`, nearest rank.
pub fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// What residents search for, in both languages: the full-text queries of the foundation and
/// city benches.
pub const QUERIES: &[&str] = &[
    "소음",
    "noise",
    "불법주차 단속",
    "illegal parking fire lane",
    "포트홀",
    "pothole",
    "녹물",
    "rusty tap water",
    "가로등",
    "streetlight alley",
    "공원 CCTV",
    "bus too rarely",
    "음식물 쓰레기",
    "youth housing",
    "미니태양광",
    "엘리베이터 고장",
];
