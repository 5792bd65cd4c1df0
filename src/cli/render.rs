//! `render` and `blueprints`. The plan comes from [`super::blueprint::load_plan`], as for `up`.

use std::path::Path;

use super::blueprint::load_plan;
use super::{RenderArgs, RenderFormat};
use crate::blueprint::library;
use crate::error::{Error, Result};
use crate::plan;

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
