//! `up`, `down`, `status`, `scale`, `logs`, `init`, `unlock`. The commands
//! that change a cluster hold its lease while they run ([`ops::lease`]).

use super::blueprint::load_plan;
use super::{DownArgs, FailoverArgs, InitArgs, LogsArgs, Output, ScaleArgs, StatusArgs, StatusCmd, UnlockArgs, UpArgs};
use crate::engine::{Choice, Engine};
use crate::error::{Error, Result};
use crate::ops;
use crate::output::reporter;

pub async fn up(args: UpArgs, choice: &Choice) -> Result<()> {
    // Every input problem is found before the engine is even asked.
    let plan = load_plan(&args.blueprint)?;
    let engine = Engine::connect(choice).await?;
    if args.dry_run {
        let run = ops::dryrun::dry_run(&engine, &plan).await?;
        let what = if run.changes.is_empty() { "no changes" } else { "would change (dry run: nothing was changed)" };
        println!("cluster {} (blueprint {}) on {}: {what}", plan.cluster, plan.blueprint, engine.endpoint);
        print!("{}", run.report);
        return Ok(());
    }
    let _lease = ops::lease::hold(&engine, &plan.cluster, "up", args.lease.wait).await?;
    let progress = reporter();
    progress.note(&format!("cluster {} (blueprint {}) on {}", plan.cluster, plan.blueprint, engine.endpoint));
    for (role, why) in &plan.left_out {
        progress.note(&format!("role `{role}` is left out: {why}"));
    }
    let out = ops::apply::up(&engine, &plan, progress.as_ref()).await?;
    let secs = out.elapsed.as_secs_f64();
    if out.changed {
        println!("cluster {} is ready ({secs:.1}s)", plan.cluster);
    } else {
        println!("cluster {} is ready: no changes ({secs:.1}s)", plan.cluster);
    }
    let mut urls = crate::table::Table::headless(2).indent(2);
    for r in &out.roles {
        for url in &r.urls {
            urls.row([&r.role, url]);
        }
    }
    print!("{urls}");
    Ok(())
}

pub async fn down(args: DownArgs, choice: &Choice) -> Result<()> {
    let engine = Engine::connect(choice).await?;
    // A cluster already down (state gone) can still be named, e.g. to remove its volumes.
    let cluster = match (ops::pick_cluster(&engine, args.cluster.as_deref()).await, &args.cluster) {
        (Ok(plan), _) => plan.cluster,
        (Err(_), Some(name)) => name.clone(),
        (Err(e), None) => return Err(e),
    };
    let _lease = ops::lease::hold(&engine, &cluster, "down", args.lease.wait).await?;
    let progress = reporter();
    let out = ops::down::down(&engine, &cluster, args.volumes, progress.as_ref()).await?;
    if out.services.is_empty()
        && out.configs.is_empty()
        && out.secrets.is_empty()
        && out.network.is_none()
        && out.volumes_removed.is_empty()
        && out.volumes_kept.is_empty()
    {
        return Err(Error::help(format!("nothing of cluster `{cluster}` is on this swarm"), "`bdprov status` shows the clusters that run"));
    }
    println!(
        "cluster {} removed: {} service(s), {} config(s){}{}",
        cluster,
        out.services.len(),
        out.configs.len(),
        if out.secrets.is_empty() { String::new() } else { format!(", secret(s) {}", out.secrets.join(" ")) },
        out.network.as_ref().map(|n| format!(", network {n}")).unwrap_or_default()
    );
    if !out.volumes_removed.is_empty() {
        println!("removed volumes: {}", out.volumes_removed.join(", "));
    }
    if !out.volumes_kept.is_empty() {
        println!(
            "kept volumes (their data stays for the next `up`; `bdprov down --volumes` removes them): {}",
            out.volumes_kept.join(", ")
        );
    }
    if out.other_nodes > 0 {
        println!(
            "note: volumes on the other {} node(s) of the swarm are not listed here (the engine lists its own node's); on each node: docker volume ls --filter label=bdprov.cluster={cluster}",
            out.other_nodes
        );
    }
    Ok(())
}

pub async fn status(cmd: StatusCmd, choice: &Choice) -> Result<()> {
    use std::io::{IsTerminal, Write};
    let args = cmd.args;
    let engine = Engine::connect(choice).await?;
    let plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
    let show = |st: &ops::status::ClusterStatus| match args.output {
        Output::Json => format!("{}\n", serde_json::to_string_pretty(st).expect("status serializes")),
        Output::Table => st.to_string(),
    };
    let Some(every) = cmd.watch else {
        print!("{}", show(&ops::status::status(&engine, &plan).await?));
        return Ok(());
    };
    // On a terminal each view replaces the last (cursor home, clear);
    // elsewhere (a file, a pipe) they follow each other.
    let terminal = std::io::stdout().is_terminal();
    loop {
        let text = show(&ops::status::status(&engine, &plan).await?);
        let mut out = std::io::stdout().lock();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let when = ops::lease::format_utc(now);
        if terminal {
            let _ = write!(out, "\x1b[H\x1b[2J{when} (every {every}s, Ctrl-C ends)\n{text}");
        } else {
            let _ = write!(out, "--- {when}\n{text}");
        }
        let _ = out.flush();
        drop(out);
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(every)) => {}
            _ = crate::signals::interrupted() => return Ok(()),
        }
    }
}

pub async fn scale(args: ScaleArgs, choice: &Choice) -> Result<()> {
    let (cluster, reqs) = match args.args.split_first() {
        Some((first, rest)) if !first.contains('=') => (Some(first.as_str()), rest),
        _ => (None, args.args.as_slice()),
    };
    if reqs.is_empty() {
        return Err(Error::input(
            match cluster {
                Some(word) => format!("`{word}` is not ROLE=N, and nothing else says what to scale"),
                None => "nothing to scale".to_string(),
            },
            "write ROLE=N, e.g. `bdprov scale worker=3` (or `bdprov scale CLUSTER worker=3`)",
        ));
    }
    let requests = reqs.iter().map(|r| ops::scale::parse_request(r)).collect::<Result<Vec<_>>>()?;
    let engine = Engine::connect(choice).await?;
    let name = ops::pick_cluster(&engine, cluster).await?.cluster;
    let _lease = ops::lease::hold(&engine, &name, "scale", args.lease.wait).await?;
    // Read again under the lease: the command it waited for may have changed it.
    let plan = ops::pick_cluster(&engine, Some(&name)).await?;
    let progress = reporter();
    let roles = ops::scale::scale(&engine, &plan, &requests, progress.as_ref()).await?;
    let summary: Vec<String> = roles
        .iter()
        .filter(|r| requests.iter().any(|(n, _)| n == &r.role))
        .map(|r| format!("{} {}/{} ready", r.role, r.ready, r.desired))
        .collect();
    println!("cluster {} scaled: {}", plan.cluster, summary.join(", "));
    Ok(())
}

/// `[CLUSTER] ROLE` arguments.
fn cluster_and_role<'a>(args: &'a [String], example: &str) -> Result<(Option<&'a str>, &'a str)> {
    match args {
        [role] => Ok((None, role.as_str())),
        [cluster, role] => Ok((Some(cluster.as_str()), role.as_str())),
        _ => Err(Error::input("expected [CLUSTER] ROLE", format!("e.g. `{example}`"))),
    }
}

pub async fn logs(args: LogsArgs, choice: &Choice) -> Result<()> {
    let (cluster, role) = cluster_and_role(&args.args, "bdprov logs worker")?;
    let engine = Engine::connect(choice).await?;
    let plan = ops::pick_cluster(&engine, cluster).await?;
    ops::logs::logs(&engine, &plan, role, args.follow, args.tail).await
}

pub async fn failover(args: FailoverArgs, choice: &Choice) -> Result<()> {
    let (cluster, role) = cluster_and_role(&args.args, "bdprov failover namenode")?;
    let engine = Engine::connect(choice).await?;
    let name = ops::pick_cluster(&engine, cluster).await?.cluster;
    let _lease = ops::lease::hold(&engine, &name, "failover", args.lease.wait).await?;
    // Read again under the lease: what a command before it left.
    let plan = ops::pick_cluster(&engine, Some(&name)).await?;
    let progress = reporter();
    let h = ops::failover::failover(&engine, &plan, role, args.to, progress.as_ref()).await?;
    println!("{}: {} is active (was {}), handed over in {:.1}s", h.role, h.to, h.from, h.secs);
    for m in &h.members {
        println!("  {}  {}", m.role, m.mode.as_deref().unwrap_or("?"));
    }
    Ok(())
}

pub async fn init(args: InitArgs, choice: &Choice) -> Result<()> {
    let engine = Engine::connect(choice).await?;
    if engine.init_swarm(&args.advertise_addr).await? {
        println!("this engine is now a single-node swarm manager (advertising {})", args.advertise_addr);
    } else {
        engine.manager().await?;
        println!("this engine is already a swarm manager");
    }
    Ok(())
}

pub async fn doctor(args: StatusArgs, choice: &Choice) -> Result<()> {
    let engine = Engine::connect(choice).await?;
    let plan = ops::pick_cluster(&engine, args.cluster.as_deref()).await?;
    let progress = reporter();
    let findings = ops::doctor::doctor(&engine, &plan, progress.as_ref()).await?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&findings).expect("findings serialize")),
        Output::Table => print!("{}", ops::doctor::report(&findings)),
    }
    if findings.iter().any(|f| !f.ok) {
        return Err(Error::JobExit(1));
    }
    Ok(())
}

pub async fn unlock(args: UnlockArgs, choice: &Choice) -> Result<()> {
    let engine = Engine::connect(choice).await?;
    match ops::lease::unlock(&engine, &args.cluster).await? {
        Some(seen) => {
            eprintln!("{}", ops::lease::broken_warning(&args.cluster, &seen));
            println!("cluster {} is unlocked", args.cluster);
        }
        None => println!("cluster {} has no lease: nothing to unlock", args.cluster),
    }
    Ok(())
}
