//! Reports in the console: each procedure's statistics for a year and the information-
//! disclosure annual report (HTML on the page; DOCX, JSON and HTML to download). Every figure
//! links to the list of the cases behind it. For the region-wide roles (administrator, leaders,
//! justice bureau), over their region.

use crate::AppState;
use crate::error::{OrErrorPage, WebError, render_page};
use crate::i18n::{Lang, Tr};
use crate::session::Staff;
use crate::views::Chrome;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Datelike;
use fazhi_app::reports::{self, Figure, Statistics};
use fazhi_core::region::RegionCode;
use fazhi_report::disclosure::Format;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/stats", get(stats))
        .route("/reports/disclosure", get(disclosure))
        .route("/supervision", get(supervision))
}

/// A figure as the supervision page shows it: its label, value and the list it opens.
pub struct Shown {
    pub label: String,
    pub value: String,
    pub count: i64,
    pub link: String,
    pub alarm: bool,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    t: Tr,
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    headline: Vec<Shown>,
    /// The columns of the table by enforcement body, and its rows: (body, a cell per column).
    by_body_columns: Vec<String>,
    by_body: Vec<(String, Vec<Shown>)>,
    defects: Vec<Shown>,
    evaluations: Vec<fazhi_core::evaluation::BodySummary>,
    departments: Vec<(String, String)>,
}

impl SupervisionPage {
    fn department(&self, id: &str) -> String {
        self.departments
            .iter()
            .find(|(d, _)| d == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

/// 行政执法监督: enforcement across the region's bodies, for the justice bureau — the figures
/// of the report file `supervision` (each a query over the records, opening its list), and the
/// grading of case files (a measure of its own).
async fn supervision(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ReportQuery>,
) -> Response {
    async {
        let region = report_region(&staff)?;
        let this_year = state.app.store().today().year();
        let year = q.year.unwrap_or(this_year);
        let english = staff.lang == Lang::En;
        let spec = state.app.report("supervision")?;
        let figures = state
            .app
            .figures(spec, &region, year, fazhi_app::figures::Detail::Counts)
            .await?;
        let by_department = state.app.figures_by_department(spec, &region, year).await?;
        let shown = |f: &fazhi_app::figures::FigureSpec,
                     value: Option<&fazhi_app::figures::FigureValue>,
                     count: i64,
                     department: Option<&str>| {
            let base = value.map(|v| v.query.clone()).unwrap_or_default();
            Shown {
                label: if english && !f.en.is_empty() {
                    f.en.clone()
                } else {
                    f.zh.clone()
                },
                value: count.to_string(),
                count,
                link: match department {
                    Some(d) => format!("{base}&department={d}"),
                    None => base,
                },
                alarm: f.group.as_deref() == Some("headline_alarm"),
            }
        };
        let in_group = |group: &'static str| {
            spec.figures
                .iter()
                .filter(move |f| f.group.as_deref().is_some_and(|g| g.starts_with(group)))
        };
        let headline = in_group("headline")
            .map(|f| {
                let v = figures.figures.get(&f.key);
                shown(f, v, v.map_or(0, |v| v.record_count), None)
            })
            .collect();
        let defects = in_group("defects")
            .map(|f| {
                let v = figures.figures.get(&f.key);
                shown(f, v, v.map_or(0, |v| v.record_count), None)
            })
            .collect();
        let columns: Vec<&fazhi_app::figures::FigureSpec> = in_group("by_body").collect();
        let mut bodies: Vec<String> = columns
            .iter()
            .flat_map(|f| by_department.get(&f.key).into_iter().flatten())
            .map(|(d, _)| d.clone())
            .collect();
        bodies.sort();
        bodies.dedup();
        let by_body = bodies
            .into_iter()
            .map(|body| {
                let cells = columns
                    .iter()
                    .map(|f| {
                        let count = by_department
                            .get(&f.key)
                            .and_then(|rows| rows.iter().find(|(d, _)| *d == body))
                            .map_or(0, |(_, n)| *n);
                        shown(f, figures.figures.get(&f.key), count, Some(&body))
                    })
                    .collect();
                (body, cells)
            })
            .collect();
        let evaluations =
            reports::evaluations(state.app.store(), state.app.procedures(), &region, year).await?;
        Ok::<_, WebError>(render_page(
            SupervisionPage {
                t: staff.lang.texts(),
                c: Chrome::new(&staff.user, staff.lang, "supervision", uri.path()),
                year,
                years: years_around(this_year),
                headline,
                by_body_columns: columns
                    .iter()
                    .map(|f| {
                        if english && !f.en.is_empty() {
                            f.en.clone()
                        } else {
                            f.zh.clone()
                        }
                    })
                    .collect(),
                by_body,
                defects,
                evaluations,
                departments: crate::console::department_names(&state).await?,
            },
            StatusCode::OK,
            staff.lang,
        ))
    }
    .await
    .or_error_page(staff.lang)
}

/// The link to the list of a figure's cases (none for an empty figure).
pub fn cases_link(ids: &[String]) -> Option<String> {
    (!ids.is_empty()).then(|| format!("/console/cases?ids={}", ids.join(",")))
}

/// The region a staff member reports on: that of their first region-wide grant.
pub(crate) fn report_region(staff: &Staff) -> Result<RegionCode, WebError> {
    staff
        .user
        .principal()
        .grants
        .iter()
        .find(|g| g.role.sees_whole_region())
        .map(|g| g.region.clone())
        .ok_or_else(|| WebError::Forbidden("报表仅对管理员、领导和司法局工作人员开放".into()))
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    year: Option<i32>,
    procedure: Option<String>,
    format: Option<String>,
    download: Option<String>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    t: Tr,
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    procedures: Vec<(String, String)>,
}

fn years_around(this_year: i32) -> Vec<i32> {
    (2018..=this_year).rev().collect()
}

async fn index(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ReportQuery>,
) -> Response {
    async {
        report_region(&staff)?;
        let this_year = state.app.store().today().year();
        let english = staff.lang == crate::i18n::Lang::En;
        let procedures = state
            .app
            .procedures()
            .procedures(state.app.store().today())
            .into_iter()
            .map(|d| (d.code.clone(), d.name.get(english).to_string()))
            .collect();
        Ok::<_, WebError>(render_page(
            IndexPage {
                t: staff.lang.texts(),
                c: Chrome::new(&staff.user, staff.lang, "reports", uri.path()),
                year: q.year.unwrap_or(this_year - 1),
                years: years_around(this_year),
                procedures,
            },
            StatusCode::OK,
            staff.lang,
        ))
    }
    .await
    .or_error_page(staff.lang)
}

#[derive(Template)]
#[template(path = "report_stats.html")]
struct StatsPage {
    t: Tr,
    c: Chrome,
    s: Statistics,
    years: Vec<i32>,
}

impl StatsPage {
    fn headline(&self) -> Vec<(&'static str, &Figure)> {
        let s = &self.s;
        vec![
            ("received", &s.received),
            ("carried_over", &s.carried_over),
            ("concluded", &s.concluded),
            ("pending", &s.pending),
            ("on_time", &s.on_time),
            ("late", &s.late),
        ]
    }

    fn link(&self, figure: &Figure) -> String {
        cases_link(&figure.cases).unwrap_or_default()
    }
}

async fn stats(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ReportQuery>,
) -> Response {
    async {
        let region = report_region(&staff)?;
        let this_year = state.app.store().today().year();
        let procedure = q
            .procedure
            .clone()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| WebError::Invalid("请选择程序".into()))?;
        let s = reports::statistics(
            state.app.store(),
            state.app.procedures(),
            &state.calendar(),
            &region,
            &procedure,
            q.year.unwrap_or(this_year - 1),
            staff.lang == crate::i18n::Lang::En,
        )
        .await?;
        Ok::<_, WebError>(render_page(
            StatsPage {
                t: staff.lang.texts(),
                c: Chrome::new(&staff.user, staff.lang, "reports", uri.path()),
                s,
                years: years_around(this_year),
            },
            StatusCode::OK,
            staff.lang,
        ))
    }
    .await
    .or_error_page(staff.lang)
}

#[derive(Template)]
#[template(path = "report_disclosure.html")]
struct DisclosurePage {
    t: Tr,
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    format: String,
    consistent: bool,
    body: String,
}

async fn disclosure(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ReportQuery>,
) -> Response {
    async {
        let region = report_region(&staff)?;
        let this_year = state.app.store().today().year();
        let year = q.year.unwrap_or(this_year - 1);
        let format = match q.format.as_deref().filter(|f| !f.is_empty()) {
            Some(code) => Some(Format::from_code(code).ok_or_else(|| {
                WebError::Invalid(format!("报表格式“{code}”无效（2019 或 2021）"))
            })?),
            None => None,
        };
        let report = state.app.disclosure_report(&region, year, format).await?;
        let body_name = state
            .app
            .store()
            .regions()
            .await?
            .into_iter()
            .find(|r| r.code == region.as_str())
            .map(|r| format!("{}人民政府", r.name))
            .unwrap_or_default();
        let document = report.to_document(&body_name, &cases_link);
        let file = format!("disclosure-report-{year}");
        match q.download.as_deref() {
            Some("docx") => {
                let bytes = fazhi_report::docx::render(&document, &Default::default())
                    .map_err(|e| WebError::Internal(e.to_string()))?;
                return Ok(download(
                    bytes,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    &format!("{file}.docx"),
                ));
            }
            Some("json") => {
                let json = serde_json::to_vec_pretty(&report.to_json())
                    .map_err(|e| WebError::Internal(e.to_string()))?;
                return Ok(download(json, "application/json", &format!("{file}.json")));
            }
            Some("html") => {
                // The download carries no links: they lead into the console.
                let html = fazhi_report::html::render(&report.to_document(&body_name, &|_| None));
                return Ok(download(
                    html.into_bytes(),
                    "text/html; charset=utf-8",
                    &format!("{file}.html"),
                ));
            }
            Some(other) => {
                return Err(WebError::Invalid(format!(
                    "下载格式“{other}”无效（docx、json 或 html）"
                )));
            }
            None => {}
        }
        Ok::<_, WebError>(render_page(
            DisclosurePage {
                t: staff.lang.texts(),
                c: Chrome::new(&staff.user, staff.lang, "reports", uri.path()),
                year,
                years: years_around(this_year),
                format: report.format.code().to_string(),
                consistent: report.consistency.ok,
                body: fazhi_report::html::render_fragment(&document),
            },
            StatusCode::OK,
            staff.lang,
        ))
    }
    .await
    .or_error_page(staff.lang)
}

pub(crate) fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
