//! `images build`, `images list` and `images push`.

use super::{ImagesArgs, ImagesCommand};
use crate::engine::{Choice, Engine};
use crate::error::Result;
use crate::images;
use crate::output::reporter;
use crate::table::Table;

pub async fn images(args: ImagesArgs, choice: &Choice) -> Result<()> {
    let engine = Engine::connect(choice).await?;
    match args.command {
        ImagesCommand::Build { names, force } => {
            let progress = reporter();
            let mut table = Table::headless(2);
            for (reference, state) in images::build(&engine, &names, force, progress.as_ref()).await? {
                table.row([reference, state.to_string()]);
            }
            print!("{table}");
        }
        ImagesCommand::Push { names, registry } => {
            let registry = match registry {
                Some(r) => r,
                None => crate::ops::registry_address(&engine).await?,
            };
            let progress = reporter();
            let mut table = Table::headless(3);
            for (image, target) in images::push(&engine, &names, &registry, progress.as_ref()).await? {
                table.row([image.to_string(), "→".into(), target.to_string()]);
            }
            print!("{table}");
            println!("use them with: bdprov up BLUEPRINT --images local --registry {registry}");
        }
        ImagesCommand::List => {
            let rows = images::list(&engine).await?;
            if rows.is_empty() {
                println!("no offline images yet; `bdprov images build` makes them");
            }
            let mut table = Table::headless(3).right(&[1]);
            for r in rows {
                table.row([r.image, r.size, r.versions]);
            }
            print!("{table}");
        }
    }
    Ok(())
}
