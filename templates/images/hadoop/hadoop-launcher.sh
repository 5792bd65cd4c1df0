# Shared part of bdprov's Hadoop launchers (/opt/hadoop/bin/{hadoop,hdfs,yarn}),
# installed as /opt/hadoop/libexec/hadoop-launcher.sh and sourced by them.
# A small stand-in for the distribution's hadoop-functions.sh: same
# environment variables, same classpath layout, daemons in the foreground.
#
# Honoured: JAVA_HOME, HADOOP_HOME, HADOOP_CONF_DIR (or --config DIR),
# HADOOP_HEAPSIZE_MAX / HADOOP_HEAPSIZE_MIN (e.g. 512m; a bare number is MB),
# HADOOP_HEAPSIZE (legacy, MB), HADOOP_OPTS, HADOOP_CLIENT_OPTS (client
# commands), HDFS_<DAEMON>_OPTS / YARN_<DAEMON>_OPTS, YARN_OPTS (yarn),
# HADOOP_CLASSPATH (+ HADOOP_USER_CLASSPATH_FIRST), HADOOP_LOG_DIR,
# HADOOP_ROOT_LOGGER (default INFO,console; --loglevel LEVEL), JAVA_LIBRARY_PATH.

HADOOP_HOME=${HADOOP_HOME:-/opt/hadoop}
HADOOP_CONF_DIR=${HADOOP_CONF_DIR:-$HADOOP_HOME/etc/hadoop}
HADOOP_LOG_DIR=${HADOOP_LOG_DIR:-$HADOOP_HOME/logs}

hl_die() { echo "$HL_PROG: $*" >&2; exit 1; }

# Options before the subcommand: --config DIR, --loglevel LEVEL; the
# distribution's --daemon/--workers/--hosts make no sense in a container.
# Sets HL_ARGS to the remaining arguments (subcommand first).
hl_parse_global() {
  HL_ARGS=()
  while [ $# -gt 0 ]; do
    case $1 in
      --config) [ $# -ge 2 ] || hl_die "--config needs a directory"; HADOOP_CONF_DIR=$2; shift 2 ;;
      --loglevel) [ $# -ge 2 ] || hl_die "--loglevel needs a level"; HADOOP_ROOT_LOGGER="$2,console"; shift 2 ;;
      --debug) set -x; shift ;;
      --daemon|--workers|--hosts|--hostnames)
        hl_die "$1 is not supported here: daemons run in the foreground (the container's main process)" ;;
      *) break ;;
    esac
  done
  HL_ARGS=("$@")
  [ -d "$HADOOP_CONF_DIR" ] || hl_die "HADOOP_CONF_DIR $HADOOP_CONF_DIR is not a directory"
  export HADOOP_CONF_DIR
}

hl_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    HL_JAVA=$JAVA_HOME/bin/java
  elif command -v java >/dev/null; then
    HL_JAVA=$(command -v java)
  else
    hl_die "no java: set JAVA_HOME"
  fi
}

# The classpath of the binary distribution's `hadoop classpath`.
hl_classpath() {
  local s=$HADOOP_HOME/share/hadoop cp
  cp="$HADOOP_CONF_DIR:$s/common/lib/*:$s/common/*:$s/hdfs:$s/hdfs/lib/*:$s/hdfs/*"
  cp="$cp:$s/yarn:$s/yarn/lib/*:$s/yarn/*:$s/mapreduce/lib/*:$s/mapreduce/*"
  if [ -n "${HADOOP_CLASSPATH:-}" ]; then
    if [ -n "${HADOOP_USER_CLASSPATH_FIRST:-}" ]; then cp="$HADOOP_CLASSPATH:$cp"; else cp="$cp:$HADOOP_CLASSPATH"; fi
  fi
  printf '%s' "$cp"
}

# `classpath` subcommand: --glob (the default here) or --jar FILE as in Hadoop.
hl_print_classpath() {
  case ${1:-} in
    ""|--glob) hl_classpath; echo ;;
    --jar)
      [ -n "${2:-}" ] || hl_die "classpath --jar needs a file"
      hl_java
      exec "$HL_JAVA" -cp "$(hl_classpath)" org.apache.hadoop.util.Classpath --jar "$2" ;;
    -h|--help) echo "usage: $HL_PROG classpath [--glob|--jar <path>]" ;;
    *) hl_die "classpath: unknown option $1" ;;
  esac
  exit 0
}

# Java 17 (Hadoop 3.5 requires it on the server side): Hadoop and its
# libraries (Guice/cglib in YARN, Jersey, Netty, Kryo/FST in the state
# stores, Kerberos) reflect into these JDK packages, so open them as the
# distribution's scripts do (HADOOP-19219, HADOOP-19310).
HL_JPMS_OPTS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.math=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.regex=ALL-UNNAMED
  --add-opens=java.base/java.util.zip=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.security.util=ALL-UNNAMED
  --add-opens=java.base/sun.security.x509=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-exports=java.base/sun.net.dns=ALL-UNNAMED
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
)

# -Xmx from HADOOP_HEAPSIZE_MAX ("512m", "1g", or MB as a bare number).
hl_heap_opts() {
  local v
  HL_HEAP=()
  v=${HADOOP_HEAPSIZE_MAX:-${HADOOP_HEAPSIZE:-}}
  if [ -n "$v" ]; then [[ $v =~ ^[0-9]+$ ]] && v="${v}m"; HL_HEAP+=("-Xmx$v"); fi
  v=${HADOOP_HEAPSIZE_MIN:-}
  if [ -n "$v" ]; then [[ $v =~ ^[0-9]+$ ]] && v="${v}m"; HL_HEAP+=("-Xms$v"); fi
}

# hl_run COMMAND CLASS EXTRA_OPTS ARGS...: exec the JVM in the foreground.
# EXTRA_OPTS (one word-split string) are the subcommand's *_OPTS; the
# subcommand's own arguments (e.g. `-D key=value` generic options) follow the
# class untouched.
hl_run() {
  local command=$1 class=$2 extra=$3
  shift 3
  hl_java
  hl_heap_opts
  local user=${USER:-$(id -un 2>/dev/null || echo hadoop)}
  local logfile="hadoop-$user-$command.log"
  local -a opts
  # shellcheck disable=SC2206  # *_OPTS are word-split, as in Hadoop's scripts
  opts=(
    "-Dproc_$command"
    "${HL_JPMS_OPTS[@]}"
    "${HL_HEAP[@]}"
    -Djava.net.preferIPv4Stack=true
    "-Dhadoop.log.dir=$HADOOP_LOG_DIR" "-Dhadoop.log.file=$logfile"
    "-Dyarn.log.dir=$HADOOP_LOG_DIR" "-Dyarn.log.file=$logfile"
    "-Dhadoop.home.dir=$HADOOP_HOME" "-Dyarn.home.dir=$HADOOP_HOME"
    "-Dhadoop.id.str=$user"
    "-Dhadoop.root.logger=${HADOOP_ROOT_LOGGER:-INFO,console}"
    "-Dyarn.root.logger=${YARN_ROOT_LOGGER:-${HADOOP_ROOT_LOGGER:-INFO,console}}"
    "-Dhadoop.policy.file=hadoop-policy.xml"
    "-Dhadoop.security.logger=${HADOOP_SECURITY_LOGGER:-INFO,NullAppender}"
  )
  [ -z "${JAVA_LIBRARY_PATH:-}" ] || opts+=("-Djava.library.path=$JAVA_LIBRARY_PATH")
  hl_tier
  # shellcheck disable=SC2086
  opts+=("${HL_TIER[@]}" ${HADOOP_OPTS:-} $extra)
  hl_share "$class"
  exec "$HL_JAVA" "${opts[@]}" "${HL_SHARE[@]}" -cp "$HL_SHARE_CP${HL_EXTRA_CP:+$HL_EXTRA_CP:}$(hl_classpath)" "$class" "$@"
}

# The JIT (the kit's image only): BDPROV_JIT=quick runs every JVM this
# launcher starts, daemons and clients, on the first tier only (C1), which
# compiles soonest and cheapest. A cluster's start on a small host is bound
# by CPU, and the second tier's compilations, mostly the DataNodes' while
# they write Spark's jars, were a third of it (bench/hadoop.sh). Its price
# once warm: a DataNode wrote about a fifth slower (512 MB, two replicas,
# on a 2-core machine where the writes were bound by CPU). Not the default
# until the whole test suite has passed with it. YARN's
# containers (Spark's executors, MapReduce's tasks) do not start here and
# keep the full JIT. HADOOP_OPTS and the *_OPTS come later, so a tier set
# there wins. Sets HL_TIER (JVM options).
hl_tier() {
  HL_TIER=()
  case ${BDPROV_JIT:-full} in
    quick) HL_TIER=(-XX:TieredStopAtLevel=1) ;;
    *) ;;
  esac
}

# Class-data sharing (the kit's image only): a JVM whose main class has an
# archive made at image build (cds-train.sh) maps it, so the classes of
# Hadoop's jars come parsed and verified instead of read from ~200 jars at
# every start. An archive holds only if the class path it was made with is a
# prefix of the JVM's and names no non-empty folder: the archive's jar list,
# in its fixed order, goes first; the usual class path follows, so the
# configuration folder still resolves (no jar carries a site file or
# log4j.properties at its root). BDPROV_CDS=off runs every JVM as given (to
# measure the gain); BDPROV_CDS=dump is the image build's training run.
# Sets HL_SHARE (JVM options) and HL_SHARE_CP (a class path prefix).
hl_share() {
  local cds=$HADOOP_HOME/cds archive="$HADOOP_HOME/cds/$1.jsa"
  HL_SHARE=() HL_SHARE_CP=""
  [ -r "$cds/classpath" ] || return 0
  case ${BDPROV_CDS:-on} in
    off) return 0 ;;
    dump) if [ -e "$archive" ]; then HL_SHARE=("-XX:SharedArchiveFile=$archive" -Xshare:auto); else HL_SHARE=("-XX:ArchiveClassesAtExit=$archive"); fi ;;
    *) [ -r "$archive" ] || return 0; HL_SHARE=("-XX:SharedArchiveFile=$archive" -Xshare:auto) ;;
  esac
  HL_SHARE_CP="$(cat "$cds/classpath"):"
}
