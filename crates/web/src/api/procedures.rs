//! The API's procedure definitions: the current ones, and one by code and version.

use crate::AppState;
use crate::error::{ApiError, ApiQuery, WebError};
use crate::session::ApiUser;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

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
            .app
            .procedures()
            .procedures(state.app.store().today())
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
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<fazhi_core::procedure::Definition>, ApiError> {
    let definition = match &q.version {
        Some(v) => state.app.procedures().get(&code, v),
        None => state
            .app
            .procedures()
            .current(&code, state.app.store().today()),
    }
    .ok_or_else(|| WebError::NotFound(format!("没有程序“{code}”")))?;
    Ok(Json(definition.clone()))
}
