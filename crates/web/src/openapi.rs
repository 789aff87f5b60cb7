//! The API's description: OpenAPI 3.1 generated from the handlers and types themselves (so it
//! cannot drift from the code), served at `/api/v1/openapi.json`, with Swagger UI at
//! `/api/v1/docs` served from the binary.

use crate::api;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every error answer: a machine code, a Chinese message and its English gist.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// e.g. `unauthorized`, `forbidden`, `not_found`, `conflict`, `invalid`, `wrong_state`,
    /// `guard_failed`, `missing_field`, `role_not_allowed`
    pub code: String,
    /// What went wrong, in Chinese, naming the field or rule.
    pub message: String,
    pub message_en: String,
}

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`fazhi user token --user NAME` prints a token"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fazhi API",
        description = "法治 Fazhi：案件、程序、部门与账户的 JSON 接口。错误统一为 ErrorBody。",
        version = "1"
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Bearer),
    tags(
        (name = "cases", description = "任一程序的案件"),
        (name = "procedures", description = "程序定义（法律即数据）"),
        (name = "departments", description = "部门"),
        (name = "accounts", description = "账户")
    )
)]
pub struct ApiDoc;

/// The API's routes and its document, made together from the handlers' declarations.
pub fn api() -> (axum::Router<crate::AppState>, utoipa::openapi::OpenApi) {
    utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::routes())
        .split_for_parts()
}

/// The OpenAPI document (served at `/api/v1/openapi.json`; made when asked for, not kept).
pub fn document() -> utoipa::openapi::OpenApi {
    api().1
}
