//! A report as a document: the report file's sections with their paragraphs filled with the
//! year's figures, the district's own edits of those paragraphs in place of the shipped text,
//! and a table of every figure with its source. Computed, never stored: regenerated, it keeps
//! the edits and refreshes the figures. The same document is rendered as HTML (console and
//! file), Markdown, DOCX and PDF; the figures alone as JSON.

use crate::figures::{
    Detail, FigureValue, Figures, ManualValue, ReportSpec, manual_part, placeholders,
};
use crate::{App, AppError, Result};
use chrono::NaiveDate;
use fazhi_core::region::RegionCode;
use fazhi_report::document::{Block, Cell, Document, Signature, Span, Table};
use fazhi_store::report_texts::{ReportOf, ReportText};
use std::collections::BTreeMap;

/// The longest paragraph a district may write (a report paragraph, not a chapter).
pub const MAX_PARAGRAPH: usize = 5_000;

/// A paragraph of the report: its template as shipped, the text in use (the latest edit, or
/// the shipped one), and the edit it comes from.
#[derive(Debug, Clone)]
pub struct Paragraph {
    /// `<section id>.<n>`, n from 1.
    pub id: String,
    pub shipped: String,
    pub text: String,
    pub edited: Option<ReportText>,
}

impl Paragraph {
    /// The version an editor starts from (0: the shipped text).
    pub fn version(&self) -> i64 {
        self.edited.as_ref().map_or(0, |e| e.version)
    }

    /// Left out of the report by an edit that emptied it.
    pub fn omitted(&self) -> bool {
        self.text.trim().is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub heading: String,
    pub level: u8,
    pub paragraphs: Vec<Paragraph>,
}

/// A report for a region and a year, ready to render.
#[derive(Debug, Clone)]
pub struct AnnualReport {
    pub code: String,
    pub name: String,
    pub title: String,
    pub region: RegionCode,
    pub region_name: String,
    pub year: i32,
    pub sections: Vec<Section>,
    pub figures: Figures,
    /// The figures in the order the report file declares them (keys).
    pub order: Vec<String>,
    /// The figures not yet recordable: key → (label, unit).
    pub pending_labels: BTreeMap<String, (String, String)>,
    /// The day it was generated, printed under the issuer.
    pub generated_on: NaiveDate,
    /// The region's texts of the report for the year (edited paragraphs, figures entered by
    /// hand), latest version of each part, by part.
    pub texts: BTreeMap<String, ReportText>,
}

/// What a placeholder stands for.
enum Filled<'a> {
    Text(String),
    Figure(&'a FigureValue),
    Pending,
}

impl AnnualReport {
    fn lookup(&self, name: &str) -> Option<Filled<'_>> {
        Some(match name {
            "year" => Filled::Text(self.year.to_string()),
            "previous_year" => Filled::Text((self.year - 1).to_string()),
            "next_year" => Filled::Text((self.year + 1).to_string()),
            "region" => Filled::Text(self.region_name.clone()),
            key => match self.figures.figures.get(key) {
                Some(f) => Filled::Figure(f),
                None if self.figures.pending.contains_key(key) => Filled::Pending,
                None => return None,
            },
        })
    }

    /// A template's text with every placeholder filled; each figure links to its records
    /// when `links` gives the address they are relative to ("" for the console itself).
    pub fn fill(&self, template: &str, links: Option<&str>) -> Vec<Span> {
        let mut spans = Vec::new();
        let mut at = 0;
        let mut text = String::new();
        for (range, name) in placeholders(template) {
            text.push_str(&template[at..range.start]);
            at = range.end;
            match self.lookup(name) {
                Some(Filled::Text(t)) => text.push_str(&t),
                Some(Filled::Figure(f)) => {
                    if !text.is_empty() {
                        spans.push(Span::text(std::mem::take(&mut text)));
                    }
                    let link = links.filter(|_| f.record_count > 0 && f.source == "records");
                    spans.push(Span {
                        text: figure_text(f),
                        link: link.map(|base| format!("{base}{}", f.query)),
                    });
                }
                Some(Filled::Pending) => text.push_str("〔暂无记录〕"),
                // Checked when the file is read and when an edit is saved; a stray brace stays.
                None => text.push_str(&template[range]),
            }
        }
        text.push_str(&template[at..]);
        if !text.is_empty() {
            spans.push(Span::text(text));
        }
        spans
    }

    /// A template filled, as plain text.
    pub fn fill_text(&self, template: &str) -> String {
        fazhi_report::document::plain(&self.fill(template, None))
    }

    /// The report as a document. `links`: see [`AnnualReport::fill`].
    pub fn document(&self, links: Option<&str>) -> Document {
        let mut blocks = Vec::new();
        for section in &self.sections {
            // An opening without a heading (the paragraph before “一、”).
            if !section.heading.is_empty() {
                blocks.push(Block::Heading {
                    level: section.level,
                    text: section.heading.clone(),
                });
            }
            for p in section.paragraphs.iter().filter(|p| !p.omitted()) {
                blocks.push(Block::Spans {
                    spans: self.fill(&p.text, links),
                });
            }
        }
        blocks.push(Block::Table(self.figure_table(links)));
        Document {
            title: self.title.clone(),
            number: None,
            addressee: None,
            blocks,
            signature: Some(Signature {
                issuer: format!("{}人民政府", self.region_name),
                date: fazhi_report::templates::format_date_zh(self.generated_on),
            }),
        }
    }

    /// Every figure of the report with its value and where it comes from; the figures not
    /// yet recordable are listed as such, not as zero.
    pub fn figure_table(&self, links: Option<&str>) -> Table {
        let header = vec![
            ["序号", "指标", "数值", "来源"]
                .into_iter()
                .map(Cell::text)
                .collect(),
        ];
        let mut rows = Vec::new();
        for key in &self.order {
            let n = rows.len() + 1;
            let (label, value, source) = match self.figures.figures.get(key) {
                Some(f) => {
                    let text = match &f.value {
                        Some(v) => format!("{v}{}", f.unit),
                        None => figure_text(f),
                    };
                    let mut value = Cell {
                        numeric: true,
                        ..Cell::text(text)
                    };
                    if let Some(base) = links.filter(|_| f.record_count > 0) {
                        value = value.linked(format!("{base}{}", f.query));
                    }
                    let source = match (f.source, &f.cited) {
                        ("manual", Some(cited)) => format!("人工填报：{cited}"),
                        ("manual", None) => "人工填报：尚未填报".to_string(),
                        _ => format!("业务记录 {} 条", f.record_count),
                    };
                    (f.label.clone(), value, source)
                }
                None => {
                    let why = self.figures.pending.get(key).cloned().unwrap_or_default();
                    let label = self
                        .pending_labels
                        .get(key)
                        .map_or_else(|| key.clone(), |(zh, _)| zh.clone());
                    (label, Cell::text("暂无记录"), format!("尚不能记录：{why}"))
                }
            };
            rows.push(vec![
                Cell::number(n as i64),
                Cell::text(label),
                value,
                Cell::text(source),
            ]);
        }
        Table {
            caption: Some(format!("附表　{}年度指标及其来源", self.year)),
            header,
            rows,
        }
    }

    /// Every paragraph, by id.
    pub fn paragraph(&self, id: &str) -> Option<&Paragraph> {
        self.sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .find(|p| p.id == id)
    }
}

/// A figure's value as the report prints it.
pub fn figure_text(f: &FigureValue) -> String {
    match (&f.value, f.source) {
        (Some(v), _) => v.to_string(),
        (None, "manual") => "〔待填报〕".to_string(),
        (None, _) => "—".to_string(),
    }
}

/// The order of a report's figures: as declared, then the pending ones.
fn order(spec: &ReportSpec) -> Vec<String> {
    spec.figures
        .iter()
        .map(|f| f.key.clone())
        .chain(spec.pending_figures().map(|(f, _)| f.key.clone()))
        .collect()
}

impl App {
    /// A report for a region and a year: the figures from the records, the text from the
    /// report file with the region's edits for that year (its texts read once for both).
    pub async fn annual_report(
        &self,
        code: &str,
        region: &RegionCode,
        year: i32,
        detail: Detail,
    ) -> Result<AnnualReport> {
        let of = self.report_of(code, region, year)?;
        let spec = self.report(code)?;
        let texts = self.store().report_texts(of).await?;
        let figures = self
            .figures_read(spec, region, &[year], detail, Some(&texts))
            .await?
            .remove(0);
        let region_name = self
            .store()
            .region(region.as_str())
            .await?
            .map(|r| r.name)
            .ok_or_else(|| AppError::NotFound(format!("没有区划“{region}”")))?;
        let texts: BTreeMap<String, ReportText> =
            texts.into_iter().map(|t| (t.part.clone(), t)).collect();
        let mut report = AnnualReport {
            code: code.to_string(),
            name: spec.report.zh.clone(),
            title: String::new(),
            region: region.clone(),
            region_name,
            year,
            sections: Vec::new(),
            figures,
            order: order(spec),
            pending_labels: spec
                .pending_figures()
                .map(|(f, _)| (f.key.clone(), (f.zh.clone(), f.unit.clone())))
                .collect(),
            generated_on: self.today(),
            texts: BTreeMap::new(),
        };
        report.title = report.fill_text(
            spec.report
                .title
                .as_deref()
                .unwrap_or("{region}{year}年度报告"),
        );
        report.sections = spec
            .sections
            .iter()
            .map(|s| Section {
                id: s.id.clone(),
                heading: report.fill_text(&s.heading),
                level: s.level,
                paragraphs: s
                    .paragraphs
                    .iter()
                    .enumerate()
                    .map(|(i, shipped)| {
                        let id = format!("{}.{}", s.id, i + 1);
                        let edited = texts.get(&id).cloned();
                        Paragraph {
                            text: edited
                                .as_ref()
                                .map_or_else(|| shipped.clone(), |e| e.text.clone()),
                            shipped: shipped.clone(),
                            edited,
                            id,
                        }
                    })
                    .collect(),
            })
            .collect();
        report.texts = texts;
        Ok(report)
    }

    /// Which report, for which region and year: a report the installation uses, a year in range.
    pub fn report_of<'a>(
        &self,
        code: &'a str,
        region: &'a RegionCode,
        year: i32,
    ) -> Result<ReportOf<'a>> {
        self.report(code)?;
        if !(1990..=2100).contains(&year) {
            return Err(AppError::Invalid(format!("年度“{year}”无效")));
        }
        Ok(ReportOf {
            region,
            report: code,
            year,
        })
    }

    /// Saves a district's text of one paragraph for a year (empty: the paragraph is left out).
    /// `seen` is the version the editor started from; a later save by someone else is the
    /// store's conflict (409 on the web), not overwritten.
    pub async fn save_report_paragraph(
        &self,
        actor: &str,
        of: ReportOf<'_>,
        id: &str,
        seen: i64,
        text: &str,
    ) -> Result<ReportText> {
        let spec = self.report(of.report)?;
        if spec.paragraph(id).is_none() {
            return Err(AppError::NotFound(format!("报告中没有段落“{id}”")));
        }
        let text = text.trim().replace("\r\n", "\n");
        if text.chars().count() > MAX_PARAGRAPH {
            return Err(AppError::Invalid(format!(
                "段落过长：{} 字，最多 {MAX_PARAGRAPH} 字",
                text.chars().count()
            )));
        }
        let unknown = spec.unknown_placeholders(&text);
        if !unknown.is_empty() {
            return Err(AppError::Invalid(format!(
                "段落中的 {} 不是本报告的指标或可用的词（可用 {{year}}、{{previous_year}}、{{next_year}}、{{region}} 和附表所列指标的代码）",
                unknown
                    .iter()
                    .map(|u| format!("{{{u}}}"))
                    .collect::<Vec<_>>()
                    .join("、")
            )));
        }
        Ok(self
            .store()
            .save_report_text(actor, of, id, seen, &text)
            .await?)
    }

    /// Enters the value of a figure no record can give, with its source.
    pub async fn save_manual_figure(
        &self,
        actor: &str,
        of: ReportOf<'_>,
        key: &str,
        seen: i64,
        value: &str,
        source: &str,
    ) -> Result<ReportText> {
        let spec = self.report(of.report)?;
        let figure = spec
            .figures
            .iter()
            .find(|f| f.key == key && f.manual.is_some())
            .ok_or_else(|| AppError::NotFound(format!("报告中没有需人工填报的指标“{key}”")))?;
        let number: serde_json::Number = value
            .trim()
            .parse()
            .map_err(|_| AppError::Invalid(format!("{}：“{}”不是数字", figure.zh, value.trim())))?;
        let source = source.trim();
        if source.is_empty() {
            return Err(AppError::Invalid(format!(
                "{}：请写明数据来源（如{}）",
                figure.zh,
                figure.manual.as_ref().map_or("", |m| m.source.as_str())
            )));
        }
        let text = serde_json::to_string(&ManualValue {
            value: number,
            source: source.to_string(),
        })
        .map_err(|e| AppError::Invalid(e.to_string()))?;
        Ok(self
            .store()
            .save_report_text(actor, of, &manual_part(key), seen, &text)
            .await?)
    }

    /// Every version of a part of a report, newest first.
    pub async fn report_text_history(
        &self,
        of: ReportOf<'_>,
        part: &str,
    ) -> Result<Vec<ReportText>> {
        Ok(self.store().report_text_history(of, part).await?)
    }
}

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Docx,
    Pdf,
    Json,
}

impl Format {
    pub const CODES: &[&str] = &["md", "html", "docx", "pdf", "json"];

    pub fn from_code(code: &str) -> Option<Format> {
        Some(match code {
            "md" | "markdown" => Format::Markdown,
            "html" => Format::Html,
            "docx" => Format::Docx,
            "pdf" => Format::Pdf,
            "json" => Format::Json,
            _ => return None,
        })
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
            Format::Json => "application/json",
        }
    }

    /// What the format needs of the figures: the JSON export lists every figure's records
    /// (ids that open through the API); the documents print counts and link to the lists.
    pub fn detail(self) -> Detail {
        match self {
            Format::Json => Detail::Records,
            _ => Detail::Counts,
        }
    }

    /// Whether the bytes are text a terminal can show.
    pub fn is_text(self) -> bool {
        matches!(self, Format::Markdown | Format::Html | Format::Json)
    }
}

impl AnnualReport {
    /// The report in a format other than PDF (which needs fonts and a layout engine: see
    /// `fazhi_pdf::render` of [`AnnualReport::document`]). `links` as in [`AnnualReport::fill`].
    pub fn render(&self, format: Format, links: Option<&str>) -> Result<Vec<u8>> {
        Ok(match format {
            Format::Json => serde_json::to_vec_pretty(&self.figures)
                .map_err(|e| AppError::Invalid(e.to_string()))?,
            Format::Markdown => fazhi_report::markdown::render(&self.document(links)).into_bytes(),
            Format::Html => fazhi_report::html::render(&self.document(links)).into_bytes(),
            Format::Docx => fazhi_report::docx::render(&self.document(links), &Default::default())
                .map_err(|e| AppError::Invalid(e.to_string()))?,
            Format::Pdf => {
                return Err(AppError::Invalid(
                    "PDF 由 fazhi_pdf 排版（需要字体）".into(),
                ));
            }
        })
    }

    /// A file name for the report: `rule_of_law-210212-2019.docx`.
    pub fn file_name(&self, format: Format) -> String {
        format!(
            "{}-{}-{}.{}",
            self.code,
            self.region,
            self.year,
            format.extension()
        )
    }
}
