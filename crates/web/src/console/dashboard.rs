//! The dashboard: the deadlines now (due soon in yellow, overdue in red) by department and
//! procedure for everyone; for the leaders and the justice bureau, also the year's report
//! figures with the previous year beside them. Charts are SVG drawn on the server; each
//! chart's numbers download as CSV.

use crate::AppState;
use crate::console::cases::csv_cell;
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
use fazhi_app::figures::Detail;
use fazhi_report::chart::{Bar, Layout, Series, bars};
use serde::Deserialize;

const REPORT: &str = "rule_of_law";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/deadlines.csv", get(deadlines_csv))
        .route("/dashboard/figures.csv", get(figures_csv))
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<i32>,
}

/// Deadlines of one department and procedure.
pub struct DeadlineRow {
    pub department: String,
    pub procedure: String,
    pub due_soon: i64,
    pub overdue: i64,
    pub department_id: String,
    pub procedure_code: String,
}

/// A report figure this year and last.
pub struct FigureRow {
    pub label: String,
    pub unit: String,
    pub now: String,
    pub before: String,
    pub change: String,
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub t: Tr,
    pub c: Chrome,
    pub rows: Vec<DeadlineRow>,
    pub due_soon: i64,
    pub overdue: i64,
    pub deadlines_chart: String,
    /// The year's figures, for those who see the whole region.
    pub year: i32,
    pub years: Vec<i32>,
    pub figures: Vec<FigureRow>,
    pub figures_chart: String,
    pub sees_region: bool,
}

async fn deadline_rows(state: &AppState, staff: &Staff) -> Result<Vec<DeadlineRow>, WebError> {
    let english = staff.lang == Lang::En;
    let counts = state
        .app
        .store()
        .deadline_counts(&staff.user.principal())
        .await?;
    let departments = crate::console::department_names(state).await?;
    let today = state.app.today();
    let mut rows: Vec<DeadlineRow> = Vec::new();
    for (department, procedure, deadline, n) in counts {
        let at = match rows
            .iter()
            .position(|r| r.department_id == department && r.procedure_code == procedure)
        {
            Some(at) => at,
            None => {
                rows.push(DeadlineRow {
                    department: departments
                        .iter()
                        .find(|(id, _)| *id == department)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    procedure: state
                        .app
                        .procedures()
                        .current(&procedure, today)
                        .map(|d| d.name.get(english).to_string())
                        .unwrap_or(procedure.clone()),
                    due_soon: 0,
                    overdue: 0,
                    department_id: department,
                    procedure_code: procedure,
                });
                rows.len() - 1
            }
        };
        if deadline == "overdue" {
            rows[at].overdue += n;
        } else {
            rows[at].due_soon += n;
        }
    }
    Ok(rows)
}

/// The counting figures of the report, this year and the year before.
async fn figure_rows(
    state: &AppState,
    staff: &Staff,
    year: i32,
) -> Result<Vec<(FigureRow, Option<f64>, Option<f64>)>, WebError> {
    let region = super::reports::report_region(staff)?;
    let spec = state.app.report(REPORT)?;
    let mut both = state
        .app
        .figures_of_years(spec, &region, &[year, year - 1], Detail::Counts)
        .await?;
    let before = both.pop().expect("two years asked");
    let now = both.pop().expect("two years asked");
    let english = staff.lang == Lang::En;
    let mut rows = Vec::new();
    for f in &spec.figures {
        let (Some(a), Some(b)) = (now.figures.get(&f.key), before.figures.get(&f.key)) else {
            continue;
        };
        let number = |v: &fazhi_app::figures::FigureValue| {
            v.value.as_ref().and_then(serde_json::Number::as_f64)
        };
        let change = match (number(a), number(b)) {
            (Some(x), Some(y)) if f.unit != "%" && y != 0.0 => {
                format!("{:+.1}%", (x - y) / y * 100.0)
            }
            (Some(x), Some(y)) if f.unit == "%" => format!("{:+.1}", x - y),
            _ => "—".into(),
        };
        rows.push((
            FigureRow {
                label: if english && !f.en.is_empty() {
                    f.en.clone()
                } else {
                    f.zh.clone()
                },
                unit: f.unit.clone(),
                now: a.display(),
                before: b.display(),
                change,
                link: (a.record_count > 0).then(|| a.query.clone()),
            },
            number(a),
            number(b),
        ));
    }
    Ok(rows)
}

async fn dashboard(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<YearQuery>,
) -> Response {
    async {
        let t = staff.lang.texts();
        let rows = deadline_rows(&state, &staff).await?;
        let deadlines_chart = if rows.is_empty() {
            String::new()
        } else {
            bars(
                t.get("dashboard.by_department"),
                &[
                    Series {
                        name: t.label("deadline", "due_soon"),
                        color: "#d29922".into(),
                    },
                    Series {
                        name: t.label("deadline", "overdue"),
                        color: "#cf222e".into(),
                    },
                ],
                &rows
                    .iter()
                    .map(|r| Bar {
                        label: format!("{} · {}", r.department, r.procedure),
                        values: vec![r.due_soon as f64, r.overdue as f64],
                        link: Some(format!(
                            "/console/cases?department={}&procedure={}&deadline=overdue",
                            r.department_id, r.procedure_code
                        )),
                    })
                    .collect::<Vec<_>>(),
                Layout::Stacked,
            )
        };
        let this_year = state.app.today().year();
        let report_region = super::reports::report_region(&staff);
        let year = match (q.year, &report_region) {
            (Some(year), _) => year,
            // The latest finished year with records, not an empty last year.
            (None, Ok(region)) => state.app.default_report_year(REPORT, region).await?,
            (None, Err(_)) => this_year - 1,
        };
        let sees_region = report_region.is_ok();
        let (figures, figures_chart) = if sees_region {
            let figure_rows = figure_rows(&state, &staff, year).await?;
            let chart = bars(
                t.get("dashboard.figures"),
                &[
                    Series {
                        name: year.to_string(),
                        color: "#1f6feb".into(),
                    },
                    Series {
                        name: (year - 1).to_string(),
                        color: "#9aa5b1".into(),
                    },
                ],
                // Counts only (not per cents), and only figures with a value both years.
                &figure_rows
                    .iter()
                    .filter(|(row, _, _)| row.unit != "%")
                    .filter_map(|(row, now, before)| {
                        Some(Bar {
                            label: row.label.clone(),
                            values: vec![(*now)?, (*before)?],
                            link: row.link.clone(),
                        })
                    })
                    .collect::<Vec<_>>(),
                Layout::Grouped,
            );
            (figure_rows.into_iter().map(|(r, _, _)| r).collect(), chart)
        } else {
            (Vec::new(), String::new())
        };
        Ok::<_, WebError>(render_page(
            DashboardPage {
                c: Chrome::new(&staff.user, staff.lang, "dashboard", uri.path()),
                due_soon: rows.iter().map(|r| r.due_soon).sum(),
                overdue: rows.iter().map(|r| r.overdue).sum(),
                rows,
                deadlines_chart,
                year,
                years: (2018..=this_year).rev().collect(),
                figures,
                figures_chart,
                sees_region,
                t,
            },
            StatusCode::OK,
            staff.lang,
        ))
    }
    .await
    .or_error_page(staff.lang)
}

fn csv(name: &str, header: &[String], rows: Vec<Vec<String>>) -> Response {
    // A byte-order mark, so that spreadsheet programs read the Chinese text as UTF-8.
    let mut out = String::from("\u{feff}");
    for row in std::iter::once(header.to_vec()).chain(rows) {
        out.push_str(
            &row.iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response()
}

async fn deadlines_csv(State(state): State<AppState>, staff: Staff) -> Response {
    async {
        let t = staff.lang.texts();
        let rows = deadline_rows(&state, &staff).await?;
        Ok::<_, WebError>(csv(
            "deadlines.csv",
            &[
                t.get("cases.department").to_string(),
                t.get("cases.procedure").to_string(),
                t.label("deadline", "due_soon"),
                t.label("deadline", "overdue"),
            ],
            rows.into_iter()
                .map(|r| {
                    vec![
                        r.department,
                        r.procedure,
                        r.due_soon.to_string(),
                        r.overdue.to_string(),
                    ]
                })
                .collect(),
        ))
    }
    .await
    .or_error_page(staff.lang)
}

async fn figures_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<YearQuery>,
) -> Response {
    async {
        let t = staff.lang.texts();
        let year = match q.year {
            Some(year) => year,
            None => {
                let region = super::reports::report_region(&staff)?;
                state.app.default_report_year(REPORT, &region).await?
            }
        };
        let rows = figure_rows(&state, &staff, year).await?;
        Ok::<_, WebError>(csv(
            &format!("figures-{year}.csv"),
            &[
                t.get("dashboard.figure").to_string(),
                t.get("dashboard.unit").to_string(),
                year.to_string(),
                (year - 1).to_string(),
                t.get("dashboard.change").to_string(),
            ],
            rows.into_iter()
                .map(|(r, _, _)| vec![r.label, r.unit, r.now, r.before, r.change])
                .collect(),
        ))
    }
    .await
    .or_error_page(staff.lang)
}
