//! `scpm listen FILE.wav`: the voice pipeline on a file, as if it were the microphone — the
//! listener (`voice::listener`) cuts it into utterances, each is recognized and answered like a
//! typed command.

use anyhow::Result;
use scpm::city::City;
use scpm::commands::Commands;
use scpm::config::Config;
use scpm::voice::listener::{hear_samples, Timed};
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
    // Only the languages listened to: a grammar folder may hold one language (a test grammar).
    let lang_refs: Vec<&str> = langs.iter().map(String::as_str).collect();
    let commands =
        Arc::new(Commands::load_langs(&city, &config.paths.grammars, &lang_refs, config.commands.confirm_calls)?);
    let (mut voice, warnings) = Voice::load(config, &city, commands, Arc::new(index), &langs);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    anyhow::ensure!(!voice.languages().is_empty(), "no recognizer could be loaded (see the warnings above)");
    let mut samples = Vec::new();
    let info = scpm::audio::wav::stream_wav(file, |chunk| {
        samples.extend_from_slice(chunk);
        true
    })?;
    if info.truncated {
        eprintln!(
            "warning: {} ends before its header says; used the {:.1} s that are there",
            file.display(),
            info.seconds
        );
    }
    // As the microphone in `serve`: the listener cuts and answers, the conversation carries on.
    let heard = hear_samples(&mut voice, &config.voice, &samples, &mut Default::default());
    if heard.is_empty() {
        eprintln!("no speech found in {} ({:.1} s of audio)", file.display(), info.seconds);
    }
    for Timed { heard, amends, .. } in heard {
        if json {
            let mut value = serde_json::to_value(&heard)?;
            if amends {
                value["amends"] = true.into();
            }
            println!("{value}");
            continue;
        }
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
            "{:>7.2}–{:<7.2} [{}] “{}” → {what}{}",
            heard.start_ms as f64 / 1000.0,
            heard.end_ms as f64 / 1000.0,
            heard.answer.lang,
            heard.transcript,
            if amends { " (in place of the command before: the speaker went on)" } else { "" }
        );
    }
    Ok(())
}
