//! A user's notifications in the console: the unread count beside the navigation (fetched by
//! htmx, so pages need not compute it), the list, and marking them read.

use crate::AppState;
use crate::error::{OrErrorPage, PageError, WebError};
use crate::i18n::Tr;
use crate::session::Staff;
use crate::views::Chrome;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/badge", get(badge))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}", post(open))
}

pub struct Item {
    pub id: String,
    pub title: String,
    pub body: String,
    pub at: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    pub t: Tr,
    pub c: Chrome,
    pub items: Vec<Item>,
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let result = async {
        let items = state
            .app
            .store()
            .notifications_for(&staff.user.id, false, 200)
            .await?
            .into_iter()
            .map(|n| {
                // Rendered in the reader's language from its kind and parameters; an older
                // notice without them shows the text it was written with.
                let text = fazhi_app::notices::render_stored(
                    &n.kind,
                    n.params.as_deref(),
                    staff.lang == crate::i18n::Lang::En,
                );
                let (title, body) = match text {
                    Some(t) => (t.title, t.body),
                    None => (n.title, n.body),
                };
                Item {
                    unread: n.read_at.is_none(),
                    id: n.id,
                    title,
                    body,
                    at: n.created_at.display_minutes(),
                }
            })
            .collect();
        let page = NotificationsPage {
            t: staff.lang.texts(),
            c: Chrome::new(&staff.user, staff.lang, "notifications", uri.path()),
            items,
        };
        Ok::<_, WebError>(
            Html(
                page.render()
                    .map_err(|e| WebError::Internal(e.to_string()))?,
            )
            .into_response(),
        )
    }
    .await;
    result.or_error_page(staff.lang)
}

/// The unread count as a small fragment (empty when there is none).
async fn badge(State(state): State<AppState>, staff: Staff) -> Response {
    match state.app.store().unread_count(&staff.user.id).await {
        Ok(0) | Err(_) => Html(String::new()).into_response(),
        Ok(n) => Html(format!("<span class=\"badge\">{n}</span>")).into_response(),
    }
}

/// Marks one read and goes where it points.
async fn open(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let link = match state
        .app
        .store()
        .notifications_for(&staff.user.id, false, 500)
        .await
    {
        Ok(all) => all.into_iter().find(|n| n.id == id).map(|n| n.link),
        Err(e) => return PageError(e.into(), staff.lang).into_response(),
    };
    let Some(link) = link else {
        return PageError(WebError::NotFound("找不到该通知".into()), staff.lang).into_response();
    };
    if let Err(e) = state.app.store().mark_read(&staff.user.id, &id).await {
        return PageError(e.into(), staff.lang).into_response();
    }
    let target = if crate::session::is_local_path(&link) {
        link
    } else {
        "/console/notifications".into()
    };
    Redirect::to(&target).into_response()
}

async fn read_all(State(state): State<AppState>, staff: Staff) -> Response {
    match state.app.store().mark_all_read(&staff.user.id).await {
        Ok(_) => Redirect::to("/console/notifications").into_response(),
        Err(e) => PageError(e.into(), staff.lang).into_response(),
    }
}
