//! Proving the tables people read, not only the event log. The chain proves every event; the
//! screens, the portal and the login read rows (`cases`, `publications`, `users`, `grants`, `calendar_years`).
//! So each event that writes such rows carries their digests — a case's step its snapshot
//! and its public rows (`"rows": {"case", "publications"}`), a user's creation and password
//! change the password hash's — and what a user's events say of them (name, grants, active)
//! is in the events already. [`Store::verify_rows`] compares the rows with what their latest
//! events vouch for: a row edited in the database, added or removed behind the application's
//! back, is named, though the chain itself is intact.
//!
//! Rows written before their events carried digests (installations older than this check)
//! are counted as not vouched for, and become vouched for at their next step.

use crate::audit::Fault;
use crate::cases::{PublicRow, date_text};
use crate::db::on_db;
use crate::files::sha256_hex;
use crate::{Result, Store};
use fazhi_core::engine::Case;
use fazhi_core::org::Grant;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The key of an event's payload that holds the digests of the rows written with it.
pub(crate) const DIGESTS: &str = "rows";

/// Cases read per query while verifying.
const PAGE: i64 = 500;

/// What verifying the rows found: how many of each were compared, how many could not be
/// (written before their events carried digests), and the first difference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowsReport {
    pub cases: usize,
    /// Cases whose events carry no digests (written before this check existed).
    pub cases_not_vouched: usize,
    pub publications: usize,
    pub users: usize,
    /// Users whose password hash no event vouches for (set before this check existed).
    pub passwords_not_vouched: usize,
    pub calendar_years: usize,
    pub fault: Option<Fault>,
}

pub(crate) fn password_digest(hash: &str) -> String {
    sha256_hex(hash.as_bytes())
}

/// A public row as one line of text, the same whether built from what is written or read
/// back from the table.
#[allow(clippy::too_many_arguments)]
fn publication_line(
    code: &str,
    label: &str,
    title: &str,
    since: Option<&str>,
    fields: &str,
    region: &str,
    department: &str,
    procedure: &str,
) -> String {
    json!([
        code, label, title, since, fields, region, department, procedure
    ])
    .to_string()
}

fn digest_of_lines(mut lines: Vec<String>) -> String {
    lines.sort();
    sha256_hex(lines.join("\n").as_bytes())
}

/// The digests of a case's rows as written: its snapshot, and its public rows when they are
/// (re)written with this step.
pub(crate) fn case_digests(
    snapshot: &str,
    case: &Case,
    publications: Option<&[PublicRow]>,
) -> Value {
    let mut digests = json!({"case": sha256_hex(snapshot.as_bytes())});
    if let Some(rows) = publications {
        let lines = rows
            .iter()
            .map(|p| {
                publication_line(
                    &p.code,
                    &p.label,
                    &p.title,
                    p.since.map(date_text).as_deref(),
                    &serde_json::to_string(&p.fields).expect("pairs of text serialise"),
                    case.region.as_str(),
                    case.department.as_deref().unwrap_or_default(),
                    &case.procedure,
                )
            })
            .collect();
        digests["publications"] = json!(digest_of_lines(lines));
    }
    digests
}

type CaseRow = (String, String, String, String, String, String, i64, String);
type PublicationDbRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

fn fault(region: &str, seq: Option<i64>, what: String) -> Option<Fault> {
    Some(Fault {
        region: region.to_string(),
        seq,
        what,
    })
}

/// `$1, $2, …` for `n` values.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Compares the rows people read with what their events vouch for; stops at the first
    /// difference and names it (region, the vouching event, what differs).
    pub async fn verify_rows(&self) -> Result<RowsReport> {
        let mut report = RowsReport::default();
        self.verify_case_rows(&mut report).await?;
        if report.fault.is_none() {
            self.verify_user_rows(&mut report).await?;
        }
        if report.fault.is_none() {
            self.verify_calendar_rows(&mut report).await?;
        }
        Ok(report)
    }

    /// The official holiday years entered: each as its latest event recorded it (deadlines of
    /// every region are computed from them).
    async fn verify_calendar_rows(&self, report: &mut RowsReport) -> Result<()> {
        type Rows = (Vec<(i64, String)>, Vec<(String, String, i64, String)>);
        let (rows, events): Rows = on_db!(&self.db, pool => {
            let rows = sqlx::query_as("SELECT year, source FROM calendar_years")
                .fetch_all(pool)
                .await?;
            let events = sqlx::query_as(
                "SELECT subject, region, seq, payload FROM events WHERE subject LIKE 'calendar:%' ORDER BY region, seq",
            )
            .fetch_all(pool)
            .await?;
            (rows, events)
        });
        let mut told: BTreeMap<i64, (String, i64, String)> = BTreeMap::new();
        for (_, region, seq, payload) in events {
            let payload: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
            if let (Some(year), Some(file)) = (payload["year"].as_i64(), payload["file"].as_str()) {
                told.insert(year, (region, seq, file.to_string()));
            }
        }
        for (year, source) in rows {
            report.calendar_years += 1;
            match told.remove(&year) {
                Some((region, seq, file)) if file != source => {
                    report.fault = fault(
                        &region,
                        Some(seq),
                        format!(
                            "the official holidays of {year} differ from those its event recorded (altered in the database)"
                        ),
                    );
                    return Ok(());
                }
                Some(_) => {}
                None => {
                    report.fault = fault(
                        "",
                        None,
                        format!(
                            "the official holidays of {year} were entered in the database without an event"
                        ),
                    );
                    return Ok(());
                }
            }
        }
        if let Some((year, (region, seq, _))) = told.into_iter().next() {
            report.fault = fault(
                &region,
                Some(seq),
                format!(
                    "the official holidays of {year} are in the log but not in the database (removed)"
                ),
            );
        }
        Ok(())
    }

    async fn verify_case_rows(&self, report: &mut RowsReport) -> Result<()> {
        let mut after = String::new();
        loop {
            let cases: Vec<CaseRow> = on_db!(&self.db, pool => {
                sqlx::query_as(
                    "SELECT id, region, department, procedure, definition_version, state, version, snapshot \
                     FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after.clone())
                .bind(PAGE)
                .fetch_all(pool)
                .await?
            });
            let Some(last) = cases.last() else { break };
            after = last.0.clone();
            let subjects: Vec<String> = cases.iter().map(|c| format!("case:{}", c.0)).collect();
            let ids: Vec<String> = cases.iter().map(|c| c.0.clone()).collect();
            let events_sql = format!(
                "SELECT subject, seq, payload FROM events WHERE subject IN ({}) \
                 AND kind IN ('case.step', 'case.clock_expired') ORDER BY region, seq",
                placeholders(subjects.len())
            );
            let publications_sql = format!(
                "SELECT case_id, code, label, title, since, fields, region, department, procedure \
                 FROM publications WHERE case_id IN ({})",
                placeholders(ids.len())
            );
            let (events, publications): (Vec<(String, i64, String)>, Vec<PublicationDbRow>) = on_db!(&self.db, pool => {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(events_sql));
                for subject in &subjects {
                    query = query.bind(subject);
                }
                let events = query.fetch_all(pool).await?;
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(publications_sql));
                for id in &ids {
                    query = query.bind(id);
                }
                (events, query.fetch_all(pool).await?)
            });
            // The latest event vouching for each case's snapshot, and for its public rows.
            let mut snapshot_of: BTreeMap<&str, (i64, String)> = BTreeMap::new();
            let mut public_of: BTreeMap<&str, (i64, String)> = BTreeMap::new();
            for (subject, seq, payload) in &events {
                let payload: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
                let id = subject.trim_start_matches("case:");
                let digests = &payload[DIGESTS];
                if let Some(d) = digests["case"].as_str() {
                    snapshot_of.insert(id, (*seq, d.to_string()));
                }
                if let Some(d) = digests["publications"].as_str() {
                    public_of.insert(id, (*seq, d.to_string()));
                }
            }
            let mut lines_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for (case_id, code, label, title, since, fields, region, department, procedure) in
                &publications
            {
                lines_of.entry(case_id).or_default().push(publication_line(
                    code,
                    label,
                    title,
                    since.as_deref(),
                    fields,
                    region,
                    department,
                    procedure,
                ));
            }
            report.publications += publications.len();
            for (id, region, department, procedure, definition_version, state, version, snapshot) in
                &cases
            {
                report.cases += 1;
                let Some((seq, vouched)) = snapshot_of.get(id.as_str()) else {
                    report.cases_not_vouched += 1;
                    continue;
                };
                let at = Some(*seq);
                if &sha256_hex(snapshot.as_bytes()) != vouched {
                    report.fault = fault(
                        region,
                        at,
                        format!(
                            "case {id}: its stored record differs from the one its latest event vouches for (altered in the database)"
                        ),
                    );
                    return Ok(());
                }
                let case: Case = match serde_json::from_str(snapshot) {
                    Ok(case) => case,
                    Err(e) => {
                        report.fault =
                            fault(region, at, format!("case {id}: unreadable record: {e}"));
                        return Ok(());
                    }
                };
                let columns = [
                    ("region", region.as_str(), case.region.as_str().to_string()),
                    (
                        "department",
                        department.as_str(),
                        case.department.clone().unwrap_or_default(),
                    ),
                    ("procedure", procedure.as_str(), case.procedure.clone()),
                    (
                        "definition_version",
                        definition_version.as_str(),
                        case.definition_version.clone(),
                    ),
                    ("state", state.as_str(), case.state.clone()),
                    ("version", &version.to_string(), case.version.to_string()),
                ];
                for (column, stored, vouched) in columns {
                    if stored != vouched {
                        report.fault = fault(
                            region,
                            at,
                            format!(
                                "case {id}: its {column} column says “{stored}”, its vouched record “{vouched}” (altered in the database)"
                            ),
                        );
                        return Ok(());
                    }
                }
                let lines = lines_of.remove(id.as_str()).unwrap_or_default();
                match public_of.get(id.as_str()) {
                    Some((seq, vouched)) if &digest_of_lines(lines.clone()) != vouched => {
                        report.fault = fault(
                            region,
                            Some(*seq),
                            format!(
                                "case {id}: its published rows differ from those its event vouches for (altered, added or removed in the database)"
                            ),
                        );
                        return Ok(());
                    }
                    Some(_) => {}
                    None if !lines.is_empty() => {
                        report.fault = fault(
                            region,
                            at,
                            format!(
                                "case {id}: {} published rows that no event vouches for (added in the database)",
                                lines.len()
                            ),
                        );
                        return Ok(());
                    }
                    None => {}
                }
            }
            // Public rows of a case that has no row at all.
            if let Some(orphan) = lines_of.keys().next() {
                report.fault = fault(
                    "",
                    None,
                    format!("published rows of case {orphan}, which does not exist"),
                );
                return Ok(());
            }
        }
        // A case removed from the table leaves its events behind.
        let (logged, rows): (i64, i64) = on_db!(&self.db, pool => {
            let logged: i64 = sqlx::query_scalar(
                "SELECT COUNT(DISTINCT subject) FROM events WHERE kind = 'case.step'",
            )
            .fetch_one(pool)
            .await?;
            let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
                .fetch_one(pool)
                .await?;
            (logged, rows)
        });
        if logged != rows {
            report.fault = fault(
                "",
                None,
                format!(
                    "the log records {logged} cases, the cases table holds {rows} (rows removed or added in the database)"
                ),
            );
        }
        Ok(())
    }

    async fn verify_user_rows(&self, report: &mut RowsReport) -> Result<()> {
        let users = self.users().await?;
        let hashes: Vec<(String, String)> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT id, password_hash FROM users")
                .fetch_all(pool)
                .await?
        });
        let hashes: BTreeMap<String, String> = hashes.into_iter().collect();
        let events: Vec<(String, String, i64, String, String)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT subject, region, seq, kind, payload FROM events WHERE subject LIKE 'user:%' ORDER BY region, seq",
            )
            .fetch_all(pool)
            .await?
        });
        /// What a user's events say of them.
        #[derive(Default)]
        struct Told {
            name: Option<String>,
            display_name: Option<String>,
            grants: Vec<Grant>,
            active: bool,
            password: Option<String>,
            seq: i64,
        }
        let mut told: BTreeMap<&str, Told> = BTreeMap::new();
        for (subject, _, seq, kind, payload) in &events {
            let payload: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
            let t = told.entry(subject.trim_start_matches("user:")).or_default();
            t.seq = *seq;
            let grants = |v: &Value| serde_json::from_value::<Vec<Grant>>(v.clone()).ok();
            match kind.as_str() {
                "user.created" => {
                    t.name = payload["name"].as_str().map(str::to_string);
                    t.display_name = payload["display_name"].as_str().map(str::to_string);
                    t.grants = grants(&payload["grants"]).unwrap_or_default();
                    t.active = true;
                    t.password = payload["password_sha256"].as_str().map(str::to_string);
                }
                "user.grants_changed" => t.grants = grants(&payload["to"]).unwrap_or_default(),
                "user.deactivated" => t.active = false,
                "user.reactivated" => t.active = true,
                "user.password_changed" => {
                    t.password = payload["password_sha256"].as_str().map(str::to_string);
                }
                _ => {}
            }
        }
        for user in &users {
            report.users += 1;
            let Some(t) = told.remove(user.id.as_str()) else {
                report.fault = fault(
                    &user.region,
                    None,
                    format!(
                        "user {} ({}) has no event: added in the database",
                        user.id, user.name
                    ),
                );
                return Ok(());
            };
            let at = Some(t.seq);
            let key = |g: &Grant| serde_json::to_string(g).unwrap_or_default();
            let stored: BTreeSet<_> = user.grants.iter().map(key).collect();
            let vouched: BTreeSet<_> = t.grants.iter().map(key).collect();
            let differs = if t.name.as_deref() != Some(user.name.as_str()) {
                Some("name")
            } else if t.display_name.as_deref() != Some(user.display_name.as_str()) {
                Some("display name")
            } else if t.active != user.active {
                Some("active flag")
            } else if stored != vouched {
                Some("roles (grants)")
            } else {
                None
            };
            if let Some(what) = differs {
                report.fault = fault(
                    &user.region,
                    at,
                    format!(
                        "user {} ({}): the {what} differs from what their events record (altered in the database)",
                        user.id, user.name
                    ),
                );
                return Ok(());
            }
            match (&t.password, hashes.get(&user.id)) {
                (Some(vouched), Some(hash)) if &password_digest(hash) != vouched => {
                    report.fault = fault(
                        &user.region,
                        at,
                        format!(
                            "user {} ({}): the password hash differs from the one their events vouch for (altered in the database)",
                            user.id, user.name
                        ),
                    );
                    return Ok(());
                }
                (None, _) => report.passwords_not_vouched += 1,
                _ => {}
            }
        }
        if let Some(gone) = told.keys().next() {
            report.fault = fault(
                "",
                None,
                format!(
                    "user {gone} is in the log but not in the users table (removed in the database)"
                ),
            );
        }
        Ok(())
    }
}
