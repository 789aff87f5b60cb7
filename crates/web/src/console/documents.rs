//! Official documents in the console: generating a case's document from its template (the
//! region's edited text, or the built-in one) as DOCX in the official layout and as HTML, both
//! stored and recorded with their hashes; downloading a case's files; and editing templates,
//! checked before they are saved so that a broken template never reaches a case.

use crate::AppState;
use crate::error::{OrErrorPage, PageError, WebError, render_page};
use crate::forms::show_value;
use crate::i18n::{Lang, Tr};
use crate::session::Staff;
use crate::views::Chrome;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use fazhi_app::reports::case_record;
use fazhi_core::Role;
use fazhi_core::engine::clock_due;
use fazhi_core::region::RegionCode;
use fazhi_report::templates::{DocumentContext, Template as DocTemplate};
use fazhi_store::cases::StoredCase;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/documents", post(generate))
        .route("/cases/{id}/files/{sha256}", get(download))
        .route("/templates", get(template_list))
        .route(
            "/templates/{procedure}/{document}",
            get(template_form).post(template_save),
        )
}

/// The documents a procedure has templates for: (code, name).
pub fn documents_for(state: &AppState, procedure: &str, english: bool) -> Vec<(String, String)> {
    state
        .app
        .documents()
        .of(procedure)
        .map(|d| (d.code.clone(), d.name.get(english).to_string()))
        .collect()
}

/// The text a region uses for a template: its own edit, or the built-in one.
async fn template_text(
    state: &AppState,
    region: &RegionCode,
    procedure: &str,
    document: &str,
) -> Result<(String, i64), WebError> {
    let edited = state
        .app
        .store()
        .edited_templates(region)
        .await?
        .into_iter()
        .find(|t| t.procedure == procedure && t.document == document);
    match edited {
        Some(t) => Ok((t.body, t.version)),
        None => state
            .app
            .documents()
            .get(procedure, document)
            .map(|t| (t.text.clone(), 0))
            .ok_or_else(|| WebError::NotFound(format!("没有文书模板 {procedure}/{document}"))),
    }
}

/// Everything a template may use about a case.
async fn context(state: &AppState, stored: &StoredCase) -> Result<DocumentContext, WebError> {
    let definition = state.definition_of(stored)?;
    let record = case_record(stored, Some(definition));
    let today = state.app.store().today();
    let departments = crate::console::department_names(state).await?;
    let department = stored
        .case
        .department
        .as_ref()
        .and_then(|d| departments.iter().find(|(id, _)| id == d))
        .map(|(_, n)| n.clone());
    let region = state
        .app
        .store()
        .regions()
        .await?
        .into_iter()
        .find(|r| r.code == stored.case.region.as_str())
        .map(|r| r.name);
    let mut ctx = DocumentContext::from_record(
        &record,
        definition.name.zh.clone(),
        definition.state_label(&stored.case.state, false),
        today,
        department.clone().unwrap_or_default(),
    );
    ctx.case.department = department;
    ctx.case.region = region;
    for (code, value) in &stored.case.fields {
        ctx.display
            .insert(code.clone(), show_value(definition, code, value, false));
    }
    let calendar = state.calendar();
    for clock in &stored.case.clocks {
        if let Some(def) = definition.clock(&clock.code)
            && let Ok(due) = clock_due(def, clock, &calendar, today)
        {
            ctx.deadlines.insert(clock.code.clone(), due.date);
        }
    }
    Ok(ctx)
}

#[derive(Deserialize)]
struct GenerateForm {
    document: String,
}

async fn generate(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<GenerateForm>,
) -> Response {
    let result = async {
        let principal = staff.user.principal();
        let stored = state.readable_case(&principal, &id).await?;
        let procedure = stored.case.procedure.clone();
        let (text, _) =
            template_text(&state, &stored.case.region, &procedure, &form.document).await?;
        let name = format!("{procedure}/{}", form.document);
        let invalid = |e: fazhi_report::templates::TemplateError| {
            WebError::Invalid(format!("文书模板 {name} 有误：{e}"))
        };
        let document = DocTemplate::parse(&name, &text)
            .map_err(invalid)?
            .render(&context(&state, &stored).await?)
            .map_err(invalid)?;
        let docx = fazhi_report::docx::render(&document, &Default::default())
            .map_err(|e| WebError::Internal(e.to_string()))?;
        let html = fazhi_report::html::render(&document);
        let actor = principal.actor();
        let file_name = |ext: &str| {
            let stem = match &stored.number {
                Some(n) => format!("{}（{n}）", document.title),
                None => document.title.clone(),
            };
            format!("{stem}.{ext}")
        };
        let region = &stored.case.region;
        let docx = state
            .app
            .store()
            .put_file(region, &actor, &file_name("docx"), &docx)
            .await?;
        let html = state
            .app
            .store()
            .put_file(region, &actor, &file_name("html"), html.as_bytes())
            .await?;
        state
            .app
            .store()
            .record_document(
                region,
                &id,
                fazhi_store::documents::GeneratedDocument {
                    document: &form.document,
                    title: &document.title,
                    docx: &docx,
                    html: &html,
                },
                &actor,
            )
            .await?;
        Ok::<_, WebError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/cases/{id}?notice=document")).into_response(),
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}

#[derive(Deserialize)]
struct DownloadQuery {
    name: Option<String>,
}

/// A file of a case: one of its attachments or generated documents (nothing else, so a hash
/// alone opens nothing).
async fn download(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, sha256)): Path<(String, String)>,
    Query(q): Query<DownloadQuery>,
) -> Response {
    let result = async {
        let principal = staff.user.principal();
        state.read_case(&principal, &id, "file").await?;
        let file = state
            .app
            .case_file(&id, &sha256)
            .await?
            .ok_or_else(|| WebError::NotFound("本案件没有这个文件".into()))?;
        let bytes = state.app.store().read_file(&sha256).await?;
        let name = Some(file.name)
            .filter(|n| !n.is_empty())
            .or(q.name.clone())
            .unwrap_or_else(|| sha256.clone());
        let media_type = fazhi_store::files::media_type_for(&name)
            .unwrap_or("application/octet-stream")
            .to_string();
        Ok::<_, WebError>((bytes, name, media_type))
    }
    .await;
    match result {
        Ok((bytes, name, media_type)) => (
            [
                (header::CONTENT_TYPE, media_type),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename*=UTF-8''{}",
                        crate::session::encode_query(&name)
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}

// ----- template editing -----

/// Who may edit the region's templates: administrators and the justice bureau.
fn template_region(staff: &Staff) -> Result<RegionCode, WebError> {
    staff
        .user
        .principal()
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::Admin | Role::JusticeStaff))
        .map(|g| g.region.clone())
        .ok_or_else(|| WebError::Forbidden("只有管理员和司法局工作人员可以修改文书模板".into()))
}

#[derive(Template)]
#[template(path = "templates.html")]
struct TemplateListPage {
    t: Tr,
    c: Chrome,
    /// (procedure name, procedure code, document code, document name, edited version)
    rows: Vec<(String, String, String, String, i64)>,
}

async fn template_list(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
) -> Response {
    async {
        let region = template_region(&staff)?;
        let edited = state.app.store().edited_templates(&region).await?;
        let english = staff.lang == Lang::En;
        let today = state.app.store().today();
        let rows = state
            .app
            .documents()
            .all()
            .map(|t| {
                let procedure = state
                    .app
                    .procedures()
                    .current(&t.procedure, today)
                    .map(|def| def.name.get(english).to_string())
                    .unwrap_or_else(|| t.procedure.clone());
                let version = edited
                    .iter()
                    .find(|e| e.procedure == t.procedure && e.document == t.code)
                    .map(|e| e.version)
                    .unwrap_or(0);
                (
                    procedure,
                    t.procedure.clone(),
                    t.code.clone(),
                    t.name.get(english).to_string(),
                    version,
                )
            })
            .collect();
        Ok::<_, WebError>(render_page(
            TemplateListPage {
                t: staff.lang.texts(),
                c: Chrome::new(&staff.user, staff.lang, "templates", uri.path()),
                rows,
            },
            StatusCode::OK,
            staff.lang,
        ))
    }
    .await
    .or_error_page(staff.lang)
}

#[derive(Template)]
#[template(path = "template_edit.html")]
struct TemplateEditPage {
    t: Tr,
    c: Chrome,
    procedure: String,
    document: String,
    name: String,
    body: String,
    version: i64,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn template_form(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Path((procedure, document)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    async {
        let region = template_region(&staff)?;
        let (body, version) = template_text(&state, &region, &procedure, &document).await?;
        let t = staff.lang.texts();
        Ok::<_, WebError>(render_page(
            TemplateEditPage {
                t,
                c: Chrome::new(&staff.user, staff.lang, "templates", uri.path()),
                name: document_name(&state, &procedure, &document),
                procedure,
                document,
                body,
                version,
                notice: q.notice.map(|_| t.get("templates.saved").to_string()),
                error: None,
            },
            StatusCode::OK,
            staff.lang,
        ))
    }
    .await
    .or_error_page(staff.lang)
}

fn document_name(state: &AppState, procedure: &str, document: &str) -> String {
    state
        .app
        .documents()
        .get(procedure, document)
        .map(|t| t.name.zh.clone())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct TemplateForm {
    body: String,
    version: i64,
}

async fn template_save(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Path((procedure, document)): Path<(String, String)>,
    Form(form): Form<TemplateForm>,
) -> Response {
    let result = async {
        let region = template_region(&staff)?;
        if state.app.documents().get(&procedure, &document).is_none() {
            return Err(WebError::NotFound(format!(
                "没有文书模板 {procedure}/{document}"
            )));
        }
        // Normalise line ends (browsers send CRLF) and check before anything is saved.
        let body = form.body.replace("\r\n", "\n");
        DocTemplate::parse(&format!("{procedure}/{document}"), &body)
            .map_err(|e| WebError::Invalid(format!("模板未保存：{e}")))?;
        let saved = state
            .app
            .store()
            .save_template(
                &region,
                &procedure,
                &document,
                &body,
                form.version,
                &staff.user.principal().actor(),
            )
            .await;
        match saved {
            Ok(_) => Ok(()),
            Err(
                fazhi_store::StoreError::Conflict { .. } | fazhi_store::StoreError::Duplicate(_),
            ) => Err(WebError::Invalid(
                "模板未保存：在您编辑期间已有他人修改，请刷新后重新修改".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!(
            "/console/templates/{procedure}/{document}?notice=saved"
        ))
        .into_response(),
        Err(e @ WebError::Invalid(_)) => {
            let t = staff.lang.texts();
            render_page(
                TemplateEditPage {
                    t,
                    c: Chrome::new(&staff.user, staff.lang, "templates", uri.path()),
                    name: document_name(&state, &procedure, &document),
                    procedure,
                    document,
                    body: form.body,
                    version: form.version,
                    notice: None,
                    error: Some(e.public_message()),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
                staff.lang,
            )
        }
        Err(e) => PageError(e, staff.lang).into_response(),
    }
}
