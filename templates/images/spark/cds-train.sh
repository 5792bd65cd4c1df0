#!/bin/bash
# Image build: one training run of each Spark JVM the kit's blueprints start
# (master, worker, history server, the launcher, spark-submit with SparkPi on
# the standalone master, and its executor), each writing its class-data
# archive when it exits (BDPROV_CDS=dump, see `java`). The archives belong
# to this image: the jars and the JVM they were made from are its inputs
# (the kit's input hash).
set -euo pipefail
cds=/opt/spark/cds
export BDPROV_CDS=dump SPARK_NO_DAEMONIZE=1 SPARK_DAEMON_MEMORY=256m SPARK_LOCAL_IP=127.0.0.1 HOME=/tmp
# The archive's class path: every jar, in a fixed order (a directory's
# listing order is not fixed across file systems).
find /opt/spark/jars -maxdepth 1 -name '*.jar' | LC_ALL=C sort | paste -sd: > "$cds/classpath"
events=$(mktemp -d)
log=$(mktemp -d)
wait_for() { # URL PYTHON-CONDITION-ON-j
  for _ in $(seq 1 240); do
    if curl -fsS --max-time 2 "$1" 2>/dev/null | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "cds-train: $1 never answered ($2)" >&2; cat "$log"/* >&2; return 1
}
cd /opt/spark
bin/spark-class org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 8080 >"$log/master" 2>&1 & master=$!
wait_for http://127.0.0.1:8080/json/ 'j["status"] == "ALIVE"'
bin/spark-class org.apache.spark.deploy.worker.Worker --cores 1 --memory 512m --webui-port 8081 spark://127.0.0.1:7077 >"$log/worker" 2>&1 & worker=$!
wait_for http://127.0.0.1:8080/json/ 'j["aliveworkers"] == 1'
SPARK_HISTORY_OPTS="-Dspark.history.fs.logDirectory=file://$events" \
  bin/spark-class org.apache.spark.deploy.history.HistoryServer >"$log/history" 2>&1 & history=$!
wait_for http://127.0.0.1:18080/api/v1/applications 'isinstance(j, list)'
bin/spark-submit --master spark://127.0.0.1:7077 --conf spark.executor.memory=512m --conf spark.driver.memory=512m \
  --conf spark.eventLog.enabled=true --conf "spark.eventLog.dir=file://$events" \
  examples/src/main/python/pi.py 4 2>"$log/submit" | grep '^Pi is roughly'
wait_for http://127.0.0.1:18080/api/v1/applications 'len(j) == 1'
# The executor writes its archive as it exits, after the application ends.
for _ in $(seq 1 120); do
  pgrep -f org.apache.spark.executor.CoarseGrainedExecutorBackend > /dev/null || break
  sleep 0.5
done
# SIGTERM: each daemon exits through the JVM's shutdown, which writes its archive.
kill -TERM "$history" "$worker" "$master"
wait "$history" "$worker" "$master" || true
rm -rf "$events" "$log" /opt/spark/work /tmp/spark-* /tmp/hsperfdata_* 2>/dev/null || true
for c in org.apache.spark.deploy.master.Master org.apache.spark.deploy.worker.Worker org.apache.spark.deploy.history.HistoryServer \
  org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit org.apache.spark.executor.CoarseGrainedExecutorBackend; do
  [ -s "$cds/$c.jsa" ] || { echo "cds-train: no archive for $c" >&2; exit 1; }
done
chmod 0644 "$cds"/*.jsa "$cds/classpath"
ls -l "$cds"
