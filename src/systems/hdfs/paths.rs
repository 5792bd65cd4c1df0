//! Directories in HDFS, made and fixed by `hdfs dfs` in one-shot jobs on the
//! cluster's overlay, so the NameNode's WebHDFS (which believes any
//! `user.name` under simple authentication) can stay off.
//!
//! One job lists the paths (`hdfs dfs -ls -d`); what to do is decided from
//! that listing with the same rules as the WebHDFS hook
//! ([`webhdfs::decide`]); a second job runs the commands, only when there is
//! something to do. Parsing the listing and writing the commands are pure.

use std::collections::BTreeMap;

use super::{self as webhdfs, FileStatus, NotADirectory, Op, Outcome};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::job::{self as submit, sh_quote, Job};
use crate::output::Progress;
use crate::plan::{PathDef, Plan, ServiceDef};

/// The command of the listing job. `ls` fails for a missing path and goes
/// on with the others; the job itself succeeds (its output is what counts,
/// [`parse_listing`]), so progress does not show a failure for a first `up`.
pub fn list_command(paths: &[PathDef]) -> Vec<String> {
    let quoted: Vec<String> = paths.iter().map(|p| sh_quote(&p.path)).collect();
    vec!["sh".into(), "-c".into(), format!("hdfs dfs -ls -d {} || true", quoted.join(" "))]
}

/// A mode as `ls` shows it (`drwxrwxrwt`, maybe with a trailing `+` for
/// ACLs) in octal, as HDFS writes it: `1777`, `755`.
fn octal(symbolic: &str) -> Option<String> {
    let bits: Vec<char> = symbolic.chars().skip(1).take(9).collect();
    if bits.len() != 9 {
        return None;
    }
    let mut mode = 0u32;
    for (i, c) in bits.iter().enumerate() {
        let bit = 1 << (8 - i);
        match (i, c) {
            (_, '-') => {}
            (0 | 3 | 6, 'r') | (1 | 4 | 7, 'w') | (2 | 5 | 8, 'x') => mode |= bit,
            (8, 't') => mode |= bit | 0o1000,
            (8, 'T') => mode |= 0o1000,
            _ => return None,
        }
    }
    Some(format!("{mode:o}"))
}

/// A path the listing says nothing about: the NameNode did not answer, say.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("`hdfs dfs -ls -d` said nothing about {path}")]
pub struct Unlisted {
    pub path: String,
}

/// What the listing says of each path: `Some` for a listed path, `None` for
/// one that does not exist. A path it says nothing about is an error (the
/// NameNode did not answer, say), with the output to show.
pub fn parse_listing(paths: &[PathDef], output: &[String]) -> std::result::Result<BTreeMap<String, Option<FileStatus>>, Unlisted> {
    let mut found = BTreeMap::new();
    for line in output {
        // drwxrwxrwt   - hadoop supergroup          0 2026-11-26 10:00 /tmp
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 8 {
            continue;
        }
        let Some(permission) = octal(fields[0]) else { continue };
        let kind = match fields[0].chars().next() {
            Some('d') => "DIRECTORY",
            Some('-') => "FILE",
            _ => "SYMLINK",
        };
        // The path is the rest of the line after the time (it may hold spaces).
        let Some(at) = line.find(fields[5]).and_then(|d| line[d..].find(fields[6]).map(|t| d + t + fields[6].len())) else { continue };
        let path = line[at..].trim().to_string();
        let status = FileStatus { kind: kind.into(), permission, owner: fields[2].into(), group: fields[3].into() };
        found.insert(path, Some(status));
    }
    for p in paths {
        if !found.contains_key(&p.path)
            && output.iter().any(|l| l.contains(&format!("`{}'", p.path)) && l.contains("No such file or directory"))
        {
            found.insert(p.path.clone(), None);
        }
    }
    match paths.iter().find(|p| !found.contains_key(&p.path)) {
        Some(p) => Err(Unlisted { path: p.path.clone() }),
        None => Ok(found),
    }
}

/// The `hdfs dfs` commands that carry out `ops` (per path, in order): one
/// command per distinct action, all its paths together; directories are
/// made first, then modes, then owners.
pub fn commands(ops: &[(String, Vec<Op>)]) -> Vec<String> {
    let mut grouped: Vec<(u8, String, Vec<String>)> = Vec::new();
    for (path, path_ops) in ops {
        for op in path_ops {
            let (order, action) = match op {
                Op::Mkdirs => (0, "-mkdir -p".to_string()),
                Op::SetPermission(mode) => (1, format!("-chmod {mode}")),
                Op::SetOwner { owner: Some(o), group: Some(g) } => (2, format!("-chown {}", sh_quote(&format!("{o}:{g}")))),
                Op::SetOwner { owner: Some(o), group: None } => (2, format!("-chown {}", sh_quote(o))),
                Op::SetOwner { owner: None, group: Some(g) } => (2, format!("-chgrp {}", sh_quote(g))),
                Op::SetOwner { owner: None, group: None } => continue,
            };
            match grouped.iter_mut().find(|(_, a, _)| *a == action) {
                Some((_, _, paths)) => paths.push(sh_quote(path)),
                None => grouped.push((order, action, vec![sh_quote(path)])),
            }
        }
    }
    grouped.sort_by_key(|(order, _, _)| *order);
    grouped.into_iter().map(|(_, action, paths)| format!("hdfs dfs {action} {}", paths.join(" "))).collect()
}

/// The calls to make per path, and the outcome to report per path.
pub type Fixes = (Vec<(String, Vec<Op>)>, Vec<(String, Outcome)>);

/// What to do for every path, from the listing: the calls per path and the
/// outcomes to report.
pub fn plan_fixes(paths: &[PathDef], listing: &BTreeMap<String, Option<FileStatus>>) -> std::result::Result<Fixes, NotADirectory> {
    let mut ops = Vec::new();
    let mut done = Vec::new();
    for want in paths {
        let (path_ops, outcome) = webhdfs::decide(want, listing.get(&want.path).and_then(|s| s.as_ref()))?;
        if !path_ops.is_empty() {
            ops.push((want.path.clone(), path_ops));
        }
        done.push((want.path.clone(), outcome));
    }
    Ok((ops, done))
}

/// Make every path what it should be: a listing job, then (only when
/// something is missing or wrong) a job that fixes it.
pub async fn ensure(
    engine: &Engine,
    plan: &Plan,
    hook: &str,
    template: &ServiceDef,
    paths: &[PathDef],
    progress: &dyn Progress,
) -> Result<Vec<(String, Outcome)>> {
    let what = format!("hook `{hook}`");
    let help = "check `bdprov status`: the NameNode must run and be out of safe mode; then run `bdprov up` again";
    let (code, output) = submit::run(engine, plan, Job::new(template, hook, list_command(paths)), progress).await?;
    // What the listing lacks is told inside the job's failure, with its output.
    let listing = parse_listing(paths, &output).map_err(|e| submit::failed(&format!("{what} ({e})"), code, &output, help))?;
    let (ops, done) = plan_fixes(paths, &listing).map_err(|e| Error::from(e).context(&what))?;
    if ops.is_empty() {
        return Ok(done);
    }
    let script = format!("set -e\n{}\n", commands(&ops).join("\n"));
    let (code, output) = submit::run(engine, plan, Job::new(template, hook, vec!["sh".into(), "-c".into(), script]), progress).await?;
    if code != 0 {
        return Err(submit::failed(&what, code, &output, help));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_modes_in_octal() {
        assert_eq!(octal("drwxrwxrwt").as_deref(), Some("1777"));
        assert_eq!(octal("drwxr-xr-x").as_deref(), Some("755"));
        assert_eq!(octal("drwx-----T").as_deref(), Some("1700"));
        assert_eq!(octal("-rw-r--r--+").as_deref(), Some("644"));
        assert_eq!(octal("Found"), None);
    }
}
