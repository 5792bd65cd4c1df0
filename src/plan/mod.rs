//! The plan: every swarm object a cluster needs, as plain data, computed
//! ahead of time and without a daemon. `render` prints it, `up` applies it,
//! and it is stored with the cluster so `status`, `scale` and `submit` know
//! the cluster without its blueprint file.

pub mod build;
pub mod compose;
pub mod deploy;
pub mod diff;
pub mod ports;
pub mod preview;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::blueprint::Restart;
pub use build::{build, ImageSet};

/// Labels bdprov puts on everything it creates, and reads back.
pub mod labels {
    pub const CLUSTER: &str = "bdprov.cluster";
    pub const ROLE: &str = "bdprov.role";
    pub const BLUEPRINT: &str = "bdprov.blueprint";
    /// Hash of the service definition (without replicas): unchanged hash, no update.
    pub const SPEC: &str = "bdprov.spec";
    /// Replicas as the blueprint declared them at the last `up`.
    pub const REPLICAS: &str = "bdprov.replicas";
    /// What an object is for (a [`Kind`]). Services of roles carry no `KIND`.
    pub const KIND: &str = "bdprov.kind";
    pub const JOB: &str = "bdprov.job";
    /// The member number of an ensemble member's service.
    pub const MEMBER: &str = "bdprov.member";

    /// The values of [`KIND`]: the kinds of objects bdprov keeps for itself
    /// besides the services and files of a plan.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Kind {
        /// The config that stores the plan `up` applied.
        State,
        /// One-shot job services (hooks, submits, decommission steps, doctor's probe).
        Job,
        /// The configs carrying a submitted file.
        Upload,
        /// The config listing a role's retired members (its hosts).
        Retired,
        /// The cluster's generated secrets.
        Secret,
        /// The config holding a cluster's lease.
        Lease,
    }

    impl Kind {
        pub const ALL: [Kind; 6] = [Kind::State, Kind::Job, Kind::Upload, Kind::Retired, Kind::Secret, Kind::Lease];

        /// The label's value.
        pub const fn as_str(self) -> &'static str {
            match self {
                Kind::State => "state",
                Kind::Job => "job",
                Kind::Upload => "upload",
                Kind::Retired => "retired",
                Kind::Secret => "secret",
                Kind::Lease => "lease",
            }
        }

        /// The kind a label's value names, if any.
        pub fn parse(value: &str) -> Option<Kind> {
            Kind::ALL.into_iter().find(|k| k.as_str() == value)
        }

        /// The kind in a set of labels, if they carry one bdprov knows.
        pub fn of<'a>(mut labels: impl Iterator<Item = (&'a String, &'a String)>) -> Option<Kind> {
            labels.find(|(k, _)| k.as_str() == KIND).and_then(|(_, v)| Kind::parse(v))
        }

        /// Put this kind in `labels`.
        pub fn mark<M: Extend<(String, String)>>(self, labels: &mut M) {
            labels.extend([(KIND.to_string(), self.as_str().to_string())]);
        }
    }

    impl std::fmt::Display for Kind {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.as_str())
        }
    }
    /// Where a role's tasks serve Prometheus metrics on the cluster's
    /// network: the container port and the URL path. A scraper discovering
    /// tasks through the swarm keeps those carrying them.
    pub const METRICS_PORT: &str = "bdprov.metrics.port";
    pub const METRICS_PATH: &str = "bdprov.metrics.path";
    /// Ports where a task's child processes serve metrics while they run
    /// (space-separated): a scraper tries each, and a closed one is no fault.
    pub const METRICS_CHILDREN: &str = "bdprov.metrics.children";
    /// On a service that joins every bdprov cluster's network (`observe_clusters`).
    pub const OBSERVE: &str = "bdprov.observe";
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub cluster: String,
    pub blueprint: String,
    pub images: ImageSet,
    pub network: NetworkDef,
    pub configs: Vec<ConfigDef>,
    pub volumes: Vec<VolumeDef>,
    pub services: Vec<ServiceDef>,
    /// Steps that are not services (run by bdprov itself), in the same
    /// readiness graph as the services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<HookDef>,
    #[serde(default)]
    pub jobs: JobDefs,
    /// How roles scale down without losing data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decommission: Vec<DecommissionDef>,
    /// Roles left out because their image has no offline build: (role, why).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<(String, String)>,
    /// Secrets `up` generates once for the cluster (names only, never content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretDef>,
    /// How pairs hand over (`bdprov failover ROLE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<FailoverDef>,
}

impl Plan {
    /// The (first) service of a role.
    pub fn service(&self, role: &str) -> Option<&ServiceDef> {
        self.services.iter().find(|s| s.role == role)
    }

    /// Every service of a role (one, or one per ensemble member).
    pub fn services_of<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a ServiceDef> + 'a {
        self.services.iter().filter(move |s| s.role == role)
    }

    pub fn secret(&self, name: &str) -> Option<&SecretDef> {
        self.secrets.iter().find(|s| s.name == name)
    }

    pub fn config(&self, name: &str) -> Option<&ConfigDef> {
        self.configs.iter().find(|c| c.name == name)
    }

    /// How `role` hands over to another member, if it does.
    pub fn failover_of(&self, role: &str) -> Option<&FailoverDef> {
        self.failover.iter().find(|f| f.role == role)
    }

    /// How `role` retires members, if it does.
    pub fn decommission_of(&self, role: &str) -> Option<&DecommissionDef> {
        self.decommission.iter().find(|d| d.role == role)
    }

    /// Every endpoint bdprov reaches a role through besides probes: the
    /// hooks', the decommission status, where jobs are followed.
    pub fn endpoints(&self) -> impl Iterator<Item = &EndpointDef> {
        let hooks = self.hooks.iter().filter_map(|h| h.action.endpoint());
        hooks.chain(self.decommission.iter().map(|d| &d.status.endpoint)).chain(self.jobs.trackings())
    }

    /// [`Plan::endpoints`], to change.
    pub fn endpoints_mut(&mut self) -> impl Iterator<Item = &mut EndpointDef> {
        let hooks = self.hooks.iter_mut().filter_map(|h| h.action.endpoint_mut());
        hooks.chain(self.decommission.iter_mut().map(|d| &mut d.status.endpoint)).chain(self.jobs.trackings_mut())
    }

    /// Labels every object of this cluster carries.
    pub fn labels(&self, role: Option<&str>) -> BTreeMap<String, String> {
        let mut l =
            BTreeMap::from([(labels::CLUSTER.to_string(), self.cluster.clone()), (labels::BLUEPRINT.to_string(), self.blueprint.clone())]);
        if let Some(r) = role {
            l.insert(labels::ROLE.to_string(), r.to_string());
        }
        l
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkDef {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigDef {
    /// Content-hashed: a changed file is a new config, which rolls the services using it.
    pub name: String,
    /// The content; empty for an artifact, whose bytes `up` fetches.
    pub data: String,
    pub labels: BTreeMap<String, String>,
    /// A pinned artifact (`crate::lock::agent`) whose jar is the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
}

/// A generated secret: `up` creates it from random bytes when the swarm has
/// none of this name for the cluster, and keeps it afterwards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretDef {
    /// The swarm secret's name: `<cluster>_<secret>`.
    pub name: String,
    /// Random bytes; the file holds them hex-encoded.
    pub length: u32,
    pub labels: BTreeMap<String, String>,
}

/// A secret given to a container as a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretMount {
    pub secret: String,
    pub target: String,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

/// The swarm name of the cluster's secret `name`.
pub fn secret_name(cluster: &str, name: &str) -> String {
    format!("{cluster}_{name}")
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VolumeDef {
    /// The volume name; per-replica volumes hold `{{.Task.Slot}}`.
    pub name: String,
    pub per_replica: bool,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceDef {
    pub name: String,
    pub role: String,
    /// For ensembles (`members:`): which member this service is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<u64>,
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    pub network: String,
    /// DNS names on the overlay: the role name, and any per-replica names.
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ConfigMount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<MountDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretMount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortDef>,
    pub replicas: u64,
    /// Run once to completion (a job) instead of keeping replicas running.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub job: bool,
    /// One task on every node (for checks that must run everywhere).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub global: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singleton: Option<String>,
    #[serde(default)]
    pub placement: PlacementDef,
    #[serde(default)]
    pub resources: ResourcesDef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub restart: Restart,
    pub labels: BTreeMap<String, String>,
    /// Readiness: when this role counts as usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeDef>,
    /// Roles and hooks that must be ready before this service is created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

impl ServiceDef {
    /// A stable hash of everything but the replica count: when it is
    /// unchanged, `up` leaves the service (and its version) alone.
    pub fn spec_hash(&self) -> String {
        let mut s = self.clone();
        s.replicas = 0;
        s.labels.remove(labels::SPEC);
        s.labels.remove(labels::REPLICAS);
        let json = serde_json::to_vec(&s).expect("plain data serializes");
        hex::encode(&Sha256::digest(&json)[..8])
    }

    /// How progress lines and status name it: `worker`, `zookeeper-2`.
    pub fn step(&self) -> String {
        match self.member {
            Some(m) => format!("{}-{m}", self.role),
            None => self.role.clone(),
        }
    }

    pub fn published(&self, port_name: &str) -> Option<u16> {
        self.ports.iter().find(|p| p.name == port_name).and_then(|p| p.published)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigMount {
    pub config: String,
    pub target: String,
    pub mode: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MountDef {
    pub source: String,
    pub target: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub readonly: bool,
    /// A path of the node (the engine's socket), not a volume.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bind: bool,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortDef {
    pub name: String,
    pub target: u16,
    /// Host-mode port on the task's node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<u16>,
    pub protocol: Protocol,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub web: bool,
    /// For a port that moves when taken: the port asked for. `published`
    /// starts out equal to it; `up` resolves it ([`ports::resolve`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<u16>,
    /// What anyone reaching the published port can do without
    /// authenticating (the blueprint's `unauthenticated:`); `up` and
    /// `doctor` name such ports ([`ports::exposed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unauthenticated: Option<String>,
}

/// A port's transport protocol (serialized as the swarm writes it: `tcp`, `udp`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
}

impl Protocol {
    /// The blueprint's `protocol` (decoding accepts only `tcp` and `udp`).
    pub fn from_blueprint(s: &str) -> Protocol {
        if s == "udp" {
            Protocol::Udp
        } else {
            Protocol::Tcp
        }
    }
}

/// Where spark-submit runs the driver (`--deploy-mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeployMode {
    Client,
    /// In the cluster: on YARN, in a container of its own.
    Cluster,
}

impl DeployMode {
    /// The blueprint's `deploy_mode` (decoding accepts only `client` and `cluster`).
    pub fn from_blueprint(s: &str) -> DeployMode {
        if s == "cluster" {
            DeployMode::Cluster
        } else {
            DeployMode::Client
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeployMode::Client => "client",
            DeployMode::Cluster => "cluster",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlacementDef {
    /// Pinned like a coordinator: resolved against the swarm's nodes by
    /// [`resolve_placement`] before `up` compares or creates anything.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub coordinator: bool,
    /// Pinned to one node, its members on different nodes: resolved by
    /// [`pin_members`] before `up` compares or creates anything.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_node: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourcesDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nano_cpus: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthDef {
    pub test: Vec<String>,
    pub interval_secs: f64,
    pub timeout_secs: f64,
    pub retries: u64,
    pub start_period_secs: f64,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A role's port as bdprov reaches it: published in host mode on the node
/// of the service's running task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointDef {
    pub service: String,
    pub role: String,
    pub port: u16,
    /// The other members of an ensemble (service, port), asked in turn when
    /// `service` has no running task or does not answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<(String, u16)>,
}

impl EndpointDef {
    /// Every (service, port) that answers for the role, first member first.
    pub fn candidates(&self) -> Vec<(String, u16)> {
        std::iter::once((self.service.clone(), self.port)).chain(self.others.iter().cloned()).collect()
    }
}

/// A readiness probe with every name resolved to a service and a port number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeDef {
    /// The service whose tasks are asked (may be another role's).
    pub service: String,
    pub role: String,
    /// Published (host-mode) port on the node running that task.
    pub port: u16,
    pub check: CheckDef,
    pub timeout_secs: u64,
    /// For a member of a pair: where its answer says whether it is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<ModesDef>,
    /// The other members of the asked ensemble (service, port): a probe of
    /// another role's ensemble asks them in turn when the first is down.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<(String, u16)>,
}

/// Where a member of a pair says whether it is the active one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModesDef {
    /// JSON path of the mode in the probe's answer.
    pub path: String,
    /// The mode of the one active member.
    pub active: String,
    /// Modes of a member ready to take over.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standby: Vec<String>,
    /// JSON path of the member's place in the shared log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// How `bdprov failover ROLE` hands over (see [`crate::blueprint::Failover`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailoverDef {
    pub role: String,
    pub action: FailoverActionDef,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum FailoverActionDef {
    /// A one-shot job; its entrypoint is the command, `FROM`/`TO` are added.
    Job { template: Box<ServiceDef> },
    /// Restart the active member's task.
    Restart,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum CheckDef {
    Http {
        path: String,
        #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
        expect: serde_json::Map<String, serde_json::Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<String>,
    },
    Tcp,
    /// ZooKeeper `srvr`: Mode leader or follower (standalone for one member);
    /// with a znode, the number of its children.
    Zookeeper {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        znode: Option<String>,
    },
}

impl CheckDef {
    /// Whether the check counts members itself (an HTTP count, a znode's
    /// children): one member's answer speaks for the whole role.
    pub fn counts(&self) -> bool {
        matches!(self, CheckDef::Http { count: Some(_), .. } | CheckDef::Zookeeper { znode: Some(_) })
    }
}

/// A step `up` runs itself once the roles it comes after are ready.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HookDef {
    pub name: String,
    pub after: Vec<String>,
    pub action: HookActionDef,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum HookActionDef {
    /// A one-shot service: the template's entrypoint is the command.
    Job {
        template: Box<ServiceDef>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        colocate: Option<String>,
    },
    /// Directories in HDFS, made and fixed through WebHDFS as `user`.
    Webhdfs { endpoint: EndpointDef, user: String, paths: Vec<PathDef> },
    /// The same, made by `hdfs dfs` in one-shot jobs from `template` (the
    /// NameNode's image and site files, `HADOOP_USER_NAME=user`).
    Hdfs { template: Box<ServiceDef>, user: String, paths: Vec<PathDef> },
}

impl HookActionDef {
    /// Where bdprov reaches a role to run the hook, if it does.
    pub fn endpoint(&self) -> Option<&EndpointDef> {
        match self {
            HookActionDef::Webhdfs { endpoint, .. } => Some(endpoint),
            HookActionDef::Job { .. } | HookActionDef::Hdfs { .. } => None,
        }
    }

    /// [`HookActionDef::endpoint`], to change.
    pub fn endpoint_mut(&mut self) -> Option<&mut EndpointDef> {
        match self {
            HookActionDef::Webhdfs { endpoint, .. } => Some(endpoint),
            HookActionDef::Job { .. } | HookActionDef::Hdfs { .. } => None,
        }
    }
}

/// A directory in HDFS and what it must look like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathDef {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Octal, as HDFS shows it (`1777`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// How `scale` retires members of `role` (see [`crate::blueprint::Decommission`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecommissionDef {
    pub role: String,
    /// The one-shot container of both steps; its entrypoint is set per step.
    pub job: ServiceDef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colocate: Option<String>,
    pub refresh: Vec<String>,
    pub stop: Vec<String>,
    pub status: MemberStatusDef,
    /// The fewest replicas that must remain, and the blueprint text it came
    /// from (for the refusal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<(u64, String)>,
    pub timeout_secs: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberStatusDef {
    pub endpoint: EndpointDef,
    pub path: String,
    pub members: String,
    pub field: String,
    pub done: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JobDefs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spark: Option<SparkJobDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yarn: Option<SparkJobDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storm: Option<StormJobDef>,
}

impl JobDefs {
    /// The jobs of the kinds that submit with spark-submit (`spark`, `yarn`).
    pub fn spark_kinds(&self) -> impl Iterator<Item = &SparkJobDef> {
        [self.spark.as_ref(), self.yarn.as_ref()].into_iter().flatten()
    }

    pub fn spark_kinds_mut(&mut self) -> impl Iterator<Item = &mut SparkJobDef> {
        [self.spark.as_mut(), self.yarn.as_mut()].into_iter().flatten()
    }

    /// Where bdprov follows submitted jobs to their final status.
    pub fn trackings(&self) -> impl Iterator<Item = &EndpointDef> {
        self.spark_kinds().filter_map(|j| j.tracking.as_ref())
    }

    /// [`JobDefs::trackings`], to change.
    pub fn trackings_mut(&mut self) -> impl Iterator<Item = &mut EndpointDef> {
        self.spark_kinds_mut().filter_map(|j| j.tracking.as_mut())
    }

    /// The ports bdprov itself reaches for jobs by role and port name
    /// (looked up in the plan when used, so a remapped port is followed).
    pub fn ui_ports(&self) -> impl Iterator<Item = (&str, &str)> {
        self.storm.iter().map(|s| (s.ui_role.as_str(), s.ui_port.as_str()))
    }
}

/// How `submit spark`/`submit spark-pi` builds its one-shot service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SparkJobDef {
    /// Image, env, configs and mounts of the job container; name, command
    /// and replicas are filled in per submission.
    pub template: ServiceDef,
    pub master: String,
    pub pi: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pi_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colocate: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conf: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_mode: Option<DeployMode>,
    /// Where `submit` follows YARN applications to their final status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<EndpointDef>,
    /// What executor and driver memory must fit in (checked by `submit`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub limits: SparkLimits,
}

/// What a Spark job's memory must fit in, recorded in the plan for `submit`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SparkLimits {
    /// A standalone worker's `--memory`, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_memory: Option<u64>,
    /// The largest YARN container, in bytes, and the setting that bounds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<(u64, String)>,
    /// `yarn.scheduler.minimum-allocation-mb` in bytes: YARN rounds requests up to a multiple of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_allocation: Option<u64>,
}

/// Configs that hold bdprov's own records (the stored plan, a role's retired
/// hosts) rather than a file of the plan: `up` neither mounts nor removes them.
pub fn is_record(config_name: &str) -> bool {
    config_name.contains(".state-") || config_name.contains(".retired-")
}

/// The name of the config recording `role`'s retired hosts.
pub fn retired_config_name(cluster: &str, role: &str, data: &str) -> String {
    format!("{cluster}.retired-{role}-{}", content_hash(data))
}

/// The node label that marks where coordinators run.
pub const MASTER_LABEL: (&str, &str) = ("bdprov.role", "master");

/// The constraint that pins coordinators: the node labelled
/// `bdprov.role=master` when the swarm has one, else a manager.
pub fn coordinator_constraint(any_node_labelled: bool) -> String {
    if any_node_labelled {
        format!("node.labels.{}=={}", MASTER_LABEL.0, MASTER_LABEL.1)
    } else {
        "node.role==manager".to_string()
    }
}

/// Pin coordinators for this swarm. `labelled` says whether any node carries
/// `bdprov.role=master`. Roles with their own constraints keep them, and a
/// coordinator that already runs keeps the pin the last `up` gave it: a node
/// labelled later must not move it away from its node-local volumes.
pub fn resolve_placement(plan: &mut Plan, labelled: bool, previous: Option<&Plan>) {
    for svc in &mut plan.services {
        if !svc.placement.coordinator || !svc.placement.constraints.is_empty() {
            continue;
        }
        let before = previous
            .and_then(|p| p.services.iter().find(|s| s.name == svc.name))
            .filter(|s| s.placement.coordinator)
            .map(|s| s.placement.constraints.clone());
        svc.placement.constraints = match before {
            Some(c) if !c.is_empty() => c,
            _ => vec![coordinator_constraint(labelled)],
        };
    }
}

/// Pin the members of `pinned` roles, each to one node (`node.hostname==…`),
/// the members of a role on different nodes while there are enough of the
/// `nodes` (hostnames of the nodes that take tasks). Each pinned role starts
/// one node further along, so that the members of different pairs share the
/// load. A member the last `up` pinned keeps its node (its data is there),
/// even while that node is down. Returns the roles whose members all landed
/// on one node, though they are several: that node is a single point of failure.
pub fn pin_members(plan: &mut Plan, nodes: &[String], previous: Option<&Plan>) -> Vec<String> {
    let mut nodes = nodes.to_vec();
    nodes.sort();
    nodes.dedup();
    let mut roles: Vec<String> = Vec::new();
    for svc in plan.services.iter().filter(|s| s.placement.pinned && s.member.is_some()) {
        if !roles.contains(&svc.role) {
            roles.push(svc.role.clone());
        }
    }
    let mut together = Vec::new();
    for (offset, role) in roles.iter().enumerate() {
        let mut used = Vec::new();
        for svc in plan.services.iter_mut().filter(|s| &s.role == role) {
            let before = previous
                .and_then(|p| p.services.iter().find(|s| s.name == svc.name))
                .filter(|s| s.placement.pinned)
                .map(|s| s.placement.constraints.clone())
                .filter(|c| !c.is_empty());
            svc.placement.constraints = match (before, nodes.is_empty()) {
                (Some(c), _) => c,
                (None, true) => Vec::new(),
                (None, false) => {
                    let m = svc.member.unwrap_or(1) as usize;
                    vec![format!("node.hostname=={}", nodes[(offset + m - 1) % nodes.len()])]
                }
            };
            used.push(svc.placement.constraints.clone());
        }
        used.dedup();
        if used.len() == 1 && plan.services.iter().filter(|s| &s.role == role).count() > 1 {
            together.push(role.clone());
        }
    }
    together
}

/// Roles whose data would not follow a change of shape: a role that ran as
/// one service with volumes of its own and is now an ensemble of members
/// (each with new, empty volumes of its own), or the other way round, like a
/// NameNode made highly available. Each with the volumes it ran on.
pub fn reshaped(previous: &Plan, plan: &Plan) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for before in &previous.services {
        if out.iter().any(|(r, _)| r == &before.role) || before.mounts.is_empty() {
            continue;
        }
        let was_members = before.member.is_some();
        let now: Vec<&ServiceDef> = plan.services_of(&before.role).collect();
        if now.is_empty() || now.iter().all(|s| s.member.is_some() == was_members) {
            continue;
        }
        let volumes = previous.services_of(&before.role).flat_map(|s| s.mounts.iter().map(|m| m.source.clone())).collect();
        out.push((before.role.clone(), volumes));
    }
    out
}

/// How `submit storm` builds its one-shot service, and where `storm list`
/// and `storm kill` reach the Storm UI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StormJobDef {
    /// Image, env, configs (storm.yaml) and mounts of the job container.
    pub template: ServiceDef,
    /// `nimbus.seeds` for `storm jar`.
    pub nimbus: Vec<String>,
    /// The UI's role and the name of its published port, looked up in the
    /// plan when used, so a remapped port is followed.
    pub ui_role: String,
    pub ui_port: String,
}

/// A short content hash, for config names.
pub fn content_hash(data: &str) -> String {
    hex::encode(&Sha256::digest(data.as_bytes())[..5])
}

#[cfg(test)]
mod placement_tests {
    use super::*;

    fn plan_with(constraints: Vec<String>) -> Plan {
        let svc = ServiceDef {
            name: "c_namenode".into(),
            role: "namenode".into(),
            placement: PlacementDef { coordinator: true, constraints, ..Default::default() },
            ..Default::default()
        };
        Plan {
            cluster: "c".into(),
            blueprint: "hdfs".into(),
            images: Default::default(),
            network: NetworkDef { name: "c-net".into(), labels: Default::default() },
            configs: vec![],
            volumes: vec![],
            services: vec![svc],
            hooks: vec![],
            decommission: vec![],
            left_out: vec![],
            secrets: vec![],
            jobs: Default::default(),
            failover: vec![],
        }
    }

    #[test]
    fn coordinators_go_to_the_labelled_node_else_a_manager() {
        let mut p = plan_with(vec![]);
        resolve_placement(&mut p, false, None);
        assert_eq!(p.services[0].placement.constraints, ["node.role==manager"]);
        let mut p = plan_with(vec![]);
        resolve_placement(&mut p, true, None);
        assert_eq!(p.services[0].placement.constraints, ["node.labels.bdprov.role==master"]);
    }

    #[test]
    fn a_running_coordinator_keeps_its_pin_when_a_node_is_labelled_later() {
        let mut before = plan_with(vec![]);
        resolve_placement(&mut before, false, None);
        let mut now = plan_with(vec![]);
        resolve_placement(&mut now, true, Some(&before));
        assert_eq!(now.services[0].placement.constraints, ["node.role==manager"]);
    }

    fn members(role: &str, n: u64) -> Vec<ServiceDef> {
        (1..=n)
            .map(|m| ServiceDef {
                name: format!("c_{role}-{m}"),
                role: role.into(),
                member: Some(m),
                placement: PlacementDef { pinned: true, ..Default::default() },
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn members_of_a_pair_are_pinned_to_different_nodes_and_keep_them() {
        let mut p = plan_with(vec![]);
        p.services = [members("nn", 2), members("jn", 3)].concat();
        let nodes = ["n3".to_string(), "n1".into(), "n2".into()];
        assert!(pin_members(&mut p, &nodes, None).is_empty());
        let on = |p: &Plan, name: &str| p.services.iter().find(|s| s.name == name).unwrap().placement.constraints.clone();
        assert_eq!(on(&p, "c_nn-1"), ["node.hostname==n1"]);
        assert_eq!(on(&p, "c_nn-2"), ["node.hostname==n2"]);
        // The next role starts one node further along.
        assert_eq!(on(&p, "c_jn-1"), ["node.hostname==n2"]);
        assert_eq!(on(&p, "c_jn-2"), ["node.hostname==n3"]);
        assert_eq!(on(&p, "c_jn-3"), ["node.hostname==n1"]);
        // Later, with n1 gone from the usable nodes, every member keeps its node.
        let mut again = plan_with(vec![]);
        again.services = [members("nn", 2), members("jn", 3)].concat();
        pin_members(&mut again, &["n2".to_string(), "n3".into()], Some(&p));
        assert_eq!(on(&again, "c_nn-1"), ["node.hostname==n1"]);
        assert_eq!(on(&again, "c_jn-3"), ["node.hostname==n1"]);
    }

    #[test]
    fn one_node_runs_every_member_and_says_so() {
        let mut p = plan_with(vec![]);
        p.services = members("nn", 2);
        assert_eq!(pin_members(&mut p, &["solo".to_string()], None), ["nn"]);
        assert!(p.services.iter().all(|s| s.placement.constraints == ["node.hostname==solo"]));
    }

    #[test]
    fn a_role_that_becomes_a_pair_is_reshaped_and_its_volumes_named() {
        let mount = |source: &str| MountDef {
            source: source.into(),
            target: "/data".into(),
            readonly: false,
            bind: false,
            labels: Default::default(),
        };
        let mut before = plan_with(vec![]);
        before.services[0].mounts = vec![mount("c_namenode")];
        let mut after = plan_with(vec![]);
        after.services = members("namenode", 2);
        assert_eq!(reshaped(&before, &after), vec![("namenode".to_string(), vec!["c_namenode".to_string()])]);
        // Same shape, or a role without volumes (a front): nothing to say.
        assert!(reshaped(&before, &before).is_empty());
        before.services[0].mounts.clear();
        assert!(reshaped(&before, &after).is_empty());
    }

    #[test]
    fn explicit_constraints_win() {
        let mut p = plan_with(vec!["node.hostname==a".into()]);
        resolve_placement(&mut p, true, None);
        assert_eq!(p.services[0].placement.constraints, ["node.hostname==a"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_kinds_read_back_as_written() {
        for k in labels::Kind::ALL {
            assert_eq!(labels::Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(labels::Kind::parse("role"), None);
        let mut l = BTreeMap::new();
        labels::Kind::Job.mark(&mut l);
        assert_eq!(l[labels::KIND], "job");
        assert_eq!(labels::Kind::of(l.iter()), Some(labels::Kind::Job));
    }
}
