//! A blueprint's command-line arguments ([`BlueprintArgs`]) into a plan,
//! through the one pipeline ([`crate::pipeline`]), within a time budget:
//! what `render` and `up` (and its dry run) start from. Reads only files;
//! every input problem is reported together.

use super::BlueprintArgs;
use crate::blueprint::{loader, overlay::Resolve, Overrides};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::pipeline::{self, Source};
use crate::plan::Plan;

/// How long reading, checking and rendering a blueprint may take. Real ones
/// take milliseconds; Tera has no limit of its own on loops in templates.
const RENDER_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// The plan for a blueprint, within [`RENDER_BUDGET`] whatever the input.
pub fn load_plan(args: &BlueprintArgs) -> Result<Plan> {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = args.clone();
    std::thread::spawn(move || {
        let _ = tx.send(load_plan_now(&owned));
    });
    rx.recv_timeout(RENDER_BUDGET).unwrap_or_else(|_| {
        Err(Diagnostic::new(format!(
            "{}: rendering did not finish in {}s (a loop in a template or blueprint string runs too long or makes too much output)",
            args.blueprint,
            RENDER_BUDGET.as_secs()
        ))
        .help("keep `{% for %}` loops over ranges small and not nested; real blueprints render in milliseconds")
        .into())
    })
}

fn load_plan_now(args: &BlueprintArgs) -> Result<Plan> {
    let (main, dir) = loader::FsResolver
        .blueprint(&args.blueprint, None)
        .map_err(|e| Error::from(Diagnostic::new(e.to_string()).help("`bdprov blueprints` lists the built-in ones")))?;
    let values = args.values.iter().map(|p| loader::read_values(p)).collect::<std::result::Result<Vec<_>, _>>()?;
    if args.registry.is_some() && args.images != super::ImageSetArg::Local {
        return Err(Diagnostic::new("--registry names where the offline images are: it goes with --images local")
            .help("add --images local, or drop --registry (official images come from their own registries)")
            .into());
    }
    let source = Source {
        main,
        dir,
        resolver: &loader::FsResolver,
        overrides: Overrides { values, sets: args.sets.clone() },
        name: args.name.clone(),
        templates: args.templates.clone(),
    };
    pipeline::plan(&source, args.images.into(), args.registry.clone())
}
