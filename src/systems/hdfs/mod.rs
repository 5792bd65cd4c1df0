//! Directories in HDFS, made and fixed through the NameNode's WebHDFS API
//! (reached on its published HTTP port, like probes).
//!
//! What to do with a path is decided from its status alone ([`decide`],
//! pure); [`ensure`] asks the status and makes the calls. Running it twice
//! changes nothing the second time, and says so.

pub mod figures;
pub mod paths;
pub mod plan;

use std::fmt;
use std::time::Duration;

use reqwest::{Method, Url};
use serde::Deserialize;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::plan::{EndpointDef, PathDef};
use crate::units::parse_mode;

/// How a NameNode's data moves by hand when it becomes a pair (or the
/// other way round), which its new, empty volumes would not do.
pub const RESHAPE_BY_HAND: &str = "`hdfs namenode -initializeSharedEdits` on a copy of the NameNode's volume";

/// What GETFILESTATUS tells about a path (the fields bdprov compares).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FileStatus {
    #[serde(rename = "type")]
    pub kind: String,
    /// Octal, as HDFS writes it: `755`, `1777`.
    pub permission: String,
    pub owner: String,
    pub group: String,
}

/// A WebHDFS call that changes a path.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Mkdirs,
    SetPermission(String),
    SetOwner { owner: Option<String>, group: Option<String> },
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Mkdirs => "MKDIRS",
            Op::SetPermission(_) => "SETPERMISSION",
            Op::SetOwner { .. } => "SETOWNER",
        }
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("op", self.name().to_string())];
        match self {
            Op::Mkdirs => {}
            Op::SetPermission(mode) => q.push(("permission", mode.clone())),
            Op::SetOwner { owner, group } => {
                q.extend(owner.iter().map(|o| ("owner", o.clone())));
                q.extend(group.iter().map(|g| ("group", g.clone())));
            }
        }
        q
    }
}

/// What became of a path.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Created,
    /// Changed, e.g. `mode 755 → 1777`.
    Fixed(Vec<String>),
    Unchanged,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Created => write!(f, "created"),
            Outcome::Fixed(what) => write!(f, "fixed ({})", what.join(", ")),
            Outcome::Unchanged => write!(f, "unchanged"),
        }
    }
}

/// Something other than a directory stands where the blueprint wants one:
/// bdprov never removes anything, so the user moves it.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{path} exists and is a {}, not a directory", kind.to_lowercase())]
pub struct NotADirectory {
    pub path: String,
    /// As HDFS says it: `FILE`, `SYMLINK`.
    pub kind: String,
}

impl From<NotADirectory> for Error {
    fn from(e: NotADirectory) -> Error {
        Error::caused(e, Some("move it out of the way in HDFS, or change the path in the blueprint".into()))
    }
}

/// The calls that make `want` true of a path whose status is `current`
/// (`None`: it does not exist), and what they change. A file where a
/// directory should be is an error: bdprov never removes anything.
pub fn decide(want: &PathDef, current: Option<&FileStatus>) -> std::result::Result<(Vec<Op>, Outcome), NotADirectory> {
    let owner_op = |owner: Option<&String>, group: Option<&String>| match (owner, group) {
        (None, None) => None,
        _ => Some(Op::SetOwner { owner: owner.cloned(), group: group.cloned() }),
    };
    let Some(st) = current else {
        // MKDIRS applies the NameNode's umask, so the mode is set on its own.
        let mut ops = vec![Op::Mkdirs];
        ops.extend(want.mode.clone().map(Op::SetPermission));
        ops.extend(owner_op(want.owner.as_ref(), want.group.as_ref()));
        return Ok((ops, Outcome::Created));
    };
    if st.kind != "DIRECTORY" {
        return Err(NotADirectory { path: want.path.clone(), kind: st.kind.clone() });
    }
    let mut ops = Vec::new();
    let mut changes = Vec::new();
    if let Some(mode) = &want.mode {
        if parse_mode(&st.permission) != parse_mode(mode) {
            changes.push(format!("mode {} → {mode}", st.permission));
            ops.push(Op::SetPermission(mode.clone()));
        }
    }
    let owner = want.owner.as_ref().filter(|o| **o != st.owner);
    let group = want.group.as_ref().filter(|g| **g != st.group);
    if let Some(o) = owner {
        changes.push(format!("owner {} → {o}", st.owner));
    }
    if let Some(g) = group {
        changes.push(format!("group {} → {g}", st.group));
    }
    ops.extend(owner_op(owner, group));
    let outcome = if ops.is_empty() { Outcome::Unchanged } else { Outcome::Fixed(changes) };
    Ok((ops, outcome))
}

/// One line for the progress display: `/tmp created, /spark/history unchanged`,
/// or `3 paths unchanged`.
pub fn summary(done: &[(String, Outcome)]) -> String {
    if done.iter().all(|(_, o)| *o == Outcome::Unchanged) {
        return format!("{} path{} unchanged", done.len(), if done.len() == 1 { "" } else { "s" });
    }
    done.iter().map(|(p, o)| format!("{p} {o}")).collect::<Vec<_>>().join(", ")
}

/// HDFS's `webhdfs:` hook: its paths made what they should be through the
/// NameNode's WebHDFS API at `endpoint`, as `user`; what it did, in a few words.
pub async fn webhdfs_hook(engine: &Engine, hook: &str, endpoint: &EndpointDef, user: &str, paths: &[PathDef]) -> Result<String> {
    let base = engine.reach(endpoint).await?;
    let done = ensure(&crate::http::client(), &base, user, paths).await.map_err(|e| e.context(&format!("hook `{hook}`")))?;
    Ok(summary(&done))
}

/// Make every path what it should be, as `user`, through the WebHDFS API at
/// `base` (`http://host:9870`). Stops at the first refusal, with its reason.
pub async fn ensure(client: &reqwest::Client, base: &str, user: &str, paths: &[PathDef]) -> Result<Vec<(String, Outcome)>> {
    let hdfs = WebHdfs { client, base, user };
    let mut done = Vec::new();
    for want in paths {
        let current = hdfs.status(&want.path).await?;
        let (ops, outcome) = decide(want, current.as_ref())?;
        for op in &ops {
            hdfs.call(&want.path, op).await?;
        }
        done.push((want.path.clone(), outcome));
    }
    Ok(done)
}

struct WebHdfs<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
    user: &'a str,
}

/// How the NameNode explains a refusal.
#[derive(Deserialize)]
struct RemoteException {
    #[serde(rename = "RemoteException")]
    inner: RemoteExceptionBody,
}

#[derive(Deserialize)]
struct RemoteExceptionBody {
    exception: String,
    #[serde(default)]
    message: String,
}

impl WebHdfs<'_> {
    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let mut url =
            Url::parse(&format!("{}/webhdfs/v1", self.base)).map_err(|e| Error::msg(format!("bad WebHDFS address {}: {e}", self.base)))?;
        url.path_segments_mut()
            .map_err(|_| Error::msg(format!("bad WebHDFS address {}", self.base)))?
            .extend(path.split('/').filter(|s| !s.is_empty()));
        url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str()))).append_pair("user.name", self.user);
        Ok(url)
    }

    /// GETFILESTATUS: `None` when the path does not exist.
    async fn status(&self, path: &str) -> Result<Option<FileStatus>> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(rename = "FileStatus")]
            status: FileStatus,
        }
        let (code, body) = self.send(Method::GET, path, &[("op", "GETFILESTATUS".into())]).await?;
        match code {
            200 => serde_json::from_str::<Answer>(&body)
                .map(|a| Some(a.status))
                .map_err(|e| Error::msg(format!("WebHDFS GETFILESTATUS {path}: unexpected answer ({e}): {}", first_line(&body)))),
            404 => Ok(None),
            _ => Err(self.refusal("GETFILESTATUS", path, code, &body)),
        }
    }

    async fn call(&self, path: &str, op: &Op) -> Result<()> {
        let (code, body) = self.send(Method::PUT, path, &op.query()).await?;
        if code != 200 {
            return Err(self.refusal(op.name(), path, code, &body));
        }
        // MKDIRS answers {"boolean": true}; the others answer nothing.
        if *op == Op::Mkdirs && serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["boolean"].as_bool()) != Some(true) {
            return Err(Error::msg(format!("WebHDFS MKDIRS {path} did not create it: {}", first_line(&body))));
        }
        Ok(())
    }

    async fn send(&self, method: Method, path: &str, query: &[(&str, String)]) -> Result<(u16, String)> {
        let url = self.url(path, query)?;
        let resp = self.client.request(method, url).timeout(Duration::from_secs(30)).send().await.map_err(|e| {
            Error::help(
                format!("cannot reach the NameNode's WebHDFS at {}: {}", self.base, crate::http::root_cause(&e)),
                "check `bdprov status`: the NameNode must run, with its HTTP port published",
            )
        })?;
        let code = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        Ok((code, body))
    }

    /// The NameNode said no: say why in its words, and what to do.
    fn refusal(&self, op: &str, path: &str, code: u16, body: &str) -> Error {
        let remote = serde_json::from_str::<RemoteException>(body).ok().map(|r| r.inner);
        let (exception, message) = match &remote {
            Some(r) => (r.exception.as_str(), r.message.as_str()),
            None => ("", first_line(body)),
        };
        if exception == "SafeModeException" || message.to_lowercase().contains("safe mode") {
            return Error::help(
                format!("the NameNode is in safe mode and refused {op} {path}: {message}"),
                "it leaves safe mode once enough datanodes have reported their blocks (see its web UI); run `bdprov up` again then",
            );
        }
        if code == 403 && exception == "AccessControlException" {
            return Error::help(
                format!("the NameNode refused {op} {path} for user {}: {message}", self.user),
                "the hook's `webhdfs.user` must be the HDFS superuser (the user the NameNode runs as; `hadoop` in apache/hadoop images)",
            );
        }
        let what = if exception.is_empty() { String::new() } else { format!("{exception}: ") };
        Error::msg(format!("WebHDFS {op} {path} failed with HTTP {code}: {what}{message}"))
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(path: &str, owner: Option<&str>, mode: Option<&str>) -> PathDef {
        PathDef { path: path.into(), owner: owner.map(String::from), group: None, mode: mode.map(String::from) }
    }

    fn dir(permission: &str, owner: &str) -> FileStatus {
        FileStatus { kind: "DIRECTORY".into(), permission: permission.into(), owner: owner.into(), group: "supergroup".into() }
    }

    #[test]
    fn a_missing_path_is_made_then_given_its_mode_and_owner() {
        let (ops, outcome) = decide(&want("/user/spark", Some("spark"), Some("755")), None).unwrap();
        assert_eq!(ops, vec![Op::Mkdirs, Op::SetPermission("755".into()), Op::SetOwner { owner: Some("spark".into()), group: None }]);
        assert_eq!(outcome, Outcome::Created);
    }

    #[test]
    fn a_right_path_is_left_alone() {
        let (ops, outcome) = decide(&want("/tmp", None, Some("1777")), Some(&dir("1777", "hadoop"))).unwrap();
        assert!(ops.is_empty());
        assert_eq!(outcome, Outcome::Unchanged);
        // Modes compare as numbers.
        assert!(decide(&want("/x", None, Some("0755")), Some(&dir("755", "hadoop"))).unwrap().0.is_empty());
    }

    #[test]
    fn a_wrong_mode_or_owner_is_fixed_and_said() {
        let (ops, outcome) = decide(&want("/user/spark", Some("spark"), Some("755")), Some(&dir("700", "hadoop"))).unwrap();
        assert_eq!(ops, vec![Op::SetPermission("755".into()), Op::SetOwner { owner: Some("spark".into()), group: None }]);
        assert_eq!(outcome.to_string(), "fixed (mode 700 → 755, owner hadoop → spark)");
    }

    #[test]
    fn a_file_in_the_way_is_an_error() {
        let file = FileStatus { kind: "FILE".into(), ..dir("644", "hadoop") };
        assert_eq!(decide(&want("/tmp", None, None), Some(&file)).unwrap_err().to_string(), "/tmp exists and is a file, not a directory");
    }

    #[test]
    fn a_path_in_the_way_prints_as_before_with_its_advice_and_is_the_cause() {
        use std::error::Error as _;
        let e = Error::from(NotADirectory { path: "/tmp".into(), kind: "SYMLINK".into() });
        let help = "\n  = help: move it out of the way in HDFS, or change the path in the blueprint\n";
        assert_eq!(e.to_string(), format!("error: /tmp exists and is a symlink, not a directory{help}"));
        // The listing job's hook puts its name in front (`paths::ensure`).
        let e = e.context("hook `paths`");
        assert_eq!(e.to_string(), format!("error: hook `paths`: /tmp exists and is a symlink, not a directory{help}"));
        assert_eq!(e.source().and_then(|c| c.downcast_ref::<NotADirectory>()).map(|n| n.kind.as_str()), Some("SYMLINK"));
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn summaries() {
        assert_eq!(summary(&[("/a".into(), Outcome::Unchanged), ("/b".into(), Outcome::Unchanged)]), "2 paths unchanged");
        assert_eq!(summary(&[("/a".into(), Outcome::Created), ("/b".into(), Outcome::Unchanged)]), "/a created, /b unchanged");
    }

    #[test]
    fn query_strings() {
        let hdfs = WebHdfs { client: &crate::http::client(), base: "http://nn:9870", user: "hadoop" };
        let url = hdfs.url("/user/a b", &Op::SetOwner { owner: Some("spark".into()), group: None }.query()).unwrap();
        assert_eq!(url.as_str(), "http://nn:9870/webhdfs/v1/user/a%20b?op=SETOWNER&owner=spark&user.name=hadoop");
    }
}
