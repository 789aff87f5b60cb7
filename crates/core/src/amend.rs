//! Versions of a procedure written as the differences from another version.
//!
//! A law's earlier (or later) text usually differs from the version beside it in a few periods,
//! steps and fields, so a version file may say only what differs: `[procedure] amends =
//! "<version>"` names the version it is written against, and the rest of the file replaces,
//! adds and removes parts of that version:
//!
//! - `[procedure]`, `[online]`, `[grading]`: each key given replaces the base's;
//! - `[fields.<code>]`, `[states.<code>]`, `[roles]` entries: each replaces the base's whole
//!   entry of that code, or adds it;
//! - `[[actions]]`, `[[clocks]]`, `[[documents]]`, `[[publications]]`: each replaces the base's
//!   entry with the same `code`, or is added;
//! - `[remove]`: `fields`, `states`, `actions`, `clocks`, `documents`, `publications`, `roles`
//!   list the codes of the base's entries this version does not have;
//! - `[cites]`: the article numbers of the base's text as this version numbers them
//!   (`"第五十七条" = "第三十八条"`): every `basis`, `message`, `help` and `intro` taken from the
//!   base is renumbered, all keys at once and the longest first, so a revision that renumbered
//!   a law does not leave the older version citing the newer text.
//!
//! The result is then read and checked exactly as a whole file is, so a removed action still
//! named by a clock is an error naming both.

use crate::procedure::DefinitionError;
use toml::{Table, Value};

/// The key of `[procedure]` that names the version a file amends.
pub const AMENDS: &str = "amends";

/// Tables whose entries an amendment replaces whole, by code.
const ENTRY_TABLES: &[&str] = &["fields", "states", "roles"];
/// Tables whose keys an amendment replaces one by one.
const KEY_TABLES: &[&str] = &["procedure", "online", "grading"];
/// Keys whose text cites articles, renumbered by `[cites]`.
const CITING_KEYS: &[&str] = &["basis", "message", "help", "intro"];
/// Arrays of tables matched by their `code`.
const CODED_ARRAYS: &[&str] = &["actions", "clocks", "documents", "publications"];

/// The version a definition file amends, if it is an amendment.
pub fn amended_version(file: &Table) -> Option<&str> {
    file.get("procedure")?.get(AMENDS)?.as_str()
}

/// The whole definition: `base` with `amendment` applied (both already parsed as TOML).
/// `file` names the amendment in errors.
pub fn apply(file: &str, base: &Table, amendment: &Table) -> Result<Table, Vec<DefinitionError>> {
    let mut errors = Vec::new();
    let error = |at: &str, message: String| DefinitionError {
        file: file.to_string(),
        at: at.to_string(),
        message,
    };
    let mut merged = base.clone();
    match amendment.get("cites") {
        None => {}
        Some(Value::Table(cites)) => {
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            for (from, to) in cites {
                match to.as_str() {
                    Some(to) if !from.is_empty() => pairs.push((from.as_str(), to)),
                    _ => errors.push(error(
                        &format!("cites.{from}"),
                        "a citation is renumbered to a text".to_string(),
                    )),
                }
            }
            pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
            renumber(&mut merged, &pairs, false);
        }
        Some(_) => errors.push(error("cites", "[cites] is a table of texts".to_string())),
    }
    for (key, value) in amendment {
        let at = key.as_str();
        match (key.as_str(), value) {
            ("remove" | "cites", _) => {}
            (k, Value::Table(entries)) if ENTRY_TABLES.contains(&k) || KEY_TABLES.contains(&k) => {
                let target = merged
                    .entry(k.to_string())
                    .or_insert_with(|| Value::Table(Table::new()));
                match target.as_table_mut() {
                    Some(target) => {
                        for (code, entry) in entries {
                            target.insert(code.clone(), entry.clone());
                        }
                    }
                    None => errors.push(error(at, format!("the base's “{k}” is not a table"))),
                }
            }
            (k, Value::Array(items)) if CODED_ARRAYS.contains(&k) => {
                let target = merged
                    .entry(k.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                let Some(target) = target.as_array_mut() else {
                    errors.push(error(at, format!("the base's “{k}” is not a list")));
                    continue;
                };
                for item in items {
                    let Some(code) = item.get("code").and_then(Value::as_str) else {
                        errors.push(error(at, format!("every entry of [[{k}]] needs a code")));
                        continue;
                    };
                    match target
                        .iter_mut()
                        .find(|t| t.get("code").and_then(Value::as_str) == Some(code))
                    {
                        Some(existing) => *existing = item.clone(),
                        None => target.push(item.clone()),
                    }
                }
            }
            (k, _) => errors.push(error(
                at,
                format!(
                    "an amending version may change [procedure], [online], [grading], \
                     [fields.*], [states.*], [roles], [[actions]], [[clocks]], [[documents]], \
                     [[publications]] and [remove]; not “{k}”"
                ),
            )),
        }
    }
    if let Some(procedure) = merged.get_mut("procedure").and_then(Value::as_table_mut) {
        procedure.remove(AMENDS);
    }
    match amendment.get("remove") {
        None => {}
        Some(Value::Table(remove)) => {
            for (part, codes) in remove {
                let at = format!("remove.{part}");
                let Some(codes) = codes.as_array() else {
                    errors.push(error(&at, "a list of codes".to_string()));
                    continue;
                };
                for code in codes {
                    let Some(code) = code.as_str() else {
                        errors.push(error(&at, "a list of codes".to_string()));
                        continue;
                    };
                    if !remove_entry(&mut merged, part, code) {
                        errors.push(error(
                            &at,
                            format!("the amended version has no “{code}” in {part}"),
                        ));
                    }
                }
            }
        }
        Some(_) => errors.push(error("remove", "[remove] is a table of lists".to_string())),
    }
    if errors.is_empty() {
        Ok(merged)
    } else {
        Err(errors)
    }
}

/// Renumbers the citations in every citing text under `table` (`citing`: the table is itself
/// under a citing key).
fn renumber(table: &mut Table, pairs: &[(&str, &str)], citing: bool) {
    for (key, value) in table.iter_mut() {
        renumber_value(value, pairs, citing || CITING_KEYS.contains(&key.as_str()));
    }
}

fn renumber_value(value: &mut Value, pairs: &[(&str, &str)], citing: bool) {
    match value {
        Value::String(text) if citing => *text = replace_all_at_once(text, pairs),
        Value::Table(t) => renumber(t, pairs, citing),
        Value::Array(items) => {
            for item in items {
                renumber_value(item, pairs, citing);
            }
        }
        _ => {}
    }
}

/// `text` with every occurrence of a `pairs` key replaced, scanning once from the left and
/// trying the longest key first at each place, so no replacement is replaced again.
fn replace_all_at_once(text: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        for (from, to) in pairs {
            if let Some(after) = rest.strip_prefix(from) {
                out.push_str(to);
                rest = after;
                continue 'scan;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Removes the entry `code` of `part`; false when there is none.
fn remove_entry(file: &mut Table, part: &str, code: &str) -> bool {
    match file.get_mut(part) {
        Some(Value::Table(entries)) if ENTRY_TABLES.contains(&part) => {
            entries.remove(code).is_some()
        }
        Some(Value::Array(items)) if CODED_ARRAYS.contains(&part) => {
            let before = items.len();
            items.retain(|i| i.get("code").and_then(Value::as_str) != Some(code));
            items.len() < before
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    const BASE: &str = r#"
[procedure]
code = "p"
version = "2024"
[fields.a]
type = "text"
zh = "甲"
[fields.b]
type = "text"
zh = "乙"
[[clocks]]
code = "c1"
length = "5wd"
[[clocks]]
code = "c2"
length = "3wd"
"#;

    #[test]
    fn replaces_adds_and_removes_by_code() {
        let amendment = table(
            r#"
[procedure]
amends = "2024"
version = "2017"
[fields.a]
type = "date"
zh = "甲日"
[[clocks]]
code = "c1"
length = "15wd"
[[clocks]]
code = "c3"
length = "1d"
[remove]
fields = ["b"]
clocks = ["c2"]
"#,
        );
        let merged = apply("p-2017.toml", &table(BASE), &amendment).unwrap();
        assert_eq!(merged["procedure"]["version"].as_str(), Some("2017"));
        assert_eq!(merged["procedure"]["code"].as_str(), Some("p"));
        assert!(merged["procedure"].get(AMENDS).is_none());
        assert_eq!(merged["fields"]["a"]["type"].as_str(), Some("date"));
        assert!(merged["fields"].get("b").is_none());
        let clocks: Vec<(&str, &str)> = merged["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["code"].as_str().unwrap(), c["length"].as_str().unwrap()))
            .collect();
        assert_eq!(clocks, [("c1", "15wd"), ("c3", "1d")]);
    }

    #[test]
    fn cites_renumber_the_base_text_at_once_and_not_the_amendment() {
        let base = table(
            r#"
[procedure]
code = "p"
version = "2021"
[[actions]]
code = "a"
basis = "行政处罚法第六十三条、第六十四条第一项、第四十二条"
guards = [{ taken = "x", message = "见第六十三条", basis = "第四十二条" }]
[[actions]]
code = "b"
zh = "第六十三条"
basis = "第六十三条"
"#,
        );
        let amendment = table(
            r#"
[procedure]
amends = "2021"
[cites]
"第六十三条" = "第四十二条"
"第六十四条第一项" = "第四十二条第一款第一项"
"第六十四条" = "第四十二条"
"第四十二条" = "第三十七条第一款"
[[actions]]
code = "b"
zh = "第六十三条"
basis = "第四十二条"
"#,
        );
        let merged = apply("p.toml", &base, &amendment).unwrap();
        let actions = merged["actions"].as_array().unwrap();
        assert_eq!(
            actions[0]["basis"].as_str(),
            Some("行政处罚法第四十二条、第四十二条第一款第一项、第三十七条第一款")
        );
        assert_eq!(
            actions[0]["guards"][0]["message"].as_str(),
            Some("见第四十二条")
        );
        assert_eq!(
            actions[0]["guards"][0]["basis"].as_str(),
            Some("第三十七条第一款")
        );
        // The amendment's own text is already in its numbering; labels are not citations.
        assert_eq!(actions[1]["basis"].as_str(), Some("第四十二条"));
        assert_eq!(actions[1]["zh"].as_str(), Some("第六十三条"));
    }

    #[test]
    fn removing_what_the_base_lacks_or_an_unknown_part_is_named() {
        let amendment = table(
            r#"
[procedure]
amends = "2024"
[remove]
clocks = ["nope"]
[other]
x = 1
"#,
        );
        let errors = apply("p-2017.toml", &table(BASE), &amendment).unwrap_err();
        let text: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.at, e.message))
            .collect();
        assert!(
            text.iter()
                .any(|e| e.contains("remove.clocks") && e.contains("nope")),
            "{text:?}"
        );
        assert!(text.iter().any(|e| e.contains("“other”")), "{text:?}");
        assert!(errors.iter().all(|e| e.file == "p-2017.toml"));
    }
}
