//! scpm — Smart City Platform for the Mayor. See ARCHITECTURE.md for the map.

pub mod action;
pub mod audio;
pub mod call;
pub mod city;
pub mod commands;
pub mod config;
pub mod display;
pub mod gesture;
pub mod grammar;
pub mod index;
pub mod ingest;
pub mod install;
pub mod intent;
pub mod lead;
pub mod metrics;
pub mod models;
pub mod office;
pub mod readiness;
pub mod resolve;
pub mod server;
pub mod service;
pub mod sources;
pub mod store;
pub mod text;
pub mod voice;
pub mod wheels;
