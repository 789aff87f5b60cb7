//! Reading the event log: a subject's history, a region's recent events.

use crate::db::on_db;
use crate::writer::to_hash;
use crate::{Result, Store};
use fazhi_core::{EventRecord, Timestamp};
use sqlx::Row;

pub(crate) const EVENT_COLUMNS: &str =
    "region, seq, subject, kind, actor, at_us, payload, prev_hash, hash";

pub(crate) fn event_from_row<R>(row: &R) -> Result<EventRecord>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Vec<u8>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(EventRecord {
        region: row.try_get("region")?,
        seq: row.try_get("seq")?,
        subject: row.try_get("subject")?,
        kind: row.try_get("kind")?,
        actor: row.try_get("actor")?,
        at: Timestamp(row.try_get("at_us")?),
        payload: row.try_get("payload")?,
        prev_hash: to_hash(&row.try_get::<Vec<u8>, _>("prev_hash")?)?,
        hash: to_hash(&row.try_get::<Vec<u8>, _>("hash")?)?,
    })
}

impl Store {
    /// Every event about one subject, oldest first.
    pub async fn history(&self, subject: &str) -> Result<Vec<EventRecord>> {
        on_db!(&self.db, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE subject = $1 ORDER BY at_us, region, seq"
            )))
            .bind(subject.to_string())
            .fetch_all(pool)
            .await?;
            rows.iter().map(event_from_row).collect()
        })
    }

    /// The latest events of a region, newest first.
    pub async fn recent_events(&self, region: &str, limit: i64) -> Result<Vec<EventRecord>> {
        on_db!(&self.db, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE region = $1 ORDER BY seq DESC LIMIT $2"
            )))
            .bind(region.to_string())
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(event_from_row).collect()
        })
    }

    /// Each region's chain height.
    pub async fn chain_heights(&self) -> Result<Vec<(String, i64)>> {
        on_db!(&self.db, pool => {
            Ok(sqlx::query_as("SELECT region, height FROM chain_heads ORDER BY region")
                .fetch_all(pool)
                .await?)
        })
    }
}
