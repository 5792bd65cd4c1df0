//! From a merged YAML tree to the validated [`Blueprint`]: the top level,
//! images and the fields roles and jobs share. Sections are decoded in
//! [`super::roles`], [`super::hooks`] and [`super::jobs`]; the checks
//! across sections are in [`super::check`].
//!
//! Problems are collected rather than stopping at the first: every section
//! is decoded and all its type, missing-field and unknown-field problems
//! come back together. The cross-section checks (roles, ports and images
//! that must exist, `after` cycles, port clashes) run only once the
//! sections decoded cleanly, so a blueprint with a typo in one field
//! reports that first and its reference problems on the next run.

use super::fields::*;
use super::model::*;
use super::read::{given, Decoder};
use crate::diag::{Diagnostics, Span};
use crate::units::{valid_name, NAME_RULE};
use crate::yaml::{Entry, Node};

/// Decode a merged blueprint tree. `includes` already went into the tree.
pub fn decode(root: &Node) -> Result<Blueprint, Diagnostics> {
    let mut d = Decoder { errs: Diagnostics::default() };
    let bp = d.blueprint(root);
    if let (Some(bp), true) = (&bp, d.errs.is_empty()) {
        super::check::check_references(bp, &mut d.errs);
    }
    let bp = d.errs.finish(bp)?;
    Ok(bp.expect("a blueprint is missing only when errors were reported"))
}

impl Decoder {
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
        Some(Blueprint { name: name?, description, network, images, values, value_spans, roles, hooks, jobs })
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
