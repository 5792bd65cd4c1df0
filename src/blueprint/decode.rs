//! From a merged YAML tree to the validated [`Blueprint`], reporting every
//! problem at once: unknown fields (with a likely spelling), wrong types,
//! missing fields and references to roles, ports or images that do not exist.

use std::collections::BTreeSet;
use std::time::Duration;

use super::model::*;
use crate::diag::{suggest, Diagnostic, Diagnostics, Span};
use crate::yaml::{Entry, Node, Value};

pub const SUPPORTED_VERSION: i64 = 1;

const TOP: &[&str] = &["version", "name", "description", "include", "network", "images", "values", "roles", "hooks", "jobs", "secrets"];
const ROLE: &[&str] = &[
    "image",
    "entrypoint",
    "command",
    "env",
    "hostname",
    "user",
    "workdir",
    "configs",
    "volumes",
    "resources",
    "secrets",
    "ports",
    "replicas",
    "members",
    "singleton",
    "placement",
    "ready",
    "after",
    "healthcheck",
    "stop_grace_period",
    "restart",
    "decommission",
];
const SPARK_JOB: &[&str] = &[
    "image",
    "entrypoint",
    "env",
    "user",
    "workdir",
    "configs",
    "volumes",
    "resources",
    "secrets",
    "master",
    "pi",
    "colocate",
    "conf",
    "deploy_mode",
    "tracking",
];
const PI: &[&str] = &["file", "class"];
const STORM_JOB: &[&str] = &["image", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "nimbus", "ui"];
const JOB_KINDS: &[&str] = &["spark", "yarn", "storm"];
const HOOK: &[&str] = &["after", "job", "webhdfs", "paths"];
const HOOK_JOB: &[&str] = &["image", "command", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "colocate"];
const WEBHDFS: &[&str] = &["role", "port", "user"];
const HDFS_PATH: &[&str] = &["path", "owner", "group", "mode"];
const DECOMMISSION: &[&str] = &["job", "refresh", "stop", "status", "keep", "timeout"];
const DECOMMISSION_JOB: &[&str] = &["image", "env", "user", "workdir", "configs", "volumes", "resources", "secrets", "colocate"];
const MEMBER_STATUS: &[&str] = &["http", "members", "field", "done", "serving"];
const IMAGE: &[&str] = &["official", "local", "without_local"];
const CONFIG: &[&str] = &["template", "target", "mode"];
const VOLUME: &[&str] = &["target", "per_replica", "readonly"];
const PORT: &[&str] = &["target", "published", "protocol", "web", "remap"];
const RESOURCES: &[&str] = &["cpus", "memory"];
const PLACEMENT: &[&str] = &["coordinator", "constraints", "max_per_node", "spread"];
const READY: &[&str] = &["http", "tcp", "zookeeper", "expect", "count", "timeout"];
const HTTP: &[&str] = &["role", "port", "path"];
const TCP: &[&str] = &["role", "port"];
const ZOOKEEPER: &[&str] = &["role", "port", "znode"];
const HEALTH: &[&str] = &["test", "interval", "timeout", "retries", "start_period"];

/// Decode a merged blueprint tree. `includes` already went into the tree.
pub fn decode(root: &Node) -> Result<Blueprint, Diagnostics> {
    let mut d = Decoder { errs: Diagnostics::default() };
    let bp = d.blueprint(root);
    if let (Some(bp), true) = (&bp, d.errs.is_empty()) {
        check_references(bp, &mut d.errs);
        super::secrets::check(bp, &mut d.errs);
    }
    let bp = d.errs.finish(bp)?;
    Ok(bp.expect("a blueprint is missing only when errors were reported"))
}

struct Decoder {
    errs: Diagnostics,
}

struct Endpoint {
    role: String,
    port: String,
    path: Option<Text>,
    user: Option<Text>,
}

/// The fields that were given: `field: ~` means "not given", so a blueprint
/// can drop what it inherits through `include:` (`volumes: ~`).
fn given(fields: &[Entry]) -> impl Iterator<Item = &Entry> {
    fields.iter().filter(|f| !f.value.is_null())
}

fn field<'e>(fields: &'e [Entry], key: &str) -> Option<&'e Entry> {
    given(fields).find(|f| f.key == key)
}

impl Decoder {
    fn err(&mut self, span: &Span, msg: impl Into<String>, help: impl Into<String>) {
        self.errs.push(Diagnostic::at(span, msg).help(help));
    }

    /// The entries of a mapping, reporting unknown keys. A null is an empty mapping.
    fn map<'n>(&mut self, node: &'n Node, path: &str, known: &[&str]) -> Option<&'n [Entry]> {
        match &node.value {
            Value::Null => Some(&[]),
            Value::Map(entries) => {
                for e in entries {
                    if !known.contains(&e.key.as_str()) {
                        let help = match suggest(&e.key, known.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("known fields here: {}", known.join(", ")),
                        };
                        self.err(&e.key_span, format!("{path}: unknown field `{}`", e.key), help);
                    }
                }
                Some(entries)
            }
            _ => {
                self.err(
                    &node.span,
                    format!("{path}: expected a mapping, found {}", node.kind()),
                    "write `key: value` lines indented under it",
                );
                None
            }
        }
    }

    /// The entries of a mapping whose keys are names chosen by the user.
    fn named<'n>(&mut self, node: &'n Node, path: &str) -> &'n [Entry] {
        match &node.value {
            Value::Null => &[],
            Value::Map(entries) => {
                for e in entries {
                    if !valid_name(&e.key) {
                        self.err(&e.key_span, format!("{path}: `{}` is not a valid name", e.key), NAME_RULE);
                    }
                }
                entries
            }
            _ => {
                self.err(
                    &node.span,
                    format!("{path}: expected a mapping of names, found {}", node.kind()),
                    "write one `name:` entry per item",
                );
                &[]
            }
        }
    }

    fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match node.as_scalar() {
            Some(s) => Some(s.to_string()),
            None => {
                self.err(&node.span, format!("{path}: expected a string, found {}", node.kind()), "write a single value");
                None
            }
        }
    }

    fn text(&mut self, node: &Node, path: &str) -> Option<Text> {
        self.string(node, path).map(|text| Text { text, span: node.span.clone() })
    }

    fn texts(&mut self, node: &Node, path: &str) -> Option<Vec<Text>> {
        match node.items() {
            Some(items) => Some(items.iter().enumerate().filter_map(|(i, n)| self.text(n, &format!("{path}[{i}]"))).collect()),
            None => {
                self.err(&node.span, format!("{path}: expected a list, found {}", node.kind()), "write it as [a, b] or as `- item` lines");
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, path: &str) -> Vec<String> {
        self.texts(node, path).unwrap_or_default().into_iter().map(|t| t.text).collect()
    }

    fn uint(&mut self, node: &Node, path: &str, max: u64) -> Option<u64> {
        match node.as_i64() {
            Some(v) if v >= 0 && (v as u64) <= max => Some(v as u64),
            Some(v) => {
                self.err(&node.span, format!("{path}: {v} is out of range"), format!("use a whole number from 0 to {max}"));
                None
            }
            None => {
                self.err(
                    &node.span,
                    format!("{path}: expected a whole number, found {}", node.kind()),
                    format!("use a whole number from 0 to {max}"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        let v = node.as_bool();
        if v.is_none() {
            self.err(&node.span, format!("{path}: expected true or false, found {}", node.kind()), "write true or false");
        }
        v
    }

    fn duration(&mut self, node: &Node, path: &str) -> Option<Duration> {
        let v = node.as_scalar().and_then(parse_duration);
        if v.is_none() {
            self.err(
                &node.span,
                format!("{path}: expected a duration, found {}", node.kind()),
                "write a number with a unit: 500ms, 30s, 5m",
            );
        }
        v
    }

    fn env(&mut self, node: &Node, path: &str) -> Vec<(String, Text)> {
        match node.entries() {
            Some(entries) => entries
                .iter()
                .filter_map(|e| {
                    if e.value.is_null() {
                        return Some((e.key.clone(), Text { text: String::new(), span: e.value.span.clone() }));
                    }
                    self.text(&e.value, &format!("{path}.{}", e.key)).map(|t| (e.key.clone(), t))
                })
                .collect(),
            None if node.is_null() => Vec::new(),
            None => {
                self.err(
                    &node.span,
                    format!("{path}: expected a mapping of NAME: value, found {}", node.kind()),
                    "write one `NAME: value` line per variable",
                );
                Vec::new()
            }
        }
    }

    fn blueprint(&mut self, root: &Node) -> Option<Blueprint> {
        let entries = self.map(root, "blueprint", TOP)?;
        let get = |k: &str| entries.iter().find(|e| e.key == k);
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
        let roles = match get("roles") {
            Some(e) => self.named(&e.value, "roles").iter().filter_map(|r| self.role(r)).collect(),
            None => Vec::new(),
        };
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
            let official = fields.iter().find(|f| f.key == "official").and_then(|f| self.string(&f.value, &format!("{path}.official")));
            let local = fields.iter().find(|f| f.key == "local").and_then(|f| self.string(&f.value, &format!("{path}.local")));
            let without_local =
                fields.iter().find(|f| f.key == "without_local").and_then(|f| self.string(&f.value, &format!("{path}.without_local")));
            if let (Some(_), Some(f)) = (&local, fields.iter().find(|f| f.key == "without_local")) {
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
    fn workload(&mut self, fields: &[Entry], path: &str, owner: &Span) -> Workload {
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

    fn role(&mut self, e: &Entry) -> Option<Role> {
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
            singleton: None,
            placement: Placement::default(),
            ready: None,
            after: Vec::new(),
            healthcheck: None,
            stop_grace: None,
            restart: Restart::Any,
            decommission: None,
        };
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            let v = &f.value;
            match f.key.as_str() {
                "ports" => role.ports = self.ports(v, &p),
                "replicas" => role.replicas = self.uint(v, &p, 1000).unwrap_or(1),
                "members" => role.members = self.uint(v, &p, 255),
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
                _ => {}
            }
        }
        let field_span = |k: &str| field(fields, k).map_or(&e.key_span, |f| &f.value.span);
        if let Some(m) = role.members {
            if field(fields, "replicas").is_some() || role.singleton.is_some() {
                self.err(
                    field_span("members"),
                    format!("{path}: `members` runs one service per member; it does not go with `replicas` or `singleton`"),
                    "keep `members` for an ensemble, or `replicas` for interchangeable tasks",
                );
            }
            if matches!(role.ready.as_ref().map(|p| &p.check), Some(Check::Zookeeper { znode: None, .. })) && (m == 0 || m % 2 == 0) {
                self.err(
                    field_span("members"),
                    format!("{path}.members: a ZooKeeper ensemble of {m} is refused"),
                    "use an odd number (1, 3, 5 …): an even ensemble tolerates no more failed members than the odd one below it, and 0 has no quorum",
                );
            }
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

    fn refs(&mut self, node: &Node, path: &str) -> Vec<(String, Span)> {
        match node.items() {
            Some(items) => {
                items.iter().enumerate().filter_map(|(i, n)| self.string(n, &format!("{path}[{i}]")).map(|s| (s, n.span.clone()))).collect()
            }
            None => match node.as_scalar() {
                Some(s) => vec![(s.to_string(), node.span.clone())],
                None => {
                    self.err(&node.span, format!("{path}: expected a role name or a list of them"), "write `after: [master]`");
                    Vec::new()
                }
            },
        }
    }

    fn configs(&mut self, node: &Node, path: &str) -> Vec<ConfigFile> {
        let mut out = Vec::new();
        for e in self.named(node, path) {
            let p = format!("{path}.{}", e.key);
            let Some(fields) = self.map(&e.value, &p, CONFIG) else { continue };
            let get = |k: &str| fields.iter().find(|f| f.key == k).map(|f| &f.value);
            let template = get("template").and_then(|v| self.string(v, &format!("{p}.template")));
            let target = get("target").and_then(|v| self.string(v, &format!("{p}.target")));
            let mode = match get("mode") {
                Some(v) => match v.as_scalar().and_then(|s| u32::from_str_radix(s, 8).ok()) {
                    Some(m) if m <= 0o7777 => m,
                    _ => {
                        self.err(&v.span, format!("{p}.mode: expected an octal file mode"), "write it like \"0444\" or \"0755\"");
                        0o444
                    }
                },
                None => 0o444,
            };
            match (template, target) {
                (Some(template), Some(target)) => {
                    out.push(ConfigFile { name: e.key.clone(), template, target, mode, span: e.key_span.clone() })
                }
                (t, g) => {
                    let missing = if t.is_none() && g.is_none() {
                        "`template` and `target` are"
                    } else if t.is_none() {
                        "`template` is"
                    } else {
                        "`target` is"
                    };
                    self.err(
                        &e.key_span,
                        format!("{p}: {missing} missing"),
                        "a config file needs `template:` (a file under templates/) and `target:` (its path in the container)",
                    );
                }
            }
        }
        out
    }

    fn volumes(&mut self, node: &Node, path: &str) -> Vec<VolumeMount> {
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
            for f in fields {
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

    fn ports(&mut self, node: &Node, path: &str) -> Vec<Port> {
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
                span: e.key_span.clone(),
            };
            if e.value.as_scalar().is_some() {
                port.target = self.uint(&e.value, &p, 65535).unwrap_or(0) as u16;
            } else if let Some(fields) = self.map(&e.value, &p, PORT) {
                for f in fields {
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
            }
            let has_target = e.value.as_scalar().is_some() || e.value.get("target").is_some();
            if port.target != 0 {
                out.push(port);
            } else if !has_target {
                self.err(&e.key_span, format!("{p}: `target` is missing"), "give the container port, e.g. `target: 8080`");
            }
        }
        out
    }

    fn resources(&mut self, node: &Node, path: &str) -> Resources {
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

    fn placement(&mut self, node: &Node, path: &str) -> Placement {
        let mut pl = Placement::default();
        let Some(fields) = self.map(node, path, PLACEMENT) else { return pl };
        for f in fields {
            let p = format!("{path}.{}", f.key);
            match f.key.as_str() {
                "coordinator" => pl.coordinator = self.boolean(&f.value, &p).unwrap_or(false),
                "constraints" => pl.constraints = self.strings(&f.value, &p),
                "max_per_node" => pl.max_per_node = self.uint(&f.value, &p, 1000),
                "spread" => pl.spread = self.string(&f.value, &p),
                _ => {}
            }
        }
        pl
    }

    fn healthcheck(&mut self, node: &Node, path: &str) -> Option<Healthcheck> {
        let fields = self.map(node, path, HEALTH)?;
        let mut h = Healthcheck {
            test: Vec::new(),
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(5),
            retries: 3,
            start_period: Duration::from_secs(30),
        };
        for f in fields {
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

    /// A role's port, and a path or user where `known` allows them; `role`
    /// defaults to `default_role` where there is one.
    fn endpoint(&mut self, node: &Node, path: &str, known: &[&str], default_role: Option<&str>) -> Option<Endpoint> {
        let fields = self.map(node, path, known)?;
        let mut ep = Endpoint { role: default_role.unwrap_or_default().to_string(), port: String::new(), path: None, user: None };
        for f in given(fields) {
            let fp = format!("{path}.{}", f.key);
            match f.key.as_str() {
                "role" => ep.role = self.string(&f.value, &fp).unwrap_or(ep.role),
                "port" => ep.port = self.string(&f.value, &fp).unwrap_or_default(),
                "path" => ep.path = self.text(&f.value, &fp),
                "user" => ep.user = self.text(&f.value, &fp),
                _ => {}
            }
        }
        if ep.role.is_empty() {
            self.err(&node.span, format!("{path}: `role` is missing"), "name the role whose port it is");
        }
        if ep.port.is_empty() {
            self.err(&node.span, format!("{path}: `port` is missing"), "name one of the target role's ports, e.g. `port: ui`");
        }
        (!ep.role.is_empty() && !ep.port.is_empty()).then_some(ep)
    }

    fn probe(&mut self, node: &Node, path: &str, role: &str) -> Option<Probe> {
        let fields = self.map(node, path, READY)?;
        let get = |k: &str| field(fields, k).map(|f| &f.value);
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
            let znode = z
                .entries()
                .and_then(|es| es.iter().find(|e| e.key == "znode"))
                .and_then(|e| self.string(&e.value, &format!("{path}.zookeeper.znode")));
            if let Some(zn) = znode.as_ref().filter(|zn| !zn.starts_with('/')) {
                self.err(
                    &z.span,
                    format!("{path}.zookeeper.znode: `{zn}` is not an absolute path"),
                    "write the znode's full path, e.g. `/storm/supervisors`",
                );
            }
            return Some(Probe { check: Check::Zookeeper { role, port, znode }, timeout, span: node.span.clone() });
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
        Some(Probe { check, timeout, span: node.span.clone() })
    }

    fn hook(&mut self, e: &Entry) -> Option<Hook> {
        let path = format!("hooks.{}", e.key);
        let fields = self.map(&e.value, &path, HOOK)?;
        let after = field(fields, "after").map(|f| self.refs(&f.value, &format!("{path}.after"))).unwrap_or_default();
        let action = match (field(fields, "job"), field(fields, "webhdfs")) {
            (Some(job), None) => {
                let jp = format!("{path}.job");
                let jf = self.map(&job.value, &jp, HOOK_JOB)?;
                let workload = self.workload(jf, &jp, &job.key_span);
                let colocate = field(jf, "colocate").and_then(|f| self.string(&f.value, &format!("{jp}.colocate")));
                let Some(command) = field(jf, "command").and_then(|f| self.texts(&f.value, &format!("{jp}.command"))) else {
                    self.err(
                        &job.key_span,
                        format!("{jp}: `command` is missing"),
                        "give the command the job runs, e.g. `command: [sh, -c, \"…\"]`",
                    );
                    return None;
                };
                if let Some(p) = field(fields, "paths") {
                    self.err(
                        &p.key_span,
                        format!("{path}.paths: paths go with `webhdfs`, not with `job`"),
                        "move them to a hook with `webhdfs:`",
                    );
                }
                HookAction::Job { workload: Box::new(workload), command, colocate }
            }
            (None, Some(w)) => {
                let wp = format!("{path}.webhdfs");
                let Endpoint { role, port, user, .. } = self.endpoint(&w.value, &wp, WEBHDFS, None)?;
                let listed = field(fields, "paths");
                let paths = listed.map(|p| self.hdfs_paths(&p.value, &format!("{path}.paths"))).unwrap_or_default();
                if listed.and_then(|p| p.value.entries()).is_none_or(|e| e.is_empty()) {
                    self.err(
                        &w.key_span,
                        format!("{path}: `webhdfs` without `paths`"),
                        "list the directories to make, e.g. `paths: { tmp: { path: /tmp, mode: \"1777\" } }`",
                    );
                }
                let Some(user) = user else {
                    self.err(
                        &w.value.span,
                        format!("{wp}: `user` is missing"),
                        "name the HDFS superuser (the user the NameNode runs as), e.g. `user: hadoop`",
                    );
                    return None;
                };
                HookAction::Webhdfs { role, port, user, paths, span: w.key_span.clone() }
            }
            (Some(_), Some(w)) => {
                self.err(&w.key_span, format!("{path}: give `job` or `webhdfs`, not both"), "make two hooks, one for each");
                return None;
            }
            (None, None) => {
                self.err(
                    &e.key_span,
                    format!("{path}: no action"),
                    "give the hook a `job:` (image and command) or `webhdfs:` with `paths:`",
                );
                return None;
            }
        };
        Some(Hook { name: e.key.clone(), span: e.key_span.clone(), after, action })
    }

    fn hdfs_paths(&mut self, node: &Node, path: &str) -> Vec<HdfsPath> {
        let mut out = Vec::new();
        for e in self.named(node, path) {
            let p = format!("{path}.{}", e.key);
            let Some(fields) = self.map(&e.value, &p, HDFS_PATH) else { continue };
            let mut text = |k: &str| field(fields, k).and_then(|f| self.text(&f.value, &format!("{p}.{k}")));
            let (dir, owner, group, mode) = (text("path"), text("owner"), text("group"), text("mode"));
            if let Some(m) = &mode {
                if !m.text.contains("{{") && parse_mode(&m.text).is_none() {
                    self.err(&m.span, format!("{p}.mode: {MODE_PROBLEM}"), MODE_HELP);
                }
            }
            match dir {
                Some(dir) if dir.text.starts_with('/') || dir.text.contains("{{") => {
                    out.push(HdfsPath { name: e.key.clone(), path: dir, owner, group, mode, span: e.key_span.clone() })
                }
                Some(dir) => self.err(
                    &dir.span,
                    format!("{p}.path: `{}` is not absolute", dir.text),
                    "write the full path in HDFS, e.g. `/user/spark`",
                ),
                None => self.err(&e.key_span, format!("{p}: `path` is missing"), "give the directory, e.g. `path: /tmp`"),
            }
        }
        out
    }

    fn decommission(&mut self, node: &Node, path: &str) -> Option<Decommission> {
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

    fn member_status(&mut self, node: &Node, path: &str) -> Option<MemberStatus> {
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

    fn jobs(&mut self, node: &Node) -> Jobs {
        let mut jobs = Jobs::default();
        let Some(entries) = self.map(node, "jobs", JOB_KINDS) else { return jobs };
        for e in given(entries) {
            match e.key.as_str() {
                "spark" => jobs.spark = self.spark_jobs(e),
                "yarn" => jobs.yarn = self.spark_jobs(e),
                "storm" => jobs.storm = self.storm_jobs(e),
                _ => {}
            }
        }
        jobs
    }

    fn spark_jobs(&mut self, e: &Entry) -> Option<SparkJobs> {
        let path = &format!("jobs.{}", e.key);
        let fields = self.map(&e.value, path, SPARK_JOB)?;
        let workload = self.workload(fields, path, &e.key_span);
        let mut master = None;
        let mut pi = "/opt/spark/examples/src/main/python/pi.py".to_string();
        let mut pi_class = None;
        let mut colocate = None;
        let mut conf = Vec::new();
        let mut deploy_mode = None;
        let mut tracking = None;
        for f in given(fields) {
            let p = format!("{path}.{}", f.key);
            match f.key.as_str() {
                "master" => master = self.text(&f.value, &p),
                "pi" if f.value.entries().is_some() => {
                    let pf = self.map(&f.value, &p, PI).unwrap_or_default();
                    match field(pf, "file").and_then(|x| self.string(&x.value, &format!("{p}.file"))) {
                        Some(file) => pi = file,
                        None => self.err(
                            &f.value.span,
                            format!("{p}: `file` is missing"),
                            "give the program, e.g. `file: /opt/spark/examples/jars/spark-examples.jar`",
                        ),
                    }
                    pi_class = field(pf, "class").and_then(|x| self.string(&x.value, &format!("{p}.class")));
                }
                "pi" => pi = self.string(&f.value, &p).unwrap_or(pi),
                "colocate" => colocate = self.string(&f.value, &p),
                "conf" => conf = self.env(&f.value, &p),
                "deploy_mode" => match f.value.as_scalar() {
                    Some(m @ ("client" | "cluster")) => deploy_mode = Some(m.to_string()),
                    _ => self.err(
                        &f.value.span,
                        format!("{p}: expected client or cluster"),
                        "write `deploy_mode: cluster` or `deploy_mode: client`",
                    ),
                },
                "tracking" => tracking = self.endpoint(&f.value, &p, TCP, None).map(|ep| (ep.role, ep.port)),
                _ => {}
            }
        }
        let Some(master) = master else {
            self.err(
                &e.key_span,
                format!("{path}: `master` is missing"),
                "give the master URL jobs use, e.g. `master: spark://master:7077`",
            );
            return None;
        };
        Some(SparkJobs { workload, master, pi, pi_class, colocate, conf, deploy_mode, tracking, span: e.key_span.clone() })
    }

    fn storm_jobs(&mut self, e: &Entry) -> Option<StormJobs> {
        let path = "jobs.storm";
        let fields = self.map(&e.value, path, STORM_JOB)?;
        let workload = self.workload(fields, path, &e.key_span);
        let get = |k: &str| fields.iter().find(|f| f.key == k).map(|f| &f.value);
        let nimbus = get("nimbus").and_then(|v| self.texts(v, &format!("{path}.nimbus"))).unwrap_or_default();
        if nimbus.is_empty() {
            self.err(
                &e.key_span,
                format!("{path}: `nimbus` is missing"),
                "list the nimbus hosts jobs submit to, e.g. `nimbus: [\"{{ roles.nimbus.host }}\"]`",
            );
        }
        let ui = match get("ui") {
            Some(v) => {
                let fs = self.map(v, &format!("{path}.ui"), TCP)?;
                let field =
                    |d: &mut Decoder, k: &str| fs.iter().find(|f| f.key == k).and_then(|f| d.string(&f.value, &format!("{path}.ui.{k}")));
                let (role, port) = (field(self, "role"), field(self, "port"));
                if role.is_none() || port.is_none() {
                    self.err(
                        &v.span,
                        format!("{path}.ui: needs `role` and `port`"),
                        "name the Storm UI's role and its published port, e.g. `ui: { role: ui, port: ui }`",
                    );
                }
                role.zip(port)
            }
            None => {
                self.err(
                    &e.key_span,
                    format!("{path}: `ui` is missing"),
                    "name the Storm UI's role and its published port, e.g. `ui: { role: ui, port: ui }`",
                );
                None
            }
        };
        let (ui_role, ui_port) = ui?;
        (!nimbus.is_empty()).then(|| StormJobs { workload, nimbus, ui_role, ui_port, span: e.key_span.clone() })
    }
}

/// Checks across the whole blueprint: names that must exist, cycles, port clashes.
fn check_references(bp: &Blueprint, errs: &mut Diagnostics) {
    let roles: Vec<&str> = bp.roles.iter().map(|r| r.name.as_str()).collect();
    let steps: Vec<&str> = roles.iter().copied().chain(bp.hooks.iter().map(|h| h.name.as_str())).collect();
    let unknown = |what: &str, name: &str, among: &[&str]| -> String {
        match suggest(name, among.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? ({what}: {})", among.join(", ")),
            None => format!("{what}: {}", among.join(", ")),
        }
    };
    let check_colocate = |colocate: &Option<String>, path: &str, span: &Span, errs: &mut Diagnostics| {
        if let Some(c) = colocate {
            if bp.role(c).is_none() {
                errs.push(Diagnostic::at(span, format!("{path}.colocate: no role `{c}`")).help(unknown("roles", c, &roles)));
            }
        }
    };
    let check_image = |w: &Workload, path: &str, errs: &mut Diagnostics| {
        if w.image.is_empty() || bp.image(&w.image).is_some() || w.image.contains(':') || w.image.contains('/') {
            return;
        }
        let keys: Vec<&str> = bp.images.iter().map(|i| i.key.as_str()).collect();
        if let Some(span) = &w.image_span {
            errs.push(
                Diagnostic::at(span, format!("{path}.image: no image `{}` in `images:`", w.image)).help(unknown("images", &w.image, &keys)),
            );
        }
    };
    let mut published: Vec<(u16, String)> = Vec::new();
    for role in &bp.roles {
        let path = format!("roles.{}", role.name);
        check_image(&role.workload, &path, errs);
        for (dep, span) in &role.after {
            if !steps.contains(&dep.as_str()) {
                errs.push(Diagnostic::at(span, format!("{path}.after: no role or hook `{dep}`")).help(unknown(
                    "roles and hooks",
                    dep,
                    &steps,
                )));
            } else if dep == &role.name {
                errs.push(Diagnostic::at(span, format!("{path}.after: a role cannot wait for itself")).help("remove it from `after`"));
            }
        }
        if let Some(probe) = &role.ready {
            let by = Reach { at: &probe.span, by: format!("{path}.ready"), verb: ("to probe", "probed by") };
            check_endpoint(bp, probe.check.target_role(), probe.check.target_port(), &by, errs);
        }
        if let Some(d) = &role.decommission {
            let dp = format!("{path}.decommission");
            check_image(&d.job, &format!("{dp}.job"), errs);
            check_colocate(&d.colocate, &format!("{dp}.job"), &d.span, errs);
            let by = Reach { at: &d.span, by: format!("{dp}.status"), verb: ("to ask", "asked by") };
            check_endpoint(bp, &d.status.role, &d.status.port, &by, errs);
        }
        for port in &role.ports {
            let Some(first) = port.published else { continue };
            // Ensemble members publish consecutive ports.
            let members = role.members.unwrap_or(1);
            if u64::from(first) + members.saturating_sub(1) > u64::from(u16::MAX) {
                errs.push(
                    Diagnostic::at(
                        &port.span,
                        format!("{path}.ports.{}: {members} members publish ports {first} and up, past 65535", port.name),
                    )
                    .help("publish from a lower port"),
                );
                continue;
            }
            let range: Vec<u16> = (0..members).map(|i| first + i as u16).collect();
            if let Some((p, other)) = published.iter().find(|(q, _)| range.contains(q)) {
                errs.push(
                    Diagnostic::at(&port.span, format!("{path}.ports.{}: port {p} is already published by role `{other}`", port.name))
                        .help("host-mode ports bind once per node: publish one of them on another port"),
                );
            } else {
                published.extend(range.into_iter().map(|p| (p, role.name.clone())));
            }
        }
    }
    for hook in &bp.hooks {
        match &hook.action {
            HookAction::Job { workload, colocate, .. } => {
                check_image(workload, &format!("hooks.{}.job", hook.name), errs);
                check_colocate(colocate, &format!("hooks.{}.job", hook.name), &hook.span, errs);
            }
            HookAction::Webhdfs { role, port, span, .. } => {
                let by = Reach { at: span, by: format!("hooks.{}.webhdfs", hook.name), verb: ("to reach", "reached by") };
                check_endpoint(bp, role, port, &by, errs);
            }
        }
        for (dep, span) in &hook.after {
            if !steps.contains(&dep.as_str()) {
                errs.push(Diagnostic::at(span, format!("hooks.{}.after: no role or hook `{dep}`", hook.name)).help(unknown(
                    "roles and hooks",
                    dep,
                    &steps,
                )));
            }
        }
    }
    for (kind, spark) in [("spark", &bp.jobs.spark), ("yarn", &bp.jobs.yarn)] {
        let Some(spark) = spark else { continue };
        check_image(&spark.workload, &format!("jobs.{kind}"), errs);
        check_colocate(&spark.colocate, &format!("jobs.{kind}"), &spark.span, errs);
        if let Some((role, port)) = &spark.tracking {
            let by = Reach { at: &spark.span, by: format!("jobs.{kind}.tracking"), verb: ("to follow applications on", "reached by") };
            check_endpoint(bp, role, port, &by, errs);
        }
    }
    if let Some(storm) = &bp.jobs.storm {
        check_image(&storm.workload, "jobs.storm", errs);
        let by = Reach { at: &storm.span, by: "jobs.storm.ui".into(), verb: ("for the Storm UI", "used by") };
        check_endpoint(bp, &storm.ui_role, &storm.ui_port, &by, errs);
    }
    if let Some(cycle) = find_cycle(bp) {
        let span =
            bp.role(&cycle[0]).map(|r| r.span.clone()).or_else(|| bp.hooks.iter().find(|h| h.name == cycle[0]).map(|h| h.span.clone()));
        let msg = format!("`after` forms a cycle: {}", cycle.join(" → "));
        errs.push(
            match span {
                Some(s) => Diagnostic::at(&s, msg),
                None => Diagnostic::new(msg),
            }
            .help("remove one of these `after` entries"),
        );
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

/// Who reaches a role's port, for messages: `roles.worker.ready` probes it.
struct Reach<'a> {
    at: &'a Span,
    by: String,
    /// ("to probe", "probed by")
    verb: (&'a str, &'a str),
}

/// `target` exists, has `port`, and publishes it: bdprov reaches roles
/// through ports published in host mode on the task's node.
fn check_endpoint(bp: &Blueprint, target: &str, port: &str, reach: &Reach, errs: &mut Diagnostics) {
    let Reach { at, by, verb: (to, done_by) } = reach;
    let Some(t) = bp.role(target) else {
        let roles: Vec<&str> = bp.roles.iter().map(|r| r.name.as_str()).collect();
        let help = match suggest(target, roles.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? (roles: {})", roles.join(", ")),
            None => format!("roles: {}", roles.join(", ")),
        };
        errs.push(Diagnostic::at(at, format!("{by}: no role `{target}` {to}")).help(help));
        return;
    };
    match t.port(port) {
        None => {
            let names: Vec<&str> = t.ports.iter().map(|p| p.name.as_str()).collect();
            let help = match suggest(port, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? (its ports: {})", names.join(", ")),
                None => format!("its ports: {}", names.join(", ")),
            };
            errs.push(Diagnostic::at(at, format!("{by}: role `{target}` has no port `{port}`")).help(help));
        }
        Some(p) if p.published.is_none() => errs.push(
            Diagnostic::at(&p.span, format!("roles.{target}.ports.{port}: {done_by} {by} but not published"))
                .help("bdprov reaches roles through ports published in host mode on the task's node: add `published: <port>`"),
        ),
        Some(_) => {}
    }
}

/// A cycle in the `after` graph, as the list of steps around it.
fn find_cycle(bp: &Blueprint) -> Option<Vec<String>> {
    let deps = |name: &str| -> Vec<String> {
        bp.role(name)
            .map(|r| r.after.iter().map(|(d, _)| d.clone()).collect())
            .or_else(|| bp.hooks.iter().find(|h| h.name == name).map(|h| h.after.iter().map(|(d, _)| d.clone()).collect()))
            .unwrap_or_default()
    };
    fn visit(n: &str, deps: &dyn Fn(&str) -> Vec<String>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(pos) = path.iter().position(|p| p == n) {
            let mut cycle = path[pos..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in deps(n) {
            if let Some(c) = visit(&d, deps, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    let names: Vec<String> = bp.roles.iter().map(|r| r.name.clone()).chain(bp.hooks.iter().map(|h| h.name.clone())).collect();
    names.iter().find_map(|n| visit(n, &deps, &mut Vec::new(), &mut done))
}

pub const NAME_RULE: &str = "use lowercase letters, digits and dashes, starting with a letter (at most 40 characters)";

pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= 40
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.ends_with('-')
}

pub const CPUS_PROBLEM: &str = "expected a positive number of CPUs";
pub const CPUS_HELP: &str = "write e.g. `cpus: 0.5`";
pub const MEMORY_PROBLEM: &str = "expected a size";
pub const MEMORY_HELP: &str = "write a size such as 512m or 2g";

/// `0.5`, `2` → CPUs; anything else (zero, negative, words) is `None`.
pub fn parse_cpus(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|c| *c > 0.0 && c.is_finite())
}

pub const MODE_PROBLEM: &str = "expected an octal mode";
pub const MODE_HELP: &str = "write it like \"755\" or \"1777\" (quoted, so YAML keeps the digits)";

/// `755`, `1777`, `0750` → the mode bits.
pub fn parse_mode(s: &str) -> Option<u32> {
    u32::from_str_radix(s.trim(), 8).ok().filter(|m| *m <= 0o7777)
}

pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// `512m`, `2g`, `1GiB`, `1048576` → bytes.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return None,
    };
    Some((n * mult as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_bytes("512m"), Some(512 << 20));
        assert_eq!(parse_bytes("1GiB"), Some(1 << 30));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("10"), None);
    }

    #[test]
    fn names() {
        assert!(valid_name("spark-standalone"));
        assert!(!valid_name("Spark"));
        assert!(!valid_name("1abc"));
        assert!(!valid_name("a_b"));
    }
}
