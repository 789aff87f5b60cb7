//! Formal case numbers drawn inside the write (no gaps, no duplicates under concurrency, a new
//! series each year), receipt numbers for applicants, and stored files whose bytes the event
//! chain vouches for — on both engines.

mod common;

use common::*;
use fazhi_app::cases::Opening;
use fazhi_app::{App, AppError};
use fazhi_core::engine::Actor;
use fazhi_core::procedure::Definition;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, StoreError};
use serde_json::json;
use std::collections::BTreeMap;

fn application(on: &str, name: &str) -> BTreeMap<String, serde_json::Value> {
    [
        (
            "applicant",
            json!({"kind": "person", "name": name, "phone": "13800001234"}),
        ),
        ("matter", json!("燃气经营许可")),
        ("received_on", json!(on)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

async fn open(
    app: &App,
    def: &Definition,
    department: &str,
    on: &str,
    receipt: Option<&str>,
) -> fazhi_store::cases::StoredCase {
    app.open(Opening {
        procedure: &def.code,
        action: Some("register"),
        actor: Actor::System,
        region: &region("210212"),
        department: Some(department.to_string()),
        fields: application(on, "李四"),
        on: date(on),
        receipt: receipt.map(str::to_string),
    })
    .await
    .unwrap_or_else(|r| panic!("{r}"))
}

async fn numbers_run_per_year_without_gaps(engine: Engine) {
    let db = TestDb::new(engine).await;
    let district = seed_district(&db.store).await;
    let app = sample_app(&db.store);
    let def = sample_definition();
    let market = district.market.id.clone();
    let first = open(&app, &def, &market, "2018-12-28", None).await;
    assert_eq!(first.number.as_deref(), Some("示许〔2018〕001号"));
    // Sixteen cases at once: all numbered, none twice, none skipped.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let app = app.clone();
        let def = def.clone();
        let market = market.clone();
        tasks.push(tokio::spawn(async move {
            open(&app, &def, &market, "2019-01-02", None).await
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().number.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=16).map(|n| format!("示许〔2019〕{n:03}号")).collect();
    assert_eq!(numbers, expected);
    // The number is on the case as read back, and in the chain's event.
    let again = db.store.case(&first.case.id).await.unwrap().unwrap();
    assert_eq!(again.number.as_deref(), Some("示许〔2018〕001号"));
    let events = db
        .store
        .history(&format!("case:{}", first.case.id))
        .await
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(payload["number"], json!("示许〔2018〕001号"));
    // Later steps keep the number.
    let report = db.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
}

async fn receipts_find_their_case(engine: Engine) {
    let db = TestDb::new(engine).await;
    let district = seed_district(&db.store).await;
    let app = sample_app(&db.store);
    let def = sample_definition();
    let case = open(
        &app,
        &def,
        &district.market.id,
        "2019-03-01",
        Some("R2019-ABCD-2345"),
    )
    .await;
    let found = db
        .store
        .case_by_receipt("R2019-ABCD-2345")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.case.id, case.case.id);
    assert_eq!(found.receipt.as_deref(), Some("R2019-ABCD-2345"));
    assert!(
        db.store
            .case_by_receipt("R2019-ABCD-2346")
            .await
            .unwrap()
            .is_none()
    );
    // A receipt is given once.
    let twice = app
        .open(Opening {
            procedure: &def.code,
            action: Some("register"),
            actor: Actor::System,
            region: &region("210212"),
            department: Some(district.market.id.clone()),
            fields: application("2019-03-01", "王五"),
            on: date("2019-03-01"),
            receipt: Some("R2019-ABCD-2345".into()),
        })
        .await;
    assert!(
        matches!(twice, Err(AppError::Store(StoreError::Duplicate(_)))),
        "{twice:?}"
    );
    // The failed write left nothing behind: still one case.
    let report = db.store.verify().await.unwrap();
    assert!(report.ok());
}

async fn files_are_content_addressed_and_verified(engine: Engine) {
    let db = TestDb::new(engine).await;
    seed_district(&db.store).await;
    let district = region("210212");
    let bytes = b"%PDF-1.4 scanned application".to_vec();
    let stored = db
        .store
        .put_file(&district, "user:clerk", "申请书.pdf", &bytes)
        .await
        .unwrap();
    assert_eq!(stored.sha256.len(), 64);
    assert_eq!(stored.media_type, "application/pdf");
    assert_eq!(stored.size, bytes.len() as i64);
    assert_eq!(db.store.read_file(&stored.sha256).await.unwrap(), bytes);
    let events_before = db.store.count_events().await.unwrap();
    // The same bytes under another name: no second record.
    let again = db
        .store
        .put_file(&district, "user:clerk", "副本.pdf", &bytes)
        .await
        .unwrap();
    assert_eq!(again.sha256, stored.sha256);
    assert_eq!(db.store.count_events().await.unwrap(), events_before);
    // Refusals say what is wrong.
    let exe = db
        .store
        .put_file(&district, "user:clerk", "x.exe", b"MZ")
        .await;
    assert!(
        matches!(&exe, Err(StoreError::Invalid(m)) if m.contains("x.exe")),
        "{exe:?}"
    );
    let empty = db
        .store
        .put_file(&district, "user:clerk", "空.pdf", b"")
        .await;
    assert!(
        matches!(&empty, Err(StoreError::Invalid(m)) if m.contains("空的")),
        "{empty:?}"
    );
    assert!(db.store.verify().await.unwrap().ok());

    // Bytes altered on disk: verify names the file's event, and reading refuses them.
    let path = db
        .store
        .files_dir()
        .unwrap()
        .join(&stored.sha256[..2])
        .join(&stored.sha256);
    std::fs::write(&path, b"%PDF-1.4 forged").unwrap();
    let report = db.store.verify().await.unwrap();
    let fault = report.fault.expect("the altered file is found");
    assert!(fault.what.contains("altered"), "{fault}");
    assert!(fault.seq.is_some());
    assert!(db.store.read_file(&stored.sha256).await.is_err());
    // A file removed from disk is found too.
    std::fs::remove_file(&path).unwrap();
    let fault = db.store.verify().await.unwrap().fault.unwrap();
    assert!(fault.what.contains("missing"), "{fault}");
}

on_both_engines!(
    numbers_run_per_year_without_gaps,
    receipts_find_their_case,
    files_are_content_addressed_and_verified
);
