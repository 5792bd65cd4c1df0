//! Aligned text tables: every column as wide as its widest cell, so long
//! names (`resourcemanager.1`) never push the columns after them out of line.
//! Pure: a [`Table`] renders to a `String`.

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Align {
    Left,
    /// Numbers.
    Right,
}

/// A header and rows of cells, rendered with two spaces between columns and
/// no trailing blanks.
#[derive(Clone, Debug, Default)]
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
    indent: usize,
}

impl Table {
    /// A table with these column titles; every column left-aligned.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Table {
        Table {
            header: header.iter().map(|h| h.as_ref().to_string()).collect(),
            align: vec![Align::Left; header.len()],
            ..Default::default()
        }
    }

    /// A table without a header line.
    pub fn headless(columns: usize) -> Table {
        Table { align: vec![Align::Left; columns], ..Default::default() }
    }

    /// Right-align these columns (by index).
    pub fn right(mut self, columns: &[usize]) -> Table {
        for &c in columns {
            if let Some(a) = self.align.get_mut(c) {
                *a = Align::Right;
            }
        }
        self
    }

    /// Spaces before every line.
    pub fn indent(mut self, spaces: usize) -> Table {
        self.indent = spaces;
        self
    }

    /// Add a row; missing cells are empty, extra cells are kept.
    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Table {
        self.rows.push(cells.into_iter().map(|c| c.to_string()).collect());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines, each ending in a newline.
    pub fn render(&self) -> String {
        let lines: Vec<&Vec<String>> = (!self.header.is_empty()).then_some(&self.header).into_iter().chain(&self.rows).collect();
        let columns = lines.iter().map(|l| l.len()).max().unwrap_or(0);
        let widths: Vec<usize> =
            (0..columns).map(|i| lines.iter().filter_map(|l| l.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
        let mut out = String::new();
        for line in lines {
            let cells: Vec<String> = (0..columns)
                .map(|i| {
                    let cell = line.get(i).map(String::as_str).unwrap_or("");
                    let w = widths[i];
                    match self.align.get(i).copied().unwrap_or(Align::Left) {
                        Align::Left => format!("{cell:<w$}"),
                        Align::Right => format!("{cell:>w$}"),
                    }
                })
                .collect();
            out.push_str(&" ".repeat(self.indent));
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_grow_with_their_widest_cell() {
        let mut t = Table::new(&["ROLE", "DESIRED", "UI"]).right(&[1]);
        t.row(["resourcemanager.1", "1", "http://127.0.0.1:8088"]);
        t.row(["nm", "12", ""]);
        assert_eq!(
            t.render(),
            "ROLE               DESIRED  UI\n\
             resourcemanager.1        1  http://127.0.0.1:8088\n\
             nm                      12\n"
        );
    }

    #[test]
    fn headless_indented_and_unicode() {
        let mut t = Table::headless(2).indent(2);
        t.row(["é→", "x"]);
        t.row(["abcd", "y"]);
        assert_eq!(t.render(), "  é→    x\n  abcd  y\n");
        assert!(Table::new(&["A"]).is_empty());
        assert_eq!(Table::new(&["A", "B"]).render(), "A  B\n");
    }
}
