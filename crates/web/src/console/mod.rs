//! The staff console: login, the home page, departments, users and roles, data integrity.
//!
//! Every page needs a staff session ([`Staff`]); what each page shows or allows is checked
//! against the user's grants with the rules of `fazhi_core::authz`.

pub(crate) mod account;
pub(crate) mod annual_report;
pub(crate) mod calendar;
pub(crate) mod cases;
pub(crate) mod dashboard;
pub(crate) mod documents;
pub(crate) mod notifications;
pub(crate) mod reports;

use crate::AppState;
use crate::error::{OrErrorPage, PageError, WebError, render_page};
use crate::i18n::{Lang, Tr};
use crate::session::ClientIp;
use crate::session::{SESSION_COOKIE, Staff, cookie, is_https, safe_next, session_cookie};
use crate::views::*;
use axum::Form;
use axum::Router;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use fazhi_core::authz::DepartmentScope;
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::{DepartmentChange, LoginError, NewUser, SESSION_SECONDS, User};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/departments", get(departments).post(create_department))
        .route("/departments/{id}", get(department).post(update_department))
        .route("/users", get(users).post(create_user))
        .route("/users/{id}/grants", post(change_grants))
        .route("/users/{id}/active", post(change_active))
        .route("/users/{id}/password", post(reset_password))
        .route("/audit", get(audit))
        .route("/audit/checkpoint", post(make_checkpoint))
        .route("/audit/verify", post(verify))
}

#[derive(Deserialize, Default)]
pub struct Flash {
    notice: Option<String>,
    next: Option<String>,
}

// ----- login -----

async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Query(q): Query<Flash>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(_)) = state.app.store().session_user(&token).await
    {
        return Redirect::to(&next).into_response();
    }
    let t = lang.texts();
    let page = LoginPage {
        t,
        other_lang: lang.other().code(),
        error: None,
        notice: (q.notice.as_deref() == Some("password_changed"))
            .then(|| t.get("account.password_changed").to_string()),
        name: String::new(),
        next,
    };
    render_page(page, StatusCode::OK, lang)
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = lang.texts();
    let next = safe_next(form.next.as_deref());
    let outcome = match state
        .app
        .store()
        .login(&form.name, &form.password, &ip)
        .await
    {
        Ok(outcome) => outcome,
        Err(e) => return PageError(e.into(), lang).into_response(),
    };
    let (status, message) = match outcome {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            let cookie =
                session_cookie(&session.token, SESSION_SECONDS, is_https(&state, &headers));
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            return response;
        }
        Err(LoginError::InvalidCredentials) => {
            (StatusCode::UNAUTHORIZED, t.get("login.invalid").to_string())
        }
        Err(LoginError::Throttled {
            retry_after_seconds,
        }) => {
            let minutes = (retry_after_seconds + 59) / 60;
            (
                StatusCode::TOO_MANY_REQUESTS,
                t.fill("login.throttled", &[("minutes", &minutes.to_string())]),
            )
        }
    };
    let page = LoginPage {
        t,
        other_lang: lang.other().code(),
        error: Some(message),
        notice: None,
        name: form.name,
        next,
    };
    render_page(page, status, lang)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state.app.store().logout(&token).await
    {
        tracing::warn!(error = %e, "logout could not be recorded");
    }
    let mut response = Redirect::to("/console/login").into_response();
    let clear = session_cookie("", 0, is_https(&state, &headers));
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

// ----- home -----

/// "See all N" under a list that shows fewer than its N cases.
fn more(t: Tr, shown: usize, total: i64) -> String {
    if total > shown as i64 {
        t.fill("home.all", &[("n", &total.to_string())])
    } else {
        String::new()
    }
}

/// The first cases of a home list: `attention` (overdue or due soon, soonest first) or `mine`
/// (assigned to the user), and how many there are in all.
async fn home_cases(
    state: &AppState,
    principal: &fazhi_core::authz::Principal,
    which: &str,
    lang: Lang,
) -> Result<(Vec<crate::views::CaseLine>, i64), WebError> {
    let query = crate::cases::CaseQuery {
        deadline: (which == "attention").then(|| "attention".to_string()),
        mine: (which == "mine").then(|| "on".to_string()),
        sort: Some("due".into()),
        per_page: Some(6),
        ..Default::default()
    };
    let filter = query.filter_with_figure(state, principal, 6).await?;
    let page = state.app.store().list_cases(principal, &filter).await?;
    let english = lang == Lang::En;
    let today = state.app.store().today();
    let lines = page
        .items
        .into_iter()
        .map(|c| {
            let definition = state.app.procedures().current(&c.procedure, today);
            crate::views::CaseLine {
                procedure: definition
                    .map(|d| d.name.get(english).to_string())
                    .unwrap_or_else(|| c.procedure.clone()),
                state: definition
                    .map(|d| d.state_label(&c.state, english).to_string())
                    .unwrap_or_else(|| c.state.clone()),
                due: c.next_due.unwrap_or_default(),
                deadline: c.deadline.unwrap_or_default(),
                id: c.id,
                title: c.title,
            }
        })
        .collect();
    Ok((lines, page.total))
}

/// An event of the region as a line of the home page's activity: a case's step in words
/// (its procedure, the action, the states), linked to the case — never its fields.
fn activity(state: &AppState, e: &fazhi_core::EventRecord, t: Tr, names: &Names) -> EventView {
    let mut view = EventView::new(e, t, names);
    let Some(case_id) = e.subject.strip_prefix("case:") else {
        return view;
    };
    let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
    let english = t.0 == Lang::En;
    let definition = payload["procedure"].as_str().and_then(|code| {
        let version = payload["definition_version"].as_str().unwrap_or_default();
        state.app.definition(code, version).ok().or_else(|| {
            state
                .app
                .procedures()
                .current(code, state.app.store().today())
        })
    });
    if let Some(definition) = definition {
        let step = &payload["step"];
        match step["action"].as_str() {
            Some(action) => {
                view.kind = format!(
                    "{} · {}",
                    definition.name.get(english),
                    definition
                        .action(action)
                        .map(|a| a.label.get(english).to_string())
                        .unwrap_or_else(|| action.to_string())
                );
                view.payload = format!(
                    "{} → {}",
                    definition.state_label(step["from"].as_str().unwrap_or(""), english),
                    definition.state_label(step["to"].as_str().unwrap_or(""), english)
                );
            }
            None => view.kind = format!("{} · {}", definition.name.get(english), view.kind),
        }
    }
    view.link = Some(format!("/console/cases/{case_id}"));
    view
}

async fn home(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, Response> {
    let lang = staff.lang;
    let t = lang.texts();
    let fail = |e: WebError| PageError(e, lang).into_response();
    let principal = staff.user.principal();
    let department_names = department_names(&state).await.map_err(fail)?;
    let grants = staff
        .user
        .grants
        .iter()
        .map(|g| GrantView {
            role: t.label("role", g.role.code()),
            region: g.region.to_string(),
            department: g
                .department
                .as_ref()
                .map(|d| {
                    department_names
                        .iter()
                        .find(|(id, _)| id == d)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
        })
        .collect();
    let heights = named_heights(&state).await.map_err(fail)?;
    let names = user_names(&state).await.map_err(fail)?;
    let mut chains = Vec::new();
    let mut events = Vec::new();
    for region in principal.regions() {
        match principal.department_scope(&region) {
            DepartmentScope::All => {
                if let Some(row) = heights.iter().find(|(r, _, _)| r == region.as_str()) {
                    chains.push(row.clone());
                }
                let recent = state
                    .app
                    .store()
                    .recent_events(region.as_str(), 15)
                    .await
                    .map_err(|e| fail(e.into()))?;
                events.extend(recent.iter().map(|e| activity(&state, e, t, &names)));
            }
            DepartmentScope::Only(ids) => {
                for id in ids {
                    let history = state
                        .app
                        .store()
                        .history(&format!("department:{id}"))
                        .await
                        .map_err(|e| fail(e.into()))?;
                    events.extend(
                        history
                            .iter()
                            .rev()
                            .take(15)
                            .map(|e| EventView::new(e, t, &names)),
                    );
                }
            }
        }
    }
    let (due, due_total) = home_cases(&state, &principal, "attention", lang)
        .await
        .map_err(fail)?;
    let (mine, mine_total) = home_cases(&state, &principal, "mine", lang)
        .await
        .map_err(fail)?;
    let page = HomePage {
        t,
        c: Chrome::new(&staff.user, lang, "home", uri.path()),
        welcome: t.fill("home.welcome", &[("name", &staff.user.display_name)]),
        grants,
        chains,
        events,
        missing_year: if principal.has_role(fazhi_core::Role::Admin) {
            calendar::missing_year_warning(&state, t)
        } else {
            None
        },
        due_more: more(t, due.len(), due_total),
        mine_more: more(t, mine.len(), mine_total),
        due,
        due_total,
        mine,
        mine_total,
    };
    Ok(render_page(page, StatusCode::OK, lang))
}

/// Each region's chain height, with the region's name.
async fn named_heights(state: &AppState) -> Result<Vec<(String, String, i64)>, WebError> {
    let regions = state.app.store().regions().await?;
    Ok(state
        .app
        .store()
        .chain_heights()
        .await?
        .into_iter()
        .map(|(code, height)| {
            let name = regions
                .iter()
                .find(|r| r.code == code)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| {
                    if code == "000000" {
                        "本平台".into()
                    } else {
                        String::new()
                    }
                });
            (code, name, height)
        })
        .collect())
}

pub(crate) async fn user_names(state: &AppState) -> Result<Names, WebError> {
    Ok(state
        .app
        .store()
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Every department as (id, name), for showing names and filling select boxes.
pub(crate) async fn department_names(state: &AppState) -> Result<Vec<(String, String)>, WebError> {
    Ok(state
        .app
        .store()
        .departments(None)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

// ----- departments -----

#[derive(Deserialize)]
struct DepartmentInput {
    code: String,
    name: String,
    kind: String,
    region: String,
}

async fn departments_page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    form: DepartmentForm,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = staff.lang;
    let t = lang.texts();
    let principal = staff.user.principal();
    let all = match state.app.store().departments(None).await {
        Ok(all) => all,
        Err(e) => return PageError(e.into(), lang).into_response(),
    };
    let my_regions = principal.regions();
    let rows = all
        .into_iter()
        .filter_map(|d| {
            let region = RegionCode::parse(&d.region).ok()?;
            my_regions
                .iter()
                .any(|r| region.is_within(r))
                .then(|| DepartmentRow {
                    readable: principal.can_read_department(&region, &d.id),
                    kind: t.label("kind", &d.kind),
                    id: d.id,
                    code: d.code,
                    name: d.name,
                    active: d.active,
                })
        })
        .collect();
    let regions = match state.app.store().regions().await {
        Ok(regions) => regions
            .into_iter()
            .filter(|r| RegionCode::parse(&r.code).is_ok_and(|code| principal.administers(&code)))
            .map(|r| (r.code, r.name))
            .collect(),
        Err(e) => return PageError(e.into(), lang).into_response(),
    };
    let page = DepartmentsPage {
        t,
        c: Chrome::new(&staff.user, lang, "departments", path),
        rows,
        kinds: kind_options(t),
        regions,
        form,
        notice,
        error,
    };
    render_page(page, status, lang)
}

async fn departments(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(flash): Query<Flash>,
) -> Response {
    let notice = flash
        .notice
        .map(|_| staff.lang.texts().get("departments.saved").to_string());
    departments_page(
        &state,
        &staff,
        uri.path(),
        DepartmentForm::default(),
        notice,
        None,
        StatusCode::OK,
    )
    .await
}

async fn create_department(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Form(input): Form<DepartmentInput>,
) -> Response {
    let result = async {
        let region =
            RegionCode::parse(&input.region).map_err(|e| WebError::Invalid(e.to_string()))?;
        if !staff.user.principal().administers(&region) {
            return Err(WebError::Forbidden("只有本区划的管理员可以新增部门".into()));
        }
        let kind = DepartmentKind::parse(&input.kind)
            .ok_or_else(|| WebError::Invalid(format!("部门类型“{}”无效", input.kind)))?;
        let code = input.code.trim();
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(WebError::Invalid(
                "部门代码只能由字母、数字和 . _ - 组成".into(),
            ));
        }
        Ok(state
            .app
            .store()
            .add_department(
                &staff.user.principal().actor(),
                &region,
                code,
                &input.name,
                kind,
            )
            .await?)
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/console/departments?notice=saved").into_response(),
        Err(WebError::Forbidden(m)) => {
            PageError(WebError::Forbidden(m), staff.lang).into_response()
        }
        Err(e) => {
            let status = e.status();
            let form = DepartmentForm {
                code: input.code,
                name: input.name,
                kind: input.kind,
            };
            departments_page(
                &state,
                &staff,
                uri.path(),
                form,
                None,
                Some(e.public_message()),
                status,
            )
            .await
        }
    }
}

async fn department_page(
    state: &AppState,
    staff: &Staff,
    id: &str,
    path: &str,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = staff.lang;
    let t = lang.texts();
    let d = state
        .app
        .store()
        .department(id)
        .await?
        .ok_or_else(|| WebError::NotFound("找不到该部门".into()))?;
    let region = RegionCode::parse(&d.region).map_err(|e| WebError::Internal(e.to_string()))?;
    let principal = staff.user.principal();
    if !principal.can_read_department(&region, &d.id) {
        return Err(WebError::Forbidden(
            t.get("departments.no_access").to_string(),
        ));
    }
    let members = members_of(state, &d.id, t).await?;
    let history = state
        .app
        .store()
        .history(&format!("department:{}", d.id))
        .await?;
    let names = user_names(state).await?;
    let page = DepartmentPage {
        t,
        c: Chrome::new(&staff.user, lang, "departments", path),
        kind_label: t.label("kind", &d.kind),
        kinds: kind_options(t),
        members,
        can_change: principal.can_change_department(&region, &d.id),
        events: history
            .iter()
            .rev()
            .map(|e| EventView::new(e, t, &names))
            .collect(),
        d,
        notice,
        error,
    };
    Ok(render_page(page, status, lang))
}

async fn members_of(
    state: &AppState,
    department: &str,
    t: crate::i18n::Tr,
) -> Result<Vec<(String, String)>, WebError> {
    let mut out = Vec::new();
    for user in state.app.store().users().await? {
        for g in user
            .grants
            .iter()
            .filter(|g| g.department.as_deref() == Some(department))
        {
            out.push((user.display_name.clone(), t.label("role", g.role.code())));
        }
    }
    Ok(out)
}

async fn department(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(flash): Query<Flash>,
) -> Response {
    let notice = flash
        .notice
        .map(|_| staff.lang.texts().get("departments.saved").to_string());
    department_page(
        &state,
        &staff,
        &id,
        uri.path(),
        notice,
        None,
        StatusCode::OK,
    )
    .await
    .or_error_page(staff.lang)
}

#[derive(Deserialize)]
struct DepartmentEdit {
    version: i64,
    name: String,
    kind: String,
    active: Option<String>,
}

async fn update_department(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Form(input): Form<DepartmentEdit>,
) -> Response {
    let result = async {
        let d = state
            .app
            .store()
            .department(&id)
            .await?
            .ok_or_else(|| WebError::NotFound("找不到该部门".into()))?;
        let region = RegionCode::parse(&d.region).map_err(|e| WebError::Internal(e.to_string()))?;
        let principal = staff.user.principal();
        if !principal.can_change_department(&region, &d.id) {
            return Err(WebError::Forbidden("您不能修改其他部门的记录".into()));
        }
        let kind = DepartmentKind::parse(&input.kind)
            .ok_or_else(|| WebError::Invalid(format!("部门类型“{}”无效", input.kind)))?;
        state
            .app
            .store()
            .update_department(
                &principal.actor(),
                &id,
                input.version,
                DepartmentChange {
                    name: Some(input.name.clone()),
                    kind: Some(kind),
                    active: Some(input.active.is_some()),
                },
            )
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/departments/{id}?notice=saved")).into_response(),
        Err(e @ (WebError::Conflict(_) | WebError::Invalid(_) | WebError::Duplicate(_))) => {
            let status = e.status();
            department_page(
                &state,
                &staff,
                &id,
                uri.path(),
                None,
                Some(e.public_message()),
                status,
            )
            .await
            .or_error_page(staff.lang)
        }
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}

// ----- users -----

fn administered_region(user: &User) -> Option<RegionCode> {
    user.grants
        .iter()
        .find(|g| g.role == Role::Admin)
        .map(|g| g.region.clone())
}

async fn users_page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    form: UserForm,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = staff.lang;
    let t = lang.texts();
    let principal = staff.user.principal();
    let Some(_) = administered_region(&staff.user) else {
        return Err(WebError::Forbidden("只有管理员可以管理用户".into()));
    };
    let rows = state
        .app
        .store()
        .users()
        .await?
        .into_iter()
        .filter(|u| RegionCode::parse(&u.region).is_ok_and(|r| principal.administers(&r)))
        .map(|u| UserRow {
            roles: u
                .grants
                .iter()
                .map(|g| t.label("role", g.role.code()))
                .collect(),
            role: u
                .grants
                .first()
                .map(|g| g.role.code().to_string())
                .unwrap_or_default(),
            department: u
                .grants
                .first()
                .and_then(|g| g.department.clone())
                .unwrap_or_default(),
            is_me: u.id == staff.user.id,
            id: u.id,
            version: u.version,
            active: u.active,
            name: u.name,
            display_name: u.display_name,
        })
        .collect();
    let departments = state
        .app
        .store()
        .departments(None)
        .await?
        .into_iter()
        .filter(|d| RegionCode::parse(&d.region).is_ok_and(|r| principal.administers(&r)))
        .map(|d| (d.id, d.name))
        .collect();
    let page = UsersPage {
        t,
        c: Chrome::new(&staff.user, lang, "users", path),
        rows,
        roles: role_options(t),
        departments,
        form,
        notice,
        error,
    };
    Ok(render_page(page, status, lang))
}

async fn users(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(flash): Query<Flash>,
) -> Response {
    let notice = flash.notice.map(|n| {
        let key = if n == "changed" {
            "users.changed"
        } else {
            "users.created"
        };
        staff.lang.texts().get(key).to_string()
    });
    let form = UserForm {
        role: "department_staff".into(),
        ..Default::default()
    };
    users_page(
        &state,
        &staff,
        uri.path(),
        form,
        notice,
        None,
        StatusCode::OK,
    )
    .await
    .or_error_page(staff.lang)
}

#[derive(Deserialize)]
struct UserInput {
    name: String,
    display_name: String,
    password: String,
    role: String,
    department: String,
}

async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Form(input): Form<UserInput>,
) -> Response {
    let result = async {
        let region = administered_region(&staff.user)
            .ok_or_else(|| WebError::Forbidden("只有管理员可以管理用户".into()))?;
        let name = UserName::parse(&input.name).map_err(|e| WebError::Invalid(e.to_string()))?;
        let role = Role::parse(&input.role)
            .ok_or_else(|| WebError::Invalid(format!("角色“{}”无效", input.role)))?;
        let department = (!input.department.is_empty()).then(|| input.department.clone());
        let grant = Grant::new(role, region.clone(), department)
            .map_err(|e| WebError::Invalid(e.to_string()))?;
        state
            .app
            .store()
            .add_user(
                &staff.user.principal().actor(),
                NewUser {
                    name,
                    display_name: input.display_name.clone(),
                    region,
                    password: input.password.clone(),
                    grants: vec![grant],
                },
            )
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/console/users?notice=created").into_response(),
        Err(WebError::Forbidden(m)) => {
            PageError(WebError::Forbidden(m), staff.lang).into_response()
        }
        Err(e) => {
            let form = UserForm {
                name: input.name,
                display_name: input.display_name,
                role: input.role,
                department: input.department,
            };
            users_page(
                &state,
                &staff,
                uri.path(),
                form,
                None,
                Some(e.public_message()),
                e.status(),
            )
            .await
            .or_error_page(staff.lang)
        }
    }
}

// ----- audit -----

/// Whether the user administers the whole installation: an administrator of every region at
/// the top of the region tree. Only they change what is law for every region (the calendar) or
/// start work over every region's records (a whole verification).
pub(crate) async fn administers_installation(
    state: &AppState,
    staff: &Staff,
) -> Result<bool, WebError> {
    let roots: Vec<RegionCode> = state
        .app
        .store()
        .regions()
        .await?
        .iter()
        .filter(|r| r.parent.is_none())
        .filter_map(|r| RegionCode::parse(&r.code).ok())
        .collect();
    Ok(staff.user.principal().administers_installation(&roots))
}

fn may_audit(user: &User) -> bool {
    let p = user.principal();
    p.has_role(Role::Admin) || p.has_role(Role::JusticeStaff) || p.has_role(Role::Leader)
}

async fn audit_page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    if !may_audit(&staff.user) {
        return Err(WebError::Forbidden(
            "只有管理员、司法局工作人员和领导可以查看".into(),
        ));
    }
    let lang = staff.lang;
    // Each user sees the chains of the regions they work in (and those below).
    let regions = staff.user.principal().regions();
    let visible = |code: &str| {
        RegionCode::parse(code).is_ok_and(|r| regions.iter().any(|mine| r.is_within(mine)))
    };
    let page = AuditPage {
        t: lang.texts(),
        c: Chrome::new(&staff.user, lang, "audit", path),
        can_verify: administers_installation(state, staff).await?,
        chains: named_heights(state)
            .await?
            .into_iter()
            .filter(|(code, _, _)| visible(code))
            .collect(),
        checkpoints: state
            .app
            .store()
            .checkpoints()
            .await?
            .iter()
            .filter(|c| visible(&c.region))
            .rev()
            .take(50)
            .map(CheckpointView::from)
            .collect(),
        public_key: crate::portal::public_key_hex(state),
        notice,
        error,
    };
    Ok(render_page(page, StatusCode::OK, lang))
}

async fn audit(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(flash): Query<Flash>,
) -> Response {
    let notice = flash
        .notice
        .map(|n| staff.lang.texts().fill("audit.made", &[("n", &n)]));
    audit_page(&state, &staff, uri.path(), notice, None)
        .await
        .or_error_page(staff.lang)
}

async fn make_checkpoint(State(state): State<AppState>, staff: Staff) -> Response {
    if !staff.user.principal().has_role(Role::Admin) {
        return PageError(
            WebError::Forbidden("只有管理员可以生成检查点".into()),
            staff.lang,
        )
        .into_response();
    }
    // An administrator signs the chains of the regions they administer, not others'.
    let principal = staff.user.principal();
    let include =
        move |region: &str| RegionCode::parse(region).is_ok_and(|r| principal.administers(&r));
    match state.app.store().checkpoint_where(&include).await {
        Ok(made) => Redirect::to(&format!("/console/audit?notice={}", made.len())).into_response(),
        Err(e) => PageError(e.into(), staff.lang).into_response(),
    }
}

async fn verify(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let result = async {
        // A whole verification reads every event of every region: only the installation's
        // administrator starts one (the others see their chains and checkpoints).
        if !administers_installation(&state, &staff).await? {
            return Err(WebError::Forbidden(
                "整库校验需读取所有区划的全部记录，只有系统管理员（管理全部区划的管理员）可以发起"
                    .into(),
            ));
        }
        let report = state.app.store().verify().await?;
        let t = staff.lang.texts();
        Ok(match report.fault {
            None => (
                Some(t.fill("audit.verified", &[("n", &report.events().to_string())])),
                None,
            ),
            Some(fault) => (None, Some(fault.to_string())),
        })
    }
    .await;
    let path = uri.path().trim_end_matches("/verify").to_string();
    match result {
        Ok((notice, error)) => audit_page(&state, &staff, &path, notice, error)
            .await
            .or_error_page(staff.lang),
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}

#[derive(Deserialize)]
struct GrantInput {
    version: i64,
    role: String,
    department: String,
}

/// The user, if the acting administrator administers the user's region.
async fn administered_user(state: &AppState, staff: &Staff, id: &str) -> Result<User, WebError> {
    let user = state
        .app
        .store()
        .user(id)
        .await?
        .ok_or_else(|| WebError::NotFound("找不到该用户".into()))?;
    let region = RegionCode::parse(&user.region).map_err(|e| WebError::Internal(e.to_string()))?;
    if !staff.user.principal().administers(&region) {
        return Err(WebError::Forbidden("只能管理本区划的用户".into()));
    }
    Ok(user)
}

/// Replaces a user's role (a permission change, recorded with before and after).
async fn change_grants(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(input): Form<GrantInput>,
) -> Response {
    let result = async {
        let user = administered_user(&state, &staff, &id).await?;
        let role = Role::parse(&input.role)
            .ok_or_else(|| WebError::Invalid(format!("角色“{}”无效", input.role)))?;
        let region =
            RegionCode::parse(&user.region).map_err(|e| WebError::Internal(e.to_string()))?;
        let department = (!input.department.is_empty()).then(|| input.department.clone());
        let grant =
            Grant::new(role, region, department).map_err(|e| WebError::Invalid(e.to_string()))?;
        if user.id == staff.user.id && role != Role::Admin {
            return Err(WebError::Invalid("不能取消自己的管理员角色".into()));
        }
        state
            .app
            .store()
            .set_grants(
                &staff.user.principal().actor(),
                &id,
                input.version,
                vec![grant],
            )
            .await?;
        Ok(())
    }
    .await;
    user_change_outcome(&state, &staff, result).await
}

#[derive(Deserialize)]
struct ActiveInput {
    version: i64,
    active: bool,
}

/// Deactivates or reactivates a user (never oneself).
async fn change_active(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(input): Form<ActiveInput>,
) -> Response {
    let result = async {
        administered_user(&state, &staff, &id).await?;
        if id == staff.user.id {
            return Err(WebError::Invalid("不能停用自己的账号".into()));
        }
        state
            .app
            .store()
            .set_active(
                &staff.user.principal().actor(),
                &id,
                input.version,
                input.active,
            )
            .await?;
        Ok(())
    }
    .await;
    user_change_outcome(&state, &staff, result).await
}

#[derive(Deserialize)]
struct ResetInput {
    password: String,
}

/// An administrator sets a new password for a user of their regions (a forgotten one): the
/// user's sessions end, and they should change it at their next login.
async fn reset_password(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(input): Form<ResetInput>,
) -> Response {
    let result = async {
        administered_user(&state, &staff, &id).await?;
        if id == staff.user.id {
            return Err(WebError::Invalid(
                "自己的密码请在“我的账户”中修改（需要输入当前密码）".into(),
            ));
        }
        state
            .app
            .store()
            .set_password(&staff.user.principal().actor(), &id, input.password)
            .await?;
        Ok(())
    }
    .await;
    user_change_outcome(&state, &staff, result).await
}

async fn user_change_outcome(
    state: &AppState,
    staff: &Staff,
    result: Result<(), WebError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to("/console/users?notice=changed").into_response(),
        Err(WebError::Forbidden(m)) => {
            PageError(WebError::Forbidden(m), staff.lang).into_response()
        }
        Err(e) => {
            let form = UserForm {
                role: "department_staff".into(),
                ..Default::default()
            };
            users_page(
                state,
                staff,
                "/console/users",
                form,
                None,
                Some(e.public_message()),
                e.status(),
            )
            .await
            .or_error_page(staff.lang)
        }
    }
}
