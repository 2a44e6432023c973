//! The fast tests, in one binary: the HTTP API, commands and grammars, the index, the city data and
//! sources, the display socket, call signalling and gestures from landmarks. No model, no browser.

#[path = "../common/mod.rs"]
mod common;

mod api;
mod architecture;
mod call_signaling;
mod city_data;
mod commands;
mod display_ws;
mod faults;
mod gestures;
mod help;
mod lock;
mod office;
mod openapi;
mod operations;
mod paths;
mod pointing;
mod postgres;
mod replay;
mod resolution;
mod screens;
mod simulator;
mod sources;
mod understanding;
