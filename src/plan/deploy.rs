//! How the swarm runs the services of a plan: one policy, written to the
//! swarm by [`crate::engine::spec`] and into compose files by
//! [`super::compose`], so the two never differ.

/// Seconds the swarm waits before restarting a daemon's task that ended.
pub const RESTART_DELAY_SECS: u64 = 2;

/// Tasks of a daemon replaced at once in a rolling update (jobs are never
/// updated). Stateful daemons with host ports: one at a time.
pub const UPDATE_PARALLELISM: u64 = 1;

/// Whether an update stops the old task before starting its replacement.
pub const UPDATE_ORDER: UpdateOrder = UpdateOrder::StopFirst;

/// What the swarm does when an updated task fails.
pub const UPDATE_FAILURE: FailureAction = FailureAction::Pause;

/// How a service's tasks are found by name: DNS round robin (no virtual IP;
/// ports are published in host mode, never through the ingress mesh).
pub const ENDPOINT_MODE: EndpointMode = EndpointMode::Dnsrr;

/// The swarm's orders of replacing a task in an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOrder {
    /// The old task first (a host port or a volume is free for the new one).
    StopFirst,
    /// The new task first, then the old one goes.
    StartFirst,
}

impl UpdateOrder {
    /// As compose files and the docker CLI write it.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateOrder::StopFirst => "stop-first",
            UpdateOrder::StartFirst => "start-first",
        }
    }
}

/// What the swarm does when an update fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureAction {
    /// Stop updating; what was replaced stays replaced.
    Pause,
    /// Go on with the next tasks.
    Continue,
    /// Roll back to the previous spec.
    Rollback,
}

impl FailureAction {
    /// As compose files and the docker CLI write it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureAction::Pause => "pause",
            FailureAction::Continue => "continue",
            FailureAction::Rollback => "rollback",
        }
    }
}

/// How a service's tasks are found by name on its networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointMode {
    /// A virtual IP in front of the tasks (the swarm's default).
    Vip,
    /// DNS round robin over the tasks' own addresses.
    Dnsrr,
}

impl EndpointMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointMode::Vip => "vip",
            EndpointMode::Dnsrr => "dnsrr",
        }
    }
}

impl std::fmt::Display for EndpointMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}
