use super::*;
use crate::sources::record::{Complaint, Form, Status};
use crate::sources::Record;
use chrono::Utc;

fn complaint(id: &str, status: Status) -> Record {
    let now = Utc::now();
    Record::Complaint(Complaint {
        id: id.into(),
        form: Form::Complaint,
        category: "noise".into(),
        district: "11680".into(),
        text_ko: "공사 소음이 심해요".into(),
        text_en: "construction noise".into(),
        status,
        received_at: now,
        updated_at: now,
        citizen: None,
    })
}

#[test]
fn upsert_versions_and_redelivery() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.sqlite");
    let mut store = Store::open(&path).expect("open");
    let a = complaint("a", Status::Received);
    assert_eq!(store.upsert([("t", &a), ("t", &complaint("b", Status::Received))]).expect("write"), [Some(1), Some(2)]);
    assert_eq!(store.upsert([("t", &a)]).expect("write"), [None]);
    assert_eq!(store.upsert([("t", &complaint("a", Status::Answered))]).expect("write"), [Some(3)]);
    drop(store);
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.stored_rev().expect("rev"), 3);
    let since = store.since(2, 10).expect("since");
    assert_eq!(since.len(), 1);
    assert!(matches!(&since[0].record, Record::Complaint(c) if c.status == Status::Answered));
    assert_eq!(store.count_by_kind().expect("count"), [("complaint".to_string(), 2)]);
}

#[test]
fn audit_rows_survive_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.sqlite");
    let row = AuditRow {
        at: "2026-11-29T05:00:00Z".into(),
        actor: "office".into(),
        channel: "voice".into(),
        input: "강남구 미세먼지 보여줘".into(),
        intent: "show_air_quality".into(),
        actions: "[]".into(),
        outcome: "ok".into(),
    };
    Store::open(&path).expect("open").append_audit(&row).expect("append");
    assert_eq!(Store::open(&path).expect("reopen").audit_tail(5).expect("tail"), [row]);
}

#[test]
fn a_call_leg_is_logged_when_placed_answered_and_ended() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.sqlite");
    let mut store = Store::open(&path).expect("open");
    let row = store.log_call_placed("c1", "office", "transportation", "2026-11-29T05:00:00Z").expect("placed");
    store.log_call_answered(row, "2026-11-29T05:00:03Z").expect("answered");
    store.log_call_ended(row, "2026-11-29T05:01:03Z", 60.0, "hung_up").expect("ended");
    let tail = Store::open(&path).expect("reopen").call_log_tail(5).expect("tail");
    assert_eq!(tail.len(), 1);
    assert_eq!(
        (tail[0].official_id.as_str(), tail[0].duration_s, tail[0].end_reason.as_deref()),
        ("transportation", Some(60.0), Some("hung_up"))
    );
}

fn incident(id: &str, received: i64, dispatched: Option<i64>, closed: Option<i64>) -> Record {
    use crate::sources::record::Incident;
    let t = |s: i64| chrono::DateTime::from_timestamp(s, 0).expect("time");
    Record::Incident(Incident {
        id: id.into(),
        line: "119".into(),
        category: "fire".into(),
        district: "11680".into(),
        position: [127.05, 37.5],
        place: "역삼동".into(),
        summary_ko: "화재".into(),
        summary_en: "fire".into(),
        received_at: t(received),
        dispatched_at: dispatched.map(t),
        arrived_at: None,
        closed_at: closed.map(t),
        unit: String::new(),
    })
}

fn status_at(store: &Store, at: i64) -> Vec<(String, bool, bool)> {
    store
        .as_of("incident", None, at, 10)
        .expect("as of")
        .into_iter()
        .map(|r| match r {
            Record::Incident(i) => (i.id, i.dispatched_at.is_some(), i.closed_at.is_some()),
            other => panic!("not an incident: {other:?}"),
        })
        .collect()
}

#[test]
fn replay_shows_each_record_as_it_was_then_and_pruning_keeps_what_was_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("s.sqlite")).expect("open");
    let t0 = 1_800_000_000;
    for version in [
        incident("a", t0, None, None),
        incident("a", t0, Some(t0 + 60), None),
        incident("b", t0 + 100, None, None),
        incident("a", t0, Some(t0 + 60), Some(t0 + 3600)),
    ] {
        store.upsert([("sim", &version)]).expect("write");
    }
    assert_eq!(status_at(&store, t0 - 1), []);
    assert_eq!(status_at(&store, t0 + 30), [("a".into(), false, false)]);
    assert_eq!(status_at(&store, t0 + 200), [("b".into(), false, false), ("a".into(), true, false)]);
    assert_eq!(status_at(&store, t0 + 4000), [("b".into(), false, false), ("a".into(), true, true)]);
    // Readings are their own history: the newest at or before the time.
    assert_eq!(store.history_start().expect("start"), Some(t0));
    // Retention at t0 + 120: a's first version was replaced by then and goes; its second was
    // still current, and stays, so t0 + 200 reads the same.
    assert_eq!(store.prune_history(t0 + 120).expect("prune"), 1);
    assert_eq!(status_at(&store, t0 + 200), [("b".into(), false, false), ("a".into(), true, false)]);
    assert_eq!(status_at(&store, t0 + 30), []);
    assert_eq!(store.history_start().expect("start"), Some(t0 + 60));
}
