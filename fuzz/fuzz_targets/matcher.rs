//! Arbitrary bytes as an utterance to both matchers and the resolver: no panic, same answer twice.
#![no_main]

mod common;

use common::repo;
use libfuzzer_sys::fuzz_target;
use scpm::city::City;
use scpm::commands::Commands;
use scpm::index::CityIndex;
use scpm::store::Store;
use std::sync::OnceLock;

struct World {
    commands: Commands,
    index: CityIndex,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let city = City::load(&repo("data")).expect("run `scpm data prepare` first");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("s.sqlite")).expect("store");
        let (index, _w, _) = CityIndex::open(&dir.path().join("index"), &city, &store, 32).expect("index");
        let commands = Commands::load(&city, &repo("grammars"), true).expect("grammars");
        World { commands, index, _dir: dir }
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let w = world();
    for lang in ["ko", "en"] {
        let a = w.commands.answer(&w.index, &text, Some(lang), &mut Default::default());
        let b = w.commands.answer(&w.index, &text, Some(lang), &mut Default::default());
        assert_eq!(a, b);
    }
});
