//! bdprov's view of swarm objects: tasks and their states, nodes, services'
//! endpoints, log lines. bollard's types become these at the engine's edge.

use std::collections::BTreeMap;

use bollard::models::{EndpointPortConfigPublishModeEnum, EndpointSpecModeEnum, TaskState as BollardTaskState};

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

pub use crate::plan::deploy::EndpointMode;

impl From<Option<EndpointSpecModeEnum>> for EndpointMode {
    fn from(m: Option<EndpointSpecModeEnum>) -> EndpointMode {
        match m {
            Some(EndpointSpecModeEnum::DNSRR) => EndpointMode::Dnsrr,
            _ => EndpointMode::Vip,
        }
    }
}

/// How a port is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishMode {
    /// Through the swarm's routing mesh, on every node (the swarm's default).
    Ingress,
    /// On the node a task runs on only.
    Host,
}

impl From<Option<EndpointPortConfigPublishModeEnum>> for PublishMode {
    fn from(m: Option<EndpointPortConfigPublishModeEnum>) -> PublishMode {
        match m {
            Some(EndpointPortConfigPublishModeEnum::HOST) => PublishMode::Host,
            _ => PublishMode::Ingress,
        }
    }
}

/// How a service of the cluster is reached, as the swarm has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSpec {
    pub service: String,
    pub mode: EndpointMode,
    /// Published ports and how each is published.
    pub ports: Vec<(i64, PublishMode)>,
}

/// One log line of a task.
pub struct LogLine {
    pub text: String,
    pub stderr: bool,
}
