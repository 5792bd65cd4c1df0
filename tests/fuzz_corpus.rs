//! The fuzz targets' inputs, replayed without a fuzzer: the seed corpus (the
//! built-in blueprints, the test fixtures, fuzz/seeds) and every input the
//! fuzzer once crashed or hung on (fuzz/regressions). Each must come back —
//! an error is fine — without a panic, and promptly.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::root;

/// Generous for a debug build on a busy machine; the bound is for hangs.
const BOUND: Duration = Duration::from_secs(3);

fn files(dirs: &[&str], ext: Option<&str>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if p.is_file() && !hidden && ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn replay<T>(paths: &[PathBuf], f: impl Fn(&[u8]) -> T) {
    for path in paths {
        let data = std::fs::read(path).unwrap();
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(f(&data))));
        let took = start.elapsed();
        assert!(outcome.is_ok(), "panicked on {}", show(path));
        assert!(took < BOUND, "{} took {took:?}", show(path));
    }
}

fn show(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn blueprint_seed_corpus_loads_or_fails_cleanly() {
    let mut seeds = files(&["blueprints", "tests/fixtures", "tests/fixtures/invalid", "tests/fixtures/hostile"], Some("yaml"));
    let builtin = seeds.len();
    seeds.extend(files(&["fuzz/seeds/blueprint"], None));
    assert!(builtin >= 20 && seeds.len() > builtin, "the seed corpus is where it should be: {seeds:?}");
    replay(&seeds, bdprov::fuzz::load_blueprint);
    // The built-in blueprints are valid as they are.
    for path in files(&["blueprints"], Some("yaml")) {
        let text = std::fs::read(&path).unwrap();
        if let Err(e) = bdprov::fuzz::load_blueprint(&text) {
            panic!("{}: {e}", show(&path));
        }
    }
}

#[test]
fn blueprint_regressions_found_by_the_fuzzer() {
    replay(&files(&["fuzz/regressions/blueprint"], None), bdprov::fuzz::load_blueprint);
}

#[test]
fn probe_seed_corpus_and_regressions() {
    let seeds = files(&["fuzz/seeds/probe"], None);
    assert!(!seeds.is_empty());
    replay(&seeds, bdprov::fuzz::probe_json);
    assert!(bdprov::fuzz::probe_json(&std::fs::read(root().join("fuzz/seeds/probe/spark-master")).unwrap()).ready);
    replay(&files(&["fuzz/regressions/probe"], None), bdprov::fuzz::probe_json);
}
