//! Running the real binary, and small helpers for tests against a swarm.

pub mod http;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bdprov")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The result of one run of bdprov.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "bdprov failed\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }
}

impl Run {
    /// Check the run against what it must show; a miss prints the whole run.
    #[track_caller]
    pub fn expect(self, e: Expect) -> Run {
        let mut misses = Vec::new();
        if self.code != e.code {
            misses.push(format!("exit code {} (wanted {})", self.code, e.code));
        }
        for (stream, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            for rule in e.rules.iter().filter(|r| r.stream == stream) {
                let holds = match rule.how {
                    How::Starts => text.starts_with(&rule.text),
                    How::Has => text.contains(&rule.text),
                    How::Lacks => !text.contains(&rule.text),
                    How::Empty => text.is_empty(),
                };
                if !holds {
                    misses.push(format!("{stream} {} {:?}", rule.how.words(), rule.text));
                }
            }
        }
        assert!(misses.is_empty(), "{}\n--- stdout\n{}\n--- stderr\n{}", misses.join("\n"), self.stdout, self.stderr);
        self
    }
}

/// What a command must show: its exit code, and what its stdout and stderr
/// start with, contain, lack or are empty of. `Expect::code(2).stdout_empty()
/// .stderr_starts("error: ")`, checked by [`Run::expect`].
pub struct Expect {
    code: i32,
    rules: Vec<Rule>,
}

struct Rule {
    stream: &'static str,
    how: How,
    text: String,
}

#[derive(Clone, Copy)]
enum How {
    Starts,
    Has,
    Lacks,
    Empty,
}

impl How {
    fn words(self) -> &'static str {
        match self {
            How::Starts => "does not start with",
            How::Has => "lacks",
            How::Lacks => "has",
            How::Empty => "is not empty:",
        }
    }
}

impl Expect {
    pub fn code(code: i32) -> Expect {
        Expect { code, rules: Vec::new() }
    }

    fn rule(mut self, stream: &'static str, how: How, text: impl Into<String>) -> Expect {
        self.rules.push(Rule { stream, how, text: text.into() });
        self
    }

    pub fn stdout_has(self, text: impl Into<String>) -> Expect {
        self.rule("stdout", How::Has, text)
    }

    pub fn stdout_empty(self) -> Expect {
        self.rule("stdout", How::Empty, "")
    }

    pub fn stderr_starts(self, text: impl Into<String>) -> Expect {
        self.rule("stderr", How::Starts, text)
    }

    pub fn stderr_has(self, text: impl Into<String>) -> Expect {
        self.rule("stderr", How::Has, text)
    }

    pub fn stderr_lacks(self, text: impl Into<String>) -> Expect {
        self.rule("stderr", How::Lacks, text)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into(),
            stderr: String::from_utf8_lossy(&o.stderr).into(),
        }
    }
}

/// Run bdprov with `args` from the repository root.
pub fn bdprov(args: &[&str]) -> Run {
    bdprov_env(args, &[])
}

pub fn bdprov_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root()).env_remove("BDPROV_IMAGES").env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("bdprov runs").into()
}

/// Start bdprov in the background (to be signalled).
pub fn spawn_bdprov(args: &[&str]) -> std::process::Child {
    spawn_bdprov_env(args, &[])
}

pub fn spawn_bdprov_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(root()).env_remove("BDPROV_IMAGES").env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("bdprov starts")
}

/// Send `signal` (TERM, HUP, INT …) to a child and wait for it to end.
pub fn signal_and_wait(child: std::process::Child, signal: &str) -> Run {
    let kill = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().expect("kill runs");
    assert!(kill.success(), "kill -{signal} failed");
    child.wait_with_output().expect("bdprov ends").into()
}

/// Names of the services carrying `label` (`key=value`).
pub fn services_labelled(label: &str) -> Vec<String> {
    docker(&["service", "ls", "--filter", &format!("label={label}"), "--format", "{{.Name}}"]).stdout.lines().map(String::from).collect()
}

/// The docker CLI, for checks from outside bdprov.
pub fn docker(args: &[&str]) -> Run {
    Command::new("docker").args(args).output().expect("the docker CLI runs").into()
}

/// The running containers of a swarm service.
pub fn containers_of(service: &str) -> Vec<String> {
    docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={service}")])
        .ok()
        .stdout
        .lines()
        .map(str::to_string)
        .collect()
}

/// The files the process that is PID 1 of `container` maps, and its command
/// line, read as `uid` (the JVM's own user: root without CAP_SYS_PTRACE may
/// not read another user's map). `-Xshare:auto` runs without an archive it
/// cannot use and says nothing, so a class-data archive is proven mapped by
/// the process's own memory map.
pub fn mapped(container: &str, uid: &str) -> (String, String) {
    let maps = docker(&["exec", "-u", uid, container, "cat", "/proc/1/maps"]).ok().stdout;
    let cmdline = docker(&["exec", "-u", uid, container, "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"]).ok().stdout;
    (maps, cmdline)
}

/// Every container of each `(service, main class, replicas)` runs that JVM
/// as PID 1 (as `uid`), and it maps `<dir>/<main class>.jsa`, the archive
/// its image was built with.
pub fn assert_archives_mapped(dir: &str, uid: &str, roles: &[(String, &str, usize)]) {
    for (service, class, replicas) in roles {
        let ids = containers_of(service);
        assert_eq!(ids.len(), *replicas, "{service}: containers {ids:?}");
        for id in ids {
            let (maps, cmdline) = mapped(&id, uid);
            assert!(cmdline.contains(class), "{service}: PID 1 is not its JVM: {cmdline}");
            let archive = format!("{dir}/{class}.jsa");
            assert!(maps.contains(&archive), "{service} ({id}) does not map {archive}; it runs: {cmdline}");
        }
    }
}

/// The JVMs running in `service`'s containers (not as PID 1: YARN's
/// containers in a NodeManager's) whose command line names `class`, each
/// as its PID and the class-data archives it maps, read as `uid`.
pub fn jvm_archives(service: &str, uid: &str, class: &str) -> Vec<String> {
    let script = format!(
        "for p in $(pgrep -f '{class}'); do tr '\\0' ' ' </proc/$p/cmdline | grep -q '^[^ ]*/java ' || continue; \
         echo \"$p $(grep -o '/[^ ]*[.]jsa' /proc/$p/maps | sort -u | tr '\\n' ' ')\"; done"
    );
    containers_of(service)
        .iter()
        .flat_map(|id| docker(&["exec", "-u", uid, id, "sh", "-c", &script]).ok().stdout.lines().map(String::from).collect::<Vec<_>>())
        .collect()
}

/// The JIT compiler threads PID 1 of each container of `service` runs
/// (`C1 CompilerThre`, `C2 CompilerThre`, from each thread's name), read as
/// `uid`: what the JVM really compiles with, whatever its flags say.
pub fn compiler_threads(service: &str, uid: &str) -> Vec<String> {
    containers_of(service)
        .iter()
        .map(|id| {
            docker(&["exec", "-u", uid, id, "sh", "-c", "cat /proc/1/task/*/comm | grep -o 'C[12] CompilerThre' | sort -u | tr '\\n' ' '"])
                .ok()
                .stdout
        })
        .collect()
}

/// GET a URL on this machine and parse JSON.
pub fn get_json(url: &str) -> Option<serde_json::Value> {
    let out = Command::new("curl").args(["-fsS", "--max-time", "3", url]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

/// Run `f` (a command: whether it succeeded, its output) until it
/// succeeds, or panic with `what` and its last output after `limit`.
/// For a client's first request after a NameNode failover: a NameNode that
/// has just become active may not have its DataNodes' reports yet (a
/// restarted member that won the election at once), and refuses a new
/// block ("could only be written to 0 of the 1 minReplication nodes")
/// until they report, a heartbeat or two later.
pub fn until_ok(what: &str, limit: Duration, mut f: impl FnMut() -> (bool, String)) -> String {
    let start = Instant::now();
    loop {
        let (ok, out) = f();
        if ok {
            return out;
        }
        assert!(start.elapsed() < limit, "{what}: still failing after {limit:?}:\n{out}");
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Poll `f` until it returns Some, or panic with `what` after `limit`.
pub fn eventually<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Bring `cluster` up from nothing (leftovers of an earlier, interrupted run
/// removed first) and check that `up` said it is ready.
pub fn up_fresh(cluster: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let _ = bdprov(&["down", cluster, "--volumes"]);
    let up = bdprov_env(args, env).ok();
    assert!(up.stdout.contains(&format!("cluster {cluster} is ready")), "{}", up.stdout);
    up
}

/// End-to-end tests share one swarm (and two cores): one at a time.
pub fn swarm_lock() -> SwarmLock {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // Other test runs on this machine (another checkout) share the swarm too.
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("bdprov-e2e.lock"))
        .expect("open the e2e lock file");
    file.lock().expect("lock the e2e lock file");
    SwarmLock { _file: file, _guard: guard, since: std::time::Instant::now() }
}

/// Held while a test uses the swarm: within this run and across runs.
pub struct SwarmLock {
    _file: std::fs::File,
    _guard: std::sync::MutexGuard<'static, ()>,
    since: std::time::Instant,
}

/// Where each end-to-end test's time on the swarm is appended (`name`,
/// seconds, `ok` or `failed`); `scripts/test.sh` prints it, slowest first.
pub const TIMES: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/e2e-times.tsv");

impl Drop for SwarmLock {
    /// A test that fails leaves its clusters up: what `status` says of each
    /// goes with the failure (CI keeps only the tests' output).
    fn drop(&mut self) {
        let failed = std::thread::panicking();
        if failed {
            report_clusters(&[]);
        }
        let name = std::thread::current().name().unwrap_or("?").to_string();
        let line = format!("{name}\t{:.0}\t{}\n", self.since.elapsed().as_secs_f64(), if failed { "failed" } else { "ok" });
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(TIMES) {
            use std::io::Write;
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// `bdprov status` of every cluster on the engine that `env` names (this
/// machine's by default), to stderr; nothing that can panic (this runs
/// while a failed test unwinds).
pub fn report_clusters(env: &[(&str, String)]) {
    let format = "{{.Label \"bdprov.cluster\"}}";
    let mut networks = Command::new("docker");
    networks.args(["network", "ls", "--filter", "label=bdprov.cluster", "--format", format]);
    let Ok(out) = networks.envs(env.iter().map(|(k, v)| (k, v))).output() else { return };
    let names: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    for cluster in names {
        let mut status = Command::new(bin());
        status.args(["status", &cluster]).current_dir(root()).env("NO_COLOR", "1");
        let Ok(st) = status.envs(env.iter().map(|(k, v)| (k, v))).output() else { continue };
        eprintln!(
            "--- bdprov status {cluster}, after the failure:\n{}{}",
            String::from_utf8_lossy(&st.stdout),
            String::from_utf8_lossy(&st.stderr)
        );
    }
}

/// The engine of the Docker-in-Docker manager at `manager`
/// (tests/multinode), for bdprov and the docker CLI alike.
pub fn multinode_env(manager: &str) -> Vec<(&'static str, String)> {
    let home = std::env::var("HOME").unwrap_or_default();
    let cache = std::env::var("BDPROV_CACHE").unwrap_or_else(|_| format!("{home}/.cache/bdprov"));
    vec![
        ("DOCKER_HOST", format!("tcp://{manager}:2376")),
        ("DOCKER_TLS_VERIFY", "1".into()),
        ("DOCKER_CERT_PATH", format!("{cache}/test-node-certs")),
    ]
}

/// Run a one-shot service on `network` (restart condition none) and return
/// whether it completed, and its output.
pub fn one_shot(name: &str, network: &str, image: &str, args: &[&str]) -> (bool, String) {
    let _ = docker(&["service", "rm", name]);
    let mut create = vec!["service", "create", "-d", "--name", name, "--restart-condition", "none", "--network", network, image];
    create.extend_from_slice(args);
    let run = docker(&create);
    assert_eq!(run.code, 0, "docker service create {name}: {}", run.stderr);
    let state = eventually(&format!("job {name} to finish"), Duration::from_secs(120), || {
        let s = docker(&["service", "ps", name, "--format", "{{.CurrentState}}"]).stdout;
        let first = s.lines().next().unwrap_or("").to_string();
        (first.starts_with("Complete") || first.starts_with("Failed") || first.starts_with("Rejected")).then_some(first)
    });
    let logs = docker(&["service", "logs", "--raw", name]);
    let _ = docker(&["service", "rm", name]);
    (state.starts_with("Complete"), format!("{}{}", logs.stdout, logs.stderr))
}

pub fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}
