//! `verify` against every kind of tampering, on both engines; checkpoints; concurrent writers.

mod common;

use common::*;
use fazhi_core::event::{EventFields, GENESIS_HASH, chain_hash};
use fazhi_core::{NewEvent, Subject, Timestamp};
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, WriteBatch};
use serde_json::json;

/// A district with ten notes appended to its chain (events 5..=14 of region 210212).
async fn district_with_notes(engine: Engine) -> TestDb {
    let db = TestDb::new(engine).await;
    seed_district(&db.store).await;
    add_notes(&db, 0, 10).await;
    assert!(db.store.verify().await.unwrap().ok());
    db
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SQL for a byte string literal on either engine.
fn blob(engine: Engine, bytes: &[u8]) -> String {
    match engine {
        Engine::Sqlite => format!("X'{}'", hex(bytes)),
        Engine::Postgres => format!("'\\x{}'::bytea", hex(bytes)),
    }
}

async fn fault_of(db: &TestDb) -> fazhi_store::audit::Fault {
    let report = db.store.verify().await.unwrap();
    report.fault.expect("verify must find the tampering")
}

async fn changed_event(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.tamper(
        "UPDATE events SET payload = '{\"text\":\"篡改\"}' WHERE region = '210212' AND seq = 8",
    )
    .await;
    let fault = fault_of(&db).await;
    assert_eq!((fault.region.as_str(), fault.seq), ("210212", Some(8)));
    assert!(fault.what.contains("altered"), "{fault}");
}

async fn changed_actor_or_time(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.tamper("UPDATE events SET at_us = at_us - 1000000 WHERE region = '210212' AND seq = 6")
        .await;
    let fault = fault_of(&db).await;
    assert_eq!(fault.seq, Some(6), "{fault}");
}

async fn deleted_event(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.tamper("DELETE FROM events WHERE region = '210212' AND seq = 7")
        .await;
    let fault = fault_of(&db).await;
    assert_eq!(fault.seq, Some(8), "{fault}");
    assert!(fault.what.contains("event 7 is missing"), "{fault}");
}

async fn deleted_last_events(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.tamper("DELETE FROM events WHERE region = '210212' AND seq >= 13")
        .await;
    let fault = fault_of(&db).await;
    assert_eq!(fault.region, "210212");
    assert_eq!(fault.seq, Some(13), "{fault}");
    assert!(fault.what.contains("height 14"), "{fault}");
}

async fn deleted_whole_region(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.tamper("DELETE FROM events WHERE region = '210200'")
        .await;
    let fault = fault_of(&db).await;
    assert_eq!(fault.region, "210200", "{fault}");
}

async fn inserted_event(engine: Engine) {
    let db = district_with_notes(engine).await;
    // Make room at 9 by renumbering the later events, then insert a well-formed forged event
    // that links correctly to event 8.
    db.tamper("UPDATE events SET seq = seq + 1000 WHERE region = '210212' AND seq >= 9")
        .await;
    db.tamper("UPDATE events SET seq = seq - 999 WHERE region = '210212' AND seq >= 1000")
        .await;
    let eight = db.store.history("note:3").await.unwrap().pop().unwrap();
    assert_eq!(eight.seq, 8);
    let forged_payload = r#"{"text":"伪造"}"#;
    let at = Timestamp(eight.at.0 + 1);
    let hash = chain_hash(
        &eight.hash,
        &EventFields {
            region: "210212",
            seq: 9,
            subject: "note:forged",
            kind: "note.added",
            actor: "user:clerk",
            at,
            payload: forged_payload,
        },
    );
    db.tamper(&format!(
        "INSERT INTO events (region, seq, subject, kind, actor, at_us, payload, prev_hash, hash) \
         VALUES ('210212', 9, 'note:forged', 'note.added', 'user:clerk', {}, '{forged_payload}', {}, {})",
        at.0,
        blob(engine, &eight.hash),
        blob(engine, &hash)
    ))
    .await;
    let fault = fault_of(&db).await;
    assert_eq!(
        fault.seq,
        Some(10),
        "the event after the forgery no longer links: {fault}"
    );
    assert!(
        fault.what.contains("inserted, removed or reordered"),
        "{fault}"
    );
}

async fn reordered_events(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.tamper("UPDATE events SET seq = 1000 WHERE region = '210212' AND seq = 9")
        .await;
    db.tamper("UPDATE events SET seq = 9 WHERE region = '210212' AND seq = 10")
        .await;
    db.tamper("UPDATE events SET seq = 10 WHERE region = '210212' AND seq = 1000")
        .await;
    let fault = fault_of(&db).await;
    assert_eq!(fault.seq, Some(9), "{fault}");
}

/// Someone who rewrites an event and recomputes every later hash (and the head) leaves a
/// consistent chain; only the signed checkpoint shows it.
async fn rewritten_history_fails_the_checkpoint(engine: Engine) {
    let db = district_with_notes(engine).await;
    let made = db.store.checkpoint().await.unwrap();
    assert_eq!(made.len(), 2);
    assert!(
        db.store.checkpoint().await.unwrap().is_empty(),
        "nothing new to checkpoint"
    );
    assert!(db.store.verify().await.unwrap().ok());

    let mut events = db.store.recent_events("210212", 100).await.unwrap();
    events.reverse();
    let mut prev = GENESIS_HASH;
    for mut event in events {
        if event.seq == 6 {
            event.payload = r#"{"text":"改写"}"#.into();
        }
        event.prev_hash = prev;
        event.hash = event.recompute_hash();
        prev = event.hash;
        db.tamper(&format!(
            "UPDATE events SET payload = '{}', prev_hash = {}, hash = {} WHERE region = '210212' AND seq = {}",
            event.payload,
            blob(engine, &event.prev_hash),
            blob(engine, &event.hash),
            event.seq
        ))
        .await;
    }
    db.tamper(&format!(
        "UPDATE chain_heads SET hash = {} WHERE region = '210212'",
        blob(engine, &prev)
    ))
    .await;
    let fault = fault_of(&db).await;
    assert_eq!(fault.seq, Some(14), "{fault}");
    assert!(fault.what.contains("history was rewritten"), "{fault}");
}

async fn altered_checkpoint(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.store.checkpoint().await.unwrap();
    db.tamper("UPDATE checkpoints SET at_us = at_us + 1 WHERE region = '210212'")
        .await;
    let fault = fault_of(&db).await;
    assert!(fault.what.contains("invalid signature"), "{fault}");
}

async fn checkpoint_signed_by_another_key(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.store.checkpoint().await.unwrap();
    let other = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let checkpoints = db.store.checkpoints().await.unwrap();
    let c = checkpoints.iter().find(|c| c.region == "210212").unwrap();
    let signature = fazhi_core::checkpoint::sign(&other, &c.region, c.height, &c.head, c.at);
    db.tamper(&format!(
        "UPDATE checkpoints SET public_key = {}, signature = {} WHERE region = '210212'",
        blob(engine, &other.verifying_key().to_bytes()),
        blob(engine, &signature)
    ))
    .await;
    let fault = fault_of(&db).await;
    assert!(fault.what.contains("not this installation's"), "{fault}");
}

async fn concurrent_writers_lose_nothing(engine: Engine) {
    let db = TestDb::new(engine).await;
    seed_district(&db.store).await;
    let mut tasks = Vec::new();
    for writer in 0..100 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..10 {
                let subject = format!("note:{writer}-{n}");
                let committed = store
                    .submit(WriteBatch::new().event(NewEvent::new(
                        region("210212"),
                        Subject(subject.clone()),
                        "note.added",
                        &format!("user:w{writer}"),
                        json!({"writer": writer, "n": n}),
                    )))
                    .await
                    .unwrap();
                acknowledged.push((subject, committed.events[0].seq));
            }
            acknowledged
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    assert_eq!(all.len(), 1000);
    let mut seqs: Vec<i64> = all.iter().map(|(_, s)| *s).collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(
        seqs.len(),
        1000,
        "every acknowledged event has its own place"
    );
    for (subject, seq) in all.iter().step_by(37) {
        let history = db.store.history(subject).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].seq, *seq);
    }
    // After a restart (a new store on the same database) everything is still there.
    db.store.close().await;
    let reopened = db
        .reopen(std::sync::Arc::new(fazhi_store::SystemClock))
        .await;
    let report = reopened.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
    assert_eq!(reopened.count_events().await.unwrap(), 1000 + 5);
}

on_both_engines!(
    verify_and_checkpoint_while_writes_continue,
    changed_event,
    changed_actor_or_time,
    deleted_event,
    deleted_last_events,
    deleted_whole_region,
    inserted_event,
    reordered_events,
    rewritten_history_fails_the_checkpoint,
    altered_checkpoint,
    checkpoint_signed_by_another_key,
    concurrent_writers_lose_nothing,
);

async fn cutting_history_back_with_its_checkpoints_is_caught(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.store.checkpoint().await.unwrap();
    let events = db.store.recent_events("210212", 100).await.unwrap();
    let twelve = events.iter().find(|e| e.seq == 12).unwrap();
    db.tamper("DELETE FROM events WHERE region = '210212' AND seq > 12")
        .await;
    db.tamper(&format!(
        "UPDATE chain_heads SET height = 12, hash = {} WHERE region = '210212'",
        blob(engine, &twelve.hash)
    ))
    .await;
    db.tamper("DELETE FROM checkpoints WHERE region = '210212'")
        .await;
    let fault = fault_of(&db).await;
    assert_eq!(
        (fault.region.as_str(), fault.seq),
        ("210212", Some(14)),
        "{fault}"
    );
    assert!(fault.what.contains("missing from the database"), "{fault}");
}

async fn a_tampered_chain_is_never_signed(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.tamper("UPDATE events SET payload = '{}' WHERE region = '210212' AND seq = 7")
        .await;
    let refused = db.store.checkpoint().await;
    assert!(
        matches!(&refused, Err(fazhi_store::StoreError::Invalid(m)) if m.contains("拒绝签署")),
        "{refused:?}"
    );
    assert!(db.store.checkpoints().await.unwrap().is_empty());
}

async fn add_notes(db: &TestDb, from: usize, n: usize) {
    for i in from..from + n {
        db.store
            .submit(WriteBatch::new().event(NewEvent::new(
                region("210212"),
                Subject::new("note", &i.to_string()),
                "note.added",
                "user:clerk",
                json!({"text": format!("第{i}条记录")}),
            )))
            .await
            .unwrap();
    }
}

/// A new checkpoint walks only what was written since the region's last one: tampering there
/// is refused; what lies before it is already signed, and `verify` (the full proof) names it.
async fn a_checkpoint_checks_what_came_since_the_last_one(engine: Engine) {
    let db = district_with_notes(engine).await;
    let first = db.store.checkpoint().await.unwrap();
    let signed_height = |cs: &[fazhi_store::audit::Checkpoint]| {
        cs.iter().find(|c| c.region == "210212").map(|c| c.height)
    };
    assert_eq!(signed_height(&first), Some(14));
    assert!(
        db.store.checkpoint().await.unwrap().is_empty(),
        "nothing new, nothing to sign"
    );
    add_notes(&db, 10, 3).await;
    let recent = db.store.verify_since_checkpoints().await.unwrap();
    assert!(recent.ok(), "{:?}", recent.fault);
    assert_eq!(recent.heads["210212"].0, 17);

    // Tampering after the last checkpoint: never signed.
    db.tamper("UPDATE events SET payload = '{}' WHERE region = '210212' AND seq = 16")
        .await;
    let refused = db.store.checkpoint().await;
    assert!(
        matches!(&refused, Err(fazhi_store::StoreError::Invalid(m)) if m.contains("拒绝签署") && m.contains("event 16")),
        "{refused:?}"
    );
    assert_eq!(
        db.store
            .checkpoints()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.region == "210212")
            .count(),
        1
    );
}

/// The checkpoint a new one starts from must itself be genuine: a forged head in the
/// checkpoints table (signature no longer matching) stops signing.
async fn a_forged_last_checkpoint_stops_signing(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.store.checkpoint().await.unwrap();
    add_notes(&db, 10, 2).await;
    db.tamper(&format!(
        "UPDATE checkpoints SET head = {} WHERE region = '210212'",
        blob(engine, &[7u8; 32])
    ))
    .await;
    let refused = db.store.checkpoint().await;
    assert!(
        matches!(&refused, Err(fazhi_store::StoreError::Invalid(m)) if m.contains("拒绝签署")),
        "{refused:?}"
    );
}

async fn a_restored_store_keeps_its_key(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.store.checkpoint().await.unwrap();
    let file = db.scratch().join("b.fazhi");
    db.store.backup(&file, &[]).await.unwrap();
    // Restored somewhere without the key folder: no new key may be made behind the operator's back.
    let elsewhere = TestDb::new(Engine::Sqlite).await;
    let keyless = fazhi_store::Store::open(fazhi_store::OpenOptions {
        files_dir: None,
        location: elsewhere.location.clone(),
        key_dir: Some(elsewhere.scratch().join("new-keys")),
        clock: std::sync::Arc::new(fazhi_store::SystemClock),
    })
    .await
    .unwrap();
    keyless.restore(&file, false, &[]).await.unwrap();
    let refused = keyless.checkpoint().await;
    assert!(
        matches!(&refused, Err(fazhi_store::StoreError::Invalid(m)) if m.contains("checkpoint.key")),
        "{refused:?}"
    );
}

async fn a_tampered_backup_is_refused_before_anything_changes(engine: Engine) {
    let db = district_with_notes(engine).await;
    let file = db.scratch().join("b.fazhi");
    db.store.backup(&file, &[]).await.unwrap();
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect_with(
            &sqlx::sqlite::SqliteConnectOptions::new().filename(&file),
        )
        .await
        .unwrap();
        sqlx::query("UPDATE events SET actor = 'user:mallory' WHERE seq = 3")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let target = TestDb::new(engine).await;
    seed_district(&target.store).await;
    let before = target.store.count_events().await.unwrap();
    let refused = target.store.restore(&file, true, &[]).await;
    assert!(
        matches!(&refused, Err(fazhi_store::StoreError::Invalid(m)) if m.contains("未做任何改动")),
        "{refused:?}"
    );
    assert_eq!(target.store.count_events().await.unwrap(), before);
    assert!(target.store.verify().await.unwrap().ok());
}

/// A server keeps writing while verify and checkpoint run: neither sees a half-written state
/// as tampering, and a checkpoint signs only what was verified.
async fn verify_and_checkpoint_while_writes_continue(engine: Engine) {
    let db = district_with_notes(engine).await;
    let writer = {
        let store = db.store.clone();
        tokio::spawn(async move {
            for i in 0..300 {
                store
                    .submit(WriteBatch::new().event(NewEvent::new(
                        region("210212"),
                        Subject::new("note", &format!("w{i}")),
                        "note.added",
                        "user:clerk",
                        json!({"text": i}),
                    )))
                    .await
                    .unwrap();
            }
        })
    };
    for _ in 0..10 {
        let report = db.store.verify().await.unwrap();
        assert!(report.ok(), "{:?}", report.fault);
        db.store.checkpoint().await.unwrap();
    }
    writer.await.unwrap();
    let report = db.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
}

/// Restoring an older backup into its own installation: the checkpoints signed since the
/// backup are recorded as superseded by the restore (an `audit.restored` event), so the store
/// verifies, signs again and verifies again — instead of failing verification for good.
async fn an_older_backup_restored_in_place_verifies(engine: Engine) {
    let db = district_with_notes(engine).await;
    db.store.checkpoint().await.unwrap();
    let file = db.scratch().join("older.fazhi");
    db.store.backup(&file, &[]).await.unwrap();
    add_notes(&db, 10, 5).await;
    db.store.checkpoint().await.unwrap();
    let summary = db.store.restore(&file, true, &[]).await.unwrap();
    assert!(summary.superseded >= 1, "{summary:?}");
    let report = db.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
    let restored = db
        .store
        .history("store:restore")
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "audit.restored")
        .expect("the restore is on the chain");
    assert!(
        restored.payload.contains("older.fazhi"),
        "{}",
        restored.payload
    );
    // Work goes on: new events at the heights the superseded checkpoints had signed.
    add_notes(&db, 20, 8).await;
    db.store.checkpoint().await.unwrap();
    assert!(db.store.verify().await.unwrap().ok());
    // Without the restore's record, the missing checkpoints are still caught.
    db.tamper("DELETE FROM checkpoints").await;
    assert!(!db.store.verify().await.unwrap().ok());
}

/// A restore replaces every row: it refuses while a server holds the store, and changes
/// nothing; once the server is gone it goes ahead. A server cannot start during a restore.
async fn a_restore_refuses_under_a_running_server(engine: Engine) {
    let db = district_with_notes(engine).await;
    let file = db.scratch().join("b.fazhi");
    db.store.backup(&file, &[]).await.unwrap();
    add_notes(&db, 10, 3).await;
    let before = db.store.count_events().await.unwrap();
    let server = db.store.hold_for_serving().await.unwrap();
    let refused = db.store.restore(&file, true, &[]).await;
    assert!(
        matches!(&refused, Err(fazhi_store::StoreError::Invalid(m)) if m.contains("正在使用这个库")),
        "{refused:?}"
    );
    assert_eq!(db.store.count_events().await.unwrap(), before);
    // A second server may run beside the first.
    let second = db
        .reopen(std::sync::Arc::new(fazhi_store::SystemClock))
        .await;
    let _also = second.hold_for_serving().await.unwrap();
    drop(_also);
    second.close().await;
    server.release().await;
    db.store.restore(&file, true, &[]).await.unwrap();
    assert!(db.store.count_events().await.unwrap() < before);
}

/// A backup carries the installation's own definitions and report files; a restore writes
/// them into this installation's folders (a path leaving its folder is refused).
async fn a_backup_carries_the_installations_own_folders(engine: Engine) {
    let db = district_with_notes(engine).await;
    let source = db.scratch().join("procedures");
    std::fs::create_dir_all(source.join("sample_permit")).unwrap();
    std::fs::write(
        source.join("sample_permit/sample_permit-2024-01-01.toml"),
        "code = 'x'\n",
    )
    .unwrap();
    let file = db.scratch().join("carried.fazhi");
    let folders = [fazhi_store::backup::Folder {
        name: "procedures",
        dir: &source,
    }];
    db.store.backup(&file, &folders).await.unwrap();
    let target = TestDb::new(engine).await;
    let here = target.scratch().join("my-procedures");
    let summary = target
        .store
        .restore(
            &file,
            false,
            &[fazhi_store::backup::Folder {
                name: "procedures",
                dir: &here,
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        summary.carried,
        vec![("procedures".to_string(), 1, Some(here.clone()))]
    );
    assert_eq!(
        std::fs::read_to_string(here.join("sample_permit/sample_permit-2024-01-01.toml")).unwrap(),
        "code = 'x'\n"
    );
    // Restored where no such folder is configured: counted, written nowhere.
    let bare = TestDb::new(engine).await;
    let summary = bare.store.restore(&file, false, &[]).await.unwrap();
    assert_eq!(summary.carried, vec![("procedures".to_string(), 1, None)]);
}

on_both_engines!(
    a_checkpoint_checks_what_came_since_the_last_one,
    a_forged_last_checkpoint_stops_signing,
    cutting_history_back_with_its_checkpoints_is_caught,
    a_tampered_chain_is_never_signed,
    a_restored_store_keeps_its_key,
    a_tampered_backup_is_refused_before_anything_changes,
    an_older_backup_restored_in_place_verifies,
    a_restore_refuses_under_a_running_server,
    a_backup_carries_the_installations_own_folders,
);

/// SQLite keeps whatever bytes it is given as TEXT (PostgreSQL refuses bad UTF-8 itself):
/// verification names the event instead of stopping with a decoding error.
#[tokio::test]
async fn text_that_is_not_utf8_is_named() {
    let db = district_with_notes(Engine::Sqlite).await;
    // The first two bytes of 法 (E6 B3 95), cut short.
    db.tamper(
        "UPDATE events SET actor = CAST(X'E6B3' AS TEXT) WHERE region = '210212' AND seq = 9",
    )
    .await;
    let fault = fault_of(&db).await;
    assert_eq!((fault.region.as_str(), fault.seq), ("210212", Some(9)));
    assert!(fault.what.contains("UTF-8"), "{fault}");
}

/// Verification hands rows over in batches: a chain longer than a batch, with the altered
/// event beyond the first, is checked across the hand-over and the fault still named exactly.
#[tokio::test]
async fn a_fault_beyond_the_first_batch_is_named() {
    let db = TestDb::new(Engine::Sqlite).await;
    seed_district(&db.store).await;
    let mut batch = WriteBatch::new();
    for i in 0..5_000 {
        batch = batch.event(NewEvent::new(
            region("210212"),
            Subject::new("note", &i.to_string()),
            "note.added",
            "user:clerk",
            json!({"text": format!("第{i}条记录")}),
        ));
    }
    db.store.submit(batch).await.unwrap();
    let report = db.store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
    assert_eq!(report.events(), db.store.count_events().await.unwrap());
    db.tamper(
        "UPDATE events SET payload = '{\"text\":\"篡改\"}' WHERE region = '210212' AND seq = 4500",
    )
    .await;
    let fault = fault_of(&db).await;
    assert_eq!((fault.region.as_str(), fault.seq), ("210212", Some(4500)));
}
