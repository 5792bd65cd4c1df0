//! YARN at a glance for `status`: memory allocated of the total, and
//! applications running and pending, from the ResourceManager's
//! `/ws/v1/cluster/metrics` (served by the read-only front of its web
//! port). One small JSON answer: cheap.

use serde_json::{json, Value};

use crate::systems::answer::BadAnswer;
use crate::systems::figures::{count, noun, parse_json, size, Ask, Figure, Source};

pub const PATH: &str = "/ws/v1/cluster/metrics";

pub fn source() -> Source {
    // The ResourceManager's front: the one its readiness probe reads.
    Source { system: "yarn", ask: Ask::Http { probe: "/ws/v1/cluster/info", path: PATH, read } }
}

/// The answer to [`PATH`] as the figure.
pub fn read(body: &str) -> Result<Figure, BadAnswer> {
    let answer = parse_json(body, "the ResourceManager's metrics")?;
    let m = answer.get("clusterMetrics").filter(|m| m.is_object()).ok_or("the ResourceManager's answer has no `clusterMetrics`")?;
    let what = "clusterMetrics";
    let (allocated, total) = (count(m, "allocatedMB", what)?, count(m, "totalMB", what)?);
    let (running, pending) = (count(m, "appsRunning", what)?, count(m, "appsPending", what)?);
    let nodes = count(m, "activeNodes", what).ok();
    let nodes_text = nodes.map(|n| format!(", {n} active {}", noun(n, "nodemanager", "nodemanagers"))).unwrap_or_default();
    let summary = format!(
        "{} of {} memory allocated, {running} {} running, {pending} pending{nodes_text}",
        size(allocated << 20),
        size(total << 20),
        noun(running, "application", "applications"),
    );
    Ok(Figure::new(
        summary,
        &[
            ("memory_allocated_mb", json!(allocated)),
            ("memory_total_mb", json!(total)),
            ("apps_running", json!(running)),
            ("apps_pending", json!(pending)),
            ("active_nodes", nodes.map_or(Value::Null, |n| json!(n))),
        ],
    ))
}
