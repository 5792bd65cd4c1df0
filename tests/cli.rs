//! The command line itself: help texts are part of the interface.

use crate::common::bdprov;

#[test]
fn help_texts() {
    insta::assert_snapshot!("help", bdprov(&["--help"]).ok().stdout);
    for cmd in ["up", "down", "status", "scale", "logs", "submit", "storm", "render", "images", "unlock"] {
        insta::assert_snapshot!(format!("help-{cmd}"), bdprov(&[cmd, "--help"]).ok().stdout);
    }
}

#[test]
fn submit_spark_needs_a_file() {
    let run = bdprov(&["submit", "spark", "--class", "x.Y"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--jar"), "{}", run.stderr);
}

#[test]
fn unreachable_daemon_is_one_clear_message() {
    let run = crate::common::bdprov_env(&["status"], &[("DOCKER_HOST", "tcp://127.0.0.1:1")]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("error: cannot reach the Docker engine at tcp://127.0.0.1:1"), "{}", run.stderr);
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
}

#[test]
fn input_errors_exit_2_before_the_engine_is_asked() {
    // No engine is reachable: these fail on their input first, with clap's code for usage errors.
    let unreachable = [("DOCKER_HOST", "tcp://127.0.0.1:1")];
    let run = crate::common::bdprov_env(&["scale", "worker"], &unreachable);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: `worker` is not ROLE=N"), "{}", run.stderr);
    assert!(run.stderr.contains("help: write ROLE=N, e.g. `bdprov scale worker=3`"), "{}", run.stderr);
    let run = crate::common::bdprov_env(&["scale", "worker=two"], &unreachable);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = crate::common::bdprov_env(&["scale"], &unreachable);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // An unreachable engine is no input error.
    let run = crate::common::bdprov_env(&["scale", "worker=2"], &unreachable);
    assert_eq!(run.code, 1, "{}", run.stderr);
}
