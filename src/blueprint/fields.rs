//! The fields each section of a blueprint knows, for "unknown field"
//! messages (with a likely spelling), for the test that `field: ~` is read
//! as "not given" everywhere, and for the test that docs/blueprints.md
//! lists every field.

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
    "global",
    "engine_socket",
    "observe_clusters",
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
pub(super) const HOOK: &[&str] = &["after", "job", "webhdfs", "hdfs", "paths", "images"];
pub(super) const HDFS: &[&str] = &["role", "user"];
pub(super) const HOOK_JOB: &[&str] =
    &["image", "command", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "colocate"];
pub(super) const WEBHDFS: &[&str] = &["role", "port", "user"];
pub(super) const HDFS_PATH: &[&str] = &["path", "owner", "group", "mode"];
pub(super) const DECOMMISSION: &[&str] = &["job", "refresh", "stop", "status", "keep", "timeout"];
pub(super) const DECOMMISSION_JOB: &[&str] = &["image", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "colocate"];
pub(super) const MEMBER_STATUS: &[&str] = &["http", "members", "field", "done", "serving"];
pub(super) const IMAGE: &[&str] = &["official", "local", "without_local"];
pub(super) const CONFIG: &[&str] = &["template", "artifact", "target", "mode"];
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
pub(super) const METRICS: &[&str] = &["port", "path", "children", "images"];

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

/// docs/blueprints.md lists every field the decoder accepts: each table
/// above (and the secrets' own) has a section whose field table has a row
/// for each of its fields, with a type and a default, and no row the
/// decoder would refuse.
#[cfg(test)]
mod documented {
    use super::*;

    /// Each table and the heading of its section in docs/blueprints.md.
    const SECTIONS: &[(&[&str], &str)] = &[
        (TOP, "Top level"),
        (IMAGE, "`images.<key>`"),
        (super::super::secrets::DECL, "`secrets.<name>`"),
        (ROLE, "`roles.<name>`"),
        (CONFIG, "`configs.<name>`"),
        (VOLUME, "`volumes.<name>`"),
        (PORT, "`ports.<name>`"),
        (RESOURCES, "`resources`"),
        (super::super::secrets::USE, "`secrets.<name>` in a role, job or hook"),
        (PLACEMENT, "`placement`"),
        (READY, "`ready`"),
        (HTTP, "`ready.http`"),
        (TCP, "`ready.tcp`"),
        (ZOOKEEPER, "`ready.zookeeper`"),
        (HEALTH, "`healthcheck`"),
        (METRICS, "`metrics`"),
        (DECOMMISSION, "`decommission`"),
        (DECOMMISSION_JOB, "`decommission.job`"),
        (MEMBER_STATUS, "`decommission.status`"),
        (FAILOVER, "`failover`"),
        (FAILOVER_JOB, "`failover.job`"),
        (HOOK, "`hooks.<name>`"),
        (HOOK_JOB, "`hooks.<name>.job`"),
        (WEBHDFS, "`hooks.<name>.webhdfs`"),
        (HDFS, "`hooks.<name>.hdfs`"),
        (HDFS_PATH, "`hooks.<name>.paths.<name>`"),
        (JOB_KINDS, "`jobs`"),
        (SPARK_JOB, "`jobs.spark`"),
        (PI, "`jobs.<kind>.pi`"),
        (STORM_JOB, "`jobs.storm`"),
    ];

    /// The rows of the field table under `heading` (up to the next heading):
    /// each row's cells, the field's name without its backquotes first.
    fn rows(page: &str, heading: &str) -> Option<Vec<Vec<String>>> {
        let mut lines = page.lines().skip_while(|l| l.trim_start_matches('#').trim() != heading || !l.starts_with('#'));
        lines.next()?;
        let rows = lines
            .take_while(|l| !l.starts_with('#'))
            .filter(|l| l.starts_with("| `"))
            .map(|l| l.trim().trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect::<Vec<_>>())
            .map(|mut cells| {
                cells[0] = cells[0].trim_matches('`').to_string();
                cells
            })
            .collect();
        Some(rows)
    }

    #[test]
    fn fields_are_documented() {
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/blueprints.md")).unwrap();
        for table in ALL {
            assert!(SECTIONS.iter().any(|(t, _)| t == table), "no section of docs/blueprints.md is given for the table {table:?}");
        }
        let mut problems = Vec::new();
        for (table, heading) in SECTIONS {
            let Some(rows) = rows(&page, heading) else {
                problems.push(format!("no section `{heading}`"));
                continue;
            };
            for field in table.iter() {
                match rows.iter().find(|r| r[0] == *field) {
                    None => problems.push(format!("{heading}: no row for `{field}`")),
                    Some(r) if r.len() < 4 || r[1].is_empty() || r[2].is_empty() => {
                        problems.push(format!("{heading}: the row of `{field}` needs a type and a default"))
                    }
                    Some(_) => {}
                }
            }
            for r in rows.iter().filter(|r| !table.contains(&r[0].as_str())) {
                problems.push(format!("{heading}: `{}` is not a field the decoder accepts there", r[0]));
            }
        }
        assert!(problems.is_empty(), "docs/blueprints.md:\n{}", problems.join("\n"));
    }
}
