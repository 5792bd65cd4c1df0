//! Readiness at the application level.
//!
//! How a probe reaches its target: through the port the target role
//! publishes in host mode, at the address of the node that runs the task
//! (the node's swarm address, or its `bdprov.address` label). That is the same
//! path a browser takes to the web UIs, it works for tasks on any node of a
//! multi-node swarm, and it needs no helper container on the overlay.
//!
//! Judging a response is pure ([`judge`]); fetching it is [`fetch`].

use std::time::Duration;

use serde_json::Value;

use crate::http::{as_count, root_cause};
use crate::plan::{CheckDef, ModesDef};
use crate::systems::zookeeper;

/// What one probe round found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Verdict {
    pub ready: bool,
    /// How many members are ready, where the probe counts them.
    pub count: Option<u64>,
    /// Why not ready (or what was seen), for progress lines and diagnoses.
    pub detail: String,
    /// The role a member plays (ZooKeeper: leader, follower, standalone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Where the member is in the log its pair shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
}

impl Verdict {
    pub fn not_ready(detail: impl Into<String>) -> Verdict {
        Verdict { ready: false, count: None, detail: detail.into(), mode: None, position: None }
    }

    fn ready(count: Option<u64>, detail: impl Into<String>) -> Verdict {
        Verdict { ready: true, count, detail: detail.into(), mode: None, position: None }
    }
}

/// What came back from the endpoint.
#[derive(Clone, Debug)]
pub enum Response {
    /// HTTP status and body.
    Http(u16, String),
    /// A TCP connection was accepted.
    Connected,
    /// The answer to a four-letter word.
    Text(String),
    /// A znode's children (`None`: the znode does not exist yet).
    Children(String, Option<Vec<String>>),
    /// Nothing usable: refused, timed out, unreachable.
    Failed(String),
}

/// Judge a response against a check. `want` is the replica count a counting
/// probe must reach.
pub fn judge(check: &CheckDef, resp: &Response, want: u64) -> Verdict {
    match (check, resp) {
        (_, Response::Failed(why)) => Verdict::not_ready(why.clone()),
        (CheckDef::Tcp, Response::Connected) => Verdict::ready(None, "port open"),
        (CheckDef::Zookeeper { znode: Some(_) }, Response::Children(path, children)) => {
            let n = children.as_ref().map_or(0, |c| c.len() as u64);
            let detail = match children {
                None => format!("{path} does not exist yet"),
                Some(_) => format!("{path} has {n} children, want {want}"),
            };
            Verdict { ready: n == want, count: Some(n), detail, mode: None, position: None }
        }
        (CheckDef::Zookeeper { znode: None }, Response::Text(text)) => match zookeeper::mode(text) {
            Some(mode @ ("leader" | "follower" | "standalone")) => {
                Verdict { mode: Some(mode.to_string()), ..Verdict::ready(None, format!("Mode: {mode}")) }
            }
            Some(other) => Verdict { mode: Some(other.to_string()), ..Verdict::not_ready(format!("Mode: {other}")) },
            None => Verdict::not_ready(text.lines().next().unwrap_or("no answer to srvr").trim().to_string()),
        },
        (CheckDef::Http { expect, count, .. }, Response::Http(status, body)) => judge_http(expect, count.as_deref(), *status, body, want),
        _ => Verdict::not_ready("unexpected response"),
    }
}

/// A member of a pair: read its mode from the answer (`beans.0.State` →
/// `standby`). It is ready in the active mode or one of the standby modes;
/// any other mode (Spark's RECOVERING, say) is still starting.
pub fn judge_mode(modes: &ModesDef, resp: &Response, v: Verdict) -> Verdict {
    let Response::Http(_, body) = resp else { return v };
    if !v.ready {
        return v;
    }
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let Some(mode) = lookup(&json, &modes.path).first().map(|m| short(m)) else {
        return Verdict::not_ready(format!("{} missing in the response", modes.path));
    };
    let is = |want: &str| mode.eq_ignore_ascii_case(want);
    let position = modes.position.as_deref().and_then(|p| lookup_through_strings(&json, p)).as_ref().and_then(as_count);
    if is(&modes.active) || modes.standby.iter().any(|s| is(s)) {
        Verdict { mode: Some(mode), position, ..v }
    } else {
        let mut want = vec![modes.active.as_str()];
        want.extend(modes.standby.iter().map(String::as_str));
        Verdict { mode: Some(mode.clone()), ..Verdict::not_ready(format!("{} is {mode}, want {}", modes.path, want.join(" or "))) }
    }
}

fn judge_http(expect: &serde_json::Map<String, Value>, count: Option<&str>, status: u16, body: &str, want: u64) -> Verdict {
    if !(200..300).contains(&status) {
        return Verdict::not_ready(format!("HTTP {status}"));
    }
    if expect.is_empty() && count.is_none() {
        return Verdict::ready(None, format!("HTTP {status}"));
    }
    let json: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return Verdict::not_ready(format!("HTTP {status} but the body is not JSON")),
    };
    for (path, want_value) in expect {
        let found = lookup(&json, path);
        if found.iter().any(|v| same(v, want_value)) {
            continue;
        }
        return match found.as_slice() {
            [] => Verdict::not_ready(format!("{path} missing in the response")),
            [v] => Verdict::not_ready(format!("{path} is {}, want {}", short(v), short(want_value))),
            many => Verdict::not_ready(format!(
                "{path} is {}, want one {}",
                many.iter().map(|v| short(v)).collect::<Vec<_>>().join(" / "),
                short(want_value)
            )),
        };
    }
    match count {
        None => Verdict::ready(None, "ok"),
        Some(path) => match lookup(&json, path).first().and_then(|v| as_count(v)) {
            Some(n) => {
                Verdict { ready: n == want, count: Some(n), detail: format!("{path} = {n}, want {want}"), mode: None, position: None }
            }
            None => Verdict::not_ready(format!("{path} missing or not a number")),
        },
    }
}

/// Follow a dotted path through objects and arrays: `beans.0.NumLiveDataNodes`.
/// A `*` segment stands for every element of an array (or value of an
/// object), so `nimbuses.*.status` gives the status of each nimbus; an
/// `expect` on such a path holds when any of them has the value. A
/// `key=value` segment keeps the elements whose `key` is `value`:
/// `nimbuses.host=nimbus-2.status` is that nimbus's status.
pub fn lookup<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
    path.split('.').filter(|s| !s.is_empty()).fold(vec![v], |found, seg| {
        found
            .into_iter()
            .flat_map(|cur| -> Vec<&Value> {
                match (cur, seg) {
                    (Value::Array(a), _) if seg.contains('=') => {
                        let (k, want) = seg.split_once('=').expect("has =");
                        a.iter().filter(|e| e.get(k).is_some_and(|v| same(v, &Value::String(want.to_string())))).collect()
                    }
                    (Value::Array(a), "*") => a.iter().collect(),
                    (Value::Object(m), "*") => m.values().collect(),
                    (Value::Object(m), _) => m.get(seg).into_iter().collect(),
                    (Value::Array(a), _) => seg.parse::<usize>().ok().and_then(|i| a.get(i)).into_iter().collect(),
                    _ => Vec::new(),
                }
            })
            .collect()
    })
}

/// The first value at `path`, reading on inside a string that holds JSON
/// (Hadoop's JMX encodes some maps so: `JournalTransactionInfo`).
pub fn lookup_through_strings(v: &Value, path: &str) -> Option<Value> {
    let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    (0..=segs.len()).find_map(|i| {
        let at = lookup(v, &segs[..i].join(".")).first().copied()?.clone();
        if i == segs.len() {
            return Some(at);
        }
        let Value::String(inner) = at else { return None };
        let inner: Value = serde_json::from_str(&inner).ok()?;
        lookup(&inner, &segs[i..].join(".")).first().map(|x| (*x).clone())
    })
}

/// JSON equality, treating numbers and their string forms alike ("1" == 1).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::String(y)) | (Value::String(y), Value::Number(x)) => x.to_string() == *y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Ask the endpoint once.
pub async fn fetch(client: &reqwest::Client, check: &CheckDef, addr: &str, port: u16) -> Response {
    match check {
        CheckDef::Zookeeper { znode: None } => match zookeeper::four_letter_word(addr, port, "srvr").await {
            Ok(text) => Response::Text(text),
            Err(e) => Response::Failed(e.to_string()),
        },
        CheckDef::Zookeeper { znode: Some(path) } => match zookeeper::children(addr, port, path).await {
            Ok(children) => Response::Children(path.clone(), children),
            Err(e) => Response::Failed(e.to_string()),
        },
        CheckDef::Tcp => {
            let target = format!("{addr}:{port}");
            match tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(&target)).await {
                Ok(Ok(_)) => Response::Connected,
                Ok(Err(e)) => Response::Failed(format!("{target}: {e}")),
                Err(_) => Response::Failed(format!("{target}: timed out")),
            }
        }
        CheckDef::Http { path, .. } => {
            let url = format!("http://{addr}:{port}{path}");
            match client.get(&url).timeout(Duration::from_secs(3)).send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    match r.text().await {
                        Ok(body) => Response::Http(status, body),
                        Err(e) => Response::Failed(format!("{url}: {e}")),
                    }
                }
                Err(e) => Response::Failed(format!("{url}: {}", root_cause(&e))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn http(expect: &[(&str, Value)], count: Option<&str>) -> CheckDef {
        CheckDef::Http {
            path: "/json".into(),
            expect: expect.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            count: count.map(String::from),
        }
    }

    #[test]
    fn spark_master_alive_with_all_workers() {
        let body = json!({"status": "ALIVE", "aliveworkers": 2, "workers": [{"state": "ALIVE"}, {"state": "ALIVE"}]}).to_string();
        let v = judge(&http(&[("status", json!("ALIVE"))], Some("aliveworkers")), &Response::Http(200, body), 2);
        assert!(v.ready);
        assert_eq!(v.count, Some(2));
    }

    #[test]
    fn too_few_workers_is_not_ready_and_says_so() {
        let body = json!({"status": "ALIVE", "aliveworkers": 1}).to_string();
        let v = judge(&http(&[], Some("aliveworkers")), &Response::Http(200, body), 3);
        assert!(!v.ready);
        assert_eq!(v.count, Some(1));
        assert_eq!(v.detail, "aliveworkers = 1, want 3");
    }

    #[test]
    fn wrong_status_is_not_ready() {
        let body = json!({"status": "RECOVERING"}).to_string();
        let v = judge(&http(&[("status", json!("ALIVE"))], None), &Response::Http(200, body), 1);
        assert_eq!(v, Verdict::not_ready("status is RECOVERING, want ALIVE"));
    }

    #[test]
    fn http_errors_and_refusals_are_not_ready() {
        assert!(!judge(&http(&[], None), &Response::Http(503, String::new()), 1).ready);
        assert!(judge(&http(&[], None), &Response::Http(200, "[]".into()), 1).ready);
        assert!(!judge(&http(&[], None), &Response::Failed("refused".into()), 1).ready);
    }

    #[test]
    fn paths_walk_arrays_and_numbers_match_strings() {
        let body = json!({"beans": [{"NumLiveDataNodes": 3, "Safemode": ""}]}).to_string();
        let v = judge(&http(&[("beans.0.Safemode", json!(""))], Some("beans.0.NumLiveDataNodes")), &Response::Http(200, body), 3);
        assert!(v.ready, "{v:?}");
        assert!(same(&json!(1), &json!("1")));
    }

    #[test]
    fn star_segments_match_any_element() {
        let v = json!({"nimbuses": [{"status": "Not a Leader"}, {"status": "Leader"}], "m": {"a": {"x": 1}, "b": {"x": 2}}});
        assert_eq!(lookup(&v, "nimbuses.*.status"), vec![&json!("Not a Leader"), &json!("Leader")]);
        assert_eq!(lookup(&v, "m.*.x"), vec![&json!(1), &json!(2)]);
        assert_eq!(lookup(&v, "nimbuses.1.status"), vec![&json!("Leader")]);
        assert!(lookup(&v, "nimbuses.*.nope").is_empty());
        assert!(lookup(&json!({"nimbuses": []}), "nimbuses.*.status").is_empty());
        let v = json!({"nimbuses": [{"host": "nimbus-1", "status": "Not a Leader"}, {"host": "nimbus-2", "status": "Leader"}]});
        assert_eq!(lookup(&v, "nimbuses.host=nimbus-2.status"), vec![&json!("Leader")]);
        assert!(lookup(&v, "nimbuses.host=nimbus-3.status").is_empty());
    }

    /// Storm 2.x answers with strings where numbers are expected
    /// ("Not applicable" for an offline nimbus): nothing but the path matters.
    #[test]
    fn storm_leader_among_lenient_nimbus_entries() {
        let check = http(&[("nimbuses.*.status", json!("Leader"))], None);
        let body = json!({"nimbuses": [
            {"host": "nimbus-b", "port": "6627", "status": "Offline", "version": "Not applicable", "nimbusUpTime": "Not applicable", "nimbusUpTimeSeconds": "Not applicable"},
            {"host": "nimbus", "port": 6627, "status": "Leader", "version": "2.8.9", "nimbusUpTime": "3m 33s", "nimbusUpTimeSeconds": 213},
        ]})
        .to_string();
        assert!(judge(&check, &Response::Http(200, body), 1).ready);
        let body =
            json!({"nimbuses": [{"host": "nimbus", "status": "Not a Leader"}, {"host": "nimbus-b", "status": "Offline"}]}).to_string();
        assert_eq!(
            judge(&check, &Response::Http(200, body), 1),
            Verdict::not_ready("nimbuses.*.status is Not a Leader / Offline, want one Leader")
        );
        let body = json!({"nimbuses": [{"host": "nimbus", "status": "Not a Leader"}]}).to_string();
        assert_eq!(judge(&check, &Response::Http(200, body), 1), Verdict::not_ready("nimbuses.*.status is Not a Leader, want Leader"));
        let body = json!({"nimbuses": []}).to_string();
        assert_eq!(judge(&check, &Response::Http(200, body), 1), Verdict::not_ready("nimbuses.*.status missing in the response"));
    }

    #[test]
    fn a_members_position_may_be_inside_a_string_of_json() {
        let modes = ModesDef {
            path: "beans.name=S.State".into(),
            active: "active".into(),
            standby: vec!["standby".into()],
            position: Some("beans.name=I.JournalTransactionInfo.LastAppliedOrWrittenTxId".into()),
        };
        let body = json!({"beans": [
            {"name": "S", "State": "standby"},
            {"name": "I", "JournalTransactionInfo": "{\"MostRecentCheckpointTxId\":\"0\",\"LastAppliedOrWrittenTxId\":\"28\"}"},
        ]})
        .to_string();
        let resp = Response::Http(200, body);
        let v = judge_mode(&modes, &resp, judge(&http(&[], None), &resp, 1));
        assert_eq!((v.mode.as_deref(), v.position), (Some("standby"), Some(28)));
        let plain = json!({"a": {"b": 5}});
        assert_eq!(lookup_through_strings(&plain, "a.b"), Some(json!(5)));
        assert_eq!(lookup_through_strings(&plain, "a.c"), None);
        assert_eq!(lookup_through_strings(&json!({"a": "not json"}), "a.b"), None);
    }

    const SRVR_FOLLOWER: &str = "Zookeeper version: 3.8.0-debian, built on 2023-10-05\nLatency min/avg/max: 0/0.0/0\nReceived: 3\nSent: 2\nConnections: 1\nOutstanding: 0\nZxid: 0x100000000\nMode: follower\nNode count: 5\n";

    #[test]
    fn members_of_a_pair_say_whether_they_are_active() {
        let modes = ModesDef { path: "beans.0.State".into(), active: "active".into(), standby: vec!["standby".into()], position: None };
        let answer = |state: &str| Response::Http(200, json!({"beans": [{"State": state}]}).to_string());
        let judged = |state: &str| judge_mode(&modes, &answer(state), judge(&http(&[], None), &answer(state), 1));
        let v = judged("active");
        assert!(v.ready);
        assert_eq!(v.mode.as_deref(), Some("active"));
        let v = judged("standby");
        assert!(v.ready);
        assert_eq!(v.mode.as_deref(), Some("standby"));
        let v = judged("initializing");
        assert!(!v.ready);
        assert_eq!(v.detail, "beans.0.State is initializing, want active or standby");
        let v = judge_mode(&modes, &Response::Http(200, "{}".into()), judge(&http(&[], None), &Response::Http(200, "{}".into()), 1));
        assert_eq!(v, Verdict::not_ready("beans.0.State missing in the response"));
        // An answer that fails the check stays failed, whatever its mode.
        let failed = judge(&http(&[], None), &Response::Http(503, String::new()), 1);
        assert_eq!(judge_mode(&modes, &Response::Http(503, String::new()), failed.clone()), failed);
    }

    #[test]
    fn zookeeper_modes() {
        let v = judge(&CheckDef::Zookeeper { znode: None }, &Response::Text(SRVR_FOLLOWER.into()), 1);
        assert!(v.ready);
        assert_eq!(v.mode.as_deref(), Some("follower"));
        let v = judge(
            &CheckDef::Zookeeper { znode: None },
            &Response::Text("This ZooKeeper instance is not currently serving requests\n".into()),
            1,
        );
        assert!(!v.ready);
        assert_eq!(v.detail, "This ZooKeeper instance is not currently serving requests");
        assert_eq!(zookeeper::mode("Mode: leader\n"), Some("leader"));
    }

    #[test]
    fn znode_children_count_members() {
        let check = CheckDef::Zookeeper { znode: Some("/storm/supervisors".into()) };
        let two = Response::Children("/storm/supervisors".into(), Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            judge(&check, &two, 2),
            Verdict { ready: true, count: Some(2), detail: "/storm/supervisors has 2 children, want 2".into(), mode: None, position: None }
        );
        assert!(!judge(&check, &two, 3).ready);
        let none = judge(&check, &Response::Children("/storm/supervisors".into(), None), 1);
        assert_eq!((none.ready, none.count, none.detail.as_str()), (false, Some(0), "/storm/supervisors does not exist yet"));
    }
}
