//! What bdprov does with any cluster, whatever runs in it: apply a plan
//! (`up`: [`apply`], deciding each round in [`rounds`]), observe it (`status`,
//! [`ready`]), change it (`scale`, retiring members with [`decommission`]),
//! run one-shot jobs on it ([`crate::job`], used by [`hooks`] as by `submit`),
//! read it (`logs`), check its network (`doctor`) and remove it (`down`).
//! Every command that changes a cluster holds its [`lease`] while it does.
//! Knowledge of particular systems (WebHDFS, YARN, Spark, Storm,
//! ZooKeeper) is in [`crate::systems`]. All Docker access goes through
//! [`crate::engine`].

pub mod apply;
pub mod decommission;
pub mod doctor;
pub mod down;
pub mod dryrun;
pub mod failover;
pub mod figures;
pub mod hooks;
pub mod lease;
pub mod logs;
pub mod nodeloss;
pub mod ready;
pub mod rounds;
pub mod scale;
pub mod status;

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
            let known: Vec<&str> = clusters.iter().map(String::as_str).collect();
            let help = crate::diag::did_you_mean(&name, &known, None, || match known.is_empty() {
                true => "no bdprov cluster runs here; start one with `bdprov up BLUEPRINT`".to_string(),
                false => format!("clusters here: {}", clusters.join(", ")),
            });
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
