//! Live figures for `bdprov status`: a few numbers per system, read from
//! the daemons' own endpoints (the ones readiness probes already reach), and
//! phrased as one short line each.
//!
//! What to ask and how to read the answer is product knowledge, kept in
//! each system's `figures` module; [`sources`] lists them. The generic
//! side ([`crate::ops::figures`]) finds each system's front through the
//! readiness probes of the plan (preferring the active member of a pair),
//! asks it, and turns any failure into "unknown: <why>".

use serde::Serialize;
use serde_json::{Map, Value};

use super::answer::BadAnswer;
use super::hdfs::figures as hdfs_figures;
use super::spark::figures as spark_figures;
use super::storm::figures as storm_figures;
use super::yarn::figures as yarn_figures;
use super::zookeeper::figures as zookeeper_figures;
use crate::plan::CheckDef;

/// What one system says about itself now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// One short line: `1.2 GiB of 40 GiB used, …`, or `unknown: <why>`.
    pub summary: String,
    /// The numbers read, by name (`live_datanodes`: 3); for a figure that
    /// could not be read, `unknown` and why.
    #[serde(flatten)]
    pub values: Map<String, Value>,
}

impl Figure {
    pub fn new(summary: impl Into<String>, values: &[(&str, Value)]) -> Figure {
        Figure { summary: summary.into(), values: values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() }
    }

    /// A figure that could not be read, and why.
    pub fn unknown(why: impl Into<String>) -> Figure {
        let why = why.into();
        Figure { summary: format!("unknown: {why}"), values: Map::from_iter([("unknown".to_string(), Value::String(why))]) }
    }

    pub fn is_known(&self) -> bool {
        !self.values.contains_key("unknown")
    }

    /// A number read, by name.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.values.get(name).and_then(Value::as_u64)
    }
}

/// A member of an ensemble as its readiness probe saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub name: String,
    /// What it said it is (`leader`, `follower`); `None`: it did not answer.
    pub mode: Option<String>,
}

/// How a system's figure is read.
pub enum Ask {
    /// `GET path` from the front that a readiness probe asks when its path
    /// starts with `probe`; `read` turns the answer's body into the figure.
    Http { probe: &'static str, path: &'static str, read: fn(&str) -> Result<Figure, BadAnswer> },
    /// From the modes the probes of the members probed with a `probed`
    /// check saw (no request of its own).
    Modes { probed: fn(&CheckDef) -> bool, read: fn(&[Member]) -> Result<Figure, BadAnswer> },
}

pub struct Source {
    /// The key of the figure (`hdfs`), in the table and in JSON.
    pub system: &'static str,
    pub ask: Ask,
}

/// Every system bdprov reads figures of (shown in the order of their names).
pub fn sources() -> Vec<Source> {
    vec![hdfs_figures::source(), yarn_figures::source(), spark_figures::source(), zookeeper_figures::source(), storm_figures::source()]
}

/// A JSON answer, or why it is not one.
pub(crate) fn parse_json(body: &str, what: &str) -> Result<Value, BadAnswer> {
    serde_json::from_str(body).map_err(|e| BadAnswer::json(e, |e| format!("{what} is not JSON ({e})")))
}

/// A count at `key` of `v` (numbers also as strings), or why not.
pub(crate) fn count(v: &Value, key: &str, what: &str) -> Result<u64, BadAnswer> {
    v.get(key).and_then(crate::http::as_count).ok_or_else(|| BadAnswer::NoCount { what: what.to_string(), key: key.to_string() })
}

/// The word for `n` things: `one` for 1, else `many`.
pub(crate) fn noun<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// A size for people: `512 B`, `1.2 GiB`, `40 GiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 || value.fract() < 0.05 {
        format!("{} {}", value.round() as u64, UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1288490189), "1.2 GiB");
        assert_eq!(size(40 << 30), "40 GiB");
        assert_eq!(size(150 << 20), "150 MiB");
        assert_eq!(size(1536), "1.5 KiB");
    }

    #[test]
    fn an_unknown_figure_says_why() {
        let f = Figure::unknown("HTTP 503 from http://n:9870/jmx");
        assert_eq!(f.summary, "unknown: HTTP 503 from http://n:9870/jmx");
        assert!(!f.is_known());
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            serde_json::json!({"summary": f.summary, "unknown": "HTTP 503 from http://n:9870/jmx"})
        );
    }
}
