//! The case records reports and documents are computed from: one per case, as the store
//! projects it (current fields and state, and the dated actions of its history). Reports are
//! pure functions of these, so a figure can always be traced back to the records behind it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// The case id (a UUID), used in links to the case page.
    pub id: String,
    /// The formal case number, once the case has one.
    pub number: Option<String>,
    /// The procedure's code, e.g. `disclosure_request`.
    pub procedure: String,
    /// The department the case belongs to (its code), if any.
    pub department: Option<String>,
    /// The current state's code.
    pub state: String,
    /// Whether the current state ends the case.
    pub terminal: bool,
    /// The case's current field values, normalised by the engine.
    pub fields: BTreeMap<String, Value>,
    /// The date of the first action (registration).
    pub opened_on: NaiveDate,
    /// The date of the action that reached the terminal state, if the case has ended.
    pub concluded_on: Option<NaiveDate>,
    /// Every action taken, in order, with the date it was effective.
    pub actions: Vec<ActionTaken>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionTaken {
    pub action: String,
    pub on: NaiveDate,
}

impl CaseRecord {
    /// A text field's value, if set.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    /// A date field's value, if set and well-formed.
    pub fn date(&self, field: &str) -> Option<NaiveDate> {
        self.text(field)
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
    }

    /// An integer (or money, in fen) field's value, if set.
    pub fn integer(&self, field: &str) -> Option<i64> {
        self.fields.get(field).and_then(Value::as_i64)
    }

    /// A boolean field's value; an unset field reads as `false` (an unticked box).
    pub fn flag(&self, field: &str) -> bool {
        self.fields
            .get(field)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Whether the case had ended by the end of `day`.
    pub fn concluded_by(&self, day: NaiveDate) -> bool {
        self.concluded_on.is_some_and(|d| d <= day)
    }

    /// Whether the action was taken at least once.
    pub fn took(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a.action == action)
    }
}
