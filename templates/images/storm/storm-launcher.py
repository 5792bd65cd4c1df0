#!/usr/bin/env python3
"""bdprov's `storm` command for the offline Storm image.

Storm's own bin/storm + storm.py are not published to Maven Central; this is
a small launcher written for bdprov that keeps their command-line contract:

  storm nimbus|supervisor|pacemaker [-c key=value ...] [--config FILE]
  storm jar TOPOLOGY-JAR MAIN-CLASS [args ...] [-c key=value ...] [--jars a.jar,b.jar]
  storm local TOPOLOGY-JAR MAIN-CLASS [args ...]
  storm list | kill NAME [-w SECS] | activate NAME | deactivate NAME
  storm rebalance NAME [-w SECS] [-n WORKERS] [-e COMPONENT=PARALLELISM]
  storm monitor NAME [-i SECS] [-m COMPONENT] [-s STREAM] [-w emitted|transferred]
  storm get-errors NAME | kill_workers | heartbeats ... | blobstore ... | admin ...
  storm set_log_level NAME -l LOGGER=LEVEL[:TIMEOUT] | upload-credentials NAME ...
  storm version | classpath | server_classpath
  storm localconfvalue KEY | remoteconfvalue KEY

`-c key=value` (any number, anywhere after the command) becomes
-Dstorm.options; `--config FILE` replaces $STORM_CONF_DIR/storm.yaml.
Daemons get their JVM options from <daemon>.childopts, then from the
environment variable STORM_DAEMON_JVM_OPTS (later -Xmx wins); `storm jar`
adds STORM_JAR_JVM_OPTS.

The web UI, the logviewer and DRPC live in storm-webapp, which is not on
Maven Central: `storm ui|logviewer|drpc` say so and exit with status 2.
"""

import os
import shlex
import subprocess
import sys
from urllib.parse import quote_plus

STORM_HOME = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
CONF_DIR = os.environ.get("STORM_CONF_DIR") or os.path.join(STORM_HOME, "conf")
USER_CONF_DIR = os.path.join(os.path.expanduser("~"), ".storm")
if not os.path.isfile(os.path.join(USER_CONF_DIR, "storm.yaml")):
    USER_CONF_DIR = CONF_DIR
LOG_DIR = os.environ.get("STORM_LOG_DIR") or os.path.join(STORM_HOME, "logs")
LOG4J2_DIR = os.path.join(STORM_HOME, "log4j2")
BIN_DIR = os.path.join(STORM_HOME, "bin")
JAVA = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"

DAEMONS = {
    # command: (main class, childopts key, log file)
    "nimbus": ("org.apache.storm.daemon.nimbus.Nimbus", "nimbus.childopts", "nimbus.log"),
    "supervisor": ("org.apache.storm.daemon.supervisor.Supervisor", "supervisor.childopts",
                   os.environ.get("STORM_SUPERVISOR_LOG_FILE", "supervisor.log")),
    "pacemaker": ("org.apache.storm.pacemaker.Pacemaker", "pacemaker.childopts", "pacemaker.log"),
}

# Commands that hand their remaining arguments to a Java class as they are.
PASSTHROUGH = {
    "kill": "org.apache.storm.command.KillTopology",
    "activate": "org.apache.storm.command.Activate",
    "deactivate": "org.apache.storm.command.Deactivate",
    "list": "org.apache.storm.command.ListTopologies",
    "rebalance": "org.apache.storm.command.Rebalance",
    "monitor": "org.apache.storm.command.Monitor",
    "get-errors": "org.apache.storm.command.GetErrors",
    "kill_workers": "org.apache.storm.command.KillWorkers",
    "heartbeats": "org.apache.storm.command.Heartbeats",
    "blobstore": "org.apache.storm.command.Blobstore",
    "admin": "org.apache.storm.command.AdminCommands",
    "set_log_level": "org.apache.storm.command.SetLogLevel",
    "upload-credentials": "org.apache.storm.command.UploadCredentials",
    "node-health-check": "org.apache.storm.command.HealthCheck",
}

NOT_IN_KIT = {
    "ui": "the Storm UI (org.apache.storm.daemon.ui.UIServer)",
    "logviewer": "the logviewer (org.apache.storm.daemon.logviewer.LogviewerServer)",
    "drpc": "the DRPC server (org.apache.storm.daemon.drpc.DRPCServer)",
    "drpc-client": "the DRPC client",
}


def die(msg, code=1):
    print("storm: " + msg, file=sys.stderr)
    sys.exit(code)


def wildcard(path):
    if os.path.isdir(path):
        return [os.path.join(path, "*")]
    if os.path.exists(path):
        return [path]
    return []


def classpath(extra, daemon=True, client=False):
    cp = wildcard(STORM_HOME)
    cp += wildcard(os.path.join(STORM_HOME, "lib-worker" if client else "lib"))
    cp += wildcard(os.path.join(STORM_HOME, "extlib"))
    if daemon:
        cp += wildcard(os.path.join(STORM_HOME, "extlib-daemon"))
    if os.environ.get("STORM_EXT_CLASSPATH"):
        cp.append(os.environ["STORM_EXT_CLASSPATH"])
    if daemon and os.environ.get("STORM_EXT_CLASSPATH_DAEMON"):
        cp.append(os.environ["STORM_EXT_CLASSPATH_DAEMON"])
    return os.pathsep.join(cp + list(extra))


class Common:
    """The options every command takes: -c key=value and --config FILE."""

    def __init__(self, argv, flags=()):
        self.options, self.config, self.rest, self.flags = [], "", [], {}
        i = 0
        while i < len(argv):
            a = argv[i]
            if a == "--":
                # Everything after `--` is the main class's, as with argparse.
                self.rest.extend(argv[i + 1:])
                break
            if a in ("-c", "-storm_config_opts", "--config") or a in flags:
                if i + 1 >= len(argv):
                    die(a + " needs a value")
                if a == "--config":
                    self.config = argv[i + 1]
                elif a in flags:
                    self.flags[a] = argv[i + 1]
                else:
                    self.options.append(argv[i + 1])
                i += 2
            elif a.startswith("--config="):
                self.config = a.split("=", 1)[1]
                i += 1
            else:
                self.rest.append(a)
                i += 1

    def jvm_props(self):
        return [
            "-Dstorm.options=" + ",".join(quote_plus(o) for o in self.options),
            "-Dstorm.conf.file=" + self.config,
        ]


def confvalue(common, key, extra, daemon=True):
    """Reads one config value (defaults.yaml + storm.yaml + -c) like Storm does."""
    cmd = [JAVA, "-client"] + common.jvm_props() + [
        "-cp", classpath(extra, daemon=daemon), "org.apache.storm.command.ConfigValue", key]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        if line.startswith("VALUE: "):
            value = line[len("VALUE: "):]
            return "" if value == "null" else value
    return ""


def run_java(klass, common, jvmtype="-client", jvmopts=(), extra=(), args=(), daemon=True, client=False,
             daemon_name=""):
    cmd = [JAVA, jvmtype, "-Ddaemon.name=" + daemon_name] + common.jvm_props() + [
        "-Dstorm.home=" + STORM_HOME,
        "-Dstorm.log.dir=" + LOG_DIR,
        "-cp", classpath(extra, daemon=daemon, client=client),
    ] + list(jvmopts) + [klass] + list(args)
    if os.environ.get("STORM_LAUNCHER_VERBOSE"):
        print("Running: " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
    sys.stdout.flush()
    try:
        os.execvp(cmd[0], cmd)
    except OSError as e:
        die("cannot run %s: %s" % (cmd[0], e), 127)


def daemon(name, argv):
    klass, childopts_key, logfile = DAEMONS[name]
    common = Common(argv)
    if common.rest:
        die("%s takes no arguments besides -c key=value and --config FILE (got %s)" % (name, " ".join(common.rest)))
    childopts = shlex.split(confvalue(common, childopts_key, [CONF_DIR]))
    jvmopts = childopts + shlex.split(os.environ.get("STORM_DAEMON_JVM_OPTS", "")) + [
        "-Djava.deserialization.disabled=true",
        "-Dlogfile.name=" + logfile,
        "-Dlog4j.configurationFile=" + os.path.join(LOG4J2_DIR, "cluster.xml"),
    ]
    run_java(klass, common, jvmtype="-server", jvmopts=jvmopts, extra=[CONF_DIR], daemon_name=name)


def jar(argv, local=False):
    common = Common(argv, flags=("--jars", "--artifacts", "--artifactRepositories", "--mavenLocalRepositoryDirectory",
                                 "--proxyUrl", "--proxyUsername", "--proxyPassword"))
    if "--artifacts" in common.flags:
        die("--artifacts needs storm-submit-tools (Maven resolution at submit time), which this offline image does "
            "not have: pass the jars with --jars a.jar,b.jar or build a shaded topology jar")
    server_cp = "--storm-server-classpath" in common.rest
    rest = [a for a in common.rest if a != "--storm-server-classpath"]
    if len(rest) < 2:
        die("usage: storm %s TOPOLOGY-JAR MAIN-CLASS [args ...]" % ("local" if local else "jar"))
    topology_jar, main_class, main_args = rest[0], rest[1], rest[2:]
    if not os.path.isfile(topology_jar):
        die("topology jar not found: " + topology_jar)
    local_jars = [j for j in common.flags.get("--jars", "").split(",") if j]
    jvmopts = shlex.split(os.environ.get("STORM_JAR_JVM_OPTS", "")) + [
        "-Dstorm.jar=" + topology_jar,
        "-Dstorm.dependency.jars=" + ",".join(local_jars),
        "-Dstorm.dependency.artifacts={}",
    ]
    extra = [topology_jar, USER_CONF_DIR, BIN_DIR] + local_jars
    if local:
        # LocalCluster lives in storm-server: the daemon classpath.
        jvmopts.append("-Dstorm.local.sleeptime=" + os.environ.get("STORM_LOCAL_TTL", "20"))
        run_java("org.apache.storm.LocalCluster", common, jvmopts=jvmopts, extra=extra,
                 args=[main_class] + main_args, daemon=False)
    run_java(main_class, common, jvmopts=jvmopts, extra=extra, args=main_args, daemon=False,
             client=not server_cp)


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0 if argv else 1
    cmd, rest = argv[0], argv[1:]
    if cmd in DAEMONS:
        daemon(cmd, rest)
    elif cmd == "jar":
        jar(rest)
    elif cmd == "local":
        jar(rest, local=True)
    elif cmd in PASSTHROUGH:
        common = Common(rest)
        run_java(PASSTHROUGH[cmd], common, extra=[USER_CONF_DIR, BIN_DIR], args=common.rest)
    elif cmd == "version":
        run_java("org.apache.storm.utils.VersionInfo", Common(rest), extra=[CONF_DIR])
    elif cmd == "classpath":
        print(classpath([], client=True))
    elif cmd == "server_classpath":
        print(classpath([], daemon=True))
    elif cmd in ("localconfvalue", "remoteconfvalue"):
        common = Common(rest)
        if len(common.rest) != 1:
            die("usage: storm %s KEY" % cmd)
        key = common.rest[0]
        print(key + ": " + confvalue(common, key, [USER_CONF_DIR if cmd == "localconfvalue" else CONF_DIR]))
    elif cmd in NOT_IN_KIT:
        die("`storm %s` is not available in this image: %s is part of org.apache.storm:storm-webapp, which is not "
            "published to Maven Central, so bdprov's offline Storm kit (assembled from Maven Central) does not have it. "
            "Nimbus, supervisors and the storm CLI (jar, list, kill, monitor, ...) work; use the official `storm` image "
            "for the UI." % (cmd, NOT_IN_KIT[cmd]), 2)
    else:
        die("unknown command %r (storm --help lists the commands)" % cmd, 2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
