//! The web layer's one error type, and how it is shown.
//!
//! [`WebError`] says what went wrong in terms a user can act on. API handlers return it
//! wrapped as [`ApiError`] (JSON: a machine code, a Chinese message and an English one);
//! console handlers as [`PageError`] (an HTML page in the user's language). Internal causes
//! are logged with an id and never shown.

use crate::i18n::Lang;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use fazhi_store::StoreError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("请先登录")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Someone changed the record first (optimistic concurrency).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Duplicate(String),
    /// The input is wrong; the message says what and where.
    #[error("{0}")]
    Invalid(String),
    #[error("登录失败次数过多，请 {retry_after_seconds} 秒后再试")]
    Throttled { retry_after_seconds: i64 },
    /// One address has sent more than its share (of online applications); the message says
    /// which limit and what to do instead.
    #[error("{0}")]
    TooMany(String),
    /// The procedure engine refused a command; `code` says why (e.g. `wrong_state`).
    #[error("{message}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
        /// The same in English, from the locale's `[refusal]` texts.
        message_en: String,
    },
    /// The request's body is not what the API takes: too large (413) or not JSON (415).
    #[error("{message}")]
    Body { status: StatusCode, message: String },
    /// A part of the installation the request needs is missing (e.g. the fonts for PDF);
    /// the message says what, for the administrator.
    #[error("{0}")]
    Unavailable(String),
    #[error("服务器内部错误")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Conflict(_) | WebError::Duplicate(_) => StatusCode::CONFLICT,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Throttled { .. } | WebError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Refused { status, .. } => *status,
            WebError::Body { status, .. } => *status,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebError::Unauthorized => "unauthorized",
            WebError::Forbidden(_) => "forbidden",
            WebError::NotFound(_) => "not_found",
            WebError::Conflict(_) => "conflict",
            WebError::Duplicate(_) => "duplicate",
            WebError::Invalid(_) => "invalid",
            WebError::Throttled { .. } => "throttled",
            WebError::TooMany(_) => "rate_limited",
            WebError::Refused { code, .. } => code,
            WebError::Body { status, .. } if *status == StatusCode::PAYLOAD_TOO_LARGE => {
                "too_large"
            }
            WebError::Body { .. } => "unsupported_media_type",
            WebError::Unavailable(_) => "unavailable",
            WebError::Internal(_) => "internal",
        }
    }

    fn message_en(&self) -> String {
        match self {
            WebError::Unauthorized => "Please log in first".into(),
            WebError::Forbidden(_) => "You are not allowed to do this".into(),
            WebError::NotFound(_) => "Not found".into(),
            WebError::Conflict(_) => {
                "Someone else changed this record first; reload and try again".into()
            }
            WebError::Duplicate(_) => "This already exists".into(),
            WebError::Invalid(_) => {
                "The input is not valid; see the Chinese message for details".into()
            }
            WebError::Throttled {
                retry_after_seconds,
            } => {
                format!("Too many failed logins; try again in {retry_after_seconds} seconds")
            }
            WebError::TooMany(_) => {
                "Too many applications from this address; try again later or apply in person or by post".into()
            }
            WebError::Refused { message_en, .. } => message_en.clone(),
            WebError::Body { status, .. } if *status == StatusCode::PAYLOAD_TOO_LARGE => {
                "The request body is too large".into()
            }
            WebError::Body { .. } => "The request body must be JSON (Content-Type: application/json)".into(),
            WebError::Unavailable(_) => {
                "This needs something the installation lacks; see the Chinese message".into()
            }
            WebError::Internal(_) => "Internal server error".into(),
        }
    }

    /// The message shown to users: never an internal detail.
    pub fn public_message(&self) -> String {
        self.to_string()
    }

    /// The message in the reader's language (a console form shows it above what was typed).
    pub fn message_in(&self, lang: crate::i18n::Lang) -> String {
        match lang {
            crate::i18n::Lang::En => self.message_en(),
            crate::i18n::Lang::Zh => self.public_message(),
        }
    }

    fn log(&self) {
        if let WebError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
    }
}

impl From<fazhi_app::AppError> for WebError {
    fn from(e: fazhi_app::AppError) -> Self {
        match e {
            fazhi_app::AppError::Refused(refusal) => crate::cases::refusal_error(refusal),
            fazhi_app::AppError::NotFound(m) => WebError::NotFound(m),
            fazhi_app::AppError::Invalid(m) => WebError::Invalid(m),
            fazhi_app::AppError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(m) => WebError::Duplicate(m),
            StoreError::Conflict { .. } => {
                WebError::Conflict("该记录已被他人修改，请刷新后重试".into())
            }
            StoreError::NotFound(m) => WebError::NotFound(format!("找不到：{m}")),
            StoreError::Invalid(m) => WebError::Invalid(m),
            // Said once in the log by the store; each request just hears why.
            StoreError::DiskFull(_) => WebError::Unavailable(
                "服务器存储空间已满，本次操作未保存（已保存的记录不受影响）。请通知系统管理员清理磁盘后重试。".into(),
            ),
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// A [`WebError`] answered as JSON.
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let mut body = json!({
            "error": {
                "code": e.code(),
                "message": e.public_message(),
                "message_en": e.message_en(),
            }
        });
        if let WebError::Throttled {
            retry_after_seconds,
        } = &e
        {
            body["error"]["retry_after_seconds"] = json!(retry_after_seconds);
        }
        (e.status(), Json(body)).into_response()
    }
}

/// A [`WebError`] answered as a page in the user's language.
pub struct PageError(pub WebError, pub Lang);

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: crate::i18n::Tr,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(e, lang) = self;
        e.log();
        let t = lang.texts();
        let message = match (&e, lang) {
            (WebError::Internal(_), _) => t.get("error.internal").to_string(),
            (_, Lang::En) => e.message_en(),
            (_, Lang::Zh) => e.public_message(),
        };
        let page = ErrorPage {
            t,
            status: e.status().as_u16(),
            message,
        };
        match page.render() {
            Ok(html) => (e.status(), Html(html)).into_response(),
            Err(_) => (e.status(), e.public_message()).into_response(),
        }
    }
}

/// A page handler's outcome as a response: the page, or the error page in the user's language.
pub trait OrErrorPage {
    fn or_error_page(self, lang: Lang) -> Response;
}

impl OrErrorPage for Result<Response, WebError> {
    fn or_error_page(self, lang: Lang) -> Response {
        self.unwrap_or_else(|e| PageError(e, lang).into_response())
    }
}

/// Renders a page template with a status (a rendering failure is an internal error page).
pub fn render_page<T: Template>(page: T, status: StatusCode, lang: Lang) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => PageError(WebError::Internal(e.to_string()), lang).into_response(),
    }
}

/// The API's JSON body: a body that is not JSON, not the shape asked for, or too large is
/// answered as an [`ApiError`] — JSON, in Chinese, naming where — like every other error.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError(match rejection {
                JsonRejection::MissingJsonContentType(_) => WebError::Body {
                    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    message: "请求体须为 JSON（Content-Type: application/json）".into(),
                },
                JsonRejection::JsonDataError(e) => {
                    WebError::Invalid(format!("请求内容不符合接口要求：{}", e.body_text()))
                }
                JsonRejection::JsonSyntaxError(e) => {
                    WebError::Invalid(format!("请求体不是有效的 JSON：{}", e.body_text()))
                }
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => WebError::Body {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    message: "请求体过大（含内联附件时不超过约 48 MB；更多附件请分步提交）".into(),
                },
                other => WebError::Invalid(format!("请求体无法读取：{}", other.body_text())),
            })),
        }
    }
}

/// The API's query parameters, refused as an [`ApiError`] naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|e| {
                ApiError(WebError::Invalid(format!(
                    "查询参数不符合接口要求：{}",
                    e.body_text()
                )))
            })
    }
}
