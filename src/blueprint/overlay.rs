//! Layering, all on the YAML tree before it is decoded: `include:` first (the
//! including blueprint wins), then each `-f values.yaml` in order, then each
//! `--set key=value`. Spans travel with the values, so an error in the result
//! points at the file or argument the offending value came from.

use std::path::PathBuf;
use std::sync::Arc;

use crate::diag::{suggest, Diagnostic, Diagnostics, SourceFile, Span};
use crate::yaml::{self, Entry, Node, Value};

/// Where blueprints come from: built-in names and files. The loader module
/// implements it over the file system; tests implement it over strings.
pub trait Resolve {
    /// The text of blueprint `name` (a built-in name or a path), and the
    /// directory its relative paths are resolved against.
    fn blueprint(&self, name: &str, from: Option<&std::path::Path>) -> Result<(Arc<SourceFile>, Option<PathBuf>), Unresolved>;
}

/// A blueprint name that does not lead to a blueprint's text.
#[derive(Debug, thiserror::Error)]
pub enum Unresolved {
    /// Neither built in nor a file; `known` lists the built-in names.
    #[error("no blueprint `{name}`: it is not built in ({known}) and there is no file of that name")]
    Unknown { name: String, known: String },
    /// A file that cannot be read.
    #[error("cannot read blueprint {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
}

const TOP_LEVEL: &[&str] = &["version", "name", "description", "network", "images", "values", "roles", "hooks", "jobs"];

/// Parse `file`, resolving its includes recursively.
pub fn with_includes(
    file: &Arc<SourceFile>,
    dir: Option<PathBuf>,
    resolver: &dyn Resolve,
    seen: &mut Vec<String>,
) -> Result<Node, Diagnostics> {
    let mut node = yaml::parse(file)?;
    let includes = match &mut node.value {
        Value::Map(entries) => entries.iter().position(|e| e.key == "include").map(|i| entries.remove(i)),
        _ => None,
    };
    let Some(include) = includes else { return Ok(node) };
    let names: Vec<(String, Span)> = match &include.value.value {
        Value::Seq(items) => items.iter().filter_map(|n| n.as_scalar().map(|s| (s.to_string(), n.span.clone()))).collect(),
        Value::Scalar { text, .. } => vec![(text.clone(), include.value.span.clone())],
        // `include: ~` is not given, like any other field.
        Value::Null => return Ok(node),
        _ => {
            return Err(Diagnostic::at(&include.value.span, "include: expected a blueprint name or a list of them")
                .help("write `include: [zookeeper]`")
                .into())
        }
    };
    let mut base = Node::new(Value::Map(Vec::new()), node.span.clone());
    let mut errs = Diagnostics::default();
    for (name, span) in names {
        if seen.contains(&name) {
            errs.push(
                Diagnostic::at(&span, format!("include: `{name}` includes itself ({} → {name})", seen.join(" → ")))
                    .help("remove the circular include"),
            );
            continue;
        }
        match resolver.blueprint(&name, dir.as_deref()) {
            Ok((inc_file, inc_dir)) => {
                seen.push(name.clone());
                match with_includes(&inc_file, inc_dir, resolver, seen) {
                    Ok(inc) => base.merge(inc),
                    Err(e) => errs.0.extend(e.0),
                }
                seen.pop();
            }
            Err(e) => errs.push(
                Diagnostic::at(&span, format!("include: {e}"))
                    .help("name a built-in blueprint (`bdprov blueprints`) or a path to a blueprint file"),
            ),
        }
    }
    base.merge(node);
    errs.finish(base)
}

/// Lay a values file over the blueprint. Values files may change anything but
/// may not invent roles: that is what a blueprint with `include:` is for.
pub fn apply_values(base: &mut Node, file: &Arc<SourceFile>) -> Result<(), Diagnostics> {
    let over = yaml::parse(file)?;
    let mut errs = Diagnostics::default();
    match over.entries() {
        Some(entries) => {
            for e in entries {
                if e.key == "include" {
                    errs.push(
                        Diagnostic::at(&e.key_span, "values file: `include` belongs in a blueprint")
                            .help("write a blueprint that includes the other one, and pass it as BLUEPRINT"),
                    );
                } else if !TOP_LEVEL.contains(&e.key.as_str()) {
                    let help = match suggest(&e.key, TOP_LEVEL.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("a values file has the blueprint's keys: {}", TOP_LEVEL.join(", ")),
                    };
                    errs.push(Diagnostic::at(&e.key_span, format!("values file: unknown field `{}`", e.key)).help(help));
                } else if e.key == "roles" {
                    for r in e.value.entries().unwrap_or_default() {
                        if let Some(d) = missing_role(base, &r.key, &r.key_span) {
                            errs.push(d);
                        }
                    }
                }
            }
        }
        None if over.is_null() => {}
        None => errs.push(
            Diagnostic::at(&over.span, "values file: expected a mapping like a blueprint's")
                .help("write e.g. `roles: {worker: {replicas: 3}}`"),
        ),
    }
    if errs.is_empty() {
        base.merge(over);
    }
    errs.finish(())
}

/// Apply one `--set PATH=VALUE`. PATH is `role.field[.field…]`, or starts with
/// a top-level key (`values.heap`, `network`). A segment in brackets is one
/// key however many dots it holds, for maps keyed by dotted names such as
/// Hadoop properties: `values.hdfs_site[dfs.replication]=2`.
pub fn apply_set(base: &mut Node, arg: &str) -> Result<(), Diagnostic> {
    let file = SourceFile::new("--set", arg);
    let whole = Span::whole(&file);
    let Some((path, value)) = arg.split_once('=') else {
        return Err(Diagnostic::at(&whole, format!("--set {arg}: expected ROLE.FIELD=VALUE")).help("write e.g. --set worker.replicas=3"));
    };
    let mut segs = parse_path(path).map_err(|e| {
        Diagnostic::at(&Span::new(&file, 1, e.col, e.width), format!("--set {arg}: {}", e.message))
            .help("write e.g. --set worker.replicas=3, or --set 'values.hdfs_site[dfs.replication]=2' for a key with dots")
    })?;
    let span = |s: &Segment| Span::new(&file, 1, s.col, s.width);
    let mut prefix = Vec::new();
    if !TOP_LEVEL.contains(&segs[0].key.as_str()) {
        if let Some(d) = missing_role(base, &segs[0].key, &span(&segs[0])) {
            return Err(d);
        }
        if segs.len() == 1 {
            let role = &segs[0].key;
            return Err(Diagnostic::at(&whole, format!("--set {arg}: which field of role `{role}`?"))
                .help(format!("write e.g. --set {role}.replicas=3")));
        }
        prefix.push("roles".to_string());
    }
    let value_col = path.chars().count() + 2;
    let value_span = Span::new(&file, 1, value_col, value.chars().count());
    let mut node = if value.starts_with('[') || value.starts_with('{') {
        let vfile = SourceFile::new(format!("--set {path}="), value);
        let mut n = yaml::parse(&vfile).map_err(|d| d.help("write the value as YAML flow, e.g. [a, b] or {k: v}"))?;
        n.span = value_span.clone();
        n
    } else {
        yaml::scalar(value, value_span)
    };
    while let Some(seg) = segs.pop() {
        let key_span = span(&seg);
        node = Node::new(Value::Map(vec![Entry { key: seg.key, key_span: key_span.clone(), value: node }]), key_span);
    }
    for key in prefix {
        let span = node.span.clone();
        node = Node::new(Value::Map(vec![Entry { key, key_span: span.clone(), value: node }]), span);
    }
    base.merge(node);
    Ok(())
}

/// One key of a `--set` path and where it is in the argument (1-based
/// column, width in characters).
#[derive(Debug, PartialEq)]
struct Segment {
    key: String,
    col: usize,
    width: usize,
}

#[derive(Debug, PartialEq)]
struct PathError {
    col: usize,
    width: usize,
    message: String,
}

/// `a.b[c.d].e` → `a`, `b`, `c.d`, `e`.
fn parse_path(path: &str) -> Result<Vec<Segment>, PathError> {
    let chars: Vec<char> = path.chars().collect();
    let err = |col: usize, width: usize, message: String| PathError { col: col + 1, width, message };
    let mut segs = Vec::new();
    let mut i = 0;
    loop {
        // A dotted name: up to `.`, `[` or the end.
        let start = i;
        while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
            if chars[i] == ']' {
                return Err(err(i, 1, "`]` without `[`".into()));
            }
            i += 1;
        }
        if i == start {
            return Err(err(start, 1, format!("empty name in `{path}`")));
        }
        segs.push(Segment { key: chars[start..i].iter().collect(), col: start + 1, width: i - start });
        // Any bracketed keys after it.
        while i < chars.len() && chars[i] == '[' {
            let open = i;
            let Some(len) = chars[open + 1..].iter().position(|c| *c == ']') else {
                return Err(err(open, chars.len() - open, "`[` is never closed".into()));
            };
            if len == 0 {
                return Err(err(open, 2, "empty key in `[]`".into()));
            }
            segs.push(Segment { key: chars[open + 1..open + 1 + len].iter().collect(), col: open + 2, width: len });
            i = open + len + 2;
        }
        match chars.get(i) {
            None => return Ok(segs),
            Some('.') if i + 1 < chars.len() => i += 1,
            Some('.') => return Err(err(i, 1, format!("empty name in `{path}`"))),
            Some(c) => return Err(err(i, 1, format!("expected `.` or `[` after `]`, found `{c}`"))),
        }
    }
}

/// A diagnostic if the blueprint has no role `role`.
fn missing_role(base: &Node, role: &str, span: &Span) -> Option<Diagnostic> {
    let roles: Vec<&str> = base.get("roles").and_then(Node::entries).unwrap_or_default().iter().map(|e| e.key.as_str()).collect();
    if roles.contains(&role) {
        return None;
    }
    let name = base.get("name").and_then(Node::as_scalar).unwrap_or("?");
    let help = match suggest(role, roles.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? (roles: {})", roles.join(", ")),
        None => format!("roles of `{name}`: {}; to add a role, write a blueprint that includes `{name}`", roles.join(", ")),
    };
    Some(Diagnostic::at(span, format!("no role `{role}` in blueprint `{name}`")).help(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &str) -> Vec<(String, usize, usize)> {
        parse_path(path).unwrap().into_iter().map(|s| (s.key, s.col, s.width)).collect()
    }

    #[test]
    fn dotted_paths_and_bracketed_keys() {
        assert_eq!(keys("worker.replicas"), vec![("worker".into(), 1, 6), ("replicas".into(), 8, 8)]);
        assert_eq!(
            keys("values.hdfs_site[dfs.replication]"),
            vec![("values".into(), 1, 6), ("hdfs_site".into(), 8, 9), ("dfs.replication".into(), 18, 15)]
        );
        assert_eq!(keys("a[b][c.d].e"), vec![("a".into(), 1, 1), ("b".into(), 3, 1), ("c.d".into(), 6, 3), ("e".into(), 11, 1)]);
    }

    #[test]
    fn malformed_paths_point_at_the_problem() {
        let e = parse_path("values.hdfs_site[dfs.replication").unwrap_err();
        assert_eq!((e.col, e.message.as_str()), (17, "`[` is never closed"));
        assert_eq!(parse_path("values.x[]").unwrap_err().col, 9);
        assert_eq!(parse_path("a..b").unwrap_err().col, 3);
        assert_eq!(parse_path("a.").unwrap_err().col, 2);
        assert_eq!(parse_path("a[b]c").unwrap_err().message, "expected `.` or `[` after `]`, found `c`");
        assert_eq!(parse_path("a]b").unwrap_err().col, 2);
    }

    #[test]
    fn bracketed_keys_keep_their_dots() {
        let file = SourceFile::new("bp.yaml", "name: x\nvalues:\n  hdfs_site:\n    dfs.replication: 3\n");
        let mut tree = yaml::parse(&file).unwrap();
        apply_set(&mut tree, "values.hdfs_site[dfs.replication]=2").unwrap();
        apply_set(&mut tree, "values.hdfs_site[dfs.blocksize]=64m").unwrap();
        let site = tree.get("values").unwrap().get("hdfs_site").unwrap();
        assert_eq!(site.to_json(), serde_json::json!({"dfs.replication": 2, "dfs.blocksize": "64m"}));
        let e = &site.entries().unwrap()[0];
        assert_eq!((e.value.span.file.name.as_str(), e.value.span.col), ("--set", 35));
    }
}
