//! Reports as data: a report file (`reports/<code>.toml`) declares its figures, each a query
//! over the records — which procedures (by their definitions' `counts_toward` tags), which
//! period, which values, states and outcome — so that a figure is computed, never stored, and
//! opens the records behind it. A figure that needs a procedure not built yet is listed as
//! pending, with why, and never shown as zero.

use crate::{App, AppError, Result};
use chrono::{Datelike, NaiveDate};
use fazhi_core::engine::Case;
use fazhi_core::procedure::{Definition, Registry};
use fazhi_core::region::RegionCode;
use fazhi_store::figure_members::{CaseMembers, FigureMember, FigureTotal, NO_END, NO_START};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The report files shipped with Fazhi.
pub const RULE_OF_LAW: &str = include_str!("../../../reports/rule_of_law.toml");
/// The supervision of enforcement (行政执法监督): the justice bureau's figures of the region's
/// enforcement, with no text of its own.
pub const SUPERVISION: &str = include_str!("../../../reports/supervision.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    pub report: ReportHeader,
    /// The report's text: sections in order, each with paragraphs around the figures.
    #[serde(default)]
    pub sections: Vec<SectionSpec>,
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
    /// The title printed on the report, a template (e.g. “{region}{year}年法治政府建设年度报告”).
    #[serde(default)]
    pub title: Option<String>,
}

/// A section of the report: a heading and the paragraphs under it. A paragraph is a template:
/// `{key}` stands for a figure's value, and `{year}`, `{previous_year}`, `{next_year}` and
/// `{region}` for what they say. A district edits paragraphs in the console; the edits are
/// kept apart (by the paragraph's id, `<section id>.<n>`), so the file can change under them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    pub id: String,
    pub heading: String,
    /// 1 for “一、…”, 2 for “（一）…”.
    #[serde(default = "first_level")]
    pub level: u8,
    #[serde(default)]
    pub paragraphs: Vec<String>,
}

fn first_level() -> u8 {
    1
}

/// The words a paragraph may use besides the figures' keys.
pub const TEMPLATE_WORDS: &[&str] = &["year", "previous_year", "next_year", "region"];

/// The `{…}` placeholders of a template, in order, each with its byte range.
pub fn placeholders(template: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(open) = template[rest..].find('{').map(|i| rest + i) {
        let Some(close) = template[open..].find('}').map(|i| open + i) else {
            break;
        };
        let name = &template[open + 1..close];
        if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        {
            found.push((open..close + 1, name));
        }
        rest = close + 1;
    }
    found
}

impl ReportSpec {
    /// The placeholders of a template that name nothing in this report.
    pub fn unknown_placeholders<'a>(&self, template: &'a str) -> Vec<&'a str> {
        placeholders(template)
            .into_iter()
            .map(|(_, name)| name)
            .filter(|name| {
                !TEMPLATE_WORDS.contains(name)
                    && !self.figures.iter().any(|f| f.key == *name)
                    && !self.pending_figures().any(|(p, _)| p.key == *name)
            })
            .collect()
    }

    /// The counting figure whose records a figure lists: itself, or for a share or a growth
    /// the figure it is of; `None` for a figure entered by hand (or none of that key).
    pub fn records_figure<'a>(&'a self, key: &'a str) -> Option<&'a str> {
        let f = self.figures.iter().find(|f| f.key == key)?;
        match (&f.share, &f.growth, &f.manual) {
            (Some(share), _, _) => self.records_figure(&share.of),
            (_, Some(of), _) => self.records_figure(of),
            (_, _, Some(_)) => None,
            _ => Some(&f.key),
        }
    }

    /// A paragraph's text as shipped, by its id.
    pub fn paragraph(&self, id: &str) -> Option<&str> {
        let (section, n) = id.rsplit_once('.')?;
        let n: usize = n.parse().ok()?;
        self.sections
            .iter()
            .find(|s| s.id == section)?
            .paragraphs
            .get(n.checked_sub(1)?)
            .map(String::as_str)
    }
}

impl FigureSpec {
    /// Whether the figure counts cases of this procedure (it carries one of the figure's tags).
    pub fn counts(&self, definition: &Definition) -> bool {
        self.tags.iter().any(|t| definition.counts_for(t))
    }
}

impl ReportSpec {
    /// Whether some figure of the report counts cases of this procedure.
    pub fn counts(&self, definition: &Definition) -> bool {
        self.figures.iter().any(|f| f.counts(definition))
    }
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
    /// Whether the case must have run past (true) or kept (false) a time limit that turns red
    /// when it runs out.
    #[serde(default)]
    pub late: Option<bool>,
    /// Instead of counting the cases: the sum of this integer field over them.
    #[serde(default)]
    pub sum: Option<String>,
    /// Instead of a count: the share, in per cent to one decimal, of the records of the figure
    /// `of` among those of the figure `among` (both declared before it).
    #[serde(default)]
    pub share: Option<Share>,
    /// Instead of a count: the growth, in per cent to one decimal, of the figure named here
    /// (declared before it) against its value for the previous year.
    #[serde(default)]
    pub growth: Option<String>,
    /// A figure no record can give (a ranking the city announces): entered by hand for each
    /// year, with its source, and shown as such.
    #[serde(default)]
    pub manual: Option<Manual>,
    /// Counted per department as well (`"department"`): each department's share of the figure,
    /// each opening its own list.
    #[serde(default)]
    pub by: Option<By>,
    /// A clock of the case (named by its definition's role for it, or by its code) running —
    /// or not.
    #[serde(default)]
    pub clock: Option<ClockCondition>,
    /// A running time limit of the case due soon or overdue (`"attention"`) or overdue
    /// (`"overdue"`) today: counted again every day, like `late`.
    #[serde(default)]
    pub deadline: Option<DeadlineCondition>,
    /// Where a page shows the figure (a report's own grouping, e.g. the supervision page's
    /// `headline`, `by_body`, `defects`).
    #[serde(default)]
    pub group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    Department,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockCondition {
    /// A role the definition gives a clock (`publication`), or a clock's code.
    pub role: String,
    #[serde(default = "yes")]
    pub running: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineCondition {
    Attention,
    Overdue,
}

impl FigureSpec {
    /// Whether the figure depends on the day or the calendar (counted again every day).
    pub fn dated(&self) -> bool {
        self.late.is_some() || self.deadline.is_some()
    }
}

impl ClockCondition {
    fn holds(&self, definition: &Definition, case: &Case) -> bool {
        let code = definition
            .role_one(&self.role)
            .unwrap_or(self.role.as_str());
        case.clock(code)
            .is_some_and(|k| (k.status == fazhi_core::engine::ClockStatus::Running) == self.running)
    }
}

/// The most pressing state of the case's running time limits today.
fn deadline_today(
    definition: &Definition,
    case: &Case,
    calendar: &fazhi_core::calendar::Calendar,
    today: NaiveDate,
) -> Option<fazhi_core::engine::DeadlineStatus> {
    use fazhi_core::engine::{DeadlineStatus, clock_due};
    case.clocks
        .iter()
        .filter(|k| k.status == fazhi_core::engine::ClockStatus::Running)
        .filter_map(|k| {
            let clock = definition.clock(&k.code)?;
            let due = clock_due(clock, k, calendar, today).ok()?;
            Some(DeadlineStatus::of(due.date, today, clock.warn_days))
        })
        .max_by_key(|status| match status {
            DeadlineStatus::Overdue => 2,
            DeadlineStatus::DueSoon => 1,
            _ => 0,
        })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manual {
    /// Where the value comes from, as the form asks for it (e.g. “市信访局通报”).
    pub source: String,
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
        self.names().join("|")
    }

    /// The field codes, in order.
    fn names(&self) -> Vec<&str> {
        match self {
            Fields::One(f) => vec![f.as_str()],
            Fields::FirstOf(list) => list.iter().map(String::as_str).collect(),
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
    /// The (last) day an action was taken within the year.
    Taken { taken: String },
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

/// Figures that cannot be recorded yet, and why (printed in the report, in Chinese).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    pub why: String,
    pub figures: Vec<PendingFigure>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingFigure {
    pub key: String,
    pub zh: String,
    #[serde(default)]
    pub unit: String,
}

impl ReportSpec {
    /// The figures not yet recordable, each with why.
    pub fn pending_figures(&self) -> impl Iterator<Item = (&PendingFigure, &str)> {
        self.pending
            .iter()
            .flat_map(|p| p.figures.iter().map(move |f| (f, p.why.as_str())))
    }
}

/// A figure as computed for a year and a region.
#[derive(Debug, Clone, Serialize)]
pub struct FigureValue {
    /// A count, a sum, or a share or growth in per cent; `null` where there is none (a growth
    /// against a year with nothing, a manual figure not entered yet).
    pub value: Option<serde_json::Number>,
    pub unit: String,
    pub label: String,
    pub label_en: String,
    /// The cases counted — for a share, those of its numerator (each opens with
    /// `GET /api/v1/cases/{id}`); listed only where asked for ([`Detail::Records`]).
    pub records: Vec<String>,
    /// How many cases are counted (for a share, in its numerator), listed or not.
    pub record_count: i64,
    /// The console list of those records: the figure and the year, not a list of ids.
    pub query: String,
    /// `records` (computed from the records) or `manual` (entered by hand, with its source).
    pub source: &'static str,
    /// For a manual figure: where its value comes from, as entered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cited: Option<String>,
}

impl FigureValue {
    /// The value as printed: `—` where there is none.
    pub fn display(&self) -> String {
        self.value
            .as_ref()
            .map_or_else(|| "—".to_string(), ToString::to_string)
    }
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
        let measures = [
            !f.tags.is_empty(),
            f.share.is_some(),
            f.growth.is_some(),
            f.manual.is_some(),
        ];
        match measures.iter().filter(|m| **m).count() {
            0 => errors.push(format!(
                "{name}: figure {}: no tags (which procedures?), share, growth or manual",
                f.key
            )),
            1 => {}
            _ => errors.push(format!(
                "{name}: figure {}: give one of tags, share, growth or manual",
                f.key
            )),
        }
        if f.sum.is_some() && f.tags.is_empty() {
            errors.push(format!(
                "{name}: figure {}: a sum needs tags (which procedures?)",
                f.key
            ));
        }
        let counted_before = |part: &str| {
            spec.figures.iter().take_while(|g| g.key != f.key).any(|g| {
                g.key == part && g.share.is_none() && g.growth.is_none() && g.manual.is_none()
            })
        };
        let mut parts: Vec<(&str, &String)> = Vec::new();
        if let Some(share) = &f.share {
            parts.push(("share of", &share.of));
            parts.push(("share of", &share.among));
        }
        if let Some(of) = &f.growth {
            parts.push(("growth of", of));
        }
        for (what, part) in parts {
            if !counted_before(part) {
                errors.push(format!(
                    "{name}: figure {}: {what} “{part}”, which is not a count declared before it",
                    f.key
                ));
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
    let mut sections = std::collections::BTreeSet::new();
    for section in &spec.sections {
        if !sections.insert(section.id.clone()) {
            errors.push(format!("{name}: section {}: listed twice", section.id));
        }
        if !(1..=3).contains(&section.level) {
            errors.push(format!(
                "{name}: section {}: level {} (1, 2 or 3)",
                section.id, section.level
            ));
        }
    }
    for (p, _) in spec.pending_figures() {
        if !keys.insert(p.key.clone()) {
            errors.push(format!(
                "{name}: {}: both a figure and pending, or pending twice",
                p.key
            ));
        }
    }
    let texts = spec
        .report
        .title
        .iter()
        .map(|t| ("title".to_string(), t))
        .chain(spec.sections.iter().flat_map(|section| {
            std::iter::once((format!("section {}", section.id), &section.heading)).chain(
                section
                    .paragraphs
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (format!("paragraph {}.{}", section.id, i + 1), p)),
            )
        }));
    for (place, text) in texts {
        for unknown in spec.unknown_placeholders(text) {
            errors.push(format!(
                "{name}: {place}: {{{unknown}}} is not a figure of this report"
            ));
        }
    }
    if errors.is_empty() {
        Ok(spec)
    } else {
        Err(errors.join("\n"))
    }
}

/// Checks a report's figures against the definitions they count: each tag counted by some
/// procedure, each field, state and action a figure names present in one of them, a sum over
/// an integer field. Every mistake is named with the figure's key.
pub fn check(spec: &ReportSpec, registry: &Registry) -> std::result::Result<(), String> {
    let code = &spec.report.code;
    let mut errors = Vec::new();
    for f in spec.figures.iter().filter(|f| !f.tags.is_empty()) {
        let counted: Vec<&Definition> = registry.all().iter().filter(|d| f.counts(d)).collect();
        if counted.is_empty() {
            errors.push(format!(
                "report {code}: figure {}: no procedure counts toward {} (list it under [[pending]] until one does)",
                f.key,
                f.tags.join(", ")
            ));
            continue;
        }
        let has_field = |name: &str| counted.iter().any(|d| d.field(name).is_some());
        if let Some(clock) = &f.clock {
            let named = |d: &&Definition| {
                d.role_one(&clock.role)
                    .or(Some(clock.role.as_str()))
                    .is_some_and(|code| d.clock(code).is_some())
            };
            if !counted.iter().any(named) {
                errors.push(format!(
                    "report {code}: figure {}: no counted procedure has a clock “{}” (by role or code)",
                    f.key, clock.role
                ));
            }
        }
        let period_field = match &f.period {
            Period::Field { field, .. } => Some(field),
            _ => None,
        };
        let fields = f
            .matches
            .iter()
            .map(|m| &m.field)
            .chain(period_field)
            .flat_map(Fields::names);
        for name in fields {
            if !has_field(name) {
                errors.push(format!(
                    "report {code}: figure {}: no counted procedure has the field “{name}”",
                    f.key
                ));
            }
        }
        if let Some(sum) = &f.sum
            && !counted.iter().any(|d| {
                d.field(sum)
                    .is_some_and(|x| x.kind == fazhi_core::procedure::FieldType::Integer)
            })
        {
            errors.push(format!(
                "report {code}: figure {}: sum of “{sum}”, which is not an integer field of a counted procedure",
                f.key
            ));
        }
        if let Period::Taken { taken } = &f.period
            && !counted.iter().any(|d| d.action(taken).is_some())
        {
            errors.push(format!(
                "report {code}: figure {}: no counted procedure has the action “{taken}”",
                f.key
            ));
        }
        for state in &f.states {
            if !counted.iter().any(|d| d.state(state).is_some()) {
                errors.push(format!(
                    "report {code}: figure {}: no counted procedure has the state “{state}”",
                    f.key
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// The report files shipped with Fazhi, by code.
pub const SHIPPED: &[(&str, &str)] = &[("rule_of_law", RULE_OF_LAW), ("supervision", SUPERVISION)];

/// The shipped report of this code.
pub fn shipped(code: &str) -> Result<ReportSpec> {
    let (_, text) = SHIPPED
        .iter()
        .find(|(c, _)| *c == code)
        .ok_or_else(|| AppError::NotFound(format!("没有报告“{code}”")))?;
    parse(&format!("reports/{code}.toml"), text).map_err(AppError::Invalid)
}

/// The reports an installation uses: the shipped ones, each replaced by a file of the same
/// code in `folder` (`<code>.toml`) if it has one, plus the folder's other reports.
pub fn load(folder: Option<&std::path::Path>) -> std::result::Result<Vec<ReportSpec>, String> {
    let mut reports = Vec::new();
    for (code, _) in SHIPPED {
        reports.push(shipped(code).map_err(|e| e.to_string())?);
    }
    let Some(folder) = folder.filter(|f| f.is_dir()) else {
        return Ok(reports);
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut errors = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                errors.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        match parse(&file.display().to_string(), &text) {
            Ok(spec) => {
                reports.retain(|r: &ReportSpec| r.report.code != spec.report.code);
                reports.push(spec);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(reports)
    } else {
        Err(errors.join("\n"))
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

/// The years a case counts toward a counting figure, as an inclusive range — every condition
/// but `late`, which needs the calendar and the day; `None` when it counts toward none.
pub fn years(spec: &FigureSpec, definition: &Definition, case: &Case) -> Option<(i32, i32)> {
    let concluded_on = case.concluded_on(definition);
    let (mut from, mut to) = match &spec.period {
        Period::Named(p) if p == "opened" => {
            let y = case.opened_on()?.year();
            (y, y)
        }
        Period::Named(p) if p == "concluded" => {
            let y = concluded_on?.year();
            (y, y)
        }
        Period::Named(_) => (NO_START, NO_END),
        // Within `years` years ending with the report's: from the value's year on.
        Period::Field { field, years } => {
            let y = year_of_value(field.value(&case.fields)?)?;
            (y, y + years.unwrap_or(1).max(1) - 1)
        }
        Period::Taken { taken } => {
            let (_, on) = case
                .taken
                .iter()
                .zip(&case.taken_on)
                .rev()
                .find(|(action, _)| *action == taken)?;
            (on.year(), on.year())
        }
    };
    let holds = spec
        .matches
        .iter()
        .all(|m| matches(m, m.field.value(&case.fields)))
        && (spec.states.is_empty() || spec.states.contains(&case.state))
        && (!spec.in_force || definition.role("in_force").contains(&case.state))
        && spec
            .clock
            .as_ref()
            .is_none_or(|c| c.holds(definition, case));
    if !holds {
        return None;
    }
    // Concluded by the end of the year: from the year of conclusion on; not concluded by
    // then: until the year before it.
    match (spec.concluded, concluded_on) {
        (Some(true), Some(on)) => from = from.max(on.year()),
        (Some(true), None) => return None,
        (Some(false), Some(on)) => to = to.min(on.year() - 1),
        _ => {}
    }
    (from <= to).then_some((from, to))
}

/// The figures of a report a case counts toward, as the rows written with it.
pub fn members(
    spec: &ReportSpec,
    definition: &Definition,
    case: &Case,
    calendar: &fazhi_core::calendar::Calendar,
    today: NaiveDate,
) -> Vec<FigureMember> {
    spec.figures
        .iter()
        .filter(|f| f.counts(definition))
        .filter_map(|f| {
            let (from_year, to_year) = years(f, definition, case)?;
            if let Some(want) = f.late
                && crate::reports::was_late(definition, case, calendar, today) != want
            {
                return None;
            }
            if let Some(want) = f.deadline {
                use fazhi_core::engine::DeadlineStatus;
                let now = deadline_today(definition, case, calendar, today);
                let holds = match want {
                    DeadlineCondition::Overdue => now == Some(DeadlineStatus::Overdue),
                    DeadlineCondition::Attention => {
                        matches!(now, Some(DeadlineStatus::Overdue | DeadlineStatus::DueSoon))
                    }
                };
                if !holds {
                    return None;
                }
            }
            let amount = match &f.sum {
                Some(field) => case.fields.get(field).and_then(Value::as_i64).unwrap_or(0),
                None => 1,
            };
            (amount != 0).then(|| FigureMember {
                report: spec.report.code.clone(),
                figure: f.key.clone(),
                from_year,
                to_year,
                amount,
            })
        })
        .collect()
}

/// What a report's figures rest on — the figures as declared and the definitions they count —
/// as a fingerprint: when it changes, the rows the cases were counted into are rebuilt.
pub fn fingerprint(spec: &ReportSpec, registry: &Registry) -> String {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    hash.update(format!("members v1\n{:?}\n", spec.figures));
    for d in registry.all().iter().filter(|d| spec.counts(d)) {
        hash.update(serde_json::to_string(d).expect("a definition serialises"));
    }
    hex::encode(hash.finalize())
}

/// The procedures the report's figures that `keep` count: every code one of them tags.
fn procedures(
    spec: &ReportSpec,
    registry: &Registry,
    keep: impl Fn(&FigureSpec) -> bool,
) -> Vec<String> {
    let mut codes: Vec<String> = registry
        .all()
        .iter()
        .filter(|d| spec.figures.iter().any(|f| keep(f) && f.counts(d)))
        .map(|d| d.code.clone())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// A per cent to one decimal.
fn per_cent(part: f64, whole: f64) -> Option<serde_json::Number> {
    (whole != 0.0)
        .then(|| serde_json::Number::from_f64((1000.0 * part / whole).round() / 10.0))
        .flatten()
}

/// A manual figure's value as entered: a number (the value) and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualValue {
    pub value: serde_json::Number,
    pub source: String,
}

/// The part of a report's stored texts that holds a manual figure's value.
pub fn manual_part(key: &str) -> String {
    format!("{MANUAL_PART}{key}")
}

const MANUAL_PART: &str = "figure:";

/// Whether figures come with the ids of their records (the JSON export, the API) or with
/// their counts only (the report as a document, the dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Counts,
    Records,
}

/// How many cases of a slice a rebuild reads at once.
const REBUILD_SLICE: u32 = 2_000;

impl App {
    /// A report's figures for a region and a year, from the records (and, for the figures no
    /// record can give, the values entered by hand for that year).
    pub async fn figures(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
        year: i32,
        detail: Detail,
    ) -> Result<Figures> {
        let mut all = self.figures_of_years(spec, region, &[year], detail).await?;
        Ok(all.remove(0))
    }

    /// A report's figures for several years (this year and the last, beside each other).
    pub async fn figures_of_years(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
        years: &[i32],
        detail: Detail,
    ) -> Result<Vec<Figures>> {
        self.figures_read(spec, region, years, detail, None).await
    }

    /// The figures counted per department (`by = "department"`) for a year: each figure's
    /// count in each department (the case's department now), for lists that open with the
    /// figure's query and `&department=`.
    pub async fn figures_by_department(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
        year: i32,
    ) -> Result<std::collections::BTreeMap<String, Vec<(String, i64)>>> {
        self.ensure_figures_built(spec).await?;
        let keys: Vec<String> = spec
            .figures
            .iter()
            .filter(|f| f.by == Some(By::Department))
            .map(|f| f.key.clone())
            .collect();
        Ok(self
            .store()
            .figure_totals_by_department(&spec.report.code, &keys, region, year)
            .await?)
    }

    /// [`App::figures_of_years`], with the report's texts of a single year when already read.
    pub(crate) async fn figures_read(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
        years: &[i32],
        detail: Detail,
        texts_read: Option<&[fazhi_store::report_texts::ReportText]>,
    ) -> Result<Vec<Figures>> {
        if let Some(year) = years.iter().find(|y| !(1990..=2100).contains(*y)) {
            return Err(AppError::Invalid(format!("年度“{year}”无效")));
        }
        self.ensure_figures_built(spec).await?;
        let code = &spec.report.code;
        let growth = spec.figures.iter().any(|f| f.growth.is_some());
        let mut totals: std::collections::BTreeMap<i32, Totals> = Default::default();
        for &year in years {
            let wanted = if growth {
                vec![year, year - 1]
            } else {
                vec![year]
            };
            for y in wanted {
                if let std::collections::btree_map::Entry::Vacant(e) = totals.entry(y) {
                    e.insert(self.store().figure_totals(code, region, y).await?);
                }
            }
        }
        let mut out = Vec::with_capacity(years.len());
        for &year in years {
            let texts = if let Some(texts) = texts_read.filter(|_| years.len() == 1) {
                texts.to_vec()
            } else if spec.figures.iter().any(|f| f.manual.is_some()) {
                self.store()
                    .report_texts(fazhi_store::report_texts::ReportOf {
                        region,
                        report: code,
                        year,
                    })
                    .await?
            } else {
                Vec::new()
            };
            let records = match detail {
                Detail::Records => self.store().figure_records(code, region, year).await?,
                Detail::Counts => Default::default(),
            };
            let empty = Totals::new();
            out.push(compute(
                spec,
                Counted {
                    totals: &totals[&year],
                    previous: totals.get(&(year - 1)).unwrap_or(&empty),
                    records: (detail == Detail::Records).then_some(&records),
                },
                region,
                year,
                &manual_values(&texts),
            ));
        }
        Ok(out)
    }

    /// The year a report opens on for a region: the latest finished year with records (the
    /// demo's 2019, a district that started last year), or last year when none has any.
    pub async fn default_report_year(&self, code: &str, region: &RegionCode) -> Result<i32> {
        let last_year = self.today().year() - 1;
        let spec = self.report(code)?;
        self.ensure_figures_built(spec).await?;
        Ok(self
            .store()
            .latest_figure_year(code, region, last_year)
            .await?
            .unwrap_or(last_year))
    }

    /// The figures a case counts toward, in every report the installation uses; `None` when
    /// no report counts its procedure (nothing to write).
    pub(crate) fn figure_members(
        &self,
        definition: &Definition,
        case: &Case,
    ) -> Option<Vec<FigureMember>> {
        if !self.reports.iter().any(|r| r.counts(definition)) {
            return None;
        }
        let calendar = self.calendar();
        let today = self.today();
        Some(
            self.reports
                .iter()
                .flat_map(|r| members(r, definition, case, &calendar, today))
                .collect(),
        )
    }

    /// Makes sure a report's rows were built from its figures as they now stand (after an
    /// upgrade, a changed report file or a restored backup, they are rebuilt from every case
    /// of the procedures it counts). Returns how many cases were read, 0 when nothing was to do.
    pub async fn ensure_figures_built(&self, spec: &ReportSpec) -> Result<usize> {
        let code = &spec.report.code;
        // Computed once with the application (its report files and definitions are fixed).
        let fingerprint = match self.figure_fingerprints.get(code) {
            Some(f) => f.clone(),
            None => fingerprint(spec, self.procedures()),
        };
        if self.store().figure_build(code).await?.as_deref() == Some(fingerprint.as_str()) {
            return Ok(0);
        }
        let _one_at_a_time = self.figure_builds.lock().await;
        if self.store().figure_build(code).await?.as_deref() == Some(fingerprint.as_str()) {
            return Ok(0);
        }
        tracing::info!(report = %code, "counting the cases into the report's figures");
        self.store().clear_figure_members(code).await?;
        let read = self
            .recount_figures(spec, &procedures(spec, self.procedures(), |_| true), false)
            .await?;
        self.store().finish_figure_build(code, &fingerprint).await?;
        tracing::info!(report = %code, cases = read, "figures rebuilt");
        Ok(read)
    }

    /// Counts the cases of these procedures into a report's figures again (all of them, or
    /// only the open ones), slice by slice. Returns how many cases were read.
    async fn recount_figures(
        &self,
        spec: &ReportSpec,
        codes: &[String],
        open_only: bool,
    ) -> Result<usize> {
        let calendar = self.calendar();
        let today = self.today();
        let mut read = 0;
        for code in codes {
            let mut after = String::new();
            loop {
                let slice = self
                    .store()
                    .cases_after(code, &after, REBUILD_SLICE)
                    .await?;
                let Some(last) = slice.last() else { break };
                after = last.case.id.clone();
                read += slice.len();
                let rows: Vec<CaseMembers> = slice
                    .iter()
                    .filter(|c| !(open_only && c.terminal))
                    .filter_map(|c| {
                        let d = self
                            .procedures()
                            .get(&c.case.procedure, &c.case.definition_version)?;
                        Some(CaseMembers {
                            case_id: c.case.id.clone(),
                            region: c.case.region.clone(),
                            members: members(spec, d, &c.case, &calendar, today),
                        })
                    })
                    .collect();
                self.store()
                    .set_figure_members(&spec.report.code, &rows)
                    .await?;
            }
        }
        Ok(read)
    }

    /// Counts again the figures that depend on the day or the calendar (`late`): the open
    /// cases of the procedures they count, or every case when the calendar changed. Returns
    /// how many cases were read (0 when no figure depends on the day).
    pub async fn refresh_dated_figures(&self, calendar_changed: bool) -> Result<usize> {
        let mut read = 0;
        for spec in self.reports.iter() {
            let codes = procedures(spec, self.procedures(), FigureSpec::dated);
            if !codes.is_empty() {
                read += self
                    .recount_figures(spec, &codes, !calendar_changed)
                    .await?;
            }
        }
        Ok(read)
    }
}

type Totals = std::collections::BTreeMap<String, FigureTotal>;

/// What a report's figures are computed from: the year's totals, the previous year's (for
/// growths) and, when asked for, the records.
pub(crate) struct Counted<'a> {
    totals: &'a Totals,
    previous: &'a Totals,
    records: Option<&'a std::collections::BTreeMap<String, Vec<String>>>,
}

/// The values entered by hand for figures no record can give, by key, from a report's texts.
pub(crate) fn manual_values(
    texts: &[fazhi_store::report_texts::ReportText],
) -> std::collections::BTreeMap<String, ManualValue> {
    texts
        .iter()
        .filter_map(|t| {
            let key = t.part.strip_prefix(MANUAL_PART)?.to_string();
            Some((key, serde_json::from_str(&t.text).ok()?))
        })
        .collect()
}

/// A counting figure's value from totals: the sum for a `sum`, else the count.
fn total_value(f: &FigureSpec, totals: &Totals) -> i64 {
    let t = totals.get(&f.key).copied().unwrap_or_default();
    if f.sum.is_some() { t.amount } else { t.cases }
}

/// A report's figures for a year from what was counted.
pub(crate) fn compute(
    spec: &ReportSpec,
    counted: Counted<'_>,
    region: &RegionCode,
    year: i32,
    manual: &std::collections::BTreeMap<String, ManualValue>,
) -> Figures {
    let mut figures: std::collections::BTreeMap<String, FigureValue> =
        std::collections::BTreeMap::new();
    for f in &spec.figures {
        let query = format!(
            "/console/cases?figure={}:{}&year={year}&region={region}",
            spec.report.code, f.key
        );
        // The records behind a figure: its own, or those of the count it is made of.
        let value =
            |value, (records, record_count): (Vec<String>, i64), source, cited| FigureValue {
                value,
                unit: f.unit.clone(),
                label: f.zh.clone(),
                label_en: f.en.clone(),
                records,
                record_count,
                query: query.clone(),
                source,
                cited,
            };
        let behind = |of: Option<&FigureValue>| {
            of.map(|v| (v.records.clone(), v.record_count))
                .unwrap_or_default()
        };
        // Every part is a count declared before it (checked when the file is read).
        let part = |key: &str| figures.get(key);
        let number = |v: Option<&FigureValue>| {
            v.and_then(|v| v.value.as_ref())
                .and_then(serde_json::Number::as_f64)
                .unwrap_or(0.0)
        };
        let computed = if let Some(share) = &f.share {
            let (of, among) = (part(&share.of), part(&share.among));
            value(
                per_cent(number(of), number(among)),
                behind(of),
                "records",
                None,
            )
        } else if let Some(of) = &f.growth {
            let now = part(of);
            let earlier = spec
                .figures
                .iter()
                .find(|g| &g.key == of)
                .map_or(0, |g| total_value(g, counted.previous));
            value(
                per_cent(number(now) - earlier as f64, earlier as f64),
                behind(now),
                "records",
                None,
            )
        } else if f.manual.is_some() {
            let entered = manual.get(&f.key);
            value(
                entered.map(|m| m.value.clone()),
                (Vec::new(), 0),
                "manual",
                entered.map(|m| m.source.clone()),
            )
        } else {
            let records = counted
                .records
                .and_then(|r| r.get(&f.key).cloned())
                .unwrap_or_default();
            let count = counted.totals.get(&f.key).map_or(0, |t| t.cases);
            value(
                Some(total_value(f, counted.totals).into()),
                (records, count),
                "records",
                None,
            )
        };
        figures.insert(f.key.clone(), computed);
    }
    let pending = spec
        .pending_figures()
        .map(|(f, why)| (f.key.clone(), why.to_string()))
        .collect();
    Figures {
        report: spec.report.code.clone(),
        year,
        region: region.to_string(),
        figures,
        pending,
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
            spec.pending_figures()
                .any(|(f, why)| f.key == "grid.events" && !why.is_empty())
        );
    }

    #[test]
    fn the_shipped_report_fits_the_shipped_procedures() {
        let registry = crate::loading::procedures(None).unwrap();
        for (code, _) in SHIPPED {
            check(&shipped(code).unwrap(), &registry).unwrap();
        }
    }

    #[test]
    fn figures_naming_what_no_procedure_has_are_refused_by_key() {
        let registry = crate::loading::procedures(None).unwrap();
        let text = r#"
[report]
code = "x"
zh = "x"

[[figures]]
key = "nobody"
zh = "n"
tags = ["no.such.tag"]

[[figures]]
key = "typo"
zh = "t"
tags = ["reconsideration.cases"]
period = { field = "recieved_on" }
states = ["nowhere"]

[[figures]]
key = "sum_of_text"
zh = "s"
tags = ["reconsideration.cases"]
sum = "claims"

[[figures]]
key = "never_taken"
zh = "n"
tags = ["reconsideration.cases"]
period = { taken = "fly" }
"#;
        let e = check(&parse("x.toml", text).unwrap(), &registry).unwrap_err();
        assert!(
            e.contains("figure nobody: no procedure counts toward no.such.tag"),
            "{e}"
        );
        assert!(
            e.contains("figure typo: no counted procedure has the field “recieved_on”"),
            "{e}"
        );
        assert!(
            e.contains("figure typo: no counted procedure has the state “nowhere”"),
            "{e}"
        );
        assert!(e.contains("figure sum_of_text: sum of “claims”"), "{e}");
        assert!(
            e.contains("figure never_taken: no counted procedure has the action “fly”"),
            "{e}"
        );
    }

    #[test]
    fn paragraphs_may_name_only_the_report_s_figures_and_words() {
        let text = r#"
[report]
code = "x"
zh = "x"
title = "{region}{year}年报告"

[[sections]]
id = "a"
heading = "一、{previous_year}年"
paragraphs = ["收到{a.count}件，{b.pending}暂无；{not.a.figure}；{ 不是占位符 }；{}"]

[[figures]]
key = "a.count"
zh = "a"
tags = ["t"]

[[pending]]
why = "later"
figures = [{ key = "b.pending", zh = "b" }]
"#;
        let e = parse("x.toml", text).unwrap_err();
        assert!(
            e.contains("paragraph a.1: {not.a.figure} is not a figure"),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
        let spec = parse("x.toml", &text.replace("{not.a.figure}；", "")).unwrap();
        assert_eq!(
            spec.paragraph("a.1").map(|p| p.starts_with("收到")),
            Some(true)
        );
        assert!(spec.paragraph("a.2").is_none() && spec.paragraph("a.0").is_none());
        assert_eq!(
            placeholders("x{year}y{a.b}")
                .iter()
                .map(|(r, n)| (r.start, *n))
                .collect::<Vec<_>>(),
            vec![(1, "year"), (8, "a.b")]
        );
    }

    #[test]
    fn a_share_or_a_growth_lists_the_records_of_the_count_it_is_of() {
        let spec = shipped("rule_of_law").unwrap();
        assert_eq!(
            spec.records_figure("litigation.procedural_loss_share_pct"),
            Some("litigation.procedural_losses_two_years")
        );
        assert_eq!(
            spec.records_figure("reconsideration.received"),
            Some("reconsideration.received")
        );
        assert_eq!(spec.records_figure("petitions.assigned_city_rank"), None);
        assert_eq!(spec.records_figure("no.such"), None);
    }

    fn figure(text: &str) -> FigureSpec {
        let file = format!(
            "[report]\ncode = \"x\"\nzh = \"x\"\n[[figures]]\nkey = \"f\"\nzh = \"f\"\ntags = [\"reconsideration.cases\"]\n{text}"
        );
        parse("x.toml", &file).unwrap().figures.remove(0)
    }

    /// A reconsideration received on 2018-12-20 (its `received_on`), registered then, and
    /// decided on `decided` if given.
    fn reconsideration(decided: Option<&str>) -> (Definition, Case) {
        let registry = crate::loading::procedures(None).unwrap();
        let d = registry
            .all()
            .iter()
            .find(|d| d.code == "reconsideration")
            .unwrap()
            .clone();
        let mut c = Case::new("c", RegionCode::parse("210212").unwrap(), None, &d);
        let on = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        c.fields
            .insert("received_on".into(), Value::from("2018-12-20"));
        c.taken = vec!["register".into(), "accept".into()];
        c.taken_on = vec![on("2018-12-20"), on("2018-12-24")];
        c.state = "accepted".into();
        if let Some(day) = decided {
            c.taken.push("decide".into());
            c.taken_on.push(on(day));
            c.state = "decided".into();
        }
        (d, c)
    }

    #[test]
    fn a_case_counts_toward_the_years_its_figure_s_period_and_conclusion_give() {
        let (d, open) = reconsideration(None);
        let (_, decided) = reconsideration(Some("2020-03-02"));
        let received = figure("period = { field = \"received_on\" }");
        assert_eq!(years(&received, &d, &open), Some((2018, 2018)));
        let two_years = figure("period = { field = \"received_on\", years = 2 }");
        assert_eq!(years(&two_years, &d, &open), Some((2018, 2019)));
        // Pending at a year's end: every year until the one before its conclusion.
        let pending = figure("period = \"always\"\nconcluded = false");
        assert_eq!(years(&pending, &d, &open), Some((NO_START, NO_END)));
        assert_eq!(years(&pending, &d, &decided), Some((NO_START, 2019)));
        let concluded_by_then = figure("period = \"always\"\nconcluded = true");
        assert_eq!(years(&concluded_by_then, &d, &open), None);
        assert_eq!(
            years(&concluded_by_then, &d, &decided),
            Some((2020, NO_END))
        );
        // Received in 2018 and concluded in 2020: not concluded by the end of 2018.
        let received_and_concluded =
            figure("period = { field = \"received_on\" }\nconcluded = true");
        assert_eq!(years(&received_and_concluded, &d, &decided), None);
        assert_eq!(
            years(&figure("period = \"opened\""), &d, &open),
            Some((2018, 2018))
        );
        assert_eq!(years(&figure("period = \"concluded\""), &d, &open), None);
        assert_eq!(
            years(&figure("period = \"concluded\""), &d, &decided),
            Some((2020, 2020))
        );
        assert_eq!(
            years(&figure("period = { taken = \"accept\" }"), &d, &decided),
            Some((2018, 2018))
        );
        assert_eq!(
            years(&figure("period = { taken = \"refuse\" }"), &d, &decided),
            None
        );
        assert_eq!(years(&figure("states = [\"decided\"]"), &d, &open), None);
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
        assert!(
            e.contains("figure a: no tags (which procedures?), share, growth or manual"),
            "{e}"
        );
        assert!(e.contains("period “yesterday”"), "{e}");
        assert!(e.contains("give `in` or `is`"), "{e}");
        assert!(e.contains("figure b: share of “later”"), "{e}");
        assert!(!e.contains("figure b: share of “a”"), "{e}");
    }
}
