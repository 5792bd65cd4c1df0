//! `status`: per role the desired, running and ready counts, each task's node
//! and state, the web UIs, and why anything is not ready.

use std::collections::BTreeMap;

use serde::Serialize;

use super::nodeloss::{self, NodeLoss, Stranded};
use super::ready::{self, RoleState};
use crate::engine::Engine;
use crate::error::Result;
use crate::plan::{ImageSet, Plan};
use crate::systems::figures::Figure;
use crate::table::Table;

#[derive(Debug, Serialize)]
pub struct ClusterStatus {
    pub cluster: String,
    pub blueprint: String,
    pub network: String,
    pub images: ImageSet,
    pub ready: bool,
    pub roles: Vec<RoleState>,
    /// Nodes that are down or drained, and which of the cluster's tasks ran there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lost_nodes: Vec<NodeLoss>,
    /// Pinned roles whose node is lost: they cannot run until it is back.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stranded: Vec<Stranded>,
    /// Roles whose members elect one active (leader) member: which one is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<Pair>,
    /// The changing command that holds the cluster's lease, if one does:
    /// what `status` shows may be changing under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changing: Option<String>,
    /// A few live figures per system (HDFS capacity, YARN memory, …), read
    /// from the daemons; one that could not be read says why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub figures: BTreeMap<String, Figure>,
}

/// A pair (or ensemble) at a glance: who is active, who can take over.
#[derive(Debug, Serialize, PartialEq)]
pub struct Pair {
    pub role: String,
    /// The mode of the one active member (`active`, `leader`, `ALIVE`).
    pub mode: String,
    /// The members in the active (leading) mode: exactly one when all is well.
    pub active: Vec<String>,
    /// Ready members in another mode (standby, follower): they can take over.
    pub standby: Vec<String>,
    /// Members not ready (down, starting, or out of step).
    pub unavailable: Vec<String>,
    /// How far each standby is behind the active member in the log they
    /// share (0: in sync), where the blueprint says how to read it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub behind: BTreeMap<String, u64>,
}

impl Pair {
    /// From the members' states (all of one role).
    pub fn of(role: &str, members: &[&RoleState]) -> Pair {
        let names = |f: &dyn Fn(&RoleState) -> bool| members.iter().filter(|m| f(m)).map(|m| m.role.clone()).collect();
        let lead = match members.iter().filter(|m| m.active == Some(true)).collect::<Vec<_>>().as_slice() {
            [one] => one.position,
            _ => None,
        };
        let behind = members
            .iter()
            .filter(|m| m.is_ready && m.active == Some(false))
            .filter_map(|m| Some((m.role.clone(), lead?.saturating_sub(m.position?))))
            .collect();
        Pair {
            role: role.to_string(),
            mode: members.iter().find_map(|m| m.leading.clone()).unwrap_or_else(|| "active".into()),
            active: names(&|m| m.active == Some(true)),
            standby: names(&|m| m.is_ready && m.active == Some(false)),
            unavailable: names(&|m| !m.is_ready && m.active != Some(true)),
            behind,
        }
    }

    /// Serving (one active member), and whether anything can take over.
    pub fn summary(&self) -> String {
        let active = match self.active.as_slice() {
            [one] => format!("{one} {}", self.mode),
            [] => format!("NO MEMBER {}", self.mode.to_uppercase()),
            many => format!("{} ALL {}", many.join(", "), self.mode.to_uppercase()),
        };
        let standby = if self.standby.is_empty() {
            "none ready to take over".to_string()
        } else {
            let sync = |m: &String| match self.behind.get(m) {
                None => m.clone(),
                Some(0) => format!("{m} (in sync)"),
                Some(n) => format!("{m} ({n} behind)"),
            };
            format!("ready to take over: {}", self.standby.iter().map(sync).collect::<Vec<_>>().join(", "))
        };
        let down = if self.unavailable.is_empty() { String::new() } else { format!("; not ready: {}", self.unavailable.join(", ")) };
        format!("{}: {active}; {standby}{down}", self.role)
    }
}

pub async fn status(engine: &Engine, plan: &Plan) -> Result<ClusterStatus> {
    let running = engine.cluster_services(&plan.cluster, false).await?;
    let nodes = engine.nodes().await?;
    let client = crate::http::client();
    let mut roles = Vec::new();
    let mut tasks = Vec::new();
    let mut stranded = Vec::new();
    for svc in &plan.services {
        let desired = running.iter().find(|s| s.name == svc.name).map(|s| s.replicas);
        let (mut state, seen) = ready::observe(engine, &client, svc, desired.unwrap_or(0), &nodes).await?;
        if desired.is_none() {
            state.is_ready = false;
            state.detail = "service missing: run `bdprov up` again".into();
        } else if let Some(s) = nodeloss::stranded(svc, &nodes) {
            // Its node is lost: say so rather than "0/1 running: pending".
            if !state.is_ready {
                state.detail = s.problem();
            }
            stranded.push(s);
        }
        tasks.push((state.role.clone(), seen));
        roles.push(state);
    }
    let lost_nodes = nodeloss::lost_nodes(&tasks, &nodes);
    // Ensembles: exactly one leader among the members.
    let mut pairs = Vec::new();
    for role in plan.services.iter().filter(|s| s.member == Some(1)).map(|s| s.role.clone()) {
        let idx: Vec<usize> = plan.services.iter().enumerate().filter(|(_, s)| s.role == role).map(|(i, _)| i).collect();
        let members: Vec<&RoleState> = idx.iter().map(|&i| &roles[i]).collect();
        if members.len() > 1 && members.iter().any(|m| m.leading.is_some()) {
            pairs.push(Pair::of(&role, &members));
        }
        let problem = ready::ensemble_problem(&members);
        if let Some(problem) = problem {
            for &i in &idx {
                roles[i].is_ready = false;
                roles[i].detail = problem.clone();
            }
        }
    }
    let figures = super::figures::read(engine, &client, plan, &roles).await;
    let changing = super::lease::holder(engine, &plan.cluster).await?.map(|seen| super::lease::status_line(&seen));
    Ok(ClusterStatus {
        changing,
        cluster: plan.cluster.clone(),
        blueprint: plan.blueprint.clone(),
        network: plan.network.name.clone(),
        images: plan.images,
        ready: roles.iter().all(|r| r.is_ready),
        roles,
        lost_nodes,
        stranded,
        pairs,
        figures,
    })
}

impl std::fmt::Display for ClusterStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let images = match self.images {
            ImageSet::Local => "local",
            ImageSet::Official => "official",
        };
        writeln!(
            f,
            "cluster {} (blueprint {}, network {}, {images} images): {}",
            self.cluster,
            self.blueprint,
            self.network,
            if self.ready { "ready" } else { "NOT READY" }
        )?;
        let mut roles = Table::new(&["ROLE", "DESIRED", "RUNNING", "READY", "STATE", "MODE", "UI"]).right(&[1, 2, 3]);
        for r in &self.roles {
            let state = if r.is_ready { "ready" } else { "not ready" };
            let mode = r.mode.as_deref().unwrap_or("-");
            roles.row([
                r.role.clone(),
                r.desired.to_string(),
                r.running.to_string(),
                r.ready.to_string(),
                state.into(),
                mode.into(),
                r.urls.join(" "),
            ]);
        }
        write!(f, "{roles}")?;
        if !self.pairs.is_empty() {
            writeln!(f, "\nactive members:")?;
            for p in &self.pairs {
                writeln!(f, "  {}", p.summary())?;
            }
        }
        if !self.figures.is_empty() {
            writeln!(f, "\nfigures:")?;
            for (system, figure) in &self.figures {
                writeln!(f, "  {system}: {}", figure.summary)?;
            }
        }
        let mut tasks = Table::new(&["TASK", "NODE", "STATE", "ERROR"]);
        for r in &self.roles {
            for t in &r.tasks {
                tasks.row([t.name.clone(), t.node.clone(), t.state.to_string(), t.error.clone()]);
            }
        }
        write!(f, "\n{tasks}")?;
        if !self.lost_nodes.is_empty() {
            writeln!(f, "\nnodes unavailable:")?;
            for l in &self.lost_nodes {
                let ran: Vec<String> = l.tasks.iter().map(|t| format!("{} (now {})", t.task, t.now)).collect();
                let ran = if ran.is_empty() { "nothing of this cluster".to_string() } else { ran.join(", ") };
                writeln!(f, "  {} is {}: it ran {ran}", l.node, l.why)?;
            }
        }
        let not_ready: Vec<&RoleState> = self.roles.iter().filter(|r| !r.is_ready).collect();
        if !not_ready.is_empty() {
            writeln!(f, "\nnot ready:")?;
            for r in not_ready {
                writeln!(f, "  {}: {}", r.role, r.detail)?;
            }
        }
        for s in &self.stranded {
            writeln!(f, "\nto run {} again: {}", s.role, s.help())?;
        }
        if let Some(c) = &self.changing {
            writeln!(f, "\n{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: &str, mode: Option<&str>, is_ready: bool) -> RoleState {
        RoleState {
            role: role.into(),
            service: format!("c_{role}"),
            mode: mode.map(String::from),
            active: mode.map(|m| m == "active"),
            leading: Some("active".into()),
            position: None,
            desired: 1,
            running: u64::from(is_ready),
            ready: u64::from(is_ready),
            is_ready,
            detail: String::new(),
            tasks: vec![],
            urls: vec![],
        }
    }

    #[test]
    fn figures_show_one_line_per_system_after_the_roles() {
        let figures = BTreeMap::from([
            ("hdfs".to_string(), Figure::new("1.2 GiB of 40 GiB used, 0 under-replicated blocks, 2 live datanodes", &[])),
            ("yarn".to_string(), Figure::unknown("http://10.0.0.5:8088/ws/v1/cluster/metrics: HTTP 503")),
        ]);
        let st = ClusterStatus {
            cluster: "c".into(),
            blueprint: "hdfs".into(),
            network: "c-net".into(),
            images: ImageSet::Local,
            ready: true,
            roles: vec![member("namenode", None, true)],
            lost_nodes: vec![],
            stranded: vec![],
            pairs: vec![],
            changing: None,
            figures,
        };
        let text = st.to_string();
        let want = "\nfigures:\n  hdfs: 1.2 GiB of 40 GiB used, 0 under-replicated blocks, 2 live datanodes\n  yarn: unknown: http://10.0.0.5:8088/ws/v1/cluster/metrics: HTTP 503\n";
        assert!(text.contains(want), "{text}");
        let json = serde_json::to_value(&st).unwrap();
        assert_eq!(json["figures"]["yarn"]["unknown"], "http://10.0.0.5:8088/ws/v1/cluster/metrics: HTTP 503");
        // No figures (a cluster of none of the systems): no section, no key.
        let none = ClusterStatus { figures: BTreeMap::new(), ..st };
        assert!(!none.to_string().contains("figures:") && serde_json::to_value(&none).unwrap().get("figures").is_none());
    }

    #[test]
    fn a_pair_names_its_active_and_standby_members() {
        let (a, s) = (member("nn-1", Some("active"), true), member("nn-2", Some("standby"), true));
        assert_eq!(Pair::of("nn", &[&a, &s]).summary(), "nn: nn-1 active; ready to take over: nn-2");
        let down = member("nn-1", None, false);
        let took_over = member("nn-2", Some("active"), true);
        assert_eq!(Pair::of("nn", &[&down, &took_over]).summary(), "nn: nn-2 active; none ready to take over; not ready: nn-1");
        let lost = Pair::of("nn", &[&down, &s]);
        assert_eq!(lost.summary(), "nn: NO MEMBER ACTIVE; ready to take over: nn-2; not ready: nn-1");
        // Where members say how far they are in the log they share.
        let at = |m: RoleState, p: u64| RoleState { position: Some(p), ..m };
        let (a, s) = (at(a, 71), at(s, 28));
        assert_eq!(Pair::of("nn", &[&a, &s]).summary(), "nn: nn-1 active; ready to take over: nn-2 (43 behind)");
        let s = RoleState { position: Some(71), ..s };
        assert_eq!(Pair::of("nn", &[&a, &s]).summary(), "nn: nn-1 active; ready to take over: nn-2 (in sync)");
        assert_eq!(Pair::of("nn", &[&a, &s]).behind, BTreeMap::from([("nn-2".to_string(), 0)]));
    }
}
