//! The command line itself: help texts are part of the interface.

use crate::common::{bdprov, bdprov_env, Expect};

#[test]
fn help_texts() {
    insta::assert_snapshot!("help", bdprov(&["--help"]).ok().stdout);
    for cmd in ["up", "down", "status", "scale", "logs", "submit", "storm", "render", "images", "unlock"] {
        insta::assert_snapshot!(format!("help-{cmd}"), bdprov(&[cmd, "--help"]).ok().stdout);
    }
}

#[test]
fn submit_spark_needs_a_file() {
    bdprov(&["submit", "spark", "--class", "x.Y"]).expect(Expect::code(2).stderr_has("--jar"));
}

#[test]
fn unreachable_daemon_is_one_clear_message() {
    bdprov_env(&["status"], &[("DOCKER_HOST", "tcp://127.0.0.1:1")])
        .expect(Expect::code(1).stderr_starts("error: cannot reach the Docker engine at tcp://127.0.0.1:1").stderr_has("help:"));
}

#[test]
fn input_errors_exit_2_before_the_engine_is_asked() {
    // No engine is reachable: these fail on their input first, with clap's code for usage errors.
    let unreachable = [("DOCKER_HOST", "tcp://127.0.0.1:1")];
    bdprov_env(&["scale", "worker"], &unreachable).expect(
        Expect::code(2).stderr_starts("error: `worker` is not ROLE=N").stderr_has("help: write ROLE=N, e.g. `bdprov scale worker=3`"),
    );
    bdprov_env(&["scale", "worker=two"], &unreachable).expect(Expect::code(2));
    bdprov_env(&["scale"], &unreachable).expect(Expect::code(2));
    // An unreachable engine is no input error.
    bdprov_env(&["scale", "worker=2"], &unreachable).expect(Expect::code(1));
}

#[test]
fn an_expectation_names_every_miss_and_shows_the_run() {
    let run = || crate::common::Run { code: 0, stdout: "ready\n".into(), stderr: "warning: slow\n".into() };
    let missed = std::panic::catch_unwind(|| {
        run().expect(Expect::code(2).stdout_has("is ready").stderr_starts("error").stderr_lacks("slow"));
    })
    .unwrap_err();
    let text = missed.downcast_ref::<String>().unwrap();
    for miss in [
        "exit code 0 (wanted 2)",
        "stdout lacks \"is ready\"",
        "stderr does not start with \"error\"",
        "stderr has \"slow\"",
        "--- stderr\nwarning: slow",
    ] {
        assert!(text.contains(miss), "{miss:?} in {text}");
    }
    run().expect(Expect::code(0).stdout_has("ready").stderr_starts("warning"));
}

/// `render --format compose --out` writes the pinned Java agent's jar next
/// to the compose file; when it cannot be fetched (an empty cache, a mirror
/// that does not answer), the error names the artifact and the mirror's
/// variable, and nothing is written.
#[test]
fn a_compose_export_whose_agent_cannot_be_fetched_writes_nothing() {
    let tmp = std::env::temp_dir().join(format!("bdprov-agent-{}", std::process::id()));
    let (cache, out) = (tmp.join("cache"), tmp.join("out"));
    let env = [("BDPROV_CACHE", cache.to_str().unwrap()), ("BDPROV_MAVEN", "http://127.0.0.1:9")];
    let run = crate::common::bdprov_env(&["render", "storm", "--format", "compose", "--out", out.to_str().unwrap()], &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("io.prometheus.jmx:jmx_prometheus_javaagent:0.20.0"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written") && run.stderr.contains("BDPROV_MAVEN"), "{}", run.stderr);
    assert!(!out.exists(), "files were written: {out:?}");
    let _ = std::fs::remove_dir_all(&tmp);
}
