//! `submit`: one-shot jobs on a running cluster.

use super::{Job, SubmitArgs};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::ops::{self, storm::StormApp, submit::SparkApp};
use crate::output::reporter;

pub async fn submit(args: SubmitArgs) -> Result<()> {
    let engine = Engine::connect().await?;
    let plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
    let progress = reporter();
    let code = match args.job {
        Job::SparkPi { slices } => ops::submit::run_spark(&engine, &plan, ops::submit::SparkOn::Cluster, &SparkApp::Pi { slices }, progress.as_ref()).await?,
        Job::Spark { class, jar, py, args } => {
            let app = SparkApp::File { class, file: jar.or(py).expect("clap requires --jar or --py"), args };
            ops::submit::run_spark(&engine, &plan, ops::submit::SparkOn::Cluster, &app, progress.as_ref()).await?
        }
        Job::Storm { jar, class, name, args } => ops::storm::submit(&engine, &plan, &StormApp { jar, class, name, args }, progress.as_ref()).await?,
    };
    match code {
        0 => Ok(()),
        code => Err(Error::JobExit(code)),
    }
}
