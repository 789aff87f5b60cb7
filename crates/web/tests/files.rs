//! Files of cases: sent with the step that attaches them (a console form's file input, or the
//! API's inline `content_base64`), kept only when the step is accepted, and released only to
//! the case that holds them. A hash alone opens nothing: a clerk of another department who
//! cites it in a case of their own is refused, and so is a case claiming a file never sent.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use common::*;
use fazhi_core::org::{DepartmentKind, Role};
use fazhi_store::Engine;
use fazhi_store::files::sha256_hex;
use serde_json::{Value, json};

/// The console form that registers a disclosure request, without its attachments.
const CONSOLE_REGISTRATION: &[(&str, &str)] = &[
    ("procedure", "disclosure_request"),
    ("action", "register"),
    ("f.applicant.kind", "person"),
    ("f.applicant.name", "李四"),
    ("f.applicant.phone", "13700001111"),
    ("f.applicant_kind", "natural_person"),
    ("f.content", "预算执行情况"),
    ("f.channel", "in_person"),
    ("f.received_on", "2024-03-04"),
];

async fn district() -> World {
    world(
        Engine::Sqlite,
        "2024-03-04",
        &[
            (
                "zfb",
                "旅顺口区人民政府办公室",
                DepartmentKind::GovernmentOffice,
            ),
            ("fgj", "旅顺口区发展和改革局", DepartmentKind::Department),
        ],
        &[
            ("clerk_a", Role::DepartmentStaff, Some("zfb")),
            ("clerk_b", Role::DepartmentStaff, Some("fgj")),
        ],
        None,
    )
    .await
}

/// A disclosure request registered through the API by `token`, with `attachments` as given.
async fn register(w: &World, token: &str, attachments: Value) -> (StatusCode, Value) {
    let mut fields = json!({
        "applicant": {"kind": "person", "name": "李四", "phone": "13700001111"},
        "applicant_kind": "natural_person",
        "content": "预算执行情况",
        "channel": "in_person",
        "received_on": "2024-03-04",
    });
    if !attachments.is_null() {
        fields["attachments"] = attachments;
    }
    let answer = api(
        w,
        "POST",
        "/api/v1/cases",
        token,
        json!({"procedure": "disclosure_request", "action": "register", "fields": fields}),
    )
    .await;
    (answer.status, answer.json())
}

#[tokio::test]
async fn a_console_upload_is_released_only_to_its_own_case() {
    let w = district().await;
    let a = login(&w, "clerk_a").await;
    let scan: &[u8] = b"%PDF-1.4 the applicant's identity card";
    let sha = sha256_hex(scan);
    // Clerk A registers a walk-in request with the scan, as the console's form sends it.
    let form = get(&w, "/console/cases/new?procedure=disclosure_request", &a).await;
    assert!(form.text().contains("enctype=\"multipart/form-data\""));
    assert!(
        form.text()
            .contains("type=\"file\" name=\"f.attachments\" multiple"),
        "an attachment list is a file input"
    );
    let created = post_multipart(
        &w,
        "/console/cases",
        CONSOLE_REGISTRATION,
        &[("f.attachments", "身份证.pdf", "application/pdf", scan)],
        Some(&a),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let case_a = created
        .location()
        .trim_start_matches("/console/cases/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page = get(&w, &format!("/console/cases/{case_a}"), &a).await;
    assert!(page.text().contains("身份证.pdf"), "{}", page.text());
    let download = get(&w, &format!("/console/cases/{case_a}/files/{sha}"), &a).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, scan);
    assert_eq!(files_on_disk(&w), (1, 0));

    // Clerk B cites the hash in a case of their own department: refused, nothing recorded.
    let b = token(&w, "clerk_b").await;
    let events = w.db.store.count_events().await.unwrap();
    let stolen = json!([{"sha256": sha, "name": "身份证.pdf", "size": scan.len(), "media_type": "application/pdf"}]);
    let (status, body) = register(&w, &b, stolen.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不是随本次操作上传的文件"),
        "{body}"
    );
    assert_eq!(w.db.store.count_events().await.unwrap(), events);
    // Nor on a later step of a case B holds, nor through B's case's download link.
    let (status, body) = register(&w, &b, Value::Null).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let case_b = body["id"].as_str().unwrap().to_string();
    let version = body["version"].as_i64().unwrap();
    let refused = api(
        &w,
        "POST",
        &format!("/api/v1/cases/{case_b}/actions"),
        &b,
        json!({"action": "reply", "expected_version": version,
               "fields": {"reply_type": "disclose", "reply_on": "2024-03-04", "attachments": stolen}}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let b_cookie = login(&w, "clerk_b").await;
    let leak = get(
        &w,
        &format!("/console/cases/{case_b}/files/{sha}"),
        &b_cookie,
    )
    .await;
    assert_eq!(leak.status, StatusCode::NOT_FOUND);
    assert_ne!(leak.body, scan);
    // A case claiming a file never sent at all is refused the same way.
    let invented = json!([{"sha256": "ab".repeat(32), "name": "伪造.pdf", "size": 10}]);
    let (status, _) = register(&w, &b, invented).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Clerk A may cite the case's own file again at a later step.
    let a_token = token(&w, "clerk_a").await;
    let case = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{case_a}"),
        &a_token,
        Value::Null,
    )
    .await;
    let version = case.json()["version"].as_i64().unwrap();
    let again = api(
        &w,
        "POST",
        &format!("/api/v1/cases/{case_a}/actions"),
        &a_token,
        json!({"action": "reply", "expected_version": version,
               "fields": {"reply_type": "disclose", "reply_on": "2024-03-04",
                          "attachments": [{"sha256": sha, "name": "身份证.pdf", "size": scan.len()}]}}),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
}

#[tokio::test]
async fn the_api_sends_files_inline_and_a_refused_step_keeps_none() {
    let w = district().await;
    let token = token(&w, "clerk_a").await;
    let reply: &[u8] = b"%PDF-1.4 the reply, scanned";
    let inline = |name: &str, bytes: &[u8]| json!([{"name": name, "content_base64": base64::engine::general_purpose::STANDARD.encode(bytes)}]);
    // Refused by the engine (no receipt date): the file is not kept.
    let events = w.db.store.count_events().await.unwrap();
    let refused = api(
        &w,
        "POST",
        "/api/v1/cases",
        &token,
        json!({"procedure": "disclosure_request", "action": "register", "fields": {
            "applicant": {"kind": "person", "name": "李四", "phone": "13700001111"},
            "applicant_kind": "natural_person", "content": "预算执行情况", "channel": "in_person",
            "attachments": inline("答复书.pdf", reply)}}),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert_eq!(files_on_disk(&w), (0, 0));
    assert_eq!(w.db.store.count_events().await.unwrap(), events);
    // Not Base64, and a kind that may not be stored: each named.
    let (status, body) = register(
        &w,
        &token,
        json!([{"name": "a.pdf", "content_base64": "%%%"}]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Base64"),
        "{body}"
    );
    let (status, body) = register(&w, &token, inline("run.exe", b"MZ")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("run.exe"),
        "{body}"
    );
    assert_eq!(files_on_disk(&w), (0, 0));
    // Accepted: the reference replaces the content, and the file opens from its case.
    let (status, body) = register(&w, &token, inline("答复书.pdf", reply)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let stored = &body["fields"]["attachments"][0];
    assert_eq!(stored["sha256"], json!(sha256_hex(reply)));
    assert!(stored.get("content_base64").is_none());
    let cookie = login(&w, "clerk_a").await;
    let download = get(
        &w,
        &format!(
            "/console/cases/{}/files/{}",
            body["id"].as_str().unwrap(),
            sha256_hex(reply)
        ),
        &cookie,
    )
    .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, reply);
    assert_eq!(files_on_disk(&w), (1, 0));
}

/// A region-wide user files cases only under departments of the regions their grant covers:
/// naming another district's department is refused (it used to be filed under it), an unknown
/// one is named, and nothing is recorded.
#[tokio::test]
async fn a_case_is_filed_only_under_a_department_of_the_users_own_regions() {
    let w = world(
        Engine::Sqlite,
        "2024-03-04",
        &[(
            "zfb",
            "旅顺口区人民政府办公室",
            DepartmentKind::GovernmentOffice,
        )],
        &[("justice", Role::JusticeStaff, None)],
        None,
    )
    .await;
    let other_region = region("210213");
    w.db.store
        .add_region("t", &other_region, "金州区", None)
        .await
        .unwrap();
    let elsewhere =
        w.db.store
            .add_department(
                "t",
                &other_region,
                "zfb",
                "金州区人民政府办公室",
                DepartmentKind::GovernmentOffice,
            )
            .await
            .unwrap();
    let token = token(&w, "justice").await;
    let zfb = w.departments["zfb"].clone();
    // The justice bureau registers case files for evaluation (a region-wide action).
    let file_under = |department: String| {
        let w = &w;
        let token = token.clone();
        let zfb = zfb.clone();
        async move {
            api(
                w,
                "POST",
                "/api/v1/cases",
                &token,
                json!({"procedure": "case_file_evaluation", "action": "register", "department": department,
                       "fields": {"batch": "2024年度第一批", "batch_year": 2024, "file_number": "旅政罚〔2024〕1号",
                                  "file_kind": "penalty", "evaluated_body": zfb, "evaluating_body": zfb}}),
            )
            .await
        }
    };
    let events = w.db.store.count_events().await.unwrap();
    let refused = file_under(elsewhere.id.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    let unknown = file_under("no-such-department".into()).await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text()
    );
    assert!(unknown.text().contains("no-such-department"));
    assert_eq!(w.db.store.count_events().await.unwrap(), events);
    let own = file_under(w.departments["zfb"].clone()).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.text());
    assert_eq!(own.json()["region"], json!("210212"));
}

/// Scans are large: a case form and an API call carry files of several megabytes (other
/// forms keep their 2 MB limit), up to 20 MB a file.
#[tokio::test]
async fn scans_of_several_megabytes_are_taken() {
    let w = district().await;
    let a = login(&w, "clerk_a").await;
    let mut scan = b"%PDF-1.4 ".to_vec();
    scan.resize(3 * 1024 * 1024, b'x');
    let created = post_multipart(
        &w,
        "/console/cases",
        CONSOLE_REGISTRATION,
        &[("f.attachments", "扫描件.pdf", "application/pdf", &scan)],
        Some(&a),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let token = token(&w, "clerk_a").await;
    let (status, body) = register(
        &w,
        &token,
        json!([{"name": "另一份.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode([&scan[..], b"2"].concat())}]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(files_on_disk(&w), (2, 0));
    // Over 20 MB a file: refused by name, nothing kept.
    let mut huge = scan.clone();
    huge.resize(21 * 1024 * 1024, b'y');
    let (status, body) = register(
        &w,
        &token,
        json!([{"name": "太大.pdf", "content_base64": base64::engine::general_purpose::STANDARD.encode(&huge)}]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("太大.pdf"),
        "{body}"
    );
    assert_eq!(files_on_disk(&w), (2, 0));
}

/// The case list's filters offer what the user may see: their own department, not the others
/// (a region-wide user: every department), and the procedures their roles work in.
#[tokio::test]
async fn the_case_filters_offer_only_what_the_user_may_see() {
    let w = world(
        Engine::Sqlite,
        "2024-03-04",
        &[
            (
                "zfb",
                "旅顺口区人民政府办公室",
                DepartmentKind::GovernmentOffice,
            ),
            ("fgj", "旅顺口区发展和改革局", DepartmentKind::Department),
        ],
        &[
            ("clerk_a", Role::DepartmentStaff, Some("zfb")),
            ("justice", Role::JusticeStaff, None),
        ],
        None,
    )
    .await;
    let a = login(&w, "clerk_a").await;
    let list = get(&w, "/console/cases", &a).await.text();
    assert!(list.contains("旅顺口区人民政府办公室</option>"), "{list}");
    assert!(
        !list.contains("旅顺口区发展和改革局</option>"),
        "another department is not offered"
    );
    assert!(list.contains("依申请公开政府信息</option>"), "{list}");
    assert!(
        !list.contains("行政执法案卷评查</option>"),
        "the justice bureau's procedure is not offered"
    );
    let justice = login(&w, "justice").await;
    let list = get(&w, "/console/cases", &justice).await.text();
    assert!(
        list.contains("旅顺口区发展和改革局</option>")
            && list.contains("行政执法案卷评查</option>")
    );
}
