//! Checks across the whole blueprint, once every section decoded: names
//! that must exist (roles, hooks, ports, images), `after` cycles and ports
//! published twice.

use std::collections::BTreeSet;

use super::model::*;
use crate::diag::{suggest, Diagnostic, Diagnostics, Span};

/// Checks across the whole blueprint: names that must exist, cycles, port clashes.
pub(super) fn check_references(bp: &Blueprint, errs: &mut Diagnostics) {
    let roles: Vec<&str> = bp.roles.iter().map(|r| r.name.as_str()).collect();
    let steps: Vec<&str> = roles.iter().copied().chain(bp.hooks.iter().map(|h| h.name.as_str())).collect();
    let unknown = |what: &str, name: &str, among: &[&str]| -> String {
        crate::diag::did_you_mean(name, among, Some(what), || match among {
            [] if what == "images" => {
                format!("add `images: {{ {name}: {{ official: REPO:TAG, local: REPO:TAG }} }}`, or name an image with its tag (`repo/name:tag`)")
            }
            [] => format!("this blueprint has no {what}"),
            _ => format!("{what}: {}", among.join(", ")),
        })
    };
    let check_colocate = |colocate: &Option<String>, path: &str, span: &Span, errs: &mut Diagnostics| {
        if let Some(c) = colocate {
            if bp.role(c).is_none() {
                errs.push(Diagnostic::at(span, format!("{path}.colocate: no role `{c}`")).help(unknown("roles", c, &roles)));
            }
        }
    };
    let check_image = |w: &Workload, path: &str, errs: &mut Diagnostics| {
        if w.image.is_empty() || bp.image(&w.image).is_some() || w.image.contains(':') || w.image.contains('/') {
            return;
        }
        let keys: Vec<&str> = bp.images.iter().map(|i| i.key.as_str()).collect();
        if let Some(span) = &w.image_span {
            errs.push(
                Diagnostic::at(span, format!("{path}.image: no image `{}` in `images:`", w.image)).help(unknown("images", &w.image, &keys)),
            );
        }
    };
    let mut published: Vec<(u16, String)> = Vec::new();
    for role in &bp.roles {
        let path = format!("roles.{}", role.name);
        check_image(&role.workload, &path, errs);
        for (dep, span) in &role.after {
            if !steps.contains(&dep.as_str()) {
                errs.push(Diagnostic::at(span, format!("{path}.after: no role or hook `{dep}`")).help(unknown(
                    "roles and hooks",
                    dep,
                    &steps,
                )));
            } else if dep == &role.name {
                errs.push(Diagnostic::at(span, format!("{path}.after: a role cannot wait for itself")).help("remove it from `after`"));
            }
        }
        if let Some(probe) = &role.ready {
            let by = Reach { at: &probe.span, by: format!("{path}.ready"), verb: ("to probe", "probed by") };
            check_endpoint(bp, probe.check.target_role(), probe.check.target_port(), &by, errs);
        }
        if let Some(d) = &role.decommission {
            let dp = format!("{path}.decommission");
            check_image(&d.job, &format!("{dp}.job"), errs);
            check_colocate(&d.colocate, &format!("{dp}.job"), &d.span, errs);
            let by = Reach { at: &d.span, by: format!("{dp}.status"), verb: ("to ask", "asked by") };
            check_endpoint(bp, &d.status.role, &d.status.port, &by, errs);
        }
        if let Some(Failover::Job { workload, .. }) = &role.failover {
            check_image(workload, &format!("{path}.failover.job"), errs);
        }
        for port in &role.ports {
            let Some(first) = port.published else { continue };
            // Ensemble members publish consecutive ports.
            let members = role.members.unwrap_or(1);
            if u64::from(first) + members.saturating_sub(1) > u64::from(u16::MAX) {
                errs.push(
                    Diagnostic::at(
                        &port.span,
                        format!("{path}.ports.{}: {members} members publish ports {first} and up, past 65535", port.name),
                    )
                    .help("publish from a lower port"),
                );
                continue;
            }
            let range: Vec<u16> = (0..members).map(|i| first + i as u16).collect();
            if let Some((p, other)) = published.iter().find(|(q, _)| range.contains(q)) {
                errs.push(
                    Diagnostic::at(&port.span, format!("{path}.ports.{}: port {p} is already published by role `{other}`", port.name))
                        .help("host-mode ports bind once per node: publish one of them on another port"),
                );
            } else {
                published.extend(range.into_iter().map(|p| (p, role.name.clone())));
            }
        }
    }
    for hook in &bp.hooks {
        match &hook.action {
            HookAction::Job { workload, colocate, .. } => {
                check_image(workload, &format!("hooks.{}.job", hook.name), errs);
                check_colocate(colocate, &format!("hooks.{}.job", hook.name), &hook.span, errs);
            }
            HookAction::Webhdfs { role, port, span, .. } => {
                let by = Reach { at: span, by: format!("hooks.{}.webhdfs", hook.name), verb: ("to reach", "reached by") };
                check_endpoint(bp, role, port, &by, errs);
            }
            HookAction::Hdfs { role, span, .. } if bp.role(role).is_none() => {
                let roles: Vec<&str> = bp.roles.iter().map(|r| r.name.as_str()).collect();
                errs.push(
                    Diagnostic::at(span, format!("hooks.{}.hdfs: no role `{role}` whose image runs the job", hook.name))
                        .help(unknown("roles", role, &roles)),
                );
            }
            HookAction::Hdfs { .. } => {}
        }
        for (dep, span) in &hook.after {
            if !steps.contains(&dep.as_str()) {
                errs.push(Diagnostic::at(span, format!("hooks.{}.after: no role or hook `{dep}`", hook.name)).help(unknown(
                    "roles and hooks",
                    dep,
                    &steps,
                )));
            }
        }
    }
    for (kind, spark) in bp.jobs.spark_kinds() {
        check_image(&spark.workload, &format!("jobs.{kind}"), errs);
        check_colocate(&spark.colocate, &format!("jobs.{kind}"), &spark.span, errs);
        if let Some((role, port)) = &spark.tracking {
            let by = Reach { at: &spark.span, by: format!("jobs.{kind}.tracking"), verb: ("to follow applications on", "reached by") };
            check_endpoint(bp, role, port, &by, errs);
        }
    }
    if let Some(storm) = &bp.jobs.storm {
        check_image(&storm.workload, "jobs.storm", errs);
        let by = Reach { at: &storm.span, by: "jobs.storm.ui".into(), verb: ("for the Storm UI", "used by") };
        check_endpoint(bp, &storm.ui_role, &storm.ui_port, &by, errs);
    }
    if let Some(cycle) = find_cycle(bp) {
        let span =
            bp.role(&cycle[0]).map(|r| r.span.clone()).or_else(|| bp.hooks.iter().find(|h| h.name == cycle[0]).map(|h| h.span.clone()));
        let msg = format!("`after` forms a cycle: {}", cycle.join(" → "));
        errs.push(
            match span {
                Some(s) => Diagnostic::at(&s, msg),
                None => Diagnostic::new(msg),
            }
            .help("remove one of these `after` entries"),
        );
    }
}

/// Who reaches a role's port, for messages: `roles.worker.ready` probes it.
struct Reach<'a> {
    at: &'a Span,
    by: String,
    /// ("to probe", "probed by")
    verb: (&'a str, &'a str),
}

/// `target` exists, has `port`, and publishes it: bdprov reaches roles
/// through ports published in host mode on the task's node.
fn check_endpoint(bp: &Blueprint, target: &str, port: &str, reach: &Reach, errs: &mut Diagnostics) {
    let Reach { at, by, verb: (to, done_by) } = reach;
    let Some(t) = bp.role(target) else {
        let roles: Vec<&str> = bp.roles.iter().map(|r| r.name.as_str()).collect();
        let help = match suggest(target, roles.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? (roles: {})", roles.join(", ")),
            None => format!("roles: {}", roles.join(", ")),
        };
        errs.push(Diagnostic::at(at, format!("{by}: no role `{target}` {to}")).help(help));
        return;
    };
    match t.port(port) {
        None => errs.push(Diagnostic::at(at, format!("{by}: role `{target}` has no port `{port}`")).help(t.port_help(port))),
        Some(p) if p.published.is_none() => errs.push(match super::exposure::closed_help(target, p) {
            Some((problem, help)) => {
                Diagnostic::at(&p.span, format!("roles.{target}.ports.{port}: {done_by} {by} but {problem}")).help(help)
            }
            None => Diagnostic::at(&p.span, format!("roles.{target}.ports.{port}: {done_by} {by} but not published"))
                .help("bdprov reaches roles through ports published in host mode on the task's node: add `published: <port>`"),
        }),
        Some(_) => {}
    }
}

/// A cycle in the `after` graph, as the list of steps around it.
fn find_cycle(bp: &Blueprint) -> Option<Vec<String>> {
    let deps = |name: &str| -> Vec<String> {
        bp.role(name)
            .map(|r| r.after.iter().map(|(d, _)| d.clone()).collect())
            .or_else(|| bp.hooks.iter().find(|h| h.name == name).map(|h| h.after.iter().map(|(d, _)| d.clone()).collect()))
            .unwrap_or_default()
    };
    fn visit(n: &str, deps: &dyn Fn(&str) -> Vec<String>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(pos) = path.iter().position(|p| p == n) {
            let mut cycle = path[pos..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in deps(n) {
            if let Some(c) = visit(&d, deps, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    let names: Vec<String> = bp.roles.iter().map(|r| r.name.clone()).chain(bp.hooks.iter().map(|h| h.name.clone())).collect();
    names.iter().find_map(|n| visit(n, &deps, &mut Vec::new(), &mut done))
}
