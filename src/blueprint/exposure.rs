//! Exposure: what an unauthenticated caller can do on a published port.
//!
//! A port may carry a note under `unauthenticated:` (what anyone who reaches
//! it can do there without logging in, e.g. "reads and writes every znode").
//! Such a port is published only when the blueprint (or `--set
//! <role>.ports.<name>.publish=true`) says `publish: true`; `publish: false`
//! keeps any port closed. Pure: used by the decoder, the plan and the
//! messages of `up` and `doctor`.

use super::model::Port;

/// Apply `publish` (as written, if at all) to a decoded port: a closed port
/// keeps its number in `closed` and loses `published`.
pub fn decide(port: &mut Port, publish: Option<bool>) -> Result<(), String> {
    if publish == Some(true) && port.published.is_none() {
        return Err("`publish: true` needs a `published` port".into());
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
    /// The service's step name (`resourcemanager`, `zookeeper-2`).
    pub step: String,
    pub role: String,
    pub port: String,
    pub published: u16,
    /// What can be done there.
    pub note: String,
    /// bdprov's own probes, hooks or commands use it: closing it would
    /// break them, so the advice is a firewall.
    pub used_by_bdprov: bool,
}

impl Exposed {
    /// One line: what, where, and how to close it.
    pub fn line(&self) -> String {
        let how = if self.used_by_bdprov {
            format!(
                "bdprov reaches it itself, so firewall host port {} to the hosts that run bdprov \
                 (or close it with `--set {}.ports.{}.publish=false` and lose what bdprov does there)",
                self.published, self.role, self.port
            )
        } else {
            format!("close it with `--set {}.ports.{}.publish=false`, or firewall host port {}", self.role, self.port, self.published)
        };
        format!("{} port {} ({}): anyone who reaches it can {}; {how}", self.step, self.port, self.published, self.note)
    }
}

/// The heading above the lines of [`Exposed`].
pub fn heading(n: usize) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{n} published port{s} accept{} actions without authentication:", if n == 1 { "s" } else { "" })
}

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
        assert!(decide(&mut port(None, None), Some(true)).unwrap_err().contains("needs a `published` port"));
    }

    #[test]
    fn lines_say_what_and_how_to_close() {
        let e = Exposed {
            step: "zookeeper-1".into(),
            role: "zookeeper".into(),
            port: "client".into(),
            published: 2181,
            note: "read and write every znode".into(),
            used_by_bdprov: false,
        };
        assert_eq!(
            e.line(),
            "zookeeper-1 port client (2181): anyone who reaches it can read and write every znode; \
             close it with `--set zookeeper.ports.client.publish=false`, or firewall host port 2181"
        );
        assert_eq!(heading(1), "1 published port accepts actions without authentication:");
        assert_eq!(heading(2), "2 published ports accept actions without authentication:");
    }
}
