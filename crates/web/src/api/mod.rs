//! The JSON API under `/api/v1` (for programs; bearer tokens from `fazhi user token`).
//!
//! Errors are JSON: `{"error": {"code", "message" (zh), "message_en"}}`. Reading another
//! department's records is refused with 403; a stale `version` with 409.

mod accounts;
mod cases;
mod departments;
mod procedures;

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accounts::me))
        .routes(routes!(
            departments::list_departments,
            departments::create_department
        ))
        .routes(routes!(
            departments::get_department,
            departments::change_department
        ))
        .routes(routes!(departments::department_events))
        .routes(routes!(procedures::list_procedures))
        .routes(routes!(procedures::get_procedure))
        .routes(routes!(cases::list_cases, cases::create_case))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::take_action))
        .routes(routes!(cases::case_events))
        // Attachments come inline in a case's JSON (Base64); the body is read only after the
        // caller's token is checked.
        .layer(DefaultBodyLimit::max(crate::uploads::MAX_API_BODY_BYTES))
}
