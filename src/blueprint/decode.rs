//! From a merged YAML tree to the validated [`Blueprint`]: the top level,
//! images and the fields roles and jobs share. Sections are decoded in
//! [`super::roles`], [`super::hooks`] and [`super::jobs`]; the checks
//! across sections are in [`super::check`].
//!
//! Problems are collected rather than stopping at the first: every section
//! is decoded, and its type, missing-field and unknown-field problems come
//! back together (a few, such as a hook with no action or a mapping that
//! is not one, end that item's decoding, so what is under it is reported
//! once it is fixed). The cross-section checks (roles, ports and images
//! that must exist, `after` cycles, port clashes) run only once every
//! section decoded without a problem, so they are reported on the next run.

use super::fields::*;
use super::model::*;
use super::read::{field, given, Decoder};
use crate::diag::{Diagnostics, Span};
use crate::units::{valid_name, NAME_RULE};
use crate::yaml::{Entry, Node};

/// Decode a merged blueprint tree. `includes` already went into the tree.
pub fn decode(root: &Node) -> Result<Blueprint, Diagnostics> {
    let mut d = Decoder { errs: Diagnostics::default() };
    let bp = d.blueprint(root);
    if let (Some(bp), true) = (&bp, d.errs.is_empty()) {
        super::check::check_references(bp, &mut d.errs);
        super::secrets::check(bp, &mut d.errs);
    }
    let bp = d.errs.finish(bp)?;
    Ok(bp.expect("a blueprint is missing only when errors were reported"))
}

impl Decoder {
    /// `members: <role>` takes that ensemble's count (after `--set`).
    fn members_of(&mut self, roles: &mut [Role]) {
        let counts: Vec<(String, Option<u64>)> = roles.iter().map(|r| (r.name.clone(), r.members)).collect();
        for role in roles.iter_mut() {
            let Some((name, span)) = role.members_of.clone() else { continue };
            match counts.iter().find(|(n, _)| *n == name) {
                _ if name == role.name => self.err(
                    &span,
                    format!("roles.{name}.members: a role cannot take its own number of members"),
                    "give a number, or the name of another ensemble role",
                ),
                Some((_, Some(m))) => role.members = Some(*m),
                Some(_) => self.err(
                    &span,
                    format!("roles.{}.members: `{name}` is not an ensemble (it has no numeric `members:`)", role.name),
                    "name a role with `members: N`, or give a number",
                ),
                _ => {
                    let known: Vec<&str> = counts.iter().map(|(n, _)| n.as_str()).filter(|n| *n != role.name).collect();
                    let help = crate::diag::did_you_mean(&name, &known, Some("roles"), || {
                        "give a number, or the name of an ensemble role of this blueprint".to_string()
                    });
                    self.err(&span, format!("roles.{}.members: no role `{name}`", role.name), help)
                }
            }
        }
    }

    fn blueprint(&mut self, root: &Node) -> Option<Blueprint> {
        let entries = self.map(root, "blueprint", TOP)?;
        let get = |k: &str| field(entries, k);
        match get("version") {
            None => self.err(&root.span, "blueprint: `version` is missing", format!("add `version: {SUPPORTED_VERSION}` at the top")),
            Some(e) => match e.value.as_i64() {
                Some(SUPPORTED_VERSION) => {}
                _ => self.err(
                    &e.value.span,
                    format!("blueprint: unsupported version `{}`", e.value.as_scalar().unwrap_or("?")),
                    format!("this bdprov reads `version: {SUPPORTED_VERSION}`"),
                ),
            },
        }
        let name = match get("name") {
            Some(e) => {
                let n = self.string(&e.value, "name");
                if let Some(n) = &n {
                    if !valid_name(n) {
                        self.err(&e.value.span, format!("name: `{n}` is not a valid cluster name"), NAME_RULE);
                    }
                }
                n
            }
            None => {
                self.err(&root.span, "blueprint: `name` is missing", "add `name: my-cluster`");
                None
            }
        };
        let description = get("description").and_then(|e| self.string(&e.value, "description")).unwrap_or_default();
        let network = get("network").and_then(|e| {
            let n = self.string(&e.value, "network")?;
            if !valid_name(&n) {
                self.err(&e.value.span, format!("network: `{n}` is not a valid network name"), NAME_RULE);
            }
            Some(n)
        });
        let images = get("images").map(|e| self.images(&e.value)).unwrap_or_default();
        let mut value_spans = Vec::new();
        if let Some(e) = get("values") {
            scalar_spans(&e.value, &mut Vec::new(), &mut value_spans);
        }
        let values = match get("values") {
            Some(e) if e.value.entries().is_some() || e.value.is_null() => e.value.to_json(),
            Some(e) => {
                self.err(&e.value.span, "values: expected a mapping", "write `values:` with `key: value` lines under it");
                serde_json::Value::Null
            }
            None => serde_json::Value::Object(Default::default()),
        };
        let mut roles: Vec<Role> = match get("roles") {
            Some(e) => self.named(&e.value, "roles").iter().filter_map(|r| self.role(r)).collect(),
            None => Vec::new(),
        };
        self.members_of(&mut roles);
        if roles.is_empty() && self.errs.is_empty() {
            self.err(&root.span, "blueprint: no roles", "add a `roles:` mapping with at least one role");
        }
        let hooks = match get("hooks") {
            Some(e) => self.named(&e.value, "hooks").iter().filter_map(|h| self.hook(h)).collect(),
            None => Vec::new(),
        };
        let jobs = get("jobs").map(|e| self.jobs(&e.value)).unwrap_or_default();
        let secrets = get("secrets").map(|e| super::secrets::decls(&e.value, &mut self.errs)).unwrap_or_default();
        Some(Blueprint { name: name?, description, network, images, values, value_spans, roles, hooks, jobs, secrets })
    }

    fn images(&mut self, node: &Node) -> Vec<ImageChoice> {
        let mut out = Vec::new();
        for e in self.named(node, "images") {
            let path = format!("images.{}", e.key);
            let Some(fields) = self.map(&e.value, &path, IMAGE) else { continue };
            let official = field(fields, "official").and_then(|f| self.string(&f.value, &format!("{path}.official")));
            let local = field(fields, "local").and_then(|f| self.string(&f.value, &format!("{path}.local")));
            let without_local = field(fields, "without_local").and_then(|f| self.string(&f.value, &format!("{path}.without_local")));
            if let (Some(_), Some(f)) = (&local, field(fields, "without_local")) {
                self.err(
                    &f.value.span,
                    format!("{path}: `local` and `without_local` exclude each other"),
                    "keep `local` when the kit builds the image, `without_local` (the reason) when it cannot",
                );
            }
            match official {
                Some(official) => out.push(ImageChoice { key: e.key.clone(), official, local, without_local, span: e.key_span.clone() }),
                None => self.err(
                    &e.key_span,
                    format!("{path}: `official` is missing"),
                    "name the image to run, e.g. `official: apache/spark:4.0.1`",
                ),
            }
        }
        out
    }

    /// Fields shared by roles and jobs (the caller has checked for unknown ones).
    pub(super) fn workload(&mut self, fields: &[Entry], path: &str, owner: &Span) -> Workload {
        let mut w = Workload::default();
        let mut has_image = false;
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            let v = &f.value;
            match f.key.as_str() {
                "image" => {
                    has_image = true;
                    w.image = self.string(v, &p).unwrap_or_default();
                    w.image_span = Some(v.span.clone());
                }
                "entrypoint" => w.entrypoint = self.texts(v, &p),
                "command" => w.command = self.texts(v, &p),
                "env" => w.env = self.env(v, &p),
                "hostname" => w.hostname = self.text(v, &p),
                "user" => w.user = self.string(v, &p),
                "workdir" => w.workdir = self.string(v, &p),
                "configs" => w.configs = self.configs(v, &p),
                "volumes" => w.volumes = self.volumes(v, &p),
                "resources" => w.resources = self.resources(v, &p),
                "secrets" => w.secrets = super::secrets::uses(v, &p, &mut self.errs),
                _ => {}
            }
        }
        if !has_image {
            self.err(
                owner,
                format!("{path}: `image` is missing"),
                "name an entry of `images:` or an image reference such as `apache/spark:4.0.1`",
            );
        }
        w
    }
}

/// The span of every scalar under `node`, by its key path.
fn scalar_spans(node: &Node, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Span)>) {
    match node.entries() {
        Some(entries) => {
            for e in entries {
                path.push(e.key.clone());
                scalar_spans(&e.value, path, out);
                path.pop();
            }
        }
        None if node.as_scalar().is_some() => out.push((path.clone(), node.span.clone())),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceFile;
    use crate::yaml::{self, Value};

    /// A blueprint with every section and every section's mapping, valid as it is.
    const FULL: &str = r#"
version: 1
name: every-field
description: all sections
network: every-net
images:
  spark: { official: apache/spark:4.0.1, local: bdprov/spark:4.3.0 }
values:
  size: 1
roles:
  master:
    image: spark
    entrypoint: [sh]
    command: [-c, "sleep 1"]
    env: { A: b }
    hostname: master
    user: spark
    workdir: /tmp
    configs:
      conf: { template: spark/spark-defaults.conf, target: /etc/spark.conf, mode: "0444" }
    volumes:
      data: { target: /data, per_replica: false, readonly: false }
    resources: { cpus: "0.5", memory: 512m }
    ports:
      ui: { target: 8080, published: 18080, protocol: tcp, web: true, remap: false }
      rpc: { target: 7077, published: 17077 }
    replicas: 1
    placement: { coordinator: false, constraints: [node.role==manager], max_per_node: 1, spread: node.id }
    ready:
      http: { role: master, port: ui, path: / }
      expect: { status: ALIVE }
      count: workers
      timeout: 60s
    healthcheck: { test: [CMD, "true"], interval: 10s, timeout: 5s, retries: 3, start_period: 30s }
    stop_grace_period: 10s
    metrics: { port: ui, path: /metrics }
  zk:
    image: bdprov/zookeeper:3.8
    members: 1
    ports:
      client: { target: 2181, published: 12181 }
    ready:
      zookeeper: { role: zk, port: client, znode: /zk }
  nn:
    image: bdprov/hadoop:3.5.0
    members: 2
    ports:
      http: { target: 9870, published: 19870 }
    ready:
      http: { port: http, path: /jmx }
      mode: beans.0.State
      active: active
      standby: [standby]
    failover:
      job: { image: bdprov/hadoop:3.5.0, command: [sh, -c, "hdfs haadmin -failover nn$FROM nn$TO"], env: { A: b }, user: hadoop, workdir: /tmp }
  datanode:
    image: bdprov/hadoop:3.5.0
    hostname: "datanode-{{.Task.Slot}}"
    replicas: 2
    restart: on-failure
    after: [master]
    ports:
      http: { target: 9864, published: 19864 }
    decommission:
      job: { image: bdprov/hadoop:3.5.0, env: { A: b }, user: hadoop, workdir: /tmp, colocate: master }
      refresh: [hdfs, dfsadmin, -refreshNodes]
      stop: [hdfs, --daemon, stop]
      status: { http: { role: datanode, port: http, path: /jmx }, members: beans.0.LiveNodes, field: adminState, done: Decommissioned, serving: In Service }
      keep: "1"
      timeout: 30m
hooks:
  setup:
    after: [master]
    job: { image: bdprov/base, command: [sh, -c, "true"], env: { A: b }, user: root, workdir: /, colocate: master }
  dirs:
    after: master
    webhdfs: { role: datanode, port: http, user: hadoop }
    paths:
      tmp: { path: /tmp, owner: hdfs, group: hdfs, mode: "1777" }
  made:
    hdfs: { role: datanode, user: hadoop }
    paths:
      tmp: { path: /tmp, mode: "1777" }
jobs:
  spark:
    image: spark
    master: spark://master:7077
    pi: { file: /opt/pi.py, class: Pi }
    colocate: master
    conf: { spark.x: "1" }
    deploy_mode: client
    tracking: { role: master, port: ui }
  yarn:
    image: spark
    master: yarn
    pi: /opt/pi.py
  storm:
    image: bdprov/storm:2.8.3
    nimbus: [master]
    ui: { role: master, port: ui }
"#;

    /// Where each field table is read in [`FULL`].
    fn sections() -> Vec<(&'static [&'static str], &'static str)> {
        vec![
            (TOP, ""),
            (ROLE, "roles.master"),
            (ROLE, "roles.datanode"),
            (SPARK_JOB, "jobs.spark"),
            (SPARK_JOB, "jobs.yarn"),
            (PI, "jobs.spark.pi"),
            (STORM_JOB, "jobs.storm"),
            (JOB_KINDS, "jobs"),
            (HOOK, "hooks.setup"),
            (HOOK, "hooks.dirs"),
            (HOOK_JOB, "hooks.setup.job"),
            (WEBHDFS, "hooks.dirs.webhdfs"),
            (HDFS, "hooks.made.hdfs"),
            (HDFS_PATH, "hooks.dirs.paths.tmp"),
            (DECOMMISSION, "roles.datanode.decommission"),
            (DECOMMISSION_JOB, "roles.datanode.decommission.job"),
            (MEMBER_STATUS, "roles.datanode.decommission.status"),
            (IMAGE, "images.spark"),
            (CONFIG, "roles.master.configs.conf"),
            (VOLUME, "roles.master.volumes.data"),
            (PORT, "roles.master.ports.ui"),
            (RESOURCES, "roles.master.resources"),
            (PLACEMENT, "roles.master.placement"),
            (READY, "roles.master.ready"),
            (READY, "roles.zk.ready"),
            (READY, "roles.nn.ready"),
            (FAILOVER, "roles.nn.failover"),
            (FAILOVER_JOB, "roles.nn.failover.job"),
            (HTTP, "roles.master.ready.http"),
            (HTTP, "roles.datanode.decommission.status.http"),
            (TCP, "jobs.storm.ui"),
            (TCP, "jobs.spark.tracking"),
            (ZOOKEEPER, "roles.zk.ready.zookeeper"),
            (HEALTH, "roles.master.healthcheck"),
            (METRICS, "roles.master.metrics"),
        ]
    }

    fn mapping<'n>(tree: &'n mut Node, path: &str) -> &'n mut Vec<Entry> {
        let mut node = tree;
        for key in path.split('.').filter(|k| !k.is_empty()) {
            let Value::Map(entries) = &mut node.value else { panic!("{path}: `{key}` is not under a mapping") };
            node = &mut entries.iter_mut().find(|e| e.key == key).unwrap_or_else(|| panic!("{path}: no `{key}`")).value;
        }
        match &mut node.value {
            Value::Map(entries) => entries,
            _ => panic!("{path} is not a mapping"),
        }
    }

    /// What decoding gives, comparable: the blueprint's debug text or the problems.
    fn outcome(tree: &Node) -> Result<String, Diagnostics> {
        decode(tree).map(|bp| format!("{bp:?}"))
    }

    /// The problems' messages, or "a blueprint" (its debug text has every span's source).
    fn summary(outcome: &Result<String, Diagnostics>) -> String {
        match outcome {
            Ok(_) => "a blueprint".into(),
            Err(e) => e.0.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; "),
        }
    }

    #[test]
    fn the_full_blueprint_is_valid() {
        let tree = yaml::parse(&SourceFile::new("full.yaml", FULL)).unwrap();
        if let Err(e) = decode(&tree) {
            panic!("{:#?}", e.0.iter().map(|d| (&d.message, &d.help)).collect::<Vec<_>>());
        }
    }

    /// `field: ~` is "not given", for every field of every section: decoding
    /// gives what it gives with the field left out (the same blueprint, or
    /// the same "missing" problems for a field that must be there).
    #[test]
    fn a_null_field_is_a_field_not_given_everywhere() {
        let sections = sections();
        for table in ALL {
            assert!(sections.iter().any(|(t, _)| t == table), "no section of FULL is read with the table {table:?}");
        }
        let tree = yaml::parse(&SourceFile::new("full.yaml", FULL)).unwrap();
        for (table, path) in sections {
            for key in table.iter().copied() {
                let mut without = tree.clone();
                mapping(&mut without, path).retain(|e| e.key != key);
                let mut null = without.clone();
                let entries = mapping(&mut null, path);
                let span = entries.first().map(|e| e.key_span.clone()).unwrap_or_else(|| tree.span.clone());
                entries.push(Entry { key: key.to_string(), key_span: span.clone(), value: Node::new(Value::Null, span) });
                let (with_null, left_out) = (outcome(&null), outcome(&without));
                assert!(
                    with_null == left_out,
                    "{path}.{key}: ~ is not read as \"not given\": with `~` {}; left out {}",
                    summary(&with_null),
                    summary(&left_out)
                );
            }
        }
    }

    /// `members: <role>` takes that ensemble's count; anything else it names
    /// is refused at its place.
    #[test]
    fn members_may_name_an_ensemble() {
        let text = |members: &str| {
            format!(
                "version: 1\nname: m\nroles:\n  zk:\n    image: bdprov/zookeeper:3.8\n    members: 5\n  web:\n    image: bdprov/zookeeper:3.8\n    replicas: 2\n  front:\n    image: bdprov/zookeeper:3.8\n    members: {members}\n"
            )
        };
        let decoded = |members: &str| decode(&yaml::parse(&SourceFile::new("m.yaml", text(members))).unwrap());
        let bp = decoded("zk").unwrap();
        assert_eq!(bp.role("front").unwrap().members, Some(5));
        assert_eq!(decoded("3").unwrap().role("front").unwrap().members, Some(3));
        let e = decoded("zc").unwrap_err();
        assert_eq!(e.0[0].message, "roles.front.members: no role `zc`");
        let help = e.0[0].help.clone().unwrap_or_default();
        assert!(help.contains("did you mean `zk`?"), "{help}");
        let span = e.0[0].span.clone().expect("the place of `members`");
        assert_eq!((span.line, span.col), (12, 14));
        let e = decoded("web").unwrap_err();
        assert_eq!(e.0[0].message, "roles.front.members: `web` is not an ensemble (it has no numeric `members:`)");
        let e = decoded("front").unwrap_err();
        assert_eq!(e.0[0].message, "roles.front.members: a role cannot take its own number of members");
    }

    /// `metrics:` names one of the role's own ports and a URL path; each
    /// mistake is reported at its place, naming the role and field.
    #[test]
    fn metrics_name_a_port_of_the_role_and_a_path() {
        let decoded = |metrics: &str| {
            let text = format!(
                "version: 1\nname: m\nroles:\n  nn:\n    image: bdprov/hadoop:3.5.0\n    ports:\n      http: 9870\n      rpc: 8020\n    metrics: {metrics}\n"
            );
            decode(&yaml::parse(&SourceFile::new("m.yaml", text)).unwrap())
        };
        let bp = decoded("{ port: http, path: /prom }").unwrap();
        let m = bp.role("nn").unwrap().metrics.clone().unwrap();
        assert_eq!((m.port.as_str(), m.path.as_str()), ("http", "/prom"));
        let e = decoded("{ port: htp, path: /prom }").unwrap_err();
        assert_eq!(e.0[0].message, "roles.nn.metrics.port: role `nn` has no port `htp`");
        assert!(e.0[0].help.clone().unwrap_or_default().contains("did you mean `http`?"), "{:?}", e.0[0].help);
        let span = e.0[0].span.clone().expect("the place of `metrics`");
        assert_eq!((span.line, span.col), (9, 22));
        let e = decoded("{ port: http, path: prom }").unwrap_err();
        assert_eq!(e.0[0].message, "roles.nn.metrics.path: `prom` is not a URL path");
        let e = decoded("{ port: http }").unwrap_err();
        assert_eq!(e.0[0].message, "roles.nn.metrics: `path` is missing");
        let e = decoded("{ port: http, path: /prom, scheme: https }").unwrap_err();
        assert!(e.0[0].message.contains("unknown field `scheme`"), "{}", e.0[0].message);
        let m = decoded("{ port: http, path: /prom, children: 16700-16703, images: local }").unwrap().role("nn").unwrap().metrics.clone();
        let m = m.unwrap();
        assert_eq!((m.children.map(|c| c.text).as_deref(), m.images), (Some("16700-16703"), Some(crate::blueprint::ImageSet::Local)));
        let e = decoded("{ port: http, path: /prom, images: kit }").unwrap_err();
        assert_eq!(e.0[0].message, "roles.nn.metrics.images: `kit` is not an image set");
    }

    /// A hook only one image set needs says so (`images:`); any other value
    /// is reported at its place, with what to write.
    #[test]
    fn a_hook_names_the_image_set_that_needs_it() {
        let decoded = |images: &str| {
            let text = format!(
                "version: 1\nname: h\nroles:\n  nn:\n    image: bdprov/hadoop:3.5.0\nhooks:\n  up:\n    after: nn\n    images: {images}\n    job: {{ image: bdprov/spark:4.3.0, command: [\"true\"] }}\n"
            );
            decode(&yaml::parse(&SourceFile::new("h.yaml", text)).unwrap())
        };
        let bp = decoded("official").unwrap();
        assert_eq!(bp.hooks[0].images, Some(crate::blueprint::ImageSet::Official));
        assert_eq!(decoded("~").unwrap().hooks[0].images, None);
        let e = decoded("kit").unwrap_err();
        assert_eq!(e.0[0].message, "hooks.up.images: `kit` is not an image set");
        assert!(e.0[0].help.clone().unwrap_or_default().contains("only the kit's images need it"), "{:?}", e.0[0].help);
        let span = e.0[0].span.clone().expect("the place of `images`");
        assert_eq!((span.line, span.col), (9, 13));
    }
}
