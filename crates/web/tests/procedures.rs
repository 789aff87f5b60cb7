//! A procedure defined only in a data file (no Rust written for it) runs end to end through the
//! JSON API and the console screens, and its timed action is taken by the scheduler.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use fazhi_core::org::{DepartmentKind, Grant, Role};
use fazhi_store::Engine;
use fazhi_web::{AppState, WebConfig};
use serde_json::{Value, json};

/// The district on 2019-09-26 with the sample procedure, which comes from a folder of
/// definition files, as an installation would add one.
async fn district() -> World {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("sample-permit.toml"),
        include_str!("../../../demo/sample-permit.toml"),
    )
    .unwrap();
    world(
        Engine::Sqlite,
        "2019-09-26",
        &[
            ("scjgj", "市场监督管理局", DepartmentKind::EnforcementBody),
            ("sfj", "司法局", DepartmentKind::Department),
        ],
        &[
            ("clerk", Role::WindowClerk, Some("scjgj")),
            ("staff", Role::DepartmentStaff, Some("scjgj")),
            ("officer", Role::EnforcementOfficer, Some("scjgj")),
            ("otherclerk", Role::WindowClerk, Some("sfj")),
            ("admin", Role::Admin, None),
        ],
        Some(folder.path()),
    )
    .await
}

fn register_fields() -> Value {
    json!({
        "applicant": {"kind": "organisation", "name": "旅顺某燃气有限公司", "credit_code": "91350100M000100Y43"},
        "matter": "燃气经营许可",
        "received_on": "2019-09-26",
        "channel": "window"
    })
}

#[tokio::test]
async fn the_sample_procedure_runs_through_the_api() {
    let w = district().await;
    let clerk = token(&w, "clerk").await;
    let procedures = api(&w, "GET", "/api/v1/procedures", &clerk, Value::Null).await;
    assert_eq!(procedures.status, StatusCode::OK);
    let procedures = procedures.json();
    let codes: Vec<&str> = procedures
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    for code in [
        "sample_permit",
        "disclosure_request",
        "reconsideration",
        "petition",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let definition = api(
        &w,
        "GET",
        "/api/v1/procedures/sample_permit",
        &clerk,
        Value::Null,
    )
    .await
    .json();
    assert_eq!(definition["states"].as_array().unwrap().len(), 7);

    let case = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": register_fields()}),
    )
    .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
    let case = case.json();
    assert_eq!(case["state"], "received");
    assert_eq!(case["version"], 1);
    let id = case["id"].as_str().unwrap().to_string();
    let acceptance = &case["clocks"][0];
    assert_eq!(acceptance["due"], "2019-10-09");
    assert_eq!(acceptance["deadline"], "normal");
    assert!(
        acceptance["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("国庆节"))
    );
    let actions: Vec<&str> = case["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["request_supplement", "accept", "refuse"]);

    let list = api(
        &w,
        "GET",
        "/api/v1/cases?deadline=normal&procedure=sample_permit",
        &clerk,
        Value::Null,
    )
    .await
    .json();
    assert_eq!(list["total"], 1);
    let bad = api(
        &w,
        "GET",
        "/api/v1/cases?from=2019-13-01",
        &clerk,
        Value::Null,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.json();
    assert!(bad["error"]["message"].as_str().unwrap().contains("from"));

    // A stale command: 409 with what changed.
    let path = format!("/api/v1/cases/{id}/actions");
    let stale = api(
        &w,
        "POST",
        &path,
        &clerk,
        json!({"action": "accept", "expected_version": 0}),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let stale = stale.json();
    assert_eq!(stale["error"]["code"], "conflict");
    assert!(
        stale["error"]["message"]
            .as_str()
            .unwrap()
            .contains("第 0 版")
    );
    // A role that may not, and a department that may not.
    let officer = token(&w, "officer").await;
    let refused = api(
        &w,
        "POST",
        &path,
        &officer,
        json!({"action": "accept", "expected_version": 1}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = refused.json();
    assert_eq!(refused["error"]["code"], "role_not_allowed");
    let other = token(&w, "otherclerk").await;
    let read = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &other,
        Value::Null,
    )
    .await;
    assert_eq!(
        read.status,
        StatusCode::FORBIDDEN,
        "another department cannot read it"
    );
    let changed = api(
        &w,
        "POST",
        &path,
        &other,
        json!({"action": "accept", "expected_version": 1}),
    )
    .await;
    assert_eq!(changed.status, StatusCode::FORBIDDEN, "nor change it");
    let others = api(&w, "GET", "/api/v1/cases", &other, Value::Null)
        .await
        .json();
    assert_eq!(others["total"], 0, "nor list it");

    let accepted = api(
        &w,
        "POST",
        &path,
        &clerk,
        json!({"action": "accept", "expected_version": 1, "fields": {"fee": "120.50"}}),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    let accepted = accepted.json();
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["fields"]["fee"], 12050);
    // A denial without a passed legal review is refused, naming the rule and its basis.
    let staff = token(&w, "staff").await;
    let guard = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "decide", "expected_version": 2, "fields": {"decision": "deny"}}),
    )
    .await;
    assert_eq!(guard.status, StatusCode::CONFLICT);
    let guard = guard.json();
    assert_eq!(guard["error"]["code"], "guard_failed");
    assert!(
        guard["error"]["message"]
            .as_str()
            .unwrap()
            .contains("法制审核")
    );
    let missing = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "decide", "expected_version": 2}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = missing.json();
    assert_eq!(missing["error"]["code"], "missing_field");

    let events = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}/events"),
        &clerk,
        Value::Null,
    )
    .await
    .json();
    assert_eq!(events.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_sample_procedure_runs_through_the_screens() {
    let w = district().await;
    let cookie = login(&w, "clerk").await;

    let new_form = get(&w, "/console/cases/new?procedure=sample_permit", &cookie).await;
    assert_eq!(new_form.status, StatusCode::OK);
    let new_form = new_form.text();
    for input in [
        "name=\"f.applicant.name\"",
        "name=\"f.matter\"",
        "type=\"date\" name=\"f.received_on\"",
        "name=\"f.channel\"",
    ] {
        assert!(new_form.contains(input), "missing {input}");
    }
    // A mistake comes back with the reason and what was typed.
    let register = |id_number| {
        [
            ("procedure", "sample_permit"),
            ("action", "register"),
            ("f.applicant.kind", "person"),
            ("f.applicant.name", "张三"),
            ("f.applicant.id_number", id_number),
            ("f.matter", "燃气经营许可"),
            ("f.received_on", "2019-09-26"),
        ]
    };
    let bad = post_form(
        &w,
        "/console/cases",
        &register("110105194912310021"),
        &cookie,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text();
    assert!(page.contains("校验位不正确"), "{page}");
    assert!(page.contains("value=\"燃气经营许可\""));

    let good = post_form(
        &w,
        "/console/cases",
        &register("11010519491231002X"),
        &cookie,
    )
    .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER);
    let location = good.location();
    let opened = get(&w, &location, &cookie).await;
    assert_eq!(opened.status, StatusCode::OK);
    let page = opened.text();
    for text in [
        "受理审查期限",
        "2019-10-09",
        "期限如何计算",
        "国庆节",
        "行政许可法第三十二条",
        "一次性告知补正",
        "受理",
        "登记收件",
    ] {
        assert!(page.contains(text), "the case page lacks {text}");
    }
    let id = location
        .trim_start_matches("/console/cases/")
        .split('?')
        .next()
        .unwrap()
        .to_string();

    let accepted = post_form(
        &w,
        &format!("/console/cases/{id}"),
        &[
            ("action", "accept"),
            ("expected_version", "1"),
            ("f.fee", ""),
        ],
        &cookie,
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    // The same form sent again is stale.
    let again = post_form(
        &w,
        &format!("/console/cases/{id}"),
        &[("action", "accept"), ("expected_version", "1")],
        &cookie,
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let page = again.text();
    assert!(page.contains("已被他人更新"), "{page}");

    let list = get(&w, "/console/cases?procedure=sample_permit", &cookie)
        .await
        .text();
    assert!(list.contains("张三 · 燃气经营许可"));
    let csv = get(&w, "/console/cases.csv?procedure=sample_permit", &cookie).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text();
    assert!(csv.starts_with('\u{feff}') && csv.contains("张三 · 燃气经营许可"));
}

#[tokio::test]
async fn the_scheduler_takes_the_timed_action_once() {
    let w = district().await;
    let clerk = token(&w, "clerk").await;
    let case = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": register_fields()}),
    )
    .await
    .json();
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(
        fazhi_app::scheduler::tick(&w.state.app).await,
        0,
        "nothing has expired yet"
    );
    w.clock.set(at("2019-10-09"));
    assert_eq!(
        fazhi_app::scheduler::tick(&w.state.app).await,
        0,
        "the last day is still within the period"
    );
    w.clock.set(at("2019-10-14"));
    assert_eq!(fazhi_app::scheduler::tick(&w.state.app).await, 1);
    assert_eq!(
        fazhi_app::scheduler::tick(&w.state.app).await,
        0,
        "and only once"
    );
    let case = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &clerk,
        Value::Null,
    )
    .await
    .json();
    assert_eq!(case["state"], "accepted");
    assert_eq!(case["clocks"][1]["code"], "decision");
    // Accepted as of the receipt (行政许可法 Art 32), not of the day the scheduler acted.
    assert_eq!(case["clocks"][1]["started_on"], "2019-09-26");
}

/// Calendar years are law for every region: a region's administrator may not enter or change
/// one; the installation's may, and correcting a year already known (built in or entered)
/// needs a recorded reason; every change is listed for every region.
#[tokio::test]
async fn only_the_installations_administrator_enters_or_corrects_a_calendar_year() {
    let w = district().await;
    w.clock.set(at("2026-11-20"));
    // A second district at the top of its own tree, with its own administrator.
    let neighbour = region("210211");
    w.db.store
        .add_region("t", &neighbour, "甘井子区", None)
        .await
        .unwrap();
    let add_admin = |name: &'static str, grants: Vec<Grant>| {
        let store = w.db.store.clone();
        async move {
            store
                .add_user(
                    "t",
                    fazhi_store::accounts::NewUser {
                        name: fazhi_core::org::UserName::parse(name).unwrap(),
                        display_name: format!("{name}管理员"),
                        region: region("210212"),
                        password: PASSWORD.into(),
                        grants,
                    },
                )
                .await
                .unwrap();
        }
    };
    add_admin(
        "neighbouradmin",
        vec![Grant::new(Role::Admin, neighbour.clone(), None).unwrap()],
    )
    .await;
    add_admin(
        "sysadmin",
        vec![
            Grant::new(Role::Admin, region("210212"), None).unwrap(),
            Grant::new(Role::Admin, neighbour.clone(), None).unwrap(),
        ],
    )
    .await;
    let form = |year: &'static str, reason: &'static str| {
        vec![
            ("year", year),
            ("notice", "国办发明电"),
            ("published", "2026-11-01"),
            ("h0.name", "元旦"),
            ("h0.from", "2027-01-01"),
            ("h0.to", "2027-01-03"),
            ("h0.work", ""),
            ("reason", reason),
        ]
    };
    let built_in_2026 = |c: &fazhi_core::calendar::Calendar| {
        c.years()
            .into_iter()
            .find(|y| y.year == 2026)
            .map(|y| format!("{y:?}"))
    };
    let before = built_in_2026(&w.state.app.calendar());

    // Each district's administrator administers only their district: refused, nothing saved.
    for name in ["admin", "neighbouradmin"] {
        let cookie = login(&w, name).await;
        let page = get(&w, "/console/calendar", &cookie).await.text();
        assert!(!page.contains("name=\"reason\""), "{name} sees no form");
        let refused = post_form(&w, "/console/calendar", &form("2027", ""), &cookie).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        assert!(refused.text().contains("只有系统管理员"));
    }
    assert!(w.db.store.calendar_years().await.unwrap().is_empty());
    assert!(!w.state.app.calendar().has_year(2027));

    // The installation's administrator enters a new year without a reason…
    let sysadmin = login(&w, "sysadmin").await;
    let entered = post_form(&w, "/console/calendar", &form("2027", ""), &sysadmin).await;
    assert_eq!(entered.status, StatusCode::SEE_OTHER, "{}", entered.text());
    assert!(w.state.app.calendar().has_year(2027));
    // …but correcting a built-in year needs one, and nothing changes without it.
    let mut built_in = form("2026", "");
    built_in[4] = ("h0.from", "2026-01-01");
    built_in[5] = ("h0.to", "2026-01-03");
    let unexplained = post_form(&w, "/console/calendar", &built_in, &sysadmin).await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unexplained.text().contains("更正须写明理由"));
    assert_eq!(
        built_in_2026(&w.state.app.calendar()),
        before,
        "the built-in year is untouched"
    );
    built_in[7] = ("reason", "国办发明电〔2026〕9号更正");
    let corrected = post_form(&w, "/console/calendar", &built_in, &sysadmin).await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{}",
        corrected.text()
    );
    let history = w.db.store.history("calendar:2026").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].region, "000000");
    assert!(history[0].payload.contains("国办发明电〔2026〕9号更正"));

    // Every region sees every change, who made it and why.
    let clerk = login(&w, "clerk").await;
    let page = get(&w, "/console/calendar", &clerk).await.text();
    assert!(page.contains("国办发明电〔2026〕9号更正"), "{page}");
    assert_eq!(page.matches("录入和更正记录").count(), 1, "listed once");
    assert!(page.contains("sysadmin管理员"));
    let neighbour_admin = login(&w, "neighbouradmin").await;
    let page = get(&w, "/console/calendar", &neighbour_admin).await.text();
    assert!(page.contains("国办发明电〔2026〕9号更正"));
}

#[tokio::test]
async fn entering_next_years_calendar_recomputes_open_deadlines() {
    let w = district().await;
    w.clock.set(at("2026-12-21"));
    let clerk = token(&w, "clerk").await;
    let mut fields = register_fields();
    fields["received_on"] = json!("2026-12-21");
    let case = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": fields}),
    )
    .await
    .json();
    let id = case["id"].as_str().unwrap().to_string();
    let accepted = api(
        &w,
        "POST",
        &format!("/api/v1/cases/{id}/actions"),
        &clerk,
        json!({"action": "accept", "expected_version": 1}),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    let accepted = accepted.json();
    // 20 working days from 2026-12-21 run into 2027, for which there is no official calendar
    // yet: a provisional date, counted with weekends only, and said to be one.
    let decision = &accepted["clocks"][1];
    assert_eq!(decision["due"], "2027-01-18");
    assert_eq!(decision["provisional"], true);
    assert!(
        decision["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().starts_with("暂定：2027 年")),
        "{decision}"
    );

    // Only an administrator may enter a year.
    let clerk_cookie = login(&w, "clerk").await;
    let year_form = |work| {
        [
            ("year", "2027"),
            ("notice", "国办发明电"),
            ("published", "2026-11-01"),
            ("h0.name", "元旦"),
            ("h0.from", "2027-01-01"),
            ("h0.to", "2027-01-03"),
            ("h0.work", work),
        ]
    };
    let refused = post_form(&w, "/console/calendar", &year_form(""), &clerk_cookie).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let admin = login(&w, "admin").await;
    // A make-up day on a weekday is refused with the reason; nothing is saved.
    let wrong = post_form(&w, "/console/calendar", &year_form("2027-01-06"), &admin).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = wrong.text();
    assert!(page.contains("2027-01-06"), "{page}");
    assert!(w.db.store.calendar_years().await.unwrap().is_empty());

    let entered = post_form(&w, "/console/calendar", &year_form(""), &admin).await;
    assert_eq!(entered.status, StatusCode::SEE_OTHER);
    assert!(entered.location().contains("recomputed=1"));
    let case = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &clerk,
        Value::Null,
    )
    .await
    .json();
    let decision = &case["clocks"][1];
    assert_eq!(decision["due"], "2027-01-19", "元旦 2027-01-01 is skipped");
    assert_eq!(decision["provisional"], false);
    assert!(
        decision["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("2027-01-01 元旦")),
        "{decision}"
    );
    let list = api(&w, "GET", "/api/v1/cases?sort=due", &clerk, Value::Null)
        .await
        .json();
    assert_eq!(list["items"][0]["next_due"], "2027-01-19");
    // The entry is an audited event of the installation chain, and survives a restart.
    let history = w.db.store.history("calendar:2027").await.unwrap();
    assert_eq!(history[0].kind, "calendar.year_entered");
    assert_eq!(history[0].region, "000000");
    let reloaded = fazhi_app::loading::calendar(&w.db.store).await.unwrap();
    assert!(reloaded.has_year(2027));
}

#[tokio::test]
async fn the_department_hears_of_new_cases_and_of_deadlines_turning_yellow_then_red() {
    let mut w = district().await;
    // Deadline alerts also go to another system through the outbox.
    w.state = AppState::of(
        fazhi_app::App::new(
            w.db.store.clone(),
            w.state.app.procedures().as_ref().clone(),
            fazhi_core::calendar::Calendar::embedded().clone(),
            fazhi_app::AppConfig {
                alert_webhook: Some("http://127.0.0.1:9/sms".into()),
                ..Default::default()
            },
        ),
        WebConfig::default(),
    );
    w.app = fazhi_web::router(w.state.clone());
    let clerk = token(&w, "clerk").await;
    let case = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": register_fields()}),
    )
    .await
    .json();
    let id = case["id"].as_str().unwrap().to_string();
    let staff = w.db.store.user_by_name("staff").await.unwrap().unwrap();
    let clerk_user = w.db.store.user_by_name("clerk").await.unwrap().unwrap();
    let other =
        w.db.store
            .user_by_name("otherclerk")
            .await
            .unwrap()
            .unwrap();
    let new_case =
        w.db.store
            .notifications_for(&staff.id, true, 10)
            .await
            .unwrap();
    assert_eq!(new_case.len(), 1);
    assert_eq!(
        new_case[0].title,
        "新案件：旅顺某燃气有限公司 · 燃气经营许可"
    );
    assert!(
        w.db.store
            .notifications_for(&clerk_user.id, true, 10)
            .await
            .unwrap()
            .is_empty(),
        "not the one who registered it"
    );
    assert!(
        w.db.store
            .notifications_for(&other.id, true, 10)
            .await
            .unwrap()
            .is_empty(),
        "not another department"
    );

    assert_eq!(
        fazhi_app::scheduler::alert(&w.state.app).await,
        0,
        "2019-09-26: due 10-09, still normal"
    );
    w.clock.set(at("2019-10-08"));
    let staff_cookie = login(&w, "staff").await;
    let mine = get(&w, "/console/deadlines", &staff_cookie).await.text();
    assert!(
        mine.contains("旅顺某燃气有限公司") && mine.contains("临期"),
        "my deadlines list yellow cases"
    );
    assert_eq!(fazhi_app::scheduler::alert(&w.state.app).await, 1);
    assert_eq!(
        fazhi_app::scheduler::alert(&w.state.app).await,
        0,
        "once per level"
    );
    let alerts =
        w.db.store
            .notifications_for(&staff.id, true, 10)
            .await
            .unwrap();
    assert_eq!(alerts[0].title, "临期：旅顺某燃气有限公司 · 燃气经营许可");
    assert_eq!(alerts[0].link, format!("/console/cases/{id}"));
    let queued = w.db.store.due_outbox(w.db.store.now(), 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert!(queued[0].body.contains("deadline.due_soon"));

    // The badge, the list, and opening one.
    let cookie = login(&w, "staff").await;
    let badge = get(&w, "/console/notifications/badge", &cookie)
        .await
        .text();
    assert_eq!(badge, "<span class=\"badge\">2</span>");
    let page = get(&w, "/console/notifications", &cookie).await.text();
    assert!(page.contains("临期：旅顺某燃气有限公司"));
    let opened = post_form(
        &w,
        &format!("/console/notifications/{}", alerts[0].id),
        &[],
        &cookie,
    )
    .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(opened.location(), format!("/console/cases/{id}"));
    let badge = get(&w, "/console/notifications/badge", &cookie)
        .await
        .text();
    assert_eq!(badge, "<span class=\"badge\">1</span>");

    // Red once the last day has passed (the expiry action is the scheduler's other job).
    w.clock.set(at("2019-10-10"));
    assert_eq!(fazhi_app::scheduler::alert(&w.state.app).await, 1);
    let latest =
        w.db.store
            .notifications_for(&staff.id, true, 10)
            .await
            .unwrap();
    assert!(latest.iter().any(|n| n.title.starts_with("已超期")));
    w.clock.set(at("2019-10-20"));
    assert_eq!(
        fazhi_app::scheduler::alert(&w.state.app).await,
        0,
        "an overdue case is announced once, not every minute after"
    );
    let events: Vec<String> =
        w.db.store
            .history(&format!("case:{id}"))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
    assert_eq!(
        events,
        [
            "case.step",
            "case.deadline_due_soon",
            "case.deadline_overdue"
        ]
    );
}

#[tokio::test]
async fn a_decision_is_published_on_the_portal_masked() {
    let w = district().await;
    let clerk = token(&w, "clerk").await;
    let mut body = register_fields();
    body["applicant"] = json!({"kind": "person", "name": "张三丰", "id_number": "11010519491231002X", "phone": "13912345678"});
    body["contact_email"] = json!("zsf@example.cn");
    let created = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": body}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/cases/{id}/actions");
    api(
        &w,
        "POST",
        &path,
        &clerk,
        json!({"action": "accept", "expected_version": 1}),
    )
    .await;
    // Nothing is public before the decision.
    let before = get_public(&w, "/publicity").await.text();
    assert!(!before.contains("燃气经营许可"));
    let staff = token(&w, "staff").await;
    let decided = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "decide", "expected_version": 2, "fields": {"decision": "grant"}}),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
    let published = get_public(&w, "/publicity?procedure=sample_permit").await;
    assert_eq!(published.status, StatusCode::OK);
    let page = published.text();
    assert!(page.contains("许可决定公示"), "{page}");
    assert!(page.contains("燃气经营许可"));
    assert!(
        page.contains("张*丰") || page.contains("张**"),
        "the name is masked: {page}"
    );
    for secret in [
        "张三丰",
        "11010519491231002X",
        "13912345678",
        "zsf@example.cn",
    ] {
        assert!(!page.contains(secret), "{secret} must not be public");
    }
    // Words narrow the list.
    let none = get_public(&w, "/publicity?q=%E5%BA%9F%E5%93%81")
        .await
        .text();
    assert!(!none.contains("燃气经营许可"));
}

#[tokio::test]
async fn a_clerk_s_dates_keep_to_the_case_and_the_day() {
    let w = district().await;
    let staff = token(&w, "staff").await;
    let case = api(
        &w,
        "POST",
        "/api/v1/cases",
        &staff,
        json!({"procedure": "disclosure_request", "action": "register", "fields": {
            "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
            "applicant_kind": "natural_person",
            "content": "2019年老旧小区改造项目的立项批复文件",
            "channel": "in_person",
            "received_on": "2019-09-26"
        }}),
    )
    .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
    let id = case.json()["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/cases/{id}/actions");
    let act = |action: &'static str, fields: Value| {
        let (w, path, staff) = (&w, path.clone(), staff.clone());
        async move {
            api(
                w,
                "POST",
                &path,
                &staff,
                json!({"action": action, "expected_version": 1, "fields": fields}),
            )
            .await
        }
    };
    // A supplement deadline already past when it is set.
    let refused = act(
        "request_supplement",
        json!({"supplement_items": "身份证明", "supplement_deadline": "2019-01-01"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused.json();
    assert_eq!(error["error"]["code"], "invalid_field");
    assert_eq!(
        error["error"]["message"],
        "“补正期限（截止日）”填写有误：2019-01-01 早于本步骤的日期 2019-09-26：期限或安排的日期不能在此之前"
    );
    // A reply dated before the request began, or in the future.
    for (reply_on, says) in [
        ("2019-09-20", "早于本案开始之日 2019-09-26"),
        ("2019-10-08", "晚于今天（2019-09-26）"),
    ] {
        let refused = act(
            "reply",
            json!({"reply_type": "disclose", "reply_on": reply_on}),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let message = refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("答复日期") && message.contains(says),
            "{message}"
        );
    }
    // Nothing was recorded: the case is still at its first version, and a good reply goes in.
    let replied = act(
        "reply",
        json!({"reply_type": "disclose", "reply_on": "2019-09-26"}),
    )
    .await;
    assert_eq!(replied.status, StatusCode::OK, "{}", replied.text());
}

/// A request received in March 2019 and entered in September: its steps keep the days they
/// happened, it runs under the law in force then (the 2008 regulation: 15 working days), and
/// its number and year follow the day it was received.
#[tokio::test]
async fn a_past_case_entered_later_keeps_its_dates_its_law_and_its_year() {
    let w = district().await;
    let staff = token(&w, "staff").await;
    let fields = json!({
        "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
        "applicant_kind": "natural_person",
        "content": "2018年老旧小区改造资金使用情况",
        "channel": "in_person",
        "received_on": "2019-03-04"
    });
    let register_on = |on: &'static str| {
        let body = json!({"procedure": "disclosure_request", "action": "register", "on": on, "fields": fields});
        api(&w, "POST", "/api/v1/cases", &staff, body)
    };
    // Not a day that has not come yet.
    let future = register_on("2019-10-08").await;
    assert_eq!(
        future.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        future.text()
    );
    assert!(
        future.text().contains("晚于今天（2019-09-26）"),
        "{}",
        future.text()
    );

    let case = register_on("2019-03-04").await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
    let case = case.json();
    let id = case["id"].as_str().unwrap().to_string();
    let stored = w.state.app.store().case(&id).await.unwrap().unwrap();
    assert_eq!(stored.case.definition_version, "2008-05-01");
    assert_eq!(
        stored.case.taken_on,
        vec![chrono::NaiveDate::from_ymd_opt(2019, 3, 4).unwrap()]
    );
    // Numbered in 2019's series, by the day it was received.
    assert!(
        stored
            .number
            .as_deref()
            .is_some_and(|n| n.contains("〔2019〕")),
        "{:?}",
        stored.number
    );
    // 15 working days from 03-04 → 03-25 (overdue by now, and said so).
    let reply = case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "reply")
        .unwrap();
    assert_eq!(reply["due"], "2019-03-25", "{reply}");

    let path = format!("/api/v1/cases/{id}/actions");
    // A step is not dated before the case's previous one…
    let early = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "start_handling", "expected_version": 1, "on": "2019-03-01"}),
    )
    .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.text()
    );
    assert!(
        early.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2019-03-01 早于本案上一步骤的日期（2019-03-04）"),
        "{}",
        early.text()
    );
    // …and is recorded on its own day, the time of recording kept beside it.
    let replied = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "reply", "expected_version": 1, "on": "2019-03-20",
               "fields": {"reply_type": "disclose", "reply_on": "2019-03-20"}}),
    )
    .await;
    assert_eq!(replied.status, StatusCode::OK, "{}", replied.text());
    let stored = w.state.app.store().case(&id).await.unwrap().unwrap();
    assert_eq!(
        stored.case.taken_on.last(),
        Some(&chrono::NaiveDate::from_ymd_opt(2019, 3, 20).unwrap())
    );
    assert_eq!(stored.case.state, "replied");
}

/// The console's forms take the day a past step happened; a malformed or late-ordered day comes
/// back with the reason, and nothing is recorded.
#[tokio::test]
async fn a_clerk_enters_a_past_step_on_its_own_day_in_the_console() {
    let w = district().await;
    let cookie = login(&w, "staff").await;
    let form = get(
        &w,
        "/console/cases/new?procedure=disclosure_request&action=register",
        &cookie,
    )
    .await
    .text();
    assert!(
        form.contains("type=\"date\" name=\"on\" max=\"2019-09-26\"") && form.contains("办理日期"),
        "{form}"
    );
    let register = |on: &'static str| {
        [
            ("procedure", "disclosure_request"),
            ("action", "register"),
            ("on", on),
            ("f.applicant.kind", "person"),
            ("f.applicant.name", "张三"),
            ("f.applicant_kind", "natural_person"),
            ("f.content", "2018年老旧小区改造资金使用情况"),
            ("f.channel", "in_person"),
            ("f.received_on", "2019-03-04"),
        ]
    };
    let bad = post_form(&w, "/console/cases", &register("2019-3-4x"), &cookie).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("办理日期：“2019-3-4x”不是日期"),
        "{}",
        bad.text()
    );
    let good = post_form(&w, "/console/cases", &register("2019-03-04"), &cookie).await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text());
    let location = good.location();
    let id = location
        .trim_start_matches("/console/cases/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let stored = w.state.app.store().case(&id).await.unwrap().unwrap();
    assert_eq!(stored.case.definition_version, "2008-05-01");
    let early = post_form(
        &w,
        &format!("/console/cases/{id}"),
        &[
            ("action", "start_handling"),
            ("expected_version", "1"),
            ("on", "2019-03-01"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early
            .text()
            .contains("早于本案上一步骤的日期（2019-03-04）"),
        "{}",
        early.text()
    );
    let later = post_form(
        &w,
        &format!("/console/cases/{id}"),
        &[
            ("action", "start_handling"),
            ("expected_version", "1"),
            ("on", "2019-03-05"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(later.status, StatusCode::SEE_OTHER, "{}", later.text());
    let stored = w.state.app.store().case(&id).await.unwrap().unwrap();
    assert_eq!(
        stored.case.taken_on.last(),
        Some(&chrono::NaiveDate::from_ymd_opt(2019, 3, 5).unwrap())
    );
}

#[tokio::test]
async fn staff_open_the_procedures_and_the_ways_in_their_roles_allow() {
    let w = district().await;
    // A department's staff: walk-in requests (登记), not the portal's online action.
    let staff = login(&w, "staff").await;
    let list = get(&w, "/console/cases/new", &staff).await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.text();
    assert!(list.contains("procedure=disclosure_request"), "{list}");
    assert!(!list.contains("procedure=administrative_penalty"), "{list}");
    let form = get(
        &w,
        "/console/cases/new?procedure=disclosure_request",
        &staff,
    )
    .await
    .text();
    assert!(form.contains(r#"name="action" value="register""#), "{form}");
    assert!(!form.contains("apply_online"), "{form}");
    // Several ways in: each offered, the one asked for shown.
    let petition = get(
        &w,
        "/console/cases/new?procedure=petition&action=receive_transfer",
        &staff,
    )
    .await
    .text();
    assert!(
        petition.contains(r#"name="action" value="receive_transfer""#),
        "{petition}"
    );
    for way in ["action=register", "action=receive_assignment"] {
        assert!(petition.contains(way), "{way} in {petition}");
    }
    // An enforcement officer opens penalty cases only; a window clerk is offered no petition.
    let officer = login(&w, "officer").await;
    let list = get(&w, "/console/cases/new", &officer).await.text();
    assert!(list.contains("procedure=administrative_penalty"), "{list}");
    assert!(!list.contains("procedure=disclosure_request"), "{list}");
    let clerk = login(&w, "clerk").await;
    let refused = get(&w, "/console/cases/new?procedure=petition", &clerk)
        .await
        .text();
    assert!(!refused.contains(r#"name="action""#), "{refused}");

    // Through the API, the opening action defaults to the one the caller may take.
    let token = token(&w, "staff").await;
    let created = api(
        &w,
        "POST",
        "/api/v1/cases",
        &token,
        json!({"procedure": "reconsideration", "fields": {
            "applicant": {"kind": "person", "name": "李四", "id_number": "11010519491231002X", "phone": "13812345678"},
            "received_on": "2019-09-26",
            "channel": "post",
            "respondent": "旅顺口区市场监督管理局",
            "act_description": "旅市监罚〔2019〕12号行政处罚决定",
            "act_category": "penalty",
            "claims": "撤销该行政处罚决定",
            "facts_reasons": "认定事实不清",
            "known_on": "2019-09-20"
        }}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
}
