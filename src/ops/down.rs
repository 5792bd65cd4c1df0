//! `down`: remove the cluster's services, configs and network. Volumes stay
//! unless asked for. Only objects labelled with this cluster are touched.

use serde::Serialize;

use crate::engine::Engine;
use crate::error::Result;
use crate::output::{Progress, State};

#[derive(Debug, Default, Serialize)]
pub struct Removed {
    pub services: Vec<String>,
    pub configs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    pub network: Option<String>,
    pub volumes_removed: Vec<String>,
    pub volumes_kept: Vec<String>,
    /// Nodes other than the engine's: their volumes are not listed (the
    /// Engine API lists a node's own volumes only).
    pub other_nodes: usize,
}

pub async fn down(engine: &Engine, cluster: &str, volumes: bool, progress: &dyn Progress) -> Result<Removed> {
    engine.manager().await?;
    let mut out = Removed::default();
    for svc in engine.cluster_services(cluster, true).await? {
        engine.remove_service(&svc.id).await?;
        progress.step(&svc.name, State::Removed, "");
        out.services.push(svc.name);
    }
    // Observers elsewhere (a monitoring cluster's scraper) leave the network first.
    for name in engine.observe_networks(Some(cluster)).await? {
        progress.note(&format!("{name} left the network (it restarts to leave)"));
    }
    if let Some(net) = engine.remove_cluster_network(cluster).await? {
        progress.step(&net, State::Removed, "network");
        out.network = Some(net);
    }
    for (name, id) in engine.cluster_configs(cluster).await? {
        engine.remove_config_when_free(&id).await?;
        out.configs.push(name);
    }
    for (name, id) in engine.cluster_secrets(cluster).await? {
        engine.remove_secret_when_free(&id).await?;
        progress.step(&name, State::Removed, "secret");
        out.secrets.push(name);
    }
    out.other_nodes = engine.nodes().await?.len().saturating_sub(1);
    let vols = engine.cluster_volumes(cluster).await?;
    if volumes {
        for v in vols {
            engine.remove_volume(&v).await?;
            progress.step(&v, State::Removed, "volume");
            out.volumes_removed.push(v);
        }
    } else {
        out.volumes_kept = vols;
    }
    Ok(out)
}
