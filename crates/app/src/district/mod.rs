//! Generated districts as data: the demo district and the benchmark's districts.
//!
//! A district is two kinds of file. `demo/district.toml` ([`DistrictFile`]) names the region,
//! its streets, departments, the people's mediation committee of every street, one login per
//! role and the members of staff who record the history; [`establish`] makes them in a store.
//! Each procedure's `procedures/<code>/demo.toml` ([`lines`]) says which of its cases a
//! district holds — how many, when, along which path of actions, with what gaps and values —
//! and is checked against the procedure's definition like the definition itself. [`generate`]
//! turns the lines and a seed into case histories ([`Plan`]s) over the district's offices, and
//! [`load`] writes them through [`App::history`] in batches — the bulk path a ledger import
//! uses — reporting progress as it goes.
//!
//! Why data and not code: the demo's 2019 figures are the district report's, and every later
//! procedure adds its lines beside its definition, not a generator in Rust. The demo's seed
//! gives the demo; other seeds (and more copies) give the benchmark's districts from the same
//! lines. Each procedure's lines draw from their own stream (the seed mixed with the
//! procedure's code), so adding a line to one procedure leaves the others' records as they were.

pub mod lines;
pub mod synthetic;

use crate::cases::HistoryStep;
use crate::{App, AppError, Result};
use chrono::{Datelike, Duration, NaiveDate};
use fazhi_core::authz::Principal;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{Actor, Certificate};
use fazhi_core::org::{DepartmentKind, Grant, Role, UserName};
use fazhi_core::procedure::Definition;
use fazhi_core::region::RegionCode;
use fazhi_store::accounts::NewUser;
use fazhi_store::{Store, WriteBatch};
use lines::{Line, Lines, Spec, StepSpec};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use synthetic::Gen;

/// The demo district's file (`demo/district.toml`).
pub const DEMO_DISTRICT: &str = include_str!("../../../../demo/district.toml");

/// The seed of the demo's records: with it the lines give the figures of the district's 2019
/// report.
pub const DEMO_SEED: u64 = 0x5eed_2019_0212;

/// A district's regions, departments and logins.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictFile {
    pub city: RegionEntry,
    pub district: RegionEntry,
    #[serde(default)]
    pub street: Vec<Street>,
    #[serde(default)]
    pub department: Vec<DepartmentEntry>,
    /// A department made in every street (the people's mediation committee).
    #[serde(default)]
    pub committee: Option<Committee>,
    #[serde(default)]
    pub user: Vec<UserEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEntry {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Street {
    pub code: String,
    pub name: String,
    /// Its share of the cases of a line whose department is in every street.
    #[serde(default = "one")]
    pub weight: u64,
    /// The members of its committee whom records name (`people = N` in a line).
    #[serde(default)]
    pub people: Vec<String>,
}

fn one() -> u64 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentEntry {
    pub code: String,
    pub name: String,
    pub kind: DepartmentKind,
    /// The member of staff who records its history (named in the history; not a login).
    #[serde(default)]
    pub staff: Option<String>,
    #[serde(default)]
    pub people: Vec<String>,
    /// Members of staff who take the steps of a role (`as = "role"` in lines), by role code:
    /// on this department's cases, and — the first department naming a role — on any office's
    /// cases that has none of its own (the justice bureau's reviewer reviews every body's).
    #[serde(default)]
    pub acting: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Committee {
    pub code: String,
    /// `{street}` is the street's name.
    pub name: String,
    pub staff: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub login: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub department: Option<String>,
    /// `city` for a role over the whole city (the top of the demo's regions: its administrator
    /// administers the installation); the district by default.
    #[serde(default)]
    pub over: Option<String>,
    /// A street's code: the user belongs to that street, and `department` is the committee
    /// made there (a people's mediation committee's mediator).
    #[serde(default)]
    pub street: Option<String>,
}

impl DistrictFile {
    pub fn parse(source: &str, text: &str) -> Result<DistrictFile> {
        toml::from_str(text).map_err(|e| AppError::Invalid(format!("{source}: {e}")))
    }
}

/// A body that works on cases: where, which department, and the member of staff who acts.
#[derive(Debug, Clone)]
pub struct Office {
    /// The department's code (lines name it).
    pub code: String,
    /// The place its texts name (`{place}`: a street for a committee, else the district).
    pub place: String,
    pub region: RegionCode,
    /// The department's id.
    pub department: String,
    /// A principal holding `department_staff` in that department (not a login).
    pub staff: Principal,
    /// Members whom records name.
    pub people: Vec<String>,
    /// Its share of the cases of a line that several offices share.
    pub weight: u64,
    /// Who takes the steps of a role (`as = "role"`) on its cases.
    pub actors: Actors,
}

/// A member of staff named `name` holding `role` in `department` of `region`.
pub fn acting(name: &str, role: &str, region: &RegionCode, department: &str) -> Result<Principal> {
    let role = Role::parse(role)
        .ok_or_else(|| AppError::Invalid(format!("acting: “{role}” is not a role")))?;
    Ok(Principal {
        user_id: name.to_string(),
        user_name: name.to_string(),
        grants: vec![
            Grant::new(role, region.clone(), Some(department.to_string()))
                .map_err(|e| AppError::Invalid(e.to_string()))?,
        ],
    })
}

/// Who takes the steps of a role, by role code.
pub type Actors = BTreeMap<String, Principal>;

/// The actors of the departments `made` ((entry, department id) in `region`): each office's
/// own, and the district's — the first department naming a role — for the roles it lacks.
pub fn actors_of(
    made: &[(&DepartmentEntry, String)],
    region: &RegionCode,
) -> Result<(Actors, Vec<Actors>)> {
    let mut district = BTreeMap::new();
    let mut own = Vec::new();
    for (entry, id) in made {
        let mut mine = BTreeMap::new();
        for (role, name) in &entry.acting {
            let p = acting(name, role, region, id)?;
            district.entry(role.clone()).or_insert_with(|| p.clone());
            mine.insert(role.clone(), p);
        }
        own.push(mine);
    }
    let own = own
        .into_iter()
        .map(|mine| {
            let mut all = district.clone();
            all.extend(mine);
            all
        })
        .collect();
    Ok((district, own))
}

/// The member of staff named `name` who records a department's history.
pub fn staff(name: &str, region: &RegionCode, department: &str) -> Result<Principal> {
    Ok(Principal {
        user_id: name.to_string(),
        user_name: name.to_string(),
        grants: vec![
            Grant::new(
                Role::DepartmentStaff,
                region.clone(),
                Some(department.to_string()),
            )
            .map_err(|e| AppError::Invalid(e.to_string()))?,
        ],
    })
}

/// What [`establish`] made.
pub struct Established {
    pub district: RegionCode,
    /// The offices lines may name.
    pub offices: Vec<Arc<Office>>,
    /// The district's departments: (code, id, name).
    pub departments: Vec<(String, String, String)>,
}

/// Makes the district's regions, departments and users (each user with the password at the
/// same place in `passwords`) in `store`, through the store's own commands.
pub async fn establish(
    store: &Store,
    actor: &str,
    file: &DistrictFile,
    passwords: &[String],
) -> Result<Established> {
    let invalid = |e: &dyn std::fmt::Display| AppError::Invalid(e.to_string());
    let city = RegionCode::parse(&file.city.code).map_err(|e| invalid(&e))?;
    let district = RegionCode::parse(&file.district.code).map_err(|e| invalid(&e))?;
    store
        .add_region(actor, &city, &file.city.name, None)
        .await?;
    store
        .add_region(actor, &district, &file.district.name, Some(&city))
        .await?;
    let mut offices = Vec::new();
    let mut departments = Vec::new();
    let mut made = Vec::new();
    for d in &file.department {
        let department = store
            .add_department(actor, &district, &d.code, &d.name, d.kind)
            .await?;
        departments.push((d.code.clone(), department.id.clone(), d.name.clone()));
        made.push((d, department.id));
    }
    let (district_actors, own) = actors_of(&made, &district)?;
    for ((d, id), actors) in made.iter().zip(own) {
        if let Some(name) = &d.staff {
            offices.push(Arc::new(Office {
                code: d.code.clone(),
                place: file.district.name.clone(),
                region: district.clone(),
                staff: staff(name, &district, id)?,
                department: id.clone(),
                people: d.people.clone(),
                weight: 1,
                actors,
            }));
        }
    }
    // The committee made in each street: (street code, department id).
    let mut committees: Vec<(String, String)> = Vec::new();
    for street in &file.street {
        let region = RegionCode::parse(&street.code).map_err(|e| invalid(&e))?;
        store
            .add_region(actor, &region, &street.name, Some(&district))
            .await?;
        if let Some(c) = &file.committee {
            let made = store
                .add_department(
                    actor,
                    &region,
                    &c.code,
                    &c.name.replace("{street}", &street.name),
                    DepartmentKind::Committee,
                )
                .await?;
            committees.push((street.code.clone(), made.id.clone()));
            offices.push(Arc::new(Office {
                code: c.code.clone(),
                place: street.name.clone(),
                staff: staff(
                    &c.staff.replace("{street}", &street.name),
                    &region,
                    &made.id,
                )?,
                region,
                department: made.id,
                people: street.people.clone(),
                weight: street.weight,
                actors: district_actors.clone(),
            }));
        }
    }
    for (user, password) in file.user.iter().zip(passwords) {
        // Where the user belongs (their home region, and the region of their grant) and in
        // which department: a committee's member in their street's committee, others in the
        // district (a role `over` the city for the installation's administrator).
        let (home, over, department) = if let Some(street) = &user.street {
            let committee = committees
                .iter()
                .find(|(s, _)| s == street)
                .map(|(_, id)| id.clone())
                .ok_or_else(|| {
                    AppError::Invalid(format!(
                        "user {}: no committee in a street “{street}”",
                        user.login
                    ))
                })?;
            let region = RegionCode::parse(street).map_err(|e| invalid(&e))?;
            (region.clone(), region, Some(committee))
        } else {
            let department = match &user.department {
                None => None,
                Some(code) => Some(
                    departments
                        .iter()
                        .find(|(c, _, _)| c == code)
                        .map(|(_, id, _)| id.clone())
                        .ok_or_else(|| {
                            AppError::Invalid(format!(
                                "user {}: no department “{code}” in the district",
                                user.login
                            ))
                        })?,
                ),
            };
            let over = match user.over.as_deref() {
                None | Some("district") => district.clone(),
                Some("city") => city.clone(),
                Some(other) => {
                    return Err(AppError::Invalid(format!(
                        "user {}: over “{other}” (city or district)",
                        user.login
                    )));
                }
            };
            (district.clone(), over, department)
        };
        store
            .add_user(
                actor,
                NewUser {
                    name: UserName::parse(&user.login).map_err(|e| invalid(&e))?,
                    display_name: user.name.clone(),
                    region: home,
                    password: password.clone(),
                    grants: vec![Grant::new(user.role, over, department).map_err(|e| invalid(&e))?],
                },
            )
            .await?;
    }
    Ok(Established {
        district,
        offices,
        departments,
    })
}

// ---------------------------------------------------------------------------------------------
// Case histories from lines
// ---------------------------------------------------------------------------------------------

/// One step of a generated history.
#[derive(Debug, Clone)]
pub struct Step {
    pub action: String,
    pub on: NaiveDate,
    pub fields: BTreeMap<String, Value>,
    /// Taken by the system (a clock ran out), not by the office's staff.
    pub system: bool,
    /// Taken by the office's member of staff holding this role (`as`), not its staff.
    pub role: Option<String>,
    /// Taken at this office instead of the case's own (the office of the case followed, which
    /// the case was handed to).
    pub office: Option<Arc<Office>>,
}

/// One case's history: its first step opens it, the others follow in order.
#[derive(Debug, Clone)]
pub struct Plan {
    pub procedure: String,
    pub office: Arc<Office>,
    pub steps: Vec<Step>,
}

/// How a district's cases are drawn: from `seed`, on a district whose today is `today` (lines
/// may date steps from it), as its `copy`-th copy (`{seq}` counts on from the copies before, so
/// numbers stay unique in a district holding several copies of the lines).
#[derive(Debug, Clone, Copy)]
pub struct Draw {
    pub seed: u64,
    pub today: NaiveDate,
    pub copy: usize,
}

impl Draw {
    pub fn new(seed: u64, today: NaiveDate) -> Draw {
        Draw {
            seed,
            today,
            copy: 0,
        }
    }
}

/// The cases of every line of `lines`, drawn as `draw` says over `offices`.
pub fn generate(
    lines: &Lines,
    draw: Draw,
    calendar: &Calendar,
    offices: &[Arc<Office>],
) -> Result<Vec<Plan>> {
    Ok(generate_lines(lines, draw, calendar, offices)?
        .into_iter()
        .flatten()
        .collect())
}

/// Generated cases of other procedures, by procedure, line by line (what lines follow and
/// draw values from).
type Others<'a> = BTreeMap<&'a str, (&'a Lines, Vec<Vec<Plan>>)>;

/// The cases of each line of `lines`, line by line. The lines of other procedures that some
/// follow are generated first, from the same seed (each procedure has its own stream, so they
/// are the cases those procedures' own files give).
fn generate_lines(
    lines: &Lines,
    draw: Draw,
    calendar: &Calendar,
    offices: &[Arc<Office>],
) -> Result<Vec<Vec<Plan>>> {
    let mut others: Others<'_> = BTreeMap::new();
    for (procedure, followed) in &lines.followed {
        let plans = generate_lines(followed, draw, calendar, offices)?;
        others.insert(procedure.as_str(), (followed.as_ref(), plans));
    }
    let mut g = Gen::new(stream(draw.seed, &lines.procedure), calendar, lines.people);
    let mut out: Vec<Vec<Plan>> = Vec::new();
    for line in &lines.lines {
        let mut plans = Vec::new();
        let candidates: Vec<&Arc<Office>> = offices
            .iter()
            .filter(|o| o.code == line.department)
            .collect();
        if candidates.is_empty() {
            return Err(AppError::Invalid(format!(
                "{}: line “{}”: the district has no department “{}”",
                lines.source, line.name, line.department
            )));
        }
        let weights: Vec<u64> = candidates.iter().map(|o| o.weight.max(1)).collect();
        let dealt = decks(&mut g, line);
        if let Some(follows) = &line.follows {
            let (source, followed): (&Lines, &[Vec<Plan>]) =
                match others.get(follows.procedure.as_str()) {
                    Some((l, plans)) => (*l, plans.as_slice()),
                    None => (lines, out.as_slice()),
                };
            let cases = source
                .lines
                .iter()
                .position(|l| l.name == follows.line)
                .and_then(|i| followed.get(i))
                .ok_or_else(|| {
                    AppError::Invalid(format!(
                        "{}: no line “{}” of “{}” to follow",
                        follows.place, follows.line, follows.procedure
                    ))
                })?;
            let cases: Vec<&Plan> = cases
                .iter()
                .filter(|p| {
                    let fields = fields_of(p);
                    follows.when.iter().all(|(name, wanted)| {
                        variable(&fields, name).is_some_and(|v| wanted.holds(&text_of(v)))
                    })
                })
                .take(line.count)
                .collect();
            if cases.len() < line.count {
                return Err(AppError::Invalid(format!(
                    "{}: line “{}” follows {} cases, but “{}” gives {}",
                    follows.place,
                    line.name,
                    line.count,
                    follows.line,
                    cases.len()
                )));
            }
            for (k, followed) in cases.into_iter().enumerate() {
                let office = candidates[weighted(&mut g, &weights)];
                let variant = variant_of(&mut g, line, k);
                let fields = fields_of(followed);
                let from = match (&follows.step, &follows.field) {
                    (Some(action), _) => followed
                        .steps
                        .iter()
                        .rev()
                        .find(|s| &s.action == action)
                        .map(|s| s.on),
                    (_, Some(field)) => fields
                        .get(field)
                        .and_then(Value::as_str)
                        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
                    _ => None,
                };
                let Some(from) = from else {
                    return Err(AppError::Invalid(format!(
                        "{}: a case of “{}” has no {} to follow from",
                        follows.place,
                        follows.line,
                        follows
                            .step
                            .as_deref()
                            .or(follows.field.as_deref())
                            .unwrap_or("day")
                    )));
                };
                let start = match (follows.days, follows.working_days) {
                    (Some((lo, hi)), _) => g.later(from, lo, hi),
                    (_, Some((lo, hi))) => g.later_wd(from, lo, hi),
                    _ => g.workday(from),
                };
                let of = CaseOf {
                    lines,
                    line,
                    variant,
                    office,
                    seq: line.seq_from + (draw.copy * line.count + k) as i64,
                    dealt: dealt_at(&dealt, k),
                    today: draw.today,
                    others: &others,
                };
                let given = (
                    follows.name.clone(),
                    Value::Object(fields.into_iter().collect()),
                    followed.office.clone(),
                );
                let plan = case(&mut g.fork(), &of, start, Some(given));
                let last = plan.steps.last().map(|s| s.on).unwrap_or(start);
                if start < line.opened.0
                    || start > line.opened.1
                    || line.until.is_some_and(|until| last > until)
                {
                    return Err(AppError::Invalid(format!(
                        "{}: a case of line “{}” runs {start}–{last}, outside its window",
                        follows.place, line.name
                    )));
                }
                plans.push(plan);
            }
            out.push(plans);
            continue;
        }
        let windows = line
            .windows
            .iter()
            .flat_map(|(from, to, count)| std::iter::repeat_n((*from, *to), *count));
        for (k, (from, to)) in windows.enumerate() {
            let office = candidates[weighted(&mut g, &weights)];
            let of = CaseOf {
                lines,
                line,
                variant: variant_of(&mut g, line, k),
                office,
                seq: line.seq_from + (draw.copy * line.count + k) as i64,
                dealt: dealt_at(&dealt, k),
                today: draw.today,
                others: &others,
            };
            let mut start = g.between(from, to);
            loop {
                let plan = case(&mut g.fork(), &of, start, None);
                let last = plan.steps.last().map(|s| s.on).unwrap_or(start);
                match line.until {
                    Some(until) if last > until && start > from => {
                        // Too late to end in time: start it earlier.
                        start = g.workday(start - Duration::days(12)).max(from);
                    }
                    _ => {
                        plans.push(plan);
                        break;
                    }
                }
            }
        }
        out.push(plans);
    }
    for numbering in &lines.numbers {
        number(numbering, &mut out);
    }
    Ok(out)
}

fn variant_of<'l>(g: &mut Gen<'_>, line: &'l Line, k: usize) -> Option<&'l lines::Variant> {
    match line.variants.len() {
        0 => None,
        n if line.in_turn => Some(&line.variants[k % n]),
        _ => {
            let w: Vec<u64> = line.variants.iter().map(|v| v.weight).collect();
            Some(&line.variants[weighted(g, &w)])
        }
    }
}

/// The order in which each dealt variable of a line deals its values: every value as often as
/// its count, shuffled. (No draw at all for a line that deals nothing.)
fn decks(g: &mut Gen<'_>, line: &Line) -> Vec<(String, Vec<usize>)> {
    let mut decks = Vec::new();
    for (name, spec) in &line.vars {
        if let Spec::Deal(_, counts) = spec {
            let mut deck: Vec<usize> = counts
                .iter()
                .enumerate()
                .flat_map(|(i, n)| std::iter::repeat_n(i, *n as usize))
                .collect();
            g.rng.shuffle(&mut deck);
            decks.push((name.clone(), deck));
        }
    }
    decks
}

fn dealt_at(decks: &[(String, Vec<usize>)], k: usize) -> BTreeMap<String, usize> {
    decks
        .iter()
        .map(|(name, deck)| (name.clone(), deck.get(k).copied().unwrap_or(0)))
        .collect()
}

/// A case's fields as its steps left them.
fn fields_of(plan: &Plan) -> BTreeMap<String, Value> {
    let mut fields = BTreeMap::new();
    for step in &plan.steps {
        fields.extend(step.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    fields
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Numbers a field across the cases, per year, in the order of the days.
fn number(numbering: &lines::Numbering, plans: &mut [Vec<Plan>]) {
    let mut steps: Vec<(NaiveDate, usize, usize, usize)> = Vec::new();
    for (l, line) in plans.iter().enumerate() {
        for (p, plan) in line.iter().enumerate() {
            for (s, step) in plan.steps.iter().enumerate() {
                if numbering.actions.contains(&step.action) {
                    let day = if numbering.by_opened {
                        plan.steps[0].on
                    } else {
                        step.on
                    };
                    steps.push((day, l, p, s));
                }
            }
        }
    }
    steps.sort_by_key(|(day, ..)| *day);
    // A text naming `{value}` counts per value the step drew for the field (a body's prefix).
    let mut counts: HashMap<(i32, String), u32> = HashMap::new();
    for (day, l, p, s) in steps {
        let step = &mut plans[l][p].steps[s];
        let template = numbering.texts.get(&step.action).unwrap_or(&numbering.text);
        let value = if template.contains("{value}") {
            step.fields
                .get(&numbering.field)
                .map(text_of)
                .unwrap_or_default()
        } else {
            String::new()
        };
        let n = counts.entry((day.year(), value.clone())).or_default();
        *n += 1;
        let text = template
            .replace("{value}", &value)
            .replace("{year}", &day.year().to_string())
            .replace("{n}", &n.to_string());
        step.fields
            .insert(numbering.field.clone(), Value::String(text));
    }
}

/// A procedure's own stream of the seed (FNV-1a of its code mixed in).
fn stream(seed: u64, procedure: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in procedure.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (seed ^ h) | 1
}

fn weighted(g: &mut Gen<'_>, weights: &[u64]) -> usize {
    let total: u64 = weights.iter().sum();
    if total == 0 {
        return g.rng.below(weights.len());
    }
    let mut roll = g.rng.next_u64() % total;
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    0
}

/// What a value is drawn with: the case's variables, its office and the step's day.
struct Context<'a> {
    vars: &'a BTreeMap<String, Value>,
    pools: &'a BTreeMap<String, Spec>,
    tables: &'a BTreeMap<String, BTreeMap<String, Spec>>,
    office: &'a Office,
    on: NaiveDate,
    year: i32,
    seq: i64,
    today: NaiveDate,
    /// The case's fields so far (`date_of`).
    fields: &'a BTreeMap<String, Value>,
    others: &'a Others<'a>,
    /// The case followed: its variable's name and its office.
    followed: Option<(&'a str, &'a Arc<Office>)>,
}

/// A case variable, or a key of one (`petition.kind`).
fn variable<'v>(vars: &'v BTreeMap<String, Value>, name: &str) -> Option<&'v Value> {
    let mut parts = name.split('.');
    let mut value = vars.get(parts.next()?)?;
    for key in parts {
        value = value.get(key)?;
    }
    Some(value)
}

/// Which case of a line is drawn: its office, its variant, its `{seq}` and the values dealt
/// to it.
struct CaseOf<'a> {
    lines: &'a Lines,
    line: &'a Line,
    variant: Option<&'a lines::Variant>,
    office: &'a Arc<Office>,
    seq: i64,
    dealt: BTreeMap<String, usize>,
    today: NaiveDate,
    others: &'a Others<'a>,
}

/// One case's history from `start`, with the case it follows (its variable's name and value).
fn case(
    g: &mut Gen<'_>,
    of: &CaseOf<'_>,
    start: NaiveDate,
    followed: Option<(String, Value, Arc<Office>)>,
) -> Plan {
    let CaseOf {
        lines,
        line,
        variant,
        office,
        seq,
        ref dealt,
        today,
        others,
    } = *of;
    let none = BTreeMap::new();
    let (mut vars, followed): (BTreeMap<String, Value>, _) = match followed {
        Some((name, value, office)) => (
            BTreeMap::from([(name.clone(), value)]),
            Some((name, office)),
        ),
        None => (BTreeMap::new(), None),
    };
    let followed = followed.as_ref().map(|(n, o)| (n.as_str(), o));
    let specs = line
        .vars
        .iter()
        .chain(variant.into_iter().flat_map(|v| v.vars.iter()));
    for (name, spec) in specs {
        let spec = match (spec, dealt.get(name)) {
            (Spec::Deal(items, _), Some(i)) => &items[*i],
            _ => spec,
        };
        let cx = Context {
            vars: &vars,
            pools: &lines.pools,
            tables: &lines.tables,
            office,
            on: start,
            year: start.year(),
            seq,
            today,
            fields: &none,
            others,
            followed,
        };
        if let Some(value) = draw(g, spec, &cx) {
            vars.insert(name.clone(), value);
        }
    }
    let mut groups: HashMap<&str, bool> = HashMap::new();
    let mut fields_so_far: BTreeMap<String, Value> = BTreeMap::new();
    let mut steps: Vec<Step> = Vec::new();
    for spec in &line.steps {
        if !spec.when.iter().all(|(name, wanted)| {
            variable(&vars, name).is_some_and(|v| match v {
                Value::String(s) => wanted.holds(s),
                other => wanted.holds(&other.to_string()),
            })
        }) {
            continue;
        }
        if let Some(percent) = spec.chance {
            let taken = match &spec.group {
                Some(group) => *groups
                    .entry(group.as_str())
                    .or_insert_with(|| g.rng.chance(percent)),
                None => g.rng.chance(percent),
            };
            if !taken {
                continue;
            }
        }
        // A repeated step is taken again while the date in its field is before today plus
        // so many days (at most a score of times).
        for _ in 0..20 {
            if let Some(repeat) = &spec.repeat {
                let before = date_in(&fields_so_far, &repeat.field)
                    .is_some_and(|d| d < today + Duration::days(repeat.today_plus));
                if !before {
                    break;
                }
            }
            let on = step_day(g, spec, &steps, start, &fields_so_far, today);
            let mut fields = BTreeMap::new();
            let extra = variant
                .and_then(|v| v.fields.get(&spec.action))
                .into_iter()
                .flatten();
            for (name, value) in spec.fields.iter().chain(extra) {
                let mut so_far = fields_so_far.clone();
                so_far.extend(
                    fields
                        .iter()
                        .map(|(k, v): (&String, &Value)| (k.clone(), v.clone())),
                );
                let cx = Context {
                    vars: &vars,
                    pools: &lines.pools,
                    tables: &lines.tables,
                    office,
                    on,
                    year: start.year(),
                    seq,
                    today,
                    fields: &so_far,
                    others,
                    followed,
                };
                match draw(g, value, &cx) {
                    Some(v) => {
                        fields.insert(name.clone(), v);
                    }
                    None => {
                        fields.remove(name);
                    }
                }
            }
            fields_so_far.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            steps.push(Step {
                action: spec.action.clone(),
                on,
                fields,
                system: spec.system,
                role: spec.role.clone(),
                office: spec
                    .office
                    .as_ref()
                    .and_then(|name| followed.filter(|(n, _)| n == name))
                    .map(|(_, o)| o.clone()),
            });
            if spec.repeat.is_none() {
                break;
            }
        }
    }
    Plan {
        procedure: lines.procedure.clone(),
        office: office.clone(),
        steps,
    }
}

fn step_day(
    g: &mut Gen<'_>,
    spec: &StepSpec,
    steps: &[Step],
    start: NaiveDate,
    fields: &BTreeMap<String, Value>,
    today: NaiveDate,
) -> NaiveDate {
    let Some(previous) = steps.last().map(|s| s.on) else {
        let first = match spec.at_today {
            Some(at) => at_today(g, at, today),
            None => start,
        };
        return match spec.not_before {
            Some((from, to)) => first.max(g.between(from, to)),
            None => first,
        };
    };
    // The gap is measured from the last earlier step of the actions it names, if any.
    let since = spec
        .after
        .as_ref()
        .and_then(|gap| gap.from.as_ref())
        .and_then(|from| steps.iter().rev().find(|s| from.holds(&s.action)))
        .map_or(previous, |s| s.on);
    let mut on = if let Some(field) = &spec.on_field {
        // The system acts on any day (the day after a validity ended); staff on a working day.
        date_in(fields, field)
            .map(|d| match spec.on_field_days {
                Some((lo, hi)) => d + Duration::days(g.rng.range(lo, hi)),
                None => d,
            })
            .map(|d| if spec.system { d } else { g.workday_back(d) })
            .unwrap_or(previous)
    } else if let Some(at) = spec.at_today {
        at_today(g, at, today)
    } else {
        match &spec.after {
            Some(lines::Gap {
                days: Some([lo, hi]),
                ..
            }) => g.later(since, *lo, *hi),
            Some(lines::Gap {
                working_days: Some([lo, hi]),
                ..
            }) => g.later_wd(since, *lo, *hi),
            Some(lines::Gap {
                period_end: Some(n),
                ..
            }) => g.period_end(since, *n) + Duration::days(1),
            _ => previous,
        }
    };
    if let Some((from, to)) = spec.not_before {
        on = on.max(g.between(from, to));
    }
    // No one records a step that has not happened yet.
    if !spec.system {
        on = on.min(g.workday_back(today));
    }
    on.max(previous)
}

/// A working day (on or before) so many days and years after today.
fn at_today(g: &mut Gen<'_>, at: lines::AtToday, today: NaiveDate) -> NaiveDate {
    let [lo, hi] = at.days;
    let d = add_years(today + Duration::days(g.rng.range(lo, hi)), at.years);
    g.workday_back(d)
}

/// The date in a field.
fn date_in(fields: &BTreeMap<String, Value>, field: &str) -> Option<NaiveDate> {
    fields
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn draw(g: &mut Gen<'_>, spec: &Spec, cx: &Context<'_>) -> Option<Value> {
    Some(match spec {
        Spec::Literal(v) => v.clone(),
        Spec::Text(text) => Value::String(fill(g, text, cx)),
        Spec::Person { born: Some((a, b)) } => g.person_born(*a, *b),
        Spec::Person { born: None } => g.person(),
        Spec::Company => g.company(),
        Spec::Name => Value::String(g.name()),
        Spec::Phone => Value::String(g.phone()),
        Spec::Address => Value::String(g.address()),
        Spec::Pick(items, weights) => {
            let i = weighted(g, weights);
            return draw(g, &items[i], cx);
        }
        Spec::Chance(percent, inner) => {
            if !g.rng.chance(*percent) {
                return None;
            }
            return draw(g, inner, cx);
        }
        Spec::Int { lo, hi, step } => json!(g.rng.range(*lo, *hi) * step),
        Spec::Var(name) => variable(cx.vars, name)?.clone(),
        Spec::DateAfter(lo, hi) => day(g.later(cx.on, *lo, *hi)),
        Spec::WorkingDaysAfter(lo, hi) => day(g.later_wd(cx.on, *lo, *hi)),
        Spec::Pool(name) => return draw(g, cx.pools.get(name)?, cx),
        Spec::People(n) => {
            let mut pool = cx.office.people.clone();
            while pool.len() < *n {
                pool.push(g.name());
            }
            g.rng.shuffle(&mut pool);
            json!(pool[..*n])
        }
        Spec::Object(items) => Value::Object(
            items
                .iter()
                .filter_map(|(k, v)| draw(g, v, cx).map(|v| (k.clone(), v)))
                .collect(),
        ),
        Spec::Array(items) => Value::Array(items.iter().filter_map(|v| draw(g, v, cx)).collect()),
        Spec::Deal(items, counts) => {
            let i = weighted(g, counts);
            return draw(g, &items[i], cx);
        }
        Spec::Table(name, key) => {
            let key = text_of(&draw(g, key, cx)?);
            let table = cx.tables.get(name)?;
            return draw(g, table.get(&key).or_else(|| table.get("_"))?, cx);
        }
        Spec::Organisation {
            name,
            head,
            address,
        } => {
            let name = text_of(&draw(g, name, cx)?);
            let mut organisation = g.organisation(name, head);
            if let Some(address) = address
                && let Some(a) = draw(g, address, cx)
            {
                organisation["address"] = a;
            }
            organisation
        }
        Spec::Cases {
            procedure,
            field,
            count,
            except_taken,
        } => {
            let (_, plans) = cx.others.get(procedure.as_str())?;
            let mut values: Vec<Value> = Vec::new();
            for plan in plans.iter().flatten() {
                if plan.office.department != cx.office.department
                    || plan.office.region != cx.office.region
                    || plan.steps.iter().any(|s| except_taken.contains(&s.action))
                {
                    continue;
                }
                if let Some(v) = plan.steps.iter().rev().find_map(|s| s.fields.get(field))
                    && !values.contains(v)
                {
                    values.push(v.clone());
                }
            }
            match count {
                None if values.is_empty() => return None,
                None => {
                    let i = g.rng.below(values.len());
                    values.swap_remove(i)
                }
                Some(n) => {
                    g.rng.shuffle(&mut values);
                    values.truncate(*n);
                    Value::Array(values)
                }
            }
        }
        Spec::Department(name) if name == "own" => Value::String(cx.office.department.clone()),
        Spec::Department(name) => {
            let (_, office) = cx.followed.filter(|(n, _)| n == name)?;
            Value::String(office.department.clone())
        }
        Spec::TodayPlus { lo, hi, years } => {
            let d = cx.today + Duration::days(g.rng.range(*lo, *hi));
            day(add_years(d, *years))
        }
        Spec::DateOf { field, years, days } => {
            let d = date_in(cx.fields, field).or_else(|| {
                variable(cx.vars, field)
                    .and_then(Value::as_str)
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            })?;
            day(add_years(d, *years) + Duration::days(*days))
        }
    })
}

/// The same day so many years later (28 February for a 29th in a year without one).
fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    let year = d.year() + years;
    NaiveDate::from_ymd_opt(year, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, d.month(), 28))
        .unwrap_or(d)
}

fn day(d: NaiveDate) -> Value {
    Value::String(d.format("%Y-%m-%d").to_string())
}

/// A text with its placeholders filled: the case's variables, the step's day, the office's
/// place, or fresh draws (one per name and text).
fn fill(g: &mut Gen<'_>, text: &str, cx: &Context<'_>) -> String {
    let mut drawn: HashMap<&str, String> = HashMap::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        if let Some(v) = drawn.get(name) {
            out.push_str(v);
            continue;
        }
        let value = if let Some(v) = variable(cx.vars, name) {
            text_of(v)
        } else {
            match name {
                "date" => cx.on.format("%Y-%m-%d").to_string(),
                "date_zh" => synthetic::zh_date(cx.on),
                "step_year" => cx.on.year().to_string(),
                "seq" => cx.seq.to_string(),
                "place" => cx.office.place.clone(),
                "name" => g.name(),
                "company" => g.company_name(),
                "street" => g.pick(synthetic::STREETS).to_string(),
                "village" => g.pick(synthetic::VILLAGES).to_string(),
                "road" => g.pick(synthetic::ROADS).to_string(),
                "project" => g.pick(synthetic::PROJECTS).to_string(),
                "amount" => (g.rng.range(18, 460) * 100).to_string(),
                "n" => g.rng.range(3, 96).to_string(),
                "year" => (cx.year - g.rng.range(1, 6) as i32).to_string(),
                other => format!("{{{other}}}"),
            }
        };
        out.push_str(&value);
        drawn.insert(name, value);
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// Loading in bulk
// ---------------------------------------------------------------------------------------------

/// How far a load has got.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub cases: usize,
    /// All the cases to load, if known beforehand.
    pub total: Option<usize>,
    pub events: usize,
}

/// What a load wrote.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub cases: usize,
    pub events: usize,
    /// Cases by procedure and the year they were opened.
    pub opened: BTreeMap<(String, i32), usize>,
    /// Cases by procedure and the state they ended in.
    pub ended: BTreeMap<(String, String), usize>,
}

/// Cases per transaction.
const CASES_PER_LOAD: usize = 1_000;

/// Writes the histories: the engine decides every step in memory ([`App::history`]) on a
/// blocking thread while the store appends the previous batch, whole histories per
/// transaction; `progress` hears after every batch. A refused step (or a history that could
/// not be made) stops the load and names the procedure, action and day.
pub async fn load<I>(
    app: &App,
    plans: I,
    total: Option<usize>,
    mut progress: impl FnMut(Progress),
) -> Result<Loaded>
where
    I: Iterator<Item = Result<Plan>> + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<WriteBatch>>(2);
    let producer = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || -> Result<Loaded> {
            let mut definitions: HashMap<(String, String), Arc<Definition>> = HashMap::new();
            let mut known = Known::default();
            let mut loaded = Loaded::default();
            let mut batch = Vec::with_capacity(CASES_PER_LOAD);
            for plan in plans {
                let plan = plan?;
                let Some(first) = plan.steps.first() else {
                    continue;
                };
                *loaded
                    .opened
                    .entry((plan.procedure.clone(), first.on.year()))
                    .or_default() += 1;
                let (write, state) = history(&app, &mut definitions, &mut known, &plan)?;
                batch.push(write);
                *loaded
                    .ended
                    .entry((plan.procedure.clone(), state))
                    .or_default() += 1;
                loaded.cases += 1;
                if batch.len() == CASES_PER_LOAD
                    && tx.blocking_send(std::mem::take(&mut batch)).is_err()
                {
                    return Ok(loaded);
                }
            }
            if !batch.is_empty() {
                let _ = tx.blocking_send(batch);
            }
            Ok(loaded)
        })
    };
    let (mut cases, mut events) = (0, 0);
    while let Some(batch) = rx.recv().await {
        cases += batch.len();
        events += app.store().load_history(batch).await?;
        progress(Progress {
            cases,
            total,
            events,
        });
    }
    let mut loaded = producer
        .await
        .map_err(|e| AppError::Invalid(format!("the generator stopped: {e}")))??;
    loaded.events = events;
    Ok(loaded)
}

/// The certificates (cases of a procedure numbered by their own number) a load has written,
/// by region: what a later history's guards look up.
type Known = HashMap<RegionCode, BTreeMap<(String, String), Certificate>>;

/// A plan's whole history as one write, and the state it ends in.
fn history(
    app: &App,
    definitions: &mut HashMap<(String, String), Arc<Definition>>,
    known: &mut Known,
    plan: &Plan,
) -> Result<(WriteBatch, String)> {
    let first = &plan.steps[0];
    // The version in force on the day the case began (a year may hold two).
    let in_force = app.definition_on(&plan.procedure, first.on)?;
    let key = (plan.procedure.clone(), in_force.version.clone());
    let definition = match definitions.get(&key) {
        Some(d) => d.clone(),
        None => {
            let d = Arc::new(in_force.clone());
            definitions.insert(key, d.clone());
            d
        }
    };
    let steps: Vec<HistoryStep<'_>> = plan
        .steps
        .iter()
        .map(|s| {
            let office = s.office.as_ref().unwrap_or(&plan.office);
            let actor = match (&s.role, s.system) {
                (_, true) => Actor::System,
                (Some(role), _) => Actor::User(office.actors.get(role).ok_or_else(|| {
                    AppError::Invalid(format!(
                        "{} {}: the district names no one acting as {role} (`acting` in its file)",
                        plan.procedure, s.action
                    ))
                })?),
                (None, _) => Actor::User(&office.staff),
            };
            Ok(HistoryStep {
                actor,
                action: &s.action,
                on: s.on,
                fields: s.fields.clone(),
            })
        })
        .collect::<Result<_>>()?;
    let certificates = known.entry(plan.office.region.clone()).or_default();
    let write = app
        .history(
            &definition,
            &plan.office.region,
            Some(plan.office.department.clone()),
            &steps,
            certificates,
        )
        .map_err(|(i, refusal)| {
            AppError::Invalid(format!(
                "生成的记录被拒绝 / generated step refused: {} {} ({}): {refusal}",
                plan.procedure, plan.steps[i].action, plan.steps[i].on
            ))
        })?;
    if definition.number_field.is_some()
        && let Some(number) = &write.number
    {
        certificates.insert(
            (plan.procedure.clone(), number.clone()),
            Certificate::of_case(&definition, &write.case, number),
        );
    }
    Ok((app.store().case_batch(&write), write.case.state.clone()))
}

/// Orders histories so that case numbers follow the dates: by procedure (in the order the
/// procedures first come, so that a procedure read by another's — a certificate named by a
/// penalty — is loaded before it), region and the day each case was opened.
pub fn in_number_order(plans: &mut [Plan]) {
    let mut rank: HashMap<String, usize> = HashMap::new();
    for p in plans.iter() {
        let next = rank.len();
        rank.entry(p.procedure.clone()).or_insert(next);
    }
    plans.sort_by_cached_key(|p| {
        (
            rank[&p.procedure],
            p.office.region.as_str().to_string(),
            p.steps.first().map(|s| s.on),
        )
    });
}
