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
//!
//! On SQLite the writer is a thread of its own holding a rusqlite connection with cached
//! statements: a group is then a few calls into SQLite on one thread, instead of a round trip to
//! sqlx's worker thread per statement (which cost more than SQLite itself, docs/benchmarks.md).
//! On PostgreSQL it is a task holding one pooled connection.

use crate::batch::{Columns, RowOp, Value, WriteBatch};
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

/// How many times the writer yields its thread, waiting for more requests to share a commit
/// with, when the previous commit was shared.
const GATHER_YIELDS: u32 = 32;
/// The most requests one commit takes.
pub const MAX_GROUP: usize = 1024;
/// Events per multi-row INSERT (9 parameters each; below both engines' parameter limits).
const EVENTS_PER_INSERT: usize = 256;
/// Bound parameters per multi-row INSERT of projection rows (SQLite allows 32,766,
/// PostgreSQL 65,535).
const PARAMS_PER_INSERT: usize = 16_000;

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
    /// Histories loaded in bulk: one transaction, all or nothing.
    Bulk(Vec<WriteBatch>, oneshot::Sender<Result<usize>>),
    Close(oneshot::Sender<()>),
    /// Tests only: limits the SQLite database to this many pages, so that a write finds the
    /// "disk" full (PRAGMA max_page_count); nothing on PostgreSQL.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    LimitPages(u32, oneshot::Sender<()>),
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

    /// Appends many batches in one transaction (all or nothing). Their row changes must all be
    /// inserts of new rows: they are written grouped by table, not in batch order.
    pub async fn submit_bulk(&self, batches: Vec<WriteBatch>) -> Result<usize> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Bulk(batches, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    #[cfg(feature = "testing")]
    pub async fn limit_pages(&self, pages: u32) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Msg::LimitPages(pages, reply)).await.is_ok() {
            let _ = done.await;
        }
    }

    pub async fn close(&self) {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Msg::Close(reply)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// The writer's connection.
pub(crate) enum WriteConn {
    Embedded(EmbeddedConn),
    Postgres(sqlx::PgPool),
}

impl WriteConn {
    /// The SQLite writer's connection to the store's file (created and migrated already).
    pub fn sqlite(path: &std::path::Path) -> Result<WriteConn> {
        let conn = rusqlite::Connection::open(path)?;
        // The same settings as the read pool (db.rs): durable on acknowledgement.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA busy_timeout = 30000; PRAGMA cache_size = -32000;",
        )?;
        conn.set_prepared_statement_cache_capacity(512);
        Ok(WriteConn::Embedded(EmbeddedConn(conn)))
    }

    pub fn postgres(db: Db) -> WriteConn {
        match db {
            Db::Postgres(pool) => WriteConn::Postgres(pool),
            Db::Sqlite(_) => unreachable!("SQLite writes go through WriteConn::sqlite"),
        }
    }
}

pub(crate) fn spawn(conn: WriteConn, clock: Arc<dyn Clock>) -> WriterHandle {
    let (tx, rx) = mpsc::channel(8192);
    match conn {
        WriteConn::Embedded(_) => {
            std::thread::Builder::new()
                .name("fazhi-writer".into())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("a current-thread runtime for the writer");
                    runtime.block_on(run(conn, clock, rx));
                })
                .expect("the writer thread starts");
        }
        WriteConn::Postgres(_) => {
            tokio::spawn(run(conn, clock, rx));
        }
    }
    WriterHandle { tx }
}

async fn run(mut conn: WriteConn, clock: Arc<dyn Clock>, mut rx: mpsc::Receiver<Msg>) {
    let mut last_group = 0;
    while let Some(first) = rx.recv().await {
        let mut group = Vec::new();
        let mut closing = None;
        let mut bulk = None;
        match first {
            Msg::Write(batch, reply) => group.push((batch, reply)),
            Msg::Bulk(batches, reply) => bulk = Some((batches, reply)),
            Msg::Close(done) => closing = Some(done),
            Msg::LimitPages(pages, done) => {
                if let WriteConn::Embedded(embedded) = &mut conn {
                    let _ = embedded.0.pragma_update(None, "max_page_count", pages);
                }
                let _ = done.send(());
                continue;
            }
        }
        // Under load (the last group was shared), the writers just acknowledged are about to
        // send their next requests: give them a moment so that they share the next commit
        // instead of each paying for one.
        let mut patience = if last_group > 1 { GATHER_YIELDS } else { 0 };
        while closing.is_none() && bulk.is_none() && group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Msg::Write(batch, reply)) => group.push((batch, reply)),
                Ok(Msg::Bulk(batches, reply)) => bulk = Some((batches, reply)),
                Ok(Msg::Close(done)) => closing = Some(done),
                Ok(Msg::LimitPages(pages, done)) => {
                    if let WriteConn::Embedded(embedded) = &mut conn {
                        let _ = embedded.0.pragma_update(None, "max_page_count", pages);
                    }
                    let _ = done.send(());
                }
                Err(_) if patience > 0 && group.len() < last_group => {
                    patience -= 1;
                    std::thread::yield_now();
                }
                Err(_) => break,
            }
        }
        last_group = group.len();
        if !group.is_empty() {
            commit_group(&mut conn, clock.as_ref(), group).await;
        }
        if let Some((batches, reply)) = bulk {
            let _ = reply.send(commit_bulk(&mut conn, clock.as_ref(), &batches).await);
        }
        if let Some(done) = closing {
            rx.close();
            // Answer anything that slipped in before the close.
            while let Ok(msg) = rx.try_recv() {
                match msg {
                    Msg::Write(_, reply) => {
                        let _ = reply.send(Err(StoreError::Closed));
                    }
                    Msg::Bulk(_, reply) => {
                        let _ = reply.send(Err(StoreError::Closed));
                    }
                    Msg::Close(_) | Msg::LimitPages(..) => {}
                }
            }
            let _ = done.send(());
            return;
        }
    }
}

type Pending = (WriteBatch, oneshot::Sender<Result<Committed>>);

async fn commit_group(conn: &mut WriteConn, clock: &dyn Clock, group: Vec<Pending>) {
    let started = Instant::now();
    let size = group.len();
    let (batches, replies): (Vec<WriteBatch>, Vec<_>) = group.into_iter().unzip();
    let outcome: Vec<Result<Committed>> = match conn {
        WriteConn::Embedded(conn) => commit_or_split(conn, clock, &batches).await,
        WriteConn::Postgres(pool) => match pool.acquire().await {
            Ok(mut conn) => commit_or_split(&mut *conn, clock, &batches).await,
            Err(e) => {
                tracing::error!(error = %e, "writer cannot reach the database");
                let message = e.to_string();
                batches
                    .iter()
                    .map(|_| Err(StoreError::Unavailable(message.clone())))
                    .collect()
            }
        },
    };
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

async fn commit_bulk(
    conn: &mut WriteConn,
    clock: &dyn Clock,
    batches: &[WriteBatch],
) -> Result<usize> {
    if let Some(op) = batches
        .iter()
        .flat_map(|b| &b.ops)
        .find(|op| !matches!(op, RowOp::Insert { .. }))
    {
        return Err(StoreError::Invalid(format!(
            "a bulk load only inserts new rows, not “{}”",
            op.describe()
        )));
    }
    let all: Vec<&WriteBatch> = batches.iter().collect();
    let started = Instant::now();
    let done = match conn {
        WriteConn::Embedded(conn) => apply(conn, clock, &all, true).await?,
        WriteConn::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            apply(&mut *conn, clock, &all, true).await?
        }
    };
    let events = done.iter().map(|c| c.events.len()).sum();
    metrics::counter!("fazhi_commits_total").increment(1);
    metrics::counter!("fazhi_events_appended_total").increment(events as u64);
    metrics::histogram!("fazhi_commit_seconds").record(started.elapsed().as_secs_f64());
    Ok(events)
}

/// One transaction for the whole group; if it fails, one transaction per batch.
async fn commit_or_split<C: Exec>(
    conn: &mut C,
    clock: &dyn Clock,
    batches: &[WriteBatch],
) -> Vec<Result<Committed>> {
    let all: Vec<&WriteBatch> = batches.iter().collect();
    match apply(conn, clock, &all, false).await {
        Ok(done) => done.into_iter().map(Ok).collect(),
        Err(e) if batches.len() == 1 => vec![Err(e)],
        Err(_) => {
            let mut out = Vec::with_capacity(batches.len());
            for batch in batches {
                out.push(
                    apply(conn, clock, &[batch], false)
                        .await
                        .map(|mut v| v.remove(0)),
                );
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

/// `bulk`: the batches only insert new rows, which may then be written grouped by table.
async fn apply<C: Exec>(
    conn: &mut C,
    clock: &dyn Clock,
    batches: &[&WriteBatch],
    bulk: bool,
) -> Result<Vec<Committed>> {
    conn.begin().await?;
    let result = apply_in_transaction(conn, clock, batches, bulk).await;
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
    bulk: bool,
) -> Result<Vec<Committed>> {
    let now = clock.now();
    let mut heads: HashMap<String, Head> = HashMap::new();
    let mut rows = Vec::new();
    let mut done = Vec::with_capacity(batches.len());
    let mut extra_ops = Vec::new();
    let mut numbers = draw_numbers(conn, batches).await?.into_iter();
    for batch in batches {
        let mut refs = Vec::with_capacity(batch.events.len());
        let number = match &batch.number {
            Some(request) => {
                let seq = numbers.next().expect("one number per request");
                let number = fazhi_core::procedure::fill_seq(&request.template, seq);
                extra_ops.push(RowOp::Update {
                    table: "cases",
                    key: vec![("id", request.case_id.clone().into())],
                    set: vec![("number", number.clone().into())],
                    expect_version: None,
                });
                if batch.ops.iter().any(|op| {
                    matches!(
                        op,
                        RowOp::Insert {
                            table: "publications",
                            ..
                        }
                    )
                }) {
                    extra_ops.push(RowOp::UpdateAll {
                        table: "publications",
                        key: vec![("case_id", request.case_id.clone().into())],
                        set: vec![("number", number.clone().into())],
                    });
                }
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
    let mut ops: Vec<&RowOp> = batches.iter().flat_map(|b| b.ops.iter()).collect();
    if bulk {
        // New rows only: written table by table (in the order tables first appear, so rows
        // that others refer to come first), each table's rows in few statements.
        let mut order: Vec<(&str, Vec<&str>)> = Vec::new();
        let key = |op: &RowOp| match op {
            RowOp::Insert { table, values } => {
                (*table, values.iter().map(|(c, _)| *c).collect::<Vec<_>>())
            }
            _ => unreachable!("a bulk load only inserts"),
        };
        for op in &ops {
            let k = key(op);
            if !order.contains(&k) {
                order.push(k);
            }
        }
        ops.sort_by_key(|op| {
            let k = key(op);
            order.iter().position(|o| *o == k)
        });
    }
    ops.extend(&extra_ops);
    let mut at = 0;
    while at < ops.len() {
        // Consecutive inserts into the same columns go in one multi-row statement.
        let run = same_shape_inserts(&ops[at..]);
        if run > 1 {
            for chunk in ops[at..at + run].chunks(inserts_per_statement(ops[at])) {
                insert_rows(conn, chunk).await?;
            }
            at += run;
            continue;
        }
        let op = ops[at];
        at += 1;
        {
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

/// The sequence numbers of the group's number requests, in order: one counter statement per
/// counter, however many cases of the group draw from it.
async fn draw_numbers<C: Exec>(conn: &mut C, batches: &[&WriteBatch]) -> Result<Vec<i64>> {
    let mut wanted: Vec<(&str, i64)> = Vec::new();
    for request in batches.iter().filter_map(|b| b.number.as_ref()) {
        match wanted.iter_mut().find(|(c, _)| *c == request.counter) {
            Some((_, n)) => *n += 1,
            None => wanted.push((&request.counter, 1)),
        }
    }
    let mut next: HashMap<&str, i64> = HashMap::new();
    for (counter, n) in wanted {
        let last = conn.next_in_counter(counter, n).await?;
        next.insert(counter, last - n + 1);
    }
    Ok(batches
        .iter()
        .filter_map(|b| b.number.as_ref())
        .map(|request| {
            let seq = next.get_mut(request.counter.as_str()).expect("drawn above");
            *seq += 1;
            *seq - 1
        })
        .collect())
}

/// How many ops from the start are inserts into the same table and columns.
fn same_shape_inserts(ops: &[&RowOp]) -> usize {
    fn shape(op: &RowOp) -> Option<(&'static str, &Columns)> {
        match op {
            RowOp::Insert { table, values } => Some((table, values)),
            _ => None,
        }
    }
    let Some((table, columns)) = shape(ops[0]) else {
        return 0;
    };
    ops.iter()
        .take_while(|op| {
            shape(op).is_some_and(|(t, c)| {
                t == table
                    && c.len() == columns.len()
                    && c.iter().zip(columns).all(|((a, _), (b, _))| a == b)
            })
        })
        .count()
}

fn inserts_per_statement(op: &RowOp) -> usize {
    match op {
        RowOp::Insert { values, .. } => (PARAMS_PER_INSERT / values.len().max(1)).max(1),
        _ => 1,
    }
}

/// Inserts rows of one shape ([`same_shape_inserts`]) in one statement.
async fn insert_rows<C: Exec>(conn: &mut C, ops: &[&RowOp]) -> Result<()> {
    let RowOp::Insert { table, values } = ops[0] else {
        unreachable!("only inserts are grouped");
    };
    let names: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let width = names.len();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let mut params = Vec::with_capacity(ops.len() * width);
    for (i, op) in ops.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", i * width + c + 1));
        }
        sql.push(')');
        if let RowOp::Insert { values, .. } = op {
            params.extend(values.iter().map(|(_, v)| v.clone()));
        }
    }
    conn.run(sql, params).await?;
    Ok(())
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
    /// Adds `n` to a counter (from 0 if new) and returns its new value.
    fn next_in_counter(&mut self, scope: &str, n: i64) -> impl Future<Output = Result<i64>> + Send;
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

            async fn next_in_counter(&mut self, scope: &str, n: i64) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO case_counters (scope, last) VALUES ($1, $2) \
                     ON CONFLICT (scope) DO UPDATE SET last = case_counters.last + excluded.last RETURNING last",
                )
                .bind(scope.to_string())
                .bind(n)
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

/// The SQLite writer's rusqlite connection.
pub(crate) struct EmbeddedConn(rusqlite::Connection);

/// `$n` placeholders as SQLite's `?n` (the same parameter by number; `$n` would be a name).
pub(crate) fn numbered(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains('$') {
        sql.replace('$', "?").into()
    } else {
        sql.into()
    }
}

// SQLite: take the write lock up front, so a concurrent writer (another process) waits on
// busy_timeout instead of failing when it upgrades from a read.
impl Exec for EmbeddedConn {
    async fn begin(&mut self) -> Result<()> {
        self.0.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        self.0.execute_batch("COMMIT")?;
        Ok(())
    }

    async fn rollback(&mut self) {
        if let Err(e) = self.0.execute_batch("ROLLBACK") {
            tracing::warn!(error = %e, "rollback failed");
        }
    }

    async fn run(&mut self, sql: String, params: Vec<Value>) -> Result<u64> {
        let mut statement = self.0.prepare_cached(&numbered(&sql))?;
        for (i, param) in params.into_iter().enumerate() {
            match param {
                Value::I64(v) => statement.raw_bind_parameter(i + 1, v)?,
                Value::Text(v) => statement.raw_bind_parameter(i + 1, v)?,
                Value::Bytes(v) => statement.raw_bind_parameter(i + 1, v)?,
                Value::Bool(v) => statement.raw_bind_parameter(i + 1, v)?,
            }
        }
        Ok(statement.raw_execute()? as u64)
    }

    async fn head(&mut self, region: &str) -> Result<Option<(i64, Vec<u8>, i64)>> {
        let mut statement = self
            .0
            .prepare_cached("SELECT height, hash, at_us FROM chain_heads WHERE region = ?1")?;
        let mut rows = statement.query([region])?;
        Ok(match rows.next()? {
            Some(row) => Some((row.get(0)?, row.get(1)?, row.get(2)?)),
            None => None,
        })
    }

    async fn next_in_counter(&mut self, scope: &str, n: i64) -> Result<i64> {
        let mut statement = self.0.prepare_cached(
            "INSERT INTO case_counters (scope, last) VALUES (?1, ?2) \
             ON CONFLICT (scope) DO UPDATE SET last = case_counters.last + excluded.last RETURNING last",
        )?;
        Ok(statement.query_row(rusqlite::params![scope, n], |row| row.get(0))?)
    }
}
// sqlx's SQLite connection: restore writes a store's rows through it (backup.rs).
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
