//! `scpm commands`: the catalogue of commands per language, and `--check`, which runs every
//! example sentence through the matcher (the same check the test suite makes).

use anyhow::Result;
use scpm::city::City;
use scpm::config::Config;
use scpm::grammar::{Grammar, LANGS};
use scpm::intent::Matcher;
use serde_json::json;

pub fn run(config: &Config, lang: Option<String>, json: bool, run_check: bool) -> Result<()> {
    let city = City::load(&config.paths.data_dir)?;
    let langs: Vec<&str> = match &lang {
        Some(l) => {
            anyhow::ensure!(LANGS.contains(&l.as_str()), "--lang must be ko or en, not `{l}`");
            vec![l.as_str()]
        }
        None => LANGS.to_vec(),
    };
    let mut failed = 0;
    for lang in langs {
        let grammar = Grammar::load(&config.paths.grammars, lang)?;
        let matcher = Matcher::new(&city, grammar);
        let g = matcher.grammar();
        let examples: usize = g.commands.iter().map(|c| c.def.examples.len()).sum();
        if json && !run_check {
            let commands: Vec<_> = g
                .commands
                .iter()
                .map(|c| json!({"file": c.file, "intent": c.def.intent, "fixed": c.def.fixed, "templates": c.def.templates, "examples": c.def.examples.iter().map(|e| &e.text).collect::<Vec<_>>()}))
                .collect();
            println!(
                "{}",
                json!({"lang": lang, "templates": g.template_count(), "commands": commands.len(), "examples": examples, "sentences": matcher.sentence_count(), "catalogue": commands})
            );
        } else if !run_check {
            println!(
                "{lang}: {} templates in {} commands, {} examples, {} sentences (slots open)",
                g.template_count(),
                g.commands.len(),
                examples,
                matcher.sentence_count()
            );
            for (c, forms) in g.commands.iter().zip(matcher.forms_per_command()) {
                let fixed: Vec<String> = c.def.fixed.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let first = c.def.templates.first().map(String::as_str).unwrap_or("");
                println!("  {:<16} {:<18} {:<28} {:>6} forms  {}", c.file, c.def.intent, fixed.join(","), forms, first);
            }
        }
        if run_check {
            let failures = matcher.check_examples();
            println!("{lang}: {} of {examples} examples understood as written", examples - failures.len());
            for (file, text, problem) in &failures {
                println!("  FAIL {file}: \"{text}\" — {problem}");
            }
            failed += failures.len();
        }
    }
    anyhow::ensure!(failed == 0, "{failed} examples failed");
    Ok(())
}

/// Phrases per sentence before a covering sample is taken instead of the full product.
const PER_SENTENCE: usize = 300;

pub fn write_phrases(config: &Config, lang: &str, json: bool, out: &std::path::Path, limit: usize) -> Result<()> {
    anyhow::ensure!(LANGS.contains(&lang), "--lang must be ko or en, not `{lang}`");
    let city = City::load(&config.paths.data_dir)?;
    let grammar = Grammar::load(&config.paths.grammars, lang)?;
    let values = scpm::grammar::phrases::slot_values(&city, &grammar);
    let (phrases, report) = scpm::grammar::phrases::expand(&grammar, &values, PER_SENTENCE, limit);
    std::fs::write(out, phrases.join("\n") + "\n")?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{lang}: {} phrases from {} sentences ({} in full, {} sampled, {} free-text skipped){} → {}",
            report.phrases,
            report.sentences,
            report.full,
            report.sampled,
            report.free_text,
            if report.truncated { format!(", stopped at the limit of {}", report.limit) } else { String::new() },
            out.display()
        );
    }
    Ok(())
}

/// Korean grammar words the Vosk model does not know, each with a phrase that uses it.
pub fn vocabulary(config: &Config) -> Result<()> {
    use scpm::voice::{korean, vosk};
    let city = City::load(&config.paths.data_dir)?;
    let grammar = Grammar::load(&config.paths.grammars, "ko")?;
    let paths = scpm::models::ModelPaths::new(&config.paths.models);
    let model = vosk::Model::load(vosk::Vosk::load(&paths.libvosk())?, &paths.vosk_ko())?;
    let korean::Phrases { phrases, unspeakable, .. } = korean::phrases(&city, &grammar, |w| model.knows(w));
    for name in &unspeakable {
        println!("(name)\t{name}");
    }
    let oov = korean::out_of_vocabulary(&model, &phrases);
    for word in &oov {
        let example = phrases.iter().find(|p| p.split_whitespace().any(|w| w == word)).cloned().unwrap_or_default();
        println!("{word}\t{example}");
    }
    println!(
        "{} phrases, {} unknown grammar words, {} names that cannot be spoken",
        phrases.len(),
        oov.len(),
        unspeakable.len()
    );
    anyhow::ensure!(oov.is_empty(), "the Korean grammar has words the model does not know");
    Ok(())
}
