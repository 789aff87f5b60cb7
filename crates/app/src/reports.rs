//! Reports and statistics computed from stored cases: the bridge from the store's cases to
//! the report crate's records, the information-disclosure annual report, and each procedure's
//! figures for a year. Every figure keeps the cases behind it, so pages link each number to its
//! records. Used by the console and by `fazhi report`.

use crate::AppError;
use chrono::{Datelike, NaiveDate};
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{ClockStatus, clock_due};
use fazhi_core::procedure::{Definition, Expiry, FieldType, Registry};
use fazhi_core::region::RegionCode;
use fazhi_report::disclosure::{DisclosureReport, Format, Proactive};
use fazhi_report::{ActionTaken, CaseRecord};
use fazhi_store::Store;
use fazhi_store::cases::StoredCase;
use serde::Serialize;
use std::collections::BTreeSet;

/// The procedures the disclosure report reads.
pub const DISCLOSURE_SOURCES: &[&str] = &["disclosure_request", "reconsideration", "litigation"];

/// A stored case as the report crate reads it.
pub fn case_record(stored: &StoredCase, definition: Option<&Definition>) -> CaseRecord {
    let case = &stored.case;
    let opened_on = case
        .opened_on()
        .unwrap_or_else(|| stored.created_at.to_china_time().date_naive());
    let concluded_on = match definition {
        Some(d) => case.concluded_on(d),
        None if stored.terminal => case.taken_on.last().copied(),
        None => None,
    };
    CaseRecord {
        id: case.id.clone(),
        number: stored.number.clone(),
        procedure: case.procedure.clone(),
        department: case.department.clone(),
        state: case.state.clone(),
        terminal: stored.terminal,
        fields: case.fields.clone(),
        opened_on,
        concluded_on,
        actions: case
            .taken
            .iter()
            .zip(&case.taken_on)
            .map(|(action, on)| ActionTaken {
                action: action.clone(),
                on: *on,
            })
            .collect(),
    }
}

/// The records of some procedures in a region.
pub async fn records(
    store: &Store,
    registry: &Registry,
    region: &RegionCode,
    procedures: &[&str],
) -> Result<Vec<CaseRecord>, AppError> {
    Ok(store
        .cases_in(region, procedures)
        .await?
        .iter()
        .map(|c| {
            let definition = registry.get(&c.case.procedure, &c.case.definition_version);
            case_record(c, definition)
        })
        .collect())
}

/// The information-disclosure annual report of a region for a year, with the proactive
/// figures the records can give (`proactive`: see [`App::disclosure_report`]).
pub async fn disclosure_report(
    store: &Store,
    registry: &Registry,
    region: &RegionCode,
    year: i32,
    format: Option<Format>,
    proactive: &Proactive,
) -> Result<DisclosureReport, AppError> {
    if !(2008..=9999).contains(&year) {
        return Err(AppError::Invalid(format!("年度“{year}”无效")));
    }
    let records = records(store, registry, region, DISCLOSURE_SOURCES).await?;
    let format = format.unwrap_or_else(|| Format::for_year(year));
    Ok(fazhi_report::disclosure::compute(
        year, format, &records, proactive,
    ))
}

/// The figure of the rule-of-law report that gives the disclosure report's 行政处罚 处理决定数量
/// (section 二): a report file may leave it out, and the row is then marked not yet recorded.
const PENALTY_DECISIONS: (&str, &str) = ("rule_of_law", "enforcement.penalty_decisions");

impl crate::App {
    /// [`disclosure_report`] with section 二 filled from the records where they can give it:
    /// the penalty decisions of the year (the rule-of-law report's figure of them).
    pub async fn disclosure_report(
        &self,
        region: &RegionCode,
        year: i32,
        format: Option<Format>,
    ) -> Result<DisclosureReport, AppError> {
        let mut proactive = Proactive::default();
        if let Ok(spec) = self.report(PENALTY_DECISIONS.0)
            && spec.figures.iter().any(|f| f.key == PENALTY_DECISIONS.1)
            && (2008..=9999).contains(&year)
        {
            let figures = self
                .figures(spec, region, year, crate::figures::Detail::Records)
                .await?;
            if let Some(value) = figures.figures.get(PENALTY_DECISIONS.1) {
                proactive.penalty.decisions = Some(fazhi_report::disclosure::Figure::count(
                    value.records.clone(),
                ));
            }
        }
        disclosure_report(
            self.store(),
            self.procedures(),
            region,
            year,
            format,
            &proactive,
        )
        .await
    }
}

/// One figure: how many, and which cases.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figure {
    pub value: usize,
    pub cases: Vec<String>,
}

impl Figure {
    fn of<'a>(records: impl Iterator<Item = &'a CaseRecord>) -> Figure {
        let cases: Vec<String> = records.map(|r| r.id.clone()).collect();
        Figure {
            value: cases.len(),
            cases,
        }
    }
}

/// A breakdown: label → figure, in the definition's order.
#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub field: String,
    pub label: String,
    pub rows: Vec<(String, Figure)>,
}

/// A procedure's figures for a year (statistics come from events: the dated steps of cases).
#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    pub procedure: String,
    pub name: String,
    pub year: i32,
    /// Opened in the year.
    pub received: Figure,
    /// Opened before the year and still open on 1 January.
    pub carried_over: Figure,
    /// Concluded in the year.
    pub concluded: Figure,
    /// Open on 31 December (or today, for the current year).
    pub pending: Figure,
    /// Concluded in the year with no statutory time limit exceeded.
    pub on_time: Figure,
    /// Concluded in the year after a time limit had run out.
    pub late: Figure,
    /// Concluded in the year, by final state.
    pub by_outcome: Vec<(String, Figure)>,
    /// Received in the year, by each choice field.
    pub by_field: Vec<Breakdown>,
}

/// Whether a choice field (one value or a list of values) holds `code`.
fn has_value(record: &CaseRecord, field: &str, code: &str) -> bool {
    match record.fields.get(field) {
        Some(serde_json::Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(code)),
        Some(value) => value.as_str() == Some(code),
        None => false,
    }
}

/// Whether a case exceeded a time limit that turns red when it runs out (limits whose expiry
/// the system acts on — deemed acceptance, lapse — are consequences, not lateness).
pub(crate) fn was_late(
    definition: &Definition,
    case: &fazhi_core::engine::Case,
    calendar: &Calendar,
    today: NaiveDate,
) -> bool {
    case.clocks.iter().any(|state| {
        let Some(clock) = definition.clock(&state.code) else {
            return false;
        };
        if clock.on_expiry != Expiry::Overdue {
            return false;
        }
        let Ok(due) = clock_due(clock, state, calendar, today) else {
            return false;
        };
        match state.status {
            ClockStatus::Stopped => state.stopped_on.is_some_and(|s| s > due.date),
            _ => today > due.date,
        }
    })
}

pub async fn statistics(
    store: &Store,
    registry: &Registry,
    calendar: &Calendar,
    region: &RegionCode,
    procedure: &str,
    year: i32,
    english: bool,
) -> Result<Statistics, AppError> {
    let today = store.today();
    let current = registry
        .current(procedure, today)
        .ok_or_else(|| AppError::NotFound(format!("没有程序“{procedure}”")))?;
    let stored = store.cases_in(region, &[procedure]).await?;
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| AppError::Invalid(format!("年度“{year}”无效")))?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December");
    let end = end.min(today.max(start));
    let mut records = Vec::with_capacity(stored.len());
    let mut late_ids = BTreeSet::new();
    for c in &stored {
        let definition = registry
            .get(&c.case.procedure, &c.case.definition_version)
            .unwrap_or(current);
        let record = case_record(c, Some(definition));
        if record.concluded_on.is_some_and(|d| d.year() == year)
            && was_late(definition, &c.case, calendar, today)
        {
            late_ids.insert(record.id.clone());
        }
        records.push(record);
    }
    let in_year = |d: NaiveDate| d.year() == year;
    let received: Vec<&CaseRecord> = records.iter().filter(|r| in_year(r.opened_on)).collect();
    let concluded: Vec<&CaseRecord> = records
        .iter()
        .filter(|r| r.concluded_on.is_some_and(in_year))
        .collect();
    let by_outcome = current
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| {
            (
                s.label.get(english).to_string(),
                Figure::of(concluded.iter().copied().filter(|r| r.state == s.code)),
            )
        })
        .collect();
    let by_field = current
        .fields
        .iter()
        .filter(|f| {
            let choice = f.kind == FieldType::Enum
                || (f.kind == FieldType::List && f.of == Some(FieldType::Enum));
            choice && !f.personal
        })
        .map(|f| Breakdown {
            field: f.code.clone(),
            label: f.label.get(english).to_string(),
            rows: f
                .values
                .iter()
                .map(|v| {
                    let label = if english && !v.en.is_empty() {
                        &v.en
                    } else {
                        &v.zh
                    };
                    (
                        label.clone(),
                        Figure::of(
                            received
                                .iter()
                                .copied()
                                .filter(|r| has_value(r, &f.code, &v.code)),
                        ),
                    )
                })
                .collect(),
        })
        .chain(
            current
                .fields
                .iter()
                .filter(|f| f.kind == FieldType::Boolean && !f.personal)
                .map(|f| Breakdown {
                    field: f.code.clone(),
                    label: f.label.get(english).to_string(),
                    rows: [(true, "是", "Yes"), (false, "否", "No")]
                        .into_iter()
                        .map(|(value, zh, en)| {
                            (
                                (if english { en } else { zh }).to_string(),
                                Figure::of(received.iter().copied().filter(|r| {
                                    r.fields.get(&f.code).and_then(serde_json::Value::as_bool)
                                        == Some(value)
                                })),
                            )
                        })
                        .collect(),
                }),
        )
        .filter(|b| b.rows.iter().any(|(_, fig)| fig.value > 0))
        .map(|mut b| {
            // The cases that give no value are a row of their own, so that a single choice's
            // rows add up to the cases received.
            let unanswered = Figure::of(received.iter().copied().filter(|r| {
                r.fields
                    .get(&b.field)
                    .is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
            }));
            if unanswered.value > 0 {
                b.rows.push((
                    (if english { "Not given" } else { "未填写" }).to_string(),
                    unanswered,
                ));
            }
            b
        })
        .collect();
    Ok(Statistics {
        procedure: procedure.to_string(),
        name: current.name.get(english).to_string(),
        year,
        received: Figure::of(received.iter().copied()),
        carried_over: Figure::of(
            records.iter().filter(|r| {
                r.opened_on < start && !r.concluded_by(start.pred_opt().unwrap_or(start))
            }),
        ),
        pending: Figure::of(
            records
                .iter()
                .filter(|r| r.opened_on <= end && !r.concluded_by(end)),
        ),
        on_time: Figure::of(
            concluded
                .iter()
                .copied()
                .filter(|r| !late_ids.contains(&r.id)),
        ),
        late: Figure::of(
            concluded
                .iter()
                .copied()
                .filter(|r| late_ids.contains(&r.id)),
        ),
        concluded: Figure::of(concluded.iter().copied()),
        by_outcome,
        by_field,
    })
}

/// The report tags (a definition's `counts_toward`) the supervision page reads beside its
/// report file (reports/supervision.toml): the case files graded.
pub mod tags {
    pub const EVALUATIONS: &str = "evaluation.case_files";
}

/// The codes of the procedures that count toward a tag.
fn tagged(registry: &Registry, tag: &str) -> Vec<String> {
    let mut codes: Vec<String> = registry
        .all()
        .iter()
        .filter(|d| d.counts_for(tag))
        .map(|d| d.code.clone())
        .collect();
    codes.dedup();
    codes
}

/// The case files graded in the year, per evaluated body (a measure of its own:
/// `fazhi_core::evaluation` grades by the definition's `[grading]`).
pub async fn evaluations(
    store: &Store,
    registry: &Registry,
    region: &RegionCode,
    year: i32,
) -> Result<Vec<fazhi_core::evaluation::BodySummary>, AppError> {
    let codes = tagged(registry, tags::EVALUATIONS);
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let cases = store.cases_in(region, &codes).await?;
    let scored: Vec<(String, fazhi_core::evaluation::Evaluation)> = cases
        .iter()
        .filter_map(|c| {
            // Graded by the definition the case started under: its scoring action is the one
            // whose rule grades, its body the field given the role.
            let definition = registry.get(&c.case.procedure, &c.case.definition_version)?;
            let scoring = definition
                .actions
                .iter()
                .find(|a| a.rule.as_deref() == Some(fazhi_core::rules::CASE_FILE_SCORE))?;
            let scored_in_year = c
                .case
                .taken
                .iter()
                .zip(&c.case.taken_on)
                .any(|(a, on)| a == &scoring.code && on.year() == year);
            if !scored_in_year {
                return None;
            }
            let body = c
                .case
                .fields
                .get(definition.role_one("evaluated_body")?)?
                .as_str()?
                .to_string();
            let evaluation =
                fazhi_core::evaluation::evaluation_of(definition, &c.case.fields).ok()?;
            Some((body, evaluation))
        })
        .collect();
    Ok(fazhi_core::evaluation::summary(&scored))
}
