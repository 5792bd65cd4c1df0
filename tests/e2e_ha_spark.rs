//! End to end on a real swarm: spark-standalone-ha with the offline images.
//! Two masters elect their leader in ZooKeeper; the ALIVE one is killed,
//! the standby takes over with the workers, a new SparkPi runs, and the
//! killed master comes back as the standby.

use std::time::{Duration, Instant};

use crate::common::{bdprov, bdprov_env, docker, eventually, get_json, up_fresh};

const CLUSTER: &str = "e2e-ha-spark";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];
/// Ports of their own: masters' UIs on 28380 and 28381.
const UP: &[&str] = &[
    "up",
    "spark-standalone-ha",
    "--name",
    CLUSTER,
    "--set",
    "zookeeper-readonly.ports.client.published=24181",
    "--set",
    "master.ports.ui.published=28380",
    "--set",
    "history.ports.ui.published=28390",
];

/// (status, aliveworkers) of master `n` (1 or 2).
fn master(n: u16) -> Option<(String, u64)> {
    let j = get_json(&format!("http://127.0.0.1:{}/json/", 28379 + n))?;
    Some((j["status"].as_str()?.to_string(), j["aliveworkers"].as_u64()?))
}

fn container(service: &str) -> String {
    let out = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_{service}")]);
    out.stdout.lines().next().unwrap_or_else(|| panic!("no running {service} container")).to_string()
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_ha_spark_master_failover() {
    let _serial = crate::common::swarm_lock();
    up_fresh(CLUSTER, UP, LOCAL);

    // One ALIVE master with both workers, one STANDBY with none.
    let (one, two) = (master(1).expect("master-1 answers"), master(2).expect("master-2 answers"));
    let (active, standby) = match (one.0.as_str(), two.0.as_str()) {
        ("ALIVE", "STANDBY") => (1, 2),
        ("STANDBY", "ALIVE") => (2, 1),
        other => panic!("want one ALIVE and one STANDBY master, got {other:?}"),
    };
    assert_eq!(master(active).unwrap().1, 2, "the ALIVE master lists both workers");
    assert_eq!(master(standby).unwrap().1, 0);

    // Kill the ALIVE master's container: the standby leads, the workers
    // register with it (sessions capped at 10 s by the blueprint).
    let victim = container(&format!("master-{active}"));
    docker(&["kill", &victim]).ok_or_panic();
    let killed = Instant::now();
    eventually("the standby master ALIVE with both workers", Duration::from_secs(60), || {
        (master(standby) == Some(("ALIVE".to_string(), 2))).then_some(())
    });
    let takeover = killed.elapsed();
    assert!(takeover < Duration::from_secs(40), "takeover took {takeover:?}");

    // A new SparkPi: the preflight asks the ALIVE master, the driver is given both.
    let pi = bdprov_env(&["submit", "--cluster", CLUSTER, "spark-pi", "--slices", "2"], LOCAL);
    assert_eq!(pi.code, 0, "SparkPi after the failover:\n{}\n{}", pi.stdout, pi.stderr);
    assert!(pi.stdout.contains("Pi is roughly") || pi.stderr.contains("Pi is roughly"), "{}", pi.stdout);

    // The killed master comes back, as the standby.
    eventually("the killed master back as STANDBY", Duration::from_secs(90), || {
        (master(active).map(|m| m.0) == Some("STANDBY".to_string())).then_some(())
    });
    assert_eq!(master(standby).unwrap().0, "ALIVE");
    eprintln!("spark master takeover after kill: {takeover:?}");

    bdprov(&["down", CLUSTER, "--volumes"]).ok();
}

trait OkOrPanic {
    fn ok_or_panic(self);
}

impl OkOrPanic for crate::common::Run {
    fn ok_or_panic(self) {
        assert_eq!(self.code, 0, "docker failed: {}", self.stderr);
    }
}
