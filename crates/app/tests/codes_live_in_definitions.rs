//! A procedure's codes live in its definition, not in Rust: no string literal in the
//! workspace's non-test Rust equals the code of a shipped procedure, or of one of its actions
//! or states — except the entries of [`ALLOWED`], each with its reason. A new procedure, a
//! renamed action or a new report figure is then a change of data, and the reports and screens
//! that read definitions (tags, roles) follow it without Rust.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (file, literal — `*` for every literal of the file, why it may be there).
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "crates/report/src/disclosure.rs",
        "*",
        "the national disclosure annual report (国办公开办函〔2021〕30号 and the 2019 format) maps \
         the states and outcomes of these three procedures to the rows of fixed national tables: \
         genuinely special law",
    ),
    (
        "crates/app/src/reports.rs",
        "disclosure_request|reconsideration|litigation",
        "the procedures the national disclosure report reads (its fixed tables, as above)",
    ),
    (
        "crates/cli/src/demo.rs",
        "accept|refuse|register|request_supplement",
        "actions of the demo's own example procedure (demo/sample-permit.toml), which is not \
         shipped in procedures/ and shares these words",
    ),
    (
        "crates/cli/src/bench.rs",
        "*",
        "the benchmark's own procedure (BENCH_PROCEDURE, sharing words such as open/close) and \
         the procedures of the demo records it generates, which its lists page through (as the \
         demo generators, until #13); `serve` is a command-line argument",
    ),
    (
        "crates/store/src/testing.rs",
        "open",
        "a panic message of the test-support module",
    ),
    (
        "crates/core/src/org.rs",
        "enforcement_body",
        "a department kind (DepartmentKind::EnforcementBody), not the procedure",
    ),
    (
        "crates/store/src/notifications.rs",
        "failed",
        "an outbox status",
    ),
    (
        "crates/web/src/cases.rs",
        "closed",
        "a query parameter of case lists",
    ),
    (
        "crates/web/src/console/calendar.rs",
        "published",
        "a column of the calendar page (the date a notice was published)",
    ),
    (
        "crates/web/src/console/reports.rs",
        "concluded|received",
        "keys of a statistics table's figures",
    ),
    (
        "crates/app/src/cases.rs",
        "effective",
        "a key of the clock-expiry event's payload",
    ),
    (
        "crates/app/src/figures.rs",
        "concluded",
        "a figure's period in the report file format (the year a case reached its end), not a state",
    ),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The codes of every shipped definition: code → what it is (procedure, action, state).
fn codes() -> BTreeMap<String, BTreeSet<&'static str>> {
    let registry = fazhi_app::loading::procedures(None).expect("the shipped definitions");
    let mut codes: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for d in registry.all() {
        codes.entry(d.code.clone()).or_default().insert("procedure");
        for a in &d.actions {
            codes.entry(a.code.clone()).or_default().insert("action");
        }
        for s in &d.states {
            codes.entry(s.code.clone()).or_default().insert("state");
        }
    }
    codes
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of Rust source outside comments, with their line numbers. Raw strings,
/// escapes and character literals are understood well enough for this check.
fn literals(source: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
                i += 2;
            }
            // A character literal ('"', '\'', 'x'); a lifetime ('a) has no closing quote.
            '\'' if next == Some('\\') => {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '\'' if chars.get(i + 2) == Some(&'\'') => i += 3,
            'r' if (next == Some('"') || next == Some('#'))
                && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let start = j + 1;
                let mut k = start;
                loop {
                    if k >= chars.len() {
                        break;
                    }
                    if chars[k] == '"' && (0..hashes).all(|h| chars.get(k + 1 + h) == Some(&'#')) {
                        break;
                    }
                    k += 1;
                }
                let text: String = chars[start..k.min(chars.len())].iter().collect();
                out.push((line, text.clone()));
                line += text.matches('\n').count();
                i = k + 1 + hashes;
            }
            '"' => {
                let mut text = String::new();
                let mut k = i + 1;
                while k < chars.len() && chars[k] != '"' {
                    if chars[k] == '\\' {
                        k += 1;
                    }
                    if let Some(&ch) = chars.get(k) {
                        text.push(ch);
                    }
                    k += 1;
                }
                out.push((line, text.clone()));
                line += text.matches('\n').count();
                i = k + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Test modules (`#[cfg(test)]`) close the files they are in.
fn without_tests(source: &str) -> &str {
    source.find("#[cfg(test)]").map_or(source, |i| &source[..i])
}

fn allowed(file: &str, literal: &str) -> bool {
    ALLOWED
        .iter()
        .any(|(f, l, _)| *f == file && (*l == "*" || l.split('|').any(|x| x == literal)))
}

#[test]
fn no_procedure_action_or_state_code_is_written_in_rust() {
    let codes = codes();
    assert!(
        codes.len() > 100,
        "the shipped definitions have their codes"
    );
    let root = root();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).expect("crates/") {
        let src = krate.expect("a crate").path().join("src");
        if src.exists() {
            rust_files(&src, &mut files);
        }
    }
    files.sort();
    let mut found = Vec::new();
    let mut used = BTreeSet::new();
    for path in &files {
        let file = path
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(path).expect("readable");
        for (line, literal) in literals(without_tests(&source)) {
            let Some(kinds) = codes.get(&literal) else {
                continue;
            };
            if allowed(&file, &literal) {
                used.insert(file.clone());
                continue;
            }
            let kinds: Vec<&str> = kinds.iter().copied().collect();
            found.push(format!(
                "{file}:{line}: \"{literal}\" ({})",
                kinds.join(", ")
            ));
        }
    }
    assert!(
        found.is_empty(),
        "codes of shipped definitions written in Rust — read them from the definition (its \
         tags, roles, documents, rules) or, if the law is genuinely special, add an entry with \
         its reason to ALLOWED:\n{}",
        found.join("\n")
    );
    // An entry that no longer excuses anything is removed, so that the list stays short.
    let stale: Vec<&str> = ALLOWED
        .iter()
        .map(|(f, _, _)| *f)
        .filter(|f| !used.contains(*f))
        .collect();
    assert!(
        stale.is_empty(),
        "ALLOWED entries no longer needed: {stale:?}"
    );
}

#[test]
fn the_literal_reader_sees_strings_not_comments() {
    let source = r##"
        // "register" in a comment
        /* "reply" in a block */
        let a = "accept"; let c = '"'; let d = '\''; fn f<'a>(x: &'a str) {}
        let raw = r#"with "quotes""#; let e = "esc\"aped";
    "##;
    let found: Vec<String> = literals(source).into_iter().map(|(_, l)| l).collect();
    assert_eq!(found, vec!["accept", "with \"quotes\"", "esc\"aped"]);
}
