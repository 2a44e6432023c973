//! Where the store is: `paths.store` is a file path (SQLite) or a `postgres://` URL.

pub use crate::config::{is_url, redact};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `paths.store` as written: a `postgres://` or `postgresql://` URL, else a file path.
    pub fn of(path: &Path) -> Location {
        match path.to_str() {
            Some(s) if is_url(s) => Location::Postgres(s.to_string()),
            _ => Location::Sqlite(path.to_path_buf()),
        }
    }
}

/// The location for logs and errors: a URL's password is never shown.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_and_its_password_is_never_shown() {
        assert_eq!(Location::of(Path::new("var/scpm.sqlite")), Location::Sqlite("var/scpm.sqlite".into()));
        let url = "postgres://scpm:hunter2@127.0.0.1:5432/city?sslmode=disable&password=hunter2";
        assert_eq!(Location::of(Path::new(url)), Location::Postgres(url.into()));
        let shown = Location::of(Path::new(url)).to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(shown, "postgres://scpm:***@127.0.0.1:5432/city?sslmode=disable&password=***");
        assert_eq!(redact("postgresql://127.0.0.1/city"), "postgresql://127.0.0.1/city");
    }
}
