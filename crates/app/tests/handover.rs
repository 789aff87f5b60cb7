//! A case handed over to another department: the receiving department must be a working
//! department of the region; afterwards the case is listed and notified there, and the
//! department it left can no longer act on it — on both engines.

mod common;

use common::*;
use fazhi_app::cases::Opening;
use fazhi_app::{App, AppConfig, AppError};
use fazhi_core::authz::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, Command, Refusal};
use fazhi_core::org::{Grant, Role};
use fazhi_core::procedure::Registry;
use fazhi_store::Engine;
use fazhi_store::cases::CaseFilter;
use fazhi_store::testing::TestDb;
use serde_json::json;

const SAMPLE: &str = include_str!("../../../demo/sample-permit.toml");

fn person(role: Role, department: &str) -> Principal {
    Principal {
        user_id: format!("{role}-{department}"),
        user_name: format!("{role}"),
        grants: vec![Grant::new(role, region("210212"), Some(department.into())).unwrap()],
    }
}

async fn a_case_moves_to_the_competent_department(engine: Engine) {
    let db = TestDb::new(engine).await;
    let district = seed_district(&db.store).await;
    let procedures =
        Registry::from_sources(&[("sample-permit.toml".to_string(), SAMPLE.to_string())]).unwrap();
    let app = App::new(
        db.store.clone(),
        procedures,
        Calendar::embedded().clone(),
        AppConfig::default(),
    );
    let clerk = person(Role::WindowClerk, &district.market.id);
    // A member of the receiving department, to be told of the case when it arrives.
    let receiver = db
        .store
        .add_user(
            "system",
            fazhi_store::accounts::NewUser {
                name: fazhi_core::org::UserName::parse("receiver").unwrap(),
                display_name: "司法局收件人".into(),
                region: region("210212"),
                password: "correct horse battery".into(),
                grants: vec![
                    Grant::new(
                        Role::DepartmentStaff,
                        region("210212"),
                        Some(district.justice.id.clone()),
                    )
                    .unwrap(),
                ],
            },
        )
        .await
        .unwrap();
    let fields = [
        ("applicant", json!({"kind": "person", "name": "张三"})),
        ("matter", json!("燃气经营许可")),
        (
            "received_on",
            json!(db.store.today().format("%Y-%m-%d").to_string()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let case = app
        .open(Opening {
            procedure: "sample_permit",
            action: Some("register"),
            actor: Actor::User(&clerk),
            region: &region("210212"),
            department: Some(district.market.id.clone()),
            fields,
            on: app.today(),
            receipt: None,
        })
        .await
        .unwrap();
    let command = |action: &str, version: i64, fields: &[(&str, serde_json::Value)]| Command {
        action: action.into(),
        expected_version: version,
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        on: db.store.today(),
    };
    let accepted = app
        .act(
            Actor::User(&clerk),
            &case.case.id,
            command("accept", 1, &[]),
        )
        .await
        .unwrap();
    // An unknown department is refused, and nothing changes.
    let refused = app
        .act(
            Actor::User(&clerk),
            &case.case.id,
            command(
                "hand_over",
                accepted.case.version,
                &[("competent_department", json!("no-such"))],
            ),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(AppError::Refused(Refusal::InvalidField { .. }))
        ),
        "{refused:?}"
    );
    let moved = app
        .act(
            Actor::User(&clerk),
            &case.case.id,
            command(
                "hand_over",
                accepted.case.version,
                &[("competent_department", json!(district.justice.id.clone()))],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        moved.case.department.as_deref(),
        Some(district.justice.id.as_str())
    );
    assert_eq!(
        db.store.unread_count(&receiver.id).await.unwrap(),
        1,
        "told of the hand-over"
    );
    let read = db.store.case(&case.case.id).await.unwrap().unwrap();
    assert_eq!(
        read.case.department.as_deref(),
        Some(district.justice.id.as_str())
    );
    // Listed for the receiving department, no longer for the one it left.
    let staff_of = |d: &str| person(Role::DepartmentStaff, d);
    let filter = CaseFilter {
        per_page: 50,
        ..Default::default()
    };
    let there = db
        .store
        .list_cases(&staff_of(&district.justice.id), &filter)
        .await
        .unwrap();
    assert_eq!(there.total, 1);
    let left = db
        .store
        .list_cases(&staff_of(&district.market.id), &filter)
        .await
        .unwrap();
    assert_eq!(left.total, 0);
    // The clerk of the old department can no longer act.
    let late = app
        .act(
            Actor::User(&clerk),
            &case.case.id,
            command(
                "hand_over",
                moved.case.version,
                &[("competent_department", json!(district.market.id.clone()))],
            ),
        )
        .await;
    assert!(
        matches!(
            late,
            Err(AppError::Refused(Refusal::DepartmentNotAllowed { .. }))
        ),
        "{late:?}"
    );
    // A case recorded long after the fact (a paper ledger entered now) is history: nobody is
    // notified of it.
    let long_ago = db.store.today() - chrono::Duration::days(200);
    let old_fields = [
        ("applicant", json!({"kind": "person", "name": "李四"})),
        ("matter", json!("旧案登记")),
        (
            "received_on",
            json!(long_ago.format("%Y-%m-%d").to_string()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let clerk_of_justice = person(Role::WindowClerk, &district.justice.id);
    app.open(Opening {
        procedure: "sample_permit",
        action: Some("register"),
        actor: Actor::User(&clerk_of_justice),
        region: &region("210212"),
        department: Some(district.justice.id.clone()),
        fields: old_fields,
        on: long_ago,
        receipt: None,
    })
    .await
    .unwrap();
    assert_eq!(
        db.store.unread_count(&receiver.id).await.unwrap(),
        1,
        "no news of history"
    );
    assert!(db.store.verify().await.unwrap().ok());
}

on_both_engines!(a_case_moves_to_the_competent_department);
