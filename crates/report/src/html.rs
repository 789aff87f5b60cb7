//! HTML rendering of a [`Document`]: a standalone printable page (for download) and a body
//! fragment (for embedding in a console page, styled by the console's own stylesheet through
//! the `doc-*` classes; it carries no inline style).
//!
//! Every text is HTML-escaped; links are kept only when they are relative or http(s).

use crate::document::{Block, Cell, Document, Span, Table};
use std::fmt::Write;

/// The page's stylesheet: the official layout (GB/T 9704) approximated in CSS, A4 when printed.
const STYLE: &str = r#"
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
html { background: #f3f3f3; }
body { margin: 0; color: #000; font-family: "仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 28.95pt; }
.official-document { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 10mm auto; padding: 37mm 26mm 35mm 28mm; background: #fff; box-shadow: 0 0 4px rgba(0,0,0,.2); }
.doc-title { margin: 0; font-family: "方正小标宋简体", "方正小标宋_GBK", "华文中宋", "STZhongsong", "Noto Serif CJK SC", serif; font-size: 22pt; font-weight: normal; line-height: 35pt; text-align: center; }
.doc-number { margin: 0 0 28.95pt; text-align: center; }
.doc-addressee { margin: 0; }
.doc-paragraph { margin: 0; text-indent: 2em; text-align: justify; }
.doc-heading { margin: 0; font-size: 16pt; font-weight: normal; text-indent: 2em; }
.doc-heading-1 { font-family: "黑体", "SimHei", "Noto Sans CJK SC", sans-serif; }
.doc-heading-2 { font-family: "楷体_GB2312", "楷体", "KaiTi", "STKaiti", serif; }
.doc-heading-3 { font-weight: bold; }
.doc-table { width: 100%; margin: 8pt 0; border-collapse: collapse; font-size: 12pt; line-height: 18pt; }
.doc-table caption { font-family: "黑体", "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 14pt; line-height: 24pt; }
.doc-table th, .doc-table td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: middle; }
.doc-table th { font-weight: bold; text-align: center; }
.doc-table td { text-align: left; }
.doc-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.doc-table a { color: inherit; }
.doc-signature { margin-top: 28.95pt; padding-right: 4em; text-align: right; }
.doc-signature-box { display: inline-block; text-align: center; }
.doc-signature p { margin: 0; }
@media print {
  html { background: none; }
  .official-document { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
  .doc-table a { text-decoration: none; }
}
"#;

/// A complete HTML page for the document, with its own stylesheet and no external resource.
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&doc.title));
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str("</head>\n<body>\n");
    out.push_str(&render_fragment(doc));
    out.push_str("</body>\n</html>\n");
    out
}

/// The document alone, as an `<article class="official-document">`, for embedding.
pub fn render_fragment(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("<article class=\"official-document\">\n");
    let _ = writeln!(out, "<h1 class=\"doc-title\">{}</h1>", escape(&doc.title));
    if let Some(number) = &doc.number {
        let _ = writeln!(out, "<p class=\"doc-number\">{}</p>", escape(number));
    }
    if let Some(addressee) = &doc.addressee {
        let _ = writeln!(out, "<p class=\"doc-addressee\">{}</p>", escape(addressee));
    }
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let level = (*level).clamp(1, 3);
                let tag = level + 1;
                let _ = writeln!(
                    out,
                    "<h{tag} class=\"doc-heading doc-heading-{level}\">{}</h{tag}>",
                    escape(text)
                );
            }
            Block::Paragraph { text } => {
                let _ = writeln!(out, "<p class=\"doc-paragraph\">{}</p>", lines(text));
            }
            Block::Spans { spans } => {
                let _ = writeln!(
                    out,
                    "<p class=\"doc-paragraph\">{}</p>",
                    spans_fragment(spans)
                );
            }
            Block::Table(table) => render_table(&mut out, table),
        }
    }
    if let Some(signature) = &doc.signature {
        let _ = writeln!(
            out,
            "<div class=\"doc-signature\"><div class=\"doc-signature-box\">\
             <p class=\"doc-issuer\">{}</p><p class=\"doc-date\">{}</p></div></div>",
            escape(&signature.issuer),
            escape(&signature.date)
        );
    }
    out.push_str("</article>\n");
    out
}

/// A paragraph's runs, escaped, each linked run as `<a class="doc-figure">`.
pub fn spans_fragment(spans: &[Span]) -> String {
    let mut out = String::new();
    for span in spans {
        match span.link.as_deref().filter(|href| safe_href(href)) {
            Some(href) => {
                let _ = write!(
                    out,
                    "<a class=\"doc-figure\" href=\"{}\">{}</a>",
                    escape(href),
                    lines(&span.text)
                );
            }
            None => out.push_str(&lines(&span.text)),
        }
    }
    out
}

/// A table alone, as `<table class="doc-table">`.
pub fn table_fragment(table: &Table) -> String {
    let mut out = String::new();
    render_table(&mut out, table);
    out
}

fn render_table(out: &mut String, table: &Table) {
    out.push_str("<table class=\"doc-table\">\n");
    if let Some(caption) = &table.caption {
        let _ = writeln!(out, "<caption>{}</caption>", escape(caption));
    }
    if !table.header.is_empty() {
        out.push_str("<thead>\n");
        for row in &table.header {
            render_row(out, row, "th");
        }
        out.push_str("</thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in &table.rows {
        render_row(out, row, "td");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn render_row(out: &mut String, row: &[Cell], tag: &str) {
    out.push_str("<tr>");
    for cell in row {
        let _ = write!(out, "<{tag}");
        if cell.col_span > 1 {
            let _ = write!(out, " colspan=\"{}\"", cell.col_span);
        }
        if cell.row_span > 1 {
            let _ = write!(out, " rowspan=\"{}\"", cell.row_span);
        }
        if cell.numeric {
            out.push_str(" class=\"num\"");
        }
        out.push('>');
        match cell.link.as_deref().filter(|href| safe_href(href)) {
            Some(href) => {
                let _ = write!(
                    out,
                    "<a href=\"{}\">{}</a>",
                    escape(href),
                    lines(&cell.text)
                );
            }
            None => out.push_str(&lines(&cell.text)),
        }
        let _ = write!(out, "</{tag}>");
    }
    out.push_str("</tr>\n");
}

/// Escaped text with its line breaks as `<br>`.
fn lines(text: &str) -> String {
    text.split('\n')
        .map(escape)
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A link target that cannot run script: relative, or http(s).
pub(crate) fn safe_href(href: &str) -> bool {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    // A relative reference has no scheme: no ':' before the first '/', '?' or '#'.
    let head = href.split(['/', '?', '#']).next().unwrap_or("");
    !href.is_empty() && !head.contains(':') && !href.starts_with("//")
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_filters_links() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert!(safe_href("/cases?year=2019&row=1"));
        assert!(safe_href("cases/123"));
        assert!(safe_href("https://example.gov.cn/x"));
        assert!(!safe_href("javascript:alert(1)"));
        assert!(!safe_href(" JavaScript:alert(1)"));
        assert!(!safe_href("data:text/html,x"));
        assert!(!safe_href("//evil.example/x"));
    }
}
