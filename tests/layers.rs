//! The layers of ARCHITECTURE.md, read from the source: which top-level
//! module of `src/` uses which (`crate::…` outside tests), no import cycle
//! anywhere, and what the pure and the low layers may not reach. A file is
//! read up to its first `#[cfg(test)]`: test modules come last in a file
//! (CONTRIBUTING.md), and what they use is not a layer's dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::root;

/// Top-level module → the other top-level modules its non-test code names.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let mut files: BTreeMap<String, Vec<std::path::PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "main" || name == "lib" {
            continue;
        }
        let mut list = Vec::new();
        collect(&path, &mut list);
        files.insert(name, list);
    }
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, list)| {
            let mut used = BTreeSet::new();
            for file in list {
                let text = std::fs::read_to_string(file).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for name in named(line) {
                        if modules.contains(&name) && &name != module {
                            used.insert(name);
                        }
                    }
                }
            }
            (module.clone(), used)
        })
        .collect()
}

fn collect(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            collect(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The modules a line names after `crate::`, including `crate::{a, b::c}`.
fn named(line: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = Vec::new();
    for part in line.split("crate::").skip(1) {
        if let Some(group) = part.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            out.extend(group.split(',').map(|g| ident(g.trim())));
        } else {
            out.push(ident(part));
        }
    }
    out
}

/// A cycle through `from`, if any: the path back to it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(graph: &BTreeMap<String, BTreeSet<String>>, at: &str, goal: &str, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == goal {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, goal, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_parser_sees_plain_and_grouped_uses() {
    assert_eq!(named("use crate::engine::{Engine, TaskInfo};"), ["engine"]);
    assert_eq!(named("use crate::{http, job::Echo};"), ["http", "job"]);
    assert_eq!(named("let c = crate::http::client(); crate::signals::hold(x)"), ["http", "signals"]);
    let looped: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a")].iter().map(|(m, u)| (m.to_string(), [u.to_string()].into())).collect();
    assert_eq!(cycle(&looped, "a").unwrap(), ["a", "b", "c", "a"]);
}

#[test]
fn no_module_reaches_back_to_itself() {
    let graph = uses();
    assert!(graph.len() > 10 && graph["ops"].contains("engine"), "the source was not read: {graph:?}");
    for module in graph.keys() {
        assert!(cycle(&graph, module).is_none(), "import cycle: {}", cycle(&graph, module).unwrap().join(" → "));
    }
}

#[test]
fn each_layer_knows_only_what_architecture_md_says() {
    let graph = uses();
    // (module, what it must not use, why)
    let rules: &[(&str, &[&str], &str)] = &[
        ("blueprint", &["plan", "engine", "ops", "systems", "job", "probe", "http", "images", "cli"], "pure: YAML in, model out"),
        ("plan", &["engine", "ops", "systems", "job", "probe", "http", "signals", "images", "cli"], "pure: no Docker, no daemon"),
        ("render", &["engine", "ops", "systems", "plan", "images", "cli"], "pure templating"),
        (
            "lock",
            &["blueprint", "plan", "engine", "ops", "systems", "job", "images", "http", "cli"],
            "pure: the lock format and the pinned agents",
        ),
        ("engine", &["ops", "systems", "job", "probe", "http", "cli", "pipeline"], "Docker calls only"),
        ("systems", &["ops", "cli"], "product knowledge, reached by the generic layers"),
        ("job", &["ops", "systems", "cli"], "one-shot jobs, used by both ops and systems"),
        ("ops", &["cli"], "the generic lifecycle"),
    ];
    for (module, banned, why) in rules {
        let bad: Vec<&&str> = banned.iter().filter(|b| graph[*module].contains(**b)).collect();
        assert!(bad.is_empty(), "src/{module} ({why}) uses {bad:?}");
    }
}
