//! Networks, configs and volumes of a cluster, and what the swarm has of a plan.

use std::collections::BTreeMap;

use base64::Engine as _;
use bollard::models::{ConfigSpec, NetworkCreateRequest};
use bollard::query_parameters::{
    InspectServiceOptions, ListConfigsOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, RemoveVolumeOptionsBuilder,
};

use super::{filters, is_not_found, label, Engine, RETRY_EVERY, UNTIL_FREE};
use crate::error::{Error, Result};
use crate::plan::diff::Observed;
use crate::plan::{labels, ConfigDef, NetworkDef, Plan};
use crate::poll::{self, Seen};

impl Engine {
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

    pub async fn image_exists(&self, image: &str) -> Result<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(self.err(&format!("cannot inspect image {image}"))(e)),
        }
    }
}
