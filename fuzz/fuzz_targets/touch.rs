//! Arbitrary messages on the wall's display socket (`/ws/display`): what parses as
//! `{"action": …}` goes to the office as a touch, as the socket does. A touch is done, refused or
//! an error, never a panic, and the office keeps answering.
//! Run: `cargo +nightly fuzz run touch -- -runs=1000000`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scpm::action::Action;
use scpm::config::Config;
use scpm::service::Service;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A folder of the repository (the fuzz crate sits in `fuzz/`).
fn repo(folder: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(folder)
}

struct World {
    _rt: tokio::runtime::Runtime,
    service: Service,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::default();
        config.paths.data_dir = repo("data");
        config.paths.grammars = repo("grammars");
        config.paths.index_dir = dir.path().join("index");
        config.paths.store = dir.path().join("s.sqlite");
        config.simulator.enabled = false;
        config.calls.enabled = false;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        let service = rt.block_on(Service::start(config)).expect("service");
        World { _rt: rt, service, _dir: dir }
    })
}

#[derive(serde::Deserialize)]
struct Touch {
    action: Action,
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(touch) = serde_json::from_str::<Touch>(text) else { return };
    let office = &world().service.state.office;
    let _ = office.touch(text, &touch.action);
    assert!(office.display().is_ok(), "the office answers after {text}");
});
