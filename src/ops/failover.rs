//! `failover ROLE`: hand the active part of a pair (or ensemble) to another
//! member, the way its blueprint says: the product's own hand-over as a
//! one-shot job (`FROM` and `TO` are member numbers), or restarting the active
//! member so that the others elect a new one. Then wait until exactly one
//! member is active again, and the rest are ready to take over.
//!
//! Nothing here knows a product: which member is active comes from the
//! role's probe (`mode`, `active`, `standby`), as for `up` and `status`.

use std::time::{Duration, Instant};

use super::ready::{self, RoleState};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::job::{self, Job};
use crate::output::Progress;
use crate::plan::{FailoverActionDef, Plan, ServiceDef};
use crate::poll::{self, Seen};

/// What a hand-over did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Handover {
    pub role: String,
    /// The member that was active (`namenode-1`).
    pub from: String,
    /// The member that is active now.
    pub to: String,
    /// From the start of the hand-over until the new member was active.
    pub secs: f64,
    /// Every member as it ended: the one active, the others standby.
    pub members: Vec<RoleState>,
}

/// Which member takes over: the one asked for, else the first standby that
/// is ready. Pure, on the members' observed states (member number, state).
pub fn choose(role: &str, members: &[(u64, RoleState)], to: Option<u64>) -> Result<(u64, u64)> {
    let active: Vec<&(u64, RoleState)> = members.iter().filter(|(_, s)| s.active == Some(true)).collect();
    let from = match active.as_slice() {
        [one] => one.0,
        [] => {
            return Err(Error::help(
                format!("no member of `{role}` is active now ({})", seen(members)),
                "there is nothing to hand over: `bdprov status` shows the members; they elect an active one by themselves",
            ));
        }
        many => {
            let names: Vec<&str> = many.iter().map(|(_, s)| s.role.as_str()).collect();
            return Err(Error::help(
                format!("{} members of `{role}` say they are active: {}", many.len(), names.join(", ")),
                "a hand-over now could make it worse: check `bdprov status` and the members' logs (`bdprov logs ROLE`)",
            ));
        }
    };
    let ready_standby = |(n, s): &&(u64, RoleState)| *n != from && s.is_ready && s.active == Some(false);
    let to = match to {
        Some(n) if n == from => {
            return Err(Error::input(format!("{role}-{n} is the active member already"), "name a standby member, or leave out --to"))
        }
        Some(n) => match members.iter().find(|(m, _)| *m == n) {
            None => {
                let all: Vec<String> = members.iter().map(|(m, _)| m.to_string()).collect();
                return Err(Error::input(format!("`{role}` has no member {n}"), format!("its members are {}", all.join(", "))));
            }
            Some(m) if !ready_standby(&m) => {
                return Err(Error::help(
                    format!("{role}-{n} is not a standby ready to take over: {}", m.1.detail),
                    "wait until `bdprov status` shows it standby, or leave out --to",
                ))
            }
            Some(_) => n,
        },
        None => match members.iter().find(|m| ready_standby(m)) {
            Some((n, _)) => *n,
            None => {
                return Err(Error::help(
                    format!("no member of `{role}` is a standby ready to take over"),
                    "a hand-over now would leave no active member: `bdprov status` shows why the others are not ready",
                ))
            }
        },
    };
    Ok((from, to))
}

/// What each member says, for messages: `nn-1: standby; nn-2: …`.
fn seen(members: &[(u64, RoleState)]) -> String {
    members.iter().map(|(_, s)| format!("{}: {}", s.role, s.detail)).collect::<Vec<_>>().join("; ")
}

async fn observe_all(engine: &Engine, members: &[&ServiceDef]) -> Result<Vec<(u64, RoleState)>> {
    let client = crate::http::client();
    let nodes = engine.nodes().await?;
    let mut out = Vec::new();
    for svc in members {
        let (state, _) = ready::observe(engine, &client, svc, 1, &nodes).await?;
        out.push((svc.member.unwrap_or(1), state));
    }
    Ok(out)
}

/// Hand over `role`'s active part (to member `to`, else to a ready standby)
/// and wait until the pair is whole again.
pub async fn failover(engine: &Engine, plan: &Plan, role: &str, to: Option<u64>, progress: &dyn Progress) -> Result<Handover> {
    let Some(def) = plan.failover_of(role) else {
        let pairs: Vec<&str> = plan.failover.iter().map(|f| f.role.as_str()).collect();
        let help = match pairs.as_slice() {
            [] => format!(
                "cluster {} has no role in a pair (its blueprint `{}` runs one of each); the -ha blueprints do",
                plan.cluster, plan.blueprint
            ),
            _ => format!("roles of {} that hand over: {}", plan.cluster, pairs.join(", ")),
        };
        return Err(Error::input(format!("role `{role}` of cluster {} does not hand over", plan.cluster), help));
    };
    engine.manager().await?;
    let members: Vec<&ServiceDef> = plan.services_of(role).collect();
    let before = observe_all(engine, &members).await?;
    let (from, to) = choose(role, &before, to)?;
    let from_svc = members.iter().find(|s| s.member == Some(from)).expect("chosen among the members");
    let started = Instant::now();
    match &def.action {
        FailoverActionDef::Job { template } => {
            progress.note(&format!("{role}: handing over from {role}-{from} to {role}-{to}"));
            let mut template = (**template).clone();
            template.env.extend([format!("FROM={from}"), format!("TO={to}")]);
            let command = template.entrypoint.clone().unwrap_or_default();
            let kind = format!("{role}-failover");
            let (code, output) = job::run(engine, plan, Job::new(&template, &kind, command), progress).await?;
            if code != 0 {
                return Err(job::failed(
                    &format!("the hand-over of `{role}`"),
                    code,
                    &output,
                    &format!("{role}-{from} should still be active: check with `bdprov status`"),
                ));
            }
        }
        FailoverActionDef::Restart => {
            progress.note(&format!("{role}: restarting the active member {role}-{from}; another member takes over"));
            engine.restart_service(&from_svc.name).await?;
        }
    }
    // The new active member first (the hand-over's own time), then the old
    // one back as a standby.
    let limit = Duration::from_secs(from_svc.probe.as_ref().map_or(180, |p| p.timeout_secs));
    let took_over = poll::until(
        Duration::from_millis(500),
        limit,
        async || {
            crate::ops::lease::check()?;
            let now = observe_all(engine, &members).await?;
            let active: Vec<u64> = now.iter().filter(|(_, s)| s.active == Some(true)).map(|(n, _)| *n).collect();
            Ok(match active.as_slice() {
                [n] if *n != from => Seen::Done(*n),
                _ => Seen::Waiting(now),
            })
        },
        |now: Vec<(u64, RoleState)>, waited| {
            Error::help(
                format!("no other member of `{role}` became active within {}s ({})", waited.as_secs(), seen(&now)),
                "`bdprov status` shows the members; `bdprov logs ROLE` their logs",
            )
        },
    )
    .await?;
    let secs = started.elapsed().as_secs_f64();
    progress.note(&format!("{role}: {role}-{took_over} is active ({secs:.1}s); waiting for {role}-{from} to stand by"));
    let members_now = poll::until(
        Duration::from_millis(500),
        limit,
        async || {
            let now = observe_all(engine, &members).await?;
            let states: Vec<&RoleState> = now.iter().map(|(_, s)| s).collect();
            let whole = states.iter().all(|s| s.is_ready) && ready::ensemble_problem(&states).is_none();
            Ok(if whole { Seen::Done(now) } else { Seen::Waiting(now) })
        },
        |now: Vec<(u64, RoleState)>, waited| {
            Error::help(
                format!("{role}-{took_over} is active, but the pair is not whole after {}s ({})", waited.as_secs(), seen(&now)),
                "`bdprov status` shows the members; `bdprov up` restores a member that is gone",
            )
        },
    )
    .await?;
    Ok(Handover {
        role: role.to_string(),
        from: format!("{role}-{from}"),
        to: format!("{role}-{took_over}"),
        secs,
        members: members_now.into_iter().map(|(_, s)| s).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(n: u64, mode: &str, is_ready: bool) -> (u64, RoleState) {
        (
            n,
            RoleState {
                role: format!("nn-{n}"),
                service: format!("c_nn-{n}"),
                mode: Some(mode.into()),
                active: Some(mode == "active"),
                leading: Some("active".into()),
                position: None,
                desired: 1,
                running: 1,
                ready: u64::from(is_ready),
                is_ready,
                detail: mode.into(),
                tasks: vec![],
                urls: vec![],
            },
        )
    }

    #[test]
    fn hands_over_from_the_active_member_to_a_ready_standby() {
        let pair = [member(1, "active", true), member(2, "standby", true)];
        assert_eq!(choose("nn", &pair, None).unwrap(), (1, 2));
        assert_eq!(choose("nn", &pair, Some(2)).unwrap(), (1, 2));
        assert!(choose("nn", &pair, Some(1)).unwrap_err().to_string().contains("active member already"));
        assert!(choose("nn", &pair, Some(3)).unwrap_err().to_string().contains("no member 3"));
    }

    #[test]
    fn refuses_without_one_active_member_or_a_ready_standby() {
        let none = [member(1, "standby", true), member(2, "standby", true)];
        assert!(choose("nn", &none, None).unwrap_err().to_string().contains("no member of `nn` is active"));
        let two = [member(1, "active", true), member(2, "active", true)];
        assert!(choose("nn", &two, None).unwrap_err().to_string().contains("2 members of `nn` say they are active"));
        let lagging = [member(1, "active", true), member(2, "standby", false)];
        assert!(choose("nn", &lagging, None).unwrap_err().to_string().contains("no member of `nn` is a standby ready"));
    }
}
