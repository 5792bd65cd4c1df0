//! End to end on a three-node swarm (Docker-in-Docker nodes on this machine):
//! a remote manager over TLS, a private registry, images distributed through
//! it, coordinators on the labelled node, workers spread, probes and jobs
//! reaching tasks on other nodes, and `doctor` on every node.

use std::process::Command;

use crate::common::{bdprov_env, get_json, root, Run};

const MANAGER: &str = "172.31.250.11";

struct Nodes;

impl Nodes {
    fn up() -> Nodes {
        let out = Command::new(root().join("tests/multinode/nodes.sh"))
            .args(["up", "bdprov/spark:4.3.0", "bdprov/registry:2.8"])
            .output()
            .expect("nodes.sh runs");
        assert!(out.status.success(), "could not start the nodes:\n{}", String::from_utf8_lossy(&out.stderr));
        Nodes
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        let _ = Command::new(root().join("tests/multinode/nodes.sh")).arg("down").output();
    }
}

fn certs() -> String {
    let cache = std::env::var("BDPROV_CACHE").unwrap_or_else(|_| format!("{}/.cache/bdprov", std::env::var("HOME").unwrap()));
    format!("{cache}/test-node-certs")
}

fn remote(args: &[&str]) -> Run {
    let certs = certs();
    bdprov_env(args, &[("DOCKER_HOST", &format!("tcp://{MANAGER}:2376")), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", &certs)])
}

#[test]
fn e2e_multinode_registry_placement_tls_doctor() {
    let _serial = crate::common::swarm_lock();
    let _nodes = Nodes::up();

    // A bad certificate path is one clear error, not a panic.
    let bad = bdprov_env(
        &["status"],
        &[("DOCKER_HOST", &format!("tcp://{MANAGER}:2376")), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/nonexistent")],
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.starts_with("error: cannot reach the Docker engine"), "{}", bad.stderr);

    // A private registry on the manager, and the offline images in it.
    remote(&["up", "registry", "--images", "local"]).ok();
    let registry = format!("{MANAGER}:5000");
    let pushed = remote(&["images", "push", "spark"]).ok();
    assert!(pushed.stdout.contains(&format!("{registry}/bdprov/spark:4.3.0")), "{}", pushed.stdout);
    let catalog = get_json(&format!("http://{registry}/v2/_catalog")).expect("the registry answers");
    assert!(catalog["repositories"].as_array().unwrap().iter().any(|r| r == "bdprov/spark"), "{catalog}");

    // Spark over three nodes: workers pull from the registry on their nodes.
    let up = remote(&["up", "spark-standalone", "--images", "local", "--registry", &registry]).ok();
    assert!(up.stdout.contains("is ready"), "{}", up.stdout);
    let st: serde_json::Value = serde_json::from_str(&remote(&["status", "spark-standalone", "--output", "json"]).ok().stdout).unwrap();
    let nodes_of = |role: &str| -> Vec<String> {
        let r = st["roles"].as_array().unwrap().iter().find(|r| r["role"] == role).unwrap();
        r["tasks"].as_array().unwrap().iter().map(|t| t["node"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(nodes_of("master"), ["node1"], "coordinators go to the node labelled bdprov.role=master");
    assert_eq!(nodes_of("history"), ["node1"]);
    let workers = nodes_of("worker");
    assert_eq!(workers.len(), 2);
    assert_ne!(workers[0], workers[1], "workers spread over nodes: {workers:?}");
    assert!(workers.iter().any(|n| n != "node1"), "a worker runs on another node: {workers:?}");
    let master = get_json(&format!("http://{MANAGER}:8080/json/")).expect("the master's UI on node1");
    assert_eq!(master["aliveworkers"], 2);

    // A job whose executors run on the other nodes.
    let pi = remote(&["submit", "--cluster", "spark-standalone", "spark-pi", "--slices", "4"]);
    assert_eq!(pi.code, 0, "{}\n{}", pi.stdout, pi.stderr);
    assert!(pi.stdout.contains("Pi is roughly"), "{}", pi.stdout);

    // doctor: checks from inside the overlay on all three nodes.
    let doc = remote(&["doctor", "spark-standalone", "--output", "json"]);
    assert_eq!(doc.code, 0, "{}\n{}", doc.stdout, doc.stderr);
    let findings: serde_json::Value = serde_json::from_str(&doc.stdout).unwrap();
    let mut seen: Vec<&str> =
        findings.as_array().unwrap().iter().filter_map(|f| f["seen_from"].as_str()).filter(|s| s.starts_with("node")).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, ["node1", "node2", "node3"]);
    assert!(findings.as_array().unwrap().iter().any(|f| f["check"] == "dns master" && f["ok"] == true));
}
