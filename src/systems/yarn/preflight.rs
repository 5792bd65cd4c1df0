//! YARN's side of `submit`'s preflight: what the ResourceManager says
//! (`/ws/v1/cluster/nodes`, `/conf`, `/ws/v1/cluster/apps`) and what the
//! swarm runs of the NodeManager role ([`node_managers`]), and why an
//! application still waits ([`yarn_stuck`], followed by [`YarnWatch`]).
//!
//! The decisions are pure; whether a Spark job's containers can ever be
//! placed is Spark's ([`crate::systems::spark::preflight::yarn`]).

use std::time::Duration;

use serde::Deserialize;

use crate::engine::Engine;
use crate::error::Result;
use crate::output::Progress;
use crate::plan::Plan;
use crate::systems::answer::BadAnswer;
use crate::systems::preflight::{get, Explained};
use crate::systems::spark::memory::{show, MIB};
use crate::systems::yarn::unexpected_from_the_resourcemanager;

/// A NodeManager as `/ws/v1/cluster/nodes` lists it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Node {
    #[serde(default, rename = "nodeHostName")]
    pub host: String,
    pub state: String,
    #[serde(default, rename = "usedMemoryMB")]
    pub used_mb: u64,
    #[serde(default, rename = "availMemoryMB")]
    pub avail_mb: u64,
    #[serde(default, rename = "usedVirtualCores")]
    pub used_vcores: u64,
    #[serde(default, rename = "availableVirtualCores")]
    pub avail_vcores: u64,
    /// Why an UNHEALTHY NodeManager is (a full disk, …).
    #[serde(default, rename = "healthReport")]
    pub health: String,
}

impl Node {
    pub fn total(&self) -> u64 {
        (self.used_mb + self.avail_mb) * MIB
    }
    pub fn vcores(&self) -> u64 {
        self.used_vcores + self.avail_vcores
    }
    pub fn running(&self) -> bool {
        self.state == "RUNNING"
    }
}

pub fn parse_nodes(body: &str) -> std::result::Result<Vec<Node>, BadAnswer> {
    #[derive(Deserialize)]
    struct Nodes {
        #[serde(default)]
        node: Vec<Node>,
    }
    #[derive(Deserialize)]
    struct Answer {
        nodes: Option<Nodes>,
    }
    serde_json::from_str::<Answer>(body).map(|a| a.nodes.map(|n| n.node).unwrap_or_default()).map_err(unexpected_from_the_resourcemanager)
}

/// A property of the ResourceManager's `/conf`: JSON (asked for with
/// `Accept: application/json`; Hadoop 3.5 ignores `?format=json`) or XML.
pub fn conf_value(body: &str, key: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => v["properties"].as_array()?.iter().find(|p| p["key"] == key).and_then(|p| p["value"].as_str().map(String::from)),
        Err(_) => crate::systems::spark::memory::site_properties(body).into_iter().find(|(k, _)| k == key).map(|(_, v)| v),
    }
}

/// The NodeManagers as the swarm and the blueprint know them: the
/// ResourceManager lists a NodeManager that just stopped as RUNNING until
/// it notices (minutes, for one that did not say goodbye), and one that just
/// started not at all yet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeManagers {
    /// The role, for the fix (`bdprov scale CLUSTER ROLE=N`).
    pub role: String,
    /// Its swarm service.
    pub service: Option<String>,
    /// Its tasks the swarm runs (wanted running and running); `None` when
    /// the cluster has no NodeManager role bdprov knows.
    pub tasks: Option<u64>,
    /// What each offers (`yarn.nodemanager.resource.memory-mb`, bytes, and
    /// `…cpu-vcores`) in the site file its tasks mount.
    pub memory: Option<u64>,
    pub vcores: Option<u64>,
}

/// The ResourceManager's limits on one container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct YarnLimits {
    /// `yarn.scheduler.maximum-allocation-mb`, bytes.
    pub max_allocation: Option<u64>,
    /// `yarn.scheduler.minimum-allocation-mb`, bytes: requests are rounded up to it.
    pub min_allocation: Option<u64>,
    /// `yarn.scheduler.maximum-allocation-vcores`.
    pub max_vcores: Option<u64>,
}

/// The plan's NodeManager role (the service running `yarn nodemanager`),
/// its tasks on the swarm, and what each offers by its site file.
pub async fn node_managers(engine: &Engine, plan: &Plan) -> Result<NodeManagers> {
    let Some(svc) = plan.services.iter().find(|s| s.command.iter().flatten().any(|a| a == "nodemanager")) else {
        return Ok(NodeManagers { role: "nodemanager".into(), ..Default::default() });
    };
    let site = svc
        .configs
        .iter()
        .find(|m| m.target.ends_with("/yarn-site.xml"))
        .and_then(|m| plan.config(&m.config))
        .map(|c| crate::systems::spark::memory::site_properties(&c.data))
        .unwrap_or_default();
    let num = |key: &str| site.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.trim().parse::<u64>().ok());
    Ok(NodeManagers {
        role: svc.role.clone(),
        service: Some(svc.name.clone()),
        tasks: Some(engine.running_nodes(&svc.name).await?.len() as u64),
        // Hadoop's defaults when the file does not say.
        memory: Some(num("yarn.nodemanager.resource.memory-mb").unwrap_or(8192) * MIB),
        vcores: Some(num("yarn.nodemanager.resource.cpu-vcores").unwrap_or(8)),
    })
}

/// An application as `/ws/v1/cluster/apps` lists it. Counts are -1 once it
/// has finished.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct YarnApp {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub state: String,
    #[serde(default)]
    pub diagnostics: String,
    #[serde(default)]
    pub queue: String,
    /// Milliseconds since it was submitted.
    #[serde(default)]
    pub elapsed_time: i64,
    /// Its containers, the application master's included.
    #[serde(default)]
    pub running_containers: i64,
    #[serde(default, rename = "allocatedMB")]
    pub allocated_mb: i64,
    #[serde(default)]
    pub queue_usage_percentage: f64,
    /// What it asks for and has not got (Hadoop 3).
    #[serde(default)]
    pub resource_requests: Vec<ResourceRequest>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequest {
    pub capability: Capability,
    #[serde(default)]
    pub num_containers: i64,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Capability {
    /// MiB.
    #[serde(default)]
    pub memory: u64,
    #[serde(default)]
    pub v_cores: u64,
}

pub fn parse_apps(body: &str) -> std::result::Result<Vec<YarnApp>, BadAnswer> {
    #[derive(Deserialize)]
    struct Apps {
        #[serde(default)]
        app: Vec<YarnApp>,
    }
    #[derive(Deserialize)]
    struct Answer {
        apps: Option<Apps>,
    }
    serde_json::from_str::<Answer>(body).map(|a| a.apps.map(|a| a.app).unwrap_or_default()).map_err(unexpected_from_the_resourcemanager)
}

fn vcores(n: u64) -> String {
    format!("{n} vcore{}", if n == 1 { "" } else { "s" })
}

/// Why a YARN application waits, from the ResourceManager's answers and the
/// swarm's NodeManager tasks: still not placed (NEW … ACCEPTED: its
/// application master, of `am` bytes unless it says), or RUNNING with
/// containers asked for and none but the application master's. `None` while
/// it is not waiting. `others`: every application the ResourceManager lists.
pub fn yarn_stuck(app: &YarnApp, others: &[YarnApp], nodes: &[Node], nms: &NodeManagers, am: u64, cluster: &str) -> Option<String> {
    let pending = app.resource_requests.iter().filter(|r| r.num_containers > 0).max_by_key(|r| r.capability.memory);
    let (waits, what, need, need_vcores) = match app.state.as_str() {
        "NEW" | "NEW_SAVING" | "SUBMITTED" | "ACCEPTED" => {
            let (mem, vc) = pending.map_or((am, 1), |r| (r.capability.memory * MIB, r.capability.v_cores.max(1)));
            ("is still ACCEPTED (its application master has no container)", "its application master", mem, vc)
        }
        "RUNNING" if app.running_containers <= 1 => {
            let r = pending?;
            ("is RUNNING without executors", "an executor", r.capability.memory * MIB, r.capability.v_cores.max(1))
        }
        _ => return None,
    };
    let diag = app.diagnostics.trim();
    let says =
        if diag.is_empty() { String::new() } else { format!("; the ResourceManager says: {}", diag.chars().take(400).collect::<String>()) };
    let secs = app.elapsed_time.max(0) / 1000;
    if app.state == "ACCEPTED" && app.running_containers >= 1 {
        // Placed: its container runs, the JVM in it has not reported yet.
        return Some(format!(
            "application {} is still ACCEPTED after {secs}s: its application master has a container but has not registered with the ResourceManager yet (a slow start, or it fails: see the ResourceManager's UI for its logs){says}",
            app.id
        ));
    }
    let running: Vec<&Node> = nodes.iter().filter(|n| n.running()).collect();
    let role = &nms.role;
    let why = if nms.tasks == Some(0) {
        format!("cluster {cluster} runs no `{role}` task (`bdprov scale {cluster} {role}=N` starts some)")
    } else if running.is_empty() {
        let listed = nodes.iter().map(|n| format!("{} {}", n.host, n.state)).collect::<Vec<_>>();
        let listed = if listed.is_empty() { String::new() } else { format!(" (listed: {})", listed.join(", ")) };
        let tasks = match nms.tasks {
            Some(n) => format!(
                "; the swarm runs {n} `{role}` task{} that did not register (`bdprov logs {cluster} {role}`)",
                if n == 1 { "" } else { "s" }
            ),
            None => String::new(),
        };
        format!("the ResourceManager has no RUNNING NodeManager{listed}{tasks}")
    } else if need > running.iter().map(|n| n.total()).max().unwrap_or(0) {
        let largest = running.iter().map(|n| n.total()).max().unwrap_or(0);
        format!("{what} needs a container of {}, larger than any RUNNING NodeManager (the largest has {})", show(need), show(largest))
    } else if need_vcores > running.iter().map(|n| n.vcores()).max().unwrap_or(0) {
        let most = running.iter().map(|n| n.vcores()).max().unwrap_or(0);
        format!("{what} needs {}, more than any RUNNING NodeManager has (the most is {})", vcores(need_vcores), vcores(most))
    } else {
        let free = running
            .iter()
            .map(|n| format!("{} {} and {} free", n.host, show(n.avail_mb * MIB), vcores(n.avail_vcores)))
            .collect::<Vec<_>>()
            .join(", ");
        let room = running.iter().any(|n| n.avail_mb * MIB >= need && n.avail_vcores >= need_vcores);
        if room {
            let queue =
                if app.queue.is_empty() { String::new() } else { format!(" (queue {} at {:.0} %)", app.queue, app.queue_usage_percentage) };
            format!("the NodeManagers have room ({free}), but the scheduler has not placed {what}{queue}")
        } else {
            let mut holders: Vec<String> = others
                .iter()
                .filter(|o| o.id != app.id && o.allocated_mb > 0)
                .map(|o| format!("{} ({}, {})", o.id, o.name, show(o.allocated_mb as u64 * MIB)))
                .collect();
            if app.allocated_mb > 0 {
                holders.push(format!("its own application master ({})", show(app.allocated_mb as u64 * MIB)));
            }
            let by = if holders.is_empty() { String::new() } else { format!("; held by {}", holders.join(", ")) };
            format!("{what} needs a container of {} and {}, and no NodeManager has that free ({free}){by}", show(need), vcores(need_vcores))
        }
    };
    Some(format!("application {} {waits} after {secs}s: {why}{says}", app.id))
}

/// What the watch of a YARN job needs: the ResourceManager at `base`, the
/// application found by its `tag`, its application master's container
/// (`am` bytes) and the NodeManagers.
pub struct YarnWatch<'a> {
    pub engine: &'a Engine,
    pub client: &'a reqwest::Client,
    pub base: &'a str,
    pub cluster: &'a str,
    pub tag: &'a str,
    pub am: u64,
    pub nms: &'a NodeManagers,
}

impl YarnWatch<'_> {
    /// Say why the application waits once it has waited `after`, again
    /// whenever the reason changes, and keep it in `explained`. Never ends.
    pub async fn run(&self, after: Duration, explained: &Explained, progress: &dyn Progress) -> std::convert::Infallible {
        let mut said = String::new();
        loop {
            if let Some(why) = self.look(after).await {
                // The same reason again, only seconds later, is not news.
                let reason = why.split_once(" after ").map_or(why.as_str(), |(_, r)| r.split_once(": ").map_or(r, |(_, r)| r));
                if reason != said {
                    progress.note(&why);
                    said = reason.to_string();
                }
                explained.set(&why);
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    }

    async fn look(&self, after: Duration) -> Option<String> {
        let ours = format!("{}/ws/v1/cluster/apps?applicationTags={}", self.base, self.tag);
        let app = parse_apps(&get(self.client, &ours).await.ok()?).ok()?.into_iter().next()?;
        if (app.elapsed_time.max(0) as u128) < after.as_millis() {
            return None;
        }
        let others =
            get(self.client, &format!("{}/ws/v1/cluster/apps?states=RUNNING", self.base)).await.ok().and_then(|b| parse_apps(&b).ok());
        let nodes = parse_nodes(&get(self.client, &format!("{}/ws/v1/cluster/nodes", self.base)).await.ok()?).ok()?;
        let mut nms = self.nms.clone();
        if let Some(svc) = nms.service.as_deref().filter(|_| nms.tasks.is_some()) {
            if let Ok(now) = self.engine.running_nodes(svc).await {
                nms.tasks = Some(now.len() as u64);
            }
        }
        yarn_stuck(&app, &others.unwrap_or_default(), &nodes, &nms, self.am, self.cluster)
    }
}
