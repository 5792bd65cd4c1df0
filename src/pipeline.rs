//! Blueprint → plan, assembled in one place: the blueprint and what is laid
//! over it (includes, `-f` values files, `--set`) are read and checked
//! ([`crate::blueprint`]), the cluster is named, the templates are loaded
//! ([`crate::render`]) and the plan is built ([`crate::plan`]). `render`,
//! `up` and its dry run ([`crate::cli`]) and the fuzz targets
//! ([`crate::fuzz`]) all call [`plan`].
//!
//! Pure but for reading a folder of templates, when one is named or lies
//! next to the blueprint's file.

use std::path::PathBuf;
use std::sync::Arc;

use crate::blueprint::{self, loader, overlay::Resolve, Overrides};
use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::error::Result;
use crate::plan::{self, build::Options, ImageSet, Plan};
use crate::render::Renderer;
use crate::units::{valid_name, NAME_RULE};

/// A blueprint and what is laid over it.
pub struct Source<'a> {
    /// The blueprint's text.
    pub main: Arc<SourceFile>,
    /// The folder of its file; none for a built-in blueprint.
    pub dir: Option<PathBuf>,
    /// Where `include:` finds the blueprints it names.
    pub resolver: &'a dyn Resolve,
    /// `-f` values files and `--set` arguments.
    pub overrides: Overrides,
    /// The cluster's name (`--name`); else the blueprint's.
    pub name: Option<String>,
    /// A folder of templates (`--templates`); else `templates/` next to
    /// the blueprint's file, if there is one.
    pub templates: Option<PathBuf>,
}

/// The plan for a blueprint, with `images` (and the `registry` that holds
/// offline ones). Every problem with the input is an input error.
pub fn plan(source: &Source<'_>, images: ImageSet, registry: Option<String>) -> Result<Plan> {
    let bp = blueprint::assemble(&source.main, source.dir.clone(), source.resolver, &source.overrides)?;
    let cluster = source.name.clone().unwrap_or_else(|| bp.name.clone());
    if !valid_name(&cluster) {
        return Err(Diagnostic::new(format!("--name {cluster}: not a valid cluster name")).help(NAME_RULE).into());
    }
    let template_dir = source.templates.clone().or_else(|| source.dir.as_ref().map(|d| d.join("templates")).filter(|d| d.is_dir()));
    let user = match &template_dir {
        Some(d) => loader::read_templates(d)?,
        None => Vec::new(),
    };
    let renderer = Renderer::new(user)?;
    let mut plan = plan::build(&bp, &renderer, &Options { cluster, images, registry, systems: &crate::systems::Sections })?;
    let mut errs = Diagnostics::default();
    crate::systems::check_plan(&bp, &renderer, &mut plan, &mut errs);
    Ok(errs.finish(plan)?)
}
