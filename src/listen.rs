//! `scpm listen FILE.wav`: the voice pipeline on a file, as if it were the microphone — the
//! endpointer cuts it into utterances, each is recognised and answered like a typed command.

use anyhow::Result;
use scpm::audio::vad::utterances_in_file;
use scpm::city::City;
use scpm::commands::Commands;
use scpm::config::Config;
use scpm::voice::Voice;
use std::path::Path;
use std::sync::Arc;

pub fn run(
    config: &Config,
    index: scpm::index::CityIndex,
    lang: Option<String>,
    json: bool,
    file: &Path,
) -> Result<()> {
    let langs = match lang {
        Some(l) => {
            anyhow::ensure!(scpm::grammar::LANGS.contains(&l.as_str()), "--lang must be ko or en, not `{l}`");
            vec![l]
        }
        None => config.voice.languages.clone(),
    };
    let city = City::load(&config.paths.data_dir)?;
    let commands = Arc::new(Commands::load(&city, &config.paths.grammars, config.commands.confirm_calls)?);
    let (mut voice, warnings) = Voice::load(config, &city, commands, Arc::new(index), &langs);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    anyhow::ensure!(!voice.languages().is_empty(), "no recogniser could be loaded (see the warnings above)");
    let mut context = Default::default();
    let mut emit = |voice: &mut Voice, u: scpm::audio::vad::Utterance| -> Result<()> {
        let heard = voice.understand(&u, &mut context);
        if json {
            println!("{}", serde_json::to_string(&heard)?);
        } else {
            let what = if heard.answer.understood {
                format!(
                    "{} {}",
                    heard.answer.intent.clone().unwrap_or_default(),
                    serde_json::to_string(&heard.answer.actions)?
                )
            } else {
                format!("not understood: {}", heard.answer.reason.clone().unwrap_or_default())
            };
            println!(
                "{:>7.2}–{:<7.2} [{}] “{}” → {what}",
                u.start_ms as f64 / 1000.0,
                u.end_ms as f64 / 1000.0,
                heard.answer.lang,
                heard.transcript
            );
        }
        Ok(())
    };
    let (utterances, info) = utterances_in_file(file, config.voice.end_silence_ms)?;
    if info.truncated {
        eprintln!(
            "warning: {} ends before its header says; used the {:.1} s that are there",
            file.display(),
            info.seconds
        );
    }
    if utterances.is_empty() {
        eprintln!("no speech found in {} ({:.1} s of audio)", file.display(), info.seconds);
    }
    for u in utterances {
        emit(&mut voice, u)?;
    }
    Ok(())
}
