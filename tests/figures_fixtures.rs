//! `status`'s live figures without a swarm: each system's answer read into
//! its line and numbers, asked of a local HTTP server the way `status` asks
//! a front, and the front chosen from the built-in blueprints' own plans
//! (the active member of a pair). The answers are shaped like the daemons'
//! documented ones (the Spark master's was recorded from a live master).

use bdprov::ops::figures::{ask, fronts};
use bdprov::ops::ready::RoleState;
use bdprov::plan::Plan;
use bdprov::systems::figures::{Figure, Member};
use bdprov::systems::hdfs::figures as hdfs_figures;
use bdprov::systems::spark::figures as spark_figures;
use bdprov::systems::storm::figures as storm_figures;
use bdprov::systems::yarn::figures as yarn_figures;
use bdprov::systems::zookeeper::figures as zookeeper_figures;

use crate::common::bdprov;
use crate::common::http::{route, Fixture};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(crate::common::root().join("tests/fixtures/figures").join(name)).expect("a fixture")
}

fn plan(blueprint: &str) -> Plan {
    serde_yaml::from_str(&bdprov(&["render", blueprint]).ok().stdout).expect("a plan")
}

/// The roles of `plan` as `status` sees them: members of a pair active
/// when named in `active`, standby otherwise.
fn states(plan: &Plan, active: &[&str]) -> Vec<RoleState> {
    plan.services
        .iter()
        .map(|s| {
            let paired = s.probe.as_ref().is_some_and(|p| p.modes.is_some());
            let is_active = active.contains(&s.step().as_str());
            RoleState {
                role: s.step(),
                service: s.name.clone(),
                mode: paired.then(|| if is_active { "active" } else { "standby" }.to_string()),
                active: paired.then_some(is_active),
                desired: 1,
                running: 1,
                ready: 1,
                is_ready: true,
                ..Default::default()
            }
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn hdfs_capacity_blocks_and_datanodes_from_the_namenodes_bean() {
    let f = hdfs_figures::read(&fixture("namenode-fsnamesystemstate.json")).unwrap();
    assert_eq!(f.summary, "1.2 GiB of 40 GiB used, 3 under-replicated blocks, 2 live datanodes, 1 dead");
    assert_eq!((f.number("live_datanodes"), f.number("under_replicated_blocks")), (Some(2), Some(3)));
    assert_eq!((f.number("capacity_used"), f.number("capacity_total")), (Some(1288490189), Some(42949672960)));
    // A NameNode still starting has no such bean; a front's error page is no JSON.
    assert_eq!(
        hdfs_figures::read(r#"{"beans":[]}"#).unwrap_err().to_string(),
        "the NameNode has no FSNamesystemState bean (still starting?)"
    );
    assert!(hdfs_figures::read("<html>").unwrap_err().to_string().starts_with("the NameNode's JMX answer is not JSON"));
    let one = r#"{"beans":[{"CapacityUsed":0,"CapacityTotal":0,"UnderReplicatedBlocks":1,"NumLiveDataNodes":1,"NumDeadDataNodes":0}]}"#;
    assert_eq!(hdfs_figures::read(one).unwrap().summary, "0 B of 0 B used, 1 under-replicated block, 1 live datanode");
    assert_eq!(
        hdfs_figures::read(r#"{"beans":[{"CapacityUsed":0}]}"#).unwrap_err().to_string(),
        "FSNamesystemState has no number `CapacityTotal`"
    );
}

#[test]
fn yarn_memory_and_applications_from_the_resourcemanager() {
    let f = yarn_figures::read(&fixture("rm-cluster-metrics.json")).unwrap();
    assert_eq!(f.summary, "2 GiB of 6 GiB memory allocated, 1 application running, 1 pending, 2 active nodemanagers");
    assert_eq!((f.number("apps_running"), f.number("apps_pending"), f.number("active_nodes")), (Some(1), Some(1), Some(2)));
    assert_eq!(
        yarn_figures::read(r#"{"RemoteException":{}}"#).unwrap_err().to_string(),
        "the ResourceManager's answer has no `clusterMetrics`"
    );
}

#[test]
fn spark_applications_from_the_alive_master_only() {
    let f = spark_figures::read(&fixture("spark-master-alive.json")).unwrap();
    assert_eq!(f.summary, "1 application running, 2 alive workers, 2 of 2 cores in use");
    assert_eq!(f.number("apps_running"), Some(1));
    assert_eq!(
        spark_figures::read(&fixture("spark-master-standby.json")).unwrap_err().to_string(),
        "the master asked is STANDBY, not ALIVE"
    );
}

#[test]
fn storm_topologies_from_the_ui() {
    let two = r#"{"topologies":[{"id":"wc-1-1700000000","name":"wc","status":"ACTIVE","uptime":"6m 5s","uptimeSeconds":365},
        {"id":"exclaim-2-1700000100","name":"exclaim","status":"INACTIVE","uptime":"1m 2s","uptimeSeconds":"62"}],"schedulerDisplayResource":false}"#;
    let f = storm_figures::read(two).unwrap();
    assert_eq!(f.summary, "2 topologies (1 active): wc ACTIVE, exclaim INACTIVE");
    assert_eq!((f.number("topologies"), f.number("active_topologies")), (Some(2), Some(1)));
    assert_eq!(storm_figures::read(r#"{"topologies":[]}"#).unwrap().summary, "no topologies");
    assert!(storm_figures::read("{}").is_err());
}

#[test]
fn zookeeper_leader_from_the_members_modes() {
    let m = |name: &str, mode: Option<&str>| Member { name: name.into(), mode: mode.map(String::from) };
    let f =
        zookeeper_figures::read(&[m("zookeeper-1", Some("follower")), m("zookeeper-2", Some("leader")), m("zookeeper-3", None)]).unwrap();
    assert_eq!(f.summary, "zookeeper-2 leads, 1 follower, 1 not answering");
    assert_eq!(f.values["leader"], "zookeeper-2");
    let none = zookeeper_figures::read(&[m("zookeeper-1", Some("follower")), m("zookeeper-2", Some("follower"))]).unwrap();
    assert_eq!(none.summary, "NO LEADER among 2 members");
    assert_eq!(zookeeper_figures::read(&[m("zookeeper", Some("standalone"))]).unwrap().summary, "zookeeper serves alone (standalone)");
    assert_eq!(zookeeper_figures::read(&[m("zookeeper-1", None)]).unwrap_err().to_string(), "no member answered (1 asked)");
}

#[test]
fn a_front_is_asked_in_turn_and_a_failure_is_a_figure_that_says_why() {
    let rt = runtime();
    let client = bdprov::http::client();
    let nn = Fixture::start(vec![route("GET", "name=FSNamesystemState", &[(200, &fixture("namenode-fsnamesystemstate.json"))])]);
    // The first front does not answer: the next one does.
    let dead = "http://127.0.0.1:9".to_string();
    let f = rt.block_on(ask(&client, &[dead.clone(), nn.base()], hdfs_figures::PATH, hdfs_figures::read));
    assert_eq!(f.number("live_datanodes"), Some(2), "{f:?}");
    assert_eq!(nn.requests(), vec![format!("GET {}", hdfs_figures::PATH)]);
    // Refused, an error status, an answer that is not the figure: unknown, and why.
    let f = rt.block_on(ask(&client, &[dead], hdfs_figures::PATH, hdfs_figures::read));
    assert!(f.summary.starts_with("unknown: http://127.0.0.1:9/jmx?qry=") && !f.is_known(), "{}", f.summary);
    let rm = Fixture::start(vec![route("GET", "/ws/v1/cluster/metrics", &[(503, "busy")])]);
    let f: Figure = rt.block_on(ask(&client, &[rm.base()], yarn_figures::PATH, yarn_figures::read));
    assert_eq!(f.summary, format!("unknown: {}/ws/v1/cluster/metrics: HTTP 503", rm.base()));
    rm.on("GET", "/ws/v1/cluster/metrics", &[(200, "<html>")]);
    let f = rt.block_on(ask(&client, &[rm.base()], yarn_figures::PATH, yarn_figures::read));
    assert!(f.summary.contains("the ResourceManager's metrics is not JSON"), "{}", f.summary);
}

/// (service, port) of each front chosen for a system.
fn chosen(plan: &Plan, roles: &[RoleState], probe: &str) -> Option<Result<Vec<(String, u16)>, String>> {
    fronts(plan, roles, probe).map(|r| r.map(|eps| eps.into_iter().map(|e| (e.service, e.port)).collect()))
}

#[test]
fn each_system_is_asked_at_its_read_only_front() {
    let source = |s: bdprov::systems::figures::Source| match s.ask {
        bdprov::systems::figures::Ask::Http { probe, .. } => probe,
        _ => panic!("not asked over HTTP"),
    };
    let hdfs = source(hdfs_figures::source());
    let p = plan("spark-hdfs-yarn");
    let roles = states(&p, &[]);
    let name = |role: &str| p.service(role).unwrap().name.clone();
    assert_eq!(chosen(&p, &roles, hdfs), Some(Ok(vec![(name("namenode-web"), 9870)])));
    assert_eq!(chosen(&p, &roles, source(yarn_figures::source())), Some(Ok(vec![(name("resourcemanager-web"), 8088)])));
    assert_eq!(chosen(&p, &roles, source(spark_figures::source())), Some(Ok(vec![(name("master"), 8080)])));
    assert_eq!(chosen(&p, &roles, source(storm_figures::source())), None, "no Storm in spark-hdfs-yarn");
    let s = plan("storm");
    let ui = s.service("ui-web").unwrap().name.clone();
    assert_eq!(chosen(&s, &states(&s, &[]), source(storm_figures::source())), Some(Ok(vec![(ui, 8080)])));
}

#[test]
fn a_pair_is_asked_at_its_active_members_front() {
    let p = plan("hdfs-ha");
    let hdfs = match hdfs_figures::source().ask {
        bdprov::systems::figures::Ask::Http { probe, .. } => probe,
        _ => unreachable!(),
    };
    let web: Vec<(String, u16)> =
        p.services_of("namenode-web").map(|s| (s.name.clone(), s.ports.iter().find_map(|pt| pt.published).unwrap())).collect();
    assert_eq!(web.len(), 2);
    assert_eq!(chosen(&p, &states(&p, &["namenode-2"]), hdfs), Some(Ok(vec![web[1].clone()])));
    assert_eq!(chosen(&p, &states(&p, &["namenode-1"]), hdfs), Some(Ok(vec![web[0].clone()])));
    let none = chosen(&p, &states(&p, &[]), hdfs).unwrap().unwrap_err();
    assert_eq!(none, "no member is active (namenode-1, namenode-2)");
}
