//! `submit`: one-shot jobs on a running cluster.

use super::{Job, SubmitArgs};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::ops::{self, submit::SparkApp};
use crate::output::reporter;

pub async fn submit(args: SubmitArgs) -> Result<()> {
    let app = match args.job {
        Job::SparkPi { slices } => SparkApp::Pi { slices },
        Job::Spark { class, jar, py, args } => SparkApp::File { class, file: jar.or(py).expect("clap requires --jar or --py"), args },
    };
    let engine = Engine::connect().await?;
    let plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
    let progress = reporter();
    match ops::submit::run_spark(&engine, &plan, ops::submit::SparkOn::Cluster, &app, progress.as_ref()).await? {
        0 => Ok(()),
        code => Err(Error::JobExit(code)),
    }
}
