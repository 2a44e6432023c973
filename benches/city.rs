//! The city on one store, PostgreSQL beside SQLite on this machine (`cargo bench --bench city
//! [-- RECORDS]`, 1,000,000 by default; needs Debian's `postgresql`, as the tests do). A
//! temporary PostgreSQL cluster on a loopback port; everything else on loopback too.
//!
//! 1. **Ingest**: RECORDS complaints written through `Store::upsert` in batches of 2,000 (the
//!    ingest loop's batch), on each database: records/s.
//! 2. **Search over RECORDS per replica**: a replica starts on each filled store (its index
//!    catches up from the store: the time it takes), then 1,000 public searches one after the
//!    other, at once and a minute later (when the index's segments are merged): p50 / p99 ms.
//! 3. **Freshness**: a complaint posted to the office process is found by another process's
//!    `/api/search` (PostgreSQL: a public replica; SQLite: the same process, the only one there
//!    can be): p50 / p99 / max over 100.
//! 4. **Public API on two replicas**: 8 clients for 15 s (each request from its own client
//!    address, as behind the proxy) spread over two public replicas, against one replica alone:
//!    requests/s, p50 / p99 ms.
//! 5. **Take-over**: the process running the sources is killed (-9) five times: how long until
//!    another leads.
//!
//! Prints figures; asserts nothing about time.

mod common;
#[allow(dead_code)]
#[path = "../tests/common/postgres.rs"]
mod pg;

use common::{pct, QUERIES};
use scpm::city::City;
use scpm::config::SimulatorConfig;
use scpm::sources::simulator::SimCity;
use scpm::sources::Record;
use scpm::store::Store;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-office-token";
const INTAKE: &str = "bench-intake-token";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// The city simulator's complaints (the text residents write, in both languages), three
/// seconds apart from 2026-01-01: the corpus of the foundation bench.
fn complaints(city: &City, from: usize, n: usize) -> Vec<Record> {
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
    // Drafts depend on the simulator's state, not on `from`: each batch gets its own seed.
    let config = SimulatorConfig { seed: 20261129 + from as u64, ..SimulatorConfig::default() };
    let mut sim = SimCity::new(city, &config, start);
    (from..from + n)
        .map(|i| {
            let mut c = sim.draft_complaint(start + chrono::Duration::seconds(i as i64 * 3));
            c.id = format!("b{i}");
            Record::Complaint(c)
        })
        .collect()
}

/// Writes `corpus` in batches of 2,000: records/s (the generation not counted).
fn ingest(location: &Path, corpus: &[Vec<Record>]) -> anyhow::Result<f64> {
    let mut store = Store::open(location)?;
    let start = Instant::now();
    for batch in corpus {
        store.upsert(batch.iter().map(|r| ("bench", r)))?;
    }
    Ok(corpus.iter().map(Vec::len).sum::<usize>() as f64 / start.elapsed().as_secs_f64())
}

struct Proc {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(store: &str, extra: &str) -> anyhow::Result<Proc> {
    let dir = tempfile::tempdir()?;
    let port = free_port();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        dir.path().join("scpm.toml"),
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\noffice_token = \"{TOKEN}\"\nintake_token = \"{INTAKE}\"\n\
             trusted_proxies = [\"127.0.0.1\"]\n\
             [paths]\ndata_dir = \"{}\"\ngrammars = \"{}\"\nindex_dir = \"{}\"\nstore = \"{store}\"\n\
             [voice]\nenabled = false\n[gestures]\nenabled = false\n{extra}",
            repo.join("data").display(),
            repo.join("grammars").display(),
            dir.path().join("index").display(),
        ),
    )?;
    let child = Command::new(env!("CARGO_BIN_EXE_scpm"))
        .arg("--config")
        .arg(dir.path().join("scpm.toml"))
        .arg("serve")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()?;
    Ok(Proc { child, base: format!("http://127.0.0.1:{port}"), _dir: dir })
}

async fn healthy(client: &reqwest::Client, base: &str) -> bool {
    for _ in 0..6_000 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn health(client: &reqwest::Client, base: &str) -> serde_json::Value {
    match client.get(format!("{base}/healthz")).send().await {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

fn line(label: &str, v: &mut [f64]) {
    println!(
        "  {label:<46} p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  (n={})",
        pct(v, 0.5),
        pct(v, 0.99),
        pct(v, 1.0),
        v.len()
    );
}

/// 1,000 public searches of two list words, one after the other.
async fn searches(client: &reqwest::Client, base: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..1_000 {
        let q = QUERIES[i % QUERIES.len()];
        let start = Instant::now();
        let ok = client
            .get(format!("{base}/api/search"))
            .query(&[("q", q), ("kind", "complaint")])
            .header("x-forwarded-for", format!("10.1.{}.{}", i / 250, i % 250))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            out.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    out
}

/// Posts a complaint to `office` and waits until `reader` finds it: ms.
async fn freshness(client: &reqwest::Client, office: &str, reader: &str, n: usize) -> Vec<f64> {
    let (mut out, mut polls) = (Vec::new(), 0usize);
    for i in 0..n {
        let word = format!("fresh{i}x{}", std::process::id());
        let start = Instant::now();
        let posted = client
            .post(format!("{office}/api/complaints"))
            .bearer_auth(INTAKE)
            .json(&serde_json::json!({"form": "complaint", "category": "noise", "district": "11680", "text_en": format!("{word} at night")}))
            .send()
            .await
            .is_ok_and(|r| r.status().as_u16() == 201);
        if !posted {
            continue;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            // As the public asks (a replica serves no office), each poll from its own address.
            polls += 1;
            let hit = client
                .get(format!("{reader}/api/search"))
                .query(&[("q", word.as_str()), ("kind", "complaint")])
                .header("x-forwarded-for", format!("10.9.{}.{}", (polls / 250) % 250, polls % 250))
                .send()
                .await;
            let found = match hit {
                Ok(r) => r
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|b| b["hits"].as_array().is_some_and(|h| !h.is_empty())),
                Err(_) => false,
            };
            if found {
                out.push(start.elapsed().as_secs_f64() * 1e3);
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    out
}

/// 8 clients for `secs` against `bases` in turn: (requests/s, latencies).
async fn load(bases: &[String], secs: u64) -> (f64, Vec<f64>) {
    let until = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..8)
        .map(|c| {
            let bases = bases.to_vec();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let (mut lat, mut i) = (Vec::new(), 0usize);
                while Instant::now() < until {
                    let base = &bases[(i + c) % bases.len()];
                    let q = QUERIES[(i * 7 + c) % QUERIES.len()];
                    let start = Instant::now();
                    let ok = client
                        .get(format!("{base}/api/search"))
                        .query(&[("q", q)])
                        .header("x-forwarded-for", format!("10.{c}.{}.{}", (i / 250) % 250, i % 250))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    if ok {
                        lat.push(start.elapsed().as_secs_f64() * 1e3);
                    }
                    i += 1;
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    (all.len() as f64 / secs as f64, all)
}

/// `url` and `takeover`: two empty databases of one cluster.
async fn run(records: usize, url: String, takeover: String) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let sqlite_dir = tempfile::tempdir()?;
    let sqlite = sqlite_dir.path().join("store.sqlite").display().to_string();
    println!(
        "city bench: {records} records, PostgreSQL (temporary cluster, fsync on) beside SQLite (WAL, synchronous=FULL)"
    );

    let city = City::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))?;
    let corpus: Vec<Vec<Record>> =
        (0..records).step_by(2_000).map(|from| complaints(&city, from, 2_000.min(records - from))).collect();
    println!("1. ingest through Store::upsert, batches of 2,000 (the simulator's complaints)");
    for (name, at) in [("SQLite", sqlite.as_str()), ("PostgreSQL", url.as_str())] {
        let rate = ingest(Path::new(at), &corpus)?;
        println!("  {name:<12} {rate:>10.0} records/s");
    }
    drop(corpus);

    println!("2. a replica on each filled store: its index catches up, then 1,000 public searches");
    for (name, at) in [("SQLite", sqlite.as_str()), ("PostgreSQL", url.as_str())] {
        let start = Instant::now();
        let replica = serve(at, "[simulator]\nenabled = false\n")?;
        if !healthy(&client, &replica.base).await {
            anyhow::bail!("{name} replica did not start");
        }
        println!("  {name:<12} start with the index built from the store: {:.1} s", start.elapsed().as_secs_f64());
        line(&format!("{name}: search, index just built"), &mut searches(&client, &replica.base).await);
        // The catch-up commits in batches; tantivy merges the segments in the background.
        tokio::time::sleep(Duration::from_secs(60)).await;
        line(&format!("{name}: search, a minute later"), &mut searches(&client, &replica.base).await);
    }

    println!("3. freshness: posted to the office process → found by another process's search");
    let office = serve(&url, "[simulator]\nenabled = false\n")?;
    let replicas = [serve(&url, "[office]\nrole = \"public\"\n")?, serve(&url, "[office]\nrole = \"public\"\n")?];
    for p in [&office, &replicas[0], &replicas[1]] {
        if !healthy(&client, &p.base).await {
            anyhow::bail!("a process on PostgreSQL did not start");
        }
    }
    // The public search hides nothing a replica has; the office token reads the same index.
    line("PostgreSQL: office → public replica", &mut freshness(&client, &office.base, &replicas[0].base, 100).await);
    let alone = serve(&sqlite, "[simulator]\nenabled = false\n")?;
    if !healthy(&client, &alone.base).await {
        anyhow::bail!("the SQLite process did not start");
    }
    line("SQLite: office → the same process", &mut freshness(&client, &alone.base, &alone.base, 100).await);

    println!("4. public API: 8 clients, 15 s, each request from its own address");
    let both = [replicas[0].base.clone(), replicas[1].base.clone()];
    let (rate, mut lat) = load(&both, 15).await;
    line(&format!("PostgreSQL, two public replicas: {rate:.0} req/s"), &mut lat);
    let (rate, mut lat) = load(&both[..1], 15).await;
    line(&format!("PostgreSQL, one public replica: {rate:.0} req/s"), &mut lat);
    let (rate, mut lat) = load(std::slice::from_ref(&alone.base), 15).await;
    line(&format!("SQLite, the one process: {rate:.0} req/s"), &mut lat);
    drop((office, replicas, alone));

    println!("5. take-over: the process running the sources killed (-9), five times");
    let mut procs = vec![serve(&takeover, "")?, serve(&takeover, "")?];
    let mut times = Vec::new();
    for _ in 0..5 {
        for p in &procs {
            healthy(&client, &p.base).await;
        }
        let mut leader = None;
        for _ in 0..300 {
            for (i, p) in procs.iter().enumerate() {
                if health(&client, &p.base).await["leader"] == serde_json::json!(true) {
                    leader = Some(i);
                }
            }
            if leader.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Some(leader) = leader else { anyhow::bail!("no process leads") };
        let other = 1 - leader;
        let _ = Command::new("kill").args(["-9", &procs[leader].child.id().to_string()]).status();
        let killed = Instant::now();
        let mut took = None;
        while killed.elapsed() < Duration::from_secs(30) {
            if health(&client, &procs[other].base).await["leader"] == serde_json::json!(true) {
                took = Some(killed.elapsed().as_secs_f64() * 1e3);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        times.extend(took);
        procs[leader] = serve(&takeover, "")?;
    }
    line("kill -9 of the leader → another leads", &mut times);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let records = std::env::args().skip(1).find_map(|a| a.parse::<usize>().ok()).unwrap_or(1_000_000);
    // The blocking client that creates the databases runs outside the runtime.
    let cluster = pg::Cluster::start();
    let (url, takeover) = (cluster.database("city"), cluster.database("takeover"));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(records, url, takeover))
}
