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
#       the NameNode is up. (The kit's NodeManagers carry Spark's jars, so
#       neither uploads anything for YARN jobs.)
#   (b) the whole cluster's memory once ready: the sum of its containers'
#       resident memory (cgroup v1 memory.stat total_rss), for both.
#   (c) the machine's busy CPU time from the command to ready (/proc/stat):
#       CPU time / cores is the least a start can take on this machine.
#   (d) `bdprov submit spark-pi --master yarn` → SUCCEEDED, on the cluster
#       just brought up (its first YARN application), then again.
#   bdprov runs four times per round, so each gain is measured, not assumed:
#   with the Hadoop daemons on the first JIT tier only (BDPROV_JIT=quick, the
#   kit's class-data archives); as it ships (archives, full JIT); with the
#   archives switched off too (BDPROV_CDS=off in every Hadoop and Spark role);
#   and quick without archives.
# Prints medians and the ratios (against each variant, bdprov/baseline).
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
OFF=() QUICK=()
for r in namenode datanode resourcemanager nodemanager master worker history; do OFF+=(--set "$r.env.BDPROV_CDS=off"); done
for r in namenode datanode resourcemanager nodemanager; do QUICK+=(--set "$r.env.BDPROV_JIT=quick"); done
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

# One bdprov round: up (timed), memory, busy CPU, two YARN SparkPis (timed).
# Prints "UP MEM CPU PI PI2".
bdprov_round() {
  local t0 t1 c0 c1 up mem p0 p1 p2
  t0=$(now) c0=$(busy_cpu)
  "$BDPROV" up spark-hdfs-yarn "${SETS[@]}" "$@" >/dev/null 2>"$OUT/hadoop-up.log"
  t1=$(now) c1=$(busy_cpu)
  cluster_ready || { echo "bdprov up returned but the cluster is not ready" >&2; exit 1; }
  up=$(elapsed "$t0" "$t1")
  sleep 5
  mem=$(cluster_rss "bdprov.cluster=$NAME")
  p0=$(now)
  "$BDPROV" submit --cluster "$NAME" spark-pi --master yarn >"$OUT/hadoop-pi.out" 2>&1
  p1=$(now)
  "$BDPROV" submit --cluster "$NAME" spark-pi --master yarn >"$OUT/hadoop-pi.out" 2>&1
  p2=$(now)
  grep -q 'finished: SUCCEEDED' "$OUT/hadoop-pi.out" || { echo "the YARN SparkPi did not succeed" >&2; exit 1; }
  echo "$up $mem $(elapsed "$c0" "$c1") $(elapsed "$p0" "$p1") $(elapsed "$p1" "$p2")"
  teardown
}

echo "== spark-hdfs-yarn: command → all ready, $ROUNDS rounds of: bdprov (first JIT tier), bdprov (as shipped), bdprov (archives off), bdprov (first tier, archives off), stack deploy; load $(cut -d' ' -f1-3 /proc/loadavg)"
VARIANTS=(quick shipped nocds quick_nocds)
declare -A UP MEM CPU PI PI2
for i in $(seq 1 "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    case $v in
      quick) extra=("${QUICK[@]}") ;;
      shipped) extra=() ;;
      nocds) extra=("${OFF[@]}") ;;
      quick_nocds) extra=("${OFF[@]}" "${QUICK[@]}") ;;
    esac
    read -r u m c p q <<<"$(bdprov_round "${extra[@]}")"
    UP[$v]+="$u " MEM[$v]+="$m " CPU[$v]+="$c " PI[$v]+="$p " PI2[$v]+="$q "
    echo "  round $i, bdprov $v: up ${u}s, RSS $m MiB, busy CPU ${c}s; YARN SparkPi ${p}s, again ${q}s; load $(cut -d' ' -f1 /proc/loadavg)"
  done

  # The export names the cluster's secret as external: made by hand, as its header says.
  openssl rand -hex 32 | docker secret create "${NAME}_spark-auth" - >/dev/null
  t0=$(now) c0=$(busy_cpu)
  docker stack deploy -c "$STACK_DIR/compose.yaml" "$NAME" >/dev/null 2>&1
  until namenode_up; do sleep 0.25; done
  make_paths
  until cluster_ready; do sleep 0.25; done
  t1=$(now) c1=$(busy_cpu)
  UP[stack]+="$(elapsed "$t0" "$t1") " CPU[stack]+="$(elapsed "$c0" "$c1") "
  sleep 5
  MEM[stack]+="$(cluster_rss "com.docker.stack.namespace=$NAME") "
  teardown
  echo "  round $i, stack deploy + hand steps + polling: $(echo "${UP[stack]}" | awk '{print $NF}')s, RSS $(echo "${MEM[stack]}" | awk '{print $NF}') MiB, busy CPU $(echo "${CPU[stack]}" | awk '{print $NF}')s"
done

# shellcheck disable=SC2086  # each entry is a list of figures
python3 - "$ROUNDS" "$(nproc)" \
  "$(median ${UP[quick]})" "$(median ${UP[shipped]})" "$(median ${UP[nocds]})" "$(median ${UP[quick_nocds]})" "$(median ${UP[stack]})" \
  "$(median ${MEM[quick]})" "$(median ${MEM[shipped]})" "$(median ${MEM[nocds]})" "$(median ${MEM[quick_nocds]})" "$(median ${MEM[stack]})" \
  "$(median ${CPU[quick]})" "$(median ${CPU[shipped]})" "$(median ${CPU[nocds]})" "$(median ${CPU[quick_nocds]})" "$(median ${CPU[stack]})" \
  "$(median ${PI[quick]})" "$(median ${PI[shipped]})" "$(median ${PI[nocds]})" "$(median ${PI[quick_nocds]})" \
  "$(median ${PI2[quick]})" "$(median ${PI2[shipped]})" "$(median ${PI2[nocds]})" "$(median ${PI2[quick_nocds]})" <<'PY' | tee "$OUT/hadoop-summary.txt"
import sys
n, cores = map(float, sys.argv[1:3])
f = list(map(float, sys.argv[3:]))
up, mem, cpu, pi, pi2 = f[0:5], f[5:10], f[10:15], f[15:19], f[19:23]
names = ["first tier", "as shipped", "archives off", "first tier no archives"]
def row(what, xs, unit, fmt):
    print(f"{what}: " + "  ".join(f"{k} {x:{fmt}}{unit}" for k, x in zip(names + ["stack deploy"], xs)))
print(f"medians of {n:.0f}:")
row("(a) up spark-hdfs-yarn → ready", up, "s", ".2f")
print(f"    first tier / as shipped {up[0] / up[1]:.2f};  as shipped / archives off {up[1] / up[2]:.2f};  / stack: first tier {up[0] / up[4]:.2f}, as shipped {up[1] / up[4]:.2f}")
row("(b) whole cluster RSS once ready", mem, " MiB", ".0f")
row("(c) machine busy CPU, command → ready", cpu, "s", ".1f")
print(f"    on {cores:.0f} cores the least a start can take is CPU / cores: {cpu[0] / cores:.1f}s on the first tier, {cpu[1] / cores:.1f}s as shipped, {cpu[4] / cores:.1f}s for the stack")
row("(d) submit spark-pi --master yarn → SUCCEEDED, first", pi, "s", ".2f")
print(f"    first tier / as shipped {pi[0] / pi[1]:.2f}")
row("    and again", pi2, "s", ".2f")
print(f"    first tier / as shipped {pi2[0] / pi2[1]:.2f}")
PY
