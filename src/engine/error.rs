//! The engine layer's error: a Docker API call that failed, told as what
//! happened (the engine out of reach, another command acting at the same
//! moment, the engine's refusal), with the operation it was for and the
//! bollard error as its cause. It becomes bdprov's error, with the advice
//! that goes with it, where it leaves this layer (`From`).

use std::fmt;

use super::conflict::{classify, Conflict};
use super::ssh;

#[derive(Debug)]
pub enum Error {
    /// The engine at `endpoint` did not answer; `ssh_said` is what ssh
    /// last printed on stderr, for ssh:// engines.
    Unreachable { endpoint: String, ssh_said: String, source: bollard::errors::Error },
    /// `what` met another command acting on the same object.
    Conflict { what: String, conflict: Conflict, source: bollard::errors::Error },
    /// The engine refused `what` with this status and message.
    Refused { what: String, status: u16, message: String, source: bollard::errors::Error },
    /// `what` failed some other way (an answer bollard could not read, …).
    Other { what: String, source: bollard::errors::Error },
}

impl Error {
    /// The error of `what` (e.g. "cannot create config x") failing with
    /// `e`, on the engine at `endpoint`.
    pub fn new(what: &str, e: bollard::errors::Error, endpoint: &str, ssh_said: String) -> Error {
        let what = what.to_string();
        match e {
            bollard::errors::Error::DockerResponseServerError { status_code, ref message } => match classify(status_code, message) {
                Some(conflict) => Error::Conflict { what, conflict, source: e },
                None => Error::Refused { what, status: status_code, message: message.clone(), source: e },
            },
            e if is_connection(&e) => Error::unreachable(endpoint, ssh_said, e),
            e => Error::Other { what, source: e },
        }
    }

    pub fn unreachable(endpoint: &str, ssh_said: String, e: bollard::errors::Error) -> Error {
        Error::Unreachable { endpoint: endpoint.to_string(), ssh_said, source: e }
    }

    /// What to do about it, if there is advice.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Unreachable { endpoint, .. } if endpoint.starts_with("ssh://") => {
                let cmd = ssh::parse(endpoint).map(|t| format!("`ssh {}`", ssh::args(&t).join(" "))).unwrap_or_else(|_| "ssh".into());
                Some(format!(
                    "bdprov runs {cmd} like the docker CLI: make that work from this shell (keys, agent, known_hosts and ~/.ssh/config are \
                     ssh's own), with a remote user that may use Docker"
                ))
            }
            Error::Unreachable { .. } => Some(
                "start it (`dockerd &` as root, or `systemctl start docker`), or point DOCKER_HOST (with DOCKER_TLS_VERIFY and \
                 DOCKER_CERT_PATH for TLS), --host or a Docker context (--context, DOCKER_CONTEXT, `docker context use`) at a running \
                 engine"
                    .into(),
            ),
            Error::Conflict { conflict, .. } => Some(
                match conflict {
                    Conflict::AlreadyExists => {
                        "`bdprov status` shows the cluster; run the command again once the other one ended (changing commands wait for \
                         each other with --wait)"
                    }
                    Conflict::NotFound => "`bdprov status` shows what is left; the same command run again recreates what is missing",
                    Conflict::OutOfSequence => "run the command again: it reads the current version first",
                }
                .into(),
            ),
            Error::Refused { .. } | Error::Other { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable { endpoint, ssh_said, source } if endpoint.starts_with("ssh://") => {
                if ssh_said.is_empty() {
                    write!(f, "cannot reach the Docker engine at {endpoint} through ssh: {source}")
                } else {
                    write!(f, "cannot reach the Docker engine at {endpoint} through ssh: ssh said: {ssh_said}")
                }
            }
            Error::Unreachable { endpoint, source, .. } => write!(f, "cannot reach the Docker engine at {endpoint}: {source}"),
            Error::Conflict { what, conflict: Conflict::AlreadyExists, .. } => write!(
                f,
                "{what}: it already exists: something else created it at the same moment (another bdprov command, or the docker CLI)"
            ),
            Error::Conflict { what, conflict: Conflict::NotFound, .. } => write!(
                f,
                "{what}: it is not on the swarm (any more): it was removed outside this command, e.g. with `docker service rm` or by a \
                 `bdprov down`"
            ),
            Error::Conflict { what, conflict: Conflict::OutOfSequence, .. } => {
                write!(f, "{what}: something else changed it at the same moment, so the swarm refused this change (update out of sequence)")
            }
            Error::Refused { what, message, .. } => write!(f, "{what}: {}", message.trim()),
            Error::Other { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Unreachable { source, .. }
            | Error::Conflict { source, .. }
            | Error::Refused { source, .. }
            | Error::Other { source, .. } => Some(source),
        }
    }
}

impl From<Error> for crate::error::Error {
    fn from(e: Error) -> crate::error::Error {
        let help = e.help();
        crate::error::Error::caused(e, help)
    }
}

fn is_connection(e: &bollard::errors::Error) -> bool {
    use bollard::errors::Error as E;
    matches!(e, E::HyperResponseError { .. } | E::IOError { .. } | E::SocketNotFoundError(_) | E::RequestTimeoutError)
        || e.to_string().contains("connect")
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    fn answer(status_code: u16, message: &str) -> bollard::errors::Error {
        bollard::errors::Error::DockerResponseServerError { status_code, message: message.into() }
    }

    #[test]
    fn bollards_errors_are_classified() {
        let of = |e| Error::new("cannot create config c", e, "unix:///var/run/docker.sock", String::new());
        let exists = of(answer(409, "rpc error: code = AlreadyExists desc = config c already exists"));
        assert!(matches!(exists, Error::Conflict { conflict: Conflict::AlreadyExists, .. }), "{exists:?}");
        let gone = of(answer(404, "service s not found"));
        assert!(matches!(gone, Error::Conflict { conflict: Conflict::NotFound, .. }), "{gone:?}");
        let raced = of(answer(500, "rpc error: code = Unknown desc = update out of sequence"));
        assert!(matches!(raced, Error::Conflict { conflict: Conflict::OutOfSequence, .. }), "{raced:?}");
        let refused = of(answer(500, "pool overlaps\n"));
        assert!(matches!(refused, Error::Refused { status: 500, .. }), "{refused:?}");
        assert_eq!(refused.to_string(), "cannot create config c: pool overlaps");
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let down = of(bollard::errors::Error::IOError { err: io });
        assert!(matches!(down, Error::Unreachable { .. }), "{down:?}");
        assert!(down.to_string().starts_with("cannot reach the Docker engine at unix:///var/run/docker.sock: "), "{down}");
        assert!(matches!(of(bollard::errors::Error::RequestTimeoutError), Error::Unreachable { .. }));
        let unread = of(bollard::errors::Error::DockerStreamError { error: "the stream ended".into() });
        assert!(matches!(unread, Error::Other { .. }), "{unread:?}");
    }

    #[test]
    fn a_context_over_an_engine_error_over_bollards_prints_as_before_and_walks_to_bollard() {
        let engine = Error::new("cannot create config c", answer(409, "config c already exists"), "", String::new());
        let e = crate::error::Error::from(engine).context("cluster ls1");
        assert_eq!(
            e.to_string(),
            "error: cluster ls1: cannot create config c: it already exists: something else created it at the same moment (another \
             bdprov command, or the docker CLI)\n  = help: `bdprov status` shows the cluster; run the command again once the other \
             one ended (changing commands wait for each other with --wait)\n"
        );
        let first = e.source().expect("the engine error");
        assert!(matches!(first.downcast_ref::<Error>(), Some(Error::Conflict { conflict: Conflict::AlreadyExists, .. })));
        let second = first.source().expect("bollard's error");
        assert!(matches!(
            second.downcast_ref::<bollard::errors::Error>(),
            Some(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. })
        ));
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn an_engine_out_of_reach_says_how_to_reach_one() {
        let io = || bollard::errors::Error::IOError { err: std::io::Error::new(std::io::ErrorKind::NotFound, "no socket") };
        let local = crate::error::Error::from(Error::unreachable("unix:///x.sock", String::new(), io())).to_string();
        assert!(local.starts_with("error: cannot reach the Docker engine at unix:///x.sock: "), "{local}");
        assert!(
            local.ends_with(
                "\n  = help: start it (`dockerd &` as root, or `systemctl start docker`), or point DOCKER_HOST (with DOCKER_TLS_VERIFY \
                 and DOCKER_CERT_PATH for TLS), --host or a Docker context (--context, DOCKER_CONTEXT, `docker context use`) at a \
                 running engine\n"
            ),
            "{local}"
        );
        let ssh = crate::error::Error::from(Error::unreachable("ssh://me@box", "Permission denied".into(), io())).to_string();
        assert!(
            ssh.starts_with("error: cannot reach the Docker engine at ssh://me@box through ssh: ssh said: Permission denied\n"),
            "{ssh}"
        );
        assert!(
            ssh.ends_with(
                "  = help: bdprov runs `ssh -o ConnectTimeout=30 -T -l me -- box docker system dial-stdio` like the docker CLI: make that \
                 work from this shell (keys, agent, known_hosts and ~/.ssh/config are ssh's own), with a remote user that may use \
                 Docker\n"
            ),
            "{ssh}"
        );
        let conflicts = [(404, "service w not found", "it is not on the swarm (any more): it was removed outside this command, e.g. with `docker service rm` or by a `bdprov down`\n  = help: `bdprov status` shows what is left; the same command run again recreates what is missing\n"),
            (500, "update out of sequence", "something else changed it at the same moment, so the swarm refused this change (update out of sequence)\n  = help: run the command again: it reads the current version first\n")];
        for (status, said, told) in conflicts {
            let e = crate::error::Error::from(Error::new("w", answer(status, said), "", String::new()));
            assert_eq!(e.to_string(), format!("error: w: {told}"));
        }
    }
}
