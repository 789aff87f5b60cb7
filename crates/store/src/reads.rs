//! Who read which case (个人信息保护法 Art 51: measures such as access logging for personal
//! data): every staff read of a case — its page, its record in the API, its history, a file of
//! it — is a row, shown to the region's supervisors on the case. Reads are not events of the
//! chain: they are many and change nothing.

use crate::db::on_db;
use crate::{Result, Store, WriteBatch};
use fazhi_core::Timestamp;
use fazhi_core::region::RegionCode;

/// One read of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRead {
    pub user_id: String,
    /// What was read: `page`, `api`, `events`, `file`.
    pub what: String,
    pub at: Timestamp,
}

impl Store {
    /// Records that a user read a case.
    pub async fn record_read(
        &self,
        case_id: &str,
        region: &RegionCode,
        user_id: &str,
        what: &str,
    ) -> Result<()> {
        let batch = WriteBatch::new().insert(
            "case_reads",
            vec![
                ("case_id", case_id.into()),
                ("region", region.as_str().into()),
                ("user_id", user_id.into()),
                ("what", what.into()),
                ("at_us", self.now().0.into()),
            ],
        );
        self.submit(batch).await?;
        Ok(())
    }

    /// The latest reads of a case, newest first.
    pub async fn reads_of(&self, case_id: &str, limit: i64) -> Result<Vec<CaseRead>> {
        let rows: Vec<(String, String, i64)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT user_id, what, at_us FROM case_reads WHERE case_id = $1 ORDER BY at_us DESC LIMIT $2",
            )
            .bind(case_id.to_string())
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(user_id, what, at)| CaseRead {
                user_id,
                what,
                at: Timestamp(at),
            })
            .collect())
    }
}
