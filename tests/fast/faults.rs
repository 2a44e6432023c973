//! Faults an office meets, on the real service: the disk under the store fills up (a small tmpfs
//! in a mount namespace of the test's own), another program holds the store's write lock, the
//! index folder is deleted while serving, the wall clock jumps an hour forward and back. Each time: the sender is told what is wrong and what to
//! do, `/readyz` names the part and the fix, nothing acknowledged is lost, the office's commands
//! are refused rather than carried out unaudited, and the service recovers once the fault is gone
//! (by itself, or for the index by a restart that rebuilds it from the store).

use crate::common::{self, reqwest::get_json_as, reqwest::post_json, Server, INTAKE_TOKEN, OFFICE_TOKEN};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const CONFIG: &str = "[simulator]\nenabled = false\n";

/// Set in the copy of a test that runs inside its own mount namespace.
const IN_MOUNT_NAMESPACE: &str = "SCPM_TEST_IN_MOUNT_NAMESPACE";

fn complaint(base: &str, word: &str) -> Result<(u16, Value), String> {
    let body = json!({"form": "complaint", "category": "noise", "district": "11680", "text_en": format!("{word} drilling at night")});
    post_json(&format!("{base}/api/complaints"), Some(INTAKE_TOKEN), &body.to_string())
}

fn command(base: &str, text: &str) -> (u16, Value) {
    post_json(&format!("{base}/api/commands"), Some(OFFICE_TOKEN), &json!({"text": text}).to_string())
        .expect("the service answers")
}

/// `/readyz` as the office sees it: its status, and `part`'s state and reason.
fn readiness(base: &str, part: &str) -> (u16, String, String) {
    let (status, body) = get_json_as(&format!("{base}/readyz"), Some(OFFICE_TOKEN)).expect("readyz");
    let state = body["parts"][part]["state"].as_str().unwrap_or_default().to_string();
    (status, state, body["parts"][part]["reason"].as_str().unwrap_or_default().to_string())
}

/// Every acknowledged complaint is found by the office's search (waiting for the index's commit).
fn all_found(base: &str, acknowledged: &[(String, String)]) {
    for (word, id) in acknowledged {
        let url = format!("{base}/api/search?kind=complaint&q={word}");
        let found = common::eventually(Duration::from_secs(30), || {
            let (_, body) = get_json_as(&url, Some(OFFICE_TOKEN)).ok()?;
            (body["hits"][0]["key"].as_str() == Some(id.as_str())).then_some(())
        });
        assert!(found.is_some(), "acknowledged complaint {id} ({word}) is searchable");
    }
}

/// Once the fault is gone: a complaint is acknowledged and a command carried out, and every
/// complaint acknowledged so far (this one too) is found.
fn works_again(base: &str, word: &str, acknowledged: &mut Vec<(String, String)>) {
    let (status, body) = complaint(base, word).expect("post");
    assert_eq!(status, 201, "writes work again once the fault is gone: {body}");
    acknowledged.push((word.to_string(), body["id"].as_str().expect("id").to_string()));
    let (status, body) = command(base, "show traffic in Mapo");
    assert_eq!((status, body["understood"].clone()), (200, json!(true)), "{body}");
    all_found(base, acknowledged);
}

/// Runs this test again inside a new mount namespace (root, as scripts/test.sh runs in CI).
fn rerun_in_mount_namespace(test: &str) {
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private"])
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(IN_MOUNT_NAMESPACE, "1")
        .stderr(Stdio::inherit())
        .output()
        .expect("unshare runs (needs root; scripts/test.sh runs as root in CI)");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.status.success(), "{test} failed inside its mount namespace");
}

/// Writes `path` until the filesystem has no room left.
fn fill(path: &std::path::Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    for chunk in [1 << 20, 4096, 512] {
        let block = vec![0x55u8; chunk];
        while file.write_all(&block).and_then(|_| file.sync_data()).is_ok() {}
    }
}

#[test]
fn a_full_disk_refuses_writes_with_the_reason_and_loses_nothing() {
    if std::env::var_os(IN_MOUNT_NAMESPACE).is_none() {
        return rerun_in_mount_namespace("faults::a_full_disk_refuses_writes_with_the_reason_and_loses_nothing");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mounted =
        Command::new("mount").args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"]).arg(dir.path()).status().expect("mount");
    assert!(mounted.success(), "a tmpfs for the store");
    // Commits 3 s apart: the complaints before the disk fills are still to be committed when it
    // is full, so the index's commit fails too, and must recover.
    let server = Server::start(dir.path(), &format!("{CONFIG}[index]\ncommit_interval_ms = 3000\n"));
    let base = &server.base;
    let mut acknowledged = Vec::new();
    for n in 0..5 {
        let word = format!("beforefull{n}");
        let (status, body) = complaint(base, &word).expect("post");
        assert_eq!(status, 201, "{body}");
        acknowledged.push((word, body["id"].as_str().expect("id").to_string()));
    }

    let filler = dir.path().join("filler");
    fill(&filler);
    // Writes may still land in room the store had already taken; the first that needs more is
    // refused, and the refusal says why.
    let mut refusal = None;
    for n in 0..2000 {
        let word = format!("whilefull{n}");
        match complaint(base, &word).expect("the service answers") {
            (201, body) => acknowledged.push((word, body["id"].as_str().expect("id").to_string())),
            (status, body) => {
                refusal = Some((status, body));
                break;
            }
        }
    }
    let (status, body) = refusal.expect("a complaint is refused once the disk is full");
    assert_eq!(status, 503, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("disk") && message.contains("full") && message.contains("free space"), "{body}");
    // A command cannot be audited, so it is not carried out, and the office is told why.
    let (status, body) = command(base, "show traffic in Mapo");
    assert_eq!(status, 503, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("full")), "{body}");
    let (status, _) = get_json_as(&format!("{base}/healthz"), None).expect("healthz");
    assert_eq!(status, 200, "the service is alive on a full disk");
    let (status, state, reason) = readiness(base, "store");
    assert_eq!((status, state.as_str()), (503, "failed"), "{reason}");
    assert!(reason.contains("full"), "{reason}");
    let index = common::eventually(Duration::from_secs(30), || {
        let (_, state, reason) = readiness(base, "index");
        (state == "failed").then_some(reason)
    });
    assert!(index.is_some_and(|r| r.contains("No space left")), "the index's commit fails on the full disk");

    std::fs::remove_file(&filler).expect("free space");
    works_again(base, "afterfull", &mut acknowledged);
    let ready = common::eventually(Duration::from_secs(30), || (readiness(base, "store").0 == 200).then_some(()));
    assert!(ready.is_some(), "ready again: {:?} {:?}", readiness(base, "index"), readiness(base, "store"));
    drop(server);
    let _ = Command::new("umount").arg(dir.path()).status();
}

#[test]
fn a_store_locked_by_another_program_is_named_and_released() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), CONFIG);
    let base = &server.base;
    let (status, body) = complaint(base, "beforelock").expect("post");
    assert_eq!(status, 201, "{body}");
    let mut acknowledged = vec![("beforelock".to_string(), body["id"].as_str().expect("id").to_string())];

    // Another program (an operator's sqlite3 shell, say) takes the write lock and keeps it.
    let other = rusqlite::Connection::open(dir.path().join("store.sqlite")).expect("open the store");
    other.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    let (status, body) = complaint(base, "whilelocked").expect("the service answers");
    assert_eq!(status, 503, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("locked by another program")), "{body}");
    let (status, body) = command(base, "show traffic in Mapo");
    assert_eq!(status, 503, "not carried out unaudited: {body}");
    let (status, _) = get_json_as(&format!("{base}/api/search?q=Mapo"), None).expect("search");
    assert_eq!(status, 200, "reading goes on while the store is locked");

    other.execute_batch("ROLLBACK").expect("release");
    drop(other);
    works_again(base, "afterlock", &mut acknowledged);
}

#[test]
fn an_index_folder_deleted_while_serving_is_named_and_rebuilt_by_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), CONFIG);
    std::fs::remove_dir_all(dir.path().join("index")).expect("delete the index folder");
    // The store still takes complaints: they are acknowledged, and kept.
    let (status, body) = complaint(&server.base, "afterdelete").expect("post");
    assert_eq!(status, 201, "{body}");
    let acknowledged = vec![("afterdelete".to_string(), body["id"].as_str().expect("id").to_string())];
    let failed = common::eventually(Duration::from_secs(30), || {
        let (status, state, reason) = readiness(&server.base, "index");
        (status == 503 && state == "failed").then_some(reason)
    });
    let reason = failed.expect("/readyz names the index");
    assert!(reason.contains("restart scpm") && reason.contains("rebuilds the index from the store"), "{reason}");
    let (status, _) = get_json_as(&format!("{}/api/search?q=Mapo", server.base), None).expect("search");
    assert_eq!(status, 200, "what was indexed is still searched");
    server.terminate();

    let server = Server::start(dir.path(), CONFIG);
    all_found(&server.base, &acknowledged);
    assert_eq!(readiness(&server.base, "index").0, 200);
}

/// libfaketime, from Debian's `faketime` package (scripts/setup.sh --for-tests installs it).
const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// The wall clock jumps (an NTP step, a wrong manual setting put right): what the service times
/// with its own monotonic clock — the public limit, waits — is not thrown off, and everything
/// sent across the jumps is kept and found.
#[test]
fn the_clock_jumping_an_hour_either_way_loses_nothing_and_locks_no_one_out() {
    assert!(Path::new(FAKETIME).exists(), "{FAKETIME} is missing: scripts/setup.sh --for-tests installs faketime");
    let dir = tempfile::tempdir().expect("tempdir");
    let offset = dir.path().join("clock-offset");
    std::fs::write(&offset, "+0\n").expect("offset");
    let env = [
        ("LD_PRELOAD", FAKETIME),
        ("FAKETIME_TIMESTAMP_FILE", offset.to_str().expect("path")),
        ("FAKETIME_NO_CACHE", "1"),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
    ];
    let server = Server::start_with_env(dir.path(), CONFIG, &[], &env);
    let base = &server.base;
    let mut acknowledged = Vec::new();
    for (jump, word) in [("+0", "clockbefore"), ("+1h", "clockahead"), ("-1h", "clockbehind")] {
        std::fs::write(&offset, format!("{jump}\n")).expect("jump");
        std::thread::sleep(Duration::from_millis(1500));
        let (status, body) = complaint(base, word).expect("post");
        assert_eq!(status, 201, "{jump}: {body}");
        acknowledged.push((word.to_string(), body["id"].as_str().expect("id").to_string()));
        let (status, body) = command(base, "show traffic in Mapo");
        assert_eq!((status, body["understood"].clone()), (200, json!(true)), "{jump}: {body}");
        // A public burst is limited, and the limit lifts within seconds, not an hour.
        let url = format!("{base}/api/search?q=Mapo");
        let limited = std::thread::scope(|scope| {
            let burst: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| (0..40).any(|_| get_json_as(&url, None).is_ok_and(|(s, _)| s == 429))))
                .collect();
            burst.into_iter().map(|b| b.join().unwrap_or(false)).fold(false, |a, b| a | b)
        });
        assert!(limited, "{jump}: the public limit holds");
        let lifted = common::eventually(Duration::from_secs(20), || {
            get_json_as(&url, None).ok().filter(|(s, _)| *s == 200).map(|_| ())
        });
        assert!(lifted.is_some(), "{jump}: the public limit lifts after the jump");
    }
    all_found(base, &acknowledged);
    let (status, body) = get_json_as(&format!("{base}/api/audit?limit=20"), Some(OFFICE_TOKEN)).expect("audit");
    let mut typed: Vec<chrono::DateTime<chrono::FixedOffset>> = body["rows"]
        .as_array()
        .map(|rows| rows.iter().filter(|r| r["channel"] == "text"))
        .into_iter()
        .flatten()
        .filter_map(|r| chrono::DateTime::parse_from_rfc3339(r["at"].as_str()?).ok())
        .collect();
    assert_eq!((status, typed.len()), (200, 3), "a row per command across the jumps: {body}");
    // Newest first in the answer; the service's clock did jump (the rows say when it thought it was).
    typed.reverse();
    let minutes = |a: usize, b: usize| (typed[b] - typed[a]).num_minutes();
    assert!((55..=65).contains(&minutes(0, 1)), "an hour ahead: {typed:?}");
    assert!((-125..=-115).contains(&minutes(1, 2)), "then an hour behind: {typed:?}");
}
