//! "My account" (我的账户): every staff member changes their own password (the current one
//! first; every session of theirs then ends, this one too) and keeps their own API tokens —
//! each with an expiry, shown once when made, revocable at any time.

use crate::AppState;
use crate::error::{OrErrorPage, WebError, render_page};
use crate::i18n::Tr;
use crate::session::{Staff, is_https, session_cookie};
use crate::views::Chrome;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use fazhi_store::accounts::{ApiToken, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/password", post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

/// A token as the page lists it.
pub struct TokenRow {
    pub id: String,
    pub label: String,
    pub created: String,
    pub expires: String,
    /// Neither expired nor revoked.
    pub usable: bool,
    /// The locale key of its status.
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    c: Chrome,
    name: String,
    roles: Vec<String>,
    tokens: Vec<TokenRow>,
    /// A token just made: shown this once.
    new_token: Option<String>,
    /// (days, label) a token may be made for.
    days: Vec<(u32, String)>,
    default_days: u32,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Flash {
    notice: Option<String>,
}

fn row(t: ApiToken) -> TokenRow {
    TokenRow {
        status: match (t.revoked_at, t.usable) {
            (Some(_), _) => "account.status_revoked",
            (None, true) => "account.status_usable",
            (None, false) => "account.status_expired",
        },
        usable: t.usable,
        id: t.id,
        label: t.label,
        created: t.created_at.display_minutes(),
        expires: t.expires_at.display_minutes(),
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    path: &str,
    outcome: (Option<String>, Option<String>, Option<String>),
    status: StatusCode,
) -> Result<Response, WebError> {
    let (new_token, notice, error) = outcome;
    let t = staff.lang.texts();
    let tokens = state
        .app
        .store()
        .tokens_of(&staff.user.id)
        .await?
        .into_iter()
        .rev()
        .map(row)
        .collect();
    let roles = staff
        .user
        .grants
        .iter()
        .map(|g| t.get(&format!("role.{}", g.role.code())).to_string())
        .collect();
    Ok(render_page(
        AccountPage {
            t,
            c: Chrome::new(&staff.user, staff.lang, "account", path),
            name: staff.user.name.clone(),
            roles,
            tokens,
            new_token,
            days: [30, DEFAULT_TOKEN_DAYS, 180, MAX_TOKEN_DAYS]
                .into_iter()
                .map(|d| (d, t.fill("account.days", &[("n", &d.to_string())])))
                .collect(),
            default_days: DEFAULT_TOKEN_DAYS,
            notice,
            error,
        },
        status,
        staff.lang,
    ))
}

/// The page again, saying why what was asked was refused.
async fn refused(state: &AppState, staff: &Staff, e: WebError) -> Response {
    let status = e.status();
    page(
        state,
        staff,
        "/console/account",
        (None, None, Some(e.message_in(staff.lang))),
        status,
    )
    .await
    .or_error_page(staff.lang)
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    OriginalUri(uri): OriginalUri,
    Query(flash): Query<Flash>,
) -> Response {
    let t = staff.lang.texts();
    let notice = flash.notice.as_deref().map(|n| match n {
        "token_revoked" => t.get("account.revoked").to_string(),
        _ => t.get("account.saved").to_string(),
    });
    page(
        &state,
        &staff,
        uri.path(),
        (None, notice, None),
        StatusCode::OK,
    )
    .await
    .or_error_page(staff.lang)
}

#[derive(Deserialize)]
struct PasswordInput {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Form(input): Form<PasswordInput>,
) -> Response {
    let result = async {
        if input.new != input.confirm {
            return Err(WebError::Invalid("两次输入的新密码不一致".into()));
        }
        state
            .app
            .store()
            .change_own_password(&staff.user.id, &input.current, input.new)
            .await?;
        Ok(())
    }
    .await;
    match result {
        // Every session ended, this one too: log in again with the new password.
        Ok(()) => (
            [(
                header::SET_COOKIE,
                session_cookie("", 0, is_https(&state, &headers)),
            )],
            Redirect::to("/console/login?notice=password_changed"),
        )
            .into_response(),
        Err(e) => refused(&state, &staff, e).await,
    }
}

#[derive(Deserialize)]
struct TokenInput {
    label: String,
    days: u32,
}

async fn create_token(
    State(state): State<AppState>,
    staff: Staff,
    Form(input): Form<TokenInput>,
) -> Response {
    let made = state
        .app
        .store()
        .create_token(
            &staff.user.principal().actor(),
            &staff.user.id,
            &input.label,
            input.days,
        )
        .await
        .map_err(WebError::from);
    let (outcome, status) = match made {
        // Shown in this answer only: it is stored as a hash.
        Ok(token) => ((Some(token), None, None), StatusCode::OK),
        Err(e) => {
            let status = e.status();
            ((None, None, Some(e.message_in(staff.lang))), status)
        }
    };
    page(&state, &staff, "/console/account", outcome, status)
        .await
        .or_error_page(staff.lang)
}

async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let own = state
            .app
            .store()
            .tokens_of(&staff.user.id)
            .await?
            .iter()
            .any(|t| t.id == id);
        if !own {
            return Err(WebError::NotFound("没有这个令牌".into()));
        }
        state
            .app
            .store()
            .revoke_token(&staff.user.principal().actor(), &id)
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/console/account?notice=token_revoked").into_response(),
        Err(e) => refused(&state, &staff, e).await,
    }
}
