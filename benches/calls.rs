//! Calls benchmark in Debian chromium with fake camera and microphone (loopback-only namespace):
//! over 20 calls, the time from the call command (`POST /api/commands`) to the official's
//! connection being up (ICE + DTLS, on the official's page) and to the official's first video
//! frame shown on the wall, and from the official's answer to the office's first video frame shown
//! on the official's page (p50/p95); then the service's CPU and memory with no call, one call
//! and four officials in calls at once. Prints figures; asserts nothing about time.
//! `cargo bench --bench calls` (needs root for the namespace).

mod common;
#[path = "../tests/common/webdriver.rs"]
mod webdriver;

use common::{now_ms, pct, start_scpm, wait_healthy, TOKEN};
use serde_json::{json, Value};
use std::time::Duration;
use webdriver::{free_port, loopback_only, rerun_isolated, Driver};

const OFFICIALS: [(&str, &str); 4] = [
    ("transportation", "교통실장"),
    ("mayor_gangnam", "강남구청장"),
    ("welfare", "복지정책실장"),
    ("safety", "안전총괄실장"),
];
const CALLS: usize = 20;

/// CPU seconds (user + system) and resident memory of process `pid`.
fn usage(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = (ticks(11) + ticks(12)) / 100.0; // utime, stime; USER_HZ is 100 on Linux
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kb = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu, rss_kb / 1024.0)
}

/// The service's CPU use (share of one core) and RSS over `seconds`.
async fn measure(pid: u32, seconds: u64) -> (f64, f64) {
    let (before, _) = usage(pid);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (after, rss) = usage(pid);
    ((after - before) / seconds as f64 * 100.0, rss)
}

async fn command(base: &str, text: &str) {
    reqwest::Client::new()
        .post(format!("{base}/api/commands"))
        .bearer_auth(TOKEN)
        .json(&json!({"text": text}))
        .send()
        .await
        .ok();
}

/// Polls `js` (an async function body) every few milliseconds until it returns a non-null value.
async fn until(d: &Driver, s: &str, js: &str) -> Value {
    for _ in 0..4000 {
        let v = d.script_async(s, js).await;
        if !v.is_null() && v != json!(false) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Value::Null
}

fn main() -> anyhow::Result<()> {
    if !loopback_only() {
        rerun_isolated("", "");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let port = free_port();
    let mut server = start_scpm(dir.path(), port, "[commands]\nconfirm_calls = false\n")?;
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = rt.block_on(async {
        wait_healthy(&base).await;
        let d = Driver::start().await;
        let wall = d.media_session(&dir.path().join("chrome-wall")).await;
        d.call("POST", &format!("/session/{wall}/url"), json!({"url": format!("{base}/?token={TOKEN}")})).await;
        let links: Value = reqwest::Client::new()
            .get(format!("{base}/api/officials"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("officials")
            .json()
            .await
            .expect("json");
        let mut pages = Vec::new();
        for (n, (id, _)) in OFFICIALS.iter().enumerate() {
            let s = d.media_session(&dir.path().join(format!("chrome-{n}"))).await;
            let link = links["officials"]
                .as_array()
                .and_then(|l| l.iter().find(|o| o["official"]["id"] == *id))
                .and_then(|o| o["link"].as_str())
                .expect("link");
            d.call("POST", &format!("/session/{s}/url"), json!({"url": format!("{base}{link}")})).await;
            d.wait_for(&s, "return document.getElementById('connection').className", json!("online")).await;
            // The official answers as soon as it rings.
            d.script(&s, "setInterval(() => { if (!document.getElementById('ringing').hidden) document.getElementById('accept').click(); }, 5); return true").await;
            pages.push(s);
        }
        let (idle_cpu, idle_rss) = measure(pid, 5).await;

        let (mut connected, mut first_frame, mut office_seen) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..CALLS {
            let sent = now_ms();
            command(&base, &format!("{} 연결해", OFFICIALS[0].1)).await;
            let up = until(&d, &pages[0], "const s = await OFFICIAL.stats(); return s.connectedAt;").await;
            let shown = until(&d, &wall, "const s = Object.values(await SCPM_CALL.stats()); return s.length && s[0].firstFrameAt;").await;
            let seen = until(&d, &pages[0], "const s = await OFFICIAL.stats(); return s.firstFrameAt && [s.answeredAt, s.firstFrameAt];").await;
            connected.push(up.as_f64().map_or(f64::NAN, |t| t - sent));
            office_seen.push(match (seen[0].as_f64(), seen[1].as_f64()) {
                (Some(answered), Some(shown)) => shown - answered,
                _ => f64::NAN,
            });
            first_frame.push(shown.as_f64().map_or(f64::NAN, |t| t - sent));
            command(&base, "전화 끊어").await;
            until(&d, &pages[0], "return !document.getElementById('ringing').hidden || !document.getElementById('idle').hidden;").await;
            until(&d, &wall, "return Object.keys(await SCPM_CALL.stats()).length === 0;").await;
        }

        command(&base, &format!("{} 연결해", OFFICIALS[0].1)).await;
        until(&d, &wall, "const s = Object.values(await SCPM_CALL.stats()); return s.length === 1 && s[0].framesDecoded > 0;").await;
        let (one_cpu, one_rss) = measure(pid, 10).await;
        for (_, title) in &OFFICIALS[1..] {
            command(&base, &format!("{title} 연결해")).await;
        }
        let four = until(&d, &wall, "const s = Object.values(await SCPM_CALL.stats()); return s.length === 4 && s.every((l) => l.framesDecoded > 0);").await;
        let (four_cpu, four_rss) = measure(pid, 10).await;
        command(&base, "전화 끊어").await;
        for s in pages.iter().chain([&wall]) {
            d.call("DELETE", &format!("/session/{s}"), Value::Null).await;
        }
        (connected, first_frame, office_seen, [(idle_cpu, idle_rss), (one_cpu, one_rss), (four_cpu, four_rss)], four == json!(true))
    });
    let _ = server.kill();
    let _ = server.wait();
    let (mut connected, mut first_frame, mut office_seen, usage, four_ok) = result;
    let report = |what: &str, v: &mut Vec<f64>| {
        let ok = v.iter().filter(|x| x.is_finite()).count();
        println!(
            "{what}, {ok}/{} calls: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.95),
            pct(v, 1.0)
        );
    };
    report("call command → official's connection up (ICE + DTLS)", &mut connected);
    report("call command → official's first video frame on the wall", &mut first_frame);
    report("official answers → office's first video frame on the official's page", &mut office_seen);
    for ((cpu, rss), what) in usage.iter().zip(["no call", "one call", "four officials in calls"]) {
        println!("service with {what}: CPU {cpu:.0}% of one core, RSS {rss:.0} MB");
    }
    if !four_ok {
        println!("(the wall did not show all four officials; the four-call figures are for fewer)");
    }
    Ok(())
}
