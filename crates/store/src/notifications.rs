//! Notifications: in-app messages for staff, and the outbox of messages that leave the system
//! (email over SMTP, signed webhooks to an SMS gateway or an upper-level platform).
//!
//! Both are rows written in the same [`WriteBatch`] as the event that causes them (a case
//! assigned, a clock turning yellow or red, a request's status changing), so a notification
//! exists exactly when its cause does. Delivery of the outbox is done elsewhere (`fazhi-notify`):
//! it reads [`Store::due_outbox`], claims an item ([`Store::claim_outbox`]), sends it and records
//! the outcome with [`Store::record_attempt`], which appends to `outbox_attempts` and either marks
//! the item sent or schedules the next try with exponential back-off. All delivery state is in
//! the database, so it survives restarts; an item recorded as sent is never offered again.

use crate::batch::{RowOp, Value, WriteBatch};
use crate::db::on_db;
use crate::{Committed, Result, Store, StoreError};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Timestamp};
use serde::Serialize;

/// The outbox channel for email; the target is an address.
pub const EMAIL: &str = "email";
/// The outbox channel for signed webhooks; the target is a URL and the body JSON.
pub const WEBHOOK: &str = "webhook";

/// Tries before an outbox item is given up as failed.
pub const MAX_ATTEMPTS: i64 = 10;
/// The wait after the first failure; it doubles after each further one.
pub const FIRST_RETRY_SECONDS: i64 = 60;
/// The longest wait between two tries.
pub const MAX_RETRY_SECONDS: i64 = 6 * 3600;
/// How long a claimed item is kept from other deliverers while it is being sent.
pub const CLAIM_SECONDS: i64 = 120;
/// Attempt details and errors are cut to this many characters.
const DETAIL_CHARS: usize = 2000;

const SECOND_US: i64 = 1_000_000;

/// The wait before the next try after `failures` failed tries (1 min, 2, 4, … at most 6 h).
pub fn retry_delay_seconds(failures: i64) -> i64 {
    let doublings = (failures - 1).clamp(0, 20) as u32;
    (FIRST_RETRY_SECONDS << doublings).min(MAX_RETRY_SECONDS)
}

/// An in-app notification for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: String,
    pub user_id: String,
    pub region: String,
    /// What it is about, e.g. `case:<id>`.
    pub subject: String,
    /// What happened, e.g. `case.assigned`, `clock.due_soon`, `clock.overdue`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The notice's parameters (a JSON object), so that it can be rendered in the reader's
    /// language; `title` and `body` are the Chinese text written with it.
    pub params: Option<String>,
    /// Where to look, a path in the console.
    pub link: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting for its next try.
    Pending,
    Sent,
    /// Given up after [`MAX_ATTEMPTS`] failed tries.
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(OutboxStatus::Pending),
            "sent" => Ok(OutboxStatus::Sent),
            "failed" => Ok(OutboxStatus::Failed),
            other => Err(StoreError::Invalid(format!(
                "outbox status “{other}” is unknown"
            ))),
        }
    }
}

/// A message waiting in (or delivered from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    pub id: String,
    /// [`EMAIL`] or [`WEBHOOK`] (or another channel a deliverer knows).
    pub channel: String,
    /// An email address or a URL.
    pub target: String,
    pub subject: String,
    /// Plain text for email, JSON for webhooks.
    pub body: String,
    /// Tries made so far.
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub status: OutboxStatus,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// One recorded try to deliver an outbox item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxAttempt {
    pub attempt: i64,
    pub at: Timestamp,
    pub ok: bool,
    pub detail: String,
}

const NOTIFICATION_COLUMNS: &str =
    "id, user_id, region, subject, kind, title, body, link, created_at, read_at, params";
type NotificationRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

fn notification(row: NotificationRow) -> Notification {
    let (id, user_id, region, subject, kind, title, body, link, created_at, read_at, params) = row;
    Notification {
        id,
        user_id,
        region,
        subject,
        kind,
        title,
        body,
        params,
        link,
        created_at: Timestamp(created_at),
        read_at: read_at.map(Timestamp),
    }
}

const OUTBOX_COLUMNS: &str = "id, channel, target, subject, body, attempts, next_attempt_at, status, last_error, created_at, sent_at";
type OutboxRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<String>,
    i64,
    Option<i64>,
);

fn outbox_item(row: OutboxRow) -> Result<OutboxItem> {
    let (
        id,
        channel,
        target,
        subject,
        body,
        attempts,
        next_attempt_at,
        status,
        last_error,
        created_at,
        sent_at,
    ) = row;
    Ok(OutboxItem {
        id,
        channel,
        target,
        subject,
        body,
        attempts,
        next_attempt_at: Timestamp(next_attempt_at),
        status: OutboxStatus::parse(&status)?,
        last_error,
        created_at: Timestamp(created_at),
        sent_at: sent_at.map(Timestamp),
    })
}

fn cut(text: &str) -> String {
    text.chars().take(DETAIL_CHARS).collect()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

impl Store {
    /// The row of an in-app notification about `subject`, to put in the batch of the event
    /// that causes it.
    pub fn notification_row(
        &self,
        region: &RegionCode,
        subject: &str,
        notice: &crate::cases::NoticeRow,
    ) -> RowOp {
        RowOp::Insert {
            table: "notifications",
            values: vec![
                ("id", new_id().into()),
                ("user_id", notice.user_id.clone().into()),
                ("region", region.as_str().into()),
                ("subject", subject.into()),
                ("kind", notice.kind.clone().into()),
                ("title", notice.title.clone().into()),
                ("body", notice.body.clone().into()),
                ("link", notice.link.clone().into()),
                ("created_at", self.now().0.into()),
                ("read_at", Value::I64(None)),
                ("params", notice.params.clone().into()),
            ],
        }
    }

    /// The row of an outbox message (due at once), to put in the batch of the event that
    /// causes it. `channel` is [`EMAIL`] or [`WEBHOOK`]; `body` is JSON for webhooks.
    pub fn outbox_row(&self, channel: &str, target: &str, subject: &str, body: &str) -> RowOp {
        let now = self.now().0;
        RowOp::Insert {
            table: "outbox",
            values: vec![
                ("id", new_id().into()),
                ("channel", channel.into()),
                ("target", target.into()),
                ("subject", subject.into()),
                ("body", body.into()),
                ("attempts", 0i64.into()),
                ("next_attempt_at", now.into()),
                ("status", OutboxStatus::Pending.as_str().into()),
                ("last_error", Value::Text(None)),
                ("created_at", now.into()),
                ("sent_at", Value::I64(None)),
            ],
        }
    }

    /// Records an event together with the notification and outbox rows it causes.
    pub async fn notify(&self, rows: Vec<RowOp>, event: NewEvent) -> Result<Committed> {
        self.submit(WriteBatch {
            events: vec![event],
            ops: rows,
            number: None,
        })
        .await
    }

    /// A user's notifications, newest first.
    pub async fn notifications_for(
        &self,
        user_id: &str,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        let unread = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1{unread} \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let rows: Vec<NotificationRow> = on_db!(&self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(user_id.to_string())
                .bind(limit.max(0))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(notification).collect())
    }

    pub async fn unread_count(&self, user_id: &str) -> Result<i64> {
        on_db!(&self.db, pool => {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
            )
            .bind(user_id.to_string())
            .fetch_one(pool)
            .await?)
        })
    }

    /// Marks one of the user's own notifications read. Another user's, or an unknown one, is
    /// [`StoreError::NotFound`] (the two are not told apart). Marking it again changes nothing.
    pub async fn mark_read(&self, user_id: &str, id: &str) -> Result<()> {
        let read_at: Option<Option<i64>> = on_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT read_at FROM notifications WHERE id = $1 AND user_id = $2")
                .bind(id.to_string())
                .bind(user_id.to_string())
                .fetch_optional(pool)
                .await?
        });
        match read_at {
            None => Err(StoreError::NotFound(format!("通知 {id}"))),
            Some(Some(_)) => Ok(()),
            Some(None) => {
                self.submit(WriteBatch::new().update(
                    "notifications",
                    vec![("id", id.into()), ("user_id", user_id.into())],
                    vec![("read_at", self.now().0.into())],
                    None,
                ))
                .await?;
                Ok(())
            }
        }
    }

    /// Marks all of a user's unread notifications read; returns how many.
    pub async fn mark_all_read(&self, user_id: &str) -> Result<usize> {
        let ids: Vec<String> = on_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT id FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                .bind(user_id.to_string())
                .fetch_all(pool)
                .await?
        });
        if ids.is_empty() {
            return Ok(0);
        }
        let now = self.now().0;
        let n = ids.len();
        let mut batch = WriteBatch::new();
        for id in ids {
            batch = batch.update(
                "notifications",
                vec![("id", id.into()), ("user_id", user_id.into())],
                vec![("read_at", now.into())],
                None,
            );
        }
        self.submit(batch).await?;
        Ok(n)
    }

    /// Pending outbox items whose next try is due at `now`, the longest waiting first.
    pub async fn due_outbox(&self, now: Timestamp, limit: i64) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2"
        );
        let rows: Vec<OutboxRow> = on_db!(&self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now.0)
                .bind(limit.max(0))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(outbox_item).collect()
    }

    pub async fn outbox_item(&self, id: &str) -> Result<Option<OutboxItem>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1");
        let row: Option<OutboxRow> = on_db!(&self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
        });
        row.map(outbox_item).transpose()
    }

    /// Every recorded try of an outbox item, in order.
    pub async fn outbox_attempts(&self, id: &str) -> Result<Vec<OutboxAttempt>> {
        let rows: Vec<(i64, i64, bool, String)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT attempt, at_us, ok, detail FROM outbox_attempts WHERE outbox_id = $1 ORDER BY attempt",
            )
            .bind(id.to_string())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(attempt, at, ok, detail)| OutboxAttempt {
                attempt,
                at: Timestamp(at),
                ok,
                detail,
            })
            .collect())
    }

    /// Takes a due item for sending: pushes its next try [`CLAIM_SECONDS`] ahead, if it is
    /// still as `item` shows it. False if another deliverer took it or it changed meanwhile.
    /// A deliverer that stops after claiming leaves the item to be tried again after the claim.
    pub async fn claim_outbox(&self, item: &OutboxItem) -> Result<bool> {
        let until = self.now().0 + CLAIM_SECONDS * SECOND_US;
        let batch = WriteBatch::new().update(
            "outbox",
            vec![
                ("id", item.id.clone().into()),
                ("status", OutboxStatus::Pending.as_str().into()),
                ("attempts", item.attempts.into()),
                ("next_attempt_at", item.next_attempt_at.0.into()),
            ],
            vec![("next_attempt_at", until.into())],
            None,
        );
        match self.submit(batch).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Records a try to deliver a pending item: the item is sent (`ok`), or waits for its next
    /// try ([`retry_delay_seconds`]), or has failed for good after [`MAX_ATTEMPTS`] tries.
    /// Returns its new status. An item no longer pending is [`StoreError::Invalid`].
    pub async fn record_attempt(&self, id: &str, ok: bool, detail: &str) -> Result<OutboxStatus> {
        let item = self
            .outbox_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("outbox {id}")))?;
        if item.status != OutboxStatus::Pending {
            return Err(StoreError::Invalid(format!(
                "outbox {id} is already {}",
                item.status.as_str()
            )));
        }
        let now = self.now().0;
        let attempt = item.attempts + 1;
        let detail = cut(detail);
        let (status, mut set): (OutboxStatus, Vec<(&'static str, Value)>) = if ok {
            (OutboxStatus::Sent, vec![("sent_at", now.into())])
        } else if attempt >= MAX_ATTEMPTS {
            (
                OutboxStatus::Failed,
                vec![("last_error", detail.clone().into())],
            )
        } else {
            (
                OutboxStatus::Pending,
                vec![
                    (
                        "next_attempt_at",
                        (now + retry_delay_seconds(attempt) * SECOND_US).into(),
                    ),
                    ("last_error", detail.clone().into()),
                ],
            )
        };
        set.push(("attempts", attempt.into()));
        set.push(("status", status.as_str().into()));
        let batch = WriteBatch::new()
            .insert(
                "outbox_attempts",
                vec![
                    ("outbox_id", id.into()),
                    ("attempt", attempt.into()),
                    ("at_us", now.into()),
                    ("ok", ok.into()),
                    ("detail", detail.into()),
                ],
            )
            // Only if nobody recorded a try since we read the item.
            .update(
                "outbox",
                vec![
                    ("id", id.into()),
                    ("status", OutboxStatus::Pending.as_str().into()),
                    ("attempts", item.attempts.into()),
                ],
                set,
                None,
            );
        self.submit(batch).await?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_a_minute_up_to_six_hours() {
        let minutes: Vec<i64> = (1..=12).map(|n| retry_delay_seconds(n) / 60).collect();
        assert_eq!(
            minutes,
            vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]
        );
        assert_eq!(retry_delay_seconds(0), 60);
        assert_eq!(retry_delay_seconds(1000), MAX_RETRY_SECONDS);
    }
}
