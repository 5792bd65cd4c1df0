//! Exposure: what an unauthenticated caller can do on a published port.
//!
//! A port may carry a note under `unauthenticated:` (what anyone who reaches
//! it can do there without logging in, e.g. "reads and writes every znode").
//! Such a port is published only when the blueprint (or `--set
//! <role>.ports.<name>.publish=true`) says `publish: true`; `publish: false`
//! keeps any port closed. Pure: used by the decoder, the plan and the
//! messages of `up` and `doctor`.

use super::model::Port;

/// `publish: true` on a port without a `published` number to publish.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("`publish: true` needs a `published` port")]
pub struct NothingToPublish;

/// Apply `publish` (as written, if at all) to a decoded port: a closed port
/// keeps its number in `closed` and loses `published`.
pub fn decide(port: &mut Port, publish: Option<bool>) -> Result<(), NothingToPublish> {
    if publish == Some(true) && port.published.is_none() {
        return Err(NothingToPublish);
    }
    let open = publish.unwrap_or(port.unauthenticated.is_none());
    if !open {
        port.closed = port.published.take();
        port.remap = false;
    }
    Ok(())
}

/// Why a closed port cannot serve `bdprov`'s own endpoints, and how to open it.
pub fn closed_help(role: &str, port: &Port) -> Option<(String, String)> {
    let closed = port.closed?;
    let name = &port.name;
    let problem = match &port.unauthenticated {
        Some(note) => format!("kept closed: anyone reaching it could {note} without authenticating"),
        None => "kept closed (`publish: false`)".to_string(),
    };
    Some((
        problem,
        format!(
            "bdprov reaches roles through ports published in host mode: publish it with `--set {role}.ports.{name}.publish=true` \
             (port {closed}), and firewall it to the hosts that run bdprov"
        ),
    ))
}

/// A published port that accepts unauthenticated actions, for `up` and `doctor`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Exposed {
    /// The services' step names (`resourcemanager`; `zookeeper-1`, `zookeeper-2` … for an ensemble).
    pub steps: Vec<String>,
    pub role: String,
    pub port: String,
    /// The host ports, one per service.
    pub published: Vec<u16>,
    /// What can be done there.
    pub note: String,
    /// bdprov's own probes, hooks or commands use it: closing it would
    /// break them, so the advice is a firewall.
    pub used_by_bdprov: bool,
}

impl Exposed {
    /// One line: what, where, and how to close it.
    pub fn line(&self) -> String {
        let numbers: Vec<String> = self.published.iter().map(u16::to_string).collect();
        let (ports, it) = match numbers.len() {
            1 => (format!("host port {}", numbers[0]), "it"),
            _ => (format!("host ports {}", numbers.join(", ")), "them"),
        };
        let how = if self.used_by_bdprov {
            format!("bdprov's probes or commands use {it}, so firewall {ports} to the swarm's nodes and the hosts that run bdprov")
        } else {
            format!("close {it} with `--set {}.ports.{}.publish=false`, or firewall {ports}", self.role, self.port)
        };
        format!("{} port {} ({}): anyone who reaches {it} can {}; {how}", self.steps.join(", "), self.port, numbers.join(", "), self.note)
    }
}

/// The heading above the lines of [`Exposed`].
pub const HEADING: &str = "published ports that accept actions without authentication:";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{SourceFile, Span};

    fn port(published: Option<u16>, note: Option<&str>) -> Port {
        Port {
            name: "client".into(),
            target: 2181,
            published,
            protocol: "tcp".into(),
            web: false,
            remap: false,
            unauthenticated: note.map(String::from),
            closed: None,
            span: Span::whole(&SourceFile::new("t", "t")),
        }
    }

    #[test]
    fn a_port_with_a_note_is_closed_unless_asked() {
        let mut p = port(Some(2181), Some("writes znodes"));
        decide(&mut p, None).unwrap();
        assert_eq!((p.published, p.closed), (None, Some(2181)));
        let mut p = port(Some(2181), Some("writes znodes"));
        decide(&mut p, Some(true)).unwrap();
        assert_eq!((p.published, p.closed), (Some(2181), None));
    }

    #[test]
    fn a_port_without_a_note_is_published_unless_closed() {
        let mut p = port(Some(8080), None);
        decide(&mut p, None).unwrap();
        assert_eq!(p.published, Some(8080));
        decide(&mut p, Some(false)).unwrap();
        assert_eq!((p.published, p.closed), (None, Some(8080)));
        assert!(decide(&mut port(None, None), Some(true)).unwrap_err().to_string().contains("needs a `published` port"));
    }

    #[test]
    fn lines_say_what_and_how_to_close() {
        let mut e = Exposed {
            steps: vec!["zookeeper-1".into()],
            role: "zookeeper".into(),
            port: "client".into(),
            published: vec![2181],
            note: "read and write every znode".into(),
            used_by_bdprov: false,
        };
        assert_eq!(
            e.line(),
            "zookeeper-1 port client (2181): anyone who reaches it can read and write every znode; \
             close it with `--set zookeeper.ports.client.publish=false`, or firewall host port 2181"
        );
        e.steps.push("zookeeper-2".into());
        e.published.push(2182);
        e.used_by_bdprov = true;
        assert_eq!(
            e.line(),
            "zookeeper-1, zookeeper-2 port client (2181, 2182): anyone who reaches them can read and write every znode; \
             bdprov's probes or commands use them, so firewall host ports 2181, 2182 to the swarm's nodes and the hosts that run bdprov"
        );
    }
}
