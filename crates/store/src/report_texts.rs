//! The annual reports' own texts: narrative paragraphs as a district edited them and values
//! entered by hand for figures no record can give. Each edit is a new version of its part
//! (earlier versions stay, for the history) and an event of the region's chain.

use crate::batch::WriteBatch;
use crate::db::on_db;
use crate::{Result, Store, StoreError};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Subject, Timestamp};
use serde_json::json;

/// One version of one part of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportText {
    pub part: String,
    pub version: i64,
    pub text: String,
    pub actor: String,
    pub recorded_at: Timestamp,
}

/// Which report, for which region and year.
#[derive(Debug, Clone, Copy)]
pub struct ReportOf<'a> {
    pub region: &'a RegionCode,
    pub report: &'a str,
    pub year: i32,
}

type Row = (String, i64, String, String, i64);

fn text_of((part, version, text, actor, at): Row) -> ReportText {
    ReportText {
        part,
        version,
        text,
        actor,
        recorded_at: Timestamp(at),
    }
}

impl Store {
    /// Records a new version of a part. `seen` is the version the editor started from (0 for
    /// the shipped text): if someone saved another since, nothing is written and the answer is
    /// a conflict, so no edit silently replaces another.
    pub async fn save_report_text(
        &self,
        actor: &str,
        of: ReportOf<'_>,
        part: &str,
        seen: i64,
        text: &str,
    ) -> Result<ReportText> {
        let latest: Option<i64> = on_db!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT MAX(version) FROM report_texts \
                 WHERE region = $1 AND report = $2 AND year = $3 AND part = $4",
            )
            .bind(of.region.as_str().to_string())
            .bind(of.report.to_string())
            .bind(i64::from(of.year))
            .bind(part.to_string())
            .fetch_one(pool)
            .await?
        });
        let latest = latest.unwrap_or(0);
        if latest != seen {
            return Err(StoreError::Conflict {
                what: format!("report {} {} {part}", of.report, of.year),
                expected: seen,
            });
        }
        let version = seen + 1;
        let now = self.now();
        let batch = WriteBatch::new()
            .event(NewEvent::new(
                of.region.clone(),
                Subject::new("report", &format!("{}:{}", of.report, of.year)),
                "report.text_saved",
                actor,
                json!({"part": part, "version": version, "text": text}),
            ))
            .insert(
                "report_texts",
                vec![
                    ("region", of.region.as_str().into()),
                    ("report", of.report.into()),
                    ("year", i64::from(of.year).into()),
                    ("part", part.into()),
                    ("version", version.into()),
                    ("text", text.into()),
                    ("actor", actor.into()),
                    ("recorded_at", now.0.into()),
                ],
            );
        match self.submit(batch).await {
            Ok(_) => {}
            // Two editors who saw the same version: the second finds the first's row.
            Err(StoreError::Duplicate(_)) => {
                return Err(StoreError::Conflict {
                    what: format!("report {} {} {part}", of.report, of.year),
                    expected: seen,
                });
            }
            Err(e) => return Err(e),
        }
        Ok(ReportText {
            part: part.to_string(),
            version,
            text: text.to_string(),
            actor: actor.to_string(),
            recorded_at: now,
        })
    }

    /// The latest version of every part saved for a report.
    pub async fn report_texts(&self, of: ReportOf<'_>) -> Result<Vec<ReportText>> {
        let rows: Vec<Row> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT t.part, t.version, t.text, t.actor, t.recorded_at FROM report_texts t \
                 WHERE t.region = $1 AND t.report = $2 AND t.year = $3 AND t.version = \
                 (SELECT MAX(u.version) FROM report_texts u WHERE u.region = t.region \
                  AND u.report = t.report AND u.year = t.year AND u.part = t.part) \
                 ORDER BY t.part",
            )
            .bind(of.region.as_str().to_string())
            .bind(of.report.to_string())
            .bind(i64::from(of.year))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(text_of).collect())
    }

    /// Every version of one part, newest first.
    pub async fn report_text_history(
        &self,
        of: ReportOf<'_>,
        part: &str,
    ) -> Result<Vec<ReportText>> {
        let rows: Vec<Row> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT part, version, text, actor, recorded_at FROM report_texts \
                 WHERE region = $1 AND report = $2 AND year = $3 AND part = $4 \
                 ORDER BY version DESC",
            )
            .bind(of.region.as_str().to_string())
            .bind(of.report.to_string())
            .bind(i64::from(of.year))
            .bind(part.to_string())
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(text_of).collect())
    }
}
