//! `scpm bench voice --set DIR`: the voice pipeline on the evaluation set that
//! scripts/voice-set.sh makes, with both recognizers loaded as in the office. Prints, per language
//! and noise level: intent accuracy (the same intent and actions as the typed sentence), false
//! accepts on out-of-domain speech, latency from the last voiced sample to the answer (p50/p95:
//! the pause that ends the utterance, then decoding; also to the answers that acted, and
//! decoding alone), real-time factor, and the process's peak memory.

use anyhow::{Context as _, Result};
use scpm::city::City;
use scpm::commands::Commands;
use scpm::config::Config;
use scpm::voice::listener::{hear_samples, standing, Timed};
use scpm::voice::Voice;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Deserialize)]
struct Item {
    file: String,
    lang: String,
    voice: String,
    snr: String,
    kind: String,
    text: String,
}

/// One file of the set and what was heard in it, for `SCPM_BENCH_MISSES`: the file, the voice,
/// what was said, what was heard with its fit and note, and why it was turned away.
fn described(item: &Item, heard: Option<&scpm::voice::Heard>) -> String {
    format!(
        "{} [{}]: “{}” heard “{}” (fit {:?}, note {:?}){}",
        item.file,
        item.voice,
        item.text,
        heard.map(|h| h.transcript.as_str()).unwrap_or_default(),
        heard.and_then(|h| h.fit),
        heard.and_then(|h| h.note),
        heard.and_then(|h| h.answer.reason.as_deref()).map(|r| format!(": {r}")).unwrap_or_default()
    )
}

#[derive(Default)]
struct Tally {
    commands: usize,
    correct: usize,
    ood: usize,
    false_accepts: usize,
    /// From the last voiced sample to the answer: the pause that ends the utterance, then decoding.
    latencies: Vec<f64>,
    /// The same, for the answers that acted (understood commands).
    to_action: Vec<f64>,
    /// From the end of the utterance (the endpoint) to the answer: decoding alone.
    decoding: Vec<f64>,
    audio_s: f64,
    decode_s: f64,
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// A WAV file's samples.
fn samples_of(path: &Path) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    scpm::audio::wav::stream_wav(path, |chunk| {
        out.extend_from_slice(chunk);
        true
    })?;
    Ok(out)
}

pub fn run(config: &Config, index: scpm::index::CityIndex, set: &Path, json: bool, limit: Option<usize>) -> Result<()> {
    let manifest = set.join("manifest.jsonl");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("{}: make the set with scripts/voice-set.sh {}", manifest.display(), set.display()))?;
    let items: Vec<Item> =
        text.lines().filter(|l| !l.trim().is_empty()).map(serde_json::from_str).collect::<Result<_, _>>()?;
    let city = City::load(&config.paths.data_dir)?;
    let commands = Arc::new(Commands::load(&city, &config.paths.grammars, config.commands.confirm_calls)?);
    let index = Arc::new(index);
    let (mut voice, warnings) = Voice::load(config, &city, commands.clone(), index.clone(), &config.voice.languages);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    // A bench of no recognizer would print zeros that look like figures.
    anyhow::ensure!(!voice.languages().is_empty(), "no recognizer could be loaded (see the warnings above)");
    let rss_loaded = peak_rss_mb();
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for item in items.iter().take(limit.unwrap_or(usize::MAX)) {
        let tally = tallies.entry((item.lang.clone(), item.snr.clone())).or_default();
        // As in `serve`: the file is played to the listener as the microphone would deliver
        // it (the endpointer, the Korean stream, the early end at a short pause).
        let samples = samples_of(&set.join(&item.file))?;
        let timed = hear_samples(&mut voice, &config.voice, &samples, &mut Default::default());
        let acted: Vec<&Timed> = standing(&timed);
        // The answer that counts: the first that acted, else the last one heard.
        let decisive = acted.first().copied().or(timed.last());
        let heard = decisive.map(|t| &t.heard);
        if let Some(t) = decisive {
            tally.latencies.push(t.latency_ms);
            tally.decoding.push(t.heard.decode_ms);
            if t.heard.answer.understood {
                tally.to_action.push(t.latency_ms);
            }
        }
        tally.audio_s += samples.len() as f64 / 16_000.0;
        tally.decode_s += timed.iter().map(|t| t.work_ms).sum::<f64>() / 1000.0;
        if item.kind == "ood" {
            tally.ood += 1;
            if let Some(wrong) = acted.first() {
                tally.false_accepts += 1;
                misses.push(format!("false accept {}", described(item, Some(&wrong.heard))));
            }
            continue;
        }
        // The truth is what the typed sentence means.
        let want = commands.answer(&index, &item.text, Some(&item.lang), &mut Default::default());
        if !want.understood {
            continue; // a follow-up that needs a conversation before it
        }
        tally.commands += 1;
        // Right when something acted and everything that acted is the command said.
        let ok = !acted.is_empty()
            && acted.iter().all(|t| t.heard.answer.intent == want.intent && t.heard.answer.actions == want.actions);
        if ok {
            tally.correct += 1;
            if std::env::var_os("SCPM_BENCH_MISSES").is_some() {
                eprintln!(
                    "hit {} fit {:?} note {:?}",
                    item.file,
                    heard.and_then(|h| h.fit),
                    heard.and_then(|h| h.note)
                );
            }
        } else {
            misses.push(format!("miss {}", described(item, heard)));
        }
    }
    let rss_peak = peak_rss_mb();
    if std::env::var_os("SCPM_BENCH_MISSES").is_some() {
        for m in &misses {
            eprintln!("{m}");
        }
    }
    let mut rows = Vec::new();
    for ((lang, snr), t) in &mut tallies {
        let row = serde_json::json!({
            "lang": lang, "snr": snr, "commands": t.commands,
            "accuracy": if t.commands > 0 { t.correct as f64 / t.commands as f64 } else { f64::NAN },
            "ood": t.ood, "false_accept_rate": if t.ood > 0 { t.false_accepts as f64 / t.ood as f64 } else { f64::NAN },
            "latency_ms_p50": percentile(&mut t.latencies, 0.5), "latency_ms_p95": percentile(&mut t.latencies, 0.95),
            "to_action_ms_p50": percentile(&mut t.to_action, 0.5), "to_action_ms_p95": percentile(&mut t.to_action, 0.95),
            "decoding_ms_p50": percentile(&mut t.decoding, 0.5),
            "rtf": if t.audio_s > 0.0 { t.decode_s / t.audio_s } else { f64::NAN },
        });
        if !json {
            println!(
                "{lang} {snr:>5}: accuracy {:5.1}% ({}/{}), false accepts {:4.1}% ({}/{}), latency p50 {:4.0} ms p95 {:4.0} ms (to an action {:4.0} / {:4.0}; decoding alone {:4.0}), RTF {:.3}",
                row["accuracy"].as_f64().unwrap_or(f64::NAN) * 100.0,
                t.correct,
                t.commands,
                row["false_accept_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
                t.false_accepts,
                t.ood,
                row["latency_ms_p50"].as_f64().unwrap_or(f64::NAN),
                row["latency_ms_p95"].as_f64().unwrap_or(f64::NAN),
                row["to_action_ms_p50"].as_f64().unwrap_or(f64::NAN),
                row["to_action_ms_p95"].as_f64().unwrap_or(f64::NAN),
                row["decoding_ms_p50"].as_f64().unwrap_or(f64::NAN),
                row["rtf"].as_f64().unwrap_or(f64::NAN),
            );
        }
        rows.push(row);
    }
    if json {
        println!("{}", serde_json::json!({"rows": rows, "rss_mb_loaded": rss_loaded, "rss_mb_peak": rss_peak}));
    } else {
        println!(
            "memory: {rss_loaded:.0} MB peak RSS with {} loaded, {rss_peak:.0} MB at the end",
            voice.languages().join(" + ")
        );
    }
    Ok(())
}
