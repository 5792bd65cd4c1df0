//! End to end on a real swarm: the ResourceManager pair of yarn-ha under
//! spark-hdfs-yarn (tests/fixtures/yarn-ha-on-hdfs.yaml), offline images.
//! A SparkPi on YARN runs while the active ResourceManager is killed: a
//! ResourceManager takes over with the application (ZooKeeper state store;
//! the standby, or the killed one restarted first, as the electors race for
//! the lock), the NodeManagers keep its containers (work-preserving
//! recovery), and it ends SUCCEEDED; the pair is whole again.

use std::time::{Duration, Instant};

use crate::common::{bdprov, bdprov_env, docker, eventually, get_json, up_fresh};

const CLUSTER: &str = "e2e-ha-yarn";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];
/// Small: one DataNode, no standalone workers; fronts on 28288 and 28289.
const UP: &[&str] = &[
    "up",
    "tests/fixtures/yarn-ha-on-hdfs.yaml",
    "--name",
    CLUSTER,
    "--set",
    "namenode-web.ports.http.published=29871",
    "--set",
    "resourcemanager-web.ports.http.published=28288",
    "--set",
    "master.ports.ui.published=28083",
    "--set",
    "history.ports.ui.published=28183",
    "--set",
    "zookeeper-readonly.ports.client.published=24381",
    "--set",
    "values.hadoop_heap=384m",
    "--set",
    "worker.replicas=0",
    "--set",
    "datanode.replicas=1",
    "--set",
    "values.hdfs_site[dfs.replication]=1",
];

/// `haState` of ResourceManager `n`, from its own front (a standby answers
/// /ws/v1/cluster/info itself).
fn ha_state(n: u16) -> Option<String> {
    let j = get_json(&format!("http://127.0.0.1:{}/ws/v1/cluster/info", 28287 + n))?;
    j["clusterInfo"]["haState"].as_str().map(String::from)
}

fn apps() -> Vec<(String, String)> {
    [1, 2]
        .iter()
        .filter_map(|n| get_json(&format!("http://127.0.0.1:{}/ws/v1/cluster/apps", 28287 + n)))
        .find_map(|j| {
            j["apps"]["app"].as_array().map(|a| {
                a.iter().map(|x| (x["id"].as_str().unwrap_or("").to_string(), x["state"].as_str().unwrap_or("").to_string())).collect()
            })
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_ha_yarn_failover_keeps_a_running_application() {
    let _serial = crate::common::swarm_lock();
    up_fresh(CLUSTER, UP, LOCAL);
    let (active, standby) = match (ha_state(1).as_deref(), ha_state(2).as_deref()) {
        (Some("ACTIVE"), Some("STANDBY")) => (1, 2),
        (Some("STANDBY"), Some("ACTIVE")) => (2, 1),
        other => panic!("want one ACTIVE and one STANDBY ResourceManager, got {other:?}"),
    };
    // The standby's front serves the active one's view (it follows the redirect).
    let metrics =
        get_json(&format!("http://127.0.0.1:{}/ws/v1/cluster/metrics", 28287 + standby)).expect("metrics through the standby's front");
    assert_eq!(metrics["clusterMetrics"]["activeNodes"], 2, "{metrics:#}");

    // A SparkPi on YARN, followed by bdprov; kill the active RM once it runs.
    let mut args = vec!["submit", "--cluster", CLUSTER, "spark-pi", "--master", "yarn", "--slices", "40"];
    let child = std::process::Command::new(crate::common::bin())
        .args(args.drain(..))
        .current_dir(crate::common::root())
        .env("BDPROV_IMAGES", "local")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = eventually("the application RUNNING", Duration::from_secs(180), || {
        apps().into_iter().find(|(_, s)| s == "RUNNING").map(|(id, _)| id)
    });
    let victim =
        docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_resourcemanager-{active}")]).stdout;
    docker(&["kill", victim.trim()]);
    let killed = Instant::now();
    // A ResourceManager ACTIVE again: the standby, or (on a busy machine) the
    // killed one restarted before the standby won the election.
    eventually("a ResourceManager ACTIVE again", Duration::from_secs(150), || {
        [standby, active].into_iter().any(|n| ha_state(n).as_deref() == Some("ACTIVE")).then_some(())
    });
    let takeover = killed.elapsed();

    let out: crate::common::Run = child.wait_with_output().unwrap().into();
    assert_eq!(out.code, 0, "the application across the failover:\n{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains(&format!("application {id} finished: SUCCEEDED")), "{}", out.stdout);
    // The pair whole again: the killed one back, one ACTIVE and one STANDBY
    // (on a busy machine the elector may hand back to the restarted one).
    eventually("the pair whole again (one ACTIVE, one STANDBY)", Duration::from_secs(180), || {
        match (ha_state(1).as_deref(), ha_state(2).as_deref()) {
            (Some("ACTIVE"), Some("STANDBY")) | (Some("STANDBY"), Some("ACTIVE")) => Some(()),
            _ => None,
        }
    });
    eprintln!("ResourceManager takeover after kill: {takeover:?}");

    let _ = bdprov_env(&["status", CLUSTER], LOCAL);
    bdprov(&["down", CLUSTER, "--volumes"]).ok();
}
