//! The offline image kit's downloads from a Maven repository: what a user
//! sees when the mirror lacks an artifact or serves other bytes than the
//! lock pins. Needs the engine (the base image is cached by
//! `scripts/setup.sh`); the image already tagged is left as it was.

use crate::common::http::Fixture;
use crate::common::{bdprov_env, docker};

fn image_id() -> String {
    docker(&["image", "inspect", "--format", "{{.Id}}", "bdprov/hadoop:3.5.0"]).stdout.trim().to_string()
}

#[test]
#[ignore = "needs the Docker engine: scripts/test.sh runs it"]
fn a_missing_or_altered_artifact_is_one_error_naming_it_and_nothing_is_tagged() {
    let before = image_id();
    let cache = std::env::temp_dir().join(format!("bdprov-maven-test-{}", std::process::id()));
    // The base image comes from the engine's cache: only Maven is asked.
    std::fs::create_dir_all(&cache).unwrap();
    let env = |url: &str| vec![("BDPROV_MAVEN", url.to_string()), ("BDPROV_CACHE", cache.to_string_lossy().to_string())];
    let run = |url: &str| {
        let e = env(url);
        let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
        bdprov_env(&["images", "build", "hadoop", "--force"], &e)
    };

    // A mirror that has nothing.
    let empty = Fixture::start(vec![]);
    let out = run(&format!("http://127.0.0.1:{}/maven2", empty.port()));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.matches("error:").count(), 1, "one error:\n{}", out.stderr);
    // Downloads run in parallel: whichever artifact is asked first is named.
    assert!(out.stderr.contains("error: artifact ") && out.stderr.contains(" not found at http://127.0.0.1:"), "{}", out.stderr);
    assert!(out.stderr.contains("BDPROV_MAVEN"), "the help names the setting:\n{}", out.stderr);

    // A mirror that serves other bytes for every artifact.
    let lock = std::fs::read_to_string(crate::common::root().join("templates/images/hadoop/maven.lock")).unwrap();
    let liar = Fixture::start(vec![]);
    for line in lock.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let c: Vec<&str> = line.split('\t').nth(1).unwrap().split(':').collect();
        let classifier = c.get(4).map(|k| format!("-{k}")).unwrap_or_default();
        let path = format!("/maven2/{}/{}/{}/{}-{}{classifier}.{}", c[0].replace('.', "/"), c[1], c[2], c[1], c[2], c[3]);
        liar.on("GET", &path, &[(200, "not the jar you pinned")]);
    }
    let out = run(&format!("http://127.0.0.1:{}/maven2", liar.port()));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("has SHA-256 ") && out.stderr.contains("the lock pins "), "{}", out.stderr);
    assert_eq!(out.stderr.matches("error:").count(), 1, "one error:\n{}", out.stderr);
    // Nothing that failed the check is kept, and the tagged image did not change.
    let kept: Vec<_> = walk(&cache.join("maven"));
    assert!(kept.is_empty(), "unchecked downloads were kept: {kept:?}");
    assert_eq!(image_id(), before, "a failed build must not retag the image");
    let _ = std::fs::remove_dir_all(&cache);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).collect()
}

/// The committed locks are what `scripts/maven-lock.sh` makes of their
/// `.deps` today (the regeneration command CONTRIBUTING.md shows, run for real: needs
/// mvn and Maven Central).
#[test]
#[ignore = "needs mvn and Maven Central: scripts/test.sh runs it"]
fn the_locks_are_what_the_script_regenerates() {
    let root = crate::common::root();
    let entries = |text: &str| -> Vec<String> { text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(String::from).collect() };
    for (image, name) in [("hadoop", "maven"), ("storm", "maven"), ("storm", "examples")] {
        let out = std::env::temp_dir().join(format!("bdprov-lock-{image}-{name}-{}", std::process::id()));
        let run = std::process::Command::new(root.join("scripts/maven-lock.sh"))
            .args([image, name])
            .env("MAVEN_LOCK_OUT", &out)
            .output()
            .unwrap();
        assert!(run.status.success(), "maven-lock.sh {image} {name}: {}", String::from_utf8_lossy(&run.stderr));
        let committed = std::fs::read_to_string(root.join(format!("templates/images/{image}/{name}.lock"))).unwrap();
        let fresh = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            entries(&fresh),
            entries(&committed),
            "templates/images/{image}/{name}.lock is stale: run scripts/maven-lock.sh {image} {name}"
        );
        let _ = std::fs::remove_file(&out);
    }
    // Storm's web applications: the source release and what its offline build reads.
    let out = std::env::temp_dir().join(format!("bdprov-lock-storm-webapp-{}", std::process::id()));
    let run = std::process::Command::new(root.join("scripts/storm-webapp-lock.sh")).env("MAVEN_LOCK_OUT", &out).output().unwrap();
    assert!(run.status.success(), "storm-webapp-lock.sh: {}", String::from_utf8_lossy(&run.stderr));
    let committed = std::fs::read_to_string(root.join("templates/images/storm/webapp.lock")).unwrap();
    let fresh = std::fs::read_to_string(&out).unwrap();
    assert_eq!(entries(&fresh), entries(&committed), "templates/images/storm/webapp.lock is stale: run scripts/storm-webapp-lock.sh");
    let _ = std::fs::remove_file(&out);
}
