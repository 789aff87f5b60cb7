//! The store's error type.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row that must be unique already exists (e.g. a user name).
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// A precondition on a row's version failed: somebody changed it first.
    #[error("conflict: {what} was changed by someone else (expected version {expected})")]
    Conflict { what: String, expected: i64 },
    #[error("not found: {0}")]
    NotFound(String),
    /// The caller asked for something the data does not allow (explained in the message).
    #[error("{0}")]
    Invalid(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The disk (or the database server's) is full: nothing was written; writes work again
    /// once there is room, without a restart.
    #[error("storage full: {0}")]
    DiskFull(String),
    #[error("the store is shutting down")]
    Closed,
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// From the SQLite writer's own connection.
    #[error("database error: {0}")]
    Embedded(#[source] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate(db.message().to_string())
            }
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            // SQLite's SQLITE_FULL (13), PostgreSQL's disk_full (53100).
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("13") | Some("53100")) =>
            {
                StoreError::DiskFull(db.message().to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(code, message)
                if code.code == rusqlite::ErrorCode::ConstraintViolation
                    && matches!(
                        code.extended_code,
                        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    ) =>
            {
                StoreError::Duplicate(message.clone().unwrap_or_else(|| e.to_string()))
            }
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound("row".into()),
            rusqlite::Error::SqliteFailure(code, _)
                if code.code == rusqlite::ErrorCode::DiskFull =>
            {
                StoreError::DiskFull(e.to_string())
            }
            _ => StoreError::Embedded(e),
        }
    }
}

impl StoreError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::StorageFull {
            return StoreError::DiskFull(format!("{}: {source}", context.into()));
        }
        StoreError::Io {
            context: context.into(),
            source,
        }
    }
}
