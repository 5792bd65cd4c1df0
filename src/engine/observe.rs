//! Roles that observe every cluster (`observe_clusters: true`, a scraper):
//! their services join the overlay network of every bdprov cluster on the
//! swarm. They are created (and updated) already attached to every network
//! that exists then, so a new observer does not restart right after it is
//! ready; `up` calls [`Engine::observe_networks`] once a cluster's network
//! exists, and `down` calls it, leaving the cluster's network out, before
//! removing it.

use bollard::models::{NetworkAttachmentConfig, ServiceSpec};
use bollard::query_parameters::{ListNetworksOptionsBuilder, ListServicesOptionsBuilder};

use super::{filters, Engine};
use crate::error::Result;
use crate::plan::{labels, ServiceDef};

/// A bdprov cluster's overlay network: (id, name).
type Network = (String, String);

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
        let wanted = self.cluster_networks(leaving).await?;
        let mut updated = Vec::new();
        for svc in observers {
            let Some(spec) = svc.spec else { continue };
            let Some(name) = spec.name.clone() else { continue };
            if targets(&attach(spec.clone(), &wanted)) == targets(&spec) {
                continue;
            }
            self.update_with_retry(&name, |spec| attach(spec, &wanted)).await?;
            updated.push(name);
        }
        Ok(updated)
    }

    /// `spec` of `def` as it is sent: an observer's joins every cluster's
    /// network that exists now.
    pub(super) async fn with_observed_networks(&self, def: &ServiceDef, spec: ServiceSpec) -> Result<ServiceSpec> {
        if !def.labels.contains_key(labels::OBSERVE) {
            return Ok(spec);
        }
        Ok(attach(spec, &self.cluster_networks(None).await?))
    }

    /// Every bdprov cluster's overlay network but that of `leaving`.
    async fn cluster_networks(&self, leaving: Option<&str>) -> Result<Vec<Network>> {
        let opts = ListNetworksOptionsBuilder::default().filters(&filters(&[("label", labels::CLUSTER.to_string())])).build();
        let networks = self.docker.list_networks(Some(opts)).await.map_err(self.err("cannot list networks"))?;
        let mut out: Vec<Network> = networks
            .into_iter()
            .filter(|n| n.scope.as_deref() == Some("swarm"))
            .filter(|n| leaving.is_none_or(|l| n.labels.as_ref().and_then(|ls| ls.get(labels::CLUSTER)).map(String::as_str) != Some(l)))
            .filter_map(|n| Some((n.id?, n.name.unwrap_or_default())))
            .collect();
        out.sort();
        Ok(out)
    }
}

/// The networks `spec` attaches to, as a set (the engine may list them in its own order).
fn targets(spec: &ServiceSpec) -> std::collections::BTreeSet<String> {
    let networks = spec.task_template.as_ref().and_then(|t| t.networks.as_ref());
    networks.into_iter().flatten().filter_map(|n| n.target.clone()).collect()
}

/// `spec` attached to exactly the networks `wanted`, in their order; an
/// attachment it already had (named by id or by name) is kept as it was,
/// aliases included (the role's names on its own network).
fn attach(mut spec: ServiceSpec, wanted: &[Network]) -> ServiceSpec {
    if let Some(t) = spec.task_template.as_mut() {
        let old = t.networks.take().unwrap_or_default();
        let had = |id: &str, name: &str| old.iter().find(|n| n.target.as_deref().is_some_and(|t| t == id || t == name)).cloned();
        t.networks = Some(
            wanted
                .iter()
                .map(|(id, name)| had(id, name).unwrap_or(NetworkAttachmentConfig { target: Some(id.clone()), ..Default::default() }))
                .collect(),
        );
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::TaskSpec;

    fn spec(targets: &[(&str, &[&str])]) -> ServiceSpec {
        let networks = targets
            .iter()
            .map(|(t, aliases)| NetworkAttachmentConfig {
                target: Some(t.to_string()),
                aliases: Some(aliases.iter().map(|a| a.to_string()).collect()),
                ..Default::default()
            })
            .collect();
        ServiceSpec { task_template: Some(TaskSpec { networks: Some(networks), ..Default::default() }), ..Default::default() }
    }

    fn attached(spec: &ServiceSpec) -> Vec<(String, Vec<String>)> {
        let networks = spec.task_template.as_ref().unwrap().networks.as_ref().unwrap();
        networks.iter().map(|n| (n.target.clone().unwrap(), n.aliases.clone().unwrap_or_default())).collect()
    }

    #[test]
    fn an_observer_joins_every_network_and_keeps_its_own_aliases() {
        let wanted = [("id-a".to_string(), "a".to_string()), ("id-mon".to_string(), "mon".to_string())];
        // As planned: its own network by name, with the role's alias.
        let created = attach(spec(&[("mon", &["prometheus"])]), &wanted);
        assert_eq!(attached(&created), [("id-a".to_string(), vec![]), ("mon".to_string(), vec!["prometheus".to_string()])]);
        // Attached already: nothing changes, so nothing restarts.
        assert_eq!(attach(created.clone(), &wanted), created);
        assert_eq!(targets(&created), ["id-a".to_string(), "mon".to_string()].into());
        // A cluster going down: its network is left, the others kept as they were.
        let left = attach(created, &wanted[1..]);
        assert_eq!(attached(&left), [("mon".to_string(), vec!["prometheus".to_string()])]);
    }
}
