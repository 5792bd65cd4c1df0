#!/usr/bin/env bash
# bdprov benchmark, all measured in this one run on this machine:
#   (a) command → all ready: `bdprov up spark-standalone` vs `docker stack deploy`
#       of the equivalent compose file (from `bdprov render --format compose`),
#       polled with the same readiness checks (master ALIVE with every worker
#       ALIVE, history server answering);
#   (b) command → result: `bdprov submit spark-pi` vs a hand-made
#       `docker service create --restart-condition none` job polled to completion.
# Prints medians and the ratios bdprov/baseline (targets: a ≤ 1.0, b ≤ 1.1),
# and bdprov's peak memory during `up`.
#
# Needs a running swarm and the offline images: run ./scripts/setup.sh first.
# Usage: bench/run.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
NAME=${BENCH_NAME:-bench}
UI=${BENCH_UI:-38080}
HS=${BENCH_HS:-38180}
SETS=(--name "$NAME" --images local --set "master.ports.ui.published=$UI" --set "history.ports.ui.published=$HS")
# shellcheck source=bench/lib.sh
. bench/lib.sh

"$BDPROV" render spark-standalone "${SETS[@]}" --format compose --out "$STACK_DIR" 2>/dev/null
teardown

echo "== (a) command → all ready, $ROUNDS rounds each (alternating)"
UP=()
STACK=()
MEM=()
for i in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  /usr/bin/time -f '%M' -o "$OUT/mem.txt" "$BDPROV" up spark-standalone "${SETS[@]}" >/dev/null 2>"$OUT/up.log"
  t1=$(now)
  cluster_ready || { echo "bdprov up returned but the cluster is not ready" >&2; exit 1; }
  UP+=("$(elapsed "$t0" "$t1")")
  MEM+=("$(cat "$OUT/mem.txt")")
  teardown

  # The export names the cluster's secret as external: made by hand, as its header says.
  openssl rand -hex 32 | docker secret create "${NAME}_spark-auth" - >/dev/null
  t0=$(now)
  docker stack deploy -c "$STACK_DIR/compose.yaml" "$NAME" >/dev/null 2>&1
  until cluster_ready; do sleep 0.25; done
  t1=$(now)
  STACK+=("$(elapsed "$t0" "$t1")")
  teardown
  echo "  round $i: bdprov up ${UP[-1]}s (peak RSS ${MEM[-1]} KiB), stack deploy + polling ${STACK[-1]}s"
done

echo "== (b) command → SparkPi result, $ROUNDS rounds each"
"$BDPROV" up spark-standalone "${SETS[@]}" >/dev/null 2>&1
CONFIG=$(docker config ls --filter "label=bdprov.cluster=$NAME" --format '{{.Name}}' | grep spark-defaults | head -1)
HISTORY_NODE=$(docker service ps "${NAME}_history" --filter desired-state=running --format '{{.Node}}' | head -1)
SUBMIT=()
HAND=()
for i in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  "$BDPROV" submit --cluster "$NAME" spark-pi --slices 10 >"$OUT/pi.out" 2>/dev/null
  t1=$(now)
  grep -q '^Pi is roughly' "$OUT/pi.out" || { echo "bdprov submit gave no result" >&2; exit 1; }
  SUBMIT+=("$(elapsed "$t0" "$t1")")

  job="${NAME}_hand-pi-$i"
  t0=$(now)
  docker service create -d --name "$job" --restart-condition none --network "${NAME}-net" \
    --constraint "node.hostname==$HISTORY_NODE" \
    --config "source=$CONFIG,target=/opt/spark/conf/spark-defaults.conf" \
    --mount "type=volume,source=${NAME}_events,target=/tmp/spark-events" \
    --secret "source=${NAME}_spark-auth,target=spark-auth,uid=185,gid=185,mode=0400" \
    -e HOME=/tmp bdprov/spark:4.3.0 \
    sh -c 'exec /opt/spark/bin/spark-submit --master spark://master:7077 --conf spark.authenticate=true \
      --conf "spark.authenticate.secret=$(cat /run/secrets/spark-auth)" /opt/spark/examples/src/main/python/pi.py 10' >/dev/null 2>&1
  until docker service ps "$job" --format '{{.CurrentState}}' 2>/dev/null | grep -qE '^(Complete|Failed)'; do sleep 0.25; done
  t1=$(now)
  docker service logs "$job" 2>/dev/null | grep -q 'Pi is roughly' || { echo "hand-made job gave no result" >&2; exit 1; }
  HAND+=("$(elapsed "$t0" "$t1")")
  docker service rm "$job" >/dev/null
  echo "  round $i: bdprov submit ${SUBMIT[-1]}s, docker service create + polling ${HAND[-1]}s"
done
teardown

A_B=$(median "${UP[@]}")
A_S=$(median "${STACK[@]}")
B_B=$(median "${SUBMIT[@]}")
B_S=$(median "${HAND[@]}")
MEM_MAX=$(printf '%s\n' "${MEM[@]}" | sort -n | tail -1)
python3 - "$A_B" "$A_S" "$B_B" "$B_S" "$MEM_MAX" <<'PY' | tee "$OUT/summary.txt"
import sys
ab, a_s, bb, bs, mem = map(float, sys.argv[1:])
print(f"(a) up → ready:      bdprov {ab:.2f}s  vs  stack deploy {a_s:.2f}s   ratio {ab / a_s:.2f}  (target ≤ 1.0)")
print(f"(b) submit → result: bdprov {bb:.2f}s  vs  service create {bs:.2f}s  ratio {bb / bs:.2f}  (target ≤ 1.1)")
print(f"bdprov peak RSS during up: {mem / 1024:.1f} MiB")
PY
