//! bdprov's own records, kept on the swarm as configs: the plan `up` stored
//! for a cluster, and the hosts a role retired.

use base64::Engine as _;
use bollard::query_parameters::ListConfigsOptionsBuilder;

use super::{filters, kind, label, Engine};
use crate::error::{Error, Result};
use crate::plan::labels::{self, Kind};
use crate::plan::{ConfigDef, Plan};

/// A config bdprov keeps a record in.
struct Stored {
    id: String,
    name: String,
    created: String,
    data: Vec<u8>,
}

impl Engine {
    /// Names of the clusters bdprov runs on this swarm.
    pub async fn clusters(&self) -> Result<Vec<String>> {
        let opts = ListConfigsOptionsBuilder::default().filters(&filters(&[kind(Kind::State)])).build();
        let configs = self.docker.list_configs(Some(opts)).await.map_err(self.err("cannot list configs"))?;
        let mut names: Vec<String> =
            configs.into_iter().filter_map(|c| c.spec.and_then(|s| s.labels).and_then(|l| l.get(labels::CLUSTER).cloned())).collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Store the plan with the cluster (a swarm config), replacing older ones.
    pub async fn save_state(&self, plan: &Plan) -> Result<()> {
        let data = serde_json::to_string(plan).expect("plans serialize");
        let name = format!("{}.state-{}", plan.cluster, crate::plan::content_hash(&data));
        let existing = self.cluster_configs(&plan.cluster).await?;
        if !existing.iter().any(|(n, _)| n == &name) {
            let mut l = plan.labels(None);
            Kind::State.mark(&mut l);
            self.create_config(&ConfigDef { name: name.clone(), data, labels: l, artifact: None }).await?;
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
        let Some(state) = self.stored(&[label(labels::CLUSTER, cluster), kind(Kind::State)]).await?.pop() else {
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
        let lists = self.stored(&[label(labels::CLUSTER, cluster), kind(Kind::Retired), label(labels::ROLE, role)]).await?;
        let hosts = lists
            .last()
            .map(|l| String::from_utf8_lossy(&l.data).lines().map(str::trim).filter(|h| !h.is_empty()).map(String::from).collect());
        Ok((hosts.unwrap_or_default(), lists.into_iter().map(|l| (l.name, l.id)).collect()))
    }
}
