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
exec java -Dzookeeper.log.dir="$ZOO_LOG_DIR" -Dzookeeper.root.logger=INFO,CONSOLE \
  -cp "$ZOO_CONF_DIR:/usr/share/java/zookeeper.jar:/usr/share/java/servlet-api.jar:/usr/share/zookeeper/prometheus/*" $JVMFLAGS \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZOO_CONF_DIR/zoo.cfg"
