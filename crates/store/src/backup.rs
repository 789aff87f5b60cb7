//! Online, consistent backup and restore, on both engines, in one portable format.
//!
//! A backup is a SQLite database file with Fazhi's schema (the same migrations), whatever the
//! engine it came from: SQLite stores are copied with `VACUUM INTO` (a consistent snapshot
//! while writes go on); PostgreSQL stores are copied table by table inside one
//! `REPEATABLE READ` transaction. Restore copies a backup into any store, so a district can
//! also move from SQLite to PostgreSQL this way. The checkpoint key is not in the backup: it
//! stays outside the database, by design, and is backed up separately.

use crate::batch::Value;
use crate::db::{Db, on_db};
use crate::schema::{ColType, TABLES, Table};
use crate::writer::Exec;
use crate::{Result, Store, StoreError};
use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::future::Future;
use std::path::{Path, PathBuf};

/// Rows copied per INSERT statement.
const ROWS_PER_INSERT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub events: i64,
    pub bytes: u64,
    pub schema_version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    pub rows: Vec<(&'static str, i64)>,
}

impl RestoreSummary {
    pub fn events(&self) -> i64 {
        self.rows
            .iter()
            .find(|(t, _)| *t == "events")
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

async fn open_backup_file(path: &Path, create: bool) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .read_only(!create)
        .foreign_keys(true);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

impl Store {
    /// Writes a consistent copy of the store to `out`, which must not exist yet.
    pub async fn backup(&self, out: &Path) -> Result<BackupSummary> {
        if out.exists() {
            return Err(StoreError::Invalid(format!(
                "备份文件 {} 已存在，不会覆盖",
                out.display()
            )));
        }
        // Written under a temporary name and renamed when complete, so that a failed backup
        // never leaves a file that looks like one.
        let partial = out.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        // Empty and 0600 before anything is written: a backup holds every record.
        crate::db::private_file(&partial)?;
        let written = self.write_backup(&partial).await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        std::fs::rename(&partial, out)
            .map_err(|e| StoreError::io(format!("cannot rename to {}", out.display()), e))?;
        let check = open_backup_file(out, false).await?;
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&check)
            .await?;
        let schema_version = crate::db::schema_version(&Db::Sqlite(check.clone())).await?;
        check.close().await;
        let bytes = std::fs::metadata(out)
            .map_err(|e| StoreError::io(format!("cannot read {}", out.display()), e))?
            .len();
        Ok(BackupSummary {
            events,
            bytes,
            schema_version,
        })
    }

    async fn write_backup(&self, out: &Path) -> Result<()> {
        match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(out.to_string_lossy().to_string())
                    .execute(pool)
                    .await?;
            }
            Db::Postgres(pool) => {
                let dest = open_backup_file(out, true).await?;
                crate::db::migrate(&Db::Sqlite(dest.clone())).await?;
                let mut source = pool.acquire().await?;
                sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .execute(&mut *source)
                    .await?;
                let mut target = dest.acquire().await?;
                target.begin().await?;
                for table in TABLES {
                    source.copy_table(table, &mut *target).await?;
                }
                target.commit().await?;
                sqlx::query("COMMIT").execute(&mut *source).await?;
                // Pool::close waits for every connection to come back.
                drop(target);
                dest.close().await;
            }
        }
        Ok(())
    }

    /// Replaces the store's content with a backup's. Refuses if the store holds data, unless
    /// `force`; refuses a backup made by a newer Fazhi (a schema this binary does not know).
    pub async fn restore(&self, from: &Path, force: bool) -> Result<RestoreSummary> {
        if !from.exists() {
            return Err(StoreError::Invalid(format!(
                "备份文件 {} 不存在",
                from.display()
            )));
        }
        let source = open_backup_file(from, false).await.map_err(|e| {
            StoreError::Invalid(format!("{} 不是 Fazhi 备份文件：{e}", from.display()))
        })?;
        let theirs = crate::db::schema_version(&Db::Sqlite(source.clone()))
            .await
            .map_err(|_| StoreError::Invalid(format!("{} 不是 Fazhi 备份文件", from.display())))?;
        source.close().await;
        let ours = self.schema_version().await?;
        if theirs > ours {
            return Err(StoreError::Invalid(format!(
                "备份的数据结构版本 {theirs} 比本程序的 {ours} 新：请用更新版本的 Fazhi 恢复"
            )));
        }
        if !force && self.has_data().await? {
            return Err(StoreError::Invalid(
                "目标库中已有数据，恢复会覆盖它们：确认后请加 --force".into(),
            ));
        }
        let scratch =
            std::env::temp_dir().join(format!("fazhi-restore-{}", uuid::Uuid::now_v7().simple()));
        let restored = async {
            // Rows are copied from the checked scratch copy, which opening has brought up to
            // this binary's schema: a backup made by an older Fazhi restores as well.
            let copy = self.checked_copy(from, &scratch).await?;
            self.copy_rows_from(&copy).await
        }
        .await;
        let _ = std::fs::remove_dir_all(&scratch);
        restored
    }

    async fn copy_rows_from(&self, copy: &Path) -> Result<RestoreSummary> {
        let source = open_backup_file(copy, false).await?;
        let mut rows = Vec::new();
        let mut src = source.acquire().await?;
        on_db!(&self.db, pool => {
            let mut target = pool.acquire().await?;
            target.begin().await?;
            let copied = async {
                for table in TABLES.iter().rev() {
                    target
                        .run(format!("DELETE FROM {}", table.name), vec![])
                        .await?;
                }
                for table in TABLES {
                    rows.push((table.name, src.copy_table(table, &mut *target).await?));
                }
                Ok::<_, StoreError>(())
            }
            .await;
            match copied {
                Ok(()) => target.commit().await?,
                Err(e) => {
                    target.rollback().await;
                    return Err(e);
                }
            }
        });
        drop(src);
        source.close().await;
        Ok(RestoreSummary { rows })
    }

    /// Copies a backup into `scratch`, opens it as a store (migrating it to this binary's
    /// schema) and checks its chains and checkpoints before anything is replaced; returns the
    /// copy's database file.
    async fn checked_copy(&self, from: &Path, scratch: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(scratch)
            .map_err(|e| StoreError::io(format!("cannot create {}", scratch.display()), e))?;
        let copied = scratch.join(crate::db::SQLITE_FILE);
        std::fs::copy(from, &copied)
            .map_err(|e| StoreError::io(format!("cannot copy {}", from.display()), e))?;
        // Chains and checkpoint signatures are checked; the key folder's log is not, since
        // a backup may rightly be older than the latest checkpoint.
        let copy = Store::open(crate::OpenOptions {
            location: crate::Location::DataDir(scratch.to_path_buf()),
            key_dir: None,
            // Files are not in the backup; the copy's chain is checked against ours.
            files_dir: self.files_dir.clone(),
            clock: self.clock.clone(),
        })
        .await?;
        let report = copy.verify().await;
        copy.close().await;
        match report?.fault {
            None => Ok(copied),
            Some(fault) => Err(StoreError::Invalid(format!(
                "备份文件未通过完整性校验，未做任何改动：{fault}"
            ))),
        }
    }
}

/// Reads a table in key order and writes it into `dest` in multi-row INSERTs.
pub(crate) trait CopySource {
    fn copy_table<D: Exec>(
        &mut self,
        table: &Table,
        dest: &mut D,
    ) -> impl Future<Output = Result<i64>> + Send;
}

async fn flush<D: Exec>(dest: &mut D, table: &Table, rows: &mut Vec<Vec<Value>>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = table.columns.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let slots: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", slots.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.name,
        table.column_list(),
        tuples.join(", ")
    );
    let params = rows.drain(..).flatten().collect();
    dest.run(sql, params).await?;
    Ok(())
}

macro_rules! impl_copy_source {
    ($conn:ty) => {
        impl CopySource for $conn {
            async fn copy_table<D: Exec>(&mut self, table: &Table, dest: &mut D) -> Result<i64> {
                let sql = format!(
                    "SELECT {} FROM {} ORDER BY {}",
                    table.column_list(),
                    table.name,
                    table.order_by
                );
                let mut stream = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *self);
                let mut buffer = Vec::with_capacity(ROWS_PER_INSERT);
                let mut count = 0i64;
                while let Some(row) = stream.try_next().await? {
                    let mut values = Vec::with_capacity(table.columns.len());
                    for (i, (_, ty)) in table.columns.iter().enumerate() {
                        values.push(match ty {
                            ColType::I64 => Value::I64(row.try_get(i)?),
                            ColType::Text => Value::Text(row.try_get(i)?),
                            ColType::Bytes => Value::Bytes(row.try_get(i)?),
                            ColType::Bool => Value::Bool(row.try_get(i)?),
                        });
                    }
                    buffer.push(values);
                    count += 1;
                    if buffer.len() == ROWS_PER_INSERT {
                        flush(dest, table, &mut buffer).await?;
                    }
                }
                flush(dest, table, &mut buffer).await?;
                Ok(count)
            }
        }
    };
}

impl_copy_source!(sqlx::SqliteConnection);
impl_copy_source!(sqlx::PgConnection);
