//! `up --dry-run`: what `up` would change on the live swarm, computed the
//! way `up` computes it (placement, port remaps, the diff against what
//! runs), and nothing changed: only reads go to the engine.

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::plan::diff::{self, Changes};
use crate::plan::{ports, preview, Plan};

pub struct DryRun {
    pub changes: Changes,
    /// What `up` would print about remapped ports.
    pub remaps: Vec<String>,
    /// The report: every change, with the fields of updated services.
    pub report: String,
}

pub async fn dry_run(engine: &Engine, plan: &Plan) -> Result<DryRun> {
    engine.manager().await?;
    let mut plan = plan.clone();
    let previous = engine.load_state(&plan.cluster).await.unwrap_or(None);
    let nodes = engine.nodes().await?;
    let (key, value) = crate::plan::MASTER_LABEL;
    crate::plan::resolve_placement(
        &mut plan,
        nodes.iter().any(|n| n.labels.get(key).map(String::as_str) == Some(value)),
        previous.as_ref(),
    );
    let taken = engine.foreign_ports(&plan.cluster).await?;
    let remaps: Vec<String> =
        ports::resolve(&mut plan, &taken, previous.as_ref()).map_err(Error::msg)?.iter().map(ToString::to_string).collect();
    let observed = engine.observe(&plan).await?;
    let changes = diff::diff(&plan, &observed).map_err(|conflicts| {
        Error::help(
            format!("`up` would refuse: {}", conflicts.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n       ")),
            "bdprov only changes objects it created for this cluster",
        )
    })?;
    let report = preview::report(&plan, &changes, previous.as_ref(), &remaps);
    Ok(DryRun { changes, remaps, report })
}
