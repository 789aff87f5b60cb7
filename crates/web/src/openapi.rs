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
    let (router, mut document) =
        utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
            .merge(api::routes())
            .split_for_parts();
    document_common_answers(&mut document);
    (router, document)
}

/// What any operation may answer besides its own outcomes, written into each: a broken body
/// (every operation with one), and the server's own trouble.
fn document_common_answers(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in document.paths.paths.iter_mut() {
        // A path naming a record answers 404 when there is none.
        let names_a_record = path.contains('{');
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, false),
        ];
        for (operation, has_body) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            let answers = &mut operation.responses.responses;
            let mut add = |status: &str, description: &str| {
                answers
                    .entry(status.to_string())
                    .or_insert_with(|| error(description));
            };
            if names_a_record {
                add("404", "没有这条记录");
            }
            if has_body {
                add("413", "请求体过大（含内联附件时不超过约 48 MB）");
                add("415", "请求体须为 JSON（Content-Type: application/json）");
                add(
                    "422",
                    "请求体不是有效的 JSON，或不符合接口要求（消息指明何处）",
                );
            }
            add("500", "服务器内部错误（已记录，消息不含内部细节）");
            add(
                "503",
                "服务暂不可用：存储空间已满或数据库不可用（已保存的记录不受影响）",
            );
        }
    }
}

/// The OpenAPI document (served at `/api/v1/openapi.json`; made when asked for, not kept).
pub fn document() -> utoipa::openapi::OpenApi {
    api().1
}
