//! Is a role usable? Tasks from the swarm, plus the role's readiness probe.
//! Shared by `up`, `scale` and `status`, so all three mean the same thing by
//! "ready".

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::engine::{Availability, Engine, NodeInfo, TaskInfo, TaskState};
use crate::error::Result;
use crate::plan::ServiceDef;
use crate::probe::{self, Verdict};

#[derive(Clone, Debug, Default, Serialize)]
pub struct RoleState {
    /// The role, or `role-N` for ensemble member N.
    pub role: String,
    pub service: String,
    /// What the member is in its ensemble (ZooKeeper: leader, follower;
    /// a pair: active, standby).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Whether that mode is the one exactly one member must be in (the
    /// leader, the active member); `None` when the member did not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The mode the active member is in, for messages (`leader`, `active`).
    #[serde(skip)]
    pub leading: Option<String>,
    /// Its place in the log its pair shares (HDFS: the last transaction
    /// it applied), where the blueprint says how to read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    pub desired: u64,
    pub running: u64,
    pub ready: u64,
    pub is_ready: bool,
    /// What is seen: the probe's answer, or why tasks do not run.
    pub detail: String,
    pub tasks: Vec<TaskView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TaskView {
    pub name: String,
    pub node: String,
    pub state: TaskState,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

fn node<'a>(nodes: &'a [NodeInfo], id: &str) -> Option<&'a NodeInfo> {
    nodes.iter().find(|n| n.id == id)
}

/// Tasks that should be running now (not ones already replaced).
fn current(tasks: &[TaskInfo]) -> impl Iterator<Item = &TaskInfo> {
    tasks.iter().filter(|t| matches!(t.desired, TaskState::Running | TaskState::Complete))
}

/// Observe one role: its tasks, and its probe when it has one.
pub async fn observe(
    engine: &Engine,
    client: &reqwest::Client,
    svc: &ServiceDef,
    desired: u64,
    nodes: &[NodeInfo],
) -> Result<(RoleState, Vec<TaskInfo>)> {
    let tasks = engine.tasks(&svc.name).await?;
    let running = current(&tasks).filter(|t| t.is_running()).count() as u64;
    // A global role runs one task on every node that takes tasks.
    let desired =
        if svc.global { nodes.iter().filter(|n| n.ready && n.availability == Availability::Active).count() as u64 } else { desired };
    let verdict = match &svc.probe {
        None => None,
        Some(p) => {
            let targets = if p.service == svc.name { tasks.clone() } else { engine.tasks(&p.service).await? };
            let addrs: Vec<&str> =
                current(&targets).filter(|t| t.is_running()).filter_map(|t| node(nodes, &t.node_id)).map(|n| n.addr.as_str()).collect();
            let counting = p.check.counts();
            let ask = |addr: String, port: u16| async move {
                let resp = probe::fetch(client, &p.check, &addr, port).await;
                let v = probe::judge(&p.check, &resp, desired);
                match &p.modes {
                    Some(m) => probe::judge_mode(m, &resp, v),
                    None => v,
                }
            };
            Some(if addrs.is_empty() && p.others.is_empty() {
                Verdict::not_ready(format!("{} has no running task", p.role))
            } else if counting || p.service != svc.name {
                // Another ensemble answers through its first member that does.
                let mut v = match addrs.first() {
                    Some(a) => ask(a.to_string(), p.port).await,
                    None => Verdict::not_ready(format!("{} has no running task", p.role)),
                };
                for (other, port) in &p.others {
                    if v.ready {
                        break;
                    }
                    let tasks = engine.tasks(other).await.unwrap_or_default();
                    let addr = current(&tasks).filter(|t| t.is_running()).find_map(|t| node(nodes, &t.node_id)).map(|n| n.addr.clone());
                    if let Some(addr) = addr {
                        let w = ask(addr, *port).await;
                        if w.ready || v.detail.ends_with("has no running task") {
                            v = w;
                        }
                    }
                }
                v
            } else {
                // Each task answers for itself, on its own node.
                let mut passing = 0;
                let mut last = Verdict::not_ready("");
                for addr in &addrs {
                    let v = ask(addr.to_string(), p.port).await;
                    if v.ready {
                        passing += 1;
                    }
                    last = v;
                }
                Verdict { ready: passing >= desired, count: Some(passing), ..last }
            })
        }
    };
    let ready = match &verdict {
        None => running,
        Some(v) => v.count.unwrap_or(if v.ready { running } else { 0 }),
    }
    .min(desired);
    let is_ready = desired == 0 || (running >= desired && ready >= desired && verdict.as_ref().is_none_or(|v| v.ready));
    let detail = if running < desired {
        let why = latest_problem(&tasks).map(|p| format!(": {p}")).unwrap_or_default();
        format!("{running}/{desired} running{why}")
    } else {
        verdict.as_ref().map(|v| v.detail.clone()).unwrap_or_else(|| format!("{running}/{desired} running"))
    };
    let views = views(&svc.step(), &tasks, nodes);
    let mode = verdict.as_ref().and_then(|v| v.mode.clone());
    let position = verdict.as_ref().and_then(|v| v.position);
    let leading = svc.probe.as_ref().and_then(|p| match (&p.modes, &p.check) {
        (Some(m), _) => Some(m.active.clone()),
        (None, check) => crate::systems::leading_mode(check).map(String::from),
    });
    let active = match (&mode, &leading) {
        (Some(m), Some(l)) => Some(m.eq_ignore_ascii_case(l)),
        _ => None,
    };
    let urls = svc
        .ports
        .iter()
        .filter(|p| p.web)
        .filter_map(|p| p.published.map(|pp| (p, pp)))
        .flat_map(|(_, pp)| {
            current(&tasks)
                .filter(|t| t.is_running())
                .filter_map(move |t| node(nodes, &t.node_id).map(|n| format!("http://{}:{pp}/", n.addr)))
        })
        .collect();
    Ok((
        RoleState {
            role: svc.step(),
            service: svc.name.clone(),
            mode,
            active,
            leading,
            position,
            desired,
            running,
            ready,
            is_ready,
            detail,
            tasks: views,
            urls,
        },
        tasks,
    ))
}

/// For an ensemble or a pair: anything but exactly one leader (active
/// member). Judged when every member answered, or when the members that did
/// already show none or several leading (a pair with its active member down
/// and the other still standby has no active member).
pub fn ensemble_problem(members: &[&RoleState]) -> Option<String> {
    let answered: Vec<&&RoleState> = members.iter().filter(|m| m.active.is_some()).collect();
    if members.len() < 2 || answered.is_empty() {
        return None;
    }
    let leading = answered.iter().filter(|m| m.active == Some(true)).count();
    if leading == 1 || (leading == 0 && answered.len() < members.len() && answered.iter().all(|m| !m.is_ready)) {
        return None;
    }
    let n = members.len();
    let all = if answered.len() < n { format!(" ({} answering)", answered.len()) } else { String::new() };
    Some(match answered[0].leading.as_deref() {
        Some("leader") | None => format!("{leading} leaders among {n} members{all}, want exactly 1"),
        Some(word) => format!("{leading} of {n} members {word}{all}, want exactly 1"),
    })
}

/// The task of each slot that swarm wants (the newest of those), else the
/// newest, for display. Not simply the newest: a task left on a node that was
/// down is updated to `shutdown` when the node comes back, after its
/// replacement started elsewhere, and would hide the running replacement.
fn views(role: &str, tasks: &[TaskInfo], nodes: &[NodeInfo]) -> Vec<TaskView> {
    let mut seen = HashSet::new();
    let slots: Vec<u64> = tasks.iter().map(|t| t.slot).filter(|s| seen.insert(*s)).collect();
    slots
        .into_iter()
        .filter_map(|slot| current(tasks).find(|t| t.slot == slot).or_else(|| tasks.iter().find(|t| t.slot == slot)))
        .map(|t| TaskView {
            name: format!("{role}.{}", t.slot),
            node: node(nodes, &t.node_id).map(|n| n.hostname.clone()).unwrap_or_else(|| "-".into()),
            state: t.state,
            error: if t.error.is_empty() && !t.is_running() && t.state != TaskState::Complete {
                t.message.clone()
            } else {
                t.error.clone()
            },
        })
        .collect()
}

/// Why the most recent non-running task is not running.
fn latest_problem(tasks: &[TaskInfo]) -> Option<String> {
    current(tasks).find(|t| !t.is_running()).map(|t| {
        if t.error.is_empty() {
            t.state.to_string()
        } else {
            format!("{} ({})", t.state, t.error)
        }
    })
}

/// Why a role will not become ready: found in its tasks, or a timeout. Each
/// kind knows what the user can do about it ([`Problem::help`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// A node cannot find or pull the image (the swarm's error).
    ImageMissing(String),
    /// A published port is held by something else on every eligible node.
    PortTaken(String),
    /// More replicas than nodes that may run them (one per node).
    TooFewNodes(String),
    /// Tasks keep failing since the change.
    Failing { failed: usize, last: String },
    /// Not ready within the role's probe timeout; `detail` is what was seen last.
    Timeout { secs: u64, detail: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::ImageMissing(e) => write!(f, "the image cannot be found or pulled on the node: {e}"),
            Problem::PortTaken(e) => write!(f, "a published port is already taken: {e}"),
            Problem::TooFewNodes(e) => write!(f, "more replicas than nodes that may run them (at most one per node): {e}"),
            Problem::Failing { failed, last } => write!(f, "{failed} tasks failed since the change; the last: {last}"),
            Problem::Timeout { secs, detail } => write!(f, "not ready after {secs}s: {detail}"),
        }
    }
}

impl Problem {
    /// What to do about it, for role `svc`.
    pub fn help(&self, svc: &ServiceDef) -> String {
        match self {
            Problem::ImageMissing(_) => format!(
                "build the offline images (`bdprov images build`) and use --images local, or make {} pullable on every node",
                svc.image
            ),
            Problem::TooFewNodes(_) => {
                format!("add nodes, or lower the replicas: --set {}.replicas=N (or `bdprov scale {}=N`)", svc.role, svc.role)
            }
            Problem::PortTaken(_) => {
                format!("free the port, or publish {} elsewhere with --set {}.ports.<name>.published=<port>", svc.role, svc.role)
            }
            Problem::Failing { .. } | Problem::Timeout { .. } => format!(
                "see `bdprov logs {}` and `bdprov status`; the cluster was left as it is for inspection (`bdprov down` removes it)",
                svc.role
            ),
        }
    }
}

/// A failure that waiting will not fix, seen in the tasks created since
/// bdprov applied the change (`before` holds the ids of older tasks).
pub fn trouble(tasks: &[TaskInfo], before: &HashSet<String>) -> Option<Problem> {
    let new: Vec<&TaskInfo> = tasks.iter().filter(|t| !before.contains(&t.id)).collect();
    if let Some(t) = new.iter().find(|t| t.error.contains("No such image") || t.error.contains("pull access denied")) {
        return Some(Problem::ImageMissing(t.error.clone()));
    }
    // During a rolling update the new task waits for the old one to free
    // its host port: that is not a conflict. Swarm's scheduler keeps saying
    // "port already in use" until its next pass, after the old task ended
    // (seen in CI), so an update is never judged on it: a port that stays
    // taken shows in the timeout's detail instead.
    let replacing = tasks.iter().any(|t| t.desired == TaskState::Shutdown && (!t.is_terminal() || before.contains(&t.id)));
    if !replacing {
        if let Some(t) = new.iter().find(|t| t.state == TaskState::Pending && t.error.contains("port") && t.error.contains("in use")) {
            return Some(Problem::PortTaken(t.error.clone()));
        }
        if let Some(t) = new.iter().find(|t| t.state == TaskState::Pending && t.error.contains("max replicas per node")) {
            return Some(Problem::TooFewNodes(t.error.clone()));
        }
    }
    let failed = new.iter().filter(|t| t.state.is_failure()).count();
    if failed >= 3 {
        let last = new.iter().find(|t| t.state.is_failure()).expect("a failed task");
        let last = if last.error.is_empty() { last.state.to_string() } else { last.error.clone() };
        return Some(Problem::Failing { failed, last });
    }
    None
}

/// A diagnosis: the role, its tasks with their states and errors, and the
/// last log lines of its most recent task.
pub async fn diagnose(engine: &Engine, state: &RoleState, tasks: &[TaskInfo], reason: &Problem) -> String {
    let mut out = format!(
        "role `{}` is not ready: {reason}\n  desired {}, running {}, ready {}\n  tasks:\n",
        state.role, state.desired, state.running, state.ready
    );
    let mut table = crate::table::Table::headless(5).indent(4);
    for t in tasks.iter().take(8) {
        table.row([format!("{}.{}", state.role, t.slot), t.state.to_string(), "desired".into(), t.desired.to_string(), t.error.clone()]);
    }
    out.push_str(&table.render());
    if let Some(t) = tasks.iter().find(|t| t.container_id.is_some()) {
        let lines = engine.last_lines(&t.id, 15).await;
        if !lines.is_empty() {
            out.push_str(&format!("  last log lines of {}.{}:\n", state.role, t.slot));
            for l in lines {
                out.push_str(&format!("    | {l}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, state: TaskState, err: &str) -> TaskInfo {
        TaskInfo {
            id: id.into(),
            slot: 1,
            node_id: "n".into(),
            state,
            desired: TaskState::Running,
            message: String::new(),
            error: err.into(),
            exit_code: None,
            container_id: None,
            updated: String::new(),
        }
    }

    fn member(mode: Option<&str>) -> RoleState {
        RoleState {
            role: "zookeeper-1".into(),
            service: "c_zookeeper-1".into(),
            mode: mode.map(String::from),
            active: mode.map(|m| m == "leader"),
            leading: Some("leader".into()),
            desired: 1,
            running: 1,
            ready: 1,
            is_ready: true,
            ..Default::default()
        }
    }

    #[test]
    fn an_ensemble_needs_exactly_one_leader() {
        let (l, f) = (member(Some("leader")), member(Some("follower")));
        assert_eq!(ensemble_problem(&[&l, &f, &f]), None);
        assert!(ensemble_problem(&[&f, &f, &f]).unwrap().starts_with("0 leaders"));
        assert!(ensemble_problem(&[&l, &l, &f]).unwrap().starts_with("2 leaders"));
        assert_eq!(ensemble_problem(&[&l]), None);
    }

    #[test]
    fn a_pair_needs_exactly_one_active_member() {
        let pair = |mode: Option<&str>, is_ready: bool| RoleState {
            mode: mode.map(String::from),
            active: mode.map(|m| m == "active"),
            leading: Some("active".into()),
            position: None,
            is_ready,
            ..member(None)
        };
        let (a, s, down) = (pair(Some("active"), true), pair(Some("standby"), true), pair(None, false));
        assert_eq!(ensemble_problem(&[&a, &s]), None);
        assert_eq!(ensemble_problem(&[&s, &s]).as_deref(), Some("0 of 2 members active, want exactly 1"));
        assert_eq!(ensemble_problem(&[&a, &a]).as_deref(), Some("2 of 2 members active, want exactly 1"));
        // The active member is down and the other still standby: named.
        assert_eq!(ensemble_problem(&[&down, &s]).as_deref(), Some("0 of 2 members active (1 answering), want exactly 1"));
        // The active member down and the other taking over: fine.
        assert_eq!(ensemble_problem(&[&down, &a]), None);
        assert_eq!(ensemble_problem(&[&down, &down]), None);
    }

    #[test]
    fn a_slot_shows_its_wanted_task_before_an_old_one_updated_later() {
        // Newest first, as the engine lists them: the task of a node that came
        // back (shut down just now), then its replacement running elsewhere.
        let old = TaskInfo { node_id: "n2".into(), desired: TaskState::Shutdown, ..task("old", TaskState::Shutdown, "") };
        let new = TaskInfo { node_id: "n1".into(), ..task("new", TaskState::Running, "") };
        let node = |id: &str, host: &str| NodeInfo {
            id: id.into(),
            hostname: host.into(),
            addr: String::new(),
            manager: true,
            ready: true,
            state: crate::engine::NodeCondition::Ready,
            availability: crate::engine::Availability::Active,
            labels: Default::default(),
        };
        let nodes = [node("n1", "node1"), node("n2", "node2")];
        let shown = views("zk", &[old.clone(), new], &nodes);
        assert_eq!(shown.len(), 1);
        assert_eq!((shown[0].node.as_str(), shown[0].state), ("node1", TaskState::Running));
        // With no task wanted any more (a service scaled to 0), the newest.
        let shown = views("zk", &[old], &nodes);
        assert_eq!((shown[0].node.as_str(), shown[0].state), ("node2", TaskState::Shutdown));
    }

    #[test]
    fn missing_image_is_fatal_at_once() {
        let t = vec![task("a", TaskState::Rejected, "No such image: apache/spark:4.1.2")];
        assert!(trouble(&t, &HashSet::new()).unwrap().to_string().contains("cannot be found"));
    }

    #[test]
    fn taken_port_is_fatal_unless_an_old_task_still_holds_it() {
        let pending = task("a", TaskState::Pending, "no suitable node (host-mode port already in use on 1 node)");
        assert!(trouble(std::slice::from_ref(&pending), &HashSet::new()).unwrap().to_string().contains("port is already taken"));
        let mut old = task("old", TaskState::Running, "");
        old.desired = TaskState::Shutdown;
        assert_eq!(trouble(&[pending.clone(), old.clone()], &HashSet::from(["old".to_string()])), None, "a rolling update frees the port");
        // The old task already ended, the scheduler's message is still the old one.
        old.state = TaskState::Shutdown;
        assert_eq!(trouble(&[pending.clone(), old.clone()], &HashSet::from(["old".to_string()])), None, "not judged during an update");
        // A task that ended before some other change is not this update's.
        assert!(trouble(&[pending, old], &HashSet::new()).is_some());
    }

    #[test]
    fn more_replicas_than_nodes_is_fatal() {
        let t = vec![task("a", TaskState::Pending, "no suitable node (max replicas per node limit exceed)")];
        assert!(trouble(&t, &HashSet::new()).unwrap().to_string().contains("at most one per node"));
    }

    #[test]
    fn repeated_failures_are_fatal_but_old_ones_do_not_count() {
        let t =
            vec![task("a", TaskState::Failed, "exit 1"), task("b", TaskState::Failed, "exit 1"), task("c", TaskState::Failed, "exit 1")];
        assert!(trouble(&t, &HashSet::new()).is_some());
        assert!(trouble(&t, &HashSet::from(["a".to_string()])).is_none());
        assert!(trouble(&t[..2], &HashSet::new()).is_none());
    }

    fn role(image: &str) -> ServiceDef {
        ServiceDef { role: "namenode".into(), image: image.into(), ..Default::default() }
    }

    #[test]
    fn each_problem_gives_its_own_advice() {
        let svc = role("bdprov/hadoop:3.5.0");
        let image = Problem::ImageMissing("No such image: bdprov/hadoop:3.5.0".into()).help(&svc);
        assert!(image.contains("bdprov images build") && image.contains("bdprov/hadoop:3.5.0"), "{image}");
        let nodes = Problem::TooFewNodes("max replicas per node limit exceed".into()).help(&svc);
        assert!(nodes.contains("add nodes") && nodes.contains("bdprov scale namenode=N"), "{nodes}");
        let port = Problem::PortTaken("host-mode port already in use on 1 node".into()).help(&svc);
        assert!(port.contains("free the port") && port.contains("--set namenode.ports.<name>.published="), "{port}");
        let failing = Problem::Failing { failed: 3, last: "exit 1".into() }.help(&svc);
        assert!(failing.contains("bdprov logs namenode"), "{failing}");
    }

    /// A NameNode in safe mode says "The reported blocks …": that is a
    /// timeout, not a port problem, whatever words its detail holds.
    #[test]
    fn safe_mode_is_not_mistaken_for_a_port_problem() {
        let detail = "beans.0.Safemode is Safe mode is ON. The reported blocks 0 needs additional 3 blocks, want ";
        let problem = Problem::Timeout { secs: 180, detail: detail.into() };
        assert_eq!(problem.to_string(), format!("not ready after 180s: {detail}"));
        let help = problem.help(&role("bdprov/hadoop:3.5.0"));
        assert!(help.contains("bdprov logs namenode") && help.contains("bdprov status"), "{help}");
        assert!(!help.contains("port") && !help.contains("images build"), "{help}");
    }

    #[test]
    fn problems_read_as_before() {
        assert_eq!(
            Problem::Failing { failed: 4, last: "task: non-zero exit (1)".into() }.to_string(),
            "4 tasks failed since the change; the last: task: non-zero exit (1)"
        );
        assert_eq!(Problem::PortTaken("x".into()).to_string(), "a published port is already taken: x");
    }
}
