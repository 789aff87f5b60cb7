//! What a form sends as a field — a party (name, ID number, credit code, phone), a date, a sum
//! of money, a list: normalised or refused with a reason, never a panic.
#![no_main]

use fazhi_core::engine::normalise;
use fazhi_core::procedure::FieldType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let as_json = serde_json::from_str::<serde_json::Value>(&text)
        .unwrap_or(serde_json::Value::String(text.clone()));
    for kind in [
        FieldType::Party,
        FieldType::Date,
        FieldType::Money,
        FieldType::Integer,
        FieldType::Text,
        FieldType::Attachment,
    ] {
        let _ = normalise(kind, None, &[], &as_json);
    }
    let _ = normalise(FieldType::List, Some(FieldType::Party), &[], &as_json);
    let _ = fazhi_core::codes::IdNumber::parse(&text);
    let _ = fazhi_core::codes::CreditCode::parse(&text);
});
