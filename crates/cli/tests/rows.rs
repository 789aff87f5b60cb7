//! `fazhi audit verify` proves the tables people read, not only the event log: on the demo
//! district, a staff member made administrator with one SQL statement, a password hash
//! swapped, a case's stored record or its state column edited, or a published row altered —
//! each behind the application's back, with every event left intact — is named (exit 1), and
//! once undone the store verifies again. On SQLite and on PostgreSQL.

mod common;

use common::fazhi_in;
use fazhi_store::Location;
use fazhi_store::testing::TestDb;

/// One alteration of the database: what to run, what `audit verify` must then say, and how
/// to undo it.
struct Tampering {
    sql: &'static str,
    says: &'static str,
    undo: &'static str,
}

const TAMPERINGS: &[Tampering] = &[
    Tampering {
        sql: "INSERT INTO grants (user_id, role, region, department) \
              SELECT id, 'admin', region, '' FROM users WHERE name = 'gov'",
        says: "roles (grants) differs",
        undo: "DELETE FROM grants WHERE role = 'admin' AND user_id = (SELECT id FROM users WHERE name = 'gov')",
    },
    Tampering {
        sql: "UPDATE users SET password_hash = password_hash || 'x' WHERE name = 'gov'",
        says: "password hash differs",
        undo: "UPDATE users SET password_hash = substr(password_hash, 1, length(password_hash) - 1) WHERE name = 'gov'",
    },
    Tampering {
        sql: "UPDATE cases SET snapshot = replace(snapshot, '\"state\":\"', '\"state\":\"x') \
              WHERE id = (SELECT MIN(id) FROM cases)",
        says: "its stored record differs",
        undo: "UPDATE cases SET snapshot = replace(snapshot, '\"state\":\"x', '\"state\":\"') \
               WHERE id = (SELECT MIN(id) FROM cases)",
    },
    Tampering {
        sql: "UPDATE cases SET state = state || 'x' WHERE id = (SELECT MIN(id) FROM cases)",
        says: "its state column says",
        undo: "UPDATE cases SET state = substr(state, 1, length(state) - 1) \
               WHERE id = (SELECT MIN(id) FROM cases)",
    },
    Tampering {
        sql: "UPDATE publications SET title = title || '（已更正）' \
              WHERE case_id = (SELECT MIN(case_id) FROM publications)",
        says: "published rows differ",
        undo: "UPDATE publications SET title = replace(title, '（已更正）', '') \
               WHERE case_id = (SELECT MIN(case_id) FROM publications)",
    },
];

async fn altered_rows_are_named(db: TestDb, store: &[&str]) {
    let mut demo = vec!["demo", "--no-serve"];
    demo.extend_from_slice(store);
    let seeded = fazhi_in(db.scratch(), &demo);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let mut verify = vec!["audit", "verify"];
    verify.extend_from_slice(store);
    let run = || {
        let out = fazhi_in(db.scratch(), &verify);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let (code, text) = run();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("OK:"), "{text}");
    // Every case of the demo was written with its digests.
    assert!(
        text.contains("(0 written before their events carried digests)"),
        "{text}"
    );
    for tampering in TAMPERINGS {
        assert!(db.tamper(tampering.sql).await > 0, "{}", tampering.sql);
        let (code, text) = run();
        assert_eq!(code, Some(1), "{}: {text}", tampering.sql);
        assert!(
            text.contains("TAMPERED") && text.contains(tampering.says),
            "{}: {text}",
            tampering.sql
        );
        assert!(db.tamper(tampering.undo).await > 0, "{}", tampering.undo);
        let (code, text) = run();
        assert_eq!(code, Some(0), "after undoing {}: {text}", tampering.sql);
    }
}

#[tokio::test]
async fn altered_rows_are_named_on_sqlite() {
    let db = TestDb::sqlite().await;
    let Location::DataDir(dir) = db.location.clone() else {
        unreachable!()
    };
    let dir = dir.to_str().unwrap().to_string();
    altered_rows_are_named(db, &["--data", &dir]).await;
}

#[tokio::test]
async fn altered_rows_are_named_on_postgresql() {
    let db = TestDb::postgres().await;
    let Location::Postgres(url) = db.location.clone() else {
        unreachable!()
    };
    let key_dir = db.key_dir.to_str().unwrap().to_string();
    altered_rows_are_named(db, &["--database", &url, "--key-dir", &key_dir]).await;
}
