//! chainscout: an industry-chain investment-targeting knowledge graph (产业链招商图谱).
//!
//! The library holds everything; `main.rs` only parses the command line. See ARCHITECTURE.md
//! for the bird's-eye view, the code map and the invariants.

pub mod api;
pub mod app;
pub mod cli;
pub mod demo;
pub mod error;
pub mod export;
pub mod generate;
pub mod geo;
pub mod graph;
pub mod import;
pub mod leads;
pub mod model;
pub mod params;
pub mod projects;
pub mod search;

pub mod store;
pub mod views;
pub mod web;

pub use error::{Error, Result};
