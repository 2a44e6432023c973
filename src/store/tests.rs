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
