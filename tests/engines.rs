//! Which engine bdprov talks to: ssh:// through a real sshd on this machine,
//! Docker contexts in a temporary DOCKER_CONFIG, and `bdprov completions`.
//!
//! The sshd runs on a spare localhost port with its own config, host key and
//! authorized key in a temporary folder (the system's sshd and ~/.ssh are not
//! touched). ssh reads its config from the user's passwd home, not $HOME, so
//! the test puts an `ssh` on PATH that adds `-F <temp config>`: bdprov, like
//! the docker CLI, runs whatever `ssh` PATH finds.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use crate::common::{bin, eventually, root, swarm_lock, write, Expect, Run};

/// A throwaway sshd and an ssh set up to reach it.
struct Sshd {
    dir: PathBuf,
    port: u16,
    user: String,
    child: Child,
}

impl Sshd {
    fn start() -> Sshd {
        let sshd = Path::new("/usr/sbin/sshd");
        assert!(sshd.exists(), "/usr/sbin/sshd is missing: install openssh-server (`BDPROV_TEST=1 scripts/setup.sh` does)");
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("bdprov-sshd-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        for key in ["host", "client"] {
            let out = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(dir.join(key)).output().unwrap();
            assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap().trim().to_string();
        let d = dir.display();
        std::fs::copy(dir.join("client.pub"), dir.join("authorized_keys")).unwrap();
        write(
            &dir.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nAuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            )
            .as_bytes(),
        );
        let host_pub = std::fs::read_to_string(dir.join("host.pub")).unwrap();
        write(&dir.join("known_hosts"), format!("[127.0.0.1]:{port} {host_pub}").as_bytes());
        write(
            &dir.join("ssh_config"),
            format!(
                "Host *\n  IdentityFile {d}/client\n  IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  \
                 StrictHostKeyChecking yes\n  BatchMode yes\n"
            )
            .as_bytes(),
        );
        write(&dir.join("bin/ssh"), format!("#!/bin/sh\nexec /usr/bin/ssh -F {d}/ssh_config \"$@\"\n").as_bytes());
        Command::new("chmod").args(["+x"]).arg(dir.join("bin/ssh")).status().unwrap();
        // sshd's privilege separation folder (Debian's package creates it only when the service starts).
        std::fs::create_dir_all("/run/sshd").unwrap();
        let child = Command::new(sshd).args(["-D", "-e", "-f"]).arg(dir.join("sshd_config")).spawn().expect("sshd starts");
        eventually("sshd to listen", Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).ok());
        Sshd { dir, port, user, child }
    }

    fn url(&self) -> String {
        format!("ssh://{}@127.0.0.1:{}", self.user, self.port)
    }

    /// PATH with the test's ssh first.
    fn path(&self) -> String {
        format!("{}:{}", self.dir.join("bin").display(), std::env::var("PATH").unwrap_or_default())
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// bdprov with no engine settings from the test's own environment, then `env`.
fn bdprov_clean(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root()).env("NO_COLOR", "1");
    for k in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "BDPROV_IMAGES"] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("bdprov runs").into()
}

const CLUSTER: &str = "e2e-ssh";
const UP: &[&str] = &[
    "up",
    "zookeeper",
    "--name",
    CLUSTER,
    "--images",
    "local",
    "--set",
    "zookeeper.members=1",
    "--set",
    "zookeeper-readonly.ports.client.published=23181",
];

/// A cluster brought up, probed, listed, logged and removed with every
/// command going to the engine through ssh; what it says matches what the
/// local socket says.
#[test]
#[ignore = "needs the swarm, the kit's images and sshd: scripts/test.sh runs it"]
fn ssh_engine_serves_every_command() {
    let _lock = swarm_lock();
    let sshd = Sshd::start();
    let url = sshd.url();
    let path = sshd.path();
    let over_ssh = |args: &[&str]| bdprov_clean(args, &[("DOCKER_HOST", &url), ("PATH", &path)]);
    let local = |args: &[&str]| bdprov_clean(args, &[]);
    let _ = local(&["down", CLUSTER, "--volumes"]);

    let up = over_ssh(UP).ok();
    assert!(up.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}", up.stdout);
    // status reads the engine through ssh and probes the published port directly.
    let status = over_ssh(&["status", CLUSTER, "-o", "json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("status -o json is JSON");
    let text = json.to_string();
    assert!(text.contains("zookeeper-1"), "{text}");
    // The mode comes from ZooKeeper itself (`srvr` through the published
    // read-only front): the probe reached it.
    let modes: Vec<&str> = json["roles"].as_array().unwrap().iter().map(|r| r["mode"].as_str().unwrap_or("-")).collect();
    assert_eq!(modes, ["standalone", "-"], "{text}");
    let here: serde_json::Value = serde_json::from_str(&local(&["status", CLUSTER, "-o", "json"]).ok().stdout).unwrap();
    let names = |v: &serde_json::Value| v["roles"].as_array().unwrap().iter().map(|r| r["role"].to_string()).collect::<Vec<_>>();
    assert_eq!(names(&json), names(&here), "the same cluster through ssh and through the local socket");
    // --host and a context name ssh:// the same way.
    let table = bdprov_clean(&["-H", &url, "status", CLUSTER], &[("PATH", &path)]).ok();
    assert!(table.stdout.contains("zookeeper-1"), "{}", table.stdout);
    let logs = over_ssh(&["logs", CLUSTER, "zookeeper", "--tail", "5"]).ok();
    assert!(!logs.stdout.trim().is_empty(), "logs through ssh: {}", logs.stderr);
    over_ssh(&["down", CLUSTER, "--volumes"]).ok();
    let left = Command::new("docker").args(["service", "ls", "-q", "--filter", &format!("name={CLUSTER}")]).output().unwrap();
    assert!(left.stdout.is_empty(), "down through ssh removed the services");
}

/// A bad ssh:// target: one error naming it, what ssh said, and the command to try.
#[test]
fn bad_ssh_targets_fail_clearly() {
    let sshd = Sshd::start();
    let path = sshd.path();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("ssh://{}@127.0.0.1:{closed}", sshd.user);
    let run = bdprov_clean(&["status"], &[("DOCKER_HOST", &url), ("PATH", &path)]).expect(
        Expect::code(1)
            .stderr_has(format!("cannot reach the Docker engine at {url} through ssh"))
            // ssh's own words
            .stderr_has("Connection refused")
            .stderr_has(format!("-p {closed} -- 127.0.0.1 docker system dial-stdio")),
    );
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
    // A user whose key the server does not know.
    let url = format!("ssh://nobody-{}@127.0.0.1:{}", std::process::id(), sshd.port);
    bdprov_clean(&["images", "list"], &[("DOCKER_HOST", &url), ("PATH", &path)]).expect(Expect::code(1).stderr_has("Permission denied"));
    // Not a URL ssh can take.
    bdprov_clean(&["status"], &[("DOCKER_HOST", "ssh://box:port")])
        .expect(Expect::code(1).stderr_has("port \"port\" is not a number (from DOCKER_HOST)"));
}

fn context(config: &Path, name: &str, host: &str) {
    use sha2::Digest;
    let id = hex::encode(sha2::Sha256::digest(name.as_bytes()));
    let meta = serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}});
    write(&config.join("contexts/meta").join(id).join("meta.json"), meta.to_string().as_bytes());
}

/// Contexts in a temporary DOCKER_CONFIG: `local` is this machine's engine,
/// `nowhere` a socket that does not exist; which one wins shows which rule applied.
#[test]
fn docker_contexts_in_the_docker_clis_order() {
    let config = std::env::temp_dir().join(format!("bdprov-docker-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&config);
    context(&config, "local", "unix:///var/run/docker.sock");
    context(&config, "nowhere", "unix:///nonexistent/docker.sock");
    let cfg = config.to_str().unwrap();
    let expected = bdprov_clean(&["images", "list"], &[]).ok().stdout;
    let works = |args: &[&str], env: &[(&str, &str)]| {
        let mut env = env.to_vec();
        env.push(("DOCKER_CONFIG", cfg));
        let mut all = args.to_vec();
        all.extend(["images", "list"]);
        let run = bdprov_clean(&all, &env);
        assert_eq!(run.code, 0, "{args:?} {env:?}: {}", run.stderr);
        assert_eq!(run.stdout, expected);
    };
    let fails = |args: &[&str], env: &[(&str, &str)], says: &str| {
        let mut env = env.to_vec();
        env.push(("DOCKER_CONFIG", cfg));
        let mut all = args.to_vec();
        all.extend(["images", "list"]);
        bdprov_clean(&all, &env).expect(Expect::code(1).stderr_has(says));
    };
    let nowhere = "cannot reach the Docker engine at unix:///nonexistent/docker.sock";

    // currentContext in config.json
    write(&config.join("config.json"), br#"{"auths": {}, "currentContext": "nowhere"}"#);
    fails(&[], &[], nowhere);
    fails(&[], &[], "context \"nowhere\" (from currentContext in");
    // DOCKER_CONTEXT beats currentContext
    works(&[], &[("DOCKER_CONTEXT", "local")]);
    // DOCKER_HOST beats DOCKER_CONTEXT
    fails(&[], &[("DOCKER_CONTEXT", "local"), ("DOCKER_HOST", "unix:///nonexistent/docker.sock")], nowhere);
    // --context beats DOCKER_HOST
    works(&["--context", "local"], &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")]);
    // --host beats everything, and does not go with --context
    fails(&["-H", "unix:///nonexistent/docker.sock"], &[("DOCKER_CONTEXT", "local")], nowhere);
    bdprov_clean(&["--host", "unix:///var/run/docker.sock", "--context", "local", "images", "list"], &[]).expect(Expect::code(2));
    // `default` is the environment's engine: the local socket here.
    works(&["--context", "default"], &[]);
    write(&config.join("config.json"), br#"{"currentContext": "local"}"#);
    works(&[], &[]);
    // Unknown names say where they came from and what to do.
    fails(&["--context", "nosuch"], &[], "there is no Docker context named \"nosuch\" (from --context");
    fails(&[], &[("DOCKER_CONTEXT", "nosuch")], "`docker context ls` lists the contexts");
    // DOCKER_CONFIG moves ~/.docker: the same context through HOME.
    let home = config.join("home");
    std::fs::create_dir_all(home.join(".docker")).unwrap();
    std::fs::rename(config.join("contexts"), home.join(".docker/contexts")).unwrap();
    write(&home.join(".docker/config.json"), br#"{"currentContext": "nowhere"}"#);
    let run = bdprov_clean(&["images", "list"], &[("HOME", home.to_str().unwrap())]);
    assert!(run.stderr.contains(nowhere), "{}", run.stderr);
    std::fs::remove_dir_all(&config).unwrap();
}

/// The docker CLI itself agrees on what the context files mean.
#[test]
fn contexts_written_by_the_docker_cli_are_read() {
    let config = std::env::temp_dir().join(format!("bdprov-docker-cli-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&config);
    std::fs::create_dir_all(&config).unwrap();
    let docker = |args: &[&str]| {
        let out = Command::new("docker").args(args).env("DOCKER_CONFIG", &config).env_remove("DOCKER_HOST").output().unwrap();
        assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    docker(&["context", "create", "gone", "--docker", "host=unix:///nonexistent/gone.sock"]);
    docker(&["context", "use", "gone"]);
    bdprov_clean(&["images", "list"], &[("DOCKER_CONFIG", config.to_str().unwrap())])
        .expect(Expect::code(1).stderr_has("unix:///nonexistent/gone.sock").stderr_has("context \"gone\""));
    std::fs::remove_dir_all(&config).unwrap();
}

#[test]
fn completions_name_commands_and_blueprints() {
    let run = bdprov_clean(&["completions", "bash"], &[]).ok();
    for word in ["up", "status", "scale", "completions", "--context", "spark-standalone", "zookeeper"] {
        assert!(run.stdout.contains(word), "{word} in the bash script");
    }
    let dir = std::env::temp_dir().join(format!("bdprov-completions-{}", std::process::id()));
    write(&dir.join("bdprov.bash"), run.stdout.as_bytes());
    let check = Command::new("bash").arg("-n").arg(dir.join("bdprov.bash")).output().unwrap();
    assert!(check.status.success(), "bash -n: {}", String::from_utf8_lossy(&check.stderr));
    // What bash offers after `bdprov up sp` and `bdprov logs spark-standalone wo`.
    let offer = |words: &str, cword: usize| {
        let script = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _bdprov bdprov \"${{COMP_WORDS[$COMP_CWORD]}}\" \
             \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[@]}}\"",
            dir.join("bdprov.bash").display()
        );
        String::from_utf8(Command::new("bash").arg("-c").arg(script).output().unwrap().stdout).unwrap()
    };
    assert_eq!(offer("bdprov up spark-s", 2).trim(), "spark-standalone spark-standalone-ha");
    assert_eq!(offer("bdprov logs spark-standalone wo", 3).trim(), "worker");
    for shell in ["zsh", "fish"] {
        let run = bdprov_clean(&["completions", shell], &[]).ok();
        assert!(run.stdout.contains("spark-hdfs-yarn") && run.stdout.contains("resourcemanager"), "{shell}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
