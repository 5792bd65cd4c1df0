#!/bin/bash
# Image build: one training run of ZooKeeper (a one-member ensemble, as the
# blueprints run it: quorum code, leader election, the Prometheus metrics
# provider, four-letter words), writing its class-data archive when it
# exits (BDPROV_CDS=dump, see zkServer.sh). The archive belongs to this
# image: the jars and the JVM it was made from are its inputs.
set -euo pipefail
cds=/usr/share/zookeeper/cds
work=$(mktemp -d)
mkdir -p "$work/data"
echo 1 > "$work/data/myid"
cat > "$work/zoo.cfg" <<CFG
dataDir=$work/data
tickTime=2000
initLimit=5
syncLimit=2
standaloneEnabled=false
admin.enableServer=false
4lw.commands.whitelist=srvr,mntr,ruok
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
metricsProvider.httpPort=7000
server.1=127.0.0.1:2888:3888;2181
CFG
cp /conf/log4j.properties "$work/"
BDPROV_CDS=dump ZOO_CONF_DIR=$work ZOO_LOG_DIR=$work JVMFLAGS=-Xmx128m zkServer.sh start-foreground > "$work/out" 2>&1 & zk=$!
for _ in $(seq 1 120); do
  if echo srvr | nc -w 2 127.0.0.1 2181 2>/dev/null | grep -q '^Mode: leader'; then break; fi
  sleep 0.5
done
echo srvr | nc -w 2 127.0.0.1 2181 | grep -q '^Mode: leader' || { echo "cds-train: ZooKeeper never led" >&2; cat "$work/out" >&2; exit 1; }
echo mntr | nc -w 2 127.0.0.1 2181 > /dev/null
curl -fsS --max-time 5 http://127.0.0.1:7000/metrics > /dev/null
# SIGTERM: the JVM's shutdown writes the archive.
kill -TERM "$zk"
wait "$zk" || true
rm -rf "$work" /tmp/hsperfdata_* 2>/dev/null || true
[ -s "$cds/org.apache.zookeeper.server.quorum.QuorumPeerMain.jsa" ] || { echo "cds-train: no archive for ZooKeeper" >&2; exit 1; }
chmod 0644 "$cds"/*
ls -l "$cds"
