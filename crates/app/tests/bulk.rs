//! Histories loaded in bulk (the benchmark's generated districts, ledgers entered after the
//! fact): the engine decides every step as it would one by one, the rows and the numbers come
//! out the same, the chain verifies — and a bad history or a bad load writes nothing. Both engines.

mod common;

use common::*;
use fazhi_app::App;
use fazhi_app::cases::{HistoryStep, Opening};
use fazhi_core::authz::Principal;
use fazhi_core::engine::{Actor, Command, Refusal};
use fazhi_core::org::{Grant, Role};
use fazhi_core::procedure::Definition;
use fazhi_store::publications::PublicFilter;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, RowOp, StoreError, WriteBatch};
use serde_json::json;
use std::collections::BTreeMap;

fn staff(department: &str) -> Principal {
    Principal {
        user_id: "u-staff".into(),
        user_name: "staff".into(),
        grants: vec![
            Grant::new(
                Role::DepartmentStaff,
                region("210212"),
                Some(department.into()),
            )
            .unwrap(),
        ],
    }
}

/// Register (by the system, as an online application), accept, grant: (actor, action, day, fields).
fn steps(staff: &Principal, name: &str) -> Vec<HistoryStep<'static>> {
    let staff: &'static Principal = Box::leak(Box::new(staff.clone()));
    vec![
        HistoryStep {
            actor: Actor::System,
            action: "register",
            on: date("2019-03-01"),
            fields: fields(&[
                (
                    "applicant",
                    json!({"kind": "person", "name": name, "phone": "13800001234"}),
                ),
                ("matter", json!("燃气经营许可")),
                ("received_on", json!("2019-03-01")),
            ]),
        },
        HistoryStep {
            actor: Actor::User(staff),
            action: "accept",
            on: date("2019-03-04"),
            fields: BTreeMap::new(),
        },
        HistoryStep {
            actor: Actor::User(staff),
            action: "decide",
            on: date("2019-03-20"),
            fields: fields(&[("decision", json!("grant"))]),
        },
    ]
}

/// A history of the sample procedure for the market department of 210212, as one write.
fn history(
    app: &App,
    def: &Definition,
    department: &str,
    steps: &[HistoryStep<'_>],
) -> Result<WriteBatch, (usize, Refusal)> {
    let certificates = Default::default();
    app.history(
        def,
        &region("210212"),
        Some(department.to_string()),
        steps,
        &certificates,
    )
    .map(|write| app.store().case_batch(&write))
}

/// The same steps taken one at a time, as the console would.
async fn step_by_step(
    app: &App,
    def: &Definition,
    department: &str,
    steps: &[HistoryStep<'_>],
) -> fazhi_store::cases::StoredCase {
    let first = &steps[0];
    let mut case = app
        .open(Opening {
            procedure: &def.code,
            action: Some(first.action),
            actor: first.actor,
            region: &region("210212"),
            department: Some(department.to_string()),
            fields: first.fields.clone(),
            on: first.on,
            receipt: None,
        })
        .await
        .unwrap();
    for step in &steps[1..] {
        let command = Command {
            action: step.action.into(),
            expected_version: case.case.version,
            fields: step.fields.clone(),
            on: step.on,
        };
        case = app.act_on(step.actor, case, command).await.unwrap();
    }
    case
}

async fn a_loaded_history_reads_like_one_taken_step_by_step(engine: Engine) {
    let db = TestDb::new(engine).await;
    let district = seed_district(&db.store).await;
    let app = sample_app(&db.store);
    let def = sample_definition();
    let market = district.market.id.clone();
    let staff = staff(&market);
    let one_by_one = step_by_step(&app, &def, &market, &steps(&staff, "李四")).await;
    assert_eq!(one_by_one.number.as_deref(), Some("示许〔2019〕001号"));

    let mut batches = Vec::new();
    for name in ["王五", "赵六", "孙七"] {
        let batch = history(&app, &def, &market, &steps(&staff, name))
            .unwrap_or_else(|(i, r)| panic!("step {i} refused: {r}"));
        assert_eq!(batch.events.len(), 3, "one event per step");
        assert!(
            batch
                .ops
                .iter()
                .all(|op| matches!(op, RowOp::Insert { .. })),
            "a new case's history only inserts rows"
        );
        batches.push(batch);
    }
    let ids: Vec<String> = batches
        .iter()
        .map(|b| {
            b.events[0]
                .subject
                .0
                .trim_start_matches("case:")
                .to_string()
        })
        .collect();
    let events_before = db.store.count_events().await.unwrap();
    assert_eq!(db.store.load_history(batches).await.unwrap(), 9);
    assert_eq!(db.store.count_events().await.unwrap(), events_before + 9);

    for (n, id) in ids.iter().enumerate() {
        let loaded = db.store.case(id).await.unwrap().expect("the loaded case");
        assert_eq!(loaded.case.state, one_by_one.case.state);
        assert_eq!(loaded.case.state, "decided");
        assert_eq!(loaded.case.version, one_by_one.case.version);
        assert_eq!(loaded.terminal, one_by_one.terminal);
        assert_eq!(loaded.case.clocks, one_by_one.case.clocks);
        assert_eq!(loaded.case.taken_on, one_by_one.case.taken_on);
        assert_eq!(loaded.case.fields["decision"], json!("grant"));
        assert_eq!(loaded.created_by, "system");
        // Numbers continue the series the one-by-one case started, in load order.
        let number = format!("示许〔2019〕{:03}号", n + 2);
        assert_eq!(loaded.number.as_deref(), Some(number.as_str()));
        let events = db.store.history(&format!("case:{id}")).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["case.step", "case.step", "case.step"]);
        let first: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
        assert_eq!(first["number"], json!(number));
        assert_eq!(first["step"]["action"], json!("register"));
        // The decision is public, masked, with its number.
        let public = db
            .store
            .publications(&PublicFilter {
                case_id: Some(id),
                page: 1,
                per_page: 10,
                ..PublicFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(public.items.len(), 1);
        assert_eq!(public.items[0].number.as_deref(), Some(number.as_str()));
        assert!(
            !public.items[0]
                .fields
                .iter()
                .any(|(_, v)| v.contains("13800001234")),
            "no phone number in public"
        );
    }
    // A case loaded in bulk goes on like any other.
    let loaded = db.store.case(&ids[0]).await.unwrap().unwrap();
    assert!(loaded.case.version > 0);
    let report = db.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
    assert_eq!(report.events() as i64, events_before + 9);
}

async fn a_refused_step_or_a_bad_load_writes_nothing(engine: Engine) {
    let db = TestDb::new(engine).await;
    let district = seed_district(&db.store).await;
    let app = sample_app(&db.store);
    let def = sample_definition();
    let market = district.market.id.clone();
    let staff = staff(&market);

    // Deciding before accepting is refused, and the refusal names the step.
    let mut wrong = steps(&staff, "李四");
    wrong.remove(1);
    let (index, refusal) = history(&app, &def, &market, &wrong).unwrap_err();
    assert_eq!(index, 1);
    assert!(matches!(refusal, Refusal::WrongState { .. }), "{refusal:?}");

    // A load that would change existing rows is refused whole: the good history with it.
    let events_before = db.store.count_events().await.unwrap();
    let good = history(&app, &def, &market, &steps(&staff, "王五")).unwrap();
    let good_id = good.events[0]
        .subject
        .0
        .trim_start_matches("case:")
        .to_string();
    let bad = WriteBatch::new().update(
        "departments",
        vec![("id", market.clone().into())],
        vec![("name", "改名".into())],
        None,
    );
    let error = db.store.load_history(vec![good, bad]).await.unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
    assert_eq!(db.store.count_events().await.unwrap(), events_before);
    assert!(db.store.case(&good_id).await.unwrap().is_none());

    // A load whose rows collide with existing ones is rolled back whole.
    let first = history(&app, &def, &market, &steps(&staff, "赵六")).unwrap();
    let first_id = first.events[0]
        .subject
        .0
        .trim_start_matches("case:")
        .to_string();
    db.store.load_history(vec![first.clone()]).await.unwrap();
    let after_first = db.store.count_events().await.unwrap();
    let other = history(&app, &def, &market, &steps(&staff, "孙七")).unwrap();
    let other_id = other.events[0]
        .subject
        .0
        .trim_start_matches("case:")
        .to_string();
    let error = db.store.load_history(vec![other, first]).await.unwrap_err();
    assert!(matches!(error, StoreError::Duplicate(_)), "{error:?}");
    assert_eq!(db.store.count_events().await.unwrap(), after_first);
    assert!(db.store.case(&other_id).await.unwrap().is_none());
    assert!(db.store.case(&first_id).await.unwrap().is_some());
    // The counter did not move for the rolled-back load: the next number follows the first.
    let next = step_by_step(&app, &def, &market, &steps(&staff, "周八")).await;
    assert_eq!(next.number.as_deref(), Some("示许〔2019〕002号"));
    let report = db.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
}

on_both_engines!(
    a_loaded_history_reads_like_one_taken_step_by_step,
    a_refused_step_or_a_bad_load_writes_nothing
);
