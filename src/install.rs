//! Where scpm's own read-only files are — the hand-kept city data, the grammars, the gestures and
//! the hand-model converter — wherever the binary runs from: a clone of the repository, or an
//! install (`/usr/bin/scpm` with its files under `/usr/share/scpm`). Never the source tree's path
//! as it was at build time: a binary copied to another machine would look there.
//!
//! Looked for, in order: `$SCPM_SHARE` (a folder holding them, as `/usr/share/scpm` does), then
//! the install prefix beside the binary (`<prefix>/bin/scpm` → `<prefix>/share/scpm`).

use std::path::{Path, PathBuf};

/// The environment variable naming the folder that holds scpm's own files.
pub const SHARE_ENV: &str = "SCPM_SHARE";

/// The folders that may hold scpm's own files, most specific first.
pub fn share_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os(SHARE_ENV).filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().ok().and_then(|e| e.canonicalize().ok());
    if let Some(prefix) = exe.as_deref().and_then(Path::parent).and_then(Path::parent) {
        dirs.push(prefix.join("share/scpm"));
    }
    dirs
}

/// `relative` (like `grammars` or `scripts/hand-models.py`) in the first share folder that has
/// it; `None` when none does.
pub fn find(relative: &str) -> Option<PathBuf> {
    share_dirs().into_iter().map(|d| d.join(relative)).find(|p| p.exists())
}

/// `path` resolved against `base` when relative (an absolute path is kept as it is).
pub fn under(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() || path.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_go_under_the_base_and_absolute_ones_stay() {
        assert_eq!(under(Path::new("/etc/scpm"), Path::new("data")), PathBuf::from("/etc/scpm/data"));
        assert_eq!(under(Path::new("/etc/scpm"), Path::new("/var/lib/scpm")), PathBuf::from("/var/lib/scpm"));
    }
}
