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
    /// `GET /api/v1/cases/{id}`).
    pub records: Vec<String>,
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

impl ReportSpec {
    /// The report cut down to one figure and those it is made of (declared before it), or
    /// `None` if it has no such figure.
    pub fn up_to(&self, key: &str) -> Option<ReportSpec> {
        let at = self.figures.iter().position(|f| f.key == key)?;
        Some(ReportSpec {
            report: self.report.clone(),
            sections: Vec::new(),
            figures: self.figures[..=at].to_vec(),
            pending: Vec::new(),
        })
    }
}

/// Checks a report's figures against the definitions they count: each tag counted by some
/// procedure, each field, state and action a figure names present in one of them, a sum over
/// an integer field. Every mistake is named with the figure's key.
pub fn check(spec: &ReportSpec, registry: &Registry) -> std::result::Result<(), String> {
    let code = &spec.report.code;
    let mut errors = Vec::new();
    for f in spec.figures.iter().filter(|f| !f.tags.is_empty()) {
        let counted: Vec<&Definition> = registry
            .all()
            .iter()
            .filter(|d| f.tags.iter().any(|t| d.counts_for(t)))
            .collect();
        if counted.is_empty() {
            errors.push(format!(
                "report {code}: figure {}: no procedure counts toward {} (list it under [[pending]] until one does)",
                f.key,
                f.tags.join(", ")
            ));
            continue;
        }
        let has_field = |name: &str| counted.iter().any(|d| d.field(name).is_some());
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
pub const SHIPPED: &[(&str, &str)] = &[("rule_of_law", RULE_OF_LAW)];

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

/// Whether a case counts toward a figure in `year` (all but `late`, which needs the calendar).
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
        Period::Taken { taken } => c
            .taken
            .iter()
            .zip(&c.taken_on)
            .rev()
            .find(|(action, _)| *action == taken)
            .is_some_and(|(_, on)| on.year() == year),
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

/// The records a report reads, each with its definition (looked up once for every figure).
pub(crate) struct Records<'a> {
    cases: &'a [StoredCase],
    definitions: Vec<Option<&'a Definition>>,
    calendar: &'a fazhi_core::calendar::Calendar,
    today: NaiveDate,
}

impl Records<'_> {
    /// The cases a counting figure takes in `year`, and the sum of its `sum` field over them.
    fn select(&self, f: &FigureSpec, year: i32) -> (Vec<String>, i64) {
        let mut ids = Vec::new();
        let mut total = 0i64;
        for (c, definition) in self.cases.iter().zip(&self.definitions) {
            let Some(d) = definition else { continue };
            if !f.tags.iter().any(|t| d.counts_for(t)) || !counts(f, Some(d), c, year) {
                continue;
            }
            if let Some(want) = f.late
                && crate::reports::was_late(d, c, self.calendar, self.today) != want
            {
                continue;
            }
            if let Some(field) = &f.sum {
                let n = c
                    .case
                    .fields
                    .get(field)
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                if n == 0 {
                    continue;
                }
                total += n;
            }
            ids.push(c.case.id.clone());
        }
        if f.sum.is_none() {
            total = ids.len() as i64;
        }
        (ids, total)
    }
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

impl App {
    /// A report's figures for a region and a year, from the records (and, for the figures no
    /// record can give, the values entered by hand for that year).
    pub async fn figures(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
        year: i32,
    ) -> Result<Figures> {
        let mut all = self.figures_of_years(spec, region, &[year]).await?;
        Ok(all.remove(0))
    }

    /// A report's figures for several years (this year and the last, beside each other), the
    /// records read once for all of them.
    pub async fn figures_of_years(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
        years: &[i32],
    ) -> Result<Vec<Figures>> {
        if let Some(year) = years.iter().find(|y| !(1990..=2100).contains(*y)) {
            return Err(AppError::Invalid(format!("年度“{year}”无效")));
        }
        let cases = self.counted_cases(spec, region).await?;
        let calendar = self.calendar();
        let records = self.records(&cases, &calendar);
        let mut out = Vec::with_capacity(years.len());
        for &year in years {
            let texts = if spec.figures.iter().any(|f| f.manual.is_some()) {
                self.store()
                    .report_texts(fazhi_store::report_texts::ReportOf {
                        region,
                        report: &spec.report.code,
                        year,
                    })
                    .await?
            } else {
                Vec::new()
            };
            out.push(compute(
                spec,
                &records,
                region,
                year,
                &manual_values(&texts),
            ));
        }
        Ok(out)
    }

    /// The cases of the procedures a report counts, in a region.
    pub(crate) async fn counted_cases(
        &self,
        spec: &ReportSpec,
        region: &RegionCode,
    ) -> Result<Vec<StoredCase>> {
        let codes = procedures(spec, self.procedures());
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let code_refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        Ok(self.store().cases_in(region, &code_refs).await?)
    }

    /// The cases with their definitions, looked up once for every figure.
    pub(crate) fn records<'a>(
        &'a self,
        cases: &'a [StoredCase],
        calendar: &'a fazhi_core::calendar::Calendar,
    ) -> Records<'a> {
        Records {
            definitions: cases
                .iter()
                .map(|c| {
                    self.procedures()
                        .get(&c.case.procedure, &c.case.definition_version)
                })
                .collect(),
            cases,
            calendar,
            today: self.today(),
        }
    }
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

/// A report's figures for a year over the records read.
pub(crate) fn compute(
    spec: &ReportSpec,
    records: &Records<'_>,
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
        let value = |value, records, source, cited| FigureValue {
            value,
            unit: f.unit.clone(),
            label: f.zh.clone(),
            label_en: f.en.clone(),
            records,
            query: query.clone(),
            source,
            cited,
        };
        // Every part is a count declared before it (checked when the file is read).
        let part = |key: &str| figures.get(key).cloned();
        let computed = if let Some(share) = &f.share {
            let (of, among) = (part(&share.of), part(&share.among));
            let number = |v: &Option<FigureValue>| {
                v.as_ref()
                    .and_then(|v| v.value.as_ref())
                    .and_then(serde_json::Number::as_f64)
                    .unwrap_or(0.0)
            };
            value(
                per_cent(number(&of), number(&among)),
                of.map(|v| v.records).unwrap_or_default(),
                "records",
                None,
            )
        } else if let Some(of) = &f.growth {
            let now = part(of);
            let earlier = spec
                .figures
                .iter()
                .find(|g| &g.key == of)
                .map(|g| records.select(g, year - 1).1)
                .unwrap_or(0);
            let current = now
                .as_ref()
                .and_then(|v| v.value.as_ref())
                .and_then(serde_json::Number::as_i64)
                .unwrap_or(0);
            value(
                per_cent((current - earlier) as f64, earlier as f64),
                now.map(|v| v.records).unwrap_or_default(),
                "records",
                None,
            )
        } else if f.manual.is_some() {
            let entered = manual.get(&f.key);
            value(
                entered.map(|m| m.value.clone()),
                Vec::new(),
                "manual",
                entered.map(|m| m.source.clone()),
            )
        } else {
            let (ids, total) = records.select(f, year);
            value(Some(total.into()), ids, "records", None)
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
