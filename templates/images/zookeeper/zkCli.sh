#!/bin/bash
# ZooKeeper's command-line client: zkCli.sh -server HOST:PORT [command …]
exec java -Dzookeeper.root.logger=WARN,CONSOLE -cp "$ZOO_CONF_DIR:/usr/share/java/zookeeper.jar" $CLIENT_JVMFLAGS \
  org.apache.zookeeper.ZooKeeperMain "$@"
