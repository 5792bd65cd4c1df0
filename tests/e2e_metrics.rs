//! End to end on a real swarm: every role that says where its Prometheus
//! metrics are (`metrics:` in the blueprint, `bdprov.metrics.*` labels on its
//! service) serves them there, from every task, on the cluster's overlay;
//! nothing new is published for it. Two small clusters with the offline
//! images cover the daemons of every built-in blueprint but the HA-only
//! JournalNode: spark-hdfs-yarn (HDFS, YARN, Spark standalone) and storm
//! (with its ZooKeeper ensemble).
//!
//! Each task is asked by its own address on the overlay (not the service's
//! name, which answers with one task), from inside a container of the same
//! cluster, as a scraper on that network would.

use std::collections::BTreeMap;

use crate::common::{bdprov, docker, up_fresh};

const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];

/// A metric each role's daemon serves (checked live on the kit's images).
fn known_metric(role: &str) -> &'static str {
    match role {
        "namenode" => "fs_namesystem_num_live_data_nodes",
        "datanode" => "datanode_heartbeats_num_ops",
        "resourcemanager" => "cluster_metrics_num_active_n_ms",
        "nodemanager" => "node_manager_metrics_allocated_containers",
        "master" => "metrics_master_aliveWorkers_Value",
        "worker" => "metrics_worker_coresFree_Value",
        "zookeeper" => "znode_count",
        "nimbus" => "metrics_nimbus:mkassignments_errors_count",
        "ui" => "metrics_ui:num_cluster_summary_http_requests_count",
        "supervisor" => "metrics_supervisor:current_used_memory_mb_value",
        "logviewer" => "metrics_logviewer:cleanup_routine_duration_ms_count",
        other => panic!("role `{other}` has metrics but this test knows no metric of it"),
    }
}

/// A role's metrics endpoint as its service's labels say, its running
/// containers and the ports it publishes.
struct Scraped {
    role: String,
    port: String,
    path: String,
    replicas: u64,
    published_targets: Vec<u64>,
    containers: Vec<String>,
}

fn labelled_services(cluster: &str) -> Vec<Scraped> {
    let names = docker(&["service", "ls", "--filter", &format!("label=bdprov.cluster={cluster}"), "--format", "{{.Name}}"]).stdout;
    let mut out = Vec::new();
    for name in names.lines() {
        let inspect = docker(&["service", "inspect", name]).stdout;
        let v: serde_json::Value = serde_json::from_str(&inspect).unwrap_or_else(|e| panic!("service inspect {name}: {e}"));
        let spec = &v[0]["Spec"];
        let labels = &spec["Labels"];
        let Some(port) = labels["bdprov.metrics.port"].as_str() else { continue };
        let published_targets = spec["EndpointSpec"]["Ports"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["TargetPort"].as_u64()).collect())
            .unwrap_or_default();
        let containers = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={name}")])
            .stdout
            .lines()
            .map(String::from)
            .collect();
        out.push(Scraped {
            role: labels["bdprov.role"].as_str().unwrap().to_string(),
            port: port.to_string(),
            path: labels["bdprov.metrics.path"].as_str().expect("a metrics path label beside the port").to_string(),
            replicas: spec["Mode"]["Replicated"]["Replicas"].as_u64().unwrap_or(1),
            published_targets,
            containers,
        });
    }
    out
}

/// The container's address on the cluster's network.
fn address(container: &str, network: &str) -> String {
    let out = docker(&["inspect", "--format", &format!("{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}"), container]);
    let ip = out.stdout.trim().to_string();
    assert!(!ip.is_empty() && out.code == 0, "container {container} has no address on {network}: {}", out.stderr);
    ip
}

/// GET each URL from inside `container` (on the overlay): per URL, the
/// metric names of its answer, or the error.
fn scrape_from(container: &str, urls: &[String]) -> BTreeMap<String, Result<Vec<String>, String>> {
    let script = r##"
import json, sys, urllib.request
out = {}
for url in sys.argv[1:]:
    try:
        body = urllib.request.urlopen(url, timeout=20).read().decode()
        out[url] = {"names": sorted({l.split("{")[0].split(" ")[0] for l in body.splitlines() if l and not l.startswith("#")})}
    except Exception as e:
        out[url] = {"error": repr(e)}
print(json.dumps(out))
"##;
    let mut args = vec!["exec", container, "python3", "-c", script];
    args.extend(urls.iter().map(String::as_str));
    let run = docker(&args);
    assert_eq!(run.code, 0, "scrape from {container}: {}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    v.as_object()
        .unwrap()
        .iter()
        .map(|(url, r)| {
            let names = r["names"].as_array().map(|a| a.iter().map(|n| n.as_str().unwrap().to_string()).collect());
            (url.clone(), names.ok_or_else(|| r["error"].to_string()))
        })
        .collect()
}

/// Every task of every role with metrics serves its product's metrics; the
/// metrics ports stay unpublished (the Spark master's UI, published before,
/// is the one exception: its metrics path is on that page's port).
fn check_cluster(cluster: &str, front: &str, expected_roles: &[&str]) {
    let network = format!("{cluster}-net");
    let services = labelled_services(cluster);
    let mut roles: Vec<&str> = services.iter().map(|s| s.role.as_str()).collect();
    roles.sort();
    roles.dedup();
    let mut want = expected_roles.to_vec();
    want.sort();
    assert_eq!(roles, want, "roles of {cluster} labelled with their metrics endpoint");
    let front = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={cluster}_{front}")])
        .stdout
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no running {front} in {cluster}"))
        .to_string();
    let mut urls = Vec::new();
    let mut expected = Vec::new();
    for s in &services {
        assert_eq!(s.containers.len() as u64, s.replicas, "{cluster}: role {} runs {:?}, wants {}", s.role, s.containers, s.replicas);
        let port: u64 = s.port.parse().unwrap_or_else(|_| panic!("role {}: metrics port label `{}`", s.role, s.port));
        if s.role != "master" {
            assert!(!s.published_targets.contains(&port), "{cluster}: role {} publishes its metrics port {port}", s.role);
        }
        for c in &s.containers {
            let url = format!("http://{}:{port}{}", address(c, &network), s.path);
            expected.push((url.clone(), s.role.clone()));
            urls.push(url);
        }
    }
    let answers = scrape_from(&front, &urls);
    for (url, role) in expected {
        let names = answers[&url].as_ref().unwrap_or_else(|e| panic!("{cluster}: role {role} at {url}: {e}"));
        let metric = known_metric(&role);
        assert!(
            names.iter().any(|n| n == metric),
            "{cluster}: role {role} at {url} serves {} metrics but not {metric}: {:?}",
            names.len(),
            &names[..names.len().min(20)]
        );
    }
}

#[test]
fn e2e_metrics_every_role_on_the_overlay() {
    let _serial = crate::common::swarm_lock();

    // HDFS, YARN and Spark standalone, one task of each and small heaps.
    let hy = "e2e-metrics-hy";
    up_fresh(
        hy,
        &[
            "up",
            "spark-hdfs-yarn",
            "--name",
            hy,
            "--set",
            "namenode-web.ports.http.published=25870",
            "--set",
            "resourcemanager-web.ports.http.published=25088",
            "--set",
            "master.ports.ui.published=25080",
            "--set",
            "history.ports.ui.published=25180",
            "--set",
            "values.hadoop_heap=256m",
            "--set",
            "values.daemon_heap=256m",
            "--set",
            "datanode.replicas=1",
            "--set",
            "values.hdfs_site[dfs.replication]=1",
            "--set",
            "nodemanager.replicas=1",
            "--set",
            "worker.replicas=1",
            "--set",
            "values.worker_memory=512m",
            "--set",
            "values.yarn_site[yarn.nodemanager.resource.memory-mb]=1024",
            "--set",
            "values.yarn_site[yarn.scheduler.maximum-allocation-mb]=1024",
        ],
        LOCAL,
    );
    check_cluster(hy, "namenode-web", &["namenode", "datanode", "resourcemanager", "nodemanager", "master", "worker"]);
    bdprov(&["down", hy, "--volumes"]).ok();

    // Storm on a one-member ZooKeeper ensemble (a member is a service of its
    // own, `zookeeper-1`, labelled like any role).
    let st = "e2e-metrics-storm";
    up_fresh(
        st,
        &[
            "up",
            "storm",
            "--name",
            st,
            "--set",
            "zookeeper.members=1",
            "--set",
            "zookeeper-readonly.ports.client.published=25181",
            "--set",
            "values.daemon_heap=256m",
            "--set",
            "values.worker_heap_mb=256",
            "--set",
            "values.slots_per_supervisor=1",
            "--set",
            "ui-web.ports.ui.published=25081",
            "--set",
            "logviewer-web.ports.http.published=25001",
        ],
        LOCAL,
    );
    check_cluster(st, "ui-web", &["zookeeper", "nimbus", "ui", "supervisor", "logviewer"]);
    bdprov(&["down", st, "--volumes"]).ok();
}
