//! The few rules of law that are arithmetic rather than conditions, which a definition names
//! on an action (`rule = "case_file_score"`) and the engine checks with every such step. A
//! definition may only name rules listed here.

use serde_json::Value;
use std::collections::BTreeMap;

/// The rules a definition may name.
pub const KNOWN: &[&str] = &["case_file_score"];

/// Checks a step's fields (merged with the case's) against a named rule; the error says in
/// Chinese what does not add up.
pub fn check(rule: &str, fields: &BTreeMap<String, Value>) -> Result<(), String> {
    match rule {
        // A case file's total is form + content, and its grade follows the score bands and
        // the veto items (案卷评查).
        "case_file_score" => {
            crate::evaluation::check_recorded(fields, &crate::evaluation::Bands::default())
        }
        _ => Ok(()),
    }
}
