//! The validated blueprint: every field typed and defaulted, every name checked.
//! Strings that may hold Tera expressions are [`Text`], which remembers where
//! they were written so a template error points into the blueprint.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::diag::Span;

/// Which images roles run: the official ones, or the offline kit's builds.
/// A blueprint names it where only one set serves something (`metrics.images`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageSet {
    #[default]
    Official,
    Local,
}

impl ImageSet {
    pub fn parse(s: &str) -> Option<ImageSet> {
        match s {
            "official" => Some(ImageSet::Official),
            "local" => Some(ImageSet::Local),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Blueprint {
    pub name: String,
    pub description: String,
    /// Overlay network name; `None` means "the cluster's name".
    pub network: Option<String>,
    pub images: Vec<ImageChoice>,
    /// Free-form values for templates (`{{ values.heap }}`).
    pub values: serde_json::Value,
    /// Where each scalar of `values` was written (its key path), so a check
    /// on a rendered setting can point at the value that set it.
    pub value_spans: Vec<(Vec<String>, Span)>,
    pub roles: Vec<Role>,
    pub hooks: Vec<Hook>,
    pub jobs: Jobs,
    /// Generated secrets of the cluster (`secrets:`), see [`super::secrets`].
    pub secrets: Vec<SecretDecl>,
}

impl Blueprint {
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    pub fn image(&self, key: &str) -> Option<&ImageChoice> {
        self.images.iter().find(|i| i.key == key)
    }
}

/// An image a role can run: the official one, and the offline kit's build of it.
#[derive(Clone, Debug)]
pub struct ImageChoice {
    pub key: String,
    pub official: String,
    /// `None` where no offline build exists.
    pub local: Option<String>,
    /// Why no offline build can exist: with `--images local` the roles that
    /// run this image are left out of the cluster (with this reason) instead
    /// of being refused.
    pub without_local: Option<String>,
    pub span: Span,
}

/// A string that may contain Tera expressions, and where it was written.
#[derive(Clone, Debug)]
pub struct Text {
    pub text: String,
    pub span: Span,
}

/// What runs in a container: shared by roles and jobs.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// An `images` key or a literal image reference.
    pub image: String,
    pub image_span: Option<Span>,
    /// Replaces the image's entrypoint (compose `entrypoint`).
    pub entrypoint: Option<Vec<Text>>,
    /// Arguments to the entrypoint (compose `command`).
    pub command: Option<Vec<Text>>,
    pub env: Vec<(String, Text)>,
    pub hostname: Option<Text>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub configs: Vec<ConfigFile>,
    pub volumes: Vec<VolumeMount>,
    pub resources: Resources,
    /// The cluster's secrets this container gets as files.
    pub secrets: Vec<SecretUse>,
}

/// A secret the cluster generates once (random bytes) and keeps as a swarm secret.
#[derive(Clone, Debug)]
pub struct SecretDecl {
    pub name: String,
    /// Random bytes; the file holds them hex-encoded (twice as many characters).
    pub length: u32,
    pub span: Span,
}

/// A secret given to a container as a file.
#[derive(Clone, Debug)]
pub struct SecretUse {
    pub name: String,
    /// Absolute path in the container; default `/run/secrets/<name>`.
    pub target: String,
    /// Owner of the file (numeric, as swarm wants it); default 0.
    pub uid: u32,
    pub gid: u32,
    /// Default 0400: only the owner reads it.
    pub mode: u32,
    pub span: Span,
}

/// Where a config file's content comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    /// Template name: a file under `templates/` (the user's, then the built-in ones).
    Template(String),
    /// A Java agent bdprov pins (`crate::lock::AGENTS`), by its name: the jar itself.
    Artifact(String),
}

#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub name: String,
    pub source: ConfigSource,
    pub target: String,
    pub mode: u32,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct VolumeMount {
    pub name: String,
    pub target: Text,
    /// One volume per task slot (`{{.Task.Slot}}`): stateful replicas keep their own data.
    pub per_replica: bool,
    pub readonly: bool,
}

/// Limits of a container. Either may be a Tera expression over values
/// (`"{{ values.yarn_site['yarn.nodemanager.resource.memory-mb'] + 768 }}m"`),
/// checked when the plan is built; literal values are checked when decoded.
#[derive(Clone, Debug, Default)]
pub struct Resources {
    pub cpus: Option<Text>,
    pub memory: Option<Text>,
}

#[derive(Clone, Debug)]
pub struct Port {
    pub name: String,
    pub target: u16,
    /// Published on the node running the task (host mode); `None` stays inside the overlay.
    pub published: Option<u16>,
    pub protocol: String,
    /// A web UI: `status` shows its URL.
    pub web: bool,
    /// When another service already publishes `published`, `up` takes the
    /// next free port instead (and keeps it on later runs).
    pub remap: bool,
    /// What anyone who reaches the published port can do there without
    /// authenticating (`"submits applications (runs code)"`). Such a port
    /// is published only when the blueprint or `--set` says `publish: true`.
    pub unauthenticated: Option<String>,
    /// The port number `published` would have had, for a port kept closed
    /// (`publish: false`, or a note under `unauthenticated` without `publish: true`).
    pub closed: Option<u16>,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// A coordinator (master, history server, namenode …): pinned to the node
    /// labelled `bdprov.role=master`, else to a manager, unless `constraints`
    /// say otherwise.
    pub coordinator: bool,
    /// Each member pinned to one node, chosen at its first `up` and kept
    /// (its node-local volumes stay usable), the members of the role on
    /// different nodes while the swarm has enough.
    pub pinned: bool,
    pub constraints: Vec<String>,
    pub max_per_node: Option<u64>,
    pub spread: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Role {
    pub name: String,
    pub span: Span,
    pub workload: Workload,
    pub ports: Vec<Port>,
    pub replicas: u64,
    /// An ensemble of members with stable identities: one service per member
    /// (`<role>-1` …), each with its own volumes, and consecutive published
    /// ports starting at each port's `published`.
    pub members: Option<u64>,
    /// `members: <role>`: as many members as that ensemble, member N beside
    /// its member N (a read-only front per member, say). Resolved to
    /// `members` once every role is decoded.
    pub members_of: Option<(String, Span)>,
    /// Run exactly one; `scale` refuses with this reason.
    pub singleton: Option<String>,
    pub placement: Placement,
    pub ready: Option<Probe>,
    pub after: Vec<(String, Span)>,
    pub healthcheck: Option<Healthcheck>,
    pub stop_grace: Option<Duration>,
    pub restart: Restart,
    /// How members leave without losing data when the role scales down.
    pub decommission: Option<Decommission>,
    /// How `bdprov failover ROLE` hands the active part to another member.
    pub failover: Option<Failover>,
    /// Where each task serves Prometheus metrics, on the overlay.
    pub metrics: Option<Metrics>,
    /// One task on every node of the swarm (a node exporter, say), instead of replicas.
    pub global: bool,
    /// The node's Docker engine socket, mounted at /var/run/docker.sock, and
    /// the role placed on a manager: for a role that reads the swarm's tasks
    /// (Prometheus' swarm discovery). Whoever controls the container controls the engine.
    pub engine_socket: bool,
    /// The role also joins the overlay network of every bdprov cluster on the
    /// swarm, including clusters brought up later: `up` and `down` of any
    /// cluster keep its networks current. For a scraper that must reach them all.
    pub observe_clusters: bool,
}

/// A role's Prometheus endpoint: one of its own ports (by name) and a path,
/// put on the service as labels for a scraper to find.
#[derive(Clone, Debug)]
pub struct Metrics {
    pub port: String,
    pub path: String,
    /// Where the port is named, for the error when the role has no such port.
    pub span: Span,
    /// Ports where the task's child processes serve metrics on the same
    /// path while they run (Storm's workers, one per slot): templated, a
    /// range `A-B` or a list of port numbers.
    pub children: Option<Text>,
    /// The image set whose images serve the endpoint (`local`: an agent only
    /// the kit's images carry); with the other set the role has no endpoint.
    pub images: Option<ImageSet>,
}

impl Role {
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name == name)
    }

    /// The help for `name`, a port this role does not have: the closest of
    /// its ports, and all of them.
    pub fn port_help(&self, name: &str) -> String {
        let names: Vec<&str> = self.ports.iter().map(|p| p.name.as_str()).collect();
        match crate::diag::suggest(name, names.iter().copied()) {
            _ if names.is_empty() => format!("the role has no ports: add the one meant, e.g. `ports: {{ {name}: 9100 }}`"),
            Some(s) => format!("did you mean `{s}`? (its ports: {})", names.join(", ")),
            None => format!("its ports: {}", names.join(", ")),
        }
    }
}

/// How a pair (or ensemble) with one active member hands over.
#[derive(Clone, Debug)]
pub enum Failover {
    /// A one-shot job on the cluster's network, with `FROM` and `TO` (member
    /// numbers) in its environment: the product's own graceful hand-over.
    Job { workload: Box<Workload>, command: Vec<Text> },
    /// Restart the active member: for products whose members elect a leader
    /// among themselves and have no hand-over command. The others take over
    /// and the restarted member comes back as a standby.
    Restart,
}

/// A member's part in its pair or ensemble, read from its probe's answer.
#[derive(Clone, Debug)]
pub struct Modes {
    /// The JSON path of the member's mode in the probe's answer; it may
    /// name the member (`nimbuses.host={{ member.host }}.status`).
    pub path: Text,
    /// The mode exactly one member must be in (`active`, `ALIVE`).
    pub active: String,
    /// Modes of a member ready to take over (`standby`).
    pub standby: Vec<String>,
    /// The JSON path of the member's place in the log the pair shares (a
    /// transaction id): a standby behind the active member is not in sync.
    pub position: Option<Text>,
}

/// When the swarm restarts a role's task that ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    /// Whatever the exit code: daemons are meant to run forever.
    #[default]
    Any,
    /// Only after a failure: a task that exits 0 was stopped on purpose and
    /// stays down (a decommissioned member that bdprov stopped).
    OnFailure,
}

/// What retiring members of a role means, so that `scale` can lower its
/// replicas without losing data. bdprov retires the highest task slots:
///
/// 1. it writes their hosts (plus any retired before) to a config mounted at
///    [`HOSTS_FILE`] and runs `refresh` as a one-shot job,
/// 2. waits until `status` reports each of them `done`,
/// 3. runs `stop` with the retiring hosts in [`HOSTS_FILE`]: their tasks end
///    with exit 0 and stay down (the role restarts `on-failure` only),
/// 4. lowers the replicas, so the swarm drops exactly those slots.
#[derive(Clone, Debug)]
pub struct Decommission {
    /// The container both steps run in.
    pub job: Workload,
    /// Run next to this role's task (for node-local volumes).
    pub colocate: Option<String>,
    pub refresh: Vec<Text>,
    pub stop: Vec<Text>,
    pub status: MemberStatus,
    /// The fewest replicas that must remain (rendered, then a whole number).
    pub keep: Option<Text>,
    pub timeout: Duration,
    pub span: Span,
}

/// Where the steps of a decommission find their hosts, one per line.
pub const HOSTS_FILE: &str = "/bdprov/hosts";

/// `template` with swarm's task slot placeholder (`{{.Task.Slot}}`, spaces
/// allowed) replaced by `slot`; `None` if it has no such placeholder. How
/// bdprov knows the hostname of the task in a given slot.
pub fn for_slot(template: &str, slot: u64) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    let mut found = false;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        if after[..end].trim() == ".Task.Slot" {
            out.push_str(&slot.to_string());
            found = true;
        } else {
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    found.then_some(out)
}

/// Where a member's decommission state is read: an HTTP endpoint whose JSON
/// holds, at `members`, a map keyed by `host` or `host:port` (or such a map
/// encoded as a JSON string, as Hadoop's JMX does), each entry with `field`.
#[derive(Clone, Debug)]
pub struct MemberStatus {
    pub role: String,
    pub port: String,
    pub path: Text,
    pub members: String,
    pub field: String,
    pub done: String,
    /// The value of `field` for a member still serving: seen for a retiring
    /// member after `refresh`, it means the cluster did not take the list,
    /// and bdprov stops at once instead of waiting for the timeout.
    pub serving: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Healthcheck {
    pub test: Vec<String>,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u64,
    pub start_period: Duration,
}

/// How bdprov decides that a role is ready, at the application level.
#[derive(Clone, Debug)]
pub struct Probe {
    pub check: Check,
    /// For members of a pair: which one is active.
    pub modes: Option<Modes>,
    /// How long `up`/`scale` waits for it before failing with a diagnosis.
    pub timeout: Duration,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Check {
    /// GET a path on a published port of `role` (default: the probed role).
    Http {
        role: String,
        port: String,
        path: Text,
        /// JSON paths that must hold these values.
        expect: Vec<(String, serde_json::Value)>,
        /// A JSON path whose number must equal the probed role's replicas.
        count: Option<String>,
    },
    /// A TCP connection to a published port is accepted.
    Tcp { role: String, port: String },
    /// ZooKeeper's `srvr` answers with Mode leader or follower (standalone for
    /// a single member); an ensemble is ready with exactly one leader. With a
    /// `znode`, the count of its children must equal the probed role's
    /// replicas instead (members that register in ZooKeeper, like Storm's
    /// supervisors and nimbus's leadership latch).
    Zookeeper { role: String, port: String, znode: Option<String> },
}

impl Check {
    /// The role whose endpoint is asked.
    pub fn target_role(&self) -> &str {
        match self {
            Check::Http { role, .. } | Check::Tcp { role, .. } | Check::Zookeeper { role, .. } => role,
        }
    }

    pub fn target_port(&self) -> &str {
        match self {
            Check::Http { port, .. } | Check::Tcp { port, .. } | Check::Zookeeper { port, .. } => port,
        }
    }
}

/// A step that is not a service: run by bdprov once its `after` roles are
/// ready, on every `up`, so what it does must be idempotent. Roles can come
/// `after` a hook.
#[derive(Clone, Debug)]
pub struct Hook {
    pub name: String,
    pub span: Span,
    pub after: Vec<(String, Span)>,
    pub action: HookAction,
    /// The image set that needs the hook; with the other set the plan
    /// leaves it out, and what comes `after` it does not wait for it.
    pub images: Option<ImageSet>,
}

#[derive(Clone, Debug)]
pub enum HookAction {
    /// A one-shot command on the cluster's network; a non-zero exit fails `up`.
    /// `colocate` runs it on the node of that role's task.
    Job { workload: Box<Workload>, command: Vec<Text>, colocate: Option<String> },
    /// Directories in HDFS, made and fixed through the NameNode's WebHDFS API
    /// (reached on a published port, like probes) as `user`.
    Webhdfs { role: String, port: String, user: Text, paths: Vec<HdfsPath>, span: Span },
    /// The same directories, made and fixed by `hdfs dfs` in one-shot jobs on
    /// the overlay that run `role`'s image and site files as `user` (no web
    /// port needed: WebHDFS can stay off).
    Hdfs { role: String, user: Text, paths: Vec<HdfsPath>, span: Span },
}

/// A directory that must exist, with this owner, group and mode when given.
#[derive(Clone, Debug)]
pub struct HdfsPath {
    pub name: String,
    pub path: Text,
    pub owner: Option<Text>,
    pub group: Option<Text>,
    /// Octal, e.g. `1777`.
    pub mode: Option<Text>,
    pub span: Span,
}

/// How `bdprov submit` runs jobs on this cluster.
#[derive(Clone, Debug, Default)]
pub struct Jobs {
    /// `submit spark`, `submit spark-pi`.
    pub spark: Option<SparkJobs>,
    /// `submit yarn`, `submit spark-pi --master yarn`.
    pub yarn: Option<SparkJobs>,
    /// `submit storm`, `storm list`, `storm kill`.
    pub storm: Option<StormJobs>,
}

/// The job kinds, in one place: the generic checks go through these
/// instead of naming each kind.
impl Jobs {
    /// The kinds a blueprint may declare (`jobs.<kind>`), in order.
    pub const KINDS: [&'static str; 3] = ["spark", "yarn", "storm"];

    /// The declared kinds that submit with spark-submit (`spark`, `yarn`).
    pub fn spark_kinds(&self) -> impl Iterator<Item = (&'static str, &SparkJobs)> {
        [("spark", self.spark.as_ref()), ("yarn", self.yarn.as_ref())].into_iter().filter_map(|(k, j)| j.map(|j| (k, j)))
    }

    /// Each declared kind's container, in the order of [`Jobs::KINDS`].
    pub fn workloads(&self) -> impl Iterator<Item = (&'static str, &Workload)> {
        self.spark_kinds().map(|(k, j)| (k, &j.workload)).chain(self.storm.as_ref().map(|s| ("storm", &s.workload)))
    }
}

#[derive(Clone, Debug)]
pub struct SparkJobs {
    pub workload: Workload,
    /// `--master` for `submit spark` and `submit spark-pi`.
    pub master: Text,
    /// The SparkPi program inside the image, and its main class for a jar.
    pub pi: String,
    pub pi_class: Option<String>,
    /// Run jobs on the node of this role's task (for node-local volumes such
    /// as the event log directory of a standalone history server).
    pub colocate: Option<String>,
    /// Extra `--conf key=value` for every job.
    pub conf: Vec<(String, Text)>,
    /// `--deploy-mode` (cluster for YARN: the driver runs in the application master).
    pub deploy_mode: Option<String>,
    /// The YARN ResourceManager's web port, where bdprov follows the
    /// application to its final status.
    pub tracking: Option<(String, String)>,
    pub span: Span,
}

/// How `bdprov submit storm` runs `storm jar`, and where `storm list` and
/// `storm kill` find the Storm UI's REST API.
#[derive(Clone, Debug)]
pub struct StormJobs {
    pub workload: Workload,
    /// `nimbus.seeds` for the submitting client.
    pub nimbus: Vec<Text>,
    /// The role running the Storm UI, and the name of its published port.
    pub ui_role: String,
    pub ui_port: String,
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_of_task_slots() {
        assert_eq!(for_slot("datanode-{{.Task.Slot}}", 5).as_deref(), Some("datanode-5"));
        assert_eq!(for_slot("dn-{{ .Task.Slot }}.{{.Node.ID}}", 2).as_deref(), Some("dn-2.{{.Node.ID}}"));
        assert_eq!(for_slot("namenode", 1), None);
        assert_eq!(for_slot("x-{{.Node.Hostname}}", 1), None);
    }
}
