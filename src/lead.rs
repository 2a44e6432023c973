//! The city's sources (the simulator, replays, feed pollers) each run in one process per store:
//! on SQLite the only one; on a shared PostgreSQL store, for each source, the process that holds
//! that source's leadership ([`Leadership`]) among those configured with it. When the leader
//! dies another process takes over and starts the source; when this process loses the
//! leadership (the database restarted) it stops the source first.

use crate::sources::{Connector, Health, Sink};
use crate::store::Leadership;
use std::time::Duration;
use tokio::sync::watch;

/// Makes a source's connector afresh for each term as leader (None: it cannot be made now; the
/// reason is logged).
pub type Make = Box<dyn Fn() -> Option<Box<dyn Connector>> + Send>;

/// Runs the source `name` whenever this process leads it, until `shutdown`; `standby` is what
/// `/healthz` says of it meanwhile.
pub async fn run(
    mut leadership: Leadership,
    name: String,
    make: Make,
    standby: &'static str,
    sink: Sink,
    health: Health,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if !leadership.is_leader() {
            health.state(&name, standby);
        }
        tokio::select! {
            led = leadership.until(true) => if !led { return },
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let (stop, stop_rx) = watch::channel(false);
        let task = make().map(|c| {
            let (sink, health, name) = (sink.clone(), health.clone(), name.clone());
            tokio::spawn(async move {
                if let Err(e) = c.run(sink, health.clone(), stop_rx).await {
                    health.error(&name, e.to_string());
                    health.state(&name, "failed");
                }
            })
        });
        let ended = tokio::select! {
            _ = leadership.until(false) => false,
            _ = shutdown.wait_for(|stop| *stop) => true,
        };
        let _ = stop.send(true);
        if let Some(task) = task {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        if ended || *shutdown.borrow() {
            return;
        }
        tracing::warn!(source = %name, "this process lost the source's leadership on the shared store; it stopped");
    }
}
