//! `submit`'s preflight: before a Spark job is created, ask the cluster
//! whether its executors (and, on YARN, its application master) can ever
//! get resources, and refuse with the numbers and the fix when they cannot;
//! while a standalone job runs, say why it gets no executor instead of
//! leaving the user with Spark's "Initial job has not accepted any
//! resources" every 15 s; a YARN application still not RUNNING is told
//! what the ResourceManager says about it.
//!
//! The decisions ([`standalone`], [`waiting`], [`yarn`]) are pure, over the
//! answers of the Spark master's `/json/` and the ResourceManager's
//! `/ws/v1/cluster/nodes` and `/conf`; [`check`] and [`watch`] fetch them
//! through the roles' published ports, as probes do. What the
//! ResourceManager's answers mean, and why a YARN application waits, is
//! YARN's ([`crate::systems::yarn::preflight`]).
//!
//! A refusal is an input error (exit code 2, like a `--executor-memory`
//! Spark itself would refuse): the job as asked can never run here.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Deserialize;

use super::memory::{conf_lines, container_size, parse_memory, show, MIB};
use super::{JobMemory, SparkOn};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Progress;
use crate::plan::{EndpointDef, Plan, SparkJobDef};
use crate::systems::answer::BadAnswer;
use crate::systems::preflight::{get, Explained};
use crate::systems::yarn::preflight::{conf_value, node_managers, parse_nodes, Node, NodeManagers, YarnLimits, YarnWatch};

/// Spark's defaults when nothing sets them.
const DEFAULT_MEMORY: u64 = 1 << 30;

/// How long a standalone job may go without an executor before `submit`
/// says why: `BDPROV_EXECUTOR_WAIT` seconds, else 60.
pub fn executor_wait() -> Duration {
    let secs = std::env::var("BDPROV_EXECUTOR_WAIT").ok().and_then(|s| s.parse::<u64>().ok()).unwrap_or(60);
    Duration::from_secs(secs)
}

/// What one executor (and on YARN the application master) asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub executor_memory: u64,
    /// `spark.executor.cores`; unset on standalone: one executor takes all
    /// the free cores of a worker, at least one.
    pub executor_cores: Option<u64>,
    pub executor_overhead: Option<u64>,
    pub driver_memory: u64,
    pub driver_overhead: Option<u64>,
    /// `spark.driver.cores`: on YARN in cluster mode, the application
    /// master's vcores (1 when unset).
    pub driver_cores: Option<u64>,
}

/// The job's effective Spark setting: its `conf`, else the
/// `spark-defaults.conf` it mounts.
fn setting(plan: &Plan, job: &SparkJobDef, key: &str) -> Option<String> {
    if let Some((_, v)) = job.conf.iter().find(|(k, _)| k == key) {
        return Some(v.clone());
    }
    let mount = job.template.configs.iter().find(|m| m.target.ends_with("/spark-defaults.conf"))?;
    let data = &plan.config(&mount.config)?.data;
    conf_lines(data).find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
}

/// The request of a submission: `--executor-memory`/`--driver-memory`,
/// else the blueprint's settings, else Spark's defaults.
pub fn request(plan: &Plan, job: &SparkJobDef, memory: &JobMemory) -> Request {
    let mem = |given: &Option<String>, key: &str| {
        given.clone().or_else(|| setting(plan, job, key)).and_then(|v| parse_memory(&v)).unwrap_or(DEFAULT_MEMORY)
    };
    Request {
        executor_memory: mem(&memory.executor, "spark.executor.memory"),
        executor_cores: setting(plan, job, "spark.executor.cores").and_then(|v| v.parse().ok()),
        executor_overhead: setting(plan, job, "spark.executor.memoryOverhead").and_then(|v| parse_memory(&v)),
        driver_memory: mem(&memory.driver, "spark.driver.memory"),
        driver_overhead: setting(plan, job, "spark.driver.memoryOverhead").and_then(|v| parse_memory(&v)),
        driver_cores: setting(plan, job, "spark.driver.cores").and_then(|v| v.parse().ok()),
    }
}

/// A worker as the standalone master's `/json/` lists it (memory in MiB).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Worker {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub host: String,
    pub cores: u64,
    #[serde(default)]
    pub coresused: u64,
    pub memory: u64,
    #[serde(default)]
    pub memoryused: u64,
    pub state: String,
}

impl Worker {
    fn alive(&self) -> bool {
        self.state == "ALIVE"
    }
    fn free_cores(&self) -> u64 {
        self.cores.saturating_sub(self.coresused)
    }
    fn free_memory(&self) -> u64 {
        self.memory.saturating_sub(self.memoryused) * MIB
    }
}

/// An application as `/json/` lists it: `cores` are the cores granted.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct App {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub cores: u64,
    #[serde(default)]
    pub state: String,
}

/// The standalone master's `/json/`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Master {
    /// ALIVE on the master that leads; STANDBY (RECOVERING,
    /// COMPLETING_RECOVERY while it takes over) on the others of a
    /// ZooKeeper-recovered pair. Absent from answers of old versions.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub workers: Vec<Worker>,
    #[serde(default)]
    pub activeapps: Vec<App>,
}

pub fn parse_master(body: &str) -> std::result::Result<Master, BadAnswer> {
    serde_json::from_str(body).map_err(|e| BadAnswer::json(e, |e| format!("unexpected answer from the Spark master ({e})")))
}

fn cores(n: u64) -> String {
    format!("{n} core{}", if n == 1 { "" } else { "s" })
}

fn asks(req: &Request) -> String {
    format!("an executor asks for {} and {}", show(req.executor_memory), cores(req.executor_cores.unwrap_or(1)))
}

/// A standalone job that can never get an executor: (problem, fix).
/// `worker_role` and `cluster` name the fix; `tasks` is how many tasks of
/// the worker role the swarm runs (the master lists a worker that just
/// stopped as ALIVE until it notices, up to `spark.worker.timeout`).
pub fn standalone(master: &Master, req: &Request, cluster: &str, worker_role: &str, tasks: Option<u64>) -> Option<(String, String)> {
    let alive: Vec<&Worker> = master.workers.iter().filter(|w| w.alive()).collect();
    let need_cores = req.executor_cores.unwrap_or(1);
    if tasks == Some(0) {
        return Some((
            format!("cluster {cluster} runs no `{worker_role}` task, so the Spark master has no worker: the job would wait for an executor for ever"),
            format!("start workers first: `bdprov scale {cluster} {worker_role}=N` (N ≥ 1)"),
        ));
    }
    if alive.is_empty() {
        let others = master.workers.iter().map(|w| format!("{} {}", w.host, w.state)).collect::<Vec<_>>();
        let listed = if others.is_empty() { String::new() } else { format!(" (listed: {})", others.join(", ")) };
        return Some((
            format!("the Spark master of cluster {cluster} has no ALIVE worker{listed}: the job would wait for an executor for ever"),
            format!("start workers first: `bdprov scale {cluster} {worker_role}=N` (N ≥ 1)"),
        ));
    }
    if alive.iter().any(|w| w.memory * MIB >= req.executor_memory && w.cores >= need_cores) {
        return None;
    }
    let most_memory = alive.iter().map(|w| w.memory).max().unwrap_or(0) * MIB;
    let most_cores = alive.iter().map(|w| w.cores).max().unwrap_or(0);
    let mut fixes = Vec::new();
    if req.executor_memory > most_memory {
        fixes.push(format!("--executor-memory {} (at most what a worker offers)", show(most_memory)));
    }
    if need_cores > most_cores {
        fixes.push(format!("spark.executor.cores at most {most_cores}"));
    }
    fixes.push("or give the workers more (e.g. --set values.worker_memory=… / values.worker_cores=… with `bdprov up`)".to_string());
    Some((
        format!(
            "{}, but no ALIVE worker offers that: the largest offers {} and {} ({} ALIVE worker{}); the job would wait for ever",
            asks(req),
            show(most_memory),
            cores(most_cores),
            alive.len(),
            if alive.len() == 1 { "" } else { "s" }
        ),
        format!("ask for less: {}", fixes.join("; ")),
    ))
}

/// Why an application gets no executor right now, from what the master
/// shows; `None` while some worker could start one.
pub fn waiting(master: &Master, req: &Request, app: &str) -> Option<String> {
    let alive: Vec<&Worker> = master.workers.iter().filter(|w| w.alive()).collect();
    if alive.is_empty() {
        return Some("the master has no ALIVE worker".to_string());
    }
    let need_cores = req.executor_cores.unwrap_or(1);
    if alive.iter().any(|w| w.free_memory() >= req.executor_memory && w.free_cores() >= need_cores) {
        return None;
    }
    let free = alive
        .iter()
        .map(|w| format!("{} {} and {} free", w.host, show(w.free_memory()), cores(w.free_cores())))
        .collect::<Vec<_>>()
        .join(", ");
    let holders: Vec<String> = master
        .activeapps
        .iter()
        .filter(|a| a.id != app && a.cores > 0)
        .map(|a| format!("{} ({}, {})", a.id, a.name, cores(a.cores)))
        .collect();
    let by = if holders.is_empty() { String::new() } else { format!("; held by {}", holders.join(", ")) };
    Some(format!("not enough free memory or cores: {}, workers have {free}{by}", asks(req)))
}

/// A container a YARN job asks for.
struct Ask {
    what: &'static str,
    flag: &'static str,
    cores_key: &'static str,
    memory: u64,
    size: u64,
    vcores: u64,
}

fn asks_of(req: &Request, in_container: bool, min_allocation: Option<u64>) -> Vec<Ask> {
    let mut out = vec![Ask {
        what: "an executor",
        flag: "--executor-memory",
        cores_key: "spark.executor.cores",
        memory: req.executor_memory,
        size: container_size(req.executor_memory, req.executor_overhead, min_allocation),
        vcores: req.executor_cores.unwrap_or(1),
    }];
    if in_container {
        out.push(Ask {
            what: "the driver (the application master)",
            flag: "--driver-memory",
            cores_key: "spark.driver.cores",
            memory: req.driver_memory,
            size: container_size(req.driver_memory, req.driver_overhead, min_allocation),
            vcores: req.driver_cores.unwrap_or(1),
        });
    }
    out
}

/// A YARN job whose containers can never be placed: (problem, fix).
/// What a NodeManager offers comes from the blueprint when the swarm runs
/// its tasks (the ResourceManager's list lags behind), else from the
/// ResourceManager's RUNNING nodes.
pub fn yarn(
    nodes: &[Node],
    nms: &NodeManagers,
    limits: &YarnLimits,
    req: &Request,
    in_container: bool,
    cluster: &str,
) -> Option<(String, String)> {
    let nm_role = &nms.role;
    let start = || format!("start NodeManagers first: `bdprov scale {cluster} {nm_role}=N` (N ≥ 1)");
    let running: Vec<&Node> = nodes.iter().filter(|n| n.running()).collect();
    if nms.tasks == Some(0) {
        let listed = if running.is_empty() {
            String::new()
        } else {
            format!(
                " (the ResourceManager still lists {} as RUNNING: it has not noticed yet)",
                running.iter().map(|n| n.host.as_str()).collect::<Vec<_>>().join(", ")
            )
        };
        return Some((
            format!("cluster {cluster} runs no `{nm_role}` task{listed}: the application would stay ACCEPTED for ever"),
            start(),
        ));
    }
    if running.is_empty() && nms.tasks.is_none() {
        let listed = nodes
            .iter()
            .map(|n| match n.health.trim() {
                "" => format!("{} {}", n.host, n.state),
                why => format!("{} {} ({})", n.host, n.state, why.chars().take(160).collect::<String>()),
            })
            .collect::<Vec<_>>();
        let listed = if listed.is_empty() { String::new() } else { format!(" (listed: {})", listed.join(", ")) };
        return Some((
            format!(
                "the ResourceManager of cluster {cluster} has no RUNNING NodeManager{listed}: the application would stay ACCEPTED for ever"
            ),
            start(),
        ));
    }
    // Tasks the swarm runs offer what their site file says; without them, what the ResourceManager lists.
    let (largest, most_vcores, counted) = match (nms.tasks, nms.memory) {
        (Some(n), Some(m)) => (
            m,
            nms.vcores.or_else(|| running.iter().map(|n| n.vcores()).max()),
            format!("{n} `{nm_role}` task{} on the swarm", if n == 1 { "" } else { "s" }),
        ),
        _ => (
            running.iter().map(|n| n.total()).max().unwrap_or(0),
            running.iter().map(|n| n.vcores()).max(),
            format!("{} RUNNING", running.len()),
        ),
    };
    for ask in asks_of(req, in_container, limits.min_allocation) {
        let Ask { what, flag, cores_key, memory, size, vcores } = ask;
        if let Some(max) = limits.max_allocation.filter(|m| size > *m) {
            return Some((
                format!(
                    "{what} of {} needs a YARN container of {} with its overhead, more than the ResourceManager's yarn.scheduler.maximum-allocation-mb ({})",
                    show(memory),
                    show(size),
                    show(max)
                ),
                format!("lower {flag}, or raise yarn.scheduler.maximum-allocation-mb"),
            ));
        }
        if size > largest {
            return Some((
                format!(
                    "{what} of {} needs a YARN container of {} with its overhead, and the largest NodeManager has {} ({counted})",
                    show(memory),
                    show(size),
                    show(largest),
                ),
                format!("lower {flag}, or give the NodeManagers more (yarn.nodemanager.resource.memory-mb)"),
            ));
        }
        if let Some(max) = limits.max_vcores.filter(|m| vcores > *m) {
            return Some((
                format!(
                    "{what} asks for {} vcores, more than the ResourceManager's yarn.scheduler.maximum-allocation-vcores ({max})",
                    vcores
                ),
                format!("set {cores_key} to at most {max}, or raise yarn.scheduler.maximum-allocation-vcores"),
            ));
        }
        if let Some(most) = most_vcores.filter(|m| vcores > *m) {
            return Some((
                format!("{what} asks for {vcores} vcores, and the largest NodeManager has {most} ({counted})"),
                format!("set {cores_key} to at most {most}, or give the NodeManagers more (yarn.nodemanager.resource.cpu-vcores)"),
            ));
        }
    }
    None
}

/// The role whose command runs `class` (the master, the workers).
fn role_running<'a>(plan: &'a Plan, class: &str) -> Option<&'a crate::plan::ServiceDef> {
    plan.services.iter().find(|s| s.command.iter().flatten().any(|a| a == class))
}

/// Where the standalone masters' web UIs answer (`/json/`): one, or each
/// member of a pair that recovers through ZooKeeper.
pub fn master_uis(plan: &Plan) -> Vec<EndpointDef> {
    const MASTER: &str = "org.apache.spark.deploy.master.Master";
    plan.services
        .iter()
        .filter(|s| s.command.iter().flatten().any(|a| a == MASTER))
        .filter_map(|svc| {
            let port = svc.ports.iter().filter(|p| p.web || p.name == "ui").find_map(|p| p.published)?;
            Some(EndpointDef { service: svc.name.clone(), role: svc.role.clone(), port, others: vec![] })
        })
        .collect()
}

/// The master that leads, and its view. Only the ALIVE one has workers and
/// takes applications, so a standby's view would refuse every job; a
/// lone master is asked whatever it says, as before.
async fn leading_master(engine: &Engine, client: &reqwest::Client, masters: &[EndpointDef]) -> Result<(String, Master)> {
    let mut seen = Vec::new();
    let mut last_err = None;
    for ep in masters {
        let base = match engine.reach(ep).await {
            Ok(b) => b,
            Err(e) => {
                last_err = Some(e);
                continue;
            }
        };
        match master_view(client, &base).await {
            Ok(m) if masters.len() == 1 || m.status == "ALIVE" => return Ok((base, m)),
            Ok(m) => seen.push(format!("{base} is {}", if m.status.is_empty() { "?" } else { &m.status })),
            Err(e) => last_err = Some(e),
        }
    }
    match (last_err, seen.is_empty()) {
        (Some(e), true) => Err(e),
        _ => Err(Error::help(
            format!("no Spark master is ALIVE ({}): a standby takes over once the leader's ZooKeeper session ends", seen.join(", ")),
            "try again in a minute; `bdprov status` and `bdprov logs master` show the masters; the job was not submitted",
        )),
    }
}

/// The standalone master's view, at `base` (`http://host:8080`).
pub async fn master_view(client: &reqwest::Client, base: &str) -> Result<Master> {
    let url = format!("{base}/json/");
    parse_master(&get(client, &url).await?).map_err(|e| Error::from(e).context(&url))
}

/// What the preflight found, for the watch that follows.
pub enum Checked {
    /// A standalone job: the master's UI, the request, the applications already there.
    Standalone {
        base: String,
        request: Request,
        before: BTreeSet<String>,
    },
    /// A YARN job: the ResourceManager, the application master's
    /// container, the NodeManagers.
    Yarn {
        base: String,
        am: u64,
        nms: NodeManagers,
    },
    Nothing,
}

/// Refuse a job that can never get resources (an input error, exit 2).
/// A cluster whose master or ResourceManager the plan does not name is not checked.
pub async fn check(
    engine: &Engine,
    plan: &Plan,
    on: SparkOn,
    job: &SparkJobDef,
    memory: &JobMemory,
    progress: &dyn Progress,
) -> Result<Checked> {
    let client = crate::http::client();
    let req = request(plan, job, memory);
    let refuse = |(problem, fix): (String, String)| Error::input(problem, fix);
    match on {
        SparkOn::Cluster => {
            let masters = master_uis(plan);
            if masters.is_empty() || !job.master.starts_with("spark://") {
                return Ok(Checked::Nothing);
            }
            let (base, master) = leading_master(engine, &client, &masters).await?;
            let worker = role_running(plan, "org.apache.spark.deploy.worker.Worker");
            let worker_role = worker.map_or("worker", |s| s.role.as_str());
            let tasks = match worker {
                Some(w) => Some(engine.running_nodes(&w.name).await?.len() as u64),
                None => None,
            };
            if let Some(no) = standalone(&master, &req, &plan.cluster, worker_role, tasks) {
                return Err(refuse(no));
            }
            if let Some(why) = waiting(&master, &req, "") {
                progress.note(&format!("the job will wait for an executor: {why}"));
            }
            let before = master.activeapps.iter().map(|a| a.id.clone()).collect();
            Ok(Checked::Standalone { base, request: req, before })
        }
        SparkOn::Yarn => {
            let Some(tracking) = &job.tracking else { return Ok(Checked::Nothing) };
            let base = engine.reach(tracking).await?;
            let nodes = parse_nodes(&get(&client, &format!("{base}/ws/v1/cluster/nodes")).await?)?;
            // The live setting when the RM shows it, else the rendered one.
            let conf = get(&client, &format!("{base}/conf")).await.ok();
            let num = |key: &str| conf.as_deref().and_then(|c| conf_value(c, key)).and_then(|v| v.parse::<u64>().ok());
            let limits = YarnLimits {
                max_allocation: num("yarn.scheduler.maximum-allocation-mb").map(|v| v * MIB),
                min_allocation: num("yarn.scheduler.minimum-allocation-mb").map(|v| v * MIB).or(job.limits.min_allocation),
                max_vcores: num("yarn.scheduler.maximum-allocation-vcores"),
            };
            let in_container = job.deploy_mode == Some(crate::plan::DeployMode::Cluster);
            let nms = node_managers(engine, plan).await?;
            if let Some(no) = yarn(&nodes, &nms, &limits, &req, in_container, &plan.cluster) {
                return Err(refuse(no));
            }
            let am = if in_container {
                container_size(req.driver_memory, req.driver_overhead, limits.min_allocation)
            } else {
                // `spark.yarn.am.memory`'s default, 512m, plus the overhead floor.
                container_size(512 * MIB, None, limits.min_allocation)
            };
            Ok(Checked::Yarn { base, am, nms })
        }
    }
}

/// While a job runs: once its application has waited `after` without an
/// executor (standalone) or without being placed or given executors (YARN,
/// found by its `tag`), say why, again whenever the reason changes, and keep
/// the last reason in `explained`. Never ends.
pub async fn watch(
    engine: &Engine,
    checked: &Checked,
    cluster: &str,
    tag: &str,
    after: Duration,
    explained: &Explained,
    progress: &dyn Progress,
) -> std::convert::Infallible {
    let client = crate::http::client();
    let (base, request, before) = match checked {
        Checked::Standalone { base, request, before } => (base, request, before),
        Checked::Yarn { base, am, nms } => {
            let yarn = YarnWatch { engine, client: &client, base, cluster, tag, am: *am, nms };
            return yarn.run(after, explained, progress).await;
        }
        Checked::Nothing => return std::future::pending().await,
    };
    tokio::time::sleep(after).await;
    let mut said = String::new();
    loop {
        if let Ok(master) = master_view(&client, base).await {
            // Ours: an application that came after the submission and has no cores yet.
            let waiting_app = master.activeapps.iter().find(|a| !before.contains(&a.id) && a.cores == 0);
            if let Some(app) = waiting_app {
                let why = waiting(&master, request, &app.id)
                    .unwrap_or_else(|| "the workers have room now; the master should start an executor shortly".to_string());
                if why != said {
                    let text = format!("application {} has no executor after {}s: {why}", app.id, after.as_secs());
                    progress.note(&text);
                    explained.set(&text);
                    said = why;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(15)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(mem: &str, cores: Option<u64>) -> Request {
        Request {
            executor_memory: parse_memory(mem).unwrap(),
            executor_cores: cores,
            executor_overhead: None,
            driver_memory: 1 << 30,
            driver_overhead: None,
            driver_cores: None,
        }
    }

    #[test]
    fn memory_and_cores_fit_a_worker() {
        let m = parse_master(
            r#"{"workers":[{"id":"w1","host":"10.0.0.3","cores":2,"coresused":2,"memory":1024,"memoryused":1024,"state":"ALIVE"}],
               "activeapps":[{"id":"app-1","name":"Other","cores":2,"state":"RUNNING"}]}"#,
        )
        .unwrap();
        assert_eq!(standalone(&m, &req("512m", None), "c", "worker", Some(2)), None);
        let (problem, fix) = standalone(&m, &req("2g", Some(4)), "c", "worker", None).unwrap();
        assert!(problem.contains("asks for 2g and 4 cores") && problem.contains("largest offers 1g and 2 cores"), "{problem}");
        assert!(fix.contains("--executor-memory 1g") && fix.contains("spark.executor.cores at most 2"), "{fix}");
        let why = waiting(&m, &req("512m", None), "app-2").unwrap();
        assert!(why.contains("10.0.0.3 0m and 0 cores free") && why.contains("held by app-1 (Other, 2 cores)"), "{why}");
    }
}
