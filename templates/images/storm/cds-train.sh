#!/bin/bash
# Image build: one training run of each Storm JVM the kit's blueprint starts
# -- nimbus, a supervisor, the UI, a logviewer, a topology's worker and its
# LogWriter, the ConfigValue lookups every `storm` command makes, and
# `storm kill` -- on a one-node cluster in this build container (ZooKeeper
# in process: `storm dev-zookeeper`), each JVM writing its class-data
# archive when it exits (BDPROV_CDS=dump, see `java`). The archives belong
# to this image: the jars and the JVM they were made from are its inputs.
set -euo pipefail
cds=/apache-storm/cds
work=$(mktemp -d)
export BDPROV_CDS=dump STORM_CONF_DIR=$work/conf HOME=$work
mkdir -p "$work/conf" "$work/data" "$work/logs"
# As the blueprint's storm.yaml, on this container, with small heaps. The
# supervisor gives a stopped worker time to write its archive before it
# would kill it.
cat > "$work/conf/storm.yaml" <<YAML
storm.zookeeper.servers: ["127.0.0.1"]
storm.zookeeper.port: 2181
dev.zookeeper.path: "$work/zookeeper"
nimbus.seeds: ["127.0.0.1"]
storm.local.hostname: "127.0.0.1"
storm.local.dir: "$work/data"
storm.log.dir: "$work/logs"
ui.port: 8080
logviewer.port: 8000
supervisor.slots.ports: [6700]
nimbus.childopts: "-Xmx256m"
ui.childopts: "-Xmx256m"
supervisor.childopts: "-Xmx256m"
logviewer.childopts: "-Xmx256m"
worker.heap.memory.mb: 256
worker.childopts: "-Xmx%HEAP-MEM%m -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=artifacts/heapdump"
supervisor.worker.shutdown.sleep.secs: 60
topology.metrics.reporters:
  - class: org.apache.storm.metrics2.reporters.JmxStormReporter
    report.period: 10
    report.period.units: SECONDS
YAML
fail() {
  echo "cds-train: $*" >&2
  tail -n 40 "$work"/out.* "$work"/logs/*.log "$work"/logs/workers-artifacts/*/*/worker.log >&2 2>/dev/null || true
  exit 1
}
wait_for() { # WHAT COMMAND...
  local what=$1
  shift
  for _ in $(seq 1 240); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  fail "$what never came"
}
json() { # URL PYTHON-CONDITION-ON-j
  curl -fsS --max-time 5 "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($2) else 1)"
}
cd /apache-storm
# One ConfigValue alone first: it writes its archive, every later run maps it.
storm localconfvalue storm.zookeeper.servers > "$work/out.confvalue" 2>&1 || fail "storm localconfvalue"
storm dev-zookeeper > "$work/out.zookeeper" 2>&1 & zk=$!
wait_for ZooKeeper nc -z 127.0.0.1 2181
storm nimbus > "$work/out.nimbus" 2>&1 & nimbus=$!
wait_for nimbus nc -z 127.0.0.1 6627
storm supervisor > "$work/out.supervisor" 2>&1 & supervisor=$!
storm ui > "$work/out.ui" 2>&1 & ui=$!
wait_for "the UI and its supervisor" json http://127.0.0.1:8080/api/v1/cluster/summary 'j["supervisors"] == 1'
storm logviewer > "$work/out.logviewer" 2>&1 & logviewer=$!
wait_for logviewer curl -fsS --max-time 5 http://127.0.0.1:8000/api/v1/listLogs
storm jar "$cds/train.jar" CdsTrain cds-train > "$work/out.submit" 2>&1 || fail "storm jar"
wait_for "the worker's tuples" sh -c "grep -qs 'Emitting.*words' $work/logs/workers-artifacts/*/6700/worker.log"
# The pages the kit's checks and users read: the UI's and the logviewer's code paths.
id=$(curl -fsS --max-time 5 http://127.0.0.1:8080/api/v1/topology/summary | python3 -c 'import json,sys; print(json.load(sys.stdin)["topologies"][0]["id"])')
curl -fsS --max-time 20 "http://127.0.0.1:8080/api/v1/topology/$id" > /dev/null || fail "the topology's page"
curl -fsS --max-time 20 "http://127.0.0.1:8080/api/v1/topology/$id/component/words" > /dev/null || fail "the spout's page"
log=$(curl -fsS --max-time 20 "http://127.0.0.1:8000/api/v1/log?file=$id/6700/worker.log") || fail "the logviewer"
[[ $log == *Emitting* ]] || fail "the worker's log through the logviewer"
storm kill cds-train -w 1 > "$work/out.kill" 2>&1 || fail "storm kill"
# The supervisor stops the worker with SIGTERM: the worker, then its
# LogWriter, exit and write their archives.
worker_gone() { ! pgrep -f 'org[.]apache[.]storm[.](daemon[.]worker[.]Worker|LogWriter)'; }
wait_for "the worker's exit" worker_gone
# SIGTERM: each daemon exits through the JVM's shutdown, which writes its archive.
stop() { # PID...
  kill -TERM "$@"
  for pid in "$@"; do
    wait_for "the exit of $pid" sh -c "! kill -0 $pid"
    wait "$pid" || true
  done
}
stop "$logviewer" "$ui" "$supervisor" "$nimbus"
stop "$zk"
for c in org.apache.storm.daemon.nimbus.Nimbus org.apache.storm.daemon.supervisor.Supervisor org.apache.storm.daemon.ui.UIServer \
  org.apache.storm.daemon.logviewer.LogviewerServer org.apache.storm.command.ConfigValue org.apache.storm.command.KillTopology \
  org.apache.storm.LogWriter org.apache.storm.daemon.worker.Worker; do
  [ -s "$cds/$c.jsa" ] || fail "no archive for $c"
done
rm -rf "$work" /tmp/hsperfdata_* 2>/dev/null || true
chmod 0644 "$cds"/*.jsa "$cds"/*.classpath
ls -l "$cds"
