//! Storm: `submit storm` deploys a topology from a jar on the user's machine
//! as a one-shot `storm jar` job. `storm list` reads the Storm UI's REST API
//! (`GET /api/v1/topology/summary`) where the cluster runs a UI; the
//! blueprint publishes it through a read-only front, so `storm kill` runs
//! Storm's own CLI (`storm kill`) in a one-shot job on the overlay and then
//! watches the summary. A UI given by URL is killed through
//! (`POST /api/v1/topology/{id}/kill/{wait}`); a cluster without a UI gets
//! both from the CLI in jobs.
//!
//! The UI is reached the way probes reach their targets: through its
//! published (host-mode) port at the address of the node that runs its task.
//! Reading Storm's answers and the command line are pure functions; the HTTP
//! calls around them are thin.

pub mod figures;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::blueprint::StormJobs;
use crate::diag::did_you_mean;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::http;
use crate::job::{self, Echo, Job, Upload};
use crate::output::{Progress, State};
use crate::plan::build::Planner;
use crate::plan::{Plan, StormJobDef};
use crate::poll::{self, Seen};
use crate::systems::answer::BadAnswer;

/// A topology to deploy: `storm jar JAR CLASS [NAME] [ARGS]`.
#[derive(Clone, Debug)]
pub struct StormApp {
    pub jar: PathBuf,
    /// The class whose `main` builds and submits the topology.
    pub class: String,
    /// The topology's name, given to `main` as its first argument (the
    /// convention of Storm's examples).
    pub name: Option<String>,
    pub args: Vec<String>,
}

/// The `storm jar` command line of a job: the uploaded jar, the nimbus
/// seeds, and the main class with its arguments.
///
/// `-c` goes before the jar: the 2.x launcher parses its arguments with
/// argparse, and an option between the positionals would end `main`'s
/// arguments early. `--` keeps arguments that start with `-` for `main`.
pub fn storm_command(job: &StormJobDef, app: &StormApp, upload: &Upload) -> Vec<String> {
    let seeds = serde_json::to_string(&job.nimbus).expect("strings serialize");
    let mut cmd = vec!["storm".to_string(), "jar".into(), "-c".into(), format!("nimbus.seeds={seeds}"), upload.path(), app.class.clone()];
    let main_args: Vec<String> = app.name.iter().chain(&app.args).cloned().collect();
    if !main_args.is_empty() {
        cmd.push("--".into());
        cmd.extend(main_args);
    }
    cmd
}

/// Run `storm jar` once on the cluster's network and return its exit code,
/// streaming its output. The jar travels as chunked swarm configs
/// ([`job::Upload`]), so no shared filesystem or registry is needed.
pub async fn submit(engine: &Engine, plan: &Plan, app: &StormApp, progress: &dyn Progress) -> Result<i32> {
    let job = plan.jobs.storm.as_ref().ok_or_else(|| job::no_jobs(plan, "storm"))?;
    let upload = job::read_upload(&app.jar)?;
    let command = storm_command(job, app, &upload);
    let (code, _) =
        job::run(engine, plan, Job::new(&job.template, "storm", command).upload(Some(&upload)).echo(Echo::Stream), progress).await?;
    Ok(code)
}

/// Topologies from `storm list`'s output: the rows after its
/// `Topology_name` header, split on whitespace (long ids overflow the
/// columns); `No topologies running.` gives none. `None` when the output
/// has neither (the CLI failed).
pub fn parse_cli_list(lines: &[String]) -> Option<Vec<Topology>> {
    if lines.iter().any(|l| l.trim() == "No topologies running.") {
        return Some(Vec::new());
    }
    let header = lines.iter().position(|l| l.starts_with("Topology_name"))?;
    let rows = lines[header + 1..].iter().filter(|l| !l.trim().is_empty() && !l.starts_with("---"));
    Some(
        rows.filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let [name, status, tasks, workers, uptime, id, ..] = f[..] else { return None };
            let secs = uptime.parse().ok();
            Some(Topology {
                name: name.to_string(),
                id: id.to_string(),
                status: status.to_string(),
                uptime: secs.map_or_else(|| uptime.to_string(), |s: u64| format!("{s}s")),
                uptime_seconds: secs,
                workers: workers.parse().ok(),
                executors: None,
                tasks: tasks.parse().ok(),
            })
        })
        .collect(),
    )
}

/// Storm's CLI in one-shot jobs on the cluster's network: for clusters
/// without a UI.
pub struct Cli<'a> {
    engine: &'a Engine,
    plan: &'a Plan,
    job: &'a StormJobDef,
}

impl<'a> Cli<'a> {
    pub fn of_cluster(engine: &'a Engine, plan: &'a Plan) -> Result<Cli<'a>> {
        let job = plan.jobs.storm.as_ref().ok_or_else(|| job::no_jobs(plan, "storm"))?;
        Ok(Cli { engine, plan, job })
    }

    async fn storm(&self, kind: &str, args: &[&str], progress: &dyn Progress) -> Result<(i32, Vec<String>)> {
        let seeds = serde_json::to_string(&self.job.nimbus).expect("strings serialize");
        let mut cmd = vec!["storm".to_string(), args[0].to_string(), "-c".into(), format!("nimbus.seeds={seeds}")];
        cmd.extend(args[1..].iter().map(|a| a.to_string()));
        job::run(self.engine, self.plan, Job::new(&self.job.template, kind, cmd), progress).await
    }

    pub async fn topologies(&self, progress: &dyn Progress) -> Result<Vec<Topology>> {
        let (code, out) = self.storm("storm-list", &["list"], progress).await?;
        match parse_cli_list(&out) {
            Some(t) if code == 0 => Ok(t),
            _ => Err(job::failed("storm list", code, &out, "is nimbus up? see `bdprov status` and `bdprov logs nimbus`")),
        }
    }

    /// `storm kill NAME -w WAIT` in a job; the topology's id.
    async fn send_kill(&self, name: &str, wait: u32, topologies: &[Topology], progress: &dyn Progress) -> Result<String> {
        let id = find(topologies, name)?.id.clone();
        let (code, out) = self.storm("storm-kill", &["kill", name, "-w", &wait.to_string()], progress).await?;
        if code != 0 {
            return Err(job::failed("storm kill", code, &out, "see `bdprov logs nimbus`"));
        }
        progress.step(name, State::Killing, &format!("{id}: spouts deactivated for {wait}s, then the workers stop"));
        Ok(id)
    }

    /// `storm kill NAME -w WAIT`, then wait until `storm list` no longer
    /// shows it, for at most `timeout`.
    pub async fn kill(&self, name: &str, wait: u32, timeout: Duration, every: Duration, progress: &dyn Progress) -> Result<Duration> {
        let started = Instant::now();
        let id = self.send_kill(name, wait, &self.topologies(progress).await?, progress).await?;
        let look = async || {
            let Some(t) = self.topologies(progress).await?.into_iter().find(|t| t.id == id) else {
                progress.step(name, State::Done, "nimbus no longer lists it");
                return Ok(Seen::Done(started.elapsed()));
            };
            progress.step(name, State::Killing, &format!("status {}", t.status));
            Ok(Seen::Waiting(t.status))
        };
        poll::until(every, timeout.saturating_sub(started.elapsed()), look, |status, _| still_listed(name, &id, &status, started.elapsed()))
            .await
    }
}

/// A killed topology that does not go away.
fn still_listed(name: &str, id: &str, status: &str, after: Duration) -> Error {
    Error::help(
        format!("topology {name} ({id}) is still listed as {status} {}s after the kill", after.as_secs()),
        "Storm may still be stopping its workers: see `bdprov storm list` and `bdprov logs nimbus`",
    )
}

/// Where `storm list|kill` ask: the UI's REST API, Storm's CLI in jobs, or
/// both: a cluster's UI is published read-only, so bdprov reads there and
/// kills with the CLI on the overlay.
pub enum Nimbus<'a> {
    Ui(Ui),
    Cli(Cli<'a>),
    Both(Ui, Cli<'a>),
}

impl Nimbus<'_> {
    pub async fn topologies(&self, progress: &dyn Progress) -> Result<Vec<Topology>> {
        match self {
            Nimbus::Ui(ui) | Nimbus::Both(ui, _) => ui.topologies().await,
            Nimbus::Cli(cli) => cli.topologies(progress).await,
        }
    }

    pub async fn kill(&self, name: &str, wait: u32, timeout: Duration, poll: Duration, progress: &dyn Progress) -> Result<Duration> {
        match self {
            Nimbus::Ui(ui) => ui.kill(name, wait, timeout, poll, progress).await,
            Nimbus::Cli(cli) => cli.kill(name, wait, timeout, poll, progress).await,
            Nimbus::Both(ui, cli) => {
                let started = Instant::now();
                let id = cli.send_kill(name, wait, &ui.topologies().await?, progress).await?;
                ui.wait_gone(name, &id, started, timeout, poll, progress).await
            }
        }
    }
}

/// One topology, as the UI's summary (or `storm list`) describes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Topology {
    pub name: String,
    pub id: String,
    /// ACTIVE, INACTIVE, KILLED or REBALANCING.
    pub status: String,
    pub uptime: String,
    pub uptime_seconds: Option<u64>,
    pub workers: Option<u64>,
    pub executors: Option<u64>,
    pub tasks: Option<u64>,
}

/// Read `/api/v1/topology/summary`. Storm 2.x is lenient about types
/// (numbers sometimes come as strings), so every field is read loosely.
pub fn parse_topologies(body: &str) -> std::result::Result<Vec<Topology>, BadAnswer> {
    let json: Value = serde_json::from_str(body).map_err(|e| BadAnswer::json(e, |e| format!("the topology summary is not JSON: {e}")))?;
    let list = json.get("topologies").and_then(Value::as_array).ok_or("the topology summary has no `topologies` list")?;
    list.iter()
        .map(|t| {
            let text = |k: &str| match t.get(k) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let count = |k: &str| t.get(k).and_then(http::as_count);
            Ok(Topology {
                id: text("id").ok_or("a topology in the summary has no id")?,
                name: text("name").unwrap_or_default(),
                status: text("status").unwrap_or_default(),
                uptime: text("uptime").unwrap_or_default(),
                uptime_seconds: count("uptimeSeconds"),
                workers: count("workersTotal"),
                executors: count("executorsTotal"),
                tasks: count("tasksTotal"),
            })
        })
        .collect()
}

/// The topology named `name`; else an error naming the ones there are.
pub fn find<'a>(topologies: &'a [Topology], name: &str) -> Result<&'a Topology> {
    if let Some(t) = topologies.iter().find(|t| t.name == name) {
        return Ok(t);
    }
    let names: Vec<&str> = topologies.iter().map(|t| t.name.as_str()).collect();
    let help = did_you_mean(name, &names, Some("topologies"), || match names.is_empty() {
        true => "no topology runs; `bdprov submit storm` deploys one".to_string(),
        false => format!("topologies: {}", names.join(", ")),
    });
    Err(Error::help(format!("no topology `{name}` runs on this Storm cluster"), help))
}

/// Check the UI's answer to a kill: `{"topologyOperation":"kill","topologyId":…,"status":"success"}`.
pub fn parse_kill(body: &str, id: &str) -> std::result::Result<(), BadAnswer> {
    let json: Value = serde_json::from_str(body).map_err(|e| BadAnswer::json(e, |e| format!("the answer to the kill is not JSON: {e}")))?;
    match (json.get("topologyOperation").and_then(Value::as_str), json.get("status").and_then(Value::as_str)) {
        (Some("kill"), Some("success")) => Ok(()),
        _ => Err(format!("Storm did not confirm the kill of {id}: {body}").into()),
    }
}

/// What a failed call says: the UI answers errors with HTTP 500 and
/// `{"error": "…", "errorMessage": "<stack trace>"}`.
pub fn ui_error(status: u16, body: &str) -> String {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field =
        |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_str).map(|s| s.lines().next().unwrap_or("").trim().to_string());
    match (field("error"), field("errorMessage")) {
        (Some(e), Some(m)) if !m.is_empty() => format!("HTTP {status}: {e}: {m}"),
        (Some(e), _) => format!("HTTP {status}: {e}"),
        _ => format!("HTTP {status}: {}", body.lines().next().unwrap_or("").trim()),
    }
}

/// `storm list` as a table.
pub fn table(topologies: &[Topology]) -> String {
    if topologies.is_empty() {
        return "no topologies are running\n".to_string();
    }
    let n = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    let mut table = crate::table::Table::new(&["NAME", "STATUS", "UPTIME", "WORKERS", "EXECUTORS", "TASKS", "ID"]);
    for t in topologies {
        table.row([t.name.clone(), t.status.clone(), t.uptime.clone(), n(t.workers), n(t.executors), n(t.tasks), t.id.clone()]);
    }
    table.render()
}

/// The Storm UI's REST API at one address.
pub struct Ui {
    client: reqwest::Client,
    base: reqwest::Url,
}

impl Ui {
    /// The UI at `url` (`http://host:port`, optionally with a path prefix).
    pub fn at(url: &str) -> Result<Ui> {
        let base = reqwest::Url::parse(url)
            .map_err(|e| Error::help(format!("`{url}` is not a URL: {e}"), "give the Storm UI's address, e.g. http://10.0.0.5:8080"))?;
        if base.cannot_be_a_base() {
            return Err(Error::help(format!("`{url}` is not an http URL"), "give the Storm UI's address, e.g. http://10.0.0.5:8080"));
        }
        Ok(Ui { client: http::client(), base })
    }

    /// The cluster's UI: the published port of `jobs.storm.ui`, at the node
    /// running the UI's task.
    pub async fn of_cluster(engine: &Engine, plan: &Plan) -> Result<Ui> {
        let job = plan.jobs.storm.as_ref().ok_or_else(|| job::no_jobs(plan, "storm"))?;
        let svc = plan
            .service(&job.ui_role)
            .ok_or_else(|| Error::msg(format!("cluster {} has no role `{}` for the Storm UI", plan.cluster, job.ui_role)))?;
        let port = svc
            .published(&job.ui_port)
            .ok_or_else(|| Error::msg(format!("role `{}` does not publish port `{}`", job.ui_role, job.ui_port)))?;
        let addr = engine.running_nodes(&svc.name).await?.into_iter().next().map(|n| n.addr).ok_or_else(|| {
            Error::help(
                format!("the Storm UI (role `{}`) has no running task", job.ui_role),
                "check `bdprov status`; `bdprov up` restores it",
            )
        })?;
        Ui::at(&format!("http://{addr}:{port}"))
    }

    fn url(&self, segments: &[&str]) -> reqwest::Url {
        let mut url = self.base.clone();
        url.path_segments_mut().expect("checked in Ui::at").pop_if_empty().extend(segments);
        url
    }

    /// Send a request; the body of a 2xx answer.
    async fn call(&self, req: reqwest::RequestBuilder, url: &reqwest::Url) -> Result<String> {
        let cannot_reach = |why: String| {
            Error::help(format!("cannot reach the Storm UI at {url}: {why}"), "check `bdprov status`, or point --ui at the UI")
        };
        let resp = req.timeout(Duration::from_secs(30)).send().await.map_err(|e| cannot_reach(http::root_cause(&e)))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|e| cannot_reach(http::root_cause(&e)))?;
        if !(200..300).contains(&status) {
            return Err(Error::help(
                format!("the Storm UI refused {url}: {}", ui_error(status, &body)),
                "see `bdprov logs ui` and `bdprov logs nimbus`",
            ));
        }
        Ok(body)
    }

    pub async fn topologies(&self) -> Result<Vec<Topology>> {
        let url = self.url(&["api", "v1", "topology", "summary"]);
        let body = self.call(self.client.get(url.clone()), &url).await?;
        parse_topologies(&body).map_err(|e| Error::from(e).context(url.as_str()))
    }

    /// Kill topology `name` (Storm deactivates its spouts for `wait`
    /// seconds, then stops its workers) and wait until the summary no longer
    /// lists it, looking every `every`, for at most `timeout`. How long it took.
    pub async fn kill(&self, name: &str, wait: u32, timeout: Duration, every: Duration, progress: &dyn Progress) -> Result<Duration> {
        let started = Instant::now();
        let topologies = self.topologies().await?;
        let id = find(&topologies, name)?.id.clone();
        let url = self.url(&["api", "v1", "topology", &id, "kill", &wait.to_string()]);
        let body = self.call(self.client.post(url.clone()).body(""), &url).await?;
        parse_kill(&body, &id)?;
        progress.step(name, State::Killing, &format!("{id}: spouts deactivated for {wait}s, then the workers stop"));
        self.wait_gone(name, &id, started, timeout, every, progress).await
    }

    /// Wait until the summary no longer lists topology `id`, looking every
    /// `every`, until `timeout` after `started`. How long it took.
    async fn wait_gone(
        &self,
        name: &str,
        id: &str,
        started: Instant,
        timeout: Duration,
        every: Duration,
        progress: &dyn Progress,
    ) -> Result<Duration> {
        let look = async || {
            let Some(t) = self.topologies().await?.into_iter().find(|t| t.id == id) else {
                progress.step(name, State::Done, "gone from the Storm UI");
                return Ok::<_, Error>(Seen::Done(started.elapsed()));
            };
            progress.step(name, State::Killing, &format!("status {}", t.status));
            Ok(Seen::Waiting(t.status))
        };
        let limit = timeout.saturating_sub(started.elapsed());
        poll::watch(every, limit, look).await?.map_err(|(status, _)| {
            progress.step(name, State::Failed, &status);
            still_listed(name, id, &status, started.elapsed())
        })
    }
}

/// What the blueprint's `jobs.storm` section becomes in the plan.
pub fn plan_jobs(p: &mut Planner, st: &StormJobs) -> StormJobDef {
    let template = p.job_template(&st.workload, "jobs.storm");
    let nimbus = st.nimbus.iter().map(|t| p.text(t)).collect();
    StormJobDef { template, nimbus, ui_role: st.ui_role.clone(), ui_port: st.ui_port.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blueprint::{self, loader::FsResolver, overlay::Resolve, Overrides};
    use crate::plan::build::{ImageSet, Options};
    use crate::render::Renderer;

    fn storm_plan() -> Plan {
        storm_plan_with(ImageSet::Official)
    }

    fn storm_plan_with(images: ImageSet) -> Plan {
        let (main, dir) = FsResolver.blueprint("storm", None).unwrap();
        let bp = blueprint::assemble(&main, dir, &FsResolver, &Overrides::default()).unwrap();
        crate::plan::build(
            &bp,
            &Renderer::new(vec![]).unwrap(),
            &Options { cluster: "st".into(), images, registry: None, systems: &crate::systems::Sections },
        )
        .unwrap()
    }

    /// On both image sets every Storm daemon is a metrics target through the
    /// JMX exporter agent bdprov mounts as a config (neither image has one),
    /// and the supervisor lists its workers' ports (10000 + each slot port),
    /// which its storm.yaml gives the workers' agent.
    #[test]
    fn daemons_and_workers_serve_metrics_through_the_mounted_agent() {
        use crate::plan::labels;
        for images in [ImageSet::Local, ImageSet::Official] {
            let plan = storm_plan_with(images);
            let sup = plan.services.iter().find(|s| s.name == "st_supervisor").unwrap();
            assert_eq!(sup.labels[labels::METRICS_CHILDREN], "16700 16701 16702 16703");
            let yaml = plan.configs.iter().find(|c| c.name.starts_with("st_storm-yaml-")).unwrap();
            assert!(yaml.data.contains("-javaagent:/bdprov/jmx_prometheus_javaagent.jar=1%ID%:/bdprov/jmx-worker.yaml"), "{}", yaml.data);
            assert!(
                yaml.data.contains("nimbus.childopts: \"-Xmx384m -javaagent:/bdprov/jmx_prometheus_javaagent.jar=7071:"),
                "{}",
                yaml.data
            );
            let agent = plan.configs.iter().find(|c| c.artifact.as_deref() == Some("jmx-agent")).expect("the agent's config");
            assert!(agent.data.is_empty() && agent.name.starts_with("st_jmx-agent-"), "{agent:?}");
            for role in ["nimbus", "ui", "supervisor", "logviewer"] {
                let s = plan.services.iter().find(|s| s.name == format!("st_{role}")).unwrap();
                assert!(s.labels.contains_key(labels::METRICS_PORT), "{role}");
                let mount = s.configs.iter().find(|m| m.config == agent.name).unwrap_or_else(|| panic!("{role} mounts no agent"));
                assert_eq!(mount.target, "/bdprov/jmx_prometheus_javaagent.jar");
            }
        }
    }

    fn app(args: &[&str]) -> StormApp {
        StormApp {
            jar: "target/wc.jar".into(),
            class: "org.example.WordCount".into(),
            name: Some("wc".into()),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_command_puts_options_before_the_jar_and_guards_main_args() {
        let plan = storm_plan();
        let job = plan.jobs.storm.as_ref().unwrap();
        let up = Upload::new("wc.jar", b"PK");
        assert_eq!(
            storm_command(job, &app(&["--local", "3"]), &up),
            ["storm", "jar", "-c", r#"nimbus.seeds=["nimbus"]"#, "/tmp/bdprov-wc.jar", "org.example.WordCount", "--", "wc", "--local", "3"]
        );
        let bare = StormApp { name: None, ..app(&[]) };
        assert_eq!(storm_command(job, &bare, &up).last().unwrap(), "org.example.WordCount", "no `--` without arguments");
    }

    /// The job as the swarm gets it: the storm image on the cluster network,
    /// as the image's storm user, storm.yaml and every part of a 20 MB jar
    /// mounted as configs, joined and checked before `storm jar` runs.
    #[test]
    fn the_submit_job_spec_carries_a_20_mb_jar_in_config_parts() {
        let plan = storm_plan();
        let job = plan.jobs.storm.as_ref().unwrap();
        let jar: Vec<u8> = (0..20_000_000u32).map(|i| (i % 251) as u8).collect();
        let up = Upload::new("wc.jar", &jar);
        assert_eq!(up.parts.len(), 23, "20 MB in parts of {} bytes", job::CHUNK);
        assert!(up.parts.iter().all(|p| p.len() <= job::CHUNK) && job::CHUNK < 1000 * 1024, "each part fits a swarm config");
        assert_eq!(up.parts.concat(), jar);

        let command = storm_command(job, &app(&[]), &up);
        let (svc, configs) = job::job_service(&plan, &Job::new(&job.template, "storm", command).upload(Some(&up)), "abc123");
        assert_eq!(configs.len(), 23);
        assert_eq!(configs[22].name, "st_upload-abc123-0022");

        let yaml = plan.configs.iter().find(|c| c.name.starts_with("st_storm-yaml-")).expect("storm.yaml is a config of the cluster");
        let mut ids: std::collections::HashMap<String, String> =
            configs.iter().map(|c| (c.name.clone(), format!("id-{}", c.name))).collect();
        ids.insert(yaml.name.clone(), "id-yaml".into());
        let spec = serde_json::to_value(crate::engine::spec::service_spec(&svc, 1, &ids)).unwrap();
        let task = &spec["TaskTemplate"];
        let container = &task["ContainerSpec"];
        assert_eq!(spec["Name"].as_str().unwrap(), "st_job-storm-abc123");
        assert_eq!(container["Image"], "storm:2.8.9");
        assert_eq!(container["User"], "storm");
        assert_eq!(task["Networks"][0]["Target"], "st-net");
        assert_eq!(task["RestartPolicy"]["Condition"], "none");
        let cmd: Vec<&str> = container["Command"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(&cmd[..2], ["/bin/sh", "-c"]);
        assert!(cmd[2].starts_with("cat /bdprov/upload/part-* > /tmp/bdprov-wc.jar && echo '"), "{}", cmd[2]);
        assert!(cmd[2].contains(&up.sha256), "the job checks the joined jar");
        assert!(
            cmd[2].ends_with(r#"&& exec storm jar -c 'nimbus.seeds=["nimbus"]' /tmp/bdprov-wc.jar org.example.WordCount -- wc"#),
            "{}",
            cmd[2]
        );
        let mounts: Vec<(&str, &str)> = container["Configs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["File"]["Name"].as_str().unwrap(), c["ConfigID"].as_str().unwrap()))
            .collect();
        assert_eq!(mounts[0], ("/conf/storm.yaml", "id-yaml"));
        assert_eq!(mounts.len(), 24);
        assert_eq!(mounts[1], ("/bdprov/upload/part-0000", "id-st_upload-abc123-0000"));
        assert_eq!(mounts[23], ("/bdprov/upload/part-0022", "id-st_upload-abc123-0022"));
    }

    #[test]
    fn storm_list_output_is_read() {
        let lines: Vec<String> = "07:26:52.115 [main] INFO  o.a.s.u.NimbusClient - Found leader nimbus : nimbus:6627:0\n\
            Topology_name        Status     Num_tasks  Num_workers  Uptime_secs  Topology_Id          Owner               \n\
            ----------------------------------------------------------------------------------------\n\
            bdprov-wordcount     ACTIVE     4          1            14           bdprov-wordcount-1-1795677997 storm               \n"
            .lines()
            .map(String::from)
            .collect();
        let t = parse_cli_list(&lines).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].name.as_str(), t[0].status.as_str(), t[0].id.as_str()),
            ("bdprov-wordcount", "ACTIVE", "bdprov-wordcount-1-1795677997")
        );
        assert_eq!((t[0].tasks, t[0].workers, t[0].uptime_seconds), (Some(4), Some(1), Some(14)));
        assert_eq!(parse_cli_list(&["No topologies running.".to_string()]), Some(Vec::new()));
        assert_eq!(parse_cli_list(&["Exception in thread main".to_string()]), None);
    }

    #[test]
    fn topologies_are_read_leniently() {
        let body = r#"{"topologies":[{"id":"wc-1-1700000000","encodedId":"wc-1-1700000000","owner":"storm","name":"wc","status":"ACTIVE",
            "uptime":"6m 5s","uptimeSeconds":"365","tasksTotal":28,"workersTotal":3,"executorsTotal":28,"schedulerInfo":null}],"schedulerDisplayResource":false}"#;
        let t = parse_topologies(body).unwrap();
        assert_eq!(t[0].name, "wc");
        assert_eq!((t[0].uptime_seconds, t[0].workers, t[0].executors), (Some(365), Some(3), Some(28)));
        assert!(parse_topologies(r#"{"error":"500"}"#).unwrap_err().to_string().contains("no `topologies`"));
    }

    #[test]
    fn unknown_names_suggest_the_running_ones() {
        let t = parse_topologies(r#"{"topologies":[{"id":"wordcount-1-1","name":"wordcount"}]}"#).unwrap();
        let msg = find(&t, "wordcont").unwrap_err().to_string();
        assert!(msg.contains("no topology `wordcont`") && msg.contains("did you mean `wordcount`?"), "{msg}");
        assert!(find(&[], "x").unwrap_err().to_string().contains("no topology runs"));
    }

    #[test]
    fn kill_answers_and_errors() {
        assert!(parse_kill(r#"{"topologyOperation":"kill","topologyId":"wc-1-1","status":"success"}"#, "wc-1-1").is_ok());
        assert!(parse_kill(r#"{"topologyOperation":"kill","status":"failure"}"#, "wc-1-1").is_err());
        let err = r#"{"error":"500 Server Error","errorMessage":"org.apache.storm.generated.NotAliveException: wc-1-1\n\tat ..."}"#;
        assert_eq!(ui_error(500, err), "HTTP 500: 500 Server Error: org.apache.storm.generated.NotAliveException: wc-1-1");
        assert_eq!(ui_error(502, "Bad Gateway"), "HTTP 502: Bad Gateway");
    }

    #[test]
    fn urls_keep_a_path_prefix_and_encode_ids() {
        let ui = Ui::at("http://10.0.0.5:8080/storm/").unwrap();
        assert_eq!(
            ui.url(&["api", "v1", "topology", "a b-1-2", "kill", "30"]).as_str(),
            "http://10.0.0.5:8080/storm/api/v1/topology/a%20b-1-2/kill/30"
        );
        assert!(Ui::at("10.0.0.5:8080").is_err());
    }
}
