//! One-shot jobs: the generic runner that `submit` (Spark, Storm), hooks,
//! decommission steps and the Storm CLI all use. A job is a swarm service
//! in `replicated-job` mode on the cluster's network, made from a blueprint's
//! job template; bdprov streams (or keeps) its output, returns its exit code,
//! and removes what it created.
//!
//! Files from the user's machine reach the job without a shared filesystem
//! or a registry: bdprov cuts the file into swarm configs (at most 900 KB
//! each, the swarm keeps them in its replicated store), mounts them into the
//! job, and the job joins them and checks their SHA-256 before it starts.
//! The configs are removed with the job. This works on any node of a
//! multi-node swarm, for files of tens of MB.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::engine::{Engine, TaskInfo, TaskState};
use crate::error::{Error, Result};
use crate::output::{Progress, State};
use crate::plan::{labels, ConfigDef, ConfigMount, MountDef, Plan, ServiceDef};

/// How long a job may wait to be placed on a node.
const PLACEMENT_LIMIT: Duration = Duration::from_secs(180);

/// Bytes per upload config; the swarm refuses configs of 1000 KiB and more.
pub const CHUNK: usize = 900_000;
const UPLOAD_DIR: &str = "/bdprov/upload";

/// A file for the job, cut into configs.
pub struct Upload {
    pub name: String,
    pub sha256: String,
    pub parts: Vec<Vec<u8>>,
}

impl Upload {
    pub fn new(name: &str, data: &[u8]) -> Upload {
        Upload {
            name: name.to_string(),
            sha256: hex::encode(Sha256::digest(data)),
            parts: data.chunks(CHUNK).map(<[u8]>::to_vec).collect(),
        }
    }

    /// Where the joined file is inside the job.
    pub fn path(&self) -> String {
        format!("/tmp/bdprov-{}", self.name)
    }

    /// The shell lines that put the file together and check it.
    pub fn script(&self) -> String {
        format!(
            "cat {UPLOAD_DIR}/part-* > {p} && echo '{sum}  {p}' | sha256sum -c --quiet - >&2",
            p = sh_quote(&self.path()),
            sum = self.sha256
        )
    }
}

/// Quote for /bin/sh.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

pub(crate) fn no_jobs(plan: &Plan, kind: &str) -> Error {
    Error::help(
        format!("cluster {} (blueprint {}) has no `{kind}` jobs", plan.cluster, plan.blueprint),
        format!("its blueprint needs a `jobs.{kind}` section"),
    )
}

/// A short id for a job's names.
pub fn job_id() -> String {
    let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
    hex::encode(&Sha256::digest(seed.as_bytes())[..3])
}

/// The one-shot service for a job, from the blueprint's job template.
pub fn job_service(plan: &Plan, job: &Job<'_>, id: &str) -> (ServiceDef, Vec<ConfigDef>) {
    let (kind, command) = (job.kind, job.command.clone());
    let mut svc = job.template.clone();
    svc.name = format!("{}_job-{kind}-{id}", plan.cluster);
    svc.role = format!("job-{kind}");
    svc.labels.insert(labels::JOB.into(), id.to_string());
    svc.job = true;
    svc.replicas = 1;
    let mut configs = Vec::new();
    match job.upload {
        None => svc.entrypoint = Some(command),
        Some(up) => {
            for i in 0..up.parts.len() {
                let name = format!("{}_upload-{id}-{i:04}", plan.cluster);
                let mut l = plan.labels(None);
                labels::Kind::Upload.mark(&mut l);
                l.insert(labels::JOB.into(), id.to_string());
                // Configs carry bytes; the engine base64-encodes them.
                configs.push(ConfigDef { name: name.clone(), data: String::new(), labels: l, artifact: None });
                svc.configs.push(ConfigMount { config: name, target: format!("{UPLOAD_DIR}/part-{i:04}"), mode: 0o444 });
            }
            let run = command.iter().map(|a| sh_quote(a)).collect::<Vec<_>>().join(" ");
            svc.entrypoint = Some(vec!["/bin/sh".into(), "-c".into(), format!("{} && exec {run}", up.script())]);
        }
    }
    (svc, configs)
}

/// `template`, placed on the node of `role`'s running task when asked to
/// (for node-local volumes).
pub async fn colocated(engine: &Engine, plan: &Plan, template: &ServiceDef, role: Option<&str>) -> Result<ServiceDef> {
    let mut template = template.clone();
    if let Some(role) = role {
        template.placement.constraints.push(format!("node.id=={}", node_of(engine, plan, role).await?));
    }
    Ok(template)
}

/// A job that failed: what it was, its exit code and its last lines.
pub fn failed(what: &str, code: i32, output: &[String], help: &str) -> Error {
    let tail = &output[output.len().saturating_sub(20)..];
    Error::help(format!("{what} failed: its job exited {code}; last lines:\n    | {}", tail.join("\n    | ")), help)
}

pub(crate) fn read_upload(file: &Path) -> Result<Upload> {
    let data = std::fs::read(file)
        .map_err(|e| Error::help(format!("cannot read {}: {e}", file.display()), "give the path of an application file on this machine"))?;
    if data.is_empty() {
        return Err(Error::help(format!("{} is empty", file.display()), "give the application file itself"));
    }
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "app".into());
    Ok(Upload::new(&name, &data))
}

/// `template` once beside each member of `role` that runs: on its node,
/// with that member's own copy of each volume the template names (a pair's
/// members each keep their own `<cluster>_<role>-N-<volume>`). A role that
/// is one service gives one, as [`colocated`] does.
pub async fn beside_each(engine: &Engine, plan: &Plan, template: &ServiceDef, role: &str) -> Result<Vec<ServiceDef>> {
    let members: Vec<&ServiceDef> = plan.services_of(role).filter(|s| s.member.is_some()).collect();
    if members.is_empty() {
        return Ok(vec![colocated(engine, plan, template, Some(role)).await?]);
    }
    let mut out = Vec::new();
    for m in members {
        // A member that does not run reads its list afresh when it starts.
        let Some(node) = engine.running_nodes(&m.name).await?.into_iter().next() else { continue };
        let mut t = template.clone();
        t.placement.constraints.push(format!("node.id=={}", node.id));
        for mount in &mut t.mounts {
            let volume = mount.source.strip_prefix(&format!("{}_", plan.cluster)).unwrap_or(&mount.source).to_string();
            if let Some(own) = m.mounts.iter().find(|x| x.source.ends_with(&format!("-{volume}"))) {
                *mount = MountDef { target: mount.target.clone(), readonly: mount.readonly, ..own.clone() };
            }
        }
        out.push(t);
    }
    if out.is_empty() {
        return Err(Error::help(
            format!("jobs run next to `{role}`, and none of its members runs"),
            "check `bdprov status`; `bdprov up` restores it",
        ));
    }
    Ok(out)
}

/// The node running `role`'s task.
async fn node_of(engine: &Engine, plan: &Plan, role: &str) -> Result<String> {
    let svc = plan.service(role).ok_or_else(|| Error::msg(format!("cluster {} has no role `{role}`", plan.cluster)))?;
    engine.running_nodes(&svc.name).await?.into_iter().next().map(|n| n.id).ok_or_else(|| {
        Error::help(format!("jobs run next to `{role}`, and it has no running task"), "check `bdprov status`; `bdprov up` restores it")
    })
}

/// Where a job's output goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Echo {
    /// To this process's stdout and stderr, as it comes.
    Stream,
    /// Kept and returned (for hooks: shown only when they fail).
    Keep,
    /// Both: shown as it comes, and returned (to find what it submitted).
    Tee,
}

/// What a job that started something outside the swarm (a YARN
/// application) must undo on a signal, before its service goes: given the
/// job's output so far, it stops what the job started and says what it did.
pub type Undo<'a> = Box<dyn Fn(Vec<String>) -> Pin<Box<dyn Future<Output = String> + 'a>> + 'a>;

/// How a job meets a signal, and how long it may take.
#[derive(Default)]
pub struct Options<'a> {
    /// Run before the job's service is removed after a signal.
    pub undo: Option<Undo<'a>>,
    /// A job that cleans up after a signal itself: it runs to its end (a
    /// second signal still stops the process).
    pub after_signal: bool,
    /// Stop the job (and remove it) after this long.
    pub limit: Option<Duration>,
}

/// A job to run: `command` in a service made from `template`, named for
/// `kind` (`spark`, `storm-list`, a hook's name …); by default with no
/// upload, its output kept, and the default [`Options`].
pub struct Job<'a> {
    pub template: &'a ServiceDef,
    pub kind: &'a str,
    pub command: Vec<String>,
    pub upload: Option<&'a Upload>,
    pub echo: Echo,
    pub options: Options<'a>,
}

impl<'a> Job<'a> {
    pub fn new(template: &'a ServiceDef, kind: &'a str, command: Vec<String>) -> Job<'a> {
        Job { template, kind, command, upload: None, echo: Echo::Keep, options: Options::default() }
    }

    /// The file the job's command reads (see [`Upload`]).
    pub fn upload(self, upload: Option<&'a Upload>) -> Job<'a> {
        Job { upload, ..self }
    }

    pub fn echo(self, echo: Echo) -> Job<'a> {
        Job { echo, ..self }
    }

    pub fn options(self, options: Options<'a>) -> Job<'a> {
        Job { options, ..self }
    }
}

/// Create the job, follow it to the end, clean up. Its exit code, and its
/// output when kept.
pub async fn run(engine: &Engine, plan: &Plan, job: Job<'_>, progress: &dyn Progress) -> Result<(i32, Vec<String>)> {
    engine.manager().await?;
    let started = Instant::now();
    let id = job_id();
    let (svc, configs) = job_service(plan, &job, &id);
    let (kind, echo, options) = (job.kind, job.echo, &job.options);
    // The job mounts the cluster's own configs (spark-defaults …) and its uploads.
    let mut ids: HashMap<String, String> = engine.cluster_configs(&plan.cluster).await?.into_iter().collect();
    // … and the cluster's secrets it is given (Spark's RPC secret …).
    let secrets = engine.cluster_secrets(&plan.cluster).await?;
    if let Some(missing) = svc.secrets.iter().find(|s| !secrets.contains_key(&s.secret)) {
        return Err(Error::help(
            format!("secret {} of cluster {} is missing", missing.secret, plan.cluster),
            "run `bdprov up` again to make it",
        ));
    }
    ids.extend(secrets);
    if let Some(missing) = svc.configs.iter().filter(|c| !configs.iter().any(|u| u.name == c.config)).find(|c| !ids.contains_key(&c.config))
    {
        return Err(Error::help(
            format!("config {} of cluster {} is missing", missing.config, plan.cluster),
            "run `bdprov up` again to restore it",
        ));
    }
    // Whatever happens from here (an error, Ctrl-C), what was created is removed.
    let mut uploaded = Vec::new();
    let mut service_id = None;
    let mut held = Vec::new();
    let mut kept = Vec::new();
    let work = async {
        for (def, part) in configs.iter().zip(job.upload.map(|u| u.parts.as_slice()).unwrap_or_default()) {
            let id = engine.create_config_bytes(def, part).await?;
            ids.insert(def.name.clone(), id.clone());
            uploaded.push(id);
            held.push(crate::signals::hold(format!("upload config {} (`docker config rm {}`)", def.name, def.name)));
        }
        progress.step(kind, State::Starting, &svc.name);
        service_id = Some(engine.create_service(&svc, 1, &ids).await?);
        held.push(crate::signals::hold(format!("job service {} (`docker service rm {}`)", svc.name, svc.name)));
        follow(engine, &svc.name, kind, echo, &mut kept, progress).await
    };
    let signal = async {
        if options.after_signal {
            std::future::pending::<()>().await;
        }
        crate::signals::interrupted().await
    };
    let limit = async {
        match options.limit {
            Some(l) => tokio::time::sleep(l).await,
            None => std::future::pending().await,
        }
    };
    let result = tokio::select! {
        r = work => r,
        signal = signal => {
            let undone = match &options.undo {
                Some(undo) => format!("{}, then ", undo(kept.clone()).await),
                None => String::new(),
            };
            Err(Error::Interrupted { signal, report: format!("{undone}job {} removed", svc.name), help: None })
        }
        () = limit => Err(Error::msg(format!("job {} did not end within {}s; removed", svc.name, options.limit.unwrap_or_default().as_secs()))),
    };
    if let Some(id) = &service_id {
        let _ = engine.remove_service(id).await;
    }
    for id in &uploaded {
        let _ = engine.remove_config_when_free(id).await;
    }
    drop(held);
    let code = result?;
    let secs = started.elapsed().as_secs_f64();
    progress.step(kind, if code == 0 { State::Done } else { State::Failed }, &format!("exit {code} after {secs:.1}s"));
    Ok((code, kept))
}

/// Stream the job's output until its task ends; its exit code.
async fn follow(engine: &Engine, service: &str, kind: &str, echo: Echo, kept: &mut Vec<String>, progress: &dyn Progress) -> Result<i32> {
    let mut print_line = |l: &crate::engine::LogLine| {
        match echo {
            Echo::Keep => {}
            _ if l.stderr => eprintln!("{}", l.text),
            _ => println!("{}", l.text),
        }
        if echo != Echo::Stream {
            kept.push(l.text.clone());
        }
    };
    let mut logs: Option<futures_util::stream::BoxStream<'_, Result<crate::engine::LogLine>>> = None;
    let mut printed = 0usize;
    let waiting = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let task: TaskInfo = loop {
        tokio::select! {
            line = async { logs.as_mut().expect("guarded").next().await }, if logs.is_some() => match line {
                Some(Ok(l)) => {
                    printed += 1;
                    print_line(&l);
                }
                Some(Err(_)) | None => logs = None,
            },
            _ = tick.tick() => {
                let tasks = engine.tasks(service).await?;
                let Some(t) = tasks.into_iter().next() else { continue };
                // A job that cannot be placed (a drained node, an unmet
                // constraint, a missing image) would wait for ever.
                if t.container_id.is_none() && !t.is_terminal() && waiting.elapsed() > PLACEMENT_LIMIT {
                    let why = if t.error.is_empty() { t.message.clone() } else { t.error.clone() };
                    return Err(Error::help(
                        format!("job {service} did not start in {}s: {} ({why})", PLACEMENT_LIMIT.as_secs(), t.state),
                        "check the nodes (`docker node ls`) and the cluster (`bdprov status`)",
                    ));
                }
                if logs.is_none() && t.container_id.is_some() && !t.is_terminal() {
                    progress.step(kind, State::Running, t.state.as_str());
                    logs = Some(engine.task_logs(&t.id, true, None).boxed());
                }
                if t.is_terminal() {
                    break t;
                }
            }
        }
    };
    // A follow stream does not always end with the task: read the whole log
    // once more and print what the stream had not delivered yet.
    drop(logs);
    if task.container_id.is_some() {
        let mut all = engine.task_logs(&task.id, false, None).boxed();
        let mut seen = 0usize;
        while let Some(Ok(l)) = all.next().await {
            seen += 1;
            if seen > printed {
                print_line(&l);
            }
        }
    }
    match task.state {
        TaskState::Complete => Ok(0),
        TaskState::Failed => Ok(task.exit_code.filter(|c| *c != 0).unwrap_or(1) as i32),
        _ => Err(Error::help(
            format!("the job did not run: {} {}", task.state, task.error),
            "check the image and the cluster with `bdprov status`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("spark://master:7077"), "spark://master:7077");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn uploads_are_cut_and_checked() {
        let data = vec![7u8; CHUNK * 2 + 10];
        let up = Upload::new("app.jar", &data);
        assert_eq!(up.parts.len(), 3);
        assert_eq!(up.parts.iter().map(Vec::len).sum::<usize>(), data.len());
        assert!(up.script().contains(&up.sha256));
        assert!(up.script().contains("/tmp/bdprov-app.jar"));
    }
}
