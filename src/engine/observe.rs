//! Roles that observe every cluster (`observe_clusters: true`, a scraper):
//! their services join the overlay network of every bdprov cluster on the
//! swarm. `up` calls [`Engine::observe_networks`] once a cluster's network
//! exists, and `down` calls it, leaving the cluster's network out, before
//! removing it.

use std::collections::BTreeSet;

use bollard::models::NetworkAttachmentConfig;
use bollard::query_parameters::{ListNetworksOptionsBuilder, ListServicesOptionsBuilder};

use super::{filters, Engine};
use crate::error::Result;
use crate::plan::labels;

impl Engine {
    /// Attach every observing service to every bdprov cluster's network but
    /// that of `leaving` (a cluster going down), and detach it from the
    /// others. A service whose networks already match is left alone (an
    /// update restarts its task). Returns the services updated.
    pub async fn observe_networks(&self, leaving: Option<&str>) -> Result<Vec<String>> {
        let opts = ListServicesOptionsBuilder::default().filters(&filters(&[("label", labels::OBSERVE.to_string())])).build();
        let observers = self.docker.list_services(Some(opts)).await.map_err(self.err("cannot list services"))?;
        if observers.is_empty() {
            return Ok(Vec::new());
        }
        let opts = ListNetworksOptionsBuilder::default().filters(&filters(&[("label", labels::CLUSTER.to_string())])).build();
        let networks = self.docker.list_networks(Some(opts)).await.map_err(self.err("cannot list networks"))?;
        let wanted: BTreeSet<String> = networks
            .into_iter()
            .filter(|n| n.scope.as_deref() == Some("swarm"))
            .filter(|n| leaving.is_none_or(|l| n.labels.as_ref().and_then(|ls| ls.get(labels::CLUSTER)).map(String::as_str) != Some(l)))
            .filter_map(|n| n.id)
            .collect();
        let mut updated = Vec::new();
        for svc in observers {
            let Some(name) = svc.spec.as_ref().and_then(|s| s.name.clone()) else { continue };
            let current: BTreeSet<String> = svc
                .spec
                .as_ref()
                .and_then(|s| s.task_template.as_ref())
                .and_then(|t| t.networks.as_ref())
                .map(|ns| ns.iter().filter_map(|n| n.target.clone()).collect())
                .unwrap_or_default();
            if current == wanted {
                continue;
            }
            self.update_with_retry(&name, |mut spec| {
                if let Some(t) = spec.task_template.as_mut() {
                    let old = t.networks.take().unwrap_or_default();
                    // Keep the aliases a network already had (the role's names on its own network).
                    t.networks = Some(
                        wanted
                            .iter()
                            .map(|id| {
                                old.iter()
                                    .find(|n| n.target.as_deref() == Some(id))
                                    .cloned()
                                    .unwrap_or(NetworkAttachmentConfig { target: Some(id.clone()), ..Default::default() })
                            })
                            .collect(),
                    );
                }
                spec
            })
            .await?;
            updated.push(name);
        }
        Ok(updated)
    }
}
