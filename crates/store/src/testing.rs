//! Throw-away stores for tests, on either engine.
//!
//! SQLite stores live in a temporary folder. PostgreSQL stores get a database of their own on
//! the server named by `FAZHI_TEST_POSTGRES_URL` (a URL with rights to create databases, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped again when the test ends.

use crate::{Clock, Engine, Location, OpenOptions, Store, SystemClock};
use sqlx::Connection;
use std::sync::Arc;

pub const POSTGRES_URL_VAR: &str = "FAZHI_TEST_POSTGRES_URL";

pub struct TestDb {
    pub store: Store,
    pub location: Location,
    pub key_dir: std::path::PathBuf,
    dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

/// The PostgreSQL server URL tests use; panics with directions when it is not set.
pub fn postgres_server_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_URL_VAR} is not set: the storage tests run on PostgreSQL too. \
             Run the suite with scripts/test (it starts the local server and sets it), or set it \
             to a URL that may create databases, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    })
}

/// `server_url` with its database name replaced by `name`.
pub fn url_with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server_url, String::new()),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        Self::with_clock(engine, Arc::new(SystemClock)).await
    }

    pub async fn sqlite() -> TestDb {
        Self::new(Engine::Sqlite).await
    }

    pub async fn postgres() -> TestDb {
        Self::new(Engine::Postgres).await
    }

    pub async fn with_clock(engine: Engine, clock: Arc<dyn Clock>) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let key_dir = dir.path().join("keys");
        let (location, postgres) = match engine {
            Engine::Sqlite => (Location::DataDir(dir.path().join("data")), None),
            Engine::Postgres => {
                let server = postgres_server_url();
                let name = format!("fazhi_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = sqlx::PgConnection::connect(&server)
                    .await
                    .expect("connect to the PostgreSQL test server");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create a test database");
                let _ = admin.close().await;
                (
                    Location::Postgres(url_with_database(&server, &name)),
                    Some((server, name)),
                )
            }
        };
        let store = Store::open(OpenOptions {
            location: location.clone(),
            key_dir: Some(key_dir.clone()),
            files_dir: Some(dir.path().join("files")),
            clock,
        })
        .await
        .expect("open the test store");
        TestDb {
            store,
            location,
            key_dir,
            dir,
            postgres,
        }
    }

    /// Another store on the same database (as after a restart).
    pub async fn reopen(&self, clock: Arc<dyn Clock>) -> Store {
        Store::open(OpenOptions {
            location: self.location.clone(),
            key_dir: Some(self.key_dir.clone()),
            files_dir: Some(self.dir.path().join("files")),
            clock,
        })
        .await
        .expect("reopen the test store")
    }

    /// A scratch folder that lives as long as the test store.
    pub fn scratch(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Runs SQL behind Fazhi's back: for tests that tamper with the database.
    pub async fn tamper(&self, sql: &str) -> u64 {
        match &self.location {
            Location::DataDir(dir) => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(dir.join(crate::db::SQLITE_FILE)),
                )
                .await
                .expect("open the SQLite file");
                let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut conn)
                    .await
                    .expect("tampering SQL")
                    .rows_affected();
                let _ = conn.close().await;
                n
            }
            Location::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut conn)
                    .await
                    .expect("tampering SQL")
                    .rows_affected();
                let _ = conn.close().await;
                n
            }
        }
    }

    /// The columns of a table as the database reports them, in order.
    pub async fn columns_of(&self, table: &str) -> Vec<String> {
        match &self.location {
            Location::DataDir(dir) => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(dir.join(crate::db::SQLITE_FILE)),
                )
                .await
                .expect("open");
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table.to_string())
                    .fetch_all(&mut conn)
                    .await
                    .expect("table info")
            }
            Location::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(table.to_string())
                .fetch_all(&mut conn)
                .await
                .expect("columns")
            }
        }
    }

    /// Every table in the database (but sqlx's own), sorted.
    pub async fn tables(&self) -> Vec<String> {
        let mut tables: Vec<String> = match &self.location {
            Location::DataDir(dir) => {
                let mut conn = sqlx::SqliteConnection::connect_with(
                    &sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(dir.join(crate::db::SQLITE_FILE)),
                )
                .await
                .expect("open");
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .fetch_all(&mut conn)
                    .await
                    .expect("tables")
            }
            Location::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'")
                    .fetch_all(&mut conn)
                    .await
                    .expect("tables")
            }
        };
        tables.retain(|t| t != "_sqlx_migrations");
        tables.sort();
        tables
    }

    /// The tables Fazhi's schema list knows, with their column names.
    pub fn schema_list() -> Vec<(&'static str, Vec<&'static str>)> {
        crate::schema::TABLES
            .iter()
            .map(|t| (t.name, t.columns.iter().map(|(c, _)| *c).collect()))
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async context guarantees: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&server).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            url_with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            url_with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(url_with_database("postgres://h", "t3"), "postgres://h/t3");
    }
}
