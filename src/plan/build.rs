//! Blueprint → plan: render every template, resolve every name, and lay out
//! the swarm objects. Pure; all problems come back together.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tera::Context;

use super::*;
use crate::blueprint::{Blueprint, Check, ConfigSource, Decommission, Hook, Jobs, Role, Text, Workload};
use crate::diag::{Diagnostic, Diagnostics};
use crate::render::Renderer;
use crate::units::{parse_bytes, parse_cpus, CPUS_HELP, CPUS_PROBLEM, MEMORY_HELP, MEMORY_PROBLEM};

pub use crate::blueprint::ImageSet;

pub struct Options {
    pub cluster: String,
    pub images: ImageSet,
    /// A private registry (HOST:PORT) holding the offline images.
    pub registry: Option<String>,
    /// Who plans the blueprint's sections that belong to a system
    /// (`crate::systems::Sections`: the planner names no product).
    pub systems: &'static dyn Systems,
}

/// What the planner asks of the systems, which it may not name
/// (`crate::systems::Sections` answers, handed in by [`Options`]): each
/// plans its own sections of a blueprint through a [`Planner`].
pub trait Systems {
    /// The plan's job kinds, from the blueprint's `jobs`.
    fn jobs(&self, p: &mut Planner, jobs: &Jobs) -> JobDefs;
    /// What a hook does: a job is the builder's own ([`Planner::job_hook`]),
    /// the others their system's.
    fn hook(&self, p: &mut Planner, h: &Hook) -> HookActionDef;
}

pub fn service_name(cluster: &str, role: &str) -> String {
    format!("{cluster}_{role}")
}

/// The DNS name of ensemble member `id` of `role`.
pub fn member_host(role: &str, id: u64) -> String {
    format!("{role}-{id}")
}

pub fn build(bp: &Blueprint, renderer: &Renderer, opts: &Options) -> Result<Plan, Diagnostics> {
    let cluster = opts.cluster.as_str();
    let network = bp.network.clone().unwrap_or_else(|| format!("{cluster}-net"));
    let (base_ctx, role_vars) = context(bp, cluster, &network, opts.images);
    let mut b = Builder {
        bp,
        renderer,
        opts,
        network: network.clone(),
        errs: Diagnostics::default(),
        configs: Vec::new(),
        volumes: Vec::new(),
        no_local: BTreeMap::new(),
    };
    let mut services = Vec::new();
    let mut decommission = Vec::new();
    let mut failover = Vec::new();
    let mut left_out = Vec::new();
    for role in &bp.roles {
        if let Some(why) = b.left_out(&role.workload) {
            left_out.push((role.name.clone(), why));
            continue;
        }
        let mut ctx = base_ctx.clone();
        ctx.insert("role", &role_vars.get(&role.name).cloned().unwrap_or_default());
        if let Some(d) = &role.decommission {
            decommission.push(b.decommission(role, d, &ctx));
        }
        if let Some(f) = &role.failover {
            failover.push(b.failover(role, f, &ctx));
        }
        match role.members {
            None => services.extend(b.service(role, &ctx, None)),
            Some(n) => {
                for id in 1..=n {
                    ctx.insert("member", &json!({ "id": id, "host": member_host(&role.name, id) }));
                    services.extend(b.service(role, &ctx, Some(id)));
                }
            }
        }
    }
    let jobs = opts.systems.jobs(&mut Planner { b: &mut b, ctx: &base_ctx }, &bp.jobs);
    // A hook only one image set needs is left out with the other; what
    // comes `after` it does not wait for it (nor for a left-out role).
    let hooks = bp.hooks.iter().filter(|h| h.images.is_none_or(|set| set == opts.images)).map(|h| b.hook(h, &base_ctx)).collect();
    b.report_no_local();
    let labels = BTreeMap::from([(labels::CLUSTER.to_string(), cluster.to_string()), (labels::BLUEPRINT.to_string(), bp.name.clone())]);
    let secrets = bp
        .secrets
        .iter()
        .map(|d| {
            let mut l = labels.clone();
            super::labels::Kind::Secret.mark(&mut l);
            SecretDef { name: secret_name(cluster, &d.name), length: d.length, labels: l }
        })
        .collect();
    let plan = Plan {
        cluster: cluster.to_string(),
        blueprint: bp.name.clone(),
        images: opts.images,
        network: NetworkDef { name: network, labels },
        configs: b.configs,
        volumes: b.volumes,
        services,
        hooks,
        jobs,
        decommission,
        left_out,
        secrets,
        failover,
    };
    b.errs.finish(plan)
}

/// What templates see: `cluster`, `values`, `roles` (and `role` for the role
/// being rendered). `cluster.images` (`official` or `local`) lets a template
/// use what only the kit's images carry (an agent jar, say);
/// `cluster.max_child_ports` is how many child ports a role's `metrics` may
/// list (a scraper's configuration tries each position).
fn context(bp: &Blueprint, cluster: &str, network: &str, images: ImageSet) -> (Context, serde_json::Map<String, Value>) {
    let roles: serde_json::Map<String, Value> = bp
        .roles
        .iter()
        .map(|r| {
            let ports: serde_json::Map<String, Value> = r.ports.iter().map(|p| (p.name.clone(), json!(p.target))).collect();
            let published: serde_json::Map<String, Value> =
                r.ports.iter().filter_map(|p| p.published.map(|n| (p.name.clone(), json!(n)))).collect();
            let members: Vec<Value> =
                (1..=r.members.unwrap_or(0)).map(|id| json!({ "id": id, "host": member_host(&r.name, id) })).collect();
            (
                r.name.clone(),
                json!({
                    "name": r.name,
                    "host": r.name,
                    "service": service_name(cluster, &r.name),
                    "replicas": r.members.unwrap_or(r.replicas),
                    "members": members,
                    "ports": ports,
                    "published": published,
                }),
            )
        })
        .collect();
    let mut ctx = Context::new();
    ctx.insert(
        "cluster",
        &json!({
            "name": cluster, "network": network, "blueprint": bp.name, "images": images, "max_child_ports": MAX_CHILD_PORTS,
        }),
    );
    ctx.insert("values", &bp.values);
    ctx.insert("roles", &Value::Object(roles.clone()));
    (ctx, roles)
}

struct Builder<'a> {
    bp: &'a Blueprint,
    renderer: &'a Renderer,
    opts: &'a Options,
    network: String,
    errs: Diagnostics,
    configs: Vec<ConfigDef>,
    volumes: Vec<VolumeDef>,
    /// With `--images local`: image keys without an offline build → who runs them.
    no_local: BTreeMap<String, Vec<String>>,
}

impl Builder<'_> {
    fn text(&mut self, t: &Text, ctx: &Context) -> String {
        self.renderer.text(t, ctx).unwrap_or_else(|d| {
            self.errs.push(d);
            String::new()
        })
    }

    fn texts(&mut self, ts: &[Text], ctx: &Context) -> Vec<String> {
        ts.iter().map(|t| self.text(t, ctx)).collect()
    }

    /// Render `t` and read it with `parse`; a value it refuses is reported
    /// at `t`'s place with `problem` and `help`.
    fn parsed<T>(
        &mut self,
        t: &Text,
        ctx: &Context,
        path: &str,
        parse: impl Fn(&str) -> Option<T>,
        problem: &str,
        help: &str,
    ) -> Option<T> {
        let rendered = self.renderer.text(t, ctx).map_err(|d| self.errs.push(d)).ok()?;
        let value = parse(&rendered);
        if value.is_none() {
            let shown = if rendered == t.text { String::new() } else { format!(" (`{rendered}`)") };
            self.errs.push(Diagnostic::at(&t.span, format!("{path}: {problem}{shown}")).help(help));
        }
        value
    }

    /// A role's published port; decoding checked that it exists. An
    /// ensemble answers through its first member (whose read-only front,
    /// for a ResourceManager pair, follows a standby's redirects to the
    /// active one).
    fn endpoint(&self, role: &str, port: &str) -> EndpointDef {
        let target = self.bp.role(role).expect("endpoint roles are checked");
        let port = target.port(port).and_then(|p| p.published).expect("endpoint ports are checked");
        let mut members = self.members_of(target, port).into_iter();
        let (service, port) = members.next().unwrap_or_else(|| (service_name(&self.opts.cluster, role), port));
        EndpointDef { service, role: role.to_string(), port, others: members.collect() }
    }

    /// The services and published ports of an ensemble's members (none for
    /// a role without `members`): member N publishes `port + N - 1`.
    fn members_of(&self, role: &Role, port: u16) -> Vec<(String, u16)> {
        (1..=role.members.unwrap_or(0))
            .map(|m| (service_name(&self.opts.cluster, &member_host(&role.name, m)), port + m as u16 - 1))
            .collect()
    }

    fn failover(&mut self, role: &Role, f: &crate::blueprint::Failover, ctx: &Context) -> FailoverDef {
        let action = match f {
            crate::blueprint::Failover::Restart => FailoverActionDef::Restart,
            crate::blueprint::Failover::Job { workload, command } => {
                let mut template = self.job_template(workload, &format!("roles.{}.failover.job", role.name), ctx);
                template.role = format!("{}-failover", role.name);
                template.entrypoint = Some(self.texts(command, ctx));
                template.command = None;
                FailoverActionDef::Job { template: Box::new(template) }
            }
        };
        FailoverDef { role: role.name.clone(), action }
    }

    /// Why a role is left out of this cluster: its image cannot be built
    /// offline and local images were asked for.
    fn left_out(&self, w: &Workload) -> Option<String> {
        let choice = self.bp.image(&w.image)?;
        match (self.opts.images, &choice.local) {
            (ImageSet::Local, None) => choice.without_local.clone(),
            _ => None,
        }
    }

    fn image(&mut self, w: &Workload, path: &str) -> String {
        let Some(choice) = self.bp.image(&w.image) else { return w.image.clone() };
        match (self.opts.images, &choice.local) {
            (ImageSet::Official, _) => choice.official.clone(),
            (ImageSet::Local, Some(local)) => match &self.opts.registry {
                Some(r) => format!("{r}/{local}"),
                None => local.clone(),
            },
            (ImageSet::Local, None) => {
                let users = self.no_local.entry(choice.key.clone()).or_default();
                if !users.iter().any(|u| u == path) {
                    users.push(path.to_string());
                }
                choice.official.clone()
            }
        }
    }

    /// One problem per image without an offline build, naming every role and
    /// job that runs it (ensemble members and several roles share one image).
    fn report_no_local(&mut self) {
        let with_local: Vec<&str> = self.bp.images.iter().filter(|i| i.local.is_some()).map(|i| i.key.as_str()).collect();
        let has = if with_local.is_empty() { "none".to_string() } else { format!("them only for {}", with_local.join(", ")) };
        for (key, users) in std::mem::take(&mut self.no_local) {
            let choice = self.bp.image(&key).expect("recorded from the blueprint's images");
            self.errs.push(
                Diagnostic::at(&choice.span, format!("images.{key}: `{key}` has no offline build (used by {})", users.join(", "))).help(format!(
                    "--images local runs every image from an offline build, and this blueprint has {has}; run with --images official, with {} available on every node",
                    choice.official
                )),
            );
        }
    }

    /// The container part shared by roles and jobs.
    fn container(&mut self, w: &Workload, role: &str, member: Option<u64>, path: &str, ctx: &Context) -> ServiceDef {
        let cluster = &self.opts.cluster;
        let role_labels = BTreeMap::from([
            (labels::CLUSTER.to_string(), cluster.clone()),
            (labels::BLUEPRINT.to_string(), self.bp.name.clone()),
            (labels::ROLE.to_string(), role.to_string()),
        ]);
        let mut s = ServiceDef {
            name: service_name(cluster, role),
            role: role.to_string(),
            image: self.image(w, path),
            network: self.network.clone(),
            labels: role_labels.clone(),
            replicas: 1,
            ..Default::default()
        };
        s.entrypoint = w.entrypoint.as_ref().map(|v| v.iter().map(|t| self.text(t, ctx)).collect());
        s.command = w.command.as_ref().map(|v| v.iter().map(|t| self.text(t, ctx)).collect());
        s.env = w.env.iter().map(|(k, v)| format!("{k}={}", self.text(v, ctx))).collect();
        s.hostname = w.hostname.as_ref().map(|h| self.text(h, ctx));
        s.user = w.user.clone();
        s.workdir = w.workdir.clone();
        for c in &w.configs {
            // A template's rendered text, or an artifact (fetched by `up`),
            // named after the SHA-256 its lock pins.
            let (data, artifact, hash) = match &c.source {
                ConfigSource::Template(template) => match self.renderer.file(template, ctx, &c.span) {
                    Ok(d) => {
                        let hash = content_hash(&d);
                        (d, None, hash)
                    }
                    Err(d) => {
                        self.errs.push(d);
                        continue;
                    }
                },
                ConfigSource::Artifact(name) => {
                    let a = crate::lock::agent(name).expect("the decoder refuses an artifact the lock does not pin");
                    (String::new(), Some(name.clone()), a.sha256[..10].to_string())
                }
            };
            let name = format!("{cluster}_{}-{hash}", c.name);
            if !self.configs.iter().any(|x| x.name == name) {
                let mut l = role_labels.clone();
                l.remove(labels::ROLE);
                self.configs.push(ConfigDef { name: name.clone(), data, labels: l, artifact });
            }
            s.configs.push(ConfigMount { config: name, target: c.target.clone(), mode: c.mode });
        }
        for v in &w.volumes {
            // Ensemble members always keep their own volumes, named by member.
            let source = match (member, v.per_replica) {
                (Some(m), _) => format!("{cluster}_{}-{}", member_host(role, m), v.name),
                (None, true) => format!("{cluster}_{role}-{}-{{{{.Task.Slot}}}}", v.name),
                (None, false) => format!("{cluster}_{}", v.name),
            };
            let mut l = BTreeMap::from([(labels::CLUSTER.to_string(), cluster.clone())]);
            if v.per_replica || member.is_some() {
                l.insert(labels::ROLE.to_string(), role.to_string());
            }
            match self.volumes.iter_mut().find(|x| x.name == source) {
                Some(existing) if !existing.roles.iter().any(|r| r == role) => existing.roles.push(role.to_string()),
                Some(_) => {}
                None => self.volumes.push(VolumeDef { name: source.clone(), per_replica: v.per_replica, roles: vec![role.to_string()] }),
            }
            let target = self.text(&v.target, ctx);
            s.mounts.push(MountDef { source, target, readonly: v.readonly, bind: false, labels: l });
        }
        s.secrets = w
            .secrets
            .iter()
            .map(|u| SecretMount { secret: secret_name(cluster, &u.name), target: u.target.clone(), uid: u.uid, gid: u.gid, mode: u.mode })
            .collect();
        let cpus = w
            .resources
            .cpus
            .as_ref()
            .and_then(|c| self.parsed(c, ctx, &format!("{path}.resources.cpus"), parse_cpus, CPUS_PROBLEM, CPUS_HELP));
        let memory = w
            .resources
            .memory
            .as_ref()
            .and_then(|m| self.parsed(m, ctx, &format!("{path}.resources.memory"), parse_bytes, MEMORY_PROBLEM, MEMORY_HELP));
        s.resources = ResourcesDef { nano_cpus: cpus.map(|c| (c * 1e9) as i64), memory_bytes: memory.map(|m| m as i64) };
        s
    }

    fn service(&mut self, role: &Role, ctx: &Context, member: Option<u64>) -> Option<ServiceDef> {
        let path = format!("roles.{}", role.name);
        let mut s = self.container(&role.workload, &role.name, member, &path, ctx);
        s.aliases = vec![role.name.clone()];
        if let Some(m) = member {
            s.member = Some(m);
            s.name = service_name(&self.opts.cluster, &member_host(&role.name, m));
            s.aliases.push(member_host(&role.name, m));
            s.labels.insert(labels::MEMBER.to_string(), m.to_string());
        }
        if let Some(h) = &s.hostname {
            if !s.aliases.contains(h) {
                s.aliases.push(h.clone());
            }
        }
        s.ports = role
            .ports
            .iter()
            .map(|p| {
                // Members publish consecutive ports, so they can share a node.
                let published = p.published.map(|n| n + member.map_or(0, |m| m as u16 - 1));
                PortDef {
                    name: p.name.clone(),
                    target: p.target,
                    published,
                    protocol: Protocol::from_blueprint(&p.protocol),
                    web: p.web,
                    preferred: published.filter(|_| p.remap),
                    unauthenticated: p.unauthenticated.clone().filter(|_| published.is_some()),
                }
            })
            .collect();
        if let Some(m) = role.metrics.as_ref().filter(|m| m.images.is_none_or(|set| set == self.opts.images)) {
            let port = role.port(&m.port).expect("metrics ports are checked").target;
            s.labels.insert(labels::METRICS_PORT.to_string(), port.to_string());
            s.labels.insert(labels::METRICS_PATH.to_string(), m.path.clone());
            let children = m.children.as_ref().and_then(|c| {
                let problem = format!("expected at most {MAX_CHILD_PORTS} ports, as a range `A-B` or numbers separated by spaces");
                let help = format!("e.g. `children: 16700-16703`, at most {MAX_CHILD_PORTS} ports from 1 to 65535");
                self.parsed(c, ctx, &format!("{path}.metrics.children"), parse_child_ports, &problem, &help)
            });
            if let Some(ports) = children {
                let list: Vec<String> = ports.iter().map(u16::to_string).collect();
                s.labels.insert(labels::METRICS_CHILDREN.to_string(), list.join(" "));
            }
        }
        s.replicas = if member.is_some() { 1 } else { role.replicas };
        s.global = role.global;
        if role.engine_socket {
            const SOCKET: &str = "/var/run/docker.sock";
            s.mounts.push(MountDef { source: SOCKET.into(), target: SOCKET.into(), readonly: false, bind: true, labels: BTreeMap::new() });
        }
        if role.observe_clusters {
            s.labels.insert(labels::OBSERVE.to_string(), "clusters".to_string());
        }
        s.singleton = role.singleton.clone();
        let replicated = role.singleton.is_none() && member.is_none();
        s.placement = PlacementDef {
            coordinator: role.placement.coordinator,
            pinned: role.placement.pinned,
            // The swarm's state is only on its managers.
            constraints: role
                .placement
                .constraints
                .iter()
                .cloned()
                .chain(role.engine_socket.then(|| "node.role==manager".to_string()))
                .collect(),
            // Host-mode ports bind once per node.
            max_per_node: role
                .placement
                .max_per_node
                .or_else(|| (role.singleton.is_none() && member.is_none() && s.ports.iter().any(|p| p.published.is_some())).then_some(1)),
            // Replicas spread over the nodes unless the blueprint says how.
            spread: role.placement.spread.clone().or_else(|| (replicated && !role.placement.coordinator).then(|| "node.id".to_string())),
        };
        s.healthcheck = role.healthcheck.as_ref().map(|h| HealthDef {
            test: h.test.clone(),
            interval_secs: h.interval.as_secs_f64(),
            timeout_secs: h.timeout.as_secs_f64(),
            retries: h.retries,
            start_period_secs: h.start_period.as_secs_f64(),
        });
        s.stop_grace_secs = role.stop_grace.map(|d| d.as_secs());
        s.restart = role.restart;
        s.after = role.after.iter().map(|(a, _)| a.clone()).collect();
        s.probe = role.ready.as_ref().map(|p| {
            let target = self.bp.role(p.check.target_role()).expect("probe targets are checked");
            let port = target.port(p.check.target_port()).and_then(|x| x.published).expect("probe ports are checked");
            let check = match &p.check {
                Check::Http { path, expect, count, .. } => {
                    CheckDef::Http { path: self.text(path, ctx), expect: expect.iter().cloned().collect(), count: count.clone() }
                }
                Check::Tcp { .. } => CheckDef::Tcp,
                Check::Zookeeper { znode, .. } => CheckDef::Zookeeper { znode: znode.clone() },
            };
            let modes = p.modes.as_ref().map(|m| ModesDef {
                path: self.text(&m.path, ctx),
                active: m.active.clone(),
                standby: m.standby.clone(),
                position: m.position.as_ref().map(|t| self.text(t, ctx)),
            });
            // Another ensemble's other members answer when its first is down.
            let others = match member {
                None if target.name != role.name => self.members_of(target, port).into_iter().skip(1).collect(),
                _ => Vec::new(),
            };
            // A member probes itself, on its own published port.
            let (service, port) = match member {
                Some(m) if target.name == role.name => (s.name.clone(), port + m as u16 - 1),
                // Member N of an ensemble beside another (a read-only front,
                // `members: <role>`) asks that ensemble's member N.
                Some(m) if target.members.is_some_and(|n| n >= m) => {
                    (service_name(&self.opts.cluster, &member_host(&target.name, m)), port + m as u16 - 1)
                }
                // Another role's ensemble answers through its first member.
                _ if target.members.is_some() => (service_name(&self.opts.cluster, &member_host(&target.name, 1)), port),
                _ => (service_name(&self.opts.cluster, &target.name), port),
            };
            ProbeDef { service, role: target.name.clone(), port, check, timeout_secs: p.timeout.as_secs(), modes, others }
        });
        Some(s)
    }

    /// The template of a one-shot service: name and command come later.
    fn job_template(&mut self, w: &Workload, path: &str, ctx: &Context) -> ServiceDef {
        let mut template = self.container(w, "job", None, path, ctx);
        template.name = String::new();
        template.job = true;
        labels::Kind::Job.mark(&mut template.labels);
        template
    }

    fn decommission(&mut self, role: &Role, d: &Decommission, ctx: &Context) -> DecommissionDef {
        let path = format!("roles.{}.decommission", role.name);
        let mut job = self.job_template(&d.job, &format!("{path}.job"), ctx);
        job.role = format!("{}-decommission", role.name);
        let keep = d.keep.as_ref().and_then(|k| {
            let n = self.parsed(
                k,
                ctx,
                &format!("{path}.keep"),
                |s| s.trim().parse::<u64>().ok(),
                "expected a whole number of replicas",
                "write e.g. `keep: 2`",
            )?;
            Some((n, k.text.clone()))
        });
        let status = MemberStatusDef {
            endpoint: self.endpoint(&d.status.role, &d.status.port),
            path: self.text(&d.status.path, ctx),
            members: d.status.members.clone(),
            field: d.status.field.clone(),
            done: d.status.done.clone(),
            serving: d.status.serving.clone(),
        };
        DecommissionDef {
            role: role.name.clone(),
            job,
            colocate: d.colocate.clone(),
            refresh: self.texts(&d.refresh, ctx),
            stop: self.texts(&d.stop, ctx),
            status,
            keep,
            timeout_secs: d.timeout.as_secs(),
        }
    }

    fn hook(&mut self, h: &Hook, ctx: &Context) -> HookDef {
        let action = self.opts.systems.hook(&mut Planner { b: self, ctx }, h);
        HookDef { name: h.name.clone(), after: h.after.iter().map(|(a, _)| a.clone()).collect(), action }
    }
}

/// What the systems' planning ([`Systems`]) gets from the builder, so that the builder knows no system's sections:
/// the blueprint, and its texts rendered in one context, each problem
/// reported at its place like the builder's own.
pub struct Planner<'p, 'a> {
    b: &'p mut Builder<'a>,
    ctx: &'p Context,
}

impl Planner<'_, '_> {
    /// The blueprint being planned.
    pub fn blueprint(&self) -> &Blueprint {
        self.b.bp
    }

    /// `t` rendered (empty, with its problem reported, when it cannot be).
    pub fn text(&mut self, t: &Text) -> String {
        self.b.text(t, self.ctx)
    }

    /// Each of `ts` rendered, as [`Planner::text`].
    pub fn texts(&mut self, ts: &[Text]) -> Vec<String> {
        self.b.texts(ts, self.ctx)
    }

    /// `t` rendered and read with `parse`; a value it refuses is reported at
    /// `t`'s place, as `path: problem`, with `help`.
    pub fn parsed<T>(&mut self, t: &Text, path: &str, parse: impl Fn(&str) -> Option<T>, problem: &str, help: &str) -> Option<T> {
        self.b.parsed(t, self.ctx, path, parse, problem, help)
    }

    /// Where bdprov reaches `role`'s published port `port` (both checked by decoding).
    pub fn endpoint(&self, role: &str, port: &str) -> EndpointDef {
        self.b.endpoint(role, port)
    }

    /// The template of a one-shot service running `w` (the blueprint's
    /// section at `path`): name and command come later.
    pub fn job_template(&mut self, w: &Workload, path: &str) -> ServiceDef {
        self.b.job_template(w, path, self.ctx)
    }

    /// A hook that is a one-shot job (`job:` in the blueprint section at
    /// `path`): `command` replaces the image's entrypoint.
    pub fn job_hook(&mut self, name: &str, w: &Workload, command: &[Text], colocate: Option<&String>, path: &str) -> HookActionDef {
        let mut template = self.job_template(w, &format!("{path}.job"));
        template.role = name.to_string();
        // The command replaces the image's entrypoint, with no arguments after it.
        template.entrypoint = Some(self.texts(command));
        template.command = None;
        HookActionDef::Job { template: Box::new(template), colocate: colocate.cloned() }
    }
}

/// The most child ports a role may list: the monitoring blueprint scrapes
/// each position of the list with a job of its own.
pub const MAX_CHILD_PORTS: usize = 8;

/// `A-B` (both included) or `A B C`: at most [`MAX_CHILD_PORTS`] ports.
fn parse_child_ports(s: &str) -> Option<Vec<u16>> {
    let s = s.trim();
    let ports: Vec<u16> = match s.split_once('-') {
        Some((a, b)) => {
            let (a, b): (u16, u16) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            if a > b || usize::from(b - a) >= MAX_CHILD_PORTS {
                return None;
            }
            (a..=b).collect()
        }
        None => s.split([' ', ',']).filter(|p| !p.is_empty()).map(|p| p.parse().ok()).collect::<Option<_>>()?,
    };
    (!ports.is_empty() && ports.len() <= MAX_CHILD_PORTS && !ports.contains(&0)).then_some(ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_ports_are_a_range_or_a_list_of_at_most_eight() {
        assert_eq!(parse_child_ports("16700-16703"), Some(vec![16700, 16701, 16702, 16703]));
        assert_eq!(parse_child_ports(" 9000 9002,9004 "), Some(vec![9000, 9002, 9004]));
        assert_eq!(parse_child_ports("7000"), Some(vec![7000]));
        for bad in ["", "16703-16700", "16700-16708", "1 2 3 4 5 6 7 8 9", "0", "70000", "a-b", "16700-"] {
            assert_eq!(parse_child_ports(bad), None, "{bad:?}");
        }
    }
}
