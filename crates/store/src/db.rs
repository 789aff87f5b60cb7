//! Connections to the two engines and the one macro that lets a piece of code run on either.
//!
//! We use sqlx's native drivers rather than its `Any` driver (which cannot decode PostgreSQL
//! timestamps or uuids, shared/stack.md §2.4) and write each statement once, with `$n`
//! placeholders and types both engines share (TEXT, BIGINT, BOOLEAN, BLOB/BYTEA). [`on_db!`]
//! expands a block once per engine, so the block is type-checked against each driver.

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A data folder holding `fazhi.db` (SQLite), `keys/` and attachments.
    DataDir(PathBuf),
    /// A PostgreSQL URL, `postgres://…`.
    Postgres(String),
}

impl Location {
    /// `--database URL` if given (PostgreSQL, or `sqlite://DIR` for a data folder), else the folder.
    pub fn from_args(data: Option<PathBuf>, database: Option<String>) -> Result<Location> {
        match database {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Location::Postgres(url))
            }
            Some(url) if url.starts_with("sqlite://") => Ok(Location::DataDir(PathBuf::from(
                url.trim_start_matches("sqlite://"),
            ))),
            Some(url) => Err(StoreError::Invalid(format!(
                "数据库地址“{}”无法识别：应以 postgres:// 或 sqlite:// 开头",
                redact_url(&url)
            ))),
            None => Ok(Location::DataDir(
                data.unwrap_or_else(|| PathBuf::from("fazhi-data")),
            )),
        }
    }

    /// The SQLite file of a data folder (whether or not it exists yet).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self {
            Location::DataDir(dir) => Some(dir.join(SQLITE_FILE)),
            Location::Postgres(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Location::DataDir(dir) => format!("SQLite {}", dir.join(SQLITE_FILE).display()),
            Location::Postgres(url) => format!("PostgreSQL {}", redact_url(url)),
        }
    }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

pub const SQLITE_FILE: &str = "fazhi.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of whichever engine `$db` is.
#[macro_export]
#[doc(hidden)]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

impl Db {
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// Makes `path` readable and writable by its owner alone (0600), creating it empty if it does
/// not exist: the records are personal data. SQLite gives its `-wal` and `-shm` files the
/// database file's mode, so they follow.
pub(crate) fn private_file(path: &std::path::Path) -> Result<()> {
    let io = |e| StoreError::io(format!("无法设置 {} 的权限", path.display()), e);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
    }
    Ok(())
}

/// Opens the read pool and the single-connection write pool.
pub(crate) async fn connect(location: &Location) -> Result<(Db, Db)> {
    match location {
        Location::DataDir(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::io(format!("无法创建数据目录 {}", dir.display()), e))?;
            private_file(&dir.join(SQLITE_FILE))?;
            let options = SqliteConnectOptions::new()
                .filename(dir.join(SQLITE_FILE))
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is durable once acknowledged, also against power loss.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", "-32000");
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok((Db::Sqlite(read), Db::Sqlite(write)))
        }
        Location::Postgres(url) => {
            let options = PgConnectOptions::from_str(url).map_err(|e| {
                StoreError::Invalid(format!("数据库地址“{}”无效：{e}", redact_url(url)))
            })?;
            let write = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            let read = PgPoolOptions::new()
                .max_connections(16)
                .connect_with(options)
                .await?;
            Ok((Db::Postgres(read), Db::Postgres(write)))
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Applies pending migrations. sqlx records each applied migration with its checksum, so a
/// migration edited after it landed is refused at start-up rather than silently diverging.
pub(crate) async fn migrate(db: &Db) -> Result<()> {
    match db {
        Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
        Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
    }
    Ok(())
}

pub(crate) async fn schema_version(db: &Db) -> Result<i64> {
    on_db!(db, pool => {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await?;
        Ok(v.unwrap_or(0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://fazhi:s3cret@db:5432/fazhi"),
            "postgres://fazhi:***@db:5432/fazhi"
        );
        assert_eq!(
            redact_url("postgres://localhost/x"),
            "postgres://localhost/x"
        );
    }

    #[test]
    fn locations_come_from_arguments() {
        assert_eq!(
            Location::from_args(None, None).unwrap(),
            Location::DataDir("fazhi-data".into())
        );
        assert_eq!(
            Location::from_args(None, Some("postgres://x/y".into())).unwrap(),
            Location::Postgres("postgres://x/y".into())
        );
        assert!(Location::from_args(None, Some("mysql://x".into())).is_err());
    }
}
