//! Markdown rendering of a [`Document`]: for reading in a plain editor, pasting into a draft,
//! or a review of what changed between two years (a text diff). Headings by level, paragraphs,
//! pipe tables (merged cells are repeated: Markdown has no spans), links kept where the
//! document has them.

use crate::document::{Block, Cell, Document, Table};
use std::fmt::Write;

pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", inline(&doc.title));
    if let Some(number) = &doc.number {
        let _ = writeln!(out, "{}\n", inline(number));
    }
    if let Some(addressee) = &doc.addressee {
        let _ = writeln!(out, "{}\n", inline(addressee));
    }
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let marks = "#".repeat(usize::from((*level).clamp(1, 3)) + 1);
                let _ = writeln!(out, "{marks} {}\n", inline(text));
            }
            Block::Paragraph { text } => {
                let _ = writeln!(out, "{}\n", inline(text));
            }
            Block::Spans { spans } => {
                for span in spans {
                    match span.link.as_deref().filter(|h| crate::html::safe_href(h)) {
                        Some(href) => {
                            let _ = write!(out, "[{}]({})", inline(&span.text), href.trim());
                        }
                        None => out.push_str(&inline(&span.text)),
                    }
                }
                out.push_str("\n\n");
            }
            Block::Table(table) => table_of(&mut out, table),
        }
    }
    if let Some(signature) = &doc.signature {
        let _ = writeln!(
            out,
            "<div align=\"right\">{}<br>{}</div>",
            inline(&signature.issuer),
            inline(&signature.date)
        );
    }
    out
}

fn table_of(out: &mut String, table: &Table) {
    if let Some(caption) = &table.caption {
        let _ = writeln!(out, "**{}**\n", inline(caption));
    }
    let header = grid(&table.header);
    let rows = grid(&table.rows);
    let width = header.iter().chain(&rows).map(Vec::len).max().unwrap_or(0);
    if width == 0 {
        return;
    }
    // The last header row names the columns (the rows above it are spanning group headings).
    let names = header
        .last()
        .cloned()
        .unwrap_or_else(|| vec![String::new(); width]);
    row_of(out, &names, width);
    let _ = writeln!(out, "|{}", " --- |".repeat(width));
    for row in &rows {
        row_of(out, row, width);
    }
    out.push('\n');
}

fn row_of(out: &mut String, cells: &[String], width: usize) {
    out.push('|');
    for i in 0..width {
        let _ = write!(out, " {} |", cells.get(i).map_or("", String::as_str));
    }
    out.push('\n');
}

/// A table's rows with its merged cells spread over the positions they cover.
fn grid(rows: &[Vec<Cell>]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<Option<String>>> = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        if out.len() <= r {
            out.resize(r + 1, Vec::new());
        }
        let mut col = 0;
        for cell in row {
            while out[r].get(col).is_some_and(Option::is_some) {
                col += 1;
            }
            let text = match cell.link.as_deref().filter(|h| crate::html::safe_href(h)) {
                Some(href) => format!("[{}]({})", inline(&cell.text), href.trim()),
                None => inline(&cell.text),
            };
            for dr in 0..usize::from(cell.row_span.max(1)) {
                let line = r + dr;
                if out.len() <= line {
                    out.resize(line + 1, Vec::new());
                }
                for dc in 0..usize::from(cell.col_span.max(1)) {
                    let at = col + dc;
                    if out[line].len() <= at {
                        out[line].resize(at + 1, None);
                    }
                    out[line][at] = Some(text.clone());
                }
            }
            col += usize::from(cell.col_span.max(1));
        }
    }
    out.into_iter()
        .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
        .collect()
}

/// Text safe inside a Markdown line: the characters that would start markup are escaped and
/// line breaks kept as breaks.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("  \n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Span;

    #[test]
    fn renders_headings_links_and_merged_cells() {
        let doc = Document {
            title: "报告".into(),
            number: None,
            addressee: None,
            blocks: vec![
                Block::Heading {
                    level: 1,
                    text: "一、概况".into(),
                },
                Block::Spans {
                    spans: vec![
                        Span::text("收到申请"),
                        Span {
                            text: "9".into(),
                            link: Some("/console/cases?figure=x".into()),
                        },
                        Span {
                            text: "件*".into(),
                            link: Some("javascript:alert(1)".into()),
                        },
                    ],
                },
                Block::Table(Table {
                    caption: None,
                    header: vec![vec![Cell::text("指标"), Cell::text("数值")]],
                    rows: vec![
                        vec![Cell::text("a|b").span(1, 2), Cell::number(3)],
                        vec![Cell::number(4)],
                    ],
                }),
            ],
            signature: None,
        };
        let md = render(&doc);
        assert!(md.starts_with("# 报告\n"), "{md}");
        assert!(md.contains("## 一、概况"), "{md}");
        assert!(
            md.contains("收到申请[9](/console/cases?figure=x)件\\*"),
            "{md}"
        );
        assert!(!md.contains("javascript"), "{md}");
        assert!(md.contains("| a\\|b | 3 |\n| a\\|b | 4 |"), "{md}");
    }
}
