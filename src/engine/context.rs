//! Which Docker engine bdprov talks to: the docker CLI's rules, so that
//! bdprov and `docker` always talk to the same engine. How it gets there
//! over ssh:// is [`super::ssh`]'s.
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

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::error::{Error, Result};

const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// The engine chosen on the command line (`--host`, `--context`); both
/// unset leave the choice to the environment.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub host: Option<String>,
    pub context: Option<String>,
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

impl Choice {
    /// The engine the docker CLI would talk to, given this choice and the
    /// process's environment.
    pub fn target(&self) -> Result<Target> {
        resolve(self, &Env::from_process())
    }
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
