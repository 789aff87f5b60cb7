//! One path each to open a case, take an action on it, and handle an expired clock — used by
//! the API, the console, the portal, the scheduler, the demo and the benchmark alike.
//!
//! Each path: read the case and the outside facts its guards name → the engine decides (every
//! refusal comes from there) and applies → the write is derived here as data (the case's row
//! and deadlines, its public rows, who is told what) → the store writes it in one transaction.

use crate::notices::{Channel, Notice, NoticeKind};
use crate::projection;
use crate::{App, AppError, Result};
use chrono::{Datelike, NaiveDate};
use fazhi_core::engine::{self, Actor, Case, Certificate, Command, Refusal, Step};
use fazhi_core::procedure::{Condition, Definition, Expiry};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Subject};
use fazhi_store::StoreError;
use fazhi_store::cases::{CaseWrite, Creation, StoredCase};
use fazhi_store::files::Upload;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Steps dated more than this many days back are history (a paper ledger entered, a demo
/// district seeded): they notify nobody.
const HISTORICAL_AFTER_DAYS: i64 = 90;

/// A case to open: its first action, taken by a user or by the system (an online application).
pub struct Opening<'a> {
    /// The procedure; the case runs under its definition in force on `on`.
    pub procedure: &'a str,
    /// The creating action; the definition's first one if `None`.
    pub action: Option<&'a str>,
    pub actor: Actor<'a>,
    pub region: &'a RegionCode,
    pub department: Option<String>,
    pub fields: BTreeMap<String, Value>,
    /// The day the first action takes effect (today, or the day a paper record was received).
    pub on: NaiveDate,
    /// A receipt number for the applicant to follow the case with.
    pub receipt: Option<String>,
}

/// A file a case holds ([`App::case_file`]): its hash, and the name it was attached under
/// (empty for a generated document, whose name the caller knows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    pub sha256: String,
    pub name: String,
}

/// One step of a case history loaded in bulk ([`App::history`]).
pub struct HistoryStep<'a> {
    pub actor: Actor<'a>,
    pub action: &'a str,
    pub on: NaiveDate,
    pub fields: BTreeMap<String, Value>,
}

/// What the engine may need beyond the case: the certificates its guards name, the working
/// departments of the case's region (for a hand-over) and whether its own number is taken.
#[derive(Debug, Default)]
pub struct CaseFacts {
    pub certificates: BTreeMap<String, Certificate>,
    pub departments: Option<BTreeSet<String>>,
    /// The working members of the case's department (user ids), for an assignment.
    pub members: Option<BTreeSet<String>>,
    pub number_taken: Option<String>,
    /// The day the step is recorded.
    pub today: Option<NaiveDate>,
    /// The last day of each clock of the case, for guards that judge a party's act by its
    /// own date (`not_after = "due:<clock>"`).
    pub clock_dues: BTreeMap<String, NaiveDate>,
    /// The official calendar, for comparisons in working days.
    pub calendar: Option<std::sync::Arc<fazhi_core::calendar::Calendar>>,
}

impl engine::Facts for CaseFacts {
    fn today(&self) -> Option<NaiveDate> {
        self.today
    }

    fn clock_due(&self, clock: &str) -> Option<NaiveDate> {
        self.clock_dues.get(clock).copied()
    }

    fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.calendar.as_deref()?.working_days_after(date, n).ok()
    }

    fn certificate(&self, procedure: &str, number: &str) -> Option<Certificate> {
        self.certificates.certificate(procedure, number)
    }

    fn department_active(&self, department: &str) -> Option<bool> {
        self.departments.as_ref().map(|d| d.contains(department))
    }

    fn number_taken(&self, number: &str) -> bool {
        self.number_taken.as_deref() == Some(number)
    }

    fn member_of_department(&self, user: &str) -> Option<bool> {
        self.members.as_ref().map(|m| m.contains(user))
    }
}

/// The facts of a history loaded in bulk: the day it is recorded and the certificates (by
/// procedure and number) of the histories loaded before it.
struct Recorded<'a> {
    today: NaiveDate,
    certificates: &'a BTreeMap<(String, String), Certificate>,
    /// The last days of the case's clocks before the step (see [`CaseFacts::clock_dues`]).
    clock_dues: BTreeMap<String, NaiveDate>,
    calendar: &'a fazhi_core::calendar::Calendar,
}

/// The last day of each clock of `case`, if `action`'s guards compare a date with one (else
/// nothing is computed).
pub(crate) fn clock_dues(
    definition: &Definition,
    case: &Case,
    action: &str,
    calendar: &fazhi_core::calendar::Calendar,
    today: NaiveDate,
) -> BTreeMap<String, NaiveDate> {
    let compares = definition.action(action).is_some_and(|a| {
        a.guards.iter().any(|g| {
            matches!(
                g.require,
                Condition::DateOrder {
                    other: fazhi_core::procedure::DateRef::ClockDue(_),
                    ..
                }
            )
        })
    });
    if !compares {
        return BTreeMap::new();
    }
    case.clocks
        .iter()
        .filter_map(|state| {
            let clock = definition.clock(&state.code)?;
            let due = engine::clock_due(clock, state, calendar, today).ok()?;
            Some((state.code.clone(), due.date))
        })
        .collect()
}

impl engine::Facts for Recorded<'_> {
    fn clock_due(&self, clock: &str) -> Option<NaiveDate> {
        self.clock_dues.get(clock).copied()
    }

    fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.calendar.working_days_after(date, n).ok()
    }

    fn certificate(&self, procedure: &str, number: &str) -> Option<Certificate> {
        self.certificates
            .get(&(procedure.to_string(), number.to_string()))
            .cloned()
    }

    fn today(&self) -> Option<NaiveDate> {
        Some(self.today)
    }
}

fn actor_text(actor: Actor<'_>) -> String {
    match actor {
        Actor::User(p) => p.actor(),
        Actor::System => "system".to_string(),
    }
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

/// The number a new case draws in its write's transaction, if its procedure numbers cases.
fn number_to_draw(definition: &Definition, case: &Case, on: NaiveDate) -> Option<(String, String)> {
    definition.number_template(on.year()).map(|template| {
        (
            format!("{}|{}|{}", case.region, definition.code, on.year()),
            template,
        )
    })
}

/// The value of the case's `number_field`, if its definition has one.
fn own_number(definition: &Definition, case: &Case) -> Option<String> {
    definition
        .number_field
        .as_ref()
        .and_then(|f| case.fields.get(f))
        .and_then(Value::as_str)
        .map(str::to_string)
}

impl App {
    /// Opens a case with the creating action named, or else the definition's first creating
    /// action open to the actor (a clerk registers a walk-in application; the portal's system
    /// takes the online one).
    pub async fn open(&self, opening: Opening<'_>) -> Result<StoredCase> {
        self.open_with_files(opening, Vec::new()).await
    }

    /// [`App::open`] with the files received for the first step (an application's
    /// attachments): its fields may refer to them, and they are kept only if the step is.
    pub async fn open_with_files(
        &self,
        opening: Opening<'_>,
        uploads: Vec<Upload>,
    ) -> Result<StoredCase> {
        let definition = self.definition_on(opening.procedure, opening.on)?;
        let action = match opening.action {
            Some(action) => action.to_string(),
            None => definition
                .actions
                .iter()
                .filter(|a| a.creates())
                .find(|a| a.open_to(opening.actor))
                .or_else(|| definition.actions.iter().find(|a| a.creates()))
                .map(|a| a.code.clone())
                .ok_or_else(|| {
                    AppError::Invalid(format!("程序“{}”没有登记操作", definition.code))
                })?,
        };
        if !definition.action(&action).is_some_and(|a| a.creates()) {
            return Err(Refusal::UnknownAction {
                procedure: definition.code.clone(),
                action,
            }
            .into());
        }
        let id = uuid::Uuid::now_v7().simple().to_string();
        let case = Case::new(&id, opening.region.clone(), opening.department, definition);
        let command = Command {
            action,
            expected_version: 0,
            fields: opening.fields,
            on: opening.on,
        };
        let actor = actor_text(opening.actor);
        let origin = Origin {
            created_by: actor.clone(),
            created_at: self.store().now(),
            number: None,
            receipt: opening.receipt,
        };
        self.decide_and_write(definition, case, opening.actor, command, origin, uploads)
            .await
    }

    /// Takes an action on a case as a user or as the system.
    pub async fn act(
        &self,
        actor: Actor<'_>,
        case_id: &str,
        command: Command,
    ) -> Result<StoredCase> {
        let stored = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("案件 {case_id} 不存在")))?;
        self.act_on(actor, stored, command).await
    }

    /// [`App::act`] on a case the caller has just read (to check that they may).
    pub async fn act_on(
        &self,
        actor: Actor<'_>,
        stored: StoredCase,
        command: Command,
    ) -> Result<StoredCase> {
        self.act_on_with_files(actor, stored, command, Vec::new())
            .await
    }

    /// [`App::act_on`] with the files received for the step: its fields may refer to them,
    /// and they are kept only if the step is.
    pub async fn act_on_with_files(
        &self,
        actor: Actor<'_>,
        stored: StoredCase,
        command: Command,
        uploads: Vec<Upload>,
    ) -> Result<StoredCase> {
        let definition =
            self.definition(&stored.case.procedure, &stored.case.definition_version)?;
        let origin = Origin {
            created_by: stored.created_by,
            created_at: stored.created_at,
            number: stored.number,
            receipt: stored.receipt,
        };
        self.decide_and_write(definition, stored.case, actor, command, origin, uploads)
            .await
    }

    /// The outside facts the engine needs for this command on this case.
    async fn facts(
        &self,
        definition: &Definition,
        case: &Case,
        command: &Command,
    ) -> Result<CaseFacts> {
        let mut facts = CaseFacts {
            today: Some(self.today()),
            clock_dues: clock_dues(
                definition,
                case,
                &command.action,
                &self.calendar(),
                self.today(),
            ),
            calendar: Some(self.calendar()),
            ..Default::default()
        };
        let Some(action) = definition.action(&command.action) else {
            return Ok(facts);
        };
        for guard in &action.guards {
            for condition in std::iter::once(&guard.require).chain(guard.when.as_ref()) {
                let Condition::Certified {
                    field,
                    certificates,
                    ..
                } = condition
                else {
                    continue;
                };
                let value = command.fields.get(field).or(case.fields.get(field));
                let numbers = engine::certificate_numbers(value);
                for (number, certificate) in self
                    .store()
                    .cases_by_number(&case.region, certificates, &numbers)
                    .await?
                {
                    let definition =
                        self.definition(&certificate.procedure, &certificate.definition_version)?;
                    facts.certificates.insert(
                        number.clone(),
                        Certificate::of_case(definition, &certificate, &number),
                    );
                }
            }
        }
        if action.transfers_to.is_some() {
            facts.departments = Some(
                self.store()
                    .departments(Some(&case.region))
                    .await?
                    .into_iter()
                    .filter(|d| d.active)
                    .map(|d| d.id)
                    .collect(),
            );
        }
        if action.assigns_to.is_some() {
            let members = match &case.department {
                Some(department) => self.store().department_users(department).await?,
                None => Vec::new(),
            };
            facts.members = Some(members.into_iter().collect());
        }
        if case.version == 0
            && let Some(field) = &definition.number_field
            && let Some(number) = command.fields.get(field).and_then(Value::as_str)
            && self
                .store()
                .number_taken(&case.region, number.trim())
                .await?
        {
            facts.number_taken = Some(number.trim().to_string());
        }
        Ok(facts)
    }

    /// Decides a command with the engine and writes the step.
    async fn decide_and_write(
        &self,
        definition: &Definition,
        mut case: Case,
        actor: Actor<'_>,
        command: Command,
        mut origin: Origin,
        uploads: Vec<Upload>,
    ) -> Result<StoredCase> {
        let facts = self.facts(definition, &case, &command).await?;
        let step = engine::decide_with(definition, &case, actor, &command, &facts)?;
        self.check_attachments(definition, &case, &step.fields, &uploads)
            .await?;
        // Accepted: the files received with it are kept now (a refused step keeps none).
        let actor_text = actor_text(actor);
        for upload in uploads {
            self.store()
                .keep_upload(&case.region, &actor_text, upload)
                .await?;
        }
        let creating = case.version == 0;
        let before = case.version;
        let assignee_before = case.assignee.clone();
        engine::apply(definition, &mut case, &step);
        let handed_over = !creating && step.transfer.is_some();
        let calendar = self.calendar();
        let today = self.today();
        let columns = projection::columns(definition, &case, &calendar, today);
        if creating {
            origin.number = own_number(definition, &case);
        }
        let assigned = case.assignee != assignee_before;
        let notices = self.step_notices(
            definition,
            &case,
            &step,
            &origin,
            Moved {
                creating,
                handed_over,
                assigned,
                title: &columns.title,
                actor: &actor_text,
            },
        );
        let (notices, outbox) = crate::notices::resolve(self.store(), &notices).await?;
        let receipt = if creating {
            origin.receipt.as_deref()
        } else {
            None
        };
        let write = CaseWrite {
            events: vec![step_event(definition, &case, &step, &actor_text, receipt)],
            columns,
            creation: creating.then(|| Creation {
                created_by: actor_text.clone(),
                draw_number: number_to_draw(definition, &case, step.on),
                receipt: origin.receipt.clone(),
            }),
            expected_version: before,
            assignee_changed: assigned,
            number: origin.number.clone(),
            publications: projection::publications(definition, &case),
            notices,
            outbox,
            figures: self.figure_members(definition, &case),
            case,
        };
        let committed = match self.store().write_case(&write).await {
            Ok(committed) => committed,
            // Someone else's step landed between our read and our write.
            Err(StoreError::Conflict { expected, .. }) => {
                let actual = self
                    .store()
                    .case(&write.case.id)
                    .await?
                    .map(|c| c.case.version)
                    .unwrap_or(expected);
                return Err(Refusal::Stale { expected, actual }.into());
            }
            Err(e) => return Err(e.into()),
        };
        if committed.number.is_some() {
            origin.number = committed.number;
        }
        // The row as just written, without reading it back.
        Ok(StoredCase {
            title: write.columns.title,
            terminal: write.columns.terminal,
            next_due: write.columns.deadlines.next_due,
            created_by: origin.created_by,
            created_at: origin.created_at,
            updated_at: self.store().now(),
            number: origin.number,
            receipt: origin.receipt,
            case: write.case,
        })
    }

    /// Refuses a step whose attachments are neither received with it nor already the case's
    /// own (attached at an earlier step, or one of its generated documents): a file is never
    /// released to a case — or through it to its readers — on the strength of a hash alone.
    async fn check_attachments(
        &self,
        definition: &Definition,
        case: &Case,
        fields: &BTreeMap<String, Value>,
        uploads: &[Upload],
    ) -> Result<()> {
        // The step's fields as the engine normalised them: every reference is an object.
        for field in definition.fields.iter().filter(|f| f.holds_files()) {
            let Some(value) = fields.get(&field.code) else {
                continue;
            };
            for (sha256, name) in engine::attached_files(value) {
                if uploads.iter().any(|u| u.reference().sha256 == sha256) {
                    continue;
                }
                if case.version > 0 && self.case_file(&case.id, &sha256).await?.is_some() {
                    continue;
                }
                return Err(AppError::Invalid(format!(
                    "“{}”的附件“{}”不是随本次操作上传的文件，也不是本案件已有的文件",
                    field.label.zh,
                    if name.is_empty() { &sha256 } else { &name }
                )));
            }
        }
        Ok(())
    }

    /// A file the case holds — attached at any of its steps, or one of its generated
    /// documents — with the name it was attached under.
    pub async fn case_file(&self, case_id: &str, sha256: &str) -> Result<Option<CaseFile>> {
        let history = self.store().history(&format!("case:{case_id}")).await?;
        let attached = history
            .iter()
            .filter(|e| e.kind == "case.step" && e.payload.contains(sha256))
            .find_map(|e| {
                let payload: Value = serde_json::from_str(&e.payload).ok()?;
                payload["step"]["fields"]
                    .as_object()?
                    .values()
                    .flat_map(engine::attached_files)
                    .find(|(sha, _)| sha == sha256)
            });
        if let Some((sha256, name)) = attached {
            return Ok(Some(CaseFile { sha256, name }));
        }
        let documents = self.store().documents_of(case_id).await?;
        Ok(documents
            .iter()
            .find(|d| d.docx_sha256 == sha256 || d.html_sha256 == sha256)
            .map(|_| CaseFile {
                sha256: sha256.to_string(),
                name: String::new(),
            }))
    }

    /// Who hears of a step: the department of a case registered for it or handed over to it
    /// (not the one who acted), and the applicant of every change of state at the e-mail
    /// address they gave. A step recorded long after it happened is a record of the past, not
    /// news: nobody is told.
    fn step_notices(
        &self,
        definition: &Definition,
        case: &Case,
        step: &Step,
        origin: &Origin,
        moved: Moved<'_>,
    ) -> Vec<Notice> {
        let Moved {
            creating,
            handed_over,
            assigned,
            title,
            actor,
        } = moved;
        let mut notices = Vec::new();
        if step.on < self.today() - chrono::Duration::days(HISTORICAL_AFTER_DAYS) {
            return notices;
        }
        let told_of_state = step.from != step.to
            && definition
                .fields
                .iter()
                .any(|f| f.contact && case.fields.contains_key(&f.code));
        if !(creating || handed_over || assigned || told_of_state) {
            return notices;
        }
        let title = title.to_string();
        if (creating || handed_over)
            && let Some(department) = &case.department
        {
            notices.push(Notice::Department {
                department: department.clone(),
                except: actor.to_string(),
                kind: if creating {
                    NoticeKind::CaseCreated
                } else {
                    NoticeKind::CaseHandedOver
                },
                case_id: case.id.clone(),
                params: BTreeMap::from([
                    ("title", title.clone()),
                    ("procedure", definition.name.zh.clone()),
                    ("procedure_en", definition.name.get(true).to_string()),
                ]),
            });
        }
        // The person a case is assigned to hears of it (unless they assigned it to themselves).
        if assigned
            && let Some(user) = &case.assignee
            && format!("user:{user}") != actor
        {
            notices.push(Notice::Person {
                user_id: user.clone(),
                kind: NoticeKind::CaseAssigned,
                case_id: case.id.clone(),
                params: BTreeMap::from([
                    ("title", title.clone()),
                    ("procedure", definition.name.zh.clone()),
                    ("procedure_en", definition.name.get(true).to_string()),
                ]),
            });
        }
        if step.from != step.to {
            let state = definition.state_label(&case.state, false);
            for field in definition.fields.iter().filter(|f| f.contact) {
                if let Some(address) = case.fields.get(&field.code).and_then(Value::as_str)
                    && address.contains('@')
                {
                    notices.push(Notice::Outside {
                        channel: Channel::Email,
                        target: address.to_string(),
                        kind: NoticeKind::ApplicantStateChanged,
                        params: BTreeMap::from([
                            ("procedure", definition.name.zh.clone()),
                            ("procedure_en", definition.name.get(true).to_string()),
                            ("procedure_en", definition.name.get(true).to_string()),
                            ("state", state.to_string()),
                            (
                                "receipt",
                                origin.receipt.clone().unwrap_or_else(|| case.id.clone()),
                            ),
                            ("on", step.on.format("%Y-%m-%d").to_string()),
                            ("title", title.clone()),
                        ]),
                        payload: None,
                    });
                }
            }
        }
        notices
    }

    /// Handles the case's expired clocks: takes the action its definition names (as the
    /// system, effective the day after the last day), or records that the clock ran out.
    /// Idempotent: a clock whose expiry is handled is left. Returns how many were handled.
    pub async fn expire(&self, case_id: &str) -> Result<usize> {
        let Some(mut current) = self.store().case(case_id).await? else {
            return Ok(0);
        };
        let definition =
            self.definition(&current.case.procedure, &current.case.definition_version)?;
        let calendar = self.calendar();
        let today = self.today();
        let mut handled = 0;
        for (clock, expiry, effective) in
            engine::expired(definition, &current.case, &calendar, today)
        {
            if let Expiry::Action(action) = &expiry {
                let command = Command {
                    action: action.clone(),
                    expected_version: current.case.version,
                    fields: engine::expiry_fields(
                        definition,
                        &current.case,
                        &calendar,
                        &clock,
                        today,
                    ),
                    on: effective,
                };
                match self.act_on(Actor::System, current.clone(), command).await {
                    Ok(updated) => {
                        current = updated;
                        handled += 1;
                        continue;
                    }
                    Err(AppError::Refused(refusal)) => {
                        tracing::info!(case = case_id, %clock, %refusal, "expiry action not taken");
                    }
                    Err(e) => return Err(e),
                }
            }
            // Overdue only, or the action no longer applies: record the expiry itself.
            let mut case = current.case.clone();
            let before = case.version;
            engine::apply_expiry(&mut case, &clock);
            let event = NewEvent::new(
                case.region.clone(),
                Subject::new("case", &case.id),
                "case.clock_expired",
                "system",
                json!({"clock": clock, "effective": effective.format("%Y-%m-%d").to_string(), "procedure": definition.code}),
            );
            let write = CaseWrite {
                events: vec![event],
                columns: projection::columns(definition, &case, &calendar, today),
                creation: None,
                expected_version: before,
                assignee_changed: false,
                number: current.number.clone(),
                publications: None,
                notices: Vec::new(),
                outbox: Vec::new(),
                figures: self.figure_members(definition, &case),
                case,
            };
            match self.store().write_case(&write).await {
                Ok(_) => {
                    handled += 1;
                    current.case = write.case;
                }
                // Someone acted meanwhile: the next run looks again.
                Err(StoreError::Conflict { .. }) => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(handled)
    }

    /// A case's whole recorded history as one write, for loading histories in bulk (the
    /// benchmark's generated districts; ledgers entered after the fact). The engine decides
    /// every step in memory exactly as [`App::open`] and [`App::act`] would; the write holds
    /// one `case.step` event per step and the case's rows as they stand after the last one.
    /// Being a record of the past it notifies nobody. A refused step is returned with its
    /// index, and nothing is written. Guards that read outside facts (certificates) see none.
    pub fn history(
        &self,
        definition: &Definition,
        region: &RegionCode,
        department: Option<String>,
        steps: &[HistoryStep<'_>],
        certificates: &BTreeMap<(String, String), Certificate>,
    ) -> std::result::Result<CaseWrite, (usize, Refusal)> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let mut case = Case::new(&id, region.clone(), department, definition);
        let mut events = Vec::with_capacity(steps.len());
        let mut created_by = String::new();
        let calendar = self.calendar();
        let mut today = Recorded {
            today: self.today(),
            certificates,
            clock_dues: BTreeMap::new(),
            calendar: &calendar,
        };
        for (i, history) in steps.iter().enumerate() {
            today.clock_dues = clock_dues(definition, &case, history.action, &calendar, history.on);
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
            let step = engine::decide_with(definition, &case, history.actor, &command, &today)
                .map_err(|refusal| (i, refusal))?;
            engine::apply(definition, &mut case, &step);
            let actor = actor_text(history.actor);
            if i == 0 {
                created_by = actor.clone();
            }
            events.push(step_event(definition, &case, &step, &actor, None));
        }
        let number = own_number(definition, &case);
        let draw_number = match (&number, steps.first()) {
            (None, Some(first)) => number_to_draw(definition, &case, first.on),
            _ => None,
        };
        Ok(CaseWrite {
            events,
            columns: projection::columns(definition, &case, &self.calendar(), self.today()),
            creation: Some(Creation {
                created_by,
                draw_number,
                receipt: None,
            }),
            expected_version: 0,
            assignee_changed: false,
            number,
            publications: projection::publications(definition, &case),
            notices: Vec::new(),
            outbox: Vec::new(),
            figures: self.figure_members(definition, &case),
            case,
        })
    }

    /// Recomputes the deadline columns of every open case, and the report figures that judge
    /// lateness (after the calendar changed).
    pub async fn recompute_deadlines(&self) -> Result<usize> {
        let calendar = self.calendar();
        let today = self.today();
        let deadlines = self
            .store()
            .open_cases()
            .await?
            .into_iter()
            .filter_map(|case| {
                let definition = self
                    .procedures()
                    .get(&case.procedure, &case.definition_version)?;
                let d = projection::deadlines(definition, &case, &calendar, today);
                Some((case.id, d))
            })
            .collect();
        let n = self.store().set_deadlines(deadlines).await?;
        // Lateness is judged by the calendar too.
        self.refresh_dated_figures(true).await?;
        Ok(n)
    }
}

/// How a step moved the case among people (opened, handed to another department, assigned to
/// someone), by whom, and the case's title as its row now shows it.
#[derive(Debug, Clone, Copy)]
struct Moved<'a> {
    creating: bool,
    handed_over: bool,
    assigned: bool,
    title: &'a str,
    actor: &'a str,
}

/// What a case's later steps keep from its creation.
struct Origin {
    created_by: String,
    created_at: fazhi_core::Timestamp,
    number: Option<String>,
    receipt: Option<String>,
}
