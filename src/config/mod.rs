//! `scpm.toml`: one file, every key optional, every key documented in `scpm.example.toml`.
//!
//! Unknown keys are an error that names the key and the nearest valid one: a mistyped key that
//! silently fell back to its default is the worst kind of configuration bug for an IT team.
//! The list of valid keys is [`KEYS`]; a test checks that the example file documents exactly them.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod paths;
pub mod reload;
pub use paths::{is_url, redact};
mod validate;
pub use paths::{base_of, PathsConfig, GESTURES_FILE};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("config {path}: unknown key `{key}`{}; see scpm.example.toml for every key", suggestion_text(.suggestion))]
    UnknownKey { path: PathBuf, key: String, suggestion: Option<String> },
    #[error("config {path}: wrong type: {message}")]
    Type { path: PathBuf, message: String },
    #[error("config {path}: key `{key}`: {message}")]
    Invalid { path: PathBuf, key: String, message: String },
}

fn suggestion_text(s: &Option<String>) -> String {
    s.as_ref().map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default()
}

/// Every valid key, dotted; `[]` marks an array of tables.
pub const KEYS: &[&str] = &[
    "office.name",
    "office.scope",
    "office.language",
    "office.unlock_pin",
    "office.role",
    "server.listen",
    "server.office_token",
    "server.intake_token",
    "server.header_read_timeout_s",
    "server.trusted_proxies",
    "server.log",
    "paths.data_dir",
    "paths.index_dir",
    "paths.store",
    "paths.grammars",
    "paths.models",
    "commands.confirm_calls",
    "voice.enabled",
    "voice.input_device",
    "voice.wake_word",
    "voice.wake_phrase_ko",
    "voice.wake_phrase_en",
    "voice.listen_window_s",
    "voice.languages",
    "voice.whisper_model",
    "voice.whisper_threads",
    "voice.whisper_audio_ctx",
    "voice.whisper_beam",
    "voice.whisper_grammar",
    "voice.korean_recognizer",
    "voice.korean_whisper_threads",
    "voice.end_silence_ms",
    "voice.early_end_ms",
    "gestures.enabled",
    "gestures.camera",
    "gestures.file",
    "gestures.mirrored",
    "gestures.max_hands",
    "gestures.fps",
    "gestures.engine",
    "calls.enabled",
    "calls.bind_address",
    "calls.udp_ports",
    "calls.public_address",
    "calls.stun_urls",
    "calls.turn_urls",
    "calls.turn_username",
    "calls.turn_credential",
    "calls.ring_timeout_s",
    "calls.reconnect_timeout_s",
    "index.commit_interval_ms",
    "index.writer_memory_mb",
    "simulator.enabled",
    "simulator.seed",
    "simulator.speed",
    "simulator.complaints_per_hour",
    "simulator.incidents_per_hour",
    "simulator.backfill_hours",
    "history.keep_days",
    "replay[].name",
    "replay[].path",
    "replay[].paced",
    "http_poll[].name",
    "http_poll[].url",
    "http_poll[].service",
    "http_poll[].interval_s",
    "http_poll[].timeout_s",
    "http_poll[].ca_file",
];

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub office: OfficeConfig,
    pub server: ServerConfig,
    pub paths: PathsConfig,
    pub index: IndexConfig,
    pub commands: CommandsConfig,
    pub voice: VoiceConfig,
    pub gestures: GesturesConfig,
    pub calls: CallsConfig,
    pub simulator: SimulatorConfig,
    pub history: HistoryConfig,
    pub replay: Vec<ReplayConfig>,
    pub http_poll: Vec<HttpPollConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OfficeConfig {
    /// Shown on the wall and in logs.
    pub name: String,
    /// "city" for the mayor's office, or a 5-digit district code for a district head's office.
    pub scope: String,
    /// "ko" or "en": the language the wall starts in.
    pub language: String,
    /// The digits typed on the wall to unlock it (and leave public mode); empty: six digits
    /// generated on first start in `unlock_pin` beside the store.
    pub unlock_pin: String,
    /// "office" (the default): the office's wall, devices, commands and calls. "public": a
    /// replica that serves only the public view and API of a shared store — no devices, no
    /// sources, and the office token opens nothing here.
    pub role: String,
}

impl Default for OfficeConfig {
    fn default() -> Self {
        Self {
            name: "Seoul Metropolitan Government — Mayor's Office".into(),
            scope: "city".into(),
            language: "ko".into(),
            unlock_pin: String::new(),
            role: "office".into(),
        }
    }
}

impl OfficeConfig {
    /// The district this office is limited to, if it is a district head's office.
    pub fn district(&self) -> Option<&str> {
        (self.scope != "city").then_some(self.scope.as_str())
    }

    /// A public replica (`role = "public"`).
    pub fn is_public(&self) -> bool {
        self.role == "public"
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: String,
    /// Bearer token of the office wall; empty disables office-only endpoints.
    pub office_token: String,
    /// Bearer token for systems that submit complaints; empty disables intake.
    pub intake_token: String,
    /// A client that has not sent a request's headers within this many seconds (a new
    /// connection, or the next request on a kept-alive one) is disconnected.
    pub header_read_timeout_s: f64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the public rate limit);
    /// from any other address the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// What is logged, in `RUST_LOG`'s syntax ("info", "debug", "info,scpm::voice=debug"); empty:
    /// `RUST_LOG`, or info with the chatty libraries quieted.
    pub log: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            office_token: String::new(),
            intake_token: String::new(),
            header_read_timeout_s: 10.0,
            trusted_proxies: Vec::new(),
            log: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IndexConfig {
    /// New records become searchable within this many milliseconds.
    pub commit_interval_ms: u64,
    pub writer_memory_mb: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self { commit_interval_ms: 400, writer_memory_mb: 64 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CommandsConfig {
    /// A call waits for "yes" / "네" before it is placed.
    pub confirm_calls: bool,
}

impl Default for CommandsConfig {
    fn default() -> Self {
        Self { confirm_calls: true }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConfig {
    /// Listen to the microphone (when there is one) in `scpm serve`.
    pub enabled: bool,
    /// Input device name as the system lists it; empty: the default input; `file:PATH`, a
    /// recording standing in for a microphone (plugged in while the file exists).
    pub input_device: String,
    /// Act only on what follows the wake phrase (then listen for `listen_window_s`).
    pub wake_word: bool,
    pub wake_phrase_ko: String,
    pub wake_phrase_en: String,
    pub listen_window_s: f64,
    /// Recognizers to run: "ko" (Vosk), "en" (Whisper), or both.
    pub languages: Vec<String>,
    /// Which Whisper decodes English: "tiny.en" (default, fast) or "base" (bigger, slower;
    /// `scpm models prepare --whisper-base` fetches it).
    pub whisper_model: crate::models::WhisperModel,
    /// Whisper's compute threads: one is fastest on two shared cores (ggml workers busy-wait).
    pub whisper_threads: u32,
    /// Whisper's encoder window in frames of 20 ms, at least (a longer utterance gets a wider one;
    /// 1500 = the full 30 s).
    pub whisper_audio_ctx: u32,
    /// Whisper's beam width (1: greedy). A narrow beam lets the grammar-held decoder back out
    /// of a word that leads nowhere.
    pub whisper_beam: u32,
    /// Hold Whisper to the grammar's words and word pairs (and reject speech it cannot fit).
    pub whisper_grammar: bool,
    /// What decides what was said in Korean: "whisper" (the default: multilingual Whisper base,
    /// which hears real people and also tells Korean from English; `scpm models prepare` fetches
    /// it) or "vosk" (the small Vosk model alone: it hears espeak's Korean, not people talking).
    /// Vosk streams the partial transcript either way; the wake phrase is heard by whichever
    /// decides.
    pub korean_recognizer: KoreanRecognizer,
    /// Whisper base's compute threads for Korean: two were faster than one on this 2-core
    /// machine (the bigger model keeps both busy), unlike tiny.en.
    pub korean_whisper_threads: u32,
    /// Silence that ends an utterance.
    pub end_silence_ms: u32,
    /// A shorter pause that ends one when it already holds a whole command: the Korean partial
    /// transcript, or Whisper decoding at the pause (0: always wait `end_silence_ms`).
    pub early_end_ms: u32,
}

impl VoiceConfig {
    /// Whether Korean is heard (it is among `languages`) and decided by Whisper base.
    pub fn korean_through_whisper(&self) -> bool {
        self.korean_recognizer == KoreanRecognizer::Whisper && self.languages.iter().any(|l| l == "ko")
    }
}

impl Default for VoiceConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            input_device: String::new(),
            wake_word: true,
            wake_phrase_ko: "시장실".into(),
            wake_phrase_en: "office".into(),
            listen_window_s: 8.0,
            languages: vec!["ko".into(), "en".into()],
            whisper_model: crate::models::WhisperModel::TinyEn,
            whisper_threads: 1,
            whisper_audio_ctx: 256,
            whisper_beam: 2,
            whisper_grammar: true,
            korean_recognizer: KoreanRecognizer::Whisper,
            korean_whisper_threads: 2,
            end_silence_ms: 600,
            early_end_ms: 120,
        }
    }
}

/// What decides what was said in Korean (`voice.korean_recognizer`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KoreanRecognizer {
    Vosk,
    #[default]
    Whisper,
}

/// The camera in front of the wall and the hand gestures read from it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GesturesConfig {
    /// Watch the camera (when there is one) in `scpm serve`.
    pub enabled: bool,
    /// Camera index ("0") or device path ("/dev/video2").
    pub camera: String,
    /// The gestures as data; empty: the project's gestures/gestures.toml.
    pub file: String,
    /// True when the camera gives a mirrored (selfie) image; a plain camera facing the person
    /// does not.
    pub mirrored: bool,
    /// Hands looked for when no hand is followed (the locked person's, then others).
    pub max_hands: usize,
    /// Frames per second read from the camera.
    pub fps: f64,
    /// What runs the hand models: "onnxruntime" (the default, fastest) or "opencv" (OpenCV's DNN
    /// module, also the fallback when ONNX Runtime's library is missing).
    pub engine: crate::models::hands::Engine,
}

impl Default for GesturesConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            camera: "0".into(),
            file: String::new(),
            mirrored: false,
            max_hands: 2,
            fps: 30.0,
            engine: Default::default(),
        }
    }
}

impl GesturesConfig {
    /// The gestures file: `file` (resolved by [`Config::load`]), or the product's own.
    pub fn catalog_path(&self) -> PathBuf {
        if self.file.is_empty() {
            let beside = PathBuf::from(GESTURES_FILE);
            if beside.exists() {
                return beside;
            }
            crate::install::find(GESTURES_FILE).unwrap_or(beside)
        } else {
            PathBuf::from(&self.file)
        }
    }
}

/// Video calls to officials (WebRTC). The defaults work on one machine; a deployment names the
/// address officials reach the office PC at, a UDP port (range) the firewall opens, and STUN/TURN.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CallsConfig {
    pub enabled: bool,
    /// The local IP address the media sockets bind to (one address: binding 0.0.0.0 would
    /// skip loopback, see ARCHITECTURE.md).
    pub bind_address: String,
    /// "0" (any free port), "50000" (one port per call, the next free one above it), or a
    /// range "50000-50100" that the firewall opens for UDP.
    pub udp_ports: String,
    /// The address officials see the office at, when it is behind a 1:1 NAT; empty: none.
    pub public_address: String,
    pub stun_urls: Vec<String>,
    pub turn_urls: Vec<String>,
    pub turn_username: String,
    pub turn_credential: String,
    /// An unanswered call ends as "no answer" after this long.
    pub ring_timeout_s: f64,
    /// A call whose network is lost is retried (ICE restart, backoff 0.3 s to 7 s) this long.
    pub reconnect_timeout_s: f64,
}

impl Default for CallsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            bind_address: "127.0.0.1".into(),
            udp_ports: "0".into(),
            public_address: String::new(),
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_username: String::new(),
            turn_credential: String::new(),
            ring_timeout_s: 30.0,
            reconnect_timeout_s: 20.0,
        }
    }
}

impl CallsConfig {
    /// The UDP ports to try for a new call, first to last.
    pub fn port_range(&self) -> Result<(u16, u16), String> {
        let bad =
            || format!("`{}` is not \"0\", a port like \"50000\" or a range like \"50000-50100\"", self.udp_ports);
        let (lo, hi) = match self.udp_ports.split_once('-') {
            Some((lo, hi)) => {
                (lo.trim().parse::<u16>().map_err(|_| bad())?, hi.trim().parse::<u16>().map_err(|_| bad())?)
            }
            None => {
                let port = self.udp_ports.trim().parse::<u16>().map_err(|_| bad())?;
                (port, if port == 0 { 0 } else { u16::MAX })
            }
        };
        if lo > hi {
            return Err(bad());
        }
        Ok((lo, hi))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatorConfig {
    pub enabled: bool,
    pub seed: u64,
    /// 1.0 is real time; 60.0 runs an hour of city life per minute.
    pub speed: f64,
    pub complaints_per_hour: f64,
    pub incidents_per_hour: f64,
    /// On a store the simulator has not written to for this long, it first makes the city's
    /// past hours up to now, so that replay ("어제 오후 3시") has a past from the first start.
    pub backfill_hours: u32,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            seed: 20261129,
            speed: 1.0,
            complaints_per_hour: 240.0,
            incidents_per_hour: 60.0,
            backfill_hours: 48,
        }
    }
}

/// Replay's memory: how long each version of a record is kept.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// Days of record versions kept for replay (an incident's status at a past hour); older
    /// versions are removed hourly unless they were still current then. 1 to 3650.
    pub keep_days: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self { keep_days: 30 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    pub name: String,
    pub path: PathBuf,
    /// Replay at the pace of the records' own timestamps instead of as fast as possible.
    #[serde(default)]
    pub paced: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpPollConfig {
    pub name: String,
    pub url: String,
    /// The Seoul Open API service name, e.g. "RealtimeCityAir".
    pub service: String,
    #[serde(default = "default_interval")]
    pub interval_s: u64,
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
    /// A PEM file of certificate authorities to trust for this feed's `https://` URL, beside the
    /// system's (`/etc/ssl/certs`): the city's own CA. Relative to the config file's folder.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn default_interval() -> u64 {
    300
}
fn default_timeout() -> u64 {
    10
}

impl Config {
    /// Loads `path`; a missing file means all defaults. Relative paths are resolved against the
    /// file's folder (the working folder when there is no file): see [`PathsConfig`].
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(source) => return Err(ConfigError::Read { path: path.to_path_buf(), source }),
        };
        config.resolve_paths(&base_of(path));
        Ok(config)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let value: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })?;
        let mut keys = Vec::new();
        collect_keys(&value, "", &mut keys);
        for key in keys {
            if !KEYS.contains(&key.as_str()) {
                return Err(ConfigError::UnknownKey {
                    path: path.to_path_buf(),
                    suggestion: nearest_key(&key),
                    key: key.replace("[]", ""),
                });
            }
        }
        // Parsing the text again (not the table) keeps the line and key in type errors.
        let config: Config = toml::from_str(text).map_err(|e: toml::de::Error| ConfigError::Type {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate(path)?;
        Ok(config)
    }
}

fn collect_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(t) => collect_keys(t, &key, out),
            toml::Value::Array(items) if items.iter().all(|i| i.is_table()) && !items.is_empty() => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        collect_keys(t, &format!("{key}[]"), out);
                    }
                }
            }
            _ => out.push(key),
        }
    }
}

fn nearest_key(key: &str) -> Option<String> {
    KEYS.iter()
        .map(|k| (strsim::levenshtein(k, key), k))
        .filter(|(d, k)| *d <= k.len().max(key.len()) / 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.replace("[]", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config, ConfigError> {
        Config::parse(s, Path::new("test.toml"))
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(parse("").ok(), Some(Config::default()));
    }

    #[test]
    fn mistyped_key_names_key_and_nearest() {
        let err = parse("[server]\nlisten_addr = \"127.0.0.1:1\"").unwrap_err().to_string();
        assert!(err.contains("server.listen_addr"), "{err}");
        assert!(err.contains("did you mean `server.listen`"), "{err}");
        let err =
            parse("[[http_poll]]\nname=\"a\"\nurl=\"http://x\"\nservice=\"s\"\nintervall_s=3").unwrap_err().to_string();
        assert!(err.contains("http_poll.intervall_s") && err.contains("http_poll.interval_s"), "{err}");
    }

    #[test]
    fn wrong_types_and_values_are_named() {
        let err = parse("[simulator]\nspeed = \"fast\"").unwrap_err().to_string();
        assert!(err.contains("speed") && err.contains("line 2"), "{err}");
        let err = parse("[office]\nscope = \"gangnam\"").unwrap_err().to_string();
        assert!(err.contains("office.scope"), "{err}");
        let err = parse("[server]\nlisten = \"localhost\"").unwrap_err().to_string();
        assert!(err.contains("server.listen"), "{err}");
        assert!(matches!(parse("[server\n"), Err(ConfigError::Syntax { .. })));
        let err = parse("[voice]\nwhisper_model = \"large\"").unwrap_err().to_string();
        assert!(err.contains("whisper_model") && err.contains("tiny.en") && err.contains("base"), "{err}");
    }

    #[test]
    fn example_file_documents_every_key_and_parses() {
        let text = include_str!("../../scpm.example.toml");
        let table: toml::Table = text.parse().expect("example is TOML");
        let mut keys = Vec::new();
        collect_keys(&table, "", &mut keys);
        keys.sort();
        keys.dedup();
        let mut expected: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        expected.sort();
        assert_eq!(keys, expected);
        parse(text).expect("example parses");
    }

    #[test]
    fn district_scope() {
        let c = parse("[office]\nscope = \"11680\"").expect("valid");
        assert_eq!(c.office.district(), Some("11680"));
        assert_eq!(Config::default().office.district(), None);
    }
}
