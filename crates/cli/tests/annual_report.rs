//! `fazhi report rule-of-law` on the demo district: the report in all five formats, read back
//! by other programs (roxmltree for the DOCX, poppler's `pdftotext` for the PDF); a figure and
//! a paragraph defined in the data folder's report file alone, seen in every format; a 2019
//! reconsideration added through the API turning the 2019 figure from 9 into 10; and the
//! demo's figures computed alike on PostgreSQL.

mod common;

use common::{Killed, fazhi, fazhi_in, ok, serve};
use serde_json::{Value, json};
use std::process::Command;

const SHIPPED: &str = include_str!("../../../reports/rule_of_law.toml");

/// The report's figures for a year, as `--format json` prints them.
fn figures(store: &[&str], year: &str) -> Value {
    let mut args = vec!["report", "rule-of-law", "--year", year, "--format", "json"];
    args.extend_from_slice(store);
    serde_json::from_str(&ok(&args)).expect("the figures are JSON")
}

fn value(figures: &Value, key: &str) -> Value {
    figures["figures"][key]["value"].clone()
}

/// Text without the white space a layout puts between lines.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The seed report's figures whose procedures exist (shared/seed/report-2019.zh.txt).
const SEED_2019: &[(&str, i64)] = &[
    ("enforcement.bodies", 10),
    ("reconsideration.received", 9),
    ("reconsideration.concluded", 7),
    ("reconsideration.pending", 2),
    ("litigation.first_instance", 11),
    ("litigation.second_instance", 9),
    ("petitions.assigned", 62),
    ("petitions.assigned_resolved", 52),
    ("disclosure.requests", 88),
    ("legal_aid.cases", 43),
    ("legal_aid.criminal", 8),
    ("legal_aid.civil", 35),
    ("legal_aid.walk_in_consultations", 50),
    ("mediation.resolved", 249),
];

/// Every figure of the seed whose procedure exists, each count with exactly as many records.
fn check_seed_figures(f: &Value) {
    for (key, expected) in SEED_2019 {
        assert_eq!(value(f, key), *expected, "{key}: {}", f["figures"][key]);
        assert_eq!(
            f["figures"][key]["records"].as_array().unwrap().len() as i64,
            *expected,
            "{key}"
        );
    }
    // The share of losses on procedural grounds, by the effective judgment over two years.
    assert_eq!(value(f, "litigation.losses_two_years"), 41);
    assert_eq!(value(f, "litigation.procedural_losses_two_years"), 11);
    assert_eq!(value(f, "litigation.procedural_loss_share_pct"), 26.8);
    // A sum: 23 hazards, recorded by the 14 gas-filling companies' cases.
    assert_eq!(value(f, "enforcement.hazards_rectified"), 23);
    assert_eq!(
        f["figures"]["enforcement.hazards_rectified"]["records"]
            .as_array()
            .unwrap()
            .len(),
        14
    );
    // Entered by hand, not yet: no value, and said so.
    let rank = &f["figures"]["petitions.assigned_city_rank"];
    assert!(rank["value"].is_null(), "{rank}");
    assert_eq!(rank["source"], "manual");
    assert!(f["pending"]["grid.events"].is_string());
}

/// A figure and a paragraph that exist only in the installation's own report file.
const OWN_FIGURES: &str = r#"

[[figures]]
key = "local.reconsiderations_revoked"
zh = "复议决定撤销原行政行为"
en = "Acts revoked on reconsideration"
unit = "件"
tags = ["reconsideration.cases"]
period = { field = "received_on" }
where = [{ field = "decision_type", in = ["revoke"] }]

[[figures]]
key = "local.reconsiderations_growth_pct"
zh = "复议申请同比增长"
unit = "%"
growth = "reconsideration.received"

[[sections]]
id = "local"
heading = "六、其他需要报告的情况"
paragraphs = ["本区复议机关撤销原行政行为{local.reconsiderations_revoked}件，复议申请同比变化{local.reconsiderations_growth_pct}%。"]
"#;

#[tokio::test]
async fn the_demo_report_in_five_formats_with_a_figure_of_the_installation_and_a_case_added_through_the_api()
 {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo").to_str().unwrap().to_string();
    ok(&["demo", "--data", &data, "--no-serve"]);
    let store = ["--data", data.as_str()];

    // The installation's report file: the shipped one with a figure and a paragraph of its own.
    let reports = dir.path().join("demo").join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(
        reports.join("rule_of_law.toml"),
        format!("{SHIPPED}{OWN_FIGURES}"),
    )
    .unwrap();

    let f2019 = figures(&store, "2019");
    check_seed_figures(&f2019);
    let f2018 = figures(&store, "2018");
    let revoked = value(&f2019, "local.reconsiderations_revoked")
        .as_i64()
        .unwrap();
    assert!(revoked >= 1, "the demo has a revoking decision");
    assert_eq!(
        f2019["figures"]["local.reconsiderations_revoked"]["records"]
            .as_array()
            .unwrap()
            .len() as i64,
        revoked
    );
    let before = value(&f2018, "reconsideration.received").as_f64().unwrap();
    let growth = ((9.0 - before) / before * 1000.0).round() / 10.0;
    assert_eq!(
        value(&f2019, "local.reconsiderations_growth_pct"),
        json!(growth)
    );
    // Printed as JSON prints it (80.0, not 80).
    let sentence = format!(
        "本区复议机关撤销原行政行为{revoked}件，复议申请同比变化{}%。",
        json!(growth)
    );

    // Markdown and HTML, with links to the records under a given address.
    let md = ok(&[
        "report",
        "rule-of-law",
        "--year",
        "2019",
        "--format",
        "md",
        "--data",
        &data,
        "--link-base",
        "https://fazhi.example.gov.cn/",
    ]);
    assert!(
        md.starts_with("# 旅顺口区2019年法治政府建设年度报告"),
        "{md}"
    );
    assert!(md.contains("## 六、其他需要报告的情况"), "{md}");
    assert!(
        md.contains(&format!(
            "[{revoked}](https://fazhi.example.gov.cn/console/cases?figure=rule_of_law:local.reconsiderations_revoked&year=2019&region=210212)"
        )),
        "{md}"
    );
    assert!(md.contains("全年收到行政复议申请[9]("), "{md}");
    assert!(md.contains("〔暂无记录〕"));
    let html = ok(&[
        "report",
        "rule-of-law",
        "--year",
        "2019",
        "--format",
        "html",
        "--data",
        &data,
    ]);
    assert!(html.contains(&sentence), "{html}");
    assert!(html.contains("复议决定撤销原行政行为"));
    assert!(!html.contains("/console/cases"), "no links unless asked");

    // DOCX and PDF need a file, and are read back by other programs.
    let refused = fazhi(&[
        "report",
        "rule-of-law",
        "--year",
        "2019",
        "--format",
        "pdf",
        "--data",
        &data,
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out"));
    let docx = dir.path().join("report.docx");
    ok(&[
        "report",
        "rule-of-law",
        "--year",
        "2019",
        "--format",
        "docx",
        "--data",
        &data,
        "--out",
        docx.to_str().unwrap(),
    ]);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let text: String = doc
        .descendants()
        .filter(|n| n.has_tag_name("t"))
        .filter_map(|n| n.text())
        .collect();
    assert!(text.contains(&sentence), "{text}");
    assert!(text.contains("全年收到行政复议申请9件"));
    assert!(text.contains("旅顺口区人民政府"));

    let pdf = dir.path().join("report.pdf");
    ok(&[
        "report",
        "rule-of-law",
        "--year",
        "2019",
        "--format",
        "pdf",
        "--data",
        &data,
        "--out",
        pdf.to_str().unwrap(),
    ]);
    let fonts = Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .expect("pdffonts (poppler-utils)");
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    assert!(fonts.contains("CJK"), "a CJK font is embedded: {fonts}");
    let extracted = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(extracted.status.success());
    let extracted = squeeze(&String::from_utf8_lossy(&extracted.stdout));
    assert!(extracted.contains(&squeeze(&sentence)), "{extracted}");
    assert!(extracted.contains("全年收到行政复议申请9件"), "{extracted}");
    assert!(extracted.contains("—1—"), "page numbers: {extracted}");

    // A 2019 application entered now through the API: the 2019 report counts it.
    ok(&[
        "user",
        "add",
        "--name",
        "fuyi",
        "--display-name",
        "复议科·测试",
        "--role",
        "department_staff",
        "--region",
        "210212",
        "--department",
        "sfj",
        "--data",
        &data,
    ]);
    let token = ok(&["user", "token", "--user", "fuyi", "--data", &data])
        .trim()
        .to_string();
    let (server, site): (Killed, String) = serve(&data).await;
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{site}/api/v1/cases"))
        .bearer_auth(&token)
        .json(&json!({
            "procedure": "reconsideration",
            "action": "register",
            "fields": {
                "applicant": {"kind": "person", "name": "补录·申请人"},
                "received_on": "2019-12-20",
                "channel": "post",
                "respondent": "旅顺口区市场监督管理局",
                "act_description": "责令停产停业的行政处罚决定",
                "act_category": "penalty",
                "claims": "撤销该决定",
                "facts_reasons": "程序违法",
                "known_on": "2019-12-02",
            }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let again = figures(&store, "2019");
    assert_eq!(value(&again, "reconsideration.received"), 10);
    let records = again["figures"]["reconsideration.received"]["records"]
        .as_array()
        .unwrap();
    assert!(records.iter().any(|r| r == &json!(id)));
    // Each record of the figure opens through the API.
    for record in records {
        let opened = http
            .get(format!("{site}/api/v1/cases/{}", record.as_str().unwrap()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), 200, "{record}");
    }
    drop(server);
}

#[tokio::test]
async fn the_demo_figures_are_the_same_on_postgresql() {
    let db = fazhi_store::testing::TestDb::postgres().await;
    let url = match &db.location {
        fazhi_store::Location::Postgres(url) => url.clone(),
        other => panic!("{other:?}"),
    };
    let seeded = fazhi_in(db.scratch(), &["demo", "--database", &url, "--no-serve"]);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let f = figures(&["--database", &url], "2019");
    check_seed_figures(&f);
}
