//! A Spark standalone cluster at a glance for `status`: applications
//! running, alive workers and cores in use, from the master's `/json/` (the
//! page its readiness probe reads). One small JSON answer: cheap.

use serde_json::{json, Value};

use crate::systems::answer::BadAnswer;
use crate::systems::figures::{count, noun, parse_json, Ask, Figure, Source};

pub const PATH: &str = "/json/";

pub fn source() -> Source {
    // The master: the role whose probe (and the workers') reads `/json/`.
    Source { system: "spark", ask: Ask::Http { probe: "/json", path: PATH, read } }
}

/// The answer to [`PATH`] as the figure. Only the ALIVE master has
/// applications and workers: a standby's view would say none.
pub fn read(body: &str) -> Result<Figure, BadAnswer> {
    let m = parse_json(body, "the Spark master's /json/")?;
    let status = m.get("status").and_then(Value::as_str).unwrap_or("ALIVE");
    if status != "ALIVE" {
        return Err(format!("the master asked is {status}, not ALIVE").into());
    }
    let what = "the Spark master's /json/";
    let apps = m.get("activeapps").and_then(Value::as_array).map(Vec::len).ok_or("the Spark master's /json/ has no `activeapps`")? as u64;
    let workers = count(&m, "aliveworkers", what)?;
    let cores = count(&m, "cores", what).ok();
    let used = count(&m, "coresused", what).ok();
    let cores_text = match (used, cores) {
        (Some(u), Some(c)) => format!(", {u} of {c} cores in use"),
        _ => String::new(),
    };
    let summary = format!(
        "{apps} {} running, {workers} alive {}{cores_text}",
        noun(apps, "application", "applications"),
        noun(workers, "worker", "workers")
    );
    let opt = |v: Option<u64>| v.map_or(Value::Null, |n| json!(n));
    Ok(Figure::new(
        summary,
        &[("apps_running", json!(apps)), ("alive_workers", json!(workers)), ("cores", opt(cores)), ("cores_used", opt(used))],
    ))
}
