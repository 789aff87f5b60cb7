//! Fazhi's persistence, one code base on two engines: SQLite (the embedded default) and
//! PostgreSQL (for cities and provinces).
//!
//! This crate owns the schema and its migrations, the event log (every change is an event,
//! appended to its region's hash chain by a single group-committing writer, with the
//! projections it changes written in the same transaction), checkpoints and their key, audit
//! verification, accounts (regions, departments, users, grants, sessions, API tokens, login
//! throttling) and backup/restore. Reads come from the projections, never from replaying history.
//!
//! Error rule: everything here returns [`StoreError`]; callers map it to their own layer.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod backup;
mod batch;
pub mod calendar_years;
pub mod cases;
mod clock;
mod db;
pub mod documents;
mod error;
pub mod events;
pub mod figure_members;
pub mod files;
pub mod notifications;
mod point;
pub mod publications;
pub mod reads;
pub mod report_texts;
pub mod rows;
mod schema;
mod serving;
#[cfg(feature = "testing")]
pub mod testing;
mod writer;

pub use batch::{RowOp, Value, WriteBatch};
pub use clock::{Clock, ManualClock, SystemClock};
pub use db::{Engine, Location};
pub use error::StoreError;
pub use serving::StoreLock;
pub use writer::Committed;

use std::path::PathBuf;
use std::sync::Arc;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store: read pools, the writer, and where its keys live.
#[derive(Clone)]
pub struct Store {
    db: db::Db,
    writer: writer::WriterHandle,
    clock: Arc<dyn Clock>,
    key_dir: Option<PathBuf>,
    files_dir: Option<PathBuf>,
    location: Location,
    /// Login attempts for one name or from one address are checked one at a time, so that
    /// parallel guesses cannot all slip under the throttle.
    login_locks: accounts::LoginLocks,
    /// SQLite only: key lookups on the caller's thread (point.rs).
    point: Option<Arc<point::PointReads>>,
    /// When a write last failed for want of room (microseconds; 0 while writes succeed).
    storage_full_since: Arc<std::sync::atomic::AtomicI64>,
}

/// Options for opening a store.
#[derive(Clone)]
pub struct OpenOptions {
    pub location: Location,
    /// Where the checkpoint signing key lives. Defaults to `DIR/keys` for a data folder;
    /// a PostgreSQL store has no default and needs one configured to sign checkpoints.
    pub key_dir: Option<PathBuf>,
    /// Where stored files live (`DATA/files` by default; required for attachments).
    pub files_dir: Option<PathBuf>,
    pub clock: Arc<dyn Clock>,
}

impl OpenOptions {
    pub fn new(location: Location) -> Self {
        let (key_dir, files_dir) = match &location {
            Location::DataDir(dir) => (Some(dir.join("keys")), Some(dir.join("files"))),
            Location::Postgres(_) => (None, None),
        };
        OpenOptions {
            location,
            key_dir,
            files_dir,
            clock: Arc::new(SystemClock),
        }
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the store, and starts its writer.
    pub async fn open(options: OpenOptions) -> Result<Store> {
        let (read, write) = db::connect(&options.location).await?;
        db::migrate(&write).await?;
        let (conn, point) = match &options.location {
            Location::DataDir(dir) => {
                write.close().await;
                let file = dir.join(db::SQLITE_FILE);
                (
                    writer::WriteConn::sqlite(&file)?,
                    Some(Arc::new(point::PointReads::new(file))),
                )
            }
            Location::Postgres(_) => (writer::WriteConn::postgres(write), None),
        };
        let writer = writer::spawn(conn, options.clock.clone());
        if let Some(dir) = &options.files_dir {
            files::sweep_incoming(dir);
        }
        Ok(Store {
            db: read,
            writer,
            clock: options.clock,
            key_dir: options.key_dir,
            files_dir: options.files_dir,
            location: options.location,
            login_locks: Default::default(),
            point,
            storage_full_since: Default::default(),
        })
    }

    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn now(&self) -> fazhi_core::Timestamp {
        self.clock.now()
    }

    /// Appends a batch's events and applies its row changes in one durable commit (shared with
    /// whatever other batches arrived at the same time). Returns once committed.
    pub async fn submit(&self, batch: WriteBatch) -> Result<Committed> {
        let done = self.writer.submit(batch).await;
        self.note_storage(done.as_ref().err());
        done
    }

    /// Remembers whether the storage had room for the last write: a full disk is said once in
    /// the log (not once per request) and reported by [`Store::storage_full`] until a write
    /// succeeds again.
    pub(crate) fn note_storage(&self, failed: Option<&StoreError>) {
        use std::sync::atomic::Ordering;
        match failed {
            Some(StoreError::DiskFull(why)) => {
                let before = self
                    .storage_full_since
                    .swap(self.clock.now().0, Ordering::Relaxed);
                if before == 0 {
                    tracing::error!(%why, "storage full: writes are refused until there is room");
                }
            }
            Some(_) => {}
            None => {
                if self.storage_full_since.swap(0, Ordering::Relaxed) != 0 {
                    tracing::info!("storage has room again: writes succeed");
                }
            }
        }
    }

    /// Tests only: makes the SQLite database as full as it may grow (`pages`, e.g. its current
    /// size), so that the next write finds no room — a full disk without filling one.
    #[cfg(feature = "testing")]
    pub async fn limit_database_pages(&self, pages: u32) {
        self.writer.limit_pages(pages).await
    }

    /// Whether a write failed for want of room in the last 30 seconds (health reports it;
    /// afterwards the next write tries again, so the store recovers without a restart).
    pub fn storage_full(&self) -> bool {
        let since = self
            .storage_full_since
            .load(std::sync::atomic::Ordering::Relaxed);
        since != 0 && self.clock.now().0 - since < 30_000_000
    }

    /// Appends many batches in one transaction, all or nothing (bulk loads: histories made
    /// by `fazhi_app`'s `App::history`, through [`Store::case_batch`]). Their row changes must be inserts of new rows. Returns the
    /// number of events appended.
    pub async fn load_history(&self, batches: Vec<WriteBatch>) -> Result<usize> {
        let done = self.writer.submit_bulk(batches).await;
        self.note_storage(done.as_ref().err());
        done
    }

    /// Refreshes the planner's statistics of the case, publication and report-figure tables
    /// (after a bulk load, and now and then while serving): SQLite has none until told, and
    /// without them it takes any region range for a narrow one; PostgreSQL's autovacuum would
    /// get there, later (until then a province's figures are sorted on disk instead of summed
    /// from the index: 2.2 s against 0.46 s).
    pub async fn optimize(&self) -> Result<()> {
        match &self.db {
            db::Db::Sqlite(pool) => {
                sqlx::raw_sql("PRAGMA analysis_limit = 0; ANALYZE cases; ANALYZE publications; ANALYZE figure_members;")
                    .execute(pool)
                    .await?;
            }
            db::Db::Postgres(pool) => {
                // VACUUM too: it marks pages all-visible, which index-only scans (the capped
                // counts) need to skip the table.
                sqlx::raw_sql("VACUUM (ANALYZE) cases, publications, figure_members")
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The applied schema version (the highest migration number).
    pub async fn schema_version(&self) -> Result<i64> {
        db::schema_version(&self.db).await
    }

    /// True if the store holds any event (restore refuses to overwrite such a store).
    pub async fn has_data(&self) -> Result<bool> {
        Ok(self.count_events().await? > 0)
    }

    pub async fn count_events(&self) -> Result<i64> {
        on_db!(&self.db, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(pool).await?;
            Ok(n)
        })
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        on_db!(&self.db, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
            Ok(())
        })
    }

    /// Stops taking writes and waits for queued ones to commit; closes the pools.
    pub async fn close(&self) {
        self.writer.close().await;
        self.db.close().await;
    }
}
