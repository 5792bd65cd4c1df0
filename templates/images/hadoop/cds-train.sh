#!/bin/bash
# Image build: one training run of each Hadoop JVM the kit's blueprints
# start (NameNode, DataNode, JournalNode, ResourceManager, NodeManager, and
# the clients bdprov's hooks, decommission and signal handling run: FsShell,
# DFSAdmin, yarn's ApplicationCLI), on a one-host cluster in temporary
# folders, each writing its class-data archive when it exits
# (BDPROV_CDS=dump, see hadoop-launcher.sh). The archives belong to this
# image: the jars and the JVM they were made from are its inputs (the kit's
# input hash). The ZKFC of a NameNode pair has none: it needs a ZooKeeper
# ensemble and a nameservice, and starts beside a NameNode that is already
# up, off the path to a ready cluster.
set -euo pipefail
cds=$HADOOP_HOME/cds
s=$HADOOP_HOME/share/hadoop
# The archive's class path: the jars of the launcher's class path, folder
# by folder in its order, each folder's in a fixed order (a listing's order
# is not fixed across file systems), no folder (the dump refuses non-empty
# ones ahead of the jars).
for d in common/lib common hdfs/lib hdfs yarn/lib yarn mapreduce/lib mapreduce; do
  [ ! -d "$s/$d" ] || find "$s/$d" -maxdepth 1 -name '*.jar' | LC_ALL=C sort
done | paste -sd: > "$cds/classpath"

work=$(mktemp -d)
conf=$work/conf
log=$work/log
mkdir -p "$conf" "$log"
cp "$HADOOP_CONF_DIR/log4j.properties" "$HADOOP_CONF_DIR/capacity-scheduler.xml" "$conf/"
site() { # FILE NAME=VALUE...
  local f=$1 kv
  shift
  { echo '<?xml version="1.0"?><configuration>'
    for kv in "$@"; do echo "<property><name>${kv%%=*}</name><value>${kv#*=}</value></property>"; done
    echo '</configuration>'; } > "$conf/$f"
}
site core-site.xml fs.defaultFS=hdfs://127.0.0.1:8020 "hadoop.tmp.dir=$work/tmp"
site hdfs-site.xml "dfs.namenode.name.dir=$work/name" "dfs.datanode.data.dir=$work/data" \
  "dfs.journalnode.edits.dir=$work/journal" dfs.replication=1 dfs.namenode.safemode.extension=0 \
  dfs.datanode.address=127.0.0.1:9866 dfs.datanode.http.address=127.0.0.1:9864 dfs.datanode.ipc.address=127.0.0.1:9867
site yarn-site.xml yarn.resourcemanager.hostname=127.0.0.1 yarn.nodemanager.resource.memory-mb=1024 \
  yarn.nodemanager.resource.cpu-vcores=1 "yarn.nodemanager.local-dirs=$work/nm-local" "yarn.nodemanager.log-dirs=$work/nm-log" \
  yarn.nodemanager.disk-health-checker.enable=false
site mapred-site.xml
export HADOOP_CONF_DIR=$conf HADOOP_LOG_DIR=$log HADOOP_HEAPSIZE_MAX=256m

wait_for() { # URL PYTHON-CONDITION-ON-j
  for _ in $(seq 1 240); do
    if curl -fsS --max-time 2 "$1" 2>/dev/null | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "cds-train: $1 never answered ($2)" >&2; tail -n 40 "$log"/*.out >&2; return 1
}
daemon() { # NAME COMMAND...: in the background, trained
  local name=$1
  shift
  BDPROV_CDS=dump "$@" > "$log/$name.out" 2>&1 &
}

# The format is not the daemon's work: it runs untrained.
BDPROV_CDS=off hdfs namenode -format -nonInteractive > "$log/format.out" 2>&1
pids=()
daemon namenode hdfs namenode; pids+=($!)
wait_for 'http://127.0.0.1:9870/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus' 'j["beans"][0]["State"] == "active"'
daemon datanode hdfs datanode; pids+=($!)
daemon journalnode hdfs journalnode; pids+=($!)
daemon resourcemanager yarn resourcemanager; pids+=($!)
wait_for 'http://127.0.0.1:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState' 'j["beans"][0]["NumLiveDataNodes"] == 1'
wait_for http://127.0.0.1:8480/jmx 'len(j["beans"]) > 0'
wait_for http://127.0.0.1:8088/ws/v1/cluster/info 'j["clusterInfo"]["state"] == "STARTED"'
daemon nodemanager yarn nodemanager; pids+=($!)
wait_for http://127.0.0.1:8088/ws/v1/cluster/metrics 'j["clusterMetrics"]["activeNodes"] == 1'
# Clients: the first run of each main class writes its archive; a write
# through the DataNode trains the most of FsShell.
echo trained > "$work/file"
BDPROV_CDS=dump hdfs dfs -put "$work/file" /trained > "$log/dfs.out" 2>&1
BDPROV_CDS=dump hdfs dfsadmin -report > "$log/dfsadmin.out" 2>&1
BDPROV_CDS=dump yarn application -list > "$log/application.out" 2>&1
[ "$(BDPROV_CDS=off hdfs dfs -cat /trained 2>/dev/null)" = trained ] || { echo "cds-train: HDFS did not keep the file" >&2; exit 1; }
# SIGTERM: each daemon exits through the JVM's shutdown, which writes its archive.
kill -TERM "${pids[@]}"
wait "${pids[@]}" || true
rm -rf "$work" /tmp/hsperfdata_* /tmp/hadoop-* /tmp/Jetty* 2>/dev/null || true
for c in org.apache.hadoop.hdfs.server.namenode.NameNode org.apache.hadoop.hdfs.server.datanode.DataNode \
  org.apache.hadoop.hdfs.qjournal.server.JournalNode org.apache.hadoop.yarn.server.resourcemanager.ResourceManager \
  org.apache.hadoop.yarn.server.nodemanager.NodeManager org.apache.hadoop.fs.FsShell org.apache.hadoop.hdfs.tools.DFSAdmin \
  org.apache.hadoop.yarn.client.cli.ApplicationCLI; do
  [ -s "$cds/$c.jsa" ] || { echo "cds-train: no archive for $c" >&2; exit 1; }
done
ls -l "$cds"
