//! Foundation benchmark: ingest throughput into store + index, and search latency for entity
//! resolution and full-text queries over a large complaint corpus. Prints figures; asserts
//! nothing about time (the machine is shared).
//!
//! `cargo bench --bench foundation` (SCPM_BENCH_DOCS=N to change the corpus, default 1,000,000).

mod common;

use chrono::{Duration, TimeZone, Utc};
use scpm::city::City;
use scpm::config::SimulatorConfig;
use scpm::index::{CityIndex, SearchRequest};
use scpm::sources::simulator::SimCity;
use scpm::sources::Record;
use scpm::store::Store;
use std::time::Instant;

fn rss_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(String::from))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentiles(mut micros: Vec<f64>) -> (f64, f64, f64) {
    micros.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| micros[((micros.len() as f64 - 1.0) * p).round() as usize] / 1000.0;
    (at(0.5), at(0.99), at(1.0))
}

fn main() -> anyhow::Result<()> {
    let docs: usize = std::env::var("SCPM_BENCH_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let city = City::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))?;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("store.sqlite"))?;
    let writer_mb = scpm::config::IndexConfig::default().writer_memory_mb;
    let (index, mut writer, _) = CityIndex::open(&dir.path().join("index"), &city, &store, writer_mb)?;

    println!("scpm foundation benchmark: {docs} complaint documents, index writer {writer_mb} MiB, 1 indexing thread");
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().ok_or_else(|| anyhow::anyhow!("time"))?;
    let mut sim = SimCity::new(&city, &SimulatorConfig::default(), start);
    let batch = 5_000;
    let (mut generated_s, mut store_s, mut index_s) = (0.0, 0.0, 0.0);
    let t_all = Instant::now();
    let mut done = 0;
    while done < docs {
        let n = batch.min(docs - done);
        let t = Instant::now();
        let records: Vec<Record> = (0..n)
            .map(|i| Record::Complaint(sim.draft_complaint(start + Duration::seconds((done + i) as i64 * 3))))
            .collect();
        generated_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let revs = store.upsert(records.iter().map(|r| ("bench", r)))?;
        store_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for (record, rev) in records.iter().zip(revs) {
            if let Some(rev) = rev {
                writer.put(rev, record)?;
            }
        }
        if (done + n) % 100_000 == 0 || done + n == docs {
            index.commit(&mut writer)?;
        }
        index_s += t.elapsed().as_secs_f64();
        done += n;
    }
    let wall = t_all.elapsed().as_secs_f64() - generated_s;
    println!(
        "ingest: {:.0} docs/s into store + index ({:.1} s; store {:.1} s = {:.0} docs/s, index {:.1} s = {:.0} docs/s; generation {:.1} s not counted)",
        docs as f64 / wall,
        wall,
        store_s,
        docs as f64 / store_s,
        index_s,
        docs as f64 / index_s,
        generated_s
    );
    println!(
        "index: {} documents; RSS now {:.0} MiB, peak {:.0} MiB",
        index.num_docs(),
        rss_mib("VmRSS:"),
        rss_mib("VmHWM:")
    );

    // Entity resolution: every district, indicator and official name, and some typos.
    let mut names: Vec<String> = Vec::new();
    for d in &city.districts {
        names.extend([d.name_ko.clone(), d.name_en.clone()]);
        names.extend(d.aliases_ko.iter().take(1).cloned());
    }
    for i in &city.indicators {
        names.extend([i.name_ko.clone(), i.name_en.clone()]);
    }
    for o in &city.officials {
        names.extend([o.title_ko.clone(), o.title_en.clone()]);
    }
    names.extend(["Gannam", "Mappo", "womens employmnt rate", "transport director", "마포구는"].map(String::from));
    let mut micros = Vec::new();
    for _ in 0..3 {
        for name in &names {
            let t = Instant::now();
            let r = index.resolve(name, &["district", "official", "indicator"])?;
            micros.push(t.elapsed().as_secs_f64() * 1e6);
            std::hint::black_box(r);
        }
    }
    let (p50, p99, max) = percentiles(micros);
    println!("entity resolution: {} queries, p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms", names.len() * 3);

    let queries = common::QUERIES;
    let mut micros = Vec::new();
    let mut hits_total = 0;
    for _ in 0..20 {
        for &q in queries {
            let req = SearchRequest {
                text: q.into(),
                kinds: vec!["complaint".into(), "suggestion".into()],
                district: None,
                limit: 20,
            };
            let t = Instant::now();
            let hits = index.search(&req)?;
            micros.push(t.elapsed().as_secs_f64() * 1e6);
            hits_total += hits.len();
        }
    }
    let (p50, p99, max) = percentiles(micros);
    println!(
        "full-text (top 20 of {docs} complaints): {} queries, p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms ({} hits)",
        queries.len() * 20,
        hits_total
    );
    let mut micros = Vec::new();
    for d in &city.districts {
        for q in ["소음", "noise"] {
            let req = SearchRequest {
                text: q.into(),
                kinds: vec!["complaint".into()],
                district: Some(d.code.clone()),
                limit: 20,
            };
            let t = Instant::now();
            std::hint::black_box(index.search(&req)?);
            micros.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let (p50, p99, max) = percentiles(micros);
    println!(
        "full-text with district filter: {} queries, p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        city.districts.len() * 2
    );
    println!("RSS peak {:.0} MiB", rss_mib("VmHWM:"));
    Ok(())
}
