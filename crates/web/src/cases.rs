//! What every procedure's cases share on screen and in the API: a case with its clocks (due
//! date, status, and how the due date was computed) and the actions the viewer may take now.
//! Written once for all procedures, from their definitions.

use crate::AppState;
use crate::error::WebError;
use fazhi_core::authz::Principal;
use fazhi_core::engine::{self, Actor, ClockStatus, DeadlineStatus, Refusal};
use fazhi_core::procedure::Definition;
use fazhi_core::region::RegionCode;
use fazhi_store::cases::StoredCase;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub code: String,
    pub label: String,
    pub status: ClockStatus,
    pub status_label: String,
    pub started_on: String,
    /// The due date, if it can be computed (a year without calendar data cannot).
    pub due: Option<String>,
    /// The due date reaches a year whose official holidays are not entered yet: counted with
    /// weekends only, and recomputed once they are.
    pub provisional: bool,
    /// `normal`, `due_soon` or `overdue` while the clock runs.
    pub deadline: Option<String>,
    pub basis: String,
    /// How the due date was computed, one step per line (Chinese).
    pub explanation: Vec<String>,
    pub extensions: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionView {
    pub code: String,
    pub label: String,
    pub needs: Vec<String>,
    pub may: Vec<String>,
    pub basis: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: String,
    pub procedure: String,
    pub procedure_name: String,
    pub definition_version: String,
    pub region: String,
    pub department: Option<String>,
    /// The formal case number (案号), if the procedure numbers its cases.
    pub number: Option<String>,
    /// The receipt number given to an online applicant.
    pub receipt: Option<String>,
    pub title: String,
    pub state: String,
    pub state_label: String,
    pub terminal: bool,
    pub version: i64,
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Value>,
    pub taken: Vec<String>,
    pub clocks: Vec<ClockView>,
    pub actions: Vec<ActionView>,
    /// What of the case is public now, masked as the definition says.
    #[schema(value_type = Vec<Object>)]
    pub published: Vec<engine::Published>,
    pub created_at: String,
    pub updated_at: String,
}

impl AppState {
    /// The definition a stored case runs under.
    pub fn definition_of(&self, case: &StoredCase) -> Result<&Definition, WebError> {
        self.app
            .procedures()
            .get(&case.case.procedure, &case.case.definition_version)
            .ok_or_else(|| {
                WebError::Internal(format!(
                    "no definition {} {}",
                    case.case.procedure, case.case.definition_version
                ))
            })
    }

    /// A case the principal may read, or the reason they may not.
    /// [`AppState::readable_case`] for reading it, and the read recorded (who, what, when): a
    /// read that cannot be recorded is not served.
    pub async fn read_case(
        &self,
        principal: &Principal,
        id: &str,
        what: &str,
    ) -> Result<StoredCase, WebError> {
        let stored = self.readable_case(principal, id).await?;
        self.app
            .store()
            .record_read(
                &stored.case.id,
                &stored.case.region,
                &principal.user_id,
                what,
            )
            .await?;
        Ok(stored)
    }

    pub async fn readable_case(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<StoredCase, WebError> {
        let stored = self
            .app
            .store()
            .case(id)
            .await?
            .ok_or_else(|| WebError::NotFound(format!("案件 {id} 不存在")))?;
        let allowed = match &stored.case.department {
            Some(d) => principal.can_read_department(&stored.case.region, d),
            None => matches!(
                principal.department_scope(&stored.case.region),
                fazhi_core::authz::DepartmentScope::All
            ),
        };
        // A legal reviewer reads the cases of their grant sent for review.
        let sent_for_review = || {
            principal.reviews(&stored.case.region, stored.case.department.as_deref())
                && self
                    .app
                    .procedures()
                    .get(&stored.case.procedure, &stored.case.definition_version)
                    .is_some_and(|d| {
                        d.states_open_to(fazhi_core::org::Role::LegalReviewer)
                            .contains(&stored.case.state.as_str())
                    })
        };
        if !allowed && !sent_for_review() {
            return Err(WebError::Forbidden("无权查看其他部门的案件".into()));
        }
        Ok(stored)
    }

    pub fn case_view(
        &self,
        stored: &StoredCase,
        principal: &Principal,
        english: bool,
    ) -> Result<CaseView, WebError> {
        let definition = self.definition_of(stored)?;
        let calendar = self.calendar();
        let today = self.app.store().today();
        let case = &stored.case;
        let clocks = case
            .clocks
            .iter()
            .filter_map(|state| {
                let clock = definition.clock(&state.code)?;
                let due = engine::clock_due(clock, state, &calendar, today);
                let (due_date, explanation) = match &due {
                    Ok(d) => (Some(d.date), d.explanation.lines.clone()),
                    Err(e) => (None, vec![e.to_string()]),
                };
                let provisional = due.as_ref().is_ok_and(|d| d.is_provisional());
                let deadline = match (state.status, due_date) {
                    (ClockStatus::Running, Some(d)) => Some(
                        DeadlineStatus::of(d, today, clock.warn_days)
                            .code()
                            .to_string(),
                    ),
                    _ => None,
                };
                Some(ClockView {
                    code: state.code.clone(),
                    label: clock.label.get(english).to_string(),
                    status: state.status,
                    status_label: if english {
                        match state.status {
                            ClockStatus::Running => "running",
                            ClockStatus::Paused => "paused",
                            ClockStatus::Stopped => "stopped",
                        }
                        .to_string()
                    } else {
                        state.status.to_string()
                    },
                    started_on: state.started_on.format("%Y-%m-%d").to_string(),
                    due: due_date.map(|d| d.format("%Y-%m-%d").to_string()),
                    provisional,
                    deadline,
                    basis: clock.basis.clone(),
                    explanation,
                    extensions: state.extensions.len(),
                })
            })
            .collect();
        let actions = engine::available(definition, case, Actor::User(principal))
            .into_iter()
            .map(|a| ActionView {
                code: a.code.clone(),
                label: a.label.get(english).to_string(),
                needs: a.needs.clone(),
                may: a.may.clone(),
                basis: a.basis.clone(),
            })
            .collect();
        Ok(CaseView {
            published: engine::published(definition, case),
            id: case.id.clone(),
            procedure: definition.code.clone(),
            procedure_name: definition.name.get(english).to_string(),
            definition_version: definition.version.clone(),
            region: case.region.to_string(),
            department: case.department.clone(),
            number: stored.number.clone(),
            receipt: stored.receipt.clone(),
            title: stored.title.clone(),
            state: case.state.clone(),
            state_label: definition.state_label(&case.state, english),
            terminal: stored.terminal,
            version: case.version,
            fields: case.fields.clone(),
            taken: case.taken.clone(),
            clocks,
            actions,
            created_at: stored.created_at.display_minutes(),
            updated_at: stored.updated_at.display_minutes(),
        })
    }

    /// The region and department a new case of this user belongs to: their department grant,
    /// unless one is asked for and allowed.
    pub async fn home_of(
        &self,
        principal: &Principal,
        department: Option<&str>,
    ) -> Result<(RegionCode, Option<String>), WebError> {
        if let Some(d) = department.filter(|d| !d.is_empty()) {
            // The case belongs to the department's own region: a region-wide user files only
            // under departments of the regions their grant covers.
            let found = self
                .app
                .store()
                .department(d)
                .await?
                .filter(|found| found.active)
                .ok_or_else(|| WebError::Invalid(format!("没有编号为“{d}”的在用部门")))?;
            let region =
                RegionCode::parse(&found.region).map_err(|e| WebError::Internal(e.to_string()))?;
            if !principal.can_read_department(&region, d) {
                return Err(WebError::Forbidden(
                    "只能为本部门（或您有权管辖的区划内的部门）登记案件".into(),
                ));
            }
            return Ok((region, Some(d.to_string())));
        }
        let grant = principal
            .grants
            .iter()
            .find(|g| g.department.is_some())
            .or(principal.grants.first())
            .ok_or_else(|| WebError::Forbidden("没有可用的角色".into()))?;
        Ok((grant.region.clone(), grant.department.clone()))
    }
}

/// How a refusal is answered: a stale version or a conflict with the case's state is 409,
/// a permission problem 403, an input problem 422; the code and message are the refusal's own.
pub fn refusal_error(refusal: Refusal) -> WebError {
    let status = match refusal {
        Refusal::Stale { .. }
        | Refusal::WrongState { .. }
        | Refusal::GuardFailed { .. }
        | Refusal::NotCertified { .. }
        | Refusal::ExtensionLimit { .. }
        | Refusal::ClockNotRunning { .. } => axum::http::StatusCode::CONFLICT,
        Refusal::RoleNotAllowed { .. } | Refusal::DepartmentNotAllowed { .. } => {
            axum::http::StatusCode::FORBIDDEN
        }
        Refusal::UnknownAction { .. }
        | Refusal::MissingField { .. }
        | Refusal::InvalidField { .. }
        | Refusal::FieldNotAccepted { .. }
        | Refusal::Calendar(_) => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    };
    let params = refusal.params();
    let args: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    WebError::Refused {
        status,
        code: refusal.code(),
        message: refusal.to_string(),
        message_en: crate::i18n::Tr(crate::i18n::Lang::En)
            .fill(&format!("refusal.{}", refusal.code()), &args),
    }
}

/// The filters of a case list, as query parameters: the same for the console's list (and its
/// CSV export) and the API's.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Procedure code
    pub procedure: Option<String>,
    /// State code (of that procedure)
    pub state: Option<String>,
    /// Department id
    pub department: Option<String>,
    /// normal | due_soon | overdue | attention (due soon or overdue)
    pub deadline: Option<String>,
    /// Registered on or after (YYYY-MM-DD)
    pub from: Option<String>,
    /// Registered on or before (YYYY-MM-DD)
    pub to: Option<String>,
    /// Words in the case's title
    pub q: Option<String>,
    /// updated (default) | due | created
    pub sort: Option<String>,
    /// Include closed cases: `true` (or `on`, as a checkbox sends it)
    pub closed: Option<String>,
    /// Only these case ids, comma-separated (the records behind a report figure)
    pub ids: Option<String>,
    /// Only the cases assigned to me (承办人): `true` (or `on`)
    pub mine: Option<String>,
    /// The records behind a report figure, `<report>:<key>` (with `year` and `region`)
    pub figure: Option<String>,
    /// The year of `figure`
    pub year: Option<i32>,
    /// The region of `figure` (GB/T 2260)
    pub region: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl CaseQuery {
    /// The list's filter for `user_id`, narrowed to the records behind the report figure the
    /// query names, if it names one: the cases counted toward it now (so the list is what the
    /// report counts today).
    pub async fn filter_with_figure(
        &self,
        state: &crate::AppState,
        principal: &fazhi_core::authz::Principal,
        default_per_page: u32,
    ) -> Result<fazhi_store::cases::CaseFilter, WebError> {
        let mut filter = self.filter(&principal.user_id, default_per_page)?;
        if principal.has_role(fazhi_core::org::Role::LegalReviewer) {
            filter.review_states = state
                .app
                .procedures()
                .states_open_to(fazhi_core::org::Role::LegalReviewer);
        }
        let Some(figure) = self.figure.as_deref().filter(|f| !f.is_empty()) else {
            return Ok(filter);
        };
        let (report, key) = figure
            .split_once(':')
            .ok_or_else(|| WebError::Invalid(format!("参数 figure：“{figure}”应为 报告:指标")))?;
        // An unknown report or figure is a wrong parameter of the list (422), not a missing
        // list: the cases endpoint itself exists whatever the parameter says.
        let spec = state
            .app
            .report(report)
            .map_err(|_| WebError::Invalid(format!("参数 figure：没有报告“{report}”")))?;
        if !spec.figures.iter().any(|f| f.key == key) {
            return Err(WebError::Invalid(format!(
                "参数 figure：报告“{report}”没有指标“{key}”"
            )));
        }
        let region = match self.region.as_deref().filter(|r| !r.is_empty()) {
            Some(code) => fazhi_core::region::RegionCode::parse(code)
                .map_err(|e| WebError::Invalid(format!("参数 region：{e}")))?,
            None => principal
                .grants
                .first()
                .map(|g| g.region.clone())
                .ok_or_else(|| WebError::Forbidden("没有可用的角色".into()))?,
        };
        let year = self
            .year
            .ok_or_else(|| WebError::Invalid("参数 year：须指明指标的年度".into()))?;
        match spec.records_figure(key) {
            Some(counted) => {
                state.app.ensure_figures_built(spec).await?;
                filter.figure = Some(fazhi_store::figure_members::FigureOf {
                    report: report.to_string(),
                    figure: counted.to_string(),
                    region,
                    year,
                });
            }
            // A figure entered by hand has no records: the list is empty (an empty id list
            // would mean "no filter").
            None => filter.ids = vec![String::new()],
        }
        filter.include_closed = true;
        Ok(filter)
    }

    /// The filter of `user_id`'s list.
    pub fn filter(
        &self,
        user_id: &str,
        default_per_page: u32,
    ) -> Result<fazhi_store::cases::CaseFilter, WebError> {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        Ok(fazhi_store::cases::CaseFilter {
            procedure: nonempty(&self.procedure),
            state: nonempty(&self.state),
            department: nonempty(&self.department),
            assignee: self.mine_only().then(|| user_id.to_string()),
            deadline: nonempty(&self.deadline),
            created_from: parse_day(self.from.as_deref(), "from")?,
            created_to: parse_day(self.to.as_deref(), "to")?,
            text: search_text(self.q.as_deref(), "q")?,
            sort: nonempty(&self.sort),
            include_closed: matches!(self.closed.as_deref(), Some("on" | "true")),
            ids: self
                .ids
                .as_deref()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect(),
            figure: None,
            review_states: Vec::new(),
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(default_per_page),
        })
    }

    /// Whether only the user's own cases are asked for.
    pub fn mine_only(&self) -> bool {
        matches!(self.mine.as_deref(), Some("on" | "true" | "1"))
    }

    /// The query string of this filter on another page (`0`: without a page).
    pub fn with_page(&self, page: u32) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("procedure", &self.procedure),
            ("state", &self.state),
            ("department", &self.department),
            ("deadline", &self.deadline),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
            ("sort", &self.sort),
            ("closed", &self.closed),
            ("ids", &self.ids),
            ("mine", &self.mine),
            ("figure", &self.figure),
            ("region", &self.region),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", crate::session::encode_query(v)));
            }
        }
        if let Some(year) = self.year {
            parts.push(format!("year={year}"));
        }
        if page > 0 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}

/// The most characters a search may hold: words to look for, not a document.
pub const MAX_SEARCH: usize = 200;

/// A search text as given (trimmed), refused when longer than [`MAX_SEARCH`] characters.
pub fn search_text(text: Option<&str>, name: &str) -> Result<Option<String>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() > MAX_SEARCH => Err(WebError::Invalid(format!(
            "参数 {name}：搜索文字过长（{} 字），最多 {MAX_SEARCH} 字",
            t.chars().count()
        ))),
        Some(t) => Ok(Some(t.to_string())),
    }
}

pub fn parse_day(text: Option<&str>, name: &str) -> Result<Option<chrono::NaiveDate>, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| WebError::Invalid(format!("参数 {name}：“{t}”不是日期（YYYY-MM-DD）"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_reads_in_english_with_its_values() {
        let text = |s: &str| s.to_string();
        let refusals = [
            Refusal::UnknownAction {
                procedure: text("p"),
                action: text("a"),
            },
            Refusal::Stale {
                expected: 1,
                actual: 2,
            },
            Refusal::WrongState {
                action: text("a"),
                state: text("s"),
                allowed: text("x"),
            },
            Refusal::RoleNotAllowed {
                action: text("a"),
                roles: text("r"),
            },
            Refusal::DepartmentNotAllowed { action: text("a") },
            Refusal::MissingField { field: text("f") },
            Refusal::InvalidField {
                field: text("f"),
                reason: text("why"),
            },
            Refusal::FieldNotAccepted {
                action: text("a"),
                field: text("f"),
            },
            Refusal::GuardFailed {
                message: text("m"),
                basis: text("b"),
            },
            Refusal::NotCertified {
                needed: 2,
                usable: 1,
                problems: text("p"),
                basis: text("b"),
            },
            Refusal::ClockNotRunning { clock: text("c") },
            Refusal::ExtensionLimit {
                clock: text("c"),
                at_most: 1,
                basis: text("b"),
            },
        ];
        for refusal in refusals {
            let code = refusal.code();
            let WebError::Refused { message_en, .. } = refusal_error(refusal) else {
                panic!("{code} is a refusal");
            };
            assert!(
                !message_en.starts_with("refusal."),
                "no English text for {code}"
            );
            assert!(!message_en.contains('{'), "{code}: {message_en}");
        }
    }
}
