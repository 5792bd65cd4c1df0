//! End to end on a real swarm: every Spark JVM of the kit maps the
//! class-data archive its image was built with (no silent fallback to
//! reading the jars), the executors included, and jobs still give the same
//! results.
//!
//! `-Xshare:auto` runs without an archive it cannot use and says nothing, so
//! the proof is the running process's own memory map: the archive's file is
//! mapped by the daemon (PID 1 of its container: the entrypoints `exec` down
//! to the JVM), and by the driver `submit` starts (the parent of the Python
//! program it runs).

use crate::common::{assert_archives_mapped, bdprov, up_fresh};

const CLUSTER: &str = "s-e2e-cds";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_cds_every_spark_jvm_maps_its_archive() {
    let _serial = crate::common::swarm_lock();
    up_fresh(
        CLUSTER,
        &[
            "up",
            "spark-standalone",
            "--name",
            CLUSTER,
            "--set",
            "master.ports.ui.published=29080",
            "--set",
            "history.ports.ui.published=29180",
        ],
        LOCAL,
    );

    let service = |role: &str| format!("{CLUSTER}_{role}");
    assert_archives_mapped(
        "/opt/spark/cds",
        "185",
        &[
            (service("master"), "org.apache.spark.deploy.master.Master", 1),
            (service("worker"), "org.apache.spark.deploy.worker.Worker", 2),
            (service("history"), "org.apache.spark.deploy.history.HistoryServer", 1),
        ],
    );

    // The driver: a job that reports what its JVM (its parent process) maps,
    // and computes something that can be checked.
    let job = std::env::temp_dir().join(format!("bdprov-cds-{}.py", std::process::id()));
    std::fs::write(
        &job,
        "import os\nfrom pyspark.sql import SparkSession\n\
         maps = open(f'/proc/{os.getppid()}/maps').read()\n\
         print('driver maps SparkSubmit archive:', 'org.apache.spark.deploy.SparkSubmit.jsa' in maps)\n\
         def executor_maps(_):\n\
         \x20   pid = os.getpid()\n\
         \x20   while pid > 1:\n\
         \x20       if b'CoarseGrainedExecutorBackend' in open(f'/proc/{pid}/cmdline', 'rb').read():\n\
         \x20           return 'CoarseGrainedExecutorBackend.jsa' in open(f'/proc/{pid}/maps').read()\n\
         \x20       pid = int(next(l.split()[1] for l in open(f'/proc/{pid}/status') if l.startswith('PPid:')))\n\
         \x20   return 'no executor JVM above the task'\n\
         s = SparkSession.builder.getOrCreate()\n\
         print('sum of squares:', s.sparkContext.parallelize(range(1000), 4).map(lambda x: x * x).sum())\n\
         print('executors map their archive:', sorted(set(map(str, s.sparkContext.parallelize(range(4), 4).map(executor_maps).collect()))))\n\
         s.stop()\n",
    )
    .unwrap();
    let run = bdprov(&["submit", "--cluster", CLUSTER, "spark", "--py", job.to_str().unwrap()]);
    let _ = std::fs::remove_file(&job);
    assert_eq!(run.code, 0, "job failed:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("driver maps SparkSubmit archive: True"), "{}", run.stdout);
    assert!(run.stdout.contains("sum of squares: 332833500"), "{}", run.stdout);
    // Each task walks up to the executor JVM that runs it (the Python
    // worker's ancestors) and reads its memory map.
    assert!(run.stdout.contains("executors map their archive: ['True']"), "{}", run.stdout);

    let pi = bdprov(&["submit", "--cluster", CLUSTER, "spark-pi", "--slices", "4"]);
    assert_eq!(pi.code, 0, "spark-pi failed:\n{}\n{}", pi.stdout, pi.stderr);
    let line = pi.stdout.lines().find(|l| l.starts_with("Pi is roughly")).unwrap_or_else(|| panic!("no result line:\n{}", pi.stdout));
    let value: f64 = line.trim_start_matches("Pi is roughly").trim().parse().unwrap();
    assert!((value - std::f64::consts::PI).abs() < 0.1, "{line}");

    bdprov(&["down", CLUSTER, "--volumes"]).ok();
}
