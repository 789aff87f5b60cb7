//! The OpenAPI document is a public contract: any change to it shows up here for review.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use fazhi_core::org::{DepartmentKind, Role};
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

/// Every operation documents what any operation may answer (the server's own trouble, and a
/// broken body where it takes one), and a broken body is answered as the API's JSON error in
/// Chinese, not as a framework's plain-text line.
#[tokio::test]
async fn every_status_is_documented_and_broken_bodies_get_the_apis_error() {
    let document = serde_json::to_value(fazhi_web::openapi::document()).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let answers = operation["responses"].as_object().unwrap();
            for status in ["401", "500", "503"] {
                assert!(
                    answers.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            if matches!(method.as_str(), "post" | "patch" | "put") {
                for status in ["413", "415", "422"] {
                    assert!(
                        answers.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
        }
    }

    let w = world(
        Engine::Sqlite,
        "2024-03-04",
        &[(
            "zfb",
            "旅顺口区人民政府办公室",
            DepartmentKind::GovernmentOffice,
        )],
        &[("clerk", Role::DepartmentStaff, Some("zfb"))],
        None,
    )
    .await;
    let token = token(&w, "clerk").await;
    let bearer = format!("Bearer {token}");
    let auth = ("authorization", bearer.as_str());
    let json_type = ("content-type", "application/json");
    let broken = request(&w, "POST", "/api/v1/cases", &[auth, json_type], "{not json").await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        broken.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不是有效的 JSON")
    );
    let wrong_shape = request(
        &w,
        "POST",
        "/api/v1/cases",
        &[auth, json_type],
        r#"{"fields": 3}"#,
    )
    .await;
    assert_eq!(wrong_shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong_shape.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不符合接口要求")
    );
    let not_json = request(&w, "POST", "/api/v1/cases", &[auth], "procedure=x").await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(not_json.json()["error"]["code"], "unsupported_media_type");
    // A page far beyond the last is empty, not a dropped connection (its offset overflowed).
    let far = request(&w, "GET", "/api/v1/cases?page=4294967295", &[auth], "").await;
    assert_eq!(far.status, StatusCode::OK);
    assert_eq!(far.json()["items"], serde_json::json!([]));
    let bad_query = request(&w, "GET", "/api/v1/cases?page=abc", &[auth], "").await;
    assert_eq!(bad_query.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_query.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("查询参数")
    );
}
