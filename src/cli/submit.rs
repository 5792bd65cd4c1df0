//! `submit`: one-shot jobs on a running cluster.

use super::{Job, Master, SubmitArgs};
use crate::engine::{Choice, Engine};
use crate::error::{Error, Result};
use crate::ops;
use crate::output::reporter;
use crate::systems::spark::{self, JobMemory, SparkApp, SparkOn};
use crate::systems::storm::{self, StormApp};

pub async fn submit(args: SubmitArgs, choice: &Choice) -> Result<()> {
    let (on, app, memory) = match args.job {
        Job::SparkPi { slices, master: Master::Standalone, memory } => (SparkOn::Cluster, SparkApp::Pi { slices }, memory),
        Job::SparkPi { slices, master: Master::Yarn, memory } => (SparkOn::Yarn, SparkApp::Pi { slices }, memory),
        Job::Spark { class, jar, py, memory, args } => {
            (SparkOn::Cluster, SparkApp::File { class, file: jar.or(py).expect("clap requires --jar or --py"), args }, memory)
        }
        Job::Yarn { class, jar, py, memory, args } => {
            (SparkOn::Yarn, SparkApp::File { class, file: jar.or(py).expect("clap requires --jar or --py"), args }, memory)
        }
        Job::Storm { jar, class, name, args: app_args } => {
            let engine = Engine::connect(choice).await?;
            let plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
            let progress = reporter();
            let code = storm::submit(&engine, &plan, &StormApp { jar, class, name, args: app_args }, progress.as_ref()).await?;
            return exit(code);
        }
    };
    let engine = Engine::connect(choice).await?;
    let plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
    let progress = reporter();
    let memory = JobMemory { executor: memory.executor_memory, driver: memory.driver_memory };
    let out = spark::run_spark(&engine, &plan, on, &app, &memory, progress.as_ref()).await?;
    match out.application {
        Some(a) if a.succeeded() => {
            println!("application {} finished: {}", a.id, a.final_status);
            Ok(())
        }
        Some(a) => {
            let mut why = if a.diagnostics.trim().is_empty() { String::new() } else { format!(": {}", a.diagnostics.trim()) };
            if let Some(waited) = &out.explained {
                why.push_str(&format!("\n  it had waited: {waited}"));
            }
            let ui = a.tracking_url.map(|u| format!(" ({u})")).unwrap_or_default();
            Err(Error::help(
                format!("application {} ended {} with final status {}{why}", a.id, a.state, a.final_status),
                format!("its container logs are kept by the NodeManagers; the ResourceManager's web UI links to them{ui}"),
            ))
        }
        None => exit(out.code),
    }
}

fn exit(code: i32) -> Result<()> {
    match code {
        0 => Ok(()),
        code => Err(Error::JobExit(code)),
    }
}
