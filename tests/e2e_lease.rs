//! End to end on a real swarm: one changing command at a time per cluster
//! (the cluster's lease), on a one-member ZooKeeper with the offline image.
//! Two `up` at once, `down` during `up`, an `up` killed with SIGKILL, and a
//! service removed by hand while `up` waits.

use std::process::Child;
use std::time::{Duration, Instant};

use crate::common::{bdprov, bdprov_env, docker, Run};

const CLUSTER: &str = "e2e-lease";
const MEMBER: &str = "e2e-lease_zookeeper-1";
const FRONT: &str = "e2e-lease_zookeeper-readonly-1";
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
    "zookeeper-readonly.ports.client.published=22391",
];

fn spawn(args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = std::process::Command::new(crate::common::bin());
    cmd.args(args)
        .current_dir(crate::common::root())
        .env_remove("BDPROV_IMAGES")
        .env_remove("BDPROV_LEASE_TTL")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("bdprov starts")
}

fn finish(child: Child) -> Run {
    child.wait_with_output().expect("bdprov ends").into()
}

/// Whether the cluster's lease is on the swarm, seen from outside bdprov.
fn leased() -> bool {
    docker(&["config", "ls", "--filter", &format!("label=bdprov.lease={CLUSTER}"), "--format", "{{.Name}}"]).stdout.trim()
        == format!("{CLUSTER}.lease")
}

/// Wait (briefly: these are steps of a running `up`) until `f` holds.
fn poll(what: &str, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill").args([&format!("-{sig}"), &child.id().to_string()]).status().unwrap();
    assert!(ok.success(), "kill -{sig} failed");
}

fn service_exists(name: &str) -> bool {
    docker(&["service", "inspect", name, "--format", "{{.ID}}"]).code == 0
}

/// `up` (or `down`) refused because `pid` holds the lease for `command`.
fn assert_refused(run: &Run, command: &str, pid: u32) {
    assert_eq!(run.code, 1, "not refused:\n{}\n{}", run.stdout, run.stderr);
    let holder = format!("`bdprov {command}` (pid {pid} on host ");
    assert!(run.stderr.contains(&format!("cluster `{CLUSTER}` is busy: {holder}")), "{}", run.stderr);
    assert!(run.stderr.contains("--wait") && run.stderr.contains(&format!("bdprov unlock {CLUSTER}")), "{}", run.stderr);
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_lease_one_changing_command_at_a_time() {
    let _serial = crate::common::swarm_lock();
    let _ = bdprov(&["unlock", CLUSTER]);
    let _ = bdprov(&["down", CLUSTER, "--volumes"]);

    // Two `up` started together: exactly one proceeds, the other exits 1 at
    // once naming it.
    let started = Instant::now();
    let (mut a, mut b) = (spawn(UP, &[]), spawn(UP, &[]));
    let first = loop {
        if a.try_wait().unwrap().is_some() {
            break 0;
        }
        if b.try_wait().unwrap().is_some() {
            break 1;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "neither `up` ended within 60s");
        std::thread::sleep(Duration::from_millis(20));
    };
    let (loser, winner) = if first == 0 { (a, b) } else { (b, a) };
    // Paused, the winner holds the lease for as long as the checks below
    // need (less than its 30s time to live), however fast the swarm is.
    signal(&winner, "STOP");
    assert!(started.elapsed() < Duration::from_secs(30), "the refusal took {:?}", started.elapsed());
    let loser_run = finish(loser);
    assert_refused(&loser_run, "up", winner.id());
    assert!(!loser_run.stderr.contains("rpc error"), "{}", loser_run.stderr);

    // `down` while `up` holds the lease: refused, nothing removed. `up
    // --wait` waits, and finishes after it with no changes.
    let down = bdprov(&["down", CLUSTER]);
    assert_refused(&down, "up", winner.id());
    let waiting_up = spawn(&[UP, &["--wait"]].concat(), &[]);
    std::thread::sleep(Duration::from_secs(3));
    signal(&winner, "CONT");
    let won = finish(winner);
    assert!(won.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}\n{}", won.stdout, won.stderr);
    let second = finish(waiting_up);
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(second.stderr.contains(&format!("waiting for the lease on cluster {CLUSTER}: `bdprov up`")), "{}", second.stderr);
    assert!(second.stdout.contains(&format!("cluster {CLUSTER} is ready: no changes")), "{}", second.stdout);
    assert!(!leased(), "the lease outlived its commands");

    // A service removed by hand while `up` waits for it: `up` says so.
    docker(&["service", "rm", MEMBER]).ok();
    let up = spawn(UP, &[]);
    poll("`up` to recreate the member", || service_exists(MEMBER));
    signal(&up, "STOP");
    docker(&["service", "rm", MEMBER]).ok();
    signal(&up, "CONT");
    let gone = finish(up);
    assert_eq!(gone.code, 1, "{}\n{}", gone.stdout, gone.stderr);
    assert!(
        gone.stderr.contains(&format!("service {MEMBER} (role `zookeeper-1`) was removed while this command waited")),
        "{}",
        gone.stderr
    );
    assert!(gone.stderr.contains("outside bdprov") && !gone.stderr.contains("for inspection"), "{}", gone.stderr);

    // `down --wait` during `up`: it removes the cluster after `up` ends.
    let up = spawn(UP, &[]);
    poll("`up` to take the lease", leased);
    signal(&up, "STOP");
    let down_wait = spawn(&["down", CLUSTER, "--wait"], &[]);
    std::thread::sleep(Duration::from_secs(3));
    assert!(leased() && service_exists(FRONT), "`down --wait` did not wait");
    signal(&up, "CONT");
    let upped = finish(up);
    assert!(upped.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}\n{}", upped.stdout, upped.stderr);
    let downed = finish(down_wait);
    assert_eq!(downed.code, 0, "{}\n{}", downed.stdout, downed.stderr);
    assert!(downed.stderr.contains(&format!("waiting for the lease on cluster {CLUSTER}: `bdprov up`")), "{}", downed.stderr);
    assert!(downed.stdout.contains(&format!("cluster {CLUSTER} removed: 2 service(s)")), "{}", downed.stdout);
    assert!(!service_exists(MEMBER));

    // `up` killed with SIGKILL: its lease stays until it expires (8s here);
    // the next `up` is refused with the holder's pid and host until then,
    // and afterwards takes the lease over and converges.
    let ttl = [("BDPROV_LEASE_TTL", "8")];
    let killed = spawn(UP, &ttl);
    let killed_pid = killed.id();
    poll("`up` to take the lease", leased);
    signal(&killed, "KILL");
    let _ = finish(killed);
    let killed_at = Instant::now();
    let refused = bdprov(UP);
    assert!(killed_at.elapsed() < Duration::from_secs(8), "too slow to judge the lease before its expiry");
    assert_refused(&refused, "up", killed_pid);
    assert!(refused.stderr.contains("expires 8s after its last renewal"), "{}", refused.stderr);
    std::thread::sleep(Duration::from_secs(9).saturating_sub(killed_at.elapsed()));
    let after = bdprov_env(UP, &[]);
    assert_eq!(after.code, 0, "{}\n{}", after.stdout, after.stderr);
    assert!(
        after.stderr.contains(&format!("`bdprov up` (pid {killed_pid} on host ")) && after.stderr.contains("expired"),
        "{}",
        after.stderr
    );
    assert!(after.stdout.contains(&format!("cluster {CLUSTER} is ready")), "{}", after.stdout);

    // `unlock` on a free cluster is harmless; then clean up.
    assert!(bdprov(&["unlock", CLUSTER]).ok().stdout.contains("has no lease"));
    bdprov(&["down", CLUSTER, "--volumes"]).ok();
    assert!(!leased());
}
