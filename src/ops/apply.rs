//! `up`: make the swarm match the plan, in dependency order, and return when
//! every role is ready (or fail with a diagnosis).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::ready::{self, RoleState};
use crate::diag::{Diagnostic, Diagnostics};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::Progress;
use crate::plan::diff::{self, Action, Changes};
use crate::plan::ports;
use crate::plan::{ImageSet, Plan, ServiceDef};

const POLL: Duration = Duration::from_millis(250);
const DEFAULT_TIMEOUT: u64 = 180;

pub struct Outcome {
    pub changed: bool,
    pub roles: Vec<RoleState>,
    pub elapsed: Duration,
}

/// Checks that need the swarm but change nothing: images present, ports
/// free (`taken`: host ports of other services → their service).
async fn preflight(engine: &Engine, plan: &Plan, taken: &BTreeMap<u16, String>) -> Result<()> {
    let mut errs = Diagnostics::default();
    let mut checked = HashSet::new();
    for svc in &plan.services {
        if !checked.insert(svc.image.clone()) {
            continue;
        }
        if !engine.image_exists(&svc.image).await? && plan.images == ImageSet::Local {
            let kit = svc.image.trim_start_matches("bdprov/").split(':').next().unwrap_or("").to_string();
            errs.push(
                Diagnostic::new(format!("image {} is not built on this engine (role {})", svc.image, svc.role))
                    .help(format!("run `bdprov images build {kit}` first")),
            );
        }
    }
    for svc in &plan.services {
        for p in &svc.ports {
            if let Some(owner) = p.published.and_then(|pp| taken.get(&pp)) {
                errs.push(
                    Diagnostic::new(format!(
                        "roles.{}.ports.{}: port {} is already published by service `{owner}`",
                        svc.role,
                        p.name,
                        p.published.unwrap_or(0)
                    ))
                    .help(format!("publish it elsewhere: --set {}.ports.{}.published=<port>", svc.role, p.name)),
                );
            }
        }
    }
    errs.finish(()).map_err(Error::Input)
}

enum Step {
    /// Waiting for the roles it comes after.
    Blocked,
    /// Created, updated or kept; waiting to be ready.
    Applied {
        at: Instant,
        before: HashSet<String>,
        desired: u64,
    },
    Ready,
}

pub async fn up(engine: &Engine, plan: &Plan, progress: &dyn Progress) -> Result<Outcome> {
    let started = Instant::now();
    engine.manager().await?;
    let mut plan = plan.clone();
    // Unreadable state (written by another bdprov version) only means that
    // pins and remappable ports are chosen afresh.
    let previous = engine.load_state(&plan.cluster).await.unwrap_or(None);
    let nodes = engine.nodes().await?;
    let (key, value) = crate::plan::MASTER_LABEL;
    crate::plan::resolve_placement(
        &mut plan,
        nodes.iter().any(|n| n.labels.get(key).map(String::as_str) == Some(value)),
        previous.as_ref(),
    );
    let taken = engine.foreign_ports(&plan.cluster).await?;
    for remap in ports::resolve(&mut plan, &taken, previous.as_ref()).map_err(Error::msg)? {
        progress.note(&remap.to_string());
    }
    let plan = &plan;
    preflight(engine, plan, &taken).await?;
    let mut observed = engine.observe(plan).await?;
    observed.secrets = engine.cluster_secrets(&plan.cluster).await?;
    let changes = diff::diff(plan, &observed).map_err(|conflicts| {
        Error::help(
            conflicts.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n       "),
            "bdprov only changes objects it created for this cluster",
        )
    })?;
    super::decommission::guard_up(plan, &changes, &observed.services)?;
    let changed = !changes.is_empty();

    // Stored first, so `status` and `down` know the cluster even if `up` fails.
    engine.save_state(plan).await?;
    if changes.create_network {
        engine.create_network(&plan.network).await?;
        progress.note(&format!("created network {}", plan.network.name));
    }
    let mut config_ids: HashMap<String, String> = observed.configs.iter().map(|(n, id)| (n.clone(), id.clone())).collect();
    for name in &changes.create_configs {
        let def = plan.config(name).expect("diff names plan configs");
        config_ids.insert(name.clone(), engine.create_config(def).await?);
    }
    // Secrets are generated once and kept: services find them by id like configs.
    config_ids.extend(observed.secrets.iter().map(|(n, id)| (n.clone(), id.clone())));
    for name in &changes.create_secrets {
        let def = plan.secret(name).expect("diff names plan secrets");
        config_ids.insert(name.clone(), engine.create_secret(def).await?);
        progress.note(&format!("created secret {name}"));
    }

    let roles = wait_in_order(engine, plan, &changes, &config_ids, true, progress).await?;

    for name in &changes.remove_services {
        engine.remove_service(name).await?;
        progress.note(&format!("removed service {name} (its role left the blueprint)"));
    }
    for name in &changes.remove_configs {
        if let Some(id) = config_ids.get(name) {
            // Still referenced by a task being replaced: try again on the next `up`.
            let _ = engine.remove_config(id).await;
        }
    }
    for name in &changes.remove_secrets {
        if let Some(id) = observed.secrets.get(name) {
            engine.remove_secret_when_free(id).await?;
            progress.note(&format!("removed secret {name} (the blueprint no longer names it)"));
        }
    }
    Ok(Outcome { changed, roles, elapsed: started.elapsed() })
}

/// Carry out `changes` (scale or keep only: no configs) and wait until every
/// role is ready. Hooks belong to `up`: they already ran.
pub async fn wait_for(engine: &Engine, plan: &Plan, changes: &Changes, progress: &dyn Progress) -> Result<Vec<RoleState>> {
    wait_in_order(engine, plan, changes, &HashMap::new(), false, progress).await
}

/// Apply each service once the roles it comes after are ready, and wait for
/// all. A role is ready when all its services are (for an ensemble: all its
/// members, with exactly one leader).
async fn wait_in_order(
    engine: &Engine,
    plan: &Plan,
    changes: &Changes,
    config_ids: &HashMap<String, String>,
    run_hooks: bool,
    progress: &dyn Progress,
) -> Result<Vec<RoleState>> {
    let client = crate::probe::client();
    let n = plan.services.len();
    let mut steps: Vec<Step> = (0..n).map(|_| Step::Blocked).collect();
    let mut last: Vec<Option<RoleState>> = vec![None; n];
    let mut hooks_done: HashSet<&str> = if run_hooks { HashSet::new() } else { plan.hooks.iter().map(|h| h.name.as_str()).collect() };
    let waiting_for = |after: &[String]| if after.is_empty() { String::new() } else { format!("for {}", after.join(", ")) };
    for svc in &plan.services {
        progress.step(&svc.step(), "waiting", &waiting_for(&svc.after));
    }
    for hook in plan.hooks.iter().filter(|_| run_hooks) {
        progress.step(&hook.name, "waiting", &waiting_for(&hook.after));
    }
    loop {
        let mut done: HashSet<&str> = plan
            .services
            .iter()
            .map(|s| s.role.as_str())
            .filter(|role| plan.services.iter().zip(&steps).filter(|(s, _)| s.role == *role).all(|(_, st)| matches!(st, Step::Ready)))
            .collect();
        done.extend(hooks_done.iter().copied());
        let known = |a: &str| plan.service(a).is_some() || plan.hooks.iter().any(|h| h.name == a);
        let unblocked = |after: &[String]| after.iter().all(|a| done.contains(a.as_str()) || !known(a));
        for hook in &plan.hooks {
            if !hooks_done.contains(hook.name.as_str()) && unblocked(&hook.after) {
                progress.step(&hook.name, "running", "");
                let what =
                    super::hooks::run(engine, plan, hook, progress).await.inspect_err(|_| progress.step(&hook.name, "failed", ""))?;
                progress.step(&hook.name, "done", &what);
                hooks_done.insert(&hook.name);
            }
        }
        for (i, svc) in plan.services.iter().enumerate() {
            if matches!(steps[i], Step::Blocked) && unblocked(&svc.after) {
                let action = changes.action(&svc.name).cloned().unwrap_or(Action::Create);
                // Retired hosts whose slots run again must be taken back first.
                if let (Some(def), Action::Scale { to, .. } | Action::Update { replicas: to, .. }) =
                    (plan.decommission_of(&svc.role), &action)
                {
                    super::decommission::readmit(engine, plan, svc, def, *to, progress).await?;
                }
                let before: HashSet<String> = engine.tasks(&svc.name).await?.into_iter().map(|t| t.id).collect();
                let desired = apply_one(engine, svc, &action, config_ids).await?;
                let word = match action {
                    Action::Create => "created",
                    Action::Update { .. } => "updated",
                    Action::Scale { .. } => "scaled",
                    Action::Keep { .. } => "unchanged",
                };
                progress.step(&svc.step(), "starting", word);
                steps[i] = Step::Applied { at: Instant::now(), before, desired };
            }
        }
        let nodes = engine.nodes().await?;
        let pending: Vec<usize> = (0..n).filter(|&i| matches!(steps[i], Step::Applied { .. })).collect();
        let seen = join_all(pending.iter().map(|&i| {
            let desired = match &steps[i] {
                Step::Applied { desired, .. } => *desired,
                _ => 0,
            };
            ready::observe(engine, &client, &plan.services[i], desired, &nodes)
        }))
        .await;
        let mut tasks_of = HashMap::new();
        for (&i, result) in pending.iter().zip(seen) {
            let (state, tasks) = result?;
            last[i] = Some(state);
            tasks_of.insert(i, tasks);
        }
        // Decide per role: every service of the role observed this round.
        let roles: Vec<&str> =
            pending.iter().map(|&i| plan.services[i].role.as_str()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        for role in roles {
            let idx: Vec<usize> = (0..n).filter(|&i| plan.services[i].role == role).collect();
            if !idx.iter().all(|i| pending.contains(i)) {
                continue; // some members still blocked
            }
            let states: Vec<&RoleState> = idx.iter().filter_map(|&i| last[i].as_ref()).collect();
            let ensemble = ready::ensemble_problem(&states);
            let all_ready = states.iter().all(|s| s.is_ready) && ensemble.is_none();
            for &i in &idx {
                let svc = &plan.services[i];
                let state = last[i].as_ref().expect("observed");
                if all_ready {
                    progress.step(&svc.step(), "ready", &ready_detail(state));
                    steps[i] = Step::Ready;
                    continue;
                }
                let detail = match (&ensemble, state.is_ready) {
                    (Some(problem), true) => format!("{}; {problem}", state.detail),
                    _ => state.detail.clone(),
                };
                progress.step(&svc.step(), "starting", &detail);
                let Step::Applied { at, before, .. } = &steps[i] else { continue };
                let timeout = Duration::from_secs(svc.probe.as_ref().map_or(DEFAULT_TIMEOUT, |p| p.timeout_secs));
                let problem = ready::trouble(&tasks_of[&i], before)
                    .or_else(|| (at.elapsed() > timeout).then(|| format!("not ready after {}s: {detail}", timeout.as_secs())));
                if let Some(problem) = problem {
                    progress.step(&svc.step(), "failed", &problem);
                    let diagnosis = ready::diagnose(engine, state, &tasks_of[&i], &problem).await;
                    return Err(Error::help(diagnosis.trim_end().to_string(), help_for(&problem, svc)));
                }
            }
        }
        if steps.iter().all(|s| matches!(s, Step::Ready)) && hooks_done.len() == plan.hooks.len() {
            return Ok(last.into_iter().flatten().collect());
        }
        tokio::time::sleep(POLL).await;
    }
}

fn ready_detail(s: &RoleState) -> String {
    let mut d = format!("{}/{} ready", s.ready, s.desired);
    if let Some(m) = &s.mode {
        d.push_str(&format!(" ({m})"));
    }
    if !s.urls.is_empty() {
        d.push_str(&format!("  {}", s.urls.join(" ")));
    }
    d
}

fn help_for(problem: &str, svc: &ServiceDef) -> String {
    if problem.contains("image") {
        format!("build the offline images (`bdprov images build`) and use --images local, or make {} pullable on every node", svc.image)
    } else if problem.contains("per node") {
        format!("add nodes, or lower the replicas: --set {}.replicas=N (or `bdprov scale {}=N`)", svc.role, svc.role)
    } else if problem.contains("port") {
        format!("free the port, or publish {} elsewhere with --set {}.ports.<name>.published=<port>", svc.role, svc.role)
    } else {
        format!(
            "see `bdprov logs {}` and `bdprov status`; the cluster was left as it is for inspection (`bdprov down` removes it)",
            svc.role
        )
    }
}

/// Carry out one service's action; returns the replicas it should run.
async fn apply_one(engine: &Engine, svc: &ServiceDef, action: &Action, config_ids: &HashMap<String, String>) -> Result<u64> {
    Ok(match action {
        Action::Create => {
            engine.create_service(svc, svc.replicas, config_ids).await?;
            svc.replicas
        }
        Action::Update { replicas, .. } => {
            engine.update_service(svc, *replicas, config_ids).await?;
            *replicas
        }
        Action::Scale { to, .. } => {
            engine.scale_service(&svc.name, *to, Some(svc.replicas)).await?;
            *to
        }
        Action::Keep { replicas } => *replicas,
    })
}
