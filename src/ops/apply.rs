//! `up`: make the swarm match the plan, in dependency order, and return when
//! every role is ready (or fail with a diagnosis).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use std::future::Future;
use std::pin::Pin;

use futures_util::future::join_all;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::ready::{self, RoleState};
use super::rounds::{self, Stage, Verdict};
use crate::diag::{Diagnostic, Diagnostics};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::output::{Progress, State};
use crate::plan::diff::{self, Action, Changes};
use crate::plan::ports;
use crate::plan::{HookDef, ImageSet, Plan, ServiceDef};

const POLL: Duration = Duration::from_millis(250);

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

/// Where a service is, with what `up` remembers of applying it.
enum Step {
    Blocked,
    /// Applied at `at`; `before`: ids of its tasks older than the change.
    Applied {
        at: Instant,
        before: HashSet<String>,
        desired: u64,
    },
    Ready,
}

impl Step {
    fn stage(&self) -> Stage {
        match self {
            Step::Blocked => Stage::Blocked,
            Step::Applied { .. } => Stage::Applied,
            Step::Ready => Stage::Ready,
        }
    }
}

/// What `up` works out before it changes anything, from the plan and the
/// swarm (reads only): also what `up --dry-run` reports.
pub struct Prepared {
    /// The plan with placement pinned and ports remapped.
    pub plan: Plan,
    /// The plan the last `up` stored.
    pub previous: Option<Plan>,
    /// Host ports other services publish → their service.
    pub taken: BTreeMap<u16, String>,
    pub remaps: Vec<ports::Remap>,
    pub observed: diff::Observed,
    pub changes: Changes,
    /// Roles of several pinned members that all run on one node.
    pub together: Vec<String>,
}

/// Placement, stranded coordinators, port remaps and the diff against what
/// runs, the same for `up` and `up --dry-run`.
pub async fn prepare(engine: &Engine, plan: &Plan) -> Result<Prepared> {
    engine.manager().await?;
    let mut plan = plan.clone();
    // Any error reading the stored state (unreadable because another bdprov
    // version wrote it, or the engine failing to list it) is swallowed: it only
    // means that pins and remappable ports are chosen afresh.
    let previous = engine.load_state(&plan.cluster).await.unwrap_or(None);
    if let Some(before) = &previous {
        let reshaped = crate::plan::reshaped(before, &plan);
        if let Some((role, volumes)) = reshaped.first() {
            let shape = |p: &Plan| if p.services_of(role).any(|s| s.member.is_some()) { "members of their own" } else { "one service" };
            return Err(Error::help(
                format!(
                    "cluster {} runs `{role}` as {} (blueprint {}) on {}; blueprint {} makes it {}, which would start on new, empty volumes and leave its data behind; nothing was changed",
                    plan.cluster,
                    shape(before),
                    before.blueprint,
                    volumes.join(", "),
                    plan.blueprint,
                    shape(&plan)
                ),
                format!(
                    "bring it up under another name (`--name`), or keep its blueprint; to move the data, `bdprov down {}` (volumes are kept) and convert by hand ({})",
                    plan.cluster,
                    crate::systems::reshape_by_hand()
                ),
            ));
        }
    }
    let nodes = engine.nodes().await?;
    let (key, value) = crate::plan::MASTER_LABEL;
    crate::plan::resolve_placement(
        &mut plan,
        nodes.iter().any(|n| n.labels.get(key).map(String::as_str) == Some(value)),
        previous.as_ref(),
    );
    let usable: Vec<String> =
        nodes.iter().filter(|n| n.ready && n.availability == crate::engine::Availability::Active).map(|n| n.hostname.clone()).collect();
    let together = crate::plan::pin_members(&mut plan, &usable, previous.as_ref());
    // A pinned role whose node is down or drained cannot start anywhere else
    // without its data: say so now, before changing anything, instead of
    // waiting for its probe to time out.
    let stranded: Vec<_> = plan
        .services
        .iter()
        .filter_map(|s| super::nodeloss::stranded(s, &nodes))
        .map(|s| super::nodeloss::Stranded { ran_there: previous.is_some(), ..s })
        .collect();
    if let Some(first) = stranded.first() {
        let lines: Vec<String> = stranded.iter().map(|s| format!("role `{}` cannot run: {}", s.role, s.problem())).collect();
        return Err(Error::help(format!("{}; nothing was changed", lines.join("\n       ")), first.help()));
    }
    let taken = engine.foreign_ports(&plan.cluster).await?;
    let remaps = ports::resolve(&mut plan, &taken, previous.as_ref())?;
    let mut observed = engine.observe(&plan).await?;
    observed.secrets = engine.cluster_secrets(&plan.cluster).await?;
    let changes = diff::diff(&plan, &observed).map_err(|conflicts| {
        Error::help(
            conflicts.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n       "),
            "bdprov only changes objects it created for this cluster",
        )
    })?;
    Ok(Prepared { plan, previous, taken, remaps, observed, changes, together })
}

pub async fn up(engine: &Engine, plan: &Plan, progress: &dyn Progress) -> Result<Outcome> {
    let started = Instant::now();
    let Prepared { plan, taken, remaps, observed, changes, together, .. } = prepare(engine, plan).await?;
    for remap in &remaps {
        progress.note(&remap.to_string());
    }
    if !together.is_empty() {
        progress.note(&format!(
            "every member of {} runs on one node: that node is still a single point of failure (members stay pinned where their data is; a cluster brought up on more nodes spreads them)",
            together.join(", ")
        ));
    }
    for note in ports::exposure_notes(&plan) {
        progress.note(&note);
    }
    let plan = &plan;
    preflight(engine, plan, &taken).await?;
    super::decommission::guard_up(plan, &changes, &observed.services)?;
    let changed = !changes.is_empty();
    // The jars of the configs that are artifacts (Java agents), before
    // anything is created: a download that fails leaves the swarm untouched.
    let wanted: BTreeSet<String> = changes.create_configs.iter().filter_map(|n| plan.config(n)?.artifact.clone()).collect();
    let jars = crate::images::maven::agents(&wanted.into_iter().collect::<Vec<_>>(), progress)
        .await
        .map_err(|e| e.context(&format!("cluster {}: a Java agent its configs mount; nothing was changed", plan.cluster)))?;

    // Stored first, so `status` and `down` know the cluster even if `up` fails.
    engine.save_state(plan).await?;
    if changes.create_network {
        engine.create_network(&plan.network).await?;
        progress.note(&format!("created network {}", plan.network.name));
        observe(engine, progress).await?;
    }
    let mut config_ids: HashMap<String, String> = observed.configs.iter().map(|(n, id)| (n.clone(), id.clone())).collect();
    for name in &changes.create_configs {
        let def = plan.config(name).expect("diff names plan configs");
        let id = match &def.artifact {
            Some(a) => engine.create_config_bytes(def, jars.get(a).expect("every artifact config's jar was fetched above")).await?,
            None => engine.create_config(def).await?,
        };
        config_ids.insert(name.clone(), id);
    }
    // Secrets are generated once and kept: services find them by id like configs.
    config_ids.extend(observed.secrets.iter().map(|(n, id)| (n.clone(), id.clone())));
    for name in &changes.create_secrets {
        let def = plan.secret(name).expect("diff names plan secrets");
        config_ids.insert(name.clone(), engine.create_secret(def).await?);
        progress.note(&format!("created secret {name}"));
    }

    let roles = wait_in_order(engine, plan, &changes, &config_ids, true, progress).await?;
    // A cluster's own observers (a monitoring cluster's scraper) exist only now.
    observe(engine, progress).await?;

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

/// Keep the roles that observe every cluster on every cluster's network.
async fn observe(engine: &Engine, progress: &dyn Progress) -> Result<()> {
    for name in engine.observe_networks(None).await? {
        progress.note(&format!("{name} now reaches every cluster's network (it restarts to join)"));
    }
    Ok(())
}

/// Carry out `changes` (scale or keep only: no configs) and wait until every
/// role is ready. Hooks belong to `up`: they already ran.
pub async fn wait_for(engine: &Engine, plan: &Plan, changes: &Changes, progress: &dyn Progress) -> Result<Vec<RoleState>> {
    wait_in_order(engine, plan, changes, &HashMap::new(), false, progress).await
}

/// Apply each service once the roles it comes after are ready, and wait for
/// all. A role is ready when all its services are (for an ensemble: all its
/// members, with exactly one leader). What to do each round is decided in
/// [`rounds`]; this carries it out. Hooks run alongside the rounds (a
/// hook's job takes seconds: the roles it does not hold back go on starting
/// and are seen ready meanwhile); whatever ends the wait, no hook is left
/// running.
async fn wait_in_order(
    engine: &Engine,
    plan: &Plan,
    changes: &Changes,
    config_ids: &HashMap<String, String>,
    run_hooks: bool,
    progress: &dyn Progress,
) -> Result<Vec<RoleState>> {
    let mut hooks = Hooks { running: FuturesUnordered::new(), ended: Vec::new() };
    let waited = rounds_until_ready(engine, plan, changes, config_ids, run_hooks, progress, &mut hooks).await;
    // An error left hooks running: they end on the same signal, or finish
    // their work; either way they report, and remove their jobs.
    while let Some((hook, result)) = hooks.running.next().await {
        report_hook(hook, &result, progress);
    }
    waited
}

type HookRun<'a> = Pin<Box<dyn Future<Output = (&'a HookDef, Result<String>)> + 'a>>;

/// The hooks running alongside the rounds, and those that ended since the
/// last round looked.
struct Hooks<'a> {
    running: FuturesUnordered<HookRun<'a>>,
    ended: Vec<(&'a HookDef, Result<String>)>,
}

impl<'a> Hooks<'a> {
    /// Await `work` while the running hooks go on, keeping those that end.
    /// With `woken`, the first hook that ends cuts the wait short, and
    /// `woken` is the answer (a pause ends at once, so what waits for that
    /// hook starts); without, the wait goes on until `work` is done.
    async fn alongside<T>(&mut self, work: impl Future<Output = T>, mut woken: Option<T>) -> T {
        tokio::pin!(work);
        loop {
            tokio::select! {
                biased;
                v = &mut work => return v,
                Some(ended) = self.running.next(), if !self.running.is_empty() => {
                    self.ended.push(ended);
                    if let Some(v) = woken.take() {
                        return v;
                    }
                }
            }
        }
    }
}

fn report_hook(hook: &HookDef, result: &Result<String>, progress: &dyn Progress) {
    match result {
        Ok(what) => progress.step(&hook.name, State::Done, what),
        Err(Error::Interrupted { report, .. }) => progress.step(&hook.name, State::Failed, report),
        Err(_) => progress.step(&hook.name, State::Failed, ""),
    }
}

#[allow(clippy::too_many_arguments)]
async fn rounds_until_ready<'a>(
    engine: &'a Engine,
    plan: &'a Plan,
    changes: &Changes,
    config_ids: &HashMap<String, String>,
    run_hooks: bool,
    progress: &'a dyn Progress,
    hooks: &mut Hooks<'a>,
) -> Result<Vec<RoleState>> {
    let client = crate::http::client();
    let n = plan.services.len();
    let mut steps: Vec<Step> = (0..n).map(|_| Step::Blocked).collect();
    let mut last: Vec<Option<RoleState>> = vec![None; n];
    let mut hooks_done: HashSet<&str> = if run_hooks { HashSet::new() } else { plan.hooks.iter().map(|h| h.name.as_str()).collect() };
    let mut hooks_started = hooks_done.clone();
    let waiting_for = |after: &[String]| if after.is_empty() { String::new() } else { format!("for {}", after.join(", ")) };
    for svc in &plan.services {
        progress.step(&svc.step(), State::Waiting, &waiting_for(&svc.after));
    }
    for hook in plan.hooks.iter().filter(|_| run_hooks) {
        progress.step(&hook.name, State::Waiting, &waiting_for(&hook.after));
    }
    loop {
        // Hooks that ended: what waits for them may go on.
        for (hook, result) in std::mem::take(&mut hooks.ended) {
            report_hook(hook, &result, progress);
            match result {
                Ok(_) => {
                    hooks_done.insert(&hook.name);
                }
                Err(Error::Interrupted { signal, .. }) => return Err(interrupted(plan, &steps, signal)),
                Err(e) => return Err(e),
            }
        }
        let stages: Vec<Stage> = steps.iter().map(Step::stage).collect();
        let moves = rounds::next_moves(plan, &stages, &hooks_done);
        for hook in moves.hooks.iter().map(|&h| &plan.hooks[h]) {
            if hooks_started.insert(&hook.name) {
                progress.step(&hook.name, State::Running, "");
                hooks.running.push(Box::pin(async move { (hook, super::hooks::run(engine, plan, hook, progress).await) }));
            }
        }
        for i in moves.services {
            let svc = &plan.services[i];
            let action = rounds::action_of(changes, svc);
            // Retired hosts whose slots run again must be taken back first.
            if let Some((def, to)) = rounds::readmit_before(plan, svc, &action) {
                hooks.alongside(super::decommission::readmit(engine, plan, svc, def, to, progress), None).await?;
            }
            let before: HashSet<String> = engine.tasks(&svc.name).await?.into_iter().map(|t| t.id).collect();
            let desired = apply_one(engine, svc, &action, config_ids).await?;
            progress.step(&svc.step(), State::Starting, rounds::action_word(&action));
            steps[i] = Step::Applied { at: Instant::now(), before, desired };
        }
        // Between rounds, someone else may have acted: a broken lease, or a
        // service removed under this command.
        crate::ops::lease::check()?;
        let present: HashSet<String> = engine.cluster_services(&plan.cluster, false).await?.into_iter().map(|s| s.name).collect();
        let mut applied = plan.services.iter().zip(&steps).filter(|(_, step)| !matches!(step, Step::Blocked));
        if let Some((gone, _)) = applied.find(|(svc, _)| !present.contains(&svc.name)) {
            progress.step(&gone.step(), State::Failed, "removed outside bdprov");
            return Err(removed_outside(&plan.cluster, gone));
        }
        let nodes = engine.nodes().await?;
        let pending: Vec<usize> = (0..n).filter(|&i| matches!(steps[i], Step::Applied { .. })).collect();
        let seen = hooks
            .alongside(
                join_all(pending.iter().map(|&i| {
                    let desired = match &steps[i] {
                        Step::Applied { desired, .. } => *desired,
                        _ => 0,
                    };
                    ready::observe(engine, &client, &plan.services[i], desired, &nodes)
                })),
                None,
            )
            .await;
        let mut tasks_of = HashMap::new();
        for (&i, result) in pending.iter().zip(seen) {
            let (state, tasks) = result?;
            last[i] = Some(state);
            tasks_of.insert(i, tasks);
        }
        // Decide per role: every service of the role observed this round.
        for (_, idx) in rounds::roles_to_judge(plan, &pending) {
            let states: Vec<&RoleState> = idx.iter().filter_map(|&i| last[i].as_ref()).collect();
            let (role_ready, ensemble) = rounds::role_verdict(&states);
            for &i in &idx {
                let svc = &plan.services[i];
                let state = last[i].as_ref().expect("observed");
                let Step::Applied { at, before, .. } = &steps[i] else { continue };
                let verdict =
                    rounds::judge(state, role_ready, ensemble.as_deref(), &tasks_of[&i], before, at.elapsed(), rounds::timeout_of(svc));
                match verdict {
                    Verdict::Ready { detail } => {
                        progress.step(&svc.step(), State::Ready, &detail);
                        steps[i] = Step::Ready;
                    }
                    Verdict::Starting { detail } => progress.step(&svc.step(), State::Starting, &detail),
                    Verdict::Failed { detail, problem } => {
                        progress.step(&svc.step(), State::Starting, &detail);
                        progress.step(&svc.step(), State::Failed, &problem.to_string());
                        let diagnosis = ready::diagnose(engine, state, &tasks_of[&i], &problem).await;
                        return Err(Error::help(diagnosis.trim_end().to_string(), problem.help(svc)));
                    }
                }
            }
        }
        if steps.iter().all(|s| matches!(s, Step::Ready)) && hooks_done.len() == plan.hooks.len() {
            return Ok(last.into_iter().flatten().collect());
        }
        // The next round comes after the poll interval, or as soon as a hook
        // ends (what waits for it starts at once); unless a signal comes first.
        if let Err(signal) = hooks.alongside(crate::signals::sleep(POLL), Some(Ok(()))).await {
            return Err(interrupted(plan, &steps, signal));
        }
    }
}

/// A service this command applied is gone, and bdprov did not remove it: the
/// command holds the cluster's lease, so no other bdprov command could have.
pub fn removed_outside(cluster: &str, svc: &ServiceDef) -> Error {
    Error::help(
        format!(
            "service {} (role `{}`) was removed while this command waited for it, by something outside bdprov \
             (e.g. `docker service rm`): no bdprov command could, cluster {cluster} is leased to this one",
            svc.name,
            svc.step()
        ),
        format!("there is nothing of it left to inspect; `bdprov up` recreates it (`bdprov status {cluster}` shows what is left)"),
    )
}

/// What an interrupted `up` leaves: each role where it got to, and how to go on.
fn interrupted(plan: &Plan, steps: &[Step], signal: crate::signals::Signal) -> Error {
    let mut ready = Vec::new();
    let mut starting = Vec::new();
    let mut untouched = Vec::new();
    for (svc, step) in plan.services.iter().zip(steps) {
        match step {
            Step::Ready => ready.push(svc.step()),
            Step::Applied { .. } => starting.push(svc.step()),
            Step::Blocked => untouched.push(svc.step()),
        }
    }
    let mut parts = Vec::new();
    for (what, names) in [("ready", ready), ("started, not ready yet", starting), ("not applied yet", untouched)] {
        if !names.is_empty() {
            parts.push(format!("{what}: {}", names.join(", ")));
        }
    }
    Error::Interrupted {
        signal,
        report: format!("cluster {} is left as it is ({})", plan.cluster, parts.join("; ")),
        help: Some(format!(
            "run the same `bdprov up` again to go on from there (what exists is kept), or `bdprov down {}` to remove it",
            plan.cluster
        )),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::HookActionDef;

    fn hook(name: &str) -> HookDef {
        HookDef { name: name.into(), after: vec![], action: HookActionDef::Job { template: Box::default(), colocate: None } }
    }

    fn ends_after(hook: &HookDef, secs: u64) -> HookRun<'_> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            (hook, Ok(format!("{secs}s")))
        })
    }

    async fn after<T>(secs: u64, v: T) -> T {
        tokio::time::sleep(Duration::from_secs(secs)).await;
        v
    }

    #[tokio::test(start_paused = true)]
    async fn a_hooks_end_cuts_a_pause_short_but_not_other_work() {
        let (a, b) = (hook("a"), hook("b"));
        let mut hooks = Hooks { running: FuturesUnordered::new(), ended: Vec::new() };
        hooks.running.push(ends_after(&a, 1));
        hooks.running.push(ends_after(&b, 5));
        let start = tokio::time::Instant::now();
        let ended = |hooks: &Hooks<'_>| hooks.ended.iter().map(|(h, _)| h.name.clone()).collect::<Vec<_>>();
        // Work goes on past a hook's end, which is kept for the next round.
        assert_eq!(hooks.alongside(after(2, "observed"), None).await, "observed");
        assert_eq!((start.elapsed().as_secs(), ended(&hooks)), (2, vec!["a".to_string()]));
        // A pause ends as soon as a hook does.
        assert_eq!(hooks.alongside(after(60, "slept"), Some("woken")).await, "woken");
        assert_eq!((start.elapsed().as_secs(), ended(&hooks)), (5, vec!["a".to_string(), "b".to_string()]));
        // With no hook running, a pause is the whole interval.
        assert_eq!(hooks.alongside(after(3, "slept"), Some("woken")).await, "slept");
        assert_eq!(start.elapsed().as_secs(), 8);
    }
}
