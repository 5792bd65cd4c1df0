//! `render` and `blueprints`, and loading a blueprint into a plan (shared with `up`).

use std::path::Path;

use super::{BlueprintArgs, RenderArgs, RenderFormat};
use crate::blueprint::{self, library, loader, overlay::Resolve, Overrides};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::plan::{self, build::Options, Plan};
use crate::render::Renderer;
use crate::units::{valid_name, NAME_RULE};

/// Blueprint + overrides → plan, reading only files. Every input problem is reported together.
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
    let input = |help: &'static str| move |m: String| Error::from(Diagnostic::new(m).help(help));
    let (main, dir) = loader::FsResolver.blueprint(&args.blueprint, None).map_err(input("`bdprov blueprints` lists the built-in ones"))?;
    let values = args
        .values
        .iter()
        .map(|p| loader::read_values(p))
        .collect::<Result<Vec<_>, String>>()
        .map_err(input("-f takes a values file: YAML with a blueprint's keys"))?;
    if args.registry.is_some() && args.images != super::ImageSetArg::Local {
        return Err(Diagnostic::new("--registry names where the offline images are: it goes with --images local")
            .help("add --images local, or drop --registry (official images come from their own registries)")
            .into());
    }
    let overrides = Overrides { values, sets: args.sets.clone() };
    let bp = blueprint::assemble(&main, dir.clone(), &loader::FsResolver, &overrides)?;
    let cluster = args.name.clone().unwrap_or_else(|| bp.name.clone());
    if !valid_name(&cluster) {
        return Err(Diagnostic::new(format!("--name {cluster}: not a valid cluster name")).help(NAME_RULE).into());
    }
    let template_dir = args.templates.clone().or_else(|| dir.map(|d| d.join("templates")).filter(|d| d.is_dir()));
    let user = match &template_dir {
        Some(d) => loader::read_templates(d).map_err(input("--templates takes a folder of template files"))?,
        None => Vec::new(),
    };
    let renderer = Renderer::new(user)?;
    Ok(plan::build(&bp, &renderer, &Options { cluster, images: args.images.into(), registry: args.registry.clone() })?)
}

pub fn render(args: RenderArgs) -> Result<()> {
    let plan = load_plan(&args.blueprint)?;
    let (main, files) = match args.format {
        RenderFormat::Plan => (("plan.yaml".to_string(), crate::yaml::to_string(&plan)), Vec::new()),
        RenderFormat::Compose => {
            let c = plan::compose::compose(&plan);
            (("compose.yaml".to_string(), c.yaml), c.files)
        }
    };
    match &args.out {
        None => {
            print!("{}", main.1);
            if !files.is_empty() {
                eprintln!("note: {} config file(s) not written; pass --out DIR to write them next to the compose file", files.len());
            }
        }
        Some(dir) => {
            write(dir, &main.0, &main.1)?;
            for (path, data) in &files {
                write(dir, path, data)?;
            }
            eprintln!("wrote {} and {} config file(s) to {}", main.0, files.len(), dir.display());
        }
    }
    Ok(())
}

fn write(dir: &Path, rel: &str, data: &str) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::msg(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(&path, data).map_err(|e| Error::msg(format!("cannot write {}: {e}", path.display())))
}

pub fn blueprints() -> Result<()> {
    let mut table = crate::table::Table::headless(2);
    for (name, text) in library::BUILTIN {
        table.row([name.to_string(), library::description(text).to_string()]);
    }
    print!("{table}");
    Ok(())
}
