//! The rule-of-law annual report in the console: figures computed from cases entered through
//! the API and linked to them; paragraphs edited as versions (audited, conflicts refused, bad
//! placeholders named) that survive regeneration while the figures follow the records;
//! figures entered by hand with their source; downloads read back; the leaders' dashboard with
//! last year beside this year, SVG charts and CSV; and who may see and change what.

mod common;

use axum::http::StatusCode;
use common::*;
use fazhi_core::org::{DepartmentKind, Role};
use fazhi_store::Engine;
use serde_json::{Value, json};
use std::io::Read;

async fn district() -> World {
    world(
        Engine::Sqlite,
        "2026-03-02",
        &[("sfj", "旅顺口区司法局", DepartmentKind::Department)],
        &[
            ("justice", Role::JusticeStaff, Some("sfj")),
            ("leader", Role::Leader, None),
            ("staff", Role::DepartmentStaff, Some("sfj")),
        ],
        None,
    )
    .await
}

/// A reconsideration application received on `received_on`, registered through the API.
async fn receive(w: &World, token: &str, name: &str, received_on: &str) {
    let answer = api(
        w,
        "POST",
        "/api/v1/cases",
        token,
        json!({
            "procedure": "reconsideration",
            "action": "register",
            "fields": {
                "applicant": {"kind": "person", "name": name},
                "received_on": received_on,
                "channel": "in_person",
                "respondent": "旅顺口区市场监督管理局",
                "act_description": "罚款五千元的行政处罚决定",
                "act_category": "penalty",
                "claims": "撤销该行政处罚决定",
                "facts_reasons": "认定事实不清",
                "known_on": received_on,
            }
        }),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
}

const PAGE: &str = "/console/reports/rule-of-law";
const RECEIVED_LINK: &str =
    "/console/cases?figure=rule_of_law:reconsideration.received&amp;year=2025&amp;region=210212";

fn edit<'a>(seen: &'a str, text: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("year", "2025"),
        ("id", "measures.oversight.1"),
        ("seen", seen),
        ("text", text),
    ]
}

#[tokio::test]
async fn the_report_links_its_figures_and_keeps_edits_while_the_figures_follow_the_records() {
    let w = district().await;
    let staff = token(&w, "staff").await;
    receive(&w, &staff, "钱一", "2025-04-24").await;
    receive(&w, &staff, "孙二", "2025-06-02").await;
    receive(&w, &staff, "李三", "2024-11-05").await;
    let justice = login(&w, "justice").await;

    // The shipped draft, its figures computed and linked to their records.
    let page = get(&w, &format!("{PAGE}?year=2025"), &justice).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("旅顺口区2025年法治政府建设年度报告"),
        "{html}"
    );
    assert!(html.contains("二、2025年度推进法治政府建设的主要举措和成效"));
    assert!(
        html.contains(&format!(
            "全年收到行政复议申请<a class=\"doc-figure\" href=\"{RECEIVED_LINK}\">2</a>件"
        )),
        "{html}"
    );
    // A figure no procedure gives yet is not a zero.
    assert!(html.contains("网格化服务管理平台全年受理事件〔暂无记录〕件"));
    assert!(html.contains("grid.events"));

    // An edit is a version; the report shows it, with who and which version.
    let saved = post_form(
        &w,
        &format!("{PAGE}/paragraph"),
        &edit(
            "0",
            "本年共收到复议申请{reconsideration.received}件，{previous_year}年为上年。",
        ),
        &justice,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert!(saved.location().contains("#p-measures-oversight-1"));
    let html = get(&w, &format!("{PAGE}?year=2025"), &justice).await.text();
    assert!(
        html.contains(&format!(
            "本年共收到复议申请<a class=\"doc-figure\" href=\"{RECEIVED_LINK}\">2</a>件，2024年为上年。"
        )),
        "{html}"
    );
    assert!(html.contains("v1 · "), "{html}");
    assert!(!html.contains("全年收到行政复议申请"));

    // A case recorded later: the regenerated report keeps the edit and counts it.
    receive(&w, &staff, "周四", "2025-09-09").await;
    let html = get(&w, &format!("{PAGE}?year=2025"), &justice).await.text();
    assert!(
        html.contains(&format!(
            "本年共收到复议申请<a class=\"doc-figure\" href=\"{RECEIVED_LINK}\">3</a>件"
        )),
        "{html}"
    );

    // Two editors who started from the same version: the second is refused, and what they
    // wrote comes back to them.
    let late = post_form(
        &w,
        &format!("{PAGE}/paragraph"),
        &edit("0", "另一位同事的写法"),
        &justice,
    )
    .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text().contains("另一位同事的写法"));
    assert!(late.text().contains("已被他人修改"), "{}", late.text());

    // A placeholder that names nothing is refused with its name.
    let wrong = post_form(
        &w,
        &format!("{PAGE}/paragraph"),
        &edit("1", "收到{reconsideration.recieved}件"),
        &justice,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("{reconsideration.recieved}"));
    assert!(wrong.text().contains("不是本报告的指标"));

    // The history keeps every version and the draft; the log has the edit.
    let edit_page = get(
        &w,
        &format!("{PAGE}/paragraph?year=2025&id=measures.oversight.1"),
        &justice,
    )
    .await
    .text();
    assert!(edit_page.contains("v1 · justice"), "{edit_page}");
    assert!(edit_page.contains("全年收到行政复议申请{reconsideration.received}件"));
    assert!(edit_page.contains("{reconsideration.received}"));
    let events = w.db.store.history("report:rule_of_law:2025").await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "report.text_saved");
    assert!(events[0].payload.contains("measures.oversight.1"));

    // Emptying a paragraph leaves it out of the report.
    let emptied = post_form(&w, &format!("{PAGE}/paragraph"), &edit("1", "  "), &justice).await;
    assert_eq!(emptied.status, StatusCode::SEE_OTHER);
    let md = get(
        &w,
        &format!("{PAGE}/download?year=2025&format=md"),
        &justice,
    )
    .await;
    assert_eq!(md.status, StatusCode::OK);
    let md = md.text();
    assert!(!md.contains("本年共收到复议申请"), "{md}");
    assert!(md.contains("# 旅顺口区2025年法治政府建设年度报告"));
    // A downloaded file carries no console links.
    assert!(!md.contains("/console/cases"), "{md}");
    assert!(
        md.contains("| 收到行政复议申请 | 3件 | 业务记录 3 条 |"),
        "{md}"
    );
}

#[tokio::test]
async fn figures_no_record_gives_are_entered_by_hand_with_their_source() {
    let w = district().await;
    let justice = login(&w, "justice").await;
    let form = |value: &'static str, source: &'static str, seen: &'static str| {
        vec![
            ("year", "2025"),
            ("key", "petitions.assigned_city_rank"),
            ("seen", seen),
            ("value", value),
            ("source", source),
        ]
    };
    let page = get(&w, &format!("{PAGE}?year=2025"), &justice).await.text();
    assert!(page.contains("全市排名第〔待填报〕"), "{page}");
    assert!(page.contains("人工填报：尚未填报"));

    let words = post_form(
        &w,
        &format!("{PAGE}/figure"),
        &form("第三", "市信访局通报", "0"),
        &justice,
    )
    .await;
    assert_eq!(words.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(words.text().contains("“第三”不是数字"), "{}", words.text());
    let unsourced = post_form(
        &w,
        &format!("{PAGE}/figure"),
        &form("3", " ", "0"),
        &justice,
    )
    .await;
    assert_eq!(unsourced.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsourced.text().contains("请写明数据来源"));

    let saved = post_form(
        &w,
        &format!("{PAGE}/figure"),
        &form("3", "大连市信访局2025年第4期通报", "0"),
        &justice,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let json: Value = get(
        &w,
        &format!("{PAGE}/download?year=2025&format=json"),
        &justice,
    )
    .await
    .json();
    let rank = &json["figures"]["petitions.assigned_city_rank"];
    assert_eq!(rank["value"], 3);
    assert_eq!(rank["source"], "manual");
    assert_eq!(rank["cited"], "大连市信访局2025年第4期通报");
    assert_eq!(rank["records"].as_array().unwrap().len(), 0);
    let page = get(&w, &format!("{PAGE}?year=2025"), &justice).await.text();
    assert!(page.contains("全市排名第3"), "{page}");
    assert!(page.contains("人工填报：大连市信访局2025年第4期通报"));
    // Another year has its own value.
    let other = get(&w, &format!("{PAGE}?year=2024"), &justice).await.text();
    assert!(other.contains("全市排名第〔待填报〕"));
}

#[tokio::test]
async fn the_report_downloads_as_word_and_pdf_and_only_region_wide_roles_see_or_change_it() {
    let w = district().await;
    let staff_token = token(&w, "staff").await;
    receive(&w, &staff_token, "钱一", "2025-04-24").await;
    let justice = login(&w, "justice").await;

    let docx = get(
        &w,
        &format!("{PAGE}/download?year=2025&format=docx"),
        &justice,
    )
    .await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(
        docx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("rule_of_law-210212-2025.docx")
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx.body)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let text: String = doc
        .descendants()
        .filter(|n| n.has_tag_name("t"))
        .filter_map(|n| n.text())
        .collect();
    assert!(text.contains("全年收到行政复议申请1件"), "{text}");
    assert!(text.contains("附表　2025年度指标及其来源"));

    let pdf = get(
        &w,
        &format!("{PAGE}/download?year=2025&format=pdf"),
        &justice,
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert!(pdf.body.starts_with(b"%PDF-"));
    let bad = get(
        &w,
        &format!("{PAGE}/download?year=2025&format=odt"),
        &justice,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("下载格式“odt”无效"));

    // A department's staff member neither reads nor edits the region's report.
    let staff = login(&w, "staff").await;
    assert_eq!(
        get(&w, &format!("{PAGE}?year=2025"), &staff).await.status,
        StatusCode::FORBIDDEN
    );
    let refused = post_form(&w, &format!("{PAGE}/paragraph"), &edit("0", "改写"), &staff).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        w.db.store
            .history("report:rule_of_law:2025")
            .await
            .unwrap()
            .is_empty()
    );
    // Nobody may write a paragraph the report does not have.
    let missing = post_form(
        &w,
        &format!("{PAGE}/paragraph"),
        &[
            ("year", "2025"),
            ("id", "measures.nowhere.9"),
            ("seen", "0"),
            ("text", "x"),
        ],
        &justice,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_dashboard_sets_the_year_beside_the_last_with_charts_and_their_numbers() {
    let w = district().await;
    let staff_token = token(&w, "staff").await;
    receive(&w, &staff_token, "钱一", "2025-04-24").await;
    receive(&w, &staff_token, "孙二", "2025-06-02").await;
    receive(&w, &staff_token, "李三", "2024-11-05").await;
    let leader = login(&w, "leader").await;
    let page = get(&w, "/console/dashboard?year=2025", &leader).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<svg"), "{html}");
    assert!(
        html.contains("<title>年度指标（与上年对比）</title>"),
        "{html}"
    );
    assert!(html.contains("收到行政复议申请"));
    assert!(html.contains("+100.0%"), "2 against 1: {html}");
    // The received applications' deadlines are all past: they are overdue now, in red.
    assert!(html.contains("#cf222e"));

    let csv = get(&w, "/console/dashboard/figures.csv?year=2025", &leader).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(text.starts_with('\u{feff}'), "a BOM for spreadsheets");
    assert!(text.contains("收到行政复议申请,件,2,1,+100.0%"), "{text}");
    let deadlines = get(&w, "/console/dashboard/deadlines.csv", &leader)
        .await
        .text();
    assert!(deadlines.contains("旅顺口区司法局,行政复议"), "{deadlines}");

    // A department's staff member sees the deadlines, not the region's figures.
    let staff = login(&w, "staff").await;
    let own = get(&w, "/console/dashboard?year=2025", &staff).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.text().contains("年度指标（与上年对比）"));
    assert_eq!(
        get(&w, "/console/dashboard/figures.csv?year=2025", &staff)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_report_and_the_dashboard_open_on_the_latest_year_with_records() {
    let w = district().await;
    let justice = login(&w, "justice").await;
    // Nothing recorded: last year (today is 2026-03-02).
    let empty = get(&w, PAGE, &justice).await.text();
    assert!(
        empty.contains("旅顺口区2025年法治政府建设年度报告"),
        "{empty}"
    );
    // Records of 2024 only: the report and the dashboard open on 2024, not on an empty 2025.
    let staff = token(&w, "staff").await;
    receive(&w, &staff, "李三", "2024-11-05").await;
    let report = get(&w, PAGE, &justice).await.text();
    assert!(
        report.contains("旅顺口区2024年法治政府建设年度报告"),
        "{report}"
    );
    let leader = login(&w, "leader").await;
    let dashboard = get(&w, "/console/dashboard", &leader).await.text();
    assert!(
        dashboard.contains(r#"<option value="2024" selected"#),
        "{dashboard}"
    );
}
