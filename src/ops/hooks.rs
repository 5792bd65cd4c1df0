//! Hooks: steps `up` runs itself once the roles they come after are ready.
//! They run on every `up`, so each must be idempotent.

use crate::engine::Engine;
use crate::error::Result;
use crate::job::{self, Job};
use crate::output::Progress;
use crate::plan::{HookActionDef, HookDef, Plan};
use crate::systems;

/// Run one hook; what it did, in a few words.
pub async fn run(engine: &Engine, plan: &Plan, hook: &HookDef, progress: &dyn Progress) -> Result<String> {
    match &hook.action {
        HookActionDef::Job { template, colocate } => {
            let template = job::colocated(engine, plan, template, colocate.as_deref()).await?;
            let command = template.entrypoint.clone().unwrap_or_default();
            let (code, output) = job::run(engine, plan, Job::new(&template, &hook.name, command), progress).await?;
            if code == 0 {
                return Ok("job exited 0".into());
            }
            Err(job::failed(
                &format!("hook `{}`", hook.name),
                code,
                &output,
                "fix the cause and run `bdprov up` again: hooks run on every `up`",
            ))
        }
        // The systems' own hooks.
        _ => systems::run_hook(engine, plan, hook, progress).await,
    }
}
