//! The simulator is deterministic from its seed, whatever the tick size, and its records tell
//! a consistent story (dispatch after receipt, answers after complaints, air every 5 minutes).

use crate::common;

use chrono::{Duration, TimeZone, Utc};
use scpm::config::SimulatorConfig;
use scpm::sources::simulator::SimCity;
use scpm::sources::Record;

fn run(seed: u64, step_minutes: i64) -> Vec<Record> {
    let city = common::city();
    let start = Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).single().expect("time");
    let cfg = SimulatorConfig { seed, ..SimulatorConfig::default() };
    let mut sim = SimCity::new(&city, &cfg, start);
    let mut out = Vec::new();
    let mut t = start;
    while t < start + Duration::hours(6) {
        t += Duration::minutes(step_minutes);
        out.extend(sim.advance_to(t));
    }
    out
}

#[test]
fn same_seed_same_city_whatever_the_tick() {
    let a = run(7, 1);
    assert_eq!(a, run(7, 45));
    assert_ne!(a, run(8, 1));
}

#[test]
fn records_tell_a_consistent_story() {
    let records = run(7, 5);
    let count = |kind: &str| records.iter().filter(|r| r.kind() == kind).count();
    // 6 hours: 72 air rounds × 25 districts (plus the start), ~240/h complaints, ~60/h incidents.
    assert_eq!(count("air"), 73 * 25);
    // Weather and water every 10 minutes: 36 rounds × 25 districts (plus the start).
    assert_eq!((count("weather"), count("water")), (37 * 25, 37 * 25));
    assert!(records.iter().all(|r| match r {
        Record::Water(w) => w.within_limits() && w.turbidity_ntu > 0.0,
        Record::Weather(w) => (-20.0..40.0).contains(&w.temperature_c) && (0.0..=100.0).contains(&w.humidity_pct),
        _ => true,
    }));
    let received = records
        .iter()
        .filter(|r| matches!(r, Record::Complaint(c) if c.status == scpm::sources::record::Status::Received))
        .count();
    assert!((1100..1800).contains(&received), "~240 new complaints an hour: {received}");
    let new_incidents =
        records.iter().filter(|r| matches!(r, Record::Incident(i) if i.dispatched_at.is_none())).count();
    assert!((250..500).contains(&new_incidents), "~60 incidents an hour: {new_incidents}");
    for r in &records {
        r.validate().expect("every simulated record is valid");
        if let Record::Incident(i) = r {
            if let (Some(d), Some(a)) = (i.dispatched_at, i.arrived_at) {
                assert!(i.received_at < d && d < a, "{i:?}");
            }
            assert!(!i.unit.is_empty());
        }
        if let Record::Complaint(c) = r {
            assert!(c.updated_at >= c.received_at);
            assert!(!c.text_ko.is_empty() && !c.text_en.is_empty());
        }
    }
    let answered = records
        .iter()
        .filter(|r| matches!(r, Record::Complaint(c) if c.status == scpm::sources::record::Status::Answered))
        .count();
    assert!(answered > 100, "complaints get answered: {answered}");
}
