//! Who is asking: session cookies for people, bearer tokens for programs.
//!
//! The session cookie is `HttpOnly`, `SameSite=Lax`, and `Secure` when the site is served
//! over TLS (configured, or announced by a proxy with `X-Forwarded-Proto: https`). Its value is
//! a random 256-bit token; the store keeps only its hash.

use crate::AppState;
use crate::error::{ApiError, PageError, WebError};
use crate::i18n::Lang;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use fazhi_store::accounts::User;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "fazhi_session";

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub fn session_cookie(value: &str, max_age_seconds: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The client's address, for login throttling: the peer address, or, behind a trusted proxy,
/// the last `X-Forwarded-For` entry (the one that proxy added; earlier ones are the client's
/// own words).
pub fn client_ip(state: &AppState, parts: &Parts) -> String {
    if state.config.trust_proxy
        && let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
    {
        return forwarded.trim().to_string();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn user_from_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<User>, WebError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(token) if !token.is_empty() => Ok(state.app.store().session_user(&token).await?),
        _ => Ok(None),
    }
}

/// A logged-in staff member, for console pages. Without a session the visitor is sent to the
/// login page (and brought back afterwards).
pub struct Staff {
    pub user: User,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::from_headers(&parts.headers);
        match user_from_session(state, &parts.headers).await {
            Ok(Some(user)) if user.principal().is_staff() => Ok(Staff { user, lang }),
            Ok(Some(_)) => Err(PageError(
                WebError::Forbidden("工作台仅供工作人员使用".into()),
                lang,
            )
            .into_response()),
            Ok(None) => {
                // Inside a nested router `parts.uri` lacks the `/console` prefix.
                let uri = parts
                    .extensions
                    .get::<axum::extract::OriginalUri>()
                    .map(|o| o.0.clone())
                    .unwrap_or_else(|| parts.uri.clone());
                let next = uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/console".into());
                let target = format!("/console/login?next={}", encode_query(&next));
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(PageError(e, lang).into_response()),
        }
    }
}

/// A caller of the JSON API: a bearer token (`Authorization: Bearer fz_…`) or a session.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let user = match bearer {
            Some(token) => state.app.store().token_user(token.trim()).await?,
            None => user_from_session(state, &parts.headers).await?,
        };
        match user {
            // The API is the staff's, as the console is: a public applicant's account has the
            // portal.
            Some(user) if user.principal().is_staff() => Ok(ApiUser(user)),
            Some(_) => Err(ApiError(WebError::Forbidden(
                "接口仅供工作人员使用；公众请使用门户网站办理和查询".into(),
            ))),
            None => Err(ApiError(WebError::Unauthorized)),
        }
    }
}

/// Percent-encodes a value for a query string.
pub fn encode_query(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A path on this site and nowhere else: it starts with one `/`, and has no backslash or
/// control character (browsers read `/\host` and `/<tab>/host` as another host).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.contains("://")
        && !path.chars().any(|c| c.is_control())
}

/// Only local console paths are followed after login (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/console") && is_local_path(n) => n.to_string(),
        _ => "/console".to_string(),
    }
}

/// The client address (for login throttling).
pub struct ClientIp(pub(crate) String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(state, parts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; fazhi_session=xyz; lang=en".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&headers, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&headers, "none"), None);
    }

    #[test]
    fn only_console_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/console/departments")),
            "/console/departments"
        );
        assert_eq!(safe_next(Some("https://evil.example/console")), "/console");
        assert_eq!(safe_next(Some("//evil.example")), "/console");
        assert_eq!(safe_next(None), "/console");
        assert_eq!(safe_next(Some("/console/\\evil.example")), "/console");
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path("/\t/evil.example"));
        assert!(is_local_path("/console/cases?q=a"));
    }

    #[test]
    fn session_cookies_are_locked_down() {
        let c = session_cookie("t", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        assert!(!session_cookie("t", 60, false).contains("Secure"));
    }
}
