//! The JSON API under `/api/v1` (for programs; bearer tokens from `fazhi user token`).
//!
//! Errors are JSON: `{"error": {"code", "message" (zh), "message_en"}}`. Reading another
//! department's records is refused with 403; a stale `version` with 409.

use crate::AppState;
use crate::error::{ApiError, WebError};
use crate::session::ApiUser;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fazhi_app::cases::Opening;
use fazhi_core::EventRecord;
use fazhi_core::authz::Principal;
use fazhi_core::engine::{Actor, Command};
use fazhi_core::org::DepartmentKind;
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::{Department, DepartmentChange};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the API, each declared once: its `#[utoipa::path]` gives both the route and
/// its entry in the OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_departments, create_department))
        .routes(routes!(get_department, change_department))
        .routes(routes!(department_events))
        .routes(routes!(list_procedures))
        .routes(routes!(get_procedure))
        .routes(routes!(list_cases, create_case))
        .routes(routes!(get_case))
        .routes(routes!(take_action))
        .routes(routes!(case_events))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: String,
    name: String,
    display_name: String,
    region: String,
    grants: Vec<fazhi_core::Grant>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", summary = "当前用户及其角色", responses((status = 200, body = Me), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn me(ApiUser(user): ApiUser) -> Json<Me> {
    Json(Me {
        id: user.id,
        name: user.name,
        display_name: user.display_name,
        region: user.region,
        grants: user.grants,
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionFilter {
    region: Option<String>,
}

/// Departments in the caller's regions (optionally one region).
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments", summary = "列出本人所在区划的部门", params(RegionFilter), responses((status = 200, body = Vec<fazhi_store::accounts::Department>), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn list_departments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(filter): Query<RegionFilter>,
) -> Result<Json<Vec<Department>>, ApiError> {
    let region = filter
        .region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| WebError::Invalid(format!("参数 region：{e}")))?;
    let principal = user.principal();
    let mine = principal.regions();
    let all = state.store.departments(region.as_ref()).await?;
    Ok(Json(
        all.into_iter()
            .filter(|d| {
                RegionCode::parse(&d.region).is_ok_and(|r| mine.iter().any(|m| r.is_within(m)))
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewDepartment {
    region: String,
    code: String,
    name: String,
    kind: String,
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "departments", summary = "新增部门（区划管理员）", request_body = NewDepartment, responses((status = 201, body = fazhi_store::accounts::Department), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn create_department(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(input): Json<NewDepartment>,
) -> Result<(StatusCode, Json<Department>), ApiError> {
    let region = RegionCode::parse(&input.region)
        .map_err(|e| WebError::Invalid(format!("字段 region：{e}")))?;
    let principal = user.principal();
    if !principal.administers(&region) {
        return Err(WebError::Forbidden("只有本区划的管理员可以新增部门".into()).into());
    }
    let kind = DepartmentKind::parse(&input.kind)
        .ok_or_else(|| WebError::Invalid(format!("字段 kind：部门类型“{}”无效", input.kind)))?;
    let department = state
        .store
        .add_department(&principal.actor(), &region, &input.code, &input.name, kind)
        .await?;
    Ok((StatusCode::CREATED, Json(department)))
}

/// The department, if the caller may read its records.
async fn readable_department(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(Department, RegionCode), ApiError> {
    let department = state
        .store
        .department(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("部门 {id} 不存在")))?;
    let region =
        RegionCode::parse(&department.region).map_err(|e| WebError::Internal(e.to_string()))?;
    if !principal.can_read_department(&region, &department.id) {
        return Err(WebError::Forbidden("无权查看其他部门的记录".into()).into());
    }
    Ok((department, region))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "departments", summary = "部门详情", params(("id" = String, Path)), responses((status = 200, body = fazhi_store::accounts::Department), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn get_department(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Department>, ApiError> {
    let (department, _) = readable_department(&state, &user.principal(), &id).await?;
    Ok(Json(department))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DepartmentPatch {
    /// The version the caller last saw; a newer one makes this a conflict (409).
    version: i64,
    name: Option<String>,
    kind: Option<String>,
    active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/departments/{id}", tag = "departments", summary = "修改部门（须带版本号）", params(("id" = String, Path)), request_body = DepartmentPatch, responses((status = 200, body = fazhi_store::accounts::Department), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn change_department(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(patch): Json<DepartmentPatch>,
) -> Result<Json<Department>, ApiError> {
    let principal = user.principal();
    let (department, region) = readable_department(&state, &principal, &id)
        .await
        .map_err(|e| match e.0 {
            // Not being able to read it is not being able to change it.
            WebError::Forbidden(_) => {
                ApiError(WebError::Forbidden("无权修改其他部门的记录".into()))
            }
            other => ApiError(other),
        })?;
    if !principal.can_change_department(&region, &department.id) {
        return Err(WebError::Forbidden("无权修改其他部门的记录".into()).into());
    }
    let kind = patch
        .kind
        .as_deref()
        .map(|k| {
            DepartmentKind::parse(k)
                .ok_or_else(|| WebError::Invalid(format!("字段 kind：部门类型“{k}”无效")))
        })
        .transpose()?;
    let changed = state
        .store
        .update_department(
            &principal.actor(),
            &id,
            patch.version,
            DepartmentChange {
                name: patch.name,
                kind,
                active: patch.active,
            },
        )
        .await?;
    Ok(Json(changed))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}/events", tag = "departments", summary = "部门的变更记录", params(("id" = String, Path)), responses((status = 200, body = Vec<fazhi_core::EventRecord>), (status = 403, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn department_events(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<EventRecord>>, ApiError> {
    let (department, _) = readable_department(&state, &user.principal(), &id).await?;
    Ok(Json(
        state
            .store
            .history(&format!("department:{}", department.id))
            .await?,
    ))
}

// ----- procedures and cases -----

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcedureSummary {
    code: String,
    name: fazhi_core::procedure::Label,
    version: String,
    effective: String,
    basis: String,
}

#[utoipa::path(get, path = "/api/v1/procedures", tag = "procedures", summary = "现行的各程序", responses((status = 200, body = Vec<ProcedureSummary>), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn list_procedures(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
) -> Json<Vec<ProcedureSummary>> {
    Json(
        state
            .procedures
            .procedures(state.store.today())
            .into_iter()
            .map(|d| ProcedureSummary {
                code: d.code.clone(),
                name: d.name.clone(),
                version: d.version.clone(),
                effective: d.effective.clone(),
                basis: d.basis.clone(),
            })
            .collect(),
    )
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    version: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "procedures", summary = "程序定义（状态、操作、期限、依据）", params(("code" = String, Path), VersionQuery), responses((status = 200, body = fazhi_core::procedure::Definition), (status = 404, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn get_procedure(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    Path(code): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<fazhi_core::procedure::Definition>, ApiError> {
    let definition = match &q.version {
        Some(v) => state.procedures.get(&code, v),
        None => state.procedures.current(&code, state.store.today()),
    }
    .ok_or_else(|| WebError::NotFound(format!("没有程序“{code}”")))?;
    Ok(Json(definition.clone()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCase {
    procedure: String,
    /// The creating action; the definition's only creating action when omitted.
    action: Option<String>,
    department: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: std::collections::BTreeMap<String, serde_json::Value>,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", summary = "登记案件（程序的首个操作）", request_body = NewCase, responses((status = 201, body = crate::cases::CaseView), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn create_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(input): Json<NewCase>,
) -> Result<(StatusCode, Json<crate::cases::CaseView>), ApiError> {
    let principal = user.principal();
    let (region, department) = state.home_of(&principal, input.department.as_deref())?;
    let stored = state
        .app
        .open(Opening {
            procedure: &input.procedure,
            action: input.action.as_deref(),
            actor: Actor::User(&principal),
            region: &region,
            department,
            fields: input.fields,
            on: state.app.today(),
            receipt: None,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.case_view(&stored, &principal, false)?),
    ))
}

pub fn parse_day(text: Option<&str>, name: &str) -> Result<Option<chrono::NaiveDate>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| WebError::Invalid(format!("参数 {name}：“{t}”不是日期（YYYY-MM-DD）"))),
    }
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", summary = "案件列表（筛选、排序、分页）", params(crate::cases::CaseQuery), responses((status = 200, body = fazhi_store::cases::CasePage), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn list_cases(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<crate::cases::CaseQuery>,
) -> Result<Json<fazhi_store::cases::CasePage>, ApiError> {
    let principal = user.principal();
    let filter = query.filter(&principal.user_id, 50)?;
    Ok(Json(state.store.list_cases(&principal, &filter).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", summary = "案件详情，含各期限的到期日与计算说明", params(("id" = String, Path)), responses((status = 200, body = crate::cases::CaseView), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn get_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<crate::cases::CaseView>, ApiError> {
    let principal = user.principal();
    let stored = state.readable_case(&principal, &id).await?;
    Ok(Json(state.case_view(&stored, &principal, false)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TakeAction {
    action: String,
    /// The case version the caller last saw; a newer one makes this a 409.
    expected_version: i64,
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: std::collections::BTreeMap<String, serde_json::Value>,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", summary = "办理操作（须带所见版本号；过期版本返回 409）", params(("id" = String, Path)), request_body = TakeAction, responses((status = 200, body = crate::cases::CaseView), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn take_action(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<TakeAction>,
) -> Result<Json<crate::cases::CaseView>, ApiError> {
    let principal = user.principal();
    let stored = state.readable_case(&principal, &id).await?;
    let command = Command {
        action: input.action,
        expected_version: input.expected_version,
        fields: input.fields,
        on: state.app.today(),
    };
    let updated = state
        .app
        .act_on(Actor::User(&principal), stored, command)
        .await?;
    Ok(Json(state.case_view(&updated, &principal, false)?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/events", tag = "cases", summary = "案件的事件记录", params(("id" = String, Path)), responses((status = 200, body = Vec<fazhi_core::EventRecord>), (status = 403, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn case_events(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<EventRecord>>, ApiError> {
    let stored = state.readable_case(&user.principal(), &id).await?;
    Ok(Json(
        state
            .store
            .history(&format!("case:{}", stored.case.id))
            .await?,
    ))
}
