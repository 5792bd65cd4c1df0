//! Diagnostics that point at the spot: a file (or `--set` argument), a line and
//! a column, what is wrong, and what to do about it.
//!
//! Every input error bdprov reports goes through [`Diagnostic`], so blueprint
//! files, values files, `--set` arguments and templates all read the same way:
//!
//! ```text
//! error: roles.worker: unknown field `replica`
//!   --> blueprints/spark-standalone.yaml:22:5
//!    |
//! 22 |     replica: 3
//!    |     ^^^^^^^
//!    = help: did you mean `replicas`?
//! ```

use std::fmt;
use std::sync::Arc;

/// A piece of text bdprov reads input from: a file, or a command-line argument.
#[derive(Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// What to call it in messages: a path as the user gave it, `--set`, or
    /// `builtin:spark-standalone`.
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile { name: name.into(), text: text.into() })
    }
}

/// A place in a [`SourceFile`]: 1-based line, 1-based column, and a width in
/// characters for the caret line.
#[derive(Clone, Debug)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub line: usize,
    pub col: usize,
    pub width: usize,
}

impl Span {
    pub fn new(file: &Arc<SourceFile>, line: usize, col: usize, width: usize) -> Span {
        Span { file: Arc::clone(file), line, col, width: width.max(1) }
    }

    /// The whole of a one-line source, such as a `--set` argument.
    pub fn whole(file: &Arc<SourceFile>) -> Span {
        let width = file.text.lines().next().map(|l| l.chars().count()).unwrap_or(1);
        Span::new(file, 1, 1, width)
    }
}

impl PartialEq for Span {
    fn eq(&self, other: &Span) -> bool {
        Arc::ptr_eq(&self.file, &other.file) && self.line == other.line && self.col == other.col
    }
}

/// One problem, with where it is and what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic { message: message.into(), span: None, help: None }
    }

    pub fn at(span: &Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { message: message.into(), span: Some(span.clone()), help: None }
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if let Some(span) = &self.span {
            let gutter = span.line.to_string().len();
            let pad = " ".repeat(gutter);
            writeln!(f, "{pad}--> {}:{}:{}", span.file.name, span.line, span.col)?;
            if let Some(text) = span.file.text.lines().nth(span.line.saturating_sub(1)) {
                let (text, col, width) = window(text.trim_end(), span.col.max(1), span.width);
                writeln!(f, "{pad} |")?;
                writeln!(f, "{} | {}", span.line, text)?;
                writeln!(f, "{pad} | {}{}", " ".repeat(col - 1), "^".repeat(width))?;
            }
            if let Some(help) = &self.help {
                writeln!(f, "{pad} = help: {help}")?;
            }
        } else if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// The most characters of a source line a diagnostic shows.
pub const MAX_SHOWN: usize = 120;

/// The part of `line` worth showing for a span at `col` (1-based, in
/// characters) of `width`: the whole line when it is short, else a window of
/// about [`MAX_SHOWN`] characters around the column, each cut marked with `…`.
/// Returns the text, the column and the caret width within it.
fn window(line: &str, col: usize, width: usize) -> (String, usize, usize) {
    let len = line.chars().count();
    let fit = |col: usize, shown: usize| width.min(shown.saturating_sub(col - 1)).max(1);
    if len <= MAX_SHOWN {
        return (line.to_string(), col, fit(col, len));
    }
    // Some context before the column, the rest after it.
    let before = MAX_SHOWN / 3;
    let start = (col - 1).saturating_sub(before).min(len.saturating_sub(MAX_SHOWN));
    let start = start.min(col - 1);
    let end = (start + MAX_SHOWN).min(len);
    let mut text: String = line.chars().skip(start).take(end - start).collect();
    let mut col = col - start;
    if start > 0 {
        text.insert(0, '…');
        col += 1;
    }
    let shown = text.chars().count();
    if end < len {
        text.push('…');
    }
    (text, col, fit(col, shown))
}

/// All the problems found in one pass over the input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `Ok(value)` when nothing was reported, else all the diagnostics, in
    /// the order they appear in their files.
    pub fn finish<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            return Ok(value);
        }
        self.0.sort_by(|a, b| {
            let key = |d: &Diagnostic| d.span.as_ref().map(|s| (s.file.name.clone(), s.line, s.col));
            key(a).cmp(&key(b))
        });
        Err(self)
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        if self.0.len() > 1 {
            writeln!(f, "\n{} problems found; nothing was changed in the swarm.", self.0.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The help for `word`, which is none of `known`: ``did you mean `x`?`` when
/// one is close (listing `known` after it as `(WHAT: a, b)` when `what` is
/// given), else `otherwise`. Every "did you mean" bdprov prints comes from here.
pub fn did_you_mean(word: &str, known: &[&str], what: Option<&str>, otherwise: impl FnOnce() -> String) -> String {
    match (suggest(word, known.iter().copied()), what) {
        (Some(s), Some(what)) => format!("did you mean `{s}`? ({what}: {})", known.join(", ")),
        (Some(s), None) => format!("did you mean `{s}`?"),
        (None, _) => otherwise(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_snippet_and_caret() {
        let file = SourceFile::new("x.yaml", "roles:\n  worker:\n    replica: 3\n");
        let d = Diagnostic::at(&Span::new(&file, 3, 5, 7), "unknown field `replica`").help("did you mean `replicas`?");
        assert_eq!(
            d.to_string(),
            "error: unknown field `replica`\n --> x.yaml:3:5\n  |\n3 |     replica: 3\n  |     ^^^^^^^\n  = help: did you mean `replicas`?\n"
        );
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_with_the_caret_in_place() {
        let line = format!("{}replica: 3{}", "a".repeat(5000), "b".repeat(5000));
        let file = SourceFile::new("x.yaml", format!("roles:\n{line}\n"));
        let d = Diagnostic::at(&Span::new(&file, 2, 5001, 7), "unknown field `replica`");
        let text = d.to_string();
        let lines: Vec<&str> = text.lines().collect();
        let (source, caret) = (lines[3], lines[4]);
        assert!(source.chars().count() < MAX_SHOWN + 10, "{source}");
        assert!(source.starts_with("2 | …") && source.ends_with('…'), "{source}");
        let at = caret.chars().position(|c| c == '^').unwrap();
        assert_eq!(source.chars().skip(at).take(7).collect::<String>(), "replica");
        assert_eq!(caret.matches('^').count(), 7);
        // Near either end, only the other end is cut.
        let (t, c, w) = window(&line, 1, 3);
        assert!(!t.starts_with('…') && t.ends_with('…') && c == 1 && w == 3, "{t}");
        let (t, c, _) = window(&line, line.chars().count(), 1);
        assert!(t.starts_with('…') && !t.ends_with('…'), "{t}");
        assert_eq!(t.chars().nth(c - 1), Some('b'));
        // Past the end of the line (an error at the end of the file) still draws a caret.
        let (t, c, w) = window(&line, line.chars().count() + 5, 1);
        assert!(t.starts_with('…') && c > 1 && w == 1, "{t}");
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(suggest("replica", ["image", "replicas"]), Some("replicas"));
        assert_eq!(suggest("wroker", ["master", "worker", "history"]), Some("worker"));
        assert_eq!(suggest("zzz", ["master", "worker"]), None);
    }

    #[test]
    fn did_you_mean_lists_the_known_names_when_asked() {
        let known = ["master", "worker"];
        assert_eq!(did_you_mean("wroker", &known, Some("roles"), String::new), "did you mean `worker`? (roles: master, worker)");
        assert_eq!(did_you_mean("wroker", &known, None, String::new), "did you mean `worker`?");
        assert_eq!(did_you_mean("zzz", &known, Some("roles"), || "roles: master, worker".into()), "roles: master, worker");
    }
}
