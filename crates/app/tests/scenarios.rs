//! Every procedure's scenarios (`procedures/<code>/scenarios.toml`), played through the
//! application on SQLite and on PostgreSQL.

use chrono::NaiveDate;
use fazhi_app::{App, AppConfig, scenarios};
use fazhi_core::Timestamp;
use fazhi_core::calendar::Calendar;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock};
use std::sync::Arc;

/// 10:00 Beijing time on a day.
fn at(day: NaiveDate) -> Timestamp {
    Timestamp::from_datetime(day.and_hms_opt(2, 0, 0).expect("a time").and_utc())
}

/// (procedure code, file name, text) of every scenarios file (or of the procedures listed,
/// comma-separated, in `FAZHI_SCENARIOS`, to work on a few).
fn files() -> Vec<(String, String, String)> {
    let only: Option<Vec<String>> = std::env::var("FAZHI_SCENARIOS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../procedures");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).expect("procedures/") {
        let dir = entry.expect("an entry").path();
        let file = dir.join("scenarios.toml");
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        if only.as_ref().is_some_and(|only| !only.contains(&code)) {
            continue;
        }
        if file.exists() {
            let text = std::fs::read_to_string(&file).expect("readable");
            out.push((code, file.display().to_string(), text));
        }
    }
    out.sort();
    out
}

async fn every_scenario(engine: Engine) {
    let clock = Arc::new(ManualClock::new(at(
        NaiveDate::from_ymd_opt(2019, 1, 2).unwrap()
    )));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    let app = App::new(
        db.store.clone(),
        fazhi_app::loading::procedures(None).unwrap(),
        Calendar::embedded().clone(),
        AppConfig::default(),
    );
    let stage = scenarios::stage(&app).await.unwrap();
    let set_today = |day: NaiveDate| clock.set(at(day));
    let mut failures = Vec::new();
    let mut played = 0;
    for (code, name, text) in files() {
        let file = match scenarios::parse(&name, &text) {
            Ok(f) => f,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for scenario in &file.scenario {
            played += 1;
            let outcome = scenarios::run(&app, &stage, &code, scenario, &set_today).await;
            match (outcome, &scenario.pending) {
                (Ok(()), None) | (Err(_), Some(_)) => {}
                (Err(e), None) => failures.push(format!("{name}: {e}")),
                (Ok(()), Some(why)) => failures.push(format!(
                    "{name}: “{}” now passes; remove its `pending` ({why})",
                    scenario.name
                )),
            }
        }
    }
    assert!(played > 0, "no scenarios found");
    assert!(
        failures.is_empty(),
        "{} of {played} scenarios failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn scenarios_on_sqlite() {
    every_scenario(Engine::Sqlite).await;
}

#[tokio::test]
async fn scenarios_on_postgres() {
    every_scenario(Engine::Postgres).await;
}
