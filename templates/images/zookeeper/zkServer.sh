#!/bin/bash
# `zkServer.sh start-foreground`, as in the official image (JVMFLAGS honoured).
# The classpath adds the Prometheus metrics provider the image carries, and
# the servlet API its HTTP endpoint needs (Debian's zookeeper.jar lists
# Jetty in its manifest but not the API).
set -e
case "${1:-start-foreground}" in
  start-foreground) ;;
  *) echo "this image runs ZooKeeper in the foreground only: zkServer.sh start-foreground" >&2; exit 2 ;;
esac
cp="/usr/share/java/zookeeper.jar:/usr/share/java/servlet-api.jar:/usr/share/zookeeper/prometheus/*"
main=org.apache.zookeeper.server.quorum.QuorumPeerMain
# Class-data sharing: the archive made at image build (cds-train.sh) maps
# ZooKeeper's classes parsed and verified. It holds only if the class path
# it was made with (its jars, in a fixed order, no folder) is a prefix of
# the JVM's: that list goes first, the configuration folder after it.
# BDPROV_CDS=off runs without it; BDPROV_CDS=dump is the image build's
# training run.
cds=/usr/share/zookeeper/cds archive=/usr/share/zookeeper/cds/$main.jsa
share=() prefix=""
case ${BDPROV_CDS:-on} in
  off) ;;
  dump) share=("-XX:ArchiveClassesAtExit=$archive") ;;
  *) [ -r "$archive" ] && share=("-XX:SharedArchiveFile=$archive" -Xshare:auto) ;;
esac
[ ${#share[@]} -eq 0 ] || prefix="$(cat "$cds/classpath"):"
# shellcheck disable=SC2086  # JVMFLAGS is word-split, as in ZooKeeper's scripts
exec java "${share[@]}" -Dzookeeper.log.dir="$ZOO_LOG_DIR" -Dzookeeper.root.logger=INFO,CONSOLE \
  -cp "$prefix$ZOO_CONF_DIR:$cp" $JVMFLAGS \
  $main "$ZOO_CONF_DIR/zoo.cfg"
