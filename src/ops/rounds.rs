//! What `up` (and `scale`) decide each round, as pure functions: which hooks
//! run and which services are applied now (dependency order), what each
//! service's action is and whether retired hosts come back first, and,
//! once a role's services are observed, whether it is ready, still starting,
//! or failed (trouble in its tasks, or its timeout). [`super::apply`] does
//! what these say, with Docker; tests here need none.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use super::ready::{self, Problem, RoleState};
use crate::engine::TaskInfo;
use crate::error::{Error, Result};
use crate::plan::diff::{Action, Changes, ObservedService};
use crate::plan::{DecommissionDef, Plan, ServiceDef};

/// How long a role without a probe timeout of its own may take to be ready.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// Where each service of the plan is (by index in `plan.services`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stage {
    /// Waiting for the roles and hooks it comes after.
    Blocked,
    /// Created, updated or kept; waiting to be ready.
    Applied,
    Ready,
}

/// What to start this round: hooks to run (in plan order, before the
/// services) and services to apply, by index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moves {
    pub hooks: Vec<usize>,
    pub services: Vec<usize>,
}

/// The steps that are done: roles whose every service is ready, and hooks that ran.
pub fn done<'a>(plan: &'a Plan, stages: &[Stage], hooks_done: &HashSet<&'a str>) -> HashSet<&'a str> {
    let mut done: HashSet<&str> = plan
        .services
        .iter()
        .map(|s| s.role.as_str())
        .filter(|role| plan.services.iter().zip(stages).filter(|(s, _)| s.role == *role).all(|(_, st)| *st == Stage::Ready))
        .collect();
    done.extend(hooks_done.iter().copied());
    done
}

/// Whether a step that comes `after` these may start: each is done, or is
/// not a step of this plan (a role left out).
pub fn unblocked(plan: &Plan, done: &HashSet<&str>, after: &[String]) -> bool {
    let known = |a: &str| plan.service(a).is_some() || plan.hooks.iter().any(|h| h.name == a);
    after.iter().all(|a| done.contains(a.as_str()) || !known(a))
}

/// What starts this round, decided from the state at its beginning: a hook
/// or service unblocked by a hook that runs this round starts next round.
pub fn next_moves(plan: &Plan, stages: &[Stage], hooks_done: &HashSet<&str>) -> Moves {
    let done = done(plan, stages, hooks_done);
    Moves {
        hooks: (0..plan.hooks.len())
            .filter(|&h| !hooks_done.contains(plan.hooks[h].name.as_str()) && unblocked(plan, &done, &plan.hooks[h].after))
            .collect(),
        services: (0..plan.services.len())
            .filter(|&i| stages[i] == Stage::Blocked && unblocked(plan, &done, &plan.services[i].after))
            .collect(),
    }
}

/// The action for a service: what the diff says, else create it.
pub fn action_of(changes: &Changes, svc: &ServiceDef) -> Action {
    changes.action(&svc.name).cloned().unwrap_or(Action::Create)
}

/// When the role retires members and the action sets its replicas: the
/// count whose retired hosts must be taken back before it is applied.
pub fn readmit_before<'a>(plan: &'a Plan, svc: &ServiceDef, action: &Action) -> Option<(&'a DecommissionDef, u64)> {
    match (plan.decommission_of(&svc.role), action) {
        (Some(def), Action::Scale { to, .. } | Action::Update { replicas: to, .. }) => Some((def, *to)),
        _ => None,
    }
}

/// The word the progress line shows once a service's action is carried out.
pub fn action_word(action: &Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update { .. } => "updated",
        Action::Scale { .. } => "scaled",
        Action::Keep { .. } => "unchanged",
    }
}

/// How long a service may take to be ready: its probe's timeout, or the default.
pub fn timeout_of(svc: &ServiceDef) -> Duration {
    svc.probe.as_ref().map_or(DEFAULT_TIMEOUT, |p| Duration::from_secs(p.timeout_secs))
}

/// The roles to judge this round: those with a service observed
/// (`pending`), and only when all their services were (an ensemble whose
/// members are not all applied yet waits). Each with its services' indexes.
pub fn roles_to_judge<'a>(plan: &'a Plan, pending: &[usize]) -> Vec<(&'a str, Vec<usize>)> {
    let roles: BTreeSet<&str> = pending.iter().map(|&i| plan.services[i].role.as_str()).collect();
    roles
        .into_iter()
        .map(|role| (role, (0..plan.services.len()).filter(|&i| plan.services[i].role == role).collect::<Vec<_>>()))
        .filter(|(_, idx)| idx.iter().all(|i| pending.contains(i)))
        .collect()
}

/// A role as a whole: ready when every service is, and (an ensemble) it has
/// exactly one leader; the ensemble's problem, if any.
pub fn role_verdict(states: &[&RoleState]) -> (bool, Option<String>) {
    let ensemble = ready::ensemble_problem(states);
    (states.iter().all(|s| s.is_ready) && ensemble.is_none(), ensemble)
}

/// What becomes of one service of a judged role this round.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Ready {
        detail: String,
    },
    Starting {
        detail: String,
    },
    /// `detail`: what was seen last (shown before the failure).
    Failed {
        detail: String,
        problem: Problem,
    },
}

/// Judge one service: `role_ready` and `ensemble` come from
/// [`role_verdict`], `tasks` are its tasks with `before` the ids of those
/// older than the change, `waited` how long since it was applied.
pub fn judge(
    state: &RoleState,
    role_ready: bool,
    ensemble: Option<&str>,
    tasks: &[TaskInfo],
    before: &HashSet<String>,
    waited: Duration,
    timeout: Duration,
) -> Verdict {
    if role_ready {
        return Verdict::Ready { detail: ready_detail(state) };
    }
    let detail = match (ensemble, state.is_ready) {
        (Some(problem), true) => format!("{}; {problem}", state.detail),
        _ => state.detail.clone(),
    };
    match ready::trouble(tasks, before)
        .or_else(|| (waited > timeout).then(|| Problem::Timeout { secs: timeout.as_secs(), detail: detail.clone() }))
    {
        Some(problem) => Verdict::Failed { detail, problem },
        None => Verdict::Starting { detail },
    }
}

/// `2/2 ready (leader)  http://10.0.0.5:8080/`.
pub fn ready_detail(s: &RoleState) -> String {
    let mut d = format!("{}/{} ready", s.ready, s.desired);
    if let Some(m) = &s.mode {
        d.push_str(&format!(" ({m})"));
    }
    if !s.urls.is_empty() {
        d.push_str(&format!("  {}", s.urls.join(" ")));
    }
    d
}

/// A role `scale` moves that retires members: the service, how it retires,
/// and its replicas from → to.
pub type Move<'a> = (&'a ServiceDef, &'a DecommissionDef, u64, u64);

/// What `scale` does to each service, given what runs (`current`) and the
/// checked requests: the changes to wait for, and the roles that retire or
/// readmit members first. A role that retires members keeps its replicas
/// here: retiring lowers them itself, at the right moment.
pub fn scale_changes<'a>(plan: &'a Plan, current: &[ObservedService], requests: &[(String, u64)]) -> Result<(Changes, Vec<Move<'a>>)> {
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
            super::decommission::check_keep(def, obs.replicas, n)?;
            moves.push((svc, def, obs.replicas, n));
        }
        let action = match target {
            Some(n) if decommission.is_some() && n < obs.replicas => Action::Keep { replicas: n },
            Some(n) if n != obs.replicas => Action::Scale { version: obs.version, from: obs.replicas, to: n },
            _ => Action::Keep { replicas: obs.replicas },
        };
        changes.services.push((svc.name.clone(), action));
    }
    Ok((changes, moves))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::TaskState;
    use crate::plan::{EndpointDef, HookActionDef, HookDef, MemberStatusDef, ProbeDef};

    fn svc(role: &str, after: &[&str]) -> ServiceDef {
        ServiceDef {
            name: format!("c_{role}"),
            role: role.into(),
            after: after.iter().map(|a| a.to_string()).collect(),
            replicas: 1,
            ..Default::default()
        }
    }

    fn hook(name: &str, after: &[&str]) -> HookDef {
        HookDef {
            name: name.into(),
            after: after.iter().map(|a| a.to_string()).collect(),
            action: HookActionDef::Job { template: Box::default(), colocate: None },
        }
    }

    fn plan(services: Vec<ServiceDef>, hooks: Vec<HookDef>) -> Plan {
        let mut p: Plan = serde_json::from_value(serde_json::json!({
            "cluster": "c", "blueprint": "b", "images": "local",
            "network": {"name": "c-net", "labels": {}}, "configs": [], "volumes": [], "services": []
        }))
        .unwrap();
        p.services = services;
        p.hooks = hooks;
        p
    }

    fn decommission(role: &str, keep: Option<u64>) -> DecommissionDef {
        DecommissionDef {
            role: role.into(),
            job: ServiceDef::default(),
            colocate: None,
            refresh: vec![],
            stop: vec![],
            status: MemberStatusDef {
                endpoint: EndpointDef { service: "c_namenode".into(), role: "namenode".into(), port: 9870, others: vec![] },
                path: "/jmx".into(),
                members: "beans.0.LiveNodes".into(),
                field: "adminState".into(),
                done: "Decommissioned".into(),
                serving: None,
            },
            keep: keep.map(|k| (k, k.to_string())),
            timeout_secs: 60,
        }
    }

    fn state(is_ready: bool, mode: Option<&str>) -> RoleState {
        RoleState {
            role: "zk-1".into(),
            service: "c_zk-1".into(),
            mode: mode.map(String::from),
            active: mode.map(|m| m == "leader"),
            leading: Some("leader".into()),
            position: None,
            desired: 1,
            running: 1,
            ready: u64::from(is_ready),
            is_ready,
            detail: "Mode: follower".into(),
            tasks: vec![],
            urls: vec![],
        }
    }

    /// namenode → datanode → (hook mkdirs) → history; the hook waits for
    /// the whole role, the history server for the hook.
    fn hadoop() -> Plan {
        plan(
            vec![svc("namenode", &[]), svc("datanode", &["namenode"]), svc("history", &["mkdirs"])],
            vec![hook("mkdirs", &["namenode", "datanode"])],
        )
    }

    #[test]
    fn steps_start_in_dependency_order() {
        let p = hadoop();
        let none = HashSet::new();
        use Stage::*;
        assert_eq!(next_moves(&p, &[Blocked, Blocked, Blocked], &none), Moves { hooks: vec![], services: vec![0] });
        assert_eq!(next_moves(&p, &[Applied, Blocked, Blocked], &none), Moves::default(), "nothing new while the namenode starts");
        assert_eq!(next_moves(&p, &[Ready, Blocked, Blocked], &none), Moves { hooks: vec![], services: vec![1] });
        assert_eq!(next_moves(&p, &[Ready, Ready, Blocked], &none), Moves { hooks: vec![0], services: vec![] });
        // The hook ran this round: the history server starts on the next.
        let ran = HashSet::from(["mkdirs"]);
        assert_eq!(next_moves(&p, &[Ready, Ready, Blocked], &ran), Moves { hooks: vec![], services: vec![2] });
    }

    #[test]
    fn a_role_is_done_only_when_all_its_services_are() {
        let p = plan(vec![svc("zk", &[]), svc("zk", &[]), svc("kafka", &["zk"])], vec![]);
        let none = HashSet::new();
        assert!(!done(&p, &[Stage::Ready, Stage::Applied, Stage::Blocked], &none).contains("zk"));
        assert_eq!(next_moves(&p, &[Stage::Ready, Stage::Applied, Stage::Blocked], &none), Moves::default());
        assert_eq!(next_moves(&p, &[Stage::Ready, Stage::Ready, Stage::Blocked], &none).services, vec![2]);
    }

    #[test]
    fn steps_after_unknown_names_are_not_blocked() {
        // A role left out of the plan (no offline image) does not block.
        let p = plan(vec![svc("worker", &["gone"])], vec![]);
        assert_eq!(next_moves(&p, &[Stage::Blocked], &HashSet::new()).services, vec![0]);
    }

    #[test]
    fn hooks_do_not_run_twice() {
        let p = plan(vec![svc("a", &[])], vec![hook("h", &[])]);
        assert_eq!(next_moves(&p, &[Stage::Applied], &HashSet::new()).hooks, vec![0]);
        assert!(next_moves(&p, &[Stage::Applied], &HashSet::from(["h"])).hooks.is_empty());
    }

    #[test]
    fn actions_words_timeouts_and_readmission() {
        let mut p = plan(vec![svc("datanode", &[]), svc("worker", &[])], vec![]);
        p.decommission.push(decommission("datanode", None));
        let changes = Changes { services: vec![("c_datanode".into(), Action::Scale { version: 1, from: 2, to: 4 })], ..Default::default() };
        let dn = &p.services[0];
        assert_eq!(action_of(&changes, dn), Action::Scale { version: 1, from: 2, to: 4 });
        assert_eq!(action_of(&changes, &p.services[1]), Action::Create, "a service the diff does not name is created");
        assert_eq!(readmit_before(&p, dn, &action_of(&changes, dn)).map(|(_, n)| n), Some(4));
        assert_eq!(readmit_before(&p, dn, &Action::Update { version: 1, replicas: 3 }).map(|(_, n)| n), Some(3));
        assert!(readmit_before(&p, dn, &Action::Keep { replicas: 3 }).is_none());
        assert!(readmit_before(&p, &p.services[1], &Action::Scale { version: 1, from: 1, to: 2 }).is_none());
        assert_eq!(
            [
                Action::Create,
                Action::Update { version: 0, replicas: 1 },
                Action::Scale { version: 0, from: 1, to: 2 },
                Action::Keep { replicas: 1 }
            ]
            .iter()
            .map(action_word)
            .collect::<Vec<_>>(),
            ["created", "updated", "scaled", "unchanged"]
        );
        assert_eq!(timeout_of(dn), DEFAULT_TIMEOUT);
        let probed = ServiceDef {
            probe: Some(ProbeDef {
                service: "c_x".into(),
                role: "x".into(),
                port: 1,
                check: crate::plan::CheckDef::Tcp,
                timeout_secs: 600,
                modes: None,
                others: vec![],
            }),
            ..svc("x", &[])
        };
        assert_eq!(timeout_of(&probed), Duration::from_secs(600));
    }

    #[test]
    fn an_ensemble_is_judged_when_every_member_was_observed() {
        let p = plan(vec![svc("zk", &[]), svc("zk", &[]), svc("worker", &[])], vec![]);
        assert_eq!(roles_to_judge(&p, &[0, 2]), vec![("worker", vec![2])]);
        assert_eq!(roles_to_judge(&p, &[0, 1, 2]), vec![("worker", vec![2]), ("zk", vec![0, 1])]);
    }

    #[test]
    fn verdicts() {
        let none = HashSet::new();
        let (f, l) = (state(true, Some("follower")), state(true, Some("leader")));
        let (ok, problem) = role_verdict(&[&l, &f]);
        assert!(ok && problem.is_none());
        assert_eq!(
            judge(&l, ok, None, &[], &none, Duration::ZERO, DEFAULT_TIMEOUT),
            Verdict::Ready { detail: "1/1 ready (leader)".into() }
        );
        // Two followers: each member answers, the ensemble is not ready.
        let (ok, problem) = role_verdict(&[&f, &f]);
        assert!(!ok);
        assert_eq!(
            judge(&f, ok, problem.as_deref(), &[], &none, Duration::from_secs(5), DEFAULT_TIMEOUT),
            Verdict::Starting { detail: "Mode: follower; 0 leaders among 2 members, want exactly 1".into() }
        );
        // Past the timeout it fails, saying what was seen last.
        let starting = state(false, None);
        let Verdict::Failed { problem, .. } = judge(&starting, false, None, &[], &none, Duration::from_secs(181), DEFAULT_TIMEOUT) else {
            panic!()
        };
        assert_eq!(problem.to_string(), "not ready after 180s: Mode: follower");
        // Trouble in the tasks fails at once.
        let task = TaskInfo {
            id: "t".into(),
            slot: 1,
            node_id: "n".into(),
            state: TaskState::Rejected,
            desired: TaskState::Running,
            message: String::new(),
            error: "No such image: bdprov/zookeeper:3.8".into(),
            exit_code: None,
            container_id: None,
            updated: String::new(),
        };
        let v = judge(&starting, false, None, &[task], &none, Duration::ZERO, DEFAULT_TIMEOUT);
        assert!(matches!(v, Verdict::Failed { problem: Problem::ImageMissing(_), .. }), "{v:?}");
    }

    fn observed(name: &str, replicas: u64) -> ObservedService {
        ObservedService { id: name.into(), name: name.into(), version: 7, labels: Default::default(), replicas }
    }

    #[test]
    fn scaling_down_a_role_that_holds_data_retires_first() {
        let mut p = plan(vec![svc("datanode", &[]), svc("worker", &[]), svc("master", &[])], vec![]);
        p.decommission.push(decommission("datanode", Some(2)));
        let current = [observed("c_datanode", 4), observed("c_worker", 2), observed("c_master", 1)];
        let (changes, moves) = scale_changes(&p, &current, &[("datanode".into(), 3), ("worker".into(), 3)]).unwrap();
        assert_eq!(
            changes.services,
            vec![
                ("c_datanode".into(), Action::Keep { replicas: 3 }),
                ("c_worker".into(), Action::Scale { version: 7, from: 2, to: 3 }),
                ("c_master".into(), Action::Keep { replicas: 1 }),
            ]
        );
        assert_eq!(moves.iter().map(|(s, _, from, to)| (s.role.as_str(), *from, *to)).collect::<Vec<_>>(), vec![("datanode", 4, 3)]);
        // Scaling up a role that retires members readmits; the swarm scales it.
        let (changes, moves) = scale_changes(&p, &current, &[("datanode".into(), 5)]).unwrap();
        assert_eq!(changes.services[0].1, Action::Scale { version: 7, from: 4, to: 5 });
        assert_eq!(moves.len(), 1);
        // Below `keep`: refused before anything moves.
        assert!(scale_changes(&p, &current, &[("datanode".into(), 1)]).unwrap_err().to_string().contains("keeps at least 2"));
        // A service that is gone: `up` first.
        assert!(scale_changes(&p, &current[..2], &[]).unwrap_err().to_string().contains("is missing"));
    }

    #[test]
    fn up_does_not_lower_a_role_that_retires_members() {
        let mut p = plan(vec![svc("datanode", &[]), svc("worker", &[])], vec![]);
        p.decommission.push(decommission("datanode", None));
        let observed = [observed("c_datanode", 4), observed("c_worker", 3)];
        let lower = |name: &str, action| Changes { services: vec![(name.to_string(), action)], ..Default::default() };
        let guard = |c: &Changes| super::super::decommission::guard_up(&p, c, &observed);
        let e = guard(&lower("c_datanode", Action::Scale { version: 1, from: 4, to: 3 })).unwrap_err().to_string();
        assert!(e.contains("would lower `datanode` from 4 to 3") && e.contains("bdprov scale datanode=3"), "{e}");
        assert!(guard(&lower("c_datanode", Action::Update { version: 1, replicas: 2 })).is_err(), "an update to fewer replicas too");
        assert!(guard(&lower("c_datanode", Action::Scale { version: 1, from: 4, to: 5 })).is_ok());
        assert!(guard(&lower("c_worker", Action::Scale { version: 1, from: 3, to: 1 })).is_ok(), "roles without decommission scale freely");
    }
}
