//! The procedure engine, pure: a definition, a case and a command give either the step to
//! record or a refusal that says why. Applying recorded steps in order rebuilds a case, so the
//! same code serves the write path and a replay of history.
//!
//! Clocks are part of the case: each starts, pauses, resumes, restarts, extends and stops on
//! the actions its definition names, and its due date is computed with the official calendar
//! ([`crate::calendar`]), with an explanation of every step.

use crate::authz::Principal;
use crate::calendar::{Calendar, CalendarError, Due, Length, Pause};
use crate::codes::{CreditCode, IdNumber};
use crate::org::Role;
use crate::procedure::{
    Action, Clock, ClockLength, Condition, DateRef, DateRule, Definition, Expiry, Field, FieldType,
    NEW_STATE, Order, Scope,
};
use crate::region::RegionCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    Running,
    Paused,
    Stopped,
}

/// A clock of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockState {
    pub code: String,
    pub started_on: NaiveDate,
    #[serde(default)]
    pub pauses: Vec<PauseRecord>,
    #[serde(default)]
    pub paused_since: Option<NaiveDate>,
    #[serde(default)]
    pub extensions: Vec<Length>,
    pub status: ClockStatus,
    #[serde(default)]
    pub stopped_on: Option<NaiveDate>,
    /// For clocks whose length comes from a date field: that date.
    #[serde(default)]
    pub fixed_due: Option<NaiveDate>,
    /// Set once the expiry of this run of the clock has been dealt with.
    #[serde(default)]
    pub expiry_handled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRecord {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl ClockState {
    pub fn is_open(&self) -> bool {
        self.status != ClockStatus::Stopped
    }
}

/// A case as the engine sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub region: RegionCode,
    pub department: Option<String>,
    pub procedure: String,
    pub definition_version: String,
    pub state: String,
    /// Incremented by every recorded step; commands carry the version their author saw.
    pub version: i64,
    pub fields: BTreeMap<String, Value>,
    pub clocks: Vec<ClockState>,
    /// Actions taken, in order.
    pub taken: Vec<String>,
    /// The day each action in `taken` took effect (same order).
    #[serde(default)]
    pub taken_on: Vec<NaiveDate>,
    /// The member of the department the case is assigned to (承办人), by user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

impl Case {
    /// A case before its first action.
    pub fn new(
        id: &str,
        region: RegionCode,
        department: Option<String>,
        definition: &Definition,
    ) -> Case {
        Case {
            id: id.to_string(),
            region,
            department,
            procedure: definition.code.clone(),
            definition_version: definition.version.clone(),
            state: NEW_STATE.to_string(),
            version: 0,
            fields: BTreeMap::new(),
            clocks: Vec::new(),
            taken: Vec::new(),
            taken_on: Vec::new(),
            assignee: None,
        }
    }

    /// The day of the first action: when the case was opened (registered or received).
    pub fn opened_on(&self) -> Option<NaiveDate> {
        self.taken_on.first().copied()
    }

    /// The day the case reached its terminal state, if it is in one (records made after the
    /// end, such as service, do not move it).
    pub fn concluded_on(&self, definition: &Definition) -> Option<NaiveDate> {
        if !definition.is_terminal(&self.state) {
            return None;
        }
        self.taken
            .iter()
            .zip(&self.taken_on)
            .rev()
            .find(|(action, _)| {
                definition
                    .action(action)
                    .is_none_or(|a| !a.from.contains(&self.state))
            })
            .map(|(_, on)| *on)
    }

    pub fn clock(&self, code: &str) -> Option<&ClockState> {
        self.clocks.iter().find(|c| c.code == code)
    }
}

/// Who takes an action.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a Principal),
    /// Fazhi itself, for actions taken when a clock expires.
    System,
}

/// What someone asks to do to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub action: String,
    /// The case version the author saw (0 for a new case).
    pub expected_version: i64,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// The day the action takes effect (today, or the day after a clock expired).
    pub on: NaiveDate,
}

/// A step to record: the command, checked and normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub action: String,
    pub from: String,
    /// The state the step leads to: for an action with several targets, the one chosen when
    /// it was decided (so a replay never re-chooses under other facts or definitions).
    pub to: String,
    pub on: NaiveDate,
    pub fields: BTreeMap<String, Value>,
    /// The hand-over, when the step moves the case to another department (`transfers_to`).
    /// Left out of steps that hand nothing over, so their recorded events keep their shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,
}

/// A case handed from one department to another, as its step records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The department the case leaves (none for a case that had none).
    pub from: Option<String>,
    pub to: String,
}

/// Why a command was refused. The messages are for the person who tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("程序“{procedure}”没有操作“{action}”")]
    UnknownAction { procedure: String, action: String },
    #[error("案件已被他人更新：您看到的是第 {expected} 版，当前为第 {actual} 版，请刷新后重试")]
    Stale { expected: i64, actual: i64 },
    #[error("当前状态“{state}”不能“{action}”（仅适用于：{allowed}）")]
    WrongState {
        action: String,
        state: String,
        allowed: String,
    },
    #[error("您的角色不能“{action}”（需要：{roles}）")]
    RoleNotAllowed { action: String, roles: String },
    #[error("只能办理本部门的案件：“{action}”须由案件所属部门的人员办理")]
    DepartmentNotAllowed { action: String },
    #[error("缺少必填项“{field}”")]
    MissingField { field: String },
    #[error("“{field}”填写有误：{reason}")]
    InvalidField { field: String, reason: String },
    #[error("“{action}”不填写“{field}”")]
    FieldNotAccepted { action: String, field: String },
    #[error("{message}{}", basis_suffix(.basis))]
    GuardFailed { message: String, basis: String },
    #[error("须有至少 {needed} 名持有效执法证的执法人员，现有 {usable} 名{}{}", problems_suffix(.problems), basis_suffix(.basis))]
    NotCertified {
        needed: u32,
        usable: usize,
        problems: String,
        basis: String,
    },
    #[error("“{clock}”未在计时，不能延长")]
    ClockNotRunning { clock: String },
    #[error("“{clock}”最多延长 {at_most} 次，已用完{}", basis_suffix(.basis))]
    ExtensionLimit {
        clock: String,
        at_most: u32,
        basis: String,
    },
    #[error("{0}")]
    Calendar(#[from] CalendarError),
}

fn basis_suffix(basis: &str) -> String {
    if basis.is_empty() {
        String::new()
    } else {
        format!("（依据：{basis}）")
    }
}

impl Refusal {
    /// The values a refusal's message is made of, by name (for a locale's own wording).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Refusal::UnknownAction { procedure, action } => {
                vec![("procedure", procedure.clone()), ("action", action.clone())]
            }
            Refusal::Stale { expected, actual } => {
                vec![
                    ("expected", expected.to_string()),
                    ("actual", actual.to_string()),
                ]
            }
            Refusal::WrongState {
                action,
                state,
                allowed,
            } => vec![
                ("action", action.clone()),
                ("state", state.clone()),
                ("allowed", allowed.clone()),
            ],
            Refusal::RoleNotAllowed { action, roles } => {
                vec![("action", action.clone()), ("roles", roles.clone())]
            }
            Refusal::DepartmentNotAllowed { action } => vec![("action", action.clone())],
            Refusal::MissingField { field } => vec![("field", field.clone())],
            Refusal::InvalidField { field, reason } => {
                vec![("field", field.clone()), ("reason", reason.clone())]
            }
            Refusal::FieldNotAccepted { action, field } => {
                vec![("action", action.clone()), ("field", field.clone())]
            }
            Refusal::GuardFailed { message, basis } => {
                vec![("message", message.clone()), ("basis", basis.clone())]
            }
            Refusal::NotCertified {
                needed,
                usable,
                problems,
                basis,
            } => vec![
                ("needed", needed.to_string()),
                ("usable", usable.to_string()),
                ("problems", problems.clone()),
                ("basis", basis.clone()),
            ],
            Refusal::ClockNotRunning { clock } => vec![("clock", clock.clone())],
            Refusal::ExtensionLimit {
                clock,
                at_most,
                basis,
            } => vec![
                ("clock", clock.clone()),
                ("at_most", at_most.to_string()),
                ("basis", basis.clone()),
            ],
            Refusal::Calendar(e) => vec![("message", e.to_string())],
        }
    }
    /// A machine code for APIs.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownAction { .. } => "unknown_action",
            Refusal::Stale { .. } => "conflict",
            Refusal::WrongState { .. } => "wrong_state",
            Refusal::RoleNotAllowed { .. } => "role_not_allowed",
            Refusal::DepartmentNotAllowed { .. } => "department_not_allowed",
            Refusal::MissingField { .. } => "missing_field",
            Refusal::InvalidField { .. } => "invalid_field",
            Refusal::FieldNotAccepted { .. } => "field_not_accepted",
            Refusal::GuardFailed { .. } => "guard_failed",
            Refusal::NotCertified { .. } => "not_certified",
            Refusal::ClockNotRunning { .. } => "clock_not_running",
            Refusal::ExtensionLimit { .. } => "extension_limit",
            Refusal::Calendar(_) => "calendar",
        }
    }
}

fn problems_suffix(problems: &str) -> String {
    if problems.is_empty() {
        String::new()
    } else {
        format!("（{problems}）")
    }
}

/// A guard's message with each `{field}` replaced by the field's value as a person reads it
/// (enum codes by their labels), e.g. “法制审核认定：{defects}” → “法制审核认定：事实不清、证据不足”.
fn fill_message(
    definition: &Definition,
    message: &str,
    fields: &BTreeMap<String, Value>,
) -> String {
    let mut out = message.to_string();
    for name in crate::procedure::placeholders(message) {
        let label = |code: &str| {
            definition
                .field(&name)
                .and_then(|f| f.values.iter().find(|v| v.code == code))
                .map(|v| v.zh.clone())
                .unwrap_or_else(|| code.to_string())
        };
        let shown = match fields.get(&name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(text_of)
                .map(|c| label(&c))
                .collect::<Vec<_>>()
                .join("、"),
            Some(v) => text_of(v).map(|c| label(&c)).unwrap_or_default(),
            None => String::new(),
        };
        out = out.replace(&format!("{{{name}}}"), &shown);
    }
    out
}

/// Checks a command against the definition and the case (without outside facts).
pub fn decide(
    definition: &Definition,
    case: &Case,
    actor: Actor<'_>,
    command: &Command,
) -> Result<Step, Refusal> {
    decide_with(definition, case, actor, command, &NoFacts)
}

/// Checks a command against the definition, the case and the facts it needs (certificates).
pub fn decide_with(
    definition: &Definition,
    case: &Case,
    actor: Actor<'_>,
    command: &Command,
    facts: &dyn Facts,
) -> Result<Step, Refusal> {
    let action = definition
        .action(&command.action)
        .ok_or_else(|| Refusal::UnknownAction {
            procedure: definition.code.clone(),
            action: command.action.clone(),
        })?;
    if command.expected_version != case.version {
        return Err(Refusal::Stale {
            expected: command.expected_version,
            actual: case.version,
        });
    }
    // A case begins only with an action that starts one: any other action is, for a case that
    // does not exist yet, no action of its procedure.
    if case.version == 0 && !action.creates() {
        return Err(Refusal::UnknownAction {
            procedure: definition.code.clone(),
            action: command.action.clone(),
        });
    }
    let label = action.label.zh.clone();
    if !action.from.contains(&case.state) {
        return Err(Refusal::WrongState {
            action: label,
            state: definition.state_label(&case.state, false),
            allowed: action
                .from
                .iter()
                .map(|s| definition.state_label(s, false))
                .collect::<Vec<_>>()
                .join("、"),
        });
    }
    may_act(action, case, actor)?;
    // A step of the system may be dated by law after the day it is recorded (an online
    // application received on the next working day); a person's step may not.
    if let Some(today) = facts.today()
        && command.on > today
        && matches!(actor, Actor::User(_))
    {
        return Err(Refusal::InvalidField {
            field: "办理日期".into(),
            reason: format!(
                "{} 晚于今天（{}）：不能记录尚未发生的步骤",
                command.on.format("%Y-%m-%d"),
                today.format("%Y-%m-%d")
            ),
        });
    }

    // Steps are recorded in the order they happened: a step dated before the case's previous
    // step would rewrite its history (and its clocks) behind it.
    if let Some(last) = case.taken_on.last()
        && command.on < *last
    {
        return Err(Refusal::InvalidField {
            field: "办理日期".into(),
            reason: format!(
                "{} 早于本案上一步骤的日期（{}）：步骤按发生的先后登记",
                command.on.format("%Y-%m-%d"),
                last.format("%Y-%m-%d")
            ),
        });
    }

    let mut fields = BTreeMap::new();
    // A date against its field's rule: reported after the guards, whose own wording (and
    // basis) says more when both object.
    let mut misdated = None;
    for (code, value) in &command.fields {
        if !action.accepts(code) {
            let field = definition
                .field(code)
                .map(|f| f.label.zh.clone())
                .unwrap_or(code.clone());
            return Err(Refusal::FieldNotAccepted {
                action: label,
                field,
            });
        }
        let field = definition.field(code).expect("accepted fields are defined");
        let invalid = |reason| Refusal::InvalidField {
            field: field.label.zh.clone(),
            reason,
        };
        if let Some(v) = normalise(field.kind, field.of, &field.values, value).map_err(invalid)? {
            if field.contact
                && let Some(address) = v.as_str()
            {
                check_email(address).map_err(invalid)?;
            }
            if field.kind == FieldType::Date
                && misdated.is_none()
                && let Err(reason) = check_date(field, &v, case, command.on, facts.today())
            {
                misdated = Some(invalid(reason));
            }
            fields.insert(code.clone(), v);
        }
    }
    for needed in &action.needs {
        if !fields.contains_key(needed) && !case.fields.contains_key(needed) {
            let field = definition.field(needed).expect("checked at load");
            return Err(Refusal::MissingField {
                field: field.label.zh.clone(),
            });
        }
    }
    let mut merged = case.fields.clone();
    merged.extend(fields.clone());
    // Facts of the world outside the case that make a value wrong: a number already
    // registered in the region, a department that is not a working one of it.
    if action.creates()
        && let Some(code) = &definition.number_field
        && let Some(number) = merged.get(code).and_then(Value::as_str)
        && facts.number_taken(number)
    {
        return Err(Refusal::InvalidField {
            field: label_zh(definition, code),
            reason: format!("“{number}”已登记"),
        });
    }
    let transfer = transfer(action, case, &merged);
    if let Some(t) = &transfer
        && facts.department_active(&t.to) == Some(false)
    {
        return Err(Refusal::InvalidField {
            field: label_zh(
                definition,
                action.transfers_to.as_deref().unwrap_or_default(),
            ),
            reason: "不是本区划内在用的部门".into(),
        });
    }
    if let Some(field) = &action.assigns_to
        && let Some(user) = merged.get(field).and_then(Value::as_str)
        && facts.member_of_department(user) == Some(false)
    {
        return Err(Refusal::InvalidField {
            field: label_zh(definition, field),
            reason: "不是本部门在用的工作人员".into(),
        });
    }
    for guard in &action.guards {
        let applies = guard
            .when
            .as_ref()
            .is_none_or(|w| holds(w, case, &merged, facts, command.on));
        if applies && !holds(&guard.require, case, &merged, facts, command.on) {
            if let Condition::Certified { at_least, .. } = &guard.require {
                let (usable, problems) = certified(&guard.require, &merged, facts, command.on);
                return Err(Refusal::NotCertified {
                    needed: *at_least,
                    usable,
                    problems: problems.join("；"),
                    basis: guard.basis.clone(),
                });
            }
            let message = if guard.message.trim().is_empty() {
                worded(definition, &guard.require, &merged, facts, command.on)
            } else {
                fill_message(definition, &guard.message, &merged)
            };
            return Err(Refusal::GuardFailed {
                message,
                basis: guard.basis.clone(),
            });
        }
    }
    if let Some(rule) = &action.rule
        && let Err(message) = crate::rules::check(rule, definition, &merged)
    {
        return Err(Refusal::GuardFailed {
            message,
            basis: action.basis.clone(),
        });
    }
    if let Some(refusal) = misdated {
        return Err(refusal);
    }
    if let Some(ext) = &action.extends {
        let clock = definition.clock(&ext.clock).expect("checked at load");
        match case.clock(&ext.clock) {
            Some(c) if c.is_open() => {
                if c.extensions.len() as u32 >= ext.at_most {
                    return Err(Refusal::ExtensionLimit {
                        clock: clock.label.zh.clone(),
                        at_most: ext.at_most,
                        basis: action.basis.clone(),
                    });
                }
            }
            _ => {
                return Err(Refusal::ClockNotRunning {
                    clock: clock.label.zh.clone(),
                });
            }
        }
    }
    // The first target whose condition holds; the last has none (checked at load).
    let to = action
        .to
        .iter()
        .find(|t| {
            t.when
                .as_ref()
                .is_none_or(|w| holds(w, case, &merged, facts, command.on))
        })
        .or(action.to.last())
        .map_or_else(|| case.state.clone(), |t| t.state.clone());
    Ok(Step {
        action: action.code.clone(),
        from: case.state.clone(),
        to,
        on: command.on,
        fields,
        transfer,
    })
}

/// Whether a date entered at a step on `on`, recorded `today` (if known), keeps its field's
/// rule (see [`DateRule`]): what happened is not later than the day it is recorded (a step
/// may record a later service, but nothing yet to come) nor before the case began; a deadline
/// or a planned day is not before the step's day.
fn check_date(
    field: &Field,
    value: &Value,
    case: &Case,
    on: NaiveDate,
    today: Option<NaiveDate>,
) -> Result<(), String> {
    let Some(day) = value
        .as_str()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    else {
        return Ok(());
    };
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    match field.date_rule {
        DateRule::Happened => {
            // Not later than the day it is recorded, or than the step's own day where the law
            // dates the step later (an online application received the next working day).
            if let Some(today) = today
                && day > today.max(on)
            {
                return Err(format!(
                    "{} 晚于今天（{}）：已发生的日期不能是将来的日期",
                    ymd(day),
                    ymd(today.max(on))
                ));
            }
            match case.opened_on() {
                Some(began) if !field.before_case && day < began => {
                    Err(format!("{} 早于本案开始之日 {}", ymd(day), ymd(began)))
                }
                _ => Ok(()),
            }
        }
        DateRule::Due if day < on => Err(format!(
            "{} 早于本步骤的日期 {}：期限或安排的日期不能在此之前",
            ymd(day),
            ymd(on)
        )),
        DateRule::Due | DateRule::Any => Ok(()),
    }
}

/// The hand-over a step of `action` makes: to the department its `transfers_to` field names,
/// if that is not the case's own (a case handed to where it is moves nowhere).
fn transfer(action: &Action, case: &Case, fields: &BTreeMap<String, Value>) -> Option<Transfer> {
    let to = fields.get(action.transfers_to.as_ref()?)?.as_str()?;
    (case.department.as_deref() != Some(to)).then(|| Transfer {
        from: case.department.clone(),
        to: to.to_string(),
    })
}

/// A field's Chinese label (its code if the definition has no such field).
fn label_zh(definition: &Definition, code: &str) -> String {
    definition
        .field(code)
        .map_or_else(|| code.to_string(), |f| f.label.zh.clone())
}

/// A number as a field keeps it: integers, and money in fen.
fn number_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn date_of(value: &Value) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.as_str()?.trim(), "%Y-%m-%d").ok()
}

/// The date a comparison's field is held against: the other date moved by `plus_days`.
fn bound_date(
    other: &DateRef,
    plus_days: i64,
    plus_working_days: u32,
    fields: &BTreeMap<String, Value>,
    facts: &dyn Facts,
    on: NaiveDate,
) -> Option<NaiveDate> {
    let base = match other {
        DateRef::Field(f) => date_of(fields.get(f)?)?,
        DateRef::ActionDay => on,
        DateRef::ClockDue(clock) => facts.clock_due(clock)?,
    };
    let base = base.checked_add_signed(chrono::TimeDelta::try_days(plus_days)?)?;
    if plus_working_days == 0 {
        Some(base)
    } else {
        facts.add_working_days(base, plus_working_days)
    }
}

/// A number as a person reads it: money in yuan.
fn shown_number(definition: &Definition, field: &str, n: i64) -> String {
    if definition
        .field(field)
        .is_some_and(|f| f.kind == FieldType::Money)
    {
        let sign = if n < 0 { "-" } else { "" };
        let fen = n.unsigned_abs();
        format!("{sign}{}.{:02}元", fen / 100, fen % 100)
    } else {
        n.to_string()
    }
}

/// The refusal of a failed comparison, in the engine's words: the fields by their Chinese
/// labels, with the values given and the bound they miss.
fn worded(
    definition: &Definition,
    condition: &Condition,
    fields: &BTreeMap<String, Value>,
    facts: &dyn Facts,
    on: NaiveDate,
) -> String {
    match condition {
        Condition::InRange {
            field,
            at_least,
            at_most,
        } => {
            let label = label_zh(definition, field);
            let Some(value) = fields.get(field).and_then(number_of) else {
                return format!("缺少“{label}”");
            };
            let show = |n: i64| shown_number(definition, field, n);
            let range = match (at_least, at_most) {
                (Some(lo), Some(hi)) => format!("应在 {} 至 {} 之间", show(*lo), show(*hi)),
                (Some(lo), None) => format!("应不少于 {}", show(*lo)),
                (None, Some(hi)) => format!("应不超过 {}", show(*hi)),
                (None, None) => "超出范围".to_string(),
            };
            format!("“{label}”为 {}，{range}", show(value))
        }
        Condition::DateOrder {
            field,
            order,
            other,
            plus_days,
            plus_working_days,
        } => {
            let label = label_zh(definition, field);
            let (other_name, other_date) = match other {
                DateRef::Field(f) => (
                    format!("“{}”", label_zh(definition, f)),
                    fields.get(f).and_then(date_of),
                ),
                DateRef::ActionDay => ("办理之日".to_string(), Some(on)),
                DateRef::ClockDue(clock) => (
                    format!(
                        "“{}”的最后一日",
                        definition
                            .clock(clock)
                            .map_or(clock.as_str(), |c| c.label.zh.as_str())
                    ),
                    facts.clock_due(clock),
                ),
            };
            let Some(value) = fields.get(field).and_then(date_of) else {
                return format!("缺少“{label}”");
            };
            let Some(other_date) = other_date else {
                return format!("缺少{other_name}，无法核对“{label}”");
            };
            let word = match order {
                Order::NotBefore => "不得早于",
                Order::NotAfter => "不得晚于",
            };
            let bound = bound_date(other, *plus_days, *plus_working_days, fields, facts, on);
            let offset = match (*plus_days, bound) {
                (_, Some(b)) if *plus_working_days > 0 => {
                    format!("后第 {plus_working_days} 个工作日（{b}）")
                }
                (0, _) | (_, None) => String::new(),
                (d, Some(b)) if d > 0 => format!("后 {d} 日（{b}）"),
                (d, Some(b)) => format!("前 {} 日（{b}）", d.unsigned_abs()),
            };
            format!("“{label}”（{value}）{word}{other_name}（{other_date}）{offset}")
        }
        other => other.to_string(),
    }
}

/// The actions `actor` could take on `case` now (right state, role and department), for
/// offering forms; taking one still goes through [`decide`].
pub fn available<'d>(definition: &'d Definition, case: &Case, actor: Actor<'_>) -> Vec<&'d Action> {
    definition
        .actions
        .iter()
        .filter(|a| a.from.contains(&case.state) && may_act(a, case, actor).is_ok())
        .collect()
}

fn may_act(action: &Action, case: &Case, actor: Actor<'_>) -> Result<(), Refusal> {
    let roles: Vec<Role> = action.roles.iter().filter_map(|r| Role::parse(r)).collect();
    let principal = match actor {
        Actor::System if action.allows_system() => return Ok(()),
        Actor::System => {
            return Err(Refusal::RoleNotAllowed {
                action: action.label.zh.clone(),
                roles: action.roles.join("、"),
            });
        }
        Actor::User(p) => p,
    };
    let holding: Vec<_> = principal
        .grants
        .iter()
        .filter(|g| roles.contains(&g.role) && case.region.is_within(&g.region))
        .collect();
    if holding.is_empty() {
        return Err(Refusal::RoleNotAllowed {
            action: action.label.zh.clone(),
            roles: action.roles.join("、"),
        });
    }
    let in_scope = match action.scope {
        Scope::Region => true,
        Scope::Department => holding
            .iter()
            .any(|g| g.department.is_none() || g.department == case.department),
    };
    if in_scope {
        Ok(())
    } else {
        Err(Refusal::DepartmentNotAllowed {
            action: action.label.zh.clone(),
        })
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What the engine may need to know beyond the case itself — the certificates of enforcement
/// officers, the region's departments, the numbers already registered — looked up by the
/// caller (the store) before it decides, so that every refusal comes from the engine.
pub trait Facts {
    /// The certificate with this number, a case of `procedure`, if it exists.
    fn certificate(&self, procedure: &str, number: &str) -> Option<Certificate>;

    /// Whether `department` is a working department of the case's region: `Some(false)` if it
    /// is not (unknown, closed, or of another region), `None` if the caller did not look (then
    /// a hand-over to it is not checked here).
    fn department_active(&self, department: &str) -> Option<bool> {
        let _ = department;
        None
    }

    /// Whether `user` is a working member of the case's department (for an assignment):
    /// `Some(false)` if not, `None` if the caller did not look.
    fn member_of_department(&self, user: &str) -> Option<bool> {
        let _ = user;
        None
    }

    /// Whether a case of the region already has this number (a procedure's `number_field`,
    /// e.g. an enforcement certificate's number). Not looked up: not taken.
    fn number_taken(&self, number: &str) -> bool {
        let _ = number;
        false
    }

    /// The day the step is recorded: no step and no date that happened may be later. `None`
    /// if the caller does not say (then neither is checked against it).
    fn today(&self) -> Option<NaiveDate> {
        None
    }

    /// The last day of a clock of the case (computed with the calendar the engine does not
    /// hold). `None` if the caller did not compute it: a comparison with it then fails.
    fn clock_due(&self, clock: &str) -> Option<NaiveDate> {
        let _ = clock;
        None
    }

    /// The `n`th working day after `date` by the official calendar. `None` if the caller
    /// has no calendar (then a comparison with it fails).
    fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let _ = (date, n);
        None
    }
}

/// The facts of a record of the past entered today: only the day (no certificates, numbers or
/// departments are looked up).
pub struct RecordedOn(pub NaiveDate);

impl Facts for RecordedOn {
    fn certificate(&self, _procedure: &str, _number: &str) -> Option<Certificate> {
        None
    }

    fn today(&self) -> Option<NaiveDate> {
        Some(self.0)
    }
}

/// What a certificate case says, as a `certified` guard reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub number: String,
    pub holder: String,
    /// Its state is `valid` (not applied for, suspended, revoked or cancelled).
    pub in_force: bool,
    pub valid_until: Option<NaiveDate>,
    pub scopes: Vec<String>,
}

impl Certificate {
    /// The certificate as a case of its procedure records it, read through the roles its
    /// definition gives (`in_force` states, `certificate_holder`, `certificate_scopes`,
    /// `valid_until` fields).
    pub fn of_case(definition: &Definition, case: &Case, number: &str) -> Certificate {
        let field = |role: &str| definition.role_one(role).and_then(|f| case.fields.get(f));
        let scopes = match field("certificate_scopes") {
            Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
            Some(other) => text_of(other).into_iter().collect(),
            None => Vec::new(),
        };
        Certificate {
            number: number.to_string(),
            holder: field("certificate_holder")
                .and_then(|h| h["name"].as_str())
                .unwrap_or_default()
                .to_string(),
            in_force: definition.role("in_force").contains(&case.state),
            valid_until: field("valid_until")
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            scopes,
        }
    }
}

/// No facts: every certificate is unknown.
pub struct NoFacts;

impl Facts for NoFacts {
    fn certificate(&self, _: &str, _: &str) -> Option<Certificate> {
        None
    }
}

impl Facts for BTreeMap<String, Certificate> {
    fn certificate(&self, _: &str, number: &str) -> Option<Certificate> {
        self.get(number).cloned()
    }
}

/// The certificate numbers a field holds (one, or a list), without repeats.
pub fn certificate_numbers(value: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
        Some(other) => text_of(other).into_iter().collect(),
        None => Vec::new(),
    };
    out.iter_mut().for_each(|n| *n = n.trim().to_string());
    out.retain(|n| !n.is_empty());
    out.sort();
    out.dedup();
    out
}

/// For a `certified` guard: the usable certificates, and what is wrong with the others.
fn certified(
    condition: &Condition,
    fields: &BTreeMap<String, Value>,
    facts: &dyn Facts,
    on: NaiveDate,
) -> (usize, Vec<String>) {
    let Condition::Certified {
        field,
        certificates,
        covering,
        ..
    } = condition
    else {
        return (0, Vec::new());
    };
    let scope = covering
        .as_ref()
        .and_then(|c| fields.get(c))
        .and_then(text_of);
    let mut usable = 0;
    let mut problems = Vec::new();
    for number in certificate_numbers(fields.get(field)) {
        let Some(c) = facts.certificate(certificates, &number) else {
            problems.push(format!("执法证 {number} 不存在"));
            continue;
        };
        if !c.in_force {
            problems.push(format!(
                "{}的执法证 {number} 不在有效状态（暂扣、注销或未发证）",
                c.holder
            ));
        } else if let Some(until) = c.valid_until.filter(|d| *d < on) {
            problems.push(format!("{}的执法证 {number} 已于 {until} 到期", c.holder));
        } else if let Some(scope) = scope.as_ref().filter(|s| !c.scopes.contains(s)) {
            problems.push(format!(
                "{}的执法证 {number} 的执法领域不含“{scope}”",
                c.holder
            ));
        } else {
            usable += 1;
        }
    }
    (usable, problems)
}

fn holds(
    condition: &Condition,
    case: &Case,
    fields: &BTreeMap<String, Value>,
    facts: &dyn Facts,
    on: NaiveDate,
) -> bool {
    match condition {
        Condition::Certified { at_least, .. } => {
            certified(condition, fields, facts, on).0 >= *at_least as usize
        }
        // On a multiple choice: any of its values is among them.
        Condition::FieldIn { field, values } => match field_at(fields, field) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(text_of)
                .any(|v| values.contains(&v)),
            Some(v) => text_of(v).is_some_and(|v| values.contains(&v)),
            None => false,
        },
        Condition::FieldPresent { field } => field_at(fields, field).is_some(),
        Condition::Taken { action } => case.taken.contains(action),
        Condition::NotTaken { action } => !case.taken.contains(action),
        Condition::ClockRunning { clock } => case.clock(clock).is_some_and(ClockState::is_open),
        Condition::LastOf { among, is } => {
            case.taken.iter().rev().find(|a| among.contains(a)) == Some(is)
        }
        Condition::InRange {
            field,
            at_least,
            at_most,
        } => fields
            .get(field)
            .and_then(number_of)
            .is_some_and(|n| at_least.is_none_or(|lo| n >= lo) && at_most.is_none_or(|hi| n <= hi)),
        Condition::DateOrder {
            field,
            order,
            other,
            plus_days,
            plus_working_days,
        } => {
            let (Some(date), Some(bound)) = (
                fields.get(field).and_then(date_of),
                bound_date(other, *plus_days, *plus_working_days, fields, facts, on),
            ) else {
                return false;
            };
            match order {
                Order::NotBefore => date >= bound,
                Order::NotAfter => date <= bound,
            }
        }
    }
}

/// A field's value, or a part of a party's (`applicant.kind`).
fn field_at<'a>(fields: &'a BTreeMap<String, Value>, path: &str) -> Option<&'a Value> {
    match path.split_once('.') {
        Some((field, part)) => fields.get(field)?.get(part),
        None => fields.get(path),
    }
}

/// Checks and normalises a field value; `None` for an empty value (the field is left out).
pub fn normalise(
    kind: FieldType,
    of: Option<FieldType>,
    values: &[crate::procedure::EnumValue],
    value: &Value,
) -> Result<Option<Value>, String> {
    if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Ok(None);
    }
    let text = || value.as_str().map(str::trim).ok_or("应为文本".to_string());
    let normalised = match kind {
        FieldType::Text | FieldType::LongText => {
            let t = text()?;
            let limit = if kind == FieldType::Text { 500 } else { 20_000 };
            if t.chars().count() > limit {
                return Err(format!("不能超过 {limit} 字"));
            }
            Value::String(t.to_string())
        }
        FieldType::Date => {
            let t = text()?;
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| format!("“{t}”不是日期（YYYY-MM-DD）"))?;
            Value::String(t.to_string())
        }
        FieldType::Datetime => {
            let t = text()?;
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|_| format!("“{t}”不是时间（RFC 3339）"))?;
            Value::String(t.to_string())
        }
        FieldType::Integer => match value {
            Value::Number(n) if n.is_i64() => value.clone(),
            Value::String(s) => Value::from(
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("“{s}”不是整数"))?,
            ),
            _ => return Err("应为整数".into()),
        },
        FieldType::Money => Value::from(money_fen(value)?),
        FieldType::Boolean => match value {
            Value::Bool(_) => value.clone(),
            Value::String(s) if matches!(s.as_str(), "true" | "on" | "1" | "是") => {
                Value::Bool(true)
            }
            Value::String(s) if matches!(s.as_str(), "false" | "off" | "0" | "否") => {
                Value::Bool(false)
            }
            _ => return Err("应为是或否".into()),
        },
        FieldType::Enum => {
            let t = text()?;
            if !values.iter().any(|v| v.code == t) {
                return Err(format!(
                    "“{t}”不是可选值（可选：{}）",
                    values
                        .iter()
                        .map(|v| v.zh.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ));
            }
            Value::String(t.to_string())
        }
        FieldType::Region => {
            let t = text()?;
            RegionCode::parse(t).map_err(|e| e.to_string())?;
            Value::String(t.to_string())
        }
        FieldType::Department | FieldType::User => Value::String(text()?.to_string()),
        FieldType::Attachment => attachment(value)?,
        FieldType::Party => party(value)?,
        FieldType::List => {
            let element = of.ok_or("列表缺少元素类型")?;
            let items = match value {
                Value::Array(items) => items.clone(),
                Value::String(s) => s.lines().map(|l| Value::String(l.to_string())).collect(),
                _ => return Err("应为列表".into()),
            };
            let mut out = Vec::new();
            for item in &items {
                if let Some(v) = normalise(element, None, values, item)? {
                    out.push(v);
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Array(out)
        }
    };
    Ok(Some(normalised))
}

/// The files an attachment field's value refers to, as (sha256, name): one reference or a
/// list of them, as objects or their JSON text; anything else refers to none.
pub fn attached_files(value: &Value) -> Vec<(String, String)> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::String(s) => serde_json::from_str::<Value>(s).ok(),
            other => Some(other.clone()),
        })
        .filter_map(|item| {
            let sha256 = item["sha256"].as_str()?.to_string();
            let name = item["name"].as_str().unwrap_or_default().to_string();
            Some((sha256, name))
        })
        .collect()
}

/// An attachment: a stored file named by its SHA-256, with its original name, size and type
/// (`{sha256, name, size, media_type}`), or its JSON text. The bytes live in the store's file
/// area; the case keeps only this reference, so the hash in the event log vouches for the file.
fn attachment(value: &Value) -> Result<Value, String> {
    let object = match value {
        Value::String(s) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object)
            .ok_or("附件应为已上传文件的引用")?,
        Value::Object(_) => value.clone(),
        _ => return Err("附件应为已上传文件的引用".into()),
    };
    let sha = object["sha256"].as_str().unwrap_or_default();
    if sha.len() != 64
        || !sha
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err("附件缺少有效的 SHA-256 摘要".into());
    }
    let name = object["name"].as_str().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 200 {
        return Err("附件文件名为空或过长".into());
    }
    let size = object["size"]
        .as_i64()
        .filter(|n| *n >= 0)
        .ok_or("附件缺少大小")?;
    let media_type = object["media_type"]
        .as_str()
        .unwrap_or("application/octet-stream");
    Ok(serde_json::json!({"sha256": sha, "name": name, "size": size, "media_type": media_type}))
}

/// Money in fen (分), from an integer number of fen or a decimal amount in yuan ("12.50").
pub(crate) fn money_fen(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) if n.is_i64() => Ok(n.as_i64().unwrap_or(0)),
        Value::String(s) => {
            let t = s.trim().trim_start_matches('¥').replace(',', "");
            let (yuan, fen) = t.split_once('.').unwrap_or((&t, ""));
            if yuan.is_empty()
                || !yuan.bytes().all(|b| b.is_ascii_digit())
                || fen.len() > 2
                || !fen.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(format!("“{s}”不是金额（元，最多两位小数）"));
            }
            let yuan: i64 = yuan.parse().map_err(|_| format!("“{s}”金额过大"))?;
            let fen: i64 = format!("{fen:0<2}").parse().unwrap_or(0);
            yuan.checked_mul(100)
                .and_then(|y| y.checked_add(fen))
                .ok_or(format!("“{s}”金额过大"))
        }
        _ => Err("应为金额".into()),
    }
}

/// A party: a natural person (with an optional ID number) or an organisation (with an optional
/// unified social credit code). Accepts an object or its JSON text.
fn party(value: &Value) -> Result<Value, String> {
    let object = match value {
        Value::String(s) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| serde_json::json!({"kind": "person", "name": s.trim()})),
        Value::Object(_) => value.clone(),
        _ => return Err("应为当事人（姓名或名称，及证件号码）".into()),
    };
    let get = |k: &str| object[k].as_str().map(str::trim).filter(|s| !s.is_empty());
    let name = get("name").ok_or("缺少姓名或名称")?;
    if name.chars().count() > 100 {
        return Err("姓名或名称不能超过 100 字".into());
    }
    let kind = get("kind").unwrap_or("person");
    let mut out = serde_json::Map::new();
    out.insert("kind".into(), Value::from(kind));
    out.insert("name".into(), Value::from(name));
    match kind {
        "person" => {
            if let Some(id) = get("id_number") {
                out.insert(
                    "id_number".into(),
                    Value::from(IdNumber::parse(id).map_err(|e| e.to_string())?.as_str()),
                );
            }
        }
        "organisation" => {
            if let Some(code) = get("credit_code") {
                out.insert(
                    "credit_code".into(),
                    Value::from(CreditCode::parse(code).map_err(|e| e.to_string())?.as_str()),
                );
            }
        }
        other => return Err(format!("当事人类型“{other}”无效（person 或 organisation）")),
    }
    if let Some(phone) = get("phone") {
        check_phone(phone)?;
    }
    for (key, limit) in [("phone", 40), ("address", 200), ("representative", 100)] {
        if let Some(v) = get(key) {
            if v.chars().count() > limit {
                return Err(format!("当事人的{}不能超过 {limit} 字", party_part(key)));
            }
            out.insert(key.into(), Value::from(v));
        }
    }
    Ok(Value::Object(out))
}

fn party_part(key: &str) -> &'static str {
    match key {
        "phone" => "联系电话",
        "address" => "地址",
        _ => "代理人或代表人",
    }
}

/// A telephone number as people write one: a mobile or a fixed line with its area code, with
/// spaces, dashes, brackets, a leading + and an extension (转 / ext); 7 to 20 digits.
fn check_phone(phone: &str) -> Result<(), String> {
    let (number, extension) = match phone.split_once('转').or_else(|| phone.split_once("ext")) {
        Some((number, extension)) => (number, Some(extension)),
        None => (phone, None),
    };
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let shaped = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '（' | '）' | '+'))
        && extension.is_none_or(|e| {
            let e = e.trim().trim_start_matches(['.', ':']).trim();
            !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
        });
    if !shaped || !(7..=20).contains(&digits) {
        return Err(format!(
            "联系电话“{phone}”无效：应为手机号码或带区号的固定电话号码"
        ));
    }
    Ok(())
}

/// An e-mail address where notices are sent: one @, a name before it and a domain with a dot
/// after it, no spaces.
fn check_email(address: &str) -> Result<(), String> {
    let valid = address.chars().count() <= 254
        && !address.chars().any(char::is_whitespace)
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(())
    } else {
        Err(format!("“{address}”不是有效的电子邮箱地址"))
    }
}

/// Applies a recorded step: state, fields, the list of actions taken, clocks, version.
pub fn apply(definition: &Definition, case: &mut Case, step: &Step) {
    let action = &step.action;
    let on = step.on;
    // Clocks that run only under a condition, and would start or restart now but for it:
    // the condition is read as guards read it, on the case before the step with the step's
    // fields (so `taken` means taken before, and a date field may be given with the step).
    let held_back: Vec<&str> = {
        let conditional = || {
            definition.clocks.iter().filter(|k| {
                k.when.is_some() && (k.starts.contains(action) || k.restarts.contains(action))
            })
        };
        if conditional().next().is_none() {
            Vec::new()
        } else {
            let mut merged = case.fields.clone();
            merged.extend(step.fields.clone());
            conditional()
                .filter(|k| {
                    k.when
                        .as_ref()
                        .is_some_and(|w| !holds(w, case, &merged, &NoFacts, on))
                })
                .map(|k| k.code.as_str())
                .collect()
        }
    };
    case.state = step.to.clone();
    case.fields.extend(step.fields.clone());
    match &step.transfer {
        Some(t) => {
            case.department = Some(t.to.clone());
            // A case handed over is no one's there until that department assigns it.
            case.assignee = None;
        }
        // Steps recorded before hand-overs were written into them: the field names it.
        None => {
            if let Some(target) = definition
                .action(&step.action)
                .and_then(|a| a.transfers_to.as_ref())
                && let Some(department) = case.fields.get(target).and_then(Value::as_str)
            {
                case.department = Some(department.to_string());
            }
        }
    }
    if let Some(user) = definition
        .action(&step.action)
        .and_then(|a| a.assigns_to.as_ref())
        .and_then(|f| step.fields.get(f))
        .and_then(Value::as_str)
    {
        case.assignee = Some(user.to_string());
    }
    case.taken.push(step.action.clone());
    case.taken_on.push(step.on);
    case.version += 1;
    for clock in &definition.clocks {
        if held_back.contains(&clock.code.as_str()) {
            continue;
        }
        let existing = case.clocks.iter().position(|c| c.code == clock.code);
        if clock.stops.contains(action) {
            if let Some(i) = existing
                && case.clocks[i].is_open()
            {
                let c = &mut case.clocks[i];
                if let Some(since) = c.paused_since.take() {
                    c.pauses.push(PauseRecord {
                        from: since,
                        to: on,
                    });
                }
                c.status = ClockStatus::Stopped;
                c.stopped_on = Some(on);
            }
            continue;
        }
        let starting = clock.starts.contains(action)
            || (clock.restarts.contains(action) && existing.is_some());
        if starting {
            // The start day: the starting action's date field, or for a restart the date the
            // restarting action gives (taken from this step only, never an older value).
            let (field, given) = if clock.starts.contains(action) {
                (&clock.start_field, &case.fields)
            } else {
                (&clock.restart_field, &step.fields)
            };
            let started_on = field
                .as_ref()
                .and_then(|f| given.get(f))
                .and_then(|v| v.as_str())
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .unwrap_or(on);
            let fixed_due = match &clock.length {
                ClockLength::FromField(f) => case
                    .fields
                    .get(f)
                    .and_then(|v| v.as_str())
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
                ClockLength::Fixed(_) => None,
            };
            let fresh = ClockState {
                code: clock.code.clone(),
                started_on,
                pauses: Vec::new(),
                paused_since: None,
                extensions: Vec::new(),
                status: ClockStatus::Running,
                stopped_on: None,
                fixed_due,
                expiry_handled: false,
            };
            match existing {
                Some(i) => case.clocks[i] = fresh,
                None => case.clocks.push(fresh),
            }
            continue;
        }
        let Some(i) = existing else { continue };
        let c = &mut case.clocks[i];
        if clock.pauses.contains(action) && c.status == ClockStatus::Running {
            c.status = ClockStatus::Paused;
            c.paused_since = Some(on);
        } else if clock.resumes.contains(action) && c.status == ClockStatus::Paused {
            if let Some(since) = c.paused_since.take() {
                // The pause ends the day the resuming event happened, if the step says so
                // (and it lies within the pause), not the day it was recorded.
                let ended = clock
                    .resume_fields
                    .iter()
                    .find_map(|f| step.fields.get(f))
                    .and_then(|v| v.as_str())
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .filter(|d| *d >= since && *d <= on)
                    .unwrap_or(on);
                c.pauses.push(PauseRecord {
                    from: since,
                    to: ended,
                });
            }
            c.status = ClockStatus::Running;
            // A longer period after a pause may not have expired after all.
            c.expiry_handled = false;
        }
    }
    // A concluded case has no running time limits.
    if definition.is_terminal(&case.state) {
        for c in case.clocks.iter_mut().filter(|c| c.is_open()) {
            if let Some(since) = c.paused_since.take() {
                c.pauses.push(PauseRecord {
                    from: since,
                    to: on,
                });
            }
            c.status = ClockStatus::Stopped;
            c.stopped_on = Some(on);
        }
    }
    if let Some(action) = definition.action(action)
        && let Some(ext) = &action.extends
        && let Some(c) = case.clocks.iter_mut().find(|c| c.code == ext.clock)
    {
        c.extensions.push(ext.by);
        c.expiry_handled = false;
    }
}

/// Marks that a clock's expiry was dealt with (recorded as its own event).
pub fn apply_expiry(case: &mut Case, clock: &str) {
    if let Some(c) = case.clocks.iter_mut().find(|c| c.code == clock) {
        c.expiry_handled = true;
    }
    case.version += 1;
}

/// When a clock is due, and how that was computed. A paused clock is computed as if it had
/// resumed today (`today`), since its final date depends on when it resumes.
pub fn clock_due(
    clock: &Clock,
    state: &ClockState,
    calendar: &Calendar,
    today: NaiveDate,
) -> Result<Due, CalendarError> {
    let mut pauses: Vec<Pause> = state
        .pauses
        .iter()
        .map(|p| Pause {
            from: p.from,
            to: p.to,
        })
        .collect();
    if let Some(since) = state.paused_since {
        pauses.push(Pause {
            from: since,
            to: today.max(since),
        });
    }
    match (&clock.length, state.fixed_due) {
        (ClockLength::Fixed(length), _) => {
            let mut due = calendar.due(state.started_on, *length, &pauses, &state.extensions)?;
            if !clock.basis.is_empty() {
                due.explanation
                    .lines
                    .insert(0, format!("依据：{}", clock.basis));
            }
            Ok(due)
        }
        (ClockLength::FromField(_), Some(date)) => {
            let days = (date - state.started_on).num_days().max(0) as u32;
            let mut due = calendar.due(
                state.started_on,
                Length::CalendarDays(days),
                &pauses,
                &state.extensions,
            )?;
            due.explanation
                .lines
                .insert(0, format!("期限由案件中填写的日期确定：{date}"));
            // A date printed on a document is its own last day, rest day or not.
            if !clock.rolls
                && let Some(rolled_from) = due.explanation.rolled_from.take()
            {
                due.date = rolled_from;
                due.explanation.lines.push(format!(
                    "证件载明的日期 {rolled_from} 即为末日，不因休息日顺延"
                ));
            }
            Ok(due)
        }
        (ClockLength::FromField(field), None) => Err(CalendarError::Invalid {
            source_name: clock.code.clone(),
            message: format!("没有填写决定期限的日期“{field}”"),
        }),
    }
}

/// Where a deadline stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// 正常
    Normal,
    /// 临期 (yellow): due within the warning days.
    DueSoon,
    /// 超期 (red): past the due date.
    Overdue,
}

impl DeadlineStatus {
    pub fn of(due: NaiveDate, today: NaiveDate, warn_days: u32) -> Self {
        if today > due {
            DeadlineStatus::Overdue
        } else if (due - today).num_days() <= i64::from(warn_days) {
            DeadlineStatus::DueSoon
        } else {
            DeadlineStatus::Normal
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            DeadlineStatus::Normal => "normal",
            DeadlineStatus::DueSoon => "due_soon",
            DeadlineStatus::Overdue => "overdue",
        }
    }
}

/// Clocks that have run out (today is after their due date) and whose expiry has not been
/// dealt with yet, with what their definition says happens then and the day it happens.
pub fn expired(
    definition: &Definition,
    case: &Case,
    calendar: &Calendar,
    today: NaiveDate,
) -> Vec<(String, Expiry, NaiveDate)> {
    let mut out = Vec::new();
    for state in case
        .clocks
        .iter()
        .filter(|c| c.status == ClockStatus::Running && !c.expiry_handled)
    {
        let Some(clock) = definition.clock(&state.code) else {
            continue;
        };
        let Ok(due) = clock_due(clock, state, calendar, today) else {
            continue;
        };
        let grace = chrono::Days::new(u64::from(clock.expiry_grace_days));
        let waited = matches!(clock.on_expiry, Expiry::Action(_))
            .then(|| due.date.checked_add_days(grace))
            .flatten()
            .unwrap_or(due.date);
        if today > waited {
            // The day after the last day — or, for a case entered after its periods had run
            // out, the day of its last step: an expiry is never dated before what it follows.
            let effective = due.date.succ_opt().unwrap_or(due.date);
            let effective = case
                .taken_on
                .last()
                .map_or(effective, |last| effective.max(*last));
            out.push((state.code.clone(), clock.on_expiry.clone(), effective));
        }
    }
    out
}

/// The fields the system gives the action a clock's expiry takes: the date its definition says
/// the expiry is dated (`on_expiry = { …, date, as_of }`) — the period's last day, or the day
/// this run of the clock started — whatever day the system acts on.
pub fn expiry_fields(
    definition: &Definition,
    case: &Case,
    calendar: &Calendar,
    clock: &str,
    today: NaiveDate,
) -> BTreeMap<String, Value> {
    let mut fields = BTreeMap::new();
    let (Some(def), Some(state)) = (definition.clock(clock), case.clock(clock)) else {
        return fields;
    };
    let Some(dated) = def.expiry_date.as_ref() else {
        return fields;
    };
    let day = match dated.day {
        crate::procedure::ExpiryDay::LastDay => {
            clock_due(def, state, calendar, today).ok().map(|d| d.date)
        }
        crate::procedure::ExpiryDay::ClockStart => Some(state.started_on),
    };
    if let Some(day) = day {
        fields.insert(
            dated.field.clone(),
            Value::String(day.format("%Y-%m-%d").to_string()),
        );
    }
    fields
}

impl fmt::Display for ClockStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockStatus::Running => "计时中",
            ClockStatus::Paused => "已暂停",
            ClockStatus::Stopped => "已停止",
        })
    }
}

/// A publication of a case as the public sees it: each published field, masked as the
/// definition says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Published {
    pub code: String,
    pub label: String,
    /// The day of the action after which it is public.
    pub since: Option<NaiveDate>,
    /// (field label, value shown)
    pub fields: Vec<(String, String)>,
}

/// What of `case` is public now: publications whose action was taken and not withdrawn since.
/// An enum value's Chinese label (the code itself if unknown).
fn label_of(field: &crate::procedure::Field, code: &str) -> String {
    field
        .values
        .iter()
        .find(|v| v.code == code)
        .map(|v| v.zh.clone())
        .unwrap_or_else(|| code.to_string())
}

pub fn published(definition: &Definition, case: &Case) -> Vec<Published> {
    use crate::procedure::Mask;
    let last = |action: &str| case.taken.iter().rposition(|a| a == action);
    let mut out = Vec::new();
    for p in &definition.publications {
        let Some(after) = last(&p.after) else {
            continue;
        };
        if p.withdrawn_by
            .iter()
            .filter_map(|w| last(w))
            .any(|w| w > after)
        {
            continue;
        }
        let mut fields = Vec::new();
        for code in &p.fields {
            let (Some(field), Some(value)) = (definition.field(code), case.fields.get(code)) else {
                continue;
            };
            let mask = p.mask.get(code).copied().unwrap_or(if field.personal {
                if field.kind == FieldType::Party {
                    Mask::Name
                } else {
                    Mask::Hide
                }
            } else {
                Mask::Full
            });
            let shown = match (mask, value) {
                (Mask::Hide, _) => continue,
                (_, Value::Object(party)) => {
                    let person = party.get("kind").and_then(Value::as_str) != Some("organisation");
                    let name = party.get("name").and_then(Value::as_str).unwrap_or("");
                    let mut parts =
                        vec![if person && !matches!(mask, Mask::Full | Mask::FullName) {
                            crate::codes::mask_name(name)
                        } else {
                            name.to_string()
                        }];
                    if let Some(code) = party.get("credit_code").and_then(Value::as_str) {
                        parts.push(code.to_string());
                    }
                    if let Some(id) = party.get("id_number").and_then(Value::as_str)
                        && !matches!(mask, Mask::Name | Mask::FullName)
                    {
                        parts.push(match IdNumber::parse(id) {
                            Ok(id) if mask != Mask::Full => id.masked(),
                            _ => id.to_string(),
                        });
                    }
                    parts.join(" ")
                }
                (Mask::Name, Value::String(s)) => crate::codes::mask_name(s),
                (Mask::Phone, Value::String(s)) => crate::codes::mask_phone(s),
                (Mask::Id, Value::String(s)) => IdNumber::parse(s)
                    .map(|i| i.masked())
                    .unwrap_or_else(|_| "*".repeat(s.chars().count())),
                (_, Value::String(s)) if !field.values.is_empty() => label_of(field, s),
                (_, Value::String(s)) => crate::codes::mask_in_text(s),
                (_, Value::Array(items)) => items
                    .iter()
                    .filter_map(text_of)
                    .map(|v| label_of(field, &v))
                    .collect::<Vec<_>>()
                    .join("、"),
                (_, Value::Number(n)) if field.kind == FieldType::Money => {
                    let fen = n.as_i64().unwrap_or(0);
                    format!("{}.{:02}元", fen / 100, fen % 100)
                }
                (_, Value::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
                (_, other) => other.to_string(),
            };
            fields.push((field.label.zh.clone(), shown));
        }
        out.push(Published {
            code: p.code.clone(),
            label: p.label.zh.clone(),
            since: case.taken_on.get(after).copied(),
            fields,
        });
    }
    out
}
