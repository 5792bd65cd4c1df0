#!/usr/bin/env bash
# bdprov benchmark for the headline cluster, spark-hdfs-yarn (HDFS + YARN +
# Spark standalone + history server on HDFS), all measured in this one run:
#   (a) command → all ready: `bdprov up spark-hdfs-yarn --images local` vs
#       `docker stack deploy` of its own compose export
#       (`bdprov render --format compose`), polled with the same checks:
#       NameNode out of safe mode with 3 datanodes in service, the
#       ResourceManager STARTED with 2 active NodeManagers, the Spark master
#       ALIVE with 2 workers, the history server answering. The stack has no
#       hooks, so the baseline also makes the HDFS paths the history server
#       needs (`docker exec` of `hdfs dfs`, as the tutorials do by hand) once
#       the NameNode is up; bdprov's time also includes uploading Spark's jars
#       and a Java runtime to HDFS for YARN jobs, which the baseline skips.
#   (b) the whole cluster's memory once ready: the sum of its containers'
#       resident memory (cgroup v1 memory.stat total_rss), for both.
#   (c) the machine's busy CPU time from the command to ready (/proc/stat):
#       CPU time / cores is the least a start can take on this machine.
#   bdprov runs twice per round: with the kit's class-data archives (the
#   default) and with them switched off (BDPROV_CDS=off in every Hadoop and
#   Spark role), so their gain is measured, not assumed.
# Prints medians and the ratios (archives on/off, bdprov/baseline).
#
# Needs a running swarm and the offline images: run ./scripts/setup.sh first.
# Usage: bench/hadoop.sh [ROUNDS]   (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
NAME=${BENCH_NAME:-benchhy}
NN=${BENCH_NN:-39870} RM=${BENCH_RM:-38088} UI=${BENCH_UI:-38081} HS=${BENCH_HS:-38181}
SETS=(--name "$NAME" --images local
  --set "namenode-web.ports.http.published=$NN" --set "resourcemanager-web.ports.http.published=$RM"
  --set "master.ports.ui.published=$UI" --set "history.ports.ui.published=$HS")
OFF=()
for r in namenode datanode resourcemanager nodemanager master worker history; do OFF+=(--set "$r.env.BDPROV_CDS=off"); done
# shellcheck source=bench/lib.sh
. bench/lib.sh

json_check() { # URL PYTHON-EXPRESSION-ON-j
  curl -fsS --max-time 2 "$1" 2>/dev/null | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null
}

namenode_up() {
  json_check "http://127.0.0.1:$NN/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo" 'j["beans"][0]["Safemode"] == ""'
}

# The same checks bdprov's probes make, from the outside.
cluster_ready() {
  namenode_up &&
    json_check "http://127.0.0.1:$NN/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState" 'j["beans"][0]["NumInServiceLiveDataNodes"] == 3' &&
    json_check "http://127.0.0.1:$RM/ws/v1/cluster/info" 'j["clusterInfo"]["state"] == "STARTED"' &&
    json_check "http://127.0.0.1:$RM/ws/v1/cluster/metrics" 'j["clusterMetrics"]["activeNodes"] == 2' &&
    json_check "http://127.0.0.1:$UI/json/" 'j["status"] == "ALIVE" and j["aliveworkers"] == 2' &&
    curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$HS/api/v1/applications" 2>/dev/null
}

# What a person does by hand after `docker stack deploy`: the history dir and friends.
make_paths() {
  local nn
  nn=$(docker ps -q --filter "label=com.docker.swarm.service.name=${NAME}_namenode" | head -1)
  docker exec "$nn" sh -c 'hdfs dfs -mkdir -p /spark/history /tmp /user/spark /spark/lib &&
    hdfs dfs -chmod 1777 /spark/history /tmp && hdfs dfs -chown spark /user/spark' >/dev/null
}

teardown() {
  "$BDPROV" down "$NAME" --volumes >/dev/null 2>&1 || true
  docker stack rm "$NAME" >/dev/null 2>&1 || true
  wait_gone
  docker secret rm "${NAME}_spark-auth" >/dev/null 2>&1 || true
  docker volume ls -q --filter "name=^${NAME}_" | xargs -r docker volume rm >/dev/null 2>&1 || true
}

"$BDPROV" render spark-hdfs-yarn "${SETS[@]}" --format compose --out "$STACK_DIR" 2>/dev/null
teardown

# One bdprov round: up (timed), memory, busy CPU. Prints "UP MEM CPU".
bdprov_round() {
  local t0 t1 c0 c1 up
  t0=$(now) c0=$(busy_cpu)
  "$BDPROV" up spark-hdfs-yarn "${SETS[@]}" "$@" >/dev/null 2>"$OUT/hadoop-up.log"
  t1=$(now) c1=$(busy_cpu)
  cluster_ready || { echo "bdprov up returned but the cluster is not ready" >&2; exit 1; }
  up=$(elapsed "$t0" "$t1")
  sleep 5
  echo "$up $(cluster_rss "bdprov.cluster=$NAME") $(elapsed "$c0" "$c1")"
  teardown
}

echo "== spark-hdfs-yarn: command → all ready, $ROUNDS rounds of: bdprov (archives on), bdprov (archives off), stack deploy; load $(cut -d' ' -f1-3 /proc/loadavg)"
UP=() OFF_UP=() STACK=() MEM_B=() MEM_OFF=() MEM_S=() CPU_B=() CPU_OFF=() CPU_S=()
for i in $(seq 1 "$ROUNDS"); do
  read -r u m c <<<"$(bdprov_round)"
  UP+=("$u") MEM_B+=("$m") CPU_B+=("$c")
  read -r u m c <<<"$(bdprov_round "${OFF[@]}")"
  OFF_UP+=("$u") MEM_OFF+=("$m") CPU_OFF+=("$c")

  # The export names the cluster's secret as external: made by hand, as its header says.
  openssl rand -hex 32 | docker secret create "${NAME}_spark-auth" - >/dev/null
  t0=$(now) c0=$(busy_cpu)
  docker stack deploy -c "$STACK_DIR/compose.yaml" "$NAME" >/dev/null 2>&1
  until namenode_up; do sleep 0.25; done
  make_paths
  until cluster_ready; do sleep 0.25; done
  t1=$(now) c1=$(busy_cpu)
  STACK+=("$(elapsed "$t0" "$t1")") CPU_S+=("$(elapsed "$c0" "$c1")")
  sleep 5
  MEM_S+=("$(cluster_rss "com.docker.stack.namespace=$NAME")")
  teardown
  echo "  round $i: bdprov up ${UP[-1]}s (archives off ${OFF_UP[-1]}s), stack deploy + hand steps + polling ${STACK[-1]}s;" \
    "cluster RSS ${MEM_B[-1]} / off ${MEM_OFF[-1]} / stack ${MEM_S[-1]} MiB;" \
    "busy CPU ${CPU_B[-1]} / off ${CPU_OFF[-1]} / stack ${CPU_S[-1]} s; load $(cut -d' ' -f1 /proc/loadavg)"
done

python3 - "$(median "${UP[@]}")" "$(median "${OFF_UP[@]}")" "$(median "${STACK[@]}")" \
  "$(median "${MEM_B[@]}")" "$(median "${MEM_OFF[@]}")" "$(median "${MEM_S[@]}")" "$ROUNDS" \
  "$(median "${CPU_B[@]}")" "$(median "${CPU_OFF[@]}")" "$(median "${CPU_S[@]}")" "$(nproc)" <<'PY' | tee "$OUT/hadoop-summary.txt"
import sys
on, off, st, mon, moff, mst, n, con, coff, cst, cores = map(float, sys.argv[1:])
print(f"medians of {n:.0f}:")
print(f"(a) up spark-hdfs-yarn → ready: archives on {on:.2f}s  off {off:.2f}s  stack deploy {st:.2f}s   on/off {on / off:.2f}  on/stack {on / st:.2f}  off/stack {off / st:.2f}")
print(f"(b) whole cluster RSS once ready: archives on {mon:.0f} MiB  off {moff:.0f} MiB  stack deploy {mst:.0f} MiB  on/stack {mon / mst:.2f}")
print(f"(c) machine busy CPU, command → ready: archives on {con:.1f}s  off {coff:.1f}s  stack deploy {cst:.1f}s;"
      f" on {cores:.0f} cores the least a start can take is CPU / cores: {con / cores:.1f}s (on), {cst / cores:.1f}s (stack)")
PY
