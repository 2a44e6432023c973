//! The command pipeline for text: language → matcher → resolver → [`Answer`], the JSON contract
//! of `scpm ask --json` and `POST /api/commands`. Speech and gestures end up here too.

use crate::action::Action;
use crate::city::City;
use crate::grammar::{Grammar, GrammarError, LANGS};
use crate::index::CityIndex;
use crate::intent::{Intent, Matcher, Outcome};
use crate::resolve::{Context, ResolveError, Resolver};
use crate::text::is_hangul;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Answer {
    pub utterance: String,
    pub lang: String,
    pub understood: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub intent: Option<String>,
    pub slots: BTreeMap<String, String>,
    pub confidence: f32,
    pub actions: Vec<Action>,
    /// The grammar sentence that matched ("file: template"), for the audit and the voice path.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub matched: String,
}

impl Answer {
    /// An answer with nothing understood (yet), for `text` in `lang`.
    pub fn not_understood(text: &str, lang: &str, reason: Option<String>) -> Answer {
        Answer {
            utterance: text.to_string(),
            lang: lang.to_string(),
            understood: false,
            reason,
            intent: None,
            slots: BTreeMap::new(),
            confidence: 0.0,
            actions: Vec::new(),
            matched: String::new(),
        }
    }
}

/// What an input that is neither speech nor text means: a gesture on the screen shown, a touch
/// on the wall.
#[derive(Debug, Clone, PartialEq)]
pub enum Meaning {
    /// Nothing here (a point that only moves the cursor).
    Nothing,
    /// The wall's own moves (select, pan, listen), with a name for the audit.
    Wall(String, Vec<Action>),
    /// A command's intent, resolved as a spoken one is.
    Command(Intent),
}

/// What a meaning came to: the intent's name, its actions, and why there are none when it was
/// refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Acted {
    pub intent: String,
    pub actions: Vec<Action>,
    pub refused: Option<String>,
}

pub struct Commands {
    matchers: Vec<Matcher>,
    pub confirm_calls: bool,
    /// How far back replay goes (`history.keep_days`): an older time is refused, not shown empty.
    pub history_days: u32,
    /// How many intents were resolved (every modality's, through [`Commands::resolve`]).
    resolved: std::sync::atomic::AtomicU64,
}

/// Korean if the text has any Hangul, else English.
pub fn detect_language(text: &str) -> &'static str {
    // Korean, unless a Korean word sits inside a mostly English sentence ("Pull up the 민원
    // list"); a few English words inside Korean stay Korean ("강서 air quality 좀").
    let words = text.split_whitespace();
    let hangul = words.clone().filter(|w| w.chars().any(is_hangul)).count();
    let latin = words.filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()) && !w.chars().any(is_hangul)).count();
    if hangul > 0 && hangul * 2 >= latin {
        "ko"
    } else {
        "en"
    }
}

impl Commands {
    pub fn load(city: &City, grammar_dir: &Path, confirm_calls: bool) -> Result<Commands, GrammarError> {
        Commands::load_langs(city, grammar_dir, LANGS, confirm_calls)
    }

    /// The grammars of `langs` only (an imported grammar may have one language).
    pub fn load_langs(
        city: &City,
        grammar_dir: &Path,
        langs: &[&str],
        confirm_calls: bool,
    ) -> Result<Commands, GrammarError> {
        let matchers = langs
            .iter()
            .map(|lang| Grammar::load(grammar_dir, lang).map(|g| Matcher::new(city, g)))
            .collect::<Result<_, _>>()?;
        let history_days = crate::config::HistoryConfig::default().keep_days;
        Ok(Commands { matchers, confirm_calls, history_days, resolved: Default::default() })
    }

    pub fn matcher(&self, lang: &str) -> Option<&Matcher> {
        self.matchers.iter().find(|m| m.lang() == lang)
    }

    /// Resolves an intent (a command said, typed or gestured) against the index and the
    /// conversation: the one way from an intent to actions.
    pub fn resolve(&self, index: &CityIndex, intent: &Intent, ctx: &mut Context) -> Result<Vec<Action>, ResolveError> {
        self.resolved.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Resolver { index, confirm_calls: self.confirm_calls, history_days: self.history_days }.resolve(intent, ctx)
    }

    /// The actions of what a gesture or a touch means; `None` when it does nothing here.
    pub fn act_on(&self, index: &CityIndex, meaning: Meaning, ctx: &mut Context) -> Option<Acted> {
        match meaning {
            Meaning::Nothing => None,
            Meaning::Wall(intent, actions) => Some(Acted { intent, actions, refused: None }),
            Meaning::Command(intent) => match self.resolve(index, &intent, ctx) {
                Ok(actions) if actions.is_empty() => None,
                Ok(actions) => Some(Acted { intent: intent.name, actions, refused: None }),
                Err(e) => Some(Acted { intent: intent.name, actions: Vec::new(), refused: Some(e.to_string()) }),
            },
        }
    }

    /// How many intents [`Commands::resolve`] has resolved since the start.
    pub fn resolutions(&self) -> u64 {
        self.resolved.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Understands and resolves one utterance. `lang` None detects the language.
    pub fn answer(&self, index: &CityIndex, text: &str, lang: Option<&str>, ctx: &mut Context) -> Answer {
        self.answer_as(index, text, lang, ctx, false)
    }

    /// Answers a spoken transcript: as typed text, but an English transcript that is not a
    /// command as a whole may be one with a word or few trimmed off its edges
    /// (`intent::spoken`).
    pub fn answer_spoken(&self, index: &CityIndex, text: &str, lang: Option<&str>, ctx: &mut Context) -> Answer {
        self.answer_as(index, text, lang, ctx, true)
    }

    fn answer_as(&self, index: &CityIndex, text: &str, lang: Option<&str>, ctx: &mut Context, spoken: bool) -> Answer {
        let reading = self.read(text, lang, spoken);
        self.answer_reading(index, reading, ctx)
    }

    /// What the matcher makes of `text` (`spoken`: an English transcript, see
    /// [`Commands::answer_spoken`]), before anything is resolved: the voice path reads every
    /// alternative a recognizer offers and resolves only the one it takes.
    pub fn read(&self, text: &str, lang: Option<&str>, spoken: bool) -> Reading {
        let lang = lang.unwrap_or_else(|| detect_language(text)).to_string();
        let Some(matcher) = self.matcher(&lang) else {
            let reason = format!("language `{lang}` is not supported; use ko or en");
            return Reading { text: text.into(), lang, outcome: not_understood(reason, 0.0), extra: false };
        };
        let outcome = if spoken && lang == "en" {
            crate::intent::spoken::parse_spoken(matcher, text)
        } else {
            matcher.parse(text)
        };
        let extra = matches!(&outcome, Outcome::Understood(i) if matcher.grammar().extra_intents.contains(&i.name));
        Reading { text: text.into(), lang, outcome, extra }
    }

    /// Resolves what was read: the answer with its actions, or why there are none.
    pub fn answer_reading(&self, index: &CityIndex, reading: Reading, ctx: &mut Context) -> Answer {
        let mut answer = Answer::not_understood(&reading.text, &reading.lang, None);
        match reading.outcome {
            Outcome::NotUnderstood { reason, score, .. } => {
                answer.reason = Some(reason);
                answer.confidence = score;
            }
            Outcome::Understood(intent) => {
                answer.intent = Some(intent.name.clone());
                answer.slots = intent.slots.clone();
                answer.confidence = intent.confidence;
                answer.matched = intent.matched.clone();
                if reading.extra {
                    // An imported grammar's intent (a benchmark's): understood, and nothing on
                    // the wall acts on it.
                    answer.understood = true;
                    return answer;
                }
                match self.resolve(index, &intent, ctx) {
                    Ok(actions) => {
                        answer.understood = true;
                        answer.actions = actions;
                    }
                    Err(e) => answer.reason = Some(e.to_string()),
                }
            }
        }
        answer
    }
}

fn not_understood(reason: String, score: f32) -> Outcome {
    Outcome::NotUnderstood { reason, closest: None, score }
}

/// What the matcher made of one text in one language, not yet resolved.
#[derive(Debug, Clone)]
pub struct Reading {
    pub text: String,
    pub lang: String,
    pub outcome: Outcome,
    /// An imported grammar's own intent: understood, and nothing on the wall acts on it.
    extra: bool,
}

impl Reading {
    /// The intent read, if any.
    pub fn intent(&self) -> Option<&Intent> {
        match &self.outcome {
            Outcome::Understood(intent) => Some(intent),
            Outcome::NotUnderstood { .. } => None,
        }
    }
}
