//! What the IT team watches: `/readyz` part by part, histograms in `/metrics`, logs as JSON
//! lines.

use crate::common;

use axum::http::StatusCode;
use common::app::{call, get, get_as, OFFICE};
use scpm::config::{Config, ReplayConfig};
use scpm::service::Service;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_ready_when_every_part_is_and_names_the_one_that_is_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = common::app::service(dir.path(), "city").await;
    let (status, body) = call(&svc, get("/readyz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ready"], true);
    assert_eq!(body["parts"]["store"]["state"], "ready", "{body}");
    assert_eq!(body["parts"]["index"]["state"], "ready", "{body}");
    // Beside the counters, the time a command takes, as a histogram.
    let ask = common::app::post("/api/commands", Some(OFFICE), r#"{"text":"show traffic in Mapo"}"#);
    assert_eq!(call(&svc, ask).await.0, StatusCode::OK);
    let (status, metrics) = call(&svc, get("/metrics")).await;
    let metrics = metrics.as_str().unwrap_or_default().to_string();
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains("# TYPE scpm_command_request_seconds histogram"), "{metrics}");
    assert!(metrics.contains("scpm_command_request_seconds_count 1"), "{metrics}");
    assert!(metrics.contains("scpm_intents_resolved 1"), "{metrics}");
    svc.stop().await;

    // A feed that cannot start: not ready, and the office is told which and why.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::default();
    config.paths.data_dir = common::data_dir();
    config.paths.index_dir = dir.path().join("index");
    config.paths.store = dir.path().join("store.sqlite");
    config.simulator.enabled = false;
    config.server.office_token = OFFICE.into();
    let missing = dir.path().join("no-such-feed.jsonl");
    config.replay.push(ReplayConfig { name: "traffic-feed".into(), path: missing, paced: false });
    let svc = Service::start(config).await.expect("service starts");
    let failed = common::eventually(Duration::from_secs(30), || {
        let runtime = tokio::runtime::Handle::current();
        let (status, body) = tokio::task::block_in_place(|| runtime.block_on(call(&svc, get_as("/readyz", OFFICE))));
        (status == StatusCode::SERVICE_UNAVAILABLE).then_some(body)
    })
    .expect("the failed feed makes the office not ready");
    assert_eq!(failed["ready"], false);
    let feed = &failed["parts"]["source:traffic-feed"];
    assert_eq!(feed["state"], "failed", "{failed}");
    assert!(feed["reason"].as_str().unwrap_or_default().contains("no-such-feed.jsonl"), "{failed}");
    assert_eq!(failed["parts"]["store"]["state"], "ready", "{failed}");
    // The public sees the states, not the files and feeds behind them.
    let (status, public) = call(&svc, get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(public["parts"]["source:traffic-feed"]["state"], "failed");
    assert_eq!(public["parts"]["source:traffic-feed"]["reason"], "", "{public}");
    svc.stop().await;
}

#[test]
fn logs_can_be_json_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = common::free_port();
    let config = common::write_config(dir.path(), port, "");
    let config = config.to_str().expect("utf-8");
    let scpm = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scpm"));
        command.args(["--log-format", "json", "--config", config]).args(args).env("RUST_LOG", "info");
        command
    };
    // The service, as a unit runs it: every line it logs is one JSON object.
    let mut serve = scpm(&["serve"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("scpm serve");
    let ready = common::eventually(Duration::from_secs(60), || {
        common::reqwest::blocking_get(&format!("http://127.0.0.1:{port}/readyz")).ok().filter(|s| *s == 200)
    });
    let _ = serve.kill();
    let out = serve.wait_with_output().expect("output");
    assert!(ready.is_some(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(lines.contains("serving"), "the start is logged: {lines}");
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(entry["level"].is_string() && entry["timestamp"].is_string(), "{line}");
    }
    // A command that fails says so in a JSON line too.
    let out_dir = dir.path().join("imported");
    let refused =
        scpm(&["grammar", "import-rhino", "/no/such.yaml", "--lang", "en", "--out", out_dir.to_str().expect("utf-8")])
            .output()
            .expect("scpm grammar");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr).to_string();
    let last: serde_json::Value = serde_json::from_str(stderr.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not a JSON line ({e}): {stderr}"));
    assert_eq!(last["level"], "ERROR", "{last}");
    assert!(last["error"].as_str().unwrap_or_default().contains("such.yaml"), "{last}");
}

/// `kill -HUP`: the live keys of the edited file take effect (a rotated intake token, the office's
/// name, the log filter), the others are named as waiting for a restart, and a broken file
/// changes nothing.
#[test]
fn sighup_reloads_the_live_keys_and_names_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = common::free_port();
    let path = common::write_config(dir.path(), port, "[office]\nname = \"Old name\"\n");
    let log = dir.path().join("serve.log");
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_scpm"))
        .args(["--log-format", "json", "--config", path.to_str().expect("utf-8"), "serve"])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("scpm serve");
    let base = format!("http://127.0.0.1:{port}");
    let health = || common::reqwest::get_json(&format!("{base}/healthz")).ok().filter(|(s, _)| *s == 200);
    let up = common::eventually(Duration::from_secs(60), health);
    assert!(up.is_some(), "{}", std::fs::read_to_string(&log).unwrap_or_default());
    let complaint = r#"{"form":"complaint","category":"noise","district":"11440","text_ko":"공사 소음"}"#;
    let submit = |token: &str| {
        common::reqwest::post_json(&format!("{base}/api/complaints"), Some(token), complaint).map(|(s, _)| s)
    };
    assert_eq!(submit(common::INTAKE_TOKEN), Ok(201));

    // Rotate the intake token, rename the office, log more; move the address (a restart key).
    let text = std::fs::read_to_string(&path).expect("config");
    let edited = text
        .replace(common::INTAKE_TOKEN, "rotated-intake-token")
        .replace("Old name", "New name")
        .replace(&format!(":{port}\""), &format!(":{}\"", port + 1))
        .replace("[server]\n", "[server]\nlog = \"info,scpm=debug\"\n");
    std::fs::write(&path, edited).expect("write config");
    let hangup = |child: &std::process::Child| {
        let status = std::process::Command::new("kill").args(["-HUP", &child.id().to_string()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -HUP");
    };
    hangup(&serve);
    let renamed =
        common::eventually(Duration::from_secs(30), || health().filter(|(_, body)| body["office"] == "New name"));
    assert!(renamed.is_some(), "{}", std::fs::read_to_string(&log).unwrap_or_default());
    assert_eq!(submit("rotated-intake-token"), Ok(201), "the new intake token works at once");
    assert_eq!(submit(common::INTAKE_TOKEN), Ok(403), "the old one no longer does");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    let reloaded: Vec<serde_json::Value> = logged
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["message"].as_str().is_some_and(|m| m.contains("config reloaded")))
        .collect();
    assert_eq!(reloaded.len(), 1, "{logged}");
    let applied = reloaded[0]["applied"].as_str().unwrap_or_default();
    for key in ["office.name", "server.intake_token", "server.log"] {
        assert!(applied.contains(key), "{key} applied: {}", reloaded[0]);
    }
    assert!(reloaded[0]["need_restart"].as_str().unwrap_or_default().contains("server.listen"), "{}", reloaded[0]);

    // A file that does not load: the service goes on as it was, and says why.
    std::fs::write(&path, "[server]\nlisten = 5\n").expect("write config");
    hangup(&serve);
    let kept = common::eventually(Duration::from_secs(30), || {
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        logged.contains("the running config is kept").then_some(logged)
    });
    assert!(kept.is_some(), "{}", std::fs::read_to_string(&log).unwrap_or_default());
    assert_eq!(submit("rotated-intake-token"), Ok(201));
    let _ = serve.kill();
    let _ = serve.wait();
}
