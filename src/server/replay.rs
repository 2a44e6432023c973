//! Replay: a screen as the city was at a past time (`at=`, RFC 3339). It goes back as far as
//! the store keeps record versions (`history.keep_days`, and no further than the oldest version
//! kept); a time before that, or in the future, is refused with the limit named.
//!
//! The public's replays are bounded: `at` is taken to the minute, and each (screen, district,
//! minute) is answered from a small cache for a minute, so the public cannot make the store
//! replay a different second with every request (the rate limit bounds how many it asks).

use super::screens::Viewer;
use super::ApiError;
use chrono::{DateTime, Duration, DurationRound, Utc};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::Instant;

/// How long a public replay answer is served from the cache.
const CACHED_FOR: std::time::Duration = std::time::Duration::from_secs(60);
/// Answers kept per screen.
const CACHE_SIZE: usize = 128;

/// The replayed time asked for: parsed, bounded, and for the public taken to the minute.
pub fn replay_time(text: &str, now: DateTime<Utc>, keep_days: u32, who: Viewer) -> Result<DateTime<Utc>, ApiError> {
    let at = DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        ApiError::BadRequest(format!("`at` is not an RFC 3339 time like 2026-12-06T15:00:00+09:00 ({e})"))
    })?;
    if at > now + Duration::seconds(5) {
        return Err(ApiError::BadRequest(
            "`at` is in the future; replay shows the past (leave it out for live)".into(),
        ));
    }
    if at < now - Duration::days(i64::from(keep_days)) {
        return Err(ApiError::BadRequest(format!(
            "replay goes back {keep_days} days (history.keep_days in scpm.toml); `at` is before that"
        )));
    }
    let at = at.min(now);
    Ok(match who {
        Viewer::Public => at.duration_trunc(Duration::minutes(1)).unwrap_or(at),
        Viewer::Office => at,
    })
}

/// What a screen keys a replayed answer by: its district and its minute.
type Key = (Option<String>, i64);

/// Public replay answers of one screen, each for a minute.
pub struct Cache<V> {
    answers: Mutex<LruCache<Key, (Instant, V)>>,
}

impl<V: Clone> Default for Cache<V> {
    fn default() -> Self {
        Cache { answers: Mutex::new(LruCache::new(NonZeroUsize::new(CACHE_SIZE).unwrap_or(NonZeroUsize::MIN))) }
    }
}

impl<V: Clone> Cache<V> {
    pub fn get(&self, district: &Option<String>, at: DateTime<Utc>) -> Option<V> {
        let mut answers = self.answers.lock().ok()?;
        let key = (district.clone(), at.timestamp());
        match answers.get(&key) {
            Some((made, answer)) if made.elapsed() < CACHED_FOR => Some(answer.clone()),
            Some(_) => {
                answers.pop(&key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, district: &Option<String>, at: DateTime<Utc>, answer: &V) {
        if let Ok(mut answers) = self.answers.lock() {
            answers.put((district.clone(), at.timestamp()), (Instant::now(), answer.clone()));
        }
    }
}

/// The replay caches of the screens that replay.
#[derive(Default)]
pub struct Replays {
    pub realtime: Cache<super::answers::Realtime>,
    pub state: Cache<super::answers::CityState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn replay_times_are_bounded_and_the_public_gets_minutes() {
        let now = at("2026-12-07T06:00:00Z");
        let office = replay_time("2026-12-06T15:00:30+09:00", now, 30, Viewer::Office).expect("office");
        assert_eq!(office, at("2026-12-06T06:00:30Z"));
        let public = replay_time("2026-12-06T15:00:30+09:00", now, 30, Viewer::Public).expect("public");
        assert_eq!(public, at("2026-12-06T06:00:00Z"));
        let err = |t| replay_time(t, now, 30, Viewer::Office).expect_err("refused").to_string();
        assert!(err("2026-12-08T00:00:00Z").contains("future"));
        assert!(err("2026-10-01T00:00:00Z").contains("30 days"));
        assert!(err("yesterday 3pm").contains("RFC 3339"));
    }

    #[test]
    fn a_cached_answer_is_per_district_and_minute() {
        let cache: Cache<u32> = Cache::default();
        let t = at("2026-12-06T06:00:00Z");
        cache.put(&None, t, &7);
        assert_eq!(cache.get(&None, t), Some(7));
        assert_eq!(cache.get(&Some("11680".into()), t), None);
        assert_eq!(cache.get(&None, t + Duration::minutes(1)), None);
    }
}
