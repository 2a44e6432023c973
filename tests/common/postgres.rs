//! A real PostgreSQL for a test: a temporary cluster of Debian's `postgresql` package on a free
//! loopback port, stopped when dropped. As root the server runs as the package's `postgres`
//! user (PostgreSQL refuses root); `scripts/setup.sh --for-tests` installs the package.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cluster {
    dir: tempfile::TempDir,
    pub port: u16,
}

/// The newest installed server's binaries (`/usr/lib/postgresql/<version>/bin`).
fn bin(tool: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: run scripts/setup.sh --for-tests (apt-get install postgresql)")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    versions.sort_by_key(|p| p.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse::<u32>().ok()));
    versions.last().expect("no PostgreSQL version under /usr/lib/postgresql").join("bin").join(tool)
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// A server tool, run as `postgres` when we are root.
fn command(name: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin(name));
        c
    } else {
        Command::new(bin(name))
    }
}

fn tool(name: &str, args: &[&str]) -> std::process::Output {
    let out = command(name).args(args).output().unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Cluster {
    /// initdb + start (2–3 s).
    pub fn start() -> Cluster {
        let dir = tempfile::tempdir().expect("tempdir");
        chmod(dir.path(), 0o777);
        let port = super::free_port();
        let data = dir.path().join("data");
        tool("initdb", &["-D", s(&data), "-A", "trust", "-U", "postgres", "--no-sync"]);
        let cluster = Cluster { dir, port };
        cluster.pg_ctl_start();
        cluster
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200",
            self.port,
            s(self.dir.path())
        );
        let data = self.dir.path().join("data");
        let log = self.dir.path().join("postgres.log");
        tool("pg_ctl", &["-D", s(&data), "-o", &options, "-l", s(&log), "-w", "start"]);
    }

    /// A new, empty database; its URL.
    pub fn database(&self, name: &str) -> String {
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).expect("connect");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
        self.url(name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Stops the server at once (`-m immediate`: as a crash would), or starts it again.
    pub fn stop(&self) {
        let data = self.dir.path().join("data");
        tool("pg_ctl", &["-D", s(&data), "-m", "immediate", "-w", "stop"]);
    }

    pub fn restart(&self) {
        self.pg_ctl_start();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = command("pg_ctl").args(["-D", s(&data), "-m", "immediate", "stop"]).output();
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
