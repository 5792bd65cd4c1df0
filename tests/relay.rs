//! The read-only front (`templates/web/relay.py`) that publishes the
//! NameNode's and ResourceManager's web ports, run with the blueprint's
//! rules in front of a local fixture: what passes, what is refused, and what
//! the daemon behind it gets to see. (`e2e_hadoop` checks it live.)

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::http::{route, Fixture};
use crate::common::{eventually, root};

struct Relay {
    child: Child,
    base: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The relay in front of `upstream` (host:port) with the NameNode front's rules.
fn relay(upstream: &str) -> Relay {
    relay_with(upstream, "/ /dfshealth.html /static/* /jmx /webhdfs/v1/*?op=LISTSTATUS,GETFILESTATUS")
}

fn relay_with(upstream: &str, allow: &str) -> Relay {
    relay_env(upstream, allow, &[])
}

fn relay_env(upstream: &str, allow: &str, env: &[(&str, &str)]) -> Relay {
    let port = free_port();
    let child = Command::new("python3")
        .arg(root().join("templates/web/relay.py"))
        .env("UPSTREAM", upstream)
        .env("LISTEN", port.to_string())
        .env("ALLOW", allow)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs the relay");
    eventually("the relay to listen", Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).ok());
    Relay { child, base: format!("http://127.0.0.1:{port}") }
}

/// `curl -X METHOD`: the status code, the body and the headers.
fn call(method: &str, url: &str) -> (u16, String, String) {
    let out = Command::new("curl")
        .args(["-s", "--path-as-is", "--max-time", "10", "-X", method, "-D", "/dev/stderr", "-w", "\n%{http_code}", url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn relay_passes_reads_and_refuses_the_rest() {
    let nn = Fixture::start(vec![
        route("GET", "/jmx", &[(200, r#"{"beans":[{"Safemode":""}]}"#)]),
        route("GET", "/webhdfs/v1/", &[(200, r#"{"FileStatuses":{"FileStatus":[]}}"#)]),
        route("HEAD", "/dfshealth.html", &[(200, "")]),
    ]);
    let r = relay(&format!("127.0.0.1:{}", nn.port()));

    // Reads pass, with their query; the parameters that pick a user do not.
    let (code, body, _) = call("GET", &format!("{}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo", r.base));
    assert_eq!((code, body.as_str()), (200, r#"{"beans":[{"Safemode":""}]}"#));
    let (code, _, _) =
        call("GET", &format!("{}/webhdfs/v1/tmp?op=LISTSTATUS&user.name=hadoop&DoAs=root&user%2Ename=x&delegation=x", r.base));
    assert_eq!(code, 200);
    let (code, _, headers) = call("HEAD", &format!("{}/dfshealth.html", r.base));
    assert_eq!(code, 200, "{headers}");
    assert_eq!(
        nn.requests(),
        ["GET /jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo", "GET /webhdfs/v1/tmp?op=LISTSTATUS", "HEAD /dfshealth.html"]
    );

    // Every other method: 405, and the daemon never sees it.
    for method in ["PUT", "POST", "DELETE", "PATCH", "OPTIONS"] {
        let (code, body, headers) = call(method, &format!("{}/webhdfs/v1/tmp?op=DELETE&user.name=hadoop", r.base));
        assert_eq!(code, 405, "{method}: {body}");
        assert!(body.contains("published read-only by bdprov") && headers.contains("Allow: GET, HEAD"), "{body}\n{headers}");
    }
    // Paths and values outside the rules: 403, whatever the spelling.
    for target in [
        "/imagetransfer?getimage=1&txid=latest",
        "/logLevel?log=x&level=DEBUG",
        "/webhdfs/v1/tmp?op=OPEN",
        "/webhdfs/v1/tmp?op=LISTSTATUS&op=OPEN",
        "/webhdfs/v1/tmp",
        "/static/../imagetransfer",
        "/static/%2e%2e/imagetransfer",
        "/static/%2E%2E%2Fimagetransfer",
        "/jmx;jsessionid=x",
        "/jmxx",
    ] {
        let (code, body, _) = call("GET", &format!("{}{target}", r.base));
        assert_eq!(code, 403, "{target} was served: {body}");
    }
    assert_eq!(nn.requests().len(), 3, "refused requests reached the daemon: {:?}", nn.requests());

    // The daemon down: 502, saying which.
    drop(nn);
    let (code, body, _) = call("GET", &format!("{}/jmx", r.base));
    assert_eq!(code, 502, "{body}");
    assert!(body.contains("does not answer"), "{body}");
}

/// A ResourceManager's front (yarn-ha's rules) whose own member is lost:
/// the applications come from the other member, the member's own pages
/// (which a probe reads to learn its mode) stay its own.
#[test]
fn a_front_whose_member_is_lost_serves_applications_from_the_other() {
    let other = Fixture::start(vec![
        route("GET", "/ws/v1/cluster/apps/application_1_0001", &[(200, r#"{"app":{"state":"RUNNING"}}"#)]),
        route("GET", "/ws/v1/cluster/info", &[(200, r#"{"clusterInfo":{"haState":"ACTIVE"}}"#)]),
    ]);
    let lost = format!("127.0.0.1:{}", free_port());
    let live = format!("127.0.0.1:{}", other.port());
    let follow = format!("{lost} {live}");
    let env = [("FOLLOW", follow.as_str()), ("FALLBACK", "/ws/v1/cluster/apps /ws/v1/cluster/apps/*")];
    let r = relay_env(&lost, "/ws/v1/cluster /ws/v1/cluster/*", &env);

    let (code, body, _) = call("GET", &format!("{}/ws/v1/cluster/apps/application_1_0001", r.base));
    assert_eq!((code, body.as_str()), (200, r#"{"app":{"state":"RUNNING"}}"#));
    let (code, body, _) = call("GET", &format!("{}/ws/v1/cluster/info", r.base));
    assert_eq!(code, 502, "the lost member's own state must not come from the other one: {body}");
    assert!(body.contains(&lost), "{body}");
    assert_eq!(other.requests(), ["GET /ws/v1/cluster/apps/application_1_0001"]);
}

/// The Storm UI's front, with the storm blueprint's own rules: a `+` segment
/// passes one topology's pages, never the actions under them (Storm restarts
/// workers and starts profilers with GET).
#[test]
fn storm_ui_front_passes_topology_reads_only() {
    let text = std::fs::read_to_string(root().join("blueprints/storm.yaml")).unwrap();
    let bp: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let allow = bp["roles"]["ui-web"]["env"]["ALLOW"].as_str().expect("ui-web has ALLOW").to_string();
    let ui = Fixture::start(vec![route("GET", "/api/v1/", &[(200, "{}")]), route("GET", "/index.html", &[(200, "<html>")])]);
    let r = relay_with(&format!("127.0.0.1:{}", ui.port()), &allow);
    for target in [
        "/index.html",
        "/api/v1/cluster/summary",
        "/api/v1/nimbus/summary",
        "/api/v1/topology/summary",
        "/api/v1/topology/wc-1-2",
        "/api/v1/topology/wc-1-2?window=600",
        "/api/v1/topology/wc-1-2/component/words",
        "/api/v1/topology/wc-1-2/visualization",
    ] {
        let (code, body, _) = call("GET", &format!("{}{target}", r.base));
        assert_eq!(code, 200, "{target}: {body}");
    }
    for target in [
        "/api/v1/topology/wc-1-2/profiling/restartworker/supervisor-1:6700",
        "/api/v1/topology/wc-1-2/profiling/start/supervisor-1:6700/10",
        "/api/v1/topology/wc-1-2/profiling/dumpheap/supervisor-1:6700",
        "/api/v1/topology/wc-1-2/kill/0",
        "/api/v1/topology//component/words",
        "/api/v1/topology/wc-1-2/component/words/debug/enable/10",
    ] {
        let (code, body, _) = call("GET", &format!("{}{target}", r.base));
        assert_eq!(code, 403, "{target} was served: {body}");
    }
    for action in ["kill/0", "deactivate", "activate", "rebalance/0", "logconfig"] {
        let (code, body, _) = call("POST", &format!("{}/api/v1/topology/wc-1-2/{action}", r.base));
        assert_eq!(code, 405, "{action}: {body}");
    }
    assert_eq!(ui.requests().len(), 8, "refused requests reached the UI: {:?}", ui.requests());
}

/// With METRICS set, the front counts its answers by method, code and who
/// gave them (the member, or the front itself), and serves them to
/// Prometheus on that port (only `/metrics`).
#[test]
fn relay_counts_its_answers_for_prometheus() {
    let nn = Fixture::start(vec![route("GET", "/jmx", &[(200, "{}"), (200, "{}")]), route("GET", "/isActive", &[(405, "standby")])]);
    let metrics = free_port().to_string();
    let upstream = format!("127.0.0.1:{}", nn.port());
    let r = relay_env(&upstream, "/jmx /isActive", &[("METRICS", metrics.as_str())]);
    let scrape = format!("http://127.0.0.1:{metrics}/metrics");
    let (code, body, _) = eventually("the metrics port to answer", Duration::from_secs(10), || {
        let c = call("GET", &scrape);
        (c.0 == 200).then_some(c)
    });
    assert_eq!(code, 200);
    let listen = r.base.rsplit(':').next().unwrap();
    assert!(body.contains(&format!("bdprov_relay_info{{listen=\"{listen}\",upstream=\"{upstream}\"}} 1")), "{body}");
    assert!(!body.contains("bdprov_relay_requests_total{"), "nothing counted before any request:\n{body}");

    for (method, path, want) in [
        ("GET", "/jmx", 200),
        ("GET", "/jmx", 200),
        ("GET", "/isActive", 405),
        ("POST", "/jmx", 405),
        ("GET", "/conf", 403),
        ("FOO", "/jmx", 501),
    ] {
        assert_eq!(call(method, &format!("{}{path}", r.base)).0, want, "{method} {path}");
    }
    let (_, body, _) = call("GET", &scrape);
    for line in [
        "bdprov_relay_requests_total{by=\"member\",code=\"200\",method=\"GET\"} 2",
        // A standby's own 405 is the member's answer, not a refusal.
        "bdprov_relay_requests_total{by=\"member\",code=\"405\",method=\"GET\"} 1",
        "bdprov_relay_requests_total{by=\"front\",code=\"405\",method=\"POST\"} 1",
        "bdprov_relay_requests_total{by=\"front\",code=\"403\",method=\"GET\"} 1",
        // A method the relay does not know is counted as `other`: callers cannot make up series.
        "bdprov_relay_requests_total{by=\"front\",code=\"501\",method=\"other\"} 1",
        "# TYPE bdprov_relay_requests_total counter",
    ] {
        assert!(body.lines().any(|l| l == line), "no `{line}` in\n{body}");
    }
    assert_eq!(body.lines().filter(|l| l.starts_with("bdprov_relay_requests_total{")).count(), 5, "{body}");
    assert_eq!(call("GET", &format!("http://127.0.0.1:{metrics}/jmx")).0, 404, "the metrics port serves only /metrics");
    assert_eq!(nn.requests().len(), 3, "only the three reads reached the daemon: {:?}", nn.requests());
}
