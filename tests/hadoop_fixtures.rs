//! HDFS and YARN as bdprov sees them, against a local HTTP server answering
//! what the daemons document (Hadoop cannot be obtained here): readiness
//! gates, WebHDFS paths, decommissioning and following YARN applications.
//! The checks and definitions come from the built-in blueprints' own plans.

use std::sync::Mutex;
use std::time::Duration;

use bdprov::ops::decommission;
use bdprov::output::{Progress, State};
use bdprov::plan::{CheckDef, DecommissionDef, HookActionDef, PathDef, Plan};
use bdprov::probe::{self, Response};
use bdprov::systems::hdfs::paths as hdfs_paths;
use bdprov::systems::hdfs::{self, Outcome};
use bdprov::systems::yarn;

use crate::common::bdprov;
use crate::common::http::{route, Fixture};

fn plan(blueprint: &str) -> Plan {
    serde_yaml::from_str(&bdprov(&["render", blueprint]).ok().stdout).expect("a plan")
}

fn probe_of(plan: &Plan, role: &str) -> CheckDef {
    plan.service(role).and_then(|s| s.probe.clone()).expect("a probe").check
}

/// Progress lines, kept for assertions.
#[derive(Default)]
struct Recorded(Mutex<Vec<String>>);

impl Progress for Recorded {
    fn step(&self, name: &str, state: State, detail: &str) {
        self.0.lock().unwrap().push(format!("{name} {state} {detail}"));
    }
    fn note(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
}

impl Recorded {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Ask the fixture once, the way `up` asks a role's published port.
fn ask(check: &CheckDef, fixture: &Fixture, want: u64) -> probe::Verdict {
    let resp: Response = runtime().block_on(probe::fetch(&bdprov::http::client(), check, "127.0.0.1", fixture.port()));
    probe::judge(check, &resp, want)
}

fn jmx(bean: serde_json::Value) -> String {
    serde_json::json!({ "beans": [bean] }).to_string()
}

const SAFE_MODE_ON: &str =
    "Safe mode is ON. The reported blocks 0 needs additional 12 blocks to reach the threshold 0.9990 of total blocks 12.";

#[test]
fn the_namenode_is_ready_once_out_of_safe_mode() {
    let check = probe_of(&plan("hdfs"), "namenode");
    // One answer holds the NameNode's beans; the probe picks NameNodeInfo by its name.
    let info = "/jmx?qry=Hadoop:service=NameNode,name=NameNode*";
    let beans = |safemode: &str| {
        serde_json::json!({ "beans": [
            {"name": "Hadoop:service=NameNode,name=NameNodeActivity", "CreateFileOps": 0},
            {"name": "Hadoop:service=NameNode,name=NameNodeStatus", "State": "active"},
            {"name": "Hadoop:service=NameNode,name=NameNodeInfo", "Safemode": safemode},
        ]})
        .to_string()
    };
    let (on, off) = (beans(SAFE_MODE_ON), beans(""));
    let nn = Fixture::start(vec![route("GET", info, &[(200, &on), (200, &off)])]);
    let first = ask(&check, &nn, 1);
    assert!(!first.ready);
    assert!(
        first.detail.starts_with("beans.name=Hadoop:service=NameNode,name=NameNodeInfo.Safemode is Safe mode is ON"),
        "{}",
        first.detail
    );
    assert!(ask(&check, &nn, 1).ready);
    assert_eq!(nn.requests(), vec![format!("GET {info}"), format!("GET {info}")]);
}

#[test]
fn datanodes_are_ready_when_the_namenode_counts_them_all_in_service() {
    let check = probe_of(&plan("hdfs"), "datanode");
    let state = |n: u64| {
        jmx(
            serde_json::json!({"name": "Hadoop:service=NameNode,name=FSNamesystemState", "NumLiveDataNodes": n, "NumInServiceLiveDataNodes": n}),
        )
    };
    let (one, two, three) = (state(1), state(2), state(3));
    let nn = Fixture::start(vec![route("GET", "name=FSNamesystemState", &[(200, &one), (200, &two), (200, &three)])]);
    let seen: Vec<(bool, Option<u64>)> = (0..3).map(|_| ask(&check, &nn, 3)).map(|v| (v.ready, v.count)).collect();
    assert_eq!(seen, vec![(false, Some(1)), (false, Some(2)), (true, Some(3))]);
    // A datanode retired and stopped is still "live" until its heartbeat
    // expires: only in-service ones count.
    let retired = jmx(serde_json::json!({"NumLiveDataNodes": 5, "NumInServiceLiveDataNodes": 3}));
    let nn = Fixture::start(vec![route("GET", "name=FSNamesystemState", &[(200, &retired)])]);
    assert!(ask(&check, &nn, 3).ready);
}

#[test]
fn yarn_is_ready_when_started_with_every_nodemanager_active() {
    let plan = plan("yarn");
    let rm = Fixture::start(vec![
        route(
            "GET",
            "/ws/v1/cluster/info",
            &[
                (200, r#"{"clusterInfo":{"id":1700000000000,"state":"INITED","haState":"INITIALIZING"}}"#),
                (200, r#"{"clusterInfo":{"id":1700000000000,"state":"STARTED","haState":"ACTIVE"}}"#),
            ],
        ),
        route(
            "GET",
            "/ws/v1/cluster/metrics",
            &[
                (200, r#"{"clusterMetrics":{"activeNodes":1,"lostNodes":0}}"#),
                (200, r#"{"clusterMetrics":{"activeNodes":2,"lostNodes":0}}"#),
            ],
        ),
    ]);
    let info = probe_of(&plan, "resourcemanager");
    assert_eq!(ask(&info, &rm, 1).detail, "clusterInfo.state is INITED, want STARTED");
    assert!(ask(&info, &rm, 1).ready);
    let nodes = probe_of(&plan, "nodemanager");
    assert!(!ask(&nodes, &rm, 2).ready);
    assert!(ask(&nodes, &rm, 2).ready);
}

fn hdfs_paths(plan: &Plan) -> (String, Vec<PathDef>) {
    match &plan.hooks.iter().find(|h| h.name == "hdfs-paths").expect("the hdfs-paths hook").action {
        HookActionDef::Webhdfs { user, paths, .. } | HookActionDef::Hdfs { user, paths, .. } => (user.clone(), paths.clone()),
        other => panic!("hdfs-paths is {other:?}"),
    }
}

fn status(permission: &str, owner: &str) -> String {
    serde_json::json!({"FileStatus": {"accessTime": 0, "blockSize": 0, "childrenNum": 0, "fileId": 16386, "group": "supergroup", "length": 0,
        "modificationTime": 1700000000000u64, "owner": owner, "pathSuffix": "", "permission": permission, "replication": 0, "storagePolicy": 0, "type": "DIRECTORY"}})
    .to_string()
}

fn not_found(path: &str) -> String {
    serde_json::json!({"RemoteException": {"exception": "FileNotFoundException", "javaClassName": "java.io.FileNotFoundException", "message": format!("File does not exist: {path}")}}).to_string()
}

fn ensure(nn: &Fixture, user: &str, paths: &[PathDef]) -> bdprov::Result<Vec<(String, Outcome)>> {
    runtime().block_on(hdfs::ensure(&bdprov::http::client(), &nn.base(), user, paths))
}

#[test]
fn webhdfs_makes_the_paths_once_and_then_leaves_them_alone() {
    let (user, paths) = hdfs_paths(&plan("hdfs"));
    assert_eq!(user, "hadoop");
    let ok = r#"{"boolean":true}"#;
    let nn = Fixture::start(vec![
        route(
            "GET",
            "/webhdfs/v1/spark/history?op=GETFILESTATUS",
            &[(404, &not_found("/spark/history")), (200, &status("1777", "hadoop"))],
        ),
        route("GET", "/webhdfs/v1/tmp?op=GETFILESTATUS", &[(404, &not_found("/tmp")), (200, &status("1777", "hadoop"))]),
        route("GET", "/webhdfs/v1/user/spark?op=GETFILESTATUS", &[(404, &not_found("/user/spark")), (200, &status("755", "spark"))]),
        route("PUT", "op=MKDIRS", &[(200, ok)]),
        route("PUT", "op=SETPERMISSION", &[(200, "")]),
        route("PUT", "op=SETOWNER", &[(200, "")]),
    ]);
    let first = ensure(&nn, &user, &paths).unwrap();
    assert_eq!(hdfs::summary(&first), "/spark/history created, /tmp created, /user/spark created");
    assert_eq!(
        nn.requests_with("PUT"),
        vec![
            "PUT /webhdfs/v1/spark/history?op=MKDIRS&user.name=hadoop",
            "PUT /webhdfs/v1/spark/history?op=SETPERMISSION&permission=1777&user.name=hadoop",
            "PUT /webhdfs/v1/tmp?op=MKDIRS&user.name=hadoop",
            "PUT /webhdfs/v1/tmp?op=SETPERMISSION&permission=1777&user.name=hadoop",
            "PUT /webhdfs/v1/user/spark?op=MKDIRS&user.name=hadoop",
            "PUT /webhdfs/v1/user/spark?op=SETPERMISSION&permission=755&user.name=hadoop",
            "PUT /webhdfs/v1/user/spark?op=SETOWNER&owner=spark&user.name=hadoop",
        ]
    );
    // The second `up`: every path is as it should be, nothing is changed, and it says so.
    let puts = nn.requests_with("PUT").len();
    let second = ensure(&nn, &user, &paths).unwrap();
    assert_eq!(hdfs::summary(&second), "3 paths unchanged");
    assert_eq!(nn.requests_with("PUT").len(), puts, "no change on the second run");
}

#[test]
fn webhdfs_fixes_a_wrong_mode() {
    let (user, paths) = hdfs_paths(&plan("hdfs"));
    let tmp: Vec<PathDef> = paths.into_iter().filter(|p| p.path == "/tmp").collect();
    let nn = Fixture::start(vec![
        route("GET", "/webhdfs/v1/tmp?op=GETFILESTATUS", &[(200, &status("755", "hadoop")), (200, &status("1777", "hadoop"))]),
        route("PUT", "op=SETPERMISSION", &[(200, "")]),
    ]);
    let fixed = ensure(&nn, &user, &tmp).unwrap();
    assert_eq!(fixed, vec![("/tmp".to_string(), Outcome::Fixed(vec!["mode 755 → 1777".into()]))]);
    assert_eq!(nn.requests_with("PUT"), vec!["PUT /webhdfs/v1/tmp?op=SETPERMISSION&permission=1777&user.name=hadoop"]);
    assert_eq!(ensure(&nn, &user, &tmp).unwrap()[0].1, Outcome::Unchanged);
}

#[test]
fn webhdfs_refusals_say_why_and_what_to_do() {
    let (_, paths) = hdfs_paths(&plan("hdfs"));
    let denied = r#"{"RemoteException":{"exception":"AccessControlException","javaClassName":"org.apache.hadoop.security.AccessControlException","message":"Permission denied: user=hdfs, access=WRITE, inode=\"/\":hadoop:supergroup:drwxr-xr-x"}}"#;
    let nn = Fixture::start(vec![
        route("GET", "GETFILESTATUS", &[(404, &not_found("/spark/history"))]),
        route("PUT", "op=MKDIRS", &[(403, denied)]),
    ]);
    let e = ensure(&nn, "hdfs", &paths).unwrap_err().to_string();
    assert!(
        e.starts_with("error: the NameNode refused MKDIRS /spark/history for user hdfs: Permission denied: user=hdfs, access=WRITE"),
        "{e}"
    );
    assert!(e.contains("help: the hook's `webhdfs.user` must be the HDFS superuser"), "{e}");

    let safe_mode = r#"{"RemoteException":{"exception":"SafeModeException","javaClassName":"org.apache.hadoop.hdfs.server.namenode.SafeModeException","message":"Cannot create directory /spark/history. Name node is in safe mode."}}"#;
    let nn = Fixture::start(vec![
        route("GET", "GETFILESTATUS", &[(404, &not_found("/spark/history"))]),
        route("PUT", "op=MKDIRS", &[(403, safe_mode)]),
    ]);
    let e = ensure(&nn, "hadoop", &paths).unwrap_err().to_string();
    assert!(e.starts_with("error: the NameNode is in safe mode and refused MKDIRS /spark/history: Cannot create directory"), "{e}");
    assert!(e.contains("leaves safe mode once enough datanodes have reported their blocks"), "{e}");

    let gone = Fixture::start(vec![]);
    let base = gone.base();
    drop(gone);
    let e = runtime().block_on(hdfs::ensure(&bdprov::http::client(), &base, "hadoop", &paths)).unwrap_err().to_string();
    assert!(e.starts_with(&format!("error: cannot reach the NameNode's WebHDFS at {base}")), "{e}");
    assert!(e.contains("help: check `bdprov status`"), "{e}");
}

/// What `hdfs dfs -ls -d` prints (Hadoop 3.5, through the job's log): a
/// missing path is an error line, the others are listed.
fn listing(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

const NATIVE_WARNING: &str =
    "2026-11-26 10:00:01,234 WARN util.NativeCodeLoader: Unable to load native-hadoop library for your platform... using builtin-java classes where applicable";

#[test]
fn hdfs_jobs_make_the_paths_once_and_then_leave_them_alone() {
    // The built-in blueprint: WebHDFS off, paths made by `hdfs dfs` jobs from
    // the NameNode's image as the superuser.
    let plan = plan("hdfs");
    let hook = &plan.hooks.iter().find(|h| h.name == "hdfs-paths").unwrap().action;
    let HookActionDef::Hdfs { template, .. } = hook else { panic!("hdfs-paths is {hook:?}") };
    assert!(template.env.contains(&"HADOOP_USER_NAME=hadoop".to_string()), "{:?}", template.env);
    assert!(template.mounts.is_empty() && template.configs.iter().any(|c| c.target.ends_with("hdfs-site.xml")), "{template:?}");
    let (user, paths) = hdfs_paths(&plan);
    assert_eq!(user, "hadoop");
    assert_eq!(hdfs_paths::list_command(&paths)[2], "hdfs dfs -ls -d /spark/history /tmp /user/spark || true");

    // First `up`: nothing exists.
    let first = listing(&[
        NATIVE_WARNING,
        "ls: `/spark/history': No such file or directory",
        "ls: `/tmp': No such file or directory",
        "ls: `/user/spark': No such file or directory",
    ]);
    let seen = hdfs_paths::parse_listing(&paths, &first).unwrap();
    let (ops, done) = hdfs_paths::plan_fixes(&paths, &seen).unwrap();
    assert_eq!(hdfs::summary(&done), "/spark/history created, /tmp created, /user/spark created");
    assert_eq!(
        hdfs_paths::commands(&ops),
        vec![
            "hdfs dfs -mkdir -p /spark/history /tmp /user/spark",
            "hdfs dfs -chmod 1777 /spark/history /tmp",
            "hdfs dfs -chmod 755 /user/spark",
            "hdfs dfs -chown spark /user/spark",
        ]
    );

    // The second `up`: everything is as it should be, no second job, and it says so.
    let second = listing(&[
        NATIVE_WARNING,
        "drwxrwxrwt   - hadoop supergroup          0 2026-11-26 10:00 /spark/history",
        "drwxrwxrwt   - hadoop supergroup          0 2026-11-26 10:00 /tmp",
        "drwxr-xr-x   - spark  supergroup          0 2026-11-26 10:00 /user/spark",
    ]);
    let seen = hdfs_paths::parse_listing(&paths, &second).unwrap();
    let (ops, done) = hdfs_paths::plan_fixes(&paths, &seen).unwrap();
    assert!(ops.is_empty(), "{ops:?}");
    assert_eq!(hdfs::summary(&done), "3 paths unchanged");
}

#[test]
fn hdfs_jobs_fix_a_wrong_mode_and_owner() {
    let (_, paths) = hdfs_paths(&plan("hdfs"));
    let out = listing(&[
        "drwxrwxrwt   - hadoop supergroup          0 2026-11-26 10:00 /spark/history",
        "drwxr-xr-x   - hadoop supergroup          0 2026-11-26 10:00 /tmp",
        "drwx------   - hadoop supergroup          0 2026-11-26 10:00 /user/spark",
    ]);
    let seen = hdfs_paths::parse_listing(&paths, &out).unwrap();
    let (ops, done) = hdfs_paths::plan_fixes(&paths, &seen).unwrap();
    assert_eq!(
        hdfs::summary(&done),
        "/spark/history unchanged, /tmp fixed (mode 755 → 1777), /user/spark fixed (mode 700 → 755, owner hadoop → spark)"
    );
    assert_eq!(
        hdfs_paths::commands(&ops),
        vec!["hdfs dfs -chmod 1777 /tmp", "hdfs dfs -chmod 755 /user/spark", "hdfs dfs -chown spark /user/spark"]
    );
}

#[test]
fn hdfs_jobs_stop_on_what_they_cannot_tell_or_must_not_touch() {
    let (_, paths) = hdfs_paths(&plan("hdfs"));
    // The NameNode did not answer: nothing is said about the paths.
    let down = listing(&[
        "ls: Call From job/10.0.1.5 to namenode:8020 failed on connection exception: java.net.ConnectException: Connection refused",
    ]);
    assert_eq!(hdfs_paths::parse_listing(&paths, &down).unwrap_err().to_string(), "`hdfs dfs -ls -d` said nothing about /spark/history");
    // A file where a directory should be: never removed.
    let file = listing(&[
        "drwxrwxrwt   - hadoop supergroup          0 2026-11-26 10:00 /spark/history",
        "-rw-r--r--   2 hadoop supergroup          5 2026-11-26 10:00 /tmp",
        "drwxr-xr-x   - spark supergroup          0 2026-11-26 10:00 /user/spark",
    ]);
    let seen = hdfs_paths::parse_listing(&paths, &file).unwrap();
    assert_eq!(hdfs_paths::plan_fixes(&paths, &seen).unwrap_err().to_string(), "/tmp exists and is a file, not a directory");
}

fn datanode_decommission() -> DecommissionDef {
    plan("hdfs").decommission_of("datanode").expect("datanodes retire members").clone()
}

fn live_nodes(states: &[(&str, &str)]) -> String {
    let live: serde_json::Map<String, serde_json::Value> = states
        .iter()
        .map(|(host, state)| {
            (
                format!("{host}:9866"),
                serde_json::json!({"infoAddr": "10.0.1.7:9864", "xferaddr": "10.0.1.7:9866", "adminState": state, "numBlocks": 12}),
            )
        })
        .collect();
    // LiveNodes is a JSON string inside the JMX JSON.
    jmx(serde_json::json!({"name": "Hadoop:service=NameNode,name=NameNodeInfo", "LiveNodes": serde_json::Value::Object(live).to_string()}))
}

fn wait_retired(def: &DecommissionDef, nn: &Fixture, hosts: &[&str], timeout: Duration, progress: &Recorded) -> bdprov::Result<()> {
    let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    runtime().block_on(decommission::wait_retired(
        &bdprov::http::client(),
        &[nn.base()],
        def,
        &hosts,
        progress,
        Duration::from_millis(10),
        timeout,
    ))
}

#[test]
fn decommissioning_waits_until_the_namenode_reports_decommissioned() {
    let def = datanode_decommission();
    let info = "/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo";
    let steps = [
        live_nodes(&[("datanode-1", "In Service"), ("datanode-2", "In Service"), ("datanode-3", "Decommission In Progress")]),
        live_nodes(&[("datanode-1", "In Service"), ("datanode-2", "In Service"), ("datanode-3", "Decommissioned")]),
    ];
    let nn = Fixture::start(vec![route("GET", info, &[(200, &steps[0]), (200, &steps[0]), (200, &steps[1])])]);
    let progress = Recorded::default();
    wait_retired(&def, &nn, &["datanode-3"], Duration::from_secs(10), &progress).unwrap();
    assert_eq!(nn.requests().len(), 3, "asked until Decommissioned");
    assert!(
        progress
            .lines()
            .contains(&"datanode retiring waiting for datanode-3 to be Decommissioned: datanode-3 Decommission In Progress".to_string()),
        "{:?}",
        progress.lines()
    );
}

#[test]
fn decommissioning_stops_at_once_when_the_namenode_did_not_take_the_host() {
    let def = datanode_decommission();
    let nn = Fixture::start(vec![route("GET", "name=NameNodeInfo", &[(200, &live_nodes(&[("datanode-3", "In Service")]))])]);
    let e = wait_retired(&def, &nn, &["datanode-3"], Duration::from_secs(10), &Recorded::default()).unwrap_err().to_string();
    assert!(e.starts_with("error: datanode-3 is still In Service after the cluster was told to retire it"), "{e}");
    assert_eq!(nn.requests().len(), 1);
}

#[test]
fn decommissioning_gives_up_after_its_timeout_and_says_what_it_saw() {
    let def = datanode_decommission();
    let nn = Fixture::start(vec![route("GET", "name=NameNodeInfo", &[(200, &live_nodes(&[("datanode-3", "Decommission In Progress")]))])]);
    let e =
        wait_retired(&def, &nn, &["datanode-3", "datanode-4"], Duration::from_millis(100), &Recorded::default()).unwrap_err().to_string();
    assert!(e.contains("`datanode` members not retired after 0s: waiting for datanode-3, datanode-4 to be Decommissioned: datanode-3 Decommission In Progress, datanode-4 not reported"), "{e}");
    assert!(e.contains("nothing was removed"), "{e}");
}

fn app(state: &str, final_status: &str, diagnostics: &str) -> String {
    serde_json::json!({"app": {"id": "application_1700000000000_0001", "user": "spark", "name": "SparkPi", "queue": "default", "state": state,
        "finalStatus": final_status, "progress": 50.0, "trackingUI": "ApplicationMaster", "trackingUrl": "http://resourcemanager:8088/proxy/application_1700000000000_0001/",
        "diagnostics": diagnostics, "clusterId": 1700000000000u64, "applicationType": "SPARK"}})
    .to_string()
}

fn follow(rm: &Fixture, progress: &Recorded) -> bdprov::Result<yarn::App> {
    runtime().block_on(yarn::follow(
        &bdprov::http::client(),
        vec![rm.base()],
        async || Vec::new(),
        "application_1700000000000_0001",
        progress,
        Duration::from_millis(10),
    ))
}

#[test]
fn yarn_applications_are_followed_to_their_final_status() {
    let target = "/ws/v1/cluster/apps/application_1700000000000_0001";
    let answers = [app("ACCEPTED", "UNDEFINED", ""), app("RUNNING", "UNDEFINED", ""), app("FINISHED", "SUCCEEDED", "")];
    let rm = Fixture::start(vec![route("GET", target, &[(200, &answers[0]), (200, &answers[1]), (200, &answers[2])])]);
    let progress = Recorded::default();
    let done = follow(&rm, &progress).unwrap();
    assert!(done.succeeded());
    let states: Vec<String> = progress.lines();
    assert_eq!(
        states,
        vec![
            "yarn accepted application_1700000000000_0001",
            "yarn running application_1700000000000_0001",
            "yarn finished application_1700000000000_0001"
        ]
    );

    let failed = [
        app("RUNNING", "UNDEFINED", ""),
        app("FAILED", "FAILED", "Application application_1700000000000_0001 failed 2 times due to AM Container exited with exitCode: 1"),
    ];
    let rm = Fixture::start(vec![route("GET", target, &[(200, &failed[0]), (200, &failed[1])])]);
    let done = follow(&rm, &Recorded::default()).unwrap();
    assert!(!done.succeeded());
    assert_eq!((done.state.as_str(), done.final_status.as_str()), ("FAILED", "FAILED"));
    assert!(done.diagnostics.contains("AM Container exited"));
}

#[test]
fn the_yarn_application_id_comes_from_spark_submit() {
    let out: Vec<String> = [
        "25/11/22 10:00:01 INFO Client: Requesting a new application from cluster with 2 NodeManagers",
        "25/11/22 10:00:02 INFO Client: Submitting application application_1700000000000_0001 to ResourceManager",
        "25/11/22 10:00:02 INFO YarnClientImpl: Submitted application application_1700000000000_0001",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(yarn::application_id(&out).as_deref(), Some("application_1700000000000_0001"));
}
