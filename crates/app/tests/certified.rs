//! A `certified` guard through the application and the store, on both engines: the application
//! looks up the named certificates in the store (cases of the certificate procedure, by their
//! own number, in the case's region) and the engine counts only those in force and covering the
//! case's field.

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
use fazhi_store::testing::TestDb;
use serde_json::{Value, json};

const CERTIFICATE: &str = include_str!(
    "../../../procedures/enforcement_certificate/enforcement_certificate-2021-07-15.toml"
);

const INSPECTION: &str = r#"
[procedure]
code = "inspection"
name = { zh = "检查", en = "Inspection" }
version = "1"
effective = "2021-07-15"

[fields.field_area]
type = "enum"
zh = "执法领域"
values = [{ code = "market", zh = "市场监管" }, { code = "urban", zh = "城市管理" }]

[fields.officers]
type = "list"
of = "text"
zh = "执法证号"

[states.open]
zh = "立案"

[states.closed]
zh = "结案"
terminal = true

[[actions]]
code = "open"
zh = "立案"
from = ["new"]
to = "open"
roles = ["enforcement_officer"]
needs = ["field_area"]

[[actions]]
code = "gather_evidence"
zh = "调查取证"
from = ["open"]
to = "closed"
roles = ["enforcement_officer"]
needs = ["officers"]
guards = [{ certified = "officers", at_least = 2, certificates = "enforcement_certificate", covering = "field_area", message = "", basis = "行政处罚法第四十二条" }]
"#;

async fn evidence_counts_only_valid_certificates_for_the_field(engine: Engine) {
    let db = TestDb::new(engine).await;
    let district = seed_district(&db.store).await;
    let procedures = Registry::from_sources(&[
        ("certificate.toml".to_string(), CERTIFICATE.to_string()),
        ("inspection.toml".to_string(), INSPECTION.to_string()),
    ])
    .unwrap();
    let app = App::new(
        db.store.clone(),
        procedures,
        Calendar::embedded().clone(),
        AppConfig::default(),
    );
    let today = db.store.today();
    let certificate = "enforcement_certificate";
    let inspection = "inspection";
    let justice = Principal {
        user_id: "justice".into(),
        user_name: "justice".into(),
        grants: vec![Grant::new(Role::JusticeStaff, region("210212"), None).unwrap()],
    };
    let officer = Principal {
        user_id: "officer".into(),
        user_name: "officer".into(),
        grants: vec![
            Grant::new(
                Role::EnforcementOfficer,
                region("210212"),
                Some(district.market.id.clone()),
            )
            .unwrap(),
        ],
    };
    let until = (today + chrono::Duration::days(400))
        .format("%Y-%m-%d")
        .to_string();
    for (number, scope) in [
        ("21020001", "market"),
        ("21020002", "market"),
        ("21020003", "urban"),
    ] {
        app.open(Opening {
            procedure: certificate,
            action: Some("register_issued"),
            actor: Actor::User(&justice),
            region: &region("210212"),
            department: Some(district.market.id.clone()),
            fields: fields(&[
                (
                    "holder",
                    json!({"kind": "person", "name": format!("执法员{number}")}),
                ),
                ("certificate_number", json!(number)),
                ("scopes", json!([scope])),
                ("valid_from", json!("2021-01-01")),
                ("valid_until", json!(until)),
            ]),
            on: today,
            receipt: None,
        })
        .await
        .unwrap();
    }
    let case = app
        .open(Opening {
            procedure: inspection,
            action: Some("open"),
            actor: Actor::User(&officer),
            region: &region("210212"),
            department: Some(district.market.id.clone()),
            fields: fields(&[("field_area", json!("market"))]),
            on: today,
            receipt: None,
        })
        .await
        .unwrap();
    let evidence = |officers: Value| Command {
        action: "gather_evidence".into(),
        expected_version: 1,
        fields: fields(&[("officers", officers)]),
        on: today,
    };
    // One market certificate and one for another field: refused, naming the other one.
    let refused = app
        .act(
            Actor::User(&officer),
            &case.case.id,
            evidence(json!(["21020001", "21020003"])),
        )
        .await;
    let Err(AppError::Refused(refused)) = refused else {
        panic!("{refused:?}")
    };
    assert!(
        matches!(refused, Refusal::NotCertified { usable: 1, .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("21020003"), "{refused}");
    // Two market certificates: accepted.
    app.act(
        Actor::User(&officer),
        &case.case.id,
        evidence(json!(["21020001", "21020002"])),
    )
    .await
    .unwrap();
    // A certificate number is registered once in a region.
    let twice = app
        .open(Opening {
            procedure: certificate,
            action: Some("register_issued"),
            actor: Actor::User(&justice),
            region: &region("210212"),
            department: Some(district.market.id.clone()),
            fields: fields(&[
                ("holder", json!({"kind": "person", "name": "重复"})),
                ("certificate_number", json!("21020001")),
                ("scopes", json!(["market"])),
                ("valid_from", json!("2021-01-01")),
                ("valid_until", json!(until)),
            ]),
            on: today,
            receipt: None,
        })
        .await;
    assert!(
        matches!(twice, Err(AppError::Refused(Refusal::InvalidField { .. }))),
        "{twice:?}"
    );
    assert!(db.store.verify().await.unwrap().ok());
}

on_both_engines!(evidence_counts_only_valid_certificates_for_the_field);
