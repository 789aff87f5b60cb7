//! The report figures each case counts toward, kept with the case (see migration 0010): what
//! the application decided a case counts toward is written in the case's own transaction
//! ([`crate::cases::CaseWrite::figures`]), and a figure for a region and a year is then an
//! indexed count or sum. The rows are derived: a report's are rebuilt whole when its figures
//! change, and [`Store::figure_build`] says what they were built from.

use crate::batch::{RowOp, Value, WriteBatch};
use crate::db::on_db;
use crate::{Result, Store};
use fazhi_core::region::RegionCode;
use std::collections::BTreeMap;

/// The first and last year of a membership without bounds.
pub const NO_START: i32 = 0;
pub const NO_END: i32 = 9999;

/// That a case counts toward a figure of a report in the years `from_year..=to_year`, with
/// `amount` (1 for a count, the summed field's value for a sum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureMember {
    pub report: String,
    pub figure: String,
    pub from_year: i32,
    pub to_year: i32,
    pub amount: i64,
}

/// A figure's total for a year: how many cases count toward it, and the sum of their amounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FigureTotal {
    pub cases: i64,
    pub amount: i64,
}

/// Which figure's records, for which region and year.
#[derive(Debug, Clone)]
pub struct FigureOf {
    pub report: String,
    pub figure: String,
    pub region: RegionCode,
    pub year: i32,
}

/// The memberships of one case, as the rows a write holds.
pub(crate) fn member_ops(
    case_id: &str,
    region: &RegionCode,
    members: &[FigureMember],
    replacing: bool,
) -> Vec<RowOp> {
    let mut ops = Vec::with_capacity(members.len() + 1);
    if replacing {
        ops.push(RowOp::DeleteAll {
            table: "figure_members",
            key: vec![("case_id", case_id.into())],
        });
    }
    ops.extend(members.iter().map(|m| RowOp::Insert {
        table: "figure_members",
        values: vec![
            ("report", m.report.clone().into()),
            ("figure", m.figure.clone().into()),
            ("case_id", case_id.into()),
            ("region", region.as_str().into()),
            ("from_year", i64::from(m.from_year).into()),
            ("to_year", i64::from(m.to_year).into()),
            ("amount", m.amount.into()),
        ],
    }));
    ops
}

/// A case's memberships of one report (the others it counts toward are left alone).
#[derive(Debug, Clone)]
pub struct CaseMembers {
    pub case_id: String,
    pub region: RegionCode,
    pub members: Vec<FigureMember>,
}

impl Store {
    /// A report's totals for a region (and the regions under it) and a year, by figure. A
    /// figure no case counts toward is absent.
    pub async fn figure_totals(
        &self,
        report: &str,
        region: &RegionCode,
        year: i32,
    ) -> Result<BTreeMap<String, FigureTotal>> {
        let rows: Vec<(String, i64, Option<i64>)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT figure, COUNT(*), CAST(SUM(amount) AS BIGINT) FROM figure_members \
                 WHERE report = $1 AND to_year >= $2 AND from_year <= $2 AND region LIKE $3 \
                 GROUP BY figure",
            )
            .bind(report.to_string())
            .bind(i64::from(year))
            .bind(format!("{}%", region.significant_prefix()))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(figure, cases, amount)| {
                (
                    figure,
                    FigureTotal {
                        cases,
                        amount: amount.unwrap_or(0),
                    },
                )
            })
            .collect())
    }

    /// How many cases each of these figures counts per department (the case's department
    /// now), for a region and a year.
    pub async fn figure_totals_by_department(
        &self,
        report: &str,
        figures: &[String],
        region: &RegionCode,
        year: i32,
    ) -> Result<BTreeMap<String, Vec<(String, i64)>>> {
        if figures.is_empty() {
            return Ok(BTreeMap::new());
        }
        let marks: Vec<String> = (4..4 + figures.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT f.figure, c.department, COUNT(*) FROM figure_members f JOIN cases c ON c.id = f.case_id \
             WHERE f.report = $1 AND f.to_year >= $2 AND f.from_year <= $2 AND f.region LIKE $3 \
             AND f.figure IN ({}) GROUP BY f.figure, c.department ORDER BY f.figure, c.department",
            marks.join(", ")
        );
        let rows: Vec<(String, String, i64)> = on_db!(&self.db, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(report.to_string())
                .bind(i64::from(year))
                .bind(format!("{}%", region.significant_prefix()));
            for figure in figures {
                query = query.bind(figure.clone());
            }
            query.fetch_all(pool).await?
        });
        let mut out: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
        for (figure, department, cases) in rows {
            out.entry(figure).or_default().push((department, cases));
        }
        Ok(out)
    }

    /// A report's records for a region and a year, by figure: the ids of the cases each
    /// figure counts, oldest first.
    pub async fn figure_records(
        &self,
        report: &str,
        region: &RegionCode,
        year: i32,
    ) -> Result<BTreeMap<String, Vec<String>>> {
        let rows: Vec<(String, String)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT figure, case_id FROM figure_members \
                 WHERE report = $1 AND to_year >= $2 AND from_year <= $2 AND region LIKE $3 \
                 ORDER BY figure, case_id",
            )
            .bind(report.to_string())
            .bind(i64::from(year))
            .bind(format!("{}%", region.significant_prefix()))
            .fetch_all(pool)
            .await?
        });
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (figure, case_id) in rows {
            out.entry(figure).or_default().push(case_id);
        }
        Ok(out)
    }

    /// The latest year, up to `up_to`, in which a case of the region counts toward a figure of
    /// the report for that year alone or from it on (not the figures of every year).
    pub async fn latest_figure_year(
        &self,
        report: &str,
        region: &RegionCode,
        up_to: i32,
    ) -> Result<Option<i32>> {
        let year: Option<i64> = on_db!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT MAX(from_year) FROM figure_members \
                 WHERE report = $1 AND from_year > $2 AND from_year <= $3 AND region LIKE $4",
            )
            .bind(report.to_string())
            .bind(i64::from(NO_START))
            .bind(i64::from(up_to))
            .bind(format!("{}%", region.significant_prefix()))
            .fetch_one(pool)
            .await?
        });
        Ok(year.and_then(|y| i32::try_from(y).ok()))
    }

    /// The fingerprint of the figures a report's rows were last built from, if they were.
    pub async fn figure_build(&self, report: &str) -> Result<Option<String>> {
        on_db!(&self.db, pool => {
            Ok(sqlx::query_scalar("SELECT fingerprint FROM figure_builds WHERE report = $1")
                .bind(report.to_string())
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Starts a rebuild of a report's rows: removes them all and forgets their fingerprint
    /// (so that a rebuild cut short is started again).
    pub async fn clear_figure_members(&self, report: &str) -> Result<()> {
        let key = || vec![("report", Value::from(report))];
        self.submit(
            WriteBatch::new()
                .op(RowOp::DeleteAll {
                    table: "figure_builds",
                    key: key(),
                })
                .op(RowOp::DeleteAll {
                    table: "figure_members",
                    key: key(),
                }),
        )
        .await?;
        Ok(())
    }

    /// Replaces the given cases' rows of one report, in one transaction.
    pub async fn set_figure_members(&self, report: &str, cases: &[CaseMembers]) -> Result<()> {
        if cases.is_empty() {
            return Ok(());
        }
        let mut batch = WriteBatch::new();
        for c in cases {
            batch = batch.op(RowOp::DeleteAll {
                table: "figure_members",
                key: vec![
                    ("report", report.into()),
                    ("case_id", c.case_id.clone().into()),
                ],
            });
            for op in member_ops(&c.case_id, &c.region, &c.members, false) {
                batch = batch.op(op);
            }
        }
        self.submit(batch).await?;
        Ok(())
    }

    /// Records that a report's rows are now built from figures with this fingerprint.
    pub async fn finish_figure_build(&self, report: &str, fingerprint: &str) -> Result<()> {
        self.submit(
            WriteBatch::new()
                .op(RowOp::DeleteAll {
                    table: "figure_builds",
                    key: vec![("report", report.into())],
                })
                .insert(
                    "figure_builds",
                    vec![
                        ("report", report.into()),
                        ("fingerprint", fingerprint.into()),
                        ("built_at", self.now().0.into()),
                    ],
                ),
        )
        .await?;
        Ok(())
    }
}
