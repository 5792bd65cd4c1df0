//! Following a YARN application to its final status through the
//! ResourceManager's REST API (`/ws/v1/cluster/apps/{id}`), reached on its
//! published web port like probes.
//!
//! Finding the application id in spark-submit's output and reading the
//! RM's answers are pure; [`follow`] polls.
//!
//! What the ResourceManager says about resources, and why an application
//! waits, is in [`preflight`].
//!
//! Killing an application is a write, which the published front refuses:
//! [`kill`] runs `yarn application -kill` as a one-shot job on the overlay,
//! with the ResourceManager's own site files (so it finds the active one
//! when there are several).

use std::time::Duration;

use serde::Deserialize;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::job::{self, Job};
use crate::output::{Progress, State};
use crate::plan::{labels, Plan, ServiceDef};
use crate::poll::{self, Seen};
use crate::systems::answer::BadAnswer;

pub mod figures;
pub mod preflight;

/// How long killing applications may take after a signal: within the
/// time `submit` gets to clean up ([`crate::cli`]), with room to remove
/// the submitting job after it. A JVM starting on a busy node takes most of it.
const KILL_LIMIT: Duration = Duration::from_secs(45);

/// How long the ResourceManager may stay unreachable while an application
/// runs: longer than the swarm takes to declare a node down and start its
/// tasks elsewhere (a front on a lost node moves then).
const UNREACHABLE_LIMIT: Duration = Duration::from_secs(90);

/// How often the ResourceManagers' fronts are found again while none answers.
const REFIND_EVERY: Duration = Duration::from_secs(5);

/// What the ResourceManager reports about an application.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub id: String,
    /// NEW … ACCEPTED, RUNNING, FINISHED, FAILED, KILLED.
    pub state: String,
    /// UNDEFINED until the end, then SUCCEEDED, FAILED or KILLED.
    pub final_status: String,
    #[serde(default)]
    pub diagnostics: String,
    #[serde(default)]
    pub tracking_url: Option<String>,
}

impl App {
    /// The application will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(self.state.as_str(), "FINISHED" | "FAILED" | "KILLED")
    }

    pub fn succeeded(&self) -> bool {
        self.is_final() && self.final_status == "SUCCEEDED"
    }
}

/// The first YARN application id in spark-submit's output
/// (`Submitted application application_1700000000000_0001`).
pub fn application_id(lines: &[String]) -> Option<String> {
    lines.iter().find_map(|l| {
        l.match_indices("application_").find_map(|(at, _)| {
            let rest = &l[at + "application_".len()..];
            let (cluster, rest) = rest.split_once('_')?;
            let seq: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let ok = !cluster.is_empty() && cluster.chars().all(|c| c.is_ascii_digit()) && !seq.is_empty();
            ok.then(|| format!("application_{cluster}_{seq}"))
        })
    })
}

/// The `app` of an answer to `GET /ws/v1/cluster/apps/{id}`.
pub fn parse_app(body: &str) -> Result<App, BadAnswer> {
    #[derive(Deserialize)]
    struct Answer {
        app: App,
    }
    serde_json::from_str::<Answer>(body).map(|a| a.app).map_err(unexpected_from_the_resourcemanager)
}

/// The ResourceManager answered what bdprov cannot read as the JSON it asked for.
pub(crate) fn unexpected_from_the_resourcemanager(e: serde_json::Error) -> BadAnswer {
    BadAnswer::json(e, |e| format!("unexpected answer from the ResourceManager ({e})"))
}

/// Poll the ResourceManagers at `bases` (`http://host:8088`, one per
/// front) until application `id` is final, reporting each state it passes
/// through. While none answers with the application, `refind` is asked for
/// the fronts again (at most every [`REFIND_EVERY`]): a front on a lost node
/// starts again on another one, at another address.
pub async fn follow(
    client: &reqwest::Client,
    bases: Vec<String>,
    mut refind: impl AsyncFnMut() -> Vec<String>,
    id: &str,
    progress: &dyn Progress,
    every: Duration,
) -> Result<App> {
    let Some(first) = bases.first().cloned() else {
        return Err(Error::help("no ResourceManager runs to follow the application", "check `bdprov status`"));
    };
    let mut bases = bases;
    let mut found = tokio::time::Instant::now();
    /// The last answer that was not the application.
    enum Silence {
        Status(String, u16),
        Lost(String, String),
    }
    // With two ResourceManagers (each behind its own front), the one that
    // answered last is asked first; the other answers once it takes over.
    let mut at = 0;
    let look = async || {
        let mut last = Silence::Lost(first.clone(), "not asked".into());
        for k in 0..bases.len() {
            let base = &bases[(at + k) % bases.len()];
            let url = format!("{base}/ws/v1/cluster/apps/{id}");
            match client.get(&url).timeout(Duration::from_secs(10)).send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp.text().await.unwrap_or_default();
                    match status {
                        200 => {
                            at = (at + k) % bases.len();
                            let app = parse_app(&body).map_err(|e| Error::from(e).context(&url))?;
                            progress.step("yarn", State::Application(app.state.to_lowercase()), id);
                            return Ok(if app.is_final() {
                                Seen::Done(app)
                            } else {
                                Seen::Progressed(Silence::Status(base.clone(), status))
                            });
                        }
                        // One ResourceManager: it forgot the application. Of a
                        // pair, the one taking over may not have recovered it yet.
                        404 if bases.len() == 1 => {
                            return Err(Error::help(
                                format!("the ResourceManager does not know application {id}"),
                                "it forgets applications when it restarts; see `bdprov logs resourcemanager`",
                            ))
                        }
                        // A standby or failing ResourceManager answers, but not with the application.
                        _ => last = Silence::Status(base.clone(), status),
                    }
                }
                Err(e) => last = Silence::Lost(base.clone(), crate::http::root_cause(&e)),
            }
        }
        if found.elapsed() >= REFIND_EVERY {
            found = tokio::time::Instant::now();
            let again = refind().await;
            if !again.is_empty() && again != bases {
                progress.note(&format!("following {id} through {}", again.join(", ")));
                bases = again;
                at = 0;
                // A front moved: the silence counts again from now.
                return Ok(Seen::Progressed(last));
            }
        }
        Ok(Seen::Waiting(last))
    };
    poll::until(every, UNREACHABLE_LIMIT, look, |last, _| match last {
        Silence::Status(base, status) => Error::help(
            format!("the ResourceManager at {base} answered HTTP {status} for {id} for {}s", UNREACHABLE_LIMIT.as_secs()),
            "the application may still run: see the ResourceManager's web UI or `bdprov status`",
        ),
        Silence::Lost(base, why) => Error::help(
            format!("lost the ResourceManager at {base} while following {id}: {why}"),
            "the application may still run: see the ResourceManager's web UI or `bdprov status`",
        ),
    })
    .await
}

/// A one-shot YARN client: the ResourceManager's image, user, environment
/// and site files, without its ports, volumes or placement. `None` when no
/// service of the plan runs `yarn resourcemanager`.
pub fn client_template(plan: &Plan) -> Option<ServiceDef> {
    let rm = plan.services.iter().find(|s| s.command.iter().flatten().any(|a| a == "resourcemanager"))?;
    let mut env: Vec<String> = rm.env.iter().filter(|e| !e.starts_with("HADOOP_HEAPSIZE")).cloned().collect();
    // A client: a small heap, whatever the daemon's.
    env.push("HADOOP_HEAPSIZE_MAX=128m".into());
    let mut labels = plan.labels(Some("job"));
    labels::Kind::Job.mark(&mut labels);
    Some(ServiceDef {
        image: rm.image.clone(),
        env,
        user: rm.user.clone(),
        network: rm.network.clone(),
        configs: rm.configs.iter().filter(|c| c.target.ends_with(".xml")).cloned().collect(),
        secrets: rm.secrets.clone(),
        job: true,
        labels,
        ..Default::default()
    })
}

/// The command that kills `ids`.
pub fn kill_command(ids: &[String]) -> Vec<String> {
    let mut cmd = vec!["yarn".to_string(), "application".into(), "-kill".into()];
    cmd.extend(ids.iter().cloned());
    cmd
}

/// Kill applications `ids` (run after a signal: it does not stop for one).
/// What happened, for the user.
pub async fn kill(engine: &Engine, plan: &Plan, base: Option<&str>, ids: &[String], progress: &dyn Progress) -> String {
    let list = ids.join(", ");
    let by_hand = format!("kill it with `yarn application -kill {}` on the cluster's network", ids.join(" "));
    let Some(template) = client_template(plan) else {
        return format!("YARN application {list} NOT killed: the cluster has no ResourceManager role to run `yarn` from; {by_hand}");
    };
    let _held = crate::signals::hold(format!("YARN application {list}, not killed yet ({by_hand})"));
    let options = job::Options { after_signal: true, limit: Some(KILL_LIMIT), ..Default::default() };
    progress.note(&format!("killing YARN application {list}"));
    let ran = job::run(engine, plan, Job::new(&template, "yarn-kill", kill_command(ids)).options(options), progress).await;
    // The ResourceManager has the last word (a kill may land while its client is slow to report it).
    if let Some(base) = base {
        let mut states = Vec::new();
        for id in ids {
            let url = format!("{base}/ws/v1/cluster/apps/{id}");
            let app = match crate::http::client().get(&url).timeout(Duration::from_secs(5)).send().await {
                Ok(r) => parse_app(&r.text().await.unwrap_or_default()).ok(),
                Err(_) => None,
            };
            states.push(app.map(|a| a.state));
        }
        if states.iter().all(|s| s.as_deref().is_some_and(|s| matches!(s, "KILLED" | "FINISHED" | "FAILED"))) {
            let said = ids.iter().zip(&states).map(|(id, s)| format!("{id} {}", s.as_deref().unwrap_or_default())).collect::<Vec<_>>();
            return format!("YARN application {} (the ResourceManager says)", said.join(", "));
        }
    }
    match ran {
        Ok((0, _)) => format!("YARN application {list} killed"),
        Ok((code, output)) => {
            let last = output.iter().rev().find(|l| !l.trim().is_empty()).map_or(String::new(), |l| format!(": {}", l.trim()));
            format!("YARN application {list} NOT killed (`yarn application -kill` exited {code}{last}); {by_hand}")
        }
        Err(e) => format!("YARN application {list} NOT killed ({}); {by_hand}", e.to_string().trim().trim_start_matches("error: ")),
    }
}

/// After a signal, what a submission started: the applications it printed,
/// and those the ResourceManager at `base` lists with its `tag` and not
/// final yet (submitted before the id was printed). Each is killed.
pub async fn kill_submitted(
    engine: &Engine,
    plan: &Plan,
    base: Option<&str>,
    tag: &str,
    output: &[String],
    progress: &dyn Progress,
) -> String {
    let mut ids: Vec<String> = application_id(output).into_iter().collect();
    if let Some(base) = base {
        let url = format!("{base}/ws/v1/cluster/apps?applicationTags={tag}");
        if let Ok(resp) = crate::http::client().get(&url).header("Accept", "application/json").timeout(Duration::from_secs(5)).send().await
        {
            let apps = preflight::parse_apps(&resp.text().await.unwrap_or_default()).unwrap_or_default();
            ids.extend(apps.into_iter().filter(|a| !matches!(a.state.as_str(), "FINISHED" | "FAILED" | "KILLED")).map(|a| a.id));
        }
    }
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return "no YARN application was submitted yet".to_string();
    }
    kill(engine, plan, base, &ids, progress).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    #[test]
    fn application_ids_in_spark_submit_output() {
        let out = lines(
            "25/01/01 INFO Client: Requesting a new application from cluster with 2 NodeManagers\n\
             25/01/01 INFO Client: Submitting application application_1700000000000_0007 to ResourceManager\n\
             25/01/01 INFO YarnClientImpl: Submitted application application_1700000000000_0007",
        );
        assert_eq!(application_id(&out).as_deref(), Some("application_1700000000000_0007"));
        assert_eq!(application_id(&lines("no application_ here, nor application_12_")), None);
    }

    #[test]
    fn rm_answers() {
        let app = parse_app(r#"{"app":{"id":"application_1_0001","state":"FINISHED","finalStatus":"SUCCEEDED","diagnostics":"","trackingUrl":"http://rm:8088/x"}}"#).unwrap();
        assert!(app.is_final() && app.succeeded());
        let running = parse_app(r#"{"app":{"id":"application_1_0001","state":"RUNNING","finalStatus":"UNDEFINED"}}"#).unwrap();
        assert!(!running.is_final() && !running.succeeded());
        let failed = parse_app(r#"{"app":{"id":"a","state":"FAILED","finalStatus":"FAILED","diagnostics":"AM exited"}}"#).unwrap();
        assert!(failed.is_final() && !failed.succeeded());
        assert!(parse_app("<html>").is_err());
    }
}
