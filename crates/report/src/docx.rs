//! DOCX rendering of a [`Document`] in the layout of official documents (GB/T 9704-2012,
//! 党政机关公文格式): A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title in
//! 2号 (22 pt) 方正小标宋简体, centred; body in 3号 (16 pt) 仿宋_GB2312 at a fixed 28.95 pt
//! line (22 lines a page), first line indented two characters; level-1 headings in 黑体,
//! level-2 in 楷体_GB2312; tables in 小4 (12 pt); the date 右空四字 with the issuer centred above
//! it (room for the seal); page numbers “— 1 —” in 4号 宋体, odd pages right and even pages
//! left, one character in from the edge of the text block.
//!
//! Every run sets all four font slots, eastAsia included: Word and LibreOffice pick a CJK font
//! only from the eastAsia slot. The fonts are configurable ([`Fonts`]) because a machine may
//! not have the official ones.
//!
//! The output is deterministic: the same document gives the same bytes (the file's hash is
//! recorded). docx-rs would otherwise stamp the ZIP entries with the current time when the
//! `zip` crate's `time` feature is on anywhere in the build, and number paragraphs from a
//! per-thread counter; so paragraphs get explicit ids and the archive is rewritten with fixed
//! timestamps (1980-01-01, the ZIP epoch) and deflate compression.

use crate::document::{Block, Cell, Document, Table};
use docx_rs::{
    AlignmentType, BreakType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing,
    LineSpacingType, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType, TableAlignmentType,
    TableCell, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};
use std::io::{Cursor, Read, Write};

/// The font families used, by role. The defaults are the official ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fonts {
    /// 标题: 方正小标宋简体.
    pub title: String,
    /// 正文: 仿宋_GB2312.
    pub body: String,
    /// 一级标题: 黑体.
    pub heading1: String,
    /// 二级标题: 楷体_GB2312.
    pub heading2: String,
    /// 表格: 仿宋_GB2312.
    pub table: String,
    /// 页码: 宋体.
    pub page_number: String,
}

impl Default for Fonts {
    fn default() -> Fonts {
        Fonts {
            title: "方正小标宋简体".into(),
            body: "仿宋_GB2312".into(),
            heading1: "黑体".into(),
            heading2: "楷体_GB2312".into(),
            table: "仿宋_GB2312".into(),
            page_number: "宋体".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error("生成 DOCX 失败：{0}")]
    Package(String),
}

// Sizes in half-points (w:sz) and lengths in twips (1/20 pt; 1 mm = 56.69 twips).
const TITLE_SIZE: usize = 44; // 2号, 22 pt
const BODY_SIZE: usize = 32; // 3号, 16 pt
const TABLE_SIZE: usize = 24; // 小4, 12 pt
const PAGE_NUMBER_SIZE: usize = 28; // 4号, 14 pt
const CAPTION_SIZE: usize = 28; // 4号, 14 pt

const PAGE_WIDTH: u32 = 11906; // 210 mm
const PAGE_HEIGHT: u32 = 16838; // 297 mm
const MARGIN_TOP: i32 = 2098; // 37 mm
const MARGIN_BOTTOM: i32 = 1984; // 35 mm
const MARGIN_LEFT: i32 = 1587; // 28 mm
const MARGIN_RIGHT: i32 = 1474; // 26 mm
const HEADER_DISTANCE: i32 = 851; // 15 mm
/// The page number's line sits about 7 mm under the text block (GB/T 9704 7.5).
const FOOTER_DISTANCE: i32 = 1304; // 23 mm
const TEXT_WIDTH: usize = (PAGE_WIDTH as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize; // 8845

/// 22 lines on the 225 mm text block: 637.8 pt / 22 = 28.99 pt; 28.95 pt keeps 22 lines.
const BODY_LINE: i32 = 579;
const TITLE_LINE: i32 = 700; // 35 pt
const TABLE_LINE: i32 = 400; // 20 pt
/// One character of body text (16 pt), the unit of GB/T 9704's indents.
const BODY_CHAR: i32 = 320;

/// Renders the document as a DOCX file.
pub fn render(doc: &Document, fonts: &Fonts) -> Result<Vec<u8>, DocxError> {
    let mut ids = ParaIds(0);
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(HEADER_DISTANCE)
                .footer(FOOTER_DISTANCE)
                .gutter(0),
        )
        .default_fonts(run_fonts(&fonts.body))
        .default_size(BODY_SIZE);

    // Title, number, addressee.
    let gap_after_title = if doc.number.is_some() { 0 } else { BODY_LINE };
    docx = docx.add_paragraph(
        ids.paragraph()
            .align(AlignmentType::Center)
            .line_spacing(exact(TITLE_LINE).after(gap_after_title as u32))
            .add_run(run(&doc.title, &fonts.title, TITLE_SIZE))
            .fonts(run_fonts(&fonts.title))
            .size(TITLE_SIZE),
    );
    if let Some(number) = &doc.number {
        docx = docx.add_paragraph(
            body_paragraph(&mut ids, fonts)
                .align(AlignmentType::Center)
                .line_spacing(exact(BODY_LINE).after(BODY_LINE as u32))
                .add_run(run(number, &fonts.body, BODY_SIZE)),
        );
    }
    if let Some(addressee) = &doc.addressee {
        docx = docx.add_paragraph(
            body_paragraph(&mut ids, fonts)
                .align(AlignmentType::Both)
                .add_run(run(addressee, &fonts.body, BODY_SIZE)),
        );
    }

    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let (font, bold) = match level {
                    1 => (&fonts.heading1, false),
                    2 => (&fonts.heading2, false),
                    _ => (&fonts.body, true),
                };
                let mut r = run(text, font, BODY_SIZE);
                if bold {
                    r = r.bold();
                }
                docx = docx.add_paragraph(
                    ids.paragraph()
                        .align(AlignmentType::Both)
                        .indent(
                            None,
                            Some(SpecialIndentType::FirstLine(2 * BODY_CHAR)),
                            None,
                            None,
                        )
                        .line_spacing(exact(BODY_LINE))
                        .keep_next(true)
                        .fonts(run_fonts(font))
                        .size(BODY_SIZE)
                        .add_run(r),
                );
            }
            Block::Paragraph { text } => {
                docx = docx.add_paragraph(body_text(&mut ids, fonts, text));
            }
            Block::Spans { spans } => {
                let text = crate::document::plain(spans);
                docx = docx.add_paragraph(body_text(&mut ids, fonts, &text));
            }
            Block::Table(table) => {
                if let Some(caption) = &table.caption {
                    docx = docx.add_paragraph(
                        ids.paragraph()
                            .align(AlignmentType::Center)
                            .line_spacing(exact(BODY_LINE))
                            .keep_next(true)
                            .fonts(run_fonts(&fonts.heading1))
                            .size(CAPTION_SIZE)
                            .add_run(run(caption, &fonts.heading1, CAPTION_SIZE)),
                    );
                }
                docx = docx.add_table(render_table(table, fonts, &mut ids));
                // Word needs a paragraph between two tables; it also spaces the table off.
                docx = docx.add_paragraph(body_paragraph(&mut ids, fonts));
            }
        }
    }

    if let Some(signature) = &doc.signature {
        // 成文日期右空四字; the issuer centred over the date, where the seal goes.
        let date_indent = 4 * BODY_CHAR;
        let offset = (half_width(&signature.date) - half_width(&signature.issuer)) * BODY_CHAR / 4;
        let issuer_indent = (date_indent + offset).max(0);
        docx = docx
            .add_paragraph(body_paragraph(&mut ids, fonts))
            .add_paragraph(
                body_paragraph(&mut ids, fonts)
                    .align(AlignmentType::Right)
                    .indent(None, None, Some(issuer_indent), None)
                    .add_run(run(&signature.issuer, &fonts.body, BODY_SIZE)),
            )
            .add_paragraph(
                body_paragraph(&mut ids, fonts)
                    .align(AlignmentType::Right)
                    .indent(None, None, Some(date_indent), None)
                    .add_run(run(&signature.date, &fonts.body, BODY_SIZE)),
            );
    }

    // Page numbers: “— 1 —”, odd pages right and even pages left, 空一字.
    let one_char = 2 * PAGE_NUMBER_SIZE as i32 * 10;
    let odd = page_number_paragraph(&mut ids, fonts)
        .align(AlignmentType::Right)
        .indent(None, None, Some(one_char), None);
    let even = page_number_paragraph(&mut ids, fonts)
        .align(AlignmentType::Left)
        .indent(Some(one_char), None, None, None);
    docx = docx
        .settings(docx_rs::Settings::new().even_and_odd_headers())
        .footer(Footer::new().add_paragraph(odd))
        .even_footer(Footer::new().add_paragraph(even));

    let mut packed = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut packed)
        .map_err(|e| DocxError::Package(e.to_string()))?;
    normalise(&packed.into_inner())
}

/// Paragraph ids assigned in document order, so that they do not depend on what else the
/// thread rendered before.
struct ParaIds(u32);

impl ParaIds {
    fn paragraph(&mut self) -> Paragraph {
        self.0 += 1;
        Paragraph::new().id(format!("{:08X}", 0x1000_0000 + self.0))
    }
}

/// A body paragraph: justified, first line indented two characters.
fn body_text(ids: &mut ParaIds, fonts: &Fonts, text: &str) -> Paragraph {
    body_paragraph(ids, fonts)
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(2 * BODY_CHAR)),
            None,
            None,
        )
        .add_run(run(text, &fonts.body, BODY_SIZE))
}

fn body_paragraph(ids: &mut ParaIds, fonts: &Fonts) -> Paragraph {
    ids.paragraph()
        .line_spacing(exact(BODY_LINE))
        .fonts(run_fonts(&fonts.body))
        .size(BODY_SIZE)
}

fn page_number_paragraph(ids: &mut ParaIds, fonts: &Fonts) -> Paragraph {
    let font = &fonts.page_number;
    let field = Run::new()
        .size(PAGE_NUMBER_SIZE)
        .fonts(run_fonts(font))
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE::new()))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(FieldCharType::End, false);
    ids.paragraph()
        .fonts(run_fonts(font))
        .size(PAGE_NUMBER_SIZE)
        .add_run(run("— ", font, PAGE_NUMBER_SIZE))
        .add_run(field)
        .add_run(run(" —", font, PAGE_NUMBER_SIZE))
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
        .before(0)
        .after(0)
}

/// The same family in every slot: ASCII, high ANSI, complex script and East Asian.
fn run_fonts(font: &str) -> RunFonts {
    RunFonts::new()
        .ascii(font)
        .hi_ansi(font)
        .cs(font)
        .east_asia(font)
}

/// A run of text; line breaks in the text become `<w:br/>`.
fn run(text: &str, font: &str, size: usize) -> Run {
    let mut r = Run::new().size(size).fonts(run_fonts(font));
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(line);
    }
    r
}

/// Width in half characters: CJK and other wide characters count 2, ASCII 1.
fn half_width(text: &str) -> i32 {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Where a cell of the grid comes from.
#[derive(Clone, Copy)]
enum Slot {
    Empty,
    /// Covered by the cell that starts at (row, column) of the combined header + body rows.
    Covered(usize, usize),
}

fn render_table(table: &Table, fonts: &Fonts, ids: &mut ParaIds) -> docx_rs::Table {
    let rows: Vec<(&[Cell], bool)> = table
        .header
        .iter()
        .map(|r| (r.as_slice(), true))
        .chain(table.rows.iter().map(|r| (r.as_slice(), false)))
        .collect();

    // Place every cell on the grid, left to right, skipping slots covered from above.
    let mut grid: Vec<Vec<Slot>> = vec![Vec::new(); rows.len()];
    let mut origins: Vec<Vec<(usize, &Cell, usize, usize)>> = vec![Vec::new(); rows.len()];
    for (r, (cells, _)) in rows.iter().enumerate() {
        let mut c = 0;
        for cell in cells.iter() {
            while matches!(grid[r].get(c), Some(Slot::Covered(..))) {
                c += 1;
            }
            let cols = usize::from(cell.col_span.max(1));
            let span_rows = usize::from(cell.row_span.max(1)).min(rows.len() - r);
            for row in grid.iter_mut().skip(r).take(span_rows) {
                if row.len() < c + cols {
                    row.resize(c + cols, Slot::Empty);
                }
                for slot in &mut row[c..c + cols] {
                    *slot = Slot::Covered(r, c);
                }
            }
            origins[r].push((c, cell, cols, span_rows));
            c += cols;
        }
    }
    let columns = grid.iter().map(Vec::len).max().unwrap_or(0).max(1);

    // Column widths from the text of single-column cells, within bounds.
    let mut weights = vec![6_usize; columns];
    for &(c, cell, cols, _) in origins.iter().flatten() {
        if cols == 1 {
            // Two half-characters for the cell's padding.
            let w = (half_width(&cell.text) as usize + 2).clamp(6, 26);
            weights[c] = weights[c].max(w);
        }
    }
    let total: usize = weights.iter().sum();
    let mut widths: Vec<usize> = weights.iter().map(|w| w * TEXT_WIDTH / total).collect();
    let rounding = TEXT_WIDTH - widths.iter().sum::<usize>();
    widths[0] += rounding;

    let mut out_rows = Vec::new();
    for (r, (_, header)) in rows.iter().enumerate() {
        let mut cells = Vec::new();
        let mut c = 0;
        let mut next_origin = origins[r].iter().peekable();
        while c < columns {
            let slot = grid[r].get(c).copied().unwrap_or(Slot::Empty);
            match slot {
                Slot::Covered(or, oc) if or == r && oc == c => {
                    let &(_, cell, cols, span_rows) = next_origin.next().expect("origin placed");
                    let width: usize = widths[c..c + cols].iter().sum();
                    let mut tc = TableCell::new()
                        .width(width, WidthType::Dxa)
                        .vertical_align(VAlignType::Center)
                        .add_paragraph(cell_paragraph(ids, fonts, cell, *header));
                    if cols > 1 {
                        tc = tc.grid_span(cols);
                    }
                    if span_rows > 1 {
                        tc = tc.vertical_merge(VMergeType::Restart);
                    }
                    cells.push(tc);
                    c += cols;
                }
                Slot::Covered(or, oc) if oc == c => {
                    // Continues a cell merged down from row `or`.
                    let cols = origins[or].iter().find(|o| o.0 == oc).map_or(1, |o| o.2);
                    let width: usize = widths[c..c + cols].iter().sum();
                    let mut tc = TableCell::new()
                        .width(width, WidthType::Dxa)
                        .vertical_merge(VMergeType::Continue)
                        .add_paragraph(table_paragraph(ids, fonts));
                    if cols > 1 {
                        tc = tc.grid_span(cols);
                    }
                    cells.push(tc);
                    c += cols;
                }
                _ => {
                    cells.push(
                        TableCell::new()
                            .width(widths[c], WidthType::Dxa)
                            .add_paragraph(table_paragraph(ids, fonts)),
                    );
                    c += 1;
                }
            }
        }
        let mut row = TableRow::new(cells).cant_split();
        if *header {
            row = row.row_height(24.0 * 20.0);
        }
        out_rows.push(row);
    }

    docx_rs::Table::new(out_rows)
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
}

fn table_paragraph(ids: &mut ParaIds, fonts: &Fonts) -> Paragraph {
    ids.paragraph()
        .line_spacing(exact(TABLE_LINE))
        .fonts(run_fonts(&fonts.table))
        .size(TABLE_SIZE)
}

fn cell_paragraph(ids: &mut ParaIds, fonts: &Fonts, cell: &Cell, header: bool) -> Paragraph {
    let align = if header {
        AlignmentType::Center
    } else if cell.numeric {
        AlignmentType::Right
    } else {
        AlignmentType::Left
    };
    let mut r = run(&cell.text, &fonts.table, TABLE_SIZE);
    if header {
        r = r.bold();
    }
    table_paragraph(ids, fonts).align(align).add_run(r)
}

/// Rewrites the archive with fixed timestamps and permissions, deflated, entries in the same
/// order, so that the same document always gives the same bytes.
fn normalise(archive: &[u8]) -> Result<Vec<u8>, DocxError> {
    let error = |e: &dyn std::fmt::Display| DocxError::Package(e.to_string());
    let mut input = zip::ZipArchive::new(Cursor::new(archive)).map_err(|e| error(&e))?;
    let mut output = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for i in 0..input.len() {
        let mut entry = input.by_index(i).map_err(|e| error(&e))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data).map_err(|e| error(&e))?;
        output.start_file(name, options).map_err(|e| error(&e))?;
        output.write_all(&data).map_err(|e| error(&e))?;
    }
    Ok(output.finish().map_err(|e| error(&e))?.into_inner())
}
