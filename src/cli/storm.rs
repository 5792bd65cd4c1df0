//! `storm list` and `storm kill`.

use std::time::Duration;

use super::{Output, StormArgs, StormCommand};
use crate::engine::Engine;
use crate::error::Result;
use crate::ops::{self, storm::Ui};
use crate::output::reporter;

/// How much longer than `--wait` a kill may take before bdprov gives up
/// waiting: Storm stops the workers after the wait, then forgets the topology.
const KILL_GRACE: Duration = Duration::from_secs(120);
const KILL_POLL: Duration = Duration::from_secs(1);

pub async fn storm(args: StormArgs) -> Result<()> {
    let ui = match &args.ui {
        Some(url) => Ui::at(url)?,
        None => {
            let engine = Engine::connect().await?;
            let plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
            Ui::of_cluster(&engine, &plan).await?
        }
    };
    match args.command {
        StormCommand::List { output } => {
            let topologies = ui.topologies().await?;
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&topologies).expect("topologies serialize")),
                Output::Table => print!("{}", ops::storm::table(&topologies)),
            }
        }
        StormCommand::Kill { topology, wait } => {
            let progress = reporter();
            let timeout = Duration::from_secs(wait.into()) + KILL_GRACE;
            let took = ui.kill(&topology, wait, timeout, KILL_POLL, progress.as_ref()).await?;
            println!("topology {topology} killed: Storm no longer lists it ({:.1}s)", took.as_secs_f64());
        }
    }
    Ok(())
}
