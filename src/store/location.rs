//! Where the store is: `paths.store` is a file path (SQLite) or a `postgres://` URL.

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

/// Whether `paths.store` names a database server rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
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
