//! Every `bdprov …` command the README's code blocks and the examples'
//! headers show is a command bdprov accepts: parsed by the real binary
//! (`BDPROV_PARSE_ONLY=1` stops right after parsing), and each `up` rendered
//! with the same arguments, which checks its blueprint, values and Spark's
//! rules without a daemon. `e2e_examples` runs the examples for real.

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

/// `bdprov …` lines inside the README's fenced code blocks.
fn readme_commands(text: &str) -> Vec<(usize, Vec<String>)> {
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

#[test]
fn every_readme_command_parses_and_every_up_renders() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let commands = readme_commands(&text);
    assert!(commands.len() >= 15, "found only {} commands in README.md's code blocks", commands.len());
    let problems: Vec<String> = commands.iter().flat_map(|(line, cmd)| check(&format!("README.md:{line}"), cmd)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
