//! Every `bdprov …` command the documentation's code blocks (every Markdown
//! page of the project: README.md, ARCHITECTURE.md, CONTRIBUTING.md, docs/,
//! bench/README.md …) and the examples' headers show is a command bdprov
//! accepts: parsed by the real binary (`BDPROV_PARSE_ONLY=1` stops right
//! after parsing), and each `up` rendered with the same arguments, which
//! checks its blueprint, values and Spark's rules without a daemon.
//! `e2e_examples` runs the examples for real. The pages' relative links lead
//! to files that exist.

use std::path::{Path, PathBuf};

use crate::common::{bdprov_env, root};

/// Split a shell line into words: quotes group, `#` outside quotes starts a comment.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, '#') if cur.is_empty() => break,
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Every Markdown page under `dir`, sorted; build output (`target/`) and
/// hidden folders left out.
fn pages_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() && name != "target" && !name.starts_with('.') {
            pages_under(&path, out);
        } else if path.is_file() && name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The project's Markdown pages, by their path from the repository's root.
fn pages() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    pages_under(&root(), &mut paths);
    paths.into_iter().map(|p| (p.strip_prefix(root()).unwrap().display().to_string(), std::fs::read_to_string(&p).unwrap())).collect()
}

/// `bdprov …` lines inside a page's fenced code blocks.
fn page_commands(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if fenced && line.trim_start().starts_with("bdprov ") {
            out.push((n + 1, words(line.trim())));
        }
    }
    out
}

/// `bdprov …` lines in the comments and docstrings of the examples.
fn example_commands() -> Vec<(String, Vec<String>)> {
    let mut files = vec![];
    for dir in ["examples", "examples/jobs"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start().trim_start_matches('#').trim();
            if line.starts_with("bdprov ") {
                out.push((format!("{}:{}", path.strip_prefix(root()).unwrap().display(), n + 1), words(line)));
            }
        }
    }
    out
}

/// The command parses; an `up` also renders with the same arguments.
fn check(at: &str, cmd: &[String]) -> Vec<String> {
    let args: Vec<&str> = cmd[1..].iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    let run = bdprov_env(&args, &[("BDPROV_PARSE_ONLY", "1")]);
    if run.code != 0 {
        problems.push(format!("{at}: `{}` does not parse:\n{}", cmd.join(" "), run.stderr));
    }
    if args.first() == Some(&"up") {
        // `render` takes the same blueprint arguments; `--dry-run` is `up`'s own.
        let mut render: Vec<&str> = args.iter().copied().filter(|a| *a != "--dry-run").collect();
        render[0] = "render";
        let run = bdprov_env(&render, &[]);
        if run.code != 0 {
            problems.push(format!("{at}: `{}` does not render:\n{}", cmd.join(" "), run.stderr));
        }
    }
    problems
}

#[test]
fn shell_words_are_split_like_a_shell_would() {
    assert_eq!(words("bdprov up x --set 'values.a[b.c]=3'   # note"), ["bdprov", "up", "x", "--set", "values.a[b.c]=3"]);
    assert_eq!(words(r#"bdprov submit spark --py "a b.py" -- x"#), ["bdprov", "submit", "spark", "--py", "a b.py", "--", "x"]);
}

/// Relative link targets (`[text](path)` or `[text](path#anchor)`) in a page,
/// with their line numbers; web addresses and anchors within the page left out.
fn relative_links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = rest[..end].split('#').next().unwrap_or_default();
            if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
                out.push((n + 1, target.to_string()));
            }
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn every_documented_command_parses_and_every_up_renders() {
    let pages = pages();
    let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"README.md"), "README.md is not among the pages found: {names:?}");
    let mut problems = Vec::new();
    let mut total = 0;
    for (name, text) in &pages {
        let commands = page_commands(text);
        if name == "README.md" {
            assert!(commands.len() >= 5, "found only {} commands in README.md's code blocks", commands.len());
        }
        total += commands.len();
        problems.extend(commands.iter().flat_map(|(line, cmd)| check(&format!("{name}:{line}"), cmd)));
    }
    assert!(total >= 30, "found only {total} commands in the code blocks of {names:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_relative_link_of_the_pages_leads_to_a_file() {
    let mut broken = Vec::new();
    for (name, text) in pages() {
        let dir = root().join(&name).parent().unwrap().to_path_buf();
        for (line, target) in relative_links(&text) {
            if !dir.join(&target).exists() {
                broken.push(format!("{name}:{line}: {target}"));
            }
        }
    }
    assert!(broken.is_empty(), "links to nothing:\n{}", broken.join("\n"));
}

#[test]
fn every_example_command_parses_and_every_up_renders() {
    let commands = example_commands();
    let files: std::collections::BTreeSet<&str> = commands.iter().map(|(at, _)| at.split(':').next().unwrap()).collect();
    for f in ["examples/values-small.yaml", "examples/custom-spark.yaml", "examples/jobs/sum_squares.py", "examples/jobs/hdfs_dataset.py"] {
        assert!(files.contains(f), "{f} shows no `bdprov` command in its header");
    }
    let problems: Vec<String> = commands.iter().flat_map(|(at, cmd)| check(at, cmd)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
