//! The mayor's pledges and their progress, from `data/pledges.toml` (hand-kept until the city's
//! pledge-tracking system is connected).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PledgeStatus {
    Done,
    OnTrack,
    Delayed,
    NotStarted,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pledge {
    pub id: String,
    pub title_ko: String,
    pub title_en: String,
    pub vision: String,
    /// Official id of the owning office.
    pub department: String,
    /// The indicator that measures it, or empty.
    #[serde(default)]
    pub indicator: String,
    /// "YYYY-MM".
    pub target_date: String,
    /// Percent complete, 0–100.
    pub progress: u8,
    pub status: PledgeStatus,
    /// "YYYY-MM" of the last progress report.
    pub as_of: String,
}

impl Pledge {
    /// Why the pledge is not self-consistent, if it is not (the ids are checked by the city).
    pub fn problem(&self) -> Option<String> {
        let month = |s: &str| {
            s.len() == 7
                && s.as_bytes()[4] == b'-'
                && s[..4].parse::<u16>().is_ok()
                && s[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        };
        if self.progress > 100 {
            return Some(format!("progress {} is above 100", self.progress));
        }
        if !month(&self.target_date) || !month(&self.as_of) {
            return Some("target_date and as_of must be YYYY-MM".into());
        }
        match (self.status, self.progress) {
            (PledgeStatus::Done, p) if p != 100 => Some(format!("status done with progress {p}, expected 100")),
            (PledgeStatus::NotStarted, p) if p != 0 => {
                Some(format!("status not_started with progress {p}, expected 0"))
            }
            _ => None,
        }
    }
}
