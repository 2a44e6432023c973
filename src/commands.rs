//! The command pipeline for text: language → matcher → resolver → [`Answer`], the JSON contract
//! of `scpm ask --json` and `POST /api/commands`. Speech and gestures end up here too.

use crate::action::Action;
use crate::city::City;
use crate::grammar::{Grammar, GrammarError, LANGS};
use crate::index::CityIndex;
use crate::intent::{Matcher, Outcome};
use crate::resolve::{Context, Resolver};
use crate::text::is_hangul;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize, PartialEq)]
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

pub struct Commands {
    matchers: Vec<Matcher>,
    pub confirm_calls: bool,
}

/// Korean if the text has any Hangul, else English.
pub fn detect_language(text: &str) -> &'static str {
    if text.chars().any(is_hangul) {
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
        Ok(Commands { matchers, confirm_calls })
    }

    pub fn matcher(&self, lang: &str) -> Option<&Matcher> {
        self.matchers.iter().find(|m| m.lang() == lang)
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
        let lang = lang.unwrap_or_else(|| detect_language(text)).to_string();
        let mut answer = Answer::not_understood(text, &lang, None);
        let Some(matcher) = self.matcher(&lang) else {
            answer.reason = Some(format!("language `{lang}` is not supported; use ko or en"));
            return answer;
        };
        let outcome = if spoken && lang == "en" {
            crate::intent::spoken::parse_spoken(matcher, text)
        } else {
            matcher.parse(text)
        };
        match outcome {
            Outcome::NotUnderstood { reason, score, .. } => {
                answer.reason = Some(reason);
                answer.confidence = score;
            }
            Outcome::Understood(intent) => {
                answer.intent = Some(intent.name.clone());
                answer.slots = intent.slots.clone();
                answer.confidence = intent.confidence;
                answer.matched = intent.matched.clone();
                if matcher.grammar().extra_intents.contains(&intent.name) {
                    // An imported grammar's intent (a benchmark's): understood, and nothing on
                    // the wall acts on it.
                    answer.understood = true;
                    return answer;
                }
                let resolver = Resolver { index, confirm_calls: self.confirm_calls };
                match resolver.resolve(&intent, ctx) {
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
