//! What bdprov does with a cluster: apply a plan (`up`), observe it
//! (`status`), change it (`scale`), run jobs on it (`submit`), read it
//! (`logs`), remove it (`down`), and manage Storm topologies (`storm`). All
//! Docker access goes through [`crate::engine`].

pub mod apply;
pub mod decommission;
pub mod doctor;
pub mod down;
pub mod dryrun;
pub mod hooks;
pub mod logs;
pub mod preflight;
pub mod ready;
pub mod scale;
pub mod status;
pub mod storm;
pub mod submit;
pub mod webhdfs;
pub mod yarn;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::plan::Plan;

/// The cluster to act on: the one named, else the only one running.
pub async fn pick_cluster(engine: &Engine, name: Option<&str>) -> Result<Plan> {
    engine.manager().await?;
    let clusters = engine.clusters().await?;
    let name = match (name, clusters.as_slice()) {
        (Some(n), _) => n.to_string(),
        (None, []) => return Err(Error::help("no bdprov cluster runs on this swarm", "start one with `bdprov up spark-standalone`")),
        (None, [only]) => only.clone(),
        (None, many) => {
            return Err(Error::input(format!("{} clusters run here: {}", many.len(), many.join(", ")), "name the one you mean"))
        }
    };
    match engine.load_state(&name).await? {
        Some(plan) => Ok(plan),
        None => {
            let help = match crate::diag::suggest(&name, clusters.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None if clusters.is_empty() => "no bdprov cluster runs here; start one with `bdprov up BLUEPRINT`".to_string(),
                None => format!("clusters here: {}", clusters.join(", ")),
            };
            Err(Error::input(format!("no cluster `{name}` on this swarm"), help))
        }
    }
}

/// Where the `registry` blueprint's registry answers: its node's address and
/// published port (the address every node pulls from).
pub async fn registry_address(engine: &Engine) -> Result<String> {
    engine.manager().await?;
    for cluster in engine.clusters().await? {
        let Some(plan) = engine.load_state(&cluster).await? else { continue };
        if plan.blueprint != "registry" {
            continue;
        }
        let Some(svc) = plan.services.first() else { continue };
        let Some(port) = svc.ports.iter().find_map(|p| p.published) else { continue };
        if let Some(node) = engine.running_nodes(&svc.name).await?.into_iter().next() {
            return Ok(format!("{}:{port}", node.addr));
        }
    }
    Err(Error::help("no registry runs on this swarm", "start one with `bdprov up registry --images local`, or pass --registry HOST:PORT"))
}
