//! `images build`, `images list` and `images push`.

use super::{ImagesArgs, ImagesCommand};
use crate::engine::Engine;
use crate::error::Result;
use crate::images;
use crate::output::reporter;

pub async fn images(args: ImagesArgs) -> Result<()> {
    let engine = Engine::connect().await?;
    match args.command {
        ImagesCommand::Build { names, force } => {
            let progress = reporter();
            for (reference, state) in images::build(&engine, &names, force, progress.as_ref()).await? {
                println!("{reference:<32} {state}");
            }
        }
        ImagesCommand::Push { names, registry } => {
            let registry = match registry {
                Some(r) => r,
                None => crate::ops::registry_address(&engine).await?,
            };
            let progress = reporter();
            for (image, target) in images::push(&engine, &names, &registry, progress.as_ref()).await? {
                println!("{image:<32} → {target}");
            }
            println!("use them with: bdprov up BLUEPRINT --images local --registry {registry}");
        }
        ImagesCommand::List => {
            let rows = images::list(&engine).await?;
            if rows.is_empty() {
                println!("no offline images yet; `bdprov images build` makes them");
            }
            for r in rows {
                println!("{:<36} {:>8}  {}", r["image"], r["size"], r["versions"]);
            }
        }
    }
    Ok(())
}
