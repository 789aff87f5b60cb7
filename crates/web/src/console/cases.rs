//! The generic case screens, for every procedure: the list (filters, sorting, paging, CSV
//! export), a case's page (fields, clocks with how each due date was computed, the timeline,
//! and a form for each action the user may take now), "my deadlines" and the leaders' dashboard.

use crate::AppState;
use crate::cases::{CaseQuery, CaseView};
use crate::error::{OrErrorPage, PageError, WebError, render_page};
use crate::forms::{Input, form_fields, inputs, refill, show_value, value_of};
use crate::i18n::{Lang, Tr};
use crate::session::Staff;
use crate::uploads::{PostedForm, attach};
use crate::views::{Chrome, EventView, Names};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fazhi_app::cases::Opening;
use fazhi_core::engine::{Actor, Command};
use fazhi_core::procedure::{Definition, FieldType};
use fazhi_store::cases::CaseListItem;
use serde::Deserialize;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases",
            get(list)
                .post(create)
                .layer(DefaultBodyLimit::max(crate::uploads::MAX_BODY_BYTES)),
        )
        .route("/cases.csv", get(export))
        .route("/cases/new", get(new_form))
        .route(
            "/cases/{id}",
            get(show)
                .post(take)
                .layer(DefaultBodyLimit::max(crate::uploads::MAX_BODY_BYTES)),
        )
        .route("/deadlines", get(deadlines))
        .route("/mine", get(mine))
}

// ----- list -----

pub struct Row {
    pub id: String,
    pub number: String,
    pub title: String,
    pub procedure: String,
    pub department: String,
    pub state: String,
    pub due: String,
    pub deadline: String,
    pub deadline_label: String,
    pub updated: String,
}

fn rows(
    state: &AppState,
    items: &[CaseListItem],
    t: Tr,
    departments: &[(String, String)],
) -> Vec<Row> {
    let today = state.app.store().today();
    let english = t.0 == Lang::En;
    items
        .iter()
        .map(|i| {
            let definition = state.app.procedures().current(&i.procedure, today);
            Row {
                id: i.id.clone(),
                number: i.number.clone().unwrap_or_default(),
                title: i.title.clone(),
                procedure: definition
                    .map(|d| d.name.get(english).to_string())
                    .unwrap_or(i.procedure.clone()),
                department: departments
                    .iter()
                    .find(|(id, _)| *id == i.department)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                state: definition
                    .map(|d| d.state_label(&i.state, english))
                    .unwrap_or(i.state.clone()),
                due: i.next_due.clone().unwrap_or_default(),
                deadline: i.deadline.clone().unwrap_or_default(),
                deadline_label: i
                    .deadline
                    .as_deref()
                    .map(|d| t.label("deadline", d))
                    .unwrap_or_default(),
                updated: i.updated_at.display_minutes(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases.html")]
pub struct CasesPage {
    pub t: Tr,
    pub c: Chrome,
    pub title: String,
    pub rows: Vec<Row>,
    /// The count shown: exact, or "10000+" past the store's count cap.
    pub total: String,
    pub page: u32,
    pub pages: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub export: String,
    pub procedures: Vec<(String, String)>,
    pub states: Vec<(String, String)>,
    /// The departments the filter offers: those whose cases the user may read.
    pub filter_departments: Vec<(String, String)>,
    pub q: CaseQuery,
    pub show_filters: bool,
}

const PER_PAGE: u32 = 25;

async fn list_page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    query: CaseQuery,
    active: &'static str,
    title: String,
    show_filters: bool,
) -> Result<Response, WebError> {
    let t = staff.lang.texts();
    let english = staff.lang == Lang::En;
    let principal = staff.user.principal();
    let filter = query
        .filter_with_figure(state, &principal, PER_PAGE)
        .await?;
    let result = state.app.store().list_cases(&principal, &filter).await?;
    let departments = crate::console::department_names(state).await?;
    let today = state.app.store().today();
    // The filters offer what the user may see: the departments whose cases they read (or
    // review), and the procedures their roles work in (all, for a region-wide role).
    let readable: std::collections::HashSet<String> = state
        .app
        .store()
        .departments(None)
        .await?
        .into_iter()
        .filter(|d| {
            fazhi_core::region::RegionCode::parse(&d.region).is_ok_and(|region| {
                principal.can_read_department(&region, &d.id)
                    || principal.reviews(&region, Some(&d.id))
            })
        })
        .map(|d| d.id)
        .collect();
    let filter_departments: Vec<(String, String)> = departments
        .iter()
        .filter(|(id, _)| readable.contains(id))
        .cloned()
        .collect();
    // A department's staff: the procedures with cases in their departments, and those they
    // may open; a region-wide role: every procedure.
    let whole_region = principal.grants.iter().any(|g| g.role.sees_whole_region());
    let with_cases = if whole_region {
        Vec::new()
    } else {
        let ids: Vec<String> = readable.iter().cloned().collect();
        state.app.store().procedures_in_departments(&ids).await?
    };
    let procedures: Vec<(String, String)> = state
        .app
        .procedures()
        .procedures(today)
        .into_iter()
        .filter(|d| {
            whole_region
                || with_cases.contains(&d.code)
                || d.actions
                    .iter()
                    .filter(|a| a.creates())
                    .any(|a| a.open_to(fazhi_core::engine::Actor::User(&principal)))
        })
        .map(|d| (d.code.clone(), d.name.get(english).to_string()))
        .collect();
    let states: Vec<(String, String)> = query
        .procedure
        .as_ref()
        .and_then(|p| state.app.procedures().current(p, today))
        .map(|d| {
            d.states
                .iter()
                .map(|s| (s.code.clone(), s.label.get(english).to_string()))
                .collect()
        })
        .unwrap_or_default();
    let pages = ((result.total as u32).div_ceil(PER_PAGE)).max(1);
    let page_no = result.page;
    let base = path.to_string();
    let p = render_page(
        CasesPage {
            t,
            c: Chrome::new(&staff.user, staff.lang, active, path),
            title,
            rows: rows(state, &result.items, t, &departments),
            total: if result.total_exact {
                result.total.to_string()
            } else {
                format!("{}+", result.total)
            },
            page: page_no,
            pages,
            prev: (page_no > 1).then(|| format!("{base}?{}", query.with_page(page_no - 1))),
            next: (page_no < pages).then(|| format!("{base}?{}", query.with_page(page_no + 1))),
            export: format!("/console/cases.csv?{}", query.with_page(0)),
            procedures,
            states,
            filter_departments,
            q: query,
            show_filters,
        },
        StatusCode::OK,
        staff.lang,
    );
    Ok(p)
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<CaseQuery>,
) -> Response {
    let title = staff.lang.texts().get("cases.title").to_string();
    list_page(&state, &staff, uri.path(), query, "cases", title, true)
        .await
        .or_error_page(staff.lang)
}

/// The cases assigned to the user (承办人), soonest deadline first.
async fn mine(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(mut query): Query<CaseQuery>,
) -> Response {
    query.mine = Some("on".into());
    if query.sort.as_deref().is_none_or(str::is_empty) {
        query.sort = Some("due".into());
    }
    let title = staff.lang.texts().get("nav.mine").to_string();
    list_page(&state, &staff, uri.path(), query, "mine", title, true)
        .await
        .or_error_page(staff.lang)
}

async fn deadlines(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(mut query): Query<CaseQuery>,
) -> Response {
    // By default everything yellow or red, soonest first.
    if query.deadline.as_deref().is_none_or(str::is_empty) {
        query.deadline = Some("attention".into());
    }
    if query.sort.as_deref().is_none_or(str::is_empty) {
        query.sort = Some("due".into());
    }
    let title = staff.lang.texts().get("nav.deadlines").to_string();
    list_page(&state, &staff, uri.path(), query, "deadlines", title, false)
        .await
        .or_error_page(staff.lang)
}

/// The list as CSV (UTF-8 with a byte-order mark, so that Excel opens the Chinese correctly).
async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<CaseQuery>,
) -> Response {
    let result = async {
        let t = staff.lang.texts();
        let principal = staff.user.principal();
        let departments = crate::console::department_names(&state).await?;
        let mut out = String::from("\u{feff}");
        let header = [
            "cases.number",
            "cases.case_number",
            "cases.subject",
            "cases.procedure",
            "cases.department",
            "cases.state",
            "cases.due",
            "cases.deadline",
            "cases.updated",
        ];
        out.push_str(
            &header
                .iter()
                .map(|k| t.get(k))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
        let mut page_no = 1;
        loop {
            let mut filter = query.filter_with_figure(&state, &principal, 500).await?;
            filter.page = page_no;
            let result = state.app.store().list_cases(&principal, &filter).await?;
            for r in rows(&state, &result.items, t, &departments) {
                let cells = [
                    r.id,
                    r.number,
                    r.title,
                    r.procedure,
                    r.department,
                    r.state,
                    r.due,
                    r.deadline_label,
                    r.updated,
                ];
                out.push_str(
                    &cells
                        .iter()
                        .map(|c| csv_cell(c))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                out.push_str("\r\n");
            }
            // A short page is the last (the count stops at the store's cap; the export does not).
            if result.items.len() < 500 {
                break;
            }
            page_no += 1;
        }
        Ok::<_, WebError>(
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"cases.csv\"",
                    ),
                ],
                out,
            )
                .into_response(),
        )
    }
    .await;
    result.or_error_page(staff.lang)
}

pub(crate) fn csv_cell(text: &str) -> String {
    // Cells that a spreadsheet would run as formulas are prefixed with an apostrophe (a plain
    // number such as “-12.5%” is not one).
    let number = text.trim_end_matches('%').parse::<f64>().is_ok();
    let text = if text.starts_with(['=', '+', '-', '@']) && !number {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

// ----- new case -----

#[derive(Template)]
#[template(path = "case_new.html")]
pub struct NewCasePage {
    pub t: Tr,
    pub c: Chrome,
    pub procedures: Vec<(String, String)>,
    pub procedure: String,
    pub procedure_name: String,
    /// The opening actions open to the user (code, label), when there is more than one.
    pub choices: Vec<(String, String)>,
    pub action: String,
    pub action_label: String,
    pub basis: String,
    pub inputs: Vec<Input>,
    pub error: Option<String>,
    /// Today (YYYY-MM-DD): the latest day a step may be dated.
    pub today: String,
}

#[derive(Deserialize)]
struct NewQuery {
    procedure: Option<String>,
    action: Option<String>,
}

/// The actions that open a case of `definition` and that `principal` may take.
fn openings<'a>(
    definition: &'a fazhi_core::procedure::Definition,
    principal: &fazhi_core::authz::Principal,
) -> impl Iterator<Item = &'a fazhi_core::procedure::Action> {
    definition
        .actions
        .iter()
        .filter(move |a| a.creates() && a.open_to(Actor::User(principal)))
}

#[allow(clippy::too_many_arguments)]
async fn new_page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    procedure: Option<String>,
    action: Option<&str>,
    form: &[(String, String)],
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let english = staff.lang == Lang::En;
    let today = state.app.store().today();
    let principal = staff.user.principal();
    // Only the procedures the user may open a case of.
    let procedures: Vec<(String, String)> = state
        .app
        .procedures()
        .procedures(today)
        .into_iter()
        .filter(|d| openings(d, &principal).next().is_some())
        .map(|d| (d.code.clone(), d.name.get(english).to_string()))
        .collect();
    let definition = procedure
        .as_deref()
        .and_then(|p| state.app.procedures().current(p, today))
        .filter(|d| openings(d, &principal).next().is_some());
    let choices: Vec<(String, String)> = definition
        .map(|d| {
            openings(d, &principal)
                .map(|a| (a.code.clone(), a.label.get(english).to_string()))
                .collect()
        })
        .unwrap_or_default();
    let departments = crate::console::department_names(state).await?;
    let chosen = definition.and_then(|d| {
        openings(d, &principal)
            .find(|a| action.is_some_and(|code| a.code == code))
            .or_else(|| openings(d, &principal).next())
            .map(|a| (d, a))
    });
    let (action, action_label, basis, mut inputs) = match chosen {
        Some((d, a)) => (
            a.code.clone(),
            a.label.get(english).to_string(),
            a.basis.clone(),
            inputs(d, &a.needs, &a.may, english, &departments, &[]),
        ),
        None => (String::new(), String::new(), String::new(), Vec::new()),
    };
    refill(&mut inputs, form);
    Ok(render_page(
        NewCasePage {
            today: state.app.today().format("%Y-%m-%d").to_string(),
            t: staff.lang.texts(),
            c: Chrome::new(&staff.user, staff.lang, "cases", path),
            procedures,
            procedure: definition.map(|d| d.code.clone()).unwrap_or_default(),
            procedure_name: definition
                .map(|d| d.name.get(english).to_string())
                .unwrap_or_default(),
            choices: if choices.len() > 1 {
                choices
            } else {
                Vec::new()
            },
            action,
            action_label,
            basis,
            inputs,
            error,
        },
        status,
        staff.lang,
    ))
}

async fn new_form(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<NewQuery>,
) -> Response {
    new_page(
        &state,
        &staff,
        uri.path(),
        q.procedure,
        q.action.as_deref(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
    .or_error_page(staff.lang)
}

/// The day a step took effect, when a clerk enters a past one (`on`, empty for today); the
/// engine keeps it to today and after the case's previous step.
fn step_on(form: &[(String, String)]) -> Result<Option<chrono::NaiveDate>, WebError> {
    match value_of(form, "on")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| WebError::Invalid(format!("办理日期：“{v}”不是日期（年-月-日）"))),
    }
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    posted: PostedForm,
) -> Response {
    let (form, files, unreadable) = posted.parts();
    let procedure = value_of(&form, "procedure").unwrap_or("").to_string();
    let result = async {
        if let Some(e) = unreadable {
            return Err(e);
        }
        let principal = staff.user.principal();
        if procedure.is_empty() {
            return Err(WebError::Invalid("请选择程序".into()));
        }
        let action = value_of(&form, "action").unwrap_or("").to_string();
        let (region, department) = state
            .home_of(&principal, value_of(&form, "department"))
            .await?;
        let on = step_on(&form)?.unwrap_or_else(|| state.app.today());
        let mut fields = form_fields(&form);
        let uploads = attach(state.app.definition_on(&procedure, on)?, &mut fields, files)?;
        let stored = state
            .app
            .open_with_files(
                Opening {
                    procedure: &procedure,
                    action: Some(&action),
                    actor: Actor::User(&principal),
                    region: &region,
                    department,
                    fields,
                    on,
                    receipt: None,
                },
                uploads,
            )
            .await?;
        Ok::<_, WebError>(stored.case.id)
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/console/cases/{id}?notice=saved")).into_response(),
        Err(e @ (WebError::Refused { .. } | WebError::Invalid(_))) => {
            let status = e.status();
            new_page(
                &state,
                &staff,
                uri.path(),
                Some(procedure),
                value_of(&form, "action"),
                &form,
                Some(e.message_in(staff.lang)),
                status,
            )
            .await
            .or_error_page(staff.lang)
        }
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}

// ----- a case -----

pub struct ActionForm {
    pub code: String,
    pub label: String,
    pub basis: String,
    pub inputs: Vec<Input>,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub t: Tr,
    pub c: Chrome,
    pub v: CaseView,
    pub department: String,
    pub facts: Vec<(String, String)>,
    pub forms: Vec<ActionForm>,
    pub events: Vec<EventView>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// Something staff must know about the case (an applicant's e-mail no one can send to).
    pub warning: Option<String>,
    /// Who read the case, newest first (for supervisors): (when, who, what).
    pub reads: Vec<(String, String, String)>,
    /// Documents that can be generated: (code, name).
    pub templates: Vec<(String, String)>,
    pub documents: Vec<fazhi_store::documents::CaseDocument>,
    /// The case's attached files: (field label, file name, sha256, size text).
    pub files: Vec<(String, String, String, String)>,
    /// Today (YYYY-MM-DD): the latest day a step may be dated.
    pub today: String,
}

#[derive(Deserialize)]
struct Flash {
    notice: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn case_page(
    state: &AppState,
    staff: &Staff,
    id: &str,
    path: &str,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
    form: &[(String, String)],
) -> Result<Response, WebError> {
    let english = staff.lang == Lang::En;
    let t = staff.lang.texts();
    let principal = staff.user.principal();
    let stored = state.read_case(&principal, id, "page").await?;
    let definition = state.definition_of(&stored)?;
    let view = state.case_view(&stored, &principal, english)?;
    let departments = crate::console::department_names(state).await?;
    let names = crate::console::user_names(state).await?;
    // Whom the case may be assigned to: the working members of its department.
    let people: Vec<(String, String)> = match &stored.case.department {
        Some(department) => state
            .app
            .store()
            .department_users(department)
            .await?
            .into_iter()
            .map(|id| {
                let name = names.get(&id).cloned().unwrap_or_else(|| id.clone());
                (id, name)
            })
            .collect(),
        None => Vec::new(),
    };
    let facts = definition
        .fields
        .iter()
        .filter_map(|f| {
            view.fields.get(&f.code).map(|v| {
                // A member of staff is shown by name, not by id.
                let shown = match (f.kind, v.as_str().and_then(|id| names.get(id))) {
                    (FieldType::User, Some(name)) => name.clone(),
                    _ => show_value(definition, &f.code, v, english),
                };
                (f.label.get(english).to_string(), shown)
            })
        })
        .collect();
    let forms = view
        .actions
        .iter()
        .map(|a| {
            let mut inputs = inputs(definition, &a.needs, &a.may, english, &departments, &people);
            if value_of(form, "action") == Some(a.code.as_str()) {
                refill(&mut inputs, form);
            }
            ActionForm {
                code: a.code.clone(),
                label: a.label.clone(),
                basis: a.basis.clone(),
                inputs,
            }
        })
        .collect();
    let history = state
        .app
        .store()
        .history(&format!("case:{}", view.id))
        .await?;
    let events = history
        .iter()
        .rev()
        .map(|e| case_event(e, definition, t, &names))
        .collect();
    let department = view
        .department
        .as_ref()
        .and_then(|d| departments.iter().find(|(id, _)| id == d))
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    let documents = state.app.store().documents_of(&view.id).await?;
    let files = attached_files(definition, &history, english);
    // The applicant gave an e-mail address to be told of changes, but nothing can send one:
    // staff must tell them another way.
    let unsent_email = !state.config.email_configured
        && definition
            .fields
            .iter()
            .any(|f| f.contact && view.fields.get(&f.code).is_some_and(|v| v.is_string()));
    let warning = unsent_email.then(|| t.get("cases.email_not_configured").to_string());
    // Who read the case: for the region's supervisors (region-wide roles).
    let reads = if principal.grants.iter().any(|g| g.role.sees_whole_region()) {
        let names = crate::console::user_names(state).await?;
        state
            .app
            .store()
            .reads_of(&stored.case.id, 20)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.at.display_minutes(),
                    names.get(&r.user_id).cloned().unwrap_or(r.user_id),
                    t.label("reads", &r.what),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render_page(
        CasePage {
            today: state.app.today().format("%Y-%m-%d").to_string(),
            warning,
            reads,
            t,
            c: Chrome::new(&staff.user, staff.lang, "cases", path),
            templates: crate::console::documents::documents_for(state, &view.procedure, english),
            v: view,
            department,
            facts,
            forms,
            events,
            notice,
            error,
            documents,
            files,
        },
        status,
        staff.lang,
    ))
}

/// The files attached to a case's fields, for download links.
/// Every file ever attached to the case, from its steps in order (a file attached at one step
/// stays listed when a later step attaches others): (step · field, name, sha256, size).
fn attached_files(
    definition: &Definition,
    history: &[fazhi_core::EventRecord],
    english: bool,
) -> Vec<(String, String, String, String)> {
    let mut out: Vec<(String, String, String, String)> = Vec::new();
    for event in history.iter().filter(|e| e.kind == "case.step") {
        let payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
        let step = &payload["step"];
        let action = step["action"].as_str().unwrap_or("");
        let action_label = definition
            .action(action)
            .map(|a| a.label.get(english).to_string())
            .unwrap_or_else(|| action.to_string());
        for field in &definition.fields {
            let Some(value) = step["fields"]
                .get(&field.code)
                .filter(|_| field.holds_files())
            else {
                continue;
            };
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let (Some(name), Some(sha)) = (item["name"].as_str(), item["sha256"].as_str())
                    && !out.iter().any(|f| f.2 == sha)
                {
                    let size = item["size"].as_i64().unwrap_or(0);
                    out.push((
                        format!(
                            "{action_label} {} · {}",
                            step["on"].as_str().unwrap_or(""),
                            field.label.get(english)
                        ),
                        name.to_string(),
                        sha.to_string(),
                        format!("{:.1} KB", size as f64 / 1024.0),
                    ));
                }
            }
        }
    }
    out
}

/// A case event as a line of its timeline: the action's name and what was filled in.
fn case_event(
    e: &fazhi_core::EventRecord,
    definition: &Definition,
    t: Tr,
    names: &Names,
) -> EventView {
    let english = t.0 == Lang::En;
    let mut view = EventView::new(e, t, names);
    let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
    match e.kind.as_str() {
        "case.step" => {
            let step = &payload["step"];
            let action = step["action"].as_str().unwrap_or("");
            view.kind = definition
                .action(action)
                .map(|a| a.label.get(english).to_string())
                .unwrap_or(action.to_string());
            let filled: Vec<String> = step["fields"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let label = definition
                                .field(k)
                                .map(|f| f.label.get(english).to_string())
                                .unwrap_or(k.clone());
                            format!("{label}：{}", show_value(definition, k, v, english))
                        })
                        .collect()
                })
                .unwrap_or_default();
            view.payload = format!(
                "{} → {}{}{}",
                definition.state_label(step["from"].as_str().unwrap_or(""), english),
                definition.state_label(step["to"].as_str().unwrap_or(""), english),
                if filled.is_empty() { "" } else { "；" },
                filled.join("；")
            );
            // The day the act took effect comes first; when it was recorded later (a paper
            // register entered afterwards, a history), that is said too.
            if let Some(on) = step["on"].as_str() {
                let recorded = e.at.to_china_time().format("%Y-%m-%d").to_string();
                view.at = if recorded == on {
                    view.at.clone()
                } else {
                    t.fill(
                        "cases.effective_recorded",
                        &[("on", on), ("recorded", &view.at)],
                    )
                };
            }
        }
        "case.clock_expired" => {
            let clock = payload["clock"].as_str().unwrap_or("");
            view.kind = t.get("cases.expired").to_string();
            view.payload = definition
                .clock(clock)
                .map(|c| c.label.get(english).to_string())
                .unwrap_or(clock.to_string());
        }
        _ => {}
    }
    view
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(flash): Query<Flash>,
) -> Response {
    let notice = flash.notice.map(|n| {
        let key = if n == "document" {
            "documents.generated"
        } else {
            "departments.saved"
        };
        staff.lang.texts().get(key).to_string()
    });
    case_page(
        &state,
        &staff,
        &id,
        uri.path(),
        notice,
        None,
        StatusCode::OK,
        &[],
    )
    .await
    .or_error_page(staff.lang)
}

async fn take(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    posted: PostedForm,
) -> Response {
    let (form, files, unreadable) = posted.parts();
    let result = async {
        if let Some(e) = unreadable {
            return Err(e);
        }
        let principal = staff.user.principal();
        let stored = state.readable_case(&principal, &id).await?;
        let expected_version = value_of(&form, "expected_version")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| WebError::Invalid("缺少案件版本".into()))?;
        let mut fields = form_fields(&form);
        let definition = state
            .app
            .definition(&stored.case.procedure, &stored.case.definition_version)?;
        let uploads = attach(definition, &mut fields, files)?;
        let command = Command {
            action: value_of(&form, "action").unwrap_or("").to_string(),
            expected_version,
            fields,
            on: step_on(&form)?.unwrap_or_else(|| state.app.today()),
        };
        state
            .app
            .act_on_with_files(Actor::User(&principal), stored, command, uploads)
            .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/cases/{id}?notice=saved")).into_response(),
        Err(e @ (WebError::Refused { .. } | WebError::Invalid(_))) => {
            let status = e.status();
            case_page(
                &state,
                &staff,
                &id,
                uri.path(),
                None,
                Some(e.message_in(staff.lang)),
                status,
                &form,
            )
            .await
            .or_error_page(staff.lang)
        }
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}
