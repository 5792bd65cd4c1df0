//! Every built-in blueprint renders, and its plan is snapshotted.

use crate::common::bdprov;

const BLUEPRINTS: &[&str] = &[
    "spark-standalone",
    "zookeeper",
    "registry",
    "storm",
    "hdfs",
    "hdfs-ha",
    "yarn",
    "spark-hdfs-yarn",
    "yarn-ha",
    "spark-standalone-ha",
    "storm-ha",
    "spark-hdfs-yarn-ha",
    "monitoring",
];

#[test]
fn every_builtin_blueprint_is_listed() {
    let out = bdprov(&["blueprints"]).ok().stdout;
    for bp in BLUEPRINTS {
        assert!(out.lines().any(|l| l.starts_with(bp)), "{bp} missing from:\n{out}");
    }
    assert_eq!(out.lines().count(), BLUEPRINTS.len(), "a built-in blueprint has no render snapshot:\n{out}");
}

/// Every built-in blueprint runs the official images or, with `--images
/// local`, the offline kit's (Hadoop and Storm from Maven Central).
#[test]
fn plans_of_builtin_blueprints() {
    for bp in BLUEPRINTS {
        insta::assert_snapshot!(format!("plan-{bp}"), bdprov(&["render", bp]).ok().stdout);
        let local = bdprov(&["render", bp, "--images", "local", "--name", "other"]).ok().stdout;
        assert!(
            !local.contains("image: apache/") && !local.contains("image: storm:"),
            "{bp} with --images local runs an official image:\n{local}"
        );
        insta::assert_snapshot!(format!("plan-{bp}-local"), local);
    }
}

/// Every long-running role of every built-in blueprint is a Prometheus
/// target (its service carries the metrics labels), on both image sets:
/// where neither the image nor the product serves metrics, the JMX
/// exporter agent comes as a config.
#[test]
fn every_role_names_its_metrics() {
    for bp in BLUEPRINTS {
        for images in ["local", "official"] {
            let out = bdprov(&["render", bp, "--images", images]).ok().stdout;
            let plan: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
            for svc in plan["services"].as_sequence().unwrap() {
                let role = svc["role"].as_str().unwrap();
                let port = svc["labels"]["bdprov.metrics.port"].as_str();
                assert!(port.is_some(), "{bp} --images {images}: role {role} names no metrics port");
            }
        }
    }
}

/// `metrics.images` names the one image set whose image serves the
/// endpoint: with the other set the role carries no metrics labels.
#[test]
fn metrics_of_one_image_set_only() {
    for (images, labelled) in [("local", true), ("official", false)] {
        let out = bdprov(&["render", "tests/fixtures/metrics-one-image-set.yaml", "--images", images]).ok().stdout;
        let plan: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
        let app = &plan["services"][0];
        assert_eq!(app["labels"]["bdprov.metrics.port"].as_str().is_some(), labelled, "--images {images}: {app:?}");
    }
}

#[test]
fn overrides_layer_values_files_then_set() {
    let out = bdprov(&["render", "spark-standalone", "-f", "examples/values-small.yaml", "--set", "worker.replicas=4"]).ok().stdout;
    let plan: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    let worker = plan["services"].as_sequence().unwrap().iter().find(|s| s["role"] == "worker").unwrap();
    assert_eq!(worker["replicas"], 4, "--set wins over the values file");
    assert!(worker["command"].as_sequence().unwrap().iter().any(|a| a == "768m"), "the values file sets worker_memory: {worker:?}");
}

#[test]
fn changed_config_content_changes_the_config_name_and_only_the_services_using_it() {
    let plan = |extra: &[&str]| -> serde_yaml::Value {
        let out = bdprov(&[&["render", "spark-standalone"], extra].concat()).ok().stdout;
        serde_yaml::from_str(&out).unwrap()
    };
    let (a, b) = (plan(&[]), plan(&["--set", "values.executor_memory=768m"]));
    let mounts = |p: &serde_yaml::Value, role: &str| -> Vec<String> {
        let svc = p["services"].as_sequence().unwrap().iter().find(|s| s["role"] == role).unwrap();
        svc["configs"].as_sequence().map(|c| c.iter().map(|m| m["config"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
    };
    assert_ne!(mounts(&a, "history"), mounts(&b, "history"), "the history server mounts the changed file under its new name");
    assert!(mounts(&b, "history")[0].starts_with("spark-standalone_spark-defaults-"));
    assert_eq!(mounts(&a, "worker"), mounts(&b, "worker"), "workers do not mount it");
}

#[test]
fn a_user_blueprint_with_its_own_templates() {
    let out = bdprov(&["render", "examples/custom-spark.yaml"]).ok().stdout;
    assert!(out.contains("spark.eventLog.compress true"), "the example's own template overrides the built-in one:\n{out}");
}

#[test]
fn storm_ensemble_size_reaches_through_the_include() {
    let out = bdprov(&["render", "storm", "--set", "zookeeper.members=5"]).ok().stdout;
    let plan: bdprov::plan::Plan = serde_yaml::from_str(&out).unwrap();
    let members: Vec<&str> = plan.services_of("zookeeper").map(|s| s.name.as_str()).collect();
    assert_eq!(members, ["storm_zookeeper-1", "storm_zookeeper-2", "storm_zookeeper-3", "storm_zookeeper-4", "storm_zookeeper-5"]);
    let storm_yaml = &plan.configs.iter().find(|c| c.name.starts_with("storm_storm-yaml-")).unwrap().data;
    let servers: serde_yaml::Value = serde_yaml::from_str(storm_yaml).unwrap();
    assert_eq!(
        servers["storm.zookeeper.servers"],
        serde_yaml::from_str::<serde_yaml::Value>("[zookeeper-1, zookeeper-2, zookeeper-3, zookeeper-4, zookeeper-5]").unwrap()
    );
    for svc in plan.services.iter().filter(|s| s.image.starts_with("storm:")) {
        assert!(
            svc.configs.iter().any(|c| c.target == "/conf/storm.yaml" && storm_yaml == &plan.config(&c.config).unwrap().data),
            "{} reads it",
            svc.name
        );
    }
}
