//! Reports in the console, computed from cases recorded through the engine: a procedure's
//! statistics for a year and the disclosure annual report, each figure linking to its cases;
//! the report as DOCX read back; access only for region-wide roles.

mod common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::*;
use fazhi_app::cases::Opening;
use fazhi_core::authz::Principal;
use fazhi_core::engine::{Actor, Command};
use fazhi_core::org::{DepartmentKind, Grant, Role};
use fazhi_store::Engine;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Read;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The requests seeded: case id, its version, the definition it runs under.
type Requests = Vec<(String, i64, fazhi_core::procedure::Definition)>;

/// The office's clerk, acting through the application.
fn clerk(w: &World) -> Principal {
    Principal {
        user_id: "clerk".into(),
        user_name: "clerk".into(),
        grants: vec![
            Grant::new(
                Role::DepartmentStaff,
                region("210212"),
                Some(w.departments["zfb"].clone()),
            )
            .unwrap(),
        ],
    }
}

/// A district office with three disclosure requests (2018 carried over and answered in 2019,
/// one received and answered in 2019, one open at the end of 2019), a justice-bureau user and
/// a clerk of the office.
async fn district() -> (World, Requests) {
    let w = world(
        Engine::Sqlite,
        "2024-03-04",
        &[(
            "zfb",
            "旅顺口区人民政府办公室",
            DepartmentKind::GovernmentOffice,
        )],
        &[
            ("justice", Role::JusticeStaff, None),
            ("clerk", Role::DepartmentStaff, Some("zfb")),
        ],
        None,
    )
    .await;
    let state = &w.state;
    let registry = state.app.procedures().clone();
    let clerk = clerk(&w);
    // Three requests: one carried over from 2018 and answered in 2019, one received and
    // answered in 2019 by a business, one received in December 2019 and still open.
    let mut ids = Vec::new();
    for (received, kind) in [
        ("2018-12-20", "natural_person"),
        ("2019-03-04", "business"),
        ("2019-12-23", "natural_person"),
    ] {
        let definition = registry
            .current("disclosure_request", day(received))
            .unwrap();
        let case = state
            .app
            .open(Opening {
                procedure: &definition.code,
                actor: Actor::User(&clerk),
                region: &region("210212"),
                department: Some(w.departments["zfb"].clone()),
                action: Some("register"),
                fields: fields(&[
                    (
                        "applicant",
                        if kind == "natural_person" {
                            json!({"kind": "person", "name": "张三", "phone": "13912345678"})
                        } else {
                            json!({"kind": "organisation", "name": "大连某某建材有限公司", "phone": "0411-86231234"})
                        },
                    ),
                    ("applicant_kind", json!(kind)),
                    ("content", json!("老旧小区改造项目立项批复")),
                    ("channel", json!("in_person")),
                    ("received_on", json!(received)),
                ]),
                on: day(received),
                receipt: None,
            })
            .await
            .unwrap();
        ids.push((case.case.id.clone(), case.case.version, definition.clone()));
    }
    for (i, reply_on) in [(0usize, "2019-01-10"), (1, "2019-03-20")] {
        let (id, version, _) = &ids[i];
        state
            .app
            .act(
                Actor::User(&clerk),
                id,
                Command {
                    action: "reply".into(),
                    expected_version: *version,
                    fields: fields(&[
                        ("reply_type", json!("disclose")),
                        ("reply_on", json!(reply_on)),
                    ]),
                    on: day(reply_on),
                },
            )
            .await
            .unwrap();
    }
    (w, ids)
}

#[tokio::test]
async fn statistics_and_the_disclosure_report_link_figures_to_cases() {
    let (w, ids) = district().await;
    let justice = login(&w, "justice").await;

    // Statistics: each figure is a link to exactly its cases.
    let stats = get(
        &w,
        "/console/reports/stats?procedure=disclosure_request&year=2019",
        &justice,
    )
    .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    let page = stats.text();
    let received = format!("/console/cases?ids={},{}\">2<", ids[1].0, ids[2].0);
    assert!(
        page.contains(&received),
        "received 2 → the two 2019 cases\n{page}"
    );
    let carried = format!("/console/cases?ids={}\">1<", ids[0].0);
    assert!(page.contains(&carried), "carried over 1");
    let concluded = format!("/console/cases?ids={},{}\">2<", ids[0].0, ids[1].0);
    assert!(page.contains(&concluded), "concluded 2");
    // A choice some cases leave open has its own row, so the rows add up to the 2 received:
    // the reply type is given only for the one answered.
    assert!(
        page.contains("未填写") && page.contains(&received),
        "the unanswered are counted: {page}"
    );
    // A case entered after the fact: its history gives the day each act took effect, and
    // when it was recorded.
    let case_page = get(&w, &format!("/console/cases/{}", ids[1].0), &justice)
        .await
        .text();
    assert!(case_page.contains("2019-03-04（2024-03-04"), "{case_page}");
    // The link opens the list of those cases.
    let list = get(&w, &format!("/console/cases?ids={}", ids[0].0), &justice).await;
    assert!(list.text().contains(&ids[0].0));
    assert!(!list.text().contains(&ids[1].0));

    // The disclosure report: the requests table adds up, and the check says so.
    let report = get(&w, "/console/reports/disclosure?year=2019", &justice).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    let html = report.text();
    assert!(html.contains("本年新收政府信息公开申请数量"));
    assert!(html.contains("经核对，各列均符合"), "{html}");
    assert!(html.contains(&format!("/console/cases?ids={}", ids[0].0)));
    // Both formats render.
    let old = get(
        &w,
        "/console/reports/disclosure?year=2019&format=2019",
        &justice,
    )
    .await;
    assert_eq!(old.status, StatusCode::OK);
    assert!(old.text().contains("本年新收政府信息公开申请数量"));
    let bad = get(
        &w,
        "/console/reports/disclosure?year=2019&format=2020",
        &justice,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("2020"));

    // DOCX: a real Word file whose document part holds the report's text.
    let docx = get(
        &w,
        "/console/reports/disclosure?year=2019&download=docx",
        &justice,
    )
    .await;
    assert_eq!(docx.status, StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx.body)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("政府信息公开工作年度报告"));
    assert!(xml.contains("本年新收政府信息公开申请数量"));

    // A department's staff may not open region reports.
    let clerk_cookie = login(&w, "clerk").await;
    let denied = get(&w, "/console/reports/disclosure?year=2019", &clerk_cookie).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn documents_are_generated_stored_with_their_hash_and_templates_are_checked() {
    let (w, ids) = district().await;
    let (answered, _, _) = &ids[1];
    let clerk = login(&w, "clerk").await;
    // The clerk generates the reply (答复书) of the answered request.
    let made = post_form(
        &w,
        &format!("/console/cases/{answered}/documents"),
        &[("document", "reply")],
        &clerk,
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let page = get(&w, &format!("/console/cases/{answered}"), &clerk)
        .await
        .text();
    let documents = w.db.store.documents_of(answered).await.unwrap();
    assert_eq!(documents.len(), 1);
    let d = &documents[0];
    assert!(page.contains(&d.title));
    // The Word file downloads, is a real DOCX (read with zip, not with the library that wrote
    // it) and holds the case's data; its hash is the one recorded in the event.
    let docx = get(
        &w,
        &format!("/console/cases/{answered}/files/{}", d.docx_sha256),
        &clerk,
    )
    .await;
    assert_eq!(docx.status, StatusCode::OK);
    assert_eq!(fazhi_store::files::sha256_hex(&docx.body), d.docx_sha256);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx.body.clone())).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains("张三") || xml.contains("大连某某建材有限公司"),
        "the applicant's name is in the reply"
    );
    assert!(xml.contains("老旧小区改造项目立项批复"));
    assert!(
        xml.contains("依申请公开〔2019〕"),
        "the case number is printed"
    );
    let history =
        w.db.store
            .history(&format!("case:{answered}"))
            .await
            .unwrap();
    let event = history.iter().find(|e| e.kind == "case.document").unwrap();
    assert!(event.payload.contains(&d.docx_sha256));
    assert!(w.db.store.verify().await.unwrap().ok());
    // A hash that is not this case's opens nothing.
    let other = get(
        &w,
        &format!("/console/cases/{}/files/{}", ids[0].0, d.docx_sha256),
        &clerk,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Templates: a broken edit is refused with its line; a good one is used from then on.
    let justice = login(&w, "justice").await;
    let broken = post_form(
        &w,
        "/console/templates/disclosure_request/reply",
        &[
            ("version", "0"),
            ("body", "# 答复书\n\n{{ fields.content \n"),
        ],
        &justice,
    )
    .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.text().contains("第 3 行"), "{}", broken.text());
    let edited = "# 政府信息公开申请答复书（本区格式）\n\n{{ fields.applicant.name }}：\n\n您申请的“{{ fields.content }}”已办结。\n";
    let saved = post_form(
        &w,
        "/console/templates/disclosure_request/reply",
        &[("version", "0"), ("body", edited)],
        &justice,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    // The clerk may not edit templates.
    let denied = post_form(
        &w,
        "/console/templates/disclosure_request/reply",
        &[("version", "1"), ("body", edited)],
        &clerk,
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    post_form(
        &w,
        &format!("/console/cases/{answered}/documents"),
        &[("document", "reply")],
        &clerk,
    )
    .await;
    let documents = w.db.store.documents_of(answered).await.unwrap();
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0].title, "政府信息公开申请答复书（本区格式）");
}

#[tokio::test]
async fn supervision_counts_certificates_and_is_for_the_justice_bureau() {
    let (w, _) = district().await;
    let state = &w.state;
    let justice = Principal {
        user_id: "justice".into(),
        user_name: "justice".into(),
        grants: vec![Grant::new(Role::JusticeStaff, region("210212"), None).unwrap()],
    };
    let today = w.db.store.today();
    let definition = state
        .app
        .procedures()
        .current("enforcement_certificate", today)
        .unwrap()
        .clone();
    let offices = w.db.store.departments(None).await.unwrap();
    // One certificate valid for years, one ending within the 30-day warning.
    for (number, until) in [
        ("21020001", today + chrono::Duration::days(800)),
        ("21020002", today + chrono::Duration::days(10)),
    ] {
        state
            .app
            .open(Opening {
                procedure: &definition.code,
                actor: Actor::User(&justice),
                region: &region("210212"),
                department: Some(offices[0].id.clone()),
                action: Some("register_issued"),
                fields: fields(&[
                    ("holder", json!({"kind": "person", "name": "张执法"})),
                    ("certificate_number", json!(number)),
                    ("scopes", json!(["market"])),
                    ("valid_from", json!("2021-01-01")),
                    ("valid_until", json!(until.format("%Y-%m-%d").to_string())),
                ]),
                on: today,
                receipt: None,
            })
            .await
            .unwrap();
    }
    let cookie = login(&w, "justice").await;
    let page = get(&w, "/console/supervision", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("有效执法证（截至今日）"),
        "current counts say so, whatever the year"
    );
    assert!(html.contains(">2</a>"), "two valid certificates: {html}");
    // The case-file evaluations are a section of the page, not part of its <title>.
    let title =
        &html[html.find("<title>").unwrap() + "<title>".len()..html.find("</title>").unwrap()];
    assert!(
        !title.contains("案卷评查") && !title.contains('<'),
        "{title}"
    );
    let body = &html[html.find("<main").unwrap()..];
    assert!(
        body.contains("<h2>案卷评查（本年，按被评查单位）</h2>"),
        "{body}"
    );
    // One expiring, in red, its link the figure's query (not a list of ids).
    let expiring = "bad\" href=\"/console/cases?figure=supervision:certificates_expiring&#38;year=";
    assert!(html.contains(expiring), "one expiring, in red: {html}");
    let start = html.find(expiring).unwrap() + "bad\" href=\"".len();
    let link = html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    let list = get(&w, &link, &cookie).await.text();
    assert!(list.contains("共 1"), "the link opens the one: {list}");
    let clerk = login(&w, "clerk").await;
    let denied = get(&w, "/console/supervision", &clerk).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_file_attached_at_any_step_stays_listed_and_downloadable() {
    let (w, _) = district().await;
    let state = &w.state;
    let office = w.db.store.departments(None).await.unwrap()[0].clone();
    let clerk = clerk(&w);
    let store = &w.db.store;
    // Each file is sent with the step that attaches it, as a form or an API call sends it.
    let upload = |name: &'static str, bytes: &'static [u8]| async move {
        let mut writer = store.begin_upload(name, 1 << 20).await.unwrap();
        writer.write(bytes).await.unwrap();
        writer.finish().await.unwrap()
    };
    let first_upload = upload("申请书.pdf", b"%PDF application").await;
    let second_upload = upload("答复书扫描件.pdf", b"%PDF reply").await;
    let first = first_upload.reference().clone();
    let second = second_upload.reference().clone();
    let today = store.today();
    let definition = state
        .app
        .procedures()
        .current("disclosure_request", today)
        .unwrap()
        .clone();
    let case = state
        .app
        .open_with_files(
            Opening {
                procedure: &definition.code,
                actor: Actor::User(&clerk),
                region: &region("210212"),
                department: Some(office.id.clone()),
                action: Some("register"),
                fields: fields(&[
                    (
                        "applicant",
                        json!({"kind": "person", "name": "李四", "phone": "13700001111"}),
                    ),
                    ("applicant_kind", json!("natural_person")),
                    ("content", json!("预算执行情况")),
                    ("channel", json!("in_person")),
                    ("received_on", json!(today.format("%Y-%m-%d").to_string())),
                    ("attachments", json!([first.to_value()])),
                ]),
                on: today,
                receipt: None,
            },
            vec![first_upload],
        )
        .await
        .unwrap();
    state
        .app
        .act_on_with_files(
            Actor::User(&clerk),
            case.clone(),
            Command {
                action: "reply".into(),
                expected_version: 1,
                fields: fields(&[
                    ("reply_type", json!("disclose")),
                    ("reply_on", json!(today.format("%Y-%m-%d").to_string())),
                    ("attachments", json!([second.to_value()])),
                ]),
                on: today,
            },
            vec![second_upload],
        )
        .await
        .unwrap();
    let cookie = login(&w, "clerk").await;
    let page = get(&w, &format!("/console/cases/{}", case.case.id), &cookie)
        .await
        .text();
    assert!(
        page.contains("申请书.pdf") && page.contains("答复书扫描件.pdf"),
        "{page}"
    );
    for (file, bytes) in [
        (&first, &b"%PDF application"[..]),
        (&second, &b"%PDF reply"[..]),
    ] {
        let got = get(
            &w,
            &format!("/console/cases/{}/files/{}", case.case.id, file.sha256),
            &cookie,
        )
        .await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, bytes);
    }
}

#[tokio::test]
async fn a_report_figure_opens_its_records_by_its_query() {
    let (w, ids) = district().await;
    let justice = login(&w, "justice").await;
    // The rule-of-law report's figure, as its `query` names it: the figure and the year.
    let query = "/console/cases?figure=rule_of_law:disclosure.requests&year=2019&region=210212";
    let page = get(&w, query, &justice).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let text = page.text();
    for (id, ..) in &ids[1..] {
        assert!(
            text.contains(&format!("/console/cases/{id}")),
            "2019 request {id}"
        );
    }
    assert!(
        !text.contains(&format!("/console/cases/{}", ids[0].0)),
        "2018's is not counted"
    );
    // The same through the API; a year without requests lists nothing.
    let token = token(&w, "justice").await;
    let listed = api(
        &w,
        "GET",
        "/api/v1/cases?figure=rule_of_law:disclosure.requests&year=2019&region=210212",
        &token,
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(listed.json()["total"], 2, "{}", listed.text());
    let none = api(
        &w,
        "GET",
        "/api/v1/cases?figure=rule_of_law:disclosure.requests&year=2017&region=210212",
        &token,
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(none.json()["total"], 0, "{}", none.text());
    let unknown = get(
        &w,
        "/console/cases?figure=rule_of_law:no.such&year=2019",
        &justice,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.text().contains("没有指标"), "{}", unknown.text());
    // An unknown report is a wrong parameter too, named in the API's error body.
    let no_report = get(&w, "/api/v1/cases?figure=no_report:x&year=2019", &justice).await;
    assert_eq!(no_report.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_report.text().contains("参数 figure"),
        "{}",
        no_report.text()
    );
}
