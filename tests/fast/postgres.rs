//! The city on PostgreSQL (a real, temporary cluster of Debian's package): the store keeps the
//! same contract as SQLite; many `scpm serve` processes on one database share the city — what one
//! is sent the others find, a district office sees its district only, the sources run in one
//! process and another takes over when it is killed, and every process recovers by itself when
//! the database restarts.

use crate::common::postgres::Cluster;
use crate::common::reqwest::{get_json_as, post_json};
use crate::common::{self, Server, INTAKE_TOKEN, OFFICE_TOKEN};
use chrono::Utc;
use scpm::sources::record::{Complaint, Form, Status};
use scpm::sources::Record;
use scpm::store::{AuditRow, Store};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const NO_SIMULATOR: &str = "[simulator]\nenabled = false\n";

fn complaint(id: &str, district: &str, status: Status, minutes_ago: i64) -> Record {
    let at = Utc::now() - chrono::Duration::minutes(minutes_ago);
    Record::Complaint(Complaint {
        id: id.into(),
        form: Form::Complaint,
        category: "noise".into(),
        district: district.into(),
        text_ko: "공사 소음이 심해요".into(),
        text_en: "construction noise".into(),
        status,
        received_at: at,
        updated_at: at,
        citizen: None,
    })
}

fn audit(input: &str) -> AuditRow {
    AuditRow {
        at: "2026-12-07T05:00:00Z".into(),
        actor: "office".into(),
        channel: "typed".into(),
        input: input.into(),
        intent: "show_traffic".into(),
        actions: "[]".into(),
        outcome: "ok".into(),
    }
}

/// The checks both databases must pass, on an empty store at `at`.
fn contract(at: &Path) {
    let mut store = Store::open_for(at, "city").expect("open");
    let a = complaint("a", "11680", Status::Received, 30);
    let revs = store.upsert([("t", &a), ("t", &complaint("b", "11440", Status::Received, 10))]).expect("write");
    let (ra, rb) = (revs[0].expect("a is new"), revs[1].expect("b is new"));
    assert!(rb > ra, "revisions increase: {revs:?}");
    assert_eq!(store.upsert([("t", &a)]).expect("write"), [None], "a re-delivery changes nothing");
    let revs = store.upsert([("t", &complaint("a", "11680", Status::Answered, 30))]).expect("write");
    let ra2 = revs[0].expect("a changed");
    assert!(ra2 > rb);
    assert_eq!(store.stored_rev().expect("rev"), ra2);
    let since = store.since(rb, 10).expect("since");
    assert_eq!(since.len(), 1);
    assert!(matches!(&since[0].record, Record::Complaint(c) if c.id == "a" && c.status == Status::Answered));
    assert_eq!(store.since(0, 10).expect("since").iter().map(|s| s.rev).collect::<Vec<_>>(), [rb, ra2]);
    // A key twice in one batch: the last version is what the store keeps.
    let c1 = complaint("c", "11680", Status::Received, 5);
    let c2 = complaint("c", "11680", Status::Answered, 5);
    let revs = store.upsert([("t", &c1), ("t", &c2)]).expect("write");
    assert!(revs[1].is_some(), "{revs:?}");
    assert!(
        matches!(store.get("complaint", "c").expect("get"), Some(Record::Complaint(c)) if c.status == Status::Answered)
    );
    assert!(store.get("complaint", "nope").expect("get").is_none());
    let gangnam: Vec<String> =
        store.latest("complaint", Some("11680"), 10).expect("latest").iter().map(|r| r.key()).collect();
    assert_eq!(gangnam, ["c", "a"], "newest first, one district");
    let hour_ago = (Utc::now() - chrono::Duration::minutes(60)).timestamp();
    assert_eq!(store.count_since("complaint", None, hour_ago).expect("count"), 3);
    assert_eq!(store.count_since("complaint", Some("11440"), hour_ago).expect("count"), 1);
    assert_eq!(store.count_by_kind().expect("kinds"), [("complaint".to_string(), 3)]);
    let counts = store.opinion_counts(None, hour_ago, Utc::now().timestamp() + 1, 600, 5).expect("opinion");
    assert_eq!(counts.totals, [3, 0]);
    assert_eq!(counts.by_category, [("noise".to_string(), [3, 0])]);
    assert_eq!(counts.by_district, [("11440".to_string(), [1, 0]), ("11680".to_string(), [2, 0])]);
    assert_eq!(counts.by_bucket.iter().map(|(_, c)| c[0]).sum::<u64>(), 3);
    // The audit log and the call log.
    store.append_audit(&audit("show traffic")).expect("audit");
    assert_eq!(store.audit_tail(5).expect("tail"), [audit("show traffic")]);
    let row = store.log_call_placed("c1", "office (voice)", "transportation", "2026-12-07T05:00:00Z").expect("placed");
    store.log_call_answered(row, "2026-12-07T05:00:03Z").expect("answered");
    store.log_call_ended(row, "2026-12-07T05:01:03Z", 60.0, "hung_up").expect("ended");
    let open = store.log_call_placed("c2", "office (voice)", "parks", "2026-12-07T05:02:00Z").expect("placed");
    assert_eq!(store.end_open_calls("2026-12-07T05:03:00Z", "interrupted").expect("end"), 1);
    let tail = store.call_log_tail(5).expect("tail");
    assert_eq!(
        tail.iter().map(|r| (r.id, r.end_reason.clone())).collect::<Vec<_>>(),
        [(open, Some("interrupted".into())), (row, Some("hung_up".into()))]
    );
    // What the office's walls show: each write a higher sequence number, the last one read back.
    assert_eq!(store.shared_display().expect("display"), None);
    let first = store.share_display(r#"{"screen":"overview"}"#).expect("share");
    let second = store.share_display(r#"{"screen":"traffic"}"#).expect("share");
    assert!(second > first);
    let (seq, shown) = store.shared_display().expect("display").expect("written");
    assert_eq!((seq, serde_json::from_str::<Value>(&shown).expect("json")), (second, json!({"screen": "traffic"})));
    // Replay: a record as it was at a past time, from the versions the store keeps.
    let mut d = complaint("d", "11680", Status::Received, 50);
    store.upsert([("t", &d)]).expect("write");
    if let Record::Complaint(c) = &mut d {
        (c.status, c.updated_at) = (Status::Answered, Utc::now() - chrono::Duration::minutes(40));
    }
    let last = store.upsert([("t", &d)]).expect("write")[0].expect("d changed");
    let d_at = |minutes: i64| {
        let at = (Utc::now() - chrono::Duration::minutes(minutes)).timestamp();
        store.as_of("complaint", Some("11680"), at, 10).expect("as of").into_iter().find_map(|r| match r {
            Record::Complaint(c) if c.id == "d" => Some(c.status),
            _ => None,
        })
    };
    assert_eq!((d_at(55), d_at(45), d_at(35)), (None, Some(Status::Received), Some(Status::Answered)));
    drop(store);
    assert_eq!(Store::open(at).expect("reopen").stored_rev().expect("rev"), last);
}

#[test]
fn the_store_keeps_one_contract_on_postgresql_and_on_sqlite() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().expect("tempdir");
    contract(&dir.path().join("store.sqlite"));
    let url = cluster.database("contract");
    contract(Path::new(&url));

    // What only a shared database has: offices apart in one database, and shared secrets.
    let mut city = Store::open_for(Path::new(&url), "city").expect("open");
    let mut gangnam = Store::open_for(Path::new(&url), "11680").expect("open");
    gangnam.append_audit(&audit("강남구 교통 보여 줘")).expect("audit");
    assert_eq!(gangnam.audit_tail(5).expect("tail"), [audit("강남구 교통 보여 줘")]);
    assert!(!city.audit_tail(50).expect("tail").contains(&audit("강남구 교통 보여 줘")), "each office its own audit");
    gangnam.log_call_placed("c9", "office (voice)", "parks", "2026-12-07T06:00:00Z").expect("placed");
    assert_eq!(
        city.end_open_calls("2026-12-07T06:01:00Z", "interrupted").expect("end"),
        0,
        "not another office's calls"
    );
    let first = city.shared_secret("office_token@city", "one".into()).expect("secret");
    let second =
        Store::open(Path::new(&url)).expect("open").shared_secret("office_token@city", "two".into()).expect("secret");
    assert_eq!(
        (first.as_deref(), second.as_deref()),
        (Some("one"), Some("one")),
        "the first process's secret is everyone's"
    );
    let mut file = Store::open(&dir.path().join("store.sqlite")).expect("open");
    assert_eq!(
        file.shared_secret("office_token@city", "x".into()).expect("secret"),
        None,
        "SQLite keeps secrets as files"
    );
}

/// Four writers at once and a reader following `rev > cursor`: the reader sees every record
/// exactly once — no revision committed after it looked is ever below its cursor.
#[test]
fn a_reader_following_revisions_misses_nothing_that_concurrent_writers_commit() {
    let cluster = Cluster::start();
    let url = cluster.database("follow");
    Store::open(Path::new(&url)).expect("migrate first");
    let (writers, batches, per_batch) = (4, 40, 25);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let reader = {
        let (url, done) = (url.clone(), done.clone());
        std::thread::spawn(move || {
            let store = Store::open(Path::new(&url)).expect("open");
            let (mut cursor, mut seen) = (0, std::collections::BTreeMap::new());
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst) == writers;
                let batch = store.since(cursor, 500).expect("since");
                for stored in &batch {
                    assert!(stored.rev > cursor);
                    cursor = stored.rev;
                    *seen.entry(stored.record.key()).or_insert(0) += 1;
                }
                if finished && batch.is_empty() {
                    return seen;
                }
            }
        })
    };
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let (url, done) = (url.clone(), done.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(Path::new(&url)).expect("open");
                for b in 0..batches {
                    let records: Vec<Record> = (0..per_batch)
                        .map(|i| complaint(&format!("w{w}-{b}-{i}"), "11680", Status::Received, 1))
                        .collect();
                    store.upsert(records.iter().map(|r| ("t", r))).expect("write");
                }
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let seen = reader.join().expect("reader");
    assert_eq!(seen.len(), writers * batches * per_batch, "every record reached the reader");
    assert!(seen.values().all(|n| *n == 1), "each once");
}

fn post_complaint(base: &str, district: &str, word: &str) -> String {
    let body = json!({"form": "complaint", "category": "noise", "district": district, "text_en": format!("{word} drilling at night")});
    let (status, body) =
        post_json(&format!("{base}/api/complaints"), Some(INTAKE_TOKEN), &body.to_string()).expect("post");
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_string()
}

/// The key of `word`'s complaint as `base`'s search finds it, waiting up to `limit`.
fn found(base: &str, word: &str, limit: Duration) -> Option<String> {
    common::eventually(limit, || {
        let (_, body) = get_json_as(&format!("{base}/api/search?kind=complaint&q={word}"), Some(OFFICE_TOKEN)).ok()?;
        body["hits"][0]["key"].as_str().map(str::to_string)
    })
}

fn healthz(base: &str) -> Value {
    get_json_as(&format!("{base}/healthz"), None).map(|(_, body)| body).unwrap_or_default()
}

#[test]
fn offices_on_one_database_share_the_city_and_a_district_office_sees_its_district() {
    let cluster = Cluster::start();
    let url = cluster.database("city");
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let mayor = Server::start_on(dirs[0].path(), &url, NO_SIMULATOR);
    let second = Server::start_on(dirs[1].path(), &url, NO_SIMULATOR);
    let gangnam = Server::start_on(dirs[2].path(), &url, &format!("[office]\nscope = \"11680\"\n{NO_SIMULATOR}"));
    // A public replica: the simulator is configured but a replica runs no sources.
    let public = Server::start_on(dirs[3].path(), &url, "[office]\nrole = \"public\"\n");
    assert_eq!(healthz(&mayor.base)["store"]["database"], "postgresql");

    let in_gangnam = post_complaint(&mayor.base, "11680", "zeppelinhum");
    let in_mapo = post_complaint(&mayor.base, "11440", "quokkaclatter");
    assert_eq!(
        found(&second.base, "zeppelinhum", Duration::from_secs(30)),
        Some(in_gangnam.clone()),
        "another process finds it"
    );
    assert_eq!(found(&second.base, "quokkaclatter", Duration::from_secs(30)), Some(in_mapo));
    assert_eq!(
        found(&gangnam.base, "zeppelinhum", Duration::from_secs(30)),
        Some(in_gangnam),
        "the district office has it"
    );
    assert_eq!(found(&gangnam.base, "quokkaclatter", Duration::from_millis(1500)), None, "not another district's");

    // The public replica serves the public search, and nothing of the office's.
    let public_hit = common::eventually(Duration::from_secs(30), || {
        let (_, body) = get_json_as(&format!("{}/api/search?kind=complaint&q=zeppelinhum", public.base), None).ok()?;
        body["hits"].as_array().filter(|h| !h.is_empty()).map(|_| ())
    });
    assert!(public_hit.is_some(), "the public replica finds it without a token");
    let (status, refused) = post_json(
        &format!("{}/api/commands", public.base),
        Some(OFFICE_TOKEN),
        &json!({"text": "show traffic"}).to_string(),
    )
    .expect("command");
    assert_eq!(status, 403, "{refused}");
    assert!(refused.to_string().contains("public replica"), "{refused}");
    // An official's real link (the same office token, shared) opens nothing on the replica.
    let (_, officials) = get_json_as(&format!("{}/api/officials", mayor.base), Some(OFFICE_TOKEN)).expect("officials");
    let link = officials["officials"][0]["link"].as_str().expect("a link").to_string();
    let (status, _) = get_json_as(&format!("{}{link}", mayor.base), None).expect("official page");
    assert_eq!(status, 200, "the link works on the office");
    let (status, refused) = get_json_as(&format!("{}{link}", public.base), None).expect("official page");
    assert_eq!(status, 403, "officials' call pages are not on a public replica");
    assert!(refused.to_string().contains("public replica"), "{refused}");
    let health = healthz(&public.base);
    assert_eq!(
        (health["leader"].clone(), health["sources"].get("simulator").is_some()),
        (json!(false), true),
        "{health}"
    );

    // A command on one process of the office is in the office's audit, read on the other.
    common::reqwest::post_json(
        &format!("{}/api/commands", mayor.base),
        Some(OFFICE_TOKEN),
        &json!({"text": "show traffic in Mapo"}).to_string(),
    )
    .expect("command");
    // ... and the office's second process shows what the command changed.
    let shown = common::eventually(Duration::from_secs(30), || {
        let (_, display) = get_json_as(&format!("{}/api/display", second.base), Some(OFFICE_TOKEN)).ok()?;
        (display["topic"] == "traffic" && display["district"] == "11440").then_some(display)
    });
    assert!(shown.is_some(), "the second process's wall follows the first's");
    let (_, display) = get_json_as(&format!("{}/api/display", gangnam.base), Some(OFFICE_TOKEN)).expect("display");
    assert_ne!(display["district"], "11440", "another office's wall is its own: {display}");
    let (_, audit) = get_json_as(&format!("{}/api/audit", second.base), Some(OFFICE_TOKEN)).expect("audit");
    assert!(audit.to_string().contains("show traffic in Mapo"), "{audit}");
    let (_, audit) = get_json_as(&format!("{}/api/audit", gangnam.base), Some(OFFICE_TOKEN)).expect("audit");
    assert!(!audit.to_string().contains("show traffic in Mapo"), "the district office's audit is its own: {audit}");
}

/// Which of `servers` runs the simulator, once exactly one does.
fn the_leader(servers: &[&Server]) -> Option<usize> {
    let leaders: Vec<usize> =
        servers.iter().enumerate().filter(|(_, s)| healthz(&s.base)["leader"] == json!(true)).map(|(i, _)| i).collect();
    (leaders.len() == 1).then(|| leaders[0])
}

#[test]
fn when_the_process_running_the_sources_is_killed_another_takes_over_and_nothing_acknowledged_is_lost() {
    let cluster = Cluster::start();
    let url = cluster.database("takeover");
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let fast = "[simulator]\nenabled = true\nspeed = 60.0\n";
    let mut servers = [Server::start_on(dirs[0].path(), &url, fast), Server::start_on(dirs[1].path(), &url, fast)];
    let leader = common::eventually(Duration::from_secs(30), || the_leader(&servers.iter().collect::<Vec<_>>()))
        .expect("one process leads");
    let other = 1 - leader;
    assert!(healthz(&servers[other].base)["sources"]["simulator"]["state"]
        .as_str()
        .unwrap_or_default()
        .starts_with("standby"));
    let mut acknowledged = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        acknowledged.push((format!("walrus{i}"), post_complaint(&server.base, "11680", &format!("walrus{i}"))));
    }
    // A command on the leader: its audit row must outlive the leader.
    let (status, _) = post_json(
        &format!("{}/api/commands", servers[leader].base),
        Some(OFFICE_TOKEN),
        &json!({"text": "show the air quality in Jongno"}).to_string(),
    )
    .expect("command");
    assert_eq!(status, 200);
    servers[leader].kill9();
    let took_over = common::eventually(Duration::from_secs(30), || {
        (healthz(&servers[other].base)["leader"] == json!(true)).then_some(())
    });
    assert!(took_over.is_some(), "the other process took over");
    let survivor = &servers[other].base;
    let rev = healthz(survivor)["store"]["rev"].as_i64().unwrap_or_default();
    let grew = common::eventually(Duration::from_secs(30), || {
        (healthz(survivor)["store"]["rev"].as_i64().unwrap_or_default() > rev).then_some(())
    });
    assert!(grew.is_some(), "its simulator writes");
    for (word, id) in &acknowledged {
        assert_eq!(found(survivor, word, Duration::from_secs(30)).as_deref(), Some(id.as_str()), "{word}");
    }
    let (_, audit) = get_json_as(&format!("{survivor}/api/audit"), Some(OFFICE_TOKEN)).expect("audit");
    assert!(audit.to_string().contains("show the air quality in Jongno"), "the killed process's audit row: {audit}");
}

#[test]
fn every_process_recovers_by_itself_when_the_database_restarts() {
    let cluster = Cluster::start();
    let url = cluster.database("restart");
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let servers =
        [Server::start_on(dirs[0].path(), &url, NO_SIMULATOR), Server::start_on(dirs[1].path(), &url, NO_SIMULATOR)];
    post_complaint(&servers[0].base, "11680", "beforerestart");
    // Load through the restart: a sender posting to each process without pause, keeping what
    // was acknowledged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let senders: Vec<_> = servers
        .iter()
        .enumerate()
        .map(|(s, server)| {
            let (base, stop) = (server.base.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let word = format!("loadword{s}x{i}");
                    let body = json!({"form": "complaint", "category": "noise", "district": "11680", "text_en": word});
                    if let Ok((201, answer)) =
                        post_json(&format!("{base}/api/complaints"), Some(INTAKE_TOKEN), &body.to_string())
                    {
                        acknowledged.push((word, answer["id"].as_str().unwrap_or_default().to_string()));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    cluster.stop();
    // While the database is down a sender is told so, and nothing is acknowledged.
    let body = json!({"form": "complaint", "category": "noise", "district": "11680", "text_en": "while down"});
    let (status, answer) =
        post_json(&format!("{}/api/complaints", servers[0].base), Some(INTAKE_TOKEN), &body.to_string()).expect("post");
    assert!(status >= 500, "not acknowledged while the database is down: {status} {answer}");
    assert!(answer.to_string().contains("database"), "the answer names the database: {answer}");
    for server in &servers {
        let failed = common::eventually(Duration::from_secs(30), || {
            (healthz(&server.base)["store"]["state"] == json!("failed")).then_some(())
        });
        assert!(failed.is_some(), "/healthz says the store failed: {}", healthz(&server.base));
    }
    cluster.restart();
    let id = common::eventually(Duration::from_secs(30), || {
        let body =
            json!({"form": "complaint", "category": "noise", "district": "11680", "text_en": "afterrestart drilling"});
        let (status, answer) =
            post_json(&format!("{}/api/complaints", servers[0].base), Some(INTAKE_TOKEN), &body.to_string()).ok()?;
        (status == 201).then(|| answer["id"].as_str().map(str::to_string)).flatten()
    })
    .expect("writes work again once the database is back");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let acknowledged: Vec<(String, String)> = senders.into_iter().flat_map(|t| t.join().expect("sender")).collect();
    assert!(acknowledged.len() > 20, "the load went on: {} acknowledged", acknowledged.len());
    let store = Store::open(Path::new(&url)).expect("open");
    for (word, id) in &acknowledged {
        assert!(store.get("complaint", id).expect("get").is_some(), "acknowledged {word} ({id}) is in the store");
    }
    for server in &servers {
        assert_eq!(found(&server.base, "afterrestart", Duration::from_secs(30)), Some(id.clone()));
        let ready = common::eventually(Duration::from_secs(30), || {
            (healthz(&server.base)["store"]["state"] == json!("ready")).then_some(())
        });
        assert!(ready.is_some(), "/healthz says the store recovered: {}", healthz(&server.base));
    }
}

/// The office's calls are placed by its process with calls on: a call asked on the office's
/// other process (calls off) is passed to it through the store; with no such process there, the
/// call is refused where it was asked.
#[test]
fn a_call_asked_on_an_office_process_without_calls_is_placed_by_the_one_with_them() {
    let cluster = Cluster::start();
    let url = cluster.database("calls");
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let no_calls = format!("[commands]\nconfirm_calls = false\n[calls]\nenabled = false\n{NO_SIMULATOR}");
    let asked = Server::start_on(dirs[0].path(), &url, &no_calls);
    let command = |text: &str| {
        let (status, body) =
            post_json(&format!("{}/api/commands", asked.base), Some(OFFICE_TOKEN), &json!({"text": text}).to_string())
                .expect("command");
        assert_eq!((status, body["understood"].clone()), (200, json!(true)), "{body}");
    };
    let last_leg = |base: &str| -> Option<(String, String)> {
        let (_, calls) = get_json_as(&format!("{base}/api/calls"), Some(OFFICE_TOKEN)).ok()?;
        let leg = calls["log"].get(0)?;
        Some((leg["official_id"].as_str()?.to_string(), leg["end_reason"].as_str()?.to_string()))
    };
    // No process of the office places calls yet: refused here, as calls that are off.
    command("교통실장 연결해");
    let refused = common::eventually(Duration::from_secs(30), || last_leg(&asked.base));
    assert_eq!(refused.map(|l| l.1), Some("calls_disabled".to_string()));

    let places = Server::start_on(dirs[1].path(), &url, NO_SIMULATOR);
    std::thread::sleep(Duration::from_secs(2)); // it says it is there within a second
    command("복지정책실장 연결해");
    // Placed by the other process: the official is not online there, so the leg ends "offline"
    // (not "calls_disabled"), in the office's call log read on either process.
    let placed = common::eventually(Duration::from_secs(30), || {
        last_leg(&places.base).filter(|(official, _)| !official.contains("transport"))
    });
    let (official, reason) = placed.expect("the call was placed by the process with calls");
    assert_eq!(reason, "offline", "{official}");
    assert_eq!(last_leg(&asked.base).map(|l| l.1), Some("offline".to_string()), "one office, one call log");
}

/// Each source runs once among the processes configured with it: a process with only the
/// simulator and one with only a replay both run theirs (one lock for all would leave one idle).
#[test]
fn each_source_runs_in_one_of_the_processes_configured_with_it() {
    let cluster = Cluster::start();
    let url = cluster.database("sources");
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let replay = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replay.jsonl");
    let with_replay = format!("{NO_SIMULATOR}[[replay]]\nname = \"city-feed\"\npath = \"{}\"\n", replay.display());
    let simulating = Server::start_on(dirs[0].path(), &url, "[simulator]\nenabled = true\n");
    let replaying = Server::start_on(dirs[1].path(), &url, &with_replay);
    for (server, source) in [(&simulating, "simulator"), (&replaying, "city-feed")] {
        let runs = common::eventually(Duration::from_secs(30), || {
            let health = healthz(&server.base);
            let state = health["sources"][source]["state"].as_str().unwrap_or_default().to_string();
            (health["leader"] == json!(true) && !state.starts_with("standby")).then_some(state)
        });
        assert!(runs.is_some(), "{source} runs where it is configured: {}", healthz(&server.base));
    }
}
