//! `submit`'s preflight decisions over the answers of a Spark master
//! (`/json/`, recorded from Spark 4's standalone master with two 1-core, 1g
//! workers and one running application) and a ResourceManager
//! (`/ws/v1/cluster/nodes`, `/conf`, in JSON and in XML), served by a local fixture.

use bdprov::ops::preflight::{self, Request};
use bdprov::plan::spark::parse_memory;

use crate::common::http::Fixture;

const BUSY: &str = include_str!("fixtures/preflight/spark-master-busy.json");

fn request(executor: &str, cores: Option<u64>, driver: &str) -> Request {
    Request {
        executor_memory: parse_memory(executor).unwrap(),
        executor_cores: cores,
        executor_overhead: None,
        driver_memory: parse_memory(driver).unwrap(),
        driver_overhead: None,
    }
}

fn master(body: &str) -> preflight::Master {
    let fx = Fixture::start(vec![]);
    fx.on("GET", "/json/", &[(200, body)]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let m = rt.block_on(preflight::master_view(&bdprov::probe::client(), &fx.base())).unwrap();
    assert_eq!(fx.requests(), ["GET /json/"]);
    m
}

#[test]
fn no_alive_worker_is_refused_with_the_fix() {
    let none =
        master(r#"{"url":"spark://10.0.1.2:7077","workers":[],"aliveworkers":0,"cores":0,"coresused":0,"activeapps":[],"status":"ALIVE"}"#);
    let (problem, fix) = preflight::standalone(&none, &request("512m", None, "1g"), "sp", "worker", None).unwrap();
    assert_eq!(problem, "the Spark master of cluster sp has no ALIVE worker: the job would wait for an executor for ever");
    assert_eq!(fix, "start workers first: `bdprov scale sp worker=N` (N ≥ 1)");
    // Just scaled to 0: the master still lists the stopped worker ALIVE, the swarm runs none.
    let (problem, _) = preflight::standalone(&master(BUSY), &request("512m", None, "1g"), "sp", "worker", Some(0)).unwrap();
    assert_eq!(problem, "cluster sp runs no `worker` task, so the Spark master has no worker: the job would wait for an executor for ever");
    assert!(preflight::standalone(&master(BUSY), &request("512m", None, "1g"), "sp", "worker", Some(2)).is_none());
    // Workers the master still lists as DEAD are named.
    let dead = BUSY.replace("\"ALIVE\",\"lastheartbeat\"", "\"DEAD\",\"lastheartbeat\"");
    let (problem, _) = preflight::standalone(&master(&dead), &request("512m", None, "1g"), "sp", "worker", None).unwrap();
    assert!(problem.contains("no ALIVE worker (listed: 10.0.1.6 DEAD, 10.0.1.5 DEAD)"), "{problem}");
}

#[test]
fn executors_larger_than_any_worker_are_refused_with_the_numbers() {
    let busy = master(BUSY);
    assert_eq!(busy.workers.len(), 2);
    assert!(
        preflight::standalone(&busy, &request("1g", None, "4g"), "sp", "worker", None).is_none(),
        "1g fits a 1g worker; the driver runs in the job"
    );
    let (problem, fix) = preflight::standalone(&busy, &request("1536m", None, "1g"), "sp", "worker", None).unwrap();
    assert_eq!(
        problem,
        "an executor asks for 1536m and 1 core, but no ALIVE worker offers that: the largest offers 1g and 1 core (2 ALIVE workers); the job would wait for ever"
    );
    assert!(fix.starts_with("ask for less: --executor-memory 1g"), "{fix}");
    let (problem, fix) = preflight::standalone(&busy, &request("512m", Some(2), "1g"), "sp", "worker", None).unwrap();
    assert!(problem.contains("asks for 512m and 2 cores"), "{problem}");
    assert!(fix.contains("spark.executor.cores at most 1") && !fix.contains("--executor-memory"), "{fix}");
}

#[test]
fn a_waiting_job_is_told_who_holds_the_workers() {
    let busy = master(BUSY);
    // Both workers' only cores are granted to the running application.
    let why = preflight::waiting(&busy, &request("512m", None, "1g"), "app-20261126105000-0001").unwrap();
    assert_eq!(
        why,
        "not enough free memory or cores: an executor asks for 512m and 1 core, workers have 10.0.1.6 512m and 0 cores free, \
         10.0.1.5 512m and 0 cores free; held by app-20261126104455-0000 (PythonPi, 2 cores)"
    );
    let idle = BUSY.replace("\"coresused\":1,", "\"coresused\":0,");
    assert_eq!(preflight::waiting(&master(&idle), &request("512m", None, "1g"), "x"), None);
    assert_eq!(
        preflight::waiting(&master(&idle), &request("768m", None, "1g"), "x").unwrap(),
        "not enough free memory or cores: an executor asks for 768m and 1 core, workers have 10.0.1.6 512m and 1 core free, \
         10.0.1.5 512m and 1 core free; held by app-20261126104455-0000 (PythonPi, 2 cores)"
    );
}

const NODES: &str = r#"{"nodes":{"node":[
  {"rack":"/default-rack","state":"RUNNING","id":"nm-1:45454","nodeHostName":"nm-1","nodeHTTPAddress":"nm-1:8042",
   "numContainers":0,"usedMemoryMB":0,"availMemoryMB":2048,"usedVirtualCores":0,"availableVirtualCores":8},
  {"rack":"/default-rack","state":"LOST","id":"nm-2:45454","nodeHostName":"nm-2","nodeHTTPAddress":"nm-2:8042",
   "numContainers":0,"usedMemoryMB":0,"availMemoryMB":0,"usedVirtualCores":0,"availableVirtualCores":0}]}}"#;
const CONF: &str = r#"{"properties":[
  {"key":"yarn.scheduler.maximum-allocation-mb","value":"2048","isFinal":false,"resource":"yarn-site.xml"},
  {"key":"yarn.scheduler.minimum-allocation-mb","value":"256","isFinal":false,"resource":"yarn-site.xml"}]}"#;

const CONF_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><configuration>
<property><name>yarn.scheduler.maximum-allocation-mb</name><value>2048</value><final>false</final><source>yarn-site.xml</source></property>
</configuration>"#;

#[test]
fn yarn_containers_are_compared_with_the_nodemanagers_and_the_maximum_allocation() {
    let rm = Fixture::start(vec![]);
    rm.on("GET", "/ws/v1/cluster/nodes", &[(200, NODES), (200, r#"{"nodes":null}"#)]);
    rm.on("GET", "/conf", &[(200, CONF), (200, CONF_XML)]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = bdprov::probe::client();
    let get = |path: &str| rt.block_on(async { client.get(format!("{}{path}", rm.base())).send().await.unwrap().text().await.unwrap() });
    let nodes = preflight::parse_nodes(&get("/ws/v1/cluster/nodes")).unwrap();
    let conf = get("/conf");
    let mb = |k: &str| preflight::conf_value(&conf, k).map(|v| v.parse::<u64>().unwrap() << 20);
    let (max, min) = (mb("yarn.scheduler.maximum-allocation-mb"), mb("yarn.scheduler.minimum-allocation-mb"));
    assert_eq!((max, min), (Some(2048 << 20), Some(256 << 20)));
    // Hadoop 3.5 answers XML unless asked for JSON in the Accept header.
    let xml = get("/conf");
    assert_eq!(preflight::conf_value(&xml, "yarn.scheduler.maximum-allocation-mb").as_deref(), Some("2048"));

    assert!(preflight::yarn(&nodes, max, min, &request("1g", None, "1g"), true, "hy", "nodemanager").is_none());
    let (problem, fix) = preflight::yarn(&nodes, max, min, &request("1g", None, "1800m"), true, "hy", "nodemanager").unwrap();
    assert_eq!(
        problem,
        "the driver (the application master) of 1800m needs a YARN container of 2304m with its overhead, more than the ResourceManager's yarn.scheduler.maximum-allocation-mb (2g)"
    );
    assert_eq!(fix, "lower --driver-memory, or raise yarn.scheduler.maximum-allocation-mb");
    // A client-mode driver is no container; a NodeManager smaller than the maximum bounds the executors.
    let small = preflight::parse_nodes(&NODES.replace("\"availMemoryMB\":2048", "\"availMemoryMB\":1024")).unwrap();
    assert!(preflight::yarn(&small, max, min, &request("512m", None, "1800m"), false, "hy", "nodemanager").is_none());
    let (problem, fix) = preflight::yarn(&small, max, min, &request("1g", None, "1g"), false, "hy", "nodemanager").unwrap();
    assert!(
        problem.contains("an executor of 1g needs a YARN container of 1536m")
            && problem.contains("largest RUNNING NodeManager has 1g (1 RUNNING)"),
        "{problem}"
    );
    assert!(fix.starts_with("lower --executor-memory"), "{fix}");

    // NodeManagers UNHEALTHY (as seen live: a full disk) are named with the reason.
    let sick = NODES.replace(
        "\"state\":\"RUNNING\"",
        "\"state\":\"UNHEALTHY\",\"healthReport\":\"1/1 local-dirs usable space is below configured utilization percentage\"",
    );
    let (problem, _) =
        preflight::yarn(&preflight::parse_nodes(&sick).unwrap(), max, min, &request("1g", None, "1g"), true, "hy", "nodemanager").unwrap();
    assert!(
        problem.contains("(listed: nm-1 UNHEALTHY (1/1 local-dirs usable space is below configured utilization percentage), nm-2 LOST)"),
        "{problem}"
    );
    // No NodeManager at all.
    let none = preflight::parse_nodes(&get("/ws/v1/cluster/nodes")).unwrap();
    let (problem, fix) = preflight::yarn(&none, max, min, &request("1g", None, "1g"), true, "hy", "nodemanager").unwrap();
    assert!(problem.starts_with("the ResourceManager of cluster hy has no RUNNING NodeManager"), "{problem}");
    assert_eq!(fix, "start NodeManagers first: `bdprov scale hy nodemanager=N` (N ≥ 1)");
}

#[test]
fn a_yarn_application_still_accepted_is_told_what_the_resourcemanager_says() {
    let rm = Fixture::start(vec![]);
    let apps = r#"{"apps":{"app":[
      {"id":"application_1700000000000_0001","state":"FINISHED","finalStatus":"SUCCEEDED","diagnostics":""},
      {"id":"application_1700000000000_0002","state":"ACCEPTED","finalStatus":"UNDEFINED",
       "diagnostics":"[Thu Nov 26 10:00:00 +0000 2026] Application is added to the scheduler and is not yet activated. Queue's AM resource limit exceeded."}]}}"#;
    rm.on("GET", "/ws/v1/cluster/apps", &[(200, apps)]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = bdprov::probe::client();
    let body = rt.block_on(async { client.get(format!("{}/ws/v1/cluster/apps", rm.base())).send().await.unwrap().text().await.unwrap() });
    let apps = preflight::parse_apps(&body).unwrap();
    let nodes = preflight::parse_nodes(NODES).unwrap();
    let before: std::collections::BTreeSet<String> = ["application_1700000000000_0001".to_string()].into();
    let (id, why) = preflight::yarn_waiting(&apps, &before, &nodes).unwrap();
    assert_eq!(id, "application_1700000000000_0002");
    assert!(why.starts_with("ACCEPTED — the ResourceManager says: [Thu Nov 26"), "{why}");
    assert!(why.contains("Queue's AM resource limit exceeded.; NodeManagers: nm-1 2g free"), "{why}");
    // An application the ResourceManager knew before the submission is not ours.
    let all: std::collections::BTreeSet<String> = apps.iter().map(|a| a.id.clone()).collect();
    assert_eq!(preflight::yarn_waiting(&apps, &all, &nodes), None);
    assert_eq!(preflight::parse_apps(r#"{"apps":null}"#).unwrap(), vec![]);
}
