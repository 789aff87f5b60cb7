//! The default official-document templates against the procedure definitions in
//! `procedures/`, so that the two can never drift apart:
//!
//! - every `fields.X`, `display.X` and `deadlines.X` a template names is a field (a clock) of
//!   its procedure's definition (of at least one of its versions), a `fields.X.Y` is a party
//!   field's attribute, and the fields and clocks are only reached by these dotted names;
//! - every string a field is compared with (`==`, `!=`, `in [...]`, `is startingwith(...)`,
//!   directly or through `{% set x = fields.X %}`) is a code of that field's enum;
//! - every template renders, to HTML and to DOCX, against a case record whose every field is
//!   filled with a plausible value of its type (normalised by the engine, as the store keeps
//!   it), for every version of the definition, with and without the clocks' due dates.

mod common;

use chrono::{Days, NaiveDate};
use fazhi_core::engine::normalise;
use fazhi_core::procedure::{Definition, Field, FieldType};
use fazhi_report::docx::{self, Fonts};
use fazhi_report::templates::{DocumentContext, Template, format_yuan};
use fazhi_report::{Block, CaseRecord, Document, html};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

/// The attributes a party value may have (see `fazhi_core::engine::normalise`).
const PARTY_ATTRIBUTES: [&str; 7] = [
    "kind",
    "name",
    "id_number",
    "credit_code",
    "address",
    "phone",
    "representative",
];

/// Every definition in `procedures/`, by procedure code (all versions).
fn definitions() -> BTreeMap<String, Vec<Definition>> {
    let mut out: BTreeMap<String, Vec<Definition>> = BTreeMap::new();
    for path in common::definition_files() {
        let definition = common::parse(&path);
        out.entry(definition.code.clone())
            .or_default()
            .push(definition);
    }
    out
}

// ---------------------------------------------------------------------------------------
// What a template names

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A name, dots included (`fields.applicant.name`).
    Name(String),
    Str(String),
    Op(String),
}

/// The code inside `{{ … }}` and `{% … %}` tags, one string per tag (comments skipped).
fn tags(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let close = match rest.get(start..start + 2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            Some("{#") => "#}",
            _ => {
                rest = &rest[start + 1..];
                continue;
            }
        };
        let inner = &rest[start + 2..];
        let end = inner.find(close).expect("templates parse, so tags close");
        if close != "#}" {
            out.push(inner[..end].trim_matches(['-', '+', ' ']).to_string());
        }
        rest = &inner[end + 2..];
    }
    out
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let end = (i + 1..chars.len())
                .find(|&j| chars[j] == c)
                .expect("a closed string");
            out.push(Token::Str(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Token::Name(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["==", "!=", "<=", ">="].contains(&two.as_str()) {
                out.push(Token::Op(two));
                i += 2;
            } else {
                out.push(Token::Op(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// A field compared with a string: (field code, the string, whether it is a prefix).
type Comparison = (String, String, bool);

#[derive(Debug, Default)]
struct References {
    fields: BTreeSet<String>,
    display: BTreeSet<String>,
    deadlines: BTreeSet<String>,
    /// `fields.X.Y`: (X, Y).
    attributes: BTreeSet<(String, String)>,
    comparisons: Vec<Comparison>,
    /// Anything that reaches fields, display values or deadlines other than by a dotted name.
    other_access: Vec<String>,
}

fn references(text: &str) -> References {
    let mut refs = References::default();
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    for tag in tags(text) {
        let toks = tokens(&tag);
        // `set x = fields.X` (with filters only): x stands for the field in comparisons.
        if let [
            Token::Name(set),
            Token::Name(alias),
            Token::Op(eq),
            Token::Name(value),
            rest @ ..,
        ] = toks.as_slice()
            && set == "set"
            && eq == "="
            && let Some(code) = value.strip_prefix("fields.")
            && !code.contains('.')
            && rest
                .chunks(2)
                .all(|pair| matches!(pair, [Token::Op(bar), Token::Name(_)] if bar == "|"))
        {
            aliases.insert(alias.clone(), code.to_string());
        }
        for (i, token) in toks.iter().enumerate() {
            let Token::Name(name) = token else { continue };
            let mut parts = name.split('.');
            let root = parts.next().unwrap_or_default();
            let code = parts.next();
            let attribute = parts.next();
            let subject = match (root, code) {
                ("fields" | "display" | "deadlines", None) => {
                    refs.other_access
                        .push(format!("{tag}: “{name}” without a field code"));
                    continue;
                }
                ("fields", Some(code)) => {
                    refs.fields.insert(code.to_string());
                    if let Some(attribute) = attribute {
                        refs.attributes
                            .insert((code.to_string(), attribute.to_string()));
                        continue;
                    }
                    code.to_string()
                }
                ("display", Some(code)) => {
                    refs.display.insert(code.to_string());
                    continue;
                }
                ("deadlines", Some(code)) => {
                    refs.deadlines.insert(code.to_string());
                    continue;
                }
                (alias, None) if aliases.contains_key(alias) => aliases[alias].clone(),
                _ => continue,
            };
            // What the field is compared with: skip its filters, then read the operator.
            let mut j = i + 1;
            while let (Some(Token::Op(bar)), Some(Token::Name(_))) = (toks.get(j), toks.get(j + 1))
                && bar == "|"
            {
                j += 2;
            }
            let op = |k: usize| match toks.get(k) {
                Some(Token::Op(s) | Token::Name(s)) => s.as_str(),
                _ => "",
            };
            let list_from = |k: usize| -> Vec<String> {
                toks[k..]
                    .iter()
                    .take_while(|t| *t != &Token::Op("]".into()))
                    .filter_map(|t| match t {
                        Token::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect()
            };
            let compared: Vec<(String, bool)> = match (op(j), op(j + 1)) {
                ("==" | "!=", _) => match toks.get(j + 1) {
                    Some(Token::Str(s)) => vec![(s.clone(), false)],
                    _ => vec![],
                },
                ("in", "[") => list_from(j + 2).into_iter().map(|s| (s, false)).collect(),
                ("not", "in") if op(j + 2) == "[" => {
                    list_from(j + 3).into_iter().map(|s| (s, false)).collect()
                }
                ("is", "startingwith") => match toks.get(j + 3) {
                    Some(Token::Str(s)) => vec![(s.clone(), true)],
                    _ => vec![],
                },
                _ => vec![],
            };
            for (value, prefix) in compared {
                refs.comparisons.push((subject.clone(), value, prefix));
            }
        }
    }
    refs
}

#[test]
fn the_reference_reader_reads_what_templates_write() {
    let text = "# {{ fields.applicant.name }}\n\n{% set rt = fields.reply_type | required %}\n{% if rt == \"disclose\" or rt is startingwith(\"withhold_\") %}{{ display.channel }}{% endif %}{% if fields.decision_type not in [\"settled\", 'withdrawn'] and deadlines.reply %}x{% endif %}{# fields.ignored #}{{ fields[\"x\"] }}\n";
    let refs = references(text);
    assert_eq!(
        refs.fields,
        ["applicant", "decision_type", "reply_type"]
            .map(String::from)
            .into()
    );
    assert_eq!(refs.display, ["channel".to_string()].into());
    assert_eq!(refs.deadlines, ["reply".to_string()].into());
    assert_eq!(
        refs.attributes,
        [("applicant".to_string(), "name".to_string())].into()
    );
    let comparisons: Vec<(&str, &str, bool)> = refs
        .comparisons
        .iter()
        .map(|(f, v, p)| (f.as_str(), v.as_str(), *p))
        .collect();
    assert_eq!(
        comparisons,
        [
            ("reply_type", "disclose", false),
            ("reply_type", "withhold_", true),
            ("decision_type", "settled", false),
            ("decision_type", "withdrawn", false),
        ]
    );
    assert_eq!(refs.other_access.len(), 1, "{:?}", refs.other_access);
}

#[test]
fn templates_name_only_fields_clocks_and_codes_of_their_definition() {
    let definitions = definitions();
    let mut problems = Vec::new();
    for (procedure, document, _, text) in common::templates() {
        let at = format!("templates/{procedure}/{document}.md");
        let Some(versions) = definitions.get(&procedure) else {
            problems.push(format!(
                "{at}: no definition procedures/{procedure}/{procedure}-*.toml"
            ));
            continue;
        };
        let field = |code: &str| versions.iter().find_map(|d| d.field(code));
        let refs = references(&text);
        for code in refs.fields.iter().chain(&refs.display) {
            if field(code).is_none() {
                problems.push(format!("{at}: “{code}” is not a field of {procedure}"));
            }
        }
        for code in &refs.deadlines {
            if versions.iter().all(|d| d.clock(code).is_none()) {
                problems.push(format!(
                    "{at}: “deadlines.{code}” is not a clock of {procedure}"
                ));
            }
        }
        for (code, attribute) in &refs.attributes {
            let Some(f) = field(code) else { continue };
            if f.kind != FieldType::Party {
                problems.push(format!(
                    "{at}: “fields.{code}.{attribute}”: {code} is not a party"
                ));
            } else if !PARTY_ATTRIBUTES.contains(&attribute.as_str()) {
                problems.push(format!("{at}: a party has no “{attribute}” ({code})"));
            }
        }
        for (code, value, prefix) in &refs.comparisons {
            let Some(f) = field(code) else { continue };
            let known = versions
                .iter()
                .filter_map(|d| d.field(code))
                .flat_map(|f| &f.values)
                .any(|v| {
                    if *prefix {
                        v.code.starts_with(value.as_str())
                    } else {
                        v.code == *value
                    }
                });
            if f.kind != FieldType::Enum || !known {
                problems.push(format!(
                    "{at}: “{code}” compared with “{value}”, not one of its codes"
                ));
            }
        }
        for access in refs.other_access {
            problems.push(format!("{at}: {access}"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------
// A case record with every field filled

/// A plausible raw value for one field (or list element) of a type, as a form would give it.
fn raw_value(field: &Field, kind: FieldType, index: usize, date: NaiveDate) -> Value {
    let label = &field.label.zh;
    match kind {
        FieldType::Text if field.contact => json!("applicant@example.cn"),
        FieldType::Text => json!(format!("{label}（示例{}）", index + 1)),
        FieldType::LongText => json!(format!("{label}的第一点；\n{label}的第二点。")),
        FieldType::Date => json!(date.to_string()),
        FieldType::Datetime => json!(format!("{date}T09:30:00+08:00")),
        FieldType::Integer => json!(13),
        FieldType::Money => json!("300.00"),
        FieldType::Boolean => json!(true),
        FieldType::Enum => json!(field.values[0].code),
        FieldType::Party if index.is_multiple_of(2) => json!({
            "kind": "person",
            "name": "张三",
            "id_number": "110101199003071233",
            "phone": "13800000000",
            "address": "某某区幸福路1号"
        }),
        FieldType::Party => json!({
            "kind": "organisation",
            "name": "某某建设有限公司",
            "credit_code": "91110000600037341L",
            "address": "某某区工业园8号",
            "representative": "李四"
        }),
        FieldType::Department => json!("district-office"),
        FieldType::User => json!("zhangsan"),
        FieldType::Region => json!("110101"),
        FieldType::Attachment => json!({
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "name": "申请材料.pdf",
            "size": 10240,
            "media_type": "application/pdf"
        }),
        FieldType::List => {
            let of = field.of.expect("a list has an element type");
            json!([raw_value(field, of, 0, date), raw_value(field, of, 1, date)])
        }
    }
}

/// How a caller shows a stored value: enum labels, money in yuan, parties by name.
fn display_value(field: &Field, value: &Value) -> String {
    match (field.kind, value) {
        (FieldType::Enum, Value::String(code)) => field
            .values
            .iter()
            .find(|v| &v.code == code)
            .map(|v| v.zh.clone())
            .unwrap_or_else(|| code.clone()),
        (FieldType::Money, Value::Number(n)) => format!("{}元", format_yuan(n.as_i64().unwrap())),
        (FieldType::Boolean, Value::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
        (_, Value::Object(o)) => o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|item| display_value(field, item))
            .collect::<Vec<_>>()
            .join("、"),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// A case of the definition with every field filled, as the store projects it.
fn full_record(definition: &Definition) -> CaseRecord {
    let start = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let mut fields = BTreeMap::new();
    for (i, field) in definition.fields.iter().enumerate() {
        let date = start + Days::new(i as u64);
        let raw = raw_value(field, field.kind, 0, date);
        let value = normalise(field.kind, field.of, &field.values, &raw)
            .unwrap_or_else(|e| panic!("{}.{}: {raw}: {e}", definition.code, field.code))
            .unwrap_or_else(|| panic!("{}.{}: {raw} is empty", definition.code, field.code));
        fields.insert(field.code.clone(), value);
    }
    CaseRecord {
        id: "0190a0e2-6d4c-7c3e-9a51-3f0e2b8c1d44".into(),
        number: definition.case_number(2024, 7),
        procedure: definition.code.clone(),
        department: Some("district-office".into()),
        state: definition.states[0].code.clone(),
        terminal: false,
        fields,
        opened_on: start,
        concluded_on: None,
        actions: Vec::new(),
    }
}

fn full_context(definition: &Definition, with_deadlines: bool) -> DocumentContext {
    let record = full_record(definition);
    let today = NaiveDate::from_ymd_opt(2024, 6, 3).unwrap();
    let mut ctx = DocumentContext::from_record(
        &record,
        definition.name.zh.clone(),
        definition.state_label(&record.state, false),
        today,
        "某某区人民政府",
    );
    ctx.case.department = Some("某某区政府办公室".into());
    ctx.case.region = Some("某某区".into());
    ctx.display = definition
        .fields
        .iter()
        .map(|f| (f.code.clone(), display_value(f, &record.fields[&f.code])))
        .collect();
    if with_deadlines {
        ctx.deadlines = definition
            .clocks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), today + Days::new(10 + i as u64)))
            .collect();
    }
    ctx
}

fn text_of(doc: &Document) -> String {
    let mut parts = vec![doc.title.clone()];
    parts.extend(doc.number.clone());
    parts.extend(doc.addressee.clone());
    for block in &doc.blocks {
        if !matches!(block, Block::Table(_)) {
            parts.push(block.text());
        }
    }
    if let Some(signature) = &doc.signature {
        parts.push(signature.issuer.clone());
        parts.push(signature.date.clone());
    }
    parts.join("\n")
}

/// The text of `word/document.xml` in a DOCX file, read back with `zip` and `roxmltree`.
fn docx_text(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "t")
        .filter_map(|n| n.text())
        .collect()
}

#[test]
fn every_template_renders_a_case_with_every_field_of_its_definition() {
    let definitions = definitions();
    let mut rendered = 0;
    for (procedure, document, _, text) in common::templates() {
        let at = format!("templates/{procedure}/{document}.md");
        let template = Template::parse(&at, &text).unwrap_or_else(|e| panic!("{at}: {e}"));
        for definition in &definitions[&procedure] {
            for with_deadlines in [true, false] {
                let ctx = full_context(definition, with_deadlines);
                let at = format!(
                    "{at} ({} {}, deadlines: {with_deadlines})",
                    procedure, definition.version
                );
                let doc = template
                    .render(&ctx)
                    .unwrap_or_else(|e| panic!("{at}: {e}"));
                let all = text_of(&doc);
                assert!(!doc.title.is_empty() && !doc.blocks.is_empty(), "{at}");
                assert!(doc.signature.is_some(), "{at}: a signature");
                for leftover in [
                    "{{",
                    "}}",
                    "{%",
                    "%}",
                    "\u{E000}",
                    "none",
                    "undefined",
                    "null",
                ] {
                    assert!(!all.contains(leftover), "{at}: “{leftover}” in\n{all}");
                }
                // Enum fields are shown by their labels, never by their codes.
                for field in definition
                    .fields
                    .iter()
                    .filter(|f| f.kind == FieldType::Enum)
                {
                    let code = ctx.fields[&field.code].as_str().unwrap();
                    assert!(
                        !all.contains(code),
                        "{at}: the code “{code}” of {} printed\n{all}",
                        field.code
                    );
                }
                // Both formats.
                let page = html::render(&doc);
                assert!(page.contains(&doc.title), "{at}: HTML");
                let bytes = docx::render(&doc, &Fonts::default())
                    .unwrap_or_else(|e| panic!("{at}: DOCX: {e}"));
                let words = docx_text(&bytes);
                assert!(words.contains(&doc.title), "{at}: DOCX title");
                for block in &doc.blocks {
                    if let Block::Paragraph { text } = block {
                        assert!(words.contains(text.as_str()), "{at}: DOCX lacks “{text}”");
                    }
                }
                rendered += 1;
            }
        }
    }
    assert!(rendered >= common::templates().len() * 2);
}
