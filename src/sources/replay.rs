//! Replays a JSON-lines file of records (the format of [`Record`]'s JSON), as fast as possible
//! or at the pace of the records' own timestamps. A bad line is reported with its number and
//! skipped; the rest of the file still arrives. Re-running a replay is harmless: the store keeps
//! one version per record key.

use super::{send, BoxFuture, Connector, Health, Record, Sink, SourceError};
use crate::config::ReplayConfig;
use tokio::io::AsyncBufReadExt;
use tokio::sync::watch;

pub struct ReplayConnector {
    cfg: ReplayConfig,
}

impl ReplayConnector {
    pub fn new(cfg: ReplayConfig) -> Self {
        ReplayConnector { cfg }
    }
}

/// Parses one line; the error says what is wrong in words an integrator can act on.
pub fn parse_line(line: &str) -> Result<Record, String> {
    let record: Record = serde_json::from_str(line).map_err(|e| format!("not a record: {e}"))?;
    record.validate()?;
    Ok(record)
}

impl Connector for ReplayConnector {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn run(self: Box<Self>, sink: Sink, health: Health, shutdown: watch::Receiver<bool>) -> BoxFuture {
        Box::pin(async move {
            let name = self.cfg.name.clone();
            let path = self.cfg.path.clone();
            let fail = |message: String| SourceError::Failed { source_name: name.clone(), message };
            let file = tokio::fs::File::open(&path).await.map_err(|e| {
                let message = format!("cannot open {}: {e}; fix replay.path in scpm.toml", path.display());
                health.error(&name, message.clone());
                health.state(&name, "failed");
                fail(message)
            })?;
            health.state(&name, "running");
            let mut lines = tokio::io::BufReader::new(file).lines();
            let (mut number, mut previous): (u64, Option<chrono::DateTime<chrono::Utc>>) = (0, None);
            loop {
                if *shutdown.borrow() {
                    break;
                }
                let line = match lines.next_line().await {
                    Ok(Some(line)) => line,
                    Ok(None) => break,
                    Err(e) => {
                        health.error(&name, format!("{}: read error after line {number}: {e}", path.display()));
                        break;
                    }
                };
                number += 1;
                if line.trim().is_empty() {
                    continue;
                }
                match parse_line(&line) {
                    Ok(record) => {
                        if self.cfg.paced {
                            let t = record.time();
                            if let Some(prev) = previous.filter(|p| *p < t) {
                                let wait =
                                    (t - prev).to_std().unwrap_or_default().min(std::time::Duration::from_secs(60));
                                tokio::time::sleep(wait).await;
                            }
                            previous = Some(t);
                        }
                        send(&sink, &name, record).await?;
                        health.ok(&name, 1);
                    }
                    Err(e) => health.error(&name, format!("{} line {number}: {e}", path.display())),
                }
            }
            health.state(&name, "finished");
            Ok(())
        })
    }
}
