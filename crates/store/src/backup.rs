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
    /// Checkpoints signed after the backup was made, which the restored history no longer
    /// reaches: recorded as superseded by the restore (`audit.restored`), so that verification
    /// does not take them for checkpoints deleted behind its back.
    pub superseded: usize,
    /// The installation's own files the backup carried: (folder, files, where they were
    /// written — `None` when this installation has no such folder configured).
    pub carried: Vec<(String, usize, Option<PathBuf>)>,
}

/// An installation folder a backup carries besides the database (its own procedure
/// definitions and report files): `name` as the backup records it, `dir` where it lives here.
#[derive(Debug, Clone, Copy)]
pub struct Folder<'a> {
    pub name: &'a str,
    pub dir: &'a Path,
}

/// Files of one carried folder larger than this are left out of a backup (definitions and
/// report files are a few kilobytes).
const MAX_CARRIED_BYTES: u64 = 4 * 1024 * 1024;

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
    /// Writes a consistent copy of the store to `out`, which must not exist yet, with the
    /// files of the installation's own `folders` (definitions, report files).
    pub async fn backup(&self, out: &Path, folders: &[Folder<'_>]) -> Result<BackupSummary> {
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
        let mut written = self.write_backup(&partial).await;
        if written.is_ok() {
            written = carry_folders(&partial, folders).await;
        }
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

    /// Replaces the store's content with a backup's, and writes the folders it carries back
    /// into `folders`. Refuses — before anything is replaced — while a server holds the
    /// store, if the store holds data (unless `force`), a backup made by a newer Fazhi (a
    /// schema this binary does not know) and one that does not verify. Checkpoints signed
    /// after the backup was made are recorded as superseded by this restore.
    pub async fn restore(
        &self,
        from: &Path,
        force: bool,
        folders: &[Folder<'_>],
    ) -> Result<RestoreSummary> {
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
        let _held = self.hold_exclusively().await?;
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
            let (copy, theirs) = self.checked_copy(from, &scratch).await?;
            let superseded: Vec<(String, i64, String)> = self
                .logged_checkpoints()?
                .into_iter()
                .filter(|(region, height, head)| {
                    !theirs.iter().any(|c| {
                        &c.region == region && c.height == *height && &hex::encode(c.head) == head
                    })
                })
                .collect();
            let carried = read_carried(&copy).await?;
            let mut summary = self.copy_rows_from(&copy).await?;
            summary.carried = write_carried(carried, folders)?;
            summary.superseded = superseded.len();
            self.record_restore(from, &superseded).await?;
            Ok(summary)
        }
        .await;
        let _ = std::fs::remove_dir_all(&scratch);
        restored
    }

    /// The restore on the installation's chain: which backup, and the checkpoints it
    /// supersedes (verification then accepts their absence, and says why).
    async fn record_restore(
        &self,
        from: &Path,
        superseded: &[(String, i64, String)],
    ) -> Result<()> {
        let event = fazhi_core::NewEvent::new(
            fazhi_core::region::RegionCode::installation(),
            fazhi_core::Subject::new("store", "restore"),
            "audit.restored",
            "cli:restore",
            serde_json::json!({
                "backup": from.file_name().map(|n| n.to_string_lossy().to_string()),
                "superseded": superseded,
            }),
        );
        self.submit(crate::WriteBatch::new().event(event)).await?;
        Ok(())
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
        Ok(RestoreSummary {
            rows,
            superseded: 0,
            carried: Vec::new(),
        })
    }

    /// Copies a backup into `scratch`, opens it as a store (migrating it to this binary's
    /// schema) and checks its chains, checkpoints and rows before anything is replaced;
    /// returns the copy's database file and its checkpoints.
    async fn checked_copy(
        &self,
        from: &Path,
        scratch: &Path,
    ) -> Result<(PathBuf, Vec<crate::audit::Checkpoint>)> {
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
        let checkpoints = copy.checkpoints().await;
        copy.close().await;
        match report?.fault {
            None => Ok((copied, checkpoints?)),
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

/// Adds the files of `folders` to a backup file, in a table of its own.
async fn carry_folders(backup: &Path, folders: &[Folder<'_>]) -> Result<()> {
    let mut files: Vec<(String, String, Vec<u8>)> = Vec::new();
    for folder in folders {
        if !folder.dir.is_dir() {
            continue;
        }
        let mut pending = vec![folder.dir.to_path_buf()];
        while let Some(dir) = pending.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| StoreError::io(format!("cannot read {}", dir.display()), e))?;
            for entry in entries.flatten() {
                let path = entry.path();
                let meta = entry
                    .metadata()
                    .map_err(|e| StoreError::io(format!("cannot read {}", path.display()), e))?;
                if meta.is_dir() {
                    pending.push(path);
                } else if meta.is_file() && meta.len() <= MAX_CARRIED_BYTES {
                    let relative = path
                        .strip_prefix(folder.dir)
                        .expect("found under the folder")
                        .to_string_lossy()
                        .replace('\\', "/");
                    let bytes = std::fs::read(&path).map_err(|e| {
                        StoreError::io(format!("cannot read {}", path.display()), e)
                    })?;
                    files.push((folder.name.to_string(), relative, bytes));
                }
            }
        }
    }
    let pool = open_backup_file(backup, true).await?;
    sqlx::query(
        "CREATE TABLE backup_files (folder TEXT NOT NULL, path TEXT NOT NULL, content BLOB NOT NULL, PRIMARY KEY (folder, path))",
    )
    .execute(&pool)
    .await?;
    for (folder, path, bytes) in files {
        sqlx::query("INSERT INTO backup_files (folder, path, content) VALUES ($1, $2, $3)")
            .bind(folder)
            .bind(path)
            .bind(bytes)
            .execute(&pool)
            .await?;
    }
    pool.close().await;
    Ok(())
}

/// The files a backup carries: (folder, path inside it, bytes). A path that would leave its
/// folder is refused (before anything is replaced).
async fn read_carried(backup: &Path) -> Result<Vec<(String, String, Vec<u8>)>> {
    let pool = open_backup_file(backup, false).await?;
    let has_table: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'backup_files'",
    )
    .fetch_one(&pool)
    .await?;
    let rows: Vec<(String, String, Vec<u8>)> = if has_table > 0 {
        sqlx::query_as("SELECT folder, path, content FROM backup_files ORDER BY folder, path")
            .fetch_all(&pool)
            .await?
    } else {
        Vec::new()
    };
    pool.close().await;
    for (_, path, _) in &rows {
        let safe = !path.is_empty()
            && Path::new(path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe {
            return Err(StoreError::Invalid(format!(
                "备份中的文件路径“{path}”不安全，未做任何改动"
            )));
        }
    }
    Ok(rows)
}

/// Writes carried files into the folders of the same name; returns (folder, files, written
/// to) — `None` for a folder this installation has none for.
fn write_carried(
    files: Vec<(String, String, Vec<u8>)>,
    folders: &[Folder<'_>],
) -> Result<Vec<(String, usize, Option<PathBuf>)>> {
    let mut carried: Vec<(String, usize, Option<PathBuf>)> = Vec::new();
    for (folder, path, bytes) in files {
        let target = folders.iter().find(|f| f.name == folder);
        if let Some(target) = target {
            let file = target.dir.join(&path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::io(format!("cannot create {}", parent.display()), e)
                })?;
            }
            std::fs::write(&file, &bytes)
                .map_err(|e| StoreError::io(format!("cannot write {}", file.display()), e))?;
        }
        match carried.iter_mut().find(|(name, _, _)| *name == folder) {
            Some((_, n, _)) => *n += 1,
            None => carried.push((folder, 1, target.map(|t| t.dir.to_path_buf()))),
        }
    }
    Ok(carried)
}
