//! Reports as data: a report file (`reports/<code>.toml`) declares its figures, each a query
//! over the records — which procedures (by their definitions' `counts_toward` tags), which
//! period, which values, states and outcome — so that a figure is computed, never stored, and
//! opens the records behind it. A figure that needs a procedure not built yet is listed as
//! pending, with why, and never shown as zero.

use crate::{App, AppError, Result};
use chrono::{Datelike, NaiveDate};
use fazhi_core::procedure::{Definition, Registry};
use fazhi_core::region::RegionCode;
use fazhi_store::cases::StoredCase;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The report files shipped with Fazhi.
pub const RULE_OF_LAW: &str = include_str!("../../../reports/rule_of_law.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    pub report: ReportHeader,
    #[serde(default)]
    pub figures: Vec<FigureSpec>,
    #[serde(default)]
    pub pending: Vec<Pending>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportHeader {
    pub code: String,
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

/// A figure, declared.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureSpec {
    pub key: String,
    pub zh: String,
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub unit: String,
    /// The procedures whose cases it counts, by their `counts_toward` tags.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "always")]
    pub period: Period,
    /// Field values the case must hold.
    #[serde(default, rename = "where")]
    pub matches: Vec<FieldMatch>,
    /// States the case must be in (none: any).
    #[serde(default)]
    pub states: Vec<String>,
    /// Only cases in a state their definition gives the role `in_force`.
    #[serde(default)]
    pub in_force: bool,
    /// Whether the case must be concluded (or not) by the end of the period.
    #[serde(default)]
    pub concluded: Option<bool>,
    /// Instead of a count: the share, in per cent to one decimal, of the records of the figure
    /// `of` among those of the figure `among` (both declared before it).
    #[serde(default)]
    pub share: Option<Share>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Share {
    pub of: String,
    pub among: String,
}

/// One field, or several read as one: the first that the case holds (e.g. the second-instance
/// judgment if there is one, else the first-instance one).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Fields {
    One(String),
    FirstOf(Vec<String>),
}

impl Fields {
    fn value<'a>(
        &self,
        fields: &'a std::collections::BTreeMap<String, Value>,
    ) -> Option<&'a Value> {
        match self {
            Fields::One(f) => fields.get(f),
            Fields::FirstOf(list) => list.iter().find_map(|f| fields.get(f)),
        }
    }

    fn describe(&self) -> String {
        match self {
            Fields::One(f) => f.clone(),
            Fields::FirstOf(list) => list.join("|"),
        }
    }
}

/// Which cases belong to the year.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Period {
    /// `opened`, `concluded` or `always`.
    Named(String),
    /// A date field within the year, or an integer field equal to it; with `years`, within
    /// that many years ending with the report's.
    Field {
        field: Fields,
        #[serde(default)]
        years: Option<i32>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMatch {
    pub field: Fields,
    /// The value (or one of a list's values) is one of these codes.
    #[serde(default, rename = "in")]
    pub one_of: Option<Vec<String>>,
    /// A yes/no field has this value.
    #[serde(default)]
    pub is: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    pub keys: Vec<String>,
    pub why: String,
}

/// A figure as computed for a year and a region.
#[derive(Debug, Clone, Serialize)]
pub struct FigureValue {
    /// A count, or a share in per cent.
    pub value: serde_json::Number,
    pub unit: String,
    pub label: String,
    pub label_en: String,
    /// The cases counted — for a share, those of its numerator (each opens with
    /// `GET /api/v1/cases/{id}`).
    pub records: Vec<String>,
    /// The console list of those records: the figure and the year, not a list of ids.
    pub query: String,
    /// `records` (computed from the records) or `manual` (entered by hand, with its source).
    pub source: &'static str,
}

/// A report's figures for a year.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub report: String,
    pub year: i32,
    pub region: String,
    pub figures: std::collections::BTreeMap<String, FigureValue>,
    /// Figures that cannot be recorded yet: key → why.
    pub pending: std::collections::BTreeMap<String, String>,
}

const PERIODS: &[&str] = &["opened", "concluded", "always"];

fn always() -> Period {
    Period::Named("always".into())
}

/// Parses and checks a report file; every mistake is named with the figure's key.
pub fn parse(name: &str, text: &str) -> std::result::Result<ReportSpec, String> {
    let spec: ReportSpec = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
    let mut errors = Vec::new();
    let mut keys = std::collections::BTreeSet::new();
    for f in &spec.figures {
        if !keys.insert(f.key.clone()) {
            errors.push(format!("{name}: figure {}: listed twice", f.key));
        }
        if f.tags.is_empty() && f.share.is_none() {
            errors.push(format!(
                "{name}: figure {}: no tags (which procedures?)",
                f.key
            ));
        }
        if let Some(share) = &f.share {
            for part in [&share.of, &share.among] {
                let earlier = spec
                    .figures
                    .iter()
                    .take_while(|g| g.key != f.key)
                    .any(|g| &g.key == part && g.share.is_none());
                if !earlier {
                    errors.push(format!(
                        "{name}: figure {}: share of “{part}”, which is not a count declared before it",
                        f.key
                    ));
                }
            }
        }
        if let Period::Named(p) = &f.period
            && !PERIODS.contains(&p.as_str())
        {
            errors.push(format!(
                "{name}: figure {}: period “{p}” is not one of {}",
                f.key,
                PERIODS.join(", ")
            ));
        }
        for m in &f.matches {
            if m.one_of.is_some() == m.is.is_some() {
                errors.push(format!(
                    "{name}: figure {}: where {}: give `in` or `is`",
                    f.key,
                    m.field.describe()
                ));
            }
        }
    }
    for p in &spec.pending {
        for key in &p.keys {
            if !keys.insert(key.clone()) {
                errors.push(format!(
                    "{name}: {key}: both a figure and pending, or pending twice"
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(spec)
    } else {
        Err(errors.join("\n"))
    }
}

impl ReportSpec {
    /// The report cut down to one figure and those it is made of (declared before it), or
    /// `None` if it has no such figure.
    pub fn up_to(&self, key: &str) -> Option<ReportSpec> {
        let at = self.figures.iter().position(|f| f.key == key)?;
        Some(ReportSpec {
            report: self.report.clone(),
            figures: self.figures[..=at].to_vec(),
            pending: Vec::new(),
        })
    }
}

/// The shipped report of this code.
pub fn shipped(code: &str) -> Result<ReportSpec> {
    match code {
        "rule_of_law" => parse("reports/rule_of_law.toml", RULE_OF_LAW).map_err(AppError::Invalid),
        other => Err(AppError::NotFound(format!("没有报告“{other}”"))),
    }
}

fn year_of_value(value: &Value) -> Option<i32> {
    match value {
        Value::Number(n) => n.as_i64().and_then(|y| i32::try_from(y).ok()),
        Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .map(|d| d.year())
            .or_else(|| s.trim().parse().ok()),
        _ => None,
    }
}

fn matches(m: &FieldMatch, value: Option<&Value>) -> bool {
    match (&m.one_of, m.is, value) {
        (Some(codes), _, Some(Value::String(s))) => codes.contains(s),
        (Some(codes), _, Some(Value::Array(items))) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|s| codes.iter().any(|c| c == s))),
        (None, Some(is), Some(Value::Bool(b))) => *b == is,
        _ => false,
    }
}

/// Whether a case counts toward a figure in `year`.
pub fn counts(
    spec: &FigureSpec,
    definition: Option<&Definition>,
    case: &StoredCase,
    year: i32,
) -> bool {
    let c = &case.case;
    let end = NaiveDate::from_ymd_opt(year, 12, 31).expect("a valid year");
    let concluded_on = definition.and_then(|d| c.concluded_on(d));
    let in_period = match &spec.period {
        Period::Named(p) if p == "opened" => c.opened_on().is_some_and(|d| d.year() == year),
        Period::Named(p) if p == "concluded" => concluded_on.is_some_and(|d| d.year() == year),
        Period::Named(_) => true,
        Period::Field { field, years } => field
            .value(&c.fields)
            .and_then(year_of_value)
            .is_some_and(|y| y <= year && y > year - years.unwrap_or(1).max(1)),
    };
    in_period
        && spec
            .matches
            .iter()
            .all(|m| matches(m, m.field.value(&c.fields)))
        && (spec.states.is_empty() || spec.states.contains(&c.state))
        && (!spec.in_force || definition.is_some_and(|d| d.role("in_force").contains(&c.state)))
        && spec
            .concluded
            .is_none_or(|want| concluded_on.is_some_and(|d| d <= end) == want)
}

/// The procedures a report reads: every code tagged by one of its figures.
fn procedures(spec: &ReportSpec, registry: &Registry) -> Vec<String> {
    let mut codes: Vec<String> = registry
        .all()
        .iter()
        .filter(|d| {
            spec.figures
                .iter()
                .any(|f| f.tags.iter().any(|t| d.counts_for(t)))
        })
        .map(|d| d.code.clone())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

impl App {
    /// A report's figures for a region and a year, from the records.
    pub async fn figures(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
        year: i32,
    ) -> Result<Figures> {
        if !(1990..=2100).contains(&year) {
            return Err(AppError::Invalid(format!("年度“{year}”无效")));
        }
        let codes = procedures(spec, self.procedures());
        let code_refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let cases = self.store().cases_in(region, &code_refs).await?;
        // Each case's definition, looked up once for every figure.
        let definitions: Vec<Option<&Definition>> = cases
            .iter()
            .map(|c| {
                self.procedures()
                    .get(&c.case.procedure, &c.case.definition_version)
            })
            .collect();
        let mut figures: std::collections::BTreeMap<String, FigureValue> =
            std::collections::BTreeMap::new();
        for f in &spec.figures {
            let query = format!(
                "/console/cases?figure={}:{}&year={year}&region={region}",
                spec.report.code, f.key
            );
            if let Some(share) = &f.share {
                // Both parts are counts declared before it (checked when the file is read).
                let part = |key: &str| {
                    figures
                        .get(key)
                        .map(|v| v.records.clone())
                        .unwrap_or_default()
                };
                let (of, among) = (part(&share.of), part(&share.among));
                let pct = if among.is_empty() {
                    0.0
                } else {
                    (1000.0 * of.len() as f64 / among.len() as f64).round() / 10.0
                };
                figures.insert(
                    f.key.clone(),
                    FigureValue {
                        value: serde_json::Number::from_f64(pct).unwrap_or_else(|| 0.into()),
                        unit: f.unit.clone(),
                        label: f.zh.clone(),
                        label_en: f.en.clone(),
                        records: of,
                        query,
                        source: "records",
                    },
                );
                continue;
            }
            let records: Vec<String> = cases
                .iter()
                .zip(&definitions)
                .filter(|(c, definition)| {
                    definition.is_some_and(|d| f.tags.iter().any(|t| d.counts_for(t)))
                        && counts(f, **definition, c, year)
                })
                .map(|(c, _)| c.case.id.clone())
                .collect();
            figures.insert(
                f.key.clone(),
                FigureValue {
                    value: records.len().into(),
                    unit: f.unit.clone(),
                    label: f.zh.clone(),
                    label_en: f.en.clone(),
                    records,
                    query,
                    source: "records",
                },
            );
        }
        let pending = spec
            .pending
            .iter()
            .flat_map(|p| p.keys.iter().map(|k| (k.clone(), p.why.clone())))
            .collect();
        Ok(Figures {
            report: spec.report.code.clone(),
            year,
            region: region.to_string(),
            figures,
            pending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_report_parses() {
        let spec = shipped("rule_of_law").unwrap();
        assert!(spec.figures.len() >= 14);
        assert!(
            spec.pending
                .iter()
                .any(|p| p.keys.contains(&"grid.events".to_string()))
        );
    }

    #[test]
    fn a_figure_comes_with_the_figures_it_is_made_of() {
        let spec = shipped("rule_of_law").unwrap();
        let share = spec.up_to("litigation.procedural_loss_share_pct").unwrap();
        let keys: Vec<&str> = share.figures.iter().map(|f| f.key.as_str()).collect();
        assert!(keys.contains(&"litigation.losses_two_years"));
        assert!(keys.contains(&"litigation.procedural_losses_two_years"));
        assert_eq!(keys.last(), Some(&"litigation.procedural_loss_share_pct"));
        assert!(spec.up_to("no.such").is_none());
    }

    #[test]
    fn mistakes_are_named_by_figure() {
        let text = r#"
[report]
code = "x"
zh = "x"

[[figures]]
key = "a"
zh = "a"
tags = []
period = "yesterday"
where = [{ field = "f" }]

[[figures]]
key = "b"
zh = "b"
share = { of = "a", among = "later" }

[[figures]]
key = "later"
zh = "later"
tags = ["t"]
"#;
        let e = parse("x.toml", text).unwrap_err();
        assert!(e.contains("figure a: no tags"), "{e}");
        assert!(e.contains("period “yesterday”"), "{e}");
        assert!(e.contains("give `in` or `is`"), "{e}");
        assert!(e.contains("figure b: share of “later”"), "{e}");
        assert!(!e.contains("figure b: share of “a”"), "{e}");
    }
}
