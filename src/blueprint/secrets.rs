//! Generated secrets: the blueprint's top-level `secrets:` names them (and
//! how many random bytes each holds), and every role, job or hook lists the
//! ones it gets as files:
//!
//! ```yaml
//! secrets:
//!   spark-auth: { length: 32 }
//! roles:
//!   master:
//!     secrets:
//!       spark-auth: { uid: 185 }        # /run/secrets/spark-auth, mode 0400
//!       # or: [spark-auth] for root-owned files at the default path
//! ```
//!
//! Only names and readers are in the blueprint (and in the plan); the
//! content is made by `up` from the system's random source and kept by the
//! swarm. Self-contained: `decode` calls [`decls`] and [`uses`] for the
//! fields, and [`check`] once the whole blueprint is read.

use super::model::{Blueprint, HookAction, SecretDecl, SecretUse, Workload};
use crate::diag::{suggest, Diagnostic, Diagnostics};
use crate::yaml::{Entry, Node, Value};

pub const DEFAULT_LENGTH: u32 = 32;
pub const MIN_LENGTH: u32 = 16;
pub const MAX_LENGTH: u32 = 4096;
pub const DEFAULT_DIR: &str = "/run/secrets";
pub(super) const DECL: &[&str] = &["length"];
pub(super) const USE: &[&str] = &["target", "uid", "gid", "mode"];

fn err(errs: &mut Diagnostics, span: &crate::diag::Span, msg: String, help: impl Into<String>) {
    errs.push(Diagnostic::at(span, msg).help(help));
}

/// Entries of a mapping; unknown keys reported.
fn fields<'n>(node: &'n Node, path: &str, known: &[&str], errs: &mut Diagnostics) -> Option<&'n [Entry]> {
    super::read::mapping(node, path, known, errs)
}

fn number(node: &Node, path: &str, min: u64, max: u64, errs: &mut Diagnostics) -> Option<u64> {
    match node.as_i64() {
        Some(v) if v >= min as i64 && v as u64 <= max => Some(v as u64),
        _ => {
            let found = node.as_scalar().map(|s| format!("`{s}`")).unwrap_or_else(|| node.kind().to_string());
            err(
                errs,
                &node.span,
                format!("{path}: expected a whole number from {min} to {max}, found {found}"),
                format!("write a number from {min} to {max}"),
            );
            None
        }
    }
}

/// The top-level `secrets:` mapping.
pub fn decls(node: &Node, errs: &mut Diagnostics) -> Vec<SecretDecl> {
    let entries = match &node.value {
        Value::Null => return Vec::new(),
        Value::Map(entries) => entries,
        _ => {
            err(
                errs,
                &node.span,
                format!("secrets: expected a mapping of names, found {}", node.kind()),
                "write one `name: { length: 32 }` entry per secret",
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    // `name:` alone declares it with the default length.
    for e in entries {
        let path = format!("secrets.{}", e.key);
        if !crate::units::valid_name(&e.key) {
            err(errs, &e.key_span, format!("secrets: `{}` is not a valid name", e.key), crate::units::NAME_RULE);
            continue;
        }
        let Some(fs) = fields(&e.value, &path, DECL, errs) else { continue };
        let length = match fs.iter().find(|f| f.key == "length" && !f.value.is_null()) {
            Some(f) => number(&f.value, &format!("{path}.length"), MIN_LENGTH as u64, MAX_LENGTH as u64, errs).unwrap_or(0) as u32,
            None => DEFAULT_LENGTH,
        };
        out.push(SecretDecl { name: e.key.clone(), length, span: e.key_span.clone() });
    }
    out
}

/// A workload's `secrets:`: a list of names, or a mapping of names to
/// `{ target, uid, gid, mode }` (each optional).
pub fn uses(node: &Node, path: &str, errs: &mut Diagnostics) -> Vec<SecretUse> {
    let default = |name: &str, span: &crate::diag::Span| SecretUse {
        name: name.to_string(),
        target: format!("{DEFAULT_DIR}/{name}"),
        uid: 0,
        gid: 0,
        mode: 0o400,
        span: span.clone(),
    };
    match &node.value {
        Value::Null => Vec::new(),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n.as_scalar() {
                Some(name) => Some(default(name, &n.span)),
                None => {
                    err(errs, &n.span, format!("{path}[{i}]: expected a secret's name, found {}", n.kind()), "write the names as [a, b]");
                    None
                }
            })
            .collect(),
        Value::Map(entries) => {
            let mut out = Vec::new();
            // `name: ~` drops a secret inherited through `include:`.
            for e in entries.iter().filter(|e| !e.value.is_null()) {
                let p = format!("{path}.{}", e.key);
                let mut u = default(&e.key, &e.key_span);
                let Some(fs) = fields(&e.value, &p, USE, errs) else { continue };
                for f in fs.iter().filter(|f| !f.value.is_null()) {
                    let fp = format!("{p}.{}", f.key);
                    match f.key.as_str() {
                        "target" => match f.value.as_scalar() {
                            Some(t) if t.starts_with('/') && !t.ends_with('/') => u.target = t.to_string(),
                            _ => err(
                                errs,
                                &f.value.span,
                                format!("{fp}: expected an absolute file path"),
                                format!("write e.g. `target: {DEFAULT_DIR}/{}`", e.key),
                            ),
                        },
                        "uid" => u.uid = number(&f.value, &fp, 0, u32::MAX as u64, errs).unwrap_or(0) as u32,
                        "gid" => u.gid = number(&f.value, &fp, 0, u32::MAX as u64, errs).unwrap_or(0) as u32,
                        "mode" => match f.value.as_scalar().and_then(|s| u32::from_str_radix(s, 8).ok()) {
                            Some(m) if m <= 0o777 => u.mode = m,
                            _ => {
                                err(errs, &f.value.span, format!("{fp}: expected an octal file mode"), "write it like \"0400\" or \"0440\"")
                            }
                        },
                        _ => {}
                    }
                }
                out.push(u);
            }
            out
        }
        _ => {
            err(
                errs,
                &node.span,
                format!("{path}: expected a list or a mapping of secret names, found {}", node.kind()),
                "write `secrets: [name]`, or `name: { uid: 185 }` lines under it",
            );
            Vec::new()
        }
    }
}

/// Every workload of the blueprint, with its path for messages.
fn workloads(bp: &Blueprint) -> Vec<(String, &Workload)> {
    let mut out: Vec<(String, &Workload)> = Vec::new();
    for r in &bp.roles {
        out.push((format!("roles.{}", r.name), &r.workload));
        if let Some(d) = &r.decommission {
            out.push((format!("roles.{}.decommission.job", r.name), &d.job));
        }
        if let Some(super::Failover::Job { workload, .. }) = &r.failover {
            out.push((format!("roles.{}.failover.job", r.name), workload));
        }
    }
    for h in &bp.hooks {
        if let HookAction::Job { workload, .. } = &h.action {
            out.push((format!("hooks.{}.job", h.name), workload));
        }
    }
    for (kind, w) in bp.jobs.workloads() {
        out.push((format!("jobs.{kind}"), w));
    }
    out
}

/// Every secret a workload names is declared, and no two land on one path.
pub fn check(bp: &Blueprint, errs: &mut Diagnostics) {
    let names: Vec<&str> = bp.secrets.iter().map(|s| s.name.as_str()).collect();
    for (path, w) in workloads(bp) {
        for (i, u) in w.secrets.iter().enumerate() {
            if !names.contains(&u.name.as_str()) {
                let help = match (suggest(&u.name, names.iter().copied()), names.is_empty()) {
                    (Some(s), _) => format!("did you mean `{s}`? (secrets: {})", names.join(", ")),
                    (None, true) => format!("declare it at the top level: `secrets: {{ {}: {{ length: 32 }} }}`", u.name),
                    (None, false) => format!("declare it under the top-level `secrets:` (secrets: {})", names.join(", ")),
                };
                errs.push(Diagnostic::at(&u.span, format!("{path}.secrets: no secret `{}`", u.name)).help(help));
            }
            if w.secrets[..i].iter().any(|o| o.target == u.target) {
                errs.push(
                    Diagnostic::at(&u.span, format!("{path}.secrets.{}: another secret is already mounted at {}", u.name, u.target))
                        .help("give each secret its own `target:`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::{Diagnostics, SourceFile};

    fn decode(text: &str) -> Result<crate::blueprint::Blueprint, Diagnostics> {
        let file = SourceFile::new("bp.yaml", text);
        let root = crate::yaml::parse(&file).map_err(|d| Diagnostics(vec![d]))?;
        crate::blueprint::decode::decode(&root)
    }

    const HEAD: &str = "version: 1\nname: t\n";

    #[test]
    fn declared_secrets_and_their_mounts() {
        let bp = decode(&format!(
            "{HEAD}secrets:\n  a: {{ length: 16 }}\n  b:\nroles:\n  r:\n    image: x/y\n    secrets:\n      a: {{ uid: 185, gid: 185 }}\n      b: {{ target: /etc/b.key, mode: \"0440\" }}\n  s:\n    image: x/y\n    secrets: [a]\n"
        ))
        .unwrap();
        assert_eq!(bp.secrets.iter().map(|s| (s.name.as_str(), s.length)).collect::<Vec<_>>(), [("a", 16), ("b", super::DEFAULT_LENGTH)]);
        let r = &bp.role("r").unwrap().workload.secrets;
        assert_eq!((r[0].target.as_str(), r[0].uid, r[0].gid, r[0].mode), ("/run/secrets/a", 185, 185, 0o400));
        assert_eq!((r[1].target.as_str(), r[1].uid, r[1].mode), ("/etc/b.key", 0, 0o440));
        assert_eq!(bp.role("s").unwrap().workload.secrets[0].target, "/run/secrets/a");
    }

    #[test]
    fn bad_secrets_are_reported_with_their_place() {
        let text = decode(&format!(
            "{HEAD}secrets:\n  a: {{ length: 8, size: 3 }}\nroles:\n  r:\n    image: x/y\n    secrets:\n      a: {{ target: rel/path, mode: rw }}\n      c: {{}}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(text.contains("secrets.a.length: expected a whole number from 16 to 4096, found `8`"), "{text}");
        assert!(text.contains("secrets.a: unknown field `size`"), "{text}");
        assert!(text.contains("roles.r.secrets.a.target: expected an absolute file path"), "{text}");
        assert!(text.contains("roles.r.secrets.a.mode: expected an octal file mode"), "{text}");
        let text = decode(&format!("{HEAD}secrets:\n  token:\nroles:\n  r:\n    image: x/y\n    secrets: [tokn, other]\n"))
            .unwrap_err()
            .to_string();
        assert!(text.contains("roles.r.secrets: no secret `tokn`") && text.contains("did you mean `token`?"), "{text}");
        assert!(text.contains("bp.yaml:8:15"), "{text}");
        assert!(text.contains("roles.r.secrets: no secret `other`"), "{text}");
    }
}
