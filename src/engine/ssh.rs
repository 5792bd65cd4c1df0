//! The Engine API over `ssh://[user@]host[:port]`.
//!
//! Like the docker CLI, bdprov runs the user's own `ssh` (keys, agent,
//! `~/.ssh/config`, known_hosts all apply):
//! `ssh -o ConnectTimeout=30 -T [-l user] [-p port] -- host docker system dial-stdio`,
//! and speaks the Engine API over that process's stdin and stdout: one ssh
//! process per HTTP connection, ended when the connection is dropped. The
//! remote user must be allowed to use Docker there (`docker` on its PATH,
//! access to the socket). What ssh prints on stderr is kept and shown when the
//! engine cannot be reached.
//!
//! bollard's own `ssh` feature was not used: it drives ssh through the
//! `openssh` crate with a ControlMaster per connection, which accepts unknown
//! host keys by default (KnownHosts::Add) instead of the user's settings and
//! hands `user@host:port` to ssh as a host name.
//!
//! ## Published ports over ssh://
//!
//! Only the Engine API goes through ssh. Readiness probes, `status`,
//! `doctor`, `submit` and `storm` reach the services' published ports
//! directly, at each node's address: the node's `bdprov.address` label, else
//! the address swarm knows it by, else the host of DOCKER_HOST (see
//! `endpoint_host`). If the client cannot reach those addresses (nodes on a
//! private network behind the ssh host), the Engine API still works (`render`,
//! `down`, `logs`, listing) but probes time out: `status` shows roles as not
//! ready and `up` waits until its readiness timeout. Either label each node
//! with an address the client can reach
//! (`docker node update --label-add bdprov.address=HOST NODE`), or forward
//! the ports through ssh (`ssh -N -L 8080:localhost:8080 ... user@manager`)
//! and label the node `bdprov.address=127.0.0.1`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bollard::{BollardRequest, Docker, API_DEFAULT_VERSION};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncReadExt;

use super::connect::TIMEOUT;

/// `ssh://[user@]host[:port][/]`, as the docker CLI accepts it.
#[derive(Debug, PartialEq)]
pub(super) struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// Why a URL is not an `ssh://` engine bdprov can reach.
#[derive(Debug, PartialEq, thiserror::Error)]
pub(super) enum BadUrl {
    #[error("not an ssh:// URL")]
    NotSsh,
    #[error("{0}: an ssh:// URL has no path (use ssh://[user@]host[:port])")]
    Path(String),
    #[error("{0}: unclosed [ in the host")]
    Unclosed(String),
    #[error("{0}: no host (use ssh://[user@]host[:port])")]
    NoHost(String),
    #[error("{url}: port {port:?} is not a number")]
    Port { url: String, port: String },
}

pub(super) fn parse(url: &str) -> std::result::Result<SshTarget, BadUrl> {
    let rest = url.strip_prefix("ssh://").ok_or(BadUrl::NotSsh)?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !path.is_empty() {
        return Err(BadUrl::Path(url.to_string()));
    }
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()).filter(|u| !u.is_empty()), h),
        None => (None, authority),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| BadUrl::Unclosed(url.to_string()))?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() || host.starts_with('-') {
        return Err(BadUrl::NoHost(url.to_string()));
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().map_err(|_| BadUrl::Port { url: url.to_string(), port: p.to_string() })?),
        None => None,
    };
    Ok(SshTarget { user, host, port })
}

/// The ssh command line, as the docker CLI builds it.
pub(super) fn args(t: &SshTarget) -> Vec<String> {
    let mut a: Vec<String> = vec!["-o".into(), "ConnectTimeout=30".into(), "-T".into()];
    if let Some(u) = &t.user {
        a.extend(["-l".into(), u.clone()]);
    }
    if let Some(p) = t.port {
        a.extend(["-p".into(), p.to_string()]);
    }
    a.extend(["--".into(), t.host.clone(), "docker".into(), "system".into(), "dial-stdio".into()]);
    a
}

pub(super) fn docker(target: &SshTarget, said: Arc<Said>) -> std::result::Result<Docker, bollard::errors::Error> {
    let connector = Connector { args: Arc::new(args(target)), said };
    let client = Arc::new(hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector));
    Docker::connect_with_custom_transport(
        move |req: BollardRequest| {
            let client = Arc::clone(&client);
            async move { client.request(req).await.map_err(bollard::errors::Error::from) }
        },
        // The URL requests carry; the connector ignores it (the docker CLI uses http://docker too).
        Some("http://docker"),
        TIMEOUT,
        API_DEFAULT_VERSION,
    )
}

/// What the engine's ssh processes printed on stderr, kept for error
/// messages: each connection's ssh is read to its end by a task of its own.
#[derive(Default)]
pub(super) struct Said {
    /// The last non-empty stderr of an ssh process that ended.
    last: Mutex<String>,
    /// The readers of processes not known to have ended.
    readers: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Said {
    fn listen(self: &Arc<Self>, mut stderr: tokio::process::ChildStderr) {
        let me = Arc::clone(self);
        let reader = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf).await;
            let text = String::from_utf8_lossy(&buf).trim().to_string();
            if !text.is_empty() {
                *me.last.lock().unwrap_or_else(|e| e.into_inner()) = text;
            }
        });
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        readers.retain(|r| !r.is_finished());
        readers.push(reader);
    }

    /// Wait (at most `within`) until every ssh started so far has closed
    /// its stderr: an ssh that failed to connect has then said why. A
    /// failed request drops its connection, which kills its ssh, so this is
    /// quick; the bound covers a child of ssh (a ProxyCommand) that keeps
    /// stderr open.
    pub(super) async fn settle(&self, within: Duration) {
        let readers: Vec<_> = std::mem::take(&mut *self.readers.lock().unwrap_or_else(|e| e.into_inner()));
        let _ = tokio::time::timeout(within, futures_util::future::join_all(readers)).await;
    }

    /// What ssh last said; empty when it said nothing.
    pub(super) fn last(&self) -> String {
        self.last.lock().map(|s| s.trim().to_string()).unwrap_or_default()
    }
}

/// Opens one ssh process per HTTP connection.
#[derive(Clone)]
struct Connector {
    args: Arc<Vec<String>>,
    said: Arc<Said>,
}

impl tower_service::Service<hyper::Uri> for Connector {
    type Response = Stream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let args = Arc::clone(&self.args);
        let said = Arc::clone(&self.said);
        Box::pin(async move {
            let mut child = tokio::process::Command::new("ssh")
                .args(args.iter())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| io::Error::new(e.kind(), format!("cannot run ssh: {e}")))?;
            said.listen(child.stderr.take().expect("piped stderr"));
            let stdin = child.stdin.take().expect("piped stdin");
            let stdout = child.stdout.take().expect("piped stdout");
            Ok(Stream { _child: child, stdin: Some(TokioIo::new(stdin)), stdout: TokioIo::new(stdout) })
        })
    }
}

/// An HTTP connection: ssh's stdin and stdout.
struct Stream {
    _child: tokio::process::Child,
    stdin: Option<TokioIo<tokio::process::ChildStdin>>,
    stdout: TokioIo<tokio::process::ChildStdout>,
}

impl Stream {
    fn stdin(&mut self) -> io::Result<Pin<&mut TokioIo<tokio::process::ChildStdin>>> {
        self.stdin.as_mut().map(Pin::new).ok_or_else(|| io::ErrorKind::BrokenPipe.into())
    }
}

impl hyper::rt::Read for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: hyper::rt::ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stdout).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().stdin()?.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stdin()?.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if let Some(stdin) = me.stdin.as_mut() {
            std::task::ready!(Pin::new(stdin).poll_shutdown(cx))?;
        }
        me.stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl hyper_util::client::legacy::connect::Connection for Stream {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        hyper_util::client::legacy::connect::Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_urls() {
        let t = parse("ssh://me@box:2222").unwrap();
        assert_eq!(args(&t), ["-o", "ConnectTimeout=30", "-T", "-l", "me", "-p", "2222", "--", "box", "docker", "system", "dial-stdio"]);
        let t = parse("ssh://box").unwrap();
        assert_eq!(args(&t), ["-o", "ConnectTimeout=30", "-T", "--", "box", "docker", "system", "dial-stdio"]);
        assert_eq!(parse("ssh://[::1]:22").unwrap().host, "::1");
        assert!(parse("ssh://me@box:port").unwrap_err().to_string().contains("not a number"));
        assert!(parse("ssh://-oProxyCommand=x").is_err());
        assert!(parse("ssh://box/var/run").is_err());
    }
}
