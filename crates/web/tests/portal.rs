//! The public path of online applications: apply (with an attachment) → receipt number →
//! status page opened by receipt plus the last four digits of phone or ID number. A wrong
//! suffix, an unknown receipt or another person's receipt reveal nothing; bad input is
//! refused with a Chinese message and records nothing.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use fazhi_core::org::{DepartmentKind, Role};
use fazhi_store::Engine;

/// A district with three departments and no users, on `today`.
async fn district(today: &str) -> World {
    world(
        Engine::Sqlite,
        today,
        &[
            ("zfb", "旅顺口区人民政府办公室", DepartmentKind::Department),
            ("sfj", "旅顺口区司法局", DepartmentKind::Department),
            ("xfj", "旅顺口区信访局", DepartmentKind::Department),
        ],
        &[("clerk", Role::DepartmentStaff, Some("zfb"))],
        None,
    )
    .await
}

/// The district government office, where applications usually go.
fn office(w: &World) -> &str {
    &w.departments["zfb"]
}

/// A multipart form posted from the portal's own pages: text fields, then files (name,
/// content type, bytes) in the form's one file input.
async fn multipart(
    w: &World,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Answer {
    let files: Vec<(&str, &str, &str, &[u8])> = files
        .iter()
        .map(|(name, content_type, bytes)| ("files", *name, *content_type, *bytes))
        .collect();
    post_multipart(w, path, fields, &files, None).await
}

async fn track(w: &World, receipt: &str, suffix: &str) -> Answer {
    post_public(w, "/track", &[("receipt", receipt), ("suffix", suffix)]).await
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
    let reply = multipart(
        w,
        "/apply/disclosure_request",
        &disclosure_form(office(w), name, phone),
        files,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    reply
        .location()
        .strip_prefix("/apply/receipt/")
        .expect("redirect to the receipt page")
        .to_string()
}

/// A reconsideration application as the portal's form posts it, to the justice bureau.
fn reconsideration_form<'a>(receiver: &'a str, known_on: &'a str) -> [(&'static str, &'a str); 11] {
    [
        ("receiver", receiver),
        ("f.applicant.kind", "person"),
        ("f.applicant.name", "李四"),
        ("f.applicant.id_number", "11010519491231002X"),
        ("f.applicant.phone", "13812345678"),
        ("f.respondent", "旅顺口区市场监督管理局"),
        ("f.act_description", "旅市监罚〔2019〕12号行政处罚决定"),
        ("f.act_category", "penalty"),
        ("f.claims", "撤销该行政处罚决定"),
        ("f.facts_reasons", "认定事实不清"),
        ("f.known_on", known_on),
    ]
}

#[tokio::test]
async fn apply_receipt_and_status_lookup() {
    // Saturday 2019-09-28 is a rest day; Sunday 09-29 was a make-up working day.
    let w = district("2019-09-28").await;
    let list = get_public(&w, "/apply").await;
    assert_eq!(list.status, StatusCode::OK);
    for name in ["依申请公开政府信息", "行政复议", "信访事项"] {
        assert!(list.text().contains(name), "{name} missing from the list");
    }
    let form = get_public(&w, "/apply/disclosure_request").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("enctype=\"multipart/form-data\""));
    // The usual receiver is preselected; the portal sets channel and date itself.
    assert!(
        form.text()
            .contains(&format!("value=\"{}\" selected", office(&w)))
    );
    assert!(!form.text().contains("name=\"f.received_on\""));
    assert!(!form.text().contains("name=\"f.channel\""));

    let pdf: &[u8] = b"%PDF-1.4 identity card scan";
    let receipt = apply(
        &w,
        "张三",
        "139 1234 5678",
        &[("身份证.pdf", "application/pdf", pdf)],
    )
    .await;
    assert!(receipt.starts_with("GK20190928-"), "{receipt}");
    let page = get_public(&w, &format!("/apply/receipt/{receipt}")).await;
    assert!(page.text().contains(&receipt));

    // The application is a case in the office's list, received, with the online rule's date.
    let case = w.db.store.case_by_receipt(&receipt).await.unwrap().unwrap();
    assert_eq!(case.case.state, "received");
    assert_eq!(case.case.department.as_deref(), Some(office(&w)));
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
        let status = track(&w, &receipt, suffix).await;
        assert_eq!(status.status, StatusCode::OK, "{suffix}");
        assert!(status.text().contains("已收到"), "{}", status.text());
        assert!(status.text().contains("老旧小区改造"));
        assert!(status.text().contains("2019-09-29"));
        assert!(status.text().contains("旅顺口区人民政府办公室"));
    }

    // A wrong suffix, an unknown receipt and another person's receipt get one same answer.
    let other = apply(&w, "李四", "13700009999", &[]).await;
    let wrong_suffix = track(&w, &receipt, "1234").await;
    let unknown = track(&w, "GK20190928-ZZZZZZ", "5678").await;
    let someone_else = track(&w, &other, "5678").await;
    for reply in [&wrong_suffix, &unknown, &someone_else] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(
            reply
                .text()
                .contains("没有找到与受理编号和后四位相符的申请")
        );
        assert!(!reply.text().contains("老旧小区改造"));
        assert!(!reply.text().contains("张三") && !reply.text().contains("李四"));
    }
}

#[tokio::test]
async fn bad_applications_are_refused_and_record_nothing() {
    let w = district("2019-10-08").await;
    let events = w.db.store.count_events().await.unwrap();
    // No phone: the status page could never be opened.
    let mut fields = disclosure_form(office(&w), "王五", "");
    let reply = multipart(&w, "/apply/disclosure_request", &fields, &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text().contains("联系电话"), "{}", reply.text());
    // What was typed is kept in the form.
    assert!(reply.text().contains("老旧小区改造"));
    // A bad ID number is named.
    fields = disclosure_form(office(&w), "王五", "13600001111");
    fields[3] = ("f.applicant.id_number", "110105194912310021");
    let reply = multipart(&w, "/apply/disclosure_request", &fields, &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("身份证") || reply.text().contains("校验"),
        "{}",
        reply.text()
    );
    // A file type that may not be uploaded.
    fields = disclosure_form(office(&w), "王五", "13600001111");
    let reply = multipart(
        &w,
        "/apply/disclosure_request",
        &fields,
        &[("run.exe", "application/octet-stream", b"MZ")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text().contains("run.exe"));
    // No receiver chosen.
    fields[0] = ("receiver", "");
    let reply = multipart(&w, "/apply/disclosure_request", &fields, &[]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text().contains("受理机关"));
    assert_eq!(w.db.store.count_events().await.unwrap(), events);
    // A procedure without online applications.
    let reply = get_public(&w, "/apply/legal_aid").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_lookups_are_rate_limited() {
    let w = district("2019-10-08").await;
    for _ in 0..20 {
        let reply = track(&w, "GK20191008-AAAAAA", "0000").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    let reply = track(&w, "GK20191008-AAAAAA", "0000").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.text().contains("查询过于频繁"));
}

#[tokio::test]
async fn flowcharts_are_served_from_the_definitions() {
    let w = district("2021-10-08").await;
    let index = get_public(&w, "/flowcharts").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(
        index
            .text()
            .contains("/flowcharts/administrative_penalty.svg")
    );
    let svg = get_public(&w, "/flowcharts/administrative_penalty.svg").await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(
        svg.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(svg.text().contains("data-state=\"legal_review\""));
    assert!(svg.text().contains("data-action=\"review_pass\""));
    let missing = get_public(&w, "/flowcharts/no_such.svg").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// A search is a few words: a text of over 50,000 characters is refused with a clear message (it
/// used to end in a server error), on the public portal and in the API alike.
#[tokio::test]
async fn an_overlong_search_is_refused_not_a_server_error() {
    let w = world(
        Engine::Sqlite,
        "2024-03-04",
        &[("zfb", "旅顺口区人民政府办公室", DepartmentKind::Department)],
        &[("clerk", Role::DepartmentStaff, Some("zfb"))],
        None,
    )
    .await;
    let long = "x".repeat(50_001);
    let portal = get_public(&w, &format!("/publicity?q={}", encode(&long))).await;
    assert_eq!(portal.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        portal
            .text()
            .contains("搜索文字过长（50001 字），最多 200 字")
    );
    let fine = get_public(&w, &format!("/publicity?q={}", encode("燃气"))).await;
    assert_eq!(fine.status, StatusCode::OK);
    let clerk = token(&w, "clerk").await;
    let api_answer = api(
        &w,
        "GET",
        &format!("/api/v1/cases?q={}", encode(&long)),
        &clerk,
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(api_answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        api_answer.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("参数 q：搜索文字过长")
    );
}

#[tokio::test]
async fn dates_that_have_not_happened_are_refused_and_nothing_is_recorded() {
    let w = district("2019-09-26").await;
    let mut form = disclosure_form(office(&w), "张三", "13812345678");
    form.push(("f.submitted_on", "2030-01-01"));
    let refused = multipart(&w, "/apply/disclosure_request", &form, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text();
    assert!(
        page.contains("申请提交日期") && page.contains("2030-01-01 晚于今天（2019-09-26）"),
        "{page}"
    );

    let sfj = w.departments["sfj"].clone();
    let reconsideration = reconsideration_form(&sfj, "2027-01-01");
    let refused = multipart(&w, "/apply/reconsideration", &reconsideration, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // On 2019-09-26 the 2017 law is in force: its label names the 具体行政行为.
    assert!(
        refused.text().contains("知道该具体行政行为之日") && refused.text().contains("2027-01-01"),
        "{}",
        refused.text()
    );
    for procedure in ["disclosure_request", "reconsideration"] {
        assert!(
            w.db.store
                .cases_in(&w.region, &[procedure])
                .await
                .unwrap()
                .is_empty(),
            "{procedure}"
        );
    }
    // The same application with a date that has happened goes through.
    let known = reconsideration_form(&sfj, "2019-09-20");
    let accepted = multipart(&w, "/apply/reconsideration", &known, &[]).await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
}

/// Only the disclosure regulation (Art 31) moves an online filing made on a rest day to the
/// next working day; a reconsideration or a petition is received the day it arrives.
#[tokio::test]
async fn an_online_reconsideration_is_received_the_day_it_arrives_even_on_a_rest_day() {
    // Saturday 2019-09-28, a rest day.
    let w = district("2019-09-28").await;
    let sfj = w.departments["sfj"].clone();
    let application = reconsideration_form(&sfj, "2019-09-20");
    let sent = multipart(&w, "/apply/reconsideration", &application, &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let receipt = sent
        .location()
        .strip_prefix("/apply/receipt/")
        .expect("the receipt page")
        .to_string();
    let case = w.db.store.case_by_receipt(&receipt).await.unwrap().unwrap();
    assert_eq!(
        case.case.fields["received_on"], "2019-09-28",
        "the day it arrived"
    );
    // 5 working days from Saturday 09-28: 09-29 (a make-up Sunday), 09-30, [国庆], 10-08,
    // 10-09, 10-10.
    let review = case.case.clock("review").expect("the review runs");
    assert_eq!(review.started_on.to_string(), "2019-09-28");
}

#[tokio::test]
async fn tracking_shows_the_time_limit_that_concerns_the_applicant_and_then_the_answer() {
    use fazhi_core::engine::{Actor, Command};
    // Thursday 2019-09-26: 20 working days across National Day (with the make-up working days
    // 09-29 and 10-12) end on 2019-10-29.
    let w = district("2019-09-26").await;
    let receipt = apply(&w, "张三", "13812345678", &[]).await;
    let page = track(&w, &receipt, "5678").await.text();
    assert!(
        page.contains("答复期限") && page.contains("2019-10-29"),
        "{page}"
    );
    assert!(
        !page.contains("补正期限") && !page.contains("办理结果"),
        "{page}"
    );

    let staff = fazhi_core::authz::Principal {
        user_id: "staff".into(),
        user_name: "staff".into(),
        grants: vec![
            fazhi_core::org::Grant::new(
                Role::DepartmentStaff,
                w.region.clone(),
                Some(office(&w).to_string()),
            )
            .unwrap(),
        ],
    };
    let case = w.db.store.case_by_receipt(&receipt).await.unwrap().unwrap();
    let act = |version: i64, action: &str, fields: serde_json::Value| Command {
        action: action.into(),
        expected_version: version,
        fields: serde_json::from_value(fields).unwrap(),
        on: w.state.app.today(),
    };
    // A supplement is asked for: the applicant sees that deadline by its name, and the reply
    // period (which starts again from the supplement) is not shown as running.
    w.state
        .app
        .act(
            Actor::User(&staff),
            &case.case.id,
            act(
                1,
                "request_supplement",
                serde_json::json!({"supplement_items": "身份证明复印件", "supplement_deadline": "2019-10-15"}),
            ),
        )
        .await
        .unwrap();
    let page = track(&w, &receipt, "5678").await.text();
    assert!(
        page.contains("补正期限") && page.contains("2019-10-15"),
        "{page}"
    );
    assert!(!page.contains("答复期限"), "{page}");

    // Supplemented and answered: the answer is shown, and no time limit runs any more.
    w.state
        .app
        .act(
            Actor::User(&staff),
            &case.case.id,
            act(
                2,
                "supplement_received",
                serde_json::json!({"supplement_received_on": "2019-09-26"}),
            ),
        )
        .await
        .unwrap();
    w.state
        .app
        .act(
            Actor::User(&staff),
            &case.case.id,
            act(
                3,
                "reply",
                serde_json::json!({"reply_type": "disclose", "reply_on": "2019-09-26", "reply_no": "旅政办依复〔2019〕5号", "reply_summary": "所申请信息予以公开，见附件。"}),
            ),
        )
        .await
        .unwrap();
    let page = track(&w, &receipt, "5678").await.text();
    for shown in [
        "办理结果",
        "旅政办依复〔2019〕5号",
        "所申请信息予以公开",
        "2019-09-26",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(
        !page.contains("答复期限") && !page.contains("截至"),
        "{page}"
    );
    assert!(!page.contains("寄送给您的文书"), "no document made yet");

    // The office makes the reply (答复书): the applicant downloads it from the status page,
    // with the same receipt and four digits, and nothing else of the case.
    let clerk = login(&w, "clerk").await;
    let made = post_form(
        &w,
        &format!("/console/cases/{}/documents", case.case.id),
        &[("document", "reply")],
        &clerk,
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let page = track(&w, &receipt, "5678").await.text();
    assert!(
        page.contains("寄送给您的文书") && page.contains("答复书"),
        "{page}"
    );
    let sha = page
        .split("name=\"sha256\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let download = |suffix: &'static str, sha: String| {
        let w = &w;
        let receipt = receipt.clone();
        async move {
            post_public(
                w,
                "/track/document",
                &[
                    ("receipt", receipt.as_str()),
                    ("suffix", suffix),
                    ("sha256", sha.as_str()),
                ],
            )
            .await
        }
    };
    let docx = download("5678", sha.clone()).await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(docx.body.starts_with(b"PK"), "a Word file");
    assert_eq!(fazhi_store::files::sha256_hex(&docx.body), sha);
    assert_eq!(
        download("0000", sha.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    // An attachment or any other file of the case is not served by its hash.
    assert_eq!(
        download("5678", "ab".repeat(32)).await.status,
        StatusCode::NOT_FOUND
    );
}

/// An application refused for its fields keeps none of its files: nothing is stored, nothing
/// chained, and nothing is left half-received (they used to be stored and chained for ever).
#[tokio::test]
async fn a_refused_application_keeps_none_of_its_files() {
    let w = district("2019-10-08").await;
    let events = w.db.store.count_events().await.unwrap();
    let fields = disclosure_form(office(&w), "王五", "");
    let scan: &[u8] = b"%PDF-1.4 a scan sent with a refused application";
    let reply = multipart(
        &w,
        "/apply/disclosure_request",
        &fields,
        &[("身份证.pdf", "application/pdf", scan)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(files_on_disk(&w), (0, 0));
    assert_eq!(w.db.store.count_events().await.unwrap(), events);
    // The same file with a good application is kept and chained once.
    apply(
        &w,
        "王五",
        "13600001111",
        &[("身份证.pdf", "application/pdf", scan)],
    )
    .await;
    assert_eq!(files_on_disk(&w), (1, 0));
    assert!(
        w.db.store
            .read_file(&fazhi_store::files::sha256_hex(scan))
            .await
            .is_ok()
    );
}

/// Each online application is a statutory case with a clock: one address may file five an
/// hour and ten a day; the next is refused with a Chinese message before its body is read,
/// and nothing is recorded for it.
#[tokio::test]
async fn online_applications_are_limited_per_address() {
    let w = district("2019-10-08").await;
    for n in 0..5 {
        apply(&w, &format!("申请人{n}"), "13600001111", &[]).await;
    }
    let events = w.db.store.count_events().await.unwrap();
    let reply = multipart(
        &w,
        "/apply/disclosure_request",
        &disclosure_form(office(&w), "第六位", "13600001111"),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        reply.text().contains("一小时内提交的网上申请已达上限"),
        "{}",
        reply.text()
    );
    assert_eq!(w.db.store.count_events().await.unwrap(), events);
    // Refused applications do not use up the share: a citizen who mistyped is not locked out.
    let w = district("2019-10-08").await;
    for _ in 0..8 {
        let reply = multipart(
            &w,
            "/apply/disclosure_request",
            &disclosure_form(office(&w), "王五", ""),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    apply(&w, "王五", "13600001111", &[]).await;
}

/// The application form offers only bodies competent to receive the application, marks and
/// checks each field as the server does, and the receipt page shows only receipts issued.
#[tokio::test]
async fn the_form_offers_competent_bodies_and_checks_what_it_marks() {
    let w = district("2019-10-08").await;
    let committee =
        w.db.store
            .add_department(
                "t",
                &w.region,
                "tjwyh",
                "水师营街道人民调解委员会",
                DepartmentKind::Committee,
            )
            .await
            .unwrap();
    let form = get_public(&w, "/apply/disclosure_request").await.text();
    assert!(
        !form.contains("人民调解委员会"),
        "a committee is not an administrative agency"
    );
    assert!(form.contains("旅顺口区司法局"));
    assert!(
        form.contains("name=\"f.applicant.phone\" type=\"tel\"")
            && form.contains("maxlength=\"40\" required"),
        "the phone is marked required"
    );
    assert!(
        form.contains("type=\"email\" name=\"f.contact_email\""),
        "{form}"
    );
    let events = w.db.store.count_events().await.unwrap();
    let refused = |fields: Vec<(&'static str, String)>| {
        let w = &w;
        async move {
            let mut form: Vec<(&str, String)> = disclosure_form(office(w), "王五", "13600001111")
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect();
            for (key, value) in fields {
                match form.iter_mut().find(|(k, _)| *k == key) {
                    Some(entry) => entry.1 = value,
                    None => form.push((key, value)),
                }
            }
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = multipart(w, "/apply/disclosure_request", &pairs, &[]).await;
            // 422 for a field, 409 for a rule between fields (a guard of the definition).
            assert!(
                [StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT].contains(&reply.status),
                "{pairs:?}: {}",
                reply.status
            );
            reply.text()
        }
    };
    let to_committee = refused(vec![("receiver", committee.id.clone())]).await;
    assert!(to_committee.contains("不受理"), "{to_committee}");
    let mixed = refused(vec![("f.applicant_kind", "business".into())]).await;
    assert!(mixed.contains("申请人类型应为“自然人”"), "{mixed}");
    let nameless = refused(vec![("f.applicant.name", " ".into())]).await;
    assert!(nameless.contains("请填写申请人的姓名"), "{nameless}");
    let letters = refused(vec![("f.applicant.phone", "abc".into())]).await;
    assert!(letters.contains("联系电话"), "{letters}");
    let mixed_phone = refused(vec![("f.applicant.phone", "1360000111x".into())]).await;
    assert!(mixed_phone.contains("无效"), "{mixed_phone}");
    let email = refused(vec![("f.contact_email", "notanemail".into())]).await;
    assert!(email.contains("不是有效的电子邮箱地址"), "{email}");
    let long_name = refused(vec![("f.applicant.name", "名".repeat(5000))]).await;
    assert!(long_name.contains("不能超过 100 字"), "{long_name}");
    assert_eq!(
        w.db.store.count_events().await.unwrap(),
        events,
        "nothing recorded"
    );
    // A fixed line with its area code and an extension, and an organisation's application.
    let mut fields = disclosure_form(office(&w), "大连某某科技有限公司", "0411-8623 1234转 806");
    fields[1] = ("f.applicant.kind", "organisation");
    fields[3] = ("f.applicant.credit_code", "");
    fields[5] = ("f.applicant_kind", "business");
    let reply = multipart(&w, "/apply/disclosure_request", &fields, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    // The receipt page shows receipts that were issued, not any text.
    let real = get_public(&w, &reply.location()).await;
    assert_eq!(real.status, StatusCode::OK);
    let made_up = get_public(&w, "/apply/receipt/GK20191008-ZZZZZZ").await;
    assert_eq!(made_up.status, StatusCode::NOT_FOUND);
    assert!(!made_up.text().contains("申请已提交"));
}

/// In December a request's 20 working days end in a year whose official holidays are not
/// published yet: the applicant and the clerk are given the date counted with weekends only,
/// said to be provisional (there was no date at all), and the right one once the year is in.
#[tokio::test]
async fn a_deadline_in_a_year_without_holidays_is_shown_provisionally() {
    let w = district("2026-12-21").await;
    let receipt = apply(&w, "张三", "13812345678", &[]).await;
    let page = track(&w, &receipt, "5678").await.text();
    // 21 Dec (Monday) + 20 working days: 8 in December, then 1, 4–8, 11–15 and 18 January.
    assert!(
        page.contains("答复期限") && page.contains("2027-01-18（暂定"),
        "{page}"
    );
}
