//! The only part of the blueprint stage that reads files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::library;
use super::overlay::{Resolve, Unresolved};
use crate::diag::{Diagnostic, SourceFile};

/// Built-in names first, then paths (relative to the including file's folder).
pub struct FsResolver;

impl Resolve for FsResolver {
    fn blueprint(&self, name: &str, from: Option<&Path>) -> Result<(Arc<SourceFile>, Option<PathBuf>), Unresolved> {
        let looks_like_path = name.contains('/') || name.ends_with(".yaml") || name.ends_with(".yml");
        if !looks_like_path {
            if let Some(text) = library::builtin(name) {
                return Ok((SourceFile::new(format!("builtin:{name}"), text), None));
            }
        }
        let path = match from {
            Some(dir) if Path::new(name).is_relative() => dir.join(name),
            _ => PathBuf::from(name),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((SourceFile::new(path.display().to_string(), text), path.parent().map(Path::to_path_buf))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !looks_like_path => {
                Err(Unresolved::Unknown { name: name.to_string(), known: library::names().join(", ") })
            }
            Err(source) => Err(Unresolved::Unreadable { path, source }),
        }
    }
}

/// A file given on the command line (`-f`, `--templates`) that cannot be
/// read, with the I/O error as its cause: bad input, told as a diagnostic
/// with the advice of the option it came from.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error("cannot read values file {}: {source}", path.display())]
    Values { path: PathBuf, source: std::io::Error },
    #[error("cannot read templates folder {}: {source}", path.display())]
    TemplatesFolder { path: PathBuf, source: std::io::Error },
    #[error("cannot read template {}: {source}", path.display())]
    Template { path: PathBuf, source: std::io::Error },
}

impl Unreadable {
    /// What to give instead: the option's advice.
    pub fn help(&self) -> &'static str {
        match self {
            Unreadable::Values { .. } => "-f takes a values file: YAML with a blueprint's keys",
            Unreadable::TemplatesFolder { .. } | Unreadable::Template { .. } => "--templates takes a folder of template files",
        }
    }
}

impl From<Unreadable> for Diagnostic {
    fn from(e: Unreadable) -> Diagnostic {
        Diagnostic::new(e.to_string()).help(e.help())
    }
}

impl From<Unreadable> for crate::error::Error {
    fn from(e: Unreadable) -> crate::error::Error {
        Diagnostic::from(e).into()
    }
}

/// Read a `-f` values file.
pub fn read_values(path: &Path) -> Result<Arc<SourceFile>, Unreadable> {
    std::fs::read_to_string(path)
        .map(|text| SourceFile::new(path.display().to_string(), text))
        .map_err(|source| Unreadable::Values { path: path.to_path_buf(), source })
}

/// Every file under `dir`, named by its path relative to `dir` (`spark/spark-defaults.conf`).
pub fn read_templates(dir: &Path) -> Result<Vec<(String, Arc<SourceFile>)>, Unreadable> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Arc<SourceFile>)>) -> Result<(), Unreadable> {
        let entries = std::fs::read_dir(dir).map_err(|source| Unreadable::TemplatesFolder { path: dir.to_path_buf(), source })?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let text = std::fs::read_to_string(&path).map_err(|source| Unreadable::Template { path: path.clone(), source })?;
                let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.push((name, SourceFile::new(path.display().to_string(), text)));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn an_unreadable_file_is_bad_input_said_as_before_with_its_options_advice() {
        let missing = Path::new("/nonexistent/bdprov-loader-test");
        let values = read_values(&missing.join("v.yaml")).unwrap_err();
        assert!(matches!(values, Unreadable::Values { .. }), "{values:?}");
        let io = values.source().and_then(|c| c.downcast_ref::<std::io::Error>()).expect("the I/O error is the cause");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        let os = io.to_string();
        assert_eq!(values.to_string(), format!("cannot read values file /nonexistent/bdprov-loader-test/v.yaml: {os}"));
        let e = crate::error::Error::from(values);
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            format!("error: cannot read values file /nonexistent/bdprov-loader-test/v.yaml: {os}\n  = help: -f takes a values file: YAML with a blueprint's keys\n")
        );
        let folder = read_templates(missing).unwrap_err();
        assert!(matches!(folder, Unreadable::TemplatesFolder { .. }), "{folder:?}");
        assert!(folder.to_string().starts_with("cannot read templates folder /nonexistent/bdprov-loader-test: "), "{folder}");
        assert_eq!(folder.help(), "--templates takes a folder of template files");
        let template = Unreadable::Template { path: "t/a.conf".into(), source: std::io::Error::other("bad bytes") };
        assert_eq!(
            Diagnostic::from(template).to_string(),
            Diagnostic::new("cannot read template t/a.conf: bad bytes").help("--templates takes a folder of template files").to_string()
        );
    }
}
