//! Cases on both engines: the engine's steps stored with their events, lists with deadline
//! filters, optimistic concurrency, and timed actions at expiry — also after a restart.

mod common;

use chrono::NaiveDate;
use common::*;
use fazhi_app::cases::Opening;
use fazhi_app::{App, AppConfig, AppError};
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, Command, Refusal};
use fazhi_core::procedure::Registry;
use fazhi_store::cases::CaseFilter;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock, Store};
use serde_json::json;
use std::sync::Arc;

const SAMPLE: &str = include_str!("../../../demo/sample-permit.toml");

/// An application over `store` with the sample procedure and the embedded calendar.
fn app(store: &Store) -> App {
    let procedures =
        Registry::from_sources(&[("sample-permit.toml".to_string(), SAMPLE.to_string())]).unwrap();
    App::new(
        store.clone(),
        procedures,
        Calendar::embedded().clone(),
        AppConfig::default(),
    )
}

fn applicant(on: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    [
        (
            "applicant",
            json!({"kind": "person", "name": "张三", "id_number": "11010519491231002X"}),
        ),
        ("matter", json!("燃气经营许可")),
        ("received_on", json!(on)),
        ("contact_email", json!("zhangsan@example.cn")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

async fn cases_story(engine: Engine) {
    let clock = Arc::new(ManualClock::new(at("2019-09-26")));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    let district = seed_district(&db.store).await;
    let app = app(&db.store);
    let p = clerk(&district.market.id);
    let created = app
        .open(Opening {
            procedure: "sample_permit",
            action: Some("register"),
            actor: Actor::User(&p),
            region: &region("210212"),
            department: Some(district.market.id.clone()),
            fields: applicant("2019-09-26"),
            on: app.today(),
            receipt: None,
        })
        .await
        .unwrap();
    assert_eq!(created.case.state, "received");
    assert_eq!(created.case.version, 1);
    assert_eq!(created.title, "张三 · 燃气经营许可");
    assert_eq!(
        created.next_due.as_deref(),
        Some("2019-10-09"),
        "5 working days across National Day"
    );

    // Lists: scope, deadline filters.
    let mine = db
        .store
        .list_cases(
            &p,
            &CaseFilter {
                per_page: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(mine.total, 1);
    assert_eq!(mine.items[0].deadline.as_deref(), Some("normal"));
    let other = clerk(&district.justice.id);
    assert_eq!(
        db.store
            .list_cases(
                &other,
                &CaseFilter {
                    per_page: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .total,
        0
    );
    clock.set(at("2019-10-08"));
    let soon = db
        .store
        .list_cases(
            &p,
            &CaseFilter {
                deadline: Some("due_soon".into()),
                per_page: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(soon.total, 1);
    let attention = CaseFilter {
        deadline: Some("attention".into()),
        per_page: 10,
        ..Default::default()
    };
    assert_eq!(
        db.store.list_cases(&p, &attention).await.unwrap().total,
        1,
        "yellow counts"
    );
    let text = db
        .store
        .list_cases(
            &p,
            &CaseFilter {
                text: Some("燃气".into()),
                per_page: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(text.total, 1);
    // A report figure's records: however many ids (a figure may hold 100,000), in one
    // parameter; the case last among 40,000 others is found.
    let mut ids: Vec<String> = (0..40_000).map(|i| format!("no-such-case-{i}")).collect();
    ids.push(created.case.id.clone());
    let figure = db
        .store
        .list_cases(
            &p,
            &CaseFilter {
                ids,
                per_page: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(figure.total, 1);
    assert_eq!(figure.items[0].id, created.case.id);
    let no_text = db
        .store
        .list_cases(
            &p,
            &CaseFilter {
                text: Some("100%".into()),
                per_page: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(no_text.total, 0);

    // A stale command is refused, and nothing is written.
    let events = db.store.count_events().await.unwrap();
    let stale = app
        .act(
            Actor::User(&p),
            &created.case.id,
            Command {
                action: "accept".into(),
                expected_version: 0,
                fields: Default::default(),
                on: NaiveDate::from_ymd_opt(2019, 10, 8).unwrap(),
            },
        )
        .await;
    let Err(AppError::Refused(stale)) = stale else {
        panic!("{stale:?}")
    };
    assert_eq!(
        stale,
        Refusal::Stale {
            expected: 0,
            actual: 1
        }
    );
    assert_eq!(db.store.count_events().await.unwrap(), events);

    // Nothing expires before the last day has passed.
    assert!(
        db.store
            .cases_needing_attention(db.store.today())
            .await
            .unwrap()
            .is_empty()
    );
    clock.set(at("2019-10-10"));
    let overdue = db
        .store
        .list_cases(
            &p,
            &CaseFilter {
                deadline: Some("overdue".into()),
                per_page: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(overdue.total, 1);
    assert_eq!(
        db.store.list_cases(&p, &attention).await.unwrap().total,
        1,
        "red counts"
    );
    let waiting = db
        .store
        .cases_needing_attention(db.store.today())
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(app.expire(&created.case.id).await.unwrap(), 1);
    let accepted = db.store.case(&created.case.id).await.unwrap().unwrap();
    assert_eq!(accepted.case.state, "accepted");
    // 逾期不告知的，自收到申请材料之日起即为受理 (行政许可法 Art 32): the decision period runs
    // from the receipt on 09-26, not from the day the system acted.
    assert_eq!(
        accepted.case.clock("decision").unwrap().started_on,
        NaiveDate::from_ymd_opt(2019, 9, 26).unwrap()
    );
    assert_eq!(
        accepted.case.fields.get("accepted_on"),
        Some(&serde_json::json!("2019-09-26"))
    );
    // Idempotent: a second run does nothing.
    assert_eq!(app.expire(&created.case.id).await.unwrap(), 0);
    let history = db
        .store
        .history(&format!("case:{}", created.case.id))
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].actor, "system");
    assert!(history[1].payload.contains("deem_accepted"));
    assert!(db.store.verify().await.unwrap().ok());

    // The applicant was told of each change of state, at the address they gave.
    let mails = db.store.due_outbox(db.store.now(), 10).await.unwrap();
    assert_eq!(mails.len(), 2, "received, then deemed accepted");
    assert!(
        mails
            .iter()
            .all(|m| m.channel == "email" && m.target == "zhangsan@example.cn")
    );
    assert!(
        mails.iter().any(|m| m.subject.contains("已受理")),
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}

async fn timed_actions_catch_up_after_a_restart(engine: Engine) {
    let clock = Arc::new(ManualClock::new(at("2019-03-01")));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    let district = seed_district(&db.store).await;
    let first_run = app(&db.store);
    let p = clerk(&district.market.id);
    let case = first_run
        .open(Opening {
            procedure: "sample_permit",
            action: Some("register"),
            actor: Actor::User(&p),
            region: &region("210212"),
            department: Some(district.market.id.clone()),
            fields: applicant("2019-03-01"),
            on: first_run.today(),
            receipt: None,
        })
        .await
        .unwrap();
    clock.set(at("2019-03-04"));
    let asked = first_run
        .act(
            Actor::User(&p),
            &case.case.id,
            Command {
                action: "request_supplement".into(),
                expected_version: 1,
                fields: [
                    ("supplement_items".to_string(), json!("营业执照")),
                    ("supplement_deadline".to_string(), json!("2019-03-15")),
                ]
                .into_iter()
                .collect(),
                on: NaiveDate::from_ymd_opt(2019, 3, 4).unwrap(),
            },
        )
        .await
        .unwrap();
    assert_eq!(asked.next_due.as_deref(), Some("2019-03-15"));
    db.store.close().await;

    // Fazhi was down while the supplement period ran out; it starts again much later.
    let later = Arc::new(ManualClock::new(at("2019-04-20")));
    let restarted = db.reopen(later).await;
    let app = app(&restarted);
    let waiting = restarted
        .cases_needing_attention(restarted.today())
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(app.expire(&case.case.id).await.unwrap(), 1);
    let withdrawn = restarted.case(&case.case.id).await.unwrap().unwrap();
    assert_eq!(withdrawn.case.state, "withdrawn");
    assert!(withdrawn.terminal);
    // Effective the day after the last day, not the day Fazhi noticed.
    let history = restarted
        .history(&format!("case:{}", case.case.id))
        .await
        .unwrap();
    assert!(
        history
            .last()
            .unwrap()
            .payload
            .contains("\"on\":\"2019-03-16\""),
        "{}",
        history.last().unwrap().payload
    );
    assert!(
        restarted
            .cases_needing_attention(restarted.today())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.expire(&case.case.id).await.unwrap(), 0);
}

on_both_engines!(cases_story, timed_actions_catch_up_after_a_restart);
