//! The few rules of law that are arithmetic rather than conditions, which a definition names
//! on an action (`rule = "case_file_score"`) and the engine checks with every such step. A
//! definition may only name rules listed here; what a rule reads of the definition (the
//! grading of case files) is checked when the definition is loaded.

use crate::procedure::Definition;
use serde_json::Value;
use std::collections::BTreeMap;

/// A case file's score: the total is the sum of the parts, the grade follows [grading].
pub const CASE_FILE_SCORE: &str = "case_file_score";

/// The rules a definition may name.
pub const KNOWN: &[&str] = &[CASE_FILE_SCORE];

/// Checks a step's fields (merged with the case's) against a named rule of its definition;
/// the error says in Chinese what does not add up.
pub fn check(
    rule: &str,
    definition: &Definition,
    fields: &BTreeMap<String, Value>,
) -> Result<(), String> {
    match rule {
        // A case file's total is the sum of its parts, and its grade follows the veto items
        // and score bands of the definition's [grading] (案卷评查).
        CASE_FILE_SCORE => crate::evaluation::check_recorded(definition, fields),
        _ => Ok(()),
    }
}

/// What a named rule needs of the definition that names it (an English message for the
/// definition's author, placed by the caller).
pub fn check_definition(rule: &str, definition: &Definition) -> Result<(), String> {
    match rule {
        "case_file_score" => crate::evaluation::check_definition(definition),
        _ => Ok(()),
    }
}
