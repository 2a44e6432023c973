//! `scpm ask`: one typed command through the matcher and the resolver.

use super::index::reading_index;
use anyhow::Result;
use scpm::city::City;
use scpm::config::Config;

pub fn ask(config: &Config, lang: Option<String>, json: bool, utterance: &str) -> Result<()> {
    if let Some(l) = &lang {
        anyhow::ensure!(scpm::grammar::LANGS.contains(&l.as_str()), "--lang must be ko or en, not `{l}`");
    }
    let index = reading_index(config)?;
    let city = City::load(&config.paths.data_dir)?;
    let commands = scpm::commands::Commands::load(&city, &config.paths.grammars, config.commands.confirm_calls)?;
    let answer = commands.answer(&index, utterance, lang.as_deref(), &mut Default::default());
    if json {
        println!("{}", serde_json::to_string(&answer)?);
    } else if answer.understood {
        println!("{} ({:.0}%)", answer.intent.unwrap_or_default(), answer.confidence * 100.0);
        for (k, v) in &answer.slots {
            println!("  {k} = {v}");
        }
        for a in &answer.actions {
            println!("  → {}", serde_json::to_string(a)?);
        }
    } else {
        println!("not understood: {}", answer.reason.unwrap_or_default());
    }
    Ok(())
}
