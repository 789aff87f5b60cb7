//! The OpenAPI document is a public contract: any change to it shows up here for review.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use fazhi_store::Engine;

#[tokio::test]
async fn openapi_snapshot() {
    let w = world(Engine::Sqlite, "2024-03-04", &[], &[], None).await;
    let response = get_public(&w, "/api/v1/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
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
    let docs = get_public(&w, "/api/v1/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(docs.body).unwrap();
    assert!(
        !html.contains("https://"),
        "nothing is loaded from the internet"
    );
}
