//! Fazhi's web layer: the public portal (`/`), the staff console (`/console`), the JSON API
//! (`/api/v1`), health and metrics, and the embedded static assets.
//!
//! Handlers parse requests into typed calls on the application (`fazhi-app`: cases, reports,
//! the calendar in force) or, for plain reads, the store, and render the results; rules live in
//! `fazhi-core`. Every state-changing route is behind the CSRF
//! layer (`Sec-Fetch-Site`/`Origin` checks) and every response carries the security headers.
#![forbid(unsafe_code)]

mod api;
pub mod cases;
mod console;
pub mod error;
mod forms;
pub mod i18n;
mod observability;
pub mod openapi;
mod portal;
pub mod session;
mod uploads;
mod views;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fazhi_app::App;
use fazhi_core::calendar::Calendar;
use rust_embed::RustEmbed;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Fazhi is served over TLS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    /// The bearer token a metrics scraper presents; without one, `/metrics` answers only
    /// callers on this machine that did not come through a proxy.
    pub metrics_token: Option<String>,
    /// Whether e-mail can be sent (an SMTP relay is configured): without it, staff are told
    /// on a case whose applicant asked to be told by e-mail.
    pub email_configured: bool,
}

#[derive(Clone)]
pub struct AppState {
    /// What the application does: cases, reports, the calendar in force.
    pub app: App,
    pub config: Arc<WebConfig>,
    /// Recent public status lookups per address (rate limit).
    pub lookups: Arc<portal::apply::RateLimiter>,
    /// Online applications accepted per address (an hourly limit and a daily quota).
    pub applications: Arc<portal::apply::ApplicationLimits>,
}

impl AppState {
    /// The web layer of an application.
    pub fn of(app: App, config: WebConfig) -> Self {
        AppState {
            app,
            config: Arc::new(config),
            lookups: Arc::new(portal::apply::lookup_limiter()),
            applications: Default::default(),
        }
    }

    /// The calendar in force (the embedded years plus any entered by an administrator).
    pub fn calendar(&self) -> Arc<Calendar> {
        self.app.calendar()
    }

    pub fn set_calendar(&self, calendar: Calendar) {
        self.app.set_calendar(calendar)
    }
}

/// Largest request body accepted (forms and JSON; attachments get their own limit later).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Installs the process-wide metrics recorder (idempotent). Call it before opening the store,
/// so that commits made before the server starts are counted too.
pub fn install_metrics() {
    observability::install();
}

pub fn router(state: AppState) -> Router {
    observability::install();
    let (api, api_document) = openapi::api();
    Router::new()
        .route("/", get(portal::home))
        .merge(portal::publicity::routes())
        .route("/healthz", get(healthz))
        .route("/metrics", get(observability::render))
        .route("/static/{*path}", get(static_asset))
        .route("/lang/{code}", get(set_language))
        .nest(
            "/console",
            console::routes()
                .merge(console::account::routes())
                .merge(console::calendar::routes())
                .merge(console::notifications::routes())
                .merge(console::reports::routes())
                .merge(console::annual_report::routes())
                .merge(console::dashboard::routes())
                .merge(console::documents::routes()),
        )
        .route(
            "/api/v1/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs")
                .url("/api/v1/docs/openapi.json", api_document),
        )
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // What carries files has its own, larger limits (uploads::MAX_BODY_BYTES on the
        // forms, uploads::MAX_API_BODY_BYTES on the API): online applications, the console's
        // case forms and the API.
        .merge(portal::apply::routes())
        .nest("/console", console::cases::routes())
        .merge(api)
        .layer(middleware::from_fn(security_headers))
        .layer(CsrfLayer::new().with_rejection_response(|_| {
            let mut response = Response::new(Body::from(
                "跨站请求已被拒绝（CSRF）。Cross-site request refused.",
            ));
            *response.status_mut() = StatusCode::FORBIDDEN;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }))
        .layer(middleware::from_fn(observability::track))
        // A handler that panics answers 500 (and is logged) instead of dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(state)
}

/// Serves the router until `shutdown` completes.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Swagger UI sets inline styles; its pages (and only they) may.
const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

async fn security_headers(request: Request<Body>, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/api/v1/docs");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if docs {
            DOCS_CONTENT_SECURITY_POLICY
        } else {
            CONTENT_SECURITY_POLICY
        }),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages and JSON may carry personal data (a case, an applicant's status): no browser or
    // proxy keeps them. Only what says otherwise itself (the static assets) may be cached.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn healthz(State(state): State<AppState>) -> Response {
    if state.app.store().storage_full() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "storage full: writes are refused until there is room\n",
        )
            .into_response();
    }
    match state.app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

async fn static_asset(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let content_type = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let cache = if path.starts_with("vendor/") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Switches the interface language (a cookie) and goes back where the user was.
async fn set_language(Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = i18n::Lang::parse(&code).unwrap_or(i18n::Lang::Zh);
    let back = q
        .next
        .as_deref()
        .filter(|n| session::is_local_path(n))
        .unwrap_or("/")
        .to_string();
    let mut response = Redirect::to(&back).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn not_found(lang: i18n::Lang, request: Request<Body>) -> Response {
    let message = "找不到您要的页面或记录".to_string();
    if request.uri().path().starts_with("/api/") {
        error::ApiError(error::WebError::NotFound(message)).into_response()
    } else {
        error::PageError(error::WebError::NotFound(message), lang).into_response()
    }
}
