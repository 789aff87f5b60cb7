//! The official calendar in the console: every year Fazhi knows, and a form in which the
//! administrator enters the next year's arrangement when the State Council publishes it. Open
//! cases' deadlines are then recomputed, and each clock's explanation shows the new days.

use crate::AppState;
use crate::error::{OrErrorPage, PageError, WebError};
use crate::i18n::Tr;
use crate::session::Staff;
use crate::views::Chrome;
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use fazhi_core::calendar::{Calendar, Holiday, YearArrangement, to_toml};

pub fn routes() -> Router<AppState> {
    Router::new().route("/calendar", get(show).post(save))
}

/// The holidays of 全国年节及纪念日放假办法, in the order of the year.
const HOLIDAYS: [&str; 7] = [
    "元旦",
    "春节",
    "清明节",
    "劳动节",
    "端午节",
    "中秋节",
    "国庆节",
];

pub struct YearRow {
    pub year: i32,
    pub notice: String,
    pub published: String,
    pub blocks: String,
    pub entered: bool,
}

/// An entry or correction of a year, as every region sees it.
pub struct ChangeRow {
    pub year: String,
    pub corrected: bool,
    pub actor: String,
    pub at: String,
    pub reason: String,
}

pub struct HolidayInput {
    pub index: usize,
    pub name: String,
    pub from: String,
    pub to: String,
    pub work: String,
}

/// From this day of a year on, next year's official holidays are needed: due dates begin to
/// fall in it (a 60-day time limit started in November ends in January).
const NEXT_YEAR_NEEDED_FROM: (u32, u32) = (11, 1);

/// A warning when deadlines need a year of official holidays the installation does not have:
/// this year's, or — from November — next year's (国务院办公厅 publishes them in the autumn).
pub fn missing_year_warning(state: &AppState, t: Tr) -> Option<String> {
    let today = state.app.store().today();
    let calendar = state.calendar();
    let next_needed = (today.month(), today.day()) >= NEXT_YEAR_NEEDED_FROM;
    let missing = if !calendar.has_year(today.year()) {
        today.year()
    } else if next_needed && !calendar.has_year(today.year() + 1) {
        today.year() + 1
    } else {
        return None;
    };
    Some(t.fill("calendar.missing_year", &[("year", &missing.to_string())]))
}

#[derive(Template)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub t: Tr,
    pub c: Chrome,
    pub missing_year: Option<String>,
    pub years: Vec<YearRow>,
    pub can_edit: bool,
    pub year: String,
    pub notice: String,
    pub published: String,
    pub holidays: Vec<HolidayInput>,
    pub reason: String,
    pub changes: Vec<ChangeRow>,
    pub notice_text: Option<String>,
    pub error: Option<String>,
}

#[derive(serde::Deserialize)]
struct Flash {
    recomputed: Option<usize>,
    year: Option<i32>,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    form: &[(String, String)],
    notice_text: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let t = staff.lang.texts();
    let calendar = state.calendar();
    let entered: Vec<i32> = state
        .app
        .store()
        .calendar_years()
        .await?
        .into_iter()
        .map(|(y, _)| y)
        .collect();
    let years = calendar
        .years()
        .into_iter()
        .rev()
        .map(|y| YearRow {
            year: y.year,
            notice: y.notice.clone(),
            published: y.published.clone(),
            blocks: y
                .holidays
                .iter()
                .map(|h| h.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            entered: entered.contains(&y.year),
        })
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let next_year = calendar.years().last().map(|y| y.year + 1).unwrap_or(2027);
    let holidays = HOLIDAYS
        .iter()
        .enumerate()
        .map(|(i, name)| HolidayInput {
            index: i,
            name: match get(&format!("h{i}.name")) {
                n if n.is_empty() => name.to_string(),
                n => n,
            },
            from: get(&format!("h{i}.from")),
            to: get(&format!("h{i}.to")),
            work: get(&format!("h{i}.work")),
        })
        .collect();
    let year = match get("year") {
        y if y.is_empty() => next_year.to_string(),
        y => y,
    };
    let can_edit = crate::console::administers_installation(state, staff).await?;
    let names = crate::console::user_names(state).await?;
    let changes = state
        .app
        .store()
        .calendar_changes()
        .await?
        .iter()
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
            ChangeRow {
                year: payload["year"].to_string(),
                corrected: e.kind == "calendar.year_replaced",
                actor: crate::views::actor_name(&e.actor, t, &names),
                at: e.at.to_china_time().format("%Y-%m-%d %H:%M").to_string(),
                reason: payload["reason"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect();
    let body = CalendarPage {
        t,
        c: Chrome::new(&staff.user, staff.lang, "calendar", path),
        missing_year: missing_year_warning(state, t),
        years,
        can_edit,
        year,
        notice: get("notice"),
        published: get("published"),
        holidays,
        reason: get("reason"),
        changes,
        notice_text,
        error,
    }
    .render()
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((status, Html(body)).into_response())
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(flash): Query<Flash>,
) -> Response {
    let notice = match (flash.year, flash.recomputed) {
        (Some(y), Some(n)) => Some(staff.lang.texts().fill(
            "calendar.saved",
            &[("year", &y.to_string()), ("n", &n.to_string())],
        )),
        _ => None,
    };
    page(
        &state,
        &staff,
        uri.path(),
        &[],
        notice,
        None,
        StatusCode::OK,
    )
    .await
    .or_error_page(staff.lang)
}

fn parse_date(text: &str, what: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| WebError::Invalid(format!("{what}“{text}”不是日期（YYYY-MM-DD）")))
}

/// The form as a year's arrangement; every mistake names the holiday and the field.
fn arrangement(form: &[(String, String)]) -> Result<YearArrangement, WebError> {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let year: i32 = get("year")
        .parse()
        .map_err(|_| WebError::Invalid(format!("年份“{}”无效", get("year"))))?;
    let mut holidays = Vec::new();
    for i in 0..HOLIDAYS.len() {
        let name = get(&format!("h{i}.name"));
        let (from, to) = (get(&format!("h{i}.from")), get(&format!("h{i}.to")));
        if from.is_empty() && to.is_empty() {
            continue;
        }
        let from = parse_date(&from, &format!("{name}的放假起始日"))?;
        let to = if to.is_empty() {
            from
        } else {
            parse_date(&to, &format!("{name}的放假结束日"))?
        };
        if to < from || (to - from).num_days() > 30 {
            return Err(WebError::Invalid(format!(
                "{name}的放假日期 {from} 至 {to} 不合理"
            )));
        }
        let off: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
        let work = get(&format!("h{i}.work"))
            .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| parse_date(s, &format!("{name}的调休上班日")))
            .collect::<Result<Vec<_>, _>>()?;
        holidays.push(Holiday { name, off, work });
    }
    if holidays.is_empty() {
        return Err(WebError::Invalid("至少填写一个节假日的放假日期".into()));
    }
    holidays.sort_by_key(|h| h.off[0]);
    Ok(YearArrangement {
        year,
        notice: get("notice"),
        published: get("published"),
        source: "entered in the console".into(),
        holidays,
    })
}

async fn save(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    match crate::console::administers_installation(&state, &staff).await {
        Ok(true) => {}
        Ok(false) => {
            return PageError(
                WebError::Forbidden(
                    "节假日安排对所有区划有效，只有系统管理员（管理全部区划的管理员）可以录入或更正"
                        .into(),
                ),
                staff.lang,
            )
            .into_response();
        }
        Err(e) => return PageError(e, staff.lang).into_response(),
    }
    let result = async {
        let year = arrangement(&form)?;
        let reason = form
            .iter()
            .find(|(k, _)| k == "reason")
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty());
        // A year already known — built in or entered — is law cases ran under: correcting it
        // needs a recorded reason.
        if state.calendar().has_year(year.year) && reason.is_none() {
            return Err(WebError::Invalid(format!(
                "{} 年的安排已有（内置或已录入）：更正须写明理由（如国务院办公厅的更正通知）",
                year.year
            )));
        }
        let text = to_toml(&year);
        // The same checks as a calendar file: make-up days on weekends, consecutive blocks…
        let parsed = Calendar::parse_year(&format!("{}.toml", year.year), &text)
            .map_err(|e| WebError::Invalid(e.to_string()))?;
        if parsed
            .holidays
            .iter()
            .all(|h| h.off.iter().all(|d| d.year() != parsed.year))
        {
            return Err(WebError::Invalid(format!(
                "放假日期都不在 {} 年",
                parsed.year
            )));
        }
        let calendar = state
            .calendar()
            .with_year(parsed.clone())
            .map_err(|e| WebError::Invalid(e.to_string()))?;
        state
            .app
            .store()
            .save_calendar_year(
                &staff.user.principal().actor(),
                parsed.year,
                &text,
                reason.as_deref(),
            )
            .await?;
        state.set_calendar(calendar);
        let recomputed = state.app.recompute_deadlines().await?;
        Ok::<_, WebError>((parsed.year, recomputed))
    }
    .await;
    match result {
        Ok((year, n)) => {
            Redirect::to(&format!("/console/calendar?year={year}&recomputed={n}")).into_response()
        }
        Err(e @ WebError::Invalid(_)) => page(
            &state,
            &staff,
            uri.path(),
            &form,
            None,
            Some(e.message_in(staff.lang)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
        .or_error_page(staff.lang),
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}
