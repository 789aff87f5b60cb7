//! Who holds the store. A running server holds it shared — on SQLite a lock on a file beside
//! the database, on PostgreSQL a session advisory lock — and a restore, which replaces every
//! row, takes it exclusively: so a restore refuses while any server runs on the store (one
//! that kept writing would interleave its rows with the backup's), and a server does not start
//! while a restore is under way. The locks go with the process: one that dies holds nothing.

use crate::{Location, Result, Store, StoreError};
use sqlx::Connection;
use std::fs::{File, TryLockError};

/// The lock file beside a SQLite store's database.
pub const LOCK_FILE: &str = "fazhi.lock";
/// The advisory lock key on PostgreSQL ("fazhi" in ASCII).
const ADVISORY_KEY: i64 = 0x66_61_7a_68_69;

/// A hold on the store, released when dropped (or, waiting until the database has let go of
/// it, by [`StoreLock::release`]).
pub struct StoreLock {
    _file: Option<File>,
    _connection: Option<sqlx::PgConnection>,
}

impl StoreLock {
    /// Lets go of the hold and waits until it is gone (a PostgreSQL session ends when its
    /// connection closes, which a drop only starts).
    pub async fn release(mut self) {
        if let Some(connection) = self._connection.take() {
            let _ = connection.close().await;
        }
    }
}

/// Why a hold was not had.
enum Held {
    ByOther,
    Failed(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hold {
    Shared,
    Exclusive,
}

impl Store {
    /// Held by a server for as long as it runs.
    pub async fn hold_for_serving(&self) -> Result<StoreLock> {
        self.hold(Hold::Shared).await.map_err(|held| match held {
            Held::ByOther => {
                StoreError::Invalid("正在恢复备份，服务器暂不能启动：请等恢复完成后再启动".into())
            }
            Held::Failed(why) => StoreError::Invalid(format!("无法锁定数据库：{why}")),
        })
    }

    /// Held by a restore while it replaces the store's rows. A server that has just stopped
    /// may take a moment to let go: a few tries over a second or so before refusing.
    pub(crate) async fn hold_exclusively(&self) -> Result<StoreLock> {
        let mut tries = 0;
        let held = loop {
            match self.hold(Hold::Exclusive).await {
                Err(Held::ByOther) if tries < 5 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                other => break other,
            }
        };
        held.map_err(|held| match held {
            Held::ByOther => StoreError::Invalid(
                "有服务器（fazhi serve）正在使用这个库：请先停止所有服务器，再恢复备份（恢复会替换全部记录）"
                    .into(),
            ),
            Held::Failed(why) => StoreError::Invalid(format!("无法锁定数据库：{why}")),
        })
    }

    async fn hold(&self, hold: Hold) -> std::result::Result<StoreLock, Held> {
        match &self.location {
            Location::DataDir(dir) => {
                let path = dir.join(LOCK_FILE);
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(|e| Held::Failed(format!("{}: {e}", path.display())))?;
                let taken = match hold {
                    Hold::Shared => file.try_lock_shared(),
                    Hold::Exclusive => file.try_lock(),
                };
                match taken {
                    Ok(()) => Ok(StoreLock {
                        _file: Some(file),
                        _connection: None,
                    }),
                    Err(TryLockError::WouldBlock) => Err(Held::ByOther),
                    Err(TryLockError::Error(e)) => Err(Held::Failed(e.to_string())),
                }
            }
            Location::Postgres(url) => {
                let mut connection = sqlx::PgConnection::connect(url)
                    .await
                    .map_err(|e| Held::Failed(e.to_string()))?;
                let sql = match hold {
                    Hold::Shared => "SELECT pg_try_advisory_lock_shared($1)",
                    Hold::Exclusive => "SELECT pg_try_advisory_lock($1)",
                };
                let taken: bool = sqlx::query_scalar(sql)
                    .bind(ADVISORY_KEY)
                    .fetch_one(&mut connection)
                    .await
                    .map_err(|e| Held::Failed(e.to_string()))?;
                if !taken {
                    let _ = connection.close().await;
                    return Err(Held::ByOther);
                }
                Ok(StoreLock {
                    _file: None,
                    _connection: Some(connection),
                })
            }
        }
    }
}
