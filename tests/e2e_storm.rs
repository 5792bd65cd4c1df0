//! End to end on a real swarm: Storm with the offline images (Storm 2.8's
//! daemons from Maven Central, its UI and logviewer built from Apache's
//! source release) on a ZooKeeper ensemble. The UI and the logviewer are
//! published through read-only fronts: readiness, `storm list` and the
//! checks here read the UI's REST API there; `storm kill` runs Storm's CLI
//! in a one-shot job on the overlay, as actions through the front are refused.
//!
//! The topology is a real one from Maven Central: Storm's Flux runner
//! (`org.apache.storm:flux-core`, pinned in templates/images/storm/examples.lock)
//! with a word-count topology of storm-client's classes that the image ships.

use std::path::PathBuf;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::common::{assert_archives_mapped, bdprov, bdprov_env, docker, eventually, root, up_fresh};

const CLUSTER: &str = "e2e-storm";
const LOCAL: &[(&str, &str)] = &[("BDPROV_IMAGES", "local")];
const UP: &[&str] = &[
    "up",
    "storm",
    "--name",
    CLUSTER,
    "--set",
    "zookeeper-readonly.ports.client.published=22181",
    "--set",
    "values.daemon_heap=256m",
    "--set",
    "values.worker_heap_mb=256",
    "--set",
    "values.slots_per_supervisor=2",
    "--set",
    "ui-web.ports.ui.published=28080",
    "--set",
    "logviewer-web.ports.http.published=28000",
];
const UI: &str = "http://127.0.0.1:28080";
const LOGVIEWER: &str = "http://127.0.0.1:28000";

/// `curl -X METHOD URL`: the status code and the body.
fn http(method: &str, url: &str) -> (u16, String) {
    let out =
        std::process::Command::new("curl").args(["-s", "--max-time", "20", "-X", method, "-w", "\n%{http_code}", url]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

/// A GET on the UI's REST API through its front, as JSON.
fn ui_api(path: &str) -> serde_json::Value {
    let (code, body) = http("GET", &format!("{UI}{path}"));
    assert_eq!(code, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}\n{body}"))
}

/// What the UI counts as emitted by the topology's spout, all time (numbers
/// may come as strings).
fn ui_emitted(topology_id: &str) -> u64 {
    let t = ui_api(&format!("/api/v1/topology/{topology_id}"));
    let spouts = t["spouts"].as_array().cloned().unwrap_or_default();
    spouts.iter().map(|s| s["emitted"].as_u64().or_else(|| s["emitted"].as_str().and_then(|v| v.parse().ok())).unwrap_or(0)).sum()
}

/// `bdprov submit storm` of Storm's Flux word count (its jar built from
/// Maven Central), on `cluster`.
pub(crate) fn submit_wordcount(cluster: &str) -> crate::common::Run {
    submit_flux(cluster, &flux_jar(), &["/apache-storm/examples/flux/wordcount.yaml"])
}

/// `bdprov submit storm` of Flux's runner `jar` with `--remote` and `args`.
pub(crate) fn submit_flux(cluster: &str, jar: &std::path::Path, args: &[&str]) -> crate::common::Run {
    let mut all = vec!["submit", "--cluster", cluster, "storm", "--jar", jar.to_str().unwrap()];
    all.extend(["--class", "org.apache.storm.flux.Flux", "--", "--remote"]);
    all.extend_from_slice(args);
    bdprov(&all)
}

/// The Flux runner jar, downloaded once into the cache and checked against the lock.
pub(crate) fn flux_jar() -> PathBuf {
    let lock = std::fs::read_to_string(root().join("templates/images/storm/examples.lock")).unwrap();
    let line = lock.lines().find(|l| l.starts_with("examples/flux-core-")).expect("the lock pins flux-core");
    let cols: Vec<&str> = line.split('\t').collect();
    let (dest, coord, sha) = (cols[0], cols[1], cols[2]);
    let c: Vec<&str> = coord.split(':').collect();
    let cache = std::env::var("BDPROV_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/bdprov"));
    let path = cache.join(dest);
    let fresh = |p: &PathBuf| std::fs::read(p).ok().is_some_and(|b| hex::encode(Sha256::digest(&b)) == sha);
    if !fresh(&path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let repo = std::env::var("BDPROV_MAVEN").unwrap_or_else(|_| "https://repo1.maven.org/maven2".into());
        let url = format!("{repo}/{}/{}/{}/{}-{}.{}", c[0].replace('.', "/"), c[1], c[2], c[1], c[2], c[3]);
        let ok = std::process::Command::new("curl").args(["-fsSL", "--retry", "3", "-o"]).arg(&path).arg(&url).status().unwrap().success();
        assert!(ok && fresh(&path), "cannot download {url} with the pinned SHA-256");
    }
    path
}

fn topologies() -> serde_json::Value {
    let out = bdprov(&["storm", "list", "--cluster", CLUSTER, "--output", "json"]).ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("storm list --output json: {e}\n{}", out.stdout))
}

fn supervisor_container() -> String {
    let out = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_supervisor")]);
    out.stdout.lines().next().unwrap_or_else(|| panic!("no running supervisor container")).to_string()
}

/// Tuples the word spout emitted, as the worker logs them (topology.debug).
fn emitted(topology_id: &str) -> usize {
    let script = format!("cat /logs/workers-artifacts/{topology_id}/*/worker.log 2>/dev/null | grep -c 'Emitting.*words' || true");
    let out = docker(&["exec", &supervisor_container(), "sh", "-c", &script]);
    out.stdout.trim().parse().unwrap_or(0)
}

/// Where the kit's image keeps its class-data archives (templates/images/storm/java).
const CDS: &str = "/apache-storm-2.8.3/cds";

/// Each worker JVM of the supervisor and the LogWriter that started it, as
/// `<main class> <mapped archive or "none">` lines, read as user storm
/// (uid 1000, the JVMs' own) from their memory maps.
fn worker_archives() -> String {
    let script = format!(
        "for w in $(pgrep -f 'org[.]apache[.]storm[.]LogWriter'); do \
           for p in $w $(pgrep -P $w); do \
             main=$(tr '\\0' '\\n' < /proc/$p/cmdline | grep -m1 -E '^org[.]apache[.]storm[.](LogWriter|daemon[.]worker[.]Worker)$'); \
             echo \"$main $(grep -o '{CDS}/[^ ]*[.]jsa' /proc/$p/maps | sort -u | head -1)\"; \
           done; \
         done"
    );
    docker(&["exec", "-u", "1000", &supervisor_container(), "sh", "-c", &script]).stdout
}

#[test]
#[ignore = "needs the swarm: scripts/test.sh runs it"]
fn e2e_storm_topology_lifecycle() {
    let _serial = crate::common::swarm_lock();
    // up: nimbus holds the leadership, the supervisor registered, the UI and
    // a logviewer run from the kit's image, each behind its read-only front.
    let up = up_fresh(CLUSTER, UP, LOCAL);
    assert!(!up.stderr.contains("is left out"), "{}", up.stderr);
    assert!(up.stdout.contains(&format!("{UI}/")) && up.stdout.contains(&format!("{LOGVIEWER}/")), "{}", up.stdout);
    let st: serde_json::Value = serde_json::from_str(&bdprov(&["status", CLUSTER, "--output", "json"]).ok().stdout).unwrap();
    assert_eq!(st["ready"], true, "{st:#}");
    let role = |name: &str| st["roles"].as_array().unwrap().iter().find(|r| r["role"] == name).cloned();
    assert_eq!(role("supervisor").unwrap()["ready"], 1, "{st:#}");
    assert!(role("nimbus").unwrap()["detail"].as_str().unwrap_or("").contains("/storm/leader-lock"), "{st:#}");
    for r in ["ui", "ui-web", "logviewer", "logviewer-web"] {
        assert_eq!(role(r).unwrap_or_else(|| panic!("no role {r}: {st:#}"))["ready"], 1, "{st:#}");
    }
    // The UI's REST API, read from outside the swarm: a leader, the supervisor.
    let nimbuses = ui_api("/api/v1/nimbus/summary");
    assert!(nimbuses["nimbuses"].as_array().unwrap().iter().any(|n| n["status"] == "Leader"), "{nimbuses:#}");
    let cluster = ui_api("/api/v1/cluster/summary");
    assert_eq!(cluster["supervisors"], 1, "{cluster:#}");
    assert_eq!(cluster["stormVersion"], "2.8.3", "{cluster:#}");
    // Class-data sharing: each daemon's JVM (PID 1) maps the archive the
    // image was trained with for its main class.
    let daemons = [
        ("nimbus", "org.apache.storm.daemon.nimbus.Nimbus"),
        ("supervisor", "org.apache.storm.daemon.supervisor.Supervisor"),
        ("ui", "org.apache.storm.daemon.ui.UIServer"),
        ("logviewer", "org.apache.storm.daemon.logviewer.LogviewerServer"),
    ];
    let roles: Vec<(String, &str, usize)> = daemons.iter().map(|(r, c)| (format!("{CLUSTER}_{r}"), *c, 1)).collect();
    assert_archives_mapped(CDS, "1000", &roles);
    // Its pages, with the build's cache buster filled in.
    let (code, page) = http("GET", &format!("{UI}/index.html"));
    assert!(code == 200 && page.contains("_ts=2.8.3") && !page.contains("${packageTimestamp}"), "{code} {page}");

    // No topology yet.
    assert_eq!(topologies(), serde_json::json!([]));

    // submit storm: a real topology jar; list shows it ACTIVE, tuples flow.
    let sub = submit_wordcount(CLUSTER);
    assert_eq!(sub.code, 0, "submit storm failed:\n{}\n{}", sub.stdout, sub.stderr);
    let list = topologies();
    let t = list.as_array().unwrap().iter().find(|t| t["name"] == "wordcount").unwrap_or_else(|| panic!("{list:#}")).clone();
    assert_eq!(t["status"], "ACTIVE", "{t:#}");
    let id = t["id"].as_str().unwrap().to_string();
    let table = bdprov(&["storm", "list", "--cluster", CLUSTER]).ok().stdout;
    assert!(table.lines().any(|l| l.starts_with("wordcount") && l.contains("ACTIVE")), "{table}");
    let first = eventually("tuples emitted by the spout", Duration::from_secs(120), || Some(emitted(&id)).filter(|n| *n > 0));
    // The supervisor's children map theirs too: the worker, and the
    // LogWriter that started it.
    let workers = worker_archives();
    for class in ["org.apache.storm.LogWriter", "org.apache.storm.daemon.worker.Worker"] {
        let line = format!("{class} {CDS}/{class}.jsa");
        assert!(workers.lines().any(|l| l == line), "no JVM {class} mapping its archive in the supervisor:\n{workers}");
    }
    // The UI counts them too (its metrics lag the worker by a minute or so).
    eventually("emitted tuples in the UI's REST API", Duration::from_secs(150), || Some(ui_emitted(&id)).filter(|n| *n > 0));

    // The worker's log, through the logviewer link the UI gives (its host is
    // the supervisor's name on the overlay: the front publishes that path).
    let spout = ui_api(&format!("/api/v1/topology/{id}/component/words"));
    let link = spout["executorStats"].as_array().and_then(|e| e.iter().find_map(|x| x["workerLogLink"].as_str())).map(str::to_string);
    let link = link.unwrap_or_else(|| panic!("no worker log link: {spout:#}"));
    let path = link.splitn(4, '/').nth(3).unwrap_or_else(|| panic!("{link}"));
    assert!(link.contains(":8000/") && path.starts_with("api/v1/log?file="), "{link}");
    let (code, log) = http("GET", &format!("{LOGVIEWER}/{path}"));
    assert!(code == 200 && log.contains("Emitting"), "GET {link} through the front: {code}\n{log}");

    // Actions through the UI's front are refused, those Storm takes by GET
    // too; the topology keeps running.
    for action in ["kill/0", "deactivate", "rebalance/0", "activate"] {
        let (code, body) = http("POST", &format!("{UI}/api/v1/topology/{id}/{action}"));
        assert_eq!(code, 405, "POST {action}: {body}");
    }
    let (code, body) = http("GET", &format!("{UI}/api/v1/topology/{id}/profiling/restartworker/supervisor-1:6700"));
    assert_eq!(code, 403, "{body}");
    let (code, body) = http("POST", &format!("{LOGVIEWER}/api/v1/log"));
    assert_eq!(code, 405, "{body}");
    let alive = topologies();
    assert!(alive.as_array().unwrap().iter().any(|t| t["id"] == id.as_str() && t["status"] == "ACTIVE"), "{alive:#}");

    // A supervisor's container killed comes back, and the topology keeps running.
    let victim = supervisor_container();
    docker(&["kill", &victim]).ok();
    eventually("the supervisor back, tuples flowing again", Duration::from_secs(180), || {
        let now = docker(&["ps", "-q", "--filter", &format!("label=com.docker.swarm.service.name={CLUSTER}_supervisor")]).stdout;
        (!now.trim().is_empty() && !now.contains(&victim) && emitted(&id) > 0).then_some(())
    });
    let after = bdprov_env(UP, LOCAL).ok();
    assert!(after.stdout.contains("is ready"), "{}", after.stdout);
    let still = topologies();
    assert!(still.as_array().unwrap().iter().any(|t| t["id"] == id.as_str() && t["status"] == "ACTIVE"), "{still:#}");
    assert!(first > 0);

    // kill: gone from the list.
    let unknown = bdprov(&["storm", "kill", "--cluster", CLUSTER, "wordcuont"]);
    assert_ne!(unknown.code, 0);
    assert!(unknown.stderr.contains("did you mean `wordcount`"), "{}", unknown.stderr);
    let kill = bdprov(&["storm", "kill", "--cluster", CLUSTER, "wordcount", "--wait", "1"]).ok();
    assert!(kill.stdout.contains("topology wordcount killed"), "{}", kill.stdout);
    assert_eq!(topologies(), serde_json::json!([]));

    bdprov(&["down", CLUSTER, "--volumes"]).ok();
}
