//! `scale ROLE=N`: change replicas and wait until the new members are ready;
//! roles that hold data retire members first ([`decommission`]).

use super::ready::RoleState;
use super::{apply, decommission};
use crate::diag::{suggest, Diagnostic};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Progress;
use crate::plan::diff::{Action, Changes};
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
            let help = match suggest(role, roles.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? (roles: {})", roles.join(", ")),
                None => format!("roles of {}: {}", plan.cluster, roles.join(", ")),
            };
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
    let mut changes = Changes::default();
    let mut moves = Vec::new();
    for svc in &plan.services {
        let Some(obs) = current.iter().find(|o| o.name == svc.name) else {
            return Err(Error::help(
                format!("service {} of cluster {} is missing", svc.name, plan.cluster),
                "run `bdprov up` to restore the cluster first",
            ));
        };
        let target = requests.iter().find(|(r, _)| r == &svc.role).map(|(_, n)| *n);
        let decommission = plan.decommission_of(&svc.role);
        if let (Some(n), Some(def)) = (target, decommission) {
            decommission::check_keep(def, obs.replicas, n)?;
            moves.push((svc, def, obs.replicas, n));
        }
        let action = match target {
            // Retiring lowers the replicas itself, at the right moment.
            Some(n) if decommission.is_some() && n < obs.replicas => Action::Keep { replicas: n },
            Some(n) if n != obs.replicas => Action::Scale { version: obs.version, from: obs.replicas, to: n },
            _ => Action::Keep { replicas: obs.replicas },
        };
        changes.services.push((svc.name.clone(), action));
    }
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
