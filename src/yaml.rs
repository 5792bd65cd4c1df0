//! The one place that knows a YAML library.
//!
//! Input is parsed with `yaml-rust2`'s event parser into a [`Node`] tree that
//! keeps the file, line and column of every key and value, so validation can
//! point at the spot and report every problem at once. Output (plans, compose
//! files) is written with `serde_yaml`. Swapping either crate touches only
//! this file.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diag::{Diagnostic, SourceFile, Span};

/// A YAML value and where it was written.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    /// A scalar as written; `plain` is false for quoted and block scalars,
    /// which are always strings.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    /// A plain scalar as a bool, by the YAML 1.2 core schema.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => text.replace('_', "").parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Scalar { text, plain: true } => text.parse().ok(),
            _ => None,
        }
    }

    /// Any scalar as text: `replicas: 3` and `replicas: "3"` both give "3".
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing",
            Value::Scalar { .. } if self.as_bool().is_some() => "a boolean",
            Value::Scalar { .. } if self.as_i64().is_some() => "an integer",
            Value::Scalar { .. } if self.as_f64().is_some() => "a number",
            Value::Scalar { .. } => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The value as JSON, typing plain scalars by the YAML 1.2 core schema.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Scalar { text, plain } => {
                if *plain {
                    if let Some(b) = self.as_bool() {
                        return J::Bool(b);
                    }
                    if let Some(i) = self.as_i64() {
                        return J::from(i);
                    }
                    if let Some(f) = self.as_f64().and_then(serde_json::Number::from_f64) {
                        return J::Number(f);
                    }
                }
                J::String(text.clone())
            }
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(entries.iter().map(|e| (e.key.clone(), e.value.to_json())).collect()),
        }
    }

    /// Lay `over` on top of `self`: mappings merge key by key, anything else is
    /// replaced. Spans follow the values, so an error in a merged tree still
    /// points into the file (or `--set` argument) the value came from.
    pub fn merge(&mut self, over: Node) {
        match (&mut self.value, over.value) {
            (Value::Map(base), Value::Map(top)) => {
                // By index, not by search: a mapping may hold many keys.
                let mut index: HashMap<String, usize> = base.iter().enumerate().map(|(i, e)| (e.key.clone(), i)).collect();
                for entry in top {
                    match index.get(&entry.key) {
                        Some(&i) => base[i].value.merge(entry.value),
                        None => {
                            index.insert(entry.key.clone(), base.len());
                            base.push(entry);
                        }
                    }
                }
            }
            (_, value) => {
                self.value = value;
                self.span = over.span;
            }
        }
    }
}

/// The most values (scalars, lists and mappings, counting every copy an alias
/// makes) one document may hold. A blueprint has a few hundred; the bound
/// keeps a small hostile file ("billion laughs": aliases of aliases that
/// expand exponentially) from keeping the CPU and memory busy.
pub const MAX_NODES: usize = 100_000;

/// The deepest nesting of lists and mappings one document may hold; deeper
/// trees could overflow the stack of the code that walks them.
pub const MAX_DEPTH: usize = 64;

/// Parse one YAML document. An empty document is an empty mapping.
pub fn parse(file: &Arc<SourceFile>) -> Result<Node, Diagnostic> {
    let mut builder = Builder {
        file: Arc::clone(file),
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        error: None,
        nodes: 0,
        stopped: false,
    };
    let mut parser = Parser::new_from_str(&file.text);
    // Event by event rather than `Parser::load`, which recurses once per level
    // of nesting (a deep enough document overflows the stack before any limit
    // of ours is checked), and so a limit stops the parse right there.
    while !builder.stopped {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            Ok((ev, mark)) => builder.on_event(ev, mark),
            Err(e) => {
                let m = e.marker();
                return Err(Diagnostic::at(&Span::new(file, m.line(), m.col() + 1, 1), format!("invalid YAML: {}", e.info()))
                    .help("fix the YAML syntax at this spot (indentation, a missing `:` or a quote)"));
            }
        }
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    match builder.docs.len() {
        0 => Ok(Node::new(Value::Map(Vec::new()), Span::new(file, 1, 1, 1))),
        1 => Ok(builder.docs.pop().expect("one document")),
        _ => Err(Diagnostic::at(&builder.docs[1].span, "more than one YAML document in this file")
            .help("put one blueprint or values document in a file (remove the `---` separator)")),
    }
}

/// Parse a scalar as YAML would, for `--set key=value`.
pub fn scalar(text: &str, span: Span) -> Node {
    let value = match text {
        "" | "~" | "null" => Value::Null,
        _ => Value::Scalar { text: text.to_string(), plain: true },
    };
    Node::new(value, span)
}

/// An open list or mapping; `first` is the node count when it opened, so its
/// size is known when it closes (an alias to it adds that many nodes).
enum Frame {
    Seq { items: Vec<Node>, span: Span, anchor: usize, first: usize },
    Map { entries: Vec<Entry>, keys: HashSet<String>, pending_key: Option<(String, Span)>, span: Span, anchor: usize, first: usize },
}

struct Builder {
    file: Arc<SourceFile>,
    stack: Vec<Frame>,
    /// Anchored nodes and how many nodes each holds.
    anchors: HashMap<usize, (Node, usize)>,
    docs: Vec<Node>,
    error: Option<Diagnostic>,
    /// Nodes in the tree so far, alias copies included.
    nodes: usize,
    /// A limit was hit: the rest of the events are ignored.
    stopped: bool,
}

impl Builder {
    fn span(&self, m: Marker, width: usize) -> Span {
        Span::new(&self.file, m.line(), m.col() + 1, width)
    }

    /// Stop building with `err` (the first error wins, but a limit always stops).
    fn stop(&mut self, err: Diagnostic) {
        self.error = Some(err);
        self.stopped = true;
        self.stack.clear();
        self.anchors.clear();
    }

    /// Count `n` more nodes, refusing the document past [`MAX_NODES`].
    fn count(&mut self, n: usize, span: &Span, alias: bool) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes <= MAX_NODES {
            return true;
        }
        let err = if alias {
            Diagnostic::at(
                span,
                format!(
                    "this alias repeats {n} values, which takes the document past the limit of {MAX_NODES} values \
                     (aliases of aliases can grow exponentially)"
                ),
            )
            .help("write the values out, or use fewer nested aliases (`*name`); a blueprint needs only a few hundred values")
        } else {
            Diagnostic::at(span, format!("the document holds more than the limit of {MAX_NODES} values"))
                .help("split it up: a blueprint needs only a few hundred values")
        };
        self.stop(err);
        false
    }

    fn open(&mut self, span: &Span) -> bool {
        if self.stack.len() < MAX_DEPTH {
            return self.count(1, span, false);
        }
        self.stop(
            Diagnostic::at(span, format!("lists and mappings are nested more than {MAX_DEPTH} deep here, past the limit"))
                .help("flatten the structure: a blueprint nests only a few levels"),
        );
        false
    }

    fn push_node(&mut self, node: Node, anchor: usize, size: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, keys, pending_key, .. }) => match pending_key.take() {
                None => match &node.value {
                    Value::Scalar { text, .. } => *pending_key = Some((text.clone(), node.span.clone())),
                    Value::Null => *pending_key = Some((String::new(), node.span.clone())),
                    _ => {
                        if self.error.is_none() {
                            self.error = Some(
                                Diagnostic::at(&node.span, "a mapping key must be a plain name")
                                    .help("use a scalar such as `replicas` as the key"),
                            );
                        }
                        *pending_key = Some((String::new(), node.span.clone()));
                    }
                },
                Some((key, key_span)) => {
                    if !keys.insert(key.clone()) && self.error.is_none() {
                        self.error = Some(
                            Diagnostic::at(&key_span, format!("`{key}` is given twice in this mapping"))
                                .help("keep one of them; YAML keys must be unique"),
                        );
                    }
                    entries.push(Entry { key, key_span, value: node });
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.stopped {
            return;
        }
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = style == TScalarStyle::Plain;
                let width = if plain { text.chars().count() } else { text.lines().next().map_or(1, |l| l.chars().count() + 2) };
                let span = self.span(mark, width);
                if !self.count(1, &span, false) {
                    return;
                }
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                    Value::Null
                } else {
                    Value::Scalar { text, plain }
                };
                self.push_node(Node::new(value, span), anchor, 1);
            }
            Event::SequenceStart(anchor, _) => {
                let span = self.span(mark, 1);
                if self.open(&span) {
                    let first = self.nodes;
                    self.stack.push(Frame::Seq { items: Vec::new(), span, anchor, first });
                }
            }
            Event::MappingStart(anchor, _) => {
                let span = self.span(mark, 1);
                if self.open(&span) {
                    let first = self.nodes;
                    self.stack.push(Frame::Map { entries: Vec::new(), keys: HashSet::new(), pending_key: None, span, anchor, first });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, first) = match self.stack.pop() {
                    Some(Frame::Seq { items, span, anchor, first }) => (Node::new(Value::Seq(items), span), anchor, first),
                    Some(Frame::Map { entries, span, anchor, first, .. }) => {
                        // A block mapping's start mark is unreliable; its first key is where it is.
                        let span = entries.first().map(|e| e.key_span.clone()).unwrap_or(span);
                        (Node::new(Value::Map(entries), span), anchor, first)
                    }
                    None => return,
                };
                // The opening node was counted before `first` was taken.
                let size = self.nodes - first + 1;
                self.push_node(node, anchor, size);
            }
            Event::Alias(id) => {
                let span = self.span(mark, 1);
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return self.push_node(Node::new(Value::Null, span), 0, 1);
                };
                // Counted before the copy is made: the copy is what would be too big.
                if !self.count(size, &span, true) {
                    return;
                }
                let mut node = self.anchors[&id].0.clone();
                node.span = span;
                self.push_node(node, 0, size);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

/// Write a serializable value as YAML (plans, compose files).
pub fn to_string<T: serde::Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).expect("plain data always serializes to YAML")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Node {
        parse(&SourceFile::new("t.yaml", text)).unwrap()
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let n = p("a: 1\nroles:\n  worker:\n    replicas: two\n");
        let worker = n.get("roles").unwrap().get("worker").unwrap();
        let e = &worker.entries().unwrap()[0];
        assert_eq!((e.key_span.line, e.key_span.col), (4, 5));
        assert_eq!((e.value.span.line, e.value.span.col), (4, 15));
        assert_eq!(e.value.as_i64(), None);
        assert_eq!(n.get("a").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn quoted_numbers_stay_strings() {
        let n = p("a: \"1\"\nb: 1\nc: ~\n");
        assert_eq!(n.to_json(), serde_json::json!({"a": "1", "b": 1, "c": null}));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = parse(&SourceFile::new("t.yaml", "a: 1\na: 2\n")).unwrap_err();
        assert!(e.message.contains("given twice"), "{e}");
        assert_eq!(e.span.unwrap().line, 2);
    }

    #[test]
    fn syntax_errors_point_at_the_spot() {
        let e = parse(&SourceFile::new("t.yaml", "a: [1\nb: 2")).unwrap_err();
        assert_eq!(e.span.as_ref().unwrap().line, 2);
        assert!(e.message.starts_with("invalid YAML"));
    }

    #[test]
    fn aliases_are_copies_within_the_limit() {
        let n = p("a: &x {k: [1, 2]}\nb: *x\n");
        assert_eq!(n.get("b").unwrap().to_json(), serde_json::json!({"k": [1, 2]}));
        assert_eq!(n.get("b").unwrap().span.line, 2);
        // Ten levels of ten aliases each would be 10^10 values.
        let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*l{}", i - 1);
            text.push_str(&format!("l{i}: &l{i} [{}]\n", [prev.as_str(); 10].join(", ")));
        }
        let e = parse(&SourceFile::new("t.yaml", text)).unwrap_err();
        assert!(e.message.contains("alias") && e.message.contains(&MAX_NODES.to_string()), "{e}");
        assert_eq!(e.span.unwrap().line, 5);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = format!("a: {}1{}\n", "[".repeat(200), "]".repeat(200));
        let e = parse(&SourceFile::new("t.yaml", text)).unwrap_err();
        assert!(e.message.contains("nested"), "{e}");
        let e = parse(&SourceFile::new("t.yaml", format!("a:\n  {}x\n", "- ".repeat(50_000)))).unwrap_err();
        assert!(e.message.contains("nested") && e.message.contains(&MAX_DEPTH.to_string()), "{e}");
    }

    #[test]
    fn merge_is_deep_for_mappings() {
        let mut base = p("roles:\n  w:\n    replicas: 2\n    image: x\n");
        base.merge(p("roles:\n  w:\n    replicas: 3\n"));
        assert_eq!(base.to_json(), serde_json::json!({"roles": {"w": {"replicas": 3, "image": "x"}}}));
    }
}
