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
    paths(
        api::me,
        api::list_departments,
        api::create_department,
        api::get_department,
        api::change_department,
        api::department_events,
        api::list_procedures,
        api::get_procedure,
        api::create_case,
        api::list_cases,
        api::get_case,
        api::take_action,
        api::case_events,
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

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
