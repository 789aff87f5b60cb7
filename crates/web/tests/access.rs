//! The access matrix (issue 22, "keep it found"): every route of the site and every API
//! operation, walked as every kind of caller — nobody, a citizen, the case's own clerk, a clerk
//! of another department and of another region, a deactivated user, a legal reviewer, the
//! justice bureau, a leader and an administrator — each answer checked against the table. A
//! denial is anything but a success (2xx); an allowance is 200. A route found in the source
//! that is not in the table fails the test until it is added, so no new route goes unwalked.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_store::Engine;
use fazhi_store::accounts::NewUser;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Nobody,
    Citizen,
    Own,
    OtherDepartment,
    OtherRegion,
    Deactivated,
    Reviewer,
    Justice,
    Leader,
    Admin,
}

use Who::*;

const EVERYONE: &[Who] = &[
    Nobody,
    Citizen,
    Own,
    OtherDepartment,
    OtherRegion,
    Deactivated,
    Reviewer,
    Justice,
    Leader,
    Admin,
];
const STAFF: &[Who] = &[
    Own,
    OtherDepartment,
    OtherRegion,
    Reviewer,
    Justice,
    Leader,
    Admin,
];
/// Who reads the case of the district government office (department staff there, and the
/// district's region-wide roles).
const CASE_READERS: &[Who] = &[Own, Justice, Leader, Admin];
const REGION_WIDE: &[Who] = &[Justice, Leader, Admin];

/// One row: the route as the source declares it, the path called, the method, and who gets
/// 200 (for reads; `None` for a write, which is only checked for who is refused).
struct Row {
    route: &'static str,
    method: &'static str,
    path: String,
    allowed: Option<&'static [Who]>,
    refused: &'static [Who],
}

fn login_name(who: Who) -> Option<&'static str> {
    Some(match who {
        Nobody => return None,
        Citizen => "citizen",
        Own => "clerk_a",
        OtherDepartment => "clerk_b",
        OtherRegion => "clerk_c",
        Deactivated => "gone",
        Reviewer => "reviewer",
        Justice => "justice",
        Leader => "leader",
        Admin => "admin",
    })
}

/// Every `.route("…")` and `#[utoipa::path(…, path = "…")]` in the web crate's source.
fn declared_routes() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in [".route(", "path = "] {
                    for piece in text.split(marker).skip(1) {
                        let piece = piece.trim_start();
                        if let Some(rest) = piece.strip_prefix('"')
                            && let Some(end) = rest.find('"')
                            && rest.starts_with('/')
                        {
                            out.insert(rest[..end].to_string());
                        }
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
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
            ("admin", Role::Admin, None),
            ("leader", Role::Leader, None),
            ("justice", Role::JusticeStaff, None),
            ("reviewer", Role::LegalReviewer, None),
            ("clerk_a", Role::DepartmentStaff, Some("zfb")),
            ("clerk_b", Role::DepartmentStaff, Some("fgj")),
            ("gone", Role::DepartmentStaff, Some("zfb")),
            ("citizen", Role::PublicApplicant, None),
        ],
        None,
    )
    .await;
    // Another district, with its own clerk.
    let other = region("210213");
    w.db.store
        .add_region("t", &other, "金州区", None)
        .await
        .unwrap();
    let elsewhere =
        w.db.store
            .add_department(
                "t",
                &other,
                "zfb",
                "金州区人民政府办公室",
                DepartmentKind::GovernmentOffice,
            )
            .await
            .unwrap();
    w.db.store
        .add_user(
            "t",
            NewUser {
                name: UserName::parse("clerk_c").unwrap(),
                display_name: "金州区办事员".into(),
                region: other.clone(),
                password: PASSWORD.into(),
                grants: vec![
                    Grant::new(
                        Role::DepartmentStaff,
                        other.clone(),
                        Some(elsewhere.id.clone()),
                    )
                    .unwrap(),
                ],
            },
        )
        .await
        .unwrap();
    // A case of the district government office, with a file and a document.
    let token_a = token(&w, "clerk_a").await;
    let created = api(
        &w,
        "POST",
        "/api/v1/cases",
        &token_a,
        json!({"procedure": "disclosure_request", "action": "register", "fields": {
            "applicant": {"kind": "person", "name": "李四", "phone": "13700001111"},
            "applicant_kind": "natural_person", "content": "预算执行情况", "channel": "in_person",
            "received_on": "2024-03-04",
            "attachments": [{"name": "申请书.pdf", "content_base64": "JVBERi0xLjQgc2Nhbg=="}]}}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let case = created.json()["id"].as_str().unwrap().to_string();
    let sha = created.json()["fields"]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let zfb = w.departments["zfb"].clone();
    let gone = w.db.store.user_by_name("gone").await.unwrap().unwrap();
    let admin_user = w.db.store.user_by_name("admin").await.unwrap().unwrap();
    // Every caller's session, taken before one of them is deactivated.
    let mut cookies: BTreeMap<Who, String> = BTreeMap::new();
    let mut tokens: BTreeMap<Who, String> = BTreeMap::new();
    for who in EVERYONE {
        if let Some(name) = login_name(*who) {
            cookies.insert(*who, login(&w, name).await);
            tokens.insert(*who, token(&w, name).await);
        }
    }
    w.db.store
        .set_active("t", &gone.id, gone.version, false)
        .await
        .unwrap();

    let row = |route, method, path: String, allowed, refused| Row {
        route,
        method,
        path,
        allowed,
        refused,
    };
    let not = |allowed: &'static [Who]| -> &'static [Who] {
        let refused: Vec<Who> = EVERYONE
            .iter()
            .copied()
            .filter(|w| !allowed.contains(w))
            .collect();
        Box::leak(refused.into_boxed_slice())
    };
    let c = |p: &str| format!("/console{p}");
    let rows = vec![
        // The public site.
        row("/", "GET", "/".into(), Some(EVERYONE), &[]),
        row(
            "/publicity",
            "GET",
            "/publicity".into(),
            Some(EVERYONE),
            &[],
        ),
        row(
            "/flowcharts",
            "GET",
            "/flowcharts".into(),
            Some(EVERYONE),
            &[],
        ),
        row(
            "/flowcharts/{file}",
            "GET",
            "/flowcharts/disclosure_request.svg".into(),
            Some(EVERYONE),
            &[],
        ),
        row("/apply", "GET", "/apply".into(), Some(EVERYONE), &[]),
        row(
            "/apply/{procedure}",
            "GET",
            "/apply/disclosure_request".into(),
            Some(EVERYONE),
            &[],
        ),
        row(
            "/apply/receipt/{receipt}",
            "GET",
            "/apply/receipt/GK20240304-ZZZZZZ".into(),
            Some(&[]),
            EVERYONE,
        ),
        row("/track", "GET", "/track".into(), Some(EVERYONE), &[]),
        row(
            "/track/document",
            "POST",
            "/track/document".into(),
            None,
            EVERYONE,
        ),
        row("/healthz", "GET", "/healthz".into(), Some(EVERYONE), &[]),
        row("/metrics", "GET", "/metrics".into(), Some(&[]), EVERYONE),
        row(
            "/static/{*path}",
            "GET",
            "/static/fazhi.css".into(),
            Some(EVERYONE),
            &[],
        ),
        row("/lang/{code}", "GET", "/lang/en".into(), None, &[]),
        // The console: every staff member.
        row("/", "GET", c(""), Some(STAFF), not(STAFF)),
        row("/cases", "GET", c("/cases"), Some(STAFF), not(STAFF)),
        row(
            "/cases/new",
            "GET",
            c("/cases/new"),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/deadlines",
            "GET",
            c("/deadlines"),
            Some(STAFF),
            not(STAFF),
        ),
        row("/mine", "GET", c("/mine"), Some(STAFF), not(STAFF)),
        row(
            "/cases.csv",
            "GET",
            c("/cases.csv"),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/departments",
            "GET",
            c("/departments"),
            Some(STAFF),
            not(STAFF),
        ),
        row("/calendar", "GET", c("/calendar"), Some(STAFF), not(STAFF)),
        row(
            "/notifications",
            "GET",
            c("/notifications"),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/notifications/badge",
            "GET",
            c("/notifications/badge"),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/notifications/read-all",
            "POST",
            c("/notifications/read-all"),
            None,
            not(STAFF),
        ),
        row(
            "/notifications/{id}",
            "POST",
            c("/notifications/none"),
            None,
            not(STAFF),
        ),
        row("/account", "GET", c("/account"), Some(STAFF), not(STAFF)),
        row(
            "/account/password",
            "POST",
            c("/account/password"),
            None,
            not(STAFF),
        ),
        row(
            "/account/tokens",
            "POST",
            c("/account/tokens"),
            None,
            not(STAFF),
        ),
        row(
            "/account/tokens/{id}/revoke",
            "POST",
            c("/account/tokens/none/revoke"),
            None,
            not(STAFF),
        ),
        row(
            "/dashboard",
            "GET",
            c("/dashboard"),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/dashboard/deadlines.csv",
            "GET",
            c("/dashboard/deadlines.csv"),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/dashboard/figures.csv",
            "GET",
            c("/dashboard/figures.csv"),
            None,
            not(STAFF),
        ),
        // The case, and what belongs to it.
        row(
            "/cases/{id}",
            "GET",
            c(&format!("/cases/{case}")),
            Some(CASE_READERS),
            not(CASE_READERS),
        ),
        row(
            "/cases/{id}",
            "POST",
            c(&format!("/cases/{case}")),
            None,
            not(&[Own, Justice, Leader, Admin]),
        ),
        row(
            "/cases/{id}/files/{sha256}",
            "GET",
            c(&format!("/cases/{case}/files/{sha}")),
            Some(CASE_READERS),
            not(CASE_READERS),
        ),
        row(
            "/cases/{id}/documents",
            "POST",
            c(&format!("/cases/{case}/documents")),
            None,
            not(CASE_READERS),
        ),
        row("/cases", "POST", c("/cases"), None, not(STAFF)),
        row(
            "/departments/{id}",
            "GET",
            c(&format!("/departments/{zfb}")),
            Some(&[Own, Justice, Leader, Admin]),
            not(&[Own, OtherDepartment, Reviewer, Justice, Leader, Admin]),
        ),
        row(
            "/departments/{id}",
            "POST",
            c(&format!("/departments/{zfb}")),
            None,
            not(&[Admin]),
        ),
        row(
            "/departments",
            "POST",
            c("/departments"),
            None,
            not(&[Admin]),
        ),
        // The district's own pages: region-wide roles.
        row(
            "/reports",
            "GET",
            c("/reports"),
            Some(REGION_WIDE),
            not(REGION_WIDE),
        ),
        row(
            "/reports/stats",
            "GET",
            c("/reports/stats?procedure=disclosure_request&year=2024"),
            Some(REGION_WIDE),
            not(REGION_WIDE),
        ),
        row(
            "/reports/disclosure",
            "GET",
            c("/reports/disclosure?year=2024"),
            Some(REGION_WIDE),
            not(REGION_WIDE),
        ),
        row(
            "/reports/rule-of-law",
            "GET",
            c("/reports/rule-of-law?year=2024"),
            Some(REGION_WIDE),
            not(REGION_WIDE),
        ),
        row(
            "/reports/rule-of-law/download",
            "GET",
            c("/reports/rule-of-law/download?year=2024&format=md"),
            Some(REGION_WIDE),
            not(REGION_WIDE),
        ),
        row(
            "/reports/rule-of-law/paragraph",
            "POST",
            c("/reports/rule-of-law/paragraph"),
            None,
            not(REGION_WIDE),
        ),
        row(
            "/reports/rule-of-law/figure",
            "POST",
            c("/reports/rule-of-law/figure"),
            None,
            not(REGION_WIDE),
        ),
        row(
            "/supervision",
            "GET",
            c("/supervision"),
            Some(REGION_WIDE),
            not(REGION_WIDE),
        ),
        row(
            "/audit",
            "GET",
            c("/audit"),
            Some(REGION_WIDE),
            not(REGION_WIDE),
        ),
        row(
            "/audit/checkpoint",
            "POST",
            c("/audit/checkpoint"),
            None,
            not(&[Admin]),
        ),
        row(
            "/audit/verify",
            "POST",
            c("/audit/verify"),
            None,
            not(&[Admin]),
        ),
        row(
            "/templates",
            "GET",
            c("/templates"),
            Some(&[Justice, Admin]),
            not(&[Justice, Admin]),
        ),
        row(
            "/templates/{procedure}/{document}",
            "GET",
            c("/templates/disclosure_request/reply"),
            Some(&[Justice, Admin]),
            not(&[Justice, Admin]),
        ),
        row("/users", "GET", c("/users"), Some(&[Admin]), not(&[Admin])),
        row("/users", "POST", c("/users"), None, not(&[Admin])),
        row(
            "/users/{id}/grants",
            "POST",
            c(&format!("/users/{}/grants", admin_user.id)),
            None,
            not(&[Admin]),
        ),
        row(
            "/users/{id}/active",
            "POST",
            c(&format!("/users/{}/active", admin_user.id)),
            None,
            not(&[Admin]),
        ),
        row(
            "/users/{id}/password",
            "POST",
            c(&format!("/users/{}/password", admin_user.id)),
            None,
            not(&[]),
        ),
        // The API.
        row(
            "/api/v1/me",
            "GET",
            "/api/v1/me".into(),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/api/v1/procedures",
            "GET",
            "/api/v1/procedures".into(),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/api/v1/procedures/{code}",
            "GET",
            "/api/v1/procedures/disclosure_request".into(),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/api/v1/cases",
            "GET",
            "/api/v1/cases".into(),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/api/v1/cases",
            "POST",
            "/api/v1/cases".into(),
            None,
            not(STAFF),
        ),
        row(
            "/api/v1/cases/{id}",
            "GET",
            format!("/api/v1/cases/{case}"),
            Some(CASE_READERS),
            not(CASE_READERS),
        ),
        row(
            "/api/v1/cases/{id}/events",
            "GET",
            format!("/api/v1/cases/{case}/events"),
            Some(CASE_READERS),
            not(CASE_READERS),
        ),
        row(
            "/api/v1/cases/{id}/actions",
            "POST",
            format!("/api/v1/cases/{case}/actions"),
            None,
            not(&[Own, Justice, Leader, Admin]),
        ),
        row(
            "/api/v1/departments",
            "GET",
            "/api/v1/departments".into(),
            Some(STAFF),
            not(STAFF),
        ),
        row(
            "/api/v1/departments",
            "POST",
            "/api/v1/departments".into(),
            None,
            not(&[Admin]),
        ),
        row(
            "/api/v1/departments/{id}",
            "GET",
            format!("/api/v1/departments/{zfb}"),
            Some(&[Own, Justice, Leader, Admin]),
            not(&[Own, OtherDepartment, Reviewer, Justice, Leader, Admin]),
        ),
        row(
            "/api/v1/departments/{id}",
            "PATCH",
            format!("/api/v1/departments/{zfb}"),
            None,
            not(&[Admin]),
        ),
        row(
            "/api/v1/departments/{id}/events",
            "GET",
            format!("/api/v1/departments/{zfb}/events"),
            Some(&[Own, Justice, Leader, Admin]),
            not(&[Own, OtherDepartment, Reviewer, Justice, Leader, Admin]),
        ),
        // Logging in and out (last: logging out ends the sessions the rows above use).
        row("/login", "GET", c("/login"), None, &[]),
        row("/logout", "POST", c("/logout"), None, &[]),
    ];

    // Every route the source declares is in the table.
    let walked: BTreeSet<&str> = rows.iter().map(|r| r.route).collect();
    let missing: Vec<String> = declared_routes()
        .into_iter()
        .filter(|r| {
            !walked.contains(r.as_str())
                && !r.starts_with("/api/v1/docs")
                && r != "/api/v1/openapi.json"
        })
        .collect();
    assert!(
        missing.is_empty(),
        "routes not in the access table: {missing:?}"
    );

    let mut wrong = Vec::new();
    let mut calls = 0;
    for r in &rows {
        for who in EVERYONE {
            let api_call = r.path.starts_with("/api/");
            let mut headers: Vec<(&str, String)> = vec![("sec-fetch-site", "same-origin".into())];
            match (api_call, who) {
                (_, Nobody) => {}
                (true, _) => headers.push((
                    header::AUTHORIZATION.as_str(),
                    format!("Bearer {}", tokens[who]),
                )),
                (false, _) => headers.push((header::COOKIE.as_str(), cookies[who].clone())),
            }
            let (content_type, body) = match (r.method, api_call) {
                ("GET", _) => (None, String::new()),
                (_, true) => (Some("application/json"), "{}".to_string()),
                (_, false) => (Some("application/x-www-form-urlencoded"), String::new()),
            };
            if let Some(t) = content_type {
                headers.push((header::CONTENT_TYPE.as_str(), t.into()));
            }
            let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let answer = request(&w, r.method, &r.path, &pairs, body).await;
            calls += 1;
            let status = answer.status;
            if r.refused.contains(who) && status.is_success() {
                wrong.push(format!(
                    "{} {} as {who:?}: {status}, should be refused",
                    r.method, r.path
                ));
            }
            if let Some(allowed) = r.allowed
                && allowed.contains(who)
                && status != StatusCode::OK
            {
                wrong.push(format!(
                    "{} {} as {who:?}: {status}, should be 200",
                    r.method, r.path
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {calls} answers wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
