//! The public path of online applications: apply (with an attachment) → receipt number →
//! status page opened by receipt plus the last four digits of phone or ID number. A wrong
//! suffix, an unknown receipt or another person's receipt reveal nothing; bad input is
//! refused with a Chinese message and records nothing.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use fazhi_core::Timestamp;
use fazhi_core::org::DepartmentKind;
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::Department;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock};
use fazhi_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

const BOUNDARY: &str = "----fazhi-test-boundary";

struct World {
    db: TestDb,
    app: Router,
    office: Department,
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

/// 10:00 Beijing time on a date.
fn at(date: &str) -> Timestamp {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    Timestamp::from_datetime(d.and_hms_opt(2, 0, 0).unwrap().and_utc())
}

async fn world(today: &str) -> World {
    let db = TestDb::with_clock(Engine::Sqlite, Arc::new(ManualClock::new(at(today)))).await;
    let store = &db.store;
    store
        .add_region("t", &region("210212"), "旅顺口区", None)
        .await
        .unwrap();
    let mut office = None;
    for (code, name) in [
        ("zfb", "旅顺口区人民政府办公室"),
        ("sfj", "旅顺口区司法局"),
        ("xfj", "旅顺口区信访局"),
    ] {
        let d = store
            .add_department(
                "t",
                &region("210212"),
                code,
                name,
                DepartmentKind::Department,
            )
            .await
            .unwrap();
        if code == "zfb" {
            office = Some(d);
        }
    }
    let app = fazhi_web::router(AppState::new(db.store.clone(), WebConfig::default()));
    World {
        db,
        app,
        office: office.unwrap(),
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).to_string(),
    }
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// A multipart form: text fields, then files (name, content type, bytes).
fn multipart(path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Request<Body> {
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, content_type, bytes) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap()
}

fn track(receipt: &str, suffix: &str) -> Request<Body> {
    Request::post("/track")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(format!("receipt={receipt}&suffix={suffix}")))
        .unwrap()
}

fn disclosure_form<'a>(office: &'a str, name: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("receiver", office),
        ("f.applicant.kind", "person"),
        ("f.applicant.name", name),
        ("f.applicant.id_number", "11010519491231002X"),
        ("f.applicant.phone", phone),
        ("f.applicant_kind", "natural_person"),
        ("f.content", "2019年旅顺口区老旧小区改造项目的立项批复文件"),
        ("f.delivery", "electronic"),
    ]
}

/// Applies and returns the receipt number from the redirect.
async fn apply(w: &World, name: &str, phone: &str, files: &[(&str, &str, &[u8])]) -> String {
    let reply = send(
        &w.app,
        multipart(
            "/apply/disclosure_request",
            &disclosure_form(&w.office.id, name, phone),
            files,
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.headers[header::LOCATION].to_str().unwrap();
    location
        .strip_prefix("/apply/receipt/")
        .expect("redirect to the receipt page")
        .to_string()
}

#[tokio::test]
async fn apply_receipt_and_status_lookup() {
    // Saturday 2019-09-28 is a rest day; Sunday 09-29 was a make-up working day.
    let w = world("2019-09-28").await;
    let list = send(&w.app, get("/apply")).await;
    assert_eq!(list.status, StatusCode::OK);
    for name in ["依申请公开政府信息", "行政复议", "信访事项"] {
        assert!(list.body.contains(name), "{name} missing from the list");
    }
    let form = send(&w.app, get("/apply/disclosure_request")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    // The usual receiver is preselected; the portal sets channel and date itself.
    assert!(
        form.body
            .contains(&format!("value=\"{}\" selected", w.office.id))
    );
    assert!(!form.body.contains("name=\"f.received_on\""));
    assert!(!form.body.contains("name=\"f.channel\""));

    let pdf: &[u8] = b"%PDF-1.4 identity card scan";
    let receipt = apply(
        &w,
        "张三",
        "139 1234 5678",
        &[("身份证.pdf", "application/pdf", pdf)],
    )
    .await;
    assert!(receipt.starts_with("GK20190928-"), "{receipt}");
    let page = send(&w.app, get(&format!("/apply/receipt/{receipt}"))).await;
    assert!(page.body.contains(&receipt));

    // The application is a case in the office's list, received, with the online rule's date.
    let case = w.db.store.case_by_receipt(&receipt).await.unwrap().unwrap();
    assert_eq!(case.case.state, "received");
    assert_eq!(case.case.department.as_deref(), Some(w.office.id.as_str()));
    assert_eq!(case.case.fields["channel"], "online");
    assert_eq!(
        case.case.fields["received_on"], "2019-09-29",
        "the next working day"
    );
    let attachment = &case.case.fields["attachments"][0];
    assert_eq!(attachment["name"], "身份证.pdf");
    assert_eq!(
        w.db.store
            .read_file(attachment["sha256"].as_str().unwrap())
            .await
            .unwrap(),
        pdf
    );
    assert!(
        case.number
            .as_deref()
            .unwrap()
            .starts_with("依申请公开〔2019〕")
    );
    assert!(w.db.store.verify().await.unwrap().ok());

    // The applicant opens the status page with the phone's last four digits, or the ID's.
    for suffix in ["5678", "002x"] {
        let status = send(&w.app, track(&receipt, suffix)).await;
        assert_eq!(status.status, StatusCode::OK, "{suffix}");
        assert!(status.body.contains("已收到"), "{}", status.body);
        assert!(status.body.contains("老旧小区改造"));
        assert!(status.body.contains("2019-09-29"));
        assert!(status.body.contains("旅顺口区人民政府办公室"));
    }

    // A wrong suffix, an unknown receipt and another person's receipt get one same answer.
    let other = apply(&w, "李四", "13700009999", &[]).await;
    let wrong_suffix = send(&w.app, track(&receipt, "1234")).await;
    let unknown = send(&w.app, track("GK20190928-ZZZZZZ", "5678")).await;
    let someone_else = send(&w.app, track(&other, "5678")).await;
    for reply in [&wrong_suffix, &unknown, &someone_else] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(reply.body.contains("没有找到与受理编号和后四位相符的申请"));
        assert!(!reply.body.contains("老旧小区改造"));
        assert!(!reply.body.contains("张三") && !reply.body.contains("李四"));
    }
}

#[tokio::test]
async fn bad_applications_are_refused_and_record_nothing() {
    let w = world("2019-10-08").await;
    let events = w.db.store.count_events().await.unwrap();
    // No phone: the status page could never be opened.
    let mut fields = disclosure_form(&w.office.id, "王五", "");
    let reply = send(&w.app, multipart("/apply/disclosure_request", &fields, &[])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("联系电话"), "{}", reply.body);
    // What was typed is kept in the form.
    assert!(reply.body.contains("老旧小区改造"));
    // A bad ID number is named.
    fields = disclosure_form(&w.office.id, "王五", "13600001111");
    fields[3] = ("f.applicant.id_number", "110105194912310021");
    let reply = send(&w.app, multipart("/apply/disclosure_request", &fields, &[])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("身份证") || reply.body.contains("校验"),
        "{}",
        reply.body
    );
    // A file type that may not be uploaded.
    fields = disclosure_form(&w.office.id, "王五", "13600001111");
    let reply = send(
        &w.app,
        multipart(
            "/apply/disclosure_request",
            &fields,
            &[("run.exe", "application/octet-stream", b"MZ")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("run.exe"));
    // No receiver chosen.
    fields[0] = ("receiver", "");
    let reply = send(&w.app, multipart("/apply/disclosure_request", &fields, &[])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("受理机关"));
    assert_eq!(w.db.store.count_events().await.unwrap(), events);
    // A procedure without online applications.
    let reply = send(&w.app, get("/apply/legal_aid")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_lookups_are_rate_limited() {
    let w = world("2019-10-08").await;
    for _ in 0..20 {
        let reply = send(&w.app, track("GK20191008-AAAAAA", "0000")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    let reply = send(&w.app, track("GK20191008-AAAAAA", "0000")).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.body.contains("查询过于频繁"));
}

#[tokio::test]
async fn flowcharts_are_served_from_the_definitions() {
    let w = world("2021-10-08").await;
    let index = send(&w.app, get("/flowcharts")).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(
        index
            .body
            .contains("/flowcharts/administrative_penalty.svg")
    );
    let svg = send(&w.app, get("/flowcharts/administrative_penalty.svg")).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(
        svg.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(svg.body.contains("data-state=\"legal_review\""));
    assert!(svg.body.contains("data-action=\"review_pass\""));
    let missing = send(&w.app, get("/flowcharts/no_such.svg")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
