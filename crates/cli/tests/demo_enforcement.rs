//! The demo district's enforcement records, as `fazhi demo` seeds them: the ten confirmed
//! bodies, their officers' certificates (valid, running out within 30 days, suspended, expired),
//! the published list of items (one withdrawn), a year of penalty cases with a failed legal
//! review for each defect, late publications, a transfer to the police and a changed decision,
//! the 14 gas-filling companies' 23 rectified hazards, and the case-file evaluations — read back
//! from the stored cases and through the supervision statistics.

mod common;

use chrono::{Datelike, Duration, NaiveDate};
use common::ok;
use fazhi_core::calendar::Calendar;
use fazhi_core::codes::{CreditCode, IdNumber};
use fazhi_core::engine::ClockStatus;
use fazhi_core::procedure::Registry;
use fazhi_core::region::RegionCode;
use fazhi_store::cases::StoredCase;
use fazhi_store::{Location, OpenOptions, Store};
use serde_json::{Value, json};

const BODY: &str = "enforcement_body";
const CERTIFICATE: &str = "enforcement_certificate";
const ITEM: &str = "enforcement_item";
const PENALTY: &str = "administrative_penalty";
const EVALUATION: &str = "case_file_evaluation";

/// Whether a clock of a case ran past its due date before it stopped.
fn stopped_late(
    registry: &Registry,
    calendar: &Calendar,
    today: NaiveDate,
    case: &StoredCase,
    clock: &str,
) -> bool {
    let Some(definition) = registry.get(&case.case.procedure, &case.case.definition_version) else {
        return false;
    };
    let (Some(c), Some(state)) = (definition.clock(clock), case.case.clock(clock)) else {
        return false;
    };
    if state.status != ClockStatus::Stopped {
        return false;
    }
    fazhi_core::engine::clock_due(c, state, calendar, today)
        .is_ok_and(|due| state.stopped_on.is_some_and(|s| s > due.date))
}

#[test]
fn the_demo_holds_the_enforcement_year() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let seeded = ok(&["demo", "--data", data.to_str().unwrap(), "--no-serve"]);
    assert!(seeded.contains("行政执法"), "{seeded}");
    // The disclosure report's 行政处罚 row (section 二) comes from the penalty records: the
    // 2019 decisions to penalise, each a case, no longer “not yet recorded”.
    let json = ok(&[
        "report",
        "disclosure",
        "--year",
        "2019",
        "--format",
        "json",
        "--data",
        data.to_str().unwrap(),
    ]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let penalty = report["sections"]["proactive"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rows"].as_array().into_iter().flatten())
        .find(|r| r["code"] == "penalty" && r["cells"]["decisions"].is_object())
        .expect("the 行政处罚 row")
        .clone();
    let decisions = &penalty["cells"]["decisions"];
    assert_eq!(decisions["source"], "recorded", "{penalty}");
    assert!(decisions["value"].as_i64().unwrap() > 0, "{penalty}");
    assert_eq!(
        decisions["cases"].as_array().unwrap().len() as i64,
        decisions["value"].as_i64().unwrap()
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(check(data));
}

async fn check(data: std::path::PathBuf) {
    let store = Store::open(OpenOptions::new(Location::DataDir(data)))
        .await
        .unwrap();
    let region = RegionCode::parse("210212").unwrap();
    let registry = fazhi_app::loading::procedures(None).unwrap();
    let calendar = Calendar::embedded().clone();
    let today = store.today();
    let cases = store
        .cases_in(&region, &[BODY, CERTIFICATE, ITEM, PENALTY, EVALUATION])
        .await
        .unwrap();
    let of = |p: &'static str| cases.iter().filter(move |c| c.case.procedure == p);
    let state = |p: &'static str, s: &str| of(p).filter(|c| c.case.state == s).count();

    // Bodies.
    assert_eq!(of(BODY).count(), 10);
    assert_eq!(state(BODY, "confirmed"), 10);

    // Certificates: one suspended, one expired (by the system), three running out within 30
    // days, the others valid for longer; every number unique.
    assert_eq!(state(CERTIFICATE, "suspended"), 1);
    assert_eq!(state(CERTIFICATE, "expired"), 1);
    assert_eq!(of(CERTIFICATE).count(), state(CERTIFICATE, "valid") + 2);
    assert!(of(CERTIFICATE).count() >= 40, "{}", of(CERTIFICATE).count());
    let expiring = of(CERTIFICATE)
        .filter(|c| c.case.state == "valid")
        .filter(|c| {
            let until = c.case.fields["valid_until"].as_str().unwrap();
            let until = NaiveDate::parse_from_str(until, "%Y-%m-%d").unwrap();
            until >= today && until <= today + Duration::days(30)
        })
        .count();
    assert_eq!(expiring, 3);
    let expired = of(CERTIFICATE).find(|c| c.case.state == "expired").unwrap();
    assert_eq!(
        expired.case.taken.last().map(String::as_str),
        Some("expire")
    );
    let mut numbers: Vec<&str> = of(CERTIFICATE)
        .map(|c| c.number.as_deref().unwrap())
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), of(CERTIFICATE).count());
    // Renewed up to today: no certificate in force runs out before it.
    assert!(
        of(CERTIFICATE)
            .filter(|c| c.case.state == "valid")
            .all(|c| {
                c.case.fields["valid_until"].as_str().unwrap() >= today.to_string().as_str()
            })
    );

    // Items.
    assert!(
        state(ITEM, "published") >= 50,
        "{}",
        state(ITEM, "published")
    );
    assert_eq!(state(ITEM, "withdrawn"), 1);

    // Penalties: all concluded; one transferred; each defect in a failed review that was
    // followed by a passing review and a decision.
    let penalties: Vec<&StoredCase> = of(PENALTY).collect();
    assert!(penalties.len() >= 40, "{}", penalties.len());
    assert_eq!(state(PENALTY, "transferred"), 1);
    assert_eq!(state(PENALTY, "closed"), penalties.len() - 1);
    // The 2019 penalties run under the 2017 text of the law, in force when they began.
    let definition = registry
        .in_force(PENALTY, NaiveDate::from_ymd_opt(2019, 6, 1).unwrap())
        .unwrap();
    assert_eq!(definition.version, "2018-01-01");
    assert!(
        penalties
            .iter()
            .all(|c| c.case.definition_version == "2018-01-01")
    );
    for defect in definition.field("review_defects").unwrap().values.iter() {
        assert!(
            penalties.iter().any(|c| {
                let taken = &c.case.taken;
                let failed = taken.iter().rposition(|a| a == "review_fail");
                let passed = taken.iter().rposition(|a| a == "review_pass");
                let decided = taken.iter().rposition(|a| a == "decide");
                c.case
                    .fields
                    .get("review_defects")
                    .and_then(Value::as_array)
                    .is_some_and(|d| d.iter().any(|v| v == &json!(defect.code)))
                    && failed < passed
                    && passed < decided
            }),
            "no failed review for {}",
            defect.code
        );
    }
    let failed = penalties
        .iter()
        .filter(|c| c.case.taken.iter().any(|a| a == "review_fail"))
        .count();
    assert_eq!(failed, 6);
    // Late publications are the planned ones, and no other time limit was missed except the
    // payment of the fine enforced through the court.
    let late = |clock: &str| {
        penalties
            .iter()
            .filter(|c| stopped_late(&registry, &calendar, today, c, clock))
            .count()
    };
    assert_eq!(late("publicity"), 3);
    for clock in [
        "decision",
        "legal_review",
        "service",
        "preservation",
        "withdrawal",
    ] {
        assert_eq!(late(clock), 0, "{clock}");
    }
    assert_eq!(late("payment"), 1);
    let taken = |action: &str| {
        penalties
            .iter()
            .filter(|c| c.case.taken.iter().any(|a| a == action))
            .count()
    };
    assert_eq!(taken("record_decision_changed"), 1);
    assert_eq!(taken("transfer_to_judiciary"), 1);
    let rectified: Vec<i64> = penalties
        .iter()
        .filter_map(|c| c.case.fields.get("hazards_rectified"))
        .filter_map(Value::as_i64)
        .collect();
    assert_eq!(rectified.len(), 14, "the gas-filling companies");
    assert_eq!(rectified.iter().sum::<i64>(), 23, "their hazards");
    let not_penalised = penalties
        .iter()
        .filter(|c| c.case.fields.get("decision_type") == Some(&json!("no_penalty")))
        .count();
    assert_eq!(not_penalised, 14);
    assert!(
        penalties
            .iter()
            .all(|c| c.case.opened_on().unwrap().year() == 2019)
    );

    // Evaluations: mixed grades, the unqualified file rectified and closed.
    assert_eq!(state(EVALUATION, "closed"), of(EVALUATION).count());
    let grade = |g: &str| {
        of(EVALUATION)
            .filter(|c| c.case.fields.get("grade") == Some(&json!(g)))
            .count()
    };
    assert_eq!(
        (grade("excellent"), grade("qualified"), grade("unqualified")),
        (2, 3, 1)
    );
    let unqualified = of(EVALUATION)
        .find(|c| c.case.fields.get("grade") == Some(&json!("unqualified")))
        .unwrap();
    assert!(unqualified.case.fields.contains_key("vetoes"));
    assert!(
        unqualified
            .case
            .taken
            .iter()
            .any(|a| a == "report_rectification")
    );

    // The supervision page's figures (reports/supervision.toml) see the same.
    let app = fazhi_app::App::load(store.clone(), None, fazhi_app::AppConfig::default())
        .await
        .unwrap();
    let spec = app.report("supervision").unwrap();
    let figures = app
        .figures(spec, &region, 2019, fazhi_app::figures::Detail::Counts)
        .await
        .unwrap();
    let count = |key: &str| figures.figures[key].record_count;
    assert_eq!(count("bodies_confirmed"), 10);
    assert!(count("items_published") >= 50);
    for defect in [
        "beyond_authority",
        "unclear_facts",
        "insufficient_evidence",
        "wrong_law",
        "illegal_procedure",
        "improper_penalty",
    ] {
        assert!(count(&format!("defect.{defect}")) >= 1, "{defect}");
    }
    let by_body = app
        .figures_by_department(spec, &region, 2019)
        .await
        .unwrap();
    let opened: i64 = by_body["penalties_opened"].iter().map(|(_, n)| n).sum();
    assert_eq!(opened, count("penalties_opened"));
    assert!(
        by_body["penalties_opened"].len() >= 5,
        "penalties of several bodies"
    );
    let evaluations = fazhi_app::reports::evaluations(&store, &registry, &region, 2019)
        .await
        .unwrap();
    let files: u32 = evaluations.iter().map(|e| e.files).sum();
    let unqualified: u32 = evaluations.iter().map(|e| e.unqualified).sum();
    assert_eq!((files, unqualified), (6, 1));

    // Generated codes are valid.
    for c in of(PENALTY).chain(of(CERTIFICATE)).chain(of(BODY)) {
        for party in ["party", "holder", "body"] {
            let Some(party) = c.case.fields.get(party) else {
                continue;
            };
            if let Some(code) = party["credit_code"].as_str() {
                CreditCode::parse(code).unwrap();
            }
            if let Some(id) = party["id_number"].as_str() {
                IdNumber::parse(id).unwrap();
            }
        }
    }
}
