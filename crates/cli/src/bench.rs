//! `fazhi bench`: measured figures, never asserted in tests (docs/benchmarks.md has the results).
//!
//! Measured so far (issue 2): the machine's raw rate of durable SQLite commits (one small row
//! per commit, WAL, `synchronous=FULL`, same disk as the store), and durable event appends
//! through the store with one writer and with 64 concurrent writers. Group commit is what puts
//! the 64-writer rate far above one commit per fsync.

use anyhow::{Context, Result};
use fazhi_core::{NewEvent, RegionCode, Subject};
use fazhi_store::{Location, OpenOptions, Store, WriteBatch};
use serde_json::json;
use sqlx::Connection;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

pub struct BenchOptions {
    pub quick: bool,
    pub database: Option<String>,
    pub json: bool,
}

struct Sizes {
    baseline_commits: usize,
    single_events: usize,
    concurrent_writers: usize,
    events_per_writer: usize,
}

impl Sizes {
    fn new(quick: bool) -> Self {
        if quick {
            Sizes {
                baseline_commits: 100,
                single_events: 100,
                concurrent_writers: 64,
                events_per_writer: 20,
            }
        } else {
            Sizes {
                baseline_commits: 1000,
                single_events: 1000,
                concurrent_writers: 64,
                events_per_writer: 300,
            }
        }
    }
}

pub async fn run(options: BenchOptions) -> Result<()> {
    let sizes = Sizes::new(options.quick);
    let scratch = tempfile::Builder::new()
        .prefix("fazhi-bench-")
        .tempdir_in(std::env::current_dir()?)
        .context("cannot create a scratch folder beside the current directory")?;

    let baseline = sqlite_durable_commits_per_s(scratch.path(), sizes.baseline_commits).await?;
    let location = match &options.database {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::DataDir(scratch.path().join("store")),
    };
    let engine = match location {
        Location::DataDir(_) => "sqlite",
        Location::Postgres(_) => "postgres",
    };
    let store = Store::open(OpenOptions::new(location)).await?;
    let region = RegionCode::parse("990101")?;
    let single = appends_per_s(&store, &region, 1, sizes.single_events).await?;
    let concurrent = appends_per_s(
        &store,
        &region,
        sizes.concurrent_writers,
        sizes.events_per_writer,
    )
    .await?;
    let report = store.verify().await?;
    store.close().await;
    anyhow::ensure!(
        report.ok(),
        "the benchmark's own chain does not verify: {:?}",
        report.fault
    );

    let result = json!({
        "machine": {
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "engine": engine,
            "quick": options.quick,
        },
        "baseline": { "sqlite_durable_commits_per_s": round(baseline) },
        "append": {
            "single_writer_per_s": round(single),
            "concurrent_64_per_s": round(concurrent),
        },
    });
    if options.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!("engine                                {engine}");
        println!("baseline.sqlite_durable_commits_per_s {:>10.0}", baseline);
        println!("append.single_writer_per_s            {:>10.0}", single);
        println!(
            "append.concurrent_64_per_s            {:>10.0}  ({:.1}× the baseline)",
            concurrent,
            concurrent / baseline
        );
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One small row per transaction, durable (WAL + synchronous=FULL): the physical reference.
async fn sqlite_durable_commits_per_s(dir: &Path, commits: usize) -> Result<f64> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("baseline.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        .execute(&mut conn)
        .await?;
    let started = Instant::now();
    for i in 0..commits {
        let mut tx = conn.begin().await?;
        sqlx::query("INSERT INTO t (v) VALUES ($1)")
            .bind(format!("row {i}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    conn.close().await?;
    Ok(rate)
}

/// `writers` tasks each append `each` events one at a time, waiting for each acknowledgement.
async fn appends_per_s(
    store: &Store,
    region: &RegionCode,
    writers: usize,
    each: usize,
) -> Result<f64> {
    let started = Instant::now();
    let store = Arc::new(store.clone());
    let mut tasks = Vec::with_capacity(writers);
    for w in 0..writers {
        let store = store.clone();
        let region = region.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..each {
                store
                    .submit(WriteBatch::new().event(NewEvent::new(
                        region.clone(),
                        Subject::new("bench", &format!("{w}-{n}")),
                        "bench.appended",
                        "system:bench",
                        json!({"writer": w, "n": n, "text": "行政执法决定书已送达"}),
                    )))
                    .await?;
            }
            Ok::<_, fazhi_store::StoreError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((writers * each) as f64 / started.elapsed().as_secs_f64())
}
