//! Bad input: every problem reported at once, with file, line, column and
//! advice, exit code 2, and no daemon needed (so nothing can be touched).

use crate::common::{bdprov, Expect};

/// Bad input: exit 2, nothing on stdout; what stderr says.
fn errors_of(args: &[&str]) -> String {
    bdprov(args).expect(Expect::code(2).stdout_empty().stderr_starts("error")).stderr
}

#[test]
fn invalid_fixtures_report_every_problem_with_its_place() {
    // Every blueprint in the folder (a values file, `values-*`, is read with
    // -f below): a new fixture is tested without being listed here.
    let mut names: Vec<String> = std::fs::read_dir(crate::common::root().join("tests/fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("values-"))
        .collect();
    names.sort();
    assert!(names.len() >= 16, "{names:?}");
    for name in &names {
        let path = format!("tests/fixtures/invalid/{name}.yaml");
        let text = errors_of(&["render", &path]);
        insta::assert_snapshot!(name.as_str(), text);
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
    insta::assert_snapshot!("unknown-blueprint", errors_of(&["render", "spark-standalon"]));
}

#[test]
fn registry_without_local_images_is_refused() {
    let text = errors_of(&["render", "spark-standalone", "--registry", "10.0.0.5:5000"]);
    assert!(text.contains("--registry") && text.contains("--images local"), "{text}");
}

/// Runs bdprov, killing it if it takes longer than `limit`: hostile input must
/// be refused (or accepted) promptly, never keep the CPU busy.
fn errors_within(args: &[&str], limit: std::time::Duration) -> (String, std::time::Duration) {
    use std::process::{Command, Stdio};
    let start = std::time::Instant::now();
    let mut child = Command::new(crate::common::bin())
        .args(args)
        .current_dir(crate::common::root())
        .env("NO_COLOR", "1")
        .env_remove("BDPROV_IMAGES")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bdprov runs");
    loop {
        if child.try_wait().expect("bdprov can be waited for").is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bdprov {args:?} still busy after {limit:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let took = start.elapsed();
    let run = crate::common::Run::from(child.wait_with_output().expect("bdprov output"));
    (run.expect(Expect::code(2).stdout_empty().stderr_starts("error")).stderr, took)
}

/// "Billion laughs": nine levels of nine aliases each. A correctness bound, not
/// a benchmark: the answer must come long before a user gives up.
#[test]
fn exponential_aliases_are_refused_promptly_at_the_alias() {
    let path = "tests/fixtures/hostile/billion-laughs.yaml";
    let (text, took) = errors_within(&["render", path], std::time::Duration::from_secs(5));
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    assert!(text.contains("alias"), "{text}");
    assert!(text.contains("limit"), "{text}");
    // The first alias that takes the document over the limit, with its place.
    assert!(text.contains(&format!("--> {path}:")), "{text}");
    let place = text.lines().find(|l| l.contains("--> ")).unwrap();
    let line: usize = place.rsplit(':').nth(1).unwrap().parse().unwrap();
    assert!((8..=13).contains(&line), "points at an alias line: {text}");
    assert!(text.contains("help:"), "{text}");
}

/// The same through `-f` and `--set`, which are parsed by the same code.
#[test]
fn exponential_aliases_in_values_and_set_are_refused_promptly() {
    let limit = std::time::Duration::from_secs(5);
    let (text, _) = errors_within(&["render", "spark-standalone", "-f", "tests/fixtures/hostile/billion-laughs.yaml"], limit);
    assert!(text.contains("alias") && text.contains("limit"), "{text}");
    let nested = "values.x={a: &a [x,x,x,x,x,x,x,x,x,x], b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], \
                  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e], \
                  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f], h: [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]}";
    let (text, _) = errors_within(&["render", "spark-standalone", "--set", nested], limit);
    assert!(text.contains("alias") && text.contains("limit"), "{text}");
}

/// Loops over ranges in a blueprint string that would render for hours are
/// refused at the range that goes past the budget, with its place.
#[test]
fn template_range_loops_are_refused_at_once() {
    let path = "tests/fixtures/hostile/template-loops.yaml";
    let (text, took) = errors_within(&["render", path], std::time::Duration::from_secs(10));
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    assert!(text.contains("past the limit of 100000"), "{text}");
    assert!(text.contains(&format!("--> {path}:10:")), "{text}");
}

/// Loops in loops over a long list from the values: no range to count, so
/// the time budget of rendering ends it, naming the file and what to do.
#[test]
fn template_loops_over_data_are_cut_off_by_the_render_budget() {
    let dir = std::env::temp_dir().join(format!("bdprov-loops-{}", std::process::id()));
    let path = dir.join("loops.yaml");
    let items = vec!["1"; 30_000].join(",");
    let text = format!(
        "version: 1\nname: loops\nimages:\n  z: {{ official: \"zookeeper:3.9.4\" }}\nvalues:\n  xs: [{items}]\nroles:\n  a:\n    image: z\n    env:\n      \
         X: \"{{% for a in values.xs %}}{{% for b in values.xs %}}{{% endfor %}}{{% endfor %}}\"\n"
    );
    crate::common::write(&path, text.as_bytes());
    let (err, took) = errors_within(&["render", path.to_str().unwrap()], std::time::Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    assert!(err.contains("loops.yaml: rendering did not finish in 2s"), "{err}");
    assert!(err.contains("help:") && err.contains("{% for %}"), "{err}");
}

/// Nesting deep enough to overflow a recursive walk is refused at the spot.
#[test]
fn deep_nesting_is_refused_with_its_place() {
    let dir = std::env::temp_dir().join(format!("bdprov-deep-{}", std::process::id()));
    let path = dir.join("deep.yaml");
    let mut text = String::from("version: 1\nname: deep\nvalues:\n  x:\n    ");
    text.push_str(&"- ".repeat(100_000));
    text.push_str("end\nroles:\n  app:\n    image: alpine:3.20\n");
    crate::common::write(&path, text.as_bytes());
    let (err, _) = errors_within(&["render", path.to_str().unwrap()], std::time::Duration::from_secs(5));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(err.contains("nested") && err.contains("limit"), "{err}");
    assert!(err.contains(":5:"), "points at line 5: {err}");
}

/// A diagnostic on a very long line shows a window around the column, with
/// the caret still under the offending text, not the whole line.
#[test]
fn a_long_line_is_shown_as_a_window_around_the_column() {
    let dir = std::env::temp_dir().join(format!("bdprov-long-{}", std::process::id()));
    let path = dir.join("long.yaml");
    let filler = "x".repeat(10_000);
    let text = format!(
        "version: 1\nname: long\nroles:\n  app: {{ image: alpine:3.20, env: {{ A: \"{filler}\" }}, replica: 3, env2: \"{filler}\" }}\n"
    );
    crate::common::write(&path, text.as_bytes());
    let err = errors_of(&["render", path.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(err.contains("unknown field `replica`"), "{err}");
    for line in err.lines() {
        assert!(line.chars().count() <= 200, "a line of {} characters: {}", line.chars().count(), &line[..200.min(line.len())]);
    }
    let source = err.lines().find(|l| l.starts_with("4 | ")).expect("the source line");
    let caret = err.lines().find(|l| l.trim_start().starts_with("| ") && l.contains('^')).expect("the caret line");
    assert!(source.contains('…'), "the cut is marked: {source}");
    let at = caret.chars().position(|c| c == '^').unwrap();
    let under: String = source.chars().skip(at).take("replica".len()).collect();
    assert_eq!(under, "replica", "caret under the field:\n{source}\n{caret}");
    assert_eq!(caret.matches('^').count(), "replica".len(), "{caret}");
}
