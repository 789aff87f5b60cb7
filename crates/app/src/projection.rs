//! What a case's rows show, derived from the case and its definition (pure): the title of
//! lists, the deadline columns computed with the calendar, the columns of its row and its
//! public rows (masked, as the definition publishes them).

use chrono::NaiveDate;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{self, Case, ClockStatus};
use fazhi_core::procedure::{Definition, FieldType};
use fazhi_store::cases::{CaseColumns, DeadlineColumns, PublicRow};

/// The columns of a case's row as it now stands.
pub fn columns(
    definition: &Definition,
    case: &Case,
    calendar: &Calendar,
    today: NaiveDate,
) -> CaseColumns {
    CaseColumns {
        title: title(definition, case),
        assignee: case.assignee.clone(),
        terminal: definition.is_terminal(&case.state),
        concluded_on: case.concluded_on(definition),
        deadlines: deadlines(definition, case, calendar, today),
    }
}

/// The case's public rows: what its definition publishes now, masked. `None` when the
/// procedure publishes nothing (its rows are then left alone).
pub fn publications(definition: &Definition, case: &Case) -> Option<Vec<PublicRow>> {
    if definition.publications.is_empty() {
        return None;
    }
    Some(
        engine::published(definition, case)
            .into_iter()
            .map(|p| PublicRow {
                // The case's own title may hold personal names: the public one is the first
                // published (masked) value.
                title: p.fields.first().map(|(_, v)| v.clone()).unwrap_or_default(),
                code: p.code,
                label: p.label,
                since: p.since,
                fields: p.fields,
            })
            .collect(),
    )
}

pub fn deadlines(
    definition: &Definition,
    case: &Case,
    calendar: &Calendar,
    today: NaiveDate,
) -> DeadlineColumns {
    let mut next_due: Option<(NaiveDate, NaiveDate)> = None;
    let mut next_check: Option<NaiveDate> = None;
    for state in case
        .clocks
        .iter()
        .filter(|c| c.status == ClockStatus::Running)
    {
        let Some(clock) = definition.clock(&state.code) else {
            continue;
        };
        // A date without calendar data cannot be computed yet; the case shows it on its page.
        let Ok(due) = engine::clock_due(clock, state, calendar, today) else {
            continue;
        };
        let warn = due.date - chrono::Duration::days(i64::from(clock.warn_days));
        if next_due.is_none_or(|(d, _)| due.date < d) {
            next_due = Some((due.date, warn));
        }
        if !state.expiry_handled && next_check.is_none_or(|d| due.date < d) {
            next_check = Some(due.date);
        }
    }
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    DeadlineColumns {
        next_due: next_due.map(|(d, _)| fmt(d)),
        warn_from: next_due.map(|(_, w)| fmt(w)),
        next_check: next_check.map(fmt),
    }
}

/// A short title for lists: the parties' names and the first text fields.
pub fn title(definition: &Definition, case: &Case) -> String {
    // The fields the case was opened with come first, in the order its action lists them:
    // they are what the matter is about (the applicant, then the subject).
    let opening: Vec<&str> = definition
        .actions
        .iter()
        .find(|a| a.creates())
        .map(|a| a.needs.iter().chain(&a.may).map(String::as_str).collect())
        .unwrap_or_default();
    let opening_fields: Vec<&fazhi_core::procedure::Field> = opening
        .iter()
        .filter_map(|code| definition.field(code))
        .collect();
    // A title does not change as the case goes on: only when the opening fields give nothing
    // do the others (filled by later steps) name it.
    let title_of = |fields: &[&fazhi_core::procedure::Field]| title_parts(fields, case);
    let mut parts = title_of(&opening_fields);
    if parts.is_empty() {
        let later: Vec<&fazhi_core::procedure::Field> = definition
            .fields
            .iter()
            .filter(|f| !opening.contains(&f.code.as_str()))
            .collect();
        parts = title_of(&later);
    }
    let title = if parts.is_empty() {
        definition.name.zh.clone()
    } else {
        parts.join(" · ")
    };
    title.chars().take(120).collect()
}

/// Up to two parts of a title from these fields: parties' names and texts (a long text cut
/// short), never personal text.
fn title_parts(fields: &[&fazhi_core::procedure::Field], case: &Case) -> Vec<String> {
    let mut parts = Vec::new();
    for field in fields.iter().copied() {
        let Some(value) = case.fields.get(&field.code) else {
            continue;
        };
        match field.kind {
            FieldType::Party => {
                if let Some(name) = value["name"].as_str() {
                    parts.push(name.to_string());
                }
            }
            FieldType::List if field.of == Some(FieldType::Party) => {
                let names: Vec<&str> = value
                    .as_array()
                    .map(|items| items.iter().filter_map(|p| p["name"].as_str()).collect())
                    .unwrap_or_default();
                if !names.is_empty() {
                    parts.push(names.join("、"));
                }
            }
            // Personal text (an e-mail address, a phone number) stays out of titles.
            FieldType::Text if !field.personal && !field.contact => {
                if let Some(text) = value.as_str() {
                    parts.push(text.to_string());
                }
            }
            FieldType::LongText if !field.personal && !field.contact => {
                if let Some(text) = value.as_str() {
                    let first_line = text.lines().next().unwrap_or_default();
                    let mut short: String = first_line.chars().take(40).collect();
                    if short.chars().count() < text.chars().count() {
                        short.push('…');
                    }
                    parts.push(short);
                }
            }
            _ => {}
        }
        if parts.len() >= 2 {
            break;
        }
    }
    parts
}
