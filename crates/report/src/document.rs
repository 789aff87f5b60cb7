//! The document model every renderer takes: an official document or a report as title,
//! document number, addressee, blocks (headings, paragraphs, tables) and signature. Templates
//! and reports build one; `html` and `docx` render it. Keeping one model means an official
//! notice and an annual report share their layout rules.

use serde::{Deserialize, Serialize};

/// A document ready to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// 标题, e.g. “政府信息公开申请补正通知书”.
    pub title: String,
    /// 发文字号 / case number shown under the title, e.g. “旅信公〔2019〕12号”.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// 主送: the addressee line, e.g. “张某某：”.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addressee: Option<String>,
    pub blocks: Vec<Block>,
    /// 落款: issuing body and date, right-aligned at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// 一级 “一、” to 三级 headings: level 1, 2 or 3.
    Heading {
        level: u8,
        text: String,
    },
    /// A body paragraph (first line indented two characters in the official layout).
    Paragraph {
        text: String,
    },
    /// A body paragraph in runs, some linked: a report's narrative, where each figure opens
    /// the records behind it (HTML and Markdown; the other renderers print the text).
    Spans {
        spans: Vec<Span>,
    },
    Table(Table),
}

/// A run of a paragraph, and where it links to, if anywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Span {
    pub fn text(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            link: None,
        }
    }
}

impl Block {
    /// The block's text (a heading's or paragraph's; a table has none).
    pub fn text(&self) -> String {
        match self {
            Block::Heading { text, .. } | Block::Paragraph { text } => text.clone(),
            Block::Spans { spans } => plain(spans),
            Block::Table(_) => String::new(),
        }
    }
}

/// The text of a paragraph's runs, without their links.
pub fn plain(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    pub issuer: String,
    /// The date as it is printed, e.g. “2019年3月5日”.
    pub date: String,
}

/// A table with merged cells. Header rows and body rows are both grids of cells; a cell
/// spanning several columns or rows appears once, at its top-left position.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Table {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    pub header: Vec<Vec<Cell>>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub text: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub col_span: u16,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub row_span: u16,
    /// Numbers are right-aligned, labels left-aligned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub numeric: bool,
    /// Where a figure links to the records behind it (HTML only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

fn one() -> u16 {
    1
}

fn is_one(n: &u16) -> bool {
    *n == 1
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            col_span: 1,
            row_span: 1,
            numeric: false,
            link: None,
        }
    }

    pub fn number(value: i64) -> Cell {
        Cell {
            numeric: true,
            ..Cell::text(value.to_string())
        }
    }

    pub fn span(mut self, cols: u16, rows: u16) -> Cell {
        self.col_span = cols;
        self.row_span = rows;
        self
    }

    pub fn linked(mut self, href: impl Into<String>) -> Cell {
        self.link = Some(href.into());
        self
    }
}
