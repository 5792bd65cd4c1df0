//! Which Docker engine bdprov talks to, and how it gets there: the docker
//! CLI's rules, so that bdprov and `docker` always talk to the same engine.
//!
//! The engine is chosen in the docker CLI's order of precedence:
//! 1. `--host`/`-H URL` (then DOCKER_TLS_VERIFY/DOCKER_CERT_PATH apply, as for DOCKER_HOST),
//! 2. `--context NAME`,
//! 3. `DOCKER_HOST`,
//! 4. `DOCKER_CONTEXT`,
//! 5. `currentContext` in `$DOCKER_CONFIG/config.json` (DOCKER_CONFIG defaults to `~/.docker`),
//! 6. the local socket, `unix:///var/run/docker.sock`.
//!
//! `--host` and `--context` together are an error, as in the docker CLI. A
//! context named `default` is the environment's engine (3, then 6). Other
//! contexts are read from `$DOCKER_CONFIG/contexts/meta/<sha256 of the
//! name>/meta.json` (`Endpoints.docker.Host`), with TLS material from
//! `$DOCKER_CONFIG/contexts/tls/<sha256>/docker/{ca,cert,key}.pem`.
//!
//! ## ssh://[user@]host[:port]
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

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use bollard::{BollardRequest, Docker, API_DEFAULT_VERSION};
use hyper_util::rt::{TokioExecutor, TokioIo};
use sha2::Digest;
use tokio::io::AsyncReadExt;

use super::Engine;
use crate::error::{Error, Result};

/// Seconds one request to the engine may take.
const TIMEOUT: u64 = 120;
const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// The engine chosen on the command line (`--host`, `--context`), set once by the CLI.
static CHOICE: OnceLock<Choice> = OnceLock::new();

/// What ssh last printed on stderr, for error messages.
static SSH_STDERR: Mutex<String> = Mutex::new(String::new());

#[derive(Clone, Debug, Default)]
struct Choice {
    host: Option<String>,
    context: Option<String>,
}

/// Record the command line's `--host` and `--context`, before any `Engine::connect`.
pub fn choose(host: Option<String>, context: Option<String>) {
    let _ = CHOICE.set(Choice { host, context });
}

/// Where the engine is and how to reach it.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// unix://, tcp://, http(s):// or ssh:// URL.
    pub host: String,
    /// Client TLS material: (ca, cert, key).
    pub tls: Option<(PathBuf, PathBuf, PathBuf)>,
    /// Where the choice came from, for messages: `DOCKER_HOST`, `context "x" (from --context)`.
    pub source: String,
}

/// What the environment says, read once: the variables and the docker config folder.
struct Env {
    vars: HashMap<String, String>,
    config_dir: PathBuf,
}

impl Env {
    fn from_process() -> Env {
        let vars: HashMap<String, String> = std::env::vars().filter(|(_, v)| !v.is_empty()).collect();
        let config_dir = vars
            .get("DOCKER_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(vars.get("HOME").cloned().unwrap_or_else(|| "/root".into())).join(".docker"));
        Env { vars, config_dir }
    }

    fn var(&self, k: &str) -> Option<&str> {
        self.vars.get(k).map(String::as_str)
    }
}

/// The engine the docker CLI would talk to, given the command line and the environment.
fn resolve(choice: &Choice, env: &Env) -> Result<Target> {
    if choice.host.is_some() && choice.context.is_some() {
        return Err(Error::help(
            "conflicting options: either --host or --context, not both",
            "drop one of them (the docker CLI refuses the same)",
        ));
    }
    if let Some(h) = &choice.host {
        return Ok(with_env_tls(h.clone(), "--host".into(), env));
    }
    if let Some(c) = &choice.context {
        return context(c, "--context", env);
    }
    if let Some(h) = env.var("DOCKER_HOST") {
        return Ok(with_env_tls(h.to_string(), "DOCKER_HOST".into(), env));
    }
    if let Some(c) = env.var("DOCKER_CONTEXT") {
        return context(c, "DOCKER_CONTEXT", env);
    }
    let config = env.config_dir.join("config.json");
    if let Some(c) = current_context(&config)? {
        return context(&c, &format!("currentContext in {}", config.display()), env);
    }
    Ok(Target { host: DEFAULT_SOCKET.into(), tls: None, source: "the default socket".into() })
}

/// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (default: the docker config folder) for DOCKER_HOST or --host.
fn with_env_tls(host: String, source: String, env: &Env) -> Target {
    let tls = env.var("DOCKER_TLS_VERIFY").map(|_| {
        let dir = env.var("DOCKER_CERT_PATH").map(PathBuf::from).unwrap_or_else(|| env.config_dir.clone());
        (dir.join("ca.pem"), dir.join("cert.pem"), dir.join("key.pem"))
    });
    Target { host, tls, source }
}

/// `currentContext` of the docker CLI's config file, if it names one.
fn current_context(config: &Path) -> Result<Option<String>> {
    let text = match std::fs::read_to_string(config) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::msg(format!("cannot read {}: {e}", config.display()))),
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::help(
            format!("{}:{}:{}: not valid JSON: {e}", config.display(), e.line(), e.column()),
            "fix the docker CLI's config file, or point DOCKER_CONFIG at another folder",
        )
    })?;
    Ok(v.get("currentContext").and_then(|c| c.as_str()).filter(|c| !c.is_empty()).map(String::from))
}

/// A named docker context: its engine and TLS material.
fn context(name: &str, from: &str, env: &Env) -> Result<Target> {
    let source = format!("context \"{name}\" (from {from})");
    if name == "default" {
        let mut t = match env.var("DOCKER_HOST") {
            Some(h) => with_env_tls(h.to_string(), String::new(), env),
            None => Target { host: DEFAULT_SOCKET.into(), tls: None, source: String::new() },
        };
        t.source = source;
        return Ok(t);
    }
    let id = hex::encode(sha2::Sha256::digest(name.as_bytes()));
    let meta = env.config_dir.join("contexts/meta").join(&id).join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            Error::help(
                format!("there is no Docker context named \"{name}\" (from {from}; looked for {})", meta.display()),
                "`docker context ls` lists the contexts; create one with `docker context create NAME --docker host=URL`, \
                 or choose another with --context, DOCKER_CONTEXT or `docker context use`",
            )
        } else {
            Error::msg(format!("cannot read Docker context \"{name}\" from {}: {e}", meta.display()))
        }
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::help(
            format!("{}:{}:{}: Docker context \"{name}\" is not valid JSON: {e}", meta.display(), e.line(), e.column()),
            "recreate it with `docker context rm` and `docker context create`",
        )
    })?;
    let endpoint = &v["Endpoints"]["docker"];
    let host = endpoint["Host"].as_str().filter(|h| !h.is_empty()).map(String::from).unwrap_or_else(|| DEFAULT_SOCKET.into());
    let dir = env.config_dir.join("contexts/tls").join(&id).join("docker");
    let (ca, cert, key) = (dir.join("ca.pem"), dir.join("cert.pem"), dir.join("key.pem"));
    let tls = (cert.exists() && key.exists()).then_some((ca, cert, key));
    if tls.is_none() && (dir.join("ca.pem").exists() || endpoint["SkipTLSVerify"].as_bool() == Some(true)) {
        return Err(Error::help(
            format!(
                "Docker context \"{name}\" uses TLS without a client certificate (or with SkipTLSVerify), which bdprov does not support"
            ),
            format!("add cert.pem and key.pem to {} (`docker context create ... --docker ca=,cert=,key=`)", dir.display()),
        ));
    }
    Ok(Target { host, tls, source })
}

/// Connect to a chosen engine; nothing is sent yet.
fn open(t: &Target) -> std::result::Result<Docker, bollard::errors::Error> {
    let h = t.host.as_str();
    if let Some((ca, cert, key)) = &t.tls {
        let addr = h.replacen("tcp://", "https://", 1).replacen("http://", "https://", 1);
        return Docker::connect_with_ssl(&addr, key, cert, ca, TIMEOUT, API_DEFAULT_VERSION);
    }
    if h.starts_with("tcp://") || h.starts_with("http://") {
        return Docker::connect_with_http(h, TIMEOUT, API_DEFAULT_VERSION);
    }
    Docker::connect_with_host(h)
}

impl Engine {
    /// Connect the way the docker CLI does: `--host`, `--context`,
    /// `DOCKER_HOST` (with `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`),
    /// `DOCKER_CONTEXT`, the config's current context, else the local socket;
    /// ssh:// through the user's own ssh (see this module's notes).
    pub async fn connect() -> Result<Engine> {
        let choice = CHOICE.get().cloned().unwrap_or_default();
        let target = resolve(&choice, &Env::from_process())?;
        let endpoint = target.host.clone();
        let named = |err: Error| {
            if target.source == "DOCKER_HOST" || target.source == "the default socket" {
                err
            } else {
                err.context(&format!("engine of {}", target.source))
            }
        };
        let docker = if endpoint.starts_with("ssh://") {
            let t = ssh::parse(&endpoint).map_err(|m| {
                named(Error::help(format!("{m} (from {})", target.source), "write it as ssh://[user@]host[:port], as for the docker CLI"))
            })?;
            ssh::docker(&t).map_err(|e| named(unreachable(&endpoint, e)))?
        } else {
            open(&target).map_err(|e| named(unreachable(&endpoint, e)))?
        };
        match docker.negotiate_version().await {
            Ok(docker) => Ok(Engine { docker, endpoint }),
            Err(e) => {
                if endpoint.starts_with("ssh://") {
                    // Let ssh's last words (it has just exited) reach SSH_STDERR.
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
                Err(named(unreachable(&endpoint, e)))
            }
        }
    }
}

pub(super) fn unreachable(endpoint: &str, e: bollard::errors::Error) -> Error {
    if endpoint.starts_with("ssh://") {
        let said = SSH_STDERR.lock().map(|s| s.trim().to_string()).unwrap_or_default();
        let why = if said.is_empty() { e.to_string() } else { format!("ssh said: {said}") };
        let cmd = ssh::parse(endpoint).map(|t| format!("`ssh {}`", ssh::args(&t).join(" "))).unwrap_or_else(|_| "ssh".into());
        return Error::help(
            format!("cannot reach the Docker engine at {endpoint} through ssh: {why}"),
            format!(
                "bdprov runs {cmd} like the docker CLI: make that work from this shell (keys, agent, known_hosts and ~/.ssh/config are \
                 ssh's own), with a remote user that may use Docker"
            ),
        );
    }
    Error::help(
        format!("cannot reach the Docker engine at {endpoint}: {e}"),
        "start it (`dockerd &` as root, or `systemctl start docker`), or point DOCKER_HOST (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH \
         for TLS), --host or a Docker context (--context, DOCKER_CONTEXT, `docker context use`) at a running engine",
    )
}

/// The host part of DOCKER_HOST, for reaching published ports of a remote engine.
pub(super) fn endpoint_host(endpoint: &str) -> String {
    let rest = endpoint.split("://").nth(1).unwrap_or("");
    if endpoint.starts_with("unix://") || endpoint.starts_with("npipe://") || rest.is_empty() {
        return "127.0.0.1".into();
    }
    let hostport = rest.split('/').next().unwrap_or(rest);
    // ssh://user@host: the host is what publishes ports.
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    let host = hostport.rsplit_once(':').map(|(h, _)| h).unwrap_or(hostport);
    host.trim_start_matches('[').trim_end_matches(']').to_string()
}

/// The Engine API over `ssh ... docker system dial-stdio`.
mod ssh {
    use super::*;

    /// `ssh://[user@]host[:port][/]`, as the docker CLI accepts it.
    #[derive(Debug, PartialEq)]
    pub(super) struct SshTarget {
        pub user: Option<String>,
        pub host: String,
        pub port: Option<u16>,
    }

    pub(super) fn parse(url: &str) -> std::result::Result<SshTarget, String> {
        let rest = url.strip_prefix("ssh://").ok_or("not an ssh:// URL")?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if !path.is_empty() {
            return Err(format!("{url}: an ssh:// URL has no path (use ssh://[user@]host[:port])"));
        }
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()).filter(|u| !u.is_empty()), h),
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| format!("{url}: unclosed [ in the host"))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() || host.starts_with('-') {
            return Err(format!("{url}: no host (use ssh://[user@]host[:port])"));
        }
        let port = match port {
            Some(p) => Some(p.parse::<u16>().map_err(|_| format!("{url}: port {p:?} is not a number"))?),
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

    pub(super) fn docker(target: &SshTarget) -> std::result::Result<Docker, bollard::errors::Error> {
        let connector = Connector { args: Arc::new(args(target)) };
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

    /// Opens one ssh process per HTTP connection.
    #[derive(Clone)]
    struct Connector {
        args: Arc<Vec<String>>,
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
            Box::pin(async move {
                let mut child = tokio::process::Command::new("ssh")
                    .args(args.iter())
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .map_err(|e| io::Error::new(e.kind(), format!("cannot run ssh: {e}")))?;
                let mut stderr = child.stderr.take().expect("piped stderr");
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let _ = stderr.read_to_end(&mut buf).await;
                    let text = String::from_utf8_lossy(&buf).trim().to_string();
                    if !text.is_empty() {
                        if let Ok(mut s) = SSH_STDERR.lock() {
                            *s = text;
                        }
                    }
                });
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_hosts() {
        assert_eq!(endpoint_host("unix:///var/run/docker.sock"), "127.0.0.1");
        assert_eq!(endpoint_host("tcp://10.0.0.5:2376"), "10.0.0.5");
        assert_eq!(endpoint_host("ssh://me@box"), "box");
        assert_eq!(endpoint_host("ssh://me@box:2222"), "box");
    }

    #[test]
    fn ssh_urls() {
        let t = ssh::parse("ssh://me@box:2222").unwrap();
        assert_eq!(
            ssh::args(&t),
            ["-o", "ConnectTimeout=30", "-T", "-l", "me", "-p", "2222", "--", "box", "docker", "system", "dial-stdio"]
        );
        let t = ssh::parse("ssh://box").unwrap();
        assert_eq!(ssh::args(&t), ["-o", "ConnectTimeout=30", "-T", "--", "box", "docker", "system", "dial-stdio"]);
        assert_eq!(ssh::parse("ssh://[::1]:22").unwrap().host, "::1");
        assert!(ssh::parse("ssh://me@box:port").unwrap_err().contains("not a number"));
        assert!(ssh::parse("ssh://-oProxyCommand=x").is_err());
        assert!(ssh::parse("ssh://box/var/run").is_err());
    }

    fn env(dir: &Path, vars: &[(&str, &str)]) -> Env {
        Env { vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), config_dir: dir.to_path_buf() }
    }

    fn write_context(dir: &Path, name: &str, host: &str) {
        let id = hex::encode(sha2::Sha256::digest(name.as_bytes()));
        let meta = dir.join("contexts/meta").join(id);
        std::fs::create_dir_all(&meta).unwrap();
        let v = serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}});
        std::fs::write(meta.join("meta.json"), v.to_string()).unwrap();
    }

    #[test]
    fn precedence_is_the_docker_clis() {
        let dir = std::env::temp_dir().join(format!("bdprov-contexts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write_context(&dir, "a", "tcp://a:1");
        write_context(&dir, "b", "tcp://b:1");
        write_context(&dir, "c", "tcp://c:1");
        std::fs::write(dir.join("config.json"), r#"{"currentContext": "c"}"#).unwrap();
        let host = |choice: Choice, vars: &[(&str, &str)]| resolve(&choice, &env(&dir, vars)).map(|t| t.host);
        let all = [("DOCKER_HOST", "tcp://env:1"), ("DOCKER_CONTEXT", "b")];
        let flag_host = Choice { host: Some("tcp://flag:1".into()), context: None };
        let flag_ctx = Choice { host: None, context: Some("a".into()) };
        assert_eq!(host(flag_host.clone(), &all).unwrap(), "tcp://flag:1");
        assert_eq!(host(flag_ctx.clone(), &all).unwrap(), "tcp://a:1");
        assert_eq!(host(Choice::default(), &all).unwrap(), "tcp://env:1");
        assert_eq!(host(Choice::default(), &all[1..]).unwrap(), "tcp://b:1");
        assert_eq!(host(Choice::default(), &[]).unwrap(), "tcp://c:1");
        // The default context is the environment's engine.
        let def = Choice { host: None, context: Some("default".into()) };
        assert_eq!(host(def.clone(), &[]).unwrap(), DEFAULT_SOCKET);
        assert_eq!(host(def, &all).unwrap(), "tcp://env:1");
        assert!(host(Choice { host: Some("tcp://x:1".into()), context: Some("a".into()) }, &[]).is_err());
        let unknown = host(Choice { host: None, context: Some("nope".into()) }, &[]).unwrap_err().to_string();
        assert!(unknown.contains("no Docker context named \"nope\" (from --context"), "{unknown}");
        std::fs::write(dir.join("config.json"), "{").unwrap();
        assert!(host(Choice::default(), &[]).unwrap_err().to_string().contains("config.json:1:"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(host(Choice::default(), &[]).unwrap(), DEFAULT_SOCKET);
    }
}
