//! HDFS at a glance for `status`: capacity, under-replicated blocks and
//! DataNodes, from the NameNode's `FSNamesystemState` bean (`/jmx`, served
//! by the read-only front of its web port). One small JSON answer: cheap.

use serde_json::{json, Value};

use crate::systems::answer::BadAnswer;
use crate::systems::figures::{count, noun, parse_json, size, Ask, Figure, Source};

/// The bean asked; its attributes are those of Hadoop's `FSNamesystemMBean`.
pub const PATH: &str = "/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState";

pub fn source() -> Source {
    // The NameNode's front: the one its readiness probe (and the
    // DataNodes') reads NameNode beans from.
    Source { system: "hdfs", ask: Ask::Http { probe: "/jmx?qry=Hadoop:service=NameNode", path: PATH, read } }
}

/// The answer to [`PATH`] as the figure.
pub fn read(body: &str) -> Result<Figure, BadAnswer> {
    let answer = parse_json(body, "the NameNode's JMX answer")?;
    let beans = answer.get("beans").and_then(Value::as_array).ok_or("the NameNode's JMX answer has no `beans`")?;
    let bean = beans
        .iter()
        .find(|b| b.get("name").and_then(Value::as_str) == Some("Hadoop:service=NameNode,name=FSNamesystemState"))
        .or(beans.first())
        .ok_or("the NameNode has no FSNamesystemState bean (still starting?)")?;
    let what = "FSNamesystemState";
    let used = count(bean, "CapacityUsed", what)?;
    let total = count(bean, "CapacityTotal", what)?;
    let under = count(bean, "UnderReplicatedBlocks", what)?;
    let live = count(bean, "NumLiveDataNodes", what)?;
    let dead_count = count(bean, "NumDeadDataNodes", what).unwrap_or(0);
    let dead = if dead_count > 0 { format!(", {dead_count} dead") } else { String::new() };
    let summary = format!(
        "{} of {} used, {under} under-replicated {}, {live} live {}{dead}",
        size(used),
        size(total),
        noun(under, "block", "blocks"),
        noun(live, "datanode", "datanodes"),
    );
    Ok(Figure::new(
        summary,
        &[
            ("capacity_used", json!(used)),
            ("capacity_total", json!(total)),
            ("under_replicated_blocks", json!(under)),
            ("live_datanodes", json!(live)),
            ("dead_datanodes", json!(dead_count)),
        ],
    ))
}
