//! Arbitrary messages on the wall's display socket (`/ws/display`): what parses as
//! `{"action": …}` goes to the office as a touch, as the socket does. A touch is done, refused or
//! an error, never a panic, and the office keeps answering.
//! Run: `cargo +nightly fuzz run touch -- -runs=1000000`.
#![no_main]

mod common;

use common::World;
use libfuzzer_sys::fuzz_target;
use scpm::action::Action;
use std::sync::OnceLock;

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| common::world(|config| config.calls.enabled = false))
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
