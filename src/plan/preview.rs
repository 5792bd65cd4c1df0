//! What `up --dry-run` shows: the changes `up` would make, in words, with
//! the fields of each updated service that differ from the definition the
//! last `up` stored. Pure.

use serde_json::Value;

use super::diff::{Action, Changes};
use super::{Plan, ServiceDef};
use crate::table::Table;

/// The fields that differ between two definitions of a service, as
/// `path: old → new` (`env[1]: "A=1" → "A=2"`, `replicas: 2 → 3`).
pub fn fields(old: &ServiceDef, new: &ServiceDef) -> Vec<String> {
    let (a, b) = (serde_json::to_value(old).unwrap_or(Value::Null), serde_json::to_value(new).unwrap_or(Value::Null));
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn short(v: Option<&Value>) -> String {
    let Some(v) = v else { return "(none)".to_string() };
    let s = v.to_string();
    if s.chars().count() > 70 {
        format!("{}…", s.chars().take(69).collect::<String>())
    } else {
        s
    }
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => walk(&join(path, k), p, q, out),
                    (p, q) => out.push(format!("{}: {} → {}", join(path, k), short(p), short(q))),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                walk(&format!("{path}[{i}]"), p, q, out);
            }
        }
        _ => out.push(format!("{path}: {} → {}", short(Some(a)), short(Some(b)))),
    }
}

/// The dry run's report: every change `up` would make, then what stays.
/// `previous` is the plan the last `up` stored (for the fields that differ);
/// `remaps` are the port remaps `up` would print.
pub fn report(plan: &Plan, changes: &Changes, previous: Option<&Plan>, remaps: &[String]) -> String {
    let mut t = Table::headless(3).indent(2);
    if changes.create_network {
        t.row(["create", "network", &plan.network.name]);
    }
    for c in &changes.create_configs {
        match plan.config(c).and_then(|d| d.artifact.as_deref()).and_then(crate::lock::agent) {
            Some(a) => t.row(["create".to_string(), "config".into(), format!("{c} ({}, fetched and checked by up)", a.coordinate())]),
            None => t.row(["create", "config", c]),
        };
    }
    for c in &changes.create_secrets {
        t.row(["create".to_string(), "secret".into(), format!("{c} (generated; never shown)")]);
    }
    let mut details: Vec<(usize, Vec<String>)> = Vec::new();
    let mut kept = Vec::new();
    for (name, action) in &changes.services {
        let svc = plan.services.iter().find(|s| &s.name == name);
        match action {
            Action::Create => {
                t.row(["create".to_string(), "service".into(), format!("{name} ({} replicas)", svc.map_or(0, |s| s.replicas))]);
            }
            Action::Update { replicas, .. } => {
                t.row(["update".to_string(), "service".into(), format!("{name} ({replicas} replicas, rolling)")]);
                let before = previous.and_then(|p| p.services.iter().find(|s| &s.name == name));
                let lines = match (before, svc) {
                    (Some(old), Some(new)) => {
                        let f = fields(old, new);
                        if f.is_empty() {
                            vec!["its definition differs from what runs (changed outside this plan)".to_string()]
                        } else {
                            f
                        }
                    }
                    _ => vec!["its definition changed (no record of the previous one)".to_string()],
                };
                details.push((t_len(&t), lines));
            }
            Action::Scale { from, to, .. } => {
                t.row(["scale".to_string(), "service".into(), format!("{name} {from} → {to} replicas")]);
            }
            Action::Keep { .. } => kept.push(name.as_str()),
        }
    }
    for s in &changes.remove_services {
        t.row(["remove".to_string(), "service".into(), format!("{s} (its role left the blueprint)")]);
    }
    for c in &changes.remove_configs {
        t.row(["remove".to_string(), "config".into(), format!("{c} (no longer used)")]);
    }
    for c in &changes.remove_secrets {
        t.row(["remove".to_string(), "secret".into(), format!("{c} (no longer used)")]);
    }
    // The table's lines, with each update's fields under it.
    let rendered = t.render();
    let mut out = String::new();
    for (i, line) in rendered.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        if let Some((_, lines)) = details.iter().find(|(at, _)| *at == i + 1) {
            for l in lines {
                out.push_str(&format!("        {l}\n"));
            }
        }
    }
    for r in remaps {
        out.push_str(&format!("  remap   {r}\n"));
    }
    if !kept.is_empty() {
        out.push_str(&format!("  unchanged: {}\n", kept.join(", ")));
    }
    out
}

fn t_len(t: &Table) -> usize {
    t.render().lines().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_are_named_with_old_and_new() {
        let old = ServiceDef {
            name: "c_worker".into(),
            role: "worker".into(),
            env: vec!["A=1".into(), "B=2".into()],
            replicas: 2,
            ..Default::default()
        };
        let mut new = old.clone();
        new.env[1] = "B=3".into();
        new.replicas = 3;
        new.env.push("C=4".into());
        let f = fields(&old, &new);
        assert!(f.contains(&"replicas: 2 → 3".to_string()), "{f:?}");
        assert!(f.iter().any(|l| l.starts_with("env: [\"A=1\",\"B=2\"] → [\"A=1\",\"B=3\",\"C=4\"]")), "{f:?}");
        new.env.pop();
        assert!(fields(&old, &new).contains(&"env[1]: \"B=2\" → \"B=3\"".to_string()));
        assert!(fields(&old, &old).is_empty());
    }

    #[test]
    fn the_report_lists_each_change_with_the_fields_of_updates() {
        let svc = |name: &str, heap: &str| ServiceDef {
            name: name.into(),
            role: name.trim_start_matches("c_").into(),
            env: vec![format!("HEAP={heap}")],
            replicas: 1,
            ..Default::default()
        };
        let plan = Plan {
            cluster: "c".into(),
            blueprint: "b".into(),
            images: Default::default(),
            network: super::super::NetworkDef { name: "c-net".into(), labels: Default::default() },
            configs: vec![],
            volumes: vec![],
            services: vec![svc("c_master", "300m"), svc("c_worker", "256m"), svc("c_resourcemanager", "256m"), svc("c_new", "1g")],
            hooks: vec![],
            decommission: vec![],
            left_out: vec![],
            failover: vec![],
            jobs: Default::default(),
            secrets: vec![],
        };
        let mut previous = plan.clone();
        previous.services[0] = svc("c_master", "256m");
        let changes = Changes {
            create_network: false,
            create_configs: vec!["c_site-abc".into()],
            services: vec![
                ("c_master".into(), Action::Update { version: 5, replicas: 1 }),
                ("c_worker".into(), Action::Scale { version: 5, from: 2, to: 1 }),
                ("c_resourcemanager".into(), Action::Keep { replicas: 1 }),
                ("c_new".into(), Action::Create),
            ],
            remove_services: vec!["c_old".into()],
            remove_configs: vec!["c_site-123".into()],
            create_secrets: vec![],
            remove_secrets: vec![],
        };
        let text = report(&plan, &changes, Some(&previous), &["ui: port ui published on 8081 instead of 8080 (taken)".into()]);
        assert_eq!(
            text,
            "  create  config   c_site-abc
  update  service  c_master (1 replicas, rolling)
        env[0]: \"HEAP=256m\" → \"HEAP=300m\"
  scale   service  c_worker 2 → 1 replicas
  create  service  c_new (1 replicas)
  remove  service  c_old (its role left the blueprint)
  remove  config   c_site-123 (no longer used)
  remap   ui: port ui published on 8081 instead of 8080 (taken)
  unchanged: c_resourcemanager
"
        );
    }
}
