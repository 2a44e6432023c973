//! The time a screen shows: a `period` the wall was asked for ("지난주 민원" → `last_week`), or
//! `from`/`to` (RFC 3339), else the last 24 hours. Days and weeks are Seoul's (UTC+9, weeks
//! from Monday). Bounded: a year for the office, 31 days for the public, so a public query
//! cannot make the service count a decade.

use super::ApiError;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Offset, TimeZone, Timelike, Utc};
use serde::Serialize;

/// The periods the grammars' `{period}` slot gives, and the default.
pub const PERIODS: &[&str] =
    &["last_24h", "today", "yesterday", "this_week", "last_week", "this_month", "last_month", "this_year", "last_year"];

/// The longest window, in days, for the office and for the public.
pub const OFFICE_DAYS: i64 = 366;
pub const PUBLIC_DAYS: i64 = 31;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The period asked for, or "custom" for `from`/`to`.
    pub period: String,
}

fn seoul() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Midnight in Seoul at the start of `day`, as UTC.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    seoul().from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

fn first_of_month(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default()
}

impl Window {
    /// The window's end in whole seconds, rounded up: what came in its last second is in it
    /// (the records' times are whole seconds; a window that ends now ends mid-second).
    pub fn end_second(&self) -> i64 {
        self.to.timestamp() + i64::from(self.to.timestamp_subsec_nanos() > 0)
    }

    /// Buckets for the chart: hours up to two days, else days. (bucket seconds, how many)
    pub fn buckets(&self) -> (i64, usize) {
        let span = (self.to - self.from).num_seconds().max(1);
        let step = if span <= 48 * 3600 { 3600 } else { 86_400 };
        (step, ((span + step - 1) / step) as usize)
    }
}

/// The window for `period` or `from`/`to` at `now`; `max_days` bounds it.
pub fn window(
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
    max_days: i64,
) -> Result<Window, ApiError> {
    let parse = |name: &str, text: &str| {
        DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| {
            ApiError::BadRequest(format!("`{name}` is not an RFC 3339 time like 2026-12-01T09:00:00+09:00 ({e})"))
        })
    };
    let window = match (period, from, to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ApiError::BadRequest("give `period` or `from` and `to`, not both".into()))
        }
        (None, Some(from), Some(to)) => {
            Window { from: parse("from", from)?, to: parse("to", to)?, period: "custom".into() }
        }
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(ApiError::BadRequest("`from` and `to` go together".into()))
        }
        (period, None, None) => {
            let period = period.unwrap_or("last_24h");
            let today = now.with_timezone(&seoul()).date_naive();
            let (from, to) = match period {
                "last_24h" => {
                    let hour = now.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0));
                    (hour.unwrap_or(now) - Duration::hours(23), now)
                }
                "today" => (midnight(today), now),
                "yesterday" => (midnight(today - Duration::days(1)), midnight(today)),
                "this_week" | "last_week" => {
                    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                    if period == "this_week" {
                        (midnight(monday), now)
                    } else {
                        (midnight(monday - Duration::days(7)), midnight(monday))
                    }
                }
                "this_month" => (midnight(first_of_month(today.year(), today.month())), now),
                "last_month" => {
                    let this = first_of_month(today.year(), today.month());
                    let last = if today.month() == 1 {
                        first_of_month(today.year() - 1, 12)
                    } else {
                        first_of_month(today.year(), today.month() - 1)
                    };
                    (midnight(last), midnight(this))
                }
                "this_year" => (midnight(first_of_month(today.year(), 1)), now),
                "last_year" => {
                    (midnight(first_of_month(today.year() - 1, 1)), midnight(first_of_month(today.year(), 1)))
                }
                other => {
                    return Err(ApiError::BadRequest(format!("period `{other}` is not one of {}", PERIODS.join(", "))))
                }
            };
            Window { from, to, period: period.into() }
        }
    };
    if window.to <= window.from {
        return Err(ApiError::BadRequest("`to` must be after `from`".into()));
    }
    if (window.to - window.from).num_days() > max_days {
        return Err(ApiError::BadRequest(format!("a window of at most {max_days} days here")));
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn periods_are_seoul_days_and_weeks() {
        // Sunday 6 December 2026, 22:30 in Seoul.
        let now = at("2026-12-06T13:30:00Z");
        let w = window(Some("last_week"), None, None, now, OFFICE_DAYS).expect("window");
        assert_eq!((w.from, w.to), (at("2026-11-23T00:00:00+09:00"), at("2026-11-30T00:00:00+09:00")));
        assert_eq!(w.buckets(), (86_400, 7));
        let w = window(Some("today"), None, None, now, OFFICE_DAYS).expect("window");
        assert_eq!(w.from, at("2026-12-06T00:00:00+09:00"));
        assert_eq!(w.buckets().0, 3600);
        let w = window(Some("last_month"), None, None, now, OFFICE_DAYS).expect("window");
        assert_eq!((w.from, w.to), (at("2026-11-01T00:00:00+09:00"), at("2026-12-01T00:00:00+09:00")));
        let w = window(None, None, None, now, OFFICE_DAYS).expect("the last 24 hours");
        assert_eq!((w.period.as_str(), w.buckets().1), ("last_24h", 24));
    }

    #[test]
    fn bad_windows_are_named() {
        let now = at("2026-12-06T13:00:00Z");
        let err = |p, f, t, max| window(p, f, t, now, max).expect_err("refused").to_string();
        assert!(err(Some("fortnight"), None, None, OFFICE_DAYS).contains("last_week"));
        assert!(err(None, Some("yesterday"), Some("2026-12-01T00:00:00Z"), OFFICE_DAYS).contains("RFC 3339"));
        assert!(err(None, Some("2026-12-02T00:00:00Z"), Some("2026-12-01T00:00:00Z"), OFFICE_DAYS).contains("after"));
        assert!(err(Some("this_year"), None, None, PUBLIC_DAYS).contains("31 days"));
        assert!(err(None, Some("2026-12-01T00:00:00Z"), None, OFFICE_DAYS).contains("together"));
    }
}
