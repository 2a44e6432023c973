//! The Rhino importer on the benchmark's own context and on malformed input, and the guard of the
//! English decoder on real speech: `scpm bench speech-to-intent` on forty real recordings
//! (tests/data/speech-to-intent, a slice of Picovoice's benchmark), clean and at 12 dB, through
//! the office's English path (the listener, Whisper held to the grammar, the gates, the matcher)
//! with the office's default configuration.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn scpm(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_scpm"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("scpm runs")
}

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/speech-to-intent"))
}

#[test]
fn the_benchmark_context_imports_and_commands_are_recognized_from_real_speech() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("grammar");
    let yaml = data().join("coffee_maker.yaml");
    let import = scpm(&[
        "grammar",
        "import-rhino",
        yaml.to_str().expect("utf-8 path"),
        "--lang",
        "en",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    let said = String::from_utf8_lossy(&import.stdout);
    assert!(import.status.success(), "{said}{}", String::from_utf8_lossy(&import.stderr));
    assert!(said.contains("1 intents") && said.contains("6 slots"), "{said}");
    let common = std::fs::read_to_string(out.join("en/_common.toml")).expect("_common.toml");
    assert!(common.contains(r#"value = "triple shot""#) && common.contains(r#""three shots""#), "{common}");

    let run = scpm(&[
        "bench",
        "speech-to-intent",
        "--dataset",
        data().to_str().expect("utf-8 path"),
        "--grammar",
        out.to_str().expect("utf-8 path"),
        "--snr",
        "12",
        "--threads",
        "2",
        "--json",
        "--verbose",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let misses = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stdout}{misses}");
    let last: Value = serde_json::from_str(stdout.lines().last().expect("a line")).expect("json");
    assert_eq!(last["files"], 40, "{last}");
    assert!(last["latency_ms_p50"].as_f64().is_some_and(|v| v > 0.0), "{last}");
    // The guard: what the decoder hears of real people. The thresholds are the figures measured
    // on these recordings with the decoder held to the grammar between words only, the importer's
    // short prompt, the spotter's exact names and the continuation after a pause (clean 38 of
    // 40, 12 dB 39 of 40), less two recordings. Checked: the same build with the decoder leaving
    // the grammar inside words (the regression) hears 32 and 31 of 40, and fails here.
    let (clean, noisy) = (last["acceptance"]["clean"].as_f64(), last["acceptance"]["12"].as_f64());
    let (clean, noisy) = (clean.expect("clean"), noisy.expect("12 dB"));
    assert!(
        clean >= CLEAN_AT_LEAST && noisy >= NOISY_AT_LEAST,
        "real speech heard worse than the guard allows: clean {clean}% (at least {CLEAN_AT_LEAST}%), \
         12 dB {noisy}% (at least {NOISY_AT_LEAST}%); {}\nmisses:\n{misses}",
        last["configuration"]
    );
}

/// Acceptance the guard asks for, in percent of the forty recordings (see the test).
const CLEAN_AT_LEAST: f64 = 90.0;
const NOISY_AT_LEAST: f64 = 92.5;

#[test]
fn malformed_rhino_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "context:\n  expressions:\n    orderDrink:\n      - \"[large, small $size:size\"\n")
        .expect("write");
    let out = dir.path().join("g");
    for (file, want) in
        [(bad.to_str().expect("utf-8 path"), "`]` is missing"), ("/nonexistent.yaml", "cannot read /nonexistent.yaml")]
    {
        let run = scpm(&["grammar", "import-rhino", file, "--out", out.to_str().expect("utf-8 path")]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success() && err.contains(want) && !err.contains("panicked"), "{file}: {err}");
    }
}
