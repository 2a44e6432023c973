//! The tests that drive Debian chromium (each inside a loopback-only network namespace): the wall,
//! calls to officials in a browser, and a pointing finger clicking the wall.

#[path = "../common/mod.rs"]
mod common;

mod calls;
mod gesture_wall;
mod wall;
mod wall_modes;
