//! `scale ROLE=N`: change replicas and wait until the new members are ready;
//! roles that hold data retire members first ([`decommission`]).

use super::ready::RoleState;
use super::{apply, decommission, rounds};
use crate::diag::{did_you_mean, Diagnostic};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Progress;
use crate::plan::Plan;

/// Parse `ROLE=N`.
pub fn parse_request(arg: &str) -> Result<(String, u64)> {
    match arg.split_once('=') {
        Some((role, n)) if !role.is_empty() => match n.parse() {
            Ok(n) => Ok((role.to_string(), n)),
            Err(_) => Err(Diagnostic::new(format!("`{arg}`: `{n}` is not a replica count"))
                .help("write ROLE=N with a whole number, e.g. worker=3")
                .into()),
        },
        _ => Err(Diagnostic::new(format!("`{arg}` is not ROLE=N")).help("write ROLE=N, e.g. worker=3").into()),
    }
}

/// Check every request against the plan before touching anything.
pub fn check(plan: &Plan, requests: &[(String, u64)]) -> Result<()> {
    for (role, n) in requests {
        let Some(svc) = plan.service(role) else {
            let roles: Vec<&str> = plan.services.iter().map(|s| s.role.as_str()).collect();
            let help = did_you_mean(role, &roles, Some("roles"), || format!("roles of {}: {}", plan.cluster, roles.join(", ")));
            return Err(Error::input(format!("cluster {} has no role `{role}`", plan.cluster), help));
        };
        if svc.member.is_some() {
            return Err(Error::input(
                format!("role `{role}` is an ensemble of {} members; its size does not change while it runs", plan.services_of(role).count()),
                "members keep their identity and data; to resize: `bdprov down` (volumes are kept), then `bdprov up` with --set ROLE.members=N",
            ));
        }
        if let Some(reason) = &svc.singleton {
            if *n != 1 {
                return Err(Error::input(
                    format!("role `{role}` cannot be scaled: {reason}"),
                    "scale the roles that hold replicas (see `bdprov status`)",
                ));
            }
        }
    }
    Ok(())
}

/// Scale, then wait until every role is ready. A role that retires members
/// (`decommission:` in its blueprint) goes down only after its highest slots
/// are retired, and up only after retired hosts coming back are readmitted.
pub async fn scale(engine: &Engine, plan: &Plan, requests: &[(String, u64)], progress: &dyn Progress) -> Result<Vec<RoleState>> {
    check(plan, requests)?;
    engine.manager().await?;
    let current = engine.cluster_services(&plan.cluster, false).await?;
    let (changes, moves) = rounds::scale_changes(plan, &current, requests)?;
    // Every request was checked; now the slow, safe part.
    for (svc, def, from, to) in moves {
        if to < from {
            decommission::retire(engine, plan, svc, def, to, progress).await?;
        } else {
            decommission::readmit(engine, plan, svc, def, to, progress).await?;
        }
    }
    apply::wait_for(engine, plan, &changes, progress).await
}
