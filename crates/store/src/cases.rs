//! Cases of every procedure, stored as a snapshot row per case (the projection) beside their
//! events. What a write holds — the events, the row's title and deadline columns, the public
//! rows, the notices — is decided by the application (`fazhi-app`) and handed over as one
//! [`CaseWrite`]; this module writes it in one transaction and answers the case queries.

use crate::batch::{RowOp, Value, WriteBatch};
use crate::db::on_db;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use fazhi_core::authz::{DepartmentScope, Principal};
use fazhi_core::engine::Case;
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Timestamp};
use serde::Serialize;
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

/// id, then a [`CaseRow`].
type IdCaseRow = (
    String,
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

/// The deadline columns of a case (dates as `YYYY-MM-DD`), computed by the application with
/// the calendar: the nearest due date of a running clock, the day it turns yellow, and the
/// day after which an expiry must be handled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadlineColumns {
    pub next_due: Option<String>,
    pub warn_from: Option<String>,
    pub next_check: Option<String>,
}

/// What a case's row shows beside its snapshot, computed by the application.
#[derive(Debug, Clone, Default)]
pub struct CaseColumns {
    pub title: String,
    /// The member of the department the case is assigned to (user id).
    pub assignee: Option<String>,
    pub terminal: bool,
    pub concluded_on: Option<NaiveDate>,
    pub deadlines: DeadlineColumns,
}

/// A case written for the first time.
#[derive(Debug, Clone, Default)]
pub struct Creation {
    /// Who took the first step (`user:<id>` or `system`).
    pub created_by: String,
    /// A number to draw in the write's transaction from `{counter}` with `{template}`.
    pub draw_number: Option<(String, String)>,
    /// The receipt number given to a public applicant.
    pub receipt: Option<String>,
}

/// A row of the public projection: what a definition publishes of a case, already masked.
#[derive(Debug, Clone)]
pub struct PublicRow {
    pub code: String,
    pub label: String,
    pub title: String,
    pub since: Option<NaiveDate>,
    /// (label, masked value) pairs, in the definition's order.
    pub fields: Vec<(String, String)>,
}

/// An in-app notice for one user: its kind and parameters (a JSON object), from which it is
/// rendered in the reader's language, and its Chinese text.
#[derive(Debug, Clone, Default)]
pub struct NoticeRow {
    pub user_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub params: Option<String>,
}

/// A message for the outbox (e-mail or webhook), already rendered.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    /// [`crate::notifications::EMAIL`] or [`crate::notifications::WEBHOOK`].
    pub channel: &'static str,
    pub target: String,
    pub subject: String,
    pub body: String,
}

/// Everything one write of a case holds: its events, its row as it now stands, its public
/// rows and the notices it causes — all decided by the application; the store only writes it,
/// in one transaction.
#[derive(Debug, Clone)]
pub struct CaseWrite {
    /// The case after the write.
    pub case: Case,
    pub events: Vec<NewEvent>,
    pub columns: CaseColumns,
    /// `Some` for a new case; otherwise the row's version before the write (the write is
    /// refused as a conflict if somebody moved the case meanwhile).
    pub creation: Option<Creation>,
    pub expected_version: i64,
    /// The step assigned the case to someone else (the assignee column is rewritten).
    pub assignee_changed: bool,
    /// The case's number as known before the write (a new case's `number_field` value; a
    /// drawn number is filled in by the writer).
    pub number: Option<String>,
    /// `Some` replaces the case's public rows.
    pub publications: Option<Vec<PublicRow>>,
    pub notices: Vec<NoticeRow>,
    pub outbox: Vec<OutboxMessage>,
    /// `Some` replaces the report figures the case counts toward.
    pub figures: Option<Vec<crate::figure_members::FigureMember>>,
}

/// What a case list can be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub procedure: Option<String>,
    pub state: Option<String>,
    pub department: Option<String>,
    /// Only the cases assigned to this user ("my cases").
    pub assignee: Option<String>,
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
    /// Only the records behind a report figure for a region and a year; closed ones included.
    pub figure: Option<crate::figure_members::FigureOf>,
    /// The (procedure, state) pairs in which a legal reviewer has an action open: a reviewer
    /// also sees the cases of their grant in one of them (sent for review).
    pub review_states: Vec<(String, String)>,
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

pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    /// Today in Beijing time, by the store's clock.
    pub fn today(&self) -> NaiveDate {
        self.now().to_china_time().date_naive()
    }

    /// The batch of a case write (for [`Store::submit`], or many at once for
    /// [`Store::load_history`]).
    pub fn case_batch(&self, write: &CaseWrite) -> WriteBatch {
        let case = &write.case;
        let now = self.now().0;
        let snapshot = serde_json::to_string(case).expect("a case serialises");
        let d = &write.columns.deadlines;
        let mut columns: Vec<(&'static str, Value)> = vec![
            ("title", write.columns.title.clone().into()),
            ("state", case.state.clone().into()),
            ("terminal", write.columns.terminal.into()),
            ("snapshot", snapshot.clone().into()),
            ("next_due", d.next_due.clone().into()),
            ("warn_from", d.warn_from.clone().into()),
            ("next_check", d.next_check.clone().into()),
            ("updated_at", now.into()),
            (
                "department",
                case.department.clone().unwrap_or_default().into(),
            ),
            (
                "concluded_on",
                write.columns.concluded_on.map(date_text).into(),
            ),
        ];
        // The assignee is written when it is set or changes, so that other steps leave the
        // column (and its index) alone.
        if write.creation.is_some() || write.assignee_changed {
            columns.push(("assignee", write.columns.assignee.clone().into()));
        }
        // The case's own event vouches for the rows written with it: their digests go into
        // its payload, so the chain proves the snapshot and the public rows, not only the log
        // (`Store::verify_rows` compares them).
        let digests = crate::rows::case_digests(&snapshot, case, write.publications.as_deref());
        let subject = format!("case:{}", case.id);
        let vouching = write.events.iter().rposition(|e| e.subject.0 == subject);
        let mut batch = WriteBatch::new();
        for (i, event) in write.events.iter().enumerate() {
            let mut event = event.clone();
            if Some(i) == vouching {
                event.payload[crate::rows::DIGESTS] = digests.clone();
            }
            batch = batch.event(event);
        }
        let key = || vec![("id", Value::from(case.id.clone()))];
        match &write.creation {
            Some(creation) => {
                columns.extend([
                    ("id", case.id.clone().into()),
                    ("region", case.region.as_str().into()),
                    ("procedure", case.procedure.clone().into()),
                    ("definition_version", case.definition_version.clone().into()),
                    ("version", case.version.into()),
                    ("created_by", creation.created_by.clone().into()),
                    ("created_at", now.into()),
                    ("opened_on", case.opened_on().map(date_text).into()),
                    ("number", write.number.clone().into()),
                    ("receipt", creation.receipt.clone().into()),
                ]);
                batch = batch.insert("cases", columns);
                batch.number = creation.draw_number.as_ref().map(|(counter, template)| {
                    crate::batch::NumberRequest {
                        counter: counter.clone(),
                        template: template.clone(),
                        case_id: case.id.clone(),
                    }
                });
            }
            None => {
                batch = batch.update("cases", key(), columns, Some(write.expected_version));
            }
        }
        if let Some(publications) = &write.publications {
            if write.creation.is_none() {
                batch = batch.op(RowOp::DeleteAll {
                    table: "publications",
                    key: vec![("case_id", case.id.clone().into())],
                });
            }
            let number = write.number.clone();
            for p in publications {
                let fields = serde_json::to_string(&p.fields).expect("pairs of text serialise");
                batch = batch.insert(
                    "publications",
                    vec![
                        ("case_id", case.id.clone().into()),
                        ("code", p.code.clone().into()),
                        ("region", case.region.as_str().into()),
                        (
                            "department",
                            case.department.clone().unwrap_or_default().into(),
                        ),
                        ("procedure", case.procedure.clone().into()),
                        ("label", p.label.clone().into()),
                        ("title", p.title.clone().into()),
                        ("number", number.clone().into()),
                        ("since", p.since.map(date_text).into()),
                        ("fields", fields.into()),
                    ],
                );
            }
        }
        if let Some(members) = &write.figures {
            let replacing = write.creation.is_none();
            for op in crate::figure_members::member_ops(&case.id, &case.region, members, replacing)
            {
                batch = batch.op(op);
            }
        }
        for op in self.notice_ops(&case.region, &case.id, &write.notices, &write.outbox) {
            batch = batch.op(op);
        }
        batch
    }

    /// The rows of the in-app notices and outbox messages about a case.
    pub(crate) fn notice_ops(
        &self,
        region: &RegionCode,
        case_id: &str,
        notices: &[NoticeRow],
        outbox: &[OutboxMessage],
    ) -> Vec<RowOp> {
        let subject = format!("case:{case_id}");
        notices
            .iter()
            .map(|n| self.notification_row(region, &subject, n))
            .chain(
                outbox
                    .iter()
                    .map(|m| self.outbox_row(m.channel, &m.target, &m.subject, &m.body)),
            )
            .collect()
    }

    /// Writes a case in one transaction. A new case's drawn number is in the answer; a case
    /// moved by somebody else since it was read is a [`StoreError::Conflict`].
    pub async fn write_case(&self, write: &CaseWrite) -> Result<crate::Committed> {
        self.submit(self.case_batch(write)).await
    }

    /// Whether a case of the region already has this number.
    pub async fn number_taken(&self, region: &RegionCode, number: &str) -> Result<bool> {
        on_db!(&self.db, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE region = $1 AND number = $2")
                .bind(region.as_str().to_string())
                .bind(number.to_string())
                .fetch_one(pool)
                .await?;
            Ok(n > 0)
        })
    }

    /// The cases of `procedure` in the region with one of these numbers (certificates named by
    /// a guard), by number.
    pub async fn cases_by_number(
        &self,
        region: &RegionCode,
        procedure: &str,
        numbers: &[String],
    ) -> Result<Vec<(String, Case)>> {
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let mut params: Vec<Value> = vec![region.as_str().into(), procedure.into()];
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
        rows.into_iter()
            .map(|(number, snapshot)| {
                let case: Case = serde_json::from_str(&snapshot)
                    .map_err(|e| StoreError::Invalid(format!("case {number} snapshot: {e}")))?;
                Ok((number, case))
            })
            .collect()
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

    /// The snapshots of every open case (to recompute their deadlines after the calendar
    /// changed).
    pub async fn open_cases(&self) -> Result<Vec<Case>> {
        let rows: Vec<(String, String)> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT id, snapshot FROM cases WHERE NOT terminal")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(id, snapshot)| {
                serde_json::from_str(&snapshot)
                    .map_err(|e| StoreError::Invalid(format!("case {id} snapshot: {e}")))
            })
            .collect()
    }

    /// Rewrites the deadline columns of cases, in one transaction.
    pub async fn set_deadlines(&self, deadlines: Vec<(String, DeadlineColumns)>) -> Result<usize> {
        let n = deadlines.len();
        if n == 0 {
            return Ok(0);
        }
        let mut batch = WriteBatch::new();
        for (id, d) in deadlines {
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
        }
        self.submit(batch).await?;
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
                sqlx::query_as::<_, IdCaseRow>(
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

    /// The procedures that have cases in these departments (what a department's staff may
    /// filter their list by).
    pub async fn procedures_in_departments(&self, departments: &[String]) -> Result<Vec<String>> {
        if departments.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=departments.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT procedure FROM cases WHERE department IN ({})",
            marks.join(", ")
        );
        on_db!(&self.db, pool => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
            for d in departments {
                query = query.bind(d.clone());
            }
            Ok(query.fetch_all(pool).await?)
        })
    }

    /// Up to `limit` cases of a procedure, in every region, with ids after `after` in id
    /// order: a whole procedure read in slices (to rebuild what is derived from its cases).
    pub async fn cases_after(
        &self,
        procedure: &str,
        after: &str,
        limit: u32,
    ) -> Result<Vec<StoredCase>> {
        let rows: Vec<IdCaseRow> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT id, snapshot, title, terminal, next_due, created_by, created_at, updated_at, number, receipt \
                 FROM cases WHERE procedure = $1 AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(procedure.to_string())
            .bind(after.to_string())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, a, b, c, d, e, f, g, h, i)| stored_case(&id, (a, b, c, d, e, f, g, h, i)))
            .collect()
    }

    /// A page of the cases a principal may see, filtered and sorted.
    pub async fn list_cases(&self, principal: &Principal, filter: &CaseFilter) -> Result<CasePage> {
        let today = date_text(self.today());
        let mut params: Vec<Value> = Vec::new();
        let Some(scope) = case_scope(principal, &filter.review_states, &mut params) else {
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
        if let Some(user) = &filter.assignee {
            conditions.push(format!(
                "assignee = {}",
                bind(user.clone().into(), &mut params)
            ));
        }
        if !filter.include_closed
            && filter.state.is_none()
            && filter.ids.is_empty()
            && filter.figure.is_none()
        {
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
            // One parameter however many ids (a report figure may have 100,000 records): a
            // JSON array, unnested by each engine's own function.
            let list = bind(
                serde_json::to_string(&filter.ids)
                    .expect("strings serialise")
                    .into(),
                &mut params,
            );
            conditions.push(match self.engine() {
                crate::Engine::Sqlite => format!("id IN (SELECT value FROM json_each({list}))"),
                crate::Engine::Postgres => {
                    format!("id IN (SELECT jsonb_array_elements_text({list}::jsonb))")
                }
            });
        }
        if let Some(f) = &filter.figure {
            let report = bind(f.report.clone().into(), &mut params);
            let figure = bind(f.figure.clone().into(), &mut params);
            let year = bind(i64::from(f.year).into(), &mut params);
            let region = bind(
                format!("{}%", f.region.significant_prefix()).into(),
                &mut params,
            );
            conditions.push(format!(
                "id IN (SELECT case_id FROM figure_members WHERE report = {report} \
                 AND figure = {figure} AND to_year >= {year} AND from_year <= {year} \
                 AND region LIKE {region})"
            ));
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
                // Counted in 64 bits: a page number near u32::MAX must not overflow.
                u64::from(page - 1) * u64::from(per_page)
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
        let Some(scope) = case_scope(principal, &[], &mut params).map(|s| sargable(&s)) else {
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

/// The most certificate numbers one guard looks up.
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

/// The region range of `region`, as a condition with `{region}` for the region column: a range
/// of codes rather than `LIKE 'prefix%'`, which indexes serve on both engines.
fn within(region: &RegionCode, params: &mut Vec<Value>) -> String {
    let prefix = region.significant_prefix();
    match next_prefix(prefix) {
        Some(end) => format!(
            "{REGION} >= {} AND {REGION} < {}",
            bind(Value::from(prefix), params),
            bind(Value::from(end), params)
        ),
        None => format!("{REGION} >= {}", bind(Value::from(prefix), params)),
    }
}

/// The cases a principal may see, as a condition with `{region}` for the region column: those
/// of the departments they may read, and — for a legal reviewer — those of their grant sent for
/// review (in one of `review_states`).
fn case_scope(
    principal: &Principal,
    review_states: &[(String, String)],
    params: &mut Vec<Value>,
) -> Option<String> {
    let mut scopes = Vec::new();
    for region in principal.regions() {
        let within = within(&region, params);
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
    if !review_states.is_empty() {
        for grant in principal
            .grants
            .iter()
            .filter(|g| g.role == fazhi_core::org::Role::LegalReviewer)
        {
            let within = within(&grant.region, params);
            let sent: Vec<String> = review_states
                .iter()
                .map(|(procedure, state)| {
                    format!(
                        "(procedure = {} AND state = {})",
                        bind(Value::from(procedure.as_str()), params),
                        bind(Value::from(state.as_str()), params)
                    )
                })
                .collect();
            let department = grant
                .department
                .as_ref()
                .map(|d| {
                    format!(
                        " AND department = {}",
                        bind(Value::from(d.as_str()), params)
                    )
                })
                .unwrap_or_default();
            scopes.push(format!(
                "({within}{department} AND ({}))",
                sent.join(" OR ")
            ));
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
