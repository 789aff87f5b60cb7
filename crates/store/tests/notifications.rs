//! Notifications on both engines: in-app notifications written with their cause, read and
//! unread, only by their owner; the outbox's back-off schedule, giving up after ten tries,
//! every try recorded, never offered again once sent, and all of it kept across a restart.

mod common;

use common::*;
use fazhi_core::org::{Grant, Role, UserName};
use fazhi_core::{NewEvent, Subject, Timestamp};
use fazhi_store::accounts::NewUser;
use fazhi_store::cases::NoticeRow;
use fazhi_store::notifications::{EMAIL, MAX_ATTEMPTS, OutboxStatus, WEBHOOK, retry_delay_seconds};
use fazhi_store::testing::TestDb;
use fazhi_store::{Engine, ManualClock, StoreError};
use serde_json::json;
use std::sync::Arc;

const START: Timestamp = Timestamp(1_760_000_000_000_000);
const MINUTE_US: i64 = 60_000_000;

fn assigned(case: &str) -> NewEvent {
    NewEvent::new(
        region("210212"),
        Subject::new("case", case),
        "case.assigned",
        "user:admin",
        json!({"to": "clerk"}),
    )
}

async fn in_app_notifications(engine: Engine) {
    let clock = Arc::new(ManualClock::new(START));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    let store = &db.store;
    let district = seed_district(store).await;
    let admin = district.admin.id.clone();
    let clerk = store
        .add_user(
            "system",
            NewUser {
                name: UserName::parse("clerk").unwrap(),
                display_name: "窗口人员".into(),
                region: region("210212"),
                password: "correct horse battery".into(),
                grants: vec![
                    Grant::new(
                        Role::WindowClerk,
                        region("210212"),
                        Some(district.market.id.clone()),
                    )
                    .unwrap(),
                ],
            },
        )
        .await
        .unwrap()
        .id;

    let events_before = store.count_events().await.unwrap();
    for (i, case) in ["c1", "c2", "c3"].iter().enumerate() {
        clock.advance_seconds(60);
        let row = store.notification_row(
            &region("210212"),
            &format!("case:{case}"),
            &NoticeRow {
                user_id: clerk.clone(),
                kind: "case.assigned".into(),
                title: format!("案件已分配给您（{}）", i + 1),
                body: "请在期限内办理。".into(),
                link: format!("/console/cases/{case}"),
                params: None,
            },
        );
        store.notify(vec![row], assigned(case)).await.unwrap();
    }
    // Each notification came with its cause, in the same commit.
    assert_eq!(store.count_events().await.unwrap(), events_before + 3);
    assert_eq!(store.history("case:c2").await.unwrap().len(), 1);

    let all = store.notifications_for(&clerk, false, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|n| n.subject.as_str()).collect::<Vec<_>>(),
        ["case:c3", "case:c2", "case:c1"],
        "newest first"
    );
    assert_eq!(all[0].title, "案件已分配给您（3）");
    assert_eq!(all[0].link, "/console/cases/c3");
    assert_eq!(all[0].region, "210212");
    assert_eq!(all[0].created_at, Timestamp(START.0 + 3 * MINUTE_US));
    assert!(all.iter().all(|n| n.read_at.is_none()));
    assert_eq!(store.unread_count(&clerk).await.unwrap(), 3);
    assert_eq!(
        store
            .notifications_for(&clerk, false, 2)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .notifications_for(&admin, false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.unread_count(&admin).await.unwrap(), 0);

    // Another user cannot mark them read, nor can anyone mark an unknown one.
    let c2 = all[1].id.clone();
    assert!(matches!(
        store.mark_read(&admin, &c2).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.mark_read(&clerk, "no-such-id").await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.unread_count(&clerk).await.unwrap(), 3);

    // The owner can; doing it twice keeps the first time.
    clock.advance_seconds(60);
    store.mark_read(&clerk, &c2).await.unwrap();
    let read_at = Timestamp(START.0 + 4 * MINUTE_US);
    clock.advance_seconds(60);
    store.mark_read(&clerk, &c2).await.unwrap();
    assert_eq!(store.unread_count(&clerk).await.unwrap(), 2);
    let unread = store.notifications_for(&clerk, true, 10).await.unwrap();
    assert_eq!(
        unread
            .iter()
            .map(|n| n.subject.as_str())
            .collect::<Vec<_>>(),
        ["case:c3", "case:c1"]
    );
    let all = store.notifications_for(&clerk, false, 10).await.unwrap();
    assert_eq!(all[1].read_at, Some(read_at));

    assert_eq!(store.mark_all_read(&clerk).await.unwrap(), 2);
    assert_eq!(store.unread_count(&clerk).await.unwrap(), 0);
    assert_eq!(store.mark_all_read(&clerk).await.unwrap(), 0);
    let all = store.notifications_for(&clerk, false, 10).await.unwrap();
    assert_eq!(
        all[1].read_at,
        Some(read_at),
        "marking all kept the first time"
    );

    // A notification for nobody fails its whole batch: no event without its rows.
    let before = store.count_events().await.unwrap();
    let orphan = store.notification_row(
        &region("210212"),
        "case:c4",
        &NoticeRow {
            user_id: "no-such-user".into(),
            kind: "case.assigned".into(),
            title: "—".into(),
            body: "—".into(),
            link: "/".into(),
            params: None,
        },
    );
    assert!(store.notify(vec![orphan], assigned("c4")).await.is_err());
    assert_eq!(store.count_events().await.unwrap(), before);
    assert!(store.verify().await.unwrap().ok());
}

async fn outbox_backs_off_and_gives_up(engine: Engine) {
    let clock = Arc::new(ManualClock::new(START));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    let store = &db.store;
    seed_district(store).await;
    let row = store.outbox_row(
        WEBHOOK,
        "http://127.0.0.1:9/hook",
        "案件状态变更",
        r#"{"case":"c1","state":"accepted"}"#,
    );
    store.notify(vec![row], assigned("c1")).await.unwrap();

    let due = store.due_outbox(store.now(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    let item = due[0].clone();
    assert_eq!(item.channel, WEBHOOK);
    assert_eq!(item.status, OutboxStatus::Pending);
    assert_eq!(item.attempts, 0);
    assert_eq!(item.next_attempt_at, START);
    assert_eq!(item.created_at, START);

    // A claimed item is kept from other deliverers; a stale view cannot claim it again.
    assert!(store.claim_outbox(&item).await.unwrap());
    assert!(!store.claim_outbox(&item).await.unwrap());
    assert!(store.due_outbox(store.now(), 10).await.unwrap().is_empty());

    let mut elapsed_minutes = 0;
    for failure in 1..MAX_ATTEMPTS {
        let status = store
            .record_attempt(&item.id, false, &format!("HTTP 500 (try {failure})"))
            .await
            .unwrap();
        assert_eq!(status, OutboxStatus::Pending);
        let now = store.now();
        let wait = retry_delay_seconds(failure);
        assert_eq!(wait, 60 << (failure - 1), "1 min, 2, 4, …");
        let stored = store.outbox_item(&item.id).await.unwrap().unwrap();
        assert_eq!(stored.attempts, failure);
        assert_eq!(stored.next_attempt_at.0, now.0 + wait * 1_000_000);
        assert_eq!(
            stored.last_error.as_deref(),
            Some(format!("HTTP 500 (try {failure})").as_str())
        );
        // Not due a second early; due on time.
        clock.advance_seconds(wait - 1);
        assert!(store.due_outbox(store.now(), 10).await.unwrap().is_empty());
        clock.advance_seconds(1);
        let due = store.due_outbox(store.now(), 10).await.unwrap();
        assert_eq!(due.len(), 1, "due again after {wait} s");
        assert!(store.claim_outbox(&due[0]).await.unwrap());
        elapsed_minutes += wait / 60;
    }
    assert_eq!(elapsed_minutes, 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128 + 256);

    // The tenth failure gives up.
    let status = store
        .record_attempt(&item.id, false, "connection refused")
        .await
        .unwrap();
    assert_eq!(status, OutboxStatus::Failed);
    let failed = store.outbox_item(&item.id).await.unwrap().unwrap();
    assert_eq!(failed.status, OutboxStatus::Failed);
    assert_eq!(failed.attempts, MAX_ATTEMPTS);
    assert_eq!(failed.sent_at, None);
    clock.advance_seconds(30 * 24 * 3600);
    assert!(store.due_outbox(store.now(), 10).await.unwrap().is_empty());
    assert!(matches!(
        store.record_attempt(&item.id, true, "late").await,
        Err(StoreError::Invalid(_))
    ));

    // Every try is on record.
    let attempts = store.outbox_attempts(&item.id).await.unwrap();
    assert_eq!(attempts.len(), MAX_ATTEMPTS as usize);
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        (1..=MAX_ATTEMPTS).collect::<Vec<_>>()
    );
    assert!(attempts.iter().all(|a| !a.ok));
    assert_eq!(attempts[0].detail, "HTTP 500 (try 1)");
    assert_eq!(attempts[9].detail, "connection refused");
    assert!(attempts.windows(2).all(|w| w[0].at < w[1].at));
}

async fn sent_once_and_kept_across_a_restart(engine: Engine) {
    let clock = Arc::new(ManualClock::new(START));
    let db = TestDb::with_clock(engine, clock.clone()).await;
    seed_district(&db.store).await;
    let email = db.store.outbox_row(
        EMAIL,
        "zhangsan@example.invalid",
        "您的申请已受理",
        "您好：……",
    );
    let hook = db.store.outbox_row(
        WEBHOOK,
        "http://127.0.0.1:9/sms",
        "短信",
        r#"{"to":"13800000000"}"#,
    );
    db.store
        .notify(vec![email, hook], assigned("c1"))
        .await
        .unwrap();
    let due = db.store.due_outbox(db.store.now(), 10).await.unwrap();
    assert_eq!(due.len(), 2);
    let (email, hook) = if due[0].channel == EMAIL {
        (due[0].clone(), due[1].clone())
    } else {
        (due[1].clone(), due[0].clone())
    };
    assert_eq!(email.target, "zhangsan@example.invalid");
    assert_eq!(email.subject, "您的申请已受理");

    clock.advance_seconds(5);
    assert_eq!(
        db.store
            .record_attempt(&email.id, true, "250 OK")
            .await
            .unwrap(),
        OutboxStatus::Sent
    );
    db.store
        .record_attempt(&hook.id, false, "HTTP 503")
        .await
        .unwrap();
    // Recording the sent one again is refused: it is never delivered twice.
    assert!(matches!(
        db.store.record_attempt(&email.id, true, "again").await,
        Err(StoreError::Invalid(_))
    ));
    assert!(!db.store.claim_outbox(&email).await.unwrap());

    // A restart: a new store on the same database knows all of it.
    db.store.close().await;
    let store = db.reopen(clock.clone()).await;
    let sent = store.outbox_item(&email.id).await.unwrap().unwrap();
    assert_eq!(sent.status, OutboxStatus::Sent);
    assert_eq!(sent.attempts, 1);
    assert_eq!(sent.sent_at, Some(Timestamp(START.0 + 5_000_000)));
    assert_eq!(
        store.outbox_attempts(&email.id).await.unwrap()[0].detail,
        "250 OK"
    );
    let waiting = store.outbox_item(&hook.id).await.unwrap().unwrap();
    assert_eq!(waiting.status, OutboxStatus::Pending);
    assert_eq!(waiting.attempts, 1);
    assert_eq!(
        waiting.next_attempt_at,
        Timestamp(START.0 + 5_000_000 + MINUTE_US)
    );
    clock.advance_seconds(3600);
    let due = store.due_outbox(store.now(), 10).await.unwrap();
    assert_eq!(
        due.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        [hook.id.as_str()]
    );
    store.close().await;
}

on_both_engines!(
    in_app_notifications,
    outbox_backs_off_and_gives_up,
    sent_once_and_kept_across_a_restart,
);
