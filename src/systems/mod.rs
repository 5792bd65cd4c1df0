//! The systems bdprov knows by name, apart from the generic machinery in
//! [`crate::ops`]: how to talk to each through its own API or command line.
//! Blueprints describe clusters generically (roles, probes, hooks, jobs);
//! these modules are where product knowledge lives.
//!
//! - [`hdfs`]: directories in HDFS, through the NameNode's WebHDFS API or `hdfs dfs` in one-shot jobs
//!   (the `webhdfs` and `hdfs` hooks, [`hdfs::webhdfs_hook`] and [`hdfs::paths::ensure`]).
//! - [`yarn`]: following an application through the ResourceManager's REST API; what
//!   the ResourceManager says of its nodes, limits and waiting applications ([`yarn::preflight`]).
//! - [`spark`]: spark-submit command lines for `submit spark|yarn`, and `submit`'s
//!   preflight ([`spark::preflight`]: can the job ever get executors, and why does it wait).
//! - [`preflight`]: what those preflights share (asking an HTTP API, keeping why a job waits).
//! - [`storm`]: `storm jar` for `submit storm`; `storm list|kill` through the UI's REST API or Storm's CLI.
//! - [`zookeeper`]: four-letter words and a znode's children (readiness probes).
//! - [`answer`]: why a daemon's answer cannot be read ([`answer::BadAnswer`]).
//! - [`figures`]: the live figures `status` shows, read by each system's own
//!   `figures` module ([`hdfs::figures`], [`yarn::figures`], …).
//!
//! Each system is a folder: `mod.rs` talks to it, `figures.rs` reads its live
//! figures, and what else it needs sits next to them (`hdfs/paths.rs`,
//! `hdfs/plan.rs` for what its hooks become in the plan, the `preflight.rs`
//! of Spark and YARN).
//!
//! What the generic layers ([`crate::plan`], [`crate::ops`]) ask of the
//! systems, so that they name no product themselves:
//!
//! - [`Sections`]: what a blueprint's `jobs` and `hooks` become in the plan,
//!   each system planning its own through the builder's [`Planner`]
//!   ([`crate::plan::build::Systems`], which [`crate::pipeline`] hands the
//!   planner: `plan` may not name this module).
//! - [`check_plan`]: the systems' own rules for a built plan.
//! - [`run_hook`]: a hook of a system's own (not a job), run by `up`.
//! - [`leading_mode`]: the mode an ensemble's leader reports, for readiness.
//! - [`reshape_by_hand`]: how data are moved by hand when a role changes shape.
//!
//! Jobs run through [`crate::job`]; HTTP APIs are reached on a role's
//! published port ([`crate::engine::Engine::reach`]).

pub mod answer;
pub mod figures;
pub mod hdfs;
pub mod preflight;
pub mod spark;
pub mod storm;
pub mod yarn;
pub mod zookeeper;

use crate::blueprint::{Blueprint, Hook, HookAction, Jobs};
use crate::diag::Diagnostics;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Progress;
use crate::plan::build::{Planner, Systems};
use crate::plan::{CheckDef, HookActionDef, HookDef, JobDefs, Plan};
use crate::render::Renderer;

/// The systems' planning of their own sections of a blueprint, handed to
/// the planner in [`crate::plan::build::Options`].
pub struct Sections;

impl Systems for Sections {
    /// Each system's section of the blueprint's `jobs`, planned by that system.
    fn jobs(&self, p: &mut Planner, jobs: &Jobs) -> JobDefs {
        JobDefs {
            spark: jobs.spark.as_ref().map(|sj| spark::plan_jobs(p, sj, "spark")),
            yarn: jobs.yarn.as_ref().map(|sj| spark::plan_jobs(p, sj, "yarn")),
            storm: jobs.storm.as_ref().map(|st| storm::plan_jobs(p, st)),
        }
    }

    /// A job hook is the builder's; HDFS's paths are HDFS's.
    fn hook(&self, p: &mut Planner, h: &Hook) -> HookActionDef {
        let path = format!("hooks.{}", h.name);
        match &h.action {
            HookAction::Job { workload, command, colocate } => p.job_hook(&h.name, workload, command, colocate.as_ref(), &path),
            HookAction::Webhdfs { role, port, user, paths, .. } => hdfs::plan::webhdfs_hook(p, role, port, user, paths, &path),
            HookAction::Hdfs { role, user, paths, .. } => hdfs::plan::hdfs_hook(p, &h.name, role, user, paths, &path),
        }
    }
}

/// The systems' own rules for a plan, run once it was built without errors
/// ([`crate::pipeline`] calls them, so the generic planner names no
/// product): each system checks the settings the blueprint rendered for it,
/// pointing at the value that set them, and records in the plan what later
/// commands check against. Spark's memory rules ([`spark::memory`]) are the
/// only ones so far.
pub fn check_plan(bp: &Blueprint, renderer: &Renderer, plan: &mut Plan, errs: &mut Diagnostics) {
    spark::memory::check_plan(bp, renderer, plan, errs);
}

/// How each system's data are converted by hand when a role changes shape
/// (one service, or members of its own), for `up`'s refusal to leave the
/// data behind.
pub fn reshape_by_hand() -> String {
    format!("HDFS: {}", hdfs::RESHAPE_BY_HAND)
}

/// The mode the one leading member of an ensemble reports, for probes whose
/// check reads the members' modes itself (a blueprint's `modes` names it
/// otherwise): a ZooKeeper member's `srvr` says [`zookeeper::LEADER`].
pub fn leading_mode(check: &CheckDef) -> Option<&'static str> {
    match check {
        CheckDef::Zookeeper { znode: None } => Some(zookeeper::LEADER),
        _ => None,
    }
}

/// Run a hook of a system's own (HDFS's paths) for `up`; what it did, in a
/// few words. A job hook is [`crate::ops::hooks`]'s to run, not a system's:
/// handed one, this says so as an error.
pub async fn run_hook(engine: &Engine, plan: &Plan, hook: &HookDef, progress: &dyn Progress) -> Result<String> {
    match &hook.action {
        HookActionDef::Webhdfs { endpoint, user, paths } => hdfs::webhdfs_hook(engine, &hook.name, endpoint, user, paths).await,
        HookActionDef::Hdfs { template, paths, .. } => {
            hdfs::paths::ensure(engine, plan, &hook.name, template, paths, progress).await.map(|done| hdfs::summary(&done))
        }
        HookActionDef::Job { .. } => Err(Error::msg(format!("hook `{}` is a job, which no system runs", hook.name))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reshaped_namenode_is_converted_with_initialize_shared_edits() {
        assert_eq!(super::reshape_by_hand(), "HDFS: `hdfs namenode -initializeSharedEdits` on a copy of the NameNode's volume");
    }
}
