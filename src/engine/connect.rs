//! Connecting to the chosen engine ([`super::context`]) through its
//! transport (a socket, TCP with or without TLS, or [`super::ssh`]), and
//! what to say when it cannot be reached.

use std::sync::Arc;
use std::time::Duration;

use bollard::{Docker, API_DEFAULT_VERSION};

use super::context::{Choice, Target};
use super::{ssh, Engine};
use crate::error::{Error, Result};

/// Seconds one request to the engine may take.
pub(super) const TIMEOUT: u64 = 120;

/// How long a failed connection's ssh may take to finish saying why.
const SSH_LAST_WORDS: Duration = Duration::from_secs(2);

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
    /// ssh:// through the user's own ssh (see [`super::ssh`]).
    pub async fn connect(choice: &Choice) -> Result<Engine> {
        Engine::connect_to(&choice.target()?).await
    }

    /// Connect to an engine already chosen (another connection to this
    /// engine's: [`Engine::target`]).
    pub async fn connect_to(target: &Target) -> Result<Engine> {
        let endpoint = target.host.clone();
        let named = |err: Error| {
            if target.source == "DOCKER_HOST" || target.source == "the default socket" {
                err
            } else {
                err.context(&format!("engine of {}", target.source))
            }
        };
        let ssh_said = endpoint.starts_with("ssh://").then(|| Arc::new(ssh::Said::default()));
        let docker = match &ssh_said {
            Some(said) => {
                let t = ssh::parse(&endpoint).map_err(|m| {
                    named(Error::help(
                        format!("{m} (from {})", target.source),
                        "write it as ssh://[user@]host[:port], as for the docker CLI",
                    ))
                })?;
                ssh::docker(&t, Arc::clone(said)).map_err(|e| named(unreachable(&endpoint, said.last(), e)))?
            }
            None => open(target).map_err(|e| named(unreachable(&endpoint, String::new(), e)))?,
        };
        match docker.negotiate_version().await {
            Ok(docker) => Ok(Engine { docker, endpoint, target: target.clone(), ssh_said }),
            Err(e) => {
                let said = match &ssh_said {
                    Some(said) => {
                        // Let ssh's last words (it has just exited) be read to their end.
                        said.settle(SSH_LAST_WORDS).await;
                        said.last()
                    }
                    None => String::new(),
                };
                Err(named(unreachable(&endpoint, said, e)))
            }
        }
    }

    /// Where this engine is (to open another connection to it).
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// What ssh last said on stderr, for messages (empty when not over ssh).
    pub(super) fn ssh_said(&self) -> String {
        self.ssh_said.as_ref().map(|s| s.last()).unwrap_or_default()
    }
}

/// The error for an engine that cannot be reached; `ssh_said` is what ssh
/// printed on stderr, for ssh:// engines.
pub(super) fn unreachable(endpoint: &str, ssh_said: String, e: bollard::errors::Error) -> Error {
    super::error::Error::unreachable(endpoint, ssh_said, e).into()
}
