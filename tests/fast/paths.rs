//! Paths that work from anywhere: scpm run from a folder that is not the repository, with a
//! config file elsewhere, finds what the config names relative to the config's own folder, and
//! the product's own files (data, grammars, gestures) where scpm is installed (`SCPM_SHARE`, as
//! `/usr/share/scpm` is for the package). Errors name the key to set.

use std::path::Path;
use std::process::{Command, Output};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// `scpm ARGS` run from `cwd`, with `SCPM_SHARE` set or not.
fn scpm_in(cwd: &Path, share: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scpm"));
    command.current_dir(cwd).args(args).env_remove("SCPM_SHARE").env("RUST_LOG", "warn");
    if let Some(share) = share {
        command.env("SCPM_SHARE", share);
    }
    command.output().expect("scpm runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn a_config_elsewhere_is_read_relative_to_its_own_folder() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let office = tempfile::tempdir().expect("tempdir");
    // The city data under a name of the office's choosing, beside its config; the grammars by
    // an absolute path; the index and the store relative.
    std::os::unix::fs::symlink(Path::new(REPO).join("data"), office.path().join("city")).expect("symlink");
    let config = office.path().join("scpm.toml");
    let body = format!(
        "[paths]\ndata_dir = \"city\"\ngrammars = \"{REPO}/grammars\"\nindex_dir = \"state/index\"\nstore = \"state/scpm.sqlite\"\n"
    );
    std::fs::write(&config, body).expect("config");
    let config = config.to_str().expect("utf-8");

    let out = scpm_in(elsewhere.path(), None, &["--config", config, "ask", "--json", "강남구 미세먼지 보여줘"]);
    assert!(out.status.success(), "{}", text(&out));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(answer["understood"], true, "{answer}");
    assert_eq!(answer["actions"][0]["district"], "11680", "Gangnam: {answer}");
    assert!(office.path().join("state/index").is_dir(), "the index is beside the config");
    assert!(!elsewhere.path().join("state").exists(), "nothing is written in the working folder");

    // `scpm config` says where each path leads and whether it is there.
    let out = scpm_in(elsewhere.path(), None, &["--config", config, "config"]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = text(&out);
    let data = office.path().join("city");
    assert!(printed.contains(&format!("paths.data_dir   {}  (exists)", data.display())), "{printed}");
    assert!(printed.contains("paths.models") && printed.contains("(missing)"), "{printed}");
    let reparsed: Result<toml::Table, _> = String::from_utf8_lossy(&out.stdout).parse();
    assert!(reparsed.is_ok(), "the output is still a valid scpm.toml: {printed}");
}

#[test]
fn the_products_own_files_are_found_where_it_is_installed() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let office = tempfile::tempdir().expect("tempdir");
    let config = office.path().join("scpm.toml");
    std::fs::write(&config, "[office]\nname = \"Seoul\"\n").expect("config");
    let config = config.to_str().expect("utf-8");

    // Installed: the share folder holds data/, grammars/ and gestures/ (the repository does).
    let out = scpm_in(
        elsewhere.path(),
        Some(Path::new(REPO)),
        &["--config", config, "ask", "--json", "show traffic in Mapo"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(answer["actions"][0]["district"], "11440", "Mapo: {answer}");
    assert!(office.path().join("index").is_dir(), "state goes beside the config");

    // Not installed and not in a clone: the error names the key to set, not `data prepare`.
    let out = scpm_in(elsewhere.path(), None, &["--config", config, "ask", "show traffic in Mapo"]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("paths.data_dir") && said.contains("SCPM_SHARE"), "{said}");
    assert!(!said.contains("data prepare"), "the hand-kept data is not made by `data prepare`: {said}");

    // A config file named on the command line and not there is an error, not the defaults.
    let missing = office.path().join("typo.toml");
    let out = scpm_in(elsewhere.path(), None, &["--config", missing.to_str().expect("utf-8"), "config"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("no config file at"), "{}", text(&out));
}
