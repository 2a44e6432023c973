//! The paths of `scpm.toml`, and where they lead: a relative path is relative to the config
//! file's folder (to the working folder when there is no config file), so `scpm --config
//! /etc/scpm/scpm.toml` means the same from any folder. The product's own read-only files (the
//! hand-kept city data, the grammars, the gestures) left at their defaults are found beside the
//! config, else where scpm is installed (`crate::install`).

use super::Config;
use crate::install;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PathsConfig {
    /// The hand-kept city data (districts, officials, indicators, pledges) and what `scpm data
    /// prepare` makes from it under `generated/`.
    pub data_dir: PathBuf,
    pub index_dir: PathBuf,
    pub store: PathBuf,
    /// Command grammars, one folder per language.
    pub grammars: PathBuf,
    /// Speech models prepared by `scpm models prepare`.
    pub models: PathBuf,
}

impl Default for PathsConfig {
    fn default() -> Self {
        Self {
            data_dir: "data".into(),
            index_dir: "index".into(),
            store: "var/scpm.sqlite".into(),
            grammars: "grammars".into(),
            models: "models".into(),
        }
    }
}

/// The gestures file when `gestures.file` is not set: the product's own.
pub const GESTURES_FILE: &str = "gestures/gestures.toml";

/// A file of the product's own at its default, relative path: beside the config when it is
/// there, else where scpm is installed, else in the working folder (a clone of the repository),
/// else beside the config (where the error will name it).
fn own(base: &Path, relative: &Path) -> PathBuf {
    let beside = install::under(base, relative);
    if beside.exists() || relative.is_absolute() {
        return beside;
    }
    let working = std::path::absolute(relative).ok().filter(|p| p.exists());
    relative.to_str().and_then(install::find).or(working).unwrap_or(beside)
}

/// The folder relative paths are relative to: the config file's, or the working folder's when
/// the file does not exist.
pub fn base_of(config_file: &Path) -> PathBuf {
    let folder = match config_file.parent() {
        Some(parent) if config_file.exists() && !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::path::absolute(&folder).unwrap_or(folder)
}

impl Config {
    /// Every path resolved against `base` (see the module's text). URLs are not paths.
    pub fn resolve_paths(&mut self, base: &Path) {
        let defaults = PathsConfig::default();
        let paths = &mut self.paths;
        paths.data_dir = if paths.data_dir == defaults.data_dir {
            own(base, &paths.data_dir)
        } else {
            install::under(base, &paths.data_dir)
        };
        paths.grammars = if paths.grammars == defaults.grammars {
            own(base, &paths.grammars)
        } else {
            install::under(base, &paths.grammars)
        };
        paths.index_dir = install::under(base, &paths.index_dir);
        // `postgres://…` is a database server, not a file.
        if !paths.store.to_str().is_some_and(is_url) {
            paths.store = install::under(base, &paths.store);
        }
        paths.models = install::under(base, &paths.models);
        let gestures = &mut self.gestures.file;
        *gestures = if gestures.is_empty() {
            own(base, Path::new(GESTURES_FILE))
        } else {
            install::under(base, Path::new(gestures.as_str()))
        }
        .to_string_lossy()
        .into_owned();
        for replay in &mut self.replay {
            replay.path = install::under(base, &replay.path);
        }
        for poll in &mut self.http_poll {
            poll.ca_file = poll.ca_file.as_deref().map(|f| install::under(base, f));
        }
    }

    /// Each path the configuration uses, by key, with whether it exists: what `scpm config`
    /// prints after the settings.
    pub fn path_report(&self) -> Vec<(String, PathBuf, bool)> {
        let mut rows = vec![
            ("paths.data_dir".to_string(), self.paths.data_dir.clone()),
            ("paths.grammars".to_string(), self.paths.grammars.clone()),
            ("gestures.file".to_string(), self.gestures.catalog_path()),
            ("paths.index_dir".to_string(), self.paths.index_dir.clone()),
            ("paths.store".to_string(), self.paths.store.clone()),
            ("paths.models".to_string(), self.paths.models.clone()),
        ];
        rows.extend(self.replay.iter().map(|r| (format!("replay “{}”", r.name), r.path.clone())));
        rows.into_iter()
            .map(|(key, path)| {
                match path.to_str().filter(|s| is_url(s)) {
                    // A URL is shown without its password; whether it answers is `scpm serve`'s to say.
                    Some(url) => (key, redact(url).into(), true),
                    None => (key, path.clone(), path.exists()),
                }
            })
            .collect()
    }
}

/// Whether `paths.store` names a database server rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = tail.map(|t| {
        // A password may also come as a query parameter.
        let mut parts = t.splitn(2, '?');
        let path = parts.next().unwrap_or_default();
        match parts.next() {
            Some(q) => {
                let q: Vec<String> = q
                    .split('&')
                    .map(|kv| if kv.starts_with("password=") { "password=***".into() } else { kv.to_string() })
                    .collect();
                format!("/{path}?{}", q.join("&"))
            }
            None => format!("/{path}"),
        }
    });
    format!("{scheme}://{authority}{}", tail.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_relative_to_the_config_files_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("data")).expect("data");
        let file = dir.path().join("scpm.toml");
        std::fs::write(&file, "[paths]\nstore = \"state/scpm.sqlite\"\nmodels = \"/opt/models\"\n").expect("write");
        let config = Config::load(&file).expect("config");
        assert_eq!(config.paths.store, dir.path().join("state/scpm.sqlite"));
        assert_eq!(config.paths.models, PathBuf::from("/opt/models"));
        assert_eq!(config.paths.data_dir, dir.path().join("data"), "the data beside the config is taken");
        assert_eq!(config.paths.index_dir, dir.path().join("index"));
    }
}
