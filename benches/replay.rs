//! Replay on a simulated week (`cargo bench --bench replay [-- DAYS]`, 7 by default): the city
//! simulator's DAYS up to now written to a SQLite store (every version of every incident and
//! complaint kept), then `scpm serve` on it, asked for past hours as the wall asks.
//!
//! 1. **Writing the week**: records/s, and what the history costs on disk (bytes per day).
//! 2. **Replay answers**: `/api/realtime?at=` and `/api/state?at=` for 200 random past times
//!    of the week (office): p50 / p95 / max ms, beside the live answers; the public's replay of
//!    one minute, asked again (the per-minute cache).
//! 3. **Retention**: removing the versions older than half the week (`history.keep_days`).
//!
//! Prints figures; asserts nothing about time.

mod common;

use common::{pct, start_scpm, wait_healthy, TOKEN};
use rand::{Rng, SeedableRng};
use scpm::city::City;
use scpm::config::SimulatorConfig;
use scpm::sources::simulator::SimCity;
use scpm::store::Store;
use std::path::Path;
use std::time::Instant;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

fn file_size(path: &Path) -> u64 {
    ["", "-wal"].iter().filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok()).map(|m| m.len()).sum()
}

/// `n` GETs of `path(i)`: the answers' times in ms (each checked to be 200).
async fn timed(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    n: usize,
    path: impl Fn(usize) -> String,
) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut req = client.get(format!("{base}{}", path(i)));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let start = Instant::now();
        let response = req.send().await?;
        let status = response.status();
        let _ = response.bytes().await?;
        out.push(start.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(status.is_success(), "{}: {status}", path(i));
    }
    Ok(out)
}

fn line(what: &str, mut ms: Vec<f64>) {
    let max = ms.iter().cloned().fold(0.0, f64::max);
    println!(
        "  {what:<44} p50 {:>6.1} ms  p95 {:>6.1} ms  max {:>6.1} ms  (n = {})",
        pct(&mut ms, 0.5),
        pct(&mut ms, 0.95),
        max,
        ms.len()
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let days: i64 = std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(7);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let city = City::load(&root.join("data"))?;
    let dir = tempfile::tempdir()?;
    let store_path = dir.path().join("store.sqlite");
    let now = chrono::Utc::now();
    let start = now - chrono::Duration::days(days);

    println!("Replay on a simulated {days}-day city (SimCity, default rates), SQLite at {}", store_path.display());
    let mut sim = SimCity::new(&city, &SimulatorConfig::default(), start);
    let mut store = Store::open(&store_path)?;
    let began = Instant::now();
    let mut written = 0usize;
    let mut hour = start;
    while hour < now {
        hour = (hour + chrono::Duration::hours(1)).min(now);
        let records = sim.advance_to(hour);
        written += records.len();
        for batch in records.chunks(2000) {
            store.upsert(batch.iter().map(|r| ("simulator", r)))?;
        }
    }
    let secs = began.elapsed().as_secs_f64();
    drop(store);
    let db = rusqlite::Connection::open(&store_path)?;
    let versions: i64 = db.query_row("SELECT COUNT(*) FROM record_history", [], |r| r.get(0))?;
    let history_bytes: i64 =
        db.query_row("SELECT COALESCE(SUM(LENGTH(body)) + COUNT(*) * 48, 0) FROM record_history", [], |r| r.get(0))?;
    drop(db);
    println!("1. Writing the week");
    println!(
        "  {written} records ({:.0} records/s), {versions} incident and complaint versions kept",
        written as f64 / secs
    );
    println!(
        "  store on disk {:.1} MB; the history's rows ≈ {:.1} MB ({:.1} MB per day kept, before indexes)",
        file_size(&store_path) as f64 / 1e6,
        history_bytes as f64 / 1e6,
        history_bytes as f64 / 1e6 / days as f64
    );

    let port = free_port();
    let mut child = start_scpm(dir.path(), port, "[simulator]\nenabled = false\n[gestures]\nenabled = false\n")?;
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    let client = reqwest::Client::new();
    // The index catches up with the store before the service answers searches; wait for it.
    for _ in 0..600 {
        let h: serde_json::Value = client.get(format!("{base}/healthz")).send().await?.json().await?;
        if h["index"]["rev"] == h["store"]["rev"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let span = (now - start).num_seconds() - 3600;
    let times: Vec<String> = (0..200)
        .map(|_| (start + chrono::Duration::seconds(3600 + rng.random_range(0..span))).to_rfc3339().replace('+', "%2B"))
        .collect();
    println!("2. Answers (office, one after another, loopback)");
    line("/api/realtime live", timed(&client, &base, Some(TOKEN), 50, |_| "/api/realtime".into()).await?);
    line(
        "/api/realtime?at= (a past time of the week)",
        timed(&client, &base, Some(TOKEN), times.len(), |i| format!("/api/realtime?at={}", times[i])).await?,
    );
    line("/api/state live", timed(&client, &base, Some(TOKEN), 50, |_| "/api/state".into()).await?);
    line(
        "/api/state?at=",
        timed(&client, &base, Some(TOKEN), times.len(), |i| format!("/api/state?at={}", times[i])).await?,
    );
    line(
        "/api/realtime?period=last_week",
        timed(&client, &base, Some(TOKEN), 50, |_| "/api/realtime?period=last_week".into()).await?,
    );
    let first = timed(&client, &base, None, 1, |_| format!("/api/realtime?at={}", times[0])).await?;
    let again = timed(&client, &base, None, 50, |_| format!("/api/realtime?at={}", times[0])).await?;
    line("public /api/realtime?at= first", first);
    line("public, the same minute again (cached)", again);
    let _ = child.kill();
    let _ = child.wait();

    println!("3. Retention");
    let mut store = Store::open(&store_path)?;
    let began = Instant::now();
    let removed = store.prune_history((now - chrono::Duration::days(days / 2)).timestamp())?;
    println!(
        "  removing versions older than {} days: {removed} removed in {:.0} ms",
        days / 2,
        began.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
