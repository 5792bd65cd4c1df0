//! End to end on a real swarm: spark-hdfs-yarn with the offline images
//! (Hadoop 3.5 assembled from Maven Central, Spark from PyPI).
//!
//! One test, because the steps build on each other and the machine has two
//! cores: up → status → paths → YARN jobs → history → scale up/down with
//! decommissioning → faults → down/up keeps the namespace. A short second
//! one: HDFS with the NameNode's web port taken, followed by its hook.

use std::time::Duration;

use crate::common::{
    assert_archives_mapped, bdprov, bdprov_env, compiler_threads, docker, eventually, get_json, one_shot, until_ok, up_fresh, Run,
};

const CLUSTER: &str = "e2e-hadoop";
const NET: &str = "e2e-hadoop-net";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];
const NN: &str = "http://127.0.0.1:29870";
const RM: &str = "http://127.0.0.1:28088";
/// Ports of their own, so clusters a user (or another test) runs do not get
/// in the way; small daemons, 1 MiB blocks so a small file has several.
const UP: &[&str] = &[
    "up",
    "spark-hdfs-yarn",
    "--name",
    CLUSTER,
    "--set",
    "namenode-web.ports.http.published=29870",
    "--set",
    "resourcemanager-web.ports.http.published=28088",
    "--set",
    "master.ports.ui.published=28082",
    "--set",
    "history.ports.ui.published=28182",
    "--set",
    "values.hadoop_heap=384m",
    "--set",
    "values.hdfs_site[dfs.blocksize]=1048576",
    "--set",
    "values.yarn_site[yarn.nodemanager.resource.memory-mb]=3072",
    "--set",
    "values.yarn_site[yarn.scheduler.maximum-allocation-mb]=3072",
    // The first JIT tier only, in the role where it saves the most.
    "--set",
    "datanode.env.BDPROV_JIT=quick",
];

fn image() -> String {
    // The same tag the blueprint's `local` image names.
    let bp = std::fs::read_to_string(crate::common::root().join("blueprints/hdfs.yaml")).unwrap();
    bp.lines().find_map(|l| l.trim().strip_prefix("local: ")).expect("hdfs.yaml names a local image").trim().to_string()
}

fn jmx(bean: &str) -> Option<serde_json::Value> {
    let j = get_json(&format!("{NN}/jmx?qry=Hadoop:service=NameNode,name={bean}"))?;
    Some(j["beans"][0].clone())
}

fn in_service_datanodes() -> Option<u64> {
    jmx("FSNamesystemState")?["NumInServiceLiveDataNodes"].as_u64()
}

/// A path's status, from `hdfs dfs` on the overlay (WebHDFS is off):
/// `type`, `mode` as `ls` shows it (`drwxrwxrwt`), `owner`, `length`, `replication`.
fn status_of(path: &str) -> Option<serde_json::Value> {
    let (ok, out) = hdfs("stat", &format!("dfs {HDFS_OPTS} -ls -d {path} && hdfs dfs {HDFS_OPTS} -stat 'STAT %b %r' {path}"));
    if !ok {
        return None;
    }
    let ls: Vec<&str> =
        out.lines().find(|l| l.trim_end().ends_with(path) && l.split_whitespace().count() >= 8)?.split_whitespace().collect();
    let stat: Vec<&str> = out.lines().find_map(|l| l.strip_prefix("STAT "))?.split_whitespace().collect();
    Some(serde_json::json!({
        "type": if ls[0].starts_with('d') { "DIRECTORY" } else { "FILE" },
        "mode": ls[0].trim_end_matches('+'),
        "owner": ls[2],
        "length": stat[0].parse::<u64>().ok(),
        "replication": stat[1].parse::<u64>().ok(),
    }))
}

/// The names in an HDFS directory, from `hdfs dfs -ls` on the overlay.
fn list(path: &str) -> Vec<String> {
    let (ok, out) = hdfs("ls", &format!("dfs {HDFS_OPTS} -ls {path}"));
    assert!(ok, "listing {path} failed:\n{out}");
    out.lines().filter(|l| l.split_whitespace().count() >= 8).filter_map(|l| l.split_whitespace().last()).map(String::from).collect()
}

/// An HTTP request from outside, as anyone on the network could send it:
/// its status code and body.
fn anonymous(method: &str, url: &str) -> (u16, String) {
    let out =
        std::process::Command::new("curl").args(["-s", "--max-time", "10", "-X", method, "-w", "\n%{http_code}", url]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

/// An HDFS command in a one-shot service on the cluster's network.
fn hdfs(name: &str, args: &str) -> (bool, String) {
    let script = format!("hdfs {args}");
    one_shot(&format!("e2e-hadoop-{name}"), NET, &image(), &["sh", "-c", &script])
}

const HDFS_OPTS: &str = "-D fs.defaultFS=hdfs://namenode:8020";

fn checksum(path: &str) -> String {
    let (ok, out) = hdfs("checksum", &format!("dfs {HDFS_OPTS} -checksum {path}"));
    assert!(ok, "checksum of {path} failed:\n{out}");
    let line = out.lines().find(|l| l.starts_with(path)).unwrap_or_else(|| panic!("no checksum line:\n{out}"));
    line.split_whitespace().last().unwrap().to_string()
}

fn active_nodemanagers() -> Option<u64> {
    get_json(&format!("{RM}/ws/v1/cluster/metrics"))?["clusterMetrics"]["activeNodes"].as_u64()
}

/// The ResourceManager's applications, oldest first: id, state, milliseconds since submitted.
fn yarn_apps() -> Vec<(String, String, i64)> {
    let apps = get_json(&format!("{RM}/ws/v1/cluster/apps")).unwrap_or_default();
    let mut out: Vec<(String, String, i64)> = apps["apps"]["app"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|a| {
                    (
                        a["id"].as_str().unwrap_or_default().to_string(),
                        a["state"].as_str().unwrap_or_default().to_string(),
                        a["elapsedTime"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // Ids end in a sequence number of the same width within one ResourceManager's life.
    out.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
    out
}

fn yarn_state(id: &str) -> String {
    get_json(&format!("{RM}/ws/v1/cluster/apps/{id}")).and_then(|a| a["app"]["state"].as_str().map(String::from)).unwrap_or_default()
}

fn container_of(service: &str) -> String {
    let out = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={service}")]);
    out.stdout.lines().next().unwrap_or_else(|| panic!("no running container of {service}")).to_string()
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_spark_hdfs_yarn_lifecycle() {
    let _serial = crate::common::swarm_lock();
    let up = up_returns_when_every_role_is_ready();
    every_hadoop_daemon_maps_its_archive();
    let master = status_shows_the_uis_and_live_figures();
    paths_are_precreated(&up);
    only_reads_are_published(&up, &master);
    // A second up changes nothing.
    let again = bdprov_env(UP, LOCAL).ok();
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);
    assert!(again.stderr.contains("4 paths unchanged"), "{}", again.stderr);
    spark_jobs_on_yarn();
    let sum = scale_retires_datanodes_and_keeps_the_data();
    killed_containers_come_back();
    yarn_jobs_refused_explained_and_interrupted();
    down_then_up_keeps_the_namespace(&sum);
    bdprov(&["down", CLUSTER, "--volumes"]).ok();
}

fn up_returns_when_every_role_is_ready() -> Run {
    // up: returns only when every role is ready.
    let up = up_fresh(CLUSTER, UP, LOCAL);
    for role in ["namenode", "datanode", "resourcemanager", "nodemanager", "master", "worker", "history", "hdfs-paths"] {
        assert!(up.stderr.contains(role), "no progress line for {role}:\n{}", up.stderr);
    }
    // The kit's NodeManagers carry Spark's jars: the official images'
    // upload hook is left out.
    assert!(!up.stderr.contains("spark-libs"), "the kit's cluster ran the upload hook:\n{}", up.stderr);
    assert_eq!(in_service_datanodes(), Some(3), "up returned before 3 datanodes were in service");
    assert_eq!(active_nodemanagers(), Some(2), "up returned before 2 NodeManagers were active");
    assert_eq!(jmx("NameNodeInfo").unwrap()["Safemode"], "", "the NameNode is still in safe mode");
    up
}

/// The kit's Hadoop daemons run with the class-data archives made at image
/// build (bench/hadoop.sh measures what they save), and with the full JIT
/// but where the blueprint asks for the first tier only (`BDPROV_JIT=quick`,
/// given to the DataNodes here).
fn every_hadoop_daemon_maps_its_archive() {
    let service = |role: &str| format!("{CLUSTER}_{role}");
    let daemons = [
        (service("namenode"), "org.apache.hadoop.hdfs.server.namenode.NameNode", 1),
        (service("datanode"), "org.apache.hadoop.hdfs.server.datanode.DataNode", 3),
        (service("resourcemanager"), "org.apache.hadoop.yarn.server.resourcemanager.ResourceManager", 1),
        (service("nodemanager"), "org.apache.hadoop.yarn.server.nodemanager.NodeManager", 2),
    ];
    assert_archives_mapped("/opt/hadoop/cds", "1000", &daemons);
    for (service, _, replicas) in &daemons {
        let threads = compiler_threads(service, "1000");
        assert_eq!(threads.len(), *replicas, "{service}: {threads:?}");
        let quick = service.ends_with("_datanode");
        for t in threads {
            assert!(t.contains("C1 CompilerThre"), "{service}: no C1 compiler thread: {t}");
            assert_eq!(t.contains("C2 CompilerThre"), !quick, "{service} (BDPROV_JIT=quick: {quick}) runs the compiler threads: {t}");
        }
    }
}

/// The URL of the Spark master's UI.
fn status_shows_the_uis_and_live_figures() -> String {
    // status: the web UIs of NameNode, ResourceManager, Spark master and history server, answering.
    let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", CLUSTER, "--output", "json"]).ok().stdout).unwrap();
    assert_eq!(st["ready"], true, "{st:#}");
    let url = |role: &str| -> String {
        let r = st["roles"].as_array().unwrap().iter().find(|r| r["role"] == role).unwrap_or_else(|| panic!("no role {role} in {st:#}"));
        r["urls"][0].as_str().unwrap_or_else(|| panic!("no URL for {role}: {r:#}")).to_string()
    };
    // Live figures: every system's read, HDFS's equal to what the NameNode's
    // own JMX says at the same moment (asked again if a datanode changed in between).
    let figures = &st["figures"];
    for system in ["hdfs", "yarn", "spark"] {
        assert!(figures[system]["summary"].is_string() && figures[system]["unknown"].is_null(), "{system}: {figures:#}");
    }
    assert_eq!(figures["yarn"]["active_nodes"].as_u64(), Some(2), "{figures:#}");
    assert_eq!(figures["spark"]["alive_workers"].as_u64(), Some(2), "{figures:#}");
    eventually("status's HDFS figures to equal the NameNode's JMX", Duration::from_secs(30), || {
        let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", CLUSTER, "--output", "json"]).ok().stdout).ok()?;
        let own = jmx("FSNamesystemState")?;
        let hdfs = &st["figures"]["hdfs"];
        let same = |figure: &str, bean: &str| hdfs[figure].as_u64().is_some() && hdfs[figure].as_u64() == own[bean].as_u64();
        (same("live_datanodes", "NumLiveDataNodes") && same("under_replicated_blocks", "UnderReplicatedBlocks")).then_some(())
    });
    assert_eq!(url("namenode-web"), "http://127.0.0.1:29870/");
    assert_eq!(url("resourcemanager-web"), "http://127.0.0.1:28088/");
    for (role, path) in
        [("namenode-web", "jmx"), ("resourcemanager-web", "ws/v1/cluster/info"), ("master", "json/"), ("history", "api/v1/applications")]
    {
        assert!(get_json(&format!("{}{path}", url(role))).is_some(), "{role}'s UI at {} does not answer", url(role));
    }
    // The web UIs themselves, served from the webapps the image carries.
    for page in [format!("{NN}/dfshealth.html"), format!("{RM}/cluster")] {
        let out = std::process::Command::new("curl").args(["-fsSL", "--max-time", "5", &page]).output().unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).to_lowercase().contains("<html"),
            "{page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    url("master")
}

fn paths_are_precreated(up: &Run) {
    // Precreated paths, read back from HDFS itself: owners and modes.
    // (made by `hdfs dfs` jobs on the overlay: WebHDFS is off.)
    let history = status_of("/spark/history").expect("/spark/history exists");
    assert_eq!((history["type"].as_str(), history["mode"].as_str()), (Some("DIRECTORY"), Some("drwxrwxrwt")), "{history}");
    let tmp = status_of("/tmp").expect("/tmp exists");
    assert_eq!(tmp["mode"], "drwxrwxrwt", "{tmp}");
    let home = status_of("/user/spark").expect("/user/spark exists");
    assert_eq!((home["owner"].as_str(), home["mode"].as_str()), (Some("spark"), Some("drwxr-xr-x")), "{home}");
    assert!(up.stderr.contains("/user/spark created"), "{}", up.stderr);
}

fn only_reads_are_published(up: &Run, master: &str) {
    // Exposure: `up` said what is published, and that none of it takes
    // actions from strangers. The NameNode's and ResourceManager's own web
    // ports stay on the overlay; their read-only fronts refuse every write,
    // whatever user it names, and the paths that are not plain reads.
    assert!(
        up.stderr.contains("exposure: published on the nodes: namenode-web http 29870, resourcemanager-web http 28088")
            && up.stderr.contains("none accepts actions without authentication")
            && !up.stderr.contains("warning: published ports"),
        "{}",
        up.stderr
    );
    for (method, url) in [
        ("PUT", format!("{NN}/webhdfs/v1/evil?op=MKDIRS&user.name=hadoop")),
        ("DELETE", format!("{NN}/webhdfs/v1/tmp?op=DELETE&recursive=true&user.name=hadoop")),
        ("PUT", format!("{NN}/imagetransfer?txid=999999")),
        ("POST", format!("{RM}/ws/v1/cluster/apps/new-application")),
        ("PUT", format!("{RM}/ws/v1/cluster/apps/application_1_0001/state")),
    ] {
        let (code, body) = anonymous(method, &url);
        assert_eq!(code, 405, "{method} {url} was not refused: {body}");
        assert!(body.contains("published read-only by bdprov"), "{body}");
    }
    for url in [
        format!("{NN}/imagetransfer?getimage=1&txid=latest"),
        format!("{NN}/webhdfs/v1/tmp?op=OPEN&user.name=hadoop"),
        format!("{NN}/logLevel?log=org.apache.hadoop&level=DEBUG"),
        format!("{NN}/static/%2e%2e/imagetransfer?getimage=1&txid=latest"),
        format!("{RM}/proxy/application_1_0001/"),
        format!("{RM}/logs/"),
    ] {
        let (code, body) = anonymous("GET", &url);
        assert_eq!(code, 403, "GET {url} was served: {body}");
    }
    assert!(status_of("/evil").is_none(), "an anonymous WebHDFS write went through");
    // Reads pass, as the anonymous static user whatever `user.name` says.
    let (code, body) = anonymous("GET", &format!("{NN}/webhdfs/v1/?op=LISTSTATUS&user.name=hadoop"));
    assert!(code == 200 && body.contains("\"pathSuffix\":\"spark\""), "{code} {body}");
    // The daemons' own ports are not published at all.
    for port in [9871, 8089] {
        let (code, _) = anonymous("GET", &format!("http://127.0.0.1:{port}/"));
        assert_eq!(code, 0, "port {port} answers from outside");
    }
    // Behind the front, REST submissions are off too.
    let (ok, out) = one_shot(
        "e2e-hadoop-rest",
        NET,
        &image(),
        &["sh", "-c", "curl -s -X POST -w ' %{http_code}' http://resourcemanager:8088/ws/v1/cluster/apps/new-application"],
    );
    assert!(ok && out.contains("App submission via REST is disabled") && out.contains(" 403"), "{out}");
    let (code, body) = anonymous("POST", &format!("{master}app/kill/?id=app-x&terminate=true"));
    assert!(code != 200 && code != 302, "the Spark master's kill link is on: {code} {body}");
    // The read-only endpoints probes and status use still answer.
    assert!(jmx("NameNodeInfo").is_some() && active_nodemanagers().is_some());
}

fn spark_jobs_on_yarn() {
    // SparkPi on YARN: the application id, followed to SUCCEEDED.
    let pi = bdprov(&["submit", "--cluster", CLUSTER, "spark-pi", "--master", "yarn", "--slices", "4"]);
    assert_eq!(pi.code, 0, "spark-pi on YARN failed:\n{}\n{}", pi.stdout, pi.stderr);
    let line = pi.stdout.lines().find(|l| l.starts_with("application ")).unwrap_or_else(|| panic!("no application line:\n{}", pi.stdout));
    assert!(line.ends_with("finished: SUCCEEDED"), "{line}");
    let app_id = line.split_whitespace().nth(1).unwrap().to_string();
    let rm_app = get_json(&format!("{RM}/ws/v1/cluster/apps/{app_id}")).expect("the ResourceManager knows the application");
    assert_eq!(rm_app["app"]["finalStatus"], "SUCCEEDED", "{rm_app:#}");
    // Spark's jars came from the NodeManagers' image (`local:`): neither
    // uploaded with the application nor kept on HDFS.
    assert!(!pi.stderr.contains("__spark_libs__") && !pi.stdout.contains("__spark_libs__"), "Spark's jars were uploaded:\n{}", pi.stderr);
    assert!(status_of("/spark/lib/spark-jars.tar").is_none(), "Spark's jars are on HDFS");

    // The history server lists it, from its event log on HDFS.
    eventually("the YARN application in the history server", Duration::from_secs(90), || {
        let apps = get_json("http://127.0.0.1:28182/api/v1/applications")?;
        apps.as_array()?.iter().any(|a| a["id"] == app_id.as_str()).then_some(())
    });
    let logs = list("/spark/history");
    assert!(logs.iter().any(|n| n.contains(app_id.as_str())), "no event log for {app_id} in /spark/history: {logs:?}");

    // A PySpark job on YARN writes a dataset to HDFS; a second reads it back.
    let write = bdprov(&[
        "submit",
        "--cluster",
        CLUSTER,
        "yarn",
        "--py",
        "examples/jobs/hdfs_dataset.py",
        "--",
        "write",
        "/user/spark/squares",
        "1000",
    ]);
    assert_eq!(write.code, 0, "writing the dataset failed:\n{}\n{}", write.stdout, write.stderr);
    assert!(status_of("/user/spark/squares/_SUCCESS").is_some(), "the dataset is not in HDFS");
    let read = bdprov(&[
        "submit",
        "--cluster",
        CLUSTER,
        "yarn",
        "--py",
        "examples/jobs/hdfs_dataset.py",
        "--",
        "read",
        "/user/spark/squares",
        "1000",
    ]);
    assert_eq!(read.code, 0, "reading the dataset failed:\n{}\n{}", read.stdout, read.stderr);
    // In cluster mode the driver runs in YARN (its output is in the AM's
    // log): the job itself fails unless it reads back exactly 1000 rows.
    let parts = list("/user/spark/squares");
    let parquet = parts.iter().filter(|f| f.ends_with(".parquet")).count();
    assert!(parquet > 0, "no parquet part files: {parts:?}");
    // A failing job exits non-zero, naming the final status.
    let fail = bdprov(&["submit", "--cluster", CLUSTER, "yarn", "--py", "examples/jobs/hdfs_dataset.py", "--", "fail", "/x"]);
    assert_ne!(fail.code, 0, "a failing application must fail the submit:\n{}", fail.stdout);
    assert!(fail.stderr.contains("FAILED"), "{}", fail.stderr);
}

/// The checksum of the multi-block file it wrote.
fn scale_retires_datanodes_and_keeps_the_data() -> String {
    // A multi-block file with replication 2, then 5 datanodes.
    let (ok, out) = hdfs(
        "put",
        &format!("dfs {HDFS_OPTS} -D dfs.replication=2 -D dfs.blocksize=1048576 -mkdir -p /e2e && head -c 6000000 /dev/urandom > /tmp/f && hdfs dfs {HDFS_OPTS} -D dfs.replication=2 -D dfs.blocksize=1048576 -put -f /tmp/f /e2e/file"),
    );
    assert!(ok, "writing the test file failed:\n{out}");
    let blocks = status_of("/e2e/file").expect("the test file exists");
    assert_eq!((blocks["length"].as_u64(), blocks["replication"].as_u64()), (Some(6_000_000), Some(2)), "{blocks}");
    let sum = checksum("/e2e/file");

    bdprov(&["scale", CLUSTER, "datanode=5"]).ok();
    assert_eq!(in_service_datanodes(), Some(5), "scale returned before 5 datanodes were in service");
    let volumes = docker(&["volume", "ls", "-q", "--filter", &format!("label=bdprov.cluster={CLUSTER}")]).stdout;
    assert!(volumes.lines().filter(|v| v.contains("data")).count() >= 5, "each datanode has its own volume: {volumes}");

    // Down to 3: the two highest slots are decommissioned first.
    let down = bdprov(&["scale", CLUSTER, "datanode=3"]).ok();
    let said = format!("{}{}", down.stdout, down.stderr);
    assert!(said.contains("datanode-5") && said.contains("datanode-4"), "scale down should name the datanodes it retires:\n{said}");
    assert!(!said.contains("datanode-1") && !said.contains("datanode-2 "), "only the highest slots retire:\n{said}");
    let info = jmx("NameNodeInfo").unwrap();
    assert_eq!(info["NumberOfMissingBlocks"].as_u64(), Some(0), "{info:#}");
    let (ok, fsck) = hdfs("fsck", &format!("fsck {HDFS_OPTS} /"));
    assert!(ok && fsck.contains("is HEALTHY"), "fsck after decommissioning:\n{fsck}");
    assert_eq!(checksum("/e2e/file"), sum, "the file changed while datanodes were decommissioned");
    sum
}

fn killed_containers_come_back() {
    // Faults: a datanode's container killed comes back and rejoins; status
    // says a datanode is missing while it is (the swarm waits 5 s before a restart).
    let victim = container_of(&format!("{CLUSTER}_datanode"));
    docker(&["kill", &victim]).ok();
    let seen = eventually("status to report the killed datanode", Duration::from_secs(30), || {
        let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", CLUSTER, "--output", "json"]).stdout).ok()?;
        let dn = st["roles"].as_array()?.iter().find(|r| r["role"] == "datanode")?.clone();
        (dn["running"].as_u64()? < 3 && st["ready"] == false).then_some(dn)
    });
    assert_eq!(seen["desired"].as_u64(), Some(3), "{seen:#}");
    eventually("the killed datanode's replacement", Duration::from_secs(120), || {
        let now = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_datanode")]).stdout;
        (now.lines().count() == 3 && !now.contains(&victim)).then_some(())
    });
    eventually("3 datanodes in service again", Duration::from_secs(180), || (in_service_datanodes() == Some(3)).then_some(()));
    // A NodeManager's container killed comes back.
    let victim = container_of(&format!("{CLUSTER}_nodemanager"));
    docker(&["kill", &victim]).ok();
    eventually("2 NodeManagers active again", Duration::from_secs(180), || {
        let running = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_nodemanager")]).stdout;
        (!running.contains(&victim) && running.lines().count() == 2 && active_nodemanagers() == Some(2)).then_some(())
    });
    let after = bdprov_env(UP, LOCAL).ok();
    assert!(after.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}", after.stdout);
}

fn yarn_jobs_refused_explained_and_interrupted() {
    // YARN jobs keep the promises of standalone ones. Right after the
    // NodeManagers are scaled away (the ResourceManager still lists them
    // RUNNING for a while), a submit is refused at once with the fix, and
    // no application reaches the ResourceManager.
    let apps_before = yarn_apps().len();
    bdprov(&["scale", CLUSTER, "nodemanager=0"]).ok();
    let asked = std::time::Instant::now();
    let refused = bdprov(&["submit", "--cluster", CLUSTER, "spark-pi", "--master", "yarn"]);
    assert_eq!(refused.code, 2, "a YARN job with no NodeManager task must be refused:\n{}", refused.stderr);
    assert!(asked.elapsed() < Duration::from_secs(20), "the refusal took {:?}", asked.elapsed());
    assert!(refused.stderr.contains(&format!("`bdprov scale {CLUSTER} nodemanager=N`")), "{}", refused.stderr);
    assert_eq!(yarn_apps().len(), apps_before, "an application reached the ResourceManager: {:?}", yarn_apps());
    // One NodeManager of 3g: executors of 1700m (2304m containers) fit it,
    // but not next to the application master's 1g. The application is told
    // why within BDPROV_EXECUTOR_WAIT, and SIGTERM kills it in YARN.
    bdprov(&["scale", CLUSTER, "nodemanager=1"]).ok();
    let wait = [("BDPROV_EXECUTOR_WAIT", "5")];
    let pi = ["submit", "--cluster", CLUSTER, "spark-pi", "--master", "yarn", "--executor-memory", "1700m"];
    let job = crate::common::spawn_bdprov_env(&pi, &wait);
    let (id, _, _) = eventually("the application RUNNING for 15 s", Duration::from_secs(150), || {
        yarn_apps().into_iter().skip(apps_before).find(|(_, state, elapsed)| state == "RUNNING" && *elapsed >= 15_000)
    });
    let term = crate::common::signal_and_wait(job, "TERM");
    assert_eq!(term.code, 143, "exit code after SIGTERM:\n{}", term.stderr);
    // Explained from the ResourceManager: without executors (no NodeManager
    // has room), or, on a busy machine, its application master still starting.
    let no_room = term.stderr.contains(&format!("application {id} is RUNNING without executors after "))
        && term.stderr.contains("no NodeManager has that free");
    let am_starting =
        term.stderr.contains(&format!("application {id} is still ACCEPTED after ")) && term.stderr.contains("the ResourceManager says");
    assert!(no_room || am_starting, "not explained:\n{}", term.stderr);
    assert!(term.stderr.contains(&format!("interrupted by SIGTERM: YARN application {id} KILLED")), "{}", term.stderr);
    assert!(term.stderr.contains("it was waiting: application "), "the exit message does not say why it waited:\n{}", term.stderr);
    assert_eq!(yarn_state(&id), "KILLED");
    // A long PySpark job from this machine, RUNNING with its executors, interrupted the same way.
    let sleeper = std::env::temp_dir().join(format!("bdprov-yarn-sleeper-{}.py", std::process::id()));
    std::fs::write(
        &sleeper,
        "import time\nfrom pyspark.sql import SparkSession\nspark = SparkSession.builder.appName('Sleeper').getOrCreate()\nspark.sparkContext.parallelize(range(2), 2).foreach(lambda _: time.sleep(600))\n",
    )
    .unwrap();
    let known = yarn_apps().len();
    let job = crate::common::spawn_bdprov(&["submit", "--cluster", CLUSTER, "yarn", "--py", sleeper.to_str().unwrap()]);
    let id = eventually("the PySpark application RUNNING with an executor", Duration::from_secs(150), || {
        let (id, _, _) = yarn_apps().into_iter().skip(known).find(|(_, state, _)| state == "RUNNING")?;
        let app = get_json(&format!("{RM}/ws/v1/cluster/apps/{id}"))?;
        (app["app"]["runningContainers"].as_i64()? >= 2).then_some(id)
    });
    // Its application master (the driver) and executor run the kit's `java`
    // in the NodeManager's image: each maps the archive made at image build.
    let nodemanager = format!("{CLUSTER}_nodemanager");
    for (class, archive) in [
        ("org.apache.spark.deploy.yarn.ApplicationMaster", "/opt/spark/cds/org.apache.spark.deploy.SparkSubmit.jsa"),
        (
            "org.apache.spark.executor.YarnCoarseGrainedExecutorBackend",
            "/opt/spark/cds/org.apache.spark.executor.CoarseGrainedExecutorBackend.jsa",
        ),
    ] {
        // Seen here: a JVM just started maps the JDK's own archive before the kit's.
        until_ok(&format!("{class} mapping {archive}"), Duration::from_secs(60), || {
            let jvms = crate::common::jvm_archives(&nodemanager, "1000", class);
            (!jvms.is_empty() && jvms.iter().all(|j| j.contains(archive)), format!("{jvms:?}"))
        });
    }
    let term = crate::common::signal_and_wait(job, "TERM");
    assert_eq!(term.code, 143, "exit code after SIGTERM:\n{}", term.stderr);
    assert!(term.stderr.contains(&format!("YARN application {id} KILLED")), "{}", term.stderr);
    assert_eq!(yarn_state(&id), "KILLED");
    let left = crate::common::services_labelled(&format!("bdprov.cluster={CLUSTER}"));
    assert!(!left.iter().any(|n| n.contains("_job-")), "a job service was left: {left:?}");
    let _ = std::fs::remove_file(&sleeper);
}

fn down_then_up_keeps_the_namespace(sum: &str) {
    // down, then up: the NameNode keeps its namespace (same cluster id) and the file.
    let cluster_id = jmx("NameNodeInfo").unwrap()["ClusterId"].as_str().unwrap().to_string();
    bdprov(&["down", CLUSTER]).ok();
    assert!(get_json(&format!("{NN}/jmx")).is_none(), "the NameNode still answers after down");
    bdprov_env(UP, LOCAL).ok();
    assert_eq!(jmx("NameNodeInfo").unwrap()["ClusterId"].as_str(), Some(cluster_id.as_str()), "the NameNode was formatted again");
    assert_eq!(status_of("/e2e/file").and_then(|s| s["length"].as_u64()), Some(6_000_000), "the file is gone after down/up");
    assert_eq!(checksum("/e2e/file"), sum);
}

/// The NameNode's web port taken by another service: it moves, and the
/// probes and `status` follow it (the hdfs-paths hook works on the overlay).
#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_hdfs_namenode_port_taken_hooks_follow_the_remap() {
    let _serial = crate::common::swarm_lock();
    let cluster = "e2e-remap";
    let _ = docker(&["service", "rm", "e2e-remap-outsider"]);
    let outsider = docker(&[
        "service",
        "create",
        "-d",
        "--name",
        "e2e-remap-outsider",
        "--restart-condition",
        "none",
        "--publish",
        "mode=host,target=9999,published=29990",
        &image(),
        "sleep",
        "600",
    ]);
    assert_eq!(outsider.code, 0, "{}", outsider.stderr);
    let args = [
        "up",
        "hdfs",
        "--name",
        cluster,
        "--set",
        "namenode-web.ports.http.published=29990",
        "--set",
        "datanode.replicas=1",
        "--set",
        "values.hdfs_site[dfs.replication]=1",
        "--set",
        "values.hadoop_heap=384m",
    ];
    let up = up_fresh(cluster, &args, LOCAL);
    let said = format!("{}{}", up.stdout, up.stderr);
    assert!(said.contains("published on") && said.contains("instead of 29990") && said.contains("e2e-remap-outsider"), "{said}");
    assert!(said.contains("/user/spark created"), "the hdfs-paths hook did not make its paths:\n{said}");
    let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", cluster, "--output", "json"]).ok().stdout).unwrap();
    let nn = st["roles"].as_array().unwrap().iter().find(|r| r["role"] == "namenode-web").unwrap();
    let url = nn["urls"][0].as_str().unwrap().to_string();
    assert_ne!(url, "http://127.0.0.1:29990/", "{st:#}");
    assert!(
        get_json(&format!("{url}jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo")).is_some(),
        "the NameNode does not answer at {url}"
    );
    // A second `up` keeps the port it got and changes nothing.
    let again = bdprov_env(&args, LOCAL).ok();
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);
    bdprov(&["down", cluster, "--volumes"]).ok();
    let _ = docker(&["service", "rm", "e2e-remap-outsider"]);
}
