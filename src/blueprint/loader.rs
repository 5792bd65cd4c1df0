//! The only part of the blueprint stage that reads files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::library;
use super::overlay::Resolve;
use crate::diag::SourceFile;

/// Built-in names first, then paths (relative to the including file's folder).
pub struct FsResolver;

impl Resolve for FsResolver {
    fn blueprint(&self, name: &str, from: Option<&Path>) -> Result<(Arc<SourceFile>, Option<PathBuf>), String> {
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
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !looks_like_path => Err(format!(
                "no blueprint `{name}`: it is not built in ({}) and there is no file of that name",
                library::names().join(", ")
            )),
            Err(e) => Err(format!("cannot read blueprint {}: {e}", path.display())),
        }
    }
}

/// Read a `-f` values file.
pub fn read_values(path: &Path) -> Result<Arc<SourceFile>, String> {
    std::fs::read_to_string(path)
        .map(|text| SourceFile::new(path.display().to_string(), text))
        .map_err(|e| format!("cannot read values file {}: {e}", path.display()))
}

/// Every file under `dir`, named by its path relative to `dir` (`spark/spark-defaults.conf`).
pub fn read_templates(dir: &Path) -> Result<Vec<(String, Arc<SourceFile>)>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Arc<SourceFile>)>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read templates folder {}: {e}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read template {}: {e}", path.display()))?;
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
