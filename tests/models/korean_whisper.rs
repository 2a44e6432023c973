//! Korean through multilingual Whisper (`voice.korean_recognizer = "whisper"`), on recordings of
//! real people (tests/data/korean-real-speech: Picovoice's test audio, Apache-2.0): the held
//! decoding finds the colour in the lighting commands, clean and with noise added, with and
//! without the wake word; the clips that are not commands do not act, in the lighting grammar
//! or the city's; and the language of each utterance is decided once, by Whisper's detection.
//! espeak's Korean is heard by no engine, so it is not used here.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn clip(folder: &str, name: &str) -> PathBuf {
    root().join("tests/data/korean-real-speech").join(folder).join(name)
}

/// A config for Korean through Whisper: `grammars` (a folder), the models of the clone, the
/// wake phrase of the lighting clips (코뿔소), acting with or without it.
fn config(dir: &Path, grammars: &Path) -> PathBuf {
    let path = dir.join("scpm.toml");
    let text = format!(
        "[paths]\nmodels = {:?}\ngrammars = {:?}\ndata_dir = {:?}\nindex_dir = \"index\"\nstore = \"scpm.db\"\n\
         [voice]\nkorean_recognizer = \"whisper\"\nwake_word = false\nwake_phrase_ko = \"코뿔소\"\n",
        root().join("models").display().to_string(),
        grammars.display().to_string(),
        root().join("data").display().to_string(),
    );
    std::fs::write(&path, text).expect("config");
    path
}

/// `scpm --config CONFIG listen --json [--lang LANG] FILE`: one object per utterance.
fn listen(config: &Path, lang: Option<&str>, file: &Path) -> Vec<Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scpm"));
    command.current_dir(root()).arg("--config").arg(config).args(["listen", "--json"]);
    if let Some(lang) = lang {
        command.args(["--lang", lang]);
    }
    let out = command.arg(file).output().expect("scpm listen runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("Korean through Whisper is off"), "{stderr}");
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// The clip with white noise added at `snr_db` (fixed seed), as a WAV in `dir`.
fn with_noise(dir: &Path, file: &Path, snr_db: f64) -> PathBuf {
    use rand::{Rng, SeedableRng};
    let mut reader = hound::WavReader::open(file).expect("clip");
    let spec = reader.spec();
    let samples: Vec<f64> = reader.samples::<i16>().map(|s| f64::from(s.expect("sample"))).collect();
    let rms = (samples.iter().map(|s| s * s).sum::<f64>() / samples.len() as f64).sqrt();
    let sigma = rms / 10f64.powf(snr_db / 20.0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let out = dir.join(format!("{}-{snr_db}dB.wav", file.file_stem().unwrap_or_default().to_string_lossy()));
    let mut writer = hound::WavWriter::create(&out, spec).expect("noisy clip");
    for s in samples {
        // Sum of uniforms: near enough to Gaussian for noise.
        let g: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        writer.write_sample((s + g * sigma).clamp(-32768.0, 32767.0) as i16).expect("write");
    }
    writer.finalize().expect("finalize");
    out
}

fn lighting() -> PathBuf {
    root().join("tests/data/korean-lights")
}

#[test]
fn real_people_asking_for_blue_lights_are_heard_clean_and_in_noise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &lighting());
    let said = [
        (clip("picovoice-rhino", "test_within_context_ko.wav"), "none"),
        (clip("picovoice-sdk", "koppulso-seumateu-jomyeong_ko.wav"), "before"),
    ];
    for (file, wake) in &said {
        for noise in [None, Some(20.0), Some(10.0)] {
            let file = match noise {
                Some(snr) => with_noise(dir.path(), file, snr),
                None => file.clone(),
            };
            let heard = listen(&config, Some("ko"), &file);
            let taken: Vec<&Value> = heard.iter().filter(|h| h["understood"] == true).collect();
            assert_eq!(taken.len(), 1, "{}: {heard:#?}", file.display());
            let h = taken[0];
            assert_eq!(h["intent"], "changeColor", "{h:#}");
            assert_eq!(h["slots"]["color"], "파란색", "{h:#}");
            assert_eq!(h["wake"].as_str().unwrap_or("none"), *wake, "{h:#}");
        }
    }
}

#[test]
fn real_korean_that_is_not_a_command_does_not_act() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lights = config(dir.path(), &lighting());
    let city_dir = tempfile::tempdir().expect("tempdir");
    let city = config(city_dir.path(), &root().join("grammars"));
    let talk = [
        clip("picovoice-rhino", "test_out_of_context_ko.wav"),
        clip("picovoice-leopard", "test_ko.wav"),
        clip("picovoice-porcupine", "multiple_keywords_ko.wav"),
    ];
    for file in &talk {
        for config in [&lights, &city] {
            let heard = listen(config, Some("ko"), file);
            assert!(heard.iter().all(|h| h["understood"] == false), "{}: {heard:#?}", file.display());
        }
    }
    // The lighting commands are not the city's either.
    let heard = listen(&city, Some("ko"), &clip("picovoice-rhino", "test_within_context_ko.wav"));
    assert!(heard.iter().all(|h| h["understood"] == false), "{heard:#?}");
}

#[test]
fn the_language_of_each_utterance_is_decided_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &root().join("grammars"));
    // A person speaking Korean, then an English command (espeak), a second of silence between.
    let english = dir.path().join("english.wav");
    let ok = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&english)
        .arg("show air quality in Gangnam")
        .status();
    assert!(ok.is_ok_and(|s| s.success()), "espeak-ng failed (install espeak-ng)");
    let mixed = dir.path().join("mixed.wav");
    let korean = clip("picovoice-rhino", "test_out_of_context_ko.wav");
    let resampled = dir.path().join("english16k.wav");
    let ok = Command::new("sox").arg(&english).args(["-r", "16000", "-c", "1", "-b", "16"]).arg(&resampled).status();
    assert!(ok.is_ok_and(|s| s.success()));
    let silence = dir.path().join("silence.wav");
    let ok = Command::new("sox")
        .args(["-n", "-r", "16000", "-c", "1", "-b", "16"])
        .arg(&silence)
        .args(["trim", "0", "1"])
        .status();
    assert!(ok.is_ok_and(|s| s.success()));
    let ok = Command::new("sox").arg(&korean).arg(&silence).arg(&resampled).arg(&silence).arg(&mixed).status();
    assert!(ok.is_ok_and(|s| s.success()));
    let heard = listen(&config, None, &mixed);
    let langs: Vec<&str> = heard.iter().filter_map(|h| h["language"]["lang"].as_str()).collect();
    assert_eq!(langs, ["ko", "en"], "{heard:#?}");
    assert_eq!(heard[0]["understood"], false, "Korean talk: {:#}", heard[0]);
    assert_eq!(heard[1]["understood"], true, "{:#}", heard[1]);
    assert_eq!(heard[1]["lang"], "en");
}

/// The office's own microphone path: a person's Korean command played into `serve` as its
/// microphone (`--audio-file`), both languages on, is heard through Whisper — the language
/// decided while it is spoken — and audited as a voice command with the colour.
#[test]
fn serve_hears_a_person_speaking_korean_through_whisper() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = format!(
        "grammars = {:?}\n[simulator]\nenabled = false\n[voice]\nkorean_recognizer = \"whisper\"\nwake_word = false\n\
         wake_phrase_ko = \"코뿔소\"\nlanguages = [\"ko\", \"en\"]\n",
        lighting().display().to_string()
    );
    let file = clip("picovoice-rhino", "test_within_context_ko.wav");
    let server =
        super::common::Server::start_with(dir.path(), &config, &["--audio-file", file.to_str().unwrap_or_default()]);
    let rows = super::common::eventually(std::time::Duration::from_secs(120), || {
        let url = format!("{}/api/audit", server.base);
        let (_, rows) = super::common::reqwest::get_json_as(&url, Some(super::common::OFFICE_TOKEN)).ok()?;
        let voice: Vec<Value> = rows["rows"].as_array()?.iter().filter(|r| r["channel"] == "voice").cloned().collect();
        (!voice.is_empty()).then_some(voice)
    })
    .expect("the Korean command reaches the audit log");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["intent"], "changeColor", "{:#}", rows[0]);
    let input = rows[0]["input"].as_str().unwrap_or_default();
    assert!(input.starts_with("[ko]") && input.contains("파란색"), "{input}");
}
