//! The decoder's typed accessors: a YAML node read as a mapping, a list,
//! a string, a number, a duration…, each reporting a wrong type at the
//! node's place and leaving the caller to carry on.

use std::time::Duration;

use super::model::*;
use crate::diag::{suggest, Diagnostic, Diagnostics, Span};
use crate::units::{parse_duration, valid_name, NAME_RULE};
use crate::yaml::{Entry, Node, Value};

pub(super) struct Decoder {
    pub(super) errs: Diagnostics,
}

pub(super) struct Endpoint {
    pub(super) role: String,
    pub(super) port: String,
    pub(super) path: Option<Text>,
    pub(super) user: Option<Text>,
}

/// The fields that were given: `field: ~` means "not given", so a blueprint
/// can drop what it inherits through `include:` (`volumes: ~`).
pub(super) fn given(fields: &[Entry]) -> impl Iterator<Item = &Entry> {
    fields.iter().filter(|f| !f.value.is_null())
}

pub(super) fn field<'e>(fields: &'e [Entry], key: &str) -> Option<&'e Entry> {
    given(fields).find(|f| f.key == key)
}

/// The entries of a mapping, reporting unknown keys into `errs`. A null is
/// an empty mapping.
pub(super) fn mapping<'n>(node: &'n Node, path: &str, known: &[&str], errs: &mut Diagnostics) -> Option<&'n [Entry]> {
    match &node.value {
        Value::Null => Some(&[]),
        Value::Map(entries) => {
            for e in entries {
                if !known.contains(&e.key.as_str()) {
                    let help = match suggest(&e.key, known.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("known fields here: {}", known.join(", ")),
                    };
                    errs.push(Diagnostic::at(&e.key_span, format!("{path}: unknown field `{}`", e.key)).help(help));
                }
            }
            Some(entries)
        }
        _ => {
            errs.push(
                Diagnostic::at(&node.span, format!("{path}: expected a mapping, found {}", node.kind()))
                    .help("write `key: value` lines indented under it"),
            );
            None
        }
    }
}

impl Decoder {
    pub(super) fn err(&mut self, span: &Span, msg: impl Into<String>, help: impl Into<String>) {
        self.errs.push(Diagnostic::at(span, msg).help(help));
    }

    /// The entries of a mapping, reporting unknown keys. A null is an empty mapping.
    pub(super) fn map<'n>(&mut self, node: &'n Node, path: &str, known: &[&str]) -> Option<&'n [Entry]> {
        mapping(node, path, known, &mut self.errs)
    }

    /// The entries of a mapping whose keys are names chosen by the user.
    pub(super) fn named<'n>(&mut self, node: &'n Node, path: &str) -> &'n [Entry] {
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

    pub(super) fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match node.as_scalar() {
            Some(s) => Some(s.to_string()),
            None => {
                self.err(&node.span, format!("{path}: expected a string, found {}", node.kind()), "write a single value");
                None
            }
        }
    }

    /// `local` or `official`: the one image set something is for (`what`
    /// says how, for the help: "serve", "need"). `Err` after reporting a
    /// value that is not an image set; `Ok(None)` when not a string.
    pub(super) fn image_set(&mut self, node: &Node, path: &str, what: &str) -> Result<Option<ImageSet>, ()> {
        let Some(i) = self.string(node, path) else { return Ok(None) };
        match ImageSet::parse(&i) {
            Some(set) => Ok(Some(set)),
            None => {
                self.err(
                    &node.span,
                    format!("{path}: `{i}` is not an image set"),
                    format!("write `local` (only the kit's images {what} it) or `official`, or leave it out when both do"),
                );
                Err(())
            }
        }
    }

    pub(super) fn text(&mut self, node: &Node, path: &str) -> Option<Text> {
        self.string(node, path).map(|text| Text { text, span: node.span.clone() })
    }

    pub(super) fn texts(&mut self, node: &Node, path: &str) -> Option<Vec<Text>> {
        match node.items() {
            Some(items) => Some(items.iter().enumerate().filter_map(|(i, n)| self.text(n, &format!("{path}[{i}]"))).collect()),
            None => {
                self.err(&node.span, format!("{path}: expected a list, found {}", node.kind()), "write it as [a, b] or as `- item` lines");
                None
            }
        }
    }

    pub(super) fn strings(&mut self, node: &Node, path: &str) -> Vec<String> {
        self.texts(node, path).unwrap_or_default().into_iter().map(|t| t.text).collect()
    }

    pub(super) fn uint(&mut self, node: &Node, path: &str, max: u64) -> Option<u64> {
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

    pub(super) fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        let v = node.as_bool();
        if v.is_none() {
            self.err(&node.span, format!("{path}: expected true or false, found {}", node.kind()), "write true or false");
        }
        v
    }

    pub(super) fn duration(&mut self, node: &Node, path: &str) -> Option<Duration> {
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

    pub(super) fn env(&mut self, node: &Node, path: &str) -> Vec<(String, Text)> {
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

    pub(super) fn refs(&mut self, node: &Node, path: &str) -> Vec<(String, Span)> {
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

    /// A role's port, and a path or user where `known` allows them; `role`
    /// defaults to `default_role` where there is one.
    pub(super) fn endpoint(&mut self, node: &Node, path: &str, known: &[&str], default_role: Option<&str>) -> Option<Endpoint> {
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
}
