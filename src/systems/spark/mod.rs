//! Spark: `submit spark` and `submit yarn` run spark-submit once, as a
//! one-shot job ([`crate::job`]) on the cluster's network, with the
//! blueprint's job settings (`jobs.spark`, `jobs.yarn`). Where the blueprint
//! says how to follow applications, the YARN application spark-submit
//! started is followed to its end ([`super::yarn`]).
//!
//! The command line and the memory checks are pure. Before the job is
//! created, [`preflight`] asks the cluster whether it can ever run, and
//! while it runs says why it waits.

use std::path::PathBuf;
use std::time::Duration;

use super::yarn;
use crate::blueprint::SparkJobs;
use crate::diag::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::job::{self, Echo, Job, Upload};
use crate::output::Progress;
use crate::plan::build::Planner;
use crate::plan::{DeployMode, Plan, SparkJobDef};
use crate::systems::preflight::Explained;
use memory::{self as spark, Jvm};

pub mod figures;
pub mod memory;
pub mod preflight;

#[derive(Clone, Debug)]
pub enum SparkApp {
    /// SparkPi from the image's examples.
    Pi { slices: u32 },
    /// The user's jar (with a main class) or Python file.
    File { class: Option<String>, file: PathBuf, args: Vec<String> },
}

/// `--executor-memory` and `--driver-memory` as given to `submit`.
#[derive(Clone, Debug, Default)]
pub struct JobMemory {
    pub executor: Option<String>,
    pub driver: Option<String>,
}

/// Refuse memory Spark would refuse, or that no worker or YARN container
/// could hold (the limits `render` recorded in the plan), before anything runs.
pub fn check_memory(job: &SparkJobDef, memory: &JobMemory) -> std::result::Result<(), Diagnostics> {
    let overhead = |key: &str| job.conf.iter().find(|(k, _)| k == key).and_then(|(_, v)| spark::parse_memory(v));
    let in_container = job.master == "yarn" && job.deploy_mode == Some(DeployMode::Cluster);
    let mut errs = Diagnostics::default();
    for (flag, given, jvm, overhead) in [
        ("--executor-memory", &memory.executor, Jvm::Executor, overhead("spark.executor.memoryOverhead")),
        ("--driver-memory", &memory.driver, Jvm::Driver { in_container }, overhead("spark.driver.memoryOverhead")),
    ] {
        let Some(given) = given else { continue };
        let at = Span::whole(&SourceFile::new(flag, given.as_str()));
        let problem = match spark::parse_memory(given) {
            None => Some((format!("`{given}` is not a memory size"), "write a size such as 512m or 1g".to_string())),
            Some(bytes) => spark::check(jvm, bytes, overhead, &job.limits),
        };
        if let Some((problem, help)) = problem {
            errs.push(Diagnostic::at(&at, format!("{flag}: {problem}")).help(help));
        }
    }
    errs.finish(())
}

/// The spark-submit command line for `app` with the blueprint's job settings.
pub fn spark_command(job: &SparkJobDef, app: &SparkApp, memory: &JobMemory, upload: Option<&Upload>) -> Vec<String> {
    let mut cmd = vec!["/opt/spark/bin/spark-submit".to_string(), "--master".into(), job.master.clone()];
    if let Some(mode) = job.deploy_mode {
        cmd.push("--deploy-mode".into());
        cmd.push(mode.as_str().to_string());
    }
    for (flag, given) in [("--executor-memory", &memory.executor), ("--driver-memory", &memory.driver)] {
        if let Some(m) = given {
            cmd.extend([flag.to_string(), m.clone()]);
        }
    }
    for (k, v) in &job.conf {
        cmd.push("--conf".into());
        cmd.push(format!("{k}={v}"));
    }
    let (class, file, args) = match app {
        SparkApp::Pi { slices } => {
            cmd.extend(["--name".to_string(), "SparkPi".to_string()]);
            (job.pi_class.as_ref(), job.pi.clone(), vec![slices.to_string()])
        }
        SparkApp::File { class, args, .. } => (class.as_ref(), upload.map(Upload::path).expect("files are uploaded"), args.clone()),
    };
    if let Some(c) = class {
        cmd.extend(["--class".to_string(), c.clone()]);
    }
    cmd.push(file);
    cmd.extend(args);
    with_driver_secret(job, cmd)
}

/// Where a standalone driver's secret goes: a file only the job's user reads.
const DRIVER_SECRET_CONF: &str = "/tmp/bdprov-spark-auth.conf";

/// A driver on a standalone master must have `spark.authenticate.secret` in
/// its configuration: Spark 4 reads `spark.authenticate.secret.file` only on
/// Kubernetes. The blueprint names the file with that key; the job's command
/// first copies the file's content into a private properties file (mode
/// 0600), read with `--properties-file` (and spark-defaults.conf with
/// `--load-spark-defaults`), so the secret is in no command line or
/// environment. The master and workers take it from `_SPARK_AUTH_SECRET`
/// (how Spark itself hands it to executors), set from the same file.
/// On YARN Spark makes a secret per application itself.
fn with_driver_secret(job: &SparkJobDef, cmd: Vec<String>) -> Vec<String> {
    let conf = |key: &str| job.conf.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let (Some("true"), Some(file), true) =
        (conf("spark.authenticate"), conf("spark.authenticate.secret.file"), job.master.starts_with("spark://"))
    else {
        return cmd;
    };
    let script = format!(
        "umask 077 && s=$(cat {file}) && printf 'spark.authenticate.secret %s\\n' \"$s\" > {DRIVER_SECRET_CONF} && exec \"$@\"",
        file = crate::job::sh_quote(file)
    );
    let mut out = vec!["/bin/sh".to_string(), "-c".into(), script, "spark-submit".into(), cmd[0].clone()];
    out.extend(["--properties-file".to_string(), DRIVER_SECRET_CONF.to_string(), "--load-spark-defaults".to_string()]);
    // The file setting is bdprov's; Spark on a standalone master ignores it.
    let file_conf = format!("spark.authenticate.secret.file={file}");
    let mut rest = cmd.into_iter().skip(1).peekable();
    while let Some(a) = rest.next() {
        if a == "--conf" && rest.peek() == Some(&file_conf) {
            rest.next();
            continue;
        }
        out.push(a);
    }
    out
}

/// Which of the blueprint's Spark job settings a submission uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SparkOn {
    /// The cluster's own master (`jobs.spark`).
    Cluster,
    /// YARN (`jobs.yarn`).
    Yarn,
}

/// How a submission ended.
#[derive(Clone, Debug)]
pub struct Submitted {
    /// spark-submit's exit code.
    pub code: i32,
    /// Where the blueprint says how to follow applications (YARN): the
    /// application, as the ResourceManager last reported it (final).
    pub application: Option<yarn::App>,
    /// Why the application waited, when it did longer than `BDPROV_EXECUTOR_WAIT`.
    pub explained: Option<String>,
}

/// Run a job, streaming its output, and follow the application it submitted
/// when the blueprint says where (YARN's ResourceManager).
pub async fn run_spark(
    engine: &Engine,
    plan: &Plan,
    on: SparkOn,
    app: &SparkApp,
    memory: &JobMemory,
    progress: &dyn Progress,
) -> Result<Submitted> {
    let job = match on {
        SparkOn::Cluster => plan.jobs.spark.as_ref().ok_or_else(|| job::no_jobs(plan, "spark"))?,
        SparkOn::Yarn => plan.jobs.yarn.as_ref().ok_or_else(|| job::no_jobs(plan, "yarn"))?,
    };
    check_memory(job, memory).map_err(Error::Input)?;
    // Refused here when the cluster can never give it resources.
    let checked = preflight::check(engine, plan, on, job, memory, progress).await?;
    let upload = match app {
        SparkApp::File { file, .. } => Some(job::read_upload(file)?),
        SparkApp::Pi { .. } => None,
    };
    let kind = match (on, app) {
        (SparkOn::Cluster, SparkApp::Pi { .. }) => "spark-pi",
        (SparkOn::Cluster, _) => "spark",
        (SparkOn::Yarn, SparkApp::Pi { .. }) => "yarn-pi",
        (SparkOn::Yarn, _) => "yarn",
    };
    // On YARN the application is found by its tag (the ResourceManager
    // lowercases tags) before spark-submit prints its id, and after.
    let tag = format!("bdprov-{}", job::job_id());
    let tagged;
    let job = if job.master == "yarn" {
        tagged = with_tag(job, &tag);
        &tagged
    } else {
        job
    };
    let command = spark_command(job, app, memory, upload.as_ref());
    let template = job::colocated(engine, plan, &job.template, job.colocate.as_deref()).await?;
    let echo = if job.tracking.is_some() { Echo::Tee } else { Echo::Stream };
    let base = match &checked {
        preflight::Checked::Yarn { base, .. } => Some(base.clone()),
        _ => None,
    };
    let undo: Option<job::Undo<'_>> = (job.master == "yarn").then(|| {
        let (base, tag) = (base.clone(), tag.clone());
        Box::new(move |output: Vec<String>| {
            let (base, tag) = (base.clone(), tag.clone());
            Box::pin(async move { yarn::kill_submitted(engine, plan, base.as_deref(), &tag, &output, progress).await })
                as std::pin::Pin<Box<dyn std::future::Future<Output = String> + '_>>
        }) as job::Undo<'_>
    });
    let explained = Explained::default();
    let wait = preflight::executor_wait();
    let watch = || preflight::watch(engine, &checked, &plan.cluster, &tag, wait, &explained, progress);
    let options = job::Options { undo, ..Default::default() };
    let ran = tokio::select! {
        r = job::run(engine, plan, Job::new(&template, kind, command).upload(upload.as_ref()).echo(echo).options(options), progress) => r,
        never = watch() => match never {},
    };
    let (code, output) = ran.map_err(|e| with_explanation(e, &explained))?;
    let Some(tracking) = job.tracking.as_ref().filter(|_| code == 0) else {
        return Ok(Submitted { code, application: None, explained: explained.last() });
    };
    let id = yarn::application_id(&output).ok_or_else(|| {
        Error::help(
            "spark-submit exited 0 but printed no YARN application id",
            "its log level must show the Client's INFO lines (spark-submit's default)",
        )
    })?;
    // Every ResourceManager's front, the one the preflight asked first.
    let mut bases = engine.reach_all(tracking).await?;
    if let Some(b) = base {
        bases.retain(|x| *x != b);
        bases.insert(0, b);
    }
    let Some(base) = bases.first().cloned() else {
        return Err(Error::help(format!("role `{}` has no running task to ask", tracking.role), "check `bdprov status`"));
    };
    // spark-submit has ended; the application runs on in YARN until it is followed to its end or killed.
    let held = crate::signals::hold(format!(
        "YARN application {id} (kill it with `yarn application -kill {id}` in a container on the cluster's network)"
    ));
    let client = crate::http::client();
    let refind = async || engine.reach_all(tracking).await.unwrap_or_default();
    let application = tokio::select! {
        r = yarn::follow(&client, bases, refind, &id, progress, Duration::from_secs(1)) => r,
        never = watch() => match never {},
        signal = crate::signals::interrupted() => {
            let report = yarn::kill(engine, plan, Some(&base), std::slice::from_ref(&id), progress).await;
            drop(held);
            let e = Error::Interrupted { signal, report: format!("{report}; its job had ended after submitting it"), help: None };
            return Err(with_explanation(e, &explained));
        }
    };
    drop(held);
    Ok(Submitted { code, application: Some(application?), explained: explained.last() })
}

/// The job settings with `tag` added to `spark.yarn.tags`.
fn with_tag(job: &SparkJobDef, tag: &str) -> SparkJobDef {
    let mut job = job.clone();
    match job.conf.iter_mut().find(|(k, _)| k == "spark.yarn.tags") {
        Some((_, v)) => *v = format!("{v},{tag}"),
        None => job.conf.push(("spark.yarn.tags".into(), tag.to_string())),
    }
    job
}

/// An interruption's message, with why the application was waiting.
fn with_explanation(e: Error, explained: &Explained) -> Error {
    match (e, explained.last()) {
        (Error::Interrupted { signal, report, help }, Some(why)) => {
            Error::Interrupted { signal, report: format!("{report}\n  it was waiting: {why}"), help }
        }
        (e, _) => e,
    }
}

/// What the blueprint's `jobs.<kind>` section of a spark-submit kind
/// (`spark`, `yarn`) becomes in the plan. Its limits are recorded later, by
/// [`memory::check_plan`].
pub fn plan_jobs(p: &mut Planner, sj: &SparkJobs, kind: &str) -> SparkJobDef {
    let template = p.job_template(&sj.workload, &format!("jobs.{kind}"));
    let master = p.text(&sj.master);
    // A setting that renders empty is left unset (one that only some
    // image sets need).
    let conf = sj.conf.iter().map(|(k, v)| (k.clone(), p.text(v))).filter(|(_, v)| !v.is_empty()).collect();
    SparkJobDef {
        template,
        master,
        pi: sj.pi.clone(),
        pi_class: sj.pi_class.clone(),
        colocate: sj.colocate.clone(),
        conf,
        deploy_mode: sj.deploy_mode.as_deref().map(DeployMode::from_blueprint),
        tracking: sj.tracking.as_ref().map(|(role, port)| p.endpoint(role, port)),
        limits: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ServiceDef;

    fn job(master: &str, limits: spark::SparkLimits) -> SparkJobDef {
        let deploy_mode = (master == "yarn").then_some(DeployMode::Cluster);
        SparkJobDef {
            template: ServiceDef::default(),
            master: master.into(),
            pi: String::new(),
            pi_class: None,
            colocate: None,
            conf: vec![],
            deploy_mode,
            tracking: None,
            limits,
        }
    }

    fn memory(executor: Option<&str>, driver: Option<&str>) -> JobMemory {
        JobMemory { executor: executor.map(String::from), driver: driver.map(String::from) }
    }

    #[test]
    fn job_memory_below_spark_minimum_or_above_a_worker_is_refused() {
        let standalone = job("spark://master:7077", spark::SparkLimits { worker_memory: Some(1 << 30), ..Default::default() });
        assert!(check_memory(&standalone, &memory(Some("1g"), Some("2g"))).is_ok(), "the driver does not run on a worker");
        let text = check_memory(&standalone, &memory(Some("384m"), Some("300m"))).unwrap_err().to_string();
        assert!(text.contains("--executor-memory: 384m is below Spark's minimum executor memory of 450m"), "{text}");
        assert!(text.contains("--driver-memory: 300m is below Spark's minimum driver memory of 450m"), "{text}");
        assert!(text.contains("help: give the executor at least 450m"), "{text}");
        let text = check_memory(&standalone, &memory(Some("2g"), None)).unwrap_err().to_string();
        assert!(text.contains("--executor-memory: 2g is more than a worker offers (1g)") && text.contains("ask for at most 1g"), "{text}");
        let text = check_memory(&standalone, &memory(Some("lots"), None)).unwrap_err().to_string();
        assert!(text.contains("`lots` is not a memory size"), "{text}");
    }

    #[test]
    fn job_memory_must_fit_a_yarn_container() {
        let limits = spark::SparkLimits {
            container: Some((2 << 30, "yarn.scheduler.maximum-allocation-mb".into())),
            min_allocation: Some(256 << 20),
            ..Default::default()
        };
        let mut yarn = job("yarn", limits);
        assert!(check_memory(&yarn, &memory(Some("1536m"), Some("1g"))).is_ok());
        let text = check_memory(&yarn, &memory(None, Some("1800m"))).unwrap_err().to_string();
        assert!(text.contains("--driver-memory: 1800m makes a YARN container of 2304m"), "{text}");
        // An overhead the blueprint sets counts instead of Spark's default.
        yarn.conf.push(("spark.executor.memoryOverhead".into(), "1g".into()));
        let text = check_memory(&yarn, &memory(Some("1200m"), None)).unwrap_err().to_string();
        assert!(text.contains("container of 2304m with its overhead (1g)"), "{text}");
    }

    #[test]
    fn job_memory_reaches_spark_submit() {
        let cmd = spark_command(&job("yarn", Default::default()), &SparkApp::Pi { slices: 2 }, &memory(Some("1g"), Some("768m")), None);
        let at = cmd.iter().position(|a| a == "--executor-memory").unwrap();
        assert_eq!(cmd[at + 1], "1g");
        let at = cmd.iter().position(|a| a == "--driver-memory").unwrap();
        assert_eq!(cmd[at + 1], "768m");
    }

    #[test]
    fn a_standalone_driver_reads_its_secret_from_a_private_file() {
        let mut standalone = job("spark://master:7077", Default::default());
        standalone.conf =
            vec![("spark.authenticate".into(), "true".into()), ("spark.authenticate.secret.file".into(), "/run/secrets/spark-auth".into())];
        let cmd = spark_command(&standalone, &SparkApp::Pi { slices: 2 }, &JobMemory::default(), None);
        assert_eq!(cmd[..2], ["/bin/sh", "-c"]);
        assert!(cmd[2].starts_with("umask 077 && s=$(cat /run/secrets/spark-auth) && "), "{}", cmd[2]);
        assert!(!cmd.iter().any(|a| a.starts_with("spark.authenticate.secret.file")), "{cmd:?}");
        assert!(cmd.windows(2).any(|w| w == ["--conf", "spark.authenticate=true"]), "{cmd:?}");
        assert!(cmd[2].ends_with(&format!("> {DRIVER_SECRET_CONF} && exec \"$@\"")), "{}", cmd[2]);
        assert_eq!(cmd[4..8], ["/opt/spark/bin/spark-submit", "--properties-file", DRIVER_SECRET_CONF, "--load-spark-defaults"]);
        // YARN makes its own secret per application: no file, no wrapper.
        let mut yarn = job("yarn", Default::default());
        yarn.conf = vec![("spark.authenticate".into(), "true".into())];
        assert_eq!(spark_command(&yarn, &SparkApp::Pi { slices: 2 }, &JobMemory::default(), None)[0], "/opt/spark/bin/spark-submit");
    }
}
