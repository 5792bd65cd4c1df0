//! `render` and `blueprints`. The plan comes from [`super::blueprint::load_plan`], as for `up`.

use std::path::Path;

use super::blueprint::load_plan;
use super::{RenderArgs, RenderFormat};
use crate::blueprint::library;
use crate::error::{Error, Result};
use crate::plan;

pub async fn render(args: RenderArgs) -> Result<()> {
    let plan = load_plan(&args.blueprint)?;
    let (main, files, artifacts) = match args.format {
        RenderFormat::Plan => (("plan.yaml".to_string(), crate::yaml::to_string(&plan)), Vec::new(), Vec::new()),
        RenderFormat::Compose => {
            let c = plan::compose::compose(&plan);
            (("compose.yaml".to_string(), c.yaml), c.files, c.artifacts)
        }
    };
    let count = files.len() + artifacts.len();
    match &args.out {
        None => {
            print!("{}", main.1);
            if count > 0 {
                eprintln!("note: {count} config file(s) not written; pass --out DIR to write them next to the compose file");
            }
        }
        Some(dir) => {
            // The jars of artifact configs, as `up` mounts them: from the cache,
            // fetched and checked against the lock where missing. First, so a
            // failed download writes nothing.
            let names: Vec<String> = artifacts.iter().map(|(_, a)| a.clone()).collect();
            let jars = crate::images::maven::agents(&names, crate::output::reporter().as_ref())
                .await
                .map_err(|e| e.context("a Java agent the configs mount; nothing was written"))?;
            write(dir, &main.0, main.1.as_bytes())?;
            for (path, data) in &files {
                write(dir, path, data.as_bytes())?;
            }
            for (path, name) in &artifacts {
                write(dir, path, &jars[name])?;
            }
            eprintln!("wrote {} and {count} config file(s) to {}", main.0, dir.display());
        }
    }
    Ok(())
}

fn write(dir: &Path, rel: &str, data: &[u8]) -> Result<()> {
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
