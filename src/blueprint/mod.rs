//! Blueprints: what a cluster is made of. Pure: text in, validated model out.
//!
//! `source text → YAML tree (with spans) → includes → -f values → --set →
//! decode + cross-checks → Blueprint`. Reading files is the loader's job.

mod check;
mod decode;
pub mod exposure;
mod fields;
mod hooks;
mod jobs;
pub mod library;
pub mod loader;
pub mod model;
pub mod overlay;
mod read;
mod roles;
pub mod secrets;

use std::path::PathBuf;
use std::sync::Arc;

pub use model::*;

use crate::diag::{Diagnostics, SourceFile};

/// Everything the user said about the blueprint on the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `-f FILE`, in order, already read.
    pub values: Vec<Arc<SourceFile>>,
    /// `--set PATH=VALUE`, in order.
    pub sets: Vec<String>,
}

/// Assemble and validate a blueprint: includes, then values files, then
/// `--set`, then decoding. A bad include stops at once; the problems of all
/// values files and `--set`s come back together, and decoding (which
/// reports its own together) runs only when there were none.
pub fn assemble(
    main: &Arc<SourceFile>,
    dir: Option<PathBuf>,
    resolver: &dyn overlay::Resolve,
    overrides: &Overrides,
) -> Result<Blueprint, Diagnostics> {
    let mut tree = overlay::with_includes(main, dir.clone(), resolver, &mut vec![main.name.clone()])?;
    let mut errs = Diagnostics::default();
    for file in &overrides.values {
        if let Err(e) = overlay::apply_values(&mut tree, file) {
            errs.0.extend(e.0);
        }
    }
    for set in &overrides.sets {
        if let Err(e) = overlay::apply_set(&mut tree, set) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    decode::decode(&tree)
}
