//! What the help overlay lists on a screen: sentences that work here and anywhere — the
//! grammar's own examples, in the wall's language, so the help cannot promise a sentence the
//! matcher does not take — and what each gesture does on this screen (the gestures' file).

use crate::commands::Commands;
use crate::gesture::catalog::Catalog;
use serde::Serialize;

/// The help for one page of the wall.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Help {
    pub page: String,
    pub lang: String,
    /// Sentences about what this page shows.
    pub here: Vec<String>,
    /// Sentences that work on every page: moving around, calls, the system.
    pub anywhere: Vec<String>,
    /// Each gesture that does something on this page, and the intent it stands for here
    /// ("navigate back", "zoom in"; the wall words them).
    pub gestures: Vec<GestureHelp>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GestureHelp {
    pub gesture: String,
    pub does: String,
}

/// The grammar files whose commands show what a page shows.
fn files_of(page: &str) -> &'static [&'static str] {
    match page {
        "realtime" => &["topics_realtime", "incidents", "replay"],
        "opinion" => &["topics_opinion", "search", "replay"],
        "administration" => &["indicators", "topics_admin"],
        "pledges" => &["topics_admin", "indicators"],
        _ => &["topics_realtime", "topics_opinion", "indicators", "topics_admin", "replay"],
    }
}

const ANYWHERE: &[&str] = &["navigation", "calls", "pointing", "system"];
const MOST_HERE: usize = 10;
const MOST_ANYWHERE: usize = 8;

/// The first example of each command of `files`, at most `most`, taken from each file in
/// turn so that one long file does not fill the list.
fn examples(commands: &Commands, lang: &str, files: &[&str], most: usize) -> Vec<String> {
    let Some(matcher) = commands.matcher(lang) else { return Vec::new() };
    let grammar = matcher.grammar();
    let per_file: Vec<Vec<&str>> = files
        .iter()
        .map(|file| {
            let commands = grammar.commands.iter().filter(|c| c.file == *file);
            commands.filter_map(|c| c.def.examples.first()).map(|e| e.text.as_str()).collect()
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for round in 0..per_file.iter().map(Vec::len).max().unwrap_or(0) {
        for text in per_file.iter().filter_map(|texts| texts.get(round)) {
            if out.len() < most && !out.iter().any(|t| t == text) {
                out.push(text.to_string());
            }
        }
    }
    out
}

/// The help for `page` in `lang`; the gestures when the catalogue could be read.
pub fn help(commands: &Commands, catalog: Option<&Catalog>, page: &str, lang: &str) -> Help {
    let gestures = catalog
        .map(|c| {
            c.gestures
                .iter()
                .filter_map(|g| {
                    let does = g.on.get(page).unwrap_or(&g.intent);
                    (!does.is_empty()).then(|| GestureHelp { gesture: g.name.clone(), does: does.clone() })
                })
                .collect()
        })
        .unwrap_or_default();
    Help {
        page: page.into(),
        lang: lang.into(),
        here: examples(commands, lang, files_of(page), MOST_HERE),
        anywhere: examples(commands, lang, ANYWHERE, MOST_ANYWHERE),
        gestures,
    }
}
