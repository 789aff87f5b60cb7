//! 法制审核 in the running system (issue 22, defect 2): a penalty walked through the API up to
//! its legal review, which the justice bureau's reviewer (granted in the whole region) finds in
//! their list, reads and passes; a reviewer of another department, and the reviewer before the
//! case is sent, see nothing of it.

mod common;

use axum::http::StatusCode;
use common::*;
use fazhi_core::org::{DepartmentKind, Role};
use fazhi_store::Engine;
use serde_json::{Value, json};

async fn district() -> World {
    world(
        Engine::Sqlite,
        "2026-03-02",
        &[
            (
                "scjgj",
                "旅顺口区市场监督管理局",
                DepartmentKind::EnforcementBody,
            ),
            ("sfj", "旅顺口区司法局", DepartmentKind::Department),
        ],
        &[
            ("officer", Role::EnforcementOfficer, Some("scjgj")),
            ("justice", Role::JusticeStaff, Some("sfj")),
            ("reviewer", Role::LegalReviewer, None),
            ("sfjreviewer", Role::LegalReviewer, Some("sfj")),
        ],
        None,
    )
    .await
}

async fn ok(w: &World, token: &str, path: &str, body: Value) -> Value {
    let answer = api(w, "POST", path, token, body).await;
    assert!(
        answer.status == StatusCode::OK || answer.status == StatusCode::CREATED,
        "{path}: {} {}",
        answer.status,
        answer.text()
    );
    answer.json()
}

/// Takes an action and returns the case's new version.
async fn act(w: &World, token: &str, id: &str, version: i64, action: &str, fields: Value) -> i64 {
    let case = ok(
        w,
        token,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": action, "expected_version": version, "fields": fields}),
    )
    .await;
    case["version"].as_i64().unwrap()
}

fn listed(list: &Value, id: &str) -> bool {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == json!(id))
}

#[tokio::test]
async fn the_justice_bureaus_reviewer_finds_reads_and_passes_a_penalty_sent_for_review() {
    let w = district().await;
    let justice = token(&w, "justice").await;
    for (number, name) in [("99020001", "张明"), ("99020002", "李华")] {
        ok(
            &w,
            &justice,
            "/api/v1/cases",
            json!({"procedure": "enforcement_certificate", "action": "register_issued", "fields": {
                "holder": {"kind": "person", "name": name},
                "certificate_number": number,
                "staff_category": "civil_servant",
                "scopes": ["market"],
                "valid_from": "2025-01-01",
                "valid_until": "2027-12-31",
                "issuing_authority": "辽宁省人民政府",
            }}),
        )
        .await;
    }

    let officer = token(&w, "officer").await;
    let officers = json!(["99020001", "99020002"]);
    let case = ok(
        &w,
        &officer,
        "/api/v1/cases",
        json!({"procedure": "administrative_penalty", "action": "register", "fields": {
            "field_area": "market",
            "item": "对销售过期食品的行政处罚",
            "party": {"kind": "person", "name": "周九"},
            "source": "inspection",
            "facts_summary": "当事人销售超过保质期的食品",
            "officers": officers,
            "is_major": false,
        }}),
    )
    .await;
    let id = case["id"].as_str().unwrap().to_string();
    let reviewer = token(&w, "reviewer").await;

    // Not yet sent: the reviewer sees nothing of it.
    let list = api(&w, "GET", "/api/v1/cases", &reviewer, Value::Null)
        .await
        .json();
    assert!(!listed(&list, &id), "{list}");
    let early = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &reviewer,
        Value::Null,
    )
    .await;
    assert_eq!(early.status, StatusCode::FORBIDDEN);

    let mut v = case["version"].as_i64().unwrap();
    v = act(
        &w,
        &officer,
        &id,
        v,
        "gather_evidence",
        json!({"officers": officers}),
    )
    .await;
    v = act(&w, &officer, &id, v, "submit_review", json!({})).await;
    v = act(
        &w,
        &officer,
        &id,
        v,
        "notify",
        json!({
            "proposed_penalty": "罚款人民币伍仟元",
            "penalty_basis": "《中华人民共和国食品安全法》第一百二十四条",
            "notice_served_on": "2026-03-02",
            "hearing_available": false,
        }),
    )
    .await;
    v = act(
        &w,
        &officer,
        &id,
        v,
        "waive_rights",
        json!({"waiver_note": "当事人放弃陈述申辩"}),
    )
    .await;
    v = act(
        &w,
        &officer,
        &id,
        v,
        "request_review",
        json!({"is_major": true, "major_grounds": ["body_list"]}),
    )
    .await;

    // Sent for review: the region's reviewer finds it in the list and reads it…
    let list = api(&w, "GET", "/api/v1/cases", &reviewer, Value::Null)
        .await
        .json();
    assert!(listed(&list, &id), "{list}");
    let read = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &reviewer,
        Value::Null,
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(read.json()["state"], "legal_review");
    // …as does the console, which offers the review actions.
    let cookie = login(&w, "reviewer").await;
    let page = get(&w, &format!("/console/cases/{id}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("法制审核通过"), "{}", page.text());

    // A reviewer of another department neither finds nor reads it.
    let other = token(&w, "sfjreviewer").await;
    let list = api(&w, "GET", "/api/v1/cases", &other, Value::Null)
        .await
        .json();
    assert!(!listed(&list, &id));
    let refused = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &other,
        Value::Null,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The review is taken by the reviewer; the case goes back to the officers to decide.
    let passed = ok(
        &w,
        &reviewer,
        &format!("/api/v1/cases/{id}/actions"),
        json!({"action": "review_pass", "expected_version": v, "fields": {
            "review_checks": ["subject_and_qualifications", "jurisdiction", "procedure"],
            "review_opinion": "主体合法，程序合法，同意",
        }}),
    )
    .await;
    assert_eq!(passed["state"], "deliberation");
    // Reviewed, the case is the department's again: the reviewer no longer sees it.
    let after = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &reviewer,
        Value::Null,
    )
    .await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
}
