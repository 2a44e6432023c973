//! The guard of the understanding stage: `scpm bench understanding` on the development sets of
//! natural requests and office talk (tests/data/understanding, written by helpers who had not
//! read the grammars). A change that understands people less, or takes talk for a command more
//! often, fails here. The held-out halves are not run here: nothing is tuned to them.

use crate::common;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The last line of `scpm bench understanding --set SET --json`.
fn bench(config: &Path, set: &str) -> Value {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/understanding").join(set);
    let run = Command::new(env!("CARGO_BIN_EXE_scpm"))
        .args(["--config", config.to_str().expect("utf-8 path"), "bench", "understanding", "--json", "--set"])
        .arg(&set)
        .output()
        .expect("scpm runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    serde_json::from_str(stdout.lines().last().expect("a line")).expect("json")
}

#[test]
fn natural_requests_are_understood_and_office_talk_is_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config(dir.path(), common::free_port(), "");
    // Thresholds: the figures measured at 9d3ee6c less about two rows per language (dev: en 95.5 %,
    // ko 94.4 % of 89 rows; dev2: en and ko 95.8 % of 120 rows; dev3: en 95.0 %, ko 93.3 %).
    // dev4, dev5 and dev6 (written by helpers who saw no synonym either), 120 rows a language:
    // dev4 en 92.5 %, ko 97.5 %; dev5 en 97.5 %, ko 96.7 %; dev6 en 90.8 %, ko 95.0 %; dev7 en
    // 92.5 %, ko 95.0 %.
    for (set, en, ko) in [
        ("dev.tsv", 0.93, 0.92),
        ("dev2.tsv", 0.94, 0.94),
        ("dev3.tsv", 0.93, 0.915),
        ("dev4.tsv", 0.88, 0.90),
        ("dev5.tsv", 0.955, 0.95),
        ("dev6.tsv", 0.89, 0.93),
        ("dev7.tsv", 0.90, 0.93),
    ] {
        let last = bench(&config, set);
        let (got_en, got_ko) = (last["accuracy"]["en"].as_f64(), last["accuracy"]["ko"].as_f64());
        assert!(got_en.is_some_and(|a| a >= en) && got_ko.is_some_and(|a| a >= ko), "{set}: {last}");
    }
    // Talk taken for a command: measured 0 of 50, 0 of 80, 2 of 240, 4 of 200, 1 of 200, 1 of 160,
    // 3 of 160 and 2 of 160 lines.
    for (set, most) in [
        ("dev.tsv", 0.021),
        ("talk-dev.tsv", 0.026),
        ("talk3.tsv", 0.017),
        ("talk4.tsv", 0.031),
        ("talk6.tsv", 0.021),
        ("talk7.tsv", 0.019),
        ("talk8.tsv", 0.032),
        ("talk9.tsv", 0.026),
    ] {
        let last = bench(&config, set);
        assert!(last["false_accepts"].as_f64().is_some_and(|f| f <= most), "{set}: {last}");
    }
}
