//! The only module that talks to Docker, through the Engine API (bollard).
//!
//! Everything it lists is filtered by bdprov's labels, and everything it
//! removes came from such a list: objects without this cluster's labels are
//! never touched.

pub mod conflict;
mod connect;
pub mod images;
pub mod lease;
mod observe;
pub mod secrets;
pub mod spec;

pub use connect::choose;
use connect::{endpoint_host, unreachable};

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use base64::Engine as _;
use bollard::models::{
    ConfigSpec, LocalNodeState, NetworkCreateRequest, NodeSpecAvailabilityEnum, NodeSpecRoleEnum, NodeState, SwarmInitRequest,
    TaskState as BollardTaskState,
};
use bollard::query_parameters::{
    InspectServiceOptions, ListConfigsOptionsBuilder, ListNetworksOptionsBuilder, ListNodesOptions, ListServicesOptionsBuilder,
    ListTasksOptionsBuilder, ListVolumesOptionsBuilder, LogsOptionsBuilder, RemoveVolumeOptionsBuilder, UpdateServiceOptionsBuilder,
};
use bollard::Docker;
use futures_util::{Stream, StreamExt};

use crate::error::{Error, Result};
use crate::plan::diff::{Observed, ObservedService};
use crate::plan::{labels, ConfigDef, NetworkDef, Plan, ServiceDef};
use crate::poll::{self, Seen};

/// How often to try again to remove an object that is still in use.
const RETRY_EVERY: Duration = Duration::from_millis(500);
/// How long an object may stay in use after what used it was removed.
const UNTIL_FREE: Duration = Duration::from_secs(30);

pub struct Engine {
    pub(crate) docker: Docker,
    /// Where the engine is, for messages.
    pub endpoint: String,
}

/// A task of a service, as far as bdprov cares.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TaskInfo {
    pub id: String,
    pub slot: u64,
    pub node_id: String,
    pub state: TaskState,
    pub desired: TaskState,
    pub message: String,
    pub error: String,
    pub exit_code: Option<i64>,
    pub container_id: Option<String>,
    #[serde(skip)]
    pub updated: String,
}

impl TaskInfo {
    pub fn is_running(&self) -> bool {
        self.state == TaskState::Running
    }

    /// Ended for good: complete, failed, rejected, shut down.
    pub fn is_terminal(&self) -> bool {
        self.state.is_terminal()
    }
}

/// The state of a swarm task (actual or desired), as the swarm names it.
/// bollard's states become these at the engine's edge, so the rest of bdprov
/// matches on variants instead of comparing strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    New,
    Allocated,
    Pending,
    Assigned,
    Accepted,
    Preparing,
    Ready,
    Starting,
    Running,
    Complete,
    Shutdown,
    Failed,
    Rejected,
    Remove,
    Orphaned,
    /// The engine gave no state.
    Unknown,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::New => "new",
            TaskState::Allocated => "allocated",
            TaskState::Pending => "pending",
            TaskState::Assigned => "assigned",
            TaskState::Accepted => "accepted",
            TaskState::Preparing => "preparing",
            TaskState::Ready => "ready",
            TaskState::Starting => "starting",
            TaskState::Running => "running",
            TaskState::Complete => "complete",
            TaskState::Shutdown => "shutdown",
            TaskState::Failed => "failed",
            TaskState::Rejected => "rejected",
            TaskState::Remove => "remove",
            TaskState::Orphaned => "orphaned",
            TaskState::Unknown => "unknown",
        }
    }

    /// Ended for good: complete, failed, rejected, shut down.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::Complete | TaskState::Failed | TaskState::Rejected | TaskState::Shutdown | TaskState::Orphaned | TaskState::Remove
        )
    }

    /// Failed or refused by the swarm.
    pub fn is_failure(self) -> bool {
        matches!(self, TaskState::Failed | TaskState::Rejected)
    }
}

impl From<Option<BollardTaskState>> for TaskState {
    fn from(s: Option<BollardTaskState>) -> TaskState {
        use BollardTaskState as B;
        match s {
            None => TaskState::Unknown,
            Some(B::NEW) => TaskState::New,
            Some(B::ALLOCATED) => TaskState::Allocated,
            Some(B::PENDING) => TaskState::Pending,
            Some(B::ASSIGNED) => TaskState::Assigned,
            Some(B::ACCEPTED) => TaskState::Accepted,
            Some(B::PREPARING) => TaskState::Preparing,
            Some(B::READY) => TaskState::Ready,
            Some(B::STARTING) => TaskState::Starting,
            Some(B::RUNNING) => TaskState::Running,
            Some(B::COMPLETE) => TaskState::Complete,
            Some(B::SHUTDOWN) => TaskState::Shutdown,
            Some(B::FAILED) => TaskState::Failed,
            Some(B::REJECTED) => TaskState::Rejected,
            Some(B::REMOVE) => TaskState::Remove,
            Some(B::ORPHANED) => TaskState::Orphaned,
        }
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct NodeInfo {
    pub id: String,
    pub hostname: String,
    /// Where bdprov reaches ports published on this node.
    pub addr: String,
    pub manager: bool,
    pub ready: bool,
    /// The swarm's view of the node.
    pub state: NodeCondition,
    /// `docker node update --availability`.
    pub availability: Availability,
    pub labels: BTreeMap<String, String>,
}

/// A node's state as the swarm reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeCondition {
    Ready,
    Down,
    Disconnected,
    Unknown,
}

/// Whether the swarm schedules tasks on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    Active,
    Pause,
    Drain,
}

/// A service's name, endpoint mode, and (published port, publish mode) pairs.
pub type EndpointSpec = (String, String, Vec<(i64, String)>);

/// A config bdprov keeps a record in.
struct Stored {
    id: String,
    name: String,
    created: String,
    data: Vec<u8>,
}

/// One log line of a task.
pub struct LogLine {
    pub text: String,
    pub stderr: bool,
}

fn filters(pairs: &[(&str, String)]) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        m.entry(k.to_string()).or_default().push(v.clone());
    }
    m
}

fn label(k: &str, v: &str) -> (&'static str, String) {
    ("label", format!("{k}={v}"))
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
}

impl Engine {
    fn err(&self, what: &str) -> impl Fn(bollard::errors::Error) -> Error + '_ {
        let what = what.to_string();
        move |e| match e {
            bollard::errors::Error::DockerResponseServerError { status_code, message } => conflict::explain(&what, status_code, &message),
            other if is_connection(&other) => unreachable(&self.endpoint, other),
            other => Error::msg(format!("{what}: {other}")),
        }
    }

    /// This engine's node id, if it is a swarm manager; else an error saying how to get there.
    pub async fn manager(&self) -> Result<String> {
        let info = self.docker.info().await.map_err(self.err("cannot read the engine's info"))?;
        let sw = info.swarm.unwrap_or_default();
        let active = sw.local_node_state.map(|s| s.to_string()) == Some("active".into());
        match (active, sw.control_available.unwrap_or(false)) {
            (true, true) => Ok(sw.node_id.unwrap_or_default()),
            (true, false) => Err(Error::help(
                format!("the engine at {} is a swarm worker, not a manager", self.endpoint),
                "point DOCKER_HOST at a manager node (docker node ls there shows the managers)",
            )),
            _ => Err(Error::help(
                format!("the engine at {} is not part of a swarm", self.endpoint),
                "run `bdprov init` to make it a single-node swarm (or `docker swarm init --advertise-addr <ip>`)",
            )),
        }
    }

    /// Make this engine a single-node swarm. Returns false if it already is in one.
    pub async fn init_swarm(&self, advertise: &str) -> Result<bool> {
        let info = self.docker.info().await.map_err(self.err("cannot read the engine's info"))?;
        if info.swarm.and_then(|s| s.local_node_state) == Some(LocalNodeState::ACTIVE) {
            return Ok(false);
        }
        self.docker
            .init_swarm(SwarmInitRequest {
                listen_addr: Some("0.0.0.0:2377".into()),
                advertise_addr: Some(advertise.into()),
                ..Default::default()
            })
            .await
            .map_err(self.err("docker swarm init failed"))?;
        Ok(true)
    }

    pub async fn nodes(&self) -> Result<Vec<NodeInfo>> {
        let nodes = self.docker.list_nodes(None::<ListNodesOptions>).await.map_err(self.err("cannot list swarm nodes"))?;
        let fallback = endpoint_host(&self.endpoint);
        Ok(nodes
            .into_iter()
            .map(|n| {
                let spec = n.spec.unwrap_or_default();
                let labels: BTreeMap<String, String> = spec.labels.clone().unwrap_or_default().into_iter().collect();
                let status = n.status.unwrap_or_default();
                let manager_addr =
                    n.manager_status.as_ref().and_then(|m| m.addr.clone()).and_then(|a| a.rsplit_once(':').map(|(h, _)| h.to_string()));
                let addr = labels
                    .get("bdprov.address")
                    .cloned()
                    .or(status.addr.filter(|a| a != "0.0.0.0" && !a.is_empty()))
                    .or(manager_addr)
                    .unwrap_or_else(|| fallback.clone());
                NodeInfo {
                    id: n.id.unwrap_or_default(),
                    hostname: n.description.and_then(|d| d.hostname).unwrap_or_default(),
                    addr,
                    manager: spec.role == Some(NodeSpecRoleEnum::MANAGER),
                    ready: status.state == Some(NodeState::READY),
                    state: match status.state {
                        Some(NodeState::READY) => NodeCondition::Ready,
                        Some(NodeState::DOWN) => NodeCondition::Down,
                        Some(NodeState::DISCONNECTED) => NodeCondition::Disconnected,
                        _ => NodeCondition::Unknown,
                    },
                    availability: match spec.availability {
                        Some(NodeSpecAvailabilityEnum::DRAIN) => Availability::Drain,
                        Some(NodeSpecAvailabilityEnum::PAUSE) => Availability::Pause,
                        _ => Availability::Active,
                    },
                    labels,
                }
            })
            .collect())
    }

    /// Names of the clusters bdprov runs on this swarm.
    pub async fn clusters(&self) -> Result<Vec<String>> {
        let opts = ListConfigsOptionsBuilder::default().filters(&filters(&[label(labels::KIND, "state")])).build();
        let configs = self.docker.list_configs(Some(opts)).await.map_err(self.err("cannot list configs"))?;
        let mut names: Vec<String> =
            configs.into_iter().filter_map(|c| c.spec.and_then(|s| s.labels).and_then(|l| l.get(labels::CLUSTER).cloned())).collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    pub async fn observe(&self, plan: &Plan) -> Result<Observed> {
        let nets = self
            .docker
            .list_networks(Some(ListNetworksOptionsBuilder::default().filters(&filters(&[("name", plan.network.name.clone())])).build()))
            .await
            .map_err(self.err("cannot list networks"))?;
        let network = nets
            .into_iter()
            .find(|n| n.name.as_deref() == Some(&plan.network.name))
            .map(|n| n.labels.unwrap_or_default().into_iter().collect());
        // The cluster's config files; not its records, nor another command's uploads.
        let opts = ListConfigsOptionsBuilder::default().filters(&filters(&[label(labels::CLUSTER, &plan.cluster)])).build();
        let configs = self
            .docker
            .list_configs(Some(opts))
            .await
            .map_err(self.err("cannot list configs"))?
            .into_iter()
            .filter_map(|c| {
                let spec = c.spec?;
                let kind = spec.labels.as_ref().and_then(|l| l.get(labels::KIND)).is_some();
                (!kind).then_some((spec.name?, c.id?))
            })
            .filter(|(name, _)| !crate::plan::is_record(name))
            .collect::<BTreeMap<_, _>>();
        let services = self.cluster_services(&plan.cluster, false).await?;
        let mut foreign = Vec::new();
        for s in &plan.services {
            if services.iter().any(|o| o.name == s.name) {
                continue;
            }
            if self.docker.inspect_service(&s.name, None::<InspectServiceOptions>).await.is_ok() {
                foreign.push(s.name.clone());
            }
        }
        Ok(Observed { network, configs, services, foreign_services: foreign, ..Default::default() })
    }

    /// Config name → id for every config of the cluster.
    pub async fn cluster_configs(&self, cluster: &str) -> Result<Vec<(String, String)>> {
        let opts = ListConfigsOptionsBuilder::default().filters(&filters(&[label(labels::CLUSTER, cluster)])).build();
        let configs = self.docker.list_configs(Some(opts)).await.map_err(self.err("cannot list configs"))?;
        Ok(configs.into_iter().filter_map(|c| Some((c.spec?.name?, c.id?))).collect())
    }

    /// The services labelled with the cluster, as the swarm has them.
    async fn labelled_services(&self, cluster: &str) -> Result<Vec<bollard::models::Service>> {
        let opts = ListServicesOptionsBuilder::default().filters(&filters(&[label(labels::CLUSTER, cluster)])).build();
        self.docker.list_services(Some(opts)).await.map_err(self.err("cannot list services"))
    }

    /// Services of the cluster; jobs only when asked.
    pub async fn cluster_services(&self, cluster: &str, jobs: bool) -> Result<Vec<ObservedService>> {
        Ok(self
            .labelled_services(cluster)
            .await?
            .into_iter()
            .filter_map(|s| {
                let spec = s.spec?;
                let labels: BTreeMap<String, String> = spec.labels.unwrap_or_default().into_iter().collect();
                if !jobs && labels.get(labels::KIND).map(String::as_str) == Some("job") {
                    return None;
                }
                Some(ObservedService {
                    id: s.id?,
                    name: spec.name?,
                    version: s.version.and_then(|v| v.index).unwrap_or(0),
                    replicas: spec.mode.and_then(|m| m.replicated).and_then(|r| r.replicas).unwrap_or(0) as u64,
                    labels,
                })
            })
            .collect())
    }

    /// Per service of the cluster: name, endpoint mode, and (published port, publish mode).
    pub async fn endpoint_specs(&self, cluster: &str) -> Result<Vec<EndpointSpec>> {
        Ok(self
            .labelled_services(cluster)
            .await?
            .into_iter()
            .filter_map(|s| {
                let spec = s.spec?;
                let ep = spec.endpoint_spec.unwrap_or_default();
                let mode = ep.mode.map(|m| m.to_string()).unwrap_or_else(|| "vip".into());
                let ports = ep
                    .ports
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p.published_port.unwrap_or(0), p.publish_mode.map(|m| m.to_string()).unwrap_or_else(|| "ingress".into())))
                    .collect();
                Some((spec.name?, mode, ports))
            })
            .collect())
    }

    pub async fn create_network(&self, def: &NetworkDef) -> Result<()> {
        let req = NetworkCreateRequest {
            name: def.name.clone(),
            driver: Some("overlay".into()),
            attachable: Some(true),
            labels: Some(def.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker.create_network(req).await.map_err(self.err(&format!("cannot create network {}", def.name)))?;
        Ok(())
    }

    pub async fn create_config(&self, def: &ConfigDef) -> Result<String> {
        self.create_config_bytes(def, def.data.as_bytes()).await
    }

    /// A config whose content is `data` rather than `def.data` (binary uploads).
    pub async fn create_config_bytes(&self, def: &ConfigDef, data: &[u8]) -> Result<String> {
        let spec = ConfigSpec {
            name: Some(def.name.clone()),
            labels: Some(def.labels.clone().into_iter().collect()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
            ..Default::default()
        };
        Ok(self.docker.create_config(spec).await.map_err(self.err(&format!("cannot create config {}", def.name)))?.id)
    }

    pub async fn remove_config(&self, id_or_name: &str) -> Result<()> {
        match self.docker.delete_config(id_or_name).await {
            Err(e) if !is_not_found(&e) => Err(self.err(&format!("cannot remove config {id_or_name}"))(e)),
            _ => Ok(()),
        }
    }

    /// Remove a config once no service uses it any more (after `down` removed them).
    pub async fn remove_config_when_free(&self, id: &str) -> Result<()> {
        let in_use = |e: &bollard::errors::Error| matches!(e, bollard::errors::Error::DockerResponseServerError { message, .. } if message.contains("in use"));
        match poll::retry(RETRY_EVERY, UNTIL_FREE, || self.docker.delete_config(id), in_use).await {
            Err(e) if !is_not_found(&e) => Err(self.err(&format!("cannot remove config {id}"))(e)),
            _ => Ok(()),
        }
    }

    pub async fn create_service(&self, def: &ServiceDef, replicas: u64, config_ids: &HashMap<String, String>) -> Result<String> {
        let spec = spec::service_spec(def, replicas, config_ids);
        let r = self.docker.create_service(spec, None).await.map_err(self.err(&format!("cannot create service {}", def.name)))?;
        Ok(r.id.unwrap_or_default())
    }

    /// Replace the service's spec (a rolling update).
    pub async fn update_service(&self, def: &ServiceDef, replicas: u64, config_ids: &HashMap<String, String>) -> Result<()> {
        let spec = spec::service_spec(def, replicas, config_ids);
        self.update_with_retry(&def.name, |_| spec.clone()).await
    }

    /// Change only the replica count (and, when `declared`, the count `up` remembers).
    pub async fn scale_service(&self, name: &str, replicas: u64, declared: Option<u64>) -> Result<()> {
        self.update_with_retry(name, |mut spec| {
            if let Some(r) = spec.mode.as_mut().and_then(|m| m.replicated.as_mut()) {
                r.replicas = Some(replicas as i64);
            }
            if let (Some(d), Some(l)) = (declared, spec.labels.as_mut()) {
                l.insert(labels::REPLICAS.into(), d.to_string());
            }
            spec
        })
        .await
    }

    /// Restart every task of the service (the swarm replaces them, as
    /// `docker service update --force` does).
    pub async fn restart_service(&self, name: &str) -> Result<()> {
        self.update_with_retry(name, |mut spec| {
            if let Some(t) = spec.task_template.as_mut() {
                t.force_update = Some(t.force_update.unwrap_or(0) + 1);
            }
            spec
        })
        .await
    }

    /// Update with the current version, retrying when another writer got there first.
    async fn update_with_retry(&self, name: &str, f: impl Fn(bollard::models::ServiceSpec) -> bollard::models::ServiceSpec) -> Result<()> {
        let cannot = |e| self.err(&format!("cannot update service {name}"))(e);
        let look = async || {
            let svc = self
                .docker
                .inspect_service(name, None::<InspectServiceOptions>)
                .await
                .map_err(self.err(&format!("cannot inspect service {name}")))?;
            let version = svc.version.and_then(|v| v.index).unwrap_or(0) as i32;
            let spec = f(svc.spec.unwrap_or_default());
            let opts = UpdateServiceOptionsBuilder::default().version(version).build();
            match self.docker.update_service(name, spec, opts, None).await {
                Ok(_) => Ok(Seen::Done(())),
                Err(e) if matches!(&e, bollard::errors::Error::DockerResponseServerError { message, .. } if message.contains("out of sequence")) => {
                    Ok(Seen::Waiting(e))
                }
                Err(e) => Err(cannot(e)),
            }
        };
        poll::until(Duration::from_millis(200), Duration::from_secs(1), look, |last, _| cannot(last)).await
    }

    pub async fn remove_service(&self, name: &str) -> Result<()> {
        match self.docker.delete_service(name).await {
            Err(e) if !is_not_found(&e) => Err(self.err(&format!("cannot remove service {name}"))(e)),
            _ => Ok(()),
        }
    }

    /// Remove the cluster's network (the one labelled with it), waiting for
    /// its endpoints to go away. Its name, if there was one.
    pub async fn remove_cluster_network(&self, cluster: &str) -> Result<Option<String>> {
        let nets = self
            .docker
            .list_networks(Some(ListNetworksOptionsBuilder::default().filters(&filters(&[label(labels::CLUSTER, cluster)])).build()))
            .await
            .map_err(self.err("cannot list networks"))?;
        let Some(net) = nets.into_iter().next() else { return Ok(None) };
        let (id, name) = (net.id.unwrap_or_default(), net.name.unwrap_or_default());
        let mut removed = false;
        let gone = poll::watch(RETRY_EVERY, UNTIL_FREE, async || {
            match self.docker.remove_network(&id).await {
                Ok(()) => removed = true,
                Err(e) if is_not_found(&e) => removed = true,
                Err(_) => {}
            }
            // The engine keeps showing a removed overlay until its last endpoint is gone.
            Ok::<_, Error>(if removed && !self.network_exists(&id).await? { Seen::Done(()) } else { Seen::Waiting(()) })
        })
        .await?;
        if gone.is_err() && !removed {
            self.docker.remove_network(&id).await.map_err(self.err(&format!("cannot remove network {name}")))?;
        }
        Ok(Some(name))
    }

    /// Whether a swarm network of this name or id exists.
    pub async fn network_exists(&self, name: &str) -> Result<bool> {
        let opts = bollard::query_parameters::InspectNetworkOptionsBuilder::default().build();
        match self.docker.inspect_network(name, Some(opts)).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(self.err(&format!("cannot inspect network {name}"))(e)),
        }
    }

    /// Volumes labelled with the cluster, on the node this engine runs.
    pub async fn cluster_volumes(&self, cluster: &str) -> Result<Vec<String>> {
        let opts = ListVolumesOptionsBuilder::default().filters(&filters(&[label(labels::CLUSTER, cluster)])).build();
        let vols = self.docker.list_volumes(Some(opts)).await.map_err(self.err("cannot list volumes"))?;
        let mut names: Vec<String> = vols.volumes.unwrap_or_default().into_iter().map(|v| v.name).collect();
        names.sort();
        Ok(names)
    }

    pub async fn remove_volume(&self, name: &str) -> Result<()> {
        // A volume stays in use until the containers of removed tasks are gone.
        let remove = || self.docker.remove_volume(name, Some(RemoveVolumeOptionsBuilder::default().force(false).build()));
        match poll::retry(RETRY_EVERY, UNTIL_FREE, remove, |e| !is_not_found(e)).await {
            Err(e) if !is_not_found(&e) => Err(self.err(&format!("cannot remove volume {name}"))(e)),
            _ => Ok(()),
        }
    }

    pub async fn tasks(&self, service: &str) -> Result<Vec<TaskInfo>> {
        let opts = ListTasksOptionsBuilder::default().filters(&filters(&[("service", service.to_string())])).build();
        let tasks = match self.docker.list_tasks(Some(opts)).await {
            Ok(t) => t,
            Err(e) if is_not_found(&e) => return Ok(Vec::new()),
            Err(e) => return Err(self.err(&format!("cannot list tasks of {service}"))(e)),
        };
        let mut out: Vec<TaskInfo> = tasks
            .into_iter()
            .map(|t| {
                let status = t.status.unwrap_or_default();
                let cs = status.container_status.unwrap_or_default();
                TaskInfo {
                    id: t.id.unwrap_or_default(),
                    slot: t.slot.unwrap_or(0) as u64,
                    node_id: t.node_id.unwrap_or_default(),
                    state: status.state.into(),
                    desired: t.desired_state.into(),
                    message: status.message.unwrap_or_default(),
                    error: status.err.unwrap_or_default(),
                    exit_code: cs.exit_code,
                    container_id: cs.container_id,
                    updated: t.updated_at.unwrap_or_default(),
                }
            })
            .collect();
        // Newest first within a slot.
        out.sort_by(|a, b| a.slot.cmp(&b.slot).then(b.updated.cmp(&a.updated)));
        Ok(out)
    }

    /// The nodes where a service's tasks run now (not tasks being replaced).
    pub async fn running_nodes(&self, service: &str) -> Result<Vec<NodeInfo>> {
        let tasks = self.tasks(service).await?;
        let nodes = self.nodes().await?;
        Ok(tasks
            .iter()
            .filter(|t| t.is_running() && t.desired == TaskState::Running)
            .filter_map(|t| nodes.iter().find(|n| n.id == t.node_id).cloned())
            .collect())
    }

    /// A task's log lines, as a stream.
    pub fn task_logs(&self, task_id: &str, follow: bool, tail: Option<u64>) -> impl Stream<Item = Result<LogLine>> + '_ {
        let opts = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(follow)
            .tail(&tail.map(|t| t.to_string()).unwrap_or_else(|| "all".into()))
            .build();
        self.docker.task_logs(task_id, Some(opts)).map(|item| match item {
            Ok(out) => {
                let stderr = matches!(out, bollard::container::LogOutput::StdErr { .. });
                Ok(LogLine { text: String::from_utf8_lossy(&out.into_bytes()).trim_end_matches('\n').to_string(), stderr })
            }
            Err(bollard::errors::Error::DockerResponseServerError { status_code, message }) => {
                Err(conflict::explain("cannot read logs", status_code, &message))
            }
            Err(e) => Err(Error::msg(format!("cannot read logs: {e}"))),
        })
    }

    /// The last `n` lines of a task's log.
    pub async fn last_lines(&self, task_id: &str, n: u64) -> Vec<String> {
        let lines: Vec<Result<LogLine>> = self.task_logs(task_id, false, Some(n)).collect().await;
        lines.into_iter().filter_map(|l| l.ok()).flat_map(|l| l.text.lines().map(str::to_string).collect::<Vec<_>>()).collect()
    }

    pub async fn image_exists(&self, image: &str) -> Result<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(self.err(&format!("cannot inspect image {image}"))(e)),
        }
    }

    /// Host-mode ports published by services that are not this cluster's: port → service.
    pub async fn foreign_ports(&self, cluster: &str) -> Result<BTreeMap<u16, String>> {
        let list = self
            .docker
            .list_services(None::<bollard::query_parameters::ListServicesOptions>)
            .await
            .map_err(self.err("cannot list services"))?;
        let mut out = BTreeMap::new();
        for s in list {
            let Some(spec) = s.spec else { continue };
            if spec.labels.as_ref().and_then(|l| l.get(labels::CLUSTER)).map(String::as_str) == Some(cluster) {
                continue;
            }
            for p in spec.endpoint_spec.and_then(|e| e.ports).unwrap_or_default() {
                if let Some(pp) = p.published_port {
                    out.insert(pp as u16, spec.name.clone().unwrap_or_default());
                }
            }
        }
        Ok(out)
    }

    /// Store the plan with the cluster (a swarm config), replacing older ones.
    pub async fn save_state(&self, plan: &Plan) -> Result<()> {
        let data = serde_json::to_string(plan).expect("plans serialize");
        let name = format!("{}.state-{}", plan.cluster, crate::plan::content_hash(&data));
        let existing = self.cluster_configs(&plan.cluster).await?;
        if !existing.iter().any(|(n, _)| n == &name) {
            let mut l = plan.labels(None);
            l.insert(labels::KIND.into(), "state".into());
            self.create_config(&ConfigDef { name: name.clone(), data, labels: l }).await?;
        }
        for (n, id) in existing {
            if n.starts_with(&format!("{}.state-", plan.cluster)) && n != name {
                self.remove_config(&id).await?;
            }
        }
        Ok(())
    }

    /// The plan `up` stored for `cluster`, if the cluster exists.
    pub async fn load_state(&self, cluster: &str) -> Result<Option<Plan>> {
        let Some(state) = self.stored(&[label(labels::CLUSTER, cluster), label(labels::KIND, "state")]).await?.pop() else {
            return Ok(None);
        };
        let plan = serde_json::from_slice(&state.data).map_err(|e| {
            Error::help(
                format!("cluster state of {cluster} was written by another bdprov version: {e}"),
                "run `bdprov up` with this version to refresh it",
            )
        })?;
        Ok(Some(plan))
    }

    /// The configs bdprov keeps its own records in (`labels`), oldest first,
    /// with their content.
    async fn stored(&self, labels: &[(&str, String)]) -> Result<Vec<Stored>> {
        let opts = ListConfigsOptionsBuilder::default().filters(&filters(labels)).build();
        let configs = self.docker.list_configs(Some(opts)).await.map_err(self.err("cannot list configs"))?;
        let mut out = Vec::new();
        for cfg in configs {
            let cfg = match cfg.spec.as_ref().and_then(|s| s.data.as_ref()) {
                Some(_) => cfg,
                None => self
                    .docker
                    .inspect_config(cfg.id.as_deref().unwrap_or_default())
                    .await
                    .map_err(self.err("cannot read a config of bdprov's"))?,
            };
            let name = cfg.spec.as_ref().and_then(|s| s.name.clone()).unwrap_or_default();
            let data = cfg.spec.and_then(|s| s.data).unwrap_or_default();
            let data = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|e| Error::msg(format!("config {name} is unreadable: {e}")))?;
            out.push(Stored { id: cfg.id.unwrap_or_default(), name, created: cfg.created_at.unwrap_or_default(), data });
        }
        out.sort_by(|a, b| a.created.cmp(&b.created));
        Ok(out)
    }

    /// The hosts `role` of `cluster` retired (the newest list `scale`
    /// recorded), and the configs (name, id) holding such lists.
    pub async fn retired(&self, cluster: &str, role: &str) -> Result<(Vec<String>, Vec<(String, String)>)> {
        let lists =
            self.stored(&[label(labels::CLUSTER, cluster), label(labels::KIND, labels::RETIRED), label(labels::ROLE, role)]).await?;
        let hosts = lists
            .last()
            .map(|l| String::from_utf8_lossy(&l.data).lines().map(str::trim).filter(|h| !h.is_empty()).map(String::from).collect());
        Ok((hosts.unwrap_or_default(), lists.into_iter().map(|l| (l.name, l.id)).collect()))
    }
}

fn is_connection(e: &bollard::errors::Error) -> bool {
    use bollard::errors::Error as E;
    matches!(e, E::HyperResponseError { .. } | E::IOError { .. } | E::SocketNotFoundError(_) | E::RequestTimeoutError)
        || e.to_string().contains("connect")
}
