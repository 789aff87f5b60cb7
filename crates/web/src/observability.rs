//! `/metrics` in the Prometheus text format: requests and their latency by route, and what the
//! store reports (commits, events appended, group-commit sizes, throttled logins) — for a
//! scraper on this machine or one holding the configured `metrics_token`.

use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, State};
use axum::http::{Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once (later calls reuse it).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("_seconds".into()),
                &[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("fazhi_commit_group_size".into()),
                    &[
                        1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
                    ],
                )
            })
            .expect("bucket lists are non-empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows its own");
        }
        handle
    })
}

/// Who may read the metrics: with `metrics_token` configured, a caller presenting it as a
/// bearer token; without one, only a caller on this machine (a loopback peer) that did not
/// come through a proxy. The portal's port is public: its traffic figures are not.
fn may_scrape(state: &AppState, request: &Request<Body>) -> bool {
    let headers = request.headers();
    if let Some(token) = &state.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compared as digests, so the time taken says nothing about the token.
        return Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes());
    }
    let proxied = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    let local = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback());
    local && !proxied
}

pub async fn render(State(state): State<AppState>, request: Request<Body>) -> Response {
    if !may_scrape(&state, &request) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "指标只对本机或持有 metrics_token 的采集程序开放。\nMetrics are served to this machine, or to a scraper with the configured metrics_token.\n",
        )
            .into_response();
    }
    let body = install().render();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Counts every request and times it, labelled by route pattern (not raw path, to keep the
/// number of series bounded).
pub async fn track(request: Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    // The standard methods by name, anything else as one: a client inventing methods must not
    // grow the series without bound.
    let method = match request.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_string(),
        _ => "OTHER".to_string(),
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("fazhi_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("fazhi_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
