//! `logs ROLE`: a role's logs across its tasks (and, for an ensemble, its
//! members), each line prefixed with the task.

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use futures_util::stream::{SelectAll, StreamExt};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::plan::{Plan, ServiceDef};

pub async fn logs(engine: &Engine, plan: &Plan, role: &str, follow: bool, tail: Option<u64>) -> Result<()> {
    // A role (all its members), or one member by its name (`zookeeper-2`).
    let services: Vec<&ServiceDef> = plan.services.iter().filter(|s| s.role == role || s.step() == role).collect();
    if services.is_empty() {
        let mut names: Vec<String> = plan.services.iter().map(|s| s.role.clone()).collect();
        names.extend(plan.services.iter().filter(|s| s.member.is_some()).map(ServiceDef::step));
        names.dedup();
        return Err(Error::input(format!("cluster {} has no role `{role}`", plan.cluster), format!("roles: {}", names.join(", "))));
    }
    let mut streams = SelectAll::new();
    let mut attached: HashSet<String> = HashSet::new();
    let mut out = std::io::stdout();
    let attach = |step: String, tasks: Vec<crate::engine::TaskInfo>, attached: &mut HashSet<String>, streams: &mut SelectAll<_>| {
        for t in tasks {
            // Old tasks that never ran have no logs; replaced ones are shown unless following.
            if t.container_id.is_none() || (follow && t.desired != crate::engine::TaskState::Running) || !attached.insert(t.id.clone()) {
                continue;
            }
            let prefix = format!("{step}.{}", t.slot);
            streams.push(engine.task_logs(&t.id, follow, tail).map(move |l| l.map(|l| (prefix.clone(), l.text))).boxed());
        }
    };
    for svc in &services {
        attach(svc.step(), engine.tasks(&svc.name).await?, &mut attached, &mut streams);
    }
    if !follow {
        while let Some(item) = streams.next().await {
            let (prefix, text) = item?;
            for line in text.lines() {
                let _ = writeln!(out, "{prefix} | {line}");
            }
        }
        return Ok(());
    }
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            item = streams.next(), if !streams.is_empty() => match item {
                Some(Ok((prefix, text))) => for line in text.lines() { let _ = writeln!(out, "{prefix} | {line}"); },
                Some(Err(e)) => return Err(e),
                None => {}
            },
            _ = tick.tick() => {
                for svc in &services {
                    attach(svc.step(), engine.tasks(&svc.name).await?, &mut attached, &mut streams);
                }
            }
            _ = crate::signals::interrupted() => return Ok(()),
        }
        let _ = out.flush();
    }
}
