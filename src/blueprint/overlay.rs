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
    fn blueprint(&self, name: &str, from: Option<&std::path::Path>) -> Result<(Arc<SourceFile>, Option<PathBuf>), String>;
}

const TOP_LEVEL: &[&str] = &["version", "name", "description", "network", "images", "values", "roles", "hooks", "jobs"];

/// Parse `file`, resolving its includes recursively.
pub fn with_includes(file: &Arc<SourceFile>, dir: Option<PathBuf>, resolver: &dyn Resolve, seen: &mut Vec<String>) -> Result<Node, Diagnostics> {
    let mut node = yaml::parse(file)?;
    let includes = match &mut node.value {
        Value::Map(entries) => entries.iter().position(|e| e.key == "include").map(|i| entries.remove(i)),
        _ => None,
    };
    let Some(include) = includes else { return Ok(node) };
    let names: Vec<(String, Span)> = match &include.value.value {
        Value::Seq(items) => items.iter().filter_map(|n| n.as_scalar().map(|s| (s.to_string(), n.span.clone()))).collect(),
        Value::Scalar { text, .. } => vec![(text.clone(), include.value.span.clone())],
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
            errs.push(Diagnostic::at(&span, format!("include: `{name}` includes itself ({} → {name})", seen.join(" → "))).help("remove the circular include"));
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
            Err(msg) => errs.push(Diagnostic::at(&span, format!("include: {msg}")).help("name a built-in blueprint (`bdprov blueprints`) or a path to a blueprint file")),
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
                    errs.push(Diagnostic::at(&e.key_span, "values file: `include` belongs in a blueprint").help("write a blueprint that includes the other one, and pass it as BLUEPRINT"));
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
        None => errs.push(Diagnostic::at(&over.span, "values file: expected a mapping like a blueprint's").help("write e.g. `roles: {worker: {replicas: 3}}`")),
    }
    if errs.is_empty() {
        base.merge(over);
    }
    errs.finish(())
}

/// Apply one `--set PATH=VALUE`. PATH is `role.field[.field…]`, or starts with
/// a top-level key (`values.heap`, `network`).
pub fn apply_set(base: &mut Node, arg: &str) -> Result<(), Diagnostic> {
    let file = SourceFile::new("--set", arg);
    let whole = Span::whole(&file);
    let Some((path, value)) = arg.split_once('=') else {
        return Err(Diagnostic::at(&whole, format!("--set {arg}: expected ROLE.FIELD=VALUE")).help("write e.g. --set worker.replicas=3"));
    };
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(Diagnostic::at(&Span::new(&file, 1, 1, path.len()), format!("--set {arg}: empty name in `{path}`")).help("write e.g. --set worker.replicas=3"));
    }
    let mut keys: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
    if !TOP_LEVEL.contains(&segs[0]) {
        if let Some(d) = missing_role(base, segs[0], &Span::new(&file, 1, 1, segs[0].len())) {
            return Err(d);
        }
        if segs.len() == 1 {
            return Err(Diagnostic::at(&whole, format!("--set {arg}: which field of role `{}`?", segs[0])).help(format!("write e.g. --set {}.replicas=3", segs[0])));
        }
        keys.insert(0, "roles".into());
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
    let mut col = 1 + path.chars().count();
    for seg in segs.iter().rev() {
        col -= seg.chars().count();
        let key_span = Span::new(&file, 1, col, seg.chars().count());
        col -= 1;
        let key = keys.pop().expect("one key per segment");
        node = Node::new(Value::Map(vec![Entry { key, key_span: key_span.clone(), value: node }]), key_span);
    }
    for key in keys.into_iter().rev() {
        let span = node.span.clone();
        node = Node::new(Value::Map(vec![Entry { key, key_span: span.clone(), value: node }]), span);
    }
    base.merge(node);
    Ok(())
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
