//! Holiday arrangements entered by an administrator (a year the State Council has announced
//! after this build of Fazhi was made). They are national data, so each entry is an event of
//! the installation chain (`000000`); the text kept is a calendar file, parsed again at start-up.

use crate::batch::WriteBatch;
use crate::db::on_db;
use crate::{Result, Store};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Subject};
use serde_json::json;

impl Store {
    /// Records (or replaces) one year's arrangement, given as a calendar file's text, with why
    /// when it corrects a year already known.
    pub async fn save_calendar_year(
        &self,
        actor: &str,
        year: i32,
        source: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let exists = self.calendar_years().await?.iter().any(|(y, _)| *y == year);
        let now = self.now();
        let mut batch = WriteBatch::new().event(NewEvent::new(
            RegionCode::installation(),
            Subject::new("calendar", &year.to_string()),
            if exists {
                "calendar.year_replaced"
            } else {
                "calendar.year_entered"
            },
            actor,
            json!({"year": year, "file": source, "reason": reason}),
        ));
        let year = i64::from(year);
        batch = if exists {
            batch.update(
                "calendar_years",
                vec![("year", year.into())],
                vec![("source", source.into()), ("updated_at", now.0.into())],
                None,
            )
        } else {
            batch.insert(
                "calendar_years",
                vec![
                    ("year", year.into()),
                    ("source", source.into()),
                    ("updated_at", now.0.into()),
                ],
            )
        };
        self.submit(batch).await?;
        Ok(())
    }

    /// Every entry and correction of a calendar year, newest first (events of the installation
    /// chain), for every region to see.
    pub async fn calendar_changes(&self) -> Result<Vec<fazhi_core::EventRecord>> {
        Ok(self
            .recent_events(RegionCode::installation().as_str(), 500)
            .await?
            .into_iter()
            .filter(|e| e.kind.starts_with("calendar."))
            .collect())
    }

    /// The entered years and their calendar file text, by year.
    pub async fn calendar_years(&self) -> Result<Vec<(i32, String)>> {
        let rows: Vec<(i64, String)> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT year, source FROM calendar_years ORDER BY year")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(y, s)| (i32::try_from(y).unwrap_or(0), s))
            .collect())
    }
}
