//! A write: the events a command produced and the projection rows they change, applied
//! together or not at all.

use fazhi_core::NewEvent;

/// A typed column value. Nulls carry their type because PostgreSQL wants a typed parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    I64(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Bool(Option<bool>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::I64(Some(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(Some(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}

pub type Columns = Vec<(&'static str, Value)>;

/// A change to a projection row. Table and column names are compile-time constants of this
/// crate, never user input; values are always bound as parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOp {
    Insert {
        table: &'static str,
        values: Columns,
    },
    /// Updates the row matching `key`. With `expect_version`, the row must still be at that
    /// version (optimistic concurrency) and its `version` column is incremented; otherwise the
    /// write fails with [`crate::StoreError::Conflict`].
    Update {
        table: &'static str,
        key: Columns,
        set: Columns,
        expect_version: Option<i64>,
    },
    Delete {
        table: &'static str,
        key: Columns,
    },
    /// Deletes every row matching `key`, however many (none is not an error).
    DeleteAll {
        table: &'static str,
        key: Columns,
    },
    /// Updates every row matching `key`, however many (none is not an error).
    UpdateAll {
        table: &'static str,
        key: Columns,
        set: Columns,
    },
}

/// Events plus the rows they change. Each event is appended to its region's chain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    pub events: Vec<NewEvent>,
    pub ops: Vec<RowOp>,
    /// A formal number to draw, inside the transaction, for the case this batch creates.
    pub number: Option<NumberRequest>,
}

/// Draws the next value of a counter in the write's own transaction (so numbers have no gaps
/// and no duplicates, whatever the concurrency) and writes the number into the first event's
/// payload (`"number"`) and the case row.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberRequest {
    /// The counter, e.g. `210212|disclosure_request|2019`.
    pub counter: String,
    /// The number with `{year}` filled in and `{seq}` / `{seq:N}` still open.
    pub template: String,
    pub case_id: String,
}

impl WriteBatch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn event(mut self, event: NewEvent) -> Self {
        self.events.push(event);
        self
    }

    pub fn op(mut self, op: RowOp) -> Self {
        self.ops.push(op);
        self
    }

    pub fn insert(self, table: &'static str, values: Columns) -> Self {
        self.op(RowOp::Insert { table, values })
    }

    pub fn update(
        self,
        table: &'static str,
        key: Columns,
        set: Columns,
        expect_version: Option<i64>,
    ) -> Self {
        self.op(RowOp::Update {
            table,
            key,
            set,
            expect_version,
        })
    }
}

/// The SQL text of an op, with `$n` placeholders in the order of [`RowOp::params`].
impl RowOp {
    pub(crate) fn sql(&self) -> String {
        let placeholders = |from: usize, n: usize| -> Vec<String> {
            (from..from + n).map(|i| format!("${i}")).collect()
        };
        match self {
            RowOp::Insert { table, values } => {
                let names: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
                format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names.join(", "),
                    placeholders(1, values.len()).join(", ")
                )
            }
            RowOp::Update {
                table,
                key,
                set,
                expect_version,
            } => {
                let mut n = 0;
                let mut next = || {
                    n += 1;
                    format!("${n}")
                };
                let mut assignments: Vec<String> = set
                    .iter()
                    .map(|(c, _)| format!("{c} = {}", next()))
                    .collect();
                if expect_version.is_some() {
                    assignments.push("version = version + 1".into());
                }
                let mut conditions: Vec<String> = key
                    .iter()
                    .map(|(c, _)| format!("{c} = {}", next()))
                    .collect();
                if expect_version.is_some() {
                    conditions.push(format!("version = {}", next()));
                }
                format!(
                    "UPDATE {table} SET {} WHERE {}",
                    assignments.join(", "),
                    conditions.join(" AND ")
                )
            }
            RowOp::UpdateAll { table, key, set } => RowOp::Update {
                table,
                key: key.clone(),
                set: set.clone(),
                expect_version: None,
            }
            .sql(),
            RowOp::Delete { table, key } | RowOp::DeleteAll { table, key } => {
                let conditions: Vec<String> = key
                    .iter()
                    .enumerate()
                    .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
                    .collect();
                format!("DELETE FROM {table} WHERE {}", conditions.join(" AND "))
            }
        }
    }

    pub(crate) fn params(&self) -> Vec<Value> {
        match self {
            RowOp::Insert { values, .. } => values.iter().map(|(_, v)| v.clone()).collect(),
            RowOp::Update {
                key,
                set,
                expect_version,
                ..
            } => set
                .iter()
                .chain(key.iter())
                .map(|(_, v)| v.clone())
                .chain(expect_version.map(Value::from))
                .collect(),
            RowOp::Delete { key, .. } | RowOp::DeleteAll { key, .. } => {
                key.iter().map(|(_, v)| v.clone()).collect()
            }
            RowOp::UpdateAll { key, set, .. } => set
                .iter()
                .chain(key.iter())
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }

    /// What the op is about, for error messages: `departments id=…`.
    pub(crate) fn describe(&self) -> String {
        let (table, key) = match self {
            RowOp::Insert { table, values } => (table, values.first().into_iter().collect()),
            RowOp::Update { table, key, .. }
            | RowOp::Delete { table, key }
            | RowOp::DeleteAll { table, key }
            | RowOp::UpdateAll { table, key, .. } => (table, key.iter().collect::<Vec<_>>()),
        };
        let key: Vec<String> = key
            .iter()
            .map(|(c, v)| match v {
                Value::Text(Some(t)) => format!("{c}={t}"),
                Value::I64(Some(i)) => format!("{c}={i}"),
                _ => c.to_string(),
            })
            .collect();
        format!("{table} {}", key.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_sql_binds_set_then_key_then_version() {
        let op = RowOp::Update {
            table: "departments",
            key: vec![("id", "d1".into())],
            set: vec![("name", "司法局".into()), ("updated_at", 5i64.into())],
            expect_version: Some(3),
        };
        assert_eq!(
            op.sql(),
            "UPDATE departments SET name = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4"
        );
        assert_eq!(
            op.params(),
            vec!["司法局".into(), 5i64.into(), "d1".into(), 3i64.into()]
        );
    }

    #[test]
    fn insert_and_delete_sql() {
        let insert = RowOp::Insert {
            table: "grants",
            values: vec![("user_id", "u".into()), ("role", "admin".into())],
        };
        assert_eq!(
            insert.sql(),
            "INSERT INTO grants (user_id, role) VALUES ($1, $2)"
        );
        let delete = RowOp::Delete {
            table: "grants",
            key: vec![("user_id", "u".into())],
        };
        assert_eq!(delete.sql(), "DELETE FROM grants WHERE user_id = $1");
    }
}
