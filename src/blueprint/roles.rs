//! Decoding a role: its ports, volumes, config files, resources,
//! placement, health check, readiness probe and decommission steps, and
//! the rules between them (members vs replicas, singleton, decommission).

use std::time::Duration;

use super::fields::*;
use super::model::*;
use super::read::{field, given, Decoder, Endpoint};
use crate::units::{parse_bytes, parse_cpus, parse_mode, valid_name, CPUS_HELP, CPUS_PROBLEM, MEMORY_HELP, MEMORY_PROBLEM};
use crate::yaml::{Entry, Node};

impl Decoder {
    pub(super) fn role(&mut self, e: &Entry) -> Option<Role> {
        let path = format!("roles.{}", e.key);
        let fields = self.map(&e.value, &path, ROLE)?;
        let workload = self.workload(fields, &path, &e.key_span);
        let mut role = Role {
            name: e.key.clone(),
            span: e.key_span.clone(),
            workload,
            ports: Vec::new(),
            replicas: 1,
            members: None,
            members_of: None,
            singleton: None,
            placement: Placement::default(),
            ready: None,
            after: Vec::new(),
            healthcheck: None,
            stop_grace: None,
            restart: Restart::Any,
            decommission: None,
            failover: None,
            metrics: None,
            global: false,
            engine_socket: false,
            observe_clusters: false,
        };
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            let v = &f.value;
            match f.key.as_str() {
                "ports" => role.ports = self.ports(v, &p),
                "replicas" => role.replicas = self.uint(v, &p, 1000).unwrap_or(1),
                "members" => match v.as_scalar() {
                    Some(name) if name.parse::<i64>().is_err() && valid_name(name) => {
                        role.members_of = Some((name.to_string(), v.span.clone()))
                    }
                    _ => role.members = self.uint(v, &p, 255),
                },
                "singleton" => {
                    role.singleton = match (v.as_bool(), v.as_scalar()) {
                        (Some(true), _) => Some(format!("the blueprint runs exactly one `{}`", e.key)),
                        (Some(false), _) => None,
                        (None, Some(reason)) => Some(reason.to_string()),
                        (None, None) => {
                            self.err(
                                &v.span,
                                format!("{p}: expected true, false or a reason"),
                                "write `singleton: true` or the reason it cannot be scaled",
                            );
                            None
                        }
                    }
                }
                "placement" => role.placement = self.placement(v, &p),
                "ready" => role.ready = self.probe(v, &p, &e.key),
                "after" => role.after = self.refs(v, &p),
                "healthcheck" => role.healthcheck = self.healthcheck(v, &p),
                "stop_grace_period" => role.stop_grace = self.duration(v, &p),
                "restart" => match v.as_scalar() {
                    Some("any") => role.restart = Restart::Any,
                    Some("on-failure") => role.restart = Restart::OnFailure,
                    _ => self.err(
                        &v.span,
                        format!("{p}: expected any or on-failure"),
                        "write `restart: any` (the default) or `restart: on-failure`",
                    ),
                },
                "decommission" => role.decommission = self.decommission(v, &p),
                "failover" => role.failover = self.failover(v, &p),
                "metrics" => role.metrics = self.metrics(v, &p),
                "global" => role.global = self.boolean(v, &p).unwrap_or(false),
                "engine_socket" => role.engine_socket = self.boolean(v, &p).unwrap_or(false),
                "observe_clusters" => role.observe_clusters = self.boolean(v, &p).unwrap_or(false),
                _ => {}
            }
        }
        let field_span = |k: &str| field(fields, k).map_or(&e.key_span, |f| &f.value.span);
        if let Some(m) = role.metrics.as_ref().filter(|m| role.port(&m.port).is_none()) {
            self.err(&m.span, format!("{path}.metrics.port: role `{}` has no port `{}`", e.key, m.port), role.port_help(&m.port));
        }
        if (role.members.is_some() || role.members_of.is_some()) && (field(fields, "replicas").is_some() || role.singleton.is_some()) {
            self.err(
                field_span("members"),
                format!("{path}: `members` runs one service per member; it does not go with `replicas` or `singleton`"),
                "keep `members` for an ensemble, or `replicas` for interchangeable tasks",
            );
        }
        if let Some(m) = role.members {
            if matches!(role.ready.as_ref().map(|p| &p.check), Some(Check::Zookeeper { znode: None, .. })) && (m == 0 || m % 2 == 0) {
                self.err(
                    field_span("members"),
                    format!("{path}.members: a ZooKeeper ensemble of {m} is refused"),
                    "use an odd number (1, 3, 5 …): an even ensemble tolerates no more failed members than the odd one below it, and 0 has no quorum",
                );
            }
        }
        if role.failover.is_some() && (role.members.unwrap_or(0) < 2 || role.ready.as_ref().is_none_or(|p| p.modes.is_none())) {
            self.err(
                field_span("failover"),
                format!("{path}.failover: only a role of two or more `members` whose probe reads their `mode` hands over"),
                "give the role `members: 2` and a probe with `mode`, `active` and `standby`, or remove `failover`",
            );
        }
        if role.placement.pinned && (role.members.is_none() || role.placement.coordinator || !role.placement.constraints.is_empty()) {
            self.err(
                field_span("placement"),
                format!("{path}.placement.pinned: pins the members of an ensemble (`members:`), each to its own node"),
                "use it on a role with `members`, without `coordinator` or `constraints` (which pin it already)",
            );
        }
        if role.global
            && (role.members.is_some()
                || role.members_of.is_some()
                || field(fields, "replicas").is_some()
                || role.singleton.is_some()
                || field(fields, "decommission").is_some())
        {
            self.err(
                field_span("global"),
                format!(
                    "{path}.global: runs one task on every node; it does not go with `replicas`, `members`, `singleton` or `decommission`"
                ),
                "keep `global: true` for a per-node agent, or remove it and say how many tasks run",
            );
        }
        if role.singleton.is_some() && role.replicas > 1 {
            self.err(
                field_span("replicas"),
                format!("{path}.replicas: a singleton role runs one replica, not {}", role.replicas),
                "set `replicas: 1` or remove `singleton`",
            );
        }
        if role.decommission.is_some() {
            let span = field_span("decommission");
            if role.members.is_some() || role.singleton.is_some() {
                self.err(
                    span,
                    format!("{path}.decommission: only a role with `replicas` retires members"),
                    "remove `decommission`, or use `replicas` instead of `members`/`singleton`",
                );
            }
            if role.restart != Restart::OnFailure {
                self.err(
                    span,
                    format!("{path}.decommission: needs `restart: on-failure`"),
                    "a retired member is stopped with exit 0 and must stay down, so that lowering the replicas removes exactly its task: add `restart: on-failure`",
                );
            }
            if role.workload.hostname.as_ref().is_none_or(|h| for_slot(&h.text, 1).is_none()) {
                self.err(
                    span,
                    format!("{path}.decommission: needs a hostname per task slot"),
                    "bdprov names the members it retires by their hostname: add e.g. `hostname: \"datanode-{{.Task.Slot}}\"`",
                );
            }
        }
        Some(role)
    }

    pub(super) fn configs(&mut self, node: &Node, path: &str) -> Vec<ConfigFile> {
        let mut out = Vec::new();
        for e in self.named(node, path) {
            let p = format!("{path}.{}", e.key);
            let Some(fields) = self.map(&e.value, &p, CONFIG) else { continue };
            let get = |k: &str| field(fields, k).map(|f| &f.value);
            let template = get("template").and_then(|v| self.string(v, &format!("{p}.template")));
            let artifact = get("artifact").and_then(|v| self.string(v, &format!("{p}.artifact")).map(|a| (a, v.span.clone())));
            let target = get("target").and_then(|v| self.string(v, &format!("{p}.target")));
            let mode = match get("mode") {
                Some(v) => match v.as_scalar().and_then(parse_mode) {
                    Some(m) => m,
                    None => {
                        self.err(&v.span, format!("{p}.mode: expected an octal file mode"), "write it like \"0444\" or \"0755\"");
                        0o444
                    }
                },
                None => 0o444,
            };
            const NEEDS: &str = "a config file needs `template:` (a file under templates/) or `artifact:` (a Java agent bdprov pins), and `target:` (its path in the container)";
            let source = match (template, artifact) {
                (Some(t), None) => Some(ConfigSource::Template(t)),
                (None, Some((a, span))) => {
                    if crate::lock::agent(&a).is_none() {
                        let known = crate::lock::agent_names();
                        let known: Vec<&str> = known.iter().map(String::as_str).collect();
                        let help = crate::diag::did_you_mean(&a, &known, Some("known"), || {
                            format!("the artifacts bdprov pins: {}", known.join(", "))
                        });
                        self.err(&span, format!("{p}.artifact: no artifact `{a}`"), help);
                    }
                    Some(ConfigSource::Artifact(a))
                }
                (Some(_), Some(_)) => {
                    self.err(
                        &e.key_span,
                        format!("{p}: `template` and `artifact` are both given"),
                        "give one: a config's content comes from a template or from an artifact",
                    );
                    None
                }
                (None, None) => None,
            };
            let both = get("template").is_some() && get("artifact").is_some();
            match (source, target) {
                (Some(source), Some(target)) => {
                    out.push(ConfigFile { name: e.key.clone(), source, target, mode, span: e.key_span.clone() })
                }
                // Both given: said above; only a missing target is left to say.
                (None, Some(_)) if both => {}
                (t, g) => {
                    let missing = match (t.is_some() || both, g.is_some()) {
                        (false, false) => "`template` (or `artifact`) and `target` are",
                        (false, true) => "`template` (or `artifact`) is",
                        _ => "`target` is",
                    };
                    self.err(&e.key_span, format!("{p}: {missing} missing"), NEEDS);
                }
            }
        }
        out
    }

    pub(super) fn volumes(&mut self, node: &Node, path: &str) -> Vec<VolumeMount> {
        let mut out = Vec::new();
        for e in self.named(node, path) {
            let p = format!("{path}.{}", e.key);
            if e.value.as_scalar().is_some() {
                let target = self.text(&e.value, &p).expect("a scalar");
                out.push(VolumeMount { name: e.key.clone(), target, per_replica: false, readonly: false });
                continue;
            }
            let Some(fields) = self.map(&e.value, &p, VOLUME) else { continue };
            let mut v = VolumeMount {
                name: e.key.clone(),
                target: Text { text: String::new(), span: e.key_span.clone() },
                per_replica: false,
                readonly: false,
            };
            for f in given(fields) {
                let fp = format!("{p}.{}", f.key);
                match f.key.as_str() {
                    "target" => v.target = self.text(&f.value, &fp).unwrap_or(v.target),
                    "per_replica" => v.per_replica = self.boolean(&f.value, &fp).unwrap_or(false),
                    "readonly" => v.readonly = self.boolean(&f.value, &fp).unwrap_or(false),
                    _ => {}
                }
            }
            if v.target.text.is_empty() {
                self.err(&e.key_span, format!("{p}: `target` is missing"), "give the path in the container, e.g. `target: /data`");
            } else {
                out.push(v);
            }
        }
        out
    }

    pub(super) fn ports(&mut self, node: &Node, path: &str) -> Vec<Port> {
        let mut out = Vec::new();
        for e in self.named(node, path) {
            let p = format!("{path}.{}", e.key);
            let mut port = Port {
                name: e.key.clone(),
                target: 0,
                published: None,
                protocol: "tcp".into(),
                web: false,
                remap: false,
                unauthenticated: None,
                closed: None,
                span: e.key_span.clone(),
            };
            let mut publish = None;
            if e.value.as_scalar().is_some() {
                port.target = self.uint(&e.value, &p, 65535).unwrap_or(0) as u16;
            } else if let Some(fields) = self.map(&e.value, &p, PORT) {
                for f in given(fields) {
                    let fp = format!("{p}.{}", f.key);
                    match f.key.as_str() {
                        "target" => port.target = self.uint(&f.value, &fp, 65535).unwrap_or(0) as u16,
                        "published" => port.published = self.uint(&f.value, &fp, 65535).map(|v| v as u16),
                        "protocol" => match f.value.as_scalar() {
                            Some(s @ ("tcp" | "udp")) => port.protocol = s.to_string(),
                            _ => self.err(&f.value.span, format!("{fp}: expected tcp or udp"), "write `protocol: tcp` or `protocol: udp`"),
                        },
                        "web" => port.web = self.boolean(&f.value, &fp).unwrap_or(false),
                        "remap" => port.remap = self.boolean(&f.value, &fp).unwrap_or(false),
                        "publish" => publish = self.boolean(&f.value, &fp),
                        "unauthenticated" => port.unauthenticated = self.string(&f.value, &fp).filter(|s| !s.trim().is_empty()),
                        _ => {}
                    }
                }
                if port.remap && port.published.is_none() {
                    self.err(
                        &e.key_span,
                        format!("{p}: `remap` needs a `published` port to start from"),
                        "add `published: <port>`, the port to use when it is free",
                    );
                }
                if let Err(problem) = super::exposure::decide(&mut port, publish) {
                    self.err(&e.key_span, format!("{p}: {problem}"), "add `published: <port>`, the host port to publish it on");
                }
            }
            let has_target = e.value.as_scalar().is_some() || e.value.entries().and_then(|es| field(es, "target")).is_some();
            if port.target != 0 {
                out.push(port);
            } else if !has_target {
                self.err(&e.key_span, format!("{p}: `target` is missing"), "give the container port, e.g. `target: 8080`");
            }
        }
        out
    }

    pub(super) fn resources(&mut self, node: &Node, path: &str) -> Resources {
        let mut r = Resources::default();
        let Some(fields) = self.map(node, path, RESOURCES) else { return r };
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            let Some(text) = self.text(&f.value, &p) else { continue };
            // Expressions are checked once rendered, when the plan is built.
            let templated = text.text.contains("{{");
            match f.key.as_str() {
                "cpus" => {
                    if templated || parse_cpus(&text.text).is_some() {
                        r.cpus = Some(text);
                    } else {
                        self.err(&f.value.span, format!("{p}: {CPUS_PROBLEM}"), CPUS_HELP);
                    }
                }
                "memory" => {
                    if templated || parse_bytes(&text.text).is_some() {
                        r.memory = Some(text);
                    } else {
                        self.err(&f.value.span, format!("{p}: {MEMORY_PROBLEM}"), MEMORY_HELP);
                    }
                }
                _ => {}
            }
        }
        r
    }

    pub(super) fn placement(&mut self, node: &Node, path: &str) -> Placement {
        let mut pl = Placement::default();
        let Some(fields) = self.map(node, path, PLACEMENT) else { return pl };
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            match f.key.as_str() {
                "coordinator" => pl.coordinator = self.boolean(&f.value, &p).unwrap_or(false),
                "pinned" => pl.pinned = self.boolean(&f.value, &p).unwrap_or(false),
                "constraints" => pl.constraints = self.strings(&f.value, &p),
                "max_per_node" => pl.max_per_node = self.uint(&f.value, &p, 1000),
                "spread" => pl.spread = self.string(&f.value, &p),
                _ => {}
            }
        }
        pl
    }

    pub(super) fn metrics(&mut self, node: &Node, path: &str) -> Option<Metrics> {
        let fields = self.map(node, path, METRICS)?;
        let get = |k: &str| field(fields, k).map(|f| &f.value).filter(|v| !v.is_null());
        let port = get("port").and_then(|v| self.string(v, &format!("{path}.port")));
        let path_text = get("path").and_then(|v| self.string(v, &format!("{path}.path")));
        if let (Some(v), Some(p)) = (get("path"), &path_text) {
            // It becomes a label a scraper puts in its request line as is.
            if !p.starts_with('/') || p.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') {
                self.err(
                    &v.span,
                    format!("{path}.path: `{p}` is not a URL path"),
                    "write the path the endpoint answers on, e.g. `path: /prom`",
                );
                return None;
            }
        }
        let children = get("children").and_then(|v| self.text(v, &format!("{path}.children")));
        let images = match get("images").map(|v| self.image_set(v, &format!("{path}.images"), "serve")) {
            None => None,
            Some(set) => set.ok()?,
        };
        match (port, path_text) {
            (Some(port), Some(path)) => {
                let span = get("port").map_or(&node.span, |v| &v.span).clone();
                Some(Metrics { port, path, span, children, images })
            }
            (port, _) => {
                let missing = if port.is_none() { "port" } else { "path" };
                if get(missing).is_none() {
                    self.err(
                        &node.span,
                        format!("{path}: `{missing}` is missing"),
                        "a metrics endpoint needs `port:` (the name of one of the role's ports) and `path:` (e.g. /prom)",
                    );
                }
                None
            }
        }
    }

    pub(super) fn healthcheck(&mut self, node: &Node, path: &str) -> Option<Healthcheck> {
        let fields = self.map(node, path, HEALTH)?;
        let mut h = Healthcheck {
            test: Vec::new(),
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(5),
            retries: 3,
            start_period: Duration::from_secs(30),
        };
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            match f.key.as_str() {
                "test" => h.test = self.strings(&f.value, &p),
                "interval" => h.interval = self.duration(&f.value, &p).unwrap_or(h.interval),
                "timeout" => h.timeout = self.duration(&f.value, &p).unwrap_or(h.timeout),
                "retries" => h.retries = self.uint(&f.value, &p, 100).unwrap_or(h.retries),
                "start_period" => h.start_period = self.duration(&f.value, &p).unwrap_or(h.start_period),
                _ => {}
            }
        }
        if h.test.is_empty() {
            self.err(
                &node.span,
                format!("{path}: `test` is missing"),
                "give the command, e.g. `test: [CMD-SHELL, \"curl -fs localhost:8080\"]`",
            );
        }
        Some(h)
    }

    pub(super) fn probe(&mut self, node: &Node, path: &str, role: &str) -> Option<Probe> {
        let fields = self.map(node, path, READY)?;
        // `~` is a field not given (an including blueprint removes a check so).
        let get = |k: &str| field(fields, k).map(|f| &f.value).filter(|v| !v.is_null());
        let timeout = get("timeout").and_then(|v| self.duration(v, &format!("{path}.timeout"))).unwrap_or(Duration::from_secs(180));
        let expect: Vec<(String, serde_json::Value)> = match get("expect") {
            Some(v) => match v.entries() {
                Some(es) => es.iter().map(|e| (e.key.clone(), e.value.to_json())).collect(),
                None => {
                    self.err(
                        &v.span,
                        format!("{path}.expect: expected a mapping of JSON path: value"),
                        "write e.g. `expect: { status: ALIVE }`",
                    );
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let count = get("count").and_then(|v| self.string(v, &format!("{path}.count")));
        let given: Vec<&str> = ["http", "tcp", "zookeeper"].into_iter().filter(|k| get(k).is_some()).collect();
        if given.len() > 1 {
            self.err(
                &node.span,
                format!("{path}: give one of `http`, `tcp` or `zookeeper`, not {}", given.join(" and ")),
                "keep the check that tells the role is usable",
            );
            return None;
        }
        if let Some(z) = get("zookeeper") {
            let Endpoint { role, port, .. } = self.endpoint(z, &format!("{path}.zookeeper"), ZOOKEEPER, Some(role))?;
            if !expect.is_empty() || count.is_some() {
                self.err(
                    &z.span,
                    format!("{path}: `expect` and `count` need an http probe"),
                    "a zookeeper probe checks srvr's Mode, or counts a znode's children",
                );
            }
            let znode =
                z.entries().and_then(|es| field(es, "znode")).and_then(|e| self.string(&e.value, &format!("{path}.zookeeper.znode")));
            if let Some(zn) = znode.as_ref().filter(|zn| !zn.starts_with('/')) {
                self.err(
                    &z.span,
                    format!("{path}.zookeeper.znode: `{zn}` is not an absolute path"),
                    "write the znode's full path, e.g. `/storm/supervisors`",
                );
            }
            if let Some(m) = get("mode").or(get("active")).or(get("standby")) {
                self.err(
                    &m.span,
                    format!("{path}: `mode`, `active` and `standby` need an http probe"),
                    "a zookeeper probe reads srvr's Mode itself (one leader, the others followers)",
                );
            }
            return Some(Probe { check: Check::Zookeeper { role, port, znode }, modes: None, timeout, span: node.span.clone() });
        }
        let check = match (get("http"), get("tcp")) {
            (Some(h), None) => {
                let Endpoint { role, port, path: p, .. } = self.endpoint(h, &format!("{path}.http"), HTTP, Some(role))?;
                let path_text = p.unwrap_or(Text { text: "/".into(), span: h.span.clone() });
                Check::Http { role, port, path: path_text, expect, count }
            }
            (None, Some(t)) => {
                let Endpoint { role, port, .. } = self.endpoint(t, &format!("{path}.tcp"), TCP, Some(role))?;
                if !expect.is_empty() || count.is_some() {
                    self.err(
                        &t.span,
                        format!("{path}: `expect` and `count` need an http probe"),
                        "use `http:` to check a response, or drop `expect`/`count`",
                    );
                }
                Check::Tcp { role, port }
            }
            _ => {
                self.err(
                    &node.span,
                    format!("{path}: no check given"),
                    "add `http: {port: ui, path: /}`, `tcp: {port: rpc}` or `zookeeper: {port: client}`",
                );
                return None;
            }
        };
        let modes = self.modes(fields, path, matches!(check, Check::Http { .. }));
        Some(Probe { check, modes, timeout, span: node.span.clone() })
    }

    /// `mode: PATH`, `active: VALUE`, `standby: [VALUE …]` of a probe: where
    /// a member of a pair says whether it is the active one.
    fn modes(&mut self, fields: &[Entry], path: &str, http: bool) -> Option<Modes> {
        let get = |k: &str| field(fields, k).map(|f| &f.value).filter(|v| !v.is_null());
        let mode = get("mode").and_then(|v| self.text(v, &format!("{path}.mode")));
        let active = get("active").and_then(|v| self.string(v, &format!("{path}.active")));
        let position = get("position").and_then(|v| self.text(v, &format!("{path}.position")));
        let standby = match get("standby") {
            None => Vec::new(),
            Some(v) => match (v.items(), v.as_scalar()) {
                (Some(items), _) => items.iter().filter_map(|i| self.string(i, &format!("{path}.standby"))).collect(),
                (None, Some(one)) => vec![one.to_string()],
                _ => {
                    self.err(&v.span, format!("{path}.standby: expected a mode or a list of them"), "write e.g. `standby: [standby]`");
                    Vec::new()
                }
            },
        };
        let span = get("mode").or(get("active")).or(get("standby")).or(get("position")).map(|v| v.span.clone())?;
        match (mode, active) {
            (Some(mode), Some(active)) if http => Some(Modes { path: mode, active, standby, position }),
            (Some(_), Some(_)) => {
                self.err(
                    &span,
                    format!("{path}: `mode` needs an http probe"),
                    "read the member's mode from a JSON answer: `http: {port: …, path: …}`",
                );
                None
            }
            (None, _) => {
                self.err(
                    &span,
                    format!("{path}: `mode` is missing"),
                    "name the JSON path of the member's mode, e.g. `mode: beans.0.State`",
                );
                None
            }
            (Some(_), None) => {
                self.err(&span, format!("{path}: `active` is missing"), "give the mode of the active member, e.g. `active: active`");
                None
            }
        }
    }

    /// `failover: restart`, or `failover: { job: {image, command, …} }`.
    pub(super) fn failover(&mut self, node: &Node, path: &str) -> Option<Failover> {
        if node.as_scalar() == Some("restart") {
            return Some(Failover::Restart);
        }
        if node.entries().is_none() {
            self.err(
                &node.span,
                format!("{path}: expected `restart` or a mapping with `job`"),
                "write `failover: restart`, or `failover: { job: { image: …, command: [sh, -c, \"… $FROM … $TO\"] } }`",
            );
            return None;
        }
        let fields = self.map(node, path, FAILOVER)?;
        let Some(job) = field(fields, "job") else {
            self.err(
                &node.span,
                format!("{path}: `job` is missing"),
                "give the one-shot job that hands over: `job: { image: …, command: […] }`",
            );
            return None;
        };
        let jp = format!("{path}.job");
        let jf = self.map(&job.value, &jp, FAILOVER_JOB)?;
        let workload = self.workload(jf, &jp, &job.key_span);
        let Some(command) = field(jf, "command").and_then(|f| self.texts(&f.value, &format!("{jp}.command"))) else {
            self.err(
                &job.key_span,
                format!("{jp}: `command` is missing"),
                "give the hand-over command; FROM and TO (member numbers) are in its environment",
            );
            return None;
        };
        Some(Failover::Job { workload: Box::new(workload), command })
    }

    pub(super) fn decommission(&mut self, node: &Node, path: &str) -> Option<Decommission> {
        let fields = self.map(node, path, DECOMMISSION)?;
        let missing = |d: &mut Decoder, what: &str, help: &str| d.err(&node.span, format!("{path}: `{what}` is missing"), help);
        let job = match field(fields, "job") {
            Some(j) => {
                let jp = format!("{path}.job");
                let jf = self.map(&j.value, &jp, DECOMMISSION_JOB)?;
                let colocate = field(jf, "colocate").and_then(|f| self.string(&f.value, &format!("{jp}.colocate")));
                Some((self.workload(jf, &jp, &j.key_span), colocate))
            }
            None => {
                missing(self, "job", "give the container the steps run in, e.g. `job: { image: hadoop, configs: … }`");
                None
            }
        };
        let command = |d: &mut Decoder, key: &str, help: &str| match field(fields, key) {
            Some(f) => d.texts(&f.value, &format!("{path}.{key}")),
            None => {
                missing(d, key, help);
                None
            }
        };
        let refresh = command(self, "refresh", "give the command that makes the cluster read the hosts to exclude from /bdprov/hosts");
        let stop = command(self, "stop", "give the command that stops the members listed in /bdprov/hosts");
        let status = match field(fields, "status") {
            Some(f) => self.member_status(&f.value, &format!("{path}.status")),
            None => {
                missing(self, "status", "say where each member's state is read, e.g. `status: { http: …, members: …, field: adminState, done: Decommissioned }`");
                None
            }
        };
        let keep = field(fields, "keep").and_then(|f| self.text(&f.value, &format!("{path}.keep")));
        let timeout =
            field(fields, "timeout").and_then(|f| self.duration(&f.value, &format!("{path}.timeout"))).unwrap_or(Duration::from_secs(1800));
        let ((job, colocate), refresh, stop, status) = (job?, refresh?, stop?, status?);
        Some(Decommission { job, colocate, refresh, stop, status, keep, timeout, span: node.span.clone() })
    }

    pub(super) fn member_status(&mut self, node: &Node, path: &str) -> Option<MemberStatus> {
        let fields = self.map(node, path, MEMBER_STATUS)?;
        let string = |d: &mut Decoder, key: &str, help: &str| match field(fields, key) {
            Some(f) => d.string(&f.value, &format!("{path}.{key}")),
            None => {
                d.err(&node.span, format!("{path}: `{key}` is missing"), help);
                None
            }
        };
        let members = string(self, "members", "give the JSON path of the map of members, e.g. `members: beans.0.LiveNodes`");
        let field_name = string(self, "field", "give the field of a member that tells its state, e.g. `field: adminState`");
        let done = string(self, "done", "give the value of that field once the member is retired, e.g. `done: Decommissioned`");
        let serving = field(fields, "serving").and_then(|f| self.string(&f.value, &format!("{path}.serving")));
        let http = match field(fields, "http") {
            Some(h) => self.endpoint(&h.value, &format!("{path}.http"), HTTP, None),
            None => {
                self.err(
                    &node.span,
                    format!("{path}: `http` is missing"),
                    "give the endpoint, e.g. `http: { role: namenode, port: http, path: /jmx }`",
                );
                None
            }
        };
        let http = http?;
        let path_text = http.path.unwrap_or(Text { text: "/".into(), span: node.span.clone() });
        Some(MemberStatus {
            role: http.role,
            port: http.port,
            path: path_text,
            members: members?,
            field: field_name?,
            done: done?,
            serving,
        })
    }
}
