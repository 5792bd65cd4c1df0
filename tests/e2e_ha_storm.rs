//! End to end on a real swarm: storm-ha with the offline images. Two nimbus
//! contend for Curator's leader latch in ZooKeeper; the leader is killed,
//! the other one leads, a topology submitted before keeps running, and the
//! killed nimbus comes back as a follower.

use std::time::{Duration, Instant};

use crate::common::{bdprov, bdprov_env, docker, eventually, up_fresh};

const CLUSTER: &str = "e2e-ha-storm";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];
const UP: &[&str] = &[
    "up",
    "storm-ha",
    "--name",
    CLUSTER,
    "--set",
    "zookeeper-readonly.ports.client.published=24281",
    "--set",
    "values.daemon_heap=256m",
    "--set",
    "values.worker_heap_mb=256",
    "--set",
    "values.slots_per_supervisor=2",
];

fn container(service: &str) -> String {
    let out = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_{service}")]);
    out.stdout.lines().next().unwrap_or_else(|| panic!("no running {service} container")).to_string()
}

/// The leading nimbus and the number of contenders: the children of
/// /storm/leader-lock are `…-latch-<sequence>`, the lowest sequence leads,
/// and its data is the nimbus's `host:port` (read with zkCli in a member).
fn leader() -> Option<(String, usize)> {
    let script = "kids=$(zkCli.sh -server localhost:2181 ls /storm/leader-lock 2>/dev/null | tail -1 | tr -d '[],'); \
                  low=$(for c in $kids; do echo \"${c##*-latch-} $c\"; done | sort | head -1 | cut -d' ' -f2); \
                  [ -n \"$low\" ] && echo \"$(echo $kids | wc -w) $(zkCli.sh -server localhost:2181 get /storm/leader-lock/$low 2>/dev/null | tail -1)\"";
    let out = docker(&["exec", &container("zookeeper-1"), "sh", "-c", script]);
    let line = out.stdout.lines().last()?.trim().to_string();
    let (n, data) = line.split_once(' ')?;
    let host = data.split(':').next()?.to_string();
    host.starts_with("nimbus-").then(|| (host, n.parse().unwrap_or(0)))
}

fn emitted(topology_id: &str) -> usize {
    let script = format!("cat /logs/workers-artifacts/{topology_id}/*/worker.log 2>/dev/null | grep -c 'Emitting.*words' || true");
    let out = docker(&["exec", &container("supervisor"), "sh", "-c", &script]);
    out.stdout.trim().parse().unwrap_or(0)
}

fn topology_id() -> Option<String> {
    let out = bdprov(&["storm", "list", "--cluster", CLUSTER, "--output", "json"]);
    let list: serde_json::Value = serde_json::from_str(&out.stdout).ok()?;
    list.as_array()?.iter().find(|t| t["name"] == "wordcount" && t["status"] == "ACTIVE").and_then(|t| t["id"].as_str().map(String::from))
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_ha_storm_nimbus_failover() {
    let _serial = crate::common::swarm_lock();
    up_fresh(CLUSTER, UP, LOCAL);

    // Both nimbus contend, one leads.
    let (first, contenders) = eventually("a nimbus leading", Duration::from_secs(60), leader);
    assert_eq!(contenders, 2, "both nimbus hold a latch node");

    // A topology through the seeds (the CLI finds the leader).
    let sub = crate::e2e_storm::submit_wordcount(CLUSTER);
    assert_eq!(sub.code, 0, "submit storm failed:\n{}\n{}", sub.stdout, sub.stderr);
    let id = eventually("the topology ACTIVE", Duration::from_secs(60), topology_id);
    eventually("tuples emitted", Duration::from_secs(120), || (emitted(&id) > 0).then_some(()));

    // Kill the leader: the other one leads (nimbus sessions are 10 s).
    docker(&["kill", &container(&first)]);
    let killed = Instant::now();
    let (second, _) = eventually("the other nimbus leading", Duration::from_secs(60), || leader().filter(|(h, _)| *h != first));
    let takeover = killed.elapsed();
    assert_ne!(first, second);

    // The topology keeps running: still listed ACTIVE (through the new
    // leader), and the spout keeps emitting.
    let before = emitted(&id);
    eventually("more tuples after the failover", Duration::from_secs(60), || (emitted(&id) > before).then_some(()));
    // Listed ACTIVE through the UI once it has found the new leader.
    let listed = eventually("the topology listed after the failover", Duration::from_secs(120), topology_id);
    assert_eq!(listed, id, "the topology after the failover");

    // The killed nimbus is back as a contender, not the leader.
    eventually("the killed nimbus back in the latch", Duration::from_secs(120), || {
        leader().filter(|(h, n)| *h == second && *n == 2).map(|_| ())
    });
    let again = bdprov_env(UP, LOCAL).ok();
    assert!(again.stdout.contains("is ready"), "{}", again.stdout);
    eprintln!("nimbus takeover after kill: {takeover:?}");

    bdprov(&["down", CLUSTER, "--volumes"]).ok();
}
