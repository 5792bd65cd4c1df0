//! Hooks: steps `up` runs itself once the roles they come after are ready.
//! They run on every `up`, so each must be idempotent.

use super::submit::{self, Echo};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Progress;
use crate::plan::{HookActionDef, HookDef, Plan};

/// Run one hook; what it did, in a few words.
pub async fn run(engine: &Engine, plan: &Plan, hook: &HookDef, progress: &dyn Progress) -> Result<String> {
    match &hook.action {
        HookActionDef::Job { template } => {
            let command = template.entrypoint.clone().unwrap_or_default();
            let (code, output) = submit::run(engine, plan, template, &hook.name, command, None, Echo::Keep, progress).await?;
            if code == 0 {
                return Ok("job exited 0".into());
            }
            let tail: Vec<&str> = output.iter().rev().take(20).map(String::as_str).collect::<Vec<_>>().into_iter().rev().collect();
            Err(Error::help(
                format!("hook `{}` failed: its job exited {code}; last lines:\n    | {}", hook.name, tail.join("\n    | ")),
                "fix the cause and run `bdprov up` again: hooks run on every `up`",
            ))
        }
    }
}
