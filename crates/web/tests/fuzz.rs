//! Fuzzing what outsiders send the site (issue 22, "keep it found"), as property tests on the
//! stable toolchain: arbitrary query strings on the lists of the console, the API and the
//! portal, and arbitrary fields in the portal's application and tracking forms — every answer is
//! a page or a refusal, never a server error. `PROPTEST_CASES=N` runs longer.

mod common;

use common::*;
use fazhi_core::org::{DepartmentKind, Role};
use fazhi_store::Engine;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48)
}

/// A query string of arbitrary keys (some the lists know) and values.
fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("procedure".to_string()),
        Just("state".to_string()),
        Just("department".to_string()),
        Just("deadline".to_string()),
        Just("from".to_string()),
        Just("to".to_string()),
        Just("q".to_string()),
        Just("sort".to_string()),
        Just("page".to_string()),
        Just("per_page".to_string()),
        Just("ids".to_string()),
        Just("figure".to_string()),
        Just("year".to_string()),
        Just("region".to_string()),
        "[a-z_]{1,8}",
    ];
    prop::collection::vec((key, ".{0,24}"), 0..5).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    })
}

#[test]
fn arbitrary_queries_and_forms_never_get_a_server_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (w, cookie, token) = runtime.block_on(async {
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
        let cookie = login(&w, "clerk").await;
        let token = token(&w, "clerk").await;
        (w, cookie, token)
    });
    let config = ProptestConfig::with_cases(cases());
    proptest!(config, |(q in query(), form in prop::collection::vec(("[a-z_.]{1,20}", ".{0,40}"), 0..8))| {
        let statuses = runtime.block_on(async {
            let mut statuses = Vec::new();
            for path in ["/console/cases", "/console/deadlines", "/console/cases.csv", "/console/dashboard"] {
                statuses.push((path, get(&w, &format!("{path}?{q}"), &cookie).await.status));
            }
            statuses.push(("/api", api(&w, "GET", &format!("/api/v1/cases?{q}"), &token, serde_json::Value::Null).await.status));
            statuses.push(("/publicity", get_public(&w, &format!("/publicity?{q}")).await.status));
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            statuses.push(("/track", post_public(&w, "/track", &pairs).await.status));
            statuses.push(("/apply", post_multipart(&w, "/apply/disclosure_request", &pairs, &[], None).await.status));
            statuses
        });
        for (path, status) in statuses {
            prop_assert!(!status.is_server_error(), "{path}?{q} with {form:?}: {status}");
        }
    });
}
