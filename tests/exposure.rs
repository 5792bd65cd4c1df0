//! Exposure: ports that accept unauthenticated actions are published only
//! when asked, and `up`/`doctor` name the published ones with how to close
//! them (the messages come from the same functions `up` and `doctor` call).

use bdprov::ops::doctor;
use bdprov::plan::{ports, Plan};

use crate::common::bdprov;

const BLUEPRINTS: &[&str] = &["spark-standalone", "hdfs", "yarn", "spark-hdfs-yarn", "zookeeper", "storm", "registry"];

fn plan(args: &[&str]) -> Plan {
    serde_yaml::from_str(&bdprov(&[&["render"], args].concat()).ok().stdout).expect("a plan")
}

/// What `up` prints and what `doctor` reports about exposure, per built-in blueprint.
#[test]
fn exposure_notes_of_builtin_blueprints() {
    let mut out = String::new();
    // Storm on the official images too: the same roles, the UI behind its front.
    let runs = BLUEPRINTS.iter().map(|bp| (*bp, true)).chain([("storm", false)]);
    for (bp, local) in runs {
        let p = if local { plan(&[bp, "--images", "local"]) } else { plan(&[bp]) };
        let bp = if local { format!("{bp} --images local") } else { bp.to_string() };
        out.push_str(&format!("== {bp}: up\n{}\n", ports::exposure_notes(&p).join("\n")));
        let report = doctor::report(&doctor::exposure_findings(&p));
        out.push_str(&format!("== {bp}: doctor\n{report}\n"));
    }
    insta::assert_snapshot!("exposure-notes", out);
}

#[test]
fn a_port_with_a_note_stays_closed_unless_the_blueprint_or_set_publishes_it() {
    let port = |p: &Plan, name: &str| p.service("app").unwrap().ports.iter().find(|x| x.name == name).cloned().unwrap();
    let closed = plan(&["tests/fixtures/exposure.yaml"]);
    assert_eq!(port(&closed, "web").published, Some(18080));
    assert_eq!(port(&closed, "admin").published, None, "a port with an `unauthenticated` note is closed by default");
    assert!(ports::exposed(&closed).is_empty());
    assert_eq!(
        ports::exposure_notes(&closed),
        vec!["exposure: published on the nodes: app web 18080; none accepts actions without authentication"]
    );

    let open = plan(&["tests/fixtures/exposure.yaml", "--set", "app.ports.admin.publish=true"]);
    assert_eq!(port(&open, "admin").published, Some(19000));
    assert_eq!(
        ports::exposure_notes(&open),
        vec![
            "warning: published ports that accept actions without authentication:".to_string(),
            "  app port admin (19000): anyone who reaches it can run any command; close it with `--set app.ports.admin.publish=false`, \
             or firewall host port 19000"
                .to_string(),
        ]
    );
    // Any port can be kept closed.
    let none = plan(&["tests/fixtures/exposure.yaml", "--set", "app.ports.web.publish=false"]);
    assert_eq!(port(&none, "web").published, None);
    assert!(ports::exposure_notes(&none).is_empty());
}

#[test]
fn closing_a_port_bdprov_reaches_says_what_needs_it_and_how_to_reopen() {
    let run = bdprov(&["render", "zookeeper", "--set", "zookeeper-readonly.ports.client.publish=false"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("roles.zookeeper-readonly.ports.client: probed by roles.zookeeper.ready but kept closed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--set zookeeper-readonly.ports.client.publish=true"), "{}", run.stderr);
    // The members' own ports are closed by default, and closing them is fine.
    bdprov(&["render", "zookeeper", "--set", "zookeeper.ports.client.publish=false"]).ok();
    let run = bdprov(&["render", "tests/fixtures/exposure.yaml", "--set", "app.ports.web.publish=maybe"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("roles.app.ports.web.publish"), "{}", run.stderr);
}
