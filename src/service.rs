//! Wiring of the running service: loads the city, opens the store and the index (rebuilding the
//! index from the store when needed), starts the ingest loop and the configured sources, and
//! hands out the [`AppState`] for the HTTP API. `scpm serve` and the integration tests both
//! start the service through [`Service::start`].

use crate::city::{City, CityError};
use crate::commands::Commands;
use crate::config::Config;
use crate::index::{CityIndex, IndexError, Opened};
use crate::ingest::Ingest;
use crate::metrics::Metrics;
use crate::office::Office;
use crate::server::AppState;
use crate::sources::http_poll::HttpPollConnector;
use crate::sources::replay::ReplayConnector;
use crate::sources::simulator::SimulatorConnector;
use crate::sources::{Connector, Health, SourceError};
use crate::store::{Leadership, Location, Store, StoreError};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    City(#[from] CityError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("cannot start the ingest thread: {0}")]
    Thread(#[from] std::io::Error),
    #[error("office.scope `{0}` is not one of the 25 district codes")]
    Scope(String),
    #[error(transparent)]
    Grammar(#[from] crate::grammar::GrammarError),
    #[error("cannot read or create the office token at {path}: {source}")]
    Token { path: std::path::PathBuf, source: std::io::Error },
}

pub struct Service {
    pub state: AppState,
    pub opened: Opened,
    ingest: Ingest,
    shutdown: watch::Sender<bool>,
    /// The tasks that run the city's sources while this process leads them.
    sources: Vec<JoinHandle<()>>,
    /// Set at stop: ends the leadership campaign (the lock is given up with its connection).
    stopping: Arc<AtomicBool>,
}

impl Service {
    pub async fn start(config: Config) -> Result<Service, StartError> {
        let city = Arc::new(City::load(&config.paths.data_dir)?);
        let stopping = Arc::new(AtomicBool::new(false));
        if let Some(scope) = config.office.district() {
            if city.district(scope).is_none() {
                return Err(StartError::Scope(scope.to_string()));
            }
        }
        let mut commands = Commands::load(&city, &config.paths.grammars, config.commands.confirm_calls)?;
        commands.history_days = config.history.keep_days;
        let commands = Arc::new(commands);
        let office_token = Arc::new(office_token(&config)?);
        let unlock_pin = Arc::new(unlock_pin(&config)?);
        let scope = config.office.scope.clone();
        let open = || Store::open_for(&config.paths.store, &scope);
        let store = open()?;
        tracing::info!(store = %store.location(), shared = store.is_shared(), "store opened");
        let (index, writer, opened) = {
            let (city, dir, mem) = (city.clone(), config.paths.index_dir.clone(), config.index.writer_memory_mb);
            let index_store = open()?;
            tokio::task::spawn_blocking(move || CityIndex::open(&dir, &city, &index_store, mem))
                .await
                .map_err(|e| StartError::Thread(std::io::Error::other(e)))??
        };
        match &opened {
            Opened::Rebuilt(reason) => tracing::warn!(%reason, "index was rebuilt from the store"),
            Opened::Created => tracing::info!("index created"),
            Opened::Existing => {}
        }
        let index = Arc::new(index);
        let metrics = Arc::new(Metrics::default());
        metrics.store_rev.set(store.stored_rev()? as i64);
        let mut call_store = open()?;
        let config = Arc::new(config);
        // This process is the only one that places the office's calls: a leg of this office
        // still open in the log was cut off by the last run's end.
        let cut = if config.office.is_public() {
            0 // a public replica places no calls, and ends none of the office's
        } else {
            call_store.end_open_calls(&chrono::Utc::now().to_rfc3339(), crate::call::INTERRUPTED)?
        };
        if cut > 0 {
            tracing::warn!(
                legs = cut,
                "calls were in progress when the service last stopped; logged as ended (interrupted)"
            );
        }
        let wiring = crate::call::Wiring {
            config: config.calls.clone(),
            office_name: config.office.name.clone(),
            store: Arc::new(Mutex::new(call_store)),
            officials: city.officials.iter().map(|o| o.reference()).collect(),
            metrics: metrics.clone(),
        };
        let secret = office_token.to_string();
        let audit = Store::open_for(&config.paths.store, &config.office.scope)?;
        let office = Office::start(config.clone(), commands, index.clone(), audit, metrics.clone(), |show| {
            crate::call::spawn(wiring, show, secret)
        });
        // The office's readiness board shows a store write or an index commit that failed.
        let ingest = Ingest::spawn(
            store,
            index.clone(),
            writer,
            Duration::from_millis(config.index.commit_interval_ms),
            chrono::Duration::days(i64::from(config.history.keep_days)),
            metrics.clone(),
            office.parts().clone(),
        )?;
        let health = Health::default();
        let (shutdown, shutdown_rx) = watch::channel(false);
        // Each source runs in one process of the store: here, while this process leads it.
        let standby = if config.office.is_public() {
            "off: a public replica runs no sources"
        } else {
            "standby: another process on the shared store runs it"
        };
        let mut leaderships = Vec::new();
        let mut sources = Vec::new();
        for (name, make) in connectors(&city, &config)? {
            let leadership = match Location::of(&config.paths.store) {
                _ if config.office.is_public() => Leadership::never(),
                Location::Postgres(url) => Leadership::campaign(&url, &name, Duration::from_secs(1), stopping.clone()),
                Location::Sqlite(_) => Leadership::alone(),
            };
            leaderships.push(leadership.clone());
            let (sink, health, shutdown) = (ingest.sink.clone(), health.clone(), shutdown_rx.clone());
            sources.push(tokio::spawn(crate::lead::run(leadership, name, make, standby, sink, health, shutdown)));
        }
        let state = AppState {
            config: Arc::new(arc_swap::ArcSwap::from_pointee(Config::clone(&config))),
            city,
            index,
            store: Arc::new(Mutex::new(Store::open_for(&config.paths.store, &config.office.scope)?)),
            sink: ingest.sink.clone(),
            health,
            metrics,
            office,
            office_token,
            unlock_pin,
            limiter: Default::default(),
            unlock_attempts: Default::default(),
            leaderships,
            replays: Default::default(),
        };
        Ok(Service { state, opened, ingest, shutdown, sources, stopping })
    }

    /// Stops the sources, drains the ingest loop and commits the index.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.sources {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
        self.stopping.store(true, std::sync::atomic::Ordering::Relaxed);
        let Service { state, ingest, .. } = self;
        drop(state);
        let _ = tokio::task::spawn_blocking(move || ingest.finish()).await;
    }
}

/// The configured sources by name, each made afresh for each term this process leads it
/// (checked once now: a bad feed setting stops the start with its error).
fn connectors(city: &Arc<City>, config: &Config) -> Result<Vec<(String, crate::lead::Make)>, StartError> {
    let names: Arc<std::collections::HashMap<String, String>> =
        Arc::new(city.districts.iter().map(|d| (d.name_ko.clone(), d.code.clone())).collect());
    let mut out: Vec<(String, crate::lead::Make)> = Vec::new();
    if config.simulator.enabled {
        let (city, settings, store) = (city.clone(), config.simulator.clone(), config.paths.store.clone());
        out.push((
            "simulator".into(),
            Box::new(move || {
                let resume = simulated_until(&store);
                Some(Box::new(SimulatorConnector::new(&city, &settings, resume)))
            }),
        ));
    }
    for replay in &config.replay {
        let replay = replay.clone();
        out.push((replay.name.clone(), Box::new(move || Some(Box::new(ReplayConnector::new(replay.clone()))))));
    }
    for poll in &config.http_poll {
        HttpPollConnector::new(poll.clone(), (*names).clone())?;
        let (poll, names) = (poll.clone(), names.clone());
        out.push((
            poll.name.clone(),
            Box::new(move || match HttpPollConnector::new(poll.clone(), (*names).clone()) {
                Ok(c) => Some(Box::new(c) as Box<dyn Connector>),
                Err(e) => {
                    tracing::error!(error = %e, "feed poller not started");
                    None
                }
            }),
        ));
    }
    Ok(out)
}

/// How far the simulated city in the store goes: the time of its newest weather reading (the
/// simulator's steadiest beat), so that a restart goes on from there instead of making the same
/// hours twice. None on an empty store, or one that cannot be read now (said in the log).
fn simulated_until(store: &std::path::Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let newest = Store::open(store).and_then(|s| s.latest("weather", None, 1));
    match newest {
        Ok(records) => records.first().map(|r| r.time()),
        Err(e) => {
            tracing::warn!(error = %e, "the simulator cannot see where the stored city ends; it starts from now");
            Some(chrono::Utc::now())
        }
    }
}

/// The office token: from the config, else the one generated on first start beside the store
/// (readable only by its owner), so a fresh install has a secret no one else knows.
pub fn office_token(config: &Config) -> Result<String, StartError> {
    let token = || (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    secret(&config.server.office_token, config, "office_token", "server.office_token", token)
}

/// The PIN that unlocks the office wall: `office.unlock_pin`, else six digits generated on
/// first start beside the store, as the office token is.
pub fn unlock_pin(config: &Config) -> Result<String, StartError> {
    let pin = || format!("{:06}", rand::random::<u32>() % 1_000_000);
    secret(&config.office.unlock_pin, config, "unlock_pin", "office.unlock_pin", pin)
}

/// A secret: `configured` when set; else, on a shared store, the office's row in its `secrets`
/// table (every process of the office uses the same); else the file `name` beside the store,
/// made with `make` on first start (mode 600).
fn secret(
    configured: &str,
    config: &Config,
    name: &str,
    key: &str,
    make: impl Fn() -> String,
) -> Result<String, StartError> {
    if !configured.is_empty() {
        return Ok(configured.to_string());
    }
    if matches!(Location::of(&config.paths.store), Location::Postgres(_)) {
        let mut store = Store::open(&config.paths.store)?;
        if let Some(value) = store.shared_secret(&format!("{name}@{}", config.office.scope), make())? {
            return Ok(value);
        }
    }
    let path = config.paths.store.with_file_name(name);
    let err = |source| StartError::Token { path: path.clone(), source };
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => return Ok(t.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let token = make();
    std::fs::write(&path, &token).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    tracing::info!(path = %path.display(), "generated the {name} ({key} overrides it)");
    Ok(token)
}
