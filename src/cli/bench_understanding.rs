//! `scpm bench understanding --set FILE.tsv`: how well typed (or transcribed) requests are
//! understood, on a set of natural requests written by someone who has not read the grammars.
//! One row per line, `lang<TAB>utterance<TAB>expected`; `expected` is
//! `show:TOPIC[:DISTRICT_CODE][:indicator-id-substring]`, `call:OFFICIAL-ID-SUBSTRING`,
//! `navigate:next|back|home`, `zoom:in|out`, `cancel`, `confirm`, `hang_up`, `mute`, `unmute`,
//! `help`, or `none` (must not act). Each row is answered by the same `Commands::answer` as
//! `scpm ask` and `POST /api/commands`, from a fresh conversation.

use anyhow::{bail, Context as _, Result};
use scpm::action::{Action, OfficialRef};
use scpm::city::City;
use scpm::commands::{Answer, Commands};
use scpm::config::Config;
use scpm::index::CityIndex;
use scpm::resolve::Context;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// What a row expects.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    Show {
        topic: String,
        district: Option<String>,
        indicator: Option<String>,
    },
    Call(String),
    /// An action with no argument, or with one (`navigate:next`, `zoom:in`), by its JSON form.
    Simple {
        kind: String,
        arg: Option<String>,
    },
    None,
}

fn parse_expected(text: &str) -> Result<Expected> {
    let parts: Vec<&str> = text.split(':').collect();
    let field = |i: usize| parts.get(i).map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
    Ok(match parts[0] {
        "show" => Expected::Show {
            topic: field(1).context("show: needs a topic (show:TOPIC)")?,
            district: field(2),
            indicator: field(3),
        },
        "call" => Expected::Call(field(1).context("call: needs an official's id (call:ID)")?),
        "none" => Expected::None,
        "navigate" | "zoom" => Expected::Simple { kind: parts[0].to_string(), arg: field(1) },
        "cancel" | "confirm" | "hang_up" | "mute" | "unmute" | "help" | "replay" | "live" => {
            Expected::Simple { kind: parts[0].to_string(), arg: None }
        }
        other => bail!("`{other}` is not an expected answer (show, call, navigate, zoom, cancel, confirm, hang_up, mute, unmute, help, replay, live, none)"),
    })
}

/// Whether the answer did what the row expects.
fn meets(expected: &Expected, answer: &Answer) -> bool {
    if !answer.understood || answer.actions.is_empty() {
        return matches!(expected, Expected::None);
    }
    answer.actions.iter().any(|action| match (expected, action) {
        (Expected::Show { topic, district, indicator }, Action::Show { topic: t, district: d, indicator: i, .. }) => {
            t == topic
                && district.as_ref().is_none_or(|want| d.as_ref() == Some(want))
                && indicator.as_ref().is_none_or(|want| i.as_ref().is_some_and(|i| i.contains(want.as_str())))
        }
        (Expected::Call(id), Action::Call { official, .. }) => official.id.contains(id.as_str()),
        (Expected::Simple { kind, arg }, action) => {
            let json = serde_json::to_value(action).unwrap_or_default();
            let argument =
                json.as_object().and_then(|o| o.iter().find(|(k, _)| *k != "type")).and_then(|(_, v)| v.as_str());
            // "back" is said for both the last screen and the previous page.
            let arg_ok = match (arg.as_deref(), argument) {
                (None, _) => true,
                (Some("back"), Some(a)) => a == "back" || a == "previous",
                (Some(want), Some(a)) => a == want,
                (Some(_), None) => false,
            };
            json["type"] == kind.as_str() && arg_ok
        }
        _ => false,
    })
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// A call the wall has asked about ("Call the director of transportation?"), as a `confirm`
/// row finds it.
fn a_call_waiting(city: &City) -> Option<Action> {
    let official = city.officials.first()?;
    let official = OfficialRef {
        id: official.id.clone(),
        title_ko: official.title_ko.clone(),
        title_en: official.title_en.clone(),
        department_en: official.department_en.clone(),
    };
    Some(Action::Call { official, needs_confirmation: true })
}

/// What the answer did, for a miss.
fn described(answer: &Answer) -> String {
    if !answer.understood {
        return format!("not understood: {}", answer.reason.as_deref().unwrap_or_default());
    }
    format!(
        "{} {}",
        answer.intent.as_deref().unwrap_or_default(),
        serde_json::to_string(&answer.actions).unwrap_or_default()
    )
}

pub fn run(config: &Config, index: CityIndex, set: &Path, json: bool) -> Result<()> {
    let text = std::fs::read_to_string(set).with_context(|| format!("cannot read {}", set.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [lang, utterance, expected] = fields[..] else {
            bail!("{}:{}: want lang<TAB>utterance<TAB>expected, found {} fields", set.display(), n + 1, fields.len());
        };
        if !scpm::grammar::LANGS.contains(&lang) {
            bail!("{}:{}: language `{lang}`; use ko or en", set.display(), n + 1);
        }
        let expected = parse_expected(expected).with_context(|| format!("{}:{}", set.display(), n + 1))?;
        rows.push((lang.to_string(), utterance.to_string(), expected));
    }
    let city = City::load(&config.paths.data_dir)?;
    let commands = Commands::load(&city, &config.paths.grammars, config.commands.confirm_calls)?;
    // (right, commands) per language; (acted, talk) for `none` rows.
    let mut per_lang: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut false_accepts, mut talk) = (0usize, 0usize);
    let mut times = Vec::new();
    let mut misses = Vec::new();
    let mut slowest: Vec<(f64, &str)> = Vec::new();
    for (lang, utterance, expected) in &rows {
        let started = Instant::now();
        // A yes is said to a question: a `confirm` row is asked while a call waits for one (and
        // every other row with nothing waiting, where a yes is talk).
        let mut ctx = Context::default();
        if matches!(expected, Expected::Simple { kind, .. } if kind == "confirm") {
            ctx.pending_call = a_call_waiting(&city);
        }
        let answer = commands.answer(&index, utterance, Some(lang), &mut ctx);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        slowest.push((started.elapsed().as_secs_f64() * 1000.0, utterance.as_str()));
        let ok = meets(expected, &answer);
        if *expected == Expected::None {
            talk += 1;
            if !ok {
                false_accepts += 1;
                misses.push(format!("false accept [{lang}] {utterance} → {}", described(&answer)));
            }
            continue;
        }
        let tally = per_lang.entry(lang.clone()).or_default();
        tally.1 += 1;
        if ok {
            tally.0 += 1;
        } else {
            misses.push(format!("miss [{lang}] {utterance} (want {expected:?}) → {}", described(&answer)));
        }
    }
    let rate = |(right, all): (usize, usize)| if all > 0 { right as f64 / all as f64 } else { f64::NAN };
    let fa = rate((false_accepts, talk));
    let (p50, p99) = (percentile(&mut times, 0.5), percentile(&mut times, 0.99));
    if !json {
        for m in &misses {
            println!("{m}");
        }
        for (lang, tally) in &per_lang {
            println!("{lang}: {:.1}% understood ({} of {})", rate(*tally) * 100.0, tally.0, tally.1);
        }
        println!("false accepts: {:.1}% ({false_accepts} of {talk} lines of talk)", fa * 100.0);
        println!("time per utterance (matcher and resolver): p50 {p50:.2} ms, p99 {p99:.2} ms");
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        let named: Vec<String> = slowest.iter().take(3).map(|(ms, u)| format!("{ms:.2} ms \"{u}\"")).collect();
        println!("slowest: {}", named.join(", "));
    } else {
        for m in &misses {
            println!("{}", serde_json::json!({ "miss": m }));
        }
    }
    let accuracy: serde_json::Map<String, serde_json::Value> =
        per_lang.iter().map(|(lang, t)| (lang.clone(), serde_json::json!(rate(*t)))).collect();
    if json {
        println!(
            "{}",
            serde_json::json!({"accuracy": accuracy, "false_accepts": fa, "p50_ms": p50, "p99_ms": p99, "rows": rows.len()})
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_answers_parse_and_bad_ones_are_named() {
        assert_eq!(
            parse_expected("show:indicators::youth").ok(),
            Some(Expected::Show { topic: "indicators".into(), district: None, indicator: Some("youth".into()) })
        );
        assert_eq!(parse_expected("call:mayor").ok(), Some(Expected::Call("mayor".into())));
        assert_eq!(parse_expected("none").ok(), Some(Expected::None));
        let err = parse_expected("dance").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("`dance`"), "{err}");
    }
}
