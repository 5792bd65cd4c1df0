//! The fields each section of a blueprint knows, for "unknown field"
//! messages (with a likely spelling) and for the test that `field: ~` is
//! read as "not given" everywhere.

pub const SUPPORTED_VERSION: i64 = 1;

pub(super) const TOP: &[&str] =
    &["version", "name", "description", "include", "network", "images", "values", "roles", "hooks", "jobs", "secrets"];
pub(super) const ROLE: &[&str] = &[
    "image",
    "entrypoint",
    "command",
    "env",
    "hostname",
    "user",
    "workdir",
    "configs",
    "volumes",
    "resources",
    "secrets",
    "ports",
    "replicas",
    "members",
    "singleton",
    "placement",
    "ready",
    "after",
    "healthcheck",
    "stop_grace_period",
    "restart",
    "decommission",
    "failover",
    "metrics",
];
pub(super) const SPARK_JOB: &[&str] = &[
    "image",
    "entrypoint",
    "env",
    "user",
    "workdir",
    "configs",
    "volumes",
    "resources",
    "secrets",
    "master",
    "pi",
    "colocate",
    "conf",
    "deploy_mode",
    "tracking",
];
pub(super) const PI: &[&str] = &["file", "class"];
pub(super) const STORM_JOB: &[&str] = &["image", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "nimbus", "ui"];
pub(super) const JOB_KINDS: &[&str] = &super::model::Jobs::KINDS;
pub(super) const HOOK: &[&str] = &["after", "job", "webhdfs", "hdfs", "paths"];
pub(super) const HDFS: &[&str] = &["role", "user"];
pub(super) const HOOK_JOB: &[&str] =
    &["image", "command", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "colocate"];
pub(super) const WEBHDFS: &[&str] = &["role", "port", "user"];
pub(super) const HDFS_PATH: &[&str] = &["path", "owner", "group", "mode"];
pub(super) const DECOMMISSION: &[&str] = &["job", "refresh", "stop", "status", "keep", "timeout"];
pub(super) const DECOMMISSION_JOB: &[&str] = &["image", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "colocate"];
pub(super) const MEMBER_STATUS: &[&str] = &["http", "members", "field", "done", "serving"];
pub(super) const IMAGE: &[&str] = &["official", "local", "without_local"];
pub(super) const CONFIG: &[&str] = &["template", "target", "mode"];
pub(super) const VOLUME: &[&str] = &["target", "per_replica", "readonly"];
pub(super) const PORT: &[&str] = &["target", "published", "protocol", "web", "remap", "publish", "unauthenticated"];
pub(super) const RESOURCES: &[&str] = &["cpus", "memory"];
pub(super) const PLACEMENT: &[&str] = &["coordinator", "pinned", "constraints", "max_per_node", "spread"];
pub(super) const READY: &[&str] = &["http", "tcp", "zookeeper", "expect", "count", "timeout", "mode", "active", "standby", "position"];
pub(super) const FAILOVER: &[&str] = &["job"];
pub(super) const FAILOVER_JOB: &[&str] = &["image", "command", "env", "user", "workdir", "configs", "volumes", "resources", "secrets"];
pub(super) const HTTP: &[&str] = &["role", "port", "path"];
pub(super) const TCP: &[&str] = &["role", "port"];
pub(super) const ZOOKEEPER: &[&str] = &["role", "port", "znode"];
pub(super) const HEALTH: &[&str] = &["test", "interval", "timeout", "retries", "start_period"];
pub(super) const METRICS: &[&str] = &["port", "path"];

/// Every table above, so the test that `field: ~` means "not given" can
/// tell that it covers them all.
#[cfg(test)]
pub(super) const ALL: &[&[&str]] = &[
    TOP,
    ROLE,
    SPARK_JOB,
    PI,
    STORM_JOB,
    JOB_KINDS,
    HOOK,
    HDFS,
    HOOK_JOB,
    WEBHDFS,
    HDFS_PATH,
    DECOMMISSION,
    DECOMMISSION_JOB,
    FAILOVER,
    FAILOVER_JOB,
    MEMBER_STATUS,
    IMAGE,
    CONFIG,
    VOLUME,
    PORT,
    RESOURCES,
    PLACEMENT,
    READY,
    HTTP,
    TCP,
    ZOOKEEPER,
    HEALTH,
    METRICS,
];
