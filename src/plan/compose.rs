//! Plan → a compose file for `docker stack deploy -c`, plus the config files
//! it refers to. Deployed as stack `<cluster>`, it gives the same services,
//! network, configs and volumes (without bdprov's ordering and readiness).

use super::deploy as policy;
use serde_json::{json, Map, Value};

use super::{Plan, Restart, ServiceDef};

pub struct Compose {
    pub yaml: String,
    /// (path relative to the compose file, content)
    pub files: Vec<(String, String)>,
    /// (path relative to the compose file, artifact): files whose content is
    /// a pinned artifact's jar, for the writer to fetch.
    pub artifacts: Vec<(String, String)>,
}

/// A compose key from an object name.
fn key(name: &str) -> String {
    let k: String = name
        .replace("{{.Task.Slot}}", "slot")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    k.trim_matches('_').to_string()
}

fn secs(s: f64) -> String {
    format!("{}s", s)
}

fn service(svc: &ServiceDef, net_key: &str) -> Value {
    let mut s = Map::new();
    s.insert("image".into(), json!(svc.image));
    if let Some(e) = &svc.entrypoint {
        s.insert("entrypoint".into(), json!(e));
    }
    if let Some(c) = &svc.command {
        s.insert("command".into(), json!(c));
    }
    if !svc.env.is_empty() {
        s.insert("environment".into(), json!(svc.env));
    }
    if let Some(h) = &svc.hostname {
        s.insert("hostname".into(), json!(h));
    }
    if let Some(u) = &svc.user {
        s.insert("user".into(), json!(u));
    }
    if let Some(w) = &svc.workdir {
        s.insert("working_dir".into(), json!(w));
    }
    s.insert("labels".into(), json!(svc.labels));
    s.insert("networks".into(), json!({ net_key: { "aliases": svc.aliases } }));
    if !svc.configs.is_empty() {
        let configs: Vec<Value> =
            svc.configs.iter().map(|c| json!({ "source": key(&c.config), "target": c.target, "mode": c.mode })).collect();
        s.insert("configs".into(), json!(configs));
    }
    if !svc.secrets.is_empty() {
        let secrets: Vec<Value> = svc
            .secrets
            .iter()
            .map(|x| json!({ "source": key(&x.secret), "target": x.target, "uid": x.uid.to_string(), "gid": x.gid.to_string(), "mode": x.mode }))
            .collect();
        s.insert("secrets".into(), json!(secrets));
    }
    if !svc.mounts.is_empty() {
        let vols: Vec<Value> = svc
            .mounts
            .iter()
            .map(|m| match m.bind {
                true => json!({ "type": "bind", "source": m.source, "target": m.target, "read_only": m.readonly }),
                false => json!({ "type": "volume", "source": key(&m.source), "target": m.target, "read_only": m.readonly }),
            })
            .collect();
        s.insert("volumes".into(), json!(vols));
    }
    let ports: Vec<Value> = svc
        .ports
        .iter()
        .filter_map(|p| p.published.map(|pp| json!({ "target": p.target, "published": pp, "protocol": p.protocol, "mode": "host" })))
        .collect();
    if !ports.is_empty() {
        s.insert("ports".into(), json!(ports));
    }
    if let Some(h) = &svc.healthcheck {
        s.insert(
            "healthcheck".into(),
            json!({ "test": h.test, "interval": secs(h.interval_secs), "timeout": secs(h.timeout_secs), "retries": h.retries, "start_period": secs(h.start_period_secs) }),
        );
    }
    if let Some(g) = svc.stop_grace_secs {
        s.insert("stop_grace_period".into(), json!(format!("{g}s")));
    }
    let mut deploy = Map::new();
    if svc.global {
        deploy.insert("mode".into(), json!("global"));
    } else {
        deploy.insert("mode".into(), json!("replicated"));
        deploy.insert("replicas".into(), json!(svc.replicas));
    }
    deploy.insert("endpoint_mode".into(), json!(policy::ENDPOINT_MODE.as_str()));
    let mut placement = Map::new();
    let mut constraints = svc.placement.constraints.clone();
    if svc.placement.coordinator && constraints.is_empty() {
        // Without a swarm to look at: a manager (bdprov prefers a node labelled bdprov.role=master).
        constraints.push(super::coordinator_constraint(false));
    }
    if !constraints.is_empty() {
        placement.insert("constraints".into(), json!(constraints));
    }
    if let Some(m) = svc.placement.max_per_node {
        placement.insert("max_replicas_per_node".into(), json!(m));
    }
    if let Some(sp) = &svc.placement.spread {
        placement.insert("preferences".into(), json!([{ "spread": sp }]));
    }
    if !placement.is_empty() {
        deploy.insert("placement".into(), Value::Object(placement));
    }
    let mut limits = Map::new();
    if let Some(c) = svc.resources.nano_cpus {
        limits.insert("cpus".into(), json!(format!("{}", c as f64 / 1e9)));
    }
    if let Some(m) = svc.resources.memory_bytes {
        limits.insert("memory".into(), json!(format!("{}M", m / (1 << 20))));
    }
    if !limits.is_empty() {
        deploy.insert("resources".into(), json!({ "limits": limits }));
    }
    let condition = match svc.restart {
        Restart::Any => "any",
        Restart::OnFailure => "on-failure",
    };
    deploy.insert("restart_policy".into(), json!({ "condition": condition, "delay": format!("{}s", policy::RESTART_DELAY_SECS) }));
    deploy.insert(
        "update_config".into(),
        json!({ "parallelism": policy::UPDATE_PARALLELISM, "order": policy::UPDATE_ORDER.as_str(), "failure_action": policy::UPDATE_FAILURE.as_str() }),
    );
    deploy.insert("labels".into(), json!(svc.labels));
    s.insert("deploy".into(), Value::Object(deploy));
    Value::Object(s)
}

pub fn compose(plan: &Plan) -> Compose {
    let net_key = "cluster";
    let mut services = Map::new();
    for svc in &plan.services {
        // By step: each ensemble member is a service of its own.
        services.insert(svc.step(), service(svc, net_key));
    }
    let mut configs = Map::new();
    let mut files = Vec::new();
    let mut artifacts = Vec::new();
    for c in &plan.configs {
        let path = format!("configs/{}", c.name);
        configs.insert(key(&c.name), json!({ "name": c.name, "file": format!("./{path}") }));
        match &c.artifact {
            Some(a) => artifacts.push((path, a.clone())),
            None => files.push((path, c.data.clone())),
        }
    }
    // Secrets are made outside the file (their content is never written):
    // the header says how.
    let mut secrets = Map::new();
    for x in &plan.secrets {
        secrets.insert(key(&x.name), json!({ "name": x.name, "external": true }));
    }
    let mut volumes = Map::new();
    for v in &plan.volumes {
        let mut labels = Map::new();
        labels.insert(super::labels::CLUSTER.into(), json!(plan.cluster));
        volumes.insert(key(&v.name), json!({ "name": v.name, "labels": labels }));
    }
    let mut doc = Map::new();
    doc.insert("version".into(), json!("3.9"));
    doc.insert("services".into(), Value::Object(services));
    doc.insert(
        "networks".into(),
        json!({ net_key: { "name": plan.network.name, "driver": "overlay", "attachable": true, "labels": plan.network.labels } }),
    );
    if !configs.is_empty() {
        doc.insert("configs".into(), Value::Object(configs));
    }
    if !secrets.is_empty() {
        doc.insert("secrets".into(), Value::Object(secrets));
    }
    if !volumes.is_empty() {
        doc.insert("volumes".into(), Value::Object(volumes));
    }
    let mut doc = Value::Object(doc);
    escape_interpolation(&mut doc);
    let mut header = format!(
        "# Compose file for cluster {} (blueprint {}), written by `bdprov render --format compose`.\n# Deploy with: docker stack deploy -c compose.yaml {}\n# (Config files are written next to it with --out DIR.)\n",
        plan.cluster, plan.blueprint, plan.cluster
    );
    for x in &plan.secrets {
        header.push_str(&format!(
            "# Create secret {} first (`bdprov up` generates it): head -c {} /dev/urandom | od -An -v -tx1 | tr -d ' \\n' | docker secret create {} -\n",
            x.name, x.length, x.name
        ));
    }
    Compose { yaml: format!("{header}{}", crate::yaml::to_string(&doc)), files, artifacts }
}

/// Compose interpolates `$VAR` in every string of the file; a `$` meant for
/// the container's shell (`$(hostname)`) is written `$$`.
fn escape_interpolation(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        Value::Array(items) => items.iter_mut().for_each(escape_interpolation),
        Value::Object(map) => map.values_mut().for_each(escape_interpolation),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_reach_the_container_literally() {
        let mut v = json!({"command": ["sh", "-c", "echo $(hostname) ${X}"], "replicas": 2});
        escape_interpolation(&mut v);
        assert_eq!(v, json!({"command": ["sh", "-c", "echo $$(hostname) $${X}"], "replicas": 2}));
    }
}
