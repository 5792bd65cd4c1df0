//! End to end on a real swarm: a ZooKeeper ensemble with the offline image.
//! Quorum, data surviving `down`/`up`, and a member killed under load.

use std::time::Duration;

use crate::common::{bdprov, bdprov_env, docker, eventually, one_shot};

const CLUSTER: &str = "e2e-zk";
const NET: &str = "e2e-zk-net";
const IMAGE: &str = "bdprov/zookeeper:3.8";
const UP: &[&str] =
    &["up", "zookeeper", "--name", CLUSTER, "--images", "local", "--set", "zookeeper-readonly.ports.client.published=22181"];

/// Member → mode, from `status --output json` (the members, not their fronts).
fn modes() -> Vec<(String, String)> {
    let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", CLUSTER, "--output", "json"]).ok().stdout).unwrap();
    st["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["role"].as_str().unwrap().to_string(), r["mode"].as_str().unwrap_or("-").to_string()))
        .filter(|(role, _)| !role.starts_with("zookeeper-readonly"))
        .collect()
}

fn zk(job: &str, servers: &str, cmd: &[&str]) -> (bool, String) {
    let mut args = vec!["zkCli.sh", "-server", servers];
    args.extend_from_slice(cmd);
    one_shot(job, NET, IMAGE, &args)
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_zookeeper_ensemble() {
    let _serial = crate::common::swarm_lock();
    let _ = bdprov(&["down", CLUSTER, "--volumes"]);

    // A closed terminal (SIGHUP) while `up` waits: it says what it left and
    // how to go on; the next `up` goes on from there.
    let first = crate::common::spawn_bdprov(UP);
    let ours = format!("bdprov.cluster={CLUSTER}");
    eventually("a service of the cluster", Duration::from_secs(60), || (!crate::common::services_labelled(&ours).is_empty()).then_some(()));
    let hup = crate::common::signal_and_wait(first, "HUP");
    assert_eq!(hup.code, 129, "exit code after SIGHUP:\n{}", hup.stderr);
    assert!(hup.stderr.contains(&format!("interrupted by SIGHUP: cluster {CLUSTER} is left as it is (")), "{}", hup.stderr);
    assert!(hup.stderr.contains("run the same `bdprov up` again"), "{}", hup.stderr);

    // Quorum: one leader, two followers.
    let up = bdprov_env(UP, &[]).ok();
    assert!(up.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}", up.stdout);
    let mut m = modes();
    m.sort();
    let names: Vec<&str> = m.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["zookeeper-1", "zookeeper-2", "zookeeper-3"]);
    assert_eq!(m.iter().filter(|(_, mode)| mode == "leader").count(), 1, "{m:?}");
    assert_eq!(m.iter().filter(|(_, mode)| mode == "follower").count(), 2, "{m:?}");
    // Every member runs with the class-data archive its image was built with.
    let main = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
    let members: Vec<(String, &str, usize)> = (1..=3).map(|n| (format!("{CLUSTER}_zookeeper-{n}"), main, 1)).collect();
    crate::common::assert_archives_mapped("/usr/share/zookeeper/cds", "zookeeper", &members);

    // `status --watch`, off a terminal: one view after another, each with
    // its time and the live figures (the leader the modes above name);
    // Ctrl-C ends it with exit 0.
    let leader = m.iter().find(|(_, mode)| mode == "leader").map(|(n, _)| n.clone()).unwrap();
    let watch = crate::common::spawn_bdprov(&["status", CLUSTER, "--watch", "1"]);
    std::thread::sleep(Duration::from_millis(4500));
    let watched = crate::common::signal_and_wait(watch, "INT");
    assert_eq!(watched.code, 0, "{}", watched.stderr);
    let views = watched.stdout.lines().filter(|l| l.starts_with("--- ")).count();
    assert!(views >= 2, "status --watch 1 for 4.5 s gave {views} views:\n{}", watched.stdout);
    assert!(watched.stdout.contains(&format!("zookeeper: {leader} leads, 2 followers")), "{}", watched.stdout);

    // Refused: an even ensemble, and resizing a running one.
    let even = bdprov(&["render", "zookeeper", "--set", "zookeeper.members=4"]);
    assert_eq!(even.code, 2);
    assert!(even.stderr.contains("odd number"), "{}", even.stderr);
    let resize = bdprov_env(&[UP, &["--set", "zookeeper.members=5"]].concat(), &[]);
    assert_eq!(resize.code, 1);
    assert!(resize.stderr.contains("runs 3 members and would get 5"), "{}", resize.stderr);
    let scale = bdprov(&["scale", CLUSTER, "zookeeper=5"]);
    assert_eq!(scale.code, 2, "{}", scale.stderr);
    assert!(scale.stderr.contains("does not change while it runs"), "{}", scale.stderr);

    // logs: a role's members, or one member by name.
    let logs = bdprov(&["logs", CLUSTER, "zookeeper", "--tail", "5"]).ok().stdout;
    for m in ["zookeeper-1.1 | ", "zookeeper-2.1 | ", "zookeeper-3.1 | "] {
        assert!(logs.contains(m), "no lines of {m} in:\n{logs}");
    }
    let one = bdprov(&["logs", CLUSTER, "zookeeper-2", "--tail", "5"]).ok().stdout;
    assert!(one.lines().all(|l| l.starts_with("zookeeper-2.1 | ")) && !one.is_empty(), "{one}");

    // A znode written by a one-shot job.
    let (ok, out) = zk("e2e-zk-write", "zookeeper:2181", &["create", "/bdprov-e2e", "kept"]);
    assert!(ok, "write failed:\n{out}");

    // The published fronts: reads pass, a write closes the connection before
    // the member sees it, and the members' own ports are not published.
    let (ok, out) = zk("e2e-zk-ro-read", "zookeeper-readonly-2:2181", &["get", "/bdprov-e2e"]);
    assert!(ok && out.lines().any(|l| l.trim() == "kept"), "a read through the front failed:\n{out}");
    let (_, out) = zk("e2e-zk-ro-write", "zookeeper-readonly-1:2181", &["create", "/evil", "x"]);
    assert!(!out.contains("Created /evil"), "a write through the front went through:\n{out}");
    let (_, out) = zk("e2e-zk-ro-check", "zookeeper:2181", &["stat", "/evil"]);
    assert!(out.contains("does not exist"), "a write through the front went through:\n{out}");
    let front = docker(&["service", "logs", "--raw", &format!("{CLUSTER}_zookeeper-readonly-1")]);
    let front = format!("{}{}", front.stdout, front.stderr);
    assert!(front.contains("changes data and is not served read-only"), "{front}");
    // … and counts it for Prometheus (on the overlay, port 9180).
    let ctr = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_zookeeper-readonly-1")]).ok().stdout;
    let script = "import urllib.request; print(urllib.request.urlopen('http://localhost:9180/metrics', timeout=10).read().decode())";
    let metrics = docker(&["exec", ctr.trim(), "python3", "-c", script]).ok().stdout;
    let counted = |series: &str| -> f64 {
        metrics.lines().find_map(|l| l.strip_prefix(series)?.trim().parse().ok()).unwrap_or_else(|| panic!("no {series} in\n{metrics}"))
    };
    assert!(counted("bdprov_relay_refused_total{reason=\"write\"}") >= 1.0, "{metrics}");
    assert!(counted("bdprov_relay_connections_total{kind=\"session\"}") >= 1.0, "{metrics}");
    for port in [2281, 2282, 2283] {
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "member port {port} is published");
    }
    assert!(up.stderr.contains("none accepts actions without authentication"), "{}", up.stderr);

    // down keeps the volumes; up again finds the znode.
    let down = bdprov(&["down", CLUSTER]).ok();
    assert!(down.stdout.contains(&format!("{CLUSTER}_zookeeper-1-data")), "{}", down.stdout);
    bdprov_env(UP, &[]).ok();
    let (ok, out) = zk("e2e-zk-read", "zookeeper:2181", &["get", "/bdprov-e2e"]);
    assert!(ok && out.lines().any(|l| l.trim() == "kept"), "znode lost across down/up:\n{out}");

    // Kill a follower's container: the other two keep serving reads and writes.
    let (victim, _) = modes().into_iter().find(|(_, mode)| mode == "follower").unwrap();
    let others: Vec<String> =
        ["zookeeper-1", "zookeeper-2", "zookeeper-3"].iter().filter(|n| **n != victim).map(|n| format!("{n}:2181")).collect();
    let container = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_{victim}")]).ok().stdout;
    assert!(!container.trim().is_empty(), "no container for {victim}");
    docker(&["kill", container.trim()]).ok();
    let (ok, out) = zk("e2e-zk-during", &others.join(","), &["create", "/during-outage", "yes"]);
    assert!(ok, "write with a member down failed:\n{out}");
    let (ok, out) = zk("e2e-zk-during-read", &others.join(","), &["get", "/bdprov-e2e"]);
    assert!(ok && out.lines().any(|l| l.trim() == "kept"), "read with a member down failed:\n{out}");

    // Swarm replaces it; it comes back as the same member, a follower.
    eventually(&format!("{victim} back as follower"), Duration::from_secs(120), || {
        modes().into_iter().any(|(n, mode)| n == victim && mode == "follower").then_some(())
    });
    let m = modes();
    assert_eq!(m.iter().filter(|(_, mode)| mode == "leader").count(), 1, "{m:?}");

    bdprov(&["down", CLUSTER, "--volumes"]).ok();
}
