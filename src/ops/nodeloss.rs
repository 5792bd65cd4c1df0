//! Node loss: which of a cluster's tasks were on nodes the swarm lost (down,
//! disconnected) or drained, where those tasks are now, and which pinned roles
//! cannot move. Pure: it joins tasks and nodes that the caller listed.
//!
//! What happens when a node goes away:
//! - Swarm restarts the replicated tasks of a node that is drained (at once)
//!   or marked down (after its heartbeats stop, some seconds) on other nodes
//!   that satisfy their constraints. Workers (Spark workers, DataNodes,
//!   NodeManagers, supervisors) move and register again; `status` lists the
//!   lost node and what ran there.
//! - A pinned coordinator (a role with a placement constraint such as
//!   `node.labels.bdprov.role==master`, usually with a node-local volume: the
//!   NameNode's metadata, ZooKeeper's data, the event logs) cannot move: no
//!   other node satisfies its constraint, so swarm keeps its new task pending
//!   until the node comes back. That is on purpose: its volume stays on the
//!   lost node, and starting it elsewhere would start it empty (a NameNode
//!   would format a new namespace that the DataNodes refuse). bdprov never
//!   moves it by itself: `status` names the role, the node, the constraint
//!   and the volumes, and `up` refuses (changing nothing) with the same words
//!   and the two ways out: bring the node back, or move the pin and accept an
//!   empty volume on the new node. When the node is back, swarm starts the
//!   pending task there by itself; roles that talk to it find it again by
//!   name (the Spark master advertises its hostname for this).
//! - A coordinator pinned to `node.role==manager` (a swarm without a node
//!   labelled `bdprov.role=master`) is not stranded while another manager is
//!   available: swarm restarts it there, with a new, empty volume. Label one
//!   node `bdprov.role=master` to keep a coordinator with its data.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{Availability, NodeCondition, NodeInfo, TaskInfo};
use crate::plan::ServiceDef;

/// Why a node runs no new tasks, or None when it is usable.
pub fn unavailable(n: &NodeInfo) -> Option<&'static str> {
    match (n.state, n.availability) {
        (NodeCondition::Ready, Availability::Drain) => Some("drained"),
        (NodeCondition::Ready, _) => None,
        (NodeCondition::Down, _) => Some("down"),
        (NodeCondition::Disconnected, _) => Some("disconnected"),
        (NodeCondition::Unknown, _) => Some("in an unknown state"),
    }
}

/// Whether node `n` satisfies one placement constraint; None when bdprov
/// cannot evaluate it (then it says nothing about that role).
pub fn satisfies(n: &NodeInfo, constraint: &str) -> Option<bool> {
    let (key, want, equal) = match (constraint.split_once("!="), constraint.split_once("==")) {
        (Some((k, v)), _) => (k, v, false),
        (None, Some((k, v))) => (k, v, true),
        _ => return None,
    };
    let have = match key.trim() {
        "node.role" => Some(if n.manager { "manager" } else { "worker" }.to_string()),
        "node.hostname" => Some(n.hostname.clone()),
        "node.id" => Some(n.id.clone()),
        k => n.labels.get(k.strip_prefix("node.labels.")?).cloned(),
    };
    Some((have.as_deref() == Some(want.trim())) == equal)
}

/// A node that is down or drained, and the cluster's tasks that ran there.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeLoss {
    pub node: String,
    /// down, disconnected, drained, in an unknown state.
    pub why: String,
    pub tasks: Vec<LostTask>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LostTask {
    /// `role.slot`, as `status` names tasks.
    pub task: String,
    /// Where it is now: `running on node3`, `pending: no suitable node …`.
    pub now: String,
}

fn hostname(nodes: &[NodeInfo], id: &str) -> String {
    nodes.iter().find(|n| n.id == id).map(|n| n.hostname.clone()).unwrap_or_else(|| id.chars().take(12).collect())
}

/// Every unavailable node of the swarm with the cluster's tasks that ran
/// there: per role (its `status` name) its tasks, newest first within a slot.
/// A slot counts when its newest task is on the node (stranded there), or its
/// previous one was (replaced after the loss).
pub fn lost_nodes(roles: &[(String, Vec<TaskInfo>)], nodes: &[NodeInfo]) -> Vec<NodeLoss> {
    let mut out: Vec<NodeLoss> = nodes
        .iter()
        .filter_map(|n| unavailable(n).map(|why| NodeLoss { node: n.hostname.clone(), why: why.into(), tasks: vec![] }))
        .collect();
    for (role, tasks) in roles {
        let mut slots: BTreeMap<u64, Vec<&TaskInfo>> = BTreeMap::new();
        for t in tasks {
            slots.entry(t.slot).or_default().push(t);
        }
        for (slot, ts) in slots {
            let newest = ts[0];
            let Some((i, t)) = ts
                .iter()
                .take(2)
                .enumerate()
                .find(|(_, t)| !t.node_id.is_empty() && nodes.iter().any(|n| n.id == t.node_id && unavailable(n).is_some()))
            else {
                continue;
            };
            let node = hostname(nodes, &t.node_id);
            let now = if i == 0 {
                format!("still {} there: not replaced yet", t.state)
            } else if newest.node_id.is_empty() {
                let why = if newest.error.is_empty() { &newest.message } else { &newest.error };
                format!("replacement {}: {why}", newest.state)
            } else {
                format!("{} on {}", newest.state, hostname(nodes, &newest.node_id))
            };
            if let Some(loss) = out.iter_mut().find(|l| l.node == node) {
                loss.tasks.push(LostTask { task: format!("{role}.{slot}"), now });
            }
        }
    }
    out
}

/// A pinned role whose every eligible node is unavailable: it cannot run
/// until one comes back, and must not move without its volumes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stranded {
    pub role: String,
    pub constraints: Vec<String>,
    /// The nodes it may run on, each with why it is unavailable.
    pub nodes: Vec<(String, String)>,
    /// Its volumes, which stay on the node where they were created.
    pub volumes: Vec<String>,
    /// Whether it ran there before (false for a cluster not created yet:
    /// then no data of it is on the node).
    #[serde(skip)]
    pub ran_there: bool,
}

/// Whether `svc` is pinned (has placement constraints) to nodes that are all
/// down or drained. Roles without constraints move; roles that no node
/// satisfies at all, or whose constraints bdprov cannot read, are not
/// judged here.
pub fn stranded(svc: &ServiceDef, nodes: &[NodeInfo]) -> Option<Stranded> {
    let constraints = &svc.placement.constraints;
    if constraints.is_empty() || svc.job || svc.global {
        return None;
    }
    let mut eligible = Vec::new();
    for n in nodes {
        let mut ok = true;
        for c in constraints {
            ok &= satisfies(n, c)?;
        }
        if ok {
            eligible.push(n);
        }
    }
    if eligible.is_empty() || eligible.iter().any(|n| unavailable(n).is_none()) {
        return None;
    }
    Some(Stranded {
        role: svc.step(),
        constraints: constraints.clone(),
        nodes: eligible.iter().map(|n| (n.hostname.clone(), unavailable(n).unwrap_or_default().to_string())).collect(),
        volumes: svc.mounts.iter().filter(|m| !m.bind).map(|m| m.source.clone()).collect(),
        ran_there: true,
    })
}

impl Stranded {
    /// One line: where it is pinned, why it cannot run, where its data is.
    pub fn problem(&self) -> String {
        let nodes: Vec<String> = self.nodes.iter().map(|(n, why)| format!("{n}, which is {why}")).collect();
        let data = match self.volumes.as_slice() {
            _ if !self.ran_there => "it has not run yet".to_string(),
            [] => "it has no volume of its own".to_string(),
            [v] => format!("its volume {v} is on that node and cannot move with it"),
            vs => format!("its volumes {} are on that node and cannot move with it", vs.join(", ")),
        };
        format!("pinned to {} ({}); {data}", nodes.join("; "), self.constraints.join(", "))
    }

    /// What to do: bring the node back, or move the pin (and start empty).
    pub fn help(&self) -> String {
        let (node, why) = self.nodes.first().cloned().unwrap_or_default();
        let back = if why == "drained" {
            format!("`docker node update --availability active {node}`")
        } else {
            format!("restart {node}'s Docker engine so it rejoins the swarm")
        };
        let label = self.constraints.iter().find_map(|c| c.strip_prefix("node.labels.")?.split_once("=="));
        let pin = match label {
            Some((k, v)) => format!(
                "`docker node update --label-add {k}={v} OTHER_NODE` and `docker node update --label-rm {k} {node}` (or `docker node rm --force {node}`)"
            ),
            None => format!("change the placement of {} in the blueprint", self.role),
        };
        let empty = if self.volumes.is_empty() || !self.ran_there { "" } else { ", with an empty volume" };
        format!(
            "bring {node} back ({back}); swarm then starts {role} there by itself, and `bdprov up` waits for it. If {node} is lost for good, move the pin: {pin}, then `bdprov up`: {role} starts on the new node{empty}",
            role = self.role
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{MountDef, PlacementDef};

    fn node(id: &str, state: &str, availability: &str, labels: &[(&str, &str)]) -> NodeInfo {
        NodeInfo {
            id: id.into(),
            hostname: id.replace("id", "node"),
            addr: String::new(),
            manager: id == "id1",
            ready: state == "ready",
            state: match state {
                "ready" => NodeCondition::Ready,
                "down" => NodeCondition::Down,
                _ => NodeCondition::Unknown,
            },
            availability: if availability == "drain" { Availability::Drain } else { Availability::Active },
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    fn task_state(s: &str) -> crate::engine::TaskState {
        use crate::engine::TaskState::*;
        match s {
            "running" => Running,
            "shutdown" => Shutdown,
            "pending" => Pending,
            "failed" => Failed,
            other => panic!("no test state {other}"),
        }
    }

    fn task(slot: u64, node: &str, state: &str, desired: &str, updated: &str) -> TaskInfo {
        TaskInfo {
            id: format!("{slot}{node}{updated}"),
            slot,
            node_id: node.into(),
            state: task_state(state),
            desired: task_state(desired),
            message: String::new(),
            error: if node.is_empty() { "no suitable node".into() } else { String::new() },
            exit_code: None,
            container_id: None,
            updated: updated.into(),
        }
    }

    fn master() -> ServiceDef {
        ServiceDef {
            name: "c_namenode".into(),
            role: "namenode".into(),
            placement: PlacementDef {
                coordinator: true,
                constraints: vec!["node.labels.bdprov.role==master".into()],
                ..Default::default()
            },
            mounts: vec![MountDef {
                source: "c_name".into(),
                target: "/data".into(),
                readonly: false,
                bind: false,
                labels: Default::default(),
            }],
            ..Default::default()
        }
    }

    const MASTER: &[(&str, &str)] = &[("bdprov.role", "master")];

    #[test]
    fn constraints_are_evaluated_like_swarm() {
        let n = node("id1", "ready", "active", MASTER);
        assert_eq!(satisfies(&n, "node.labels.bdprov.role==master"), Some(true));
        assert_eq!(satisfies(&n, "node.labels.bdprov.role != master"), Some(false));
        assert_eq!(satisfies(&n, "node.labels.other==x"), Some(false));
        assert_eq!(satisfies(&n, "node.labels.other!=x"), Some(true));
        assert_eq!(satisfies(&n, "node.role==manager"), Some(true));
        assert_eq!(satisfies(&n, "node.hostname==node1"), Some(true));
        assert_eq!(satisfies(&n, "engine.labels.x==y"), None);
    }

    #[test]
    fn a_drained_or_down_node_lists_what_ran_there_and_where_it_went() {
        let nodes = [node("id1", "ready", "active", MASTER), node("id2", "ready", "drain", &[]), node("id3", "down", "active", &[])];
        let workers = vec![
            // slot 1 moved from the drained node2 to node1
            task(1, "id1", "running", "running", "3"),
            task(1, "id2", "shutdown", "shutdown", "2"),
            // slot 2: node3 went down, the replacement waits for a node
            task(2, "", "pending", "running", "5"),
            task(2, "id3", "running", "shutdown", "4"),
            // slot 3 ran on node3 long ago, two tasks back: not counted
            task(3, "id1", "running", "running", "9"),
            task(3, "id1", "failed", "shutdown", "8"),
            task(3, "id3", "failed", "shutdown", "7"),
        ];
        let lost = lost_nodes(&[("worker".into(), workers)], &nodes);
        assert_eq!(
            lost,
            [
                NodeLoss {
                    node: "node2".into(),
                    why: "drained".into(),
                    tasks: vec![LostTask { task: "worker.1".into(), now: "running on node1".into() }]
                },
                NodeLoss {
                    node: "node3".into(),
                    why: "down".into(),
                    tasks: vec![LostTask { task: "worker.2".into(), now: "replacement pending: no suitable node".into() }]
                },
            ]
        );
        // A task the swarm has not replaced yet is stranded on the node.
        let lost = lost_nodes(&[("worker".into(), vec![task(1, "id3", "running", "running", "1")])], &nodes);
        assert_eq!(lost[1].tasks[0].now, "still running there: not replaced yet");
    }

    #[test]
    fn a_coordinator_pinned_to_a_lost_node_is_stranded_with_its_volume() {
        let down = [node("id1", "down", "active", MASTER), node("id2", "ready", "active", &[])];
        let s = stranded(&master(), &down).expect("stranded");
        assert_eq!(s.nodes, [("node1".to_string(), "down".to_string())]);
        assert_eq!(
            s.problem(),
            "pinned to node1, which is down (node.labels.bdprov.role==master); its volume c_name is on that node and cannot move with it"
        );
        assert!(s.help().starts_with("bring node1 back (restart node1's Docker engine"), "{}", s.help());
        assert!(s.help().contains("--label-add bdprov.role=master OTHER_NODE"), "{}", s.help());
        assert!(s.help().ends_with("with an empty volume"), "{}", s.help());
        let drained = [node("id1", "ready", "drain", MASTER)];
        assert!(stranded(&master(), &drained).unwrap().help().contains("--availability active node1"));
        // Usable, or no node labelled at all, or not pinned: nothing to say.
        assert_eq!(stranded(&master(), &[node("id1", "ready", "active", MASTER)]), None);
        assert_eq!(stranded(&master(), &[node("id2", "down", "active", &[])]), None);
        let worker = ServiceDef { placement: PlacementDef::default(), ..master() };
        assert_eq!(stranded(&worker, &down), None);
    }
}
