//! PDF rendering of a [`Document`] in the official layout (GB/T 9704, as `fazhi_report::docx`
//! does for Word), with its Chinese fonts embedded (subset) so the file reads the same on any
//! machine. Typst, used as a library, lays the document out: the document goes in as JSON and
//! the template (`official.typ`) never reads text as markup.
//!
//! Fonts are files: the CJK faces found in the usual places (Debian's `fonts-noto-cjk`,
//! `fonts-wqy-microhei`, …) or those listed in `FAZHI_PDF_FONTS` (files or folders, `:`
//! between them). Without any, rendering says so rather than printing empty boxes.
#![forbid(unsafe_code)]

use fazhi_report::Document;
use fazhi_report::docx::Fonts;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::TypstEngine;

const TEMPLATE: &str = include_str!("official.typ");

/// Where CJK fonts are looked for when `FAZHI_PDF_FONTS` is not set.
pub const FONT_PLACES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/lxgw/LXGWWenKai-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
];

#[derive(Debug, Clone, thiserror::Error)]
pub enum PdfError {
    #[error(
        "生成 PDF 需要中文字体：未找到字体文件（请安装 fonts-noto-cjk，或以环境变量 FAZHI_PDF_FONTS 指定字体文件或目录）"
    )]
    NoFonts,
    #[error("读取字体 {path} 失败：{message}")]
    Font { path: String, message: String },
    #[error("排版 PDF 失败：{0}")]
    Layout(String),
}

/// The font files to load: those named in `FAZHI_PDF_FONTS`, else the usual places.
pub fn font_files() -> Vec<PathBuf> {
    match std::env::var_os("FAZHI_PDF_FONTS").filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list)
            .flat_map(|p| {
                if p.is_dir() {
                    let mut files: Vec<PathBuf> = std::fs::read_dir(&p)
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| is_font(f))
                        .collect();
                    files.sort();
                    files
                } else {
                    vec![p]
                }
            })
            .collect(),
        None => FONT_PLACES
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .collect(),
    }
}

fn is_font(path: &Path) -> bool {
    path.extension().and_then(|x| x.to_str()).is_some_and(|x| {
        matches!(
            x.to_ascii_lowercase().as_str(),
            "ttf" | "otf" | "ttc" | "otc"
        )
    })
}

/// The engine with its fonts, made once per process (the fonts are tens of megabytes).
fn engine() -> Result<&'static TypstEngine<typst_as_lib::TypstTemplateMainFile>, PdfError> {
    static ENGINE: OnceLock<Result<TypstEngine<typst_as_lib::TypstTemplateMainFile>, PdfError>> =
        OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut fonts = Vec::new();
            for path in font_files() {
                fonts.push(std::fs::read(&path).map_err(|e| PdfError::Font {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?);
            }
            if fonts.is_empty() {
                return Err(PdfError::NoFonts);
            }
            Ok(TypstEngine::builder()
                .main_file(TEMPLATE)
                .fonts(fonts)
                .build())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The document as a PDF, fonts embedded. `fonts` names the preferred families by role (the
/// official ones by default); where a family is not among the loaded fonts, a loaded CJK face
/// stands in.
pub fn render(doc: &Document, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let engine = engine()?;
    let doc_json = serde_json::to_string(doc).map_err(|e| PdfError::Layout(e.to_string()))?;
    let fonts_json = serde_json::json!({
        "title": fonts.title,
        "body": fonts.body,
        "heading1": fonts.heading1,
        "heading2": fonts.heading2,
        "table": fonts.table,
        "page_number": fonts.page_number,
    })
    .to_string();
    let mut inputs = Dict::new();
    inputs.insert("doc".into(), doc_json.into_value());
    inputs.insert("fonts".into(), fonts_json.into_value());
    let compiled: typst_layout::PagedDocument = engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| PdfError::Layout(e.to_string()))?;
    typst_pdf::pdf(&compiled, &typst_pdf::PdfOptions::default())
        .map_err(|e| PdfError::Layout(format!("{e:?}")))
}
