//! `scpm serve`: the service with its devices (or files in their place) until Ctrl-C.

use anyhow::{Context, Result};
use scpm::config::Config;
use scpm::readiness::PartState;
use scpm::service::Service;
use std::path::PathBuf;

pub fn serve(
    mut config: Config,
    listen: Option<String>,
    audio_file: Option<PathBuf>,
    video_file: Option<PathBuf>,
    repeat: bool,
    reloading: Reloading,
) -> Result<()> {
    if let Some(listen) = listen {
        config.server.listen = listen;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let service = Service::start(config.clone()).await?;
        let listener = tokio::net::TcpListener::bind(&config.server.listen)
            .await
            .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, office = %config.office.name, "serving; /healthz, /api/search, /api/state, /metrics");
        println!("scpm listening on http://{addr}");
        use scpm::office::microphone::{start as start_voice, AudioSource};
        let (office, city) = (service.state.office.clone(), service.state.city.clone());
        let public = config.office.is_public();
        let voice = match audio_file {
            _ if public => {
                office.parts().set("voice", PartState::Off("office.role = \"public\"".into()));
                None
            }
            Some(file) => start_voice(office.clone(), city, AudioSource::File { path: file, repeat }),
            None if config.voice.enabled => start_voice(office.clone(), city, AudioSource::Microphone),
            None => {
                office.parts().set("voice", PartState::Off("voice.enabled = false".into()));
                None
            }
        };
        use scpm::office::camera::{start as start_camera, VideoSource};
        let camera = match video_file {
            _ if public => {
                office.parts().set("gestures", PartState::Off("office.role = \"public\"".into()));
                None
            }
            Some(file) => start_camera(office.clone(), VideoSource::File { path: file, repeat }),
            None if config.gestures.enabled => start_camera(office.clone(), VideoSource::Camera),
            None => {
                office.parts().set("gestures", PartState::Off("gestures.enabled = false".into()));
                None
            }
        };
        tokio::spawn(reload_on_hangup(reloading, service.state.config.clone()));
        let app = scpm::server::app(service.state.clone());
        let header_read = std::time::Duration::from_secs_f64(config.server.header_read_timeout_s);
        scpm::server::serve(listener, app, header_read, shutdown_signal()).await;
        tracing::info!("shutting down");
        // The device loops end before the process tears down the models they run (an inference
        // still running at exit failed inside ONNX Runtime, and could crash the exit).
        office.stop_devices();
        let loops: Vec<_> = voice.into_iter().chain(camera).collect();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while loops.iter().any(|l| !l.is_finished()) && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if loops.iter().any(|l| !l.is_finished()) {
            tracing::warn!("the microphone or camera loop did not end within 5 s");
        }
        service.stop().await;
        Ok(())
    })
}

pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// What a reload needs: the file, what it said at the start, and the log's filter.
pub struct Reloading {
    pub file: PathBuf,
    pub started: Config,
    pub set_log: super::SetLog,
}

/// On each SIGHUP, the config file's live keys (`config::reload::LIVE`) take effect; the other
/// keys that changed are named as waiting for a restart; a file that does not load changes
/// nothing.
async fn reload_on_hangup(reloading: Reloading, live: std::sync::Arc<arc_swap::ArcSwap<Config>>) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: the config is read at the start only");
        return;
    };
    while hangups.recv().await.is_some() {
        let file = match Config::load(&reloading.file) {
            Ok(file) => file,
            Err(e) => {
                tracing::error!("SIGHUP: {e}; the running config is kept");
                continue;
            }
        };
        let running = live.load_full();
        let reload = scpm::config::reload::reload(&running, &reloading.started, &file);
        if reload.config.server.log != running.server.log {
            if let Err(e) = (reloading.set_log)(&reload.config.server.log) {
                tracing::error!("SIGHUP: server.log: {e}; the log filter is kept");
            }
        }
        live.store(std::sync::Arc::new(reload.config));
        tracing::info!(
            file = %reloading.file.display(),
            applied = ?reload.applied,
            need_restart = ?reload.need_restart,
            "SIGHUP: config reloaded ({} changed now; {} wait for a restart)",
            reload.applied.len(),
            reload.need_restart.len(),
        );
    }
}
