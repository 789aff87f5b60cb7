//! A procedure that is new to the code — written here into a temporary folder as an
//! installation would add one: its definition (a guard with a money range, a date comparison,
//! a target chosen by a condition, a hand-over to another department, a report tag), and the
//! template of its document — runs through the API, the console's forms, the document
//! generator and the supervision report, with no Rust written for it.

mod common;

use axum::http::StatusCode;
use common::*;
use fazhi_core::org::{DepartmentKind, Role};
use fazhi_store::Engine;
use serde_json::json;

const DEFINITION: &str = r#"
[procedure]
code = "on_the_spot_penalty"
name = { zh = "当场行政处罚（简易程序）", en = "On-the-spot penalty" }
version = "2021-07-15"
effective = "2021-07-15"
basis = "行政处罚法（2021年修订）第五十一条至第五十三条"
counts_toward = ["enforcement.penalties"]
number = "当罚〔{year}〕{seq}号"

[fields.party]
type = "party"
zh = "当事人"
en = "Party"
personal = true

[fields.facts]
type = "long_text"
zh = "违法事实"
en = "Facts"

[fields.found_on]
type = "date"
zh = "发现日期"
en = "Found on"

[fields.fine]
type = "money"
zh = "罚款金额"
en = "Fine"

[fields.decided_on]
type = "date"
zh = "决定日期"
en = "Decided on"

[fields.payment]
type = "enum"
zh = "缴纳方式"
en = "Payment"
values = [
  { code = "on_the_spot", zh = "当场收缴", en = "On the spot" },
  { code = "bank", zh = "到指定银行缴纳", en = "At the bank" },
]

[fields.handler]
type = "user"
zh = "承办人"
en = "Handler"

[fields.competent_department]
type = "department"
zh = "有管辖权的部门"
en = "Competent department"

[states.found]
zh = "已发现"
en = "Found"

[states.awaiting_payment]
zh = "待缴纳"
en = "Awaiting payment"

[states.closed]
zh = "已结案"
en = "Closed"
terminal = true

[[actions]]
code = "find"
zh = "登记违法行为"
en = "Record"
from = ["new"]
to = "found"
roles = ["enforcement_officer"]
needs = ["party", "facts", "found_on"]
basis = "行政处罚法第五十一条"

[[actions]]
code = "hand_to_competent"
zh = "移送有管辖权的部门"
en = "Hand to the competent department"
from = ["found"]
to = "found"
roles = ["enforcement_officer"]
needs = ["competent_department"]
transfers_to = "competent_department"
basis = "行政处罚法第二十五条"

[[actions]]
code = "decide_on_the_spot"
zh = "当场作出处罚决定"
en = "Decide on the spot"
from = ["found"]
to = [
  { state = "closed", when = { field = "payment", in = ["on_the_spot"] } },
  { state = "awaiting_payment" },
]
roles = ["enforcement_officer"]
needs = ["fine", "decided_on", "payment"]
guards = [
  { field = "fine", at_least = 0.01, at_most = 200, message = "对公民当场处罚的罚款不得超过二百元", basis = "行政处罚法第五十一条" },
  { field = "decided_on", not_before = "found_on" },
  { field = "decided_on", not_after = "on" },
]
basis = "行政处罚法第五十一条、第五十二条"

[[actions]]
code = "assign"
zh = "指定承办人"
en = "Assign"
from = ["found", "awaiting_payment"]
to = "found"
roles = ["enforcement_officer"]
needs = ["handler"]
assigns_to = "handler"
basis = "本部门办案分工"

[[actions]]
code = "record_payment"
zh = "登记缴纳"
en = "Record payment"
from = ["awaiting_payment"]
to = "closed"
roles = ["enforcement_officer"]
basis = "行政处罚法第六十七条"

[[clocks]]
code = "payment_period"
zh = "缴纳期限"
en = "Payment period"
starts = ["decide_on_the_spot"]
length = "15d"
stops = ["record_payment"]
basis = "行政处罚法第六十七条"

[[documents]]
code = "decision"
zh = "当场行政处罚决定书"
en = "On-the-spot penalty decision"
"#;

const TEMPLATE: &str = "# 当场行政处罚决定书
number: {{ case.number }}
to: {{ fields.party.name }}：

经查，{{ fields.facts | clause }}。依据《中华人民共和国行政处罚法》第五十一条，决定对你处以罚款{{ fields.fine | yuan }}。

---
{{ issuer }}
{{ fields.decided_on | date_zh }}
";

async fn district(folder: &std::path::Path) -> World {
    let dir = folder.join("on_the_spot_penalty");
    std::fs::create_dir_all(dir.join("documents")).unwrap();
    std::fs::write(dir.join("on_the_spot_penalty-2021-07-15.toml"), DEFINITION).unwrap();
    std::fs::write(dir.join("documents/decision.md"), TEMPLATE).unwrap();
    world(
        Engine::Sqlite,
        "2024-03-04",
        &[
            (
                "cgj",
                "城市管理综合行政执法局",
                DepartmentKind::EnforcementBody,
            ),
            ("scjgj", "市场监督管理局", DepartmentKind::EnforcementBody),
            ("sfj", "司法局", DepartmentKind::Department),
        ],
        &[
            ("officer", Role::EnforcementOfficer, Some("cgj")),
            ("officer2", Role::EnforcementOfficer, Some("cgj")),
            ("marketofficer", Role::EnforcementOfficer, Some("scjgj")),
            ("justice", Role::JusticeStaff, None),
        ],
        Some(folder),
    )
    .await
}

#[tokio::test]
async fn a_procedure_new_to_the_code_runs_through_api_console_documents_and_reports() {
    let folder = tempfile::tempdir().unwrap();
    let w = district(folder.path()).await;
    let officer = token(&w, "officer").await;

    // The API: the case is opened under the new definition and numbered by its template.
    let opened = api(
        &w,
        "POST",
        "/api/v1/cases",
        &officer,
        json!({"procedure": "on_the_spot_penalty", "fields": {
            "party": {"kind": "person", "name": "张某"},
            "facts": "占道经营",
            "found_on": "2024-03-04",
        }}),
    )
    .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
    let case = opened.json();
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["state"], "found");
    assert_eq!(case["number"], "当罚〔2024〕1号");

    // Personal assignment: to a member of the case's department only; they are told, and the
    // case is among their own.
    let path = format!("/api/v1/cases/{id}/actions");
    let assign = |user: &str| json!({"action": "assign", "expected_version": 1, "fields": {"handler": user}});
    let outsider =
        w.db.store
            .user_by_name("marketofficer")
            .await
            .unwrap()
            .unwrap();
    let wrong = api(&w, "POST", &path, &officer, assign(&outsider.id)).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text()
    );
    assert!(
        wrong.text().contains("不是本部门在用的工作人员"),
        "{}",
        wrong.text()
    );
    let colleague = w.db.store.user_by_name("officer2").await.unwrap().unwrap();
    let assigned = api(&w, "POST", &path, &officer, assign(&colleague.id)).await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text());
    assert_eq!(assigned.json()["state"], "found");
    let told =
        w.db.store
            .notifications_for(&colleague.id, false, 10)
            .await
            .unwrap();
    assert!(
        told.iter()
            .any(|n| n.kind == "case.assigned" && n.title.contains("张某")),
        "{told:?}"
    );
    // The console shows the notice in its reader's language.
    let colleague_cookie = login(&w, "officer2").await;
    let english = get(
        &w,
        "/console/notifications",
        &format!("{colleague_cookie}; lang=en"),
    )
    .await;
    assert!(
        english.text().contains("Assigned to you: 张某"),
        "{}",
        english.text()
    );
    let chinese = get(&w, "/console/notifications", &colleague_cookie).await;
    assert!(chinese.text().contains("交您承办：张某"));
    let officer2 = token(&w, "officer2").await;
    let mine = api(&w, "GET", "/api/v1/cases?mine=true", &officer2, json!(null)).await;
    assert_eq!(
        mine.json()["items"][0]["id"],
        id.as_str(),
        "{}",
        mine.text()
    );
    let not_mine = api(&w, "GET", "/api/v1/cases?mine=true", &officer, json!(null)).await;
    assert_eq!(not_mine.json()["total"], 0, "{}", not_mine.text());

    // The money range: 500 yuan is refused with the definition's own message…
    let decide = |fine: &str, decided_on: &str, version: i64| {
        json!({"action": "decide_on_the_spot", "expected_version": version, "fields": {
            "fine": fine, "decided_on": decided_on, "payment": "bank",
        }})
    };
    let refused = api(&w, "POST", &path, &officer, decide("500", "2024-03-04", 2)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert_eq!(refused.json()["error"]["code"], "guard_failed");
    assert!(
        refused.text().contains("不得超过二百元"),
        "{}",
        refused.text()
    );
    // …so is a decision dated before the act was found, naming both dates…
    let early = api(&w, "POST", &path, &officer, decide("150", "2024-03-01", 2)).await;
    assert_eq!(
        early.json()["error"]["code"],
        "guard_failed",
        "{}",
        early.text()
    );
    assert!(early.text().contains("发现日期"), "{}", early.text());
    // …and 150 yuan to be paid at the bank takes the second target, with its clock.
    let decided = api(&w, "POST", &path, &officer, decide("150", "2024-03-04", 2)).await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
    assert_eq!(decided.json()["state"], "awaiting_payment");
    assert_eq!(decided.json()["clocks"][0]["due"], "2024-03-19");

    // The document generator: the template beside the definition, filled from the case.
    let cookie = login(&w, "officer").await;
    let page = get(&w, &format!("/console/cases/{id}"), &cookie).await;
    assert!(
        page.text().contains("当场行政处罚决定书"),
        "the case page offers the document"
    );
    let made = post_form(
        &w,
        &format!("/console/cases/{id}/documents"),
        &[("document", "decision")],
        &cookie,
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let documents = w.db.store.documents_of(&id).await.unwrap();
    assert_eq!(documents.len(), 1);
    assert!(documents[0].title.contains("当场行政处罚决定书"));
    let html = get(
        &w,
        &format!("/console/cases/{id}/files/{}", documents[0].html_sha256),
        &cookie,
    )
    .await
    .text();
    assert!(html.contains("张某") && html.contains("150.00元") && html.contains("当罚〔2024〕1号"));

    // The console's form: a second case, registered on the new-case page, then handed to
    // the competent department (a recorded hand-over), after which it is theirs, not ours.
    let created = post_form(
        &w,
        "/console/cases",
        &[
            ("procedure", "on_the_spot_penalty"),
            ("action", "find"),
            ("f.party.kind", "person"),
            ("f.party.name", "李某"),
            ("f.facts", "无照经营"),
            ("f.found_on", "2024-03-04"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let second = created
        .location()
        .trim_start_matches("/console/cases/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    // A refused form comes back with the refusal and what was typed.
    let wrong = post_form(
        &w,
        &format!("/console/cases/{second}"),
        &[
            ("action", "hand_to_competent"),
            ("expected_version", "1"),
            ("f.competent_department", "no-such-department"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.text().contains("不是本区划内在用的部门"),
        "{}",
        wrong.text()
    );
    let market = w.departments["scjgj"].clone();
    let handed = post_form(
        &w,
        &format!("/console/cases/{second}"),
        &[
            ("action", "hand_to_competent"),
            ("expected_version", "1"),
            ("f.competent_department", &market),
        ],
        &cookie,
    )
    .await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.text());
    let events = w.db.store.history(&format!("case:{second}")).await.unwrap();
    let payload: serde_json::Value = serde_json::from_str(&events.last().unwrap().payload).unwrap();
    let transfer = &payload["step"]["transfer"];
    assert_eq!(transfer["to"], market.as_str(), "{transfer}");
    let ours = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{second}"),
        &officer,
        json!(null),
    )
    .await;
    assert_eq!(ours.status, StatusCode::FORBIDDEN);
    let theirs = token(&w, "marketofficer").await;
    let now_theirs = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{second}"),
        &theirs,
        json!(null),
    )
    .await;
    assert_eq!(now_theirs.status, StatusCode::OK);

    // The supervision figures read it by its tag: one case opened by each body this year, each
    // body's count opening its own list.
    let app = &w.state.app;
    let spec = app.report("supervision").unwrap();
    let by_body = app
        .figures_by_department(spec, &w.region, 2024)
        .await
        .unwrap();
    let cgj = w.departments["cgj"].clone();
    assert!(
        by_body["penalties_opened"].contains(&(cgj.clone(), 1)),
        "{by_body:?}"
    );
    assert!(by_body["penalties_opened"].contains(&(market.clone(), 1)));
    assert!(by_body["penalties_open"].contains(&(cgj.clone(), 1)));
    let justice_token = token(&w, "justice").await;
    let listed = api(
        &w,
        "GET",
        &format!("/api/v1/cases?figure=supervision:penalties_opened&year=2024&region=210212&department={cgj}"),
        &justice_token,
        json!(null),
    )
    .await
    .json();
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id.as_str()]);
    let justice = login(&w, "justice").await;
    let report = get(&w, "/console/supervision?year=2024", &justice).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.text().contains("城市管理综合行政执法局"));
}
