//! The single writer: group commit of event batches.
//!
//! All writes of a process go through one task holding one connection. It takes every
//! request waiting in its queue (up to [`MAX_GROUP`]), appends their events to the hash chains
//! and applies their row changes in one transaction, commits once (one fsync on SQLite with
//! `synchronous=FULL`), and only then acknowledges each request. Requests that arrive while a
//! commit is in flight wait for the next one, so under load many requests share each fsync.
//!
//! If any request of a group fails (a duplicate, a stale version), the group is rolled back and
//! its requests are retried one transaction each, so one bad request never sinks the others.
//!
//! Across processes the chain head is the serialisation point: SQLite takes its write lock at
//! `BEGIN IMMEDIATE`; PostgreSQL locks the head rows with `SELECT … FOR UPDATE`.

use crate::batch::{RowOp, Value, WriteBatch};
use crate::clock::Clock;
use crate::db::Db;
use crate::{Result, StoreError};
use fazhi_core::Timestamp;
use fazhi_core::event::{EventFields, GENESIS_HASH, Hash32, canonical_json, chain_hash};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// The most requests one commit takes.
pub const MAX_GROUP: usize = 1024;
/// Events per multi-row INSERT (9 parameters each; below both engines' parameter limits).
const EVENTS_PER_INSERT: usize = 256;

/// Where a committed event landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef {
    pub region: String,
    pub seq: i64,
    pub at: Timestamp,
    pub hash: Hash32,
}

/// The acknowledgement of a committed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub events: Vec<EventRef>,
    /// The number drawn for the batch's [`crate::batch::NumberRequest`], if it had one.
    pub number: Option<String>,
}

enum Msg {
    Write(WriteBatch, oneshot::Sender<Result<Committed>>),
    Close(oneshot::Sender<()>),
}

#[derive(Clone)]
pub(crate) struct WriterHandle {
    tx: mpsc::Sender<Msg>,
}

impl WriterHandle {
    pub async fn submit(&self, batch: WriteBatch) -> Result<Committed> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Write(batch, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub async fn close(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Msg::Close(reply)).await.is_ok() {
            let _ = done.await;
        }
    }
}

pub(crate) fn spawn(db: Db, clock: Arc<dyn Clock>) -> WriterHandle {
    let (tx, rx) = mpsc::channel(8192);
    tokio::spawn(run(db, clock, rx));
    WriterHandle { tx }
}

async fn run(db: Db, clock: Arc<dyn Clock>, mut rx: mpsc::Receiver<Msg>) {
    while let Some(first) = rx.recv().await {
        let mut group = Vec::new();
        let mut closing = None;
        match first {
            Msg::Write(batch, reply) => group.push((batch, reply)),
            Msg::Close(done) => closing = Some(done),
        }
        while closing.is_none() && group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Msg::Write(batch, reply)) => group.push((batch, reply)),
                Ok(Msg::Close(done)) => closing = Some(done),
                Err(_) => break,
            }
        }
        if !group.is_empty() {
            commit_group(&db, clock.as_ref(), group).await;
        }
        if let Some(done) = closing {
            rx.close();
            // Answer anything that slipped in before the close.
            while let Ok(msg) = rx.try_recv() {
                if let Msg::Write(_, reply) = msg {
                    let _ = reply.send(Err(StoreError::Closed));
                }
            }
            let _ = done.send(());
            return;
        }
    }
}

type Pending = (WriteBatch, oneshot::Sender<Result<Committed>>);

async fn commit_group(db: &Db, clock: &dyn Clock, group: Vec<Pending>) {
    let started = Instant::now();
    let size = group.len();
    let (batches, replies): (Vec<WriteBatch>, Vec<_>) = group.into_iter().unzip();
    let outcome: Vec<Result<Committed>> = crate::db::on_db!(db, pool => {
        match pool.acquire().await {
            Ok(mut conn) => commit_or_split(&mut *conn, clock, &batches).await,
            Err(e) => {
                tracing::error!(error = %e, "writer cannot reach the database");
                let message = e.to_string();
                batches.iter().map(|_| Err(StoreError::Unavailable(message.clone()))).collect()
            }
        }
    });
    let events: usize = outcome
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|c| c.events.len())
        .sum();
    metrics::counter!("fazhi_commits_total").increment(1);
    metrics::counter!("fazhi_events_appended_total").increment(events as u64);
    metrics::histogram!("fazhi_commit_group_size").record(size as f64);
    metrics::histogram!("fazhi_commit_seconds").record(started.elapsed().as_secs_f64());
    for (reply, result) in replies.into_iter().zip(outcome) {
        let _ = reply.send(result);
    }
}

/// One transaction for the whole group; if it fails, one transaction per batch.
async fn commit_or_split<C: Exec>(
    conn: &mut C,
    clock: &dyn Clock,
    batches: &[WriteBatch],
) -> Vec<Result<Committed>> {
    let all: Vec<&WriteBatch> = batches.iter().collect();
    match apply(conn, clock, &all).await {
        Ok(done) => done.into_iter().map(Ok).collect(),
        Err(e) if batches.len() == 1 => vec![Err(e)],
        Err(_) => {
            let mut out = Vec::with_capacity(batches.len());
            for batch in batches {
                out.push(apply(conn, clock, &[batch]).await.map(|mut v| v.remove(0)));
            }
            out
        }
    }
}

struct Head {
    height: i64,
    hash: Hash32,
    at: Timestamp,
}

struct EventRow {
    region: String,
    seq: i64,
    subject: String,
    kind: String,
    actor: String,
    at: Timestamp,
    payload: String,
    prev_hash: Hash32,
    hash: Hash32,
}

async fn apply<C: Exec>(
    conn: &mut C,
    clock: &dyn Clock,
    batches: &[&WriteBatch],
) -> Result<Vec<Committed>> {
    conn.begin().await?;
    let result = apply_in_transaction(conn, clock, batches).await;
    match result {
        Ok(done) => match conn.commit().await {
            Ok(()) => Ok(done),
            Err(e) => {
                conn.rollback().await;
                Err(e)
            }
        },
        Err(e) => {
            conn.rollback().await;
            Err(e)
        }
    }
}

async fn apply_in_transaction<C: Exec>(
    conn: &mut C,
    clock: &dyn Clock,
    batches: &[&WriteBatch],
) -> Result<Vec<Committed>> {
    let now = clock.now();
    let mut heads: HashMap<String, Head> = HashMap::new();
    let mut rows = Vec::new();
    let mut done = Vec::with_capacity(batches.len());
    let mut extra_ops = Vec::new();
    for batch in batches {
        let mut refs = Vec::with_capacity(batch.events.len());
        let number = match &batch.number {
            Some(request) => {
                let seq = conn.next_in_counter(&request.counter).await?;
                let number = fazhi_core::procedure::fill_seq(&request.template, seq);
                extra_ops.push(RowOp::Update {
                    table: "cases",
                    key: vec![("id", request.case_id.clone().into())],
                    set: vec![("number", number.clone().into())],
                    expect_version: None,
                });
                Some(number)
            }
            None => None,
        };
        for (i, event) in batch.events.iter().enumerate() {
            let region = event.region.as_str();
            if !heads.contains_key(region) {
                let head = match conn.head(region).await? {
                    Some((height, hash, at)) => Head {
                        height,
                        hash: to_hash(&hash)?,
                        at: Timestamp(at),
                    },
                    None => Head {
                        height: 0,
                        hash: GENESIS_HASH,
                        at: Timestamp(i64::MIN),
                    },
                };
                heads.insert(region.to_string(), head);
            }
            let head = heads.get_mut(region).expect("inserted above");
            // Time never runs backwards within a chain, even if the system clock does.
            let at = now.max(head.at);
            let payload = match &number {
                Some(number) if i == 0 => {
                    let mut payload = event.payload.clone();
                    payload["number"] = serde_json::Value::from(number.as_str());
                    canonical_json(&payload)
                }
                _ => canonical_json(&event.payload),
            };
            let seq = head.height + 1;
            let hash = chain_hash(
                &head.hash,
                &EventFields {
                    region,
                    seq,
                    subject: &event.subject.0,
                    kind: &event.kind,
                    actor: &event.actor,
                    at,
                    payload: &payload,
                },
            );
            rows.push(EventRow {
                region: region.to_string(),
                seq,
                subject: event.subject.0.clone(),
                kind: event.kind.clone(),
                actor: event.actor.clone(),
                at,
                payload,
                prev_hash: head.hash,
                hash,
            });
            *head = Head {
                height: seq,
                hash,
                at,
            };
            refs.push(EventRef {
                region: region.to_string(),
                seq,
                at,
                hash,
            });
        }
        done.push(Committed {
            events: refs,
            number,
        });
    }
    for chunk in rows.chunks(EVENTS_PER_INSERT) {
        insert_events(conn, chunk).await?;
    }
    let ops = batches.iter().flat_map(|b| b.ops.iter()).chain(&extra_ops);
    {
        for op in ops {
            let affected = conn.run(op.sql(), op.params()).await?;
            if affected == 0 {
                match op {
                    RowOp::Update {
                        expect_version: Some(expected),
                        ..
                    } => {
                        return Err(StoreError::Conflict {
                            what: op.describe(),
                            expected: *expected,
                        });
                    }
                    RowOp::Update { .. } | RowOp::Delete { .. } => {
                        return Err(StoreError::NotFound(op.describe()));
                    }
                    RowOp::Insert { .. } | RowOp::UpdateAll { .. } | RowOp::DeleteAll { .. } => {}
                }
            }
        }
    }
    for (region, head) in &heads {
        conn.run(
            "INSERT INTO chain_heads (region, height, hash, at_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (region) DO UPDATE SET height = excluded.height, hash = excluded.hash, at_us = excluded.at_us"
                .to_string(),
            vec![
                region.clone().into(),
                head.height.into(),
                head.hash.to_vec().into(),
                head.at.0.into(),
            ],
        )
        .await?;
    }
    Ok(done)
}

async fn insert_events<C: Exec>(conn: &mut C, rows: &[EventRow]) -> Result<()> {
    let mut sql = String::from(
        "INSERT INTO events (region, seq, subject, kind, actor, at_us, payload, prev_hash, hash) VALUES ",
    );
    let mut params = Vec::with_capacity(rows.len() * 9);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let b = i * 9;
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 8,
            b + 9
        ));
        params.extend([
            Value::from(row.region.clone()),
            row.seq.into(),
            row.subject.clone().into(),
            row.kind.clone().into(),
            row.actor.clone().into(),
            row.at.0.into(),
            row.payload.clone().into(),
            row.prev_hash.to_vec().into(),
            row.hash.to_vec().into(),
        ]);
    }
    conn.run(sql, params).await?;
    Ok(())
}

pub(crate) fn to_hash(bytes: &[u8]) -> Result<Hash32> {
    <Hash32>::try_from(bytes)
        .map_err(|_| StoreError::Invalid(format!("stored hash has {} bytes, not 32", bytes.len())))
}

/// The few statements the writer needs, implemented once per engine by [`impl_exec!`].
pub(crate) trait Exec: Send {
    fn begin(&mut self) -> impl Future<Output = Result<()>> + Send;
    fn commit(&mut self) -> impl Future<Output = Result<()>> + Send;
    fn rollback(&mut self) -> impl Future<Output = ()> + Send;
    fn run(&mut self, sql: String, params: Vec<Value>) -> impl Future<Output = Result<u64>> + Send;
    fn head(
        &mut self,
        region: &str,
    ) -> impl Future<Output = Result<Option<(i64, Vec<u8>, i64)>>> + Send;
    /// Increments a counter (from 0 if new) and returns its new value.
    fn next_in_counter(&mut self, scope: &str) -> impl Future<Output = Result<i64>> + Send;
}

macro_rules! impl_exec {
    ($conn:ty, $begin:literal, $head_sql:literal, $ensure_sql:expr) => {
        impl Exec for $conn {
            async fn begin(&mut self) -> Result<()> {
                sqlx::query($begin).execute(&mut *self).await?;
                Ok(())
            }

            async fn commit(&mut self) -> Result<()> {
                sqlx::query("COMMIT").execute(&mut *self).await?;
                Ok(())
            }

            async fn rollback(&mut self) {
                if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *self).await {
                    tracing::warn!(error = %e, "rollback failed");
                }
            }

            async fn run(&mut self, sql: String, params: Vec<Value>) -> Result<u64> {
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for param in params {
                    query = match param {
                        Value::I64(v) => query.bind(v),
                        Value::Text(v) => query.bind(v),
                        Value::Bytes(v) => query.bind(v),
                        Value::Bool(v) => query.bind(v),
                    };
                }
                Ok(query.execute(&mut *self).await?.rows_affected())
            }

            async fn next_in_counter(&mut self, scope: &str) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO case_counters (scope, last) VALUES ($1, 1) \
                     ON CONFLICT (scope) DO UPDATE SET last = case_counters.last + 1 RETURNING last",
                )
                .bind(scope.to_string())
                .fetch_one(&mut *self)
                .await?)
            }

            async fn head(&mut self, region: &str) -> Result<Option<(i64, Vec<u8>, i64)>> {
                if let Some(insert) = $ensure_sql {
                    // A row to lock even for a region's first event (two processes could
                    // otherwise both start its chain).
                    sqlx::query(insert)
                        .bind(region.to_string())
                        .bind(GENESIS_HASH.to_vec())
                        .execute(&mut *self)
                        .await?;
                }
                Ok(sqlx::query_as($head_sql)
                    .bind(region.to_string())
                    .fetch_optional(&mut *self)
                    .await?)
            }
        }
    };
}

// SQLite: take the write lock up front, so a concurrent writer (another process) waits on
// busy_timeout instead of failing when it upgrades from a read.
impl_exec!(
    sqlx::SqliteConnection,
    "BEGIN IMMEDIATE",
    "SELECT height, hash, at_us FROM chain_heads WHERE region = $1",
    None::<&'static str>
);
impl_exec!(
    sqlx::PgConnection,
    "BEGIN",
    "SELECT height, hash, at_us FROM chain_heads WHERE region = $1 FOR UPDATE",
    Some(
        "INSERT INTO chain_heads (region, height, hash, at_us) VALUES ($1, 0, $2, 0) ON CONFLICT (region) DO NOTHING"
    )
);
