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
    #[error("the store is shutting down")]
    Closed,
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
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
            _ => StoreError::Database(e),
        }
    }
}

impl StoreError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StoreError::Io {
            context: context.into(),
            source,
        }
    }
}
