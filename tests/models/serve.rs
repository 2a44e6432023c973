//! `scpm serve` as a user runs it: a real process, a real port, the simulator feeding it;
//! killed with -9 mid-ingestion and restarted; started on a damaged index; given a bad config.

use crate::common;

use common::reqwest::{get_json, get_json_as, post_json};
use common::{eventually, Server, INTAKE_TOKEN};
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

fn scpm(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_scpm"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("scpm runs")
}

#[test]
fn simulator_complaints_become_searchable() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 60× speed: a complaint every ~0.25 s of wall time.
    let server = Server::start(dir.path(), "[simulator]\nspeed = 60.0\n");
    let hit = eventually(Duration::from_secs(30), || {
        let (_, body) = get_json(&format!("{}/api/search?kind=complaint,suggestion&limit=5", server.base)).ok()?;
        body["hits"].as_array().filter(|h| !h.is_empty()).map(|h| h[0].clone())
    })
    .expect("a simulated complaint shows up in search");
    assert!(hit["key"].as_str().unwrap_or_default().starts_with("sim-"), "{hit}");
    // Its own words find it too.
    let words: String =
        hit["snippet"].as_str().unwrap_or_default().split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let url = format!("{}/api/search?kind={}&q={}", server.base, hit["kind"].as_str().unwrap_or_default(), words);
    let (_, body) = get_json(&url).expect("search");
    assert!(body["hits"].as_array().is_some_and(|h| h.iter().any(|x| x["key"] == hit["key"])), "{words}: {body}");
    let (_, health) = get_json(&format!("{}/healthz", server.base)).expect("health");
    assert!(health["store"]["rev"].as_u64().unwrap_or(0) > 0, "{health}");
    assert!(health["sources"]["simulator"]["records"].as_u64().unwrap_or(0) > 0, "{health}");
    let (_, state) = get_json(&format!("{}/api/state", server.base)).expect("state");
    assert_eq!(state["districts"].as_array().map(|d| d.len()), Some(25));
    assert!(
        state["districts"][0]["air"]["pm25"].is_number(),
        "air readings arrive at start: {}",
        state["districts"][0]
    );
}

#[test]
fn kill_9_loses_no_acknowledged_record_and_index_agrees_with_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), "[simulator]\nspeed = 2000.0\n");
    let mut acknowledged = Vec::new();
    for n in 0..300 {
        let body = format!(
            r#"{{"form":"complaint","category":"noise","district":"11680","text_en":"durabilitycheck{n} drilling at night"}}"#
        );
        match post_json(&format!("{}/api/complaints", server.base), Some(INTAKE_TOKEN), &body) {
            Ok((201, v)) => acknowledged.push(v["id"].as_str().unwrap_or_default().to_string()),
            // After the kill, requests fail: those were never acknowledged.
            Err(_) if n > 150 => break,
            other => panic!("intake failed before the kill: {other:?}"),
        }
        if n == 150 {
            // Kill from another thread while requests are in flight.
            let pid = server.child.id();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            });
        }
    }
    server.kill9();
    assert!(acknowledged.len() > 150, "{} acknowledged", acknowledged.len());

    let mut server = Server::start(dir.path(), "[simulator]\nenabled = false\n");
    for (i, id) in acknowledged.iter().enumerate() {
        let url = format!("{}/api/search?kind=complaint&q=durabilitycheck{i}", server.base);
        // As the office: an operator's check, not a public visitor's burst.
        let (_, body) = get_json_as(&url, Some(common::OFFICE_TOKEN)).expect("search");
        assert_eq!(body["hits"][0]["key"].as_str(), Some(id.as_str()), "acknowledged complaint {i} after restart");
    }
    assert!(server.terminate().success(), "SIGTERM is a clean shutdown");

    let out = scpm(&dir.path().join("scpm.toml"), &["index", "stats", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stats: Value = serde_json::from_slice(&out.stdout).expect("json");
    let n = |side: &str, kind: &str| stats[side][kind].as_u64().unwrap_or(0);
    assert_eq!(n("store", "complaint"), n("index", "complaint") + n("index", "suggestion"), "{stats}");
    assert_eq!(n("store", "incident"), n("index", "incident"), "{stats}");
    assert_eq!(n("store", "trend"), n("index", "trend"), "{stats}");
    assert!(n("store", "complaint") >= acknowledged.len() as u64);
    assert_eq!(stats["index_rev"], stats["store_rev"], "{stats}");
}

#[test]
fn a_damaged_index_is_rebuilt_from_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), "[simulator]\nenabled = false\n");
    let body = r#"{"form":"complaint","category":"water","district":"11110","text_en":"rebuildcheck rusty water"}"#;
    let (status, _) = post_json(&format!("{}/api/complaints", server.base), Some(INTAKE_TOKEN), body).expect("post");
    assert_eq!(status, 201);
    assert!(server.terminate().success());
    std::fs::write(dir.path().join("index/meta.json"), b"{ this is not an index").expect("damage");
    let server = Server::start(dir.path(), "[simulator]\nenabled = false\n");
    let (_, body) = get_json(&format!("{}/api/search?q=rebuildcheck", server.base)).expect("search");
    assert_eq!(body["hits"][0]["kind"], "complaint", "{body}");
    let (_, body) = get_json(&format!("{}/api/search?q=Jongno&kind=district", server.base)).expect("search");
    assert_eq!(body["hits"][0]["key"], "11110");
}

#[test]
fn a_broken_config_says_what_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("scpm.toml");
    for (text, words) in [
        ("[server]\nlisten_address = \"127.0.0.1:1\"\n", vec!["server.listen_address", "server.listen"]),
        ("[simulator]\nspeed = \"fast\"\n", vec!["speed", "line 2"]),
        ("[office]\nscope = \"11999\"\n", vec!["11999"]),
        ("[paths\n", vec!["not valid TOML"]),
    ] {
        std::fs::write(&config, text).expect("write");
        let out = scpm(&config, &["serve", "--listen", "127.0.0.1:0"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        for w in words {
            assert!(err.contains(w), "{text:?} → {err}");
        }
    }
}

#[test]
fn cli_search_answers_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config(dir.path(), common::free_port(), "");
    for (query, kind, key) in [
        ("강남구", "district", "11680"),
        ("Gangnam", "district", "11680"),
        ("여성 고용률", "indicator", "womens_employment_rate"),
    ] {
        let out = scpm(&config, &["search", "--json", query]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let hits: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!((hits[0]["kind"].as_str(), hits[0]["key"].as_str()), (Some(kind), Some(key)), "{query}");
    }
}

/// Two commands started together on a fresh machine: one builds the index, the other waits for
/// it instead of reading a half-built one (found by a cold CI run: "official not in the index").
#[test]
fn two_commands_at_once_on_a_fresh_index_both_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config(dir.path(), common::free_port(), "");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_scpm"))
            .args(["--config", config.to_str().unwrap_or_default(), "ask", "--json", "call the mayor of Gangnam"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().expect("output");
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        assert_eq!(answer["understood"], true, "{answer} {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(answer["slots"]["official"], "mayor_gangnam");
    }
}
