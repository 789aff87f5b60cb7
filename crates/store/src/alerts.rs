//! Who is told what about cases: the staff of a case's department hear of a new case and of
//! its deadline turning yellow (临期) or red (超期), in the console and, when configured,
//! through the outbox (a webhook to another system such as an SMS gateway).

use crate::batch::RowOp;
use crate::db::on_db;
use crate::{Result, Store};
use chrono::NaiveDate;
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Subject};
use serde_json::json;

/// A deadline that has turned yellow or red and has not been announced at that level for
/// its current due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineAlert {
    pub case_id: String,
    pub region: String,
    pub department: String,
    pub procedure: String,
    pub title: String,
    /// `due_soon` or `overdue`
    pub level: String,
    pub due: String,
}

impl Store {
    /// Active users granted a role in a department.
    pub async fn department_users(&self, department: &str) -> Result<Vec<String>> {
        on_db!(&self.db, pool => {
            Ok(sqlx::query_scalar(
                "SELECT DISTINCT u.id FROM users u JOIN grants g ON g.user_id = u.id \
                 WHERE g.department = $1 AND u.active ORDER BY u.id",
            )
            .bind(department.to_string())
            .fetch_all(pool)
            .await?)
        })
    }

    /// Deadlines that turned yellow (warning day reached) or red (past due) and have not been
    /// announced at that level. A clock's warning day is never after its due date, so the
    /// cases to look at are those whose warning day has come: the `cases_alert_pending` index
    /// holds just the open ones not yet announced as overdue.
    pub async fn pending_deadline_alerts(&self, today: NaiveDate) -> Result<Vec<DeadlineAlert>> {
        let today = today.format("%Y-%m-%d").to_string();
        let rows: Vec<(String, String, String, String, String, String, String)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT c.id, c.region, c.department, c.procedure, c.title, \
                        CASE WHEN c.next_due < $1 THEN 'overdue' ELSE 'due_soon' END AS level, c.next_due \
                 FROM cases c \
                 WHERE NOT c.terminal AND c.next_due IS NOT NULL \
                   AND (c.alerted IS NULL OR c.alerted <> 'overdue:' || c.next_due) \
                   AND c.warn_from <= $1 \
                   AND (c.alerted IS NULL OR c.alerted <> 'due_soon:' || c.next_due OR c.next_due < $1) \
                 ORDER BY c.next_due",
            )
            .bind(today)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(case_id, region, department, procedure, title, level, due)| DeadlineAlert {
                    case_id,
                    region,
                    department,
                    procedure,
                    title,
                    level,
                    due,
                },
            )
            .collect())
    }

    /// Records the alert as an event of the case, with the notices it causes (rendered by the
    /// application), and marks the case as announced at this level for this due date.
    pub async fn record_deadline_alert(
        &self,
        alert: &DeadlineAlert,
        notices: Vec<crate::cases::NoticeRow>,
        outbox: Vec<crate::cases::OutboxMessage>,
    ) -> Result<()> {
        let region = RegionCode::parse(&alert.region)
            .map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
        let mut rows = self.notice_ops(&region, &alert.case_id, &notices, &outbox);
        let event = NewEvent::new(
            region,
            Subject::new("case", &alert.case_id),
            &format!("case.deadline_{}", alert.level),
            "system",
            json!({"due": alert.due, "level": alert.level, "procedure": alert.procedure}),
        );
        rows.push(RowOp::UpdateAll {
            table: "cases",
            key: vec![("id", alert.case_id.clone().into())],
            set: vec![("alerted", format!("{}:{}", alert.level, alert.due).into())],
        });
        self.notify(rows, event).await?;
        Ok(())
    }
}
