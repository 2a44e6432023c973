//! scpm — Smart City Platform for the Mayor. See ARCHITECTURE.md for the map.

pub mod city;
pub mod config;
pub mod index;
pub mod ingest;
pub mod metrics;
pub mod server;
pub mod service;
pub mod sources;
pub mod store;
pub mod text;
