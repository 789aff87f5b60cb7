//! The storage story on both engines: create, update, list, history, verify; optimistic
//! concurrency; the schema list against the real schema; backup and restore across engines.

mod common;

use common::*;
use fazhi_core::org::DepartmentKind;
use fazhi_store::accounts::DepartmentChange;
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, StoreError};

async fn story(engine: Engine) {
    let db = TestDb::new(engine).await;
    let store = &db.store;
    assert!(!store.has_data().await.unwrap());
    assert!(store.schema_version().await.unwrap() >= 1);
    let district = seed_district(store).await;

    // Update with the version we saw.
    let renamed = store
        .update_department(
            "user:admin",
            &district.justice.id,
            district.justice.version,
            DepartmentChange {
                name: Some("旅顺口区司法局（依法治区办）".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.version, 2);
    assert_eq!(renamed.name, "旅顺口区司法局（依法治区办）");

    // List.
    let listed = store.departments(Some(&region("210212"))).await.unwrap();
    assert_eq!(
        listed.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        ["scjgj", "sfj"]
    );
    assert_eq!(listed[1].name, renamed.name);

    // History of one record: its creation and its change, with who and what.
    let history = store
        .history(&format!("department:{}", district.justice.id))
        .await
        .unwrap();
    assert_eq!(
        history.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["department.created", "department.changed"]
    );
    assert_eq!(history[1].actor, "user:admin");
    assert!(
        history[1].payload.contains("依法治区办"),
        "{}",
        history[1].payload
    );
    assert_eq!(history[1].region, "210212");
    assert_eq!(
        history[1].seq,
        history[0].seq + 3,
        "a department and a user came in between"
    );

    // Verify: every event of both regions, chains intact.
    let report = store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
    assert_eq!(report.events(), store.count_events().await.unwrap());
    assert_eq!(
        report
            .regions
            .iter()
            .map(|r| (r.region.as_str(), r.events))
            .collect::<Vec<_>>(),
        [("210200", 1), ("210212", 5)]
    );
}

async fn stale_versions_conflict(engine: Engine) {
    let db = TestDb::new(engine).await;
    let district = seed_district(&db.store).await;
    let first = db
        .store
        .update_department(
            "user:a",
            &district.market.id,
            1,
            DepartmentChange {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!first.active);
    let events_before = db.store.count_events().await.unwrap();
    let stale = db
        .store
        .update_department(
            "user:b",
            &district.market.id,
            1,
            DepartmentChange {
                name: Some("别的名字".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { expected: 1, .. })),
        "{stale:?}"
    );
    // Nothing of the refused write was recorded.
    assert_eq!(db.store.count_events().await.unwrap(), events_before);
    let now = db
        .store
        .department(&district.market.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.name, district.market.name);
    assert_eq!(now.version, 2);
}

async fn duplicates_are_refused_without_damage(engine: Engine) {
    let db = TestDb::new(engine).await;
    seed_district(&db.store).await;
    let before = db.store.count_events().await.unwrap();
    let again = db
        .store
        .add_department(
            "system",
            &region("210212"),
            "sfj",
            "重复",
            DepartmentKind::Department,
        )
        .await;
    assert!(
        matches!(&again, Err(StoreError::Duplicate(m)) if m.contains("sfj")),
        "{again:?}"
    );
    assert_eq!(db.store.count_events().await.unwrap(), before);
    assert!(db.store.verify().await.unwrap().ok());
}

async fn the_schema_list_matches_the_database(engine: Engine) {
    let db = TestDb::new(engine).await;
    // Every table is in the list (so backups copy it), and every listed table exists.
    let mut listed: Vec<String> = TestDb::schema_list()
        .iter()
        .map(|(t, _)| t.to_string())
        .collect();
    listed.sort();
    assert_eq!(db.tables().await, listed);
    for (table, columns) in TestDb::schema_list() {
        assert_eq!(db.columns_of(table).await, columns, "table {table}");
    }
}

async fn backup_and_restore_across_engines(engine: Engine) {
    let source = TestDb::new(engine).await;
    seed_district(&source.store).await;
    source.store.checkpoint().await.unwrap();
    let file = source.scratch().join("backup.fazhi");
    let summary = source.store.backup(&file, &[]).await.unwrap();
    assert_eq!(summary.events, source.store.count_events().await.unwrap());
    assert!(
        source.store.backup(&file, &[]).await.is_err(),
        "an existing file is never overwritten"
    );
    // A backup holds every record: its owner alone reads it, as the database files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600, "the backup");
        if let Some(db) = source.location.sqlite_file() {
            assert_eq!(mode(&db), 0o600, "the database");
            let wal = db.with_extension("db-wal");
            if wal.exists() {
                assert_eq!(mode(&wal), 0o600, "its write-ahead log");
            }
        }
    }

    let other = match engine {
        Engine::Sqlite => Engine::Postgres,
        Engine::Postgres => Engine::Sqlite,
    };
    let target = TestDb::new(other).await;
    // The target uses the source's key folder, as an installation moving engines would.
    let target_store = fazhi_store::Store::open(fazhi_store::OpenOptions {
        location: target.location.clone(),
        key_dir: Some(source.key_dir.clone()),
        files_dir: None,
        clock: std::sync::Arc::new(fazhi_store::SystemClock),
    })
    .await
    .unwrap();
    let restored = target_store.restore(&file, false, &[]).await.unwrap();
    assert_eq!(restored.events(), summary.events);
    let report = target_store.verify().await.unwrap();
    assert!(report.ok(), "{:?}", report.fault);
    assert!(report.trusted_key);
    assert_eq!(
        report.regions.iter().map(|r| r.checkpoints).sum::<usize>(),
        2
    );
    assert_eq!(
        target_store
            .user_by_name("admin")
            .await
            .unwrap()
            .unwrap()
            .grants
            .len(),
        1
    );

    // A store with data is not overwritten without --force...
    let refused = target_store.restore(&file, false, &[]).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("--force")),
        "{refused:?}"
    );
    // ...and with it, the result is the backup again, not a mixture.
    target_store
        .add_department(
            "system",
            &region("210212"),
            "new",
            "新部门",
            DepartmentKind::Other,
        )
        .await
        .unwrap();
    target_store.restore(&file, true, &[]).await.unwrap();
    // The backup's events, and the restore's own record on the installation's chain.
    assert_eq!(
        target_store.count_events().await.unwrap(),
        summary.events + 1
    );
    assert!(target_store.verify().await.unwrap().ok());
}

async fn a_backup_that_is_not_one_is_refused(engine: Engine) {
    let db = TestDb::new(engine).await;
    let file = db.scratch().join("notes.txt");
    std::fs::write(&file, "这不是备份").unwrap();
    let result = db.store.restore(&file, false, &[]).await;
    assert!(
        matches!(&result, Err(StoreError::Invalid(m)) if m.contains("不是 Fazhi 备份文件")),
        "{result:?}"
    );
    let missing = db
        .store
        .restore(&db.scratch().join("none"), false, &[])
        .await;
    assert!(matches!(&missing, Err(StoreError::Invalid(m)) if m.contains("不存在")));
}

/// A backup made before migration 0007 (no `alerted` nor `assignee` column on cases, no report
/// texts) restores
/// into today's schema: restore copies from a checked copy that opening has migrated.
async fn a_backup_from_an_older_fazhi_restores(engine: Engine) {
    let source = TestDb::new(Engine::Sqlite).await;
    seed_district(&source.store).await;
    let file = source.scratch().join("old.fazhi");
    let summary = source.store.backup(&file, &[]).await.unwrap();
    {
        use sqlx::ConnectOptions;
        let mut old = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&file)
            .connect()
            .await
            .unwrap();
        for step in [
            "DROP TABLE case_reads",
            "ALTER TABLE api_tokens DROP COLUMN expires_at",
            "DROP TABLE figure_builds",
            "DROP TABLE figure_members",
            "DROP TABLE report_texts",
            "DROP INDEX cases_assignee",
            "ALTER TABLE cases DROP COLUMN assignee",
            "ALTER TABLE notifications DROP COLUMN params",
            "DROP INDEX cases_alert_pending",
            "ALTER TABLE cases DROP COLUMN alerted",
            "DELETE FROM _sqlx_migrations WHERE version >= 7",
        ] {
            sqlx::query(step).execute(&mut old).await.unwrap();
        }
    }
    let target = TestDb::new(engine).await;
    let latest = target.store.schema_version().await.unwrap();
    assert!(latest >= 7);
    let restored = target.store.restore(&file, false, &[]).await.unwrap();
    assert_eq!(restored.events(), summary.events);
    assert_eq!(target.store.schema_version().await.unwrap(), latest);
    assert!(target.store.verify().await.unwrap().ok());
    assert!(target.store.user_by_name("admin").await.unwrap().is_some());
}

on_both_engines!(
    story,
    a_backup_from_an_older_fazhi_restores,
    stale_versions_conflict,
    duplicates_are_refused_without_damage,
    the_schema_list_matches_the_database,
    backup_and_restore_across_engines,
    a_backup_that_is_not_one_is_refused,
);
