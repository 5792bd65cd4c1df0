//! The swarm itself: whether this engine manages one, making one, its nodes.

use std::collections::BTreeMap;

use bollard::models::{LocalNodeState, NodeSpecAvailabilityEnum, NodeSpecRoleEnum, NodeState, SwarmInitRequest};
use bollard::query_parameters::ListNodesOptions;

use super::context::endpoint_host;
use super::{Availability, Engine, NodeCondition, NodeInfo, TaskState};
use crate::error::{Error, Result};
use crate::plan::EndpointDef;

impl Engine {
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

    /// The base URL of a role's published port (`http://10.0.0.5:9870`), at
    /// the node of a running task: how bdprov talks to a role's API, as
    /// probes do.
    pub async fn reach(&self, ep: &EndpointDef) -> Result<String> {
        self.reach_all(ep).await?.into_iter().next().ok_or_else(|| {
            Error::help(format!("role `{}` has no running task to ask", ep.role), "check `bdprov status`; `bdprov up` restores the cluster")
        })
    }

    /// The base URLs of every member of the role that has a running task,
    /// first member first: where a caller that needs the active member of a
    /// pair looks.
    pub async fn reach_all(&self, ep: &EndpointDef) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (service, port) in ep.candidates() {
            if let Some(n) = self.running_nodes(&service).await?.into_iter().next() {
                out.push(format!("http://{}:{port}", n.addr));
            }
        }
        Ok(out)
    }
}
