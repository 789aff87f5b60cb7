//! Procedure definitions: the law as data.
//!
//! A definition file (TOML) names a procedure's fields, states, actions (who may take them,
//! from which states, which fields they need, their guards and legal basis) and statutory
//! clocks (what starts, pauses, resumes, restarts, extends and stops them, their length in
//! calendar days, working days or months, and what happens at expiry). [`Definition::parse`]
//! checks it completely and names the file and key of every mistake. A case keeps the version
//! it started under; a new version of the law is a new file, not new code.

use crate::calendar::Length;
use crate::org::Role;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

/// The state every case is in before its first action.
pub const NEW_STATE: &str = "new";
/// The role name of the system actor (timed actions at expiry).
pub const SYSTEM_ROLE: &str = "system";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Label {
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

impl Label {
    pub fn get(&self, english: bool) -> &str {
        if english && !self.en.is_empty() {
            &self.en
        } else {
            &self.zh
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FieldType {
    Text,
    LongText,
    Date,
    Datetime,
    Integer,
    Money,
    Enum,
    Party,
    Department,
    User,
    Region,
    Attachment,
    List,
    Boolean,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnumValue {
    pub code: String,
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

/// What a date field may hold, judged against the day of the step that enters it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DateRule {
    /// The day something happened (the default): not after the step's day, and not before
    /// the day the case began unless the field says `before_case = true`.
    #[default]
    Happened,
    /// A deadline or a day planned (补正期限, 履行期限, 听证日期 as scheduled): not before the
    /// step's day.
    Due,
    /// No rule of its own (a certificate's validity, which may begin before or after the day
    /// it is entered).
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Field {
    pub code: String,
    pub label: Label,
    pub kind: FieldType,
    /// For lists: the element type.
    pub of: Option<FieldType>,
    pub values: Vec<EnumValue>,
    /// Personal data: masked on public pages.
    pub personal: bool,
    /// An e-mail address of the applicant: told of every change of the case's state.
    pub contact: bool,
    pub help: String,
    /// For a date field: what it may hold against the day of the step.
    pub date_rule: DateRule,
    /// For a date that happened: it may precede the case (the day the applicant learnt of
    /// the act, the day of the violation, the day an online application was submitted).
    pub before_case: bool,
}

impl Field {
    /// Whether the field holds stored files (an attachment, or a list of them).
    pub fn holds_files(&self) -> bool {
        self.kind == FieldType::Attachment
            || (self.kind == FieldType::List && self.of == Some(FieldType::Attachment))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct State {
    pub code: String,
    pub label: Label,
    pub terminal: bool,
}

/// Whose cases an action's role may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Holders of the role in the case's department (the default).
    Department,
    /// Holders of the role anywhere in the case's region (e.g. the justice bureau's reviewers).
    Region,
}

/// A condition on a case, used by guards.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "if")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Condition {
    FieldIn {
        field: String,
        values: Vec<String>,
    },
    FieldPresent {
        field: String,
    },
    Taken {
        action: String,
    },
    NotTaken {
        action: String,
    },
    ClockRunning {
        clock: String,
    },
    /// The most recent of `among` that was taken is `is` (e.g. the last legal review passed).
    LastOf {
        among: Vec<String>,
        is: String,
    },
    /// At least `at_least` distinct certificates named in `field` (certificate numbers) are
    /// cases of the procedure `certificates` in the state `valid`, not past their
    /// `valid_until` on the action's day, and — with `covering` — list the value of that field
    /// of this case among their `scopes` (e.g. two officers certified for the case's field).
    Certified {
        field: String,
        at_least: u32,
        certificates: String,
        covering: Option<String>,
    },
    /// A number field lies within the bounds, both included (an integer; money in fen). A
    /// field not given is in no range.
    InRange {
        field: String,
        at_least: Option<i64>,
        at_most: Option<i64>,
    },
    /// A date field is not before (or not after) another date — a date field of the case or
    /// the action's day — moved by `plus_days` calendar days (e.g. a reply not before the
    /// request was received; a hearing not before the third day after the notice). A date not
    /// given compares with nothing, so the condition does not hold.
    DateOrder {
        field: String,
        order: Order,
        other: DateRef,
        plus_days: i64,
        /// Working days after the other date (counted with the official calendar, which the
        /// app hands the engine), for periods the law counts in working days (a hearing
        /// notified 七个工作日前).
        plus_working_days: u32,
    },
}

/// Which way a date comparison goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Order {
    /// The field's date is the other date or later.
    NotBefore,
    /// The field's date is the other date or earlier.
    NotAfter,
}

/// The date a date field is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DateRef {
    /// Another date field, of the case or given with the action.
    Field(String),
    /// The day the action takes effect (`on` in the definition).
    ActionDay,
    /// The last day of a clock of the case (`due:<clock>`): a party's act dated by itself —
    /// the day it was made or posted (期满前交邮的，不算过期) — is judged against the period,
    /// whatever day it is recorded.
    ClockDue(String),
}

/// The prefix that names a clock's last day in a date comparison (`not_after = "due:reply"`).
pub const CLOCK_DUE: &str = "due:";

/// The word that names the action's day in a date comparison (`not_after = "on"`).
pub const ACTION_DAY: &str = "on";

impl Condition {
    /// Whether the condition reads outside facts (certificates), which only guards are given.
    pub fn needs_facts(&self) -> bool {
        matches!(
            self,
            Condition::Certified { .. }
                | Condition::DateOrder {
                    other: DateRef::ClockDue(_),
                    ..
                }
                | Condition::DateOrder {
                    plus_working_days: 1..,
                    ..
                }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Guard {
    pub require: Condition,
    /// The guard applies only when this holds.
    pub when: Option<Condition>,
    /// What the refusal says; empty for a comparison (range or dates), whose refusal the
    /// engine words itself from the fields' labels and values.
    pub message: String,
    pub basis: String,
}

/// A state an action may lead to: the first target whose `when` holds is taken; the last has
/// no `when` and is taken otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub state: String,
    pub when: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    pub clock: String,
    pub by: Length,
    pub at_most: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    pub code: String,
    pub label: Label,
    pub from: Vec<String>,
    /// The states it leads to, in order: the first whose `when` holds (the last, without
    /// `when`, otherwise). One target for most actions (`to = "x"`).
    pub to: Vec<Target>,
    pub roles: Vec<String>,
    pub scope: Scope,
    pub needs: Vec<String>,
    pub may: Vec<String>,
    pub guards: Vec<Guard>,
    pub extends: Option<Extension>,
    /// A department field (among `needs`) naming the department the case moves to: the
    /// action hands the case over (e.g. the service hall registers, the competent department
    /// decides; a petition transferred to the body with the power to handle it).
    pub transfers_to: Option<String>,
    /// A `user` field (among `needs`) naming the member of the case's department the case is
    /// assigned to (承办人): they see it among their own cases and are told of it.
    pub assigns_to: Option<String>,
    /// An arithmetic rule of law the step must satisfy (see [`crate::rules`]).
    pub rule: Option<String>,
    pub basis: String,
}

impl Action {
    pub fn allows_system(&self) -> bool {
        self.roles.iter().any(|r| r == SYSTEM_ROLE)
    }

    pub fn creates(&self) -> bool {
        self.from.iter().any(|s| s == NEW_STATE)
    }

    /// Whether the actor holds one of the action's roles somewhere (where and in which
    /// department the engine judges on the case itself).
    pub fn open_to(&self, actor: crate::engine::Actor<'_>) -> bool {
        match actor {
            crate::engine::Actor::System => self.allows_system(),
            crate::engine::Actor::User(p) => self
                .roles
                .iter()
                .filter_map(|r| Role::parse(r))
                .any(|r| p.has_role(r)),
        }
    }

    /// Every field the action accepts.
    pub fn accepts(&self, field: &str) -> bool {
        self.needs.iter().chain(self.may.iter()).any(|f| f == field)
    }

    /// Whether the action keeps the case in the state it is taken in (`to = "="`): a record
    /// that may be made at any of several stages, such as an extension of the time limit.
    pub fn stays(&self) -> bool {
        self.to.is_empty()
    }

    /// Every state the action may lead to, each once, in the definition's order (for one that
    /// stays, the states it is taken in).
    pub fn targets(&self) -> Vec<&str> {
        if self.stays() {
            return self.from.iter().map(String::as_str).collect();
        }
        let mut out: Vec<&str> = Vec::new();
        for t in &self.to {
            if !out.contains(&t.state.as_str()) {
                out.push(&t.state);
            }
        }
        out
    }

    /// Whether the action may lead to `state`.
    pub fn leads_to(&self, state: &str) -> bool {
        if self.stays() {
            return self.from.iter().any(|f| f == state);
        }
        self.to.iter().any(|t| t.state == state)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ClockLength {
    Fixed(Length),
    /// The due date is the value of a date field (e.g. the deadline given for 补正).
    FromField(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Expiry {
    Overdue,
    Action(String),
}

/// The day a date field of the expiry action records, where the law dates what the expiry
/// means on another day than the one the system acts (deemed acceptance “as of the last day
/// of the review”, or “on receipt”).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExpiryDay {
    /// The last day of the period that ran out.
    LastDay,
    /// The day this run of the clock started (a receipt, or the receipt of supplements).
    ClockStart,
}

/// A date field the expiry action is given, and the day it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpiryDate {
    pub field: String,
    pub day: ExpiryDay,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    pub code: String,
    pub label: Label,
    pub length: ClockLength,
    pub starts: Vec<String>,
    /// A date field that, when given with the starting action, is the start date instead of
    /// the day the action was recorded (e.g. the receipt date by channel).
    pub start_field: Option<String>,
    /// A date field that, when given with a restarting action, is the day the clock starts
    /// afresh (e.g. the day the supplemented request was received), instead of the day the
    /// action was recorded.
    pub restart_field: Option<String>,
    /// Date fields that, given with a resuming action, are the day the pause ended (the day
    /// the opinion or the fee arrived, or a lapsed consultation's last day), instead of the
    /// day the action was recorded; the first one given counts.
    pub resume_fields: Vec<String>,
    pub pauses: Vec<String>,
    pub resumes: Vec<String>,
    pub restarts: Vec<String>,
    pub stops: Vec<String>,
    pub on_expiry: Expiry,
    /// With an expiry action: the date field it records and which day that is.
    pub expiry_date: Option<ExpiryDate>,
    /// Calendar days the system waits after the last day before it takes the expiry action,
    /// so that a party's act made in time but arriving later (posted before the end) can
    /// still be recorded; the action is dated the day after the last day all the same.
    pub expiry_grace_days: u32,
    /// Days before the due date at which the deadline turns yellow (临期).
    pub warn_days: u32,
    /// Whether a last day on a rest day moves to the next working day (a period, 民事诉讼法
    /// Art 85); not for a date printed on a document — a certificate valid until a Sunday
    /// ends that Sunday (`rolls = false`).
    pub rolls: bool,
    /// The clock starts (or restarts) only if this holds when its starting action is taken,
    /// read as guards read it: on the case with the action's fields (e.g. a time limit that
    /// the law sets only for requests received by post).
    pub when: Option<Condition>,
    pub basis: String,
}

/// How a personal field is shown when published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mask {
    /// Shown as it is (organisations' names, decisions).
    Full,
    /// A person's name: the family name and stars (张**).
    Name,
    /// A person's full name and nothing else of them (no ID number, no phone): for officials
    /// acting in office, such as enforcement officers with their certificate numbers.
    FullName,
    /// ID numbers: region and last four kept; credit codes are public and kept.
    Id,
    /// Phone numbers: 138****5678.
    Phone,
    /// Not shown at all.
    Hide,
}

/// What of a case the law requires to be published, after which action, by which clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publication {
    pub code: String,
    pub label: Label,
    /// The action after which the case is published.
    pub after: String,
    /// The clock within which it must be published (started by `after`), if any.
    pub within: Option<String>,
    pub fields: Vec<String>,
    /// Masking of fields; personal fields not listed are shown by [`Mask::Name`] for parties
    /// and hidden otherwise.
    pub mask: BTreeMap<String, Mask>,
    /// Actions that withdraw it (a decision revoked or changed).
    pub withdrawn_by: Vec<String>,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Definition {
    pub code: String,
    pub name: Label,
    pub version: String,
    pub effective: String,
    pub basis: String,
    pub counts_toward: Vec<String>,
    /// The template of the formal case number (案号), e.g. `"依申请公开〔{year}〕{seq}号"`:
    /// `{year}` is the year of registration, `{seq}` the case's sequence in that year and
    /// procedure, `{seq:3}` zero-padded to three digits. Without it a case has no number.
    pub number: Option<String>,
    /// A text field whose value is the case's number instead (e.g. an enforcement certificate's
    /// own number): unique in the region, and what other cases refer to it by.
    pub number_field: Option<String>,
    pub fields: Vec<Field>,
    pub states: Vec<State>,
    pub actions: Vec<Action>,
    pub clocks: Vec<Clock>,
    pub publications: Vec<Publication>,
    /// How the public applies online, if they may.
    pub online: Option<Online>,
    /// How scores are graded (`[grading]`), for actions with `rule = "case_file_score"`.
    pub grading: Option<Grading>,
    /// The official documents of the procedure (`[[documents]]`), each made from the template
    /// `documents/<code>.md` in the procedure's folder.
    pub documents: Vec<DocumentSpec>,
    /// What reports read of the procedure by name (`[roles]`): which action is a failed legal
    /// review, which clock is the publication period, which states mean "in force" … (see
    /// [`ROLES`]). A report selects procedures by their `counts_toward` tags and reads their
    /// parts by role, so a new procedure joins a report without Rust.
    pub roles: BTreeMap<String, Vec<String>>,
}

/// An official document a procedure issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentSpec {
    pub code: String,
    pub label: Label,
}

/// What a `[roles]` entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleOf {
    Action,
    Field,
    Clock,
    State,
    Document,
}

/// The roles a definition may give its parts, what each names, and what reads it.
pub const ROLES: &[(&str, RoleOf, &str)] = &[
    (
        "legal_review_failed",
        RoleOf::Action,
        "the action recording a failed legal review (法制审核未通过), counted by defect",
    ),
    (
        "legal_review_defects",
        RoleOf::Field,
        "the list-of-enum field of the defects a failed legal review found",
    ),
    (
        "publication",
        RoleOf::Clock,
        "the clock of a decision's publication (公示): running = not yet published",
    ),
    (
        "in_force",
        RoleOf::State,
        "the states in which the case's subject is in force (a valid certificate, a confirmed body, a published item)",
    ),
    (
        "evaluated_body",
        RoleOf::Field,
        "the department field naming the body whose case files are evaluated",
    ),
    (
        "certificate_holder",
        RoleOf::Field,
        "the party field naming a certificate's holder, as a `certified` guard reads it",
    ),
    (
        "certificate_scopes",
        RoleOf::Field,
        "the field of the fields a certificate covers (a `certified` guard's `covering`)",
    ),
    (
        "valid_until",
        RoleOf::Field,
        "the date field after which a certificate is no longer valid",
    ),
    (
        "applicant_clocks",
        RoleOf::Clock,
        "the time limits an applicant is told of when following the case (by their own names, while they run)",
    ),
    (
        "applicant_answer",
        RoleOf::Field,
        "the fields of the answer an applicant sees when following the case (its date, number, text)",
    ),
    (
        "applicant_documents",
        RoleOf::Document,
        "the documents sent to the applicant, which they may download when following the case (the latest of each)",
    ),
];

impl Definition {
    /// The codes a role names in this definition (empty if it gives the role to nothing).
    pub fn role(&self, role: &str) -> &[String] {
        self.roles.get(role).map(Vec::as_slice).unwrap_or_default()
    }

    /// The states in which a holder of `role` has an action open (a legal reviewer's: the
    /// states of a case sent for review), in the definition's order.
    pub fn states_open_to(&self, role: Role) -> Vec<&str> {
        self.states
            .iter()
            .map(|s| s.code.as_str())
            .filter(|state| {
                self.actions.iter().any(|a| {
                    a.from.iter().any(|f| f == state) && a.roles.iter().any(|r| r == role.code())
                })
            })
            .collect()
    }

    /// The one code a role names, if it names one.
    pub fn role_one(&self, role: &str) -> Option<&str> {
        self.role(role).first().map(String::as_str)
    }

    /// Whether the procedure counts toward a report tag.
    pub fn counts_for(&self, tag: &str) -> bool {
        self.counts_toward.iter().any(|t| t == tag)
    }
}

/// How a recorded score is graded, for an action's `rule = "case_file_score"` (案卷评查):
/// the total is the sum of the parts; a veto item gives its grade whatever the total;
/// otherwise the highest band the total reaches gives the grade. Local standards differ
/// (domain.md §8), so the bands and veto items are data, not code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grading {
    /// Integer fields whose sum is the total (e.g. form and content).
    pub parts: Vec<String>,
    /// The integer field recording the total.
    pub total: String,
    /// The enum field recording the grade.
    pub grade: String,
    /// Grades by the lowest total that reaches them, from the highest band down to one from 0.
    pub bands: Vec<Band>,
    /// Veto items (否决项): a list-of-enum field, every value of which is one.
    pub vetoes: Option<Veto>,
}

/// A grade and the lowest total that reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    pub grade: String,
    pub at_least: u32,
}

/// The field of veto items and the grade any one of them gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Veto {
    pub field: String,
    pub grade: String,
}

/// Online applications from the portal: the creating action the system takes for the
/// applicant, and what the application form says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Online {
    /// A creating action whose roles include `system`; its `needs` and `may` make the form
    /// (less `channel` and `received_on`, which the portal sets).
    pub action: String,
    /// What the form page tells the applicant before they start.
    pub intro: String,
    /// A word in the name of the department that usually receives these (e.g. “司法局”),
    /// preselected in the form; the applicant may choose another.
    pub receiver: String,
    /// Two or three capital letters that start receipt numbers (e.g. `GK`).
    pub receipt_prefix: String,
    /// When an online application counts as received: a rule of [`crate::receipt::RULES`].
    pub receipt: String,
    /// The kinds of body competent to receive these applications (the portal offers and
    /// accepts only them): administrative agencies unless the definition says otherwise — a
    /// street's mediation committee or a public institution is not where a disclosure
    /// request goes.
    pub receivers: Vec<crate::org::DepartmentKind>,
}

/// The bodies that receive online applications when a definition names none: the
/// administrative agencies.
pub const AGENCIES: &[crate::org::DepartmentKind] = &[
    crate::org::DepartmentKind::GovernmentOffice,
    crate::org::DepartmentKind::Department,
    crate::org::DepartmentKind::EnforcementBody,
    crate::org::DepartmentKind::ServiceHall,
    crate::org::DepartmentKind::StreetOffice,
];

/// A mistake in a definition: which file, where in it, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {at}: {message}")]
pub struct DefinitionError {
    pub file: String,
    pub at: String,
    pub message: String,
}

// ----- the file format -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    procedure: RawHeader,
    #[serde(default)]
    fields: BTreeMap<String, RawField>,
    states: BTreeMap<String, RawState>,
    actions: Vec<RawAction>,
    #[serde(default)]
    clocks: Vec<RawClock>,
    #[serde(default)]
    publications: Vec<RawPublication>,
    #[serde(default)]
    online: Option<RawOnline>,
    #[serde(default)]
    grading: Option<RawGrading>,
    #[serde(default)]
    documents: Vec<RawDocument>,
    #[serde(default)]
    roles: BTreeMap<String, RawCodes>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    code: String,
    zh: String,
    #[serde(default)]
    en: String,
}

/// One code or a list of codes.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawCodes {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrading {
    parts: Vec<String>,
    total: String,
    grade: String,
    bands: Vec<RawBand>,
    #[serde(default)]
    vetoes: Option<RawVeto>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    grade: String,
    at_least: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVeto {
    field: String,
    grade: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOnline {
    action: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    receiver: String,
    receipt_prefix: String,
    #[serde(default)]
    receipt: Option<String>,
    #[serde(default)]
    receivers: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublication {
    code: String,
    zh: String,
    #[serde(default)]
    en: String,
    after: String,
    #[serde(default)]
    within: Option<String>,
    fields: Vec<String>,
    #[serde(default)]
    mask: BTreeMap<String, Mask>,
    #[serde(default)]
    withdrawn_by: Vec<String>,
    #[serde(default)]
    basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    code: String,
    name: Label,
    version: String,
    effective: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    counts_toward: Vec<String>,
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    number_field: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    #[serde(rename = "type")]
    kind: FieldType,
    zh: String,
    #[serde(default)]
    en: String,
    #[serde(default)]
    of: Option<FieldType>,
    #[serde(default)]
    values: Vec<EnumValue>,
    #[serde(default)]
    personal: bool,
    #[serde(default)]
    contact: bool,
    #[serde(default)]
    help: String,
    #[serde(default)]
    date_rule: Option<DateRule>,
    #[serde(default)]
    before_case: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    zh: String,
    #[serde(default)]
    en: String,
    #[serde(default)]
    terminal: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    #[serde(default)]
    field: Option<String>,
    #[serde(default, rename = "in")]
    values: Option<Vec<String>>,
    #[serde(default)]
    present: Option<bool>,
    #[serde(default)]
    taken: Option<String>,
    #[serde(default)]
    not_taken: Option<String>,
    #[serde(default)]
    clock_running: Option<String>,
    #[serde(default)]
    last_of: Option<Vec<String>>,
    #[serde(default)]
    is: Option<String>,
    #[serde(default)]
    certified: Option<String>,
    #[serde(default)]
    at_least: Option<RawNumber>,
    #[serde(default)]
    at_most: Option<RawNumber>,
    #[serde(default)]
    certificates: Option<String>,
    #[serde(default)]
    covering: Option<String>,
    #[serde(default)]
    not_before: Option<String>,
    #[serde(default)]
    not_after: Option<String>,
    #[serde(default)]
    plus_days: Option<i64>,
    #[serde(default)]
    plus_working_days: Option<u32>,
}

/// A bound as written: an integer, or for money an amount in yuan (`12.5`, `"12.50"`).
#[derive(Deserialize, Clone, Debug)]
#[serde(untagged)]
enum RawNumber {
    Integer(i64),
    Decimal(f64),
    Text(String),
}

impl fmt::Display for RawNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawNumber::Integer(n) => write!(f, "{n}"),
            RawNumber::Decimal(x) => write!(f, "{x}"),
            RawNumber::Text(t) => write!(f, "\"{t}\""),
        }
    }
}

impl RawNumber {
    /// The bound in the unit the field keeps: integers as they are, money in fen from yuan
    /// with at most two decimals (as the forms take it).
    fn value(&self, kind: FieldType) -> Result<i64, String> {
        match (kind, self) {
            (FieldType::Integer, RawNumber::Integer(n)) => Ok(*n),
            (FieldType::Integer, _) => Err(format!("{self} is not an integer")),
            (FieldType::Money, RawNumber::Integer(n)) => n
                .checked_mul(100)
                .ok_or_else(|| format!("{self} is too large")),
            (FieldType::Money, RawNumber::Decimal(x)) => {
                let fen = (x * 100.0).round();
                if (x * 100.0 - fen).abs() > 1e-6 || fen.abs() > 1e15 {
                    return Err(format!(
                        "{self} is not an amount in yuan with at most two decimals"
                    ));
                }
                Ok(fen as i64)
            }
            (FieldType::Money, RawNumber::Text(t)) => {
                crate::engine::money_fen(&serde_json::Value::String(t.clone()))
                    .map_err(|_| format!("{self} is not an amount in yuan (\"12.50\")"))
            }
            _ => Err(format!("{self}: only integer and money fields have ranges")),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuard {
    #[serde(flatten)]
    require: RawCondition,
    #[serde(default)]
    when: Option<RawCondition>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    state: String,
    #[serde(default)]
    when: Option<RawCondition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    clock: String,
    by: String,
    at_most: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    code: String,
    zh: String,
    #[serde(default)]
    en: String,
    from: Vec<String>,
    /// A state, or a list of `{ state, when }` (read in `build`, to name each mistake's place).
    to: toml::Value,
    roles: Vec<String>,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    may: Vec<String>,
    #[serde(default)]
    guards: Vec<RawGuard>,
    #[serde(default)]
    extends: Option<RawExtension>,
    #[serde(default)]
    transfers_to: Option<String>,
    #[serde(default)]
    assigns_to: Option<String>,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    basis: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawExpiry {
    Word(String),
    Action {
        action: String,
        /// A date field the action is given (`date = "accepted_on"`)…
        #[serde(default)]
        date: Option<String>,
        /// …holding `last_day` or `clock_start`.
        #[serde(default)]
        as_of: Option<ExpiryDay>,
        /// Days the system waits after the last day (mail in transit).
        #[serde(default)]
        grace_days: u32,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClock {
    code: String,
    zh: String,
    #[serde(default)]
    en: String,
    #[serde(default)]
    length: Option<String>,
    #[serde(default)]
    length_from: Option<String>,
    starts: Vec<String>,
    #[serde(default)]
    start_field: Option<String>,
    #[serde(default)]
    restart_field: Option<String>,
    #[serde(default)]
    resume_fields: Vec<String>,
    #[serde(default)]
    pauses: Vec<String>,
    #[serde(default)]
    resumes: Vec<String>,
    #[serde(default)]
    restarts: Vec<String>,
    #[serde(default)]
    stops: Vec<String>,
    #[serde(default)]
    on_expiry: Option<RawExpiry>,
    #[serde(default)]
    warn_days: Option<u32>,
    #[serde(default)]
    rolls: Option<bool>,
    #[serde(default)]
    when: Option<RawCondition>,
    #[serde(default)]
    basis: String,
}

/// Days before a due date at which a deadline turns yellow, unless a clock says otherwise.
pub const DEFAULT_WARN_DAYS: u32 = 3;

struct Checker<'a> {
    file: &'a str,
    errors: Vec<DefinitionError>,
}

impl Checker<'_> {
    fn error(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.errors.push(DefinitionError {
            file: self.file.to_string(),
            at: at.into(),
            message: message.into(),
        });
    }
}

/// The `{field}` placeholders of a guard message, shown as the field's value when it fails.
pub fn placeholders(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        if is_code(name) {
            out.push(name.to_string());
        }
        rest = &rest[open + close + 1..];
    }
    out
}

/// Fills `{seq}` (or `{seq:N}`, zero-padded to N digits) in a number template.
pub fn fill_seq(template: &str, seq: i64) -> String {
    let mut out = template.to_string();
    if let Some(start) = out.find("{seq") {
        let end = start + out[start..].find('}').unwrap_or(0);
        let width: usize = out[start + 4..end]
            .strip_prefix(':')
            .and_then(|w| w.parse().ok())
            .unwrap_or(0);
        out.replace_range(start..=end, &format!("{seq:0width$}"));
    }
    out
}

/// A number template has exactly one `{seq}` (or `{seq:N}`, N from 1 to 9), at most one
/// `{year}`, and no other placeholder.
fn check_number_template(template: &str) -> Result<(), String> {
    let mut seqs = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("“{template}”: an unclosed {{"));
        };
        let name = &rest[open + 1..open + close];
        match name {
            "year" => {}
            "seq" => seqs += 1,
            _ if name
                .strip_prefix("seq:")
                .is_some_and(|w| w.len() == 1 && w.as_bytes()[0].is_ascii_digit() && w != "0") =>
            {
                seqs += 1
            }
            _ => {
                return Err(format!(
                    "“{template}”: unknown placeholder {{{name}}} (use {{year}} and {{seq}} or {{seq:3}})"
                ));
            }
        }
        rest = &rest[open + close + 1..];
    }
    if seqs != 1 {
        return Err(format!("“{template}” must contain {{seq}} exactly once"));
    }
    Ok(())
}

impl Definition {
    /// The formal case number for the `seq`-th case of `year`, if the procedure numbers its cases.
    pub fn case_number(&self, year: i32, seq: i64) -> Option<String> {
        Some(fill_seq(&self.number_template(year)?, seq))
    }

    /// The number template with the year filled in and `{seq}` still open (see [`fill_seq`]).
    pub fn number_template(&self, year: i32) -> Option<String> {
        Some(self.number.as_ref()?.replace("{year}", &year.to_string()))
    }

    /// Parses and checks a definition file. All mistakes are reported, each with its place.
    pub fn parse(file: &str, text: &str) -> Result<Definition, Vec<DefinitionError>> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            vec![DefinitionError {
                file: file.to_string(),
                at: e
                    .span()
                    .map(|s| format!("line {}", line_of(text, s.start)))
                    .unwrap_or_else(|| "file".into()),
                message: e.message().to_string(),
            }]
        })?;
        Definition::check(file, raw)
    }

    /// A definition from a file already read as TOML (an amending version applied to its
    /// base, [`crate::amend`]); errors name `file` but no line.
    pub fn from_table(file: &str, table: toml::Table) -> Result<Definition, Vec<DefinitionError>> {
        let raw: RawFile = table.try_into().map_err(|e: toml::de::Error| {
            vec![DefinitionError {
                file: file.to_string(),
                at: "file".into(),
                message: e.message().to_string(),
            }]
        })?;
        Definition::check(file, raw)
    }

    fn check(file: &str, raw: RawFile) -> Result<Definition, Vec<DefinitionError>> {
        let mut c = Checker {
            file,
            errors: Vec::new(),
        };
        let definition = build(raw, &mut c);
        if c.errors.is_empty() {
            Ok(definition)
        } else {
            Err(c.errors)
        }
    }

    pub fn field(&self, code: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.code == code)
    }

    pub fn state(&self, code: &str) -> Option<&State> {
        self.states.iter().find(|s| s.code == code)
    }

    pub fn action(&self, code: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.code == code)
    }

    pub fn clock(&self, code: &str) -> Option<&Clock> {
        self.clocks.iter().find(|c| c.code == code)
    }

    /// The label of a state, `新建` for the state before the first action.
    pub fn state_label(&self, code: &str, english: bool) -> String {
        match self.state(code) {
            Some(s) => s.label.get(english).to_string(),
            None if code == NEW_STATE => if english { "New" } else { "新建" }.to_string(),
            None => code.to_string(),
        }
    }

    pub fn is_terminal(&self, state: &str) -> bool {
        self.state(state).is_some_and(|s| s.terminal)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn build(raw: RawFile, c: &mut Checker<'_>) -> Definition {
    let h = raw.procedure;
    if !is_code(&h.code) {
        c.error(
            "procedure.code",
            format!(
                "“{}” is not a code (lower-case letters, digits and _)",
                h.code
            ),
        );
    }
    if chrono::NaiveDate::parse_from_str(&h.effective, "%Y-%m-%d").is_err() {
        c.error(
            "procedure.effective",
            format!("“{}” is not a date (YYYY-MM-DD)", h.effective),
        );
    }
    if h.version.trim().is_empty() {
        c.error("procedure.version", "the version is empty");
    }
    if let Some(template) = &h.number
        && let Err(message) = check_number_template(template)
    {
        c.error("procedure.number", message);
    }

    let mut fields = Vec::new();
    for (code, f) in raw.fields {
        let at = format!("fields.{code}");
        if !is_code(&code) {
            c.error(&at, "a field code must be lower-case letters, digits and _");
        }
        let choices = f.kind == FieldType::Enum
            || (f.kind == FieldType::List && f.of == Some(FieldType::Enum));
        if choices && f.values.is_empty() {
            c.error(&at, "an enum field (or a list of enum) needs `values`");
        }
        if !choices && !f.values.is_empty() {
            c.error(&at, "`values` is only for enum fields and lists of enum");
        }
        if f.kind == FieldType::List && f.of.is_none() {
            c.error(&at, "a list field needs `of` (the element type)");
        }
        if f.contact && f.kind != FieldType::Text {
            c.error(
                &at,
                "`contact` marks a text field holding an e-mail address",
            );
        }
        if matches!(f.of, Some(FieldType::List)) {
            c.error(&at, "`of` must not be a list");
        }
        let mut seen = BTreeSet::new();
        for v in &f.values {
            if !seen.insert(v.code.clone()) {
                c.error(&at, format!("the value “{}” is listed twice", v.code));
            }
        }
        if f.kind != FieldType::Date && (f.date_rule.is_some() || f.before_case) {
            c.error(&at, "`date_rule` and `before_case` are for date fields");
        }
        let date_rule = f.date_rule.unwrap_or_default();
        if f.before_case && date_rule != DateRule::Happened {
            c.error(
                &at,
                "`before_case` is for a date that happened (date_rule = \"happened\")",
            );
        }
        fields.push(Field {
            code,
            label: Label { zh: f.zh, en: f.en },
            kind: f.kind,
            of: f.of,
            values: f.values,
            personal: f.personal,
            contact: f.contact,
            help: f.help,
            date_rule,
            before_case: f.before_case,
        });
    }
    let field_kind = |code: &str| fields.iter().find(|f| f.code == code).map(|f| f.kind);

    let states: Vec<State> = raw
        .states
        .into_iter()
        .map(|(code, s)| State {
            code,
            label: Label { zh: s.zh, en: s.en },
            terminal: s.terminal,
        })
        .collect();
    for s in &states {
        if s.code == NEW_STATE {
            c.error(
                format!("states.{NEW_STATE}"),
                "“new” is the state before the first action; do not declare it",
            );
        }
    }
    let state_known = |s: &str| states.iter().any(|x| x.code == s);

    let action_codes: Vec<String> = raw.actions.iter().map(|a| a.code.clone()).collect();
    let clock_codes: Vec<String> = raw.clocks.iter().map(|k| k.code.clone()).collect();
    let mut actions = Vec::new();
    let mut unreadable_to = false;
    for (i, a) in raw.actions.into_iter().enumerate() {
        let at = format!("actions[{i}] ({})", a.code);
        if !is_code(&a.code) {
            c.error(
                &at,
                "an action code must be lower-case letters, digits and _",
            );
        }
        if action_codes.iter().filter(|x| **x == a.code).count() > 1
            && action_codes.iter().position(|x| *x == a.code) == Some(i)
        {
            c.error(&at, format!("the action code “{}” is used twice", a.code));
        }
        if a.from.is_empty() {
            c.error(format!("{at}.from"), "no state to take it from");
        }
        for s in &a.from {
            if s != NEW_STATE && !state_known(s) {
                c.error(format!("{at}.from"), format!("unknown state “{s}”"));
            }
        }
        let before = c.errors.len();
        let to = targets(&a.to, &at, c, &fields, &action_codes, &clock_codes);
        // A target that could not be read leads nowhere known: which states are reachable
        // is then unknown, and saying they are not would only bury the real mistake.
        let stays = a.to.as_str() == Some(STAYS);
        unreadable_to |= (!stays && to.len() != a.to.as_array().map_or(1, Vec::len))
            || c.errors[before..].iter().any(|e| e.at.ends_with(".to"));
        for (j, t) in to.iter().enumerate() {
            if !state_known(&t.state) {
                let place = if to.len() == 1 && a.to.is_str() {
                    format!("{at}.to")
                } else {
                    format!("{at}.to[{j}].state")
                };
                c.error(place, format!("unknown state “{}”", t.state));
            }
        }
        if a.roles.is_empty() {
            c.error(format!("{at}.roles"), "no role may take this action");
        }
        for r in &a.roles {
            if r != SYSTEM_ROLE && Role::parse(r).is_none() {
                c.error(
                    format!("{at}.roles"),
                    format!(
                        "unknown role “{r}” (roles: {}, or system)",
                        Role::ALL
                            .iter()
                            .map(|r| r.code())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        for f in a.needs.iter().chain(a.may.iter()) {
            if field_kind(f).is_none() {
                c.error(format!("{at}.needs"), format!("unknown field “{f}”"));
            }
        }
        let mut guards = Vec::new();
        for (g, raw_guard) in a.guards.into_iter().enumerate() {
            let gat = format!("{at}.guards[{g}]");
            let require = condition(
                &raw_guard.require,
                &gat,
                c,
                &fields,
                &action_codes,
                &clock_codes,
            );
            let when = raw_guard.when.as_ref().and_then(|w| {
                condition(
                    w,
                    &format!("{gat}.when"),
                    c,
                    &fields,
                    &action_codes,
                    &clock_codes,
                )
            });
            let message = raw_guard.message.unwrap_or_default();
            for name in placeholders(&message) {
                if !fields.iter().any(|f| f.code == name) {
                    c.error(
                        &gat,
                        format!("the message names an unknown field {{{name}}}"),
                    );
                }
            }
            // The refusal of a comparison can be worded from the fields' labels and values,
            // and a certificate's names each certificate that does not count; any other guard
            // must say in its own words what is wrong.
            let worded = matches!(
                require,
                Some(
                    Condition::InRange { .. }
                        | Condition::DateOrder { .. }
                        | Condition::Certified { .. }
                )
            );
            if message.trim().is_empty() && !worded && require.is_some() {
                c.error(
                    format!("{gat}.message"),
                    "a guard needs a message (only ranges, date comparisons and certificates may leave it out)",
                );
            }
            if let Some(require) = require {
                guards.push(Guard {
                    require,
                    when,
                    message,
                    basis: raw_guard.basis,
                });
            }
        }
        let extends = a.extends.and_then(|e| {
            if !clock_codes.contains(&e.clock) {
                c.error(
                    format!("{at}.extends.clock"),
                    format!("unknown clock “{}”", e.clock),
                );
            }
            match Length::parse(&e.by) {
                Ok(by) => Some(Extension {
                    clock: e.clock,
                    by,
                    at_most: e.at_most,
                }),
                Err(m) => {
                    c.error(format!("{at}.extends.by"), m);
                    None
                }
            }
        });
        if let Some(target) = &a.transfers_to {
            let is_department = fields
                .iter()
                .any(|f: &Field| &f.code == target && f.kind == FieldType::Department);
            if !is_department || !a.needs.contains(target) {
                c.error(
                    format!("{at}.transfers_to"),
                    format!("“{target}” must be a department field the action needs"),
                );
            }
            if a.from.iter().any(|f| f == NEW_STATE) {
                c.error(
                    format!("{at}.transfers_to"),
                    "the action that starts a case cannot hand it over",
                );
            }
        }
        if let Some(target) = &a.assigns_to {
            let is_user = fields
                .iter()
                .any(|f: &Field| &f.code == target && f.kind == FieldType::User);
            if !is_user || !a.needs.contains(target) {
                c.error(
                    format!("{at}.assigns_to"),
                    format!("“{target}” must be a user field the action needs"),
                );
            }
        }
        if let Some(rule) = &a.rule
            && !crate::rules::KNOWN.contains(&rule.as_str())
        {
            c.error(
                format!("{at}.rule"),
                format!(
                    "unknown rule “{rule}” (known: {})",
                    crate::rules::KNOWN.join(", ")
                ),
            );
        }
        actions.push(Action {
            code: a.code,
            label: Label { zh: a.zh, en: a.en },
            from: a.from,
            to,
            roles: a.roles,
            scope: a.scope.unwrap_or(Scope::Department),
            needs: a.needs,
            may: a.may,
            guards,
            extends,
            transfers_to: a.transfers_to,
            assigns_to: a.assigns_to,
            rule: a.rule,
            basis: a.basis,
        });
    }
    if !actions.iter().any(Action::creates) {
        c.error(
            "actions",
            "no action starts a case (none has from = [\"new\"])",
        );
    }

    let mut clocks = Vec::new();
    for (i, k) in raw.clocks.into_iter().enumerate() {
        let at = format!("clocks[{i}] ({})", k.code);
        if clock_codes.iter().filter(|x| **x == k.code).count() > 1
            && clock_codes.iter().position(|x| *x == k.code) == Some(i)
        {
            c.error(&at, format!("the clock code “{}” is used twice", k.code));
        }
        for (key, list) in [
            ("starts", &k.starts),
            ("pauses", &k.pauses),
            ("resumes", &k.resumes),
            ("restarts", &k.restarts),
            ("stops", &k.stops),
        ] {
            for a in list {
                if !action_codes.contains(a) {
                    c.error(format!("{at}.{key}"), format!("unknown action “{a}”"));
                }
            }
        }
        if k.starts.is_empty() {
            c.error(format!("{at}.starts"), "no action starts this clock");
        }
        if k.pauses.is_empty() != k.resumes.is_empty() {
            c.error(
                &at,
                "a clock that pauses must also say which actions resume it, and the reverse",
            );
        }
        let length = match (&k.length, &k.length_from) {
            (Some(text), None) => match Length::parse(text) {
                Ok(l) => Some(ClockLength::Fixed(l)),
                Err(m) => {
                    c.error(format!("{at}.length"), m);
                    None
                }
            },
            (None, Some(field)) => {
                if field_kind(field) != Some(FieldType::Date) {
                    c.error(
                        format!("{at}.length_from"),
                        format!("“{field}” is not a date field"),
                    );
                }
                Some(ClockLength::FromField(field.clone()))
            }
            _ => {
                c.error(
                    &at,
                    "give exactly one of `length` (e.g. \"20wd\") or `length_from` (a date field)",
                );
                None
            }
        };
        for (key, field) in [
            ("start_field", k.start_field.as_ref()),
            ("restart_field", k.restart_field.as_ref()),
        ]
        .into_iter()
        .chain(k.resume_fields.iter().map(|f| ("resume_fields", Some(f))))
        {
            if let Some(f) = field
                && field_kind(f) != Some(FieldType::Date)
            {
                c.error(format!("{at}.{key}"), format!("“{f}” is not a date field"));
            }
        }
        let mut expiry_date = None;
        let mut expiry_grace_days = 0;
        let on_expiry = match k.on_expiry {
            None => Expiry::Overdue,
            Some(RawExpiry::Word(w)) if w == "overdue" => Expiry::Overdue,
            Some(RawExpiry::Word(w)) => {
                c.error(
                    format!("{at}.on_expiry"),
                    format!("“{w}”: write \"overdue\" or {{ action = \"…\" }}"),
                );
                Expiry::Overdue
            }
            Some(RawExpiry::Action {
                action,
                date,
                as_of,
                grace_days,
            }) => {
                expiry_grace_days = grace_days;
                let taken = actions.iter().find(|a| a.code == action);
                match taken {
                    None => c.error(format!("{at}.on_expiry"), format!("unknown action “{action}”")),
                    Some(a) if !a.allows_system() => c.error(
                        format!("{at}.on_expiry"),
                        format!("the action “{action}” is taken at expiry by the system, so its roles must include \"system\""),
                    ),
                    Some(_) => {}
                }
                match (date, as_of) {
                    (None, None) => {}
                    (Some(field), Some(day)) => {
                        if field_kind(&field) != Some(FieldType::Date) {
                            c.error(
                                format!("{at}.on_expiry.date"),
                                format!("“{field}” is not a date field"),
                            );
                        } else if taken
                            .is_some_and(|a| !a.needs.contains(&field) && !a.may.contains(&field))
                        {
                            c.error(
                                format!("{at}.on_expiry.date"),
                                format!("the action “{action}” does not take “{field}” (add it to its `may`)"),
                            );
                        }
                        expiry_date = Some(ExpiryDate { field, day });
                    }
                    _ => c.error(
                        format!("{at}.on_expiry"),
                        "`date` and `as_of` go together: the field and which day it holds",
                    ),
                }
                Expiry::Action(action)
            }
        };
        let when = k.when.as_ref().and_then(|w| {
            let cond = condition(
                w,
                &format!("{at}.when"),
                c,
                &fields,
                &action_codes,
                &clock_codes,
            )?;
            // A clock starts as a step is applied, where no outside facts are at hand.
            if cond.needs_facts() {
                c.error(
                    format!("{at}.when"),
                    "a clock cannot depend on certificates (only guards may)",
                );
            }
            Some(cond)
        });
        if let Some(length) = length {
            clocks.push(Clock {
                code: k.code,
                label: Label { zh: k.zh, en: k.en },
                length,
                starts: k.starts,
                start_field: k.start_field,
                restart_field: k.restart_field,
                resume_fields: k.resume_fields,
                pauses: k.pauses,
                resumes: k.resumes,
                restarts: k.restarts,
                stops: k.stops,
                on_expiry,
                expiry_date,
                expiry_grace_days,
                warn_days: k.warn_days.unwrap_or(DEFAULT_WARN_DAYS),
                rolls: k.rolls.unwrap_or(true),
                when,
                basis: k.basis,
            });
        }
    }

    let mut publications = Vec::new();
    for (i, p) in raw.publications.into_iter().enumerate() {
        let at = format!("publications[{i}] ({})", p.code);
        if !action_codes.contains(&p.after) {
            c.error(
                format!("{at}.after"),
                format!("unknown action “{}”", p.after),
            );
        }
        for a in &p.withdrawn_by {
            if !action_codes.contains(a) {
                c.error(
                    format!("{at}.withdrawn_by"),
                    format!("unknown action “{a}”"),
                );
            }
        }
        if let Some(k) = &p.within {
            match clocks.iter().find(|x| &x.code == k) {
                None => c.error(format!("{at}.within"), format!("unknown clock “{k}”")),
                Some(clock) if !clock.starts.contains(&p.after) => c.error(
                    format!("{at}.within"),
                    format!("the clock “{k}” is not started by “{}”", p.after),
                ),
                Some(_) => {}
            }
        }
        for f in p.fields.iter().chain(p.mask.keys()) {
            if field_kind(f).is_none() {
                c.error(format!("{at}.fields"), format!("unknown field “{f}”"));
            }
        }
        for f in p.mask.keys() {
            if !p.fields.contains(f) {
                c.error(
                    format!("{at}.mask"),
                    format!("“{f}” is masked but not published"),
                );
            }
        }
        publications.push(Publication {
            code: p.code,
            label: Label { zh: p.zh, en: p.en },
            after: p.after,
            within: p.within,
            fields: p.fields,
            mask: p.mask,
            withdrawn_by: p.withdrawn_by,
            basis: p.basis,
        });
    }

    let online = raw.online.map(|o| {
        match actions.iter().find(|a| a.code == o.action) {
            None => c.error("online.action", format!("unknown action “{}”", o.action)),
            Some(a) if !a.creates() || !a.roles.iter().any(|r| r == "system") => c.error(
                "online.action",
                format!(
                    "“{}” must start a case (from [\"new\"]) and allow the role “system”",
                    o.action
                ),
            ),
            Some(a) => {
                if !a.needs.iter().any(|f| f == "applicant")
                    || fields
                        .iter()
                        .find(|f| f.code == "applicant")
                        .is_none_or(|f| f.kind != FieldType::Party)
                {
                    c.error(
                        "online.action",
                        "an online application needs a party field “applicant” (its phone or ID number opens the status page)",
                    );
                }
            }
        }
        let prefix_ok = (2..=3).contains(&o.receipt_prefix.len())
            && o.receipt_prefix.bytes().all(|b| b.is_ascii_uppercase());
        if !prefix_ok {
            c.error(
                "online.receipt_prefix",
                format!("“{}” must be 2 or 3 capital letters", o.receipt_prefix),
            );
        }
        let receipt = o
            .receipt
            .unwrap_or_else(|| crate::receipt::ARRIVAL_DAY.to_string());
        if !crate::receipt::RULES.iter().any(|(name, _)| *name == receipt) {
            let known: Vec<&str> = crate::receipt::RULES.iter().map(|(n, _)| *n).collect();
            c.error(
                "online.receipt",
                format!("unknown receipt rule “{receipt}” (known: {})", known.join(", ")),
            );
        }
        let receivers = match &o.receivers {
            None => AGENCIES.to_vec(),
            Some(codes) => codes
                .iter()
                .filter_map(|code| {
                    let kind = crate::org::DepartmentKind::parse(code);
                    if kind.is_none() {
                        c.error(
                            "online.receivers",
                            format!("unknown kind of body “{code}”"),
                        );
                    }
                    kind
                })
                .collect(),
        };
        Online {
            action: o.action,
            intro: o.intro,
            receiver: o.receiver,
            receipt_prefix: o.receipt_prefix,
            receipt,
            receivers,
        }
    });

    if let Some(f) = &h.number_field {
        if h.number.is_some() {
            c.error(
                "procedure.number_field",
                "use `number` or `number_field`, not both",
            );
        }
        let text = fields
            .iter()
            .any(|x| &x.code == f && x.kind == FieldType::Text);
        let needed = actions
            .iter()
            .filter(|a| a.creates())
            .all(|a| a.needs.contains(f));
        if !text || !needed {
            c.error(
                "procedure.number_field",
                format!("“{f}” must be a text field that every starting action needs"),
            );
        }
    }

    // Every declared state must be reachable from "new".
    let mut reached: BTreeSet<&str> = BTreeSet::from([NEW_STATE]);
    let mut queue: VecDeque<&str> = VecDeque::from([NEW_STATE]);
    while let Some(s) = queue.pop_front() {
        for a in actions.iter().filter(|a| a.from.iter().any(|f| f == s)) {
            for t in a.targets() {
                if reached.insert(t) {
                    queue.push_back(t);
                }
            }
        }
    }
    for s in &states {
        if !reached.contains(s.code.as_str()) && !unreadable_to {
            c.error(
                format!("states.{}", s.code),
                "unreachable: no action leads to this state",
            );
        }
        // A terminal state may only have records that keep it (service, performance, a
        // dispute later resolved): nothing reopens an ended case.
        if s.terminal
            && actions.iter().any(|a| {
                a.from.contains(&s.code) && !a.stays() && a.targets().iter().any(|t| *t != s.code)
            })
        {
            c.error(
                format!("states.{}", s.code),
                "a terminal state has actions leaving it (only actions back to it may follow)",
            );
        }
    }

    let grading = raw.grading.map(|g| grading(g, c, &fields));

    let mut documents: Vec<DocumentSpec> = Vec::new();
    for (i, d) in raw.documents.into_iter().enumerate() {
        let at = format!("documents[{i}] ({})", d.code);
        if !is_code(&d.code) {
            c.error(
                format!("{at}.code"),
                "a document code must be lower-case letters, digits and _",
            );
        }
        if documents.iter().any(|o| o.code == d.code) {
            c.error(format!("{at}.code"), "the document is listed twice");
        }
        if d.zh.trim().is_empty() {
            c.error(format!("{at}.zh"), "the document has no name");
        }
        documents.push(DocumentSpec {
            code: d.code,
            label: Label { zh: d.zh, en: d.en },
        });
    }

    let mut roles = BTreeMap::new();
    for (role, codes) in raw.roles {
        let at = format!("roles.{role}");
        let codes = match codes {
            RawCodes::One(code) => vec![code],
            RawCodes::Many(codes) => codes,
        };
        let Some((_, of, _)) = ROLES.iter().find(|(name, _, _)| *name == role) else {
            let known: Vec<&str> = ROLES.iter().map(|(name, _, _)| *name).collect();
            c.error(&at, format!("unknown role (known: {})", known.join(", ")));
            continue;
        };
        if codes.is_empty() {
            c.error(&at, "names nothing");
        }
        for code in &codes {
            let known = match of {
                RoleOf::Action => actions.iter().any(|a| &a.code == code),
                RoleOf::Field => fields.iter().any(|f| &f.code == code),
                RoleOf::Clock => clocks.iter().any(|k| &k.code == code),
                RoleOf::State => states.iter().any(|s| &s.code == code),
                RoleOf::Document => documents.iter().any(|d| &d.code == code),
            };
            if !known {
                let what = match of {
                    RoleOf::Action => "action",
                    RoleOf::Field => "field",
                    RoleOf::Clock => "clock",
                    RoleOf::State => "state",
                    RoleOf::Document => "document",
                };
                c.error(&at, format!("unknown {what} “{code}”"));
            }
        }
        roles.insert(role, codes);
    }

    let definition = Definition {
        code: h.code,
        name: h.name,
        version: h.version,
        effective: h.effective,
        basis: h.basis,
        counts_toward: h.counts_toward,
        number: h.number,
        number_field: h.number_field,
        fields,
        states,
        actions,
        clocks,
        publications,
        online,
        grading,
        documents,
        roles,
    };
    // What a rule needs of the definition (the grading it reads), once the rest is known.
    for (i, a) in definition.actions.iter().enumerate() {
        if let Some(rule) = &a.rule
            && crate::rules::KNOWN.contains(&rule.as_str())
            && let Err(message) = crate::rules::check_definition(rule, &definition)
        {
            c.error(format!("actions[{i}] ({}).rule", a.code), message);
        }
    }
    definition
}

/// `[grading]`: the fields it names exist with the right types, and the bands run from the
/// highest down to one from 0, each a value of the grade field.
fn grading(g: RawGrading, c: &mut Checker<'_>, fields: &[Field]) -> Grading {
    let field = |code: &str| fields.iter().find(|f| f.code == code);
    let need = |c: &mut Checker<'_>, key: &str, code: &str, ok: bool, what: &str| {
        if field(code).is_none() {
            c.error(format!("grading.{key}"), format!("unknown field “{code}”"));
        } else if !ok {
            c.error(format!("grading.{key}"), format!("“{code}” is not {what}"));
        }
    };
    let integer = |code: &str| field(code).is_some_and(|f| f.kind == FieldType::Integer);
    if g.parts.is_empty() {
        c.error("grading.parts", "no score fields to add up");
    }
    for p in &g.parts {
        need(c, "parts", p, integer(p), "an integer field");
    }
    need(c, "total", &g.total, integer(&g.total), "an integer field");
    let grade_field = field(&g.grade).filter(|f| f.kind == FieldType::Enum);
    need(c, "grade", &g.grade, grade_field.is_some(), "an enum field");
    let is_grade = |code: &str| grade_field.is_none_or(|f| f.values.iter().any(|v| v.code == code));
    if g.bands.is_empty() {
        c.error("grading.bands", "no bands");
    }
    for (i, b) in g.bands.iter().enumerate() {
        if !is_grade(&b.grade) {
            c.error(
                format!("grading.bands[{i}].grade"),
                format!("“{}” is not a value of “{}”", b.grade, g.grade),
            );
        }
        if g.bands[..i].iter().any(|x| x.grade == b.grade) {
            c.error(
                format!("grading.bands[{i}].grade"),
                format!("“{}” has two bands", b.grade),
            );
        }
        if i > 0 && b.at_least >= g.bands[i - 1].at_least {
            c.error(
                format!("grading.bands[{i}].at_least"),
                "bands go from the highest down: each starts below the one before",
            );
        }
    }
    if g.bands.last().is_some_and(|b| b.at_least != 0) {
        c.error(
            format!("grading.bands[{}].at_least", g.bands.len() - 1),
            "the lowest band starts at 0, so that every total has a grade",
        );
    }
    if let Some(v) = &g.vetoes {
        let list_of_enum = field(&v.field)
            .is_some_and(|f| f.kind == FieldType::List && f.of == Some(FieldType::Enum));
        need(c, "vetoes.field", &v.field, list_of_enum, "a list of enum");
        if !is_grade(&v.grade) {
            c.error(
                "grading.vetoes.grade",
                format!("“{}” is not a value of “{}”", v.grade, g.grade),
            );
        }
    }
    Grading {
        parts: g.parts,
        total: g.total,
        grade: g.grade,
        bands: g
            .bands
            .into_iter()
            .map(|b| Band {
                grade: b.grade,
                at_least: b.at_least,
            })
            .collect(),
        vetoes: g.vetoes.map(|v| Veto {
            field: v.field,
            grade: v.grade,
        }),
    }
}

/// The `to` of an action that keeps the case in the state it is taken in.
pub const STAYS: &str = "=";

/// An action's `to`: a state, `"="` (it stays), or a list of `{ state, when }` whose last has no
/// `when`.
fn targets(
    raw: &toml::Value,
    at: &str,
    c: &mut Checker<'_>,
    fields: &[Field],
    actions: &[String],
    clocks: &[String],
) -> Vec<Target> {
    let list = match raw {
        toml::Value::String(stays) if stays == STAYS => return Vec::new(),
        toml::Value::String(state) => {
            return vec![Target {
                state: state.clone(),
                when: None,
            }];
        }
        toml::Value::Array(list) if !list.is_empty() => list,
        _ => {
            c.error(
                format!("{at}.to"),
                "write a state (\"decided\") or a list of { state = \"…\", when = { … } } whose last has no `when`",
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (j, item) in list.iter().enumerate() {
        let tat = format!("{at}.to[{j}]");
        let raw: RawTarget = match item.clone().try_into() {
            Ok(t) => t,
            Err(e) => {
                c.error(&tat, e.message().to_string());
                continue;
            }
        };
        let last = j + 1 == list.len();
        let when = match (&raw.when, last) {
            (Some(w), false) => {
                let cond = condition(w, &format!("{tat}.when"), c, fields, actions, clocks);
                // The store looks up certificates for guards only.
                if cond.as_ref().is_some_and(Condition::needs_facts) {
                    c.error(
                        format!("{tat}.when"),
                        "a target cannot be chosen by certificates (only guards may read them)",
                    );
                }
                cond
            }
            (None, false) => {
                c.error(
                    &tat,
                    "every target but the last needs `when` (the last is taken otherwise)",
                );
                None
            }
            (Some(_), true) => {
                c.error(
                    &tat,
                    "the last target has no `when`: it is taken when no other applies",
                );
                None
            }
            (None, true) => None,
        };
        out.push(Target {
            state: raw.state,
            when,
        });
    }
    out
}

fn condition(
    raw: &RawCondition,
    at: &str,
    c: &mut Checker<'_>,
    fields: &[Field],
    actions: &[String],
    clocks: &[String],
) -> Option<Condition> {
    let check_field = |f: &str, c: &mut Checker<'_>| {
        // A party's kind is named `<party field>.kind` (a person or an organisation).
        let known = match f.split_once('.') {
            Some((party, "kind")) => fields
                .iter()
                .any(|x| x.code == party && x.kind == FieldType::Party),
            Some(_) => false,
            None => fields.iter().any(|x| x.code == f),
        };
        if !known {
            c.error(at, format!("the guard names an unknown field “{f}”"));
        }
    };
    let check_action = |a: &str, c: &mut Checker<'_>| {
        if !actions.iter().any(|x| x == a) {
            c.error(at, format!("the guard names an unknown action “{a}”"));
        }
    };
    let kind_of = |f: &str| fields.iter().find(|x| x.code == f).map(|x| x.kind);
    // One condition says one thing: keys of two forms together (a range and a list of
    // values, say) would leave one of them silently unread.
    let ranged = raw.certified.is_none() && (raw.at_least.is_some() || raw.at_most.is_some());
    let dated = raw.not_before.is_some() || raw.not_after.is_some();
    let forms = [
        ("in", raw.values.is_some()),
        ("present", raw.present.is_some()),
        ("at_least/at_most", ranged),
        ("not_before/not_after", dated),
        ("taken", raw.taken.is_some()),
        ("not_taken", raw.not_taken.is_some()),
        ("clock_running", raw.clock_running.is_some()),
        ("last_of", raw.last_of.is_some()),
        ("certified", raw.certified.is_some()),
    ];
    let given: Vec<&str> = forms.iter().filter(|(_, g)| *g).map(|(k, _)| *k).collect();
    if given.len() > 1 {
        c.error(
            at,
            format!(
                "a condition has one form; this one has {}",
                given.join(" and ")
            ),
        );
        return None;
    }
    if raw.plus_days.is_some() && !dated {
        c.error(
            at,
            "`plus_days` belongs to a date comparison (not_before / not_after)",
        );
    }
    let cond = match raw {
        RawCondition {
            field: Some(f),
            values: Some(v),
            ..
        } => {
            check_field(f, c);
            Condition::FieldIn {
                field: f.clone(),
                values: v.clone(),
            }
        }
        RawCondition {
            field: Some(f),
            present: Some(true),
            ..
        } => {
            check_field(f, c);
            Condition::FieldPresent { field: f.clone() }
        }
        RawCondition { field: Some(f), .. } if ranged => {
            let kind = kind_of(f);
            let kind = match kind {
                None => {
                    check_field(f, c);
                    return None;
                }
                Some(k @ (FieldType::Integer | FieldType::Money)) => k,
                Some(_) => {
                    c.error(
                        at,
                        format!("“{f}” is not an integer or money field, so it has no range"),
                    );
                    return None;
                }
            };
            let bound = |key: &str, raw: &Option<RawNumber>, c: &mut Checker<'_>| {
                raw.as_ref().and_then(|n| match n.value(kind) {
                    Ok(v) => Some(v),
                    Err(m) => {
                        c.error(format!("{at}.{key}"), m);
                        None
                    }
                })
            };
            let at_least = bound("at_least", &raw.at_least, c);
            let at_most = bound("at_most", &raw.at_most, c);
            if let (Some(lo), Some(hi)) = (at_least, at_most)
                && lo > hi
            {
                c.error(
                    at,
                    "at_least is more than at_most: no value lies in the range",
                );
            }
            Condition::InRange {
                field: f.clone(),
                at_least,
                at_most,
            }
        }
        RawCondition { field: Some(f), .. } if dated => {
            let (order, other) = match (&raw.not_before, &raw.not_after) {
                (Some(o), None) => (Order::NotBefore, o),
                (None, Some(o)) => (Order::NotAfter, o),
                _ => {
                    c.error(
                        at,
                        "give one of not_before or not_after (two comparisons are two guards)",
                    );
                    return None;
                }
            };
            if other == ACTION_DAY && kind_of(ACTION_DAY).is_some() {
                c.error(
                    at,
                    "“on” is the action's day in a comparison, so a field may not be called “on”",
                );
            }
            let due_of = other.strip_prefix(CLOCK_DUE);
            if let Some(clock) = due_of
                && !clocks.iter().any(|k| k == clock)
            {
                c.error(
                    at,
                    format!("the comparison names an unknown clock “{clock}”"),
                );
            }
            for name in [f.as_str()]
                .into_iter()
                .chain(Some(other.as_str()).filter(|o| *o != ACTION_DAY && due_of.is_none()))
            {
                match kind_of(name) {
                    None => check_field(name, c),
                    Some(FieldType::Date) => {}
                    Some(_) => c.error(at, format!("“{name}” is not a date field")),
                }
            }
            Condition::DateOrder {
                field: f.clone(),
                order,
                other: if other == ACTION_DAY {
                    DateRef::ActionDay
                } else if let Some(clock) = due_of {
                    DateRef::ClockDue(clock.to_string())
                } else {
                    DateRef::Field(other.clone())
                },
                plus_days: raw.plus_days.unwrap_or(0),
                plus_working_days: raw.plus_working_days.unwrap_or(0),
            }
        }
        RawCondition { taken: Some(a), .. } => {
            check_action(a, c);
            Condition::Taken { action: a.clone() }
        }
        RawCondition {
            not_taken: Some(a), ..
        } => {
            check_action(a, c);
            Condition::NotTaken { action: a.clone() }
        }
        RawCondition {
            clock_running: Some(k),
            ..
        } => {
            if !clocks.contains(k) {
                c.error(at, format!("the guard names an unknown clock “{k}”"));
            }
            Condition::ClockRunning { clock: k.clone() }
        }
        RawCondition {
            last_of: Some(among),
            is: Some(is),
            ..
        } => {
            for a in among {
                check_action(a, c);
            }
            if !among.contains(is) {
                c.error(at, format!("“{is}” is not among last_of"));
            }
            Condition::LastOf {
                among: among.clone(),
                is: is.clone(),
            }
        }
        RawCondition {
            certified: Some(f),
            certificates: Some(procedure),
            ..
        } => {
            check_field(f, c);
            if let Some(cover) = &raw.covering {
                check_field(cover, c);
            }
            if !is_code(procedure) {
                c.error(at, format!("“{procedure}” is not a procedure code"));
            }
            let at_least = match &raw.at_least {
                None => 1,
                Some(RawNumber::Integer(n)) if *n >= 1 && *n <= i64::from(u32::MAX) => *n as u32,
                Some(other) => {
                    c.error(
                        format!("{at}.at_least"),
                        format!("{other}: the number of certificates is a whole number from 1"),
                    );
                    1
                }
            };
            Condition::Certified {
                field: f.clone(),
                at_least,
                certificates: procedure.clone(),
                covering: raw.covering.clone(),
            }
        }
        _ => {
            c.error(
                at,
                "a guard needs one of: field + in, field + present = true, field + at_least and/or at_most, field + not_before or not_after (a date field, or \"on\" for the action's day; optional plus_days), taken, not_taken, clock_running, last_of + is, certified + certificates",
            );
            return None;
        }
    };
    Some(cond)
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::FieldIn { field, values } => write!(f, "{field} ∈ {values:?}"),
            Condition::FieldPresent { field } => write!(f, "{field} given"),
            Condition::Taken { action } => write!(f, "{action} taken"),
            Condition::NotTaken { action } => write!(f, "{action} not taken"),
            Condition::ClockRunning { clock } => write!(f, "{clock} running"),
            Condition::LastOf { among, is } => write!(f, "last of {among:?} is {is}"),
            Condition::Certified {
                field, at_least, ..
            } => write!(f, "{at_least} valid certificates in {field}"),
            Condition::InRange {
                field,
                at_least,
                at_most,
            } => match (at_least, at_most) {
                (Some(lo), Some(hi)) => write!(f, "{lo} ≤ {field} ≤ {hi}"),
                (Some(lo), None) => write!(f, "{field} ≥ {lo}"),
                (None, Some(hi)) => write!(f, "{field} ≤ {hi}"),
                (None, None) => write!(f, "{field} any"),
            },
            Condition::DateOrder {
                field,
                order,
                other,
                plus_days,
                plus_working_days,
            } => {
                let sign = match order {
                    Order::NotBefore => "≥",
                    Order::NotAfter => "≤",
                };
                let due;
                let other = match other {
                    DateRef::Field(o) => o.as_str(),
                    DateRef::ActionDay => ACTION_DAY,
                    DateRef::ClockDue(k) => {
                        due = format!("{CLOCK_DUE}{k}");
                        due.as_str()
                    }
                };
                if *plus_working_days > 0 {
                    return write!(f, "{field} {sign} {other} + {plus_working_days}wd");
                }
                match plus_days {
                    0 => write!(f, "{field} {sign} {other}"),
                    d if *d > 0 => write!(f, "{field} {sign} {other} + {d}d"),
                    d => write!(f, "{field} {sign} {other} - {}d", d.unsigned_abs()),
                }
            }
        }
    }
}

/// All loaded definitions, every version of every procedure.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    definitions: Vec<Definition>,
}

/// An amending source as a whole file: its amendments applied to the version it amends
/// (resolved the same way, at most a few deep), with the name errors cite; None for a source
/// that amends nothing.
fn resolve_amendment(
    name: &str,
    text: &str,
    sources: &[(String, String)],
    depth: usize,
) -> Result<Option<(String, toml::Table)>, Vec<DefinitionError>> {
    let error = |at: &str, message: String| {
        vec![DefinitionError {
            file: name.to_string(),
            at: at.to_string(),
            message,
        }]
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!("line {}", line_of(text, s.start)))
            .unwrap_or_else(|| "file".into());
        error(&at, e.message().to_string())
    })?;
    let Some(base_version) = crate::amend::amended_version(&table) else {
        return Ok(None);
    };
    if depth > 4 {
        return Err(error(
            "procedure.amends",
            "amendments nest too deep (a cycle?)".into(),
        ));
    }
    let code = table
        .get("procedure")
        .and_then(|p| p.get("code"))
        .and_then(toml::Value::as_str)
        .unwrap_or_default();
    let header_of = |text: &str| -> Option<(String, String)> {
        let t: toml::Table = toml::from_str(text).ok()?;
        let p = t.get("procedure")?;
        Some((
            p.get("code")?.as_str()?.to_string(),
            p.get("version")?.as_str()?.to_string(),
        ))
    };
    // Only a source that mentions the code and the version can be the base: read no other.
    let Some((base_name, base_text)) = sources.iter().rev().find(|(n, t)| {
        n != name
            && t.contains(code)
            && t.contains(base_version)
            && header_of(t).is_some_and(|(c, v)| c == code && v == base_version)
    }) else {
        return Err(error(
            "procedure.amends",
            format!("no version “{base_version}” of “{code}” to amend"),
        ));
    };
    let base = match resolve_amendment(base_name, base_text, sources, depth + 1)? {
        Some((_, base)) => base,
        None => toml::from_str(base_text).map_err(|e: toml::de::Error| {
            error("procedure.amends", format!("{base_name}: {}", e.message()))
        })?,
    };
    let merged = crate::amend::apply(name, &base, &table)?;
    Ok(Some((format!("{name} (amending {base_name})"), merged)))
}

impl Registry {
    /// Every (procedure, state) in which a holder of `role` has an action open, over every
    /// version: what a legal reviewer is sent.
    pub fn states_open_to(&self, role: Role) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for d in &self.definitions {
            for state in d.states_open_to(role) {
                let pair = (d.code.clone(), state.to_string());
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
        out
    }

    /// Parses every source (name, text). Later sources replace earlier ones with the same code
    /// and version, so a folder of files can override the embedded ones.
    ///
    /// A source that amends another version (`[procedure] amends`, [`crate::amend`]) is applied
    /// to the last source of that code and version, itself resolved first.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Registry, Vec<DefinitionError>> {
        let mut definitions: Vec<Definition> = Vec::new();
        let mut errors = Vec::new();
        for (name, text) in sources {
            let amended = if text.contains(crate::amend::AMENDS) {
                resolve_amendment(name, text, sources, 0)
            } else {
                Ok(None)
            };
            let read = match amended {
                Ok(Some((file, table))) => Definition::from_table(&file, table),
                Ok(None) => Definition::parse(name, text),
                Err(e) => Err(e),
            };
            match read {
                Ok(d) => {
                    definitions.retain(|x| !(x.code == d.code && x.version == d.version));
                    definitions.push(d);
                }
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            definitions.sort_by(|a, b| (&a.code, &a.effective).cmp(&(&b.code, &b.effective)));
            Ok(Registry { definitions })
        } else {
            Err(errors)
        }
    }

    /// Every definition, every version.
    pub fn all(&self) -> &[Definition] {
        &self.definitions
    }

    pub fn get(&self, code: &str, version: &str) -> Option<&Definition> {
        self.definitions
            .iter()
            .find(|d| d.code == code && d.version == version)
    }

    /// The version a case begun on `on` runs under: the latest already in effect that day.
    /// None when no version of the procedure was in force yet — a case is never silently run
    /// under a law made after it began.
    pub fn in_force(&self, code: &str, on: chrono::NaiveDate) -> Option<&Definition> {
        let on = on.format("%Y-%m-%d").to_string();
        self.definitions
            .iter()
            .rev()
            .find(|d| d.code == code && d.effective <= on)
    }

    /// The version new cases start under on `on`, or — for listing a procedure on a day before
    /// any of its versions took effect — its first version.
    pub fn current(&self, code: &str, on: chrono::NaiveDate) -> Option<&Definition> {
        self.in_force(code, on)
            .or_else(|| self.definitions.iter().find(|d| d.code == code))
    }

    /// The current version of every procedure, by code.
    pub fn procedures(&self, on: chrono::NaiveDate) -> Vec<&Definition> {
        let mut codes: Vec<&str> = self.definitions.iter().map(|d| d.code.as_str()).collect();
        codes.dedup();
        codes
            .into_iter()
            .filter_map(|c| self.current(c, on))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }
}
