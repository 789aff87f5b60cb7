//! A procedure defined only in a data file (no Rust written for it) runs end to end through the
//! JSON API and the console screens, and its timed action is taken by the scheduler.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use fazhi_core::Timestamp;
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::NewUser;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock};
use fazhi_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

const PASSWORD: &str = "s3cret-pass";

fn at(date: &str) -> Timestamp {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    Timestamp::from_datetime(d.and_hms_opt(2, 0, 0).unwrap().and_utc())
}

struct World {
    db: TestDb,
    clock: Arc<ManualClock>,
    app: Router,
    state: AppState,
    _folder: tempfile::TempDir,
}

async fn world() -> World {
    let clock = Arc::new(ManualClock::new(at("2019-09-26")));
    let db = TestDb::with_clock(Engine::Sqlite, clock.clone()).await;
    let region = RegionCode::parse("210212").unwrap();
    db.store
        .add_region("t", &region, "旅顺口区", None)
        .await
        .unwrap();
    let market = db
        .store
        .add_department(
            "t",
            &region,
            "scjgj",
            "市场监督管理局",
            DepartmentKind::EnforcementBody,
        )
        .await
        .unwrap();
    let justice = db
        .store
        .add_department("t", &region, "sfj", "司法局", DepartmentKind::Department)
        .await
        .unwrap();
    for (name, role, department) in [
        ("clerk", Role::WindowClerk, Some(market.id.clone())),
        ("staff", Role::DepartmentStaff, Some(market.id.clone())),
        ("officer", Role::EnforcementOfficer, Some(market.id.clone())),
        ("otherclerk", Role::WindowClerk, Some(justice.id.clone())),
        ("admin", Role::Admin, None),
    ] {
        db.store
            .add_user(
                "t",
                NewUser {
                    name: UserName::parse(name).unwrap(),
                    display_name: name.into(),
                    region: region.clone(),
                    password: PASSWORD.into(),
                    grants: vec![Grant::new(role, region.clone(), department).unwrap()],
                },
            )
            .await
            .unwrap();
    }
    // The procedure comes from a folder of definition files, as an installation would add one.
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("sample-permit.toml"),
        include_str!("../../../demo/sample-permit.toml"),
    )
    .unwrap();
    let registry = fazhi_app::loading::procedures(Some(folder.path())).unwrap();
    let state = AppState::new(db.store.clone(), WebConfig::default()).with_procedures(registry);
    let app = fazhi_web::router(state.clone());
    World {
        db,
        clock,
        app,
        state,
        _folder: folder,
    }
}

async fn call(app: &Router, request: Request<Body>) -> (StatusCode, String, axum::http::HeaderMap) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).to_string(), headers)
}

async fn token(w: &World, name: &str) -> String {
    let user = w.db.store.user_by_name(name).await.unwrap().unwrap();
    w.db.store
        .create_token("t", &user.id, "test")
        .await
        .unwrap()
}

async fn api(w: &World, method: &str, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = if body.is_null() {
        Body::empty()
    } else {
        b = b.header(header::CONTENT_TYPE, "application/json");
        Body::from(body.to_string())
    };
    let (status, text, _) = call(&w.app, b.body(body).unwrap()).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
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
    let w = world().await;
    let clerk = token(&w, "clerk").await;
    let (status, procedures) = api(&w, "GET", "/api/v1/procedures", &clerk, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
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
    let (_, definition) = api(
        &w,
        "GET",
        "/api/v1/procedures/sample_permit",
        &clerk,
        Value::Null,
    )
    .await;
    assert_eq!(definition["states"].as_array().unwrap().len(), 7);

    let (status, case) = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": register_fields()}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
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

    let (_, list) = api(
        &w,
        "GET",
        "/api/v1/cases?deadline=normal&procedure=sample_permit",
        &clerk,
        Value::Null,
    )
    .await;
    assert_eq!(list["total"], 1);
    let (status, bad) = api(
        &w,
        "GET",
        "/api/v1/cases?from=2019-13-01",
        &clerk,
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["error"]["message"].as_str().unwrap().contains("from"));

    // A stale command: 409 with what changed.
    let path = format!("/api/v1/cases/{id}/actions");
    let (status, stale) = api(
        &w,
        "POST",
        &path,
        &clerk,
        json!({"action": "accept", "expected_version": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(stale["error"]["code"], "conflict");
    assert!(
        stale["error"]["message"]
            .as_str()
            .unwrap()
            .contains("第 0 版")
    );
    // A role that may not, and a department that may not.
    let officer = token(&w, "officer").await;
    let (status, refused) = api(
        &w,
        "POST",
        &path,
        &officer,
        json!({"action": "accept", "expected_version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["code"], "role_not_allowed");
    let other = token(&w, "otherclerk").await;
    let (status, _) = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &other,
        Value::Null,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another department cannot read it"
    );
    let (status, _) = api(
        &w,
        "POST",
        &path,
        &other,
        json!({"action": "accept", "expected_version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor change it");
    let (_, others) = api(&w, "GET", "/api/v1/cases", &other, Value::Null).await;
    assert_eq!(others["total"], 0, "nor list it");

    let (status, accepted) = api(
        &w,
        "POST",
        &path,
        &clerk,
        json!({"action": "accept", "expected_version": 1, "fields": {"fee": "120.50"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["fields"]["fee"], 12050);
    // A denial without a passed legal review is refused, naming the rule and its basis.
    let staff = token(&w, "staff").await;
    let (status, guard) = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "decide", "expected_version": 2, "fields": {"decision": "deny"}}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(guard["error"]["code"], "guard_failed");
    assert!(
        guard["error"]["message"]
            .as_str()
            .unwrap()
            .contains("法制审核")
    );
    let (status, missing) = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "decide", "expected_version": 2}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing["error"]["code"], "missing_field");

    let (_, events) = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}/events"),
        &clerk,
        Value::Null,
    )
    .await;
    assert_eq!(events.as_array().unwrap().len(), 2);
}

fn form(path: &str, body: &str, cookie: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_sample_procedure_runs_through_the_screens() {
    let w = world().await;
    let (status, _, headers) = call(
        &w.app,
        Request::post("/console/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("name=clerk&password={PASSWORD}")))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    let (status, new_form, _) = call(
        &w.app,
        get("/console/cases/new?procedure=sample_permit", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for input in [
        "name=\"f.applicant.name\"",
        "name=\"f.matter\"",
        "type=\"date\" name=\"f.received_on\"",
        "name=\"f.channel\"",
    ] {
        assert!(new_form.contains(input), "missing {input}");
    }
    // A mistake comes back with the reason and what was typed.
    let bad = format!(
        "procedure=sample_permit&action=register&f.applicant.kind=person&f.applicant.name={}&f.applicant.id_number=110105194912310021&f.matter={}&f.received_on=2019-09-26",
        encode("张三"),
        encode("燃气经营许可")
    );
    let (status, page, _) = call(&w.app, form("/console/cases", &bad, &cookie)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("校验位不正确"), "{page}");
    assert!(page.contains("value=\"燃气经营许可\""));

    let good = bad.replace("110105194912310021", "11010519491231002X");
    let (status, _, headers) = call(&w.app, form("/console/cases", &good, &cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    let (status, page, _) = call(&w.app, get(&location, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
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

    let (status, _, _) = call(
        &w.app,
        form(
            &format!("/console/cases/{id}"),
            "action=accept&expected_version=1&f.fee=",
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The same form sent again is stale.
    let (status, page, _) = call(
        &w.app,
        form(
            &format!("/console/cases/{id}"),
            "action=accept&expected_version=1",
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("已被他人更新"), "{page}");

    let (_, list, _) = call(
        &w.app,
        get("/console/cases?procedure=sample_permit", &cookie),
    )
    .await;
    assert!(list.contains("张三 · 燃气经营许可"));
    let (status, csv, headers) = call(
        &w.app,
        get("/console/cases.csv?procedure=sample_permit", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.starts_with('\u{feff}') && csv.contains("张三 · 燃气经营许可"));
}

#[tokio::test]
async fn the_scheduler_takes_the_timed_action_once() {
    let w = world().await;
    let clerk = token(&w, "clerk").await;
    let (_, case) = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": register_fields()}),
    )
    .await;
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
    let (_, case) = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &clerk,
        Value::Null,
    )
    .await;
    assert_eq!(case["state"], "accepted");
    assert_eq!(case["clocks"][1]["code"], "decision");
    assert_eq!(case["clocks"][1]["started_on"], "2019-10-10");
}

async fn login(w: &World, name: &str) -> String {
    let (status, _, headers) = call(
        &w.app,
        Request::post("/console/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("name={name}&password={PASSWORD}")))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn entering_next_years_calendar_recomputes_open_deadlines() {
    let w = world().await;
    w.clock.set(at("2026-12-21"));
    let clerk = token(&w, "clerk").await;
    let mut fields = register_fields();
    fields["received_on"] = json!("2026-12-21");
    let (_, case) = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": fields}),
    )
    .await;
    let id = case["id"].as_str().unwrap().to_string();
    let (status, accepted) = api(
        &w,
        "POST",
        &format!("/api/v1/cases/{id}/actions"),
        &clerk,
        json!({"action": "accept", "expected_version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    // 20 working days from 2026-12-21 run into 2027, for which there is no official calendar yet.
    let decision = &accepted["clocks"][1];
    assert_eq!(decision["due"], Value::Null);
    assert!(
        decision["explanation"][0]
            .as_str()
            .unwrap()
            .contains("no official calendar for 2027"),
        "{decision}"
    );

    // Only an administrator may enter a year.
    let clerk_cookie = login(&w, "clerk").await;
    let year_form = "year=2027&notice=%E5%9B%BD%E5%8A%9E%E5%8F%91%E6%98%8E%E7%94%B5&published=2026-11-01&h0.name=%E5%85%83%E6%97%A6&h0.from=2027-01-01&h0.to=2027-01-03&h0.work=";
    let (status, _, _) = call(&w.app, form("/console/calendar", year_form, &clerk_cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = login(&w, "admin").await;
    // A make-up day on a weekday is refused with the reason; nothing is saved.
    let wrong = year_form.replace("h0.work=", "h0.work=2027-01-06");
    let (status, page, _) = call(&w.app, form("/console/calendar", &wrong, &admin)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("2027-01-06"), "{page}");
    assert!(w.db.store.calendar_years().await.unwrap().is_empty());

    let (status, _, headers) = call(&w.app, form("/console/calendar", year_form, &admin)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("recomputed=1")
    );
    let (_, case) = api(
        &w,
        "GET",
        &format!("/api/v1/cases/{id}"),
        &clerk,
        Value::Null,
    )
    .await;
    let decision = &case["clocks"][1];
    assert_eq!(decision["due"], "2027-01-19", "元旦 2027-01-01 is skipped");
    assert!(
        decision["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("2027-01-01 元旦")),
        "{decision}"
    );
    let (_, list) = api(&w, "GET", "/api/v1/cases?sort=due", &clerk, Value::Null).await;
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
    let mut w = world().await;
    // Deadline alerts also go to another system through the outbox.
    w.state = AppState::of(
        fazhi_app::App::new(
            w.db.store.clone(),
            w.state.procedures.as_ref().clone(),
            fazhi_core::calendar::Calendar::embedded().clone(),
            fazhi_app::AppConfig {
                alert_webhook: Some("http://127.0.0.1:9/sms".into()),
            },
        ),
        WebConfig::default(),
    );
    w.app = fazhi_web::router(w.state.clone());
    let clerk = token(&w, "clerk").await;
    let (_, case) = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": register_fields()}),
    )
    .await;
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
    let (_, mine, _) = call(&w.app, get("/console/deadlines", &staff_cookie)).await;
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
    let (_, badge, _) = call(&w.app, get("/console/notifications/badge", &cookie)).await;
    assert_eq!(badge, "<span class=\"badge\">2</span>");
    let (_, page, _) = call(&w.app, get("/console/notifications", &cookie)).await;
    assert!(page.contains("临期：旅顺某燃气有限公司"));
    let (status, _, headers) = call(
        &w.app,
        form(
            &format!("/console/notifications/{}", alerts[0].id),
            "",
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[header::LOCATION].to_str().unwrap(),
        format!("/console/cases/{id}")
    );
    let (_, badge, _) = call(&w.app, get("/console/notifications/badge", &cookie)).await;
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
    let w = world().await;
    let clerk = token(&w, "clerk").await;
    let mut body = register_fields();
    body["applicant"] = json!({"kind": "person", "name": "张三丰", "id_number": "11010519491231002X", "phone": "13912345678"});
    body["contact_email"] = json!("zsf@example.cn");
    let (status, created) = api(
        &w,
        "POST",
        "/api/v1/cases",
        &clerk,
        json!({"procedure": "sample_permit", "fields": body}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
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
    let (_, before, _) = call(
        &w.app,
        Request::get("/publicity").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(!before.contains("燃气经营许可"));
    let staff = token(&w, "staff").await;
    let (status, decided) = api(
        &w,
        "POST",
        &path,
        &staff,
        json!({"action": "decide", "expected_version": 2, "fields": {"decision": "grant"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let (status, page, _) = call(
        &w.app,
        Request::get("/publicity?procedure=sample_permit")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
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
    let (_, none, _) = call(
        &w.app,
        Request::get("/publicity?q=%E5%BA%9F%E5%93%81")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(!none.contains("燃气经营许可"));
}
