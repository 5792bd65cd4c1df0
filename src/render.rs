//! Tera rendering, pure: config-file templates and the template expressions
//! allowed in blueprint strings (`{{ values.heap }}`).
//!
//! Swarm's own Go templates (`{{.Task.Slot}}`, `{{.Node.Hostname}}`) pass
//! through untouched: Tera never sees them, the swarm node agent expands them.
//! Built-in templates are embedded; a `templates/` folder next to a user's
//! blueprint adds to and overrides them. Besides Tera's own filters there is
//! `xml`, which escapes any value (string, number, bool) for XML text.

use std::collections::BTreeMap;
use std::sync::Arc;

use tera::{Context, ErrorKind, Tera};

use crate::blueprint::Text;
use crate::diag::{Diagnostic, SourceFile, Span};

/// Templates shipped in the binary (from `templates/`).
pub const BUILTIN: &[(&str, &str)] = &[
    ("hadoop/configuration.xml", include_str!("../templates/hadoop/configuration.xml")),
    ("hadoop/core-site.xml", include_str!("../templates/hadoop/core-site.xml")),
    ("hadoop/hdfs-site.xml", include_str!("../templates/hadoop/hdfs-site.xml")),
    ("hadoop/hdfs-ha.xml", include_str!("../templates/hadoop/hdfs-ha.xml")),
    ("hadoop/mapred-site.xml", include_str!("../templates/hadoop/mapred-site.xml")),
    ("hadoop/yarn-site.xml", include_str!("../templates/hadoop/yarn-site.xml")),
    ("spark/spark-defaults.conf", include_str!("../templates/spark/spark-defaults.conf")),
    ("spark/metrics.properties", include_str!("../templates/spark/metrics.properties")),
    ("spark/jmx-exporter.yaml", include_str!("../templates/spark/jmx-exporter.yaml")),
    ("registry/config.yml", include_str!("../templates/registry/config.yml")),
    ("storm/storm.yaml", include_str!("../templates/storm/storm.yaml")),
    ("storm/jmx-exporter.yaml", include_str!("../templates/storm/jmx-exporter.yaml")),
    ("storm/jmx-worker.yaml", include_str!("../templates/storm/jmx-worker.yaml")),
    ("web/relay.py", include_str!("../templates/web/relay.py")),
    ("web/relay_metrics.py", include_str!("../templates/web/relay_metrics.py")),
    ("monitoring/prometheus.yml", include_str!("../templates/monitoring/prometheus.yml")),
    ("monitoring/rules.yml", include_str!("../templates/monitoring/rules.yml")),
    ("monitoring/alertmanager.yml", include_str!("../templates/monitoring/alertmanager.yml")),
    ("zookeeper/relay.py", include_str!("../templates/zookeeper/relay.py")),
];

/// Items all `range()` calls of one rendering may make together. Nested
/// loops over ranges are what make a template run for hours; real templates
/// use a few dozen.
pub const RANGE_BUDGET: usize = 100_000;

thread_local! {
    static RANGE_LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(RANGE_BUDGET) };
}

/// Tera's `range(start=0, end, step_by=1)`, counted against [`RANGE_BUDGET`].
fn range(kwargs: tera::Kwargs, _: &tera::State) -> tera::TeraResult<Vec<i128>> {
    let start = kwargs.get::<i128>("start")?.unwrap_or_default();
    let end = kwargs.must_get::<i128>("end")?;
    let step = kwargs.get::<i128>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(tera::Error::message("`range` was called with `step_by=0`"));
    }
    let span = if step > 0 { end.saturating_sub(start) } else { start.saturating_sub(end) };
    let len = (span.max(0) as u128).div_ceil(step.unsigned_abs());
    let left = RANGE_LEFT.get();
    if len > left as u128 {
        return Err(tera::Error::message(format!(
            "`range` would make {len} more items, past the limit of {RANGE_BUDGET} for all ranges of one template together \
             (loops over ranges inside loops grow fast)"
        )));
    }
    RANGE_LEFT.set(left - len as usize);
    Ok((0..len as i128).map(|i| start + i * step).collect())
}

pub struct Renderer {
    tera: Tera,
    sources: BTreeMap<String, Arc<SourceFile>>,
}

impl Renderer {
    /// Built-in templates, overlaid by the user's (`name`, text) pairs.
    pub fn new(user: Vec<(String, Arc<SourceFile>)>) -> Result<Renderer, Diagnostic> {
        let mut sources: BTreeMap<String, Arc<SourceFile>> =
            BUILTIN.iter().map(|(n, t)| (n.to_string(), SourceFile::new(format!("templates/{n}"), *t))).collect();
        sources.extend(user);
        let mut tera = Tera::default();
        // Escaping is explicit (`| xml`): config files are not HTML.
        tera.autoescape_on(Vec::<&str>::new());
        tera.register_filter("xml", |v: tera::Value, _: tera::Kwargs, _: &tera::State| {
            xml_escape(&v.as_str().map_or_else(|| v.to_string(), String::from))
        });
        // Tera caps one `range` at 100,000 items, but not loops in loops.
        tera.register_function("range", range);
        // Tera checks a template's includes when it is added, so one that
        // includes a template later in name order waits for another pass.
        let mut pending: Vec<(&String, &Arc<SourceFile>)> = sources.iter().collect();
        loop {
            let mut failed = Vec::new();
            for &(name, file) in &pending {
                let (protected, _) = protect(&file.text);
                if let Err(e) = tera.add_raw_template(name, &protected) {
                    failed.push((name, file, e));
                }
            }
            match failed.first() {
                None => break,
                Some((_, file, e)) if failed.len() == pending.len() => return Err(to_diagnostic(e, file)),
                Some(_) => pending = failed.into_iter().map(|(n, f, _)| (n, f)).collect(),
            }
        }
        Ok(Renderer { tera, sources })
    }

    /// The text of template `name`, for pointing into it.
    pub fn source(&self, name: &str) -> Option<&Arc<SourceFile>> {
        self.sources.get(name)
    }

    pub fn template_names(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// Render template file `name`; `at` is where the blueprint asks for it.
    pub fn file(&self, name: &str, ctx: &Context, at: &Span) -> Result<String, Diagnostic> {
        let Some(file) = self.sources.get(name) else {
            let names: Vec<&str> = self.template_names().collect();
            let help = crate::diag::did_you_mean(name, &names, None, || {
                format!("templates: {}; or put the file in a templates/ folder next to your blueprint", names.join(", "))
            });
            return Err(Diagnostic::at(at, format!("no template `{name}`")).help(help));
        };
        let (_, held) = protect(&file.text);
        RANGE_LEFT.set(RANGE_BUDGET);
        let out = self.tera.render(name, ctx).map_err(|e| to_diagnostic(&e, file))?;
        Ok(restore(&out, &held))
    }

    /// Render a blueprint string. Errors point into the blueprint.
    pub fn text(&self, t: &Text, ctx: &Context) -> Result<String, Diagnostic> {
        if !t.text.contains("{{") && !t.text.contains("{%") {
            return Ok(t.text.clone());
        }
        let (protected, held) = protect(&t.text);
        RANGE_LEFT.set(RANGE_BUDGET);
        match self.tera.render_str(&protected, ctx, false) {
            Ok(out) => Ok(restore(&out, &held)),
            Err(e) => {
                let msg = match e.kind() {
                    ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => r.message().to_string(),
                    other => other.to_string(),
                };
                Err(Diagnostic::at(&t.span, format!("in `{}`: {msg}", t.text)).help(
                    "template expressions can use cluster, values, roles and role; swarm placeholders such as {{.Task.Slot}} pass through",
                ))
            }
        }
    }
}

/// A Tera error, placed in `file`.
fn to_diagnostic(e: &tera::Error, file: &Arc<SourceFile>) -> Diagnostic {
    match e.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let s = r.span();
            let width = if s.start_line == s.end_line { s.end_col.saturating_sub(s.start_col) } else { 1 };
            Diagnostic::at(&Span::new(file, s.start_line, s.start_col + 1, width), format!("template {}: {}", file.name, r.message()))
                .help("template variables: cluster, values, roles, role (see `bdprov render --format plan`)")
        }
        other => Diagnostic::new(format!("template {}: {other}", file.name)),
    }
}

/// `a&b<c` → `a&amp;b&lt;c`: safe as XML element text and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

const HOLD_OPEN: char = '\u{E000}';
const HOLD_CLOSE: char = '\u{E001}';

/// Replace swarm Go templates (`{{.Task.Slot}}`, `{{ .Node.ID }}`) by markers
/// Tera passes through; returns the text and what was held back.
fn protect(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut held = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let is_go = after.trim_start().starts_with('.');
        match (is_go, after.find("}}")) {
            (true, Some(end)) => {
                out.push_str(&rest[..start]);
                out.push(HOLD_OPEN);
                out.push_str(&held.len().to_string());
                out.push(HOLD_CLOSE);
                held.push(rest[start..start + 2 + end + 2].to_string());
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, held)
}

fn restore(text: &str, held: &[String]) -> String {
    if held.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(HOLD_OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + HOLD_OPEN.len_utf8()..];
        let end = after.find(HOLD_CLOSE).unwrap_or(after.len());
        match after[..end].parse::<usize>().ok().and_then(|i| held.get(i)) {
            Some(orig) => out.push_str(orig),
            None => out.push_str(&after[..end]),
        }
        rest = &after[(end + HOLD_CLOSE.len_utf8()).min(after.len())..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Text {
        Text { text: s.into(), span: Span::whole(&SourceFile::new("t", s)) }
    }

    #[test]
    fn swarm_templates_pass_through() {
        let r = Renderer::new(vec![]).unwrap();
        let mut ctx = Context::new();
        ctx.insert("x", &3);
        assert_eq!(r.text(&text("w-{{.Task.Slot}}-{{ x }}-{{ .Node.ID }}"), &ctx).unwrap(), "w-{{.Task.Slot}}-3-{{ .Node.ID }}");
    }

    #[test]
    fn undefined_variables_are_errors_at_the_blueprint_spot() {
        let r = Renderer::new(vec![]).unwrap();
        let e = r.text(&text("{{ values.nope }}"), &Context::new()).unwrap_err();
        assert!(e.message.contains("values.nope"), "{e}");
    }

    #[test]
    fn hadoop_sites_list_every_property_escaped_and_skip_nulls() {
        let r = Renderer::new(vec![]).unwrap();
        let mut ctx = Context::new();
        ctx.insert("cluster", &serde_json::json!({"name": "c"}));
        ctx.insert("values", &serde_json::json!({"core_site": {"fs.defaultFS": "hdfs://namenode:8020", "x.n": 3, "x.b": true, "x.esc": "a&b<c", "x.gone": null}}));
        let at = Span::whole(&SourceFile::new("t", "t"));
        let xml = r.file("hadoop/core-site.xml", &ctx, &at).unwrap();
        assert!(xml.contains("<property><name>fs.defaultFS</name><value>hdfs://namenode:8020</value></property>"), "{xml}");
        assert!(xml.contains("<name>x.n</name><value>3</value>") && xml.contains("<name>x.b</name><value>true</value>"), "{xml}");
        assert!(xml.contains("<value>a&amp;b&lt;c</value>"), "{xml}");
        assert!(!xml.contains("x.gone"), "a null property is left out: {xml}");
        // Blueprint order is kept, so a file's content (and its config's name) is stable.
        assert!(xml.find("fs.defaultFS").unwrap() < xml.find("x.n").unwrap());
    }

    #[test]
    fn an_hdfs_site_with_a_nameservice_derives_the_ha_properties_and_the_values_win() {
        // A user template that includes one later in name order.
        let user = vec![
            ("a.conf".to_string(), SourceFile::new("my/templates/a.conf", "{% include \"z.conf\" %}")),
            ("z.conf".to_string(), SourceFile::new("my/templates/z.conf", "z")),
        ];
        let r = Renderer::new(user).unwrap();
        let at = Span::whole(&SourceFile::new("t", "t"));
        assert_eq!(r.file("a.conf", &Context::new(), &at).unwrap(), "z");
        let members = |role: &str, n: u64| -> Vec<serde_json::Value> {
            (1..=n).map(|id| serde_json::json!({"id": id, "host": format!("{role}-{id}")})).collect()
        };
        let mut ctx = Context::new();
        ctx.insert("cluster", &serde_json::json!({"name": "c"}));
        ctx.insert("values", &serde_json::json!({"nameservice": "ns", "hdfs_site": {"dfs.ha.fencing.methods": "shell(/bin/true)"}}));
        ctx.insert(
            "roles",
            &serde_json::json!({
                "namenode": {"members": members("namenode", 2), "ports": {"rpc": 8020, "http": 9870}},
                "journalnode": {"members": members("journalnode", 3), "ports": {"rpc": 8485}},
                "zookeeper": {"members": members("zookeeper", 1), "ports": {"client": 2181}},
            }),
        );
        let xml = r.file("hadoop/hdfs-site.xml", &ctx, &at).unwrap();
        for (name, value) in [
            ("dfs.nameservices", "ns"),
            ("dfs.ha.namenodes.ns", "nn1,nn2"),
            ("dfs.namenode.rpc-address.ns.nn2", "namenode-2:8020"),
            ("dfs.namenode.http-address.ns.nn1", "namenode-1:9870"),
            ("dfs.namenode.shared.edits.dir", "qjournal://journalnode-1:8485;journalnode-2:8485;journalnode-3:8485/ns"),
            ("ha.zookeeper.quorum", "zookeeper-1:2181"),
        ] {
            assert!(xml.contains(&format!("<property><name>{name}</name><value>{value}</value></property>")), "{name}: {xml}");
        }
        // Hadoop takes the last of a property given twice: values come last.
        assert!(xml.find("ha.zookeeper.quorum").unwrap() < xml.find("dfs.ha.fencing.methods").unwrap(), "{xml}");
        assert!(!xml.contains("</property>\n\n"), "no blank line between properties: {xml}");
        // Without a nameservice, nothing of HA.
        ctx.insert("values", &serde_json::json!({"hdfs_site": {"dfs.replication": 2}}));
        assert!(!r.file("hadoop/hdfs-site.xml", &ctx, &at).unwrap().contains("dfs.nameservices"));
    }

    #[test]
    fn template_errors_name_the_template_file_and_line() {
        let user = vec![("x.conf".to_string(), SourceFile::new("my/templates/x.conf", "a\nb {{ values.missing }}\n"))];
        let r = Renderer::new(user).unwrap();
        let mut ctx = Context::new();
        ctx.insert("values", &serde_json::json!({}));
        let e = r.file("x.conf", &ctx, &Span::whole(&SourceFile::new("t", "t"))).unwrap_err();
        let span = e.span.unwrap();
        assert_eq!((span.file.name.as_str(), span.line), ("my/templates/x.conf", 2));
    }
}
