//! Command-language benchmark: matcher latency with the full grammars loaded (every example
//! sentence of both languages, plus out-of-domain sentences), resolver latency, and the size of
//! the expanded Korean phrase list. Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench commands`

use scpm::city::City;
use scpm::commands::Commands;
use scpm::grammar::{phrases, Grammar};
use scpm::index::CityIndex;
use scpm::resolve::Context;
use scpm::store::Store;
use std::time::Instant;

fn percentiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.99), at(1.0))
}

fn main() -> anyhow::Result<()> {
    let city = City::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))?;
    let grammar_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("grammars");
    let t = Instant::now();
    let commands = Commands::load(&city, &grammar_dir, true)?;
    println!("grammars loaded and compiled in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("s.sqlite"))?;
    let (index, _w, _) = CityIndex::open(&dir.path().join("index"), &city, &store, 32)?;
    let ood = ["오늘 점심 뭐 먹지", "회의가 몇 시였지", "tell me a joke", "what's for lunch", "my cat is sick"];
    for lang in ["ko", "en"] {
        let matcher = commands.matcher(lang).ok_or_else(|| anyhow::anyhow!("no {lang} grammar"))?;
        let g = matcher.grammar();
        let mut sentences: Vec<String> =
            g.commands.iter().flat_map(|c| c.def.examples.iter().map(|e| e.text.clone())).collect();
        sentences.extend(ood.iter().map(|s| s.to_string()));
        let (mut parse_ms, mut full_ms) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            for s in &sentences {
                let t = Instant::now();
                std::hint::black_box(matcher.parse(s));
                parse_ms.push(t.elapsed().as_secs_f64() * 1e3);
                let t = Instant::now();
                std::hint::black_box(commands.answer(&index, s, Some(lang), &mut Context::default()));
                full_ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let mut slowest: Vec<(f64, &String)> = parse_ms.iter().copied().zip(sentences.iter().cycle()).collect();
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        slowest.dedup_by(|a, b| a.1 == b.1);
        let names: Vec<String> = slowest.iter().take(3).map(|(ms, s)| format!("{ms:.2} ms \"{s}\"")).collect();
        let (p50, p99, max) = percentiles(parse_ms);
        println!(
            "{lang}: {} templates, {} sentences; matcher over {} utterances ×5: p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms",
            g.template_count(),
            matcher.sentence_count(),
            sentences.len()
        );
        println!("{lang}: slowest: {}", names.join(", "));
        let (p50, p99, max) = percentiles(full_ms);
        println!("{lang}: matcher + resolver (index): p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms");
    }
    let ko = Grammar::load(&grammar_dir, "ko")?;
    let values = phrases::slot_values(&city, &ko);
    for limit in [20_000, 100_000, usize::MAX] {
        let (_, report) = phrases::expand(&ko, &values, 300, limit);
        println!(
            "ko phrase list (limit {}): {}",
            if limit == usize::MAX { "none".into() } else { limit.to_string() },
            serde_json::to_string(&report)?
        );
    }
    Ok(())
}
