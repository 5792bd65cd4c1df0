//! What `up` must change: the plan compared with what the swarm has. Pure.

use std::collections::BTreeMap;

use super::{labels, Plan, ServiceDef};

/// The cluster's objects as the swarm reports them (only what the diff needs).
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// The network of the plan's name, if one exists, with its labels.
    pub network: Option<BTreeMap<String, String>>,
    /// Configs carrying this cluster's label: name → id.
    pub configs: BTreeMap<String, String>,
    /// Secrets carrying this cluster's label: name → id.
    pub secrets: BTreeMap<String, String>,
    pub services: Vec<ObservedService>,
    /// Services with one of the plan's names that do NOT carry this cluster's label.
    pub foreign_services: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct ObservedService {
    pub id: String,
    pub name: String,
    pub version: u64,
    pub labels: BTreeMap<String, String>,
    pub replicas: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Create,
    /// The definition changed: update (rolling) to the new spec.
    Update {
        version: u64,
        replicas: u64,
    },
    /// Only the declared replica count changed.
    Scale {
        version: u64,
        from: u64,
        to: u64,
    },
    /// Nothing to do; `replicas` is what runs (it may differ from the
    /// blueprint after `bdprov scale`).
    Keep {
        replicas: u64,
    },
}

#[derive(Clone, Debug, Default)]
pub struct Changes {
    pub create_network: bool,
    pub create_configs: Vec<String>,
    /// Secrets the cluster does not have yet (generated, never replaced).
    pub create_secrets: Vec<String>,
    /// Per service of the plan, in plan order.
    pub services: Vec<(String, Action)>,
    /// Services of this cluster whose role left the blueprint.
    pub remove_services: Vec<String>,
    /// Configs of this cluster no longer used by the plan (removed after the update).
    pub remove_configs: Vec<String>,
    /// Secrets of this cluster the plan no longer names (removed after the update).
    pub remove_secrets: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.create_network
            && self.create_configs.is_empty()
            && self.create_secrets.is_empty()
            && self.remove_secrets.is_empty()
            && self.remove_services.is_empty()
            && self.remove_configs.is_empty()
            && self.services.iter().all(|(_, a)| matches!(a, Action::Keep { .. }))
    }

    pub fn action(&self, service: &str) -> Option<&Action> {
        self.services.iter().find(|(s, _)| s == service).map(|(_, a)| a)
    }
}

/// Objects bdprov would have to touch but does not own.
#[derive(Clone, Debug, PartialEq)]
pub enum Conflict {
    Network(String),
    Service(String),
    /// An ensemble's member count would change while it runs.
    Ensemble {
        role: String,
        running: usize,
        wanted: usize,
    },
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Conflict::Network(n) => write!(f, "network `{n}` exists and does not belong to this cluster; pick another with --set network=NAME"),
            Conflict::Service(s) => write!(f, "service `{s}` exists and was not created by bdprov for this cluster; remove it or pick another cluster name with --name"),
            Conflict::Ensemble { role, running, wanted } => write!(
                f,
                "the `{role}` ensemble runs {running} members and would get {wanted}: changing an ensemble's size while it runs is refused, \
                 because members with the old server list and members with the new one could each form a quorum; \
                 to resize, `bdprov down` (volumes are kept) and `bdprov up` with the new size"
            ),
        }
    }
}

pub fn diff(plan: &Plan, obs: &Observed) -> Result<Changes, Vec<Conflict>> {
    let mut conflicts: Vec<Conflict> = obs.foreign_services.iter().map(|s| Conflict::Service(s.clone())).collect();
    if let Some(l) = &obs.network {
        if l.get(labels::CLUSTER) != Some(&plan.cluster) {
            conflicts.push(Conflict::Network(plan.network.name.clone()));
        }
    }
    // Ensembles whose members keep state (a quorum's server list and data);
    // members without volumes (read-only fronts) follow the count freely.
    let ensembles: std::collections::BTreeSet<&str> =
        plan.services.iter().filter(|s| s.member.is_some() && !s.mounts.is_empty()).map(|s| s.role.as_str()).collect();
    for role in ensembles {
        let wanted = plan.services_of(role).count();
        let running = obs
            .services
            .iter()
            .filter(|o| o.labels.get(labels::ROLE).map(String::as_str) == Some(role) && o.labels.contains_key(labels::MEMBER))
            .count();
        if running > 0 && running != wanted {
            conflicts.push(Conflict::Ensemble { role: role.to_string(), running, wanted });
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let mut ch = Changes { create_network: obs.network.is_none(), ..Default::default() };
    ch.create_configs = plan.configs.iter().filter(|c| !obs.configs.contains_key(&c.name)).map(|c| c.name.clone()).collect();
    ch.create_secrets = plan.secrets.iter().filter(|s| !obs.secrets.contains_key(&s.name)).map(|s| s.name.clone()).collect();
    ch.remove_secrets = obs.secrets.keys().filter(|name| plan.secret(name).is_none()).cloned().collect();
    for svc in &plan.services {
        ch.services.push((svc.name.clone(), service_action(svc, obs.services.iter().find(|o| o.name == svc.name))));
    }
    ch.remove_services = obs.services.iter().filter(|o| plan.services.iter().all(|s| s.name != o.name)).map(|o| o.name.clone()).collect();
    ch.remove_configs = obs.configs.keys().filter(|name| plan.config(name).is_none() && !super::is_record(name)).cloned().collect();
    Ok(ch)
}

fn service_action(svc: &ServiceDef, obs: Option<&ObservedService>) -> Action {
    let Some(o) = obs else { return Action::Create };
    let declared_before = o.labels.get(labels::REPLICAS).and_then(|r| r.parse::<u64>().ok());
    // Respect `bdprov scale` until the blueprint's own count changes.
    let replicas = if declared_before == Some(svc.replicas) { o.replicas } else { svc.replicas };
    if o.labels.get(labels::SPEC) != Some(&svc.spec_hash()) {
        Action::Update { version: o.version, replicas }
    } else if replicas != o.replicas || declared_before != Some(svc.replicas) {
        Action::Scale { version: o.version, from: o.replicas, to: replicas }
    } else {
        Action::Keep { replicas }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(replicas: u64) -> ServiceDef {
        ServiceDef { name: "c_worker".into(), role: "worker".into(), image: "img".into(), replicas, ..Default::default() }
    }

    fn observed(def: &ServiceDef, declared: u64, running: u64) -> ObservedService {
        ObservedService {
            id: "id".into(),
            name: def.name.clone(),
            version: 7,
            labels: BTreeMap::from([(labels::SPEC.into(), def.spec_hash()), (labels::REPLICAS.into(), declared.to_string())]),
            replicas: running,
        }
    }

    #[test]
    fn unchanged_service_is_kept() {
        let s = svc(2);
        assert_eq!(service_action(&s, Some(&observed(&s, 2, 2))), Action::Keep { replicas: 2 });
    }

    #[test]
    fn scale_survives_an_unchanged_up() {
        let s = svc(2);
        assert_eq!(service_action(&s, Some(&observed(&s, 2, 3))), Action::Keep { replicas: 3 });
    }

    #[test]
    fn new_declared_count_scales() {
        let s = svc(3);
        assert_eq!(service_action(&s, Some(&observed(&svc(2), 2, 2))), Action::Scale { version: 7, from: 2, to: 3 });
    }

    #[test]
    fn changed_definition_updates() {
        let old = svc(2);
        let mut new = svc(2);
        new.env.push("A=1".into());
        assert_eq!(service_action(&new, Some(&observed(&old, 2, 2))), Action::Update { version: 7, replicas: 2 });
    }

    #[test]
    fn ensemble_size_changes_are_refused() {
        let data = |m: u64| super::super::MountDef {
            source: format!("c_zk-{m}-data"),
            target: "/data".into(),
            readonly: false,
            bind: false,
            labels: BTreeMap::new(),
        };
        let member = |m: u64| ServiceDef {
            name: format!("c_zk-{m}"),
            role: "zk".into(),
            member: Some(m),
            replicas: 1,
            mounts: vec![data(m)],
            ..Default::default()
        };
        // A read-only front per member keeps nothing: it follows the count.
        let front =
            |m: u64| ServiceDef { name: format!("c_front-{m}"), role: "front".into(), member: Some(m), replicas: 1, ..Default::default() };
        let plan = Plan {
            cluster: "c".into(),
            blueprint: "zk".into(),
            images: Default::default(),
            network: super::super::NetworkDef { name: "c-net".into(), labels: BTreeMap::from([(labels::CLUSTER.into(), "c".into())]) },
            services: (1..=5).map(member).chain((1..=5).map(front)).collect(),
            ..Default::default()
        };
        let running: Vec<ObservedService> = (1..=3)
            .flat_map(|m| [member(m), front(m)])
            .map(|s| {
                let mut o = observed(&s, 1, 1);
                o.labels.insert(labels::ROLE.into(), s.role.clone());
                o.labels.insert(labels::MEMBER.into(), s.member.unwrap().to_string());
                o
            })
            .collect();
        let obs = Observed { services: running, ..Default::default() };
        assert_eq!(diff(&plan, &obs).unwrap_err(), vec![Conflict::Ensemble { role: "zk".into(), running: 3, wanted: 5 }]);
        let fresh = Observed::default();
        assert!(diff(&plan, &fresh).is_ok(), "a new ensemble of any odd size is fine");
    }

    #[test]
    fn missing_service_is_created() {
        assert_eq!(service_action(&svc(1), None), Action::Create);
    }
}
