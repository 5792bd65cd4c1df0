//! Scaling a role down without losing data: bdprov retires the highest task
//! slots first (the steps are in [`crate::blueprint::Decommission`]) and only
//! then lowers the replicas.
//!
//! Why bdprov picks the slots and stops their tasks itself: when the replica
//! count of a service drops, the swarm does not remove the highest slots.
//! swarmkit's replicated orchestrator (`reconcile` in
//! `manager/orchestrator/replicated/services.go`) collects the runnable slots
//! from a Go map (no order), sorts them running-first, numbers them per node
//! and keeps the lowest numbers, so which tasks go depends on map order and
//! node balance. A slot whose task ended and is not restarted is not runnable
//! (`GetRunnableAndDeadSlots`: desired state above running, which the restart
//! supervisor sets before it decides not to restart), and a scale-down to the
//! number of runnable slots removes exactly the others. So the retired
//! members are stopped (exit 0, and the role restarts `on-failure` only)
//! before the replicas drop.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::blueprint::{for_slot, HOSTS_FILE};
use crate::engine::{Engine, TaskState};
use crate::error::{Error, Result};
use crate::job::{self, Job};
use crate::output::{Progress, State};
use crate::plan::diff::{Action, Changes, ObservedService};
use crate::plan::{labels, retired_config_name, ConfigDef, ConfigMount, DecommissionDef, MemberStatusDef, Plan, ServiceDef};
use crate::poll::{self, Seen};

const POLL: Duration = Duration::from_secs(2);
/// How often to look at the tasks of retiring members.
const TASK_POLL: Duration = Duration::from_millis(500);
/// How long a stopped member may take to end its task.
const STOP_TIMEOUT: Duration = Duration::from_secs(180);

/// The slots to retire to go down to `target`: the highest running ones.
pub fn retiring(running: &[u64], target: u64) -> Vec<u64> {
    let mut slots = running.to_vec();
    slots.sort_unstable_by(|a, b| b.cmp(a));
    slots.truncate(running.len().saturating_sub(target as usize));
    slots
}

/// The hostnames of `slots` (the role's hostname has a slot placeholder:
/// decoding checks it).
pub fn hosts(svc: &ServiceDef, slots: &[u64]) -> Vec<String> {
    let template = svc.hostname.as_deref().unwrap_or_default();
    slots.iter().map(|s| for_slot(template, *s).expect("decoding checks that a retiring role's hostname has the slot")).collect()
}

/// The retired list once `leaving` retire: everything retired before or now,
/// except members that stay (or come back).
pub fn exclusion(previous: &[String], leaving: &[String], staying: &[String]) -> Vec<String> {
    let all: BTreeSet<&String> = previous.iter().chain(leaving).filter(|h| !staying.contains(h)).collect();
    all.into_iter().cloned().collect()
}

/// Why a status answer does not tell the members' states.
#[derive(Debug, thiserror::Error)]
pub enum UnreadableStatus {
    /// The answer is not JSON (serde's error is the cause).
    #[error("the answer is not JSON")]
    NotJson(#[source] serde_json::Error),
    /// The members (at this JSON path) are a string that is not JSON.
    #[error("{members} is a string but not JSON")]
    StringNotJson {
        members: String,
        #[source]
        source: serde_json::Error,
    },
    /// Nothing, or neither a map nor a string, at the members' JSON path.
    #[error("{0} is missing in the answer")]
    Missing(String),
    /// The members' string holds JSON that is not a map.
    #[error("{0} is not a map of members")]
    NotAMap(String),
}

/// Each host's state in a status answer: `members` is a JSON path to a map
/// keyed `host` or `host:port` (or such a map encoded as a string, as
/// Hadoop's JMX has it); `None` for a host it does not list.
pub fn member_states(body: &str, status: &MemberStatusDef, hosts: &[String]) -> Result<Vec<(String, Option<String>)>, UnreadableStatus> {
    let json: Value = serde_json::from_str(body).map_err(UnreadableStatus::NotJson)?;
    let members = match crate::probe::lookup(&json, &status.members).first().copied() {
        Some(Value::String(inner)) => {
            serde_json::from_str(inner).map_err(|source| UnreadableStatus::StringNotJson { members: status.members.clone(), source })?
        }
        Some(v @ Value::Object(_)) => v.clone(),
        _ => return Err(UnreadableStatus::Missing(status.members.clone())),
    };
    let Value::Object(map) = members else { return Err(UnreadableStatus::NotAMap(status.members.clone())) };
    Ok(hosts
        .iter()
        .map(|h| {
            let entry = map.iter().find(|(k, _)| *k == h || k.strip_prefix(h.as_str()).is_some_and(|rest| rest.starts_with(':')));
            let state =
                entry.and_then(|(_, e)| e.get(&status.field)).map(|v| v.as_str().map(String::from).unwrap_or_else(|| v.to_string()));
            (h.clone(), state)
        })
        .collect())
}

/// What is still awaited (`None`: every host is done), e.g.
/// `datanode-5 Decommission In Progress, datanode-4 not reported`.
pub fn awaited(states: &[(String, Option<String>)], done: &str) -> Option<String> {
    let open: Vec<String> = states
        .iter()
        .filter(|(_, s)| s.as_deref() != Some(done))
        .map(|(h, s)| format!("{h} {}", s.as_deref().unwrap_or("not reported")))
        .collect();
    (!open.is_empty()).then(|| open.join(", "))
}

/// Refuse to go below the blueprint's `keep`.
pub fn check_keep(def: &DecommissionDef, from: u64, to: u64) -> Result<()> {
    match &def.keep {
        Some((keep, source)) if to < *keep && to < from => {
            let why = if source.trim() == keep.to_string() { String::new() } else { format!(" (`{}`)", source.trim()) };
            Err(Error::help(
                format!("scaling `{}` to {to} is refused: its blueprint keeps at least {keep}{why}", def.role),
                format!("scale to {keep} or more, or lower that value first (it comes from the blueprint: --set or -f)"),
            ))
        }
        _ => Ok(()),
    }
}

/// `up` must not lower the replicas of a role that retires members: only
/// `scale` does that, safely.
pub fn guard_up(plan: &Plan, changes: &Changes, observed: &[ObservedService]) -> Result<()> {
    for (name, action) in &changes.services {
        let Some(svc) = plan.services.iter().find(|s| &s.name == name) else { continue };
        if plan.decommission_of(&svc.role).is_none() {
            continue;
        }
        let running = observed.iter().find(|o| &o.name == name).map(|o| o.replicas);
        let (from, to) = match (action, running) {
            (Action::Scale { from, to, .. }, _) => (*from, *to),
            (Action::Update { replicas, .. }, Some(r)) => (r, *replicas),
            _ => continue,
        };
        if to < from {
            return Err(Error::help(
                format!("`up` would lower `{}` from {from} to {to} replicas, removing members without retiring them first", svc.role),
                format!("run `bdprov scale {}={to}`, which retires them without losing data; a later `up` keeps that count", svc.role),
            ));
        }
    }
    Ok(())
}

/// Retire the highest slots of `svc` until `target` remain, then lower its
/// replicas to `target`.
pub async fn retire(
    engine: &Engine,
    plan: &Plan,
    svc: &ServiceDef,
    def: &DecommissionDef,
    target: u64,
    progress: &dyn Progress,
) -> Result<()> {
    let role = &svc.role;
    let tasks = engine.tasks(&svc.name).await?;
    let wanted: Vec<_> = tasks.iter().filter(|t| t.desired == TaskState::Running).collect();
    if let Some(t) = wanted.iter().find(|t| !t.is_running()) {
        return Err(Error::help(
            format!("`{role}` task {} is {}, not running: members are retired only from a settled role", t.slot, t.state),
            "wait until `bdprov status` shows every member ready, then scale again",
        ));
    }
    let running: Vec<u64> = wanted.iter().map(|t| t.slot).collect();
    let leaving_slots = retiring(&running, target);
    let staying_slots: Vec<u64> = running.iter().copied().filter(|s| !leaving_slots.contains(s)).collect();
    let (leaving, staying) = (hosts(svc, &leaving_slots), hosts(svc, &staying_slots));
    let (previous, _) = engine.retired(&plan.cluster, role).await?;

    progress.step(role, State::Retiring, &format!("{}: telling the cluster", leaving.join(", ")));
    refresh(engine, plan, def, &exclusion(&previous, &leaving, &staying), progress).await?;

    let bases = engine.reach_all(&def.status.endpoint).await?;
    let timeout = Duration::from_secs(def.timeout_secs);
    wait_retired(&crate::http::client(), &bases, def, &leaving, progress, POLL, timeout).await?;

    progress.step(role, State::Retiring, &format!("stopping {}", leaving.join(", ")));
    run_with_hosts(engine, plan, def, "stop", &def.stop, &leaving, progress).await?;
    wait_stopped(engine, svc, &leaving_slots, &leaving, progress).await?;

    progress.step(role, State::Scaling, &format!("{} → {target}", running.len()));
    engine.scale_service(&svc.name, target, Some(svc.replicas)).await?;
    wait_dropped(engine, svc, &leaving_slots).await
}

/// Take back retired hosts whose slots run again once the role has `target`
/// replicas (before a scale-up, or to undo an interrupted scale-down).
pub async fn readmit(
    engine: &Engine,
    plan: &Plan,
    svc: &ServiceDef,
    def: &DecommissionDef,
    target: u64,
    progress: &dyn Progress,
) -> Result<()> {
    let (previous, _) = engine.retired(&plan.cluster, &svc.role).await?;
    let staying = hosts(svc, &(1..=target).collect::<Vec<_>>());
    let list = exclusion(&previous, &[], &staying);
    if list.len() == previous.len() {
        return Ok(());
    }
    let back: Vec<&String> = previous.iter().filter(|h| !list.contains(h)).collect();
    progress.step(&svc.role, State::Readmitting, &back.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", "));
    refresh(engine, plan, def, &list, progress).await
}

/// Wait until the status endpoints at `bases` (one per member of a pair)
/// report every host `done`, saying what it waits for. Every member that
/// answers must agree, and at least one must answer: the members of a pair
/// each decide on their own.
pub async fn wait_retired(
    client: &reqwest::Client,
    bases: &[String],
    def: &DecommissionDef,
    hosts: &[String],
    progress: &dyn Progress,
    every: Duration,
    timeout: Duration,
) -> Result<()> {
    let status = &def.status;
    let look = async || {
        let (mut open, mut silent) = (Vec::new(), Vec::new());
        let mut answered = false;
        for base in bases {
            let url = format!("{base}{}", status.path);
            let seen = match client.get(&url).timeout(Duration::from_secs(10)).send().await {
                Ok(r) => match r.text().await {
                    Ok(body) => member_states(&body, status, hosts).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(crate::http::root_cause(&e)),
            };
            // Which member said it, when there are several.
            let at = if bases.len() > 1 { format!(" (at {base})") } else { String::new() };
            match seen {
                Ok(states) => {
                    answered = true;
                    if let Some((h, s)) = states.iter().find(|(_, s)| status.serving.is_some() && s.as_deref() == status.serving.as_deref())
                    {
                        return Err(Error::help(
                            format!("{h} is still {}{at} after the cluster was told to retire it", s.as_deref().unwrap_or_default()),
                            format!("the cluster did not match {h} (it must resolve that name on the overlay), or it restarted and forgot the list; nothing was removed, run `bdprov scale` again"),
                        ));
                    }
                    if let Some(o) = awaited(&states, &status.done) {
                        open.push(format!("{o}{at}"));
                    }
                }
                Err(why) => silent.push(format!("{url}: {why}")),
            }
        }
        if answered && open.is_empty() {
            return Ok(Seen::Done(()));
        }
        let detail = format!("waiting for {} to be {}: {}", hosts.join(", "), status.done, [open, silent].concat().join("; "));
        progress.step(&def.role, State::Retiring, &detail);
        Ok(Seen::Waiting(detail))
    };
    poll::until(every, timeout, look, |detail, _| {
        Error::help(
            format!("`{}` members not retired after {}s: {detail}", def.role, timeout.as_secs()),
            format!(
                "nothing was removed; they stay excluded. Run `bdprov scale` again to keep waiting, or `bdprov scale {}=<current count>` to take them back",
                def.role
            ),
        )
    })
    .await
}

/// Record `list` as the role's retired hosts and run `refresh` with it.
async fn refresh(engine: &Engine, plan: &Plan, def: &DecommissionDef, list: &[String], progress: &dyn Progress) -> Result<()> {
    let (_, lists) = engine.retired(&plan.cluster, &def.role).await?;
    let data = format!("{}\n", list.join("\n"));
    let name = retired_config_name(&plan.cluster, &def.role, &data);
    let existed = lists.iter().any(|(n, _)| *n == name);
    let mut labels = plan.labels(Some(&def.role));
    labels::Kind::Retired.mark(&mut labels);
    let id =
        if existed { None } else { Some(engine.create_config(&ConfigDef { name: name.clone(), data, labels, artifact: None }).await?) };
    let result = run_step(engine, plan, def, "refresh", &def.refresh, &name, progress).await;
    match (result, id) {
        (Ok(()), _) => {
            for (n, old) in lists.iter().filter(|(n, _)| *n != name) {
                engine.remove_config_when_free(old).await.map_err(|e| e.context(&format!("cannot remove the old list {n}")))?;
            }
            Ok(())
        }
        // The cluster did not take the new list: keep the old one as the record.
        (Err(e), Some(new)) => {
            engine.remove_config_when_free(&new).await?;
            Err(e)
        }
        (Err(e), None) => Err(e),
    }
}

/// Run `command` with `hosts` in the hosts file (a config for this run only).
async fn run_with_hosts(
    engine: &Engine,
    plan: &Plan,
    def: &DecommissionDef,
    step: &str,
    command: &[String],
    hosts: &[String],
    progress: &dyn Progress,
) -> Result<()> {
    let data = format!("{}\n", hosts.join("\n"));
    let name = format!("{}_{}-{step}-{}", plan.cluster, def.role, job::job_id());
    let id = engine.create_config(&ConfigDef { name: name.clone(), data, labels: plan.labels(Some(&def.role)), artifact: None }).await?;
    let result = run_step(engine, plan, def, step, command, &name, progress).await;
    engine.remove_config_when_free(&id).await?;
    result
}

/// One step as a one-shot job, with config `hosts` mounted at the hosts file.
async fn run_step(
    engine: &Engine,
    plan: &Plan,
    def: &DecommissionDef,
    step: &str,
    command: &[String],
    hosts: &str,
    progress: &dyn Progress,
) -> Result<()> {
    // Telling the cluster reaches every member of a pair, each of which
    // keeps its own list; the other steps act once.
    let templates = match (step, def.colocate.as_deref()) {
        ("refresh", Some(role)) => job::beside_each(engine, plan, &def.job, role).await?,
        (_, colocate) => vec![job::colocated(engine, plan, &def.job, colocate).await?],
    };
    for mut template in templates {
        template.configs.push(ConfigMount { config: hosts.to_string(), target: HOSTS_FILE.to_string(), mode: 0o444 });
        let kind = format!("{}-{step}", def.role);
        let (code, output) = job::run(engine, plan, Job::new(&template, &kind, command.to_vec()), progress).await?;
        if code != 0 {
            return Err(job::failed(
                &format!("the `{step}` step of retiring `{}`", def.role),
                code,
                &output,
                "nothing was removed; fix the cause (see the lines above) and run `bdprov scale` again",
            ));
        }
    }
    Ok(())
}

/// Wait until the tasks of the stopped slots ended with exit 0.
async fn wait_stopped(engine: &Engine, svc: &ServiceDef, slots: &[u64], hosts: &[String], progress: &dyn Progress) -> Result<()> {
    let look = async || {
        let tasks = engine.tasks(&svc.name).await?;
        let mut open = Vec::new();
        for (slot, host) in slots.iter().zip(hosts) {
            // Newest task first within a slot.
            let Some(t) = tasks.iter().find(|t| t.slot == *slot) else { continue };
            match t.state {
                TaskState::Complete => {}
                TaskState::Failed | TaskState::Rejected | TaskState::Orphaned => {
                    return Err(Error::help(
                        format!(
                            "{host} did not stop cleanly: its task {} ({})",
                            t.state,
                            if t.error.is_empty() { &t.message } else { &t.error }
                        ),
                        "it is retired, so it holds nothing the cluster needs, but the swarm restarts it: run `bdprov scale` again",
                    ))
                }
                _ => open.push(format!("{host} {}", t.state)),
            }
        }
        if open.is_empty() {
            return Ok(Seen::Done(()));
        }
        progress.step(&svc.role, State::Retiring, &format!("waiting for their tasks to end: {}", open.join(", ")));
        Ok(Seen::Waiting(open))
    };
    poll::until(TASK_POLL, STOP_TIMEOUT, look, |open, _| {
        Error::help(
            format!("the stopped members of `{}` still run after {}s: {}", svc.role, STOP_TIMEOUT.as_secs(), open.join(", ")),
            "they are retired; see `bdprov logs` for the role, then run `bdprov scale` again",
        )
    })
    .await
}

/// After the replicas dropped, no task may run again in a retired slot.
async fn wait_dropped(engine: &Engine, svc: &ServiceDef, slots: &[u64]) -> Result<()> {
    let look = async || {
        let tasks = engine.tasks(&svc.name).await?;
        let back: Vec<u64> = tasks.iter().filter(|t| t.desired == TaskState::Running && slots.contains(&t.slot)).map(|t| t.slot).collect();
        Ok(if back.is_empty() { Seen::Done(()) } else { Seen::Waiting(back) })
    };
    poll::until(TASK_POLL, Duration::from_secs(30), look, |back, _| {
        Error::help(
            format!("the swarm runs `{}` slots {back:?} again after the scale-down", svc.role),
            "those members are retired and hold nothing the cluster needs; check `bdprov status` and scale again",
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::EndpointDef;

    fn status(serving: Option<&str>) -> MemberStatusDef {
        MemberStatusDef {
            endpoint: EndpointDef { service: "c_namenode".into(), role: "namenode".into(), port: 9870, others: vec![] },
            path: "/jmx".into(),
            members: "beans.0.LiveNodes".into(),
            field: "adminState".into(),
            done: "Decommissioned".into(),
            serving: serving.map(String::from),
        }
    }

    #[test]
    fn the_highest_running_slots_retire() {
        assert_eq!(retiring(&[1, 2, 3, 4, 5], 3), vec![5, 4]);
        assert_eq!(retiring(&[1, 3, 7], 2), vec![7]);
        assert!(retiring(&[1, 2], 2).is_empty());
    }

    #[test]
    fn hosts_follow_the_hostname_template() {
        let svc = ServiceDef { role: "datanode".into(), hostname: Some("datanode-{{.Task.Slot}}".into()), ..Default::default() };
        assert_eq!(hosts(&svc, &[5, 4]), vec!["datanode-5", "datanode-4"]);
    }

    #[test]
    fn the_retired_list_grows_and_shrinks() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(exclusion(&s(&["dn-5"]), &s(&["dn-4"]), &s(&["dn-1", "dn-2", "dn-3"])), s(&["dn-4", "dn-5"]));
        // Scaling back up to 4 takes dn-4 back.
        assert_eq!(exclusion(&s(&["dn-4", "dn-5"]), &[], &s(&["dn-1", "dn-2", "dn-3", "dn-4"])), s(&["dn-5"]));
    }

    #[test]
    fn jmx_live_nodes_are_a_json_string_inside_json() {
        let live = serde_json::json!({
            "datanode-1:9866": {"adminState": "In Service"},
            "datanode-3:9866": {"adminState": "Decommission In Progress"},
            "datanode-30:9866": {"adminState": "Decommissioned"},
        });
        let body = serde_json::json!({"beans": [{"LiveNodes": live.to_string()}]}).to_string();
        let states = member_states(&body, &status(None), &["datanode-3".into(), "datanode-4".into()]).unwrap();
        assert_eq!(states, vec![("datanode-3".into(), Some("Decommission In Progress".into())), ("datanode-4".into(), None)]);
        assert_eq!(awaited(&states, "Decommissioned").unwrap(), "datanode-3 Decommission In Progress, datanode-4 not reported");
        let done = vec![("datanode-3".to_string(), Some("Decommissioned".to_string()))];
        assert_eq!(awaited(&done, "Decommissioned"), None);
        assert!(member_states("{}", &status(None), &[]).unwrap_err().to_string().contains("missing"));
    }

    #[test]
    fn a_status_answer_that_cannot_be_read_says_why_as_before_and_keeps_serdes_error() {
        use std::error::Error as _;
        let hosts = ["datanode-3".to_string()];
        let e = member_states("<html>", &status(None), &hosts).unwrap_err();
        assert!(matches!(e, UnreadableStatus::NotJson(_)), "{e:?}");
        assert_eq!(e.to_string(), "the answer is not JSON");
        assert!(e.source().is_some_and(|c| c.is::<serde_json::Error>()));
        let cases = [
            (serde_json::json!({"beans": [{"LiveNodes": "{nope"}]}), "beans.0.LiveNodes is a string but not JSON"),
            (serde_json::json!({"beans": [{"LiveNodes": "[1]"}]}), "beans.0.LiveNodes is not a map of members"),
            (serde_json::json!({"beans": [{"LiveNodes": 3}]}), "beans.0.LiveNodes is missing in the answer"),
        ];
        for (body, said) in cases {
            let e = member_states(&body.to_string(), &status(None), &hosts).unwrap_err();
            assert_eq!(e.to_string(), said, "{e:?}");
            assert_eq!(e.source().is_some(), matches!(e, UnreadableStatus::StringNotJson { .. }), "{e:?}");
        }
    }

    #[test]
    fn keep_refuses_only_going_below_it() {
        let def = DecommissionDef {
            role: "datanode".into(),
            job: ServiceDef::default(),
            colocate: None,
            refresh: vec![],
            stop: vec![],
            status: status(None),
            keep: Some((2, "{{ values.hdfs_site['dfs.replication'] }}".into())),
            timeout_secs: 60,
        };
        let e = check_keep(&def, 3, 1).unwrap_err().to_string();
        assert!(
            e.contains("scaling `datanode` to 1 is refused: its blueprint keeps at least 2 (`{{ values.hdfs_site['dfs.replication'] }}`)"),
            "{e}"
        );
        assert!(check_keep(&def, 3, 2).is_ok());
        assert!(check_keep(&def, 1, 1).is_ok(), "not lowering is never refused");
    }
}
