//! `render --format compose` is accepted by Docker's own compose parser.

use crate::common::{bdprov, docker};

#[test]
fn compose_exports_pass_docker_stack_config() {
    for bp in ["hdfs", "spark-hdfs-yarn", "spark-standalone", "yarn", "zookeeper"] {
        let dir = std::env::temp_dir().join(format!("bdprov-compose-{bp}-{}", std::process::id()));
        bdprov(&["render", bp, "--format", "compose", "--out", dir.to_str().unwrap()]).ok();
        let file = dir.join("compose.yaml");
        let run = docker(&["stack", "config", "-c", file.to_str().unwrap()]);
        assert_eq!(run.code, 0, "docker stack config rejected {bp}:\n{}", run.stderr);
        assert!(run.stdout.contains("endpoint_mode: dnsrr"), "{}", run.stdout);
        assert!(run.stdout.contains("mode: host"), "{}", run.stdout);
        // Every config the compose file names was written next to it.
        for line in std::fs::read_to_string(&file).unwrap().lines().filter(|l| l.trim_start().starts_with("file: ./")) {
            let rel = line.trim_start().trim_start_matches("file: ./");
            assert!(dir.join(rel).is_file(), "{rel} missing");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
