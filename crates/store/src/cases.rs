//! Cases of every procedure: created and moved by the engine's steps, stored as a snapshot row
//! per case (the projection) beside their events. Deadline columns (`next_due`, `warn_from`,
//! `next_check`) are derived with the official calendar when a case changes or the calendar does.

use crate::batch::{RowOp, Value, WriteBatch};
use crate::db::on_db;
use crate::{Result, Store, StoreError};
use chrono::Datelike;
use chrono::NaiveDate;
use fazhi_core::authz::{DepartmentScope, Principal};
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::{self, Actor, Case, ClockStatus, Command, Refusal, Step};
use fazhi_core::procedure::{Definition, FieldType};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Subject, Timestamp};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// A stored case with what lists and pages show beside the engine's snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct StoredCase {
    pub case: Case,
    pub title: String,
    pub terminal: bool,
    pub next_due: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The formal case number (案号), if the procedure numbers its cases.
    pub number: Option<String>,
    /// The receipt number (受理编号) given to a public applicant, for online applications.
    pub receipt: Option<String>,
}

/// snapshot, title, terminal, next_due, created_by, created_at, updated_at, number, receipt
type CaseRow = (
    String,
    String,
    bool,
    Option<String>,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

/// What a case's later steps keep from its creation.
struct Origin {
    created_by: String,
    created_at: Timestamp,
    number: Option<String>,
    receipt: Option<String>,
}

/// One step of a case history loaded in bulk ([`Store::history_batch`]).
pub struct HistoryStep<'a> {
    pub actor: Actor<'a>,
    pub action: &'a str,
    pub on: NaiveDate,
    pub fields: std::collections::BTreeMap<String, serde_json::Value>,
}

/// The `case.step` event of a step: what the engine decided, under which definition.
fn step_event(
    definition: &Definition,
    case: &Case,
    step: &Step,
    actor: &str,
    receipt: Option<&str>,
) -> NewEvent {
    let mut payload = json!({
        "procedure": definition.code,
        "definition_version": definition.version,
        "department": case.department,
        "step": step,
    });
    if let Some(receipt) = receipt {
        payload["receipt"] = json!(receipt);
    }
    NewEvent::new(
        case.region.clone(),
        Subject::new("case", &case.id),
        "case.step",
        actor,
        payload,
    )
}

/// A case to open: its first action, taken by a user or by the system (an online application).
pub struct NewCase<'a> {
    pub definition: &'a Definition,
    pub calendar: &'a Calendar,
    pub actor: Actor<'a>,
    pub region: &'a RegionCode,
    pub department: Option<String>,
    pub action: &'a str,
    pub fields: std::collections::BTreeMap<String, serde_json::Value>,
    /// The day the first action takes effect (today, or the day a paper record was received).
    pub on: NaiveDate,
    /// A receipt number for the applicant to follow the case with.
    pub receipt: Option<String>,
}

/// The deadline columns of a case.
struct Deadlines {
    next_due: Option<String>,
    warn_from: Option<String>,
    next_check: Option<String>,
}

fn deadlines(
    definition: &Definition,
    case: &Case,
    calendar: &Calendar,
    today: NaiveDate,
) -> Deadlines {
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
    Deadlines {
        next_due: next_due.map(|(d, _)| fmt(d)),
        warn_from: next_due.map(|(_, w)| fmt(w)),
        next_check: next_check.map(fmt),
    }
}

/// A short title for lists: the parties' names and the first text fields.
fn title(definition: &Definition, case: &Case) -> String {
    // The fields the case was opened with come first, in the order its action lists them:
    // they are what the matter is about (the applicant, then the subject).
    let opening: Vec<&str> = definition
        .actions
        .iter()
        .find(|a| a.creates())
        .map(|a| a.needs.iter().chain(&a.may).map(String::as_str).collect())
        .unwrap_or_default();
    let mut ordered: Vec<&fazhi_core::procedure::Field> = opening
        .iter()
        .filter_map(|code| definition.field(code))
        .collect();
    ordered.extend(
        definition
            .fields
            .iter()
            .filter(|f| !opening.contains(&f.code.as_str())),
    );
    let mut parts = Vec::new();
    for field in ordered {
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
            _ => {}
        }
        if parts.len() >= 2 {
            break;
        }
    }
    let title = if parts.is_empty() {
        definition.name.zh.clone()
    } else {
        parts.join(" · ")
    };
    title.chars().take(120).collect()
}

/// What a case list can be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub procedure: Option<String>,
    pub state: Option<String>,
    pub department: Option<String>,
    /// `normal`, `due_soon`, `overdue`, or `attention` (due soon or overdue).
    pub deadline: Option<String>,
    pub created_from: Option<NaiveDate>,
    pub created_to: Option<NaiveDate>,
    pub text: Option<String>,
    /// `updated` (newest first, the default), `due` (soonest first), `created`.
    pub sort: Option<String>,
    pub include_closed: bool,
    /// Only these cases (e.g. the records behind a report figure); closed ones included.
    pub ids: Vec<String>,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseListItem {
    pub id: String,
    pub region: String,
    pub department: String,
    pub procedure: String,
    /// The formal case number, if the procedure numbers its cases.
    pub number: Option<String>,
    pub title: String,
    pub state: String,
    pub terminal: bool,
    pub version: i64,
    pub next_due: Option<String>,
    pub deadline: Option<String>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePage {
    pub items: Vec<CaseListItem>,
    /// Matching cases, counted up to [`COUNT_CAP`].
    pub total: i64,
    /// False when more than [`COUNT_CAP`] cases match (`total` is then the cap).
    pub total_exact: bool,
    pub page: u32,
    pub per_page: u32,
}

/// The most matching cases a list counts.
pub const COUNT_CAP: i64 = 10_000;

/// The outcome of a command: the case as it now is, or why it was refused.
pub type Acted = std::result::Result<StoredCase, Refusal>;

fn actor_text(actor: Actor<'_>) -> String {
    match actor {
        Actor::User(p) => p.actor(),
        Actor::System => "system".to_string(),
    }
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    /// Today in Beijing time, by the store's clock.
    pub fn today(&self) -> NaiveDate {
        self.now().to_china_time().date_naive()
    }

    /// Starts a case with the definition's creating action.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_case(
        &self,
        definition: &Definition,
        calendar: &Calendar,
        principal: &Principal,
        region: &RegionCode,
        department: Option<String>,
        action: &str,
        fields: std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<Acted> {
        self.open_case(NewCase {
            definition,
            calendar,
            actor: Actor::User(principal),
            region,
            department,
            action,
            fields,
            on: self.today(),
            receipt: None,
        })
        .await
    }

    /// Opens a case with its definition's creating action.
    pub async fn open_case(&self, new: NewCase<'_>) -> Result<Acted> {
        let definition = new.definition;
        let id = uuid::Uuid::now_v7().simple().to_string();
        let case = Case::new(&id, new.region.clone(), new.department, definition);
        let command = Command {
            action: new.action.to_string(),
            expected_version: 0,
            fields: new.fields,
            on: new.on,
        };
        let facts = self.facts_for(definition, &case, &command).await?;
        let step = match engine::decide_with(definition, &case, new.actor, &command, &facts) {
            Ok(step) => step,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Some(field) = &definition.number_field
            && let Some(number) = step.fields.get(field).and_then(|v| v.as_str())
            && self.number_taken(new.region, number).await?
        {
            return Ok(Err(Refusal::InvalidField {
                field: definition
                    .field(field)
                    .map(|f| f.label.zh.clone())
                    .unwrap_or_default(),
                reason: format!("“{number}”已登记"),
            }));
        }
        if !definition.action(new.action).is_some_and(|a| a.creates()) {
            return Ok(Err(Refusal::UnknownAction {
                procedure: definition.code.clone(),
                action: new.action.to_string(),
            }));
        }
        let actor = actor_text(new.actor);
        let origin = Origin {
            created_by: actor.clone(),
            created_at: self.now(),
            number: None,
            receipt: new.receipt,
        };
        self.record(definition, new.calendar, case, step, &actor, origin, true)
            .await
    }

    /// The case's public rows, rewritten: what its definition publishes now, masked.
    fn publication_ops(
        &self,
        definition: &Definition,
        case: &Case,
        origin: &Origin,
        mut batch: WriteBatch,
    ) -> WriteBatch {
        batch = batch.op(RowOp::DeleteAll {
            table: "publications",
            key: vec![("case_id", case.id.clone().into())],
        });
        for p in engine::published(definition, case) {
            let fields = serde_json::to_string(&p.fields).expect("pairs of text serialise");
            // The case's own title may hold personal names: the public one is the first
            // published (masked) value.
            let public_title = p.fields.first().map(|(_, v)| v.clone()).unwrap_or_default();
            batch = batch.insert(
                "publications",
                vec![
                    ("case_id", case.id.clone().into()),
                    ("code", p.code.into()),
                    ("region", case.region.as_str().into()),
                    (
                        "department",
                        case.department.clone().unwrap_or_default().into(),
                    ),
                    ("procedure", definition.code.clone().into()),
                    ("label", p.label.into()),
                    ("title", public_title.into()),
                    ("number", origin.number.clone().into()),
                    ("since", p.since.map(date_text).into()),
                    ("fields", fields.into()),
                ],
            );
        }
        batch
    }

    /// Whether a case of the region already has this number.
    async fn number_taken(&self, region: &RegionCode, number: &str) -> Result<bool> {
        on_db!(&self.db, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE region = $1 AND number = $2")
                .bind(region.as_str().to_string())
                .bind(number.to_string())
                .fetch_one(pool)
                .await?;
            Ok(n > 0)
        })
    }

    /// The certificates an action's `certified` guards name (in the command or on the case),
    /// read from the certificate cases of the case's region.
    async fn facts_for(
        &self,
        definition: &Definition,
        case: &Case,
        command: &Command,
    ) -> Result<std::collections::BTreeMap<String, engine::Certificate>> {
        let mut facts = std::collections::BTreeMap::new();
        let Some(action) = definition.action(&command.action) else {
            return Ok(facts);
        };
        for guard in &action.guards {
            for condition in std::iter::once(&guard.require).chain(guard.when.as_ref()) {
                let fazhi_core::procedure::Condition::Certified {
                    field,
                    certificates,
                    ..
                } = condition
                else {
                    continue;
                };
                let value = command.fields.get(field).or(case.fields.get(field));
                let numbers = engine::certificate_numbers(value);
                if numbers.is_empty() {
                    continue;
                }
                // All the named certificates in one query.
                let mut params: Vec<Value> =
                    vec![case.region.as_str().into(), certificates.clone().into()];
                let list: Vec<String> = numbers
                    .iter()
                    .take(MAX_IDS)
                    .map(|n| bind(n.clone().into(), &mut params))
                    .collect();
                let sql = format!(
                    "SELECT number, snapshot FROM cases WHERE region = $1 AND procedure = $2 AND number IN ({})",
                    list.join(", ")
                );
                let rows: Vec<(String, String)> = on_db!(&self.db, pool => {
                    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                    for p in &params {
                        if let Value::Text(t) = p {
                            query = query.bind(t.clone());
                        }
                    }
                    query.fetch_all(pool).await?
                });
                for (number, snapshot) in rows {
                    let certificate: Case = serde_json::from_str(&snapshot).map_err(|e| {
                        StoreError::Invalid(format!("certificate {number} snapshot: {e}"))
                    })?;
                    facts.insert(
                        number.clone(),
                        engine::Certificate::of_case(&certificate, &number),
                    );
                }
            }
        }
        Ok(facts)
    }

    /// The case an applicant follows by its receipt number.
    pub async fn case_by_receipt(&self, receipt: &str) -> Result<Option<StoredCase>> {
        let id: Option<String> = on_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT id FROM cases WHERE receipt = $1")
                .bind(receipt.to_string())
                .fetch_optional(pool)
                .await?
        });
        match id {
            Some(id) => self.case(&id).await,
            None => Ok(None),
        }
    }

    /// Takes an action on a case as a user or as the system.
    pub async fn act(
        &self,
        definition: &Definition,
        calendar: &Calendar,
        actor: Actor<'_>,
        case_id: &str,
        command: Command,
    ) -> Result<Acted> {
        let stored = self
            .case(case_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("案件 {case_id}")))?;
        self.act_on(definition, calendar, actor, stored, command)
            .await
    }

    /// [`Store::act`] on a case the caller has just read (saves reading it again).
    pub async fn act_on(
        &self,
        definition: &Definition,
        calendar: &Calendar,
        actor: Actor<'_>,
        stored: StoredCase,
        command: Command,
    ) -> Result<Acted> {
        let facts = self.facts_for(definition, &stored.case, &command).await?;
        let step = match engine::decide_with(definition, &stored.case, actor, &command, &facts) {
            Ok(step) => step,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let case_id = stored.case.id.clone();
        let origin = Origin {
            created_by: stored.created_by,
            created_at: stored.created_at,
            number: stored.number,
            receipt: stored.receipt,
        };
        match self
            .record(
                definition,
                calendar,
                stored.case,
                step,
                &actor_text(actor),
                origin,
                false,
            )
            .await
        {
            // Someone else's step landed between our read and our write.
            Err(StoreError::Conflict { expected, .. }) => Ok(Err(Refusal::Stale {
                expected,
                actual: self
                    .case(&case_id)
                    .await?
                    .map(|c| c.case.version)
                    .unwrap_or(expected),
            })),
            other => other,
        }
    }

    /// A case's whole recorded history as one write, for loading histories in bulk (the
    /// benchmark's generated districts; ledgers entered after the fact). The engine decides
    /// every step in memory exactly as [`Store::open_case`] and [`Store::act_on`] would; the write
    /// holds one `case.step` event per step and the case's rows as they stand after the last
    /// one. Being a record of the past it notifies nobody. A refused step is returned with its
    /// index, and nothing is written. Guards that read outside facts (certificates) see none.
    pub fn history_batch(
        &self,
        definition: &Definition,
        calendar: &Calendar,
        region: &RegionCode,
        department: Option<String>,
        steps: &[HistoryStep<'_>],
    ) -> std::result::Result<WriteBatch, (usize, Refusal)> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let mut case = Case::new(&id, region.clone(), department, definition);
        let mut batch = WriteBatch::new();
        let mut created_by = String::new();
        for (i, history) in steps.iter().enumerate() {
            let command = Command {
                action: history.action.to_string(),
                expected_version: case.version,
                fields: history.fields.clone(),
                on: history.on,
            };
            if i == 0
                && !definition
                    .action(history.action)
                    .is_some_and(|a| a.creates())
            {
                return Err((
                    0,
                    Refusal::UnknownAction {
                        procedure: definition.code.clone(),
                        action: history.action.to_string(),
                    },
                ));
            }
            let step = engine::decide(definition, &case, history.actor, &command)
                .map_err(|refusal| (i, refusal))?;
            engine::apply(definition, &mut case, &step);
            let actor = actor_text(history.actor);
            if i == 0 {
                created_by = actor.clone();
            }
            batch = batch.event(step_event(definition, &case, &step, &actor, None));
        }
        let origin = Origin {
            created_by: created_by.clone(),
            created_at: self.now(),
            number: definition
                .number_field
                .as_ref()
                .and_then(|f| case.fields.get(f))
                .and_then(|v| v.as_str())
                .map(str::to_string),
            receipt: None,
        };
        let due = deadlines(definition, &case, calendar, self.today());
        let mut row = self.case_row_columns(definition, &case, &due);
        row.extend(self.case_creation_columns(&case, &created_by));
        row.push(("number", origin.number.clone().into()));
        batch = batch.insert("cases", row);
        if origin.number.is_none()
            && let Some(first) = steps.first()
        {
            batch.number = definition.number_template(first.on.year()).map(|template| {
                crate::batch::NumberRequest {
                    counter: format!("{}|{}|{}", case.region, definition.code, first.on.year()),
                    template,
                    case_id: case.id.clone(),
                }
            });
        }
        if !definition.publications.is_empty() {
            batch = self.publication_ops(definition, &case, &origin, batch);
            // A new case has no earlier public rows to replace.
            batch
                .ops
                .retain(|op| !matches!(op, RowOp::DeleteAll { .. }));
        }
        Ok(batch)
    }

    /// Writes a step; `creating` when it is the case's first.
    #[allow(clippy::too_many_arguments)]
    async fn record(
        &self,
        definition: &Definition,
        calendar: &Calendar,
        mut case: Case,
        step: Step,
        actor: &str,
        mut origin: Origin,
        creating: bool,
    ) -> Result<Acted> {
        let before = case.version;
        let department_before = case.department.clone();
        engine::apply(definition, &mut case, &step);
        let handed_over = !creating && case.department != department_before;
        if handed_over {
            // The receiving department must be a working department of the case's region.
            let target = case.department.clone().unwrap_or_default();
            let known = self
                .departments(Some(&case.region))
                .await?
                .into_iter()
                .any(|d| d.id == target && d.active);
            if !known {
                let field = definition
                    .action(&step.action)
                    .and_then(|a| a.transfers_to.as_ref())
                    .and_then(|f| definition.field(f))
                    .map(|f| f.label.zh.clone())
                    .unwrap_or_default();
                return Ok(Err(Refusal::InvalidField {
                    field,
                    reason: "不是本区划内在用的部门".into(),
                }));
            }
        }
        let receipt = if creating {
            origin.receipt.as_deref()
        } else {
            None
        };
        let event = step_event(definition, &case, &step, actor, receipt);
        let due = deadlines(definition, &case, calendar, self.today());
        let mut batch =
            self.case_row_batch(definition, &case, actor, creating, before, event, &due);
        if creating {
            batch.number = definition.number_template(step.on.year()).map(|template| {
                crate::batch::NumberRequest {
                    counter: format!("{}|{}|{}", case.region, definition.code, step.on.year()),
                    template,
                    case_id: case.id.clone(),
                }
            });
            if let Some(number) = definition
                .number_field
                .as_ref()
                .and_then(|f| case.fields.get(f))
                .and_then(|v| v.as_str())
            {
                origin.number = Some(number.to_string());
                batch = batch.op(RowOp::Update {
                    table: "cases",
                    key: vec![("id", case.id.clone().into())],
                    set: vec![("number", number.into())],
                    expect_version: None,
                });
            }
            if let Some(receipt) = &origin.receipt {
                batch = batch.op(RowOp::Update {
                    table: "cases",
                    key: vec![("id", case.id.clone().into())],
                    set: vec![("receipt", receipt.clone().into())],
                    expect_version: None,
                });
            }
        }
        // A step recorded long after it happened (a paper ledger entered, a demo history) is a
        // record of the past, not news: nobody is notified or e-mailed about it.
        let historical = step.on < self.today() - chrono::Duration::days(HISTORICAL_AFTER_DAYS);
        if (creating || handed_over)
            && !historical
            && let Some(department) = &case.department
        {
            // The department hears of a case registered for it (but not the one who registered it).
            let rows = self
                .department_notifications(
                    department,
                    actor,
                    &case.region,
                    &format!("case:{}", case.id),
                    if creating {
                        "case.created"
                    } else {
                        "case.handed_over"
                    },
                    &format!(
                        "{}：{}",
                        if creating {
                            "新案件"
                        } else {
                            "转来案件"
                        },
                        title(definition, &case)
                    ),
                    &definition.name.zh,
                    &format!("/console/cases/{}", case.id),
                )
                .await?;
            for row in rows {
                batch = batch.op(row);
            }
        }
        if step.from != step.to && !historical {
            // The applicant hears of every change of state, at the address they gave.
            let state = definition.state_label(&case.state, false);
            for field in definition.fields.iter().filter(|f| f.contact) {
                if let Some(address) = case.fields.get(&field.code).and_then(|v| v.as_str())
                    && address.contains('@')
                {
                    let subject = format!("【{}】您的申请：{state}", definition.name.zh);
                    let body = format!(
                        "您的申请（受理编号 {}）于 {} 办理至“{state}”。\n{}",
                        origin.receipt.as_deref().unwrap_or(&case.id),
                        step.on.format("%Y-%m-%d"),
                        title(definition, &case)
                    );
                    batch = batch.op(self.outbox_row(
                        crate::notifications::EMAIL,
                        address,
                        &subject,
                        &body,
                    ));
                }
            }
        }
        if !definition.publications.is_empty() {
            batch = self.publication_ops(definition, &case, &origin, batch);
        }
        let committed = self.submit(batch).await?;
        if committed.number.is_some() {
            origin.number = committed.number;
        }
        // The row as just written, without reading it back.
        Ok(Ok(StoredCase {
            title: title(definition, &case),
            terminal: definition.is_terminal(&case.state),
            next_due: due.next_due,
            created_by: origin.created_by,
            created_at: origin.created_at,
            updated_at: self.now(),
            number: origin.number,
            receipt: origin.receipt,
            case,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn case_row_batch(
        &self,
        definition: &Definition,
        case: &Case,
        actor: &str,
        creating: bool,
        before: i64,
        event: NewEvent,
        d: &Deadlines,
    ) -> WriteBatch {
        let mut columns = self.case_row_columns(definition, case, d);
        let batch = WriteBatch::new().event(event);
        if creating {
            columns.extend(self.case_creation_columns(case, actor));
            batch.insert("cases", columns)
        } else {
            batch.update(
                "cases",
                vec![("id", case.id.clone().into())],
                columns,
                Some(before),
            )
        }
    }

    /// The columns of a case's row that every step rewrites.
    fn case_row_columns(
        &self,
        definition: &Definition,
        case: &Case,
        d: &Deadlines,
    ) -> Vec<(&'static str, Value)> {
        let snapshot = serde_json::to_string(case).expect("a case serialises");
        vec![
            ("title", title(definition, case).into()),
            ("state", case.state.clone().into()),
            ("terminal", definition.is_terminal(&case.state).into()),
            ("snapshot", snapshot.into()),
            ("next_due", d.next_due.clone().into()),
            ("warn_from", d.warn_from.clone().into()),
            ("next_check", d.next_check.clone().into()),
            ("updated_at", self.now().0.into()),
            (
                "department",
                case.department.clone().unwrap_or_default().into(),
            ),
            (
                "concluded_on",
                case.concluded_on(definition).map(date_text).into(),
            ),
        ]
    }

    /// The columns a case's row gets once, when it is created.
    fn case_creation_columns(&self, case: &Case, actor: &str) -> Vec<(&'static str, Value)> {
        vec![
            ("id", case.id.clone().into()),
            ("region", case.region.as_str().into()),
            ("procedure", case.procedure.clone().into()),
            ("definition_version", case.definition_version.clone().into()),
            ("version", case.version.into()),
            ("created_by", actor.into()),
            ("created_at", self.now().0.into()),
            ("opened_on", case.opened_on().map(date_text).into()),
        ]
    }

    /// Records that a clock ran out, and takes the action its definition names (as the system,
    /// effective the day after the last day). Idempotent: a clock whose expiry is handled is left.
    pub async fn handle_expiries(
        &self,
        definition: &Definition,
        calendar: &Calendar,
        case_id: &str,
    ) -> Result<usize> {
        let Some(stored) = self.case(case_id).await? else {
            return Ok(0);
        };
        let today = self.today();
        let mut handled = 0;
        for (clock, expiry, effective) in engine::expired(definition, &stored.case, calendar, today)
        {
            let Some(current) = self.case(case_id).await? else {
                break;
            };
            if let fazhi_core::procedure::Expiry::Action(action) = &expiry {
                let command = Command {
                    action: action.clone(),
                    expected_version: current.case.version,
                    fields: Default::default(),
                    on: effective,
                };
                match self
                    .act(definition, calendar, Actor::System, case_id, command)
                    .await?
                {
                    Ok(_) => {
                        handled += 1;
                        continue;
                    }
                    Err(refusal) => {
                        tracing::info!(case = case_id, %clock, %refusal, "expiry action not taken");
                    }
                }
            }
            // Overdue only, or the action no longer applies: record the expiry itself.
            let Some(current) = self.case(case_id).await? else {
                break;
            };
            let mut case = current.case.clone();
            let before = case.version;
            engine::apply_expiry(&mut case, &clock);
            let event = NewEvent::new(
                case.region.clone(),
                Subject::new("case", &case.id),
                "case.clock_expired",
                "system",
                json!({"clock": clock, "effective": date_text(effective), "procedure": definition.code}),
            );
            let due = deadlines(definition, &case, calendar, self.today());
            let batch =
                self.case_row_batch(definition, &case, "system", false, before, event, &due);
            match self.submit(batch).await {
                Ok(_) => handled += 1,
                Err(StoreError::Conflict { .. }) => break, // someone acted meanwhile; next run
                Err(e) => return Err(e),
            }
        }
        Ok(handled)
    }

    /// Cases with a running clock past its last day whose expiry has not been dealt with.
    pub async fn cases_needing_attention(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<(String, String, String)>> {
        on_db!(&self.db, pool => {
            Ok(sqlx::query_as(
                "SELECT id, procedure, definition_version FROM cases WHERE next_check IS NOT NULL AND next_check < $1 ORDER BY next_check",
            )
            .bind(date_text(today))
            .fetch_all(pool)
            .await?)
        })
    }

    /// Recomputes the deadline columns of open cases (after the calendar changed).
    pub async fn recompute_deadlines(
        &self,
        calendar: &Calendar,
        definition_of: &(dyn Fn(&str, &str) -> Option<Definition> + Sync),
    ) -> Result<usize> {
        let rows: Vec<(String, String, String, String)> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT id, procedure, definition_version, snapshot FROM cases WHERE NOT terminal")
                .fetch_all(pool)
                .await?
        });
        let today = self.today();
        let mut batch = WriteBatch::new();
        let mut n = 0;
        for (id, procedure, version, snapshot) in rows {
            let Some(definition) = definition_of(&procedure, &version) else {
                continue;
            };
            let case: Case = serde_json::from_str(&snapshot)
                .map_err(|e| StoreError::Invalid(format!("case {id} snapshot: {e}")))?;
            let d = deadlines(&definition, &case, calendar, today);
            batch = batch.update(
                "cases",
                vec![("id", id.into())],
                vec![
                    ("next_due", d.next_due.into()),
                    ("warn_from", d.warn_from.into()),
                    ("next_check", d.next_check.into()),
                ],
                None,
            );
            n += 1;
        }
        if n > 0 {
            self.submit(batch).await?;
        }
        Ok(n)
    }

    pub async fn case(&self, id: &str) -> Result<Option<StoredCase>> {
        const SQL: &str = "SELECT snapshot, title, terminal, next_due, created_by, created_at, updated_at, number, receipt FROM cases WHERE id = $1";
        let row: Option<CaseRow> = if let Some(point) = &self.point {
            point.with(|conn| {
                use rusqlite::OptionalExtension;
                conn.prepare_cached(&crate::writer::numbered(SQL))?
                    .query_row([id], |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                        ))
                    })
                    .optional()
            })?
        } else {
            on_db!(&self.db, pool => {
                sqlx::query_as(SQL)
                    .bind(id.to_string())
                    .fetch_optional(pool)
                    .await?
            })
        };
        row.map(|row| stored_case(id, row)).transpose()
    }

    /// Every case of the given procedures in a region and the regions under it, oldest first:
    /// what reports and statistics are computed from.
    pub async fn cases_in(
        &self,
        region: &RegionCode,
        procedures: &[&str],
    ) -> Result<Vec<StoredCase>> {
        let mut out = Vec::new();
        for procedure in procedures {
            let rows: Vec<(String, CaseRow)> = on_db!(&self.db, pool => {
                sqlx::query_as::<_, (String, String, String, bool, Option<String>, String, i64, i64, Option<String>, Option<String>)>(
                    "SELECT id, snapshot, title, terminal, next_due, created_by, created_at, updated_at, number, receipt \
                     FROM cases WHERE procedure = $1 AND region LIKE $2 ORDER BY created_at, id",
                )
                .bind(procedure.to_string())
                .bind(format!("{}%", region.significant_prefix()))
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|(id, a, b, c, d, e, f, g, h, i)| (id, (a, b, c, d, e, f, g, h, i)))
                .collect()
            });
            for (id, row) in rows {
                out.push(stored_case(&id, row)?);
            }
        }
        Ok(out)
    }

    /// A page of the cases a principal may see, filtered and sorted.
    pub async fn list_cases(&self, principal: &Principal, filter: &CaseFilter) -> Result<CasePage> {
        let today = date_text(self.today());
        let mut params: Vec<Value> = Vec::new();
        let Some(scope) = case_scope(principal, &mut params) else {
            return Ok(CasePage {
                items: vec![],
                total: 0,
                total_exact: true,
                page: 1,
                per_page: filter.per_page.max(1),
            });
        };
        let mut conditions: Vec<String> = vec![scope];

        if let Some(p) = &filter.procedure {
            conditions.push(format!(
                "procedure = {}",
                bind(p.clone().into(), &mut params)
            ));
        }
        if let Some(s) = &filter.state {
            conditions.push(format!("state = {}", bind(s.clone().into(), &mut params)));
        }
        if let Some(d) = &filter.department {
            conditions.push(format!(
                "department = {}",
                bind(d.clone().into(), &mut params)
            ));
        }
        if !filter.include_closed && filter.state.is_none() && filter.ids.is_empty() {
            // An equality (not `NOT terminal`), so that the list indexes' prefix applies.
            conditions.push(format!("terminal = {}", bind(false.into(), &mut params)));
        }
        match filter.deadline.as_deref() {
            Some("overdue") => conditions.push(format!(
                "next_due < {}",
                bind(today.clone().into(), &mut params)
            )),
            Some("due_soon") => {
                let t = bind(today.clone().into(), &mut params);
                conditions.push(format!("next_due >= {t} AND warn_from <= {t}"));
            }
            // Yellow or red: everything within its warning days or past due ("my deadlines").
            Some("attention") => {
                conditions.push(format!(
                    "warn_from <= {}",
                    bind(today.clone().into(), &mut params)
                ));
            }
            Some("normal") => {
                let t = bind(today.clone().into(), &mut params);
                conditions.push(format!("(next_due IS NULL OR warn_from > {t})"));
            }
            Some(other) => {
                return Err(StoreError::Invalid(format!(
                    "期限状态“{other}”无效（normal、due_soon、overdue、attention）"
                )));
            }
            None => {}
        }
        if let Some(from) = filter.created_from {
            let us =
                Timestamp::from_datetime(from.and_hms_opt(0, 0, 0).expect("midnight").and_utc()).0
                    - 8 * 3_600_000_000;
            conditions.push(format!("created_at >= {}", bind(us.into(), &mut params)));
        }
        if !filter.ids.is_empty() {
            let list: Vec<String> = filter
                .ids
                .iter()
                .take(MAX_IDS)
                .map(|id| bind(id.clone().into(), &mut params))
                .collect();
            conditions.push(format!("id IN ({})", list.join(", ")));
        }
        if let Some(to) = filter.created_to {
            let next = to.succ_opt().unwrap_or(to);
            let us =
                Timestamp::from_datetime(next.and_hms_opt(0, 0, 0).expect("midnight").and_utc()).0
                    - 8 * 3_600_000_000;
            conditions.push(format!("created_at < {}", bind(us.into(), &mut params)));
        }
        if let Some(text) = filter
            .text
            .as_ref()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            conditions.push(format!(
                "title LIKE {} ESCAPE '\\'",
                bind(format!("%{escaped}%").into(), &mut params)
            ));
        }
        // Each order is one the list indexes (migration 0006) hold, so a page is read in order
        // rather than sorted from every matching row.
        let order = match filter.sort.as_deref() {
            Some("due") => "(next_due IS NULL), next_due, id",
            Some("created") => "created_at DESC, id DESC",
            _ => "updated_at DESC, id DESC",
        };
        let per_page = filter.per_page.clamp(1, 500);
        let page = filter.page.max(1);
        let where_sql = conditions.join(" AND ");
        // SQLite has no statistics of ranges and takes any region range for a narrow one: a
        // scope of a city or a province (which holds most of the cases anyway) is checked on
        // the list indexes instead; a district's is looked up by region.
        let sqlite = self.engine() == crate::Engine::Sqlite;
        let wide = sqlite
            && principal
                .regions()
                .iter()
                .any(|r| r.significant_prefix().len() <= 4);
        let count_where = if wide {
            opaque(&where_sql)
        } else {
            sargable(&where_sql)
        };
        // Counting is capped: past [`COUNT_CAP`] rows nobody pages, they narrow the filter, and an
        // exact count of a province's cases would cost more than the page itself.
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE {count_where} LIMIT {}) AS matching",
            COUNT_CAP + 1
        );
        let (total, rows) = on_db!(&self.db, pool => {
            // Not kept as prepared statements: region ranges and filters differ in selectivity by
            // orders of magnitude from one request to the next, so PostgreSQL plans each list with
            // its values rather than with a generic plan cached from others.
            let mut count =
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql)).persistent(false);
            for p in &params {
                count = match p.clone() {
                    Value::I64(v) => count.bind(v),
                    Value::Text(v) => count.bind(v),
                    Value::Bytes(v) => count.bind(v),
                    Value::Bool(v) => count.bind(v),
                };
            }
            let total = count.fetch_one(pool).await?;
            // PostgreSQL estimates region ranges from its statistics; only SQLite needs the hint.
            let list_where = if wide || (sqlite && total > SORT_AT_MOST) {
                opaque(&where_sql)
            } else {
                sargable(&where_sql)
            };
            let list_sql = format!(
                "SELECT id, region, department, procedure, number, title, state, terminal, version, next_due, warn_from, updated_at \
                 FROM cases WHERE {list_where} ORDER BY {order} LIMIT {per_page} OFFSET {}",
                (page - 1) * per_page
            );
            let mut list = sqlx::query(sqlx::AssertSqlSafe(list_sql)).persistent(false);
            for p in &params {
                list = match p.clone() {
                    Value::I64(v) => list.bind(v),
                    Value::Text(v) => list.bind(v),
                    Value::Bytes(v) => list.bind(v),
                    Value::Bool(v) => list.bind(v),
                };
            }
            let rows = list.fetch_all(pool).await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                let next_due: Option<String> = row.try_get("next_due")?;
                let warn_from: Option<String> = row.try_get("warn_from")?;
                let deadline = next_due.as_ref().map(|due| {
                    if *due < today {
                        "overdue"
                    } else if warn_from.as_ref().is_some_and(|w| *w <= today) {
                        "due_soon"
                    } else {
                        "normal"
                    }
                    .to_string()
                });
                items.push(CaseListItem {
                    id: row.try_get("id")?,
                    region: row.try_get("region")?,
                    department: row.try_get("department")?,
                    procedure: row.try_get("procedure")?,
                    number: row.try_get("number")?,
                    title: row.try_get("title")?,
                    state: row.try_get("state")?,
                    terminal: row.try_get("terminal")?,
                    version: row.try_get("version")?,
                    next_due,
                    deadline,
                    updated_at: Timestamp(row.try_get("updated_at")?),
                });
            }
            (total, items)
        });
        Ok(CasePage {
            items: rows,
            total: total.min(COUNT_CAP),
            total_exact: total <= COUNT_CAP,
            page,
            per_page,
        })
    }

    /// Open cases with a yellow (`due_soon`) or red (`overdue`) deadline, counted by
    /// department and procedure: (department, procedure, deadline, count).
    pub async fn deadline_counts(
        &self,
        principal: &Principal,
    ) -> Result<Vec<(String, String, String, i64)>> {
        let mut params: Vec<Value> = Vec::new();
        let Some(scope) = case_scope(principal, &mut params).map(|s| sargable(&s)) else {
            return Ok(vec![]);
        };
        params.push(Value::from(date_text(self.today())));
        let t = format!("${}", params.len());
        let sql = format!(
            "SELECT department, procedure, CASE WHEN next_due < {t} THEN 'overdue' ELSE 'due_soon' END AS deadline, COUNT(*) AS n \
             FROM cases WHERE {scope} AND NOT terminal AND next_due IS NOT NULL AND (next_due < {t} OR warn_from <= {t}) \
             GROUP BY department, procedure, CASE WHEN next_due < {t} THEN 'overdue' ELSE 'due_soon' END ORDER BY department, procedure"
        );
        on_db!(&self.db, pool => {
            let mut query = sqlx::query_as::<_, (String, String, String, i64)>(sqlx::AssertSqlSafe(sql));
            for p in params {
                query = match p {
                    Value::I64(v) => query.bind(v),
                    Value::Text(v) => query.bind(v),
                    Value::Bytes(v) => query.bind(v),
                    Value::Bool(v) => query.bind(v),
                };
            }
            Ok(query.fetch_all(pool).await?)
        })
    }
}

/// A stored case from its row.
fn stored_case(id: &str, row: CaseRow) -> Result<StoredCase> {
    let (snapshot, title, terminal, next_due, created_by, created_at, updated_at, number, receipt) =
        row;
    let case: Case = serde_json::from_str(&snapshot)
        .map_err(|e| StoreError::Invalid(format!("case {id} snapshot: {e}")))?;
    Ok(StoredCase {
        case,
        title,
        terminal,
        next_due,
        created_by,
        created_at: Timestamp(created_at),
        updated_at: Timestamp(updated_at),
        number,
        receipt,
    })
}

/// Steps dated more than this many days back are history: they notify nobody.
const HISTORICAL_AFTER_DAYS: i64 = 90;

/// The most case ids a list may be narrowed to (a report figure's records).
pub const MAX_IDS: usize = 5000;

fn bind(v: Value, params: &mut Vec<Value>) -> String {
    params.push(v);
    format!("${}", params.len())
}

/// The SQL condition for the cases a principal may see: per region they work in, every
/// department (region-wide roles) or only their own. `None` when they may see none.
/// The first code after every code that starts with `prefix` (digits): `2102` → `2103`,
/// `2199` → `22`; none after `99…`.
fn next_prefix(prefix: &str) -> Option<String> {
    let mut digits: Vec<u8> = prefix.bytes().collect();
    for i in (0..digits.len()).rev() {
        if digits[i] < b'9' {
            digits[i] += 1;
            digits.truncate(i + 1);
            return Some(String::from_utf8(digits).expect("digits"));
        }
    }
    None
}

/// Where [`case_scope`] names the region column: [`sargable`] or [`opaque`] decides whether the
/// database may look the scope up by region or must read another index in order and check it.
const REGION: &str = "{region}";

/// The scope condition with the region column as is: region indexes apply.
fn sargable(sql: &str) -> String {
    sql.replace(REGION, "region")
}

/// The scope condition with the region column hidden from the planner (`region || ''`): a
/// wide scope then reads a list index in the list's order (region rides along in it) instead
/// of sorting every case of the scope — SQLite, without range statistics, would take any
/// region range for a narrow one.
fn opaque(sql: &str) -> String {
    sql.replace(REGION, "(region || '')")
}

/// Below this many matching cases a list sorts them; above it, it reads them in order.
const SORT_AT_MOST: i64 = 2_000;

/// The cases a principal may see, as a condition with `{region}` for the region column.
fn case_scope(principal: &Principal, params: &mut Vec<Value>) -> Option<String> {
    let mut scopes = Vec::new();
    for region in principal.regions() {
        // A range of codes rather than `LIKE 'prefix%'`: indexes serve it on both engines.
        let prefix = region.significant_prefix();
        let within = match next_prefix(prefix) {
            Some(end) => format!(
                "{REGION} >= {} AND {REGION} < {}",
                bind(Value::from(prefix), params),
                bind(Value::from(end), params)
            ),
            None => format!("{REGION} >= {}", bind(Value::from(prefix), params)),
        };
        match principal.department_scope(&region) {
            DepartmentScope::All => scopes.push(format!("({within})")),
            DepartmentScope::Only(ids) if !ids.is_empty() => {
                let list: Vec<String> = ids
                    .into_iter()
                    .map(|d| bind(Value::from(d), params))
                    .collect();
                scopes.push(format!(
                    "({within} AND department IN ({}))",
                    list.join(", ")
                ));
            }
            DepartmentScope::Only(_) => {}
        }
    }
    (!scopes.is_empty()).then(|| format!("({})", scopes.join(" OR ")))
}

#[cfg(test)]
mod tests {
    use super::next_prefix;

    #[test]
    fn a_region_prefix_ends_where_the_next_begins() {
        assert_eq!(next_prefix("2102").as_deref(), Some("2103"));
        assert_eq!(next_prefix("210212").as_deref(), Some("210213"));
        assert_eq!(next_prefix("2199").as_deref(), Some("22"));
        assert_eq!(next_prefix("21029").as_deref(), Some("2103"));
        assert_eq!(next_prefix("99"), None);
        // Every code inside sorts below the end; the next region's does not.
        let end = next_prefix("2102").unwrap();
        assert!(*"210299999" < *end && "2103" >= end.as_str());
    }
}
