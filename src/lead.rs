//! The city's sources (the simulator, replays, feed pollers) run in one process per store: on
//! SQLite the only one; on a shared PostgreSQL store the process that holds the leadership
//! ([`Leadership`]). When the leader dies another process takes over and starts them; when this
//! process loses the leadership (the database restarted) it stops them first.

use crate::sources::{Connector, Health, Sink};
use crate::store::Leadership;
use std::time::Duration;
use tokio::sync::watch;

/// Makes the configured connectors afresh for each term as leader.
pub type Make = Box<dyn Fn() -> Vec<Box<dyn Connector>> + Send>;

/// Runs the sources whenever this process leads, until `shutdown`; `standby` is what `/healthz`
/// says of them meanwhile.
pub async fn run(
    mut leadership: Leadership,
    make: Make,
    names: Vec<String>,
    standby: &'static str,
    sink: Sink,
    health: Health,
    mut shutdown: watch::Receiver<bool>,
) {
    if names.is_empty() {
        return;
    }
    loop {
        if !leadership.is_leader() {
            for name in &names {
                health.state(name, standby);
            }
        }
        tokio::select! {
            led = leadership.until(true) => if !led { return },
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let (stop, stop_rx) = watch::channel(false);
        let tasks: Vec<_> = make()
            .into_iter()
            .map(|c| {
                let (sink, health, rx) = (sink.clone(), health.clone(), stop_rx.clone());
                let name = c.name().to_string();
                tokio::spawn(async move {
                    if let Err(e) = c.run(sink, health.clone(), rx).await {
                        health.error(&name, e.to_string());
                        health.state(&name, "failed");
                    }
                })
            })
            .collect();
        let ended = tokio::select! {
            _ = leadership.until(false) => false,
            _ = shutdown.wait_for(|stop| *stop) => true,
        };
        let _ = stop.send(true);
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        if ended || *shutdown.borrow() {
            return;
        }
        tracing::warn!("this process lost the leadership of the shared store; its sources stopped");
    }
}
