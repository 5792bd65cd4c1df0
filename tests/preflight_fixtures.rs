//! `submit`'s preflight decisions over the answers of a Spark master
//! (`/json/`, recorded from Spark 4's standalone master with two 1-core, 1g
//! workers and one running application) and a ResourceManager
//! (`/ws/v1/cluster/nodes`, `/conf`, in JSON and in XML), served by a local fixture.

use bdprov::systems::spark::memory::parse_memory;
use bdprov::systems::spark::preflight::{self, Request};
use bdprov::systems::yarn::preflight as yarn;

use crate::common::http::Fixture;

const BUSY: &str = include_str!("fixtures/preflight/spark-master-busy.json");

fn request(executor: &str, cores: Option<u64>, driver: &str) -> Request {
    Request {
        executor_memory: parse_memory(executor).unwrap(),
        executor_cores: cores,
        executor_overhead: None,
        driver_memory: parse_memory(driver).unwrap(),
        driver_overhead: None,
        driver_cores: None,
    }
}

fn master(body: &str) -> preflight::Master {
    let fx = Fixture::start(vec![]);
    fx.on("GET", "/json/", &[(200, body)]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let m = rt.block_on(preflight::master_view(&bdprov::http::client(), &fx.base())).unwrap();
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
    let client = bdprov::http::client();
    let get = |path: &str| rt.block_on(async { client.get(format!("{}{path}", rm.base())).send().await.unwrap().text().await.unwrap() });
    let nodes = yarn::parse_nodes(&get("/ws/v1/cluster/nodes")).unwrap();
    let conf = get("/conf");
    let mb = |k: &str| yarn::conf_value(&conf, k).map(|v| v.parse::<u64>().unwrap() << 20);
    let (max, min) = (mb("yarn.scheduler.maximum-allocation-mb"), mb("yarn.scheduler.minimum-allocation-mb"));
    assert_eq!((max, min), (Some(2048 << 20), Some(256 << 20)));
    let limits = yarn::YarnLimits { max_allocation: max, min_allocation: min, max_vcores: Some(4) };
    // A cluster without a NodeManager role bdprov knows: the ResourceManager's list is all there is.
    let rm_only = yarn::NodeManagers { role: "nodemanager".into(), ..Default::default() };
    // Hadoop 3.5 answers XML unless asked for JSON in the Accept header.
    let xml = get("/conf");
    assert_eq!(yarn::conf_value(&xml, "yarn.scheduler.maximum-allocation-mb").as_deref(), Some("2048"));

    assert!(preflight::yarn(&nodes, &rm_only, &limits, &request("1g", None, "1g"), true, "hy").is_none());
    let (problem, fix) = preflight::yarn(&nodes, &rm_only, &limits, &request("1g", None, "1800m"), true, "hy").unwrap();
    assert_eq!(
        problem,
        "the driver (the application master) of 1800m needs a YARN container of 2304m with its overhead, more than the ResourceManager's yarn.scheduler.maximum-allocation-mb (2g)"
    );
    assert_eq!(fix, "lower --driver-memory, or raise yarn.scheduler.maximum-allocation-mb");
    // A client-mode driver is no container; a NodeManager smaller than the maximum bounds the executors.
    let small = yarn::parse_nodes(&NODES.replace("\"availMemoryMB\":2048", "\"availMemoryMB\":1024")).unwrap();
    assert!(preflight::yarn(&small, &rm_only, &limits, &request("512m", None, "1800m"), false, "hy").is_none());
    let (problem, fix) = preflight::yarn(&small, &rm_only, &limits, &request("1g", None, "1g"), false, "hy").unwrap();
    assert!(
        problem.contains("an executor of 1g needs a YARN container of 1536m")
            && problem.contains("the largest NodeManager has 1g (1 RUNNING)"),
        "{problem}"
    );
    assert!(fix.starts_with("lower --executor-memory"), "{fix}");

    // NodeManagers UNHEALTHY (as seen live: a full disk) are named with the reason.
    let sick = NODES.replace(
        "\"state\":\"RUNNING\"",
        "\"state\":\"UNHEALTHY\",\"healthReport\":\"1/1 local-dirs usable space is below configured utilization percentage\"",
    );
    let (problem, _) =
        preflight::yarn(&yarn::parse_nodes(&sick).unwrap(), &rm_only, &limits, &request("1g", None, "1g"), true, "hy").unwrap();
    assert!(
        problem.contains("(listed: nm-1 UNHEALTHY (1/1 local-dirs usable space is below configured utilization percentage), nm-2 LOST)"),
        "{problem}"
    );
    // No NodeManager at all.
    let none = yarn::parse_nodes(&get("/ws/v1/cluster/nodes")).unwrap();
    let (problem, fix) = preflight::yarn(&none, &rm_only, &limits, &request("1g", None, "1g"), true, "hy").unwrap();
    assert!(problem.starts_with("the ResourceManager of cluster hy has no RUNNING NodeManager"), "{problem}");
    assert_eq!(fix, "start NodeManagers first: `bdprov scale hy nodemanager=N` (N ≥ 1)");
}

#[test]
fn the_swarm_s_nodemanager_tasks_count_before_the_resourcemanager_s_list() {
    let nodes = yarn::parse_nodes(NODES).unwrap();
    let limits = yarn::YarnLimits { max_allocation: Some(3072 << 20), min_allocation: Some(256 << 20), max_vcores: Some(4) };
    let nms = |tasks| yarn::NodeManagers {
        role: "nodemanager".into(),
        service: None,
        tasks: Some(tasks),
        memory: Some(2048 << 20),
        vcores: Some(2),
    };
    // Scaled to 0 a moment ago: the ResourceManager still lists nm-1 RUNNING.
    let (problem, fix) = preflight::yarn(&nodes, &nms(0), &limits, &request("1g", None, "1g"), true, "hy").unwrap();
    assert_eq!(
        problem,
        "cluster hy runs no `nodemanager` task (the ResourceManager still lists nm-1 as RUNNING: it has not noticed yet): the application would stay ACCEPTED for ever"
    );
    assert_eq!(fix, "start NodeManagers first: `bdprov scale hy nodemanager=N` (N ≥ 1)");
    // Just started: not listed yet, but the swarm runs them.
    let none = yarn::parse_nodes(r#"{"nodes":null}"#).unwrap();
    assert!(preflight::yarn(&none, &nms(1), &limits, &request("1g", None, "1g"), true, "hy").is_none());
    // Sizes from the blueprint: 2g per NodeManager, under a 3g maximum allocation.
    let (problem, fix) = preflight::yarn(&none, &nms(2), &limits, &request("1800m", None, "1g"), true, "hy").unwrap();
    assert!(
        problem.contains("an executor of 1800m needs a YARN container of 2304m")
            && problem.contains("has 2g (2 `nodemanager` tasks on the swarm)"),
        "{problem}"
    );
    assert!(fix.starts_with("lower --executor-memory"), "{fix}");
    // vcores: more than a NodeManager has, or than the ResourceManager allows.
    let (problem, fix) = preflight::yarn(&nodes, &nms(1), &limits, &request("1g", Some(3), "1g"), true, "hy").unwrap();
    assert_eq!(problem, "an executor asks for 3 vcores, and the largest NodeManager has 2 (1 `nodemanager` task on the swarm)");
    assert!(fix.starts_with("set spark.executor.cores to at most 2"), "{fix}");
    let big = yarn::NodeManagers { vcores: Some(8), ..nms(1) };
    let (problem, fix) = preflight::yarn(&nodes, &big, &limits, &request("1g", Some(6), "1g"), true, "hy").unwrap();
    assert!(problem.contains("more than the ResourceManager's yarn.scheduler.maximum-allocation-vcores (4)"), "{problem}");
    assert!(fix.contains("raise yarn.scheduler.maximum-allocation-vcores"), "{fix}");
}

/// As the ResourceManager (Hadoop 3.5) listed them live: SparkPi with
/// 1700m executors on one 3g NodeManager, its application master holding 1g.
const RUNNING_WITHOUT_EXECUTORS: &str = r#"{"apps":{"app":[
  {"id":"application_1796532724270_0003","name":"SparkPi","queue":"root.default","state":"RUNNING","finalStatus":"UNDEFINED",
   "diagnostics":"","elapsedTime":20412,"allocatedMB":1024,"allocatedVCores":1,"runningContainers":1,"queueUsagePercentage":33.333336,
   "resourceRequests":[{"priority":0,"resourceName":"*","capability":{"memory":2304,"vCores":1},"numContainers":2,"relaxLocality":true}]},
  {"id":"application_1796532724270_0001","name":"Old","state":"KILLED","finalStatus":"KILLED","allocatedMB":-1,"runningContainers":-1}]}}"#;
const ONE_NODE: &str = r#"{"nodes":{"node":[{"state":"RUNNING","nodeHostName":"nodemanager-1","usedMemoryMB":1024,"availMemoryMB":2048,
  "usedVirtualCores":1,"availableVirtualCores":1,"healthReport":""}]}}"#;

#[test]
fn a_waiting_yarn_application_is_explained() {
    let rm = Fixture::start(vec![]);
    rm.on("GET", "/ws/v1/cluster/apps", &[(200, RUNNING_WITHOUT_EXECUTORS)]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = bdprov::http::client();
    let body = rt.block_on(async { client.get(format!("{}/ws/v1/cluster/apps", rm.base())).send().await.unwrap().text().await.unwrap() });
    let apps = yarn::parse_apps(&body).unwrap();
    let nodes = yarn::parse_nodes(ONE_NODE).unwrap();
    let nms = yarn::NodeManagers { role: "nodemanager".into(), service: None, tasks: Some(1), memory: Some(3072 << 20), vcores: Some(2) };
    let app = &apps[0];
    // RUNNING, only its application master's container, executors asked for: not enough free memory.
    let why = yarn::yarn_stuck(app, &apps, &nodes, &nms, 1 << 30, "hy").unwrap();
    assert_eq!(
        why,
        "application application_1796532724270_0003 is RUNNING without executors after 20s: an executor needs a container of 2304m and 1 vcore, and no NodeManager has that free (nodemanager-1 2g and 1 vcore free); held by its own application master (1g)"
    );
    // Larger than any node.
    let huge = RUNNING_WITHOUT_EXECUTORS.replace("\"memory\":2304", "\"memory\":4096");
    let apps_huge = yarn::parse_apps(&huge).unwrap();
    let why = yarn::yarn_stuck(&apps_huge[0], &apps_huge, &nodes, &nms, 1 << 30, "hy").unwrap();
    assert!(why.contains("an executor needs a container of 4g, larger than any RUNNING NodeManager (the largest has 3g)"), "{why}");
    // ACCEPTED: the queue's limit in the ResourceManager's own words; no NodeManager task at all.
    let queued = yarn::YarnApp {
        id: "application_1_0002".into(),
        state: "ACCEPTED".into(),
        elapsed_time: 61_000,
        diagnostics: "[Thu Nov 26 10:00:00 +0000 2026] Application is added to the scheduler and is not yet activated. Queue's AM resource limit exceeded.".into(),
        ..Default::default()
    };
    let why = yarn::yarn_stuck(&queued, &apps, &nodes, &nms, 1 << 30, "hy").unwrap();
    assert!(why.starts_with("application application_1_0002 is still ACCEPTED (its application master has no container) after 61s: the NodeManagers have room"), "{why}");
    assert!(why.ends_with("the ResourceManager says: [Thu Nov 26 10:00:00 +0000 2026] Application is added to the scheduler and is not yet activated. Queue's AM resource limit exceeded."), "{why}");
    let gone = yarn::NodeManagers { tasks: Some(0), ..nms.clone() };
    let why = yarn::yarn_stuck(&queued, &apps, &nodes, &gone, 1 << 30, "hy").unwrap();
    assert!(why.contains("after 61s: cluster hy runs no `nodemanager` task (`bdprov scale hy nodemanager=N` starts some)"), "{why}");
    let down = yarn::parse_nodes(&ONE_NODE.replace("RUNNING", "SHUTDOWN")).unwrap();
    let why = yarn::yarn_stuck(&queued, &apps, &down, &nms, 1 << 30, "hy").unwrap();
    assert!(why.contains("the ResourceManager has no RUNNING NodeManager (listed: nodemanager-1 SHUTDOWN); the swarm runs 1 `nodemanager` task that did not register"), "{why}");
    // With executors, or finished: nothing to say.
    let mut busy = app.clone();
    busy.running_containers = 3;
    assert_eq!(yarn::yarn_stuck(&busy, &apps, &nodes, &nms, 1 << 30, "hy"), None);
    assert_eq!(yarn::yarn_stuck(&apps[1], &apps, &nodes, &nms, 1 << 30, "hy"), None);
    assert_eq!(yarn::parse_apps(r#"{"apps":null}"#).unwrap(), vec![]);
}
