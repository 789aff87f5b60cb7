//! The demo district's synthetic 2018–2019 remedies records, as `fazhi demo` seeds them: the
//! 2019 counts of the district's rule-of-law report, read back from the stored cases (fields,
//! dated actions, states), a log that `fazhi audit verify` accepts, a consistent 2019
//! disclosure report, and ID numbers and credit codes that parse.

use chrono::{Datelike, NaiveDate};
use fazhi_core::codes::{CreditCode, IdNumber};
use fazhi_core::region::RegionCode;
use fazhi_store::cases::StoredCase;
use fazhi_store::{Location, OpenOptions, Store};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn ok(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(args)
        .env_remove("FAZHI_DATABASE_URL")
        .env_remove("FAZHI_CONFIG")
        .env_remove("FAZHI_KEY_DIR")
        .env_remove("FAZHI_PROCEDURES")
        .output()
        .expect("run fazhi");
    assert!(
        out.status.success(),
        "fazhi {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn date(case: &StoredCase, field: &str) -> Option<NaiveDate> {
    case.case
        .fields
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn text<'a>(case: &'a StoredCase, field: &str) -> Option<&'a str> {
    case.case.fields.get(field).and_then(Value::as_str)
}

fn year_of(d: Option<NaiveDate>) -> Option<i32> {
    d.map(|d| d.year())
}

/// The day the case reached its terminal state.
fn concluded(case: &StoredCase) -> Option<NaiveDate> {
    case.terminal
        .then(|| case.case.taken_on.last().copied())
        .flatten()
}

fn opened_in(case: &StoredCase, year: i32) -> bool {
    year_of(case.case.opened_on()) == Some(year)
}

fn count(cases: &[StoredCase], procedure: &str, keep: impl Fn(&StoredCase) -> bool) -> usize {
    cases
        .iter()
        .filter(|c| c.case.procedure == procedure && keep(c))
        .count()
}

/// Every ID number and credit code anywhere in a value.
fn codes(value: &Value, ids: &mut Vec<String>, credits: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("id_number", Value::String(s)) => ids.push(s.clone()),
                    ("credit_code", Value::String(s)) => credits.push(s.clone()),
                    _ => codes(v, ids, credits),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| codes(v, ids, credits)),
        _ => {}
    }
}

#[test]
fn the_demo_holds_the_2019_report_figures() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data = data.to_str().unwrap().to_string();
    let seeded = ok(&["demo", "--data", &data, "--no-serve"]);
    assert!(seeded.contains("synthetic"), "{seeded}");
    assert!(seeded.contains("虚构"), "{seeded}");
    let verify = ok(&["audit", "verify", "--data", &data]);
    assert!(verify.contains("OK:"), "{verify}");

    // `fazhi report disclosure`: JSON with the seed's 88 requests, a DOCX that opens, and
    // DOCX without --out refused.
    let json = ok(&[
        "report",
        "disclosure",
        "--year",
        "2019",
        "--format",
        "json",
        "--data",
        &data,
    ]);
    let report: Value = serde_json::from_str(&json).expect("the report is JSON");
    assert_eq!(report["year"], 2019);
    assert_eq!(report["consistency"]["ok"], true);
    assert!(json.contains("\"value\": 88"), "88 requests received");
    let docx = dir.path().join("report.docx");
    ok(&[
        "report",
        "disclosure",
        "--year",
        "2019",
        "--format",
        "docx",
        "--out",
        docx.to_str().unwrap(),
        "--data",
        &data,
    ]);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("政府信息公开工作年度报告"));
    let refused = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args([
            "report",
            "disclosure",
            "--year",
            "2019",
            "--format",
            "docx",
            "--data",
            &data,
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out"));

    // The figures of `fazhi report rule-of-law` (JSON, every format, PostgreSQL) are checked in
    // tests/annual_report.rs; here, the records behind them.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(check(std::path::PathBuf::from(data)));
}

async fn check(data: std::path::PathBuf) {
    let store = Store::open(OpenOptions::new(Location::DataDir(data.clone())))
        .await
        .unwrap();
    let district = RegionCode::parse("210212").unwrap();
    let procedures = [
        "reconsideration",
        "litigation",
        "petition",
        "disclosure_request",
        "legal_aid",
        "legal_consultation",
        "mediation",
    ];
    let cases = store.cases_in(&district, &procedures).await.unwrap();
    let end_2019 = NaiveDate::from_ymd_opt(2019, 12, 31).unwrap();

    // 行政复议: 9 received in 2019, 7 concluded in the year, 2 pending on 31 December.
    let rc_2019: Vec<&StoredCase> = cases
        .iter()
        .filter(|c| {
            c.case.procedure == "reconsideration" && year_of(date(c, "received_on")) == Some(2019)
        })
        .collect();
    assert_eq!(rc_2019.len(), 9);
    assert_eq!(count(&cases, "reconsideration", |c| opened_in(c, 2019)), 9);
    let rc_concluded: Vec<&&StoredCase> = rc_2019
        .iter()
        .filter(|c| concluded(c).is_some_and(|d| d <= end_2019))
        .collect();
    assert_eq!(rc_concluded.len(), 7);
    assert_eq!(
        rc_2019.len() - rc_concluded.len(),
        2,
        "pending on 31 December"
    );
    let outcomes: BTreeSet<&str> = rc_concluded
        .iter()
        .filter_map(|c| text(c, "decision_type"))
        .collect();
    for outcome in ["uphold", "revoke", "dismiss_claim", "withdrawn"] {
        assert!(outcomes.contains(outcome), "{outcome}: {outcomes:?}");
    }
    assert_eq!(
        rc_concluded
            .iter()
            .filter(|c| c.case.state == "terminated")
            .count(),
        1
    );
    assert!(
        rc_2019
            .iter()
            .any(|c| c.case.taken.iter().any(|a| a == "request_supplement"))
    );
    assert!(
        rc_2019
            .iter()
            .any(|c| text(c, "act_category") == Some("disclosure"))
    );
    assert!(count(&cases, "reconsideration", |c| opened_in(c, 2018)) >= 3);

    // 行政应诉: 11 first-instance filings and 9 second-instance filings in 2019.
    assert_eq!(
        count(&cases, "litigation", |c| year_of(date(c, "filed_on"))
            == Some(2019)),
        11
    );
    assert_eq!(
        count(&cases, "litigation", |c| year_of(date(
            c,
            "appeal_filed_on"
        )) == Some(2019)),
        9
    );
    assert!(
        count(&cases, "litigation", |c| year_of(date(
            c,
            "appeal_filed_on"
        )) == Some(2019)
            && year_of(date(c, "filed_on")) == Some(2018))
            >= 1,
        "some 2019 appeals are 2018 first-instance matters"
    );
    assert!(
        count(&cases, "litigation", |c| {
            year_of(date(c, "filed_on")) == Some(2019)
                && text(c, "act_category") == Some("disclosure")
        }) >= 1
    );
    assert!(
        count(&cases, "litigation", |c| {
            year_of(date(c, "filed_on")) == Some(2019)
                && c.case.fields.get("after_reconsideration") == Some(&Value::Bool(true))
        }) >= 1
    );
    // Head-of-agency attendance is recorded at every hearing.
    for c in cases.iter().filter(|c| c.case.procedure == "litigation") {
        if c.case.fields.contains_key("hearing_on") {
            assert!(c.case.fields.contains_key("head_attended"), "{}", c.case.id);
        }
    }
    // Losses decided in 2018–2019 (by the effective judgment's date): 11 of 41 on
    // procedural grounds, 26.8%.
    const LOSSES: &[&str] = &[
        "revoke",
        "partial_revoke",
        "confirm_illegal",
        "confirm_void",
        "order_performance",
        "change",
        "compensation",
    ];
    let (mut losses, mut procedural) = (0, 0);
    for c in cases.iter().filter(|c| c.case.procedure == "litigation") {
        let appealed = text(c, "appeal_judgment_type").is_some();
        let (outcome, on, grounds) = if appealed {
            (
                text(c, "appeal_judgment_type"),
                date(c, "appeal_judged_on"),
                c.case.fields.get("appeal_judgment_grounds"),
            )
        } else {
            (
                text(c, "judgment_type"),
                date(c, "judgment_on"),
                c.case.fields.get("judgment_grounds"),
            )
        };
        let Some(outcome) = outcome else { continue };
        if !LOSSES.contains(&outcome) || !matches!(year_of(on), Some(2018 | 2019)) {
            continue;
        }
        losses += 1;
        let grounds: Vec<&str> = grounds
            .and_then(Value::as_array)
            .map(|g| g.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if grounds
            .iter()
            .any(|g| matches!(*g, "illegal_procedure" | "minor_procedural"))
        {
            procedural += 1;
        }
    }
    assert_eq!((procedural, losses), (11, 41));
    assert_eq!(
        format!("{:.1}", 100.0 * procedural as f64 / losses as f64),
        "26.8"
    );

    // 信访: the province's 减存 assignments, 2019 62 (52 resolved), 2018 122 (117 resolved).
    for (year, assigned, resolved) in [(2019, 62, 52), (2018, 122, 117)] {
        let from_province = |c: &StoredCase| {
            text(c, "assigned_level") == Some("province")
                && c.case.fields.get("assigned_year").and_then(Value::as_i64) == Some(year)
        };
        assert_eq!(count(&cases, "petition", from_province), assigned);
        assert_eq!(
            count(&cases, "petition", |c| from_province(c)
                && c.case.fields.get("resolved") == Some(&Value::Bool(true))),
            resolved
        );
    }
    let ordinary: Vec<&StoredCase> = cases
        .iter()
        .filter(|c| c.case.procedure == "petition" && !c.case.fields.contains_key("assigned_by"))
        .collect();
    let types: BTreeSet<&str> = ordinary
        .iter()
        .filter_map(|c| text(c, "petition_type"))
        .collect();
    assert_eq!(types.len(), 3, "{types:?}");
    let channels: BTreeSet<&str> = ordinary.iter().filter_map(|c| text(c, "channel")).collect();
    assert!(channels.len() >= 5, "{channels:?}");

    // 依申请公开: 88 received in 2019, some carried over from 2018 and into 2020.
    let requests =
        |keep: &dyn Fn(&StoredCase) -> bool| count(&cases, "disclosure_request", |c| keep(c));
    assert_eq!(
        requests(&|c| year_of(date(c, "received_on")) == Some(2019)),
        88
    );
    assert!(
        requests(&|c| year_of(date(c, "received_on")) == Some(2018)
            && concluded(c).is_some_and(|d| d.year() == 2019))
            >= 1
    );
    assert!(
        requests(&|c| year_of(date(c, "received_on")) == Some(2019)
            && concluded(c).is_none_or(|d| d > end_2019))
            >= 1
    );
    let abandoned =
        requests(&|c| c.case.state == "abandoned" && year_of(date(c, "received_on")) == Some(2019));
    assert!((1..=2).contains(&abandoned), "{abandoned}");
    let kinds: BTreeSet<&str> = cases
        .iter()
        .filter(|c| c.case.procedure == "disclosure_request")
        .filter_map(|c| text(c, "applicant_kind"))
        .collect();
    assert!(kinds.len() >= 5, "{kinds:?}");
    assert!(requests(&|c| c.case.taken.iter().any(|a| a == "extend_reply")) >= 1);
    assert!(requests(&|c| c.case.taken.iter().any(|a| a == "start_consultation")) >= 1);
    // The 2019 disclosure annual report balances, and its section 四 has the reconsideration.
    let registry = fazhi_app::loading::procedures(Some(&data.join("procedures"))).unwrap();
    let report = fazhi_app::reports::disclosure_report(
        &store,
        &registry,
        &district,
        2019,
        None,
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(report.consistency.ok, "{:?}", report.consistency.violations);
    assert!(
        report.consistency.anomalies.is_empty(),
        "{:?}",
        report.consistency.anomalies
    );
    use fazhi_report::disclosure::Column;
    assert_eq!(report.requests.value("received", Column::Total), Some(88));
    assert!(report.remedies.reconsideration.total.value >= 1);
    assert!(
        report.remedies.litigation_after_reconsideration.total.value
            + report.remedies.litigation_direct.total.value
            >= 1
    );

    // So does 2018's, with the requests carried into 2019.
    let report = fazhi_app::reports::disclosure_report(
        &store,
        &registry,
        &district,
        2018,
        None,
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(report.consistency.ok, "{:?}", report.consistency.violations);
    assert_eq!(
        report.requests.value("carried_forward", Column::Total),
        Some(3)
    );

    // 法律援助: 43 cases in 2019, 8 criminal and 35 civil; 50 walk-in consultations.
    assert_eq!(count(&cases, "legal_aid", |c| opened_in(c, 2019)), 43);
    assert_eq!(
        count(&cases, "legal_aid", |c| opened_in(c, 2019)
            && text(c, "case_type") == Some("criminal")),
        8
    );
    assert_eq!(
        count(&cases, "legal_aid", |c| opened_in(c, 2019)
            && text(c, "case_type") == Some("civil")),
        35
    );
    assert!(count(&cases, "legal_aid", |c| c.case.state == "closed") >= 35);
    assert_eq!(
        count(&cases, "legal_consultation", |c| opened_in(c, 2019)
            && text(c, "channel") == Some("walk_in")),
        50
    );

    // 人民调解: 249 disputes settled (closed) in 2019, across the street committees.
    let settled: Vec<&StoredCase> = cases
        .iter()
        .filter(|c| {
            c.case.procedure == "mediation"
                && c.case.state == "closed"
                && concluded(c).is_some_and(|d| d.year() == 2019)
        })
        .collect();
    assert_eq!(settled.len(), 249);
    let streets: BTreeSet<&str> = settled.iter().map(|c| c.case.region.as_str()).collect();
    assert_eq!(streets.len(), 5, "{streets:?}");
    let disputes: BTreeSet<&str> = settled
        .iter()
        .filter_map(|c| text(c, "dispute_type"))
        .collect();
    assert!(disputes.len() >= 6, "{disputes:?}");
    assert!(count(&cases, "mediation", |c| c.case.state == "failed") >= 1);

    // No historical case ended after a statutory time limit had run out.
    let calendar = fazhi_app::loading::calendar(&store).await.unwrap();
    for procedure in procedures {
        for year in [2018, 2019] {
            let stats = fazhi_app::reports::statistics(
                &store, &registry, &calendar, &district, procedure, year, false,
            )
            .await
            .unwrap();
            assert_eq!(
                stats.late.value, 0,
                "{procedure} {year}: late {:?}",
                stats.late.cases
            );
        }
    }

    // Every case runs under the version of its law in force on the day it began: the 2018–2019
    // reconsiderations under the 2017 law (no simplified procedure), requests before
    // 2019-05-15 under the 2008 disclosure regulation and after it under the 2019 one, the
    // petitions under the 2005 regulation, the penalties under the 2017 text.
    let mut versions: BTreeSet<(String, String)> = BTreeSet::new();
    for c in &cases {
        let opened = c.case.opened_on().expect("opened");
        let in_force = registry
            .in_force(&c.case.procedure, opened)
            .unwrap_or_else(|| panic!("{} {opened}: no law in force", c.case.procedure));
        assert_eq!(
            c.case.definition_version, in_force.version,
            "{} {} opened {opened}",
            c.case.procedure, c.case.id
        );
        versions.insert((c.case.procedure.clone(), c.case.definition_version.clone()));
    }
    for expected in [
        ("reconsideration", "2007-08-01"),
        ("disclosure_request", "2008-05-01"),
        ("disclosure_request", "2019-05-15"),
        ("petition", "2005-05-01"),
        ("legal_aid", "2012-07-01"),
    ] {
        assert!(
            versions.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {versions:?}"
        );
    }
    assert!(
        !cases
            .iter()
            .any(|c| c.case.taken.iter().any(|a| a.ends_with("_simplified"))),
        "no simplified reconsideration before 2024"
    );

    // Every case of the history has ended (nothing is left for the scheduler to act on), and
    // every ID number and credit code in it parses.
    assert!(cases.iter().all(|c| c.terminal), "open cases left");
    let (mut ids, mut credits) = (Vec::new(), Vec::new());
    for c in &cases {
        for v in c.case.fields.values() {
            codes(v, &mut ids, &mut credits);
        }
    }
    assert!(
        ids.len() > 500 && credits.len() > 50,
        "{} {}",
        ids.len(),
        credits.len()
    );
    for id in &ids {
        IdNumber::parse(id).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    for code in &credits {
        CreditCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
    }
    store.close().await;
}
