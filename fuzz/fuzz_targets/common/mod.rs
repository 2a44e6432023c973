//! What the targets that need a running office share: the repository's folders, and a service
//! on a throw-away store and index (no simulator), started once per fuzzing process.
#![allow(dead_code)]

use scpm::config::Config;
use scpm::service::Service;
use std::path::PathBuf;

/// A folder of the repository (the fuzz crate sits in `fuzz/`).
pub fn repo(folder: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(folder)
}

pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub service: Service,
    _dir: tempfile::TempDir,
}

/// A service with `tune` applied to its default config.
pub fn world(tune: impl FnOnce(&mut Config)) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::default();
    config.paths.data_dir = repo("data");
    config.paths.grammars = repo("grammars");
    config.paths.index_dir = dir.path().join("index");
    config.paths.store = dir.path().join("s.sqlite");
    config.simulator.enabled = false;
    tune(&mut config);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
    let service = rt.block_on(Service::start(config)).expect("service");
    World { rt, service, _dir: dir }
}
