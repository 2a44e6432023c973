//! Commands as data: `grammars/<lang>/_common.toml` (skip words, expansion rules, slot lists)
//! and one file per domain (`grammars/ko/air_quality.toml`, …), each command with its templates
//! and the example sentences that are its tests.
//!
//! A command file looks like:
//! ```toml
//! [[command]]
//! intent = "show_topic"
//! fixed = { topic = "air_quality" }
//! templates = ["[{district}] (미세먼지|대기질) <show>"]
//! examples = [{ text = "강남구 미세먼지 보여줘", slots = { district = "11680" } }]
//! ```
//! Slots filled from the city data: `district`, `neighbourhood`, `indicator`, `official`;
//! from `_common.toml` lists: any list name (`period`, `age_group`, `gender`, …); `query` is
//! free text.

pub mod phrases;
pub mod rhino;
pub mod template;
pub mod words;

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use template::{Node, Piece, TemplateError};

/// Every intent the resolver knows. A command file naming another is an error.
pub const INTENTS: &[&str] = &[
    "show_topic",
    "show_indicator",
    "follow_up",
    "search",
    "incident_detail",
    "call",
    "hang_up",
    "mute",
    "unmute",
    "volume",
    "navigate",
    "zoom",
    "layout",
    "help",
    "repeat",
    "undo",
    "cancel",
    "confirm",
    "deny",
    "lock",
    "public_mode",
    "unlock",
    "switch_language",
    "replay",
    "live",
    "show_this",
    "call_this",
];

/// Slots whose values come from the city data rather than from `_common.toml`.
pub const CITY_SLOTS: &[&str] = &["district", "neighbourhood", "indicator", "official"];
/// The free-text slot.
pub const QUERY_SLOT: &str = "query";
/// Most sentences one template may stand for (the Korean recognizer gets them all).
pub const EXPANSION_LIMIT: usize = 20_000;

pub const LANGS: &[&str] = &["ko", "en"];

#[derive(Debug, thiserror::Error)]
pub enum GrammarError {
    #[error("cannot read grammar {path}: {source}; the grammars are part of scpm: set `paths.grammars` in scpm.toml (a relative path is relative to the config file), or SCPM_SHARE to the folder that holds grammars/")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("grammar {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("grammar {path}, command `{intent}`, template `{template}`: {source}")]
    Template { path: PathBuf, intent: String, template: String, source: TemplateError },
    #[error("no grammar for language `{0}`; languages: ko, en")]
    Language(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListValue {
    /// What people say.
    pub words: Vec<String>,
    /// What the slot is set to.
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonFile {
    /// Intents beyond the city's own, for grammars imported from other products (the resolver
    /// does not act on them; the matcher and benchmarks do).
    #[serde(default)]
    intents: Vec<String>,
    #[serde(default)]
    skip_words: Vec<String>,
    /// How a recognizer is primed for this grammar: a line in the style of its sentences
    /// (Whisper's initial prompt).
    #[serde(default)]
    prompt: String,
    /// How a name said alone is asked for ("Nowon population by age"): `{}` is what was said.
    #[serde(default)]
    bare_request: String,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    lists: BTreeMap<String, Vec<ListValue>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub text: String,
    /// Expected slot values after matching (district code, indicator id, official id, list value,
    /// or the query text). Fixed slots need not be repeated.
    #[serde(default)]
    pub slots: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandDef {
    pub intent: String,
    #[serde(default)]
    pub fixed: BTreeMap<String, String>,
    pub templates: Vec<String>,
    pub examples: Vec<Example>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandFile {
    command: Vec<CommandDef>,
}

/// One command of a grammar, with its parsed templates and the file it came from.
#[derive(Debug, Clone)]
pub struct Command {
    pub def: CommandDef,
    pub file: String,
    pub templates: Vec<Node>,
}

/// A language's whole grammar.
#[derive(Debug, Clone)]
pub struct Grammar {
    pub lang: String,
    pub skip_words: Vec<String>,
    pub rules: HashMap<String, Node>,
    pub lists: BTreeMap<String, Vec<ListValue>>,
    pub commands: Vec<Command>,
    /// Intents this grammar adds to the city's (`intents` in `_common.toml`).
    pub extra_intents: Vec<String>,
    /// A line in the style of the grammar's sentences that primes a recognizer (`prompt` in
    /// `_common.toml`; may be empty).
    pub prompt: String,
    /// A request that names what to see and no action ("Nowon population by age", "서초구 노인
    /// 인구") is read as this sentence, `{}` standing for what was said (`bare_request` in
    /// `_common.toml`; empty: such requests are refused with a hint).
    pub bare_request: String,
    /// Everyday words for topics, roles and calls (`_words.toml`, see [`words`]).
    pub words: words::Words,
}

fn read(path: &Path) -> Result<String, GrammarError> {
    std::fs::read_to_string(path).map_err(|source| GrammarError::Read { path: path.to_path_buf(), source })
}

/// A `_words.toml`; a missing one has no words.
fn read_words(path: &Path) -> Result<words::Words, GrammarError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| invalid(path, e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(words::Words::default()),
        Err(source) => Err(GrammarError::Read { path: path.to_path_buf(), source }),
    }
}

fn invalid(path: &Path, message: impl Into<String>) -> GrammarError {
    GrammarError::Invalid { path: path.to_path_buf(), message: message.into() }
}

impl Grammar {
    /// Loads `dir/<lang>/`: `_common.toml`, `_words.toml` if there is one, and every other
    /// `*.toml` (files whose name starts with `_` are not command files), in name order.
    pub fn load(dir: &Path, lang: &str) -> Result<Grammar, GrammarError> {
        if !LANGS.contains(&lang) {
            return Err(GrammarError::Language(lang.to_string()));
        }
        let base = dir.join(lang);
        let common_path = base.join("_common.toml");
        let common: CommonFile =
            toml::from_str(&read(&common_path)?).map_err(|e| invalid(&common_path, e.to_string()))?;
        let mut rules = HashMap::new();
        for (name, body) in &common.rules {
            let node = template::parse(body).map_err(|source| GrammarError::Template {
                path: common_path.clone(),
                intent: format!("<{name}>"),
                template: body.clone(),
                source,
            })?;
            rules.insert(name.clone(), node);
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&base)
            .map_err(|source| GrammarError::Read { path: base.clone(), source })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "toml")
                    && p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('_'))
            })
            .collect();
        files.sort();
        let mut words = read_words(&base.join(words::FILE))?;
        if lang == "ko" {
            words.mix_in(&read_words(&dir.join("en").join(words::FILE))?);
        } else {
            words.mix_in(&read_words(&dir.join("ko").join(words::FILE))?.hangul_only());
        }
        let mut grammar = Grammar {
            lang: lang.into(),
            skip_words: common.skip_words,
            rules,
            lists: common.lists,
            commands: Vec::new(),
            extra_intents: common.intents,
            prompt: common.prompt,
            bare_request: common.bare_request,
            words,
        };
        for path in files {
            let file: CommandFile = toml::from_str(&read(&path)?).map_err(|e| invalid(&path, e.to_string()))?;
            let name = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            for def in file.command {
                grammar.add(&path, &name, def)?;
            }
        }
        Ok(grammar)
    }

    fn add(&mut self, path: &Path, file: &str, def: CommandDef) -> Result<(), GrammarError> {
        if !INTENTS.contains(&def.intent.as_str()) && !self.extra_intents.contains(&def.intent) {
            return Err(invalid(path, format!("unknown intent `{}`; intents: {}", def.intent, INTENTS.join(", "))));
        }
        if def.templates.is_empty() || def.examples.is_empty() {
            return Err(invalid(path, format!("command `{}` needs templates and examples", def.intent)));
        }
        let mut templates = Vec::new();
        for t in &def.templates {
            let err = |source| GrammarError::Template {
                path: path.to_path_buf(),
                intent: def.intent.clone(),
                template: t.clone(),
                source,
            };
            let node = template::parse(t).map_err(err)?;
            if template::count(&node, &self.rules, 0).map_err(err)? > EXPANSION_LIMIT {
                return Err(err(TemplateError::TooMany(EXPANSION_LIMIT)));
            }
            let mut used = Vec::new();
            template::slots(&node, &self.rules, &mut used, 0);
            for s in used {
                if !(CITY_SLOTS.contains(&s.as_str()) || s == QUERY_SLOT || self.lists.contains_key(&s)) {
                    return Err(invalid(
                        path,
                        format!("template `{t}` uses slot {{{s}}}, which has no list in _common.toml"),
                    ));
                }
            }
            if def.fixed.keys().any(|k| CITY_SLOTS.contains(&k.as_str()) || k == QUERY_SLOT) {
                return Err(invalid(path, format!("command `{}` fixes a slot that speech fills", def.intent)));
            }
            templates.push(node);
        }
        self.commands.push(Command { def, file: file.to_string(), templates });
        Ok(())
    }

    /// Whether any template or rule has the slot `{name}`.
    pub fn uses_slot(&self, name: &str) -> bool {
        fn has(node: &Node, name: &str) -> bool {
            match node {
                Node::Slot(s) => s == name,
                Node::Seq(nodes) | Node::Alt(nodes) => nodes.iter().any(|n| has(n, name)),
                Node::Word(_) | Node::Rule(_) => false,
            }
        }
        self.commands.iter().flat_map(|c| &c.templates).chain(self.rules.values()).any(|n| has(n, name))
    }

    pub fn template_count(&self) -> usize {
        self.commands.iter().map(|c| c.templates.len()).sum()
    }

    /// Every sentence of every template of a command, slots left open.
    pub fn sentences(&self, command: &Command) -> Vec<Vec<Piece>> {
        command
            .templates
            .iter()
            .flat_map(|t| template::expand(t, &self.rules, EXPANSION_LIMIT).unwrap_or_default())
            .collect()
    }
}
