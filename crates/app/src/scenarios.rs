//! Procedure scenarios as data: a definition's `scenarios.toml` (beside it in
//! `procedures/<code>/`) lists stories of a case — who takes which action on which day with
//! which fields — and what must follow: the state, the due date of each running clock, or the
//! refusal. [`run`] plays them through the application's one path (open, act, expire) on a
//! store, so they hold on SQLite and on PostgreSQL alike.
//!
//! ```toml
//! [[scenario]]
//! name = "答复期限：收到申请之日起 20 个工作日"
//! basis = "政府信息公开条例 第33条"
//!
//! [[scenario.steps]]
//! as = "department_staff"          # a role code, or "system"
//! action = "register"
//! on = "2019-06-03"                # the day the action takes effect
//! fields = { content = "…", received_on = "2019-06-03" }
//! expect = { state = "registered", due = { reply = "2019-07-01" } }
//!
//! [[scenario.steps]]
//! expire_on = "2019-07-02"         # the scheduler runs on this day
//! expect = { state = "…" }
//! ```
//!
//! Every step is taken in the department `main` of the region `990101` (both made by the
//! runner, with a second department `other` for hand-overs); a field value `"@other"` or
//! `"@main"` stands for that department's id. `today` (default: `on`, or `expire_on`) is the
//! day the step is recorded. A refused step (`expect.refused = "<code>"`, optionally
//! `expect.message` that the refusal's text contains) changes nothing. A scenario that states
//! the law where the definition or engine does not yet follow it says so in `pending` (why,
//! and the issue that fixes it): it must fail until then.

use crate::cases::Opening;
use crate::{App, AppError};
use chrono::NaiveDate;
use fazhi_core::authz::Principal;
use fazhi_core::engine::{self, Actor, ClockStatus, Command};
use fazhi_core::org::{DepartmentKind, Grant, Role};
use fazhi_core::region::RegionCode;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A scenarios file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    #[serde(default)]
    pub scenario: Vec<Scenario>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// The article of law the scenario shows.
    #[serde(default)]
    pub basis: String,
    /// The procedure, when the file is not beside its definition.
    #[serde(default)]
    pub procedure: Option<String>,
    /// A known disagreement between the law and the definition or engine, with where it is
    /// being dealt with: the scenario states the law and is expected to fail until that is
    /// fixed (and then fails the run, so that the mark is removed).
    #[serde(default)]
    pub pending: Option<String>,
    pub steps: Vec<ScenarioStep>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioStep {
    /// A role code, or `system`.
    #[serde(rename = "as", default)]
    pub role: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// The scheduler runs on this day (instead of an action).
    #[serde(default)]
    pub expire_on: Option<NaiveDate>,
    /// The day the step is recorded (default: the day it takes effect).
    #[serde(default)]
    pub today: Option<NaiveDate>,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    #[serde(default)]
    pub expect: Expect,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub state: Option<String>,
    /// Due dates of running clocks, by clock code.
    #[serde(default)]
    pub due: BTreeMap<String, NaiveDate>,
    /// Clocks that must not be running.
    #[serde(default)]
    pub stopped: Vec<String>,
    /// Field values the case must hold after the step.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
    /// The refusal's code (`guard_failed`, `wrong_state` …).
    #[serde(default)]
    pub refused: Option<String>,
    /// Text the refusal's message contains.
    #[serde(default)]
    pub message: Option<String>,
}

/// Parses a scenarios file, naming the file in the error.
pub fn parse(name: &str, text: &str) -> Result<ScenarioFile, String> {
    toml::from_str(text).map_err(|e| format!("{name}: {e}"))
}

/// Where the runner acts: the region and the departments it made.
pub struct Stage {
    pub region: RegionCode,
    pub main: String,
    pub other: String,
}

/// The region `990101` with the departments `main` and `other` (idempotent).
pub async fn stage(app: &App) -> Result<Stage, AppError> {
    let store = app.store();
    let region = RegionCode::parse("990101").expect("a valid code");
    if store
        .regions()
        .await?
        .iter()
        .all(|r| r.code != region.as_str())
    {
        store
            .add_region("system", &region, "情景测试区", None)
            .await?;
    }
    let mut ids = BTreeMap::new();
    for d in store.departments(Some(&region)).await? {
        ids.insert(d.code.clone(), d.id);
    }
    for code in ["main", "other"] {
        if !ids.contains_key(code) {
            let d = store
                .add_department(
                    "system",
                    &region,
                    code,
                    &format!("情景测试部门 {code}"),
                    DepartmentKind::Department,
                )
                .await?;
            ids.insert(code.to_string(), d.id);
        }
    }
    Ok(Stage {
        main: ids["main"].clone(),
        other: ids["other"].clone(),
        region,
    })
}

fn principal(stage: &Stage, role: &str) -> Result<Principal, String> {
    let role = Role::parse(role).ok_or_else(|| format!("没有角色“{role}”"))?;
    let department = (!role.sees_whole_region()).then(|| stage.main.clone());
    let grant = Grant::new(role, stage.region.clone(), department).map_err(|e| e.to_string())?;
    Ok(Principal {
        user_id: format!("scenario-{role}"),
        user_name: format!("scenario-{role}"),
        grants: vec![grant],
    })
}

fn with_departments(value: &Value, stage: &Stage) -> Value {
    match value {
        Value::String(s) if s == "@main" => Value::from(stage.main.clone()),
        Value::String(s) if s == "@other" => Value::from(stage.other.clone()),
        Value::Array(items) => items.iter().map(|v| with_departments(v, stage)).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), with_departments(v, stage)))
            .collect(),
        other => other.clone(),
    }
}

/// Plays one scenario. `set_today` moves the store's clock (the caller owns it). Every
/// mismatch is reported with the step's number and what was expected.
pub async fn run(
    app: &App,
    stage: &Stage,
    procedure: &str,
    scenario: &Scenario,
    set_today: &dyn Fn(NaiveDate),
) -> Result<(), String> {
    let procedure = scenario.procedure.as_deref().unwrap_or(procedure);
    let mut case_id: Option<String> = None;
    for (i, step) in scenario.steps.iter().enumerate() {
        let at = |message: String| format!("“{}” 第 {} 步：{message}", scenario.name, i + 1);
        let fields: BTreeMap<String, Value> = step
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), with_departments(v, stage)))
            .collect();
        let outcome = if let Some(day) = step.expire_on {
            set_today(step.today.unwrap_or(day));
            let id = case_id.as_deref().ok_or_else(|| at("还没有案件".into()))?;
            app.expire(id).await.map(|_| ())
        } else {
            let action = step
                .action
                .as_deref()
                .ok_or_else(|| at("缺少 action".into()))?;
            let on = step.on.ok_or_else(|| at("缺少 on".into()))?;
            set_today(step.today.unwrap_or(on));
            let role = step.role.as_deref().unwrap_or("department_staff");
            let principal = match role {
                "system" => None,
                role => Some(principal(stage, role).map_err(at)?),
            };
            let actor = match &principal {
                None => Actor::System,
                Some(p) => Actor::User(p),
            };
            match &case_id {
                None => app
                    .open(Opening {
                        procedure,
                        action: Some(action),
                        actor,
                        region: &stage.region,
                        department: Some(stage.main.clone()),
                        fields,
                        on,
                        receipt: None,
                    })
                    .await
                    .map(|stored| case_id = Some(stored.case.id)),
                Some(id) => {
                    let current = app
                        .store()
                        .case(id)
                        .await
                        .map_err(|e| at(e.to_string()))?
                        .ok_or_else(|| at("案件不见了".into()))?;
                    let command = Command {
                        action: action.to_string(),
                        expected_version: current.case.version,
                        fields,
                        on,
                    };
                    app.act_on(actor, current, command).await.map(|_| ())
                }
            }
        };
        match (outcome, &step.expect.refused) {
            (Ok(()), None) => {}
            (Ok(()), Some(code)) => return Err(at(format!("应被拒绝（{code}），却办理了"))),
            (Err(AppError::Refused(refusal)), Some(code)) => {
                if refusal.code() != code {
                    return Err(at(format!(
                        "应以 {code} 拒绝，实为 {}：{refusal}",
                        refusal.code()
                    )));
                }
                if let Some(text) = &step.expect.message
                    && !refusal.to_string().contains(text.as_str())
                {
                    return Err(at(format!("拒绝理由应含“{text}”，实为“{refusal}”")));
                }
            }
            (Err(e), _) => return Err(at(format!("未能办理：{e}"))),
        }
        let Some(id) = &case_id else {
            continue;
        };
        check(app, id, &step.expect).await.map_err(at)?;
    }
    Ok(())
}

/// Checks a case against what a step expects.
async fn check(app: &App, id: &str, expect: &Expect) -> Result<(), String> {
    let stored = app
        .store()
        .case(id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("案件不见了")?;
    let case = &stored.case;
    if let Some(state) = &expect.state
        && &case.state != state
    {
        return Err(format!("状态应为 {state}，实为 {}", case.state));
    }
    let definition = app
        .definition(&case.procedure, &case.definition_version)
        .map_err(|e| e.to_string())?;
    let calendar = app.calendar();
    for (code, want) in &expect.due {
        let state = case
            .clocks
            .iter()
            .find(|c| &c.code == code && c.status != ClockStatus::Stopped)
            .ok_or_else(|| format!("期限 {code} 没有在计"))?;
        let clock = definition
            .clock(code)
            .ok_or_else(|| format!("定义中没有期限 {code}"))?;
        let due = engine::clock_due(clock, state, &calendar, app.today())
            .map_err(|e| format!("期限 {code}：{e}"))?;
        if due.date != *want {
            return Err(format!(
                "期限 {code} 应于 {want} 届满，实为 {}（{}）",
                due.date,
                due.explanation.lines.join("；")
            ));
        }
    }
    for code in &expect.stopped {
        if case
            .clocks
            .iter()
            .any(|c| &c.code == code && c.status == ClockStatus::Running)
        {
            return Err(format!("期限 {code} 不应在计"));
        }
    }
    for (field, want) in &expect.fields {
        if case.fields.get(field) != Some(want) {
            return Err(format!(
                "字段 {field} 应为 {want}，实为 {}",
                case.fields.get(field).cloned().unwrap_or(Value::Null)
            ));
        }
    }
    Ok(())
}
