//! The resolver: an [`Intent`] plus the conversation so far → [`Action`]s.
//!
//! Entity slots are resolved through the index (the same resolution `scpm search` uses), so an
//! official's action carries the directory's current titles. The [`Context`] remembers what is on
//! the wall ("마포구는?" changes only the district), a call waiting for confirmation, the last
//! actions (for "repeat"), and whether a call is on the wall (a "thanks, bye" hangs up only then).

use crate::action::{Action, OfficialRef, TOPICS};
use crate::index::{CityIndex, IndexError};
use crate::intent::Intent;
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}")]
    NoContext(String),
    #[error("{0}")]
    Unknown(String),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// The longest search the wall runs (as `/api/search` allows).
const MAX_QUERY: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct Context {
    pub shown: Option<Action>,
    pub pending_call: Option<Action>,
    pub last: Vec<Action>,
    /// A call is on the wall (ringing, live, or waiting for a yes). Words that close a
    /// conversation — the commands with `fixed = { during = "call" }` — hang up only then;
    /// otherwise they are talk ("bye" to a visitor), not a command.
    pub in_call: bool,
    /// What the gesture cursor rests on (or rested on a moment ago): "show this", "call this one".
    pub pointed: Option<Pointed>,
}

/// A thing on the wall the cursor points at, as the wall page names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointed {
    /// "district", "cctv", "incident" or "official".
    pub kind: String,
    pub id: String,
    /// The district it is in, when the wall knows it (an incident's, a camera's).
    pub district: Option<String>,
}

impl Pointed {
    pub const KINDS: [&'static str; 4] = ["district", "cctv", "incident", "official"];

    /// "kind:id" or "kind:id@district", bounded and checked; the message names the problem.
    pub fn parse(text: &str) -> Result<Pointed, String> {
        let (kind, rest) = text.split_once(':').ok_or_else(|| format!("`{text}` is not kind:id"))?;
        if !Pointed::KINDS.contains(&kind) {
            return Err(format!("`{kind}` is not one of {}", Pointed::KINDS.join(", ")));
        }
        let (id, district) = match rest.split_once('@') {
            Some((id, d)) => (id, Some(d)),
            None => (rest, None),
        };
        let fine =
            |s: &str| (1..=100).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !fine(id) || !district.is_none_or(|d| d.len() == 5 && d.chars().all(|c| c.is_ascii_digit())) {
            return Err(format!(
                "`{rest}` is not an id (1–100 letters, digits, - _ .) with an optional @district code"
            ));
        }
        Ok(Pointed { kind: kind.into(), id: id.into(), district: district.map(String::from) })
    }
}

/// The past time a replay shows: a wall's own time (`at`, RFC 3339, from the time slider), or an
/// hour (`clock`, 0–23, Seoul) on a day (`period`: today or yesterday). An hour alone is the
/// latest such hour that has passed; a day alone is this time of that day.
pub fn replay_time(
    at: &Option<String>,
    clock: &Option<String>,
    day: &Option<String>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ResolveError> {
    let refuse = |why: &str| Err(ResolveError::NoContext(why.into()));
    if let Some(at) = at {
        let at = DateTime::parse_from_rfc3339(at)
            .map_err(|e| ResolveError::Unknown(format!("replay time `{at}` is not RFC 3339 ({e})")))?;
        let at = at.with_timezone(&Utc);
        return if at > now { refuse("that time has not come yet: replay shows the past") } else { Ok(at) };
    }
    let seoul = FixedOffset::east_opt(9 * 3600).ok_or_else(|| ResolveError::Unknown("no Seoul time zone".into()))?;
    let today = now.with_timezone(&seoul).date_naive();
    let hour = match clock.as_deref().map(str::parse::<u32>) {
        None => None,
        Some(Ok(h)) if h < 24 => NaiveTime::from_hms_opt(h, 0, 0),
        Some(_) => {
            return Err(ResolveError::Unknown(format!(
                "`{}` is not an hour (0–23)",
                clock.as_deref().unwrap_or_default()
            )))
        }
    };
    let on = |day: chrono::NaiveDate, time: NaiveTime| {
        seoul.from_local_datetime(&day.and_time(time)).single().map(|t| t.with_timezone(&Utc))
    };
    let yesterday = today - Duration::days(1);
    let at = match (day.as_deref(), hour) {
        (None, None) => return refuse("replay needs a time: say an hour, like “3 pm yesterday”"),
        (None, Some(h)) => on(today, h).filter(|t| *t <= now).or_else(|| on(yesterday, h)),
        (Some("today"), Some(h)) => match on(today, h) {
            Some(t) if t > now => return refuse("that hour has not come yet today: replay shows the past"),
            t => t,
        },
        (Some("yesterday"), Some(h)) => on(yesterday, h),
        (Some("yesterday"), None) => Some(now - Duration::days(1)),
        (Some("today"), None) => return refuse("replay needs an hour of today, like “9 am today”"),
        (Some(_), _) => return refuse("replay goes to an hour of today or yesterday, like “3 pm yesterday”"),
    };
    at.ok_or_else(|| ResolveError::Unknown("that hour does not exist in Seoul time".into()))
}

/// An hour said bare ("11시", "at 11") is office hours (1–6 the afternoon, 7–11 the morning),
/// unless the day was said with its part: "어젯밤 11시", "last night at 11" is 23:00, "this
/// morning at 3"… is 03:00. `period` and `clock` are the words heard, `hour` the clock's value.
fn part_of_day(period: &str, clock: &str, hour: &str) -> String {
    let said = |words: &[&str], text: &str| words.iter().any(|w| text.to_lowercase().contains(w));
    const MARKED: &[&str] = &[
        "am",
        "pm",
        "a.m",
        "p.m",
        "오전",
        "오후",
        "아침",
        "저녁",
        "밤",
        "새벽",
        "morning",
        "evening",
        "night",
        "afternoon",
        "noon",
        "정오",
        "자정",
        ":",
    ];
    const LATE: &[&str] = &["밤", "저녁", "night", "evening", "tonight"];
    const EARLY: &[&str] = &["아침", "새벽", "morning"];
    let Ok(h) = hour.parse::<u32>() else { return hour.to_string() };
    if said(MARKED, clock) {
        return hour.to_string();
    }
    match h {
        1..=11 if said(LATE, period) => (h + 12).to_string(),
        13..=18 if said(EARLY, period) => (h - 12).to_string(),
        _ => hour.to_string(),
    }
}

pub struct Resolver<'a> {
    pub index: &'a CityIndex,
    /// Calls wait for a "yes" before they are placed.
    pub confirm_calls: bool,
    /// How far back replay goes (`history.keep_days`).
    pub history_days: u32,
}

impl Resolver<'_> {
    /// The index's record of a spotted entity (its current names, department, …).
    fn entity(&self, intent: &Intent, slot: &str) -> Result<Option<serde_json::Value>, ResolveError> {
        let Some(id) = intent.slots.get(slot) else { return Ok(None) };
        match self.index.get(slot, id)? {
            Some(hit) => Ok(Some(hit.data)),
            None => Err(ResolveError::Unknown(format!("{slot} `{id}` is not in the index; run `scpm index build`"))),
        }
    }

    pub fn resolve(&self, intent: &Intent, ctx: &mut Context) -> Result<Vec<Action>, ResolveError> {
        let slot = |name: &str| intent.slots.get(name).cloned();
        let fixed = |name: &str| {
            slot(name).ok_or_else(|| ResolveError::Unknown(format!("command `{}` lacks slot `{name}`", intent.name)))
        };
        // A value of the few the wall knows (a spoken command's always is; a touch's is checked).
        let one_of = |name: &str, allowed: &[&str]| {
            let value = fixed(name)?;
            if allowed.contains(&value.as_str()) {
                return Ok(value);
            }
            let wanted = allowed.join(", ");
            Err(ResolveError::Unknown(format!("`{value}` is not a {name} of `{}`; use one of {wanted}", intent.name)))
        };
        if intent.slots.contains_key("district") {
            // Checked against the city (a touch names districts by code).
            self.entity(intent, "district")?;
        }
        let district = match (slot("district"), self.entity(intent, "neighbourhood")?) {
            (Some(d), _) => Some(d),
            (None, Some(n)) => n["district"].as_str().map(String::from),
            (None, None) => None,
        };
        let actions = match intent.name.as_str() {
            "show_topic" => {
                let topic = fixed("topic")?;
                if !TOPICS.contains(&topic.as_str()) {
                    return Err(ResolveError::Unknown(format!("topic `{topic}` is not one of {}", TOPICS.join(", "))));
                }
                let mut show = Action::show(&topic);
                if let Action::Show { district: d, period, neighbourhood, focus, .. } = &mut show {
                    *d = district;
                    *period = slot("period");
                    *neighbourhood = slot("neighbourhood");
                    *focus = slot("focus");
                }
                vec![show]
            }
            "show_indicator" => {
                let data = self
                    .entity(intent, "indicator")?
                    .ok_or_else(|| ResolveError::Unknown("which indicator?".into()))?;
                let mut show = Action::show("indicators");
                if let Action::Show {
                    district: d,
                    indicator,
                    indicator_name_en,
                    period,
                    age_group,
                    gender,
                    compare,
                    ..
                } = &mut show
                {
                    *d = district;
                    *indicator = data["id"].as_str().map(String::from);
                    *indicator_name_en = data["name_en"].as_str().map(String::from);
                    *period = slot("period");
                    *age_group = slot("age_group");
                    *gender = slot("gender");
                    *compare = slot("compare");
                }
                vec![show]
            }
            "follow_up" => {
                let Some(Action::Show { .. }) = &ctx.shown else {
                    return Err(ResolveError::NoContext(
                        "nothing is on the wall yet to change; say what to show".into(),
                    ));
                };
                let mut show = ctx.shown.clone().unwrap_or_else(|| Action::show("overview"));
                if let Action::Show { district: d, neighbourhood, .. } = &mut show {
                    if district.is_some() {
                        *d = district;
                        *neighbourhood = slot("neighbourhood");
                    }
                }
                vec![show]
            }
            "search" => {
                let query = fixed("query")?;
                if query.chars().count() > MAX_QUERY {
                    return Err(ResolveError::Unknown(format!("a search is at most {MAX_QUERY} characters")));
                }
                vec![Action::Search { query, kind: slot("kind"), district }]
            }
            "incident_detail" => {
                let mut show = Action::show(&slot("topic").unwrap_or_else(|| "incidents".into()));
                if let Action::Show { focus, district: d, .. } = &mut show {
                    *focus = Some(slot("focus").unwrap_or_else(|| "latest".into()));
                    *d = district;
                }
                vec![show]
            }
            "call" => {
                let data =
                    self.entity(intent, "official")?.ok_or_else(|| ResolveError::Unknown("call whom?".into()))?;
                let text = |k: &str| data[k].as_str().unwrap_or_default().to_string();
                let official = OfficialRef {
                    id: text("id"),
                    title_ko: text("title_ko"),
                    title_en: text("title_en"),
                    department_en: text("department_en"),
                };
                let call = Action::Call { official, needs_confirmation: self.confirm_calls };
                if self.confirm_calls {
                    ctx.pending_call = Some(call.clone());
                }
                vec![call]
            }
            // "Yes" answers a question; with none waiting, it is talk (or a thumbs up to the
            // room), and a wall that said "done" to it would have done nothing.
            "confirm" => match ctx.pending_call.take() {
                Some(Action::Call { official, .. }) => {
                    vec![Action::Confirm, Action::Call { official, needs_confirmation: false }]
                }
                _ => {
                    return Err(ResolveError::NoContext(
                        "a “yes”, and nothing is waiting for a yes or no (a call asks first: “call the director of transportation”)".into(),
                    ))
                }
            },
            // "No" answers a question; with none waiting, it is talk, not a command.
            "deny" if ctx.pending_call.is_none() => {
                return Err(ResolveError::NoContext(
                    "a “no”, and nothing is waiting for a yes or no (say “cancel” to undo)".into(),
                ));
            }
            "deny" | "cancel" => {
                ctx.pending_call = None;
                vec![Action::Cancel]
            }
            "hang_up" if slot("during").as_deref() == Some("call") && !ctx.in_call => {
                return Err(ResolveError::NoContext(
                    "words that end a call, and no call is in progress (say “hang up” to end one)".into(),
                ));
            }
            "hang_up" => vec![Action::HangUp],
            "mute" => vec![Action::Mute],
            "unmute" => vec![Action::Unmute],
            "volume" => vec![Action::Volume { direction: one_of("direction", &["up", "down"])? }],
            "navigate" => {
                vec![Action::Navigate { to: one_of("to", &["home", "back", "next", "previous", "up", "down"])? }]
            }
            "zoom" => vec![Action::Zoom { direction: one_of("direction", &["in", "out"])? }],
            "layout" => vec![Action::Layout { mode: one_of("mode", &["full_screen", "split", "close", "single"])? }],
            "help" => vec![Action::Help],
            "repeat" => {
                if ctx.last.is_empty() {
                    return Err(ResolveError::NoContext("there is nothing to repeat yet".into()));
                }
                return Ok(ctx.last.clone());
            }
            "undo" => vec![Action::Undo],
            "lock" => vec![Action::Lock],
            // Anyone in the room can say it, touch it or make the gesture: the PIN typed on the
            // wall unlocks it (`POST /api/unlock`), nothing else.
            "unlock" => {
                return Err(ResolveError::NoContext(
                    "the wall unlocks only with the PIN typed on it (words or gestures anyone in the room can make do not)".into(),
                ))
            }
            "public_mode" => vec![Action::PublicMode],
            "show_this" | "call_this" => {
                let Some(pointed) = ctx.pointed.clone() else {
                    return Err(ResolveError::NoContext(
                        "nothing is pointed at: point at a district, a camera, an incident or an official on the wall, then say it".into(),
                    ));
                };
                let mut meant = intent.clone();
                meant.slots.clear();
                match (intent.name.as_str(), pointed.kind.as_str()) {
                    (_, "official") => {
                        meant.name = "call".into();
                        meant.slots.insert("official".into(), pointed.id);
                    }
                    ("call_this", _) => {
                        return Err(ResolveError::NoContext(
                            "that is not a person: point at an official in the wall's panel of officials, then say “call this one”".into(),
                        ))
                    }
                    (_, kind) => {
                        meant.name = "show_topic".into();
                        let topic = match kind {
                            "cctv" => "cctv".to_string(),
                            "incident" => "incidents".to_string(),
                            // A district: the topic on the wall now, there.
                            _ => match &ctx.shown {
                                Some(Action::Show { topic, indicator: None, .. }) => topic.clone(),
                                _ => "overview".to_string(),
                            },
                        };
                        meant.slots.insert("topic".into(), topic);
                        let district = if kind == "district" { Some(pointed.id.clone()) } else { pointed.district };
                        if let Some(d) = district {
                            meant.slots.insert("district".into(), d);
                        }
                        if kind != "district" {
                            meant.slots.insert("focus".into(), pointed.id);
                        }
                    }
                }
                return self.resolve(&meant, ctx);
            }
            "replay" => {
                let now = Utc::now();
                let said = |name: &str| intent.slot_text.get(name).map(String::as_str).unwrap_or_default();
                let clock = slot("clock").map(|c| part_of_day(said("period"), said("clock"), &c));
                let at = replay_time(&slot("at"), &clock, &slot("period"), now)?;
                if at < now - Duration::days(i64::from(self.history_days)) {
                    return Err(ResolveError::NoContext(format!(
                        "replay goes back {} days (history.keep_days); that time is before",
                        self.history_days
                    )));
                }
                vec![Action::Replay { at }]
            }
            "live" => vec![Action::Live],
            "switch_language" => vec![Action::SwitchLanguage { to: one_of("language", &["ko", "en"])? }],
            other => return Err(ResolveError::Unknown(format!("intent `{other}` has no resolution"))),
        };
        if let Some(show @ Action::Show { .. }) = actions.iter().rev().find(|a| matches!(a, Action::Show { .. })) {
            ctx.shown = Some(show.clone());
        }
        ctx.last = actions.clone();
        Ok(actions)
    }
}

#[cfg(test)]
mod tests {
    use super::part_of_day;

    #[test]
    fn a_bare_hour_takes_the_part_of_the_day_said_with_the_day() {
        assert_eq!(part_of_day("어젯밤", "11시", "11"), "23");
        assert_eq!(part_of_day("last night", "11", "11"), "23");
        assert_eq!(part_of_day("어제", "11시", "11"), "11", "office hours");
        assert_eq!(part_of_day("last night", "11 pm", "23"), "23");
        assert_eq!(part_of_day("어젯밤", "오전 2시", "2"), "2", "the hour says its own part");
        assert_eq!(part_of_day("this morning", "3 o'clock", "15"), "3");
    }
}
