//! End to end on a real swarm: spark-standalone with the offline images.
//!
//! One test, because the steps build on each other (and the machine has two
//! cores): up → status → submit → history → up again → scale → down.

use std::time::Duration;

use crate::common::{bdprov, bdprov_env, docker, eventually, get_json};

const CLUSTER: &str = "e2e-spark";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];
/// Ports of their own, so a cluster a user runs on 8080/18080 does not get in the way.
const UP: &[&str] =
    &["up", "spark-standalone", "--name", CLUSTER, "--set", "master.ports.ui.published=28080", "--set", "history.ports.ui.published=28180"];

fn service_versions() -> Vec<String> {
    let ids = docker(&["service", "ls", "-q", "--filter", &format!("label=bdprov.cluster={CLUSTER}")]).ok_stdout();
    let mut v: Vec<String> = ids
        .lines()
        .map(|id| docker(&["service", "inspect", "--format", "{{.Spec.Name}}={{.Version.Index}}", id]).ok_stdout().trim().to_string())
        .collect();
    v.sort();
    v
}

trait OkStdout {
    fn ok_stdout(self) -> String;
}

impl OkStdout for crate::common::Run {
    fn ok_stdout(self) -> String {
        self.ok().stdout
    }
}

fn alive_workers() -> Option<u64> {
    get_json("http://127.0.0.1:28080/json/").and_then(|j| j["aliveworkers"].as_u64())
}

/// A jar with a manifest and nothing else: any class in it is missing.
fn empty_jar() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("bdprov-empty-{}.jar", std::process::id()));
    let script = format!(
        "import zipfile\nwith zipfile.ZipFile({:?}, 'w') as z:\n    z.writestr('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\\n')\n",
        path.to_str().unwrap()
    );
    let ok = std::process::Command::new("python3").args(["-c", &script]).status().expect("python3 runs").success();
    assert!(ok);
    path
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_spark_standalone_lifecycle() {
    let _serial = crate::common::swarm_lock();
    // Leftovers of an earlier, interrupted run.
    let _ = bdprov(&["down", CLUSTER, "--volumes"]);
    let _ = docker(&["service", "rm", "e2e-outsider"]);
    let outsider = docker(&[
        "service",
        "create",
        "-d",
        "--name",
        "e2e-outsider",
        "--restart-condition",
        "none",
        "--publish",
        "mode=host,target=9999,published=28999",
        "bdprov/spark:4.3.0",
        "sleep",
        "3600",
    ]);
    assert_eq!(outsider.code, 0, "{}", outsider.stderr);

    refused_before_anything_is_created();
    up_returns_when_every_worker_is_alive();
    jobs_run_and_refusals_come_first();
    a_second_up_changes_only_what_changed();
    // scale worker=3: a third worker ALIVE in the master; the master cannot be scaled.
    bdprov(&["scale", CLUSTER, "worker=3"]).ok();
    assert_eq!(alive_workers(), Some(3), "scale returned before the third worker was ALIVE");
    let refused = bdprov(&["scale", CLUSTER, "master=2"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("cannot be scaled"), "{}", refused.stderr);

    // down: no service of the cluster left, volumes kept, the outsider untouched.
    let down = bdprov(&["down", CLUSTER]).ok();
    assert!(down.stdout.contains("kept volumes"), "{}", down.stdout);
    let left = docker(&["service", "ls", "-q", "--filter", &format!("label=bdprov.cluster={CLUSTER}")]).ok_stdout();
    assert!(left.trim().is_empty(), "services left: {left}");
    let vols = docker(&["volume", "ls", "-q", "--filter", &format!("label=bdprov.cluster={CLUSTER}")]).ok_stdout();
    assert!(vols.contains(&format!("{CLUSTER}_events")), "volumes: {vols}");
    assert_eq!(docker(&["service", "inspect", "e2e-outsider"]).code, 0, "bdprov removed a service it does not own");

    // down --volumes on a cluster that is already down removes its volumes.
    bdprov(&["down", CLUSTER, "--volumes"]).ok();
    let vols = docker(&["volume", "ls", "-q", "--filter", &format!("label=bdprov.cluster={CLUSTER}")]).ok_stdout();
    assert!(vols.trim().is_empty(), "volumes left: {vols}");
    let _ = docker(&["service", "rm", "e2e-outsider"]);
}

fn refused_before_anything_is_created() {
    // Refused before anything is created: a fixed port another service publishes, an image that is not built.
    // (The web UIs remap when taken; a fixed port is refused.)
    let taken = bdprov_env(
        &[
            "up",
            "spark-standalone",
            "--name",
            "e2e-refused",
            "--set",
            "master.ports.ui.published=28999",
            "--set",
            "master.ports.ui.remap=false",
        ],
        LOCAL,
    );
    assert_eq!(taken.code, 2, "{}", taken.stderr);
    assert!(taken.stderr.contains("port 28999 is already published by service `e2e-outsider`"), "{}", taken.stderr);
    let missing =
        bdprov(&["up", "spark-standalone", "--name", "e2e-refused", "--images", "local", "--set", "images.spark.local=bdprov/spark:0.0.0"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("image bdprov/spark:0.0.0 is not built") && missing.stderr.contains("bdprov images build spark"),
        "{}",
        missing.stderr
    );
    let created = docker(&["service", "ls", "-q", "--filter", "label=bdprov.cluster=e2e-refused"]).ok_stdout();
    assert!(created.trim().is_empty(), "a refused up created services: {created}");
    assert!(docker(&["network", "inspect", "e2e-refused-net"]).code != 0, "a refused up created its network");
}

fn up_returns_when_every_worker_is_alive() {
    // up: returns only when the master lists both workers ALIVE and the history server answers.
    let up = bdprov_env(UP, LOCAL).ok();
    assert!(up.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}", up.stdout);
    assert_eq!(alive_workers(), Some(2), "up returned before both workers were ALIVE");
    assert!(get_json("http://127.0.0.1:28180/api/v1/applications").is_some(), "history server not answering after up");
    for role in ["master", "worker", "history"] {
        assert!(up.stderr.contains(role), "no progress line for {role}:\n{}", up.stderr);
    }

    // status --output json: 2 ready workers, with nodes and UI URLs.
    let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", CLUSTER, "--output", "json"]).ok_stdout()).unwrap();
    assert_eq!(st["ready"], true, "{st:#}");
    let worker = st["roles"].as_array().unwrap().iter().find(|r| r["role"] == "worker").unwrap();
    assert_eq!(
        (worker["desired"].as_u64(), worker["running"].as_u64(), worker["ready"].as_u64()),
        (Some(2), Some(2), Some(2)),
        "{worker:#}"
    );
    assert_eq!(worker["tasks"].as_array().unwrap().len(), 2);
    assert!(worker["tasks"][0]["node"].as_str().is_some_and(|n| !n.is_empty() && n != "-"));
    let master = st["roles"].as_array().unwrap().iter().find(|r| r["role"] == "master").unwrap();
    assert_eq!(master["urls"][0], "http://127.0.0.1:28080/");
}

fn jobs_run_and_refusals_come_first() {
    // submit spark-pi: the result line, exit 0.
    // With a second cluster running, commands without a cluster name ask for one.
    bdprov(&["up", "registry", "--name", "e2e-second", "--images", "local", "--set", "registry.ports.http.published=25000"]).ok();
    let ambiguous = bdprov(&["submit", "spark-pi"]);
    assert_eq!(ambiguous.code, 2, "{}", ambiguous.stderr);
    assert!(ambiguous.stderr.contains("e2e-second") && ambiguous.stderr.contains("name the one you mean"), "{}", ambiguous.stderr);
    bdprov(&["down", "e2e-second", "--volumes"]).ok();

    let pi = bdprov(&["submit", "--cluster", CLUSTER, "spark-pi", "--slices", "4"]);
    assert_eq!(pi.code, 0, "spark-pi failed:\n{}\n{}", pi.stdout, pi.stderr);
    let line = pi.stdout.lines().find(|l| l.starts_with("Pi is roughly")).unwrap_or_else(|| panic!("no result line:\n{}", pi.stdout));
    let value: f64 = line.trim_start_matches("Pi is roughly").trim().parse().unwrap();
    assert!((value - std::f64::consts::PI).abs() < 0.1, "{line}");

    // SIGTERM (as `timeout` or a CI runner sends it) ends a job like Ctrl-C:
    // its service is removed, and nothing keeps holding the cluster's cores.
    let sleeper = std::env::temp_dir().join(format!("bdprov-sleeper-{}.py", std::process::id()));
    std::fs::write(&sleeper, "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n").unwrap();
    let job = crate::common::spawn_bdprov(&["submit", "--cluster", CLUSTER, "spark", "--py", sleeper.to_str().unwrap()]);
    let jobs = format!("bdprov.cluster={CLUSTER}");
    let running = || {
        let names = crate::common::services_labelled(&jobs);
        names.iter().any(|n| n.contains("_job-")).then_some(names)
    };
    eventually("the job's service to exist", Duration::from_secs(60), running);
    std::thread::sleep(Duration::from_secs(3));
    let term = crate::common::signal_and_wait(job, "TERM");
    assert_eq!(term.code, 143, "exit code after SIGTERM:\n{}", term.stderr);
    assert!(term.stderr.contains("interrupted by SIGTERM: job ") && term.stderr.contains(" removed"), "{}", term.stderr);
    let left = crate::common::services_labelled(&jobs);
    assert!(!left.iter().any(|n| n.contains("_job-")), "the job's service was left running: {left:?}");
    let _ = std::fs::remove_file(&sleeper);

    // Job memory Spark would refuse, or no worker could hold, is refused before anything runs.
    let small = bdprov(&["submit", "--cluster", CLUSTER, "spark-pi", "--executor-memory", "300m"]);
    assert_eq!(small.code, 2, "{}", small.stderr);
    assert!(small.stderr.contains("--executor-memory: 300m is below Spark's minimum executor memory of 450m"), "{}", small.stderr);
    let big = bdprov(&["submit", "--cluster", CLUSTER, "spark-pi", "--executor-memory", "2g"]);
    assert_eq!(big.code, 2, "{}", big.stderr);
    assert!(big.stderr.contains("more than a worker offers (1g)"), "{}", big.stderr);
    let sized =
        bdprov(&["submit", "--cluster", CLUSTER, "spark-pi", "--slices", "2", "--executor-memory", "768m", "--driver-memory", "600m"]);
    assert_eq!(sized.code, 0, "spark-pi with its own memory failed:\n{}\n{}", sized.stdout, sized.stderr);
    assert!(sized.stdout.contains("Pi is roughly"), "{}", sized.stdout);

    // A Python application from this machine, uploaded to the job.
    let app = bdprov(&["submit", "--cluster", CLUSTER, "spark", "--py", "examples/jobs/sum_squares.py", "--", "7"]);
    assert_eq!(app.code, 0, "{}\n{}", app.stdout, app.stderr);
    assert!(app.stdout.contains("sum of squares 1..7 = 140"), "{}", app.stdout);

    // A job that fails exits non-zero.
    let jar = empty_jar();
    let bad = bdprov(&["submit", "--cluster", CLUSTER, "spark", "--class", "org.example.DoesNotExist", "--jar", jar.to_str().unwrap()]);
    assert_ne!(bad.code, 0, "a missing class must fail the job:\n{}", bad.stdout);
    assert!(bad.stderr.contains("DoesNotExist"), "the job's error should be shown:\n{}", bad.stderr);
    let _ = std::fs::remove_file(jar);

    // The history server lists the finished application.
    let apps = eventually("finished applications in the history server", Duration::from_secs(60), || {
        let apps = get_json("http://127.0.0.1:28180/api/v1/applications")?;
        let names: Vec<String> = apps.as_array()?.iter().filter_map(|a| a["name"].as_str().map(String::from)).collect();
        names.iter().any(|n| n == "PythonPi").then_some(apps)
    });
    let pi_app = apps.as_array().unwrap().iter().find(|a| a["name"] == "PythonPi").unwrap();
    assert_eq!(pi_app["attempts"][0]["completed"], true, "{pi_app:#}");
}

fn a_second_up_changes_only_what_changed() {
    // up again, unchanged: no changes, no service version moves.
    let before = service_versions();
    let again = bdprov_env(UP, LOCAL).ok();
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);
    assert_eq!(service_versions(), before, "an unchanged up must not update services");

    // A changed config value rolls only the services that mount that file.
    let changed = bdprov_env(&[UP, &["--set", "values.executor_memory=768m"]].concat(), LOCAL).ok();
    assert!(!changed.stdout.contains("no changes"), "{}", changed.stdout);
    let after = service_versions();
    let version = |all: &[String], svc: &str| all.iter().find(|v| v.starts_with(&format!("{CLUSTER}_{svc}="))).cloned();
    assert_ne!(version(&after, "history"), version(&before, "history"), "history mounts spark-defaults.conf: it must roll");
    assert_eq!(version(&after, "master"), version(&before, "master"), "master does not mount it: untouched");
    assert_eq!(version(&after, "worker"), version(&before, "worker"), "workers do not mount it: untouched");
}

/// `up --dry-run` on a cluster that is not there, unchanged, and after a
/// `--set`; then `submit` refused at once when no worker can run an executor.
#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_spark_dry_run_and_submit_preflight() {
    const C: &str = "e2e-preflight";
    let _serial = crate::common::swarm_lock();
    let _ = bdprov(&["down", C, "--volumes"]);
    let up: &[&str] = &[
        "up",
        "spark-standalone",
        "--name",
        C,
        "--set",
        "worker.replicas=1",
        "--set",
        "master.ports.ui.published=28380",
        "--set",
        "history.ports.ui.published=28480",
    ];
    let versions = || {
        let ids = docker(&["service", "ls", "-q", "--filter", &format!("label=bdprov.cluster={C}")]).ok_stdout();
        let mut v: Vec<String> = ids
            .lines()
            .map(|id| docker(&["service", "inspect", "--format", "{{.Spec.Name}}={{.Version.Index}}", id]).ok_stdout().trim().to_string())
            .collect();
        v.sort();
        v
    };

    // Not there: every object is a create, and nothing is created.
    let fresh = bdprov_env(&[up, &["--dry-run"]].concat(), LOCAL);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    for line in [
        format!("create  network  {C}-net"),
        format!("create  service  {C}_master (1 replicas)"),
        format!("create  service  {C}_worker (1 replicas)"),
    ] {
        assert!(fresh.stdout.contains(&line), "missing `{line}`:\n{}", fresh.stdout);
    }
    assert!(versions().is_empty(), "a dry run created services: {:?}", versions());
    assert_ne!(docker(&["network", "inspect", &format!("{C}-net")]).code, 0, "a dry run created the network");

    let started = bdprov_env(up, LOCAL);
    assert_eq!(started.code, 0, "{}\n{}", started.stdout, started.stderr);
    let before = versions();
    assert_eq!(before.len(), 3, "{before:?}");

    // Unchanged: no changes.
    let same = bdprov_env(&[up, &["--dry-run"]].concat(), LOCAL);
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert!(same.stdout.contains(": no changes"), "{}", same.stdout);
    assert!(!same.stdout.contains("update") && !same.stdout.contains("create"), "{}", same.stdout);

    // A --set: the updates, with the field that differs; nothing touched.
    let changed = bdprov_env(&[up, &["--set", "values.daemon_heap=300m", "--dry-run"]].concat(), LOCAL);
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    assert!(changed.stdout.contains(&format!("update  service  {C}_master (1 replicas, rolling)")), "{}", changed.stdout);
    assert!(changed.stdout.contains("\"SPARK_DAEMON_MEMORY=256m\" → \"SPARK_DAEMON_MEMORY=300m\""), "{}", changed.stdout);
    assert_eq!(versions(), before, "a dry run changed a service spec");

    // No worker: `submit spark-pi` is refused at once, with the numbers and the fix, and leaves no job.
    bdprov(&["scale", C, "worker=0"]).ok();
    let t = std::time::Instant::now();
    let refused = bdprov(&["submit", "--cluster", C, "spark-pi"]);
    assert_eq!(refused.code, 2, "{}\n{}", refused.stdout, refused.stderr);
    assert!(t.elapsed() < Duration::from_secs(20), "the refusal took {:?}", t.elapsed());
    // Right after the scale the master may still list the stopped worker ALIVE: the swarm's tasks count.
    assert!(refused.stderr.contains(&format!("error: cluster {C} runs no `worker` task")), "{}", refused.stderr);
    assert!(refused.stderr.contains(&format!("`bdprov scale {C} worker=N`")), "{}", refused.stderr);
    let jobs = docker(&["service", "ls", "-q", "--filter", &format!("name={C}_job")]).ok_stdout();
    assert!(jobs.trim().is_empty(), "a job service was left: {jobs}");

    // Back to one worker (1g): an executor of 2g is refused with both numbers; 512m runs.
    bdprov(&["scale", C, "worker=1"]).ok();
    let big = bdprov(&["submit", "--cluster", C, "spark-pi", "--executor-memory", "1536m"]);
    assert_eq!(big.code, 2, "{}", big.stderr);
    let pi = bdprov(&["submit", "--cluster", C, "spark-pi", "--slices", "2"]);
    assert_eq!(pi.code, 0, "{}\n{}", pi.stdout, pi.stderr);

    bdprov(&["down", C, "--volumes"]).ok();
}
