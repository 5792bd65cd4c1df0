//! ZooKeeper: four-letter words (`srvr`: is a member serving, and as what),
//! and just enough of the client protocol to list a znode's children:
//! a session (ConnectRequest), one `getChildren` and a close, in ZooKeeper's
//! jute encoding (big-endian integers, length-prefixed strings and frames).
//!
//! Probes use it where a system keeps its membership in ZooKeeper and has
//! no other API to ask: Storm's nimbus leadership latch and its registered
//! supervisors, with or without the Storm UI. Framing and parsing are pure.
//! Its own rather than a client crate: one short session with one read is
//! all it asks, and a crate's client keeps a session alive (pings,
//! reconnects, watch resets) that a probe must not leave behind.

pub mod figures;

/// The mode `srvr` reports for an ensemble's leader.
pub const LEADER: &str = "leader";

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const OP_GET_CHILDREN: i32 = 8;
const OP_CLOSE: i32 = -11;
/// ZooKeeper's error code for a missing znode.
const NO_NODE: i32 = -101;
/// Frames larger than this are not ZooKeeper answers to these requests.
const MAX_FRAME: usize = 4 << 20;

/// One length-prefixed frame.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// A new session's ConnectRequest (protocol 0, no previous session).
pub fn connect_request(timeout: Duration) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0i32.to_be_bytes()); // protocolVersion
    b.extend_from_slice(&0i64.to_be_bytes()); // lastZxidSeen
    b.extend_from_slice(&(timeout.as_millis().min(i32::MAX as u128) as i32).to_be_bytes());
    b.extend_from_slice(&0i64.to_be_bytes()); // sessionId
    b.extend_from_slice(&16i32.to_be_bytes()); // passwd
    b.extend_from_slice(&[0u8; 16]);
    b.push(0); // readOnly
    frame(&b)
}

/// `getChildren(path, watch=false)` with transaction id `xid`.
pub fn get_children_request(xid: i32, path: &str) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&xid.to_be_bytes());
    b.extend_from_slice(&OP_GET_CHILDREN.to_be_bytes());
    b.extend_from_slice(&(path.len() as i32).to_be_bytes());
    b.extend_from_slice(path.as_bytes());
    b.push(0);
    frame(&b)
}

fn close_request(xid: i32) -> Vec<u8> {
    let mut b = xid.to_be_bytes().to_vec();
    b.extend_from_slice(&OP_CLOSE.to_be_bytes());
    frame(&b)
}

/// Why a frame is not the answer asked for.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum BadFrame {
    #[error("truncated answer")]
    Truncated,
    #[error("answer to request {got}, expected {expected}")]
    OutOfTurn { got: i32, expected: i32 },
    /// ZooKeeper's own error code (other than a missing znode).
    #[error("ZooKeeper error {0}")]
    Server(i32),
    #[error("bad child count")]
    BadCount,
}

/// Why a ZooKeeper server at `target` (`addr:port`) gave no answer to use.
#[derive(Debug, thiserror::Error)]
#[error("{target}: {why}")]
pub struct Unanswered {
    pub target: String,
    #[source]
    pub why: Why,
}

/// What went wrong in talking to it.
#[derive(Debug, thiserror::Error)]
pub enum Why {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Frame(#[from] BadFrame),
    #[error("the server refused a session (not serving yet?)")]
    NoSession,
    #[error("no answer to {0} yet (still starting, or {0} is not in 4lw.commands.whitelist)")]
    Silent(String),
    #[error("timed out")]
    TimedOut,
}

/// A cursor over a frame's body.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], BadFrame> {
        if self.0.len() < n {
            return Err(BadFrame::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn i32(&mut self) -> Result<i32, BadFrame> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn i64(&mut self) -> Result<i64, BadFrame> {
        Ok(i64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    fn string(&mut self) -> Result<String, BadFrame> {
        let n = self.i32()?;
        if n < 0 {
            return Ok(String::new());
        }
        Ok(String::from_utf8_lossy(self.take(n as usize)?).into_owned())
    }
}

/// The session id of a ConnectResponse body (0: the server refused it).
pub fn parse_connect(body: &[u8]) -> Result<i64, BadFrame> {
    let mut r = Reader(body);
    let _protocol = r.i32()?;
    let _timeout = r.i32()?;
    r.i64()
}

/// The children in a reply to `getChildren` with transaction id `xid`:
/// `Ok(None)` when the znode does not exist.
pub fn parse_children(body: &[u8], xid: i32) -> Result<Option<Vec<String>>, BadFrame> {
    let mut r = Reader(body);
    let got = r.i32()?;
    let _zxid = r.i64()?;
    let err = r.i32()?;
    if got != xid {
        return Err(BadFrame::OutOfTurn { got, expected: xid });
    }
    match err {
        0 => {}
        NO_NODE => return Ok(None),
        e => return Err(BadFrame::Server(e)),
    }
    let n = r.i32()?;
    if n < 0 || n as usize > body.len() {
        return Err(BadFrame::BadCount);
    }
    (0..n).map(|_| r.string()).collect::<Result<Vec<_>, _>>().map(Some)
}

async fn read_frame(s: &mut tokio::net::TcpStream) -> std::io::Result<Vec<u8>> {
    let n = s.read_i32().await?;
    if n < 0 || n as usize > MAX_FRAME {
        return Err(std::io::Error::other(format!("bad frame length {n}")));
    }
    let mut buf = vec![0; n as usize];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

/// The children of `path` on the ZooKeeper server at `addr:port`
/// (`Ok(None)`: no such znode).
pub async fn children(addr: &str, port: u16, path: &str) -> Result<Option<Vec<String>>, Unanswered> {
    let target = format!("{addr}:{port}");
    let talk = async {
        let mut s = tokio::net::TcpStream::connect(&target).await?;
        s.write_all(&connect_request(Duration::from_secs(10))).await?;
        let session = parse_connect(&read_frame(&mut s).await?)?;
        if session == 0 {
            return Err(Why::NoSession);
        }
        s.write_all(&get_children_request(1, path)).await?;
        let result = parse_children(&read_frame(&mut s).await?, 1);
        let _ = s.write_all(&close_request(2)).await;
        Ok(result?)
    };
    let why = match tokio::time::timeout(Duration::from_secs(5), talk).await {
        Ok(Ok(children)) => return Ok(children),
        Ok(Err(why)) => why,
        Err(_) => Why::TimedOut,
    };
    Err(Unanswered { target, why })
}

/// The `Mode:` line of ZooKeeper's `srvr` answer.
pub fn mode(srvr: &str) -> Option<&str> {
    srvr.lines().find_map(|l| l.strip_prefix("Mode:")).map(str::trim)
}

/// Send a ZooKeeper four-letter word and read the answer.
/// The answer, or why there is none.
pub async fn four_letter_word(addr: &str, port: u16, word: &str) -> Result<String, Unanswered> {
    let target = format!("{addr}:{port}");
    let talk = async {
        let mut s = tokio::net::TcpStream::connect(&target).await?;
        s.write_all(word.as_bytes()).await?;
        let mut out = String::new();
        s.read_to_string(&mut out).await?;
        Ok::<String, std::io::Error>(out)
    };
    let why = match tokio::time::timeout(Duration::from_secs(3), talk).await {
        Ok(Ok(text)) if !text.is_empty() => return Ok(text),
        Ok(Ok(_)) => Why::Silent(word.to_string()),
        Ok(Err(e)) => Why::Io(e),
        Err(_) => Why::TimedOut,
    };
    Err(Unanswered { target, why })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_framed_jute() {
        let r = get_children_request(1, "/storm");
        assert_eq!(&r[..4], &(4 + 4 + 4 + 6 + 1i32).to_be_bytes());
        assert_eq!(&r[4..12], &[0, 0, 0, 1, 0, 0, 0, 8]);
        assert_eq!(&r[16..22], b"/storm");
        assert_eq!(connect_request(Duration::from_secs(10)).len(), 4 + 4 + 8 + 4 + 8 + 4 + 16 + 1);
    }

    fn reply(xid: i32, err: i32, children: &[&str]) -> Vec<u8> {
        let mut b = xid.to_be_bytes().to_vec();
        b.extend_from_slice(&7i64.to_be_bytes());
        b.extend_from_slice(&err.to_be_bytes());
        if err == 0 {
            b.extend_from_slice(&(children.len() as i32).to_be_bytes());
            for c in children {
                b.extend_from_slice(&(c.len() as i32).to_be_bytes());
                b.extend_from_slice(c.as_bytes());
            }
        }
        b
    }

    #[test]
    fn replies_give_children_or_none() {
        assert_eq!(parse_children(&reply(1, 0, &["a", "bb"]), 1), Ok(Some(vec!["a".into(), "bb".into()])));
        assert_eq!(parse_children(&reply(1, NO_NODE, &[]), 1), Ok(None));
        assert!(parse_children(&reply(1, -4, &[]), 1).unwrap_err().to_string().contains("-4"));
        assert!(parse_children(&reply(2, 0, &[]), 1).is_err());
        let mut cut = reply(1, 0, &["abc"]);
        cut.truncate(cut.len() - 1);
        assert_eq!(parse_children(&cut, 1), Err(BadFrame::Truncated));
        // A hostile count does not allocate or loop far.
        let mut huge = reply(1, 0, &[]);
        let at = huge.len() - 4;
        huge[at..].copy_from_slice(&i32::MAX.to_be_bytes());
        assert!(parse_children(&huge, 1).is_err());
    }
}
