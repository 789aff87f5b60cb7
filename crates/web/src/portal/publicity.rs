//! Publicity on the portal (执法公示, 信息公开): the records each procedure's definition makes
//! public, masked as it says, from the `publications` projection; filtered by procedure and
//! words, newest first. Only what the law says is public reaches this page.

use crate::AppState;
use crate::error::{PageError, WebError, render_page};
use crate::i18n::{Lang, Tr};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fazhi_store::publications::{PublicFilter, PublicItem};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/publicity", get(publicity))
        .route("/flowcharts", get(flowcharts))
        .route("/flowcharts/{file}", get(flowchart))
}

#[derive(Template)]
#[template(path = "portal_flowcharts.html")]
struct FlowchartsPage {
    t: Tr,
    other_lang: &'static str,
    /// (code, name, basis)
    procedures: Vec<(String, String, String)>,
}

/// The flowcharts of every procedure (执法流程图), generated from the definitions in force.
async fn flowcharts(State(state): State<AppState>, lang: Lang) -> Response {
    let english = lang == Lang::En;
    let procedures = state
        .app
        .procedures()
        .procedures(state.app.store().today())
        .into_iter()
        .map(|d| {
            (
                d.code.clone(),
                d.name.get(english).to_string(),
                d.basis.clone(),
            )
        })
        .collect();
    render_page(
        FlowchartsPage {
            t: lang.texts(),
            other_lang: lang.other().code(),
            procedures,
        },
        StatusCode::OK,
        lang,
    )
}

/// One procedure's flowchart as SVG (`/flowcharts/administrative_penalty.svg`).
async fn flowchart(
    State(state): State<AppState>,
    lang: Lang,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let code = file.strip_suffix(".svg").unwrap_or(&file);
    match state
        .app
        .procedures()
        .current(code, state.app.store().today())
    {
        Some(definition) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "image/svg+xml; charset=utf-8",
                ),
                (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
            ],
            fazhi_report::flowchart::svg(definition, lang == Lang::En),
        )
            .into_response(),
        None => PageError(WebError::NotFound(format!("没有程序“{code}”")), lang).into_response(),
    }
}

#[derive(Deserialize, Default)]
struct PublicityQuery {
    procedure: Option<String>,
    q: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "portal_publicity.html")]
struct PublicityPage {
    t: Tr,
    other_lang: &'static str,
    /// (code, name) of procedures that publish something.
    procedures: Vec<(String, String)>,
    procedure: String,
    q: String,
    items: Vec<PublicItem>,
    departments: std::collections::HashMap<String, String>,
    total: i64,
    page: u32,
    pages: u32,
}

impl PublicityPage {
    fn department(&self, id: &str) -> String {
        self.departments.get(id).cloned().unwrap_or_default()
    }

    fn page_link(&self, page: u32) -> String {
        let mut parts = vec![format!("page={page}")];
        if !self.procedure.is_empty() {
            parts.push(format!("procedure={}", self.procedure));
        }
        if !self.q.is_empty() {
            parts.push(format!("q={}", crate::session::encode_query(&self.q)));
        }
        format!("/publicity?{}", parts.join("&"))
    }
}

const PER_PAGE: u32 = 20;

async fn publicity(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<PublicityQuery>,
) -> Response {
    let result = async {
        let english = lang == Lang::En;
        let procedures: Vec<(String, String)> = state
            .app
            .procedures()
            .procedures(state.app.store().today())
            .into_iter()
            .filter(|d| !d.publications.is_empty())
            .map(|d| (d.code.clone(), d.name.get(english).to_string()))
            .collect();
        let procedure = q
            .procedure
            .clone()
            .filter(|p| procedures.iter().any(|(c, _)| c == p))
            .unwrap_or_default();
        let words = crate::cases::search_text(q.q.as_deref(), "q")?.unwrap_or_default();
        let page = state
            .app
            .store()
            .publications(&PublicFilter {
                procedure: (!procedure.is_empty()).then_some(procedure.as_str()),
                case_id: None,
                words: Some(words.as_str()),
                page: q.page.unwrap_or(1),
                per_page: PER_PAGE,
            })
            .await?;
        let departments = crate::console::department_names(&state)
            .await?
            .into_iter()
            .collect();
        let pages = (page.total.max(1) as u32).div_ceil(PER_PAGE);
        Ok::<_, WebError>(PublicityPage {
            t: lang.texts(),
            other_lang: lang.other().code(),
            procedures,
            procedure,
            q: words,
            items: page.items,
            departments,
            total: page.total,
            page: page.page,
            pages,
        })
    }
    .await;
    match result {
        Ok(page) => render_page(page, StatusCode::OK, lang),
        Err(e) => PageError(e, lang).into_response(),
    }
}
