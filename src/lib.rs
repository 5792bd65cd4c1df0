//! bdprov: declarative big-data clusters on Docker Swarm.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`blueprint`] — YAML text → validated [`blueprint::Blueprint`] (pure; `-f`/`--set` layered on the tree).
//! 2. [`render`] — Tera templates for config files and blueprint strings (pure).
//! 3. [`plan`] — blueprint → [`plan::Plan`]: every swarm object, as data (pure); diff against what runs.
//!    [`pipeline`] assembles stages 1–3 in one function, which `render`, `up` (and its dry run) and fuzzing call.
//! 4. [`engine`] — the only code that talks to Docker (Engine API through bollard).
//! 5. [`ops`] — the generic lifecycle: apply a plan in dependency order and wait for readiness ([`probe`]), status,
//!    scale, logs, down, doctor, hooks, one-shot jobs; [`poll`] is how every wait is done.
//!
//! [`units`] parses sizes, CPUs, modes, durations and names for both the blueprint and the plan.
//! [`systems`] holds what bdprov knows about particular systems (HDFS, YARN, Spark, Storm, ZooKeeper): their APIs and
//! command lines, used by probes, hooks and `submit`/`storm`. [`images`] builds offline images; [`cli`] is the command
//! line; [`output`] reports progress; [`table`] aligns tables.
//! [`signals`] makes every interruption (SIGINT, SIGTERM, SIGHUP, SIGQUIT) clean up like Ctrl-C.

pub mod blueprint;
pub mod cli;
pub mod diag;
pub mod engine;
pub mod error;
pub mod fuzz;
pub mod http;
pub mod images;
pub mod job;
pub mod lock;
pub mod ops;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod poll;
pub mod probe;
pub mod render;
pub mod signals;
pub mod systems;
pub mod table;
pub mod units;
pub mod yaml;

pub use error::{Error, Result};
