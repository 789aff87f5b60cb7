//! Report figures kept with the cases, on both engines: each write counts its case into the
//! figures and years it belongs to; a figure for a region and a year, its records and the case
//! list behind it come from those rows; the rows are rebuilt when they are missing or the
//! report's figures change; and the figures that judge lateness follow the day once refreshed.

mod common;

use chrono::NaiveDate;
use common::*;
use fazhi_app::cases::Opening;
use fazhi_app::figures::Detail;
use fazhi_app::{App, AppConfig};
use fazhi_core::authz::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, Command};
use fazhi_core::org::{Grant, Role};
use fazhi_core::procedure::Registry;
use fazhi_store::cases::CaseFilter;
use fazhi_store::figure_members::FigureOf;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock, Store};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

const SAMPLE: &str = include_str!("../../../demo/sample-permit.toml");

const REPORT: &str = r#"
[report]
code = "permits"
zh = "许可统计"

[[figures]]
key = "received"
zh = "收到申请"
tags = ["licensing.applications"]
period = { field = "received_on" }

[[figures]]
key = "late"
zh = "超期办理"
tags = ["licensing.applications"]
period = { field = "received_on" }
late = true

[[figures]]
key = "pending"
zh = "年末未办结"
tags = ["licensing.applications"]
period = "always"
concluded = false

[[figures]]
key = "late_share"
zh = "超期占比"
unit = "%"
share = { of = "late", among = "received" }
"#;

fn app(store: &Store, reports: &Path, report: &str) -> App {
    std::fs::write(reports.join("permits.toml"), report).unwrap();
    let procedures =
        Registry::from_sources(&[("sample-permit.toml".to_string(), SAMPLE.to_string())]).unwrap();
    App::new(
        store.clone(),
        procedures,
        Calendar::embedded().clone(),
        AppConfig {
            reports_dir: Some(reports.to_path_buf()),
            ..Default::default()
        },
    )
}

/// The figures' values for a region and a year, as (key, value) text.
async fn values(app: &App, region_code: &str, year: i32) -> Vec<(String, String)> {
    let spec = app.report("permits").unwrap();
    app.figures(spec, &region(region_code), year, Detail::Counts)
        .await
        .unwrap()
        .figures
        .into_iter()
        .map(|(k, v)| (k, v.display()))
        .collect()
}

/// One figure's value for a region and a year.
async fn value(app: &App, region_code: &str, year: i32, key: &str) -> String {
    let all = values(app, region_code, year).await;
    all.into_iter().find(|(k, _)| k == key).unwrap().1
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn figures_follow_the_cases(engine: Engine) {
    let clock = Arc::new(ManualClock::new(at("2019-12-02")));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    let district = seed_district(&db.store).await;
    let reports = tempfile::tempdir().unwrap();
    let app = app(&db.store, reports.path(), REPORT);
    let p = clerk(&district.market.id);
    let here = region("210212");
    let open = |received: &'static str| Opening {
        procedure: "sample_permit",
        action: Some("register"),
        actor: Actor::User(&p),
        region: &here,
        department: Some(district.market.id.clone()),
        fields: [
            (
                "applicant",
                json!({"kind": "person", "name": "张三", "id_number": "11010519491231002X"}),
            ),
            ("matter", json!("燃气经营许可")),
            ("received_on", json!(received)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        on: NaiveDate::parse_from_str(received, "%Y-%m-%d").unwrap(),
        receipt: None,
    };
    let first = app.open(open("2019-12-02")).await.unwrap();
    let second = app.open(open("2019-12-02")).await.unwrap();
    assert_eq!(
        values(&app, "210212", 2019).await,
        pairs(&[
            ("late", "0"),
            ("late_share", "0.0"),
            ("pending", "2"),
            ("received", "2")
        ])
    );
    // Another district counts none of them; the city above counts both.
    assert_eq!(value(&app, "210211", 2019, "received").await, "0");
    assert_eq!(value(&app, "210200", 2019, "received").await, "2");
    // Still pending at the end of 2020 and every year after, until concluded.
    assert_eq!(value(&app, "210212", 2021, "pending").await, "2");

    // One is accepted; its 20-working-day decision period runs out on 2019-12-30.
    let accepted = app
        .act(
            Actor::User(&p),
            &first.case.id,
            Command {
                action: "accept".into(),
                expected_version: 1,
                fields: Default::default(),
                on: NaiveDate::from_ymd_opt(2019, 12, 2).unwrap(),
            },
        )
        .await
        .unwrap();
    assert_eq!(accepted.next_due.as_deref(), Some("2019-12-30"));
    // The other is refused the next day: concluded in 2019, so no longer pending at the
    // year's end.
    clock.set(at("2019-12-03"));
    app.act(
        Actor::User(&p),
        &second.case.id,
        Command {
            action: "refuse".into(),
            expected_version: 1,
            fields: [("reason".to_string(), json!("不属于本机关职权范围"))]
                .into_iter()
                .collect(),
            on: NaiveDate::from_ymd_opt(2019, 12, 3).unwrap(),
        },
    )
    .await
    .unwrap();
    assert_eq!(value(&app, "210212", 2019, "pending").await, "1");
    assert_eq!(value(&app, "210212", 2018, "pending").await, "2");

    // Time passes beyond the decision period: the daily refresh counts the case as late.
    clock.set(at("2020-01-06"));
    assert_eq!(app.refresh_dated_figures(false).await.unwrap(), 2);
    assert_eq!(
        values(&app, "210212", 2019).await,
        pairs(&[
            ("late", "1"),
            ("late_share", "50.0"),
            ("pending", "1"),
            ("received", "2")
        ])
    );

    // The records behind a figure, and the case list of a share (its numerator's cases).
    let spec = app.report("permits").unwrap();
    let detailed = app
        .figures(spec, &region("210212"), 2019, Detail::Records)
        .await
        .unwrap();
    assert_eq!(
        detailed.figures["late"].records,
        vec![first.case.id.clone()]
    );
    assert_eq!(
        detailed.figures["late_share"].records,
        vec![first.case.id.clone()]
    );
    let mut received = detailed.figures["received"].records.clone();
    received.sort();
    let mut both = vec![first.case.id.clone(), second.case.id.clone()];
    both.sort();
    assert_eq!(received, both);
    let leader = Principal {
        user_id: "leader".into(),
        user_name: "leader".into(),
        grants: vec![Grant::new(Role::Leader, region("210212"), None).unwrap()],
    };
    let list = db
        .store
        .list_cases(
            &leader,
            &CaseFilter {
                figure: Some(FigureOf {
                    report: "permits".into(),
                    figure: spec.records_figure("late_share").unwrap().into(),
                    region: region("210212"),
                    year: 2019,
                }),
                per_page: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(list.items[0].id, first.case.id);

    // The rows lost (a restored backup of an older Fazhi): rebuilt before the next figures.
    db.store.clear_figure_members("permits").await.unwrap();
    assert_eq!(value(&app, "210212", 2019, "received").await, "2");
    assert_eq!(
        app.ensure_figures_built(spec).await.unwrap(),
        0,
        "built once"
    );

    // The report file changes: a new figure counts the cases already recorded.
    let changed = format!(
        "{REPORT}\n[[figures]]\nkey = \"refused\"\nzh = \"不予受理\"\ntags = [\"licensing.applications\"]\nperiod = \"concluded\"\nstates = [\"rejected\"]\n"
    );
    let app = self::app(&db.store, reports.path(), &changed);
    let spec = app.report("permits").unwrap();
    assert_eq!(app.ensure_figures_built(spec).await.unwrap(), 2);
    assert_eq!(value(&app, "210212", 2019, "refused").await, "1");
}

on_both_engines!(figures_follow_the_cases);
