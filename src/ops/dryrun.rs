//! `up --dry-run`: what `up` would change on the live swarm, computed the
//! way `up` computes it (placement, port remaps, the diff against what
//! runs), and nothing changed: only reads go to the engine.

use crate::engine::Engine;
use crate::error::Result;
use crate::plan::diff::Changes;
use crate::plan::{preview, Plan};

pub struct DryRun {
    pub changes: Changes,
    /// What `up` would print about remapped ports.
    pub remaps: Vec<String>,
    /// The report: every change, with the fields of updated services.
    pub report: String,
}

pub async fn dry_run(engine: &Engine, plan: &Plan) -> Result<DryRun> {
    let prepared = super::apply::prepare(engine, plan).await.map_err(|e| e.context("`up` would refuse"))?;
    let remaps: Vec<String> = prepared.remaps.iter().map(ToString::to_string).collect();
    let report = preview::report(&prepared.plan, &prepared.changes, prepared.previous.as_ref(), &remaps);
    Ok(DryRun { changes: prepared.changes, remaps, report })
}
