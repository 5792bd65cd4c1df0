//! End to end on a real swarm: every example in `examples/` brought up and
//! used the way its header comment says, side by side, with the offline
//! images, on names and ports of their own (so clusters a user runs on the
//! default ports do not get in the way).

use crate::common::{bdprov, get_json, up_fresh};

const SMALL: &str = "e2e-small";
const CUSTOM: &str = "e2e-custom";
/// The ports of the first cluster; the second asks for the same ones and must move.
const PORTS: &[&str] = &["--set", "master.ports.ui.published=28480", "--set", "history.ports.ui.published=28580"];

fn args<'a>(head: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(PORTS).copied().collect()
}

/// The master UI's address `status` lists for `cluster`.
fn master_url(cluster: &str) -> String {
    let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", cluster, "--output", "json"]).ok().stdout).unwrap();
    assert_eq!(st["ready"], true, "{st:#}");
    let master = st["roles"].as_array().unwrap().iter().find(|r| r["role"] == "master").unwrap();
    master["urls"][0].as_str().unwrap().to_string()
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_examples_as_their_headers_say() {
    let _serial = crate::common::swarm_lock();
    let _ = bdprov(&["down", CUSTOM, "--volumes"]);

    // examples/values-small.yaml: spark-standalone with one smaller worker; SparkPi on it.
    up_fresh(SMALL, &args(&["up", "spark-standalone", "-f", "examples/values-small.yaml", "--images", "local", "--name", SMALL]), &[]);
    assert_eq!(master_url(SMALL), "http://127.0.0.1:28480/");
    assert_eq!(get_json("http://127.0.0.1:28480/json/").and_then(|j| j["aliveworkers"].as_u64()), Some(1));
    let pi = bdprov(&["submit", "--cluster", SMALL, "spark-pi"]);
    assert_eq!(pi.code, 0, "spark-pi on values-small failed:\n{}\n{}", pi.stdout, pi.stderr);
    assert!(pi.stdout.lines().any(|l| l.starts_with("Pi is roughly 3.1")), "{}", pi.stdout);

    // examples/custom-spark.yaml next to it, asking for the same web UI
    // ports: they move, with no --set to move them.
    let up = up_fresh(CUSTOM, &args(&["up", "examples/custom-spark.yaml", "--images", "local", "--name", CUSTOM]), &[]);
    let said = format!("{}{}", up.stdout, up.stderr);
    assert!(said.contains("instead of 28480") && said.contains("instead of 28580"), "up did not say where the UIs moved:\n{said}");
    let url = master_url(CUSTOM);
    assert_ne!(url, "http://127.0.0.1:28480/", "the second master UI did not move");
    assert_eq!(get_json(&format!("{url}json/")).and_then(|j| j["aliveworkers"].as_u64()), Some(3), "custom-spark runs three workers");
    // The first cluster is untouched and still answers on its ports.
    assert_eq!(get_json("http://127.0.0.1:28480/json/").and_then(|j| j["aliveworkers"].as_u64()), Some(1));

    let app = bdprov(&["submit", "--cluster", CUSTOM, "spark", "--py", "examples/jobs/sum_squares.py", "--", "100"]);
    assert_eq!(app.code, 0, "sum_squares on custom-spark failed:\n{}\n{}", app.stdout, app.stderr);
    assert!(app.stdout.contains("sum of squares 1..100 = 338350"), "{}", app.stdout);

    for cluster in [CUSTOM, SMALL] {
        bdprov(&["down", cluster, "--volumes"]).ok();
    }
}
