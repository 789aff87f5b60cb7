//! Forms made from definitions, shared by the console and the portal: the inputs of an action
//! (by field type: text, dates, money, choices of enum values, departments or staff, parties),
//! reading a posted form back into field values, putting back what was typed after a refusal,
//! and showing a stored value as a person reads it.

use fazhi_core::procedure::{Definition, FieldType};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One input of a generated form.
pub struct Input {
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub options: Vec<(String, String)>,
    pub value: String,
    pub help: String,
    /// For a party: its phone is required too (the portal: the status page opens with its
    /// last four digits).
    pub phone_required: bool,
}

pub(crate) fn inputs(
    definition: &Definition,
    needs: &[String],
    may: &[String],
    english: bool,
    departments: &[(String, String)],
    people: &[(String, String)],
) -> Vec<Input> {
    let mut out = Vec::new();
    for (code, required) in needs
        .iter()
        .map(|c| (c, true))
        .chain(may.iter().map(|c| (c, false)))
    {
        let Some(field) = definition.field(code) else {
            continue;
        };
        let kind = match field.kind {
            FieldType::Text if field.contact => "email",
            FieldType::Text | FieldType::Region => "text",
            FieldType::Attachment => "file",
            FieldType::List if field.of == Some(FieldType::Enum) => "checks",
            FieldType::List if field.of == Some(FieldType::Attachment) => "files",
            FieldType::LongText | FieldType::List => "textarea",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime-local",
            FieldType::Integer => "number",
            FieldType::Money => "money",
            FieldType::Boolean => "checkbox",
            FieldType::Enum | FieldType::Department | FieldType::User => "select",
            FieldType::Party => "party",
        };
        let options = match field.kind {
            FieldType::Enum | FieldType::List => field
                .values
                .iter()
                .map(|v| {
                    (
                        v.code.clone(),
                        if english && !v.en.is_empty() {
                            v.en.clone()
                        } else {
                            v.zh.clone()
                        },
                    )
                })
                .collect(),
            FieldType::Department => departments.to_vec(),
            FieldType::User => people.to_vec(),
            _ => Vec::new(),
        };
        out.push(Input {
            name: format!("f.{code}"),
            label: field.label.get(english).to_string(),
            kind,
            required,
            options,
            value: String::new(),
            help: field.help.clone(),
            phone_required: false,
        });
    }
    out
}

/// Turns `f.<field>` form entries into field values (party fields from their parts).
pub(crate) fn form_fields(form: &[(String, String)]) -> BTreeMap<String, Value> {
    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    for (key, value) in form {
        let Some(rest) = key.strip_prefix("f.") else {
            continue;
        };
        match rest.split_once('.') {
            Some((field, part)) => {
                let entry = fields.entry(field.to_string()).or_insert_with(|| json!({}));
                if !value.trim().is_empty() {
                    entry[part] = Value::String(value.trim().to_string());
                }
            }
            None => match fields.get_mut(rest) {
                // A repeated name (ticked boxes of a multiple choice) makes a list.
                Some(Value::Array(items)) => items.push(Value::String(value.clone())),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, Value::String(value.clone())]);
                }
                None => {
                    fields.insert(rest.to_string(), Value::String(value.clone()));
                }
            },
        }
    }
    // A party with no name given at all is left out (an optional party field).
    fields.retain(|_, v| !(v.is_object() && v.get("name").is_none()));
    fields
}

pub(crate) fn value_of<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A field value as a person reads it.
pub(crate) fn show_value(
    definition: &Definition,
    code: &str,
    value: &Value,
    english: bool,
) -> String {
    let Some(field) = definition.field(code) else {
        return value.to_string();
    };
    match (field.kind, value) {
        (FieldType::List, Value::Array(items)) if field.of == Some(FieldType::Enum) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|code| {
                field
                    .values
                    .iter()
                    .find(|x| x.code == code)
                    .map(|x| {
                        if english && !x.en.is_empty() {
                            x.en.clone()
                        } else {
                            x.zh.clone()
                        }
                    })
                    .unwrap_or_else(|| code.to_string())
            })
            .collect::<Vec<_>>()
            .join("、"),
        (FieldType::Enum, Value::String(v)) => field
            .values
            .iter()
            .find(|x| &x.code == v)
            .map(|x| {
                if english && !x.en.is_empty() {
                    x.en.clone()
                } else {
                    x.zh.clone()
                }
            })
            .unwrap_or(v.clone()),
        (FieldType::Money, Value::Number(n)) => {
            let fen = n.as_i64().unwrap_or(0);
            format!("¥{}.{:02}", fen / 100, fen % 100)
        }
        (FieldType::Party, Value::Object(p)) => {
            let mut parts = vec![
                p.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ];
            for key in ["id_number", "credit_code", "phone"] {
                if let Some(v) = p.get(key).and_then(Value::as_str) {
                    parts.push(v.to_string());
                }
            }
            parts.join(" · ")
        }
        (FieldType::Boolean, Value::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
        (FieldType::Attachment, Value::Object(f)) => f
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        (FieldType::List, Value::Array(items)) if field.of == Some(FieldType::Attachment) => items
            .iter()
            .filter_map(|i| i["name"].as_str())
            .collect::<Vec<_>>()
            .join("、"),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).unwrap_or(i.to_string()))
            .collect::<Vec<_>>()
            .join("、"),
        (_, other) => other.to_string(),
    }
}

/// Puts back what the user typed, after a refusal.
pub(crate) fn refill(inputs: &mut [Input], form: &[(String, String)]) {
    for input in inputs.iter_mut() {
        if input.kind == "party" {
            let parts: Vec<String> = ["name", "kind", "id_number", "credit_code", "phone"]
                .iter()
                .map(|p| {
                    value_of(form, &format!("{}.{p}", input.name))
                        .unwrap_or("")
                        .to_string()
                })
                .collect();
            input.value = parts.join("\u{1f}");
        } else if input.kind == "checks" {
            input.value = form
                .iter()
                .filter(|(k, _)| *k == input.name)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join("\u{1f}");
        } else if let Some(v) = value_of(form, &input.name) {
            input.value = v.to_string();
        }
    }
}
