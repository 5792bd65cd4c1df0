//! The systems bdprov knows by name, apart from the generic machinery in
//! [`crate::ops`]: how to talk to each through its own API or command line.
//! Blueprints describe clusters generically (roles, probes, hooks, jobs);
//! these modules are where product knowledge lives.
//!
//! - [`hdfs`]: directories through the NameNode's WebHDFS API (the `webhdfs` hook).
//! - [`yarn`]: following an application through the ResourceManager's REST API; what
//!   the ResourceManager says of its nodes, limits and waiting applications ([`yarn::preflight`]).
//! - [`spark`]: spark-submit command lines for `submit spark|yarn`, and `submit`'s
//!   preflight ([`spark::preflight`]: can the job ever get executors, and why does it wait).
//! - [`preflight`]: what those preflights share (asking an HTTP API, keeping why a job waits).
//! - [`storm`]: `storm jar` for `submit storm`; `storm list|kill` through the UI's REST API or Storm's CLI.
//! - [`zookeeper`]: four-letter words and a znode's children (readiness probes).
//! - [`figures`]: the live figures `status` shows, read by each system's own
//!   `figures` module ([`hdfs::figures`], [`yarn::figures`], …).
//!
//! Each system is a folder: `mod.rs` talks to it, `figures.rs` reads its live
//! figures, and what else it needs sits next to them (`hdfs/paths.rs`, the
//! `preflight.rs` of Spark and YARN).
//!
//! Jobs run through [`crate::ops::job`]; HTTP APIs are reached on a role's
//! published port ([`crate::ops::ready::reach`]).

pub mod figures;
pub mod hdfs;
pub mod preflight;
pub mod spark;
pub mod storm;
pub mod yarn;
pub mod zookeeper;
