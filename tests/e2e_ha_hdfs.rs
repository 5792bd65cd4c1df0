//! End to end on a real swarm: hdfs-ha with the offline images. Two
//! NameNodes (one active, one standby, a ZKFC beside each), three
//! JournalNodes, a ZooKeeper of one member (two cores: the failover needs a
//! quorum, not three members), three DataNodes (one is retired).
//!
//! One test, because the steps build on each other: up → a multi-block file
//! → the active NameNode's container killed → a NameNode active again
//! within 30 s (the standby, or the killed member restarted first: the
//! ZKFCs race for the lock), the file reads back, writes go on → the pair
//! whole again → `bdprov failover` hands over with no failed client
//! request → a DataNode retired beside the pair → down and up formats
//! nothing and keeps the file.

use std::time::{Duration, Instant};

use crate::common::{assert_archives_mapped, bdprov_env, docker, eventually, get_json, until_ok, up_fresh};

const CLUSTER: &str = "e2e-ha-hdfs";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];
/// The read-only fronts of nn1 and nn2 (members publish consecutive ports).
const FRONTS: [u16; 2] = [29890, 29891];
const UP: &[&str] = &[
    "up",
    "hdfs-ha",
    "--name",
    CLUSTER,
    "--set",
    "namenode-web.ports.http.published=29890",
    "--set",
    "zookeeper-readonly.ports.client.published=22291",
    "--set",
    "zookeeper.members=1",
    "--set",
    "values.heap=128m",
    "--set",
    "values.hadoop_heap=256m",
    "--set",
    "datanode.replicas=3",
];

/// One bean of member `nn`'s NameNode (1 or 2), through its front.
fn bean(nn: usize, name: &str) -> Option<serde_json::Value> {
    let j = get_json(&format!("http://127.0.0.1:{}/jmx?qry=Hadoop:service=NameNode,name={name}", FRONTS[nn - 1]))?;
    Some(j["beans"][0].clone())
}

/// `active`, `standby` … as member `nn` says it (None: no answer).
fn state(nn: usize) -> Option<String> {
    bean(nn, "NameNodeStatus")?["State"].as_str().map(String::from)
}

fn cluster_id(nn: usize) -> String {
    bean(nn, "NameNodeInfo").and_then(|b| b["ClusterId"].as_str().map(String::from)).unwrap_or_else(|| panic!("nn{nn} has no ClusterId"))
}

/// The member that is active, once exactly one is and the other is standby.
fn active() -> Option<usize> {
    match (state(1)?.as_str(), state(2)?.as_str()) {
        ("active", "standby") => Some(1),
        ("standby", "active") => Some(2),
        _ => None,
    }
}

fn container_of(service: &str) -> Option<String> {
    let out = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={service}")]);
    out.stdout.lines().next().map(String::from)
}

/// A shell command in a DataNode's container: it has the cluster's site
/// files, so clients there find the active NameNode by the nameservice.
fn client(script: &str) -> (bool, String) {
    let dn = container_of(&format!("{CLUSTER}_datanode")).expect("a running datanode");
    let run = docker(&["exec", &dn, "bash", "-c", script]);
    (run.code == 0, format!("{}{}", run.stdout, run.stderr))
}

fn checksum(path: &str) -> String {
    let (ok, out) = client(&format!("hdfs dfs -checksum {path}"));
    assert!(ok, "checksum of {path} failed:\n{out}");
    out.lines().find(|l| l.starts_with(path)).and_then(|l| l.split_whitespace().last()).unwrap_or_else(|| panic!("{out}")).to_string()
}

/// How often each NameNode's container ran `namenode -format` (its logs).
fn formats(nn: usize) -> usize {
    let logs = docker(&["service", "logs", "--raw", &format!("{CLUSTER}_namenode-{nn}")]);
    format!("{}{}", logs.stdout, logs.stderr).lines().filter(|l| l.contains("STARTUP_MSG:") && l.contains(", -format, ")).count()
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_hdfs_ha_failover_keeps_data_and_restarts_format_nothing() {
    let _serial = crate::common::swarm_lock();
    let started = Instant::now();
    up_fresh(CLUSTER, UP, LOCAL);
    // The pair and the journal run with their image's class-data archives.
    let nn = "org.apache.hadoop.hdfs.server.namenode.NameNode";
    let jn = "org.apache.hadoop.hdfs.qjournal.server.JournalNode";
    let members: Vec<(String, &str, usize)> = (1..=2)
        .map(|n| (format!("{CLUSTER}_namenode-{n}"), nn, 1))
        .chain((1..=3).map(|n| (format!("{CLUSTER}_journalnode-{n}"), jn, 1)))
        .collect();
    assert_archives_mapped("/opt/hadoop/cds", "1000", &members);
    let first = active().expect("up returned with one active and one standby NameNode");
    let id = cluster_id(1);
    assert_eq!(cluster_id(2), id, "the standby was bootstrapped from the active one");
    assert_eq!(formats(1) + formats(2), 1, "the first up formats exactly once");
    assert_eq!(formats(2), 0, "only member 1 formats");

    // A multi-block file, through the nameservice.
    let (ok, out) = client(
        "head -c 5000000 /dev/urandom > /tmp/f && hdfs dfs -mkdir -p /ha && hdfs dfs -D dfs.blocksize=1048576 -put -f /tmp/f /ha/file && hdfs dfs -stat '%b %o' /ha/file",
    );
    assert!(ok && out.contains("5000000 1048576"), "writing the file failed:\n{out}");
    let sum = checksum("/ha/file");

    // The active NameNode's container dies (its ZKFC with it). Once its
    // ZooKeeper session lapses (10 s), whichever ZKFC takes the lock makes
    // its NameNode active: the standby's, or the killed member's own when
    // the swarm restarted its container (within a second) and its NameNode
    // was up before the lapse. Hadoop prefers neither; both were seen live
    // (CI, 2026-12-07: the restarted nn1 won). The multinode test stops a
    // whole node, where only the standby can take over.
    let other = 3 - first;
    let victim = container_of(&format!("{CLUSTER}_namenode-{first}")).expect("the active NameNode runs");
    let killed = Instant::now();
    docker(&["kill", &victim]).ok();
    let restarted = || container_of(&format!("{CLUSTER}_namenode-{first}")).is_some_and(|c| c != victim);
    let now_active = eventually("a NameNode active again", Duration::from_secs(30), || {
        if state(other).as_deref() == Some("active") {
            return Some(other);
        }
        (restarted() && state(first).as_deref() == Some("active")).then_some(first)
    });
    let took_over = killed.elapsed();
    until_ok("a write after the failover", Duration::from_secs(30), || client("hdfs dfs -put -f /etc/hostname /ha/after-failover"));
    let who = if now_active == other { "the standby" } else { "the restarted member" };
    eprintln!(
        "failover: nn{now_active} ({who}) active {:.1}s after the kill, first write done {:.1}s after it",
        took_over.as_secs_f64(),
        killed.elapsed().as_secs_f64()
    );
    assert_eq!(checksum("/ha/file"), sum, "the file changed across the failover");

    // The swarm restarts the killed member; the pair is whole again, the
    // other member standby.
    let standby = 3 - now_active;
    eventually("the pair whole again", Duration::from_secs(180), || (restarted() && active() == Some(now_active)).then_some(()));

    // `bdprov failover namenode` hands over to the standby through the ZKFCs
    // while a client keeps writing and reading through the nameservice: no
    // request fails. bdprov hands over only to a standby ready to take over
    // (out of safe mode, its DataNodes reported again).
    eventually("the standby ready to take over", Duration::from_secs(120), || {
        let st: serde_json::Value = serde_json::from_str(&bdprov_env(&["status", CLUSTER, "--output", "json"], &[]).stdout).ok()?;
        let p = st["pairs"].as_array()?.iter().find(|p| p["role"] == "namenode")?.clone();
        (p["standby"] == serde_json::json!([format!("namenode-{standby}")])).then_some(())
    });
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let load = std::thread::spawn(|| {
        client("echo start $(date +%s.%N); for i in $(seq 1 6); do hdfs dfs -put -f /etc/hostname /ha/load-$i && hdfs dfs -cat /ha/load-$i > /dev/null || { echo FAILED $i; exit 1; }; echo done $i $(date +%s.%N); done")
    });
    std::thread::sleep(Duration::from_secs(5));
    let began = now();
    let f = bdprov_env(&["failover", CLUSTER, "namenode"], &[]).ok();
    let ended = now();
    assert!(f.stdout.contains(&format!("namenode: namenode-{standby} is active (was namenode-{now_active})")), "{}", f.stdout);
    assert_eq!(active(), Some(standby), "after failover returned, nn{standby} active and nn{now_active} standby");
    let (ok, out) = load.join().unwrap();
    assert!(ok && !out.contains("FAILED"), "a client request failed during the hand-over:\n{out}");
    let at = |word: &str, field: usize| -> Vec<f64> {
        out.lines().filter(|l| l.starts_with(word)).filter_map(|l| l.split_whitespace().nth(field)?.parse().ok()).collect()
    };
    let (start, times) = (at("start ", 1), at("done ", 2));
    assert!(
        start.first().is_some_and(|t| *t < began) && times.last().is_some_and(|t| *t > ended),
        "the client load did not span the hand-over ({began:.1}..{ended:.1}): started {start:?}, requests done {times:?}"
    );
    eprintln!("failover namenode: {:.1}s, {} client requests around it, none failed", ended - began, times.len() * 2);

    // Retiring a DataNode tells both NameNodes (each has its own exclude
    // list, on its own volume); the file stays whole.
    let down = bdprov_env(&["scale", CLUSTER, "datanode=2"], &[]).ok();
    assert!(
        format!("{}{}", down.stdout, down.stderr).contains("datanode-3"),
        "scale down should name datanode-3:\n{}{}",
        down.stdout,
        down.stderr
    );
    for nn in [1, 2] {
        let c = container_of(&format!("{CLUSTER}_namenode-{nn}")).expect("both NameNodes run");
        let list = docker(&["exec", &c, "cat", "/data/dfs.exclude"]).ok();
        assert_eq!(list.stdout.trim(), "datanode-3", "nn{nn}'s exclude list");
    }
    let (ok, fsck) = client("hdfs fsck /ha");
    assert!(ok && fsck.contains("is HEALTHY"), "fsck after decommissioning beside the pair:\n{fsck}");
    assert_eq!(checksum("/ha/file"), sum, "the file changed while a datanode was retired");

    // down keeps the volumes; up formats nothing: same cluster, same file.
    bdprov_env(&["down", CLUSTER], &[]).ok();
    let again = bdprov_env(UP, LOCAL).ok();
    assert!(again.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}", again.stdout);
    assert!(active().is_some(), "one active and one standby after up again");
    assert_eq!((cluster_id(1), cluster_id(2)), (id.clone(), id.clone()), "a NameNode was formatted again");
    assert_eq!(formats(1) + formats(2), 0, "up over kept volumes ran a format");
    assert_eq!(checksum("/ha/file"), sum);
    let (ok, out) = client("hdfs dfs -cat /ha/after-failover");
    assert!(ok && !out.trim().is_empty(), "the write made during the failover is gone:\n{out}");

    // Member 1 (the one that formats a new cluster) loses its volume: the
    // next up copies the namespace from the other member, formats nothing.
    bdprov_env(&["down", CLUSTER], &[]).ok();
    let volumes = docker(&["volume", "ls", "-q", "--filter", &format!("name={CLUSTER}_namenode-1-")]).ok().stdout;
    let lost: Vec<&str> = volumes.lines().collect();
    assert_eq!(lost.len(), 1, "namenode-1's own volume: {lost:?}");
    eventually("namenode-1's volume removed", Duration::from_secs(60), || (docker(&["volume", "rm", lost[0]]).code == 0).then_some(()));
    let again = bdprov_env(UP, LOCAL).ok();
    assert!(again.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}", again.stdout);
    assert!(active().is_some(), "one active and one standby after namenode-1's volume was lost");
    assert_eq!((cluster_id(1), cluster_id(2)), (id.clone(), id), "namenode-1 was formatted instead of bootstrapped");
    let logs = docker(&["service", "logs", "--raw", &format!("{CLUSTER}_namenode-1")]);
    let logs = format!("{}{}", logs.stdout, logs.stderr);
    assert!(
        logs.lines().any(|l| l.contains("STARTUP_MSG:") && l.contains("-bootstrapStandby")),
        "namenode-1 did not copy the namespace from namenode-2"
    );
    assert_eq!(checksum("/ha/file"), sum, "the file after namenode-1's volume was lost");

    bdprov_env(&["down", CLUSTER, "--volumes"], &[]).ok();
    eprintln!("e2e hdfs-ha took {:.0}s", started.elapsed().as_secs_f64());
}
