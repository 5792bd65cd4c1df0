//! `status`'s live figures, generically: each system of
//! [`crate::systems::figures::sources`] says which front to recognize (by
//! the path its readiness probes ask) and what to ask it; this finds that
//! front in the plan (the active member's, for a pair), asks it on its
//! published port, and never fails: a figure that cannot be read says why.

use std::collections::BTreeMap;
use std::time::Duration;

use super::ready::RoleState;
use crate::engine::Engine;
use crate::http;
use crate::plan::{CheckDef, EndpointDef, Plan};
use crate::systems::answer::BadAnswer;
use crate::systems::figures::{sources, Ask, Figure, Member};

/// How long one answer may take: `status` must stay quick.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// Every figure of the cluster, by system; systems the cluster lacks are
/// absent. `roles` are the states of `plan.services`, in the same order.
pub async fn read(engine: &Engine, client: &reqwest::Client, plan: &Plan, roles: &[RoleState]) -> BTreeMap<String, Figure> {
    let mut out = BTreeMap::new();
    for source in sources() {
        let figure = match &source.ask {
            Ask::Http { probe, path, read } => match fronts(plan, roles, probe) {
                None => continue,
                Some(Err(why)) => Figure::unknown(why),
                Some(Ok(fronts)) => {
                    let mut bases = Vec::new();
                    let mut why = None;
                    for ep in &fronts {
                        match engine.reach_all(ep).await {
                            Ok(found) => bases.extend(found.into_iter().filter(|b| !bases.contains(b)).collect::<Vec<_>>()),
                            Err(e) => why = Some(e.to_string()),
                        }
                    }
                    match (bases.is_empty(), why) {
                        (true, Some(why)) => Figure::unknown(why),
                        (true, None) => Figure::unknown(format!("role `{}` has no running task to ask", fronts[0].role)),
                        (false, _) => ask(client, &bases, path, *read).await,
                    }
                }
            },
            Ask::Modes { probed, read } => {
                let members: Vec<Member> = plan
                    .services
                    .iter()
                    .zip(roles)
                    .filter(|(s, _)| s.probe.as_ref().is_some_and(|p| probed(&p.check)))
                    .map(|(_, r)| Member { name: r.role.clone(), mode: r.mode.clone() })
                    .collect();
                if members.is_empty() {
                    continue;
                }
                read(&members).unwrap_or_else(|e| Figure::unknown(e.to_string()))
            }
        };
        out.insert(source.system.to_string(), figure);
    }
    out
}

/// The fronts that answer for a system: those asked by readiness probes
/// whose path starts with `probe`, each once. Where those roles are members
/// of a pair (their probes say which is active), only the active member's
/// front: a standby's figures are stale or empty. `None`: no role's probe
/// asks such a path (the cluster does not run the system).
pub fn fronts(plan: &Plan, roles: &[RoleState], probe: &str) -> Option<Result<Vec<EndpointDef>, String>> {
    let asked: Vec<(&RoleState, &crate::plan::ProbeDef)> = plan
        .services
        .iter()
        .zip(roles)
        .filter_map(|(s, r)| s.probe.as_ref().map(|p| (r, p)))
        .filter(|(_, p)| matches!(&p.check, CheckDef::Http { path, .. } if path.starts_with(probe)))
        .collect();
    if asked.is_empty() {
        return None;
    }
    let front = |p: &crate::plan::ProbeDef, others: Vec<(String, u16)>| EndpointDef {
        service: p.service.clone(),
        role: p.role.clone(),
        port: p.port,
        others,
    };
    let paired: Vec<&(&RoleState, &crate::plan::ProbeDef)> = asked.iter().filter(|(r, _)| r.active.is_some()).collect();
    let chosen: Vec<EndpointDef> = if paired.is_empty() {
        asked.iter().map(|(_, p)| front(p, p.others.clone())).collect()
    } else {
        let active: Vec<_> = paired.iter().filter(|(r, _)| r.active == Some(true)).collect();
        if active.is_empty() {
            let names: Vec<&str> = paired.iter().map(|(r, _)| r.role.as_str()).collect();
            return Some(Err(format!("no member is active ({})", names.join(", "))));
        }
        active.iter().map(|(_, p)| front(p, vec![])).collect()
    };
    let mut out: Vec<EndpointDef> = Vec::new();
    for ep in chosen {
        if !out.iter().any(|o| o.service == ep.service && o.port == ep.port) {
            out.push(ep);
        }
    }
    Some(Ok(out))
}

/// `GET path` from each base in turn (`http://host:port`) until one answers
/// 2xx; its body read by `read`. Never fails: what went wrong is the figure.
pub async fn ask(client: &reqwest::Client, bases: &[String], path: &str, read: fn(&str) -> Result<Figure, BadAnswer>) -> Figure {
    let mut why = "nothing to ask".to_string();
    for base in bases {
        let url = format!("{base}{path}");
        let resp = match client.get(&url).timeout(ASK_TIMEOUT).send().await {
            Ok(r) => r,
            Err(e) => {
                why = format!("{url}: {}", http::root_cause(&e));
                continue;
            }
        };
        let status = resp.status().as_u16();
        match resp.text().await {
            Ok(body) if (200..300).contains(&status) => return read(&body).unwrap_or_else(|e| Figure::unknown(format!("{url}: {e}"))),
            Ok(_) => why = format!("{url}: HTTP {status}"),
            Err(e) => why = format!("{url}: {}", http::root_cause(&e)),
        }
    }
    Figure::unknown(why)
}
