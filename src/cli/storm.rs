//! `storm list` and `storm kill`.

use std::time::Duration;

use super::{Output, StormArgs, StormCommand};
use crate::engine::{Choice, Engine};
use crate::error::Result;
use crate::ops;
use crate::output::reporter;
use crate::systems::storm::{self, Nimbus, Ui};

/// How much longer than `--wait` a kill may take before bdprov gives up
/// waiting: Storm stops the workers after the wait, then forgets the topology.
const KILL_GRACE: Duration = Duration::from_secs(120);
const KILL_POLL: Duration = Duration::from_secs(1);

pub async fn storm(args: StormArgs, choice: &Choice) -> Result<()> {
    let engine;
    let plan;
    let nimbus = match &args.ui {
        Some(url) => Nimbus::Ui(Ui::at(url)?),
        None => {
            engine = Engine::connect(choice).await?;
            plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
            if plan.jobs.storm.as_ref().is_some_and(|j| plan.service(&j.ui_role).is_some()) {
                // The UI is published read-only: reads there, the kill by
                // Storm's CLI in a job on the overlay.
                Nimbus::Both(Ui::of_cluster(&engine, &plan).await?, storm::Cli::of_cluster(&engine, &plan)?)
            } else {
                // No UI in this cluster (offline images): Storm's CLI, in jobs.
                Nimbus::Cli(storm::Cli::of_cluster(&engine, &plan)?)
            }
        }
    };
    let progress = reporter();
    match args.command {
        StormCommand::List { output } => {
            let topologies = nimbus.topologies(progress.as_ref()).await?;
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&topologies).expect("topologies serialize")),
                Output::Table => print!("{}", storm::table(&topologies)),
            }
        }
        StormCommand::Kill { topology, wait } => {
            let timeout = Duration::from_secs(wait.into()) + KILL_GRACE;
            let took = nimbus.kill(&topology, wait, timeout, KILL_POLL, progress.as_ref()).await?;
            println!("topology {topology} killed: Storm no longer lists it ({:.1}s)", took.as_secs_f64());
        }
    }
    Ok(())
}
