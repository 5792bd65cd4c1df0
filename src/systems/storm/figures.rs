//! A Storm cluster at a glance for `status`: its topologies, from the UI's
//! `/api/v1/topology/summary` (through its read-only front, as `bdprov
//! storm list` asks). The UI asks nimbus once per call: cheap.

use serde_json::json;

use super::parse_topologies;
use crate::systems::answer::BadAnswer;
use crate::systems::figures::{noun, Ask, Figure, Source};

pub const PATH: &str = "/api/v1/topology/summary";

/// At most this many topologies are named in the line.
const NAMED: usize = 3;

pub fn source() -> Source {
    // The UI's front: the one the UI's (and nimbus pairs') probes read.
    Source { system: "storm", ask: Ask::Http { probe: "/api/v1/nimbus/summary", path: PATH, read } }
}

/// The answer to [`PATH`] as the figure.
pub fn read(body: &str) -> Result<Figure, BadAnswer> {
    let topologies = parse_topologies(body)?;
    let n = topologies.len() as u64;
    let active = topologies.iter().filter(|t| t.status == "ACTIVE").count() as u64;
    let mut names: Vec<String> = topologies.iter().take(NAMED).map(|t| format!("{} {}", t.name, t.status)).collect();
    if topologies.len() > NAMED {
        names.push("…".into());
    }
    let summary = match n {
        0 => "no topologies".to_string(),
        _ => format!("{n} {} ({active} active): {}", noun(n, "topology", "topologies"), names.join(", ")),
    };
    Ok(Figure::new(summary, &[("topologies", json!(n)), ("active_topologies", json!(active))]))
}
