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
//!
//! Then the `monitoring` blueprint, up before both clusters, finds them by
//! itself: every labelled task is a target and up (Prometheus' own
//! `/api/v1/targets`) soon after `up` returns, DataNodes scaled up to five
//! become targets, a DataNode that stops answering fires its alerts in
//! Alertmanager and resolves them when it is back, and `down` takes a
//! cluster's targets away. Its alert rules pass their own tests (`promtool test rules`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::common::{bdprov, docker, eventually, up_fresh};

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
        // Spark registers no MBeans of its own in the history server: its
        // JMX exporter agent serves the JVM's figures.
        "history" => "jvm_memory_bytes_used",
        // bdprov's read-only fronts (templates/web/relay_metrics.py).
        "namenode-web" | "resourcemanager-web" | "ui-web" | "logviewer-web" | "zookeeper-readonly" => "bdprov_relay_info",
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

const MON: &str = "e2e-metrics-mon";
const PROMETHEUS: &str = "http://127.0.0.1:25090";
/// Scrape and rule evaluation interval of the test's monitoring cluster.
const INTERVAL: Duration = Duration::from_secs(5);

fn prometheus(path: &str) -> Option<serde_json::Value> {
    crate::common::get_json(&format!("{PROMETHEUS}{path}")).filter(|v| v["status"] == "success").map(|v| v["data"].clone())
}

/// Prometheus' active targets of `cluster`'s tasks (job `bdprov`): instance → health.
fn targets(cluster: &str) -> BTreeMap<String, String> {
    targets_of(cluster, |job| job == "bdprov")
}

/// The targets of `cluster`'s child processes (jobs `bdprov-child-N`):
/// instance (`<service>.<slot>:<port>`) → health.
fn child_targets(cluster: &str) -> BTreeMap<String, String> {
    targets_of(cluster, |job| job.starts_with("bdprov-child-"))
}

fn targets_of(cluster: &str, job: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
    let Some(data) = prometheus("/api/v1/targets?state=active") else { return BTreeMap::new() };
    data["activeTargets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["labels"]["cluster"] == cluster && job(t["labels"]["job"].as_str().unwrap_or("")))
        .map(|t| (t["labels"]["instance"].as_str().unwrap_or("").to_string(), t["health"].as_str().unwrap_or("").to_string()))
        .collect()
}

/// The targets a cluster's running tasks should be: `<service>.<slot>` for
/// a task of a replicated service, `<service>@<node>` for a global one.
fn expected_targets(cluster: &str) -> BTreeSet<String> {
    let services = docker(&["service", "ls", "--filter", &format!("label=bdprov.cluster={cluster}"), "--format", "{{.Name}}"]).stdout;
    let mut out = BTreeSet::new();
    for svc in services.lines() {
        let port = docker(&["service", "inspect", "--format", "{{index .Spec.Labels \"bdprov.metrics.port\"}}", svc]).stdout;
        if port.trim().is_empty() {
            continue;
        }
        let tasks = docker(&["service", "ps", "--filter", "desired-state=running", "--format", "{{.Name}} {{.Node}}", svc]).stdout;
        for line in tasks.lines() {
            let (name, node) = line.split_once(' ').unwrap_or((line, ""));
            let slot = name.rsplit_once('.').map_or("", |(_, s)| s);
            out.insert(if slot.parse::<u64>().is_ok() { name.to_string() } else { format!("{svc}@{node}") });
        }
    }
    out
}

/// Wait until every running task of `cluster` that names a metrics port is
/// a target and up, and no other one is listed (tasks are listed again on
/// each look: a task replaced meanwhile is a new target); how long it took.
fn all_targets_up(cluster: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let want = expected_targets(cluster);
        assert!(!want.is_empty(), "{cluster} has no task with a metrics label");
        let got = targets(cluster);
        if got.keys().cloned().collect::<BTreeSet<_>>() == want && got.values().all(|h| h == "up") {
            return start.elapsed();
        }
        if start.elapsed() > limit {
            let seen = prometheus("/api/v1/targets?state=active").unwrap_or_default();
            let seen: Vec<String> = seen["activeTargets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|t| t["labels"]["cluster"] == cluster)
                .map(|t| format!("{} {} {} {}", t["labels"]["job"], t["labels"]["instance"], t["health"], t["lastError"]))
                .collect();
            panic!("after {limit:?}, the running tasks of {cluster} {want:?} are not all targets and up; Prometheus lists {seen:#?}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The alerts Alertmanager holds now (active, not resolved): (name, labels).
fn alertmanager_alerts() -> Vec<(String, serde_json::Value)> {
    let ctr = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={MON}_alertmanager")]).stdout;
    let ctr = ctr.lines().next().expect("a running alertmanager").to_string();
    let script = "import urllib.request; print(urllib.request.urlopen('http://localhost:9093/api/v2/alerts?active=true&silenced=false&inhibited=false', timeout=10).read().decode())";
    let run = docker(&["exec", &ctr, "python3", "-c", script]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["status"]["state"] == "active")
        .map(|a| (a["labels"]["alertname"].as_str().unwrap_or("").to_string(), a["labels"].clone()))
        .collect()
}

/// A healthy cluster fires nothing: no alert of `cluster` pending or
/// firing in Prometheus over a few evaluations, none in Alertmanager.
fn quiet(cluster: &str) {
    for _ in 0..3 {
        std::thread::sleep(INTERVAL);
        let alerts = prometheus("/api/v1/alerts").unwrap_or_default();
        let ours: Vec<&serde_json::Value> =
            alerts["alerts"].as_array().into_iter().flatten().filter(|a| a["labels"]["cluster"] == cluster).collect();
        assert!(ours.is_empty(), "a healthy {cluster} has alerts: {ours:?}");
    }
    assert!(alertmanager_alerts().iter().all(|(_, l)| l["cluster"] != cluster), "{:?}", alertmanager_alerts());
}

/// The rules as the blueprint renders them by default pass their tests
/// (templates/monitoring/rules-test.yml), run by the kit's own promtool.
fn rules_pass_their_tests() {
    let dir = std::env::temp_dir().join(format!("bdprov-rules-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    bdprov(&["render", "monitoring", "--images", "local", "--out", dir.join("out").to_str().unwrap()]).ok();
    let plan: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(dir.join("out/plan.yaml")).unwrap()).unwrap();
    for (config, file) in [("_rules-", "rules.yml"), ("_prometheus-", "prometheus.yml")] {
        let c = plan["configs"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str().is_some_and(|n| n.contains(config)))
            .unwrap_or_else(|| panic!("a {config} config in the monitoring plan"));
        std::fs::write(dir.join(file), c["data"].as_str().unwrap()).unwrap();
    }
    std::fs::copy(crate::common::root().join("templates/monitoring/rules-test.yml"), dir.join("rules-test.yml")).unwrap();
    let mount = format!("{}:/t", dir.display());
    let run = docker(&["run", "--rm", "-v", &mount, "-w", "/t", "bdprov/monitoring:2.42", "promtool", "test", "rules", "rules-test.yml"]);
    assert!(run.code == 0 && run.stdout.contains("SUCCESS"), "promtool test rules:\n{}\n{}", run.stdout, run.stderr);
    // Prometheus' configuration as rendered, its rules where it reads them.
    let mount = format!("{}:/etc/bdprov", dir.display());
    let run = docker(&["run", "--rm", "-v", &mount, "bdprov/monitoring:2.42", "promtool", "check", "config", "/etc/bdprov/prometheus.yml"]);
    assert!(run.code == 0, "promtool check config:\n{}\n{}", run.stdout, run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

fn up_monitoring() {
    up_fresh(
        MON,
        &[
            "up",
            "monitoring",
            "--name",
            MON,
            "--set",
            "values.scrape_interval=5s",
            "--set",
            "values.alert_for=5s",
            "--set",
            "prometheus-web.ports.http.published=25090",
        ],
        LOCAL,
    );
    // Read only from outside: queries by GET; no POST, no admin or lifecycle endpoint.
    assert!(prometheus("/api/v1/query?query=up").is_some(), "a query through the read-only front");
    for (method, path) in
        [("POST", "/api/v1/query"), ("POST", "/api/v1/admin/tsdb/snapshot"), ("PUT", "/-/quit"), ("GET", "/api/v1/admin/tsdb/snapshot")]
    {
        let out = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method, &format!("{PROMETHEUS}{path}")])
            .output()
            .unwrap();
        let code = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(code.starts_with('4'), "{method} {path} through the front answered {code}");
    }
    // The monitoring cluster's own roles are targets too (one node exporter per node).
    all_targets_up(MON, Duration::from_secs(60));
}

/// A cluster's network that exists before `up monitoring` (here only the
/// network): Prometheus is created on it already, so it is not restarted
/// once ready; `down` of that cluster detaches it and removes the network.
fn observer_starts_on_every_network(early: &str) {
    let prom = format!("{MON}_prometheus");
    let tasks = docker(&["service", "ps", "--format", "{{.Name}} {{.DesiredState}}", &prom]).stdout;
    assert_eq!(tasks.lines().count(), 1, "Prometheus was restarted after `up monitoring`:\n{tasks}");
    let joined = docker(&["service", "inspect", "--format", "{{range .Spec.TaskTemplate.Networks}}{{.Target}} {{end}}", &prom]).stdout;
    let early_id = docker(&["network", "inspect", "--format", "{{.Id}}", early]).stdout;
    assert!(joined.split_whitespace().any(|t| t == early_id.trim()), "{prom} is not on {early}: {joined}");
    let down = bdprov(&["down", early]).ok();
    assert!(down.stderr.contains(&format!("{prom} left the network")), "{}\n{}", down.stdout, down.stderr);
    assert!(docker(&["network", "inspect", early]).code != 0, "{early} is still there after `down`");
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_metrics_every_role_on_the_overlay() {
    let _serial = crate::common::swarm_lock();
    rules_pass_their_tests();
    let early = "e2e-metrics-early";
    let _ = bdprov(&["down", early]);
    let made = docker(&["network", "create", "--driver", "overlay", "--label", &format!("bdprov.cluster={early}"), early]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    up_monitoring();
    observer_starts_on_every_network(early);

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
            // A DataNode silent for 2 × 3 s + 10 × 1 s counts as dead.
            "--set",
            "values.hdfs_site[dfs.namenode.heartbeat.recheck-interval]=3000",
            "--set",
            "values.hdfs_site[dfs.heartbeat.interval]=1",
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
    check_cluster(
        hy,
        "namenode-web",
        &["namenode", "namenode-web", "datanode", "resourcemanager", "resourcemanager-web", "nodemanager", "master", "worker", "history"],
    );
    let took = all_targets_up(hy, Duration::from_secs(60));
    quiet(hy);
    eprintln!("every role of {hy} a target and up {:.1} s after `up` returned (scrape interval {INTERVAL:?})", took.as_secs_f64());
    assert!(took <= INTERVAL * 6, "targets of {hy} took {took:?}");
    front_counts_its_answers(hy, "http://127.0.0.1:25870");
    // What Prometheus scraped equals what `status` reads (the same endpoint).
    eventually("Prometheus' live DataNodes to equal status's figure", Duration::from_secs(30), || {
        let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", hy, "--output", "json"]).ok().stdout).ok()?;
        let figure = st["figures"]["hdfs"]["live_datanodes"].as_u64()?;
        let scraped = value(&format!("fs_namesystem_num_live_data_nodes{{cluster=\"{hy}\"}}"))?;
        (figure as f64 == scraped && figure == 1).then_some(())
    });

    // Scaled later: the new DataNodes are targets.
    let scaled = Instant::now();
    bdprov(&["scale", hy, "datanode=5"]).ok();
    let took = all_targets_up(hy, Duration::from_secs(60));
    eprintln!(
        "scale datanode=5 ready in {:.1} s, every DataNode a target and up {:.1} s later",
        (scaled.elapsed() - took).as_secs_f64(),
        took.as_secs_f64()
    );
    let now = targets(hy);
    assert!((1..=5).all(|n| now.contains_key(&format!("{hy}_datanode.{n}"))), "{now:?}");

    // A DataNode that stops answering (its node hung, say; a killed one is
    // restarted by the swarm before any NameNode counts it dead): its
    // target down and the NameNode's dead DataNode fire in Alertmanager,
    // and resolve when it answers again.
    let dn =
        docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={hy}_datanode"), "--filter", "name=datanode.2"])
            .stdout;
    let dn = dn.lines().next().expect("datanode 2 running").to_string();
    assert_eq!(docker(&["pause", &dn]).code, 0);
    let paused = Instant::now();
    let fired = eventually("TargetDown and HdfsDeadDataNodes to fire in Alertmanager", Duration::from_secs(120), || {
        let alerts = alertmanager_alerts();
        let has = |name: &str| alerts.iter().any(|(n, l)| n == name && l["cluster"] == hy);
        (has("TargetDown") && has("HdfsDeadDataNodes")).then_some(alerts)
    });
    let down = fired.iter().find(|(n, _)| n == "TargetDown").map(|(_, l)| l.clone()).unwrap();
    assert_eq!(down["role"], "datanode", "{down}");
    eprintln!("alerts fired in Alertmanager {:.1} s after the DataNode stopped answering", paused.elapsed().as_secs_f64());
    assert_eq!(docker(&["unpause", &dn]).code, 0);
    let back = Instant::now();
    eventually("the DataNode's alerts to resolve", Duration::from_secs(120), || {
        let alerts = alertmanager_alerts();
        (!alerts.iter().any(|(n, l)| (n == "TargetDown" || n == "HdfsDeadDataNodes") && l["cluster"] == hy)).then_some(())
    });
    eprintln!("resolved {:.1} s after it answered again", back.elapsed().as_secs_f64());

    // What a scrape costs each role (Prometheus' own account of it).
    for (what, metric) in [("seconds", "scrape_duration_seconds"), ("samples", "scrape_samples_scraped")] {
        let q = prometheus(&format!("/api/v1/query?query=max%20by%20(role)%20({metric}%7Bcluster%3D%22{hy}%22%7D)")).unwrap_or_default();
        let per_role: Vec<String> = q["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| format!("{}={}", r["metric"]["role"].as_str().unwrap_or("?"), r["value"][1].as_str().unwrap_or("?")))
            .collect();
        eprintln!("scrape cost per role of {hy}, {what}: {}", per_role.join(" "));
    }

    bdprov(&["down", hy, "--volumes"]).ok();
    eventually(&format!("the targets of {hy} to be gone"), Duration::from_secs(60), || targets(hy).is_empty().then_some(()));

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
            "values.slots_per_supervisor=2",
            "--set",
            "ui-web.ports.ui.published=25081",
            "--set",
            "logviewer-web.ports.http.published=25001",
        ],
        LOCAL,
    );
    check_cluster(st, "ui-web", &["zookeeper", "zookeeper-readonly", "nimbus", "ui", "supervisor", "logviewer", "logviewer-web", "ui-web"]);
    all_targets_up(st, Duration::from_secs(60));
    // bdprov's probes ask the member's `srvr` through the ZooKeeper front.
    eventually("the ZooKeeper front's passed words in Prometheus", Duration::from_secs(30), || {
        value(&format!("sum(bdprov_relay_connections_total{{cluster=\"{st}\",role=\"zookeeper-readonly\",kind=\"word\"}})"))
            .filter(|n| *n > 0.0)
    });
    quiet(st);
    failing_topology(st);
    bdprov(&["down", st, "--volumes"]).ok();
    eventually(&format!("the targets of {st} to be gone"), Duration::from_secs(60), || {
        (targets(st).is_empty() && child_targets(st).is_empty()).then_some(())
    });
    bdprov(&["down", MON, "--volumes"]).ok();
}

/// The value of a PromQL expression (the first series), as Prometheus has it now.
fn value(promql: &str) -> Option<f64> {
    let q: String = promql
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"_.-".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let r = prometheus(&format!("/api/v1/query?query={q}"))?;
    r["result"][0]["value"][1].as_str()?.parse().ok()
}

/// The NameNode's read-only front counts what it answered: reads the
/// NameNode answered (200) and a write the front refused (405) reach
/// Prometheus, by method, code and who answered.
fn front_counts_its_answers(cluster: &str, front: &str) {
    let series = |by: &str, method: &str, code: &str| {
        format!(
            "sum(bdprov_relay_requests_total{{cluster=\"{cluster}\",role=\"namenode-web\",by=\"{by}\",method=\"{method}\",code=\"{code}\"}})"
        )
    };
    let (passed, refused) = (series("member", "GET", "200"), series("front", "POST", "405"));
    // bdprov's probes read through the front too: counts only grow.
    let passed_before = value(&passed).unwrap_or(0.0);
    let refused_before = value(&refused).unwrap_or(0.0);
    for method in ["GET", "GET", "POST"] {
        let out = std::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                method,
                &format!("{front}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo"),
            ])
            .output()
            .unwrap();
        let code = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(code, if method == "GET" { "200" } else { "405" }, "{method} through the front");
    }
    eventually("the front's answers counted in Prometheus", Duration::from_secs(30), || {
        (value(&passed)? >= passed_before + 2.0 && value(&refused)? >= refused_before + 1.0).then_some(())
    });
}

/// A topology whose bolt never acks (storm-client's TestPlannerBolt) behind
/// a spout that tracks every tuple (TestEventLogSpout): every tuple tree
/// times out and fails at the spout. Its worker, a child JVM of the
/// supervisor, becomes a target on its slot's metrics port; its task
/// counters reach Prometheus; StormTuplesFailing fires in Alertmanager, and
/// resolves once the topology is killed.
fn failing_topology(st: &str) {
    let slots = ["16700", "16701"];
    let before = child_targets(st);
    assert_eq!(
        before.keys().map(|k| k.rsplit(':').next().unwrap_or("")).collect::<BTreeSet<_>>(),
        slots.into_iter().collect(),
        "each slot of the supervisor is a child target: {before:?}"
    );
    assert!(before.values().all(|h| h != "up"), "no worker runs yet: {before:?}");
    let topology = "name: failing\n\
config:\n  topology.workers: 1\n  topology.message.timeout.secs: 2\n  topology.max.spout.pending: 50\n\
spouts:\n  - id: events\n    className: org.apache.storm.testing.TestEventLogSpout\n    constructorArgs: [1000000000]\n    parallelism: 1\n\
bolts:\n  - id: drop\n    className: org.apache.storm.testing.TestPlannerBolt\n    parallelism: 1\n\
streams:\n  - from: events\n    to: drop\n    grouping: { type: SHUFFLE }\n";
    // Flux's runner with the topology inside, read as a classpath resource.
    let jar = std::env::temp_dir().join(format!("bdprov-failing-{}.jar", std::process::id()));
    std::fs::copy(crate::e2e_storm::flux_jar(), &jar).unwrap();
    let script = format!("import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'a') as z: z.writestr('failing.yaml', {topology:?})");
    let ok = std::process::Command::new("python3").args(["-c", &script, jar.to_str().unwrap()]).status().expect("python3 runs");
    assert!(ok.success(), "the failing topology's jar");
    crate::e2e_storm::submit_flux(st, &jar, &["--resource", "/failing.yaml"]).ok();
    let _ = std::fs::remove_file(&jar);
    eventually("the worker's slot target to be up", Duration::from_secs(120), || {
        child_targets(st).values().any(|h| h == "up").then_some(())
    });
    let q = format!("sum(storm_task_emit_total{{cluster=\"{st}\",topology=\"failing\",component=\"events\"}})");
    eventually("the spout's emitted tuples in Prometheus", Duration::from_secs(60), || value(&q).filter(|n| *n > 0.0));
    let started = Instant::now();
    eventually("StormTuplesFailing in Alertmanager", Duration::from_secs(120), || {
        alertmanager_alerts()
            .iter()
            .any(|(n, l)| n == "StormTuplesFailing" && l["cluster"] == st && l["topology"] == "failing")
            .then_some(())
    });
    eprintln!("StormTuplesFailing active in Alertmanager {:.1}s after the first tuples", started.elapsed().as_secs_f64());
    for metric in ["scrape_duration_seconds", "scrape_samples_scraped"] {
        let q = format!("max({metric}{{cluster=\"{st}\",job=~\"bdprov-child-.*\"}})");
        eprintln!("a worker's scrape, {metric}: {:?}", value(&q));
    }
    bdprov(&["storm", "kill", "--cluster", st, "failing", "--wait", "1"]).ok();
    let killed = Instant::now();
    eventually("StormTuplesFailing to resolve", Duration::from_secs(90), || {
        alertmanager_alerts().iter().all(|(n, l)| !(n == "StormTuplesFailing" && l["cluster"] == st)).then_some(())
    });
    eprintln!("resolved {:.1}s after `storm kill` began", killed.elapsed().as_secs_f64());
}
