//! `scpm bench speech-to-intent`: Picovoice's open speech-to-intent benchmark on our English
//! path (Whisper + the command matcher, with a grammar imported from the benchmark's Rhino
//! context). Noise is mixed as the benchmark did (`src/mix.py`): the SNR from the maximum
//! energy over 2048-sample frames of the speech and of a random noise segment of the same
//! length, the mix normalised to half of full scale. A command counts only if the intent and
//! every slot are right.

use anyhow::{bail, Context as _, Result};
use rand::{Rng, SeedableRng};
use scpm::city::City;
use scpm::commands::Commands;
use scpm::config::{Config, VoiceConfig};
use scpm::grammar::Grammar;
use scpm::index::CityIndex;
use scpm::voice::listener::{hear_samples, standing, Timed};
use scpm::voice::Voice;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const FRAME: usize = 2048;

#[derive(serde::Deserialize)]
struct Label {
    intent: String,
    #[serde(default)]
    slots: BTreeMap<String, String>,
}

/// A FLAC (or WAV) file as 16 kHz mono samples in −1…1.
fn read_audio(path: &Path) -> Result<Vec<f32>> {
    if path.extension().is_some_and(|e| e == "wav") {
        let mut out = Vec::new();
        scpm::audio::wav::stream_wav(path, |chunk| {
            out.extend_from_slice(chunk);
            true
        })?;
        return Ok(out);
    }
    let mut reader = claxon::FlacReader::open(path).with_context(|| format!("{}: not a FLAC file", path.display()))?;
    let info = reader.streaminfo();
    if info.sample_rate != 16_000 || info.channels != 1 {
        bail!(
            "{}: {} Hz, {} channels; the benchmark's files are 16 kHz mono",
            path.display(),
            info.sample_rate,
            info.channels
        );
    }
    let scale = (1i64 << (info.bits_per_sample - 1)) as f32;
    reader
        .samples()
        .map(|s| s.map(|v| v as f32 / scale).with_context(|| format!("{}: damaged FLAC", path.display())))
        .collect()
}

fn max_frame_energy(x: &[f32]) -> f64 {
    x.chunks(FRAME).map(|f| f.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>()).fold(0.0, f64::max)
}

/// The factor that puts `noise` `snr_db` below `speech`, by maximum frame energy.
fn noise_gain(speech: &[f32], noise: &[f32], snr_db: f64) -> f64 {
    let (s, n) = (max_frame_energy(speech), max_frame_energy(noise));
    if n > 0.0 {
        (s / (n * 10f64.powf(snr_db / 10.0))).sqrt()
    } else {
        0.0
    }
}

/// Speech plus a random segment of noise at `snr_db`, normalised to half of full scale.
pub fn mix(speech: &[f32], noise: &[f32], snr_db: f64, rng: &mut impl Rng) -> Vec<f32> {
    if noise.len() <= speech.len() {
        return speech.to_vec();
    }
    let start = rng.random_range(0..noise.len() - speech.len());
    let segment = &noise[start..start + speech.len()];
    let gain = noise_gain(speech, segment, snr_db);
    let mixed: Vec<f64> = speech.iter().zip(segment).map(|(&a, &b)| a as f64 + gain * b as f64).collect();
    let peak = mixed.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let norm = if peak > 0.0 { 0.5 / peak } else { 1.0 };
    mixed.iter().map(|v| (v * norm) as f32).collect()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

pub struct Options<'a> {
    pub dataset: &'a Path,
    pub grammar: &'a Path,
    pub snrs: Vec<f64>,
    pub limit: Option<usize>,
    /// Files skipped first (a run split in parts: `--offset 310` continues `--limit 310`).
    pub offset: usize,
    /// Whether the clean recordings are run too.
    pub clean: bool,
    pub json: bool,
    pub verbose: bool,
    /// Files decoded in parallel, one Whisper each.
    pub threads: usize,
}

struct Scored {
    key: String,
    ok: bool,
    /// From the end of speech to the answer, as the office waits (see `voice::listener`).
    latency_ms: f64,
    work_ms: f64,
    audio_s: f64,
}

/// One recording through the office's English path — the listener (endpointer, early end at
/// a short pause), Whisper held to the grammar, the gates, the matcher — and whether what
/// acted is the labelled command: the intent and every slot.
fn score(
    voice: &mut Voice,
    config: &VoiceConfig,
    audio: &[f32],
    label: &Label,
    key: &str,
    stem: &str,
    verbose: bool,
) -> Scored {
    let want: BTreeMap<String, String> = label.slots.iter().map(|(k, v)| (k.clone(), v.trim().to_string())).collect();
    let timed = hear_samples(voice, config, audio, &mut Default::default());
    let acted: Vec<&Timed> = standing(&timed);
    let right =
        |t: &&Timed| t.heard.answer.intent.as_deref() == Some(label.intent.as_str()) && t.heard.answer.slots == want;
    let ok = !acted.is_empty() && acted.iter().all(right);
    if ok && verbose {
        // The fit of each hit: the bar a gate on fit must stay under, on real speech.
        for t in &acted {
            eprintln!("{key:>5} {stem}: hit “{}” fit {:?}", t.heard.transcript, t.heard.fit);
        }
    }
    if !ok && verbose {
        let heard: Vec<String> = timed
            .iter()
            .map(|t| {
                let a = &t.heard.answer;
                let got = if a.understood {
                    format!("{} {:?}", a.intent.as_deref().unwrap_or_default(), a.slots)
                } else {
                    format!("not understood ({})", a.reason.as_deref().unwrap_or_default())
                };
                format!("heard “{}” → {got}", t.heard.transcript)
            })
            .collect();
        let heard = if heard.is_empty() { "no speech found".to_string() } else { heard.join("; then ") };
        eprintln!("{key:>5} {stem}: {heard}; wanted {want:?}");
    }
    let decisive = acted.first().copied().or(timed.last());
    Scored {
        key: key.to_string(),
        ok,
        latency_ms: decisive.map_or(f64::NAN, |t| t.latency_ms),
        work_ms: timed.iter().map(|t| t.work_ms).sum(),
        audio_s: audio.len() as f64 / 16_000.0,
    }
}

/// The decoder's configuration, printed with the figures.
fn described(config: &VoiceConfig, prompt: &str) -> String {
    format!(
        "Whisper {} held to the grammar: {}, beam {}, encoder window ≥ {} frames, {} thread(s), prompt “{}”; end silence {} ms, early end at {} ms",
        config.whisper_model.name(),
        if config.whisper_grammar { "yes" } else { "no" },
        config.whisper_beam,
        config.whisper_audio_ctx,
        config.whisper_threads,
        prompt,
        config.end_silence_ms,
        config.early_end_ms
    )
}

/// Runs the benchmark with the office's voice configuration (`config.voice`: model, beam,
/// encoder window, threads, end silence, early end, whether decoding is held to the grammar),
/// the benchmark's grammar in place of the city's, English only and no wake phrase.
pub fn run(config: &Config, index: CityIndex, o: Options) -> Result<()> {
    let labels: BTreeMap<String, Label> = serde_json::from_str(
        &std::fs::read_to_string(o.dataset.join("label.json"))
            .with_context(|| format!("{}: no label.json; is this the benchmark's folder?", o.dataset.display()))?,
    )?;
    let mut files: Vec<_> = std::fs::read_dir(o.dataset.join("clean"))
        .with_context(|| format!("{}/clean: the benchmark's speech files", o.dataset.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "flac" || e == "wav"))
        .collect();
    files.sort();
    files.drain(..o.offset.min(files.len()));
    files.truncate(o.limit.unwrap_or(usize::MAX));
    let noise = read_audio(&o.dataset.join("noise/kitchen.flac"))?;
    let mut config = config.clone();
    config.paths.grammars = o.grammar.to_path_buf();
    config.voice.languages = vec!["en".into()];
    config.voice.wake_word = false;
    let config = &config;
    let city = City::load(&config.paths.data_dir)?;
    let grammar = Grammar::load(o.grammar, "en")?;
    let prompt = scpm::voice::english_decoding(&config.voice, &city, &grammar).prompt;
    let commands = Arc::new(Commands::load_langs(&city, o.grammar, &["en"], config.commands.confirm_calls)?);
    let index = Arc::new(index);
    let clean = o.clean.then_some(None);
    let conditions: Vec<Option<f64>> = clean.into_iter().chain(o.snrs.iter().copied().map(Some)).collect();
    let threads = o.threads.clamp(1, 8);
    let done = std::sync::atomic::AtomicUsize::new(0);
    // Each worker has its own voice (one Whisper) and takes every `threads`-th file.
    let results: Vec<Result<Vec<Scored>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|w| {
                let (files, labels, noise, conditions, done) = (&files, &labels, &noise, &conditions, &done);
                let (city, commands, index) = (&city, commands.clone(), index.clone());
                scope.spawn(move || -> Result<Vec<Scored>> {
                    let (mut voice, warnings) = Voice::load(config, city, commands, index, &config.voice.languages);
                    anyhow::ensure!(voice.languages() == ["en"], "English voice is off: {}", warnings.join("; "));
                    let mut scored = Vec::new();
                    for (n, file) in files.iter().enumerate().skip(w).step_by(threads) {
                        let stem = file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
                        let Some(label) = labels.get(&format!("{stem}.wav")) else { continue };
                        let speech = read_audio(file)?;
                        for snr in conditions {
                            // The same noise segment for a file at every SNR, different across files;
                            // seeded by the file's place in the whole set, so parts add up to one run.
                            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64((o.offset + n) as u64);
                            let audio = match snr {
                                Some(db) => mix(&speech, noise, *db, &mut rng),
                                None => speech.clone(),
                            };
                            let key = snr.map_or("clean".to_string(), |db| format!("{db}"));
                            scored.push(score(&mut voice, &config.voice, &audio, label, &key, &stem, o.verbose));
                        }
                        let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        if !o.json && finished % 50 == 0 {
                            eprintln!("{finished} of {} files", files.len());
                        }
                    }
                    Ok(scored)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a worker panicked")))).collect()
    });
    let mut accepted: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut latencies, mut audio_s, mut decode_s) = (Vec::new(), 0.0, 0.0);
    for s in results.into_iter().collect::<Result<Vec<_>>>()?.into_iter().flatten() {
        let tally = accepted.entry(s.key).or_default();
        tally.1 += 1;
        tally.0 += usize::from(s.ok);
        latencies.push(s.latency_ms);
        audio_s += s.audio_s;
        decode_s += s.work_ms / 1000.0;
    }
    let rate = |k: &str| accepted.get(k).map_or(f64::NAN, |(a, t)| 100.0 * *a as f64 / (*t).max(1) as f64);
    let noisy: Vec<f64> = o.snrs.iter().map(|db| rate(&format!("{db}"))).collect();
    let average = noisy.iter().sum::<f64>() / noisy.len().max(1) as f64;
    let (p50, p95) = (pct(&mut latencies, 0.5), pct(&mut latencies, 0.95));
    let rtf = if audio_s > 0.0 { decode_s / audio_s } else { f64::NAN };
    if o.json {
        let mut acceptance = serde_json::Map::new();
        if o.clean {
            acceptance.insert("clean".into(), serde_json::json!(rate("clean")));
        }
        for db in &o.snrs {
            acceptance.insert(format!("{db}"), serde_json::json!(rate(&format!("{db}"))));
        }
        println!(
            "{}",
            serde_json::json!({"files": files.len(), "acceptance": acceptance, "average": average,
                "latency_ms_p50": p50, "latency_ms_p95": p95, "rtf": rtf,
                "configuration": described(&config.voice, &prompt)})
        );
    } else {
        println!(
            "speech-to-intent on {} files, grammar {}, the office's English path:",
            files.len(),
            o.grammar.display()
        );
        println!("  {}", described(&config.voice, &prompt));
        if o.clean {
            println!("  clean       {:5.1}%", rate("clean"));
        }
        for db in &o.snrs {
            println!("  {:>3} dB SNR  {:5.1}%", db, rate(&format!("{db}")));
        }
        println!("  average over the noise levels {average:.1}%  (Dialogflow 77.6, Lex 84.5, Watson 86.8, LUIS 89.9, Rhino 97.6)");
        println!("  from the end of speech to the answer p50 {p50:.0} ms, p95 {p95:.0} ms; real-time factor {rtf:.2}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixing_sets_the_snr_by_peak_frame_energy_and_normalises() {
        let speech: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        let noise: Vec<f32> = (0..64_000).map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 0.2).collect();
        let gain = noise_gain(&speech, &noise[..16_000], 6.0);
        let scaled: Vec<f32> = noise[..16_000].iter().map(|v| v * gain as f32).collect();
        let snr = 10.0 * (max_frame_energy(&speech) / max_frame_energy(&scaled)).log10();
        assert!((snr - 6.0).abs() < 0.01, "{snr}");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mixed = mix(&speech, &noise, 6.0, &mut rng);
        let peak = mixed.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.5).abs() < 1e-4, "normalised to half scale: {peak}");
        assert_eq!(mixed.len(), speech.len());
    }
}
