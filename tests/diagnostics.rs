//! Bad input: every problem reported at once, with file, line, column and
//! advice, exit code 2, and no daemon needed (so nothing can be touched).

use crate::common::bdprov;

fn errors_of(args: &[&str]) -> String {
    let run = bdprov(args);
    assert_eq!(run.code, 2, "expected exit 2 for {args:?}\nstdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "nothing on stdout for bad input: {}", run.stdout);
    run.stderr
}

#[test]
fn invalid_fixtures_report_every_problem_with_its_place() {
    for name in [
        "unknown-fields",
        "wrong-types",
        "bad-syntax",
        "bad-references",
        "missing-fields",
        "bad-templates",
        "bad-storm-fields",
        "bad-storm-refs",
        "bad-decommission",
        "bad-hadoop-references",
        "bad-rendered",
        "without-local",
        "bad-spark-memory",
        "bad-yarn-memory",
    ] {
        let path = format!("tests/fixtures/invalid/{name}.yaml");
        let text = errors_of(&["render", &path]);
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn set_with_unknown_role_or_field() {
    insta::assert_snapshot!("set-unknown-role", errors_of(&["render", "spark-standalone", "--set", "wroker.replicas=3"]));
    insta::assert_snapshot!("set-unknown-field", errors_of(&["render", "spark-standalone", "--set", "worker.replica=3"]));
    insta::assert_snapshot!("set-wrong-type", errors_of(&["render", "spark-standalone", "--set", "worker.replicas=many"]));
    insta::assert_snapshot!("set-singleton", errors_of(&["render", "spark-standalone", "--set", "master.replicas=2"]));
}

#[test]
fn set_with_a_malformed_bracketed_key() {
    insta::assert_snapshot!(
        "set-unclosed-bracket",
        errors_of(&["render", "spark-standalone", "--set", "values.spark_conf[spark.executor.cores=2"])
    );
    insta::assert_snapshot!("set-empty-bracket", errors_of(&["render", "spark-standalone", "--set", "values.spark_conf[]=2"]));
}

#[test]
fn values_file_with_unknown_keys() {
    insta::assert_snapshot!("values-bad", errors_of(&["render", "spark-standalone", "-f", "tests/fixtures/invalid/values-bad.yaml"]));
}

#[test]
fn local_images_for_a_role_without_an_offline_build() {
    insta::assert_snapshot!("no-local-image", errors_of(&["render", "tests/fixtures/no-local-image.yaml", "--images", "local"]));
}

#[test]
fn an_even_ensemble_is_refused_through_the_include() {
    insta::assert_snapshot!("storm-even-ensemble", errors_of(&["render", "storm", "--set", "zookeeper.members=4"]));
}

#[test]
fn yarn_minimum_allocation_above_the_maximum_is_reported_once() {
    insta::assert_snapshot!(
        "yarn-min-above-max",
        errors_of(&["render", "spark-hdfs-yarn", "--set", "values.yarn_site[yarn.scheduler.minimum-allocation-mb]=4096"])
    );
}

#[test]
fn spark_memory_written_in_a_template_points_at_its_line() {
    insta::assert_snapshot!(
        "spark-memory-in-template",
        errors_of(&["render", "spark-standalone", "--templates", "tests/fixtures/spark-templates"])
    );
}

#[test]
fn unknown_blueprint_is_one_clear_message() {
    let run = bdprov(&["render", "spark-standalon"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("unknown-blueprint", run.stderr);
}

#[test]
fn registry_without_local_images_is_refused() {
    let text = errors_of(&["render", "spark-standalone", "--registry", "10.0.0.5:5000"]);
    assert!(text.contains("--registry") && text.contains("--images local"), "{text}");
}
