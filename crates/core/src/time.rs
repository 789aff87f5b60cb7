//! Instants in Fazhi: microseconds since the Unix epoch, UTC.
//!
//! Microseconds because that is the finest precision both SQLite (as an integer) and
//! PostgreSQL keep identically; the event hash covers this integer, so it must round-trip
//! exactly on both engines.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// An instant, in microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
/// Microseconds since the Unix epoch (UTC).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = i64))]
pub struct Timestamp(pub i64);

/// China Standard Time. China has had no daylight saving time since 1991.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

impl Timestamp {
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Timestamp(at.timestamp_micros())
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_micros(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The instant in Beijing time, as people in the district read it.
    pub fn to_china_time(self) -> DateTime<FixedOffset> {
        self.to_datetime().with_timezone(&china_offset())
    }

    /// `2019-03-27 09:30` in Beijing time.
    pub fn display_minutes(self) -> String {
        self.to_china_time().format("%Y-%m-%d %H:%M").to_string()
    }

    /// RFC 3339 in UTC with microseconds, for APIs and exports.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Timestamp(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_is_eight_hours_ahead() {
        let t = Timestamp(1_553_650_200_000_000); // 2019-03-27T01:30:00Z
        assert_eq!(t.display_minutes(), "2019-03-27 09:30");
        assert_eq!(t.to_rfc3339(), "2019-03-27T01:30:00.000000Z");
    }
}
