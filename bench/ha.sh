#!/usr/bin/env bash
# bdprov HA figures, all measured in this one run:
#   (a) time to ready and whole-cluster memory (sum of the containers'
#       resident memory once ready) of spark-hdfs-yarn-ha against
#       spark-hdfs-yarn (the control), both `bdprov up --images local`;
#   (b) for each pair, kill of the active member's container → the first
#       client request that succeeds after it, against the same request with
#       nothing failing (the control, measured just before), median of
#       ROUNDS: HDFS a write (`hdfs dfs -put` in a DataNode's container),
#       YARN a SparkPi submitted with `--master yarn` (through both
#       ResourceManagers), Spark standalone a SparkPi, Storm (storm-ha) the
#       UI naming a leading nimbus again.
# Between rounds the pair is made whole again (the killed member back as a
# ready standby), as `bdprov status` says.
#
# Needs a running swarm and the offline images: run ./scripts/setup.sh first.
# Usage: bench/ha.sh [ROUNDS [PAIR…]]   (default 3 rounds, every pair:
#        namenode resourcemanager master nimbus; (a) runs with any of the
#        first three)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PAIRS=("${@:2}")
[ ${#PAIRS[@]} -gt 0 ] || PAIRS=(namenode resourcemanager master nimbus)
want() { [[ " ${PAIRS[*]} " == *" $1 "* ]]; }
# shellcheck source=bench/lib.sh
. bench/lib.sh

HA=benchha PLAIN=benchplain STORM=benchstormha
WEB=(--set "master.ports.ui.published=38080" --set "history.ports.ui.published=38180"
  --set "namenode-web.ports.http.published=39870" --set "resourcemanager-web.ports.http.published=38088")
HA_SETS=(--name "$HA" --images local "${WEB[@]}" --set "zookeeper-readonly.ports.client.published=32181")
PLAIN_SETS=(--name "$PLAIN" --images local "${WEB[@]}")
STORM_SETS=(--name "$STORM" --images local --set "zookeeper-readonly.ports.client.published=32181"
  --set "ui-web.ports.ui.published=38380" --set "logviewer-web.ports.http.published=38300")

teardown() { # CLUSTER
  "$BDPROV" down "$1" --volumes >/dev/null 2>&1 || true
  NAME=$1 wait_gone
}

# The pair of ROLE in `bdprov status CLUSTER`: "ACTIVE STANDBY" once it is
# whole (one active member, one ready standby), else nothing.
pair() { # CLUSTER ROLE
  "$BDPROV" status "$1" --output json 2>/dev/null | python3 -c '
import json, sys
st = json.load(sys.stdin)
p = [p for p in st.get("pairs", []) if p["role"] == sys.argv[1]]
if p and len(p[0]["active"]) == 1 and len(p[0]["standby"]) == 1:
    print(p[0]["active"][0], p[0]["standby"][0])' "$2" || true
}

whole() { # CLUSTER ROLE: wait until the pair is whole again, print it
  local p
  for _ in $(seq 1 600); do
    p=$(pair "$1" "$2")
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 1
  done
  echo "the $2 pair of $1 did not become whole again" >&2
  return 1
}

kill_member() { # CLUSTER MEMBER
  docker kill "$(docker ps -q --filter "label=com.docker.swarm.service.name=$1_$2" | head -1)" >/dev/null
}

# Run a command until it succeeds; print the seconds from START to then.
until_ok() { # START COMMAND…
  local t0=$1
  shift
  for _ in $(seq 1 300); do
    "$@" >/dev/null 2>&1 && { elapsed "$t0" "$(now)"; return 0; }
    sleep 0.5
  done
  echo "never succeeded: $*" >&2
  return 1
}

dn_exec() { docker exec "$(docker ps -q --filter "label=com.docker.swarm.service.name=${HA}_datanode" | head -1)" bash -c "$1"; }
hdfs_write() { dn_exec "hdfs dfs -put -f /etc/hostname /bench-ha-$RANDOM"; }
pi_yarn() { "$BDPROV" submit --cluster "$HA" spark-pi --master yarn --slices 2; }
pi_standalone() { "$BDPROV" submit --cluster "$HA" spark-pi --slices 2; }
storm_leader() {
  curl -fsS --max-time 2 http://127.0.0.1:38380/api/v1/nimbus/summary 2>/dev/null |
    python3 -c 'import json, sys; sys.exit(0 if any(n["status"] == "Leader" for n in json.load(sys.stdin)["nimbuses"]) else 1)'
}

# One pair: ROUNDS of (control request, kill of the active member → the
# first request that succeeds). Prints "role control_median failover_median".
measure() { # CLUSTER ROLE REQUEST
  local cluster=$1 role=$2 request=$3 active standby t0 c f
  local -a C=() F=()
  for i in $(seq 1 "$ROUNDS"); do
    read -r active standby <<<"$(whole "$cluster" "$role")"
    t0=$(now)
    c=$(until_ok "$t0" "$request")
    t0=$(now)
    kill_member "$cluster" "$active"
    f=$(until_ok "$t0" "$request")
    C+=("$c") F+=("$f")
    echo "  $role round $i: $active killed → $request ok after ${f}s (the same request, nothing failing: ${c}s)" >&2
  done
  whole "$cluster" "$role" >/dev/null
  echo "$role $(median "${C[@]}") $(median "${F[@]}")"
}

teardown "$HA"
teardown "$PLAIN"
teardown "$STORM"

RESULTS=()
UP_PLAIN=0 UP_HA=0 MEM_PLAIN=0 MEM_HA=0
if want namenode || want resourcemanager || want master; then
  echo "== (a) time to ready and memory: spark-hdfs-yarn-ha vs spark-hdfs-yarn (control)"
  t0=$(now)
  "$BDPROV" up spark-hdfs-yarn "${PLAIN_SETS[@]}" >/dev/null 2>"$OUT/ha-plain-up.log"
  UP_PLAIN=$(elapsed "$t0" "$(now)")
  sleep 5
  MEM_PLAIN=$(cluster_rss "bdprov.cluster=$PLAIN")
  teardown "$PLAIN"
  t0=$(now)
  "$BDPROV" up spark-hdfs-yarn-ha "${HA_SETS[@]}" >/dev/null 2>"$OUT/ha-up.log"
  UP_HA=$(elapsed "$t0" "$(now)")
  sleep 5
  MEM_HA=$(cluster_rss "bdprov.cluster=$HA")
  echo "  spark-hdfs-yarn ${UP_PLAIN}s ${MEM_PLAIN} MiB; spark-hdfs-yarn-ha ${UP_HA}s ${MEM_HA} MiB"

  echo "== (b) failover: kill of the active member → first successful client request, $ROUNDS rounds"
  dn_exec "hdfs dfs -mkdir -p /bench-ha" >/dev/null 2>&1 || true
  want namenode && RESULTS+=("$(measure "$HA" namenode hdfs_write)")
  want resourcemanager && RESULTS+=("$(measure "$HA" resourcemanager pi_yarn)")
  want master && RESULTS+=("$(measure "$HA" master pi_standalone)")
  teardown "$HA"
fi
if want nimbus; then
  "$BDPROV" up storm-ha "${STORM_SETS[@]}" >/dev/null 2>"$OUT/ha-storm-up.log"
  RESULTS+=("$(measure "$STORM" nimbus storm_leader)")
  teardown "$STORM"
fi

python3 - "$UP_PLAIN" "$UP_HA" "$MEM_PLAIN" "$MEM_HA" "${RESULTS[@]}" <<'PY' | tee "$OUT/ha-summary.txt"
import sys
up_p, up_h, mem_p, mem_h = map(float, sys.argv[1:5])
if up_p:
    print(f"(a) up → ready: spark-hdfs-yarn-ha {up_h:.1f}s vs spark-hdfs-yarn {up_p:.1f}s  ratio {up_h / up_p:.2f}")
    print(f"    whole-cluster RSS once ready: {mem_h:.0f} MiB vs {mem_p:.0f} MiB  ratio {mem_h / mem_p:.2f}")
what = {"namenode": "HDFS write", "resourcemanager": "SparkPi on YARN", "master": "SparkPi (standalone)", "nimbus": "nimbus leader in the UI"}
for r in sys.argv[5:]:
    role, control, failover = r.split()
    c, f = float(control), float(failover)
    print(f"(b) {role:15} {what[role]:24} after a kill of the active: {f:6.1f}s  nothing failing: {c:5.1f}s  failover cost {f - c:5.1f}s  ratio {f / c:.1f}")
PY
