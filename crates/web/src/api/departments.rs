//! The API's departments: list, read, create, change (region administrators), their history.

use crate::AppState;
use crate::error::{ApiError, ApiJson, ApiQuery, WebError};
use crate::session::ApiUser;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fazhi_core::EventRecord;
use fazhi_core::authz::Principal;
use fazhi_core::org::DepartmentKind;
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::{Department, DepartmentChange};
use serde::Deserialize;

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
    ApiQuery(filter): ApiQuery<RegionFilter>,
) -> Result<Json<Vec<Department>>, ApiError> {
    let region = filter
        .region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| WebError::Invalid(format!("参数 region：{e}")))?;
    let principal = user.principal();
    let mine = principal.regions();
    let all = state.app.store().departments(region.as_ref()).await?;
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
    ApiJson(input): ApiJson<NewDepartment>,
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
        .app
        .store()
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
        .app
        .store()
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
    ApiJson(patch): ApiJson<DepartmentPatch>,
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
        .app
        .store()
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
            .app
            .store()
            .history(&format!("department:{}", department.id))
            .await?,
    ))
}

// ----- procedures and cases -----
