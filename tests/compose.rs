//! `render --format compose` is accepted by Docker's own compose parser.

use crate::common::{bdprov, docker};

#[test]
#[ignore = "needs the docker CLI: scripts/test.sh runs it"]
fn compose_exports_pass_docker_stack_config() {
    for bp in ["hdfs", "hdfs-ha", "yarn", "spark-hdfs-yarn", "spark-standalone", "zookeeper", "registry", "storm"] {
        let dir = std::env::temp_dir().join(format!("bdprov-compose-{bp}-{}", std::process::id()));
        bdprov(&["render", bp, "--format", "compose", "--out", dir.to_str().unwrap()]).ok();
        let file = dir.join("compose.yaml");
        let run = docker(&["stack", "config", "-c", file.to_str().unwrap()]);
        assert_eq!(run.code, 0, "docker stack config rejected {bp}:\n{}", run.stderr);
        assert!(run.stdout.contains("endpoint_mode: dnsrr"), "{}", run.stdout);
        assert!(run.stdout.contains("mode: host"), "{}", run.stdout);
        // One compose service per plan service (each ensemble member too).
        let plan: bdprov::plan::Plan = serde_yaml::from_str(&bdprov(&["render", bp]).ok().stdout).unwrap();
        let parsed: serde_yaml::Value = serde_yaml::from_str(&run.stdout).unwrap();
        let mut names: Vec<&str> = parsed["services"].as_mapping().unwrap().keys().filter_map(|k| k.as_str()).collect();
        let mut steps: Vec<String> = plan.services.iter().map(|s| s.step()).collect();
        names.sort();
        steps.sort();
        assert_eq!(names, steps, "{bp}");
        // Every config the compose file names was written next to it.
        for line in std::fs::read_to_string(&file).unwrap().lines().filter(|l| l.trim_start().starts_with("file: ./")) {
            let rel = line.trim_start().trim_start_matches("file: ./");
            assert!(dir.join(rel).is_file(), "{rel} missing");
        }
        if bp == "storm" {
            // A `$` for the supervisor's shell survives compose interpolation.
            assert!(run.stdout.contains("storm.local.hostname=$(hostname)"), "{}", run.stdout);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
