//! Services of a cluster: listing, creating, updating, removing them; their
//! tasks and the tasks' logs.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::query_parameters::{
    InspectServiceOptions, ListServicesOptionsBuilder, ListTasksOptionsBuilder, LogsOptionsBuilder, UpdateServiceOptionsBuilder,
};
use futures_util::{Stream, StreamExt};

use super::{conflict, filters, is_not_found, label, spec, EndpointSpec, Engine, LogLine, TaskInfo};
use crate::error::Result;
use crate::plan::diff::ObservedService;
use crate::plan::{labels, ServiceDef};
use crate::poll::{self, Seen};

impl Engine {
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
                if !jobs && labels::Kind::of(labels.iter()) == Some(labels::Kind::Job) {
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
                let ports =
                    ep.ports.unwrap_or_default().into_iter().map(|p| (p.published_port.unwrap_or(0), p.publish_mode.into())).collect();
                Some(EndpointSpec { service: spec.name?, mode: ep.mode.into(), ports })
            })
            .collect())
    }

    pub async fn create_service(&self, def: &ServiceDef, replicas: u64, config_ids: &HashMap<String, String>) -> Result<String> {
        let spec = self.with_observed_networks(def, spec::service_spec(def, replicas, config_ids)).await?;
        let r = self.docker.create_service(spec, None).await.map_err(self.err(&format!("cannot create service {}", def.name)))?;
        Ok(r.id.unwrap_or_default())
    }

    /// Replace the service's spec (a rolling update).
    pub async fn update_service(&self, def: &ServiceDef, replicas: u64, config_ids: &HashMap<String, String>) -> Result<()> {
        let spec = self.with_observed_networks(def, spec::service_spec(def, replicas, config_ids)).await?;
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
    pub(super) async fn update_with_retry(
        &self,
        name: &str,
        f: impl Fn(bollard::models::ServiceSpec) -> bollard::models::ServiceSpec,
    ) -> Result<()> {
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
            Err(e) => Err(super::error::Error::Other { what: "cannot read logs".into(), source: e }.into()),
        })
    }

    /// The last `n` lines of a task's log.
    pub async fn last_lines(&self, task_id: &str, n: u64) -> Vec<String> {
        let lines: Vec<Result<LogLine>> = self.task_logs(task_id, false, Some(n)).collect().await;
        lines.into_iter().filter_map(|l| l.ok()).flat_map(|l| l.text.lines().map(str::to_string).collect::<Vec<_>>()).collect()
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
}
