//! The rendered site files, read by Hadoop's own `Configuration` (from the
//! Hadoop client jars the offline Spark image carries), hold what the
//! blueprint and `--set` say: well-formed, escaped, one value per property.

use std::collections::BTreeMap;

use crate::common::{bdprov, docker, write};

const IMAGE: &str = "bdprov/spark:4.3.0";

/// Loads the files named after the first argument into one Configuration
/// (no defaults) and prints the asked keys.
const CHECK: &str = r#"
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").appName("conf-check").config("spark.ui.enabled", "false").getOrCreate()
jvm = spark._jvm
conf = jvm.org.apache.hadoop.conf.Configuration(False)
for f in sys.argv[2:]:
    conf.addResource(jvm.org.apache.hadoop.fs.Path(f))
for key in sys.argv[1].split(","):
    print("CONF %s=%s" % (key, conf.get(key)))
spark.stop()
"#;

#[test]
#[ignore = "needs the Docker engine: scripts/test.sh runs it"]
fn hadoop_reads_the_rendered_site_files() {
    let dir = std::env::temp_dir().join(format!("bdprov-hadoop-conf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let tricky = r#"a&b<c>"d'e"#;
    bdprov(&[
        "render",
        "spark-hdfs-yarn",
        "--format",
        "compose",
        "--out",
        dir.to_str().unwrap(),
        "--set",
        "values.hdfs_site[dfs.blocksize]=64m",
        "--set",
        &format!("values.core_site[bdprov.check]={tricky}"),
        "--set",
        "values.hdfs_site[dfs.webhdfs.enabled]=",
    ])
    .ok();
    write(&dir.join("check.py"), CHECK.as_bytes());
    let mut files: Vec<String> = std::fs::read_dir(dir.join("configs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("-site-"))
        .map(|n| format!("/check/configs/{n}"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "core, hdfs, yarn and mapred site files: {files:?}");

    let keys = [
        "fs.defaultFS",
        "dfs.replication",
        "dfs.blocksize",
        "dfs.webhdfs.enabled",
        "dfs.namenode.datanode.registration.ip-hostname-check",
        "yarn.resourcemanager.hostname",
        "yarn.nodemanager.resource.memory-mb",
        "mapreduce.framework.name",
        "bdprov.check",
    ];
    let mount = format!("{}:/check:ro", dir.display());
    let mut args = vec![
        "run",
        "--rm",
        "-e",
        "HOME=/tmp",
        "-v",
        &mount,
        IMAGE,
        "/opt/spark/bin/spark-submit",
        "--master",
        "local[1]",
        "/check/check.py",
    ];
    let joined = keys.join(",");
    args.push(&joined);
    args.extend(files.iter().map(String::as_str));
    let run = docker(&args);
    assert_eq!(run.code, 0, "Hadoop could not read the rendered files:\n{}\n{}", run.stdout, run.stderr);
    let seen: BTreeMap<&str, &str> = run.stdout.lines().filter_map(|l| l.strip_prefix("CONF ")).filter_map(|l| l.split_once('=')).collect();
    let want = BTreeMap::from([
        ("fs.defaultFS", "hdfs://namenode:8020"),
        ("dfs.replication", "2"),
        ("dfs.blocksize", "64m"),
        // A null in --set drops the property.
        ("dfs.webhdfs.enabled", "None"),
        ("dfs.namenode.datanode.registration.ip-hostname-check", "false"),
        ("yarn.resourcemanager.hostname", "resourcemanager"),
        ("yarn.nodemanager.resource.memory-mb", "2048"),
        ("mapreduce.framework.name", "yarn"),
        ("bdprov.check", tricky),
    ]);
    assert_eq!(seen, want, "stdout:\n{}", run.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}
