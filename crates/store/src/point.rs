//! Point reads on SQLite without leaving the calling thread.
//!
//! Every request reads its user and most read the case they act on. Through sqlx each such
//! read is a hand-over to a worker thread and back (docs/benchmarks.md: the hand-overs cost
//! more than SQLite's work). These reads look up one row by key, from the page cache nearly
//! always, so they run here, on the caller's thread, on a small pool of rusqlite connections —
//! as long as a short computation would. Everything else still goes through the read pool.

use crate::Result;
use std::path::PathBuf;
use std::sync::Mutex;

/// Idle connections kept (one per core is plenty; more are opened if needed, then dropped).
const KEEP: usize = 8;

pub(crate) struct PointReads {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl PointReads {
    pub fn new(path: PathBuf) -> PointReads {
        PointReads {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch("PRAGMA busy_timeout = 30000; PRAGMA cache_size = -8000;")?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    /// Runs `read` on an idle connection (each statement sees every commit acknowledged
    /// before it began).
    pub fn with<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let idle = self.idle.lock().expect("not poisoned").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = read(&conn);
        let mut idle = self.idle.lock().expect("not poisoned");
        if idle.len() < KEEP {
            idle.push(conn);
        }
        Ok(result?)
    }
}
