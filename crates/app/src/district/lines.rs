//! Demo lines: a procedure's `demo.toml` (beside its definition in `procedures/<code>/`) says
//! which cases of it a generated district holds — how many, opened when, along which path of
//! actions (an outcome), with what gaps between the steps and what field values. The file is
//! read into [`Lines`], checked against the procedure's definition (every action, field and
//! choice code named with file and line), and generated into case histories by
//! [`super::generate`].
//!
//! ```toml
//! [people]                        # how the generated people look (optional)
//! men = 55
//! person_men = 55
//! born = [1944, 1998]
//! villages = 35
//! flats = true
//!
//! [paths]                         # step lists several lines share
//! settled = [
//!   { action = "apply", fields = { applied_on = "{date}", parties = [{ gen = "person" }, { var = "second" }] } },
//!   { action = "register", after = { working_days = [0, 2] }, fields = { mediators = { people = 2 } } },
//!   { action = "extend", after = { days = [24, 28] }, chance = 5 },
//!   { action = "close", on_field = "performance_deadline", when = { form = "written" } },
//! ]
//!
//! [[variants.disputes]]           # one is drawn per case (by `weight`), or each in turn
//! weight = 30
//! kind = "neighbour"              # a case variable: `{kind}` in texts, `{ var = "kind" }`
//! fields.close = { note = "…" }   # fields added to one action's step
//!
//! [[line]]
//! name = "2019 年调解成功"
//! department = "tjwyh"            # a department code of the district (several streets: spread by weight)
//! count = 243
//! opened = ["2019-01-03", "2019-12-06"]   # the first step falls on a working day in this window
//! until = "2019-12-31"            # the last step must too: a later case is started earlier
//! path = "settled"                # or `steps = [...]`
//! variants = "disputes"
//! vars = { form = { pick = ["written", "oral"], weights = [85, 15] } }
//! skip = ["extend"]               # steps of the path this line leaves out
//! at.register = { after = { working_days = [0, 0] } }   # a step changed for this line
//! ```
//!
//! Instead of `opened` and `count`, a line may open its cases in `batches` (`[{ from, to,
//! count }]`: the province's assignments arrive so); `seq_from` is `{seq}` of its first case,
//! counted on for the next ones (numbers of a year's register). `[pools]` names lists of
//! values drawn with `{ pick_from = "name" }`.
//!
//! A step's day: the line's window for the first; otherwise `after` the previous step taken
//! (`days`: calendar days, moved to a working day; `working_days`; `period_end = N`: the day
//! after a period of N calendar days ends, when a clock left to run out has; with `from =
//! "action"` (or a list of actions) measured from the last earlier step of that action instead
//! — a decision within so many days of acceptance, whatever came between), or the working day
//! on or before the date in a field set earlier (`on_field`); never before `not_before` (a
//! working day drawn in that window) nor before the previous step. A step with `chance` (per
//! cent) is taken or not; steps sharing a `group` share the draw; `when` takes it only if the
//! case's variables (or their keys, `"petition.kind"`) have those values (one, or a list of
//! any). Who takes a step: the office's member of staff (its `staff` in demo/district.toml, a
//! department_staff), unless `as` says `"system"` (a clock ran out) or a role — `as =
//! "enforcement_officer"`, `"legal_reviewer"`, `"justice_staff"`: the member of staff the
//! district file names for that role (`acting`) in the case's own department, else in the first
//! department naming one (the justice bureau's reviewer reviews every body's cases); the action
//! must allow that role. `office = "name"` takes a step at the office of the case the line
//! follows (named by `follows.as`): a case handed to the department whose file it evaluates.
//!
//! Steps dated from the day the district is generated (its today: certificates renewed up to
//! it, some running out soon): `at_today = { days = [lo, hi], years = N }` dates a step so many
//! days and years after today (a working day on or before it; on a first step instead of the
//! line's window); `on_field_days = [lo, hi]` adds days to the date of `on_field` (a step of
//! the system on that very day, a person's moved back to a working day); `repeat = { field,
//! today_plus = N }` takes the step again and again, its day and fields drawn afresh, while the
//! date in `field` (as the steps so far left it) is before today plus N days. No step but the
//! system's is dated after today. A first step's `not_before` holds too (a chained line's
//! cases registered in one week, whenever the cases they follow ended).
//!
//! A value is a TOML value, where a string is a text with placeholders — a case variable (or a
//! key of one, `{request.content}`), or `{date}` (the step's day; `{date_zh}`: 2019年3月4日),
//! `{step_year}` (its year), `{place}` (the office's place: its street, or the district),
//! `{seq}`, `{name}`,
//! `{company}`, `{street}`, `{village}`, `{road}`, `{project}`, `{amount}`, `{n}` and `{year}`
//! (a recent year before the case's) drawn fresh — and an inline table with one of these keys
//! is drawn: `gen = "person" | "company" | "name" | "phone" | "address"` (a person optionally
//! `born = [from, to]`), `gen = "organisation"` with a `name` (a value) and a `code` (the
//! first characters of its credit code, `"12210200MB"`; optionally an `address`), `pick =
//! [...]` (optionally
//! `weights`), `chance = N` with `value`, `int = [lo, hi]` (optionally `step`), `var = "name"`
//! (or `"name.key"`), `date_after = [lo, hi]` (calendar days after the step, on a working day;
//! negative for before it), `working_days_after = [lo, hi]`, `pick_from = "pool"`, `people =
//! N` (N different members of the office's staff list), `table = "name"` with a `key` (a value:
//! the table's entry under the key drawn, else its `_` entry, else no value), `date_of =
//! "field"` with `years` and `days` (the date in a field set earlier in the case — or earlier
//! in the same step, fields being drawn in the order of their names — or in a variable, moved
//! on so many years, then days), `today_plus = [lo, hi]` with `years` (a day so many days and
//! years after the generation's today), `cases = "procedure"` with a `field` (the value of that
//! field in a case of another procedure's lines at the case's own office; with `count = N`, a
//! list of N different ones; `except_taken = [actions]` passes over the cases that took any of
//! them — a penalty names two officers whose certificates are in force: those certificates'
//! lines are generated first and loaded first, so the engine finds them), `department =
//! "own"` (the id of the case's own department) or `department = "name"` (that of the case
//! followed under that name), and — as a line's
//! variable only — `deal = [...]` with `counts` (each value exactly so many times among the
//! line's cases, in a shuffled order; the counts add up to the line's count). Any other table
//! is an object of values. A value that comes out empty (a missing variable or key, a
//! `chance` not taken) leaves the field out. A line's variables (and a variant's) are drawn in
//! the order of their names, except that one naming another is drawn after it.
//!
//! `[tables]` names tables of values (`[tables.replies] disclose = "…"`), read with `table`.
//! `[[numbers]]` numbers a field across all the file's cases, per year and in the order of the
//! days: `field`, the `actions` whose steps carry it, `by` (`"step"`, the step's day, by
//! default; `"opened"`, the case's first day), `text` with `{year}` and `{n}` (and `texts`, a
//! text by action); a text with `{value}` counts per value the step drew for the field (a
//! body's prefix, `"旅市监罚"`: numbered per body and kind of decision). Numbers are given once
//! every line is generated.
//!
//! A line may follow the cases of another line (`follows`): chained cases, such as a person
//! refused information who asks for reconsideration, then sues. It makes one case for each
//! case of that `line` (of `procedure`, by default an earlier line of the same file) whose
//! fields have the values of `when` — the first `count` of them; the case followed is a
//! variable (named by `as`, `followed` by default) holding its fields; and its first step is
//! `start` after the last step of an action (`step`) or the date in a `field` of the case
//! followed, by `days` (moved to a working day) or `working_days`. `opened` is then the window
//! those first days must fall in and `until` a day the cases must end by: both are checked,
//! and a case outside them stops the generation with the line's place. Another procedure's
//! lines are generated from the same seed, so a chained line follows the very cases that
//! procedure's file gives. A district holding several copies of the lines (the benchmark's) counts
//! `{seq}` on from one copy to the next, so numbers stay unique in it.
//!
//! ```toml
//! [[line]]
//! name = "2019 年信息公开答复复议"
//! department = "sfj"
//! count = 1
//! opened = ["2019-03-01", "2019-06-28"]
//! path = "review"
//! follows = { procedure = "disclosure_request", line = "2019 年部分公开、申请人申请复议", as = "request", when = { reply_type = "partial" }, start = { field = "reply_on", days = [20, 30] } }
//! vars = { applicant = { var = "request.applicant" } }
//! at.register.fields = { act_document_no = { var = "request.reply_no" } }
//! ```

use super::synthetic::Profile;
use crate::AppError;
use chrono::NaiveDate;
use fazhi_core::procedure::{Definition, FieldType, Registry};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use toml::Spanned;

/// The name of a procedure's demo-lines file in its folder.
pub const FILE_NAME: &str = "demo.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileText {
    #[serde(default)]
    people: Option<Profile>,
    #[serde(default)]
    paths: BTreeMap<String, Vec<StepText>>,
    #[serde(default)]
    variants: BTreeMap<String, Vec<VariantText>>,
    #[serde(default)]
    pools: BTreeMap<String, Vec<toml::Value>>,
    #[serde(default)]
    tables: BTreeMap<String, BTreeMap<String, toml::Value>>,
    #[serde(default)]
    numbers: Vec<NumberText>,
    #[serde(default)]
    line: Vec<LineText>,
}

/// A field numbered across the file's cases, per year (`[[numbers]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NumberText {
    field: Spanned<String>,
    actions: Vec<Spanned<String>>,
    #[serde(default)]
    by: Option<Spanned<String>>,
    text: String,
    #[serde(default)]
    texts: BTreeMap<String, String>,
}

/// The case a chained line's case follows (`follows`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowsText {
    #[serde(default)]
    procedure: Option<Spanned<String>>,
    line: Spanned<String>,
    #[serde(rename = "as", default = "followed")]
    name: String,
    #[serde(default)]
    when: BTreeMap<Spanned<String>, OneOf>,
    start: StartText,
}

fn followed() -> String {
    "followed".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartText {
    #[serde(default)]
    step: Option<Spanned<String>>,
    #[serde(default)]
    field: Option<Spanned<String>>,
    #[serde(default)]
    days: Option<[i64; 2]>,
    #[serde(default)]
    working_days: Option<[i64; 2]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineText {
    name: String,
    department: String,
    #[serde(default)]
    count: usize,
    #[serde(default)]
    opened: Option<[NaiveDate; 2]>,
    #[serde(default)]
    batches: Vec<Batch>,
    #[serde(default)]
    seq_from: i64,
    #[serde(default)]
    until: Option<NaiveDate>,
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    steps: Vec<StepText>,
    #[serde(default)]
    variants: Option<Spanned<String>>,
    #[serde(default)]
    in_turn: bool,
    #[serde(default)]
    vars: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    skip: Vec<Spanned<String>>,
    #[serde(default)]
    at: BTreeMap<Spanned<String>, ChangeText>,
    #[serde(default)]
    follows: Option<FollowsText>,
}

/// Cases opened in one window (the province's assignments arrive in batches).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    from: NaiveDate,
    to: NaiveDate,
    count: usize,
}

/// A condition's value: one, or any of several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOf {
    One(String),
    Any(Vec<String>),
}

impl OneOf {
    pub fn values(&self) -> Vec<&str> {
        match self {
            OneOf::One(v) => vec![v.as_str()],
            OneOf::Any(vs) => vs.iter().map(String::as_str).collect(),
        }
    }

    pub fn holds(&self, value: &str) -> bool {
        match self {
            OneOf::One(v) => v == value,
            OneOf::Any(vs) => vs.iter().any(|v| v == value),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepText {
    action: Spanned<String>,
    #[serde(rename = "as", default)]
    actor: Option<Spanned<String>>,
    #[serde(default)]
    after: Option<Gap>,
    #[serde(default)]
    on_field: Option<Spanned<String>>,
    #[serde(default)]
    on_field_days: Option<[i64; 2]>,
    #[serde(default)]
    at_today: Option<AtToday>,
    #[serde(default)]
    repeat: Option<Repeat>,
    #[serde(default)]
    office: Option<Spanned<String>>,
    #[serde(default)]
    not_before: Option<[NaiveDate; 2]>,
    #[serde(default)]
    chance: Option<u64>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    when: BTreeMap<String, OneOf>,
    #[serde(default)]
    fields: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// A day relative to the generation's today: so many `days` (a range) and `years` after it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtToday {
    pub days: [i64; 2],
    #[serde(default)]
    pub years: i32,
}

/// A step taken again while the date in a field (as the steps so far left it) is before today
/// plus `today_plus` days (a certificate renewed until it runs beyond today).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    pub field: String,
    #[serde(default)]
    pub today_plus: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeText {
    #[serde(default)]
    after: Option<Gap>,
    #[serde(default)]
    not_before: Option<[NaiveDate; 2]>,
    #[serde(default)]
    fields: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
struct VariantText {
    #[serde(default = "one")]
    weight: u64,
    /// (Plain values: a flattened table keeps no places.)
    #[serde(default)]
    fields: BTreeMap<String, BTreeMap<String, toml::Value>>,
    #[serde(flatten)]
    vars: BTreeMap<String, toml::Value>,
}

fn one() -> u64 {
    1
}

/// How long after the previous step a step is taken: `days` (calendar days, moved on to a
/// working day) or `working_days`, each a range drawn from; `from` measures from the last
/// earlier step of that action (or of any of those actions) instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    #[serde(default)]
    pub days: Option<[i64; 2]>,
    #[serde(default)]
    pub working_days: Option<[i64; 2]>,
    /// The day after a period of so many calendar days from the previous step ends (a last
    /// day on a rest day moving on): when a clock left to run out has run out.
    #[serde(default)]
    pub period_end: Option<u32>,
    #[serde(default)]
    pub from: Option<OneOf>,
}

/// The demo lines of one procedure, checked against its definition.
#[derive(Debug, Clone)]
pub struct Lines {
    pub procedure: String,
    /// Where they came from, for messages.
    pub source: String,
    pub people: Profile,
    pub lines: Vec<Line>,
    /// Named lists of values (`pick_from`).
    pub pools: BTreeMap<String, Spec>,
    /// Named tables of values (`table`).
    pub tables: BTreeMap<String, BTreeMap<String, Spec>>,
    /// Fields numbered across the cases, per year.
    pub numbers: Vec<Numbering>,
    /// The lines of other procedures whose cases lines of these follow, by procedure (set by
    /// [`crate::loading::demo_lines`], which reads every procedure's file).
    pub followed: BTreeMap<String, Arc<Lines>>,
}

/// A field numbered across a file's cases: on the steps of `actions`, per year of the step's
/// day (or of the case's first day, `by = "opened"`), in that day's order.
#[derive(Debug, Clone)]
pub struct Numbering {
    pub field: String,
    pub actions: Vec<String>,
    pub by_opened: bool,
    /// `{year}` and `{n}` filled; `texts` by action, else `text`.
    pub text: String,
    pub texts: BTreeMap<String, String>,
}

/// What a chained line's cases follow: one case each of another line's cases (those whose
/// fields satisfy `when`), its fields a variable named `name`; the first step `days` or
/// `working_days` after the last `step` of an action of it, or after the date in its `field`.
#[derive(Debug, Clone)]
pub struct Follows {
    pub procedure: String,
    pub line: String,
    pub name: String,
    pub when: BTreeMap<String, OneOf>,
    pub step: Option<String>,
    pub field: Option<String>,
    pub days: Option<(i64, i64)>,
    pub working_days: Option<(i64, i64)>,
    /// Where the line is, for messages.
    pub place: String,
}

/// So many cases of one outcome.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    /// The code of the department (or departments, one per street) whose cases these are.
    pub department: String,
    pub count: usize,
    /// The first day and the last on which its cases open.
    pub opened: (NaiveDate, NaiveDate),
    /// The windows its cases open in, with how many in each.
    pub windows: Vec<(NaiveDate, NaiveDate, usize)>,
    /// `{seq}` of its first case (the next ones count on).
    pub seq_from: i64,
    pub until: Option<NaiveDate>,
    pub steps: Vec<StepSpec>,
    pub vars: Vec<(String, Spec)>,
    pub variants: Vec<Variant>,
    pub in_turn: bool,
    pub follows: Option<Follows>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub weight: u64,
    pub vars: Vec<(String, Spec)>,
    /// Fields added to the steps of an action.
    pub fields: BTreeMap<String, Vec<(String, Spec)>>,
}

#[derive(Debug, Clone)]
pub struct StepSpec {
    pub action: String,
    pub system: bool,
    /// The role of who takes it (`as`), if not the office's staff nor the system.
    pub role: Option<String>,
    pub after: Option<Gap>,
    pub on_field: Option<String>,
    /// Days added to the date in `on_field`.
    pub on_field_days: Option<(i64, i64)>,
    /// A working day so many days (and years) after the day the district is generated (its
    /// today); on a first step, instead of the line's window.
    pub at_today: Option<AtToday>,
    pub repeat: Option<Repeat>,
    /// Taken at the office of the case followed (its variable's name), the case handed to it.
    pub office: Option<String>,
    pub not_before: Option<(NaiveDate, NaiveDate)>,
    pub chance: Option<u64>,
    pub group: Option<String>,
    pub when: BTreeMap<String, OneOf>,
    pub fields: Vec<(String, Spec)>,
}

/// A value to draw.
#[derive(Debug, Clone)]
pub enum Spec {
    Literal(Value),
    /// A text with placeholders.
    Text(String),
    Person {
        born: Option<(i32, i32)>,
    },
    Company,
    Name,
    Phone,
    Address,
    Pick(Vec<Spec>, Vec<u64>),
    Chance(u64, Box<Spec>),
    Int {
        lo: i64,
        hi: i64,
        step: i64,
    },
    Var(String),
    DateAfter(i64, i64),
    WorkingDaysAfter(i64, i64),
    People(usize),
    Pool(String),
    Object(Vec<(String, Spec)>),
    Array(Vec<Spec>),
    /// Each value exactly so many times among a line's cases.
    Deal(Vec<Spec>, Vec<u64>),
    /// The entry of a table under a drawn key (else its `_` entry).
    Table(String, Box<Spec>),
    Organisation {
        name: Box<Spec>,
        head: String,
        address: Option<Box<Spec>>,
    },
    /// Values of a field of another procedure's generated cases at the case's own office.
    Cases {
        procedure: String,
        field: String,
        count: Option<usize>,
        except_taken: Vec<String>,
    },
    /// The id of a department: the case's own office's (`"own"`), or the office of the case
    /// followed (its variable's name).
    Department(String),
    /// A day so many days (a range) and years after the generation's today.
    TodayPlus {
        lo: i64,
        hi: i64,
        years: i32,
    },
    /// A day so many years and days after the date in a field set earlier in the case.
    DateOf {
        field: String,
        years: i32,
        days: i64,
    },
}

/// The placeholders a text may hold besides the case's variables.
pub const PLACEHOLDERS: &[&str] = &[
    "date",
    "date_zh",
    "place",
    "name",
    "company",
    "street",
    "village",
    "road",
    "project",
    "amount",
    "n",
    "year",
    "seq",
    "step_year",
];

/// Where a mistake is: the file and the line of a byte offset.
struct Place<'a> {
    source: &'a str,
    text: &'a str,
}

impl Place<'_> {
    fn at(&self, offset: usize) -> String {
        let line = self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        format!("{}: line {line}", self.source)
    }
}

/// Reads and checks the demo lines of `procedure` from `text` (`source` names the file).
pub fn parse(
    source: &str,
    procedure: &str,
    text: &str,
    registry: &Registry,
) -> Result<Lines, AppError> {
    let invalid = |message: String| AppError::Invalid(message);
    let file: FileText = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| Place { source, text }.at(s.start))
            .unwrap_or_else(|| source.to_string());
        invalid(format!("{line}: {}", e.message()))
    })?;
    let place = Place { source, text };
    let mut errors = Vec::new();
    let mut variants = BTreeMap::new();
    for (name, list) in &file.variants {
        let mut out = Vec::new();
        let at = format!("{source}: variants “{name}”");
        for v in list {
            let mut fields = BTreeMap::new();
            for (action, values) in &v.fields {
                fields.insert(
                    action.clone(),
                    values
                        .iter()
                        .map(|(k, value)| (k.clone(), compile_value(value, &at, &mut errors)))
                        .collect(),
                );
            }
            out.push(Variant {
                weight: v.weight,
                vars: in_draw_order(
                    v.vars
                        .iter()
                        .map(|(k, value)| (k.clone(), compile_value(value, &at, &mut errors)))
                        .collect(),
                ),
                fields,
            });
        }
        variants.insert(name.clone(), out);
    }
    let mut lines = Vec::new();
    for l in &file.line {
        let mut steps: Vec<StepText> = match &l.path {
            Some(path) => match file.paths.get(path.get_ref()) {
                Some(steps) => steps.clone(),
                None => {
                    errors.push(format!(
                        "{}: no path “{}” in [paths]",
                        place.at(path.span().start),
                        path.get_ref()
                    ));
                    Vec::new()
                }
            },
            None => l.steps.clone(),
        };
        for s in &l.skip {
            if !steps
                .iter()
                .any(|step| step.action.get_ref() == s.get_ref())
            {
                errors.push(format!(
                    "{}: line “{}” skips “{}”, which is not one of its steps",
                    place.at(s.span().start),
                    l.name,
                    s.get_ref()
                ));
            }
        }
        steps.retain(|step| !l.skip.iter().any(|s| s.get_ref() == step.action.get_ref()));
        for (action, change) in &l.at {
            let Some(step) = steps
                .iter_mut()
                .find(|step| step.action.get_ref() == action.get_ref())
            else {
                errors.push(format!(
                    "{}: line “{}” changes “{}”, which is not one of its steps",
                    place.at(action.span().start),
                    l.name,
                    action.get_ref()
                ));
                continue;
            };
            if change.after.is_some() {
                step.after = change.after.clone();
            }
            if change.not_before.is_some() {
                step.not_before = change.not_before;
            }
            for (k, v) in &change.fields {
                step.fields.insert(k.clone(), v.clone());
            }
        }
        if steps.is_empty() {
            errors.push(format!("{source}: line “{}” has no steps", l.name));
        }
        let line_variants = match &l.variants {
            Some(name) => variants.get(name.get_ref()).cloned().unwrap_or_else(|| {
                errors.push(format!(
                    "{}: no variants “{}”",
                    place.at(name.span().start),
                    name.get_ref()
                ));
                Vec::new()
            }),
            None => Vec::new(),
        };
        let windows: Vec<(NaiveDate, NaiveDate, usize)> = match (l.opened, l.batches.is_empty()) {
            (Some([from, to]), true) => vec![(from, to, l.count)],
            (None, false) if l.count == 0 => {
                l.batches.iter().map(|b| (b.from, b.to, b.count)).collect()
            }
            _ => {
                errors.push(format!(
                    "{source}: line “{}” has either `opened` and `count`, or `batches`",
                    l.name
                ));
                Vec::new()
            }
        };
        if windows.iter().any(|(from, to, _)| from > to) {
            errors.push(format!(
                "{source}: line “{}” opens in a window that ends before it begins",
                l.name
            ));
        }
        let opened = (
            windows.iter().map(|w| w.0).min().unwrap_or_default(),
            windows.iter().map(|w| w.1).max().unwrap_or_default(),
        );
        let line = Line {
            name: l.name.clone(),
            department: l.department.clone(),
            count: windows.iter().map(|w| w.2).sum(),
            opened,
            windows,
            seq_from: l.seq_from,
            until: l.until,
            steps: steps
                .iter()
                .map(|s| StepSpec {
                    action: s.action.get_ref().clone(),
                    system: s.actor.as_ref().is_some_and(|a| a.get_ref() == "system"),
                    role: s
                        .actor
                        .as_ref()
                        .map(|a| a.get_ref().clone())
                        .filter(|a| a != "system"),
                    after: s.after.clone(),
                    on_field: s.on_field.as_ref().map(|f| f.get_ref().clone()),
                    on_field_days: s.on_field_days.map(|[a, b]| (a, b)),
                    at_today: s.at_today,
                    repeat: s.repeat.clone(),
                    office: s.office.as_ref().map(|o| o.get_ref().clone()),
                    not_before: s.not_before.map(|[a, b]| (a, b)),
                    chance: s.chance,
                    group: s.group.clone(),
                    when: s.when.clone(),
                    fields: compile_map(&s.fields, &place, &mut errors),
                })
                .collect(),
            vars: in_draw_order(
                l.vars
                    .iter()
                    .map(|(k, v)| (k.clone(), compile(v, &place, &mut errors)))
                    .collect(),
            ),
            variants: line_variants,
            in_turn: l.in_turn,
            follows: l.follows.as_ref().map(|f| Follows {
                procedure: f
                    .procedure
                    .as_ref()
                    .map_or(procedure.to_string(), |p| p.get_ref().clone()),
                line: f.line.get_ref().clone(),
                name: f.name.clone(),
                when: f
                    .when
                    .iter()
                    .map(|(k, v)| (k.get_ref().clone(), v.clone()))
                    .collect(),
                step: f.start.step.as_ref().map(|s| s.get_ref().clone()),
                field: f.start.field.as_ref().map(|s| s.get_ref().clone()),
                days: f.start.days.map(|[a, b]| (a, b)),
                working_days: f.start.working_days.map(|[a, b]| (a, b)),
                place: place.at(f.line.span().start),
            }),
        };
        for (name, value) in &l.vars {
            let at = place.at(value.span().start);
            check_deal(&line, name, value.get_ref(), &at, &mut errors);
        }
        match registry.in_force(procedure, line.opened.0) {
            None => errors.push(format!(
                "{source}: line “{}”: no definition of “{procedure}” in force on {}",
                line.name, line.opened.0
            )),
            Some(definition) => {
                check_line(definition, &steps, &line, &place, &mut errors);
            }
        }
        if let Some(f) = &l.follows {
            check_follows(f, &line, registry, &place, &file.line, &mut errors);
        }
        lines.push(line);
    }
    let pools: BTreeMap<String, Spec> = file
        .pools
        .iter()
        .map(|(name, items)| {
            let at = format!("{source}: pools “{name}”");
            let items: Vec<Spec> = items
                .iter()
                .map(|v| compile_value(v, &at, &mut errors))
                .collect();
            let weights = vec![1; items.len()];
            (name.clone(), Spec::Pick(items, weights))
        })
        .collect();
    let tables: BTreeMap<String, BTreeMap<String, Spec>> = file
        .tables
        .iter()
        .map(|(name, entries)| {
            let at = format!("{source}: tables “{name}”");
            let entries = entries
                .iter()
                .map(|(k, v)| (k.clone(), compile_value(v, &at, &mut errors)))
                .collect();
            (name.clone(), entries)
        })
        .collect();
    for line in &lines {
        for (name, spec) in line.specs() {
            let mut report = |what: String| {
                errors.push(format!("{source}: line “{}”, “{name}”: {what}", line.name))
            };
            for pool in pools_named(spec) {
                if !pools.contains_key(pool) {
                    report(format!("no pool “{pool}”"));
                }
            }
            check_tables(spec, &tables, &mut report);
            each(spec, &mut |s| {
                if let Spec::Cases {
                    procedure: other,
                    field,
                    ..
                } = s
                {
                    match registry.current(other, line.opened.0) {
                        None => report(format!("no procedure “{other}” to draw cases of")),
                        Some(d) if d.field(field).is_none() => {
                            report(format!("“{other}” has no field “{field}”"))
                        }
                        Some(_) if other == procedure => {
                            report("`cases` draws from another procedure's cases".to_string())
                        }
                        Some(_) => {}
                    }
                }
            });
        }
    }
    let numbers = file
        .numbers
        .iter()
        .map(|n| {
            let at = place.at(n.field.span().start);
            if let Some(by) = &n.by
                && by.get_ref() != "opened"
                && by.get_ref() != "step"
            {
                errors.push(format!(
                    "{}: `by` is “step” (the default) or “opened”",
                    place.at(by.span().start)
                ));
            }
            let first = lines.first().map(|l| l.opened.0).unwrap_or_default();
            if let Some(definition) = registry.current(procedure, first) {
                for action in &n.actions {
                    match definition.action(action.get_ref()) {
                        None => errors.push(format!(
                            "{}: “{procedure}” has no action “{}”",
                            place.at(action.span().start),
                            action.get_ref()
                        )),
                        Some(a) if !a.accepts(n.field.get_ref()) => errors.push(format!(
                            "{at}: action “{}” of “{procedure}” takes no field “{}”",
                            a.code,
                            n.field.get_ref()
                        )),
                        Some(_) => {}
                    }
                }
            }
            Numbering {
                field: n.field.get_ref().clone(),
                actions: n.actions.iter().map(|a| a.get_ref().clone()).collect(),
                by_opened: n.by.as_ref().is_some_and(|b| b.get_ref() == "opened"),
                text: n.text.clone(),
                texts: n.texts.clone(),
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(Lines {
            procedure: procedure.to_string(),
            source: source.to_string(),
            people: file.people.unwrap_or_default(),
            lines,
            pools,
            tables,
            numbers,
            followed: BTreeMap::new(),
        })
    } else {
        Err(invalid(format!(
            "示例数据有误 / demo lines have errors:\n{}",
            errors.join("\n")
        )))
    }
}

/// Checks one line against the definition its cases run under: every action exists and is
/// taken by whom the line says, every field is one its action accepts, every fixed choice is
/// one of the field's codes, every variable a text or condition names is the line's.
fn check_line(
    definition: &Definition,
    steps: &[StepText],
    line: &Line,
    place: &Place<'_>,
    errors: &mut Vec<String>,
) {
    let procedure = &definition.code;
    let mut vars: BTreeSet<&str> = line.vars.iter().map(|(k, _)| k.as_str()).collect();
    for v in &line.variants {
        vars.extend(v.vars.iter().map(|(k, _)| k.as_str()));
    }
    if let Some(f) = &line.follows {
        vars.insert(f.name.as_str());
    }
    for (i, step) in steps.iter().enumerate() {
        let at = place.at(step.action.span().start);
        let Some(action) = definition.action(step.action.get_ref()) else {
            errors.push(format!(
                "{at}: “{procedure}” has no action “{}”",
                step.action.get_ref()
            ));
            continue;
        };
        if i == 0 && !action.creates() {
            errors.push(format!(
                "{at}: the first step, “{}”, does not open a case",
                action.code
            ));
        }
        // Who takes the step: the office's staff by default, the system, or one of the
        // district's members of staff holding a role (`as`); the action must allow them.
        let actor = step
            .actor
            .as_ref()
            .map_or("department_staff", |a| a.get_ref().as_str());
        let at_actor = step
            .actor
            .as_ref()
            .map_or(at.clone(), |a| place.at(a.span().start));
        if actor == "system" {
            if !action.allows_system() {
                errors.push(format!(
                    "{at_actor}: the system does not take “{}”",
                    action.code
                ));
            }
        } else if fazhi_core::org::Role::parse(actor).is_none() {
            errors.push(format!(
                "{at_actor}: `as` is “system” or a role (left out: the office's staff)"
            ));
        } else if !action.roles.iter().any(|r| r == actor) {
            errors.push(format!(
                "{at_actor}: “{}” is not taken by {actor} ({})",
                action.code,
                action.roles.join(", ")
            ));
        }
        if let Some(office) = &step.office
            && line
                .follows
                .as_ref()
                .is_none_or(|f| f.name != *office.get_ref())
        {
            errors.push(format!(
                "{}: `office` names the case the line follows (its `as`)",
                place.at(office.span().start)
            ));
        }
        if step.on_field_days.is_some() && step.on_field.is_none() {
            errors.push(format!("{at}: `on_field_days` goes with `on_field`"));
        }
        if let Some(repeat) = &step.repeat
            && definition.field(&repeat.field).is_none()
        {
            errors.push(format!(
                "{at}: `repeat` reads “{}”, not a field of “{procedure}”",
                repeat.field
            ));
        }
        for name in step.when.keys() {
            if !vars.contains(name.split('.').next().unwrap_or_default()) {
                errors.push(format!(
                    "{at}: `when` names “{name}”, not a variable of the line"
                ));
            }
        }
        if let Some(from) = step.after.as_ref().and_then(|g| g.from.as_ref())
            && !steps[..i].iter().any(|s| from.holds(s.action.get_ref()))
        {
            errors.push(format!(
                "{at}: `after.from` names “{}”, not an earlier step of the line",
                from.values().join("”, “")
            ));
        }
        if let Some(field) = &step.on_field
            && definition.field(field.get_ref()).is_none()
        {
            errors.push(format!(
                "{}: “{procedure}” has no field “{}”",
                place.at(field.span().start),
                field.get_ref()
            ));
        }
        let mut fields: Vec<(String, usize, &Spanned<toml::Value>)> = step
            .fields
            .iter()
            .map(|(k, v)| (k.get_ref().clone(), k.span().start, v))
            .collect();
        let variant_fields = line
            .variants
            .iter()
            .filter_map(|v| v.fields.get(&action.code))
            .flatten();
        for (name, spec) in variant_fields {
            check_field(definition, action, name, spec, &at, &vars, errors);
        }
        for (name, offset, value) in fields.drain(..) {
            let at = place.at(offset);
            let spec = compile(value, place, &mut Vec::new());
            check_field(definition, action, &name, &spec, &at, &vars, errors);
        }
    }
    for (name, spec) in &line.vars {
        let at = format!("{}: var “{name}”", place.source);
        match spec {
            // A line's variable may deal its values among the line's cases.
            Spec::Deal(items, _) => {
                for item in items {
                    check_spec(item, &at, &vars, errors);
                }
            }
            _ => check_spec(spec, &at, &vars, errors),
        }
    }
    for action in line.variants.iter().flat_map(|v| v.fields.keys()) {
        if definition.action(action).is_none() {
            errors.push(format!(
                "{}: line “{}”: its variants add fields to “{action}”, not an action of “{procedure}”",
                place.source, line.name
            ));
        }
    }
}

fn check_field(
    definition: &Definition,
    action: &fazhi_core::procedure::Action,
    name: &str,
    spec: &Spec,
    at: &str,
    vars: &BTreeSet<&str>,
    errors: &mut Vec<String>,
) {
    if !action.accepts(name) {
        errors.push(format!(
            "{at}: action “{}” of “{}” takes no field “{name}”",
            action.code, definition.code
        ));
        return;
    }
    check_spec(spec, at, vars, errors);
    let Some(field) = definition.field(name) else {
        return;
    };
    if field.kind == FieldType::Enum {
        let codes: BTreeSet<&str> = field.values.iter().map(|v| v.code.as_str()).collect();
        for literal in literals(spec) {
            if !codes.contains(literal.as_str()) {
                errors.push(format!(
                    "{at}: “{literal}” is not a code of field “{name}” ({})",
                    codes.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
}

/// Calls `f` on a value and on every value inside it.
pub fn each<'a>(spec: &'a Spec, f: &mut dyn FnMut(&'a Spec)) {
    f(spec);
    match spec {
        Spec::Pick(items, _) | Spec::Array(items) | Spec::Deal(items, _) => {
            items.iter().for_each(|i| each(i, f));
        }
        Spec::Chance(_, inner) | Spec::Table(_, inner) => each(inner, f),
        Spec::Organisation { name, address, .. } => {
            each(name, f);
            if let Some(a) = address {
                each(a, f);
            }
        }
        Spec::Object(items) => items.iter().for_each(|(_, i)| each(i, f)),
        _ => {}
    }
}

impl Line {
    /// Every value the line draws: its steps' fields, its variables and its variants'.
    pub fn specs(&self) -> impl Iterator<Item = &(String, Spec)> {
        self.steps
            .iter()
            .flat_map(|s| s.fields.iter())
            .chain(self.vars.iter())
            .chain(self.variants.iter().flat_map(|v| v.vars.iter()))
            .chain(
                self.variants
                    .iter()
                    .flat_map(|v| v.fields.values().flatten()),
            )
    }
}

impl Lines {
    /// The other procedures whose generated cases these lines read: those they follow and
    /// those they draw values from (`cases`).
    pub fn reads(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for line in &self.lines {
            if let Some(f) = &line.follows {
                out.insert(f.procedure.clone());
            }
            for (_, spec) in line.specs() {
                each(spec, &mut |s| {
                    if let Spec::Cases { procedure, .. } = s {
                        out.insert(procedure.clone());
                    }
                });
            }
        }
        out.remove(&self.procedure);
        out
    }
}

/// The pools a value draws from.
fn pools_named(spec: &Spec) -> Vec<&str> {
    match spec {
        Spec::Pool(name) => vec![name.as_str()],
        Spec::Pick(items, _) | Spec::Array(items) => items.iter().flat_map(pools_named).collect(),
        Spec::Chance(_, inner) => pools_named(inner),
        Spec::Object(items) => items.iter().flat_map(|(_, v)| pools_named(v)).collect(),
        Spec::Deal(items, _) => items.iter().flat_map(pools_named).collect(),
        Spec::Table(_, key) => pools_named(key),
        Spec::Organisation { name, .. } => pools_named(name),
        _ => Vec::new(),
    }
}

/// Every table a value reads is in the file, with the key if the key is fixed.
fn check_tables(
    spec: &Spec,
    tables: &BTreeMap<String, BTreeMap<String, Spec>>,
    report: &mut dyn FnMut(String),
) {
    match spec {
        Spec::Table(name, key) => {
            match (tables.get(name), key.as_ref()) {
                (None, _) => report(format!("no table “{name}” in [tables]")),
                (Some(table), Spec::Literal(Value::String(k)))
                    if !table.contains_key(k) && !table.contains_key("_") =>
                {
                    report(format!("table “{name}” has no entry “{k}” (nor “_”)"))
                }
                _ => {}
            }
            check_tables(key, tables, report);
        }
        Spec::Pick(items, _) | Spec::Array(items) | Spec::Deal(items, _) => {
            for item in items {
                check_tables(item, tables, report);
            }
        }
        Spec::Chance(_, inner) => check_tables(inner, tables, report),
        Spec::Organisation { name, .. } => check_tables(name, tables, report),
        Spec::Object(items) => {
            for (_, item) in items {
                check_tables(item, tables, report);
            }
        }
        _ => {}
    }
}

/// The variables a value names (the heads of `var` and of placeholders).
fn deps<'a>(spec: &'a Spec, out: &mut BTreeSet<&'a str>) {
    match spec {
        Spec::Var(name) => {
            out.insert(name.split('.').next().unwrap_or_default());
        }
        Spec::Text(text) => {
            out.extend(placeholders(text).map(|n| n.split('.').next().unwrap_or_default()));
        }
        Spec::Pick(items, _) | Spec::Array(items) | Spec::Deal(items, _) => {
            items.iter().for_each(|i| deps(i, out));
        }
        Spec::Chance(_, inner) => deps(inner, out),
        Spec::Table(_, key) => deps(key, out),
        Spec::Organisation { name, address, .. } => {
            deps(name, out);
            if let Some(a) = address {
                deps(a, out);
            }
        }
        Spec::Object(items) => items.iter().for_each(|(_, i)| deps(i, out)),
        _ => {}
    }
}

/// A line's variables in the order they are drawn: by name, except that a variable naming
/// another is drawn after it.
fn in_draw_order(mut vars: Vec<(String, Spec)>) -> Vec<(String, Spec)> {
    let mut out: Vec<(String, Spec)> = Vec::with_capacity(vars.len());
    while !vars.is_empty() {
        let names: BTreeSet<String> = vars.iter().map(|(k, _)| k.clone()).collect();
        let ready = vars
            .iter()
            .position(|(name, spec)| {
                let mut d = BTreeSet::new();
                deps(spec, &mut d);
                d.iter().all(|n| *n == name.as_str() || !names.contains(*n))
            })
            .unwrap_or(0);
        out.push(vars.remove(ready));
    }
    out
}

/// A dealt variable deals as many values as the line has cases.
fn check_deal(line: &Line, name: &str, value: &toml::Value, at: &str, errors: &mut Vec<String>) {
    let Some(counts) = value
        .as_table()
        .filter(|t| t.contains_key("deal"))
        .and_then(|t| t.get("counts"))
        .and_then(toml::Value::as_array)
    else {
        return;
    };
    let sum: i64 = counts.iter().filter_map(toml::Value::as_integer).sum();
    if sum != line.count as i64 {
        errors.push(format!(
            "{at}: var “{name}” deals {sum} values to the {} cases of line “{}”",
            line.count, line.name
        ));
    }
}

/// A chained line follows a case of a procedure that has the step or field it starts from
/// and the fields its condition names; a line of its own file, an earlier one.
fn check_follows(
    f: &FollowsText,
    line: &Line,
    registry: &Registry,
    place: &Place<'_>,
    file_lines: &[LineText],
    errors: &mut Vec<String>,
) {
    let Some(follows) = &line.follows else {
        return;
    };
    let at = place.at(f.line.span().start);
    let procedure = follows.procedure.as_str();
    let Some(definition) = registry.current(procedure, line.opened.0) else {
        errors.push(format!("{at}: no procedure “{procedure}” to follow"));
        return;
    };
    if f.procedure.is_none() {
        let earlier = file_lines
            .iter()
            .take_while(|l| l.name != line.name)
            .any(|l| l.name == follows.line);
        if !earlier {
            errors.push(format!(
                "{at}: line “{}” follows “{}”, not an earlier line of the file",
                line.name, follows.line
            ));
        }
    }
    match (&f.start.step, &f.start.field) {
        (Some(step), None) if definition.action(step.get_ref()).is_none() => errors.push(format!(
            "{}: “{procedure}” has no action “{}”",
            place.at(step.span().start),
            step.get_ref()
        )),
        (None, Some(field)) if definition.field(field.get_ref()).is_none() => errors.push(format!(
            "{}: “{procedure}” has no field “{}”",
            place.at(field.span().start),
            field.get_ref()
        )),
        (Some(_), None) | (None, Some(_)) => {}
        _ => errors.push(format!(
            "{at}: `follows.start` names a `step` or a `field` of the case followed"
        )),
    }
    if f.start.days.is_some() && f.start.working_days.is_some() {
        errors.push(format!(
            "{at}: `follows.start` is `days` or `working_days` after it"
        ));
    }
    for field in f.when.keys() {
        if definition.field(field.get_ref()).is_none() {
            errors.push(format!(
                "{}: “{procedure}” has no field “{}”",
                place.at(field.span().start),
                field.get_ref()
            ));
        }
    }
    if line.vars.iter().any(|(k, _)| *k == follows.name) {
        errors.push(format!(
            "{at}: the case followed is the variable “{}”, which the line also draws",
            follows.name
        ));
    }
}

/// The fixed texts a value may take (for checking choice codes).
fn literals(spec: &Spec) -> Vec<String> {
    match spec {
        Spec::Literal(Value::String(s)) => vec![s.clone()],
        Spec::Text(s) => vec![s.clone()],
        Spec::Pick(items, _) => items.iter().flat_map(literals).collect(),
        Spec::Chance(_, inner) => literals(inner),
        _ => Vec::new(),
    }
}

/// Every variable a value names is one of the line's, every placeholder is known.
fn check_spec(spec: &Spec, at: &str, vars: &BTreeSet<&str>, errors: &mut Vec<String>) {
    match spec {
        Spec::Text(text) => {
            for name in placeholders(text) {
                let head = name.split('.').next().unwrap_or_default();
                if !vars.contains(head) && !PLACEHOLDERS.contains(&name) {
                    errors.push(format!("{at}: unknown placeholder “{{{name}}}”"));
                }
            }
        }
        Spec::Deal(..) => errors.push(format!(
            "{at}: `deal` is a line's variable (`vars`), dealt among its cases"
        )),
        Spec::Department(name) if name != "own" && !vars.contains(name.as_str()) => {
            errors.push(format!(
                "{at}: `department` is “own” or the variable of the case followed, not “{name}”"
            ))
        }
        Spec::Table(_, key) => check_spec(key, at, vars, errors),
        Spec::Organisation { name, address, .. } => {
            check_spec(name, at, vars, errors);
            if let Some(a) = address {
                check_spec(a, at, vars, errors);
            }
        }
        Spec::Var(name) => {
            let head = name.split('.').next().unwrap_or_default();
            if !vars.contains(head) {
                errors.push(format!("{at}: “{name}” is not a variable of the line"));
            }
        }
        Spec::Pick(items, _) | Spec::Array(items) => {
            for item in items {
                check_spec(item, at, vars, errors);
            }
        }
        Spec::Chance(_, inner) => check_spec(inner, at, vars, errors),
        Spec::Object(items) => {
            for (_, item) in items {
                check_spec(item, at, vars, errors);
            }
        }
        _ => {}
    }
}

/// The names between braces in a text.
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

fn compile_map(
    values: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    place: &Place<'_>,
    errors: &mut Vec<String>,
) -> Vec<(String, Spec)> {
    values
        .iter()
        .map(|(k, v)| (k.get_ref().clone(), compile(v, place, errors)))
        .collect()
}

fn compile(value: &Spanned<toml::Value>, place: &Place<'_>, errors: &mut Vec<String>) -> Spec {
    compile_value(value.get_ref(), &place.at(value.span().start), errors)
}

fn compile_value(value: &toml::Value, at: &str, errors: &mut Vec<String>) -> Spec {
    use toml::Value as T;
    let pair = |v: Option<&T>| -> Option<(i64, i64)> {
        let a = v?.as_array()?;
        Some((a.first()?.as_integer()?, a.get(1)?.as_integer()?))
    };
    match value {
        T::String(s) if s.contains('{') => Spec::Text(s.clone()),
        T::String(s) => Spec::Literal(Value::String(s.clone())),
        T::Integer(i) => Spec::Literal(Value::from(*i)),
        T::Float(f) => Spec::Literal(Value::from(*f)),
        T::Boolean(b) => Spec::Literal(Value::Bool(*b)),
        T::Datetime(d) => Spec::Literal(Value::String(d.to_string())),
        T::Array(items) => {
            Spec::Array(items.iter().map(|v| compile_value(v, at, errors)).collect())
        }
        T::Table(table) => {
            let mut bad = |what: &str| {
                errors.push(format!("{at}: {what}"));
                Spec::Literal(Value::Null)
            };
            if let Some(kind) = table.get("gen") {
                match kind.as_str() {
                    Some("person") => Spec::Person {
                        born: pair(table.get("born")).map(|(a, b)| (a as i32, b as i32)),
                    },
                    Some("company") => Spec::Company,
                    Some("name") => Spec::Name,
                    Some("phone") => Spec::Phone,
                    Some("address") => Spec::Address,
                    Some("organisation") => {
                        match (table.get("name"), table.get("code").and_then(T::as_str)) {
                            (Some(name), Some(head))
                                if head.len() < 17
                                    && head.chars().all(|c| c.is_ascii_alphanumeric()) =>
                            {
                                Spec::Organisation {
                                    name: Box::new(compile_value(name, at, errors)),
                                    head: head.to_string(),
                                    address: table
                                        .get("address")
                                        .map(|a| Box::new(compile_value(a, at, errors))),
                                }
                            }
                            _ => bad(
                                "an organisation has a `name` and a `code` (the first characters of its credit code)",
                            ),
                        }
                    }
                    _ => bad("`gen` is person, company, organisation, name, phone or address"),
                }
            } else if let Some(procedure) = table.get("cases") {
                match (procedure.as_str(), table.get("field").and_then(T::as_str)) {
                    (Some(procedure), Some(field)) => Spec::Cases {
                        procedure: procedure.to_string(),
                        field: field.to_string(),
                        count: table
                            .get("count")
                            .and_then(T::as_integer)
                            .map(|n| n.max(1) as usize),
                        except_taken: table
                            .get("except_taken")
                            .and_then(T::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|v| v.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    },
                    _ => bad("`cases` names a procedure, with the `field` whose values are drawn"),
                }
            } else if let Some(name) = table.get("department") {
                match name.as_str() {
                    Some(name) => Spec::Department(name.to_string()),
                    None => bad("`department` is “own” or the variable of the case followed"),
                }
            } else if table.contains_key("today_plus") {
                match pair(table.get("today_plus")) {
                    Some((lo, hi)) => Spec::TodayPlus {
                        lo,
                        hi,
                        years: table.get("years").and_then(T::as_integer).unwrap_or(0) as i32,
                    },
                    None => bad("`today_plus` is [fewest, most] days"),
                }
            } else if let Some(field) = table.get("date_of") {
                match field.as_str() {
                    Some(field) => Spec::DateOf {
                        field: field.to_string(),
                        years: table.get("years").and_then(T::as_integer).unwrap_or(0) as i32,
                        days: table.get("days").and_then(T::as_integer).unwrap_or(0),
                    },
                    None => bad("`date_of` names a date field"),
                }
            } else if let Some(items) = table.get("deal") {
                let counts: Vec<u64> = table
                    .get("counts")
                    .and_then(T::as_array)
                    .map(|c| {
                        c.iter()
                            .map(|x| x.as_integer().unwrap_or(0).max(0) as u64)
                            .collect()
                    })
                    .unwrap_or_default();
                match items.as_array() {
                    Some(items) if !items.is_empty() && items.len() == counts.len() => Spec::Deal(
                        items.iter().map(|v| compile_value(v, at, errors)).collect(),
                        counts,
                    ),
                    _ => bad("`deal` is a list of values with `counts`, one per value"),
                }
            } else if let Some(name) = table.get("table") {
                match (name.as_str(), table.get("key")) {
                    (Some(name), Some(key)) => {
                        Spec::Table(name.to_string(), Box::new(compile_value(key, at, errors)))
                    }
                    _ => bad("`table` names a table, with a `key`"),
                }
            } else if let Some(items) = table.get("pick") {
                let Some(items) = items.as_array().filter(|a| !a.is_empty()) else {
                    return bad("`pick` is a list of values");
                };
                let weights: Vec<u64> = match table.get("weights").and_then(T::as_array) {
                    Some(w) if w.len() == items.len() => w
                        .iter()
                        .map(|x| x.as_integer().unwrap_or(0).max(0) as u64)
                        .collect(),
                    Some(_) => return bad("`weights` has one weight per value of `pick`"),
                    None => vec![1; items.len()],
                };
                Spec::Pick(
                    items.iter().map(|v| compile_value(v, at, errors)).collect(),
                    weights,
                )
            } else if let Some(chance) = table.get("chance") {
                match (chance.as_integer(), table.get("value")) {
                    (Some(p), Some(v)) => Spec::Chance(
                        p.clamp(0, 100) as u64,
                        Box::new(compile_value(v, at, errors)),
                    ),
                    _ => bad("`chance` is a per cent, with a `value`"),
                }
            } else if table.contains_key("int") {
                match pair(table.get("int")) {
                    Some((lo, hi)) => Spec::Int {
                        lo,
                        hi,
                        step: table.get("step").and_then(T::as_integer).unwrap_or(1),
                    },
                    None => bad("`int` is [lowest, highest]"),
                }
            } else if let Some(name) = table.get("var") {
                match name.as_str() {
                    Some(name) => Spec::Var(name.to_string()),
                    None => bad("`var` names a variable"),
                }
            } else if table.contains_key("date_after") {
                match pair(table.get("date_after")) {
                    Some((lo, hi)) => Spec::DateAfter(lo, hi),
                    None => bad("`date_after` is [fewest, most] days"),
                }
            } else if table.contains_key("working_days_after") {
                match pair(table.get("working_days_after")) {
                    Some((lo, hi)) => Spec::WorkingDaysAfter(lo, hi),
                    None => bad("`working_days_after` is [fewest, most] working days"),
                }
            } else if let Some(name) = table.get("pick_from") {
                match name.as_str() {
                    Some(name) => Spec::Pool(name.to_string()),
                    None => bad("`pick_from` names a pool"),
                }
            } else if let Some(n) = table.get("people") {
                match n.as_integer() {
                    Some(n) if n > 0 => Spec::People(n as usize),
                    _ => bad("`people` is how many"),
                }
            } else {
                Spec::Object(
                    table
                        .iter()
                        .map(|(k, v)| (k.clone(), compile_value(v, at, errors)))
                        .collect(),
                )
            }
        }
    }
}
