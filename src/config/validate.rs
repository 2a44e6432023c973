//! The values of `scpm.toml` checked, each error naming the key and what would be right.

use super::{Config, ConfigError};
use std::net::SocketAddr;
use std::path::Path;

impl Config {
    /// Checks the values; `path` names where they came from in the error.
    pub fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid =
            |key: &str, message: String| ConfigError::Invalid { path: path.to_path_buf(), key: key.into(), message };
        if self.server.listen.parse::<SocketAddr>().is_err() {
            return Err(invalid(
                "server.listen",
                format!("`{}` is not an address like 127.0.0.1:8080", self.server.listen),
            ));
        }
        let timeout = self.server.header_read_timeout_s;
        if !(timeout.is_finite() && (0.1..=600.0).contains(&timeout)) {
            return Err(invalid(
                "server.header_read_timeout_s",
                format!("{timeout} is not between 0.1 and 600 seconds"),
            ));
        }
        if !self.server.log.is_empty() {
            if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.server.log) {
                return Err(invalid(
                    "server.log",
                    format!("`{}` is not a log filter like \"info\" or \"info,scpm=debug\": {e}", self.server.log),
                ));
            }
        }
        let pin = &self.office.unlock_pin;
        if !pin.is_empty() && !(4..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid("office.unlock_pin", "is not 4 to 12 digits (or empty, for a generated one)".into()));
        }
        let scope = &self.office.scope;
        if scope != "city"
            && !(scope.len() == 5 && scope.starts_with("11") && scope.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(invalid(
                "office.scope",
                format!("`{scope}` is neither \"city\" nor a Seoul district code like \"11680\""),
            ));
        }
        if !matches!(self.office.role.as_str(), "office" | "public") {
            return Err(invalid("office.role", "must be \"office\" or \"public\"".into()));
        }
        if !matches!(self.office.language.as_str(), "ko" | "en") {
            return Err(invalid("office.language", "must be \"ko\" or \"en\"".into()));
        }
        if !(1..=3650).contains(&self.history.keep_days) {
            return Err(invalid(
                "history.keep_days",
                "must be 1 to 3650 (days of record versions kept for replay)".into(),
            ));
        }
        if self.simulator.backfill_hours > 24 * 31 {
            return Err(invalid("simulator.backfill_hours", "must be 0 to 744 (31 days)".into()));
        }
        if !(self.simulator.speed > 0.0 && self.simulator.speed <= 100_000.0) {
            return Err(invalid("simulator.speed", "must be above 0 and at most 100000".into()));
        }
        let v = &self.voice;
        if let Some(bad) = v.languages.iter().find(|l| !matches!(l.as_str(), "ko" | "en")) {
            return Err(invalid("voice.languages", format!("`{bad}` is not \"ko\" or \"en\"")));
        }
        if !(1..=8).contains(&v.whisper_threads) || !(64..=1500).contains(&v.whisper_audio_ctx) {
            return Err(invalid("voice", "whisper_threads must be 1–8 and whisper_audio_ctx 64–1500".into()));
        }
        if !(1..=8).contains(&v.whisper_beam) {
            return Err(invalid("voice.whisper_beam", "must be 1 (greedy) to 8".into()));
        }
        if !(100..=5000).contains(&v.end_silence_ms) || !(1.0..=120.0).contains(&v.listen_window_s) {
            return Err(invalid("voice", "end_silence_ms must be 100–5000 and listen_window_s 1–120".into()));
        }
        if v.early_end_ms >= v.end_silence_ms {
            return Err(invalid(
                "voice.early_end_ms",
                format!("must be below end_silence_ms ({}); 0 turns it off", v.end_silence_ms),
            ));
        }
        let g = &self.gestures;
        if !(1..=4).contains(&g.max_hands) || !(1.0..=120.0).contains(&g.fps) {
            return Err(invalid("gestures", "max_hands must be 1–4 and fps 1–120".into()));
        }
        let c = &self.calls;
        if c.bind_address.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid(
                "calls.bind_address",
                format!("`{}` is not an IP address like 127.0.0.1", c.bind_address),
            ));
        }
        if !c.public_address.is_empty() && c.public_address.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid("calls.public_address", format!("`{}` is not an IP address", c.public_address)));
        }
        c.port_range().map_err(|m| invalid("calls.udp_ports", m))?;
        if let Some(bad) = c.stun_urls.iter().find(|u| !u.starts_with("stun:") && !u.starts_with("stuns:")) {
            return Err(invalid("calls.stun_urls", format!("`{bad}` does not start with stun: or stuns:")));
        }
        if let Some(bad) = c.turn_urls.iter().find(|u| !u.starts_with("turn:") && !u.starts_with("turns:")) {
            return Err(invalid("calls.turn_urls", format!("`{bad}` does not start with turn: or turns:")));
        }
        if !(5.0..=300.0).contains(&c.ring_timeout_s) || !(1.0..=300.0).contains(&c.reconnect_timeout_s) {
            return Err(invalid("calls", "ring_timeout_s must be 5–300 and reconnect_timeout_s 1–300".into()));
        }
        if self.index.commit_interval_ms == 0 || self.index.writer_memory_mb < 15 {
            return Err(invalid("index", "commit_interval_ms must be above 0 and writer_memory_mb at least 15".into()));
        }
        for poll in &self.http_poll {
            if !(poll.url.starts_with("http://") || poll.url.starts_with("https://")) {
                return Err(invalid("http_poll.url", format!("`{}` is not an http(s) URL", poll.url)));
            }
        }
        Ok(())
    }
}
