//! The API's account routes: who is calling.

use crate::session::ApiUser;
use axum::Json;
use serde::Serialize;

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
