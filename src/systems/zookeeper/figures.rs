//! A ZooKeeper ensemble at a glance for `status`: which member leads, from
//! the modes its members' readiness probes (`srvr`) already reported: no
//! request of its own.

use serde_json::{json, Value};

use crate::plan::CheckDef;
use crate::systems::answer::BadAnswer;
use crate::systems::figures::{noun, Ask, Figure, Member, Source};

pub fn source() -> Source {
    Source { system: "zookeeper", ask: Ask::Modes { probed: |c| matches!(c, CheckDef::Zookeeper { znode: None }), read } }
}

/// The members' modes as the figure.
pub fn read(members: &[Member]) -> Result<Figure, BadAnswer> {
    let answered: Vec<&Member> = members.iter().filter(|m| m.mode.is_some()).collect();
    if answered.is_empty() {
        return Err(format!("no member answered ({} asked)", members.len()).into());
    }
    let n = members.len() as u64;
    let with = |mode: &str| answered.iter().filter(|m| m.mode.as_deref() == Some(mode)).map(|m| m.name.clone()).collect::<Vec<_>>();
    let (leaders, followers) = (with("leader"), with("follower"));
    let missing = n - answered.len() as u64;
    let missing_text = if missing > 0 { format!(", {missing} not answering") } else { String::new() };
    let (summary, leader) = match (leaders.as_slice(), with("standalone").as_slice()) {
        ([one], _) => {
            let f = followers.len() as u64;
            (format!("{one} leads, {f} {}{missing_text}", noun(f, "follower", "followers")), json!(one))
        }
        ([], [one]) if n == 1 => (format!("{one} serves alone (standalone)"), json!(one)),
        ([], _) => (format!("NO LEADER among {n} members{missing_text}"), Value::Null),
        (many, _) => (format!("{} leaders ({}): want exactly 1", many.len(), many.join(", ")), Value::Null),
    };
    Ok(Figure::new(summary, &[("leader", leader), ("followers", json!(followers.len())), ("members", json!(n))]))
}
