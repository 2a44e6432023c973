//! Which of two readings a person means when a name is both a wall topic's everyday word and an
//! indicator's name ("미세먼지", "citizen proposals"): the topic's screen, unless a figure is
//! asked for ("미세먼지 연평균 얼마야", "how many citizen proposals"); and when asked about now
//! ("영등포 미세먼지 지금 얼마나 나와?"), the real-time screen even with a figure word.

use super::names::{span, Cue};
use super::spot::Span;
use super::{measures, Intent, Matcher};
use crate::text::{compact, normalize};
use std::collections::BTreeMap;

/// Topics of the real-time screen: what "now" is asked of.
const REAL_TIME: &[&str] = &["air_quality", "traffic", "transit", "incidents", "weather", "water", "hospitals", "cctv"];

/// Words that ask how something changed over time: the indicator's series, not the screen
/// ("is fine dust getting worse in Dongdaemun", "미세먼지 작년보다 나빠졌어?").
const CHANGE: &[&str] = &[
    "worse",
    "better",
    "improving",
    "improved",
    "worsening",
    "changed",
    "change",
    "trend",
    "since",
    "compared",
    "나빠졌",
    "나아졌",
    "좋아졌",
    "늘었",
    "줄었",
    "변화",
    "추이",
    "작년보다",
    "비교",
];

/// Words that ask about now (they may be skip words, so they are looked for in the text).
const NOW: &[&str] = &["지금", "현재", "실시간", "당장", "now", "currently", "live", "today", "tonight", "오늘"];

/// `intent` as the speaker means it: a `show_indicator` whose indicator was said as a topic's
/// everyday word becomes that topic's screen (same place and time), as described above.
pub(super) fn prefer(m: &Matcher, text: &str, words: &[&str], intent: Intent) -> Intent {
    if intent.name != "show_indicator" {
        return intent;
    }
    let Some(said) = intent.slot_text.get("indicator") else { return intent };
    let said = compact(said);
    let topic = m.names.find(words).into_iter().find_map(|h| match h.cue {
        Cue::Topic(t) if compact(&h.text) == said && h.rest.is_empty() => Some(t),
        _ => None,
    });
    let Some(topic) = topic else { return intent };
    let change = words.iter().any(|w| {
        let w = compact(w);
        CHANGE.iter().any(|c| if c.is_ascii() { w == *c } else { w.starts_with(c) })
    });
    if change {
        return intent;
    }
    let figure = words.iter().any(|w| measures::figure(m.lang(), w));
    let now = normalize(text).split(|c: char| !c.is_alphanumeric()).any(|w| NOW.contains(&w));
    if figure && !(now && REAL_TIME.contains(&topic.as_str())) {
        return intent;
    }
    let spans: Vec<Span> = intent
        .slots
        .iter()
        .filter(|(slot, _)| slot.as_str() != "indicator")
        .map(|(slot, value)| {
            let heard = intent.slot_text.get(slot).map_or(value.as_str(), String::as_str);
            span(0, slot, value, heard)
        })
        .collect();
    let fixed = BTreeMap::from([("topic".to_string(), topic)]);
    match m.names.command(m, "show_topic", &fixed, spans) {
        Some(mut shown) => {
            shown.confidence = shown.confidence.max(intent.confidence.min(0.9));
            shown.matched = format!("{} (“{said}” is the topic's word: the screen, not the indicator)", intent.matched);
            shown
        }
        None => intent,
    }
}
