//! `doctor`: look at a cluster from inside its overlay, on every node.
//!
//! A one-shot global service on the cluster's network runs a small shell
//! script on each node: does every role's name resolve, does each of its
//! ports answer, is IPVS there. bdprov adds what it sees from its own side
//! (published ports reachable from here, endpoint modes) and prints a fix
//! for each problem.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::engine::{EndpointMode, EndpointSpec, Engine, PublishMode, TaskState};
use crate::error::{Error, Result};
use crate::output::{Progress, State};
use crate::plan::{labels, Plan, Protocol, ServiceDef};
use crate::poll::{self, Seen};
use crate::probe;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Where it was seen: a node, or `here` (where bdprov runs).
    pub seen_from: String,
    pub check: String,
    pub ok: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The checks one node runs: (kind, target) pairs, for the script.
pub fn targets(plan: &Plan) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for svc in &plan.services {
        // The role's name, or a member's own name; not per-task templates.
        let host = match svc.member {
            Some(m) => crate::plan::build::member_host(&svc.role, m),
            None => svc.role.clone(),
        };
        out.push(("dns".to_string(), host.clone()));
        for p in svc.ports.iter().filter(|p| p.protocol == Protocol::Tcp) {
            out.push(("port".to_string(), format!("{host}:{}", p.target)));
        }
    }
    out.dedup();
    out
}

/// The script the global job runs: one `CHECK node kind target ok|fail detail` line per check.
pub fn script(targets: &[(String, String)]) -> String {
    let mut s = String::from("node=\"${BDPROV_NODE:-$(hostname)}\"\n");
    s.push_str("if [ -e /proc/sys/net/ipv4/vs ] || [ -e /proc/net/ip_vs ]; then echo \"CHECK $node ipvs kernel ok present\"; else echo \"CHECK $node ipvs kernel fail absent\"; fi\n");
    for (kind, target) in targets {
        match kind.as_str() {
            "dns" => s.push_str(&format!(
                "if a=$(getent hosts {target} | awk '{{print $1}}' | tr '\\n' ' '); [ -n \"$a\" ]; then echo \"CHECK $node dns {target} ok $a\"; else echo \"CHECK $node dns {target} fail does-not-resolve\"; fi\n"
            )),
            _ => {
                let (host, port) = target.rsplit_once(':').unwrap_or((target, "0"));
                s.push_str(&format!(
                    "if timeout 3 bash -c 'exec 3<>/dev/tcp/{host}/{port}' 2>/dev/null; then echo \"CHECK $node port {target} ok answers\"; else echo \"CHECK $node port {target} fail no-answer\"; fi\n"
                ));
            }
        }
    }
    s
}

/// Findings from the job's output lines.
pub fn parse(lines: &[String], plan: &Plan) -> Vec<Finding> {
    lines
        .iter()
        .filter_map(|l| {
            let mut parts = l.trim().splitn(6, ' ');
            if parts.next()? != "CHECK" {
                return None;
            }
            let (node, kind, target, verdict) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            let mut detail = parts.next().unwrap_or("").trim().to_string();
            // IPVS is information, not a problem: bdprov's services do not need it.
            if kind == "ipvs" {
                detail = if verdict == "ok" {
                    "present: VIP endpoint mode and the ingress routing mesh can work".to_string()
                } else {
                    "absent: VIP endpoint mode and the ingress routing mesh do not work on this node; bdprov's services (dnsrr, host-mode ports) do not need it, services of your own need `--endpoint-mode dnsrr` and `--publish mode=host,…`".to_string()
                };
                return Some(Finding { seen_from: node.to_string(), check: "ipvs".into(), ok: true, detail, fix: None });
            }
            let ok = verdict == "ok";
            let fix = (!ok).then(|| match kind {
                "dns" => format!(
                    "`{target}` does not resolve on {node}: is its task running and attached to {}? (`bdprov status {}`)",
                    plan.network.name, plan.cluster
                ),
                "port" => format!(
                    "{target} does not answer on the overlay from {node}: the daemon is not listening yet (`bdprov logs {}`), or the nodes cannot reach each other on 7946/tcp+udp and 4789/udp (VXLAN)",
                    target.split(':').next().unwrap_or(target)
                ),
                _ => format!("unexpected check `{kind}`"),
            });
            Some(Finding { seen_from: node.to_string(), check: format!("{kind} {target}"), ok, detail, fix })
        })
        .collect()
}

/// What the swarm says about the cluster's services: endpoint modes and publishing.
fn spec_findings(specs: &[EndpointSpec]) -> Vec<Finding> {
    let mut out = Vec::new();
    for EndpointSpec { service: name, mode, ports } in specs {
        let ingress: Vec<String> = ports.iter().filter(|(_, m)| *m == PublishMode::Ingress).map(|(p, _)| p.to_string()).collect();
        let ok = ingress.is_empty() || *mode != EndpointMode::Dnsrr;
        let fix = (!ok).then(|| {
            format!(
                "publish {} of {name} in host mode (`mode: host`): the ingress mesh needs a VIP and IPVS, dnsrr has neither",
                ingress.join(", ")
            )
        });
        out.push(Finding {
            seen_from: "swarm".into(),
            check: format!("endpoint {name}"),
            ok,
            detail: format!("{mode}, ingress ports: [{}]", ingress.join(", ")),
            fix,
        });
    }
    out
}

/// Published ports that accept actions without authentication: warnings
/// (not faults: the blueprint published them on purpose), with how to close them.
pub fn exposure_findings(plan: &Plan) -> Vec<Finding> {
    crate::plan::ports::exposed(plan)
        .into_iter()
        .map(|e| Finding {
            seen_from: "exposure".into(),
            check: format!("exposure {}.{}", e.role, e.port),
            ok: true,
            detail: e.line(),
            fix: None,
        })
        .collect()
}

pub async fn doctor(engine: &Engine, plan: &Plan, progress: &dyn Progress) -> Result<Vec<Finding>> {
    engine.manager().await?;
    let mut findings = spec_findings(&engine.endpoint_specs(&plan.cluster).await?);
    findings.extend(exposure_findings(plan));

    // From here: published ports at their nodes' addresses.
    let nodes = engine.nodes().await?;
    let client = crate::http::client();
    for svc in &plan.services {
        for task in engine.tasks(&svc.name).await?.iter().filter(|t| t.is_running() && t.desired == TaskState::Running) {
            let Some(node) = nodes.iter().find(|n| n.id == task.node_id) else { continue };
            for p in svc.ports.iter().filter(|p| p.protocol == Protocol::Tcp) {
                let Some(published) = p.published else { continue };
                let ok =
                    matches!(probe::fetch(&client, &crate::plan::CheckDef::Tcp, &node.addr, published).await, probe::Response::Connected);
                let fix = (!ok).then(|| {
                    format!(
                        "{}:{published} ({}.{}) does not answer from here: if {} is not reachable from this machine, label the node with an address that is: `docker node update --label-add bdprov.address=ADDR {}`",
                        node.addr, svc.step(), p.name, node.addr, node.hostname
                    )
                });
                findings.push(Finding {
                    seen_from: "here".into(),
                    check: format!("published {}:{published}", node.addr),
                    ok,
                    detail: format!("{} port {}", svc.step(), p.name),
                    fix,
                });
            }
        }
    }

    // From inside the overlay, on every node.
    let image = plan.services.first().map(|s| s.image.clone()).ok_or_else(|| Error::msg("the cluster has no services"))?;
    let template = ServiceDef {
        image,
        role: "doctor".into(),
        network: plan.network.name.clone(),
        user: Some("0".into()),
        env: vec!["BDPROV_NODE={{.Node.Hostname}}".into()],
        entrypoint: Some(vec!["/bin/bash".into(), "-c".into(), script(&targets(plan))]),
        labels: plan.labels(Some("doctor")),
        job: true,
        global: true,
        ..Default::default()
    };
    let name = format!("{}_doctor-{}", plan.cluster, crate::job::job_id());
    let mut svc = template;
    svc.name = name.clone();
    labels::Kind::Job.mark(&mut svc.labels);
    progress.step("doctor", State::Running, "a check on every node, inside the overlay");
    let id = engine.create_service(&svc, 0, &Default::default()).await?;
    let result = tokio::select! {
        r = collect(engine, &name) => r,
        signal = crate::signals::interrupted() => Err(Error::Interrupted { signal, report: format!("the check {name} was removed"), help: None }),
    };
    let _ = engine.remove_service(&id).await;
    let lines = result?;
    progress.step("doctor", State::Done, &format!("{} lines from the nodes", lines.len()));
    findings.extend(parse(&lines, plan));
    Ok(findings)
}

/// Wait for every task of the global job to end; their output.
async fn collect(engine: &Engine, service: &str) -> Result<Vec<String>> {
    let look = async || {
        let tasks = engine.tasks(service).await?;
        Ok(if !tasks.is_empty() && tasks.iter().all(|t| t.is_terminal()) { Seen::Done(tasks) } else { Seen::Waiting(()) })
    };
    let tasks = poll::until(Duration::from_millis(300), Duration::from_secs(120), look, |(), _| {
        Error::help(
            "the doctor's checks did not finish in 120s",
            "see `docker service ps` of the cluster's doctor service; nodes may be unable to pull the image",
        )
    })
    .await?;
    let mut lines = Vec::new();
    for t in tasks.iter().filter(|t| t.container_id.is_some()) {
        lines.extend(engine.last_lines(&t.id, 1000).await);
    }
    Ok(lines)
}

/// Findings as a report: problems first, each with its fix.
pub fn report(findings: &[Finding]) -> String {
    let mut by_where: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.seen_from != "exposure") {
        let e = by_where.entry(&f.seen_from).or_default();
        if f.ok {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let mut out = String::new();
    let mut table = crate::table::Table::headless(2);
    for (w, (ok, bad)) in &by_where {
        table.row([w.to_string(), format!("{ok} ok, {bad} problem(s)")]);
    }
    out.push_str(&table.render());
    for f in findings.iter().filter(|f| f.check == "ipvs") {
        out.push_str(&format!("IPVS on {}: {}\n", f.seen_from, f.detail));
    }
    let exposed: Vec<&Finding> = findings.iter().filter(|f| f.seen_from == "exposure").collect();
    if !exposed.is_empty() {
        out.push_str(&format!("\nwarning: {}\n", crate::blueprint::exposure::HEADING));
        for f in exposed {
            out.push_str(&format!("  {}\n", f.detail));
        }
    }
    let problems: Vec<&Finding> = findings.iter().filter(|f| !f.ok).collect();
    if problems.is_empty() {
        out.push_str("no problems found\n");
    }
    for f in problems {
        out.push_str(&format!(
            "\nproblem: {} (seen from {}): {}\n  fix: {}\n",
            f.check,
            f.seen_from,
            f.detail,
            f.fix.as_deref().unwrap_or("-")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_lines_become_findings_with_fixes() {
        let plan: Plan = serde_json::from_value(serde_json::json!({
            "cluster": "c", "blueprint": "b", "images": "local",
            "network": {"name": "c-net", "labels": {}}, "configs": [], "volumes": [], "services": []
        }))
        .unwrap();
        let lines = vec![
            "some noise".to_string(),
            "CHECK vm dns master ok 10.0.1.2 ".to_string(),
            "CHECK vm port master:7077 fail no-answer".to_string(),
            "CHECK vm2 ipvs kernel fail absent".to_string(),
        ];
        let f = parse(&lines, &plan);
        assert_eq!(f.len(), 3);
        assert!(f[0].ok && f[0].fix.is_none());
        assert!(!f[1].ok && f[1].fix.as_ref().unwrap().contains("4789/udp"));
        assert_eq!(f[2].seen_from, "vm2");
        assert!(f[2].ok, "missing IPVS is information, not a problem");
        assert!(f[2].detail.contains("dnsrr"));
    }

    #[test]
    fn dnsrr_with_ingress_ports_is_flagged() {
        let f = spec_findings(&[
            EndpointSpec { service: "c_master".into(), mode: EndpointMode::Dnsrr, ports: vec![(8080, PublishMode::Host)] },
            EndpointSpec { service: "mine".into(), mode: EndpointMode::Dnsrr, ports: vec![(80, PublishMode::Ingress)] },
        ]);
        assert!(f[0].ok);
        assert!(!f[1].ok && f[1].fix.as_ref().unwrap().contains("host mode"));
    }

    #[test]
    fn the_script_checks_every_role_name_and_port() {
        let s = script(&[("dns".into(), "master".into()), ("port".into(), "master:7077".into())]);
        assert!(s.contains("getent hosts master"));
        assert!(s.contains("/dev/tcp/master/7077"));
        assert!(s.contains("ipvs"));
    }
}
