//! The API's cases of every procedure: open, list, read, act, history — each through the application's one path.

use crate::AppState;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::session::ApiUser;
use crate::uploads::receive_inline;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fazhi_app::cases::Opening;
use fazhi_core::EventRecord;
use fazhi_core::engine::{Actor, Command};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCase {
    procedure: String,
    /// The creating action; when omitted, the definition's first creating action open to
    /// the caller's roles.
    action: Option<String>,
    department: Option<String>,
    /// The day the first step took effect (YYYY-MM-DD), when it is entered later — a past
    /// year's case keeps its own dates, its number and its year follow this day, and it runs
    /// under the law in force on it. Not after today; default today.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    on: Option<chrono::NaiveDate>,
    /// The action's fields. An attachment is sent inline as `{"name": "申请书.pdf",
    /// "content_base64": "…"}` (or a list of them) and stored with the step; a reference to
    /// a stored file (`{"sha256", …}`) is accepted only for a file the case already holds.
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: std::collections::BTreeMap<String, serde_json::Value>,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", summary = "登记案件（程序的首个操作）", request_body = NewCase, responses((status = 201, body = crate::cases::CaseView), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn create_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<crate::cases::CaseView>), ApiError> {
    let principal = user.principal();
    let (region, department) = state
        .home_of(&principal, input.department.as_deref())
        .await?;
    let on = input.on.unwrap_or_else(|| state.app.today());
    let mut fields = input.fields;
    let uploads = receive_inline(
        state.app.store(),
        state.app.definition_on(&input.procedure, on)?,
        &mut fields,
    )
    .await?;
    let stored = state
        .app
        .open_with_files(
            Opening {
                procedure: &input.procedure,
                action: input.action.as_deref(),
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
    Ok((
        StatusCode::CREATED,
        Json(state.case_view(&stored, &principal, false)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", summary = "案件列表（筛选、排序、分页）", params(crate::cases::CaseQuery), responses((status = 200, body = fazhi_store::cases::CasePage), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn list_cases(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(query): ApiQuery<crate::cases::CaseQuery>,
) -> Result<Json<fazhi_store::cases::CasePage>, ApiError> {
    let principal = user.principal();
    let filter = query.filter_with_figure(&state, &principal, 50).await?;
    Ok(Json(
        state.app.store().list_cases(&principal, &filter).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", summary = "案件详情，含各期限的到期日与计算说明", params(("id" = String, Path)), responses((status = 200, body = crate::cases::CaseView), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn get_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<crate::cases::CaseView>, ApiError> {
    let principal = user.principal();
    let stored = state.read_case(&principal, &id, "api").await?;
    Ok(Json(state.case_view(&stored, &principal, false)?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TakeAction {
    action: String,
    /// The case version the caller last saw; a newer one makes this a 409.
    expected_version: i64,
    /// The day the step took effect (YYYY-MM-DD), when it is entered later: not after today,
    /// not before the case's previous step. Default today.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    on: Option<chrono::NaiveDate>,
    /// As for a new case: attachments inline (`content_base64`) or files the case holds.
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: std::collections::BTreeMap<String, serde_json::Value>,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", summary = "办理操作（须带所见版本号；过期版本返回 409）", params(("id" = String, Path)), request_body = TakeAction, responses((status = 200, body = crate::cases::CaseView), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn take_action(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TakeAction>,
) -> Result<Json<crate::cases::CaseView>, ApiError> {
    let principal = user.principal();
    let stored = state.readable_case(&principal, &id).await?;
    let mut fields = input.fields;
    let definition = state
        .app
        .definition(&stored.case.procedure, &stored.case.definition_version)?;
    let uploads = receive_inline(state.app.store(), definition, &mut fields).await?;
    let command = Command {
        action: input.action,
        expected_version: input.expected_version,
        fields,
        on: input.on.unwrap_or_else(|| state.app.today()),
    };
    let updated = state
        .app
        .act_on_with_files(Actor::User(&principal), stored, command, uploads)
        .await?;
    Ok(Json(state.case_view(&updated, &principal, false)?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/events", tag = "cases", summary = "案件的事件记录", params(("id" = String, Path)), responses((status = 200, body = Vec<fazhi_core::EventRecord>), (status = 403, body = crate::openapi::ErrorBody), (status = 401, description = "未登录或令牌无效", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
pub async fn case_events(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<EventRecord>>, ApiError> {
    let stored = state.read_case(&user.principal(), &id, "events").await?;
    Ok(Json(
        state
            .app
            .store()
            .history(&format!("case:{}", stored.case.id))
            .await?,
    ))
}
