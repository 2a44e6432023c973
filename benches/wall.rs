//! Wall benchmark in Debian chromium (loopback-only namespace): the page's first render time, and
//! the time from `POST /api/commands` to the DOM showing the change, over 24 commands. Prints
//! figures; asserts nothing about time. `cargo bench --bench wall` (needs root for the namespace).

mod common;
#[path = "../tests/common/webdriver.rs"]
mod webdriver;

use common::{now_ms, pct, start_scpm, wait_healthy, TOKEN};
use serde_json::{json, Value};
use std::time::Duration;
use webdriver::{free_port, loopback_only, rerun_isolated, Driver};

fn main() -> anyhow::Result<()> {
    if !loopback_only() {
        rerun_isolated("", "");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let port = free_port();
    let mut server = start_scpm(dir.path(), port, "")?;
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = rt.block_on(async {
        let client = reqwest::Client::new();
        wait_healthy(&base).await;
        let d = Driver::start().await;
        let s = d.session(&dir.path().join("chrome")).await;
        let mut first = Vec::new();
        for _ in 0..5 {
            d.call("POST", &format!("/session/{s}/url"), json!({"url": format!("{base}/?token={TOKEN}")})).await;
            d.wait_for(&s, "return performance.getEntriesByName('scpm-first-render').length", json!(1)).await;
            let t = d.script(&s, "return performance.getEntriesByName('scpm-first-render')[0].startTime").await;
            first.push(t.as_f64().unwrap_or(f64::NAN));
        }
        d.wait_for(&s, "return document.getElementById('status').textContent", json!("실시간")).await;
        // Record when the screen's district changes, on the page's clock (epoch milliseconds).
        // Two moments: the header names the new screen, and the screen has drawn its data.
        d.script(&s, "window.__changes = []; window.__drawn = []; const at = () => performance.timeOrigin + performance.now(); \
            new MutationObserver(() => window.__changes.push([document.getElementById('screen').dataset.district, at()])).observe(document.getElementById('screen'), {attributes: true}); \
            new MutationObserver(() => window.__drawn.push([document.getElementById('screen').dataset.district, at()])).observe(document.body, {attributes: true, attributeFilter: ['data-rendered']}); return true").await;
        let mut latencies = Vec::new();
        let mut drawn = Vec::new();
        for i in 0..24 {
            let (text, code) = if i % 2 == 0 { ("마포구 미세먼지 보여줘", "11440") } else { ("강남구 미세먼지 보여줘", "11680") };
            let sent = now_ms();
            client.post(format!("{base}/api/commands")).bearer_auth(TOKEN).json(&json!({"text": text})).send().await.ok();
            // Milliseconds from `sent` to the page's record of `code` in `list`.
            let after = |list: &'static str| {
                let (d, s) = (&d, &s);
                async move {
                    for _ in 0..2000 {
                        let js = format!("const c = window.{list}.filter(x => x[0] === '{code}'); return c.length ? c[c.length - 1][1] : null");
                        if let Some(t) = d.script(s, &js).await.as_f64().filter(|t| *t >= sent) {
                            return t - sent;
                        }
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    f64::NAN
                }
            };
            latencies.push(after("__changes").await);
            drawn.push(after("__drawn").await);
        }
        d.call("DELETE", &format!("/session/{s}"), Value::Null).await;
        (first, latencies, drawn)
    });
    let _ = server.kill();
    let _ = server.wait();
    let (mut first, mut lat, mut drawn) = result;
    println!(
        "first render (page start → map and figures drawn), 5 loads: median {:.0} ms, max {:.0} ms",
        pct(&mut first, 0.5),
        pct(&mut first, 1.0)
    );
    let report = |what: &str, v: &mut Vec<f64>| {
        println!(
            "POST /api/commands → {what}, {} commands: median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.95),
            pct(v, 1.0)
        )
    };
    report("DOM change on the wall", &mut lat);
    report("screen redrawn with its data (map, figures, CCTV)", &mut drawn);
    Ok(())
}
