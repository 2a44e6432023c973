//! The accept loop: each connection served by hyper through hyper-util (HTTP/1.1 with upgrades
//! for the WebSockets, HTTP/2), with a header-read timeout that `axum::serve` does not set, so
//! slow-header connections are closed instead of piling up; on shutdown, open connections
//! finish their requests (at most 10 s).

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::Service;

/// Serves `app` on `listener` until `shutdown` completes. A client that has not sent a request's
/// headers within `header_read` is disconnected; the client's address reaches the handlers as
/// `ConnectInfo<SocketAddr>` (the public rate limit keys on it).
pub async fn serve(listener: TcpListener, app: Router, header_read: Duration, shutdown: impl Future<Output = ()>) {
    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: say so, wait, go on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(service) = make.call(remote).await;
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read);
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%remote, error = %e, "connection ended");
            }
        });
    }
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after 10 s; closing them");
    }
}
