//! What a running service takes from its config file again on SIGHUP: the keys in [`LIVE`]. The
//! others are named as needing a restart, and keep their running values. A file that does not
//! load (a typo, a wrong type) changes nothing: the service goes on with what it runs.

use super::Config;
use serde_json::Value;

/// The keys that change without a restart. Each is read where it is used, per request or per
/// log line, from the live config.
pub const LIVE: &[&str] = &["office.name", "server.intake_token", "server.trusted_proxies", "server.log"];

/// A reload: the config to run now, and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Reload {
    pub config: Config,
    /// Live keys whose value changed (now in effect).
    pub applied: Vec<String>,
    /// Other keys whose value in the file changed since the start: in effect after a restart.
    pub need_restart: Vec<String>,
}

/// `running` with the live keys of `file`; `started` is what the file said when the service
/// started (before command-line options), so an option is not taken for an edit.
pub fn reload(running: &Config, started: &Config, file: &Config) -> Reload {
    let mut config = running.clone();
    config.office.name = file.office.name.clone();
    config.server.intake_token = file.server.intake_token.clone();
    config.server.trusted_proxies = file.server.trusted_proxies.clone();
    config.server.log = file.server.log.clone();
    let (before, now, edited) = (flat(running), flat(&config), flat(file));
    let applied = LIVE.iter().filter(|k| before.get(**k) != now.get(**k)).map(|k| k.to_string()).collect();
    let start = flat(started);
    let need_restart = edited
        .iter()
        .filter(|(key, value)| !LIVE.contains(&key.as_str()) && start.get(*key) != Some(*value))
        .map(|(key, _)| key.clone())
        .collect();
    Reload { config, applied, need_restart }
}

/// Every leaf of the config by its dotted key (an array is one leaf).
fn flat(config: &Config) -> std::collections::BTreeMap<String, Value> {
    fn walk(prefix: &str, value: Value, out: &mut std::collections::BTreeMap<String, Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k } else { format!("{prefix}.{k}") };
                    walk(&key, v, out);
                }
            }
            leaf => {
                out.insert(prefix.to_string(), leaf);
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk("", serde_json::to_value(config).unwrap_or_default(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_keys_change_and_the_others_are_named() {
        let started = Config::default();
        let mut running = started.clone();
        running.server.listen = "127.0.0.1:9000".into(); // from --listen: not an edit
        let mut file = started.clone();
        file.server.intake_token = "new-intake".into();
        file.server.log = "debug".into();
        file.office.scope = "11680".into();
        let r = reload(&running, &started, &file);
        assert_eq!(r.config.server.intake_token, "new-intake");
        assert_eq!(r.config.server.log, "debug");
        assert_eq!(r.config.office.scope, "city", "a restart key keeps its running value");
        assert_eq!(r.config.server.listen, "127.0.0.1:9000");
        assert_eq!(r.applied, vec!["server.intake_token", "server.log"]);
        assert_eq!(r.need_restart, vec!["office.scope"]);
        // The same file again: nothing changes.
        let again = reload(&r.config, &started, &file);
        assert!(again.applied.is_empty(), "{again:?}");
    }
}
