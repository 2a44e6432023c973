//! Soak: every modality at once for N minutes (`cargo bench --bench soak -- 30`; 5 by default),
//! in a loopback-only namespace (needs root). The service runs the simulator at 50× speed, hears a
//! WAV of spoken commands as its microphone and sees a swipe video as its camera, both again and
//! again (`serve --repeat-files`); the bench posts complaints (5 a second), typed commands (one
//! every 2 s) and public searches (10 a second, bounded below the public limit), keeps an office
//! wall open in Debian chromium, and places a call every minute that an official answers in
//! another chromium page, hung up 20 s later.
//!
//! Every minute it prints the service's RSS, open files and threads, and the p99 of
//! `/api/search`, `/api/commands` and `/healthz` over that minute. At the end: every acknowledged
//! complaint is in the store, every acknowledged command has its audit row, every call leg in the
//! log has ended, and the RSS slope after warm-up (MB per 10 minutes). Prints figures; asserts
//! nothing about time.

mod common;
#[allow(dead_code)]
#[path = "../tests/common/video.rs"]
mod video;
#[path = "../tests/common/webdriver.rs"]
mod webdriver;

use common::pct;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use webdriver::{free_port, loopback_only, rerun_isolated, Driver};

const TOKEN: &str = "soak-office-token";
const INTAKE: &str = "soak-intake-token";
/// The spoken commands the microphone hears, over and over.
const SPOKEN: &str = "Show traffic in Mapo. . . . Show the air quality in Gangnam. . . . \
                      What is the recycling rate in Jongno? . . . Go to the opinion screen.";
const TYPED: [&str; 4] = ["강남구 미세먼지 보여줘", "show incidents in Mapo", "민원 현황 보여줘", "show the pledges"];
const SEARCHES: [&str; 5] = ["noise", "Mapo", "water", "traffic", "주차"];

/// Latencies (ms) of one kind of request, each with when it ended.
type Series = Arc<Mutex<Vec<(Instant, f64)>>>;

#[derive(Default)]
struct Tally {
    complaints: Vec<String>,
    complaint_refusals: usize,
    commands_ok: usize,
    command_failures: usize,
    public_limited: usize,
    public_failures: usize,
    calls_connected: usize,
    calls_failed: usize,
}

fn write_config(dir: &Path, port: u16) -> anyhow::Result<std::path::PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = dir.join("scpm.toml");
    std::fs::write(
        &path,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\noffice_token = \"{TOKEN}\"\nintake_token = \"{INTAKE}\"\n\
             [paths]\ndata_dir = \"{data}\"\ngrammars = \"{grammars}\"\nmodels = \"{models}\"\nindex_dir = \"{index}\"\nstore = \"{store}\"\n\
             [simulator]\nspeed = 50.0\n[commands]\nconfirm_calls = false\n\
             [voice]\nlanguages = [\"en\"]\nwake_word = false\n[gestures]\nenabled = true\n",
            data = repo.join("data").display(),
            grammars = repo.join("grammars").display(),
            models = repo.join("models").display(),
            index = dir.join("index").display(),
            store = dir.join("store.sqlite").display(),
        ),
    )?;
    Ok(path)
}

/// The microphone's WAV (espeak-ng, 16 kHz mono) and the camera's swipe video.
fn inputs(dir: &Path) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    let (raw, wav) = (dir.join("spoken.raw.wav"), dir.join("spoken.wav"));
    let ok = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-g", "40", "-w"])
        .arg(&raw)
        .arg(SPOKEN)
        .status()?;
    anyhow::ensure!(ok.success(), "espeak-ng failed (scripts/setup.sh --for-tests installs it)");
    let ok = Command::new("sox")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1", "-b", "16"])
        .arg(&wav)
        .args(["pad", "1", "2"])
        .status()?;
    anyhow::ensure!(ok.success(), "sox failed");
    let video = dir.join("swipe.avi");
    video::moving_photo(&video, "fullcurl.jpg", 0.4, (20, 100), (320, 100), 15);
    Ok((wav, video))
}

/// RSS (MB), open files and threads of `pid`.
fn usage(pid: u32) -> (f64, usize, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
    };
    let files = std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0);
    (field("VmRSS:").unwrap_or(0.0) / 1024.0, files, field("Threads:").unwrap_or(0.0) as usize)
}

/// The p99 (ms) of what `series` recorded since `since`.
fn p99_since(series: &Series, since: Instant) -> f64 {
    let mut v: Vec<f64> =
        series.lock().map(|s| s.iter().filter(|(t, _)| *t >= since).map(|(_, ms)| *ms).collect()).unwrap_or_default();
    pct(&mut v, 0.99)
}

/// Sends `request` every `every` until `stop`, timing each answer into `series`; `seen` gets
/// each status and body.
fn load(
    stop: Arc<std::sync::atomic::AtomicBool>,
    every: Duration,
    series: Series,
    request: impl Fn(u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
    seen: impl Fn(u64, u16, Value) + Send + Sync + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            tick.tick().await;
            let started = Instant::now();
            let answer = request(n).timeout(Duration::from_secs(30)).send().await;
            let ms = started.elapsed().as_secs_f64() * 1e3;
            if let Ok(series) = series.lock().as_mut() {
                series.push((Instant::now(), ms));
            }
            match answer {
                Ok(r) => {
                    let status = r.status().as_u16();
                    seen(n, status, r.json().await.unwrap_or(Value::Null));
                }
                Err(_) => seen(n, 0, Value::Null),
            }
            n += 1;
        }
    })
}

/// Least-squares slope of `points` (minute, MB), in MB per minute.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let num: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let den: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    if den > 0.0 {
        num / den
    } else {
        f64::NAN
    }
}

fn main() -> anyhow::Result<()> {
    if !loopback_only() {
        rerun_isolated("", "");
        return Ok(());
    }
    let minutes: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir()?;
    let (wav, video) = inputs(dir.path())?;
    let port = free_port();
    let config = write_config(dir.path(), port)?;
    let mut server = Command::new(env!("CARGO_BIN_EXE_scpm"))
        .arg("--config")
        .arg(&config)
        .args(["serve", "--repeat-files", "--audio-file"])
        .arg(&wav)
        .arg("--video-file")
        .arg(&video)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()?;
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let (search, commands, health): (Series, Series, Series) = Default::default();
    let result = rt.block_on(async {
        common::wait_healthy(&base).await;
        let client = reqwest::Client::new();
        let d = Driver::start().await;
        let wall = d.media_session(&dir.path().join("chrome-wall")).await;
        d.call("POST", &format!("/session/{wall}/url"), json!({"url": format!("{base}/?token={TOKEN}")})).await;
        let officials: Value = client.get(format!("{base}/api/officials")).bearer_auth(TOKEN).send().await?.json().await?;
        let link = officials["officials"]
            .as_array()
            .and_then(|l| l.iter().find(|o| o["official"]["id"] == "transportation"))
            .and_then(|o| o["link"].as_str())
            .unwrap_or_default()
            .to_string();
        let official = d.media_session(&dir.path().join("chrome-official")).await;
        d.call("POST", &format!("/session/{official}/url"), json!({"url": format!("{base}{link}")})).await;
        d.wait_for(&official, "return document.getElementById('connection').className", json!("online")).await;
        d.script(&official, "setInterval(() => { if (!document.getElementById('ringing').hidden) document.getElementById('accept').click(); }, 200); return true").await;

        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = Vec::new();
        let (c, b, t) = (client.clone(), base.clone(), tally.clone());
        tasks.push(load(
            stop.clone(),
            Duration::from_millis(200),
            Arc::new(Mutex::new(Vec::new())),
            move |n| {
                c.post(format!("{b}/api/complaints")).bearer_auth(INTAKE).json(&json!({
                    "form": "complaint", "category": "noise", "district": "11440",
                    "text_en": format!("soakcheck{n} drilling at night"),
                }))
            },
            move |_, status, body| {
                let mut t = t.lock().expect("tally");
                match (status, body["id"].as_str()) {
                    (201, Some(id)) => t.complaints.push(id.to_string()),
                    _ => t.complaint_refusals += 1,
                }
            },
        ));
        let (c, b, t) = (client.clone(), base.clone(), tally.clone());
        tasks.push(load(
            stop.clone(),
            Duration::from_secs(2),
            commands.clone(),
            move |n| c.post(format!("{b}/api/commands")).bearer_auth(TOKEN).json(&json!({"text": TYPED[n as usize % TYPED.len()]})),
            move |_, status, _| {
                let mut t = t.lock().expect("tally");
                if status == 200 { t.commands_ok += 1 } else { t.command_failures += 1 }
            },
        ));
        let (c, b, t) = (client.clone(), base.clone(), tally.clone());
        tasks.push(load(
            stop.clone(),
            Duration::from_millis(100),
            search.clone(),
            move |n| c.get(format!("{b}/api/search?q={}", SEARCHES[n as usize % SEARCHES.len()])),
            move |_, status, _| {
                let mut t = t.lock().expect("tally");
                match status {
                    200 => {}
                    429 => t.public_limited += 1,
                    _ => t.public_failures += 1,
                }
            },
        ));
        let (c, b) = (client.clone(), base.clone());
        tasks.push(load(stop.clone(), Duration::from_millis(500), health.clone(), move |_| c.get(format!("{b}/healthz")), |_, _, _| {}));

        println!("minute | RSS MB | files | threads | p99 search ms | p99 commands ms | p99 healthz ms");
        let started = Instant::now();
        let mut samples = Vec::new();
        for minute in 1..=minutes {
            let since = Instant::now();
            // A call at the start of the minute, answered by the official's page, hung up after 20 s.
            let placed = client.post(format!("{base}/api/commands")).bearer_auth(TOKEN).json(&json!({"text": "교통실장 연결해"})).send().await;
            let mut connected = false;
            for _ in 0..100 {
                let s = d.script_async(&official, "const s = await OFFICIAL.stats(); return s.state === 'connected' && s.framesDecoded > 0;").await;
                if s == json!(true) {
                    connected = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            {
                let mut t = tally.lock().expect("tally");
                if placed.is_ok() && connected { t.calls_connected += 1 } else { t.calls_failed += 1 }
            }
            tokio::time::sleep(Duration::from_secs(20).saturating_sub(since.elapsed())).await;
            let _ = client.post(format!("{base}/api/commands")).bearer_auth(TOKEN).json(&json!({"text": "전화 끊어"})).send().await;
            tokio::time::sleep(Duration::from_secs(60).saturating_sub(since.elapsed())).await;
            let (rss, files, threads) = usage(pid);
            samples.push((started.elapsed().as_secs_f64() / 60.0, rss));
            println!(
                "{minute:>6} | {rss:>6.0} | {files:>5} | {threads:>7} | {:>13.1} | {:>15.1} | {:>14.1}",
                p99_since(&search, since),
                p99_since(&commands, since),
                p99_since(&health, since)
            );
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for task in tasks {
            let _ = task.await;
        }
        for s in [&wall, &official] {
            d.call("DELETE", &format!("/session/{s}"), Value::Null).await;
        }
        anyhow::Ok(samples)
    });
    // Let the last writes land and the index commit, then stop the service cleanly.
    std::thread::sleep(Duration::from_secs(3));
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let stopped = server.wait()?;
    let samples = result?;
    let tally = tally.lock().map_err(|_| anyhow::anyhow!("tally"))?;

    let store = rusqlite::Connection::open_with_flags(
        dir.path().join("store.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let mut find = store.prepare("SELECT 1 FROM records WHERE kind = 'complaint' AND key = ?1")?;
    let missing = tally.complaints.iter().filter(|id| !find.exists([id.as_str()]).unwrap_or(false)).count();
    let count = |sql: &str| store.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(-1);
    let typed_rows = count("SELECT COUNT(*) FROM audit WHERE channel = 'text'");
    let voice_rows = count("SELECT COUNT(*) FROM audit WHERE channel = 'voice'");
    let gesture_rows = count("SELECT COUNT(*) FROM audit WHERE channel = 'gesture'");
    let legs = count("SELECT COUNT(*) FROM call_log");
    let open_legs = count("SELECT COUNT(*) FROM call_log WHERE ended_at IS NULL");
    let warm = samples.iter().copied().filter(|(m, _)| *m > (minutes as f64 / 6.0).max(1.0)).collect::<Vec<_>>();

    println!("\nafter {minutes} min (service stopped cleanly: {}):", stopped.success());
    println!(
        "complaints acknowledged {}, missing from the store {missing}, refused {}",
        tally.complaints.len(),
        tally.complaint_refusals
    );
    println!(
        "typed commands acknowledged {} (failed {}), audit rows: typed {typed_rows}, voice {voice_rows}, gesture {gesture_rows}",
        tally.commands_ok, tally.command_failures
    );
    println!(
        "calls connected {} of {}, legs in the log {legs}, left open {open_legs}",
        tally.calls_connected,
        tally.calls_connected + tally.calls_failed
    );
    println!("public searches limited (429) {}, failed {}", tally.public_limited, tally.public_failures);
    println!("RSS slope after warm-up: {:.1} MB per 10 min ({} samples)", slope(&warm) * 10.0, warm.len());
    Ok(())
}
