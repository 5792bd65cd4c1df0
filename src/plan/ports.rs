//! Published ports that move when taken. A port marked `remap` asks for a
//! preferred number; when another service already publishes it, the port
//! takes the next free number instead (Storm's UI and Spark's master UI both
//! default to 8080; the web UIs of the built-in blueprints all remap). `up` resolves the plan this way before the diff and
//! stores the result, so `status`, probes, hooks and jobs use the port it got, and a
//! later `up` keeps that port while it stays free. Pure: the swarm's taken
//! ports and the previous plan are passed in.

use std::collections::{BTreeMap, BTreeSet};

use super::Plan;

/// A port that did not get its preferred number.
#[derive(Clone, Debug, PartialEq)]
pub struct Remap {
    /// The service's step name (`ui`, `zookeeper-2`).
    pub step: String,
    pub port: String,
    pub preferred: u16,
    pub published: u16,
    /// Why it is not the preferred one.
    pub reason: String,
}

impl std::fmt::Display for Remap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: port {} published on {} instead of {} ({})", self.step, self.port, self.published, self.preferred, self.reason)
    }
}

/// A remappable port with no free number from its preferred one up.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{step}: no free port from {preferred} up to publish port {port} on")]
pub struct NoFreePort {
    /// The service's step name, as in [`Remap::step`].
    pub step: String,
    pub port: String,
    pub preferred: u16,
}

impl From<NoFreePort> for crate::error::Error {
    fn from(e: NoFreePort) -> crate::error::Error {
        crate::error::Error::caused(e, None)
    }
}

/// Give every remappable port of `plan` its number, and point the probes
/// that use it there. `taken` maps host ports published by services outside
/// the cluster to their service; `previous` is the plan the last `up` stored.
///
/// Host-mode ports bind per node, but tasks move between nodes, so a port
/// published by any other service counts as taken. Fixed ports of the plan
/// are never moved; remappable ones go around them.
pub fn resolve(plan: &mut Plan, taken: &BTreeMap<u16, String>, previous: Option<&Plan>) -> Result<Vec<Remap>, NoFreePort> {
    let mut used: BTreeSet<u16> = taken.keys().copied().collect();
    used.extend(plan.services.iter().flat_map(|s| &s.ports).filter(|p| p.preferred.is_none()).filter_map(|p| p.published));
    let mut remaps = Vec::new();
    let mut moved: Vec<(String, u16, u16)> = Vec::new();
    for svc in &mut plan.services {
        let step = svc.step();
        for port in &mut svc.ports {
            let Some(preferred) = port.preferred else { continue };
            // The port the last `up` chose for the same preferred number.
            let before = previous
                .and_then(|p| p.services.iter().find(|s| s.name == svc.name))
                .and_then(|s| s.ports.iter().find(|p| p.name == port.name && p.preferred == Some(preferred)))
                .and_then(|p| p.published)
                .filter(|n| !used.contains(n));
            let (published, reason) = match before {
                Some(n) => (n, "kept from the last `up`".to_string()),
                None => {
                    let free = (preferred..=u16::MAX).find(|n| !used.contains(n));
                    let free = free.ok_or_else(|| NoFreePort { step: step.clone(), port: port.name.clone(), preferred })?;
                    let holder = match taken.get(&preferred) {
                        Some(service) => format!("service `{service}`"),
                        None => "another role of this cluster".to_string(),
                    };
                    (free, format!("{preferred} is published by {holder}"))
                }
            };
            used.insert(published);
            port.published = Some(published);
            if published != preferred {
                moved.push((svc.name.clone(), preferred, published));
                remaps.push(Remap { step: step.clone(), port: port.name.clone(), preferred, published, reason });
            }
        }
    }
    let follow = |service: &str, port: &mut u16| {
        if let Some((_, _, to)) = moved.iter().find(|(s, from, _)| s == service && from == port) {
            *port = *to;
        }
    };
    for probe in plan.services.iter_mut().filter_map(|s| s.probe.as_mut()) {
        follow(&probe.service, &mut probe.port);
        for (service, port) in &mut probe.others {
            follow(service, port);
        }
    }
    // Everything else bdprov reaches a role through: hooks, the
    // decommission status, job tracking for `submit` (read from the stored plan).
    for endpoint in plan.endpoints_mut() {
        follow(&endpoint.service, &mut endpoint.port);
        for (service, port) in &mut endpoint.others {
            follow(service, port);
        }
    }
    Ok(remaps)
}

/// The published ports of `plan` that accept unauthenticated actions (their
/// port carries an `unauthenticated:` note), and whether bdprov itself
/// reaches them (probes, hooks, decommission status, job tracking, jobs'
/// UIs), for `up` and `doctor`.
pub fn exposed(plan: &Plan) -> Vec<crate::blueprint::exposure::Exposed> {
    let mut used: BTreeSet<(&str, u16)> = BTreeSet::new();
    used.extend(plan.services.iter().filter_map(|s| s.probe.as_ref()).map(|p| (p.service.as_str(), p.port)));
    for e in plan.endpoints() {
        used.insert((e.service.as_str(), e.port));
        used.extend(e.others.iter().map(|(s, p)| (s.as_str(), *p)));
    }
    let job_uis: Vec<(&str, &str)> = plan.jobs.ui_ports().collect();
    let mut out: Vec<crate::blueprint::exposure::Exposed> = Vec::new();
    for svc in &plan.services {
        for p in &svc.ports {
            let (Some(published), Some(note)) = (p.published, &p.unauthenticated) else { continue };
            let used_by_bdprov = used.contains(&(svc.name.as_str(), published)) || job_uis.contains(&(svc.role.as_str(), p.name.as_str()));
            // An ensemble's members: one entry for the role's port.
            if let Some(e) = out.iter_mut().find(|e| e.role == svc.role && e.port == p.name) {
                e.steps.push(svc.step());
                e.published.push(published);
                e.used_by_bdprov |= used_by_bdprov;
                continue;
            }
            out.push(crate::blueprint::exposure::Exposed {
                steps: vec![svc.step()],
                role: svc.role.clone(),
                port: p.name.clone(),
                published: vec![published],
                note: note.clone(),
                used_by_bdprov,
            });
        }
    }
    out
}

/// What `up` says about exposure: the published ports that accept actions
/// without authentication (each with how to close it), or, when there are
/// none, which ports are published.
pub fn exposure_notes(plan: &Plan) -> Vec<String> {
    let exposed = exposed(plan);
    if exposed.is_empty() {
        let published: Vec<String> = plan
            .services
            .iter()
            .flat_map(|s| s.ports.iter().filter_map(move |p| p.published.map(|n| format!("{} {} {n}", s.step(), p.name))))
            .collect();
        if published.is_empty() {
            return vec![];
        }
        return vec![format!("exposure: published on the nodes: {}; none accepts actions without authentication", published.join(", "))];
    }
    let mut out = vec![format!("warning: {}", crate::blueprint::exposure::HEADING)];
    out.extend(exposed.iter().map(|e| format!("  {}", e.line())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{CheckDef, HookActionDef, NetworkDef, PortDef, ProbeDef, Protocol, ServiceDef};

    fn port(name: &str, published: u16, remap: bool) -> PortDef {
        PortDef {
            name: name.into(),
            target: 8080,
            published: Some(published),
            protocol: Protocol::Tcp,
            web: true,
            preferred: remap.then_some(published),
            unauthenticated: None,
        }
    }

    fn service(role: &str, ports: Vec<PortDef>) -> ServiceDef {
        ServiceDef { name: format!("c_{role}"), role: role.into(), image: "img".into(), ports, replicas: 1, ..Default::default() }
    }

    /// A Storm-like cluster: the UI (remappable 8080) probed by nimbus, and a
    /// logviewer with a fixed 8081.
    fn plan() -> Plan {
        let probe = ProbeDef {
            service: "c_ui".into(),
            role: "ui".into(),
            port: 8080,
            check: CheckDef::Tcp,
            timeout_secs: 10,
            modes: None,
            others: vec![],
        };
        let nimbus = ServiceDef { probe: Some(probe.clone()), ..service("nimbus", vec![]) };
        let ui = ServiceDef { probe: Some(probe), ..service("ui", vec![port("ui", 8080, true)]) };
        Plan {
            cluster: "c".into(),
            blueprint: "storm".into(),
            images: Default::default(),
            network: NetworkDef { name: "c-net".into(), labels: Default::default() },
            services: vec![nimbus, ui, service("logviewer", vec![port("http", 8081, false)])],
            ..Default::default()
        }
    }

    fn ui_port(p: &Plan) -> u16 {
        p.service("ui").unwrap().published("ui").unwrap()
    }

    #[test]
    fn a_free_preferred_port_is_kept_quietly() {
        let mut p = plan();
        assert_eq!(resolve(&mut p, &BTreeMap::new(), None).unwrap(), vec![]);
        assert_eq!(ui_port(&p), 8080);
    }

    #[test]
    fn a_taken_port_moves_past_foreign_and_own_ports_and_probes_follow() {
        let mut p = plan();
        let taken = BTreeMap::from([(8080, "spark_master".to_string()), (8082, "other_x".to_string())]);
        let remaps = resolve(&mut p, &taken, None).unwrap();
        // 8081 is the cluster's own logviewer, 8082 another service's.
        assert_eq!(ui_port(&p), 8083);
        assert_eq!(remaps.len(), 1);
        assert_eq!(remaps[0].to_string(), "ui: port ui published on 8083 instead of 8080 (8080 is published by service `spark_master`)");
        for role in ["nimbus", "ui"] {
            assert_eq!(p.service(role).unwrap().probe.as_ref().unwrap().port, 8083, "{role}'s probe follows the UI");
        }
        assert_eq!(p.service("logviewer").unwrap().published("http"), Some(8081), "fixed ports never move");
    }

    #[test]
    fn a_later_up_keeps_the_port_it_got_while_it_is_free() {
        let mut first = plan();
        resolve(&mut first, &BTreeMap::from([(8080, "spark_master".to_string())]), None).unwrap();
        assert_eq!(ui_port(&first), 8082);
        // Spark left: the UI stays where users found it.
        let mut again = plan();
        let remaps = resolve(&mut again, &BTreeMap::new(), Some(&first)).unwrap();
        assert_eq!(ui_port(&again), 8082);
        assert_eq!(remaps[0].reason, "kept from the last `up`");
        // Its port was taken meanwhile: it moves again, from the preferred one.
        let mut moved = plan();
        resolve(&mut moved, &BTreeMap::from([(8082, "late_x".to_string())]), Some(&first)).unwrap();
        assert_eq!(ui_port(&moved), 8080);
    }

    #[test]
    fn hooks_decommission_and_yarn_tracking_follow_a_remapped_port() {
        use crate::plan::{EndpointDef, HookDef, MemberStatusDef, SparkJobDef};
        let endpoint = || EndpointDef { service: "c_ui".into(), role: "ui".into(), port: 8080, others: vec![] };
        let mut p = plan();
        p.hooks.push(HookDef {
            name: "paths".into(),
            after: vec![],
            action: HookActionDef::Webhdfs { endpoint: endpoint(), user: "hadoop".into(), paths: vec![] },
        });
        let status = MemberStatusDef {
            endpoint: endpoint(),
            path: "/jmx".into(),
            members: "m".into(),
            field: "f".into(),
            done: "d".into(),
            serving: None,
        };
        p.decommission.push(crate::plan::DecommissionDef {
            role: "logviewer".into(),
            job: ServiceDef::default(),
            colocate: None,
            refresh: vec![],
            stop: vec![],
            status,
            keep: None,
            timeout_secs: 1,
        });
        p.jobs.yarn = Some(SparkJobDef {
            template: ServiceDef::default(),
            master: "yarn".into(),
            pi: String::new(),
            pi_class: None,
            colocate: None,
            conf: vec![],
            deploy_mode: None,
            tracking: Some(endpoint()),
            limits: Default::default(),
        });
        resolve(&mut p, &BTreeMap::from([(8080, "spark_master".to_string())]), None).unwrap();
        let HookActionDef::Webhdfs { endpoint: hook, .. } = &p.hooks[0].action else { unreachable!() };
        assert_eq!(hook.port, 8082);
        assert_eq!(p.decommission[0].status.endpoint.port, 8082);
        assert_eq!(p.jobs.yarn.as_ref().unwrap().tracking.as_ref().unwrap().port, 8082);
    }

    #[test]
    fn no_free_port_is_said_as_before() {
        let mut p = plan();
        let ui = p.services.iter_mut().find(|s| s.role == "ui").unwrap();
        ui.ports = vec![port("ui", u16::MAX - 1, true)];
        let taken = BTreeMap::from([(u16::MAX - 1, "a_x".to_string()), (u16::MAX, "b_x".to_string())]);
        let e = resolve(&mut p, &taken, None).unwrap_err();
        assert_eq!(e, NoFreePort { step: "ui".into(), port: "ui".into(), preferred: u16::MAX - 1 });
        let e = crate::error::Error::from(e);
        assert_eq!(e.to_string(), "error: ui: no free port from 65534 up to publish port ui on\n");
        assert!(std::error::Error::source(&e).is_some_and(|c| c.is::<NoFreePort>()));
    }

    #[test]
    fn a_changed_preferred_port_is_not_overridden_by_the_last_up() {
        let mut first = plan();
        resolve(&mut first, &BTreeMap::from([(8080, "spark_master".to_string())]), None).unwrap();
        let mut changed = plan();
        let ui = changed.services.iter_mut().find(|s| s.role == "ui").unwrap();
        ui.ports = vec![port("ui", 9090, true)];
        resolve(&mut changed, &BTreeMap::new(), Some(&first)).unwrap();
        assert_eq!(ui_port(&changed), 9090);
    }
}
