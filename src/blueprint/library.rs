//! The blueprints that ship inside the binary (from `blueprints/`).

pub const BUILTIN: &[(&str, &str)] = &[
    ("spark-standalone", include_str!("../../blueprints/spark-standalone.yaml")),
    ("spark-hdfs-yarn", include_str!("../../blueprints/spark-hdfs-yarn.yaml")),
    ("hdfs", include_str!("../../blueprints/hdfs.yaml")),
    ("hdfs-ha", include_str!("../../blueprints/hdfs-ha.yaml")),
    ("yarn", include_str!("../../blueprints/yarn.yaml")),
    ("zookeeper", include_str!("../../blueprints/zookeeper.yaml")),
    ("storm", include_str!("../../blueprints/storm.yaml")),
    ("yarn-ha", include_str!("../../blueprints/yarn-ha.yaml")),
    ("spark-standalone-ha", include_str!("../../blueprints/spark-standalone-ha.yaml")),
    ("storm-ha", include_str!("../../blueprints/storm-ha.yaml")),
    ("spark-hdfs-yarn-ha", include_str!("../../blueprints/spark-hdfs-yarn-ha.yaml")),
    ("registry", include_str!("../../blueprints/registry.yaml")),
    ("monitoring", include_str!("../../blueprints/monitoring.yaml")),
];

/// Layers: parts that built-in blueprints include, not clusters of their own
/// (not listed by `bdprov blueprints`, but includable by name).
pub const LAYERS: &[(&str, &str)] = &[("spark-on-hdfs", include_str!("../../blueprints/layers/spark-on-hdfs.yaml"))];

pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().chain(LAYERS).find(|(n, _)| *n == name).map(|(_, text)| *text)
}

pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// The `description:` line of a built-in blueprint, for `bdprov blueprints`.
pub fn description(text: &str) -> String {
    text.lines().find_map(|l| l.strip_prefix("description:")).map(|d| d.trim().trim_matches('"').to_string()).unwrap_or_default()
}
