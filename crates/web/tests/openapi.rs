//! The OpenAPI document is a public contract: any change to it shows up here for review.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fazhi_store::testing::TestDb;
use fazhi_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[tokio::test]
async fn openapi_snapshot() {
    let db = TestDb::sqlite().await;
    let app = fazhi_web::router(AppState::new(db.store.clone(), WebConfig::default()));
    let response = app
        .clone()
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let document: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    for path in [
        "/api/v1/cases",
        "/api/v1/cases/{id}/actions",
        "/api/v1/procedures/{code}",
        "/api/v1/departments/{id}",
    ] {
        assert!(
            document["paths"].get(path).is_some(),
            "{path} is documented"
        );
    }
    insta::assert_json_snapshot!("openapi", document);

    // Swagger UI is served from the binary.
    let docs = app
        .oneshot(Request::get("/api/v1/docs/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(
        docs.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        !html.contains("https://"),
        "nothing is loaded from the internet"
    );
}
