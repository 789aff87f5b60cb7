//! The rule-of-law annual report in the console: the report for a year as the district will
//! publish it, every figure linked to its records; each narrative paragraph editable (each save
//! a new version, kept with who and when, and an event of the region's chain); the figures no
//! record can give entered by hand with their source; downloads in Markdown, HTML, Word, PDF
//! and JSON. Regenerated on every view: the edits stay, the figures follow the records.

use crate::AppState;
use crate::error::{OrErrorPage, PageError, WebError, render_page};
use crate::i18n::Tr;
use crate::session::Staff;
use crate::views::Chrome;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Datelike;
use fazhi_app::annual_report::{AnnualReport, Format, figure_text};
use fazhi_app::figures::Detail;
use fazhi_core::Role;
use fazhi_store::report_texts::ReportText;
use serde::Deserialize;

const CODE: &str = "rule_of_law";
const PAGE: &str = "/console/reports/rule-of-law";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/rule-of-law", get(show))
        .route("/reports/rule-of-law/download", get(download))
        .route(
            "/reports/rule-of-law/paragraph",
            get(edit_paragraph).post(save_paragraph),
        )
        .route(
            "/reports/rule-of-law/figure",
            axum::routing::post(save_figure),
        )
}

/// Who may change the report's text and manual figures: the justice bureau drafts it, the
/// leaders and the administrator may correct it.
fn may_edit(staff: &Staff) -> bool {
    let p = staff.user.principal();
    p.has_role(Role::JusticeStaff) || p.has_role(Role::Leader) || p.has_role(Role::Admin)
}

/// Refuses those who may not change the report.
fn editor(staff: &Staff) -> Result<(), WebError> {
    if may_edit(staff) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "只有司法局工作人员、领导和管理员可以修改年度报告".into(),
        ))
    }
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<i32>,
    format: Option<String>,
    id: Option<String>,
    saved: Option<String>,
}

/// The year asked for, or the latest finished year with records of the user's region.
async fn year_of(state: &AppState, staff: &Staff, asked: Option<i32>) -> Result<i32, WebError> {
    match asked {
        Some(year) => Ok(year),
        None => {
            let region = super::reports::report_region(staff)?;
            Ok(state.app.default_report_year(CODE, &region).await?)
        }
    }
}

/// A paragraph as the page shows it.
pub struct ParagraphView {
    pub id: String,
    pub html: String,
    pub omitted: bool,
    pub edited: Option<String>,
}

pub struct SectionView {
    pub heading: String,
    pub level: u8,
    pub paragraphs: Vec<ParagraphView>,
}

pub struct ManualView {
    pub key: String,
    pub label: String,
    pub unit: String,
    pub value: String,
    pub source: String,
    pub hint: String,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "report_annual.html")]
struct ReportPage {
    t: Tr,
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    title: String,
    sections: Vec<SectionView>,
    manual: Vec<ManualView>,
    /// (label, key, why)
    pending: Vec<(String, String, String)>,
    table: String,
    can_edit: bool,
    notice: Option<String>,
    error: Option<String>,
}

/// “v2 · 李晓梅 · 2026-03-02 10:00”: which version, by whom, when.
fn edited_line(t: &ReportText, tr: Tr, names: &crate::views::Names) -> String {
    format!(
        "v{} · {} · {}",
        t.version,
        crate::views::actor_name(&t.actor, tr, names),
        t.recorded_at.to_china_time().format("%Y-%m-%d %H:%M")
    )
}

/// The report of the region the user reports on, for a year.
async fn report_for(
    state: &AppState,
    staff: &Staff,
    year: i32,
    detail: Detail,
) -> Result<AnnualReport, WebError> {
    let region = super::reports::report_region(staff)?;
    Ok(state.app.annual_report(CODE, &region, year, detail).await?)
}

async fn page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    year: i32,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let report = report_for(state, staff, year, Detail::Counts).await?;
    let names = crate::console::user_names(state).await?;
    let tr = staff.lang.texts();
    let sections = report
        .sections
        .iter()
        .map(|s| SectionView {
            heading: s.heading.clone(),
            level: s.level,
            paragraphs: s
                .paragraphs
                .iter()
                .map(|p| ParagraphView {
                    id: p.id.clone(),
                    html: fazhi_report::html::spans_fragment(&report.fill(&p.text, Some(""))),
                    omitted: p.omitted(),
                    edited: p.edited.as_ref().map(|e| edited_line(e, tr, &names)),
                })
                .collect(),
        })
        .collect();
    let spec = state.app.report(CODE)?;
    let mut manual = Vec::new();
    for f in spec.figures.iter().filter(|f| f.manual.is_some()) {
        let value = report.figures.figures.get(&f.key);
        let entered = report.texts.get(&fazhi_app::figures::manual_part(&f.key));
        manual.push(ManualView {
            key: f.key.clone(),
            label: f.zh.clone(),
            unit: f.unit.clone(),
            value: value
                .and_then(|v| v.value.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default(),
            source: value.and_then(|v| v.cited.clone()).unwrap_or_default(),
            hint: f
                .manual
                .as_ref()
                .map(|m| m.source.clone())
                .unwrap_or_default(),
            version: entered.map_or(0, |t| t.version),
        });
    }
    let pending = spec
        .pending_figures()
        .map(|(f, why)| (f.zh.clone(), f.key.clone(), why.to_string()))
        .collect();
    let this_year = state.app.today().year();
    Ok(render_page(
        ReportPage {
            t: staff.lang.texts(),
            c: Chrome::new(&staff.user, staff.lang, "reports", path),
            year,
            years: (2018..=this_year).rev().collect(),
            title: report.title.clone(),
            sections,
            manual,
            pending,
            table: fazhi_report::html::table_fragment(&report.figure_table(Some(""))),
            can_edit: may_edit(staff),
            notice,
            error,
        },
        status,
        staff.lang,
    ))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<YearQuery>,
) -> Response {
    let notice = q
        .saved
        .map(|_| staff.lang.texts().get("annual.saved").to_string());
    async {
        let year = year_of(&state, &staff, q.year).await?;
        page(
            &state,
            &staff,
            uri.path(),
            year,
            notice,
            None,
            StatusCode::OK,
        )
        .await
    }
    .await
    .or_error_page(staff.lang)
}

async fn download(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<YearQuery>,
) -> Response {
    async {
        let year = year_of(&state, &staff, q.year).await?;
        let code = q.format.as_deref().unwrap_or("docx");
        let format = Format::from_code(code).ok_or_else(|| {
            WebError::Invalid(format!(
                "下载格式“{code}”无效（{}）",
                Format::CODES.join("、")
            ))
        })?;
        let report = report_for(&state, &staff, year, format.detail()).await?;
        // A downloaded file leaves the console: its figures carry no console links.
        let bytes = match format {
            Format::Pdf => fazhi_pdf::render(&report.document(None), &Default::default())
                .map_err(|e| WebError::Unavailable(e.to_string()))?,
            other => report.render(other, None)?,
        };
        Ok::<_, WebError>(super::reports::download(
            bytes,
            format.content_type(),
            &report.file_name(format),
        ))
    }
    .await
    .or_error_page(staff.lang)
}

#[derive(Template)]
#[template(path = "report_paragraph.html")]
struct ParagraphPage {
    t: Tr,
    c: Chrome,
    year: i32,
    id: String,
    heading: String,
    text: String,
    shipped: String,
    preview: String,
    version: i64,
    history: Vec<(String, String)>,
    words: Vec<(String, String, String)>,
    error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn paragraph_page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    year: i32,
    id: &str,
    text: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    editor(staff)?;
    let report = report_for(state, staff, year, Detail::Counts).await?;
    let section = report
        .sections
        .iter()
        .find(|s| s.paragraphs.iter().any(|p| p.id == id))
        .ok_or_else(|| WebError::NotFound(format!("报告中没有段落“{id}”")))?;
    let paragraph = report
        .paragraph(id)
        .ok_or_else(|| WebError::NotFound(format!("报告中没有段落“{id}”")))?;
    let names = crate::console::user_names(state).await?;
    let history = state
        .app
        .report_text_history(state.app.report_of(CODE, &report.region, year)?, id)
        .await?
        .iter()
        .map(|t| (edited_line(t, staff.lang.texts(), &names), t.text.clone()))
        .collect();
    let words = [
        ("year", "本报告年度"),
        ("previous_year", "上一年度"),
        ("next_year", "下一年度"),
        ("region", "本区名称"),
    ]
    .into_iter()
    .map(|(k, label)| {
        (
            format!("{{{k}}}"),
            label.to_string(),
            report.fill_text(&format!("{{{k}}}")),
        )
    })
    .chain(report.order.iter().map(|key| {
        let (label, value) = match report.figures.figures.get(key) {
            Some(f) => (f.label.clone(), format!("{}{}", figure_text(f), f.unit)),
            None => (
                report
                    .pending_labels
                    .get(key)
                    .map_or_else(|| key.clone(), |(zh, _)| zh.clone()),
                "暂无记录".to_string(),
            ),
        };
        (format!("{{{key}}}"), label, value)
    }))
    .collect();
    let text = text.unwrap_or_else(|| paragraph.text.clone());
    Ok(render_page(
        ParagraphPage {
            t: staff.lang.texts(),
            c: Chrome::new(&staff.user, staff.lang, "reports", path),
            year,
            id: id.to_string(),
            heading: section.heading.clone(),
            preview: fazhi_report::html::spans_fragment(&report.fill(&text, None)),
            text,
            shipped: paragraph.shipped.clone(),
            version: paragraph.version(),
            history,
            words,
            error,
        },
        status,
        staff.lang,
    ))
}

async fn edit_paragraph(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<YearQuery>,
) -> Response {
    let id = q.id.unwrap_or_default();
    async {
        let year = year_of(&state, &staff, q.year).await?;
        paragraph_page(
            &state,
            &staff,
            uri.path(),
            year,
            &id,
            None,
            None,
            StatusCode::OK,
        )
        .await
    }
    .await
    .or_error_page(staff.lang)
}

#[derive(Deserialize)]
struct ParagraphForm {
    year: i32,
    id: String,
    seen: i64,
    text: String,
}

async fn save_paragraph(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Form(form): Form<ParagraphForm>,
) -> Response {
    let result = async {
        editor(&staff)?;
        let region = super::reports::report_region(&staff)?;
        state
            .app
            .save_report_paragraph(
                &staff.user.principal().actor(),
                state.app.report_of(CODE, &region, form.year)?,
                &form.id,
                form.seen,
                &form.text,
            )
            .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!(
            "{PAGE}?year={}&saved=1#p-{}",
            form.year,
            form.id.replace('.', "-")
        ))
        .into_response(),
        // Nothing is lost: the form comes back with what was written and why it was refused.
        Err(e @ (WebError::Invalid(_) | WebError::Conflict(_))) => paragraph_page(
            &state,
            &staff,
            uri.path(),
            form.year,
            &form.id,
            Some(form.text.clone()),
            Some(e.message_in(staff.lang)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
        .or_error_page(staff.lang),
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}

#[derive(Deserialize)]
struct FigureForm {
    year: i32,
    key: String,
    seen: i64,
    value: String,
    source: String,
}

async fn save_figure(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Form(form): Form<FigureForm>,
) -> Response {
    let result = async {
        editor(&staff)?;
        let region = super::reports::report_region(&staff)?;
        state
            .app
            .save_manual_figure(
                &staff.user.principal().actor(),
                state.app.report_of(CODE, &region, form.year)?,
                &form.key,
                form.seen,
                &form.value,
                &form.source,
            )
            .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match result {
        Ok(()) => {
            Redirect::to(&format!("{PAGE}?year={}&saved=1#manual", form.year)).into_response()
        }
        Err(e @ (WebError::Invalid(_) | WebError::Conflict(_))) => page(
            &state,
            &staff,
            uri.path(),
            form.year,
            None,
            Some(e.message_in(staff.lang)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
        .or_error_page(staff.lang),
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}
