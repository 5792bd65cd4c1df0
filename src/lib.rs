//! bdprov: declarative big-data clusters on Docker Swarm.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`blueprint`] — YAML text → validated [`blueprint::Blueprint`] (pure; `-f`/`--set` layered on the tree).
//! 2. [`render`] — Tera templates for config files and blueprint strings (pure).
//! 3. [`plan`] — blueprint → [`plan::Plan`]: every swarm object, as data (pure); diff against what runs.
//! 4. [`engine`] — the only code that talks to Docker (Engine API through bollard).
//! 5. [`ops`] — apply a plan in dependency order and wait for readiness ([`probe`]), status, scale, submit, logs, down.
//!
//! [`images`] builds offline images; [`cli`] is the command line; [`output`] reports progress; [`table`] aligns tables.

pub mod blueprint;
pub mod cli;
pub mod diag;
pub mod engine;
pub mod error;
pub mod images;
pub mod ops;
pub mod output;
pub mod plan;
pub mod probe;
pub mod render;
pub mod table;
pub mod yaml;
pub mod zk;

pub use error::{Error, Result};
