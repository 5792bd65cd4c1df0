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
//! - [`figures`]: the live figures `status` shows, one `*_figures` module per system.
//!
//! Jobs run through [`crate::ops::job`]; HTTP APIs are reached on a role's
//! published port ([`crate::ops::ready::reach`]).

pub mod figures;
pub mod hdfs;
pub mod hdfs_figures;
pub mod hdfs_paths;
pub mod preflight;
pub mod spark;
pub mod spark_figures;
pub mod storm;
pub mod storm_figures;
pub mod yarn;
pub mod yarn_figures;
pub mod zookeeper;
pub mod zookeeper_figures;
