//! Storm without Storm (its image cannot be pulled here): the storm
//! blueprint's own readiness probes, and `bdprov storm list|kill`, against a
//! local server that answers like the Storm UI's REST API, in the shapes the
//! API documents and Storm 2.x sends (numbers as strings, "Not applicable").

use std::time::Duration;

use bdprov::plan::{Plan, ServiceDef};
use bdprov::probe::{self, Verdict};

use crate::common::http::Fixture;
use crate::common::{bdprov, Expect};

const LEADER: &str = r#"{"nimbuses":[
  {"host":"nimbus","port":6627,"status":"Leader","version":"2.8.9","nimbusUpTime":"3m 33s","nimbusUpTimeSeconds":213,
   "nimbusLogLink":"http://nimbus:8000/api/v1/daemonlog?file=nimbus.log"},
  {"host":"nimbus-old","port":"6627","status":"Offline","version":"Not applicable","nimbusUpTime":"Not applicable",
   "nimbusUpTimeSeconds":"Not applicable","nimbusLogLink":"http://nimbus-old:8000/api/v1/daemonlog?file=nimbus.log"}]}"#;
const NO_LEADER: &str = r#"{"nimbuses":[{"host":"nimbus","port":6627,"status":"Not a Leader","version":"2.8.9",
  "nimbusUpTime":"12s","nimbusUpTimeSeconds":12,"nimbusLogLink":"http://nimbus:8000/api/v1/daemonlog?file=nimbus.log"}]}"#;
const NIMBUS_DOWN: &str = r#"{"error":"500 Server Error","errorMessage":"org.apache.storm.utils.NimbusLeaderNotFoundException: Could not find leader nimbus from seed hosts [nimbus].\n\tat org.apache.storm.utils.NimbusClient..."}"#;

const ACTIVE: &str = r#"{"topologies":[{"id":"wc-1-1700000000","encodedId":"wc-1-1700000000","owner":"storm","name":"wc",
  "status":"ACTIVE","uptime":"6m 5s","uptimeSeconds":365,"tasksTotal":28,"workersTotal":3,"executorsTotal":28,"replicationCount":1,
  "schedulerInfo":null,"requestedMemOnHeap":640.0,"requestedMemOffHeap":0.0,"requestedTotalMem":640.0,"requestedCpu":80.0,
  "assignedMemOnHeap":640.0,"assignedMemOffHeap":0.0,"assignedTotalMem":640.0,"assignedCpu":80.0,"topologyVersion":null,
  "stormVersion":"2.8.9","requestedGenericResources":"","assignedGenericResources":""},
 {"id":"exclaim-2-1700000100","encodedId":"exclaim-2-1700000100","owner":"storm","name":"exclaim","status":"INACTIVE",
  "uptime":"1m 2s","uptimeSeconds":"62","tasksTotal":"10","workersTotal":"1","executorsTotal":"10"}],"schedulerDisplayResource":false}"#;
const KILLED: &str = r#"{"topologies":[{"id":"wc-1-1700000000","name":"wc","status":"KILLED","uptime":"6m 9s","uptimeSeconds":369,
  "tasksTotal":28,"workersTotal":3,"executorsTotal":28}],"schedulerDisplayResource":false}"#;
const NONE: &str = r#"{"topologies":[],"schedulerDisplayResource":false}"#;
const KILL_OK: &str = r#"{"topologyOperation":"kill","topologyId":"wc-1-1700000000","status":"success"}"#;

/// The plan `bdprov render storm` prints, read back.
/// The storm blueprint's plan, on a swarm of two nodes' worth of supervisors.
fn storm_plan() -> Plan {
    serde_yaml::from_str(&bdprov(&["render", "storm", "--set", "supervisor.replicas=2"]).ok().stdout).expect("the rendered plan reads back")
}

fn role<'a>(plan: &'a Plan, role: &str) -> &'a ServiceDef {
    plan.service(role).unwrap_or_else(|| panic!("no role {role}"))
}

/// One round of `svc`'s readiness probe against the fixture, as `up` runs it.
fn probe_once(svc: &ServiceDef, fixture: &Fixture) -> Verdict {
    let p = svc.probe.as_ref().expect("a probe");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let resp = rt.block_on(probe::fetch(&bdprov::http::client(), &p.check, "127.0.0.1", fixture.port()));
    probe::judge(&p.check, &resp, svc.replicas)
}

#[test]
fn the_ui_is_ready_only_when_it_lists_a_leader() {
    let plan = storm_plan();
    let svc = role(&plan, "ui");
    assert_eq!(svc.probe.as_ref().unwrap().service, "storm_ui-web", "the UI is read through its read-only front");
    let ui = Fixture::start(vec![]);
    ui.on("GET", "/api/v1/nimbus/summary", &[(500, NIMBUS_DOWN), (200, NO_LEADER), (200, r#"{"nimbuses":[]}"#), (200, LEADER)]);
    assert_eq!(probe_once(svc, &ui), Verdict::not_ready("HTTP 500"), "the UI cannot reach nimbus yet");
    assert_eq!(probe_once(svc, &ui), Verdict::not_ready("nimbuses.*.status is Not a Leader, want Leader"), "no leader yet");
    assert_eq!(probe_once(svc, &ui), Verdict::not_ready("nimbuses.*.status missing in the response"), "no nimbus registered");
    assert!(probe_once(svc, &ui).ready, "a leader next to an offline seed");
    assert_eq!(ui.requests(), vec!["GET /api/v1/nimbus/summary"; 4]);
}

#[test]
fn nimbus_and_supervisors_are_probed_in_zookeeper() {
    // Live in e2e_storm; here: what the plan asks, with or without the UI.
    for images in ["official", "local"] {
        let plan: Plan =
            serde_yaml::from_str(&bdprov(&["render", "storm", "--images", images, "--set", "supervisor.replicas=2"]).ok().stdout).unwrap();
        for (name, znode) in [("nimbus", "/storm/leader-lock"), ("supervisor", "/storm/supervisors")] {
            let p = role(&plan, name).probe.clone().unwrap();
            assert_eq!(p.service, "storm_zookeeper-readonly-1", "{name} ({images}) asks the ensemble through its read-only front");
            assert_eq!(p.check, bdprov::plan::CheckDef::Zookeeper { znode: Some(znode.into()) });
        }
        for r in ["ui", "ui-web", "logviewer", "logviewer-web"] {
            assert!(plan.service(r).is_some(), "{r} runs with the {images} images too");
        }
    }
}

#[test]
fn list_shows_topologies_as_a_table_and_as_json() {
    let ui = Fixture::start(vec![]);
    ui.on("GET", "/api/v1/topology/summary", &[(200, ACTIVE)]);
    let table = bdprov(&["storm", "list", "--ui", &ui.base()]).ok().stdout;
    insta::assert_snapshot!("storm-list", table);
    let json: serde_json::Value =
        serde_json::from_str(&bdprov(&["storm", "list", "--ui", &ui.base(), "--output", "json"]).ok().stdout).unwrap();
    assert_eq!(json[0]["name"], "wc");
    assert_eq!(json[0]["id"], "wc-1-1700000000");
    assert_eq!(json[1]["status"], "INACTIVE");
    assert_eq!(json[1]["workers"], 1, "numbers sent as strings are read as numbers");

    let empty = Fixture::start(vec![]);
    empty.on("GET", "/api/v1/topology/summary", &[(200, NONE)]);
    assert_eq!(bdprov(&["storm", "list", "--ui", &empty.base()]).ok().stdout, "no topologies are running\n");
}

#[test]
fn kill_resolves_the_id_and_waits_until_the_topology_is_gone() {
    let ui = Fixture::start(vec![]);
    // Looked up (ACTIVE), then KILLED while Storm waits, then gone.
    ui.on("GET", "/api/v1/topology/summary", &[(200, ACTIVE), (200, KILLED), (200, KILLED), (200, NONE)]);
    ui.on("POST", "/api/v1/topology/wc-1-1700000000/kill/3", &[(200, KILL_OK)]);
    let run = bdprov(&["storm", "kill", "wc", "--wait", "3", "--ui", &ui.base()]).ok();
    assert!(run.stdout.starts_with("topology wc killed: Storm no longer lists it ("), "{}", run.stdout);
    assert_eq!(
        ui.requests(),
        [
            "GET /api/v1/topology/summary",
            "POST /api/v1/topology/wc-1-1700000000/kill/3",
            "GET /api/v1/topology/summary",
            "GET /api/v1/topology/summary",
            "GET /api/v1/topology/summary",
        ]
    );
}

#[test]
fn kill_of_an_unknown_topology_names_the_running_ones_and_kills_nothing() {
    let ui = Fixture::start(vec![]);
    ui.on("GET", "/api/v1/topology/summary", &[(200, ACTIVE)]);
    let run = bdprov(&["storm", "kill", "wcc", "--ui", &ui.base()]).expect(Expect::code(1));
    insta::assert_snapshot!("storm-kill-unknown", run.stderr);
    assert!(ui.requests().iter().all(|r| r.starts_with("GET")), "{:?}", ui.requests());
}

#[test]
fn kill_gives_up_when_the_topology_stays_listed() {
    let ui = Fixture::start(vec![]);
    ui.on("GET", "/api/v1/topology/summary", &[(200, ACTIVE), (200, KILLED)]);
    ui.on("POST", "/api/v1/topology/wc-1-1700000000/kill/0", &[(200, KILL_OK)]);
    let storm = bdprov::systems::storm::Ui::at(&ui.base()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(storm.kill("wc", 0, Duration::from_millis(600), Duration::from_millis(100), &bdprov::output::Silent))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("error: topology wc (wc-1-1700000000) is still listed as KILLED"), "{err}");
}

#[test]
fn ui_errors_and_an_unreachable_ui_are_one_clear_message() {
    let ui = Fixture::start(vec![]);
    ui.on("GET", "/api/v1/topology/summary", &[(500, NIMBUS_DOWN)]);
    bdprov(&["storm", "list", "--ui", &ui.base()]).expect(
        Expect::code(1)
            .stderr_has("HTTP 500: 500 Server Error: org.apache.storm.utils.NimbusLeaderNotFoundException: Could not find leader nimbus"),
    );
    bdprov(&["storm", "list", "--ui", "http://127.0.0.1:1"])
        .expect(Expect::code(1).stderr_starts("error: cannot reach the Storm UI at http://127.0.0.1:1/api/v1/topology/summary"));
}
